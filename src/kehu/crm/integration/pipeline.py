"""An import from start to end: read, map, check every row in SQL, set the bad rows
aside with their reasons, then write the good ones in batches, each batch in one
transaction together with the job's counts, so that a run killed halfway leaves whole
batches behind and says which."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
from django.db import connection, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from kehu.crm.integration import normalise
from kehu.crm.integration.entities import ENTITIES
from kehu.crm.integration.mapping import FIELDS, check_mapping, suggest_mapping
from kehu.crm.integration.models import ImportJob, MappingProfile, QuarantinedRow
from kehu.crm.integration.quarantine import EXTRA_CELLS
from kehu.crm.integration.readers import RAW, REJECTS, ROW, ReadError, Source, read_file
from kehu.crm.integration.staging import QueryError, Staging
from kehu.crm.integration.workdirs import sweep_workdirs
from kehu.crm.integration.writes import ImportBy, insert_rows
from kehu.crm.processes import machine as _machine
from kehu.crm.processes import process_alive, runner
from kehu.crm.processes import process_start as _process_start  # noqa: F401 (tests)

BATCH_ROWS = 50_000
QUARANTINE_CHUNK = 20_000
#: rows a batch reports (shared emails, ...): this many are kept on the job to show
REPORTED_ROWS = 100
#: A running job that has not reported for this long was killed.
STALE_AFTER = timedelta(minutes=15)

Progress = Callable[[str, int, int], None]


class ImportInputError(ValueError):
    """The import cannot run as asked; the message says what to fix."""


class BatchFailedError(RuntimeError):
    """A batch could not be written (rolled back); the job holds the message."""

    def __init__(self, job_id: int, batch: int) -> None:
        super().__init__(f"import #{job_id} stopped at batch {batch + 1}")
        self.job_id = job_id
        self.batch = batch


@dataclass
class Options:
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    date_format: str | None = None
    decimal_comma: bool | None = None
    batch_rows: int = BATCH_ROWS
    #: order dates beyond the future bound (KEHU_IMPORT_FUTURE_DAYS) are imported
    allow_future_dates: bool = False
    #: the file passed :func:`~kehu.crm.integration.readers.check_source` already
    checked: bool = False


def resolve_mapping(
    entity: str, headers: list[str], profile: str | None, overrides: dict[str, str]
) -> tuple[dict[str, str], dict[str, Any]]:
    """Suggested mapping, then the saved profile's, then the overrides (an empty column
    unmaps the field); the profile's options (date format, decimal comma) come with it."""
    mapping = suggest_mapping(entity, headers)
    options: dict[str, Any] = {}
    if profile:
        saved = MappingProfile.objects.filter(name=profile).first()
        if saved is None:
            names = list(MappingProfile.objects.values_list("name", flat=True))
            raise ImportInputError(f"no mapping profile named {profile!r}; saved profiles: {names}")
        if saved.entity != entity:
            raise ImportInputError(
                f"mapping profile {profile!r} is for {saved.entity}, not {entity}"
            )
        mapping.update(saved.mapping)
        options = dict(saved.options)
    mapping.update(overrides)
    mapping = {f: column for f, column in mapping.items() if column}  # "": left unmapped
    problems = check_mapping(entity, mapping, headers)
    if problems:
        raise ImportInputError("; ".join(problems))
    return mapping, options


def mark_stale_jobs() -> int:
    """Jobs still 'running' whose process is gone (killed, or the machine restarted):
    known at once when the process ran on this machine (same boot, same process
    namespace), otherwise after :data:`STALE_AFTER` without progress. The temporary
    folders of dead imports are swept on the way."""
    sweep_workdirs()
    cutoff = datetime.now(UTC) - STALE_AFTER
    here = _machine()
    dead = []
    for job in ImportJob.objects.filter(status=ImportJob.Status.RUNNING).only(
        "pk", "details", "heartbeat_at"
    ):
        runner = job.details.get("runner") or {}
        if runner.get("pid") == os.getpid() and runner.get("machine") == here:
            continue
        if here is not None and runner.get("machine") == here:
            if not process_alive(runner["pid"], runner.get("started")):
                dead.append(job.pk)
        elif job.heartbeat_at < cutoff:
            dead.append(job.pk)
    return ImportJob.objects.filter(pk__in=dead, status=ImportJob.Status.RUNNING).update(
        status=ImportJob.Status.FAILED,
        message="the import process stopped before the end (it was killed): the batches "
        "counted as landed are in the database, the rest are not; import the file again "
        "to finish",
    )


def _runner() -> dict[str, Any]:
    return {"runner": runner()}


def claim(job: ImportJob) -> None:
    """Mark ``job`` as run by this process, so that a kill is seen at once."""
    job.details = {**job.details, **_runner()}
    ImportJob.objects.filter(pk=job.pk).update(details=job.details)


@dataclass
class Prepared:
    """A file read, mapped and checked (nothing written yet)."""

    source: Source
    entity: str
    mapping: dict[str, str]
    options: Options
    quarantined: int
    batches: int

    def close(self) -> None:
        self.source.close()


def read_source(path: Path, options: Options) -> Source:
    """The file as a table of the import's staging database (see
    :mod:`~kehu.crm.integration.readers`)."""
    try:
        return read_file(
            path,
            encoding=options.encoding,
            delimiter=options.delimiter,
            sheet=options.sheet,
            checked=options.checked,
        )
    except ReadError as e:
        raise ImportInputError(str(e)) from e


def prepare(
    source: Source,
    entity: str,
    *,
    mapping_profile: str | None = None,
    overrides: dict[str, str] | None = None,
    options: Options | None = None,
    report: Progress | None = None,
) -> Prepared:
    """Settle the mapping and the reading options of a file read with
    :func:`read_source`, and check every row (in its staging database). The result owns ``source``;
    the caller closes it."""
    options = options or Options()
    try:
        if entity not in ENTITIES:
            raise ImportInputError(f"entity must be one of {sorted(ENTITIES)}, got {entity!r}")
        mapping, saved = resolve_mapping(entity, source.columns, mapping_profile, overrides or {})
        _apply_saved_options(options, saved)
        _detect(source, entity, mapping, options)
        if report:
            report("checking rows", 0, source.rows)
        module = ENTITIES[entity]
        db = source.staging
        if hasattr(module, "resolve_references"):
            module.resolve_references(db, mapping)
        latest = None if options.allow_future_dates else normalise.latest_date()
        db.execute(
            module.prepare_sql(
                mapping, options.date_format, bool(options.decimal_comma), latest=latest
            ),
            module.ROWS,
        )
        db.execute(module.batch_sql(options.batch_rows), "import_batches")
        (bad,) = db.one(f"SELECT COUNT(*) FROM {module.ROWS} WHERE reason IS NOT NULL", "bad rows")
        quarantined = source.rejected + bad
        (batches,) = db.one("SELECT COALESCE(MAX(batch) + 1, 0) FROM import_batches", "batches")
    except QueryError as e:  # the message says what DuckDB found; the query is chained
        source.close()
        raise ImportInputError(f"could not check the rows: {e.reason.splitlines()[0]}") from e
    except Exception:
        source.close()
        raise
    return Prepared(source, entity, mapping, options, quarantined, batches)


def _fetch_batch(db: Staging, batch: int) -> pa.Table:
    """The good rows of batch ``batch`` of ``import_batches`` (each entity's
    ``batch_sql`` makes that table), in the file's order."""
    return db.query(
        f"SELECT * FROM import_batches WHERE batch = {int(batch)} ORDER BY row_number",
        f"batch {batch + 1}",
    )


def preview(prepared: Prepared, n: int = 10) -> dict[str, Any]:
    """The first ``n`` rows as they would be read (with each row's reason, if any) and
    the quarantine reasons over the whole file, most common first."""
    module = ENTITIES[prepared.entity]
    db = prepared.source.staging
    cursor = db.execute(
        f"SELECT * FROM {module.ROWS} ORDER BY row_number LIMIT {int(n)}", "preview"
    )
    names = [d[0] for d in cursor.description]
    rows = [dict(zip(names, r, strict=True)) for r in cursor.fetchall()]
    reasons = db.rows(
        f"SELECT reason, COUNT(*) AS n FROM (SELECT reason FROM {module.ROWS} "
        f"WHERE reason IS NOT NULL UNION ALL SELECT reason FROM {REJECTS}) "
        "GROUP BY reason ORDER BY n DESC, reason LIMIT 20",
        "quarantine reasons",
    )
    fields = list(module.PREVIEW_FIELDS)
    return {
        "fields": fields,
        "labels": [_preview_label(prepared.entity, f) for f in fields],
        "rows": [
            {
                "row_number": r["row_number"],
                "reason": r["reason"],
                "values": [_shown(r.get(f)) for f in fields],
            }
            for r in rows
        ],
        "reasons": reasons,
        "rows_in": prepared.source.rows,
        "quarantined": prepared.quarantined,
        "notes": prepared.source.notes,
    }


def _shown(value: Any) -> Any:
    """A preview cell as a user reads it: a flag as yes or no."""
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    return value


def _preview_label(entity: str, name: str) -> str:
    """A preview column's heading: its field's label (orders name two of their own)."""
    labels = {f.name: f.label for f in FIELDS[entity]}
    labels |= {"customer_ext": labels.get("customer_id", name), "is_return": _("Return")}
    return str(labels.get(name, name))


def run_import(
    path: Path,
    entity: str,
    *,
    mapping_profile: str | None = None,
    overrides: dict[str, str] | None = None,
    options: Options | None = None,
    save_profile: str | None = None,
    user: Any = None,
    progress: Progress | None = None,
    job: ImportJob | None = None,
) -> ImportJob:
    """Import ``path`` as ``entity``; returns the finished job (its counts reconcile:
    rows in = imported + merged + quarantined). ``job``: a job created beforehand (the
    web's), filled in instead of a new one."""
    report = progress or (lambda _step, _done, _total: None)
    mark_stale_jobs()
    prepared = prepare(
        read_source(path, options or Options()),
        entity,
        mapping_profile=mapping_profile,
        overrides=overrides,
        options=options,
        report=report,
    )
    try:
        if save_profile:
            _save_profile(save_profile, entity, prepared.mapping, prepared.options)
        return _run(prepared, path, user, report, job)
    finally:
        prepared.close()


def _apply_saved_options(options: Options, saved: dict[str, Any]) -> None:
    if options.date_format is None:
        options.date_format = saved.get("date_format")
    if options.decimal_comma is None:
        options.decimal_comma = saved.get("decimal_comma")


def _detect(source: Source, entity: str, mapping: dict[str, str], options: Options) -> None:
    module = ENTITIES[entity]
    dates = [f for f in module.DATE_FIELDS if f in mapping]
    if options.date_format is None and dates:
        options.date_format = normalise.detect_date_format(source.staging, mapping[dates[0]])
    if options.decimal_comma is None:
        numeric = [mapping[f] for f in module.NUMBER_FIELDS if f in mapping]
        options.decimal_comma = normalise.detect_decimal_comma(source.staging, numeric)


def _save_profile(name: str, entity: str, mapping: dict[str, str], options: Options) -> None:
    MappingProfile.objects.update_or_create(
        name=name,
        defaults={
            "entity": entity,
            "mapping": mapping,
            "options": {"date_format": options.date_format, "decimal_comma": options.decimal_comma},
        },
    )


def _run(
    prepared: Prepared, path: Path, user: Any, report: Progress, job: ImportJob | None
) -> ImportJob:
    source, options = prepared.source, prepared.options
    module = ENTITIES[prepared.entity]
    db = source.staging
    details = {
        "encoding": source.encoding,
        "delimiter": source.delimiter,
        "date_format": options.date_format or "ISO 8601",
        "decimal_comma": bool(options.decimal_comma),
        "notes": source.notes,
        "columns": source.columns,  # the file's order (jsonb keeps no key order)
        "allow_future_dates": options.allow_future_dates,
        **module.file_details(db),
    }
    with transaction.atomic():
        if job is None:
            job = ImportJob(created_by=user if getattr(user, "pk", None) else None)
        job.entity = prepared.entity
        job.source_name = job.source_name or path.name[:300]
        job.mapping = prepared.mapping
        job.rows_in = source.rows
        job.quarantined = prepared.quarantined
        job.batches_total = prepared.batches
        job.details = {**job.details, **details, **_runner()}
        job.save()
        _write_quarantine(db, job, module.ROWS, source.columns)
        _write_rejects(db, job, source.columns)
    created: dict[str, Any] = {}
    by = ImportBy(f"import #{job.pk} ({job.source_name})", job.created_by_id)
    for batch in range(prepared.batches):
        rows = _fetch_batch(db, batch)
        try:
            with transaction.atomic():
                counts = module.apply_batch(rows, by=by)
                ImportJob.objects.filter(pk=job.pk).update(
                    imported=F("imported") + counts["imported"],
                    merged=F("merged") + counts["merged"],
                    batches_landed=F("batches_landed") + 1,
                    heartbeat_at=datetime.now(UTC),
                )
        except Exception as e:  # the batch rolled back; the job says so, then it goes on up
            ImportJob.objects.filter(pk=job.pk).update(
                status=ImportJob.Status.FAILED,
                finished_at=datetime.now(UTC),
                message=f"batch {batch + 1} of {prepared.batches} could not be written "
                f"({type(e).__name__}: {str(e)[:300]}); the {batch} batches before it landed",
            )
            raise BatchFailedError(job.pk, batch) from e
        for key, value in counts.items():
            if isinstance(value, list):  # rows to report (a few are shown, all counted)
                created[key] = (created.get(key, []) + value)[:REPORTED_ROWS]
            elif key not in ("imported", "merged"):
                created[key] = created.get(key, 0) + value
        report("writing", batch + 1, prepared.batches)
    job.refresh_from_db()
    job.status = ImportJob.Status.DONE
    job.finished_at = datetime.now(UTC)
    job.details = {**job.details, **created}
    if not job.accounted:  # a bug, never the user's input: say so rather than hide it
        job.status = ImportJob.Status.FAILED
        job.message = (
            f"rows do not reconcile: {job.rows_in} in, {job.imported} imported, "
            f"{job.merged} merged, {job.quarantined} quarantined"
        )
    job.save()
    _refresh_statistics()
    return job


def _refresh_statistics() -> None:
    """SQLite's planner statistics for the tables the import used and grew (``PRAGMA
    optimize``: those with none yet, or 25 times the rows of their last ``ANALYZE``).
    Without them SQLite took the ``merged_into`` index (NULL for every customer) for the
    customer list, and sorted every customer: 0.6 s a page at a million customers."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA optimize")


def _write_quarantine(db: Staging, job: ImportJob, rows_table: str, columns: list[str]) -> None:
    for batch in db.chunks(
        f"SELECT q.row_number, q.reason, r.* EXCLUDE ({ROW}) FROM {rows_table} q "
        f"JOIN {RAW} r ON r.{ROW} = q.row_number WHERE q.reason IS NOT NULL "
        "ORDER BY q.row_number",
        "quarantined rows",
        QUARANTINE_CHUNK,
    ):
        insert_rows(
            QuarantinedRow,
            ["job", "row_number", "reason", "data"],
            [
                (job.pk, row[0], row[1][:300], _json(dict(zip(columns, row[2:], strict=True))))
                for row in batch
            ],
        )


def _write_rejects(db: Staging, job: ImportJob, columns: list[str]) -> None:
    """Rows the reader could not place (more cells than columns), as they were: the
    cells past the last column are kept under ``extra cells``."""
    for batch in db.chunks(
        f"SELECT {ROW}, reason, cells FROM {REJECTS} ORDER BY {ROW}", REJECTS, QUARANTINE_CHUNK
    ):
        rows = []
        for row_number, reason, cells in batch:
            values = json.loads(cells)
            data: dict[str, Any] = dict(zip(columns, values, strict=False))
            data[EXTRA_CELLS] = values[len(columns) :]
            rows.append((job.pk, row_number, reason[:300], _json(data)))
        insert_rows(QuarantinedRow, ["job", "row_number", "reason", "data"], rows)


def _json(value: dict[str, Any]) -> Any:
    if connection.vendor == "postgresql":
        from psycopg.types.json import Jsonb

        return Jsonb(value)
    return json.dumps(value, ensure_ascii=False)
