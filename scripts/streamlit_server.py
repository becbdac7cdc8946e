"""`streamlit run` on a free loopback port, and the flags of the system Chromium.

Shared by the browser tests (``tests/browser/conftest.py``), the benchmark and the load test, so
the three start, check and stop the server the same way: its own process group (Streamlit may
spawn children), health through ``/_stcore/health``, the log kept for the error message.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"
CHROMIUM = "/usr/bin/chromium"  # Debian's package; `playwright install` cannot download here
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--disable-dev-shm-usage",  # many contexts at once (the load test) overflow /dev/shm
]


# Render state of a Streamlit page in the browser: a rerun is over when the script is idle, no
# element is stale (Streamlit marks the previous run's elements until the new run replaces them),
# no spinner shows, and the number of charts stops changing (old and new briefly coexist).
RENDER_STATE_JS = """() => {
    const app = document.querySelector('[data-testid="stApp"]');
    return {
        state: app ? app.getAttribute('data-test-script-state') : null,
        stale: document.querySelectorAll('[data-stale="true"]').length,
        spinners: document.querySelectorAll('[data-testid="stSpinner"]').length,
        charts: document.querySelectorAll('.js-plotly-plot').length,
    };
}"""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def is_healthy(base_url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{base_url}/_stcore/health", timeout=2) as response:
            return response.read().decode().strip() == "ok"
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return False


class StreamlitServer:
    """One `streamlit run SCRIPT` from the repository root; ``stop()`` ends its whole group.

    Parameters
    ----------
    log_path : Path
        Where the server's output goes (quoted in the error if it does not start).
    script : str or Path
        The app script, relative to the repository root (default ``app.py``).
    env : dict, optional
        Extra environment variables (e.g. ``PTE_DATA_DIR``).
    nice : int
        Niceness of the server process (0: unchanged); every server thread inherits it.
    """

    def __init__(
        self,
        log_path: Path,
        script: str | Path = "app.py",
        env: dict[str, str] | None = None,
        nice: int = 0,
        port: int | None = None,
    ):
        self.log_path, self.script, self.nice = Path(log_path), str(script), nice
        self.env = dict(env or {})
        self.port = port or free_port()
        self.url = f"http://{HOST}:{self.port}"
        self.process: subprocess.Popen | None = None
        self.startup_s = float("nan")

    def start(self, timeout_s: float = 90.0) -> None:
        """Start and wait until healthy; RuntimeError (with the log) if it exits or times out."""
        command = [sys.executable, "-m", "streamlit", "run", self.script]
        command += ["--server.port", str(self.port), "--server.address", HOST]
        command += ["--server.headless", "true", "--browser.gatherUsageStats", "false"]
        env = {**os.environ, "PYTHONPATH": str(ROOT), **self.env}
        start = time.monotonic()
        with open(self.log_path, "wb") as out:
            self.process = subprocess.Popen(
                command,
                cwd=ROOT,  # the repository's .streamlit/config.toml applies
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # own process group: stop() ends it and its children
                preexec_fn=(lambda: os.setpriority(os.PRIO_PROCESS, 0, self.nice))
                if self.nice
                else None,
            )
        deadline = start + timeout_s
        while not is_healthy(self.url):
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"streamlit exited with {self.process.returncode}:\n{self.log_path.read_text()}"
                )
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"streamlit not healthy after {timeout_s:g} s:\n{self.log_path.read_text()}"
                )
            time.sleep(0.05)
        self.startup_s = time.monotonic() - start

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self) -> None:
        """Terminate the process group, then kill it if it lingers; safe to call twice."""
        process = self.process
        if process is None or process.poll() is not None:
            return
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
        except ProcessLookupError:
            pass
