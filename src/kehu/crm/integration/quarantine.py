"""Quarantined rows out again: as CSV with the row number, the reason and the original
columns, so they can be fixed and imported again."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from kehu.crm.integration.models import ImportJob
from kehu.crm.lists import SafeCsvWriter

CHUNK = 5000
#: where a quarantined row keeps the cells past the header's last column
EXTRA_CELLS = "extra cells"


def csv_lines(job: ImportJob) -> Iterator[str]:
    """The quarantine as CSV text, line by line (streams: rows are read in chunks)."""
    columns = job.details.get("columns")
    if not columns:  # jobs from before the column order was kept
        first = job.quarantine.order_by("row_number").values_list("data", flat=True).first()
        columns = list(first or {})
    writer = SafeCsvWriter()  # formula-like cells neutralised, as in every export
    # rows with more cells than the header keep them last, so the row is whole again
    extra = job.quarantine.filter(data__has_key=EXTRA_CELLS).exists()
    yield writer.writerow(["row", "reason", *columns, *([EXTRA_CELLS] if extra else [])])
    rows = job.quarantine.order_by("row_number").values_list("row_number", "reason", "data")
    for row_number, reason, data in rows.iterator(chunk_size=CHUNK):
        cells = [data.get(c) for c in columns]
        yield writer.writerow([row_number, reason, *cells, *data.get(EXTRA_CELLS, [])])


def write_quarantine_csv(job: ImportJob, path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as out:
        out.writelines(csv_lines(job))
