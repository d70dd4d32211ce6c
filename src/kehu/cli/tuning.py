"""Process settings of the commands that analyse: BLAS threads, allocators, Arrow's threads."""

from __future__ import annotations

import ctypes
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


def arrow_threads_as_chosen() -> None:
    """Give Arrow's thread pool ``KEHU_THREADS`` threads where that is set.

    DuckDB and the likelihoods' sums read ``KEHU_THREADS`` themselves
    (:mod:`kehu.insight.threads`); Arrow's pool is the process's, set here. A value that
    is not a whole number >= 1 raises :class:`~kehu.insight.errors.InputError`.
    """
    from kehu.insight.threads import chosen_threads

    if (threads := chosen_threads()) is not None:
        import pyarrow as pa

        pa.set_cpu_count(threads)
        pa.set_io_thread_count(threads)


#: mallopt's parameter for the most arenas glibc's malloc makes (malloc.h: M_ARENA_MAX).
M_ARENA_MAX = -8
#: Arenas of an analysing command, unless ``MALLOC_ARENA_MAX`` says otherwise.
MALLOC_ARENAS = 2


def malloc_arenas_capped() -> bool:
    """Let glibc's malloc make at most :data:`MALLOC_ARENAS` arenas; return whether it did.

    glibc gives each new thread an arena of its own, up to eight per core, and an arena
    keeps the pages of the arrays freed in it for its thread's next ones. The
    analysis frees large temporaries on many threads (the likelihoods' row slices,
    Arrow, the Parquet writer), so with a thread per core the freed pages piled up:
    ``kehu analyze`` of a million customers with 16 threads peaked at 837-845 MB, and at
    686-699 MB with two arenas (on 2 cores about 40 MB less), at the same speed. Left as
    it is where ``MALLOC_ARENA_MAX`` is set, and where the C library is not glibc. Call
    it before the command starts threads: an arena, once made, stays.
    """
    if "MALLOC_ARENA_MAX" in os.environ:
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):  # no mallopt: not glibc
        return False
    return bool(mallopt(M_ARENA_MAX, MALLOC_ARENAS))
