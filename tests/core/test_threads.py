"""One BLAS thread per process (core.engine.threads)."""

from threadpoolctl import threadpool_info

from core.engine.threads import blas_threads, limit_blas_threads


def test_every_engine_thread_pool_is_limited_to_one_thread():
    """After the call, NumPy's and SciPy's OpenBLAS and scikit-learn's OpenMP run one thread."""
    limit_blas_threads()
    limit_blas_threads()  # idempotent
    apis = {info["internal_api"] for info in threadpool_info()}
    assert "openblas" in apis
    assert set(blas_threads().values()) == {1}
