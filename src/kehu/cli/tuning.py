"""Process settings of the commands that analyse: BLAS threads and Arrow's allocator."""

from __future__ import annotations

import os


def blas_on_one_thread() -> None:
    """Give numpy's and SciPy's OpenBLAS one thread each, unless the user chose a number.

    The analysis makes only short vector products, for which BLAS threads cost more than
    they give: each OpenBLAS library starts a thread per core that spins for a while
    after it loads and after every call, taking the cores DuckDB, the likelihoods and
    LightGBM use (on 2 cores: ``kehu analyze`` of a million customers 5.25 s to 5.0 s,
    ``kehu score`` of the 10,000-customer demo 12.7 s to 11.7 s; on 16 cores, 5
    CPU-seconds of spinning while the modules load). Call it before numpy is imported.
    """
    if not any(os.environ.get(v) for v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")):
        os.environ["OPENBLAS_NUM_THREADS"] = "1"


def arrow_allocates_with_malloc() -> None:
    """Give Arrow the system allocator, unless ``ARROW_DEFAULT_MEMORY_POOL`` names one.

    The analysis turns million-row tables between Arrow and pandas several times; Arrow's
    default pool (mimalloc) holds on to the pages of freed buffers, and with it a
    million-customer ``kehu analyze`` peaked 50-100 MB higher and took 0.3-0.7 s longer.
    """
    if "ARROW_DEFAULT_MEMORY_POOL" not in os.environ:
        import pyarrow as pa

        pa.set_memory_pool(pa.system_memory_pool())
