"""Quarantined rows out again: as CSV with the original columns, the row number and the
reason, so they can be fixed and imported again."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from kehu.crm.integration.models import ImportJob

CHUNK = 5000


def quarantine_columns(job: ImportJob) -> list[str]:
    first = job.quarantine.order_by("row_number").values_list("data", flat=True).first()
    return list(first or {})


def write_rows(job: ImportJob, out: IO[str]) -> None:
    columns = quarantine_columns(job)
    writer = csv.writer(out)
    writer.writerow(["row", "reason", *columns])
    for row_number, reason, data in _rows(job):
        writer.writerow([row_number, reason, *(data.get(c) for c in columns)])


def _rows(job: ImportJob) -> Iterator[tuple[int, str, dict]]:
    rows = job.quarantine.order_by("row_number").values_list("row_number", "reason", "data")
    yield from rows.iterator(chunk_size=CHUNK)


def write_quarantine_csv(job: ImportJob, path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as out:
        write_rows(job, out)
