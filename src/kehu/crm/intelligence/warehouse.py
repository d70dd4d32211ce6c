"""The sales warehouse: a Parquet star schema of the operational store, for OLAP.

:func:`build_warehouse` reads the store with one plain SELECT per table
(:mod:`.warehouse_extract`), shapes the star schema with DuckDB SQL
(:mod:`.warehouse_sql`) and writes it under ``VAR_DIR/warehouse``: each build in a
folder of its own, made current by rewriting the one-line file ``CURRENT`` (an atomic
rename), so a reader never sees half a build; the previous build stays until the next
one, for readers that opened it. :func:`open_warehouse` gives a DuckDB engine with the
tables as views, for :mod:`kehu.insight.olap`. The analysis run builds it as its last
step; ``kehu warehouse build`` builds it on demand.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
from django.conf import settings
from django.utils import timezone

from kehu.crm.background import launch_kehu
from kehu.crm.choices import SalesChannel
from kehu.crm.intelligence import warehouse_sql as sql
from kehu.crm.intelligence.warehouse_extract import Extract, extracts, write_extract
from kehu.insight.engine import DuckDBEngine
from kehu.insight.olap import TABLES, WarehouseError, register_warehouse

logger = logging.getLogger(__name__)
Progress = Callable[[str], None]

CURRENT = "CURRENT"
BUILDS = "builds"
RECORD = "build.json"
MEMORY_LIMIT = "4GB"


@dataclass
class WarehouseBuild:
    """One finished build: where, when, how long, and the rows of each table."""

    folder: Path
    built_at: datetime
    seconds: float
    rows: dict[str, int] = field(default_factory=dict)
    steps: dict[str, float] = field(default_factory=dict)  # seconds per step
    time_zone: str = "UTC"

    @property
    def row_counts(self) -> dict[str, int]:
        return self.rows

    def to_json(self) -> str:
        data = asdict(self)
        data["folder"], data["built_at"] = self.folder.name, self.built_at.isoformat()
        return json.dumps(data, indent=2)

    @classmethod
    def read(cls, folder: Path) -> WarehouseBuild:
        data = json.loads((folder / RECORD).read_text())
        data["folder"], data["built_at"] = folder, datetime.fromisoformat(data["built_at"])
        return cls(**data)


def warehouse_root() -> Path:
    """Where the builds live: ``VAR_DIR/warehouse``."""
    return Path(settings.VAR_DIR) / "warehouse"


def warehouse_folder(root: Path | None = None) -> Path:
    """The folder of the current build (its Parquet files); WarehouseError when none."""
    root = root or warehouse_root()
    try:
        name = (root / CURRENT).read_text().strip()
    except FileNotFoundError:
        raise WarehouseError(
            "the sales warehouse has not been built yet: run `kehu warehouse build` "
            "or an analysis run"
        ) from None
    folder = root / BUILDS / name
    if not (folder / RECORD).exists():
        raise WarehouseError(f"the current warehouse build {folder} is missing: build it again")
    return folder


def last_build(root: Path | None = None) -> WarehouseBuild | None:
    """The current build (when, rows, time taken), None when never built."""
    try:
        return WarehouseBuild.read(warehouse_folder(root))
    except WarehouseError:
        return None


def open_warehouse(root: Path | None = None, threads: int | None = None) -> DuckDBEngine:
    """A DuckDB engine with the current build's tables as views (close it after use)."""
    folder = warehouse_folder(root)
    engine = DuckDBEngine(threads=threads)
    try:
        register_warehouse(engine, folder)
    except BaseException:
        engine.close()
        raise
    return engine


def build_warehouse(
    folder: Path | None = None, *, on_progress: Progress | None = None
) -> WarehouseBuild:
    """Build the star schema from the store under ``folder`` (default
    :func:`warehouse_root`) and make it current. A build already running in another
    process is waited for, and its result returned: it read the store just now."""
    root = folder or warehouse_root()
    root.mkdir(parents=True, exist_ok=True)
    asked_at = time.time()
    with _build_lock(root):
        done = last_build(root)
        if done is not None and done.built_at.timestamp() >= asked_at:
            return done
        return _build(root, on_progress)


def is_building(root: Path | None = None) -> bool:
    """Whether a build holds the lock now (in this process or another)."""
    lock_path = (root or warehouse_root()) / ".build.lock"
    if not lock_path.exists():
        return False
    with open(lock_path) as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
    return False


def launch_build() -> subprocess.Popen[bytes]:
    """``kehu warehouse build`` in the background (output in ``var/log/warehouse.log``):
    at a million customers a build takes minutes, longer than a page should wait."""
    return launch_kehu(["warehouse", "build"], "warehouse")


@contextmanager
def _build_lock(root: Path) -> Iterator[None]:
    with open(root / ".build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        yield


def _build(root: Path, on_progress: Progress | None) -> WarehouseBuild:
    started, steps = time.perf_counter(), {}
    built_at = timezone.now()
    name = built_at.astimezone(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    partial = root / BUILDS / f"{name}.partial"
    shutil.rmtree(partial, ignore_errors=True)
    (partial / "raw").mkdir(parents=True)

    def step(text: str, work: Callable[[], object]) -> None:
        if on_progress is not None:
            on_progress(text)
        began = time.perf_counter()
        work()
        steps[text] = round(time.perf_counter() - began, 2)

    try:
        for extract in extracts():
            step(f"reading {extract.name.removeprefix('raw_')}", _writer(extract, partial))
        rows: dict[str, int] = {}
        step("shaping the star schema", lambda: rows.update(_shape(partial)))
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    shutil.rmtree(partial / "raw")
    build = WarehouseBuild(
        folder=root / BUILDS / name,
        built_at=built_at,
        seconds=round(time.perf_counter() - started, 2),
        rows=rows,
        steps=steps,
        time_zone=settings.TIME_ZONE,
    )
    (partial / RECORD).write_text(build.to_json())
    partial.rename(build.folder)
    _make_current(root, name)
    _prune(root, keep=name)
    logger.info("sales warehouse built in %.1f s: %s", build.seconds, rows)
    return build


def _writer(extract: Extract, partial: Path) -> Callable[[], int]:
    return lambda: write_extract(extract, partial / "raw")


def _shape(partial: Path) -> dict[str, int]:
    """Run the star schema's SQL on the raw extracts; return each table's rows."""
    tz = settings.TIME_ZONE
    (partial / "tmp").mkdir()
    engine = DuckDBEngine(
        memory_limit=MEMORY_LIMIT, settings={"temp_directory": str(partial / "tmp")}
    )
    with engine:
        for path in sorted((partial / "raw").glob("*.parquet")):
            engine.register_parquet(path.stem, path)
        engine.register_table("dim_channel_source", _channels())
        engine.materialize("customer_versions", sql.customer_versions_sql())
        engine.materialize("sales_orders", sql.sales_orders_sql(tz))
        engine.materialize("first_purchases", sql.first_purchases_sql())
        outputs = {
            "dim_customer": sql.dim_customer_sql(tz),
            "dim_product": sql.dim_product_sql(),
            "dim_salesperson": sql.dim_salesperson_sql(),
            "dim_channel": "SELECT * FROM dim_channel_source",
            "order_keys": sql.order_keys_sql(),
            "fact_sales": sql.fact_sales_sql(),
            "fact_orders": sql.fact_orders_sql(),
            "fact_returns": sql.fact_returns_sql(),
            "fact_payments": sql.fact_payments_sql(),
            "fact_invoices": sql.fact_invoices_sql(),
            "fact_interactions": sql.fact_interactions_sql(tz),
            "fact_tickets": sql.fact_tickets_sql(tz),
        }
        for table, query in outputs.items():
            if table in sql.INTERMEDIATE:
                engine.materialize(table, query)
            else:
                _write(engine, table, query, partial)
        span = engine.query(sql.date_span_sql(), "dim_date").to_pylist()[0]
        if span["first"] is not None:
            _write(engine, "dim_date", sql.dim_date_sql(span["first"], span["last"]), partial)
        else:
            _write(engine, "dim_date", sql.dim_date_sql(*[timezone.localdate()] * 2), partial)
        for name in sql.INTERMEDIATE:
            engine.drop(name)
        counts = {
            table: int(
                engine.query(f"SELECT COUNT(*) AS n FROM {table}", table).column(0)[0].as_py()
            )
            for table in TABLES
        }
    shutil.rmtree(partial / "tmp", ignore_errors=True)
    return counts


def _write(engine: DuckDBEngine, table: str, query: str, partial: Path) -> None:
    path = partial / f"{table}.parquet"
    quoted = str(path).replace("'", "''")
    engine.execute(
        f"COPY ({query}) TO '{quoted}' (FORMAT parquet, COMPRESSION zstd)", f"writing {table}"
    )
    engine.register_parquet(table, path)


def _channels() -> pa.Table:
    codes, labels = zip(*((c.value, str(c.label)) for c in SalesChannel), strict=True)
    return pa.table({"channel": list(codes), "label": list(labels)})


def _make_current(root: Path, name: str) -> None:
    pointer = root / f"{CURRENT}.tmp"
    pointer.write_text(name + "\n")
    os.replace(pointer, root / CURRENT)


def _prune(root: Path, keep: str) -> None:
    """Remove every build but the current one and the one before it, and leftovers of
    builds that stopped half-way."""
    builds = root / BUILDS
    finished = sorted(p.name for p in builds.iterdir() if p.is_dir() and "." not in p.name)
    kept = {keep, *[n for n in finished if n < keep][-1:]}
    for path in builds.iterdir():
        if path.name not in kept:
            shutil.rmtree(path, ignore_errors=True)
