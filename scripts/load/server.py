"""The app under test: `streamlit run app.py` on a loopback port with a throw-away data folder."""

from __future__ import annotations

import tempfile
from pathlib import Path

from scripts.streamlit_server import StreamlitServer, is_healthy

SERVER_START_TIMEOUT_S = 90


class Server(StreamlitServer):
    """The app under test; its saved scenarios go to a throw-away folder."""

    def __init__(self, port: int, log_path: Path, nice: int = 0):
        super().__init__(log_path=log_path, nice=nice, port=port)
        self.data_dir: tempfile.TemporaryDirectory | None = None

    def start(self, timeout_s: float = SERVER_START_TIMEOUT_S) -> None:
        self.data_dir = tempfile.TemporaryDirectory(prefix="pte_load_data_")
        self.env["PTE_DATA_DIR"] = self.data_dir.name
        super().start(timeout_s)

    def healthy(self) -> bool:
        return is_healthy(self.url)

    def stop(self) -> None:
        super().stop()
        if self.data_dir is not None:
            self.data_dir.cleanup()
            self.data_dir = None
