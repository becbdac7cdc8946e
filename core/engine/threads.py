"""One BLAS/OpenMP thread per process, set once where a process starts (server, CLI, grid worker).

NumPy's and SciPy's OpenBLAS start one thread per core. The engine's BLAS calls are small (a
frontier draw multiplies 8,000 × 29 by 29 × 8), so a second thread buys nothing in one process
alone and costs a lot as soon as two processes (two grid workers, the server beside a test run)
or two threads of one server (two sessions) call BLAS at once: the threads spin against each
other. docs/benchmarks.md ("two at once") has the measurement.

The limit is process-wide state, which is why it is set here once, at each entry point, and not
around single fits. Only the thread count changes: results are the same with any count.
"""

from __future__ import annotations

import threading

from threadpoolctl import threadpool_info, threadpool_limits

import core.engine  # noqa: F401  (loads NumPy, SciPy and scikit-learn: every pool to limit)

_lock = threading.Lock()
_done = False


def limit_blas_threads() -> None:
    """Limit every BLAS and OpenMP library of the engine to one thread in this process.

    The first call costs ~30 ms (threadpoolctl scans the loaded libraries); later calls return at
    once, so a grid worker can call it before every cell.
    """
    global _done
    with _lock:
        if not _done:
            threadpool_limits(limits=1)
            _done = True


def blas_threads() -> dict[str, int]:
    """Threads per loaded BLAS/OpenMP library (file name → threads), for diagnostics."""
    return {info["filepath"].rsplit("/", 1)[-1]: info["num_threads"] for info in threadpool_info()}
