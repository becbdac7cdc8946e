"""The load test of a workshop room, run as ``python -m scripts.load``.

Two scenarios behind one entry (``__main__``):

* ``python -m scripts.load [--sessions N …]``: N sessions move ε on the Explore page of one
  ``streamlit run app.py``; the command is ``epsilon_command``, its sessions
  ``epsilon_sessions``, ``protocol_sessions`` and ``browser_sessions``, its figures and report
  ``epsilon_figures`` and ``epsilon_report``.
* ``python -m scripts.load room [--participants N --replicas R --database … --fault …]``: N phones
  answer a room's three activities while a projector counts; the command is ``room_command``, the
  room ``room_scenario`` with ``room_phone``, ``room_database`` and ``faults``, its report
  ``room_report``.

Both use the app under test (``server``), Streamlit's WebSocket protocol as a browser speaks it
(``protocol``), the memory and CPU sampler (``resources``) and the docs-section writer
(``markdown``). This module holds what every one of them needs: where the repository and the raw
samples are, and the progress log on stderr.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts" / "load_test"


def log(message: str) -> None:
    stamp = dt.datetime.now().strftime("%H:%M:%S")
    print(f"[{stamp}] {message}", file=sys.stderr, flush=True)
