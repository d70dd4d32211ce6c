"""Web imports: uploads kept under ``var/imports/``, and the import itself started as a
detached ``kehu import --job ID`` process, so that the request returns at once and a
long import outlives the web worker."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile

from kehu.crm.background import launch_kehu
from kehu.crm.integration.models import ImportJob
from kehu.crm.integration.pipeline import Options
from kehu.crm.integration.readers import ReadError, check_source

TOKEN = re.compile(r"^[0-9a-f]{32}$")
META = "meta.json"
SUFFIX = re.compile(r"^\.[A-Za-z0-9]{1,8}$")
#: Uploads that never became a finished import are kept this long (to map again, retry).
KEEP_UPLOADS = timedelta(days=7)


class UploadNotFoundError(LookupError):
    """The upload's folder is gone (or the token is not one of ours)."""


def uploads_dir() -> Path:
    return Path(settings.VAR_DIR) / "imports"


class UploadRejectedError(ValueError):
    """The uploaded file cannot be imported; the message says why (it is not kept)."""


def stored_name(original: str) -> str:
    """The name an upload is kept under: ``upload`` and the original's known suffixes
    (``.csv.gz``), never the user's name (an upload named ``meta.json`` must not
    overwrite the upload's metadata)."""
    suffix = "".join(s for s in Path(original).suffixes[-2:] if SUFFIX.match(s)).lower()
    return "upload" + suffix


def save_upload(upload: UploadedFile, entity: str) -> str:
    """Store the file in a folder of its own under a generated name, check it once
    against the import limits (a file that fails is deleted at once, and the error says
    why); returns the folder's token."""
    sweep_uploads()
    token = uuid.uuid4().hex
    folder = uploads_dir() / token
    folder.mkdir(parents=True)
    original = Path(upload.name or "upload").name[-300:] or "upload"
    path = folder / stored_name(original)
    with path.open("wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    try:
        check_source(path)
    except ReadError as e:
        shutil.rmtree(folder, ignore_errors=True)
        raise UploadRejectedError(str(e).replace(repr(path.name), repr(original))) from None
    meta = {"entity": entity, "file": path.name, "name": original, "checked": True}
    (folder / META).write_text(json.dumps(meta))
    return token


def sweep_uploads(max_age: timedelta = KEEP_UPLOADS) -> int:
    """Remove uploads older than ``max_age`` (mapped and never run, or whose import
    failed) unless an import is running from them; returns how many went."""
    root = uploads_dir()
    if not root.is_dir():
        return 0
    cutoff = time.time() - max_age.total_seconds()
    running = {
        str(Path(p).parent)
        for p in ImportJob.objects.filter(status=ImportJob.Status.RUNNING).values_list(
            "source_path", flat=True
        )
    }
    removed = 0
    for folder in root.iterdir():
        old = TOKEN.match(folder.name) and folder.stat().st_mtime < cutoff
        if old and str(folder) not in running:
            shutil.rmtree(folder, ignore_errors=True)
            removed += 1
    return removed


def remove_upload(job: ImportJob) -> None:
    """The upload of a finished web import: its rows are in the database now (and the
    quarantined ones in the job), so the file goes."""
    folder = Path(job.source_path).parent
    if job.source_path and folder.parent == uploads_dir() and TOKEN.match(folder.name):
        shutil.rmtree(folder, ignore_errors=True)


def upload_of(token: str) -> tuple[Path, str, str]:
    """``(path, entity, original name)`` of an upload."""
    if not TOKEN.match(token):
        raise UploadNotFoundError(token)
    meta_path = uploads_dir() / token / META
    if not meta_path.exists():
        raise UploadNotFoundError(token)
    meta = json.loads(meta_path.read_text())
    stored = Path(meta["file"]).name
    if stored == META:  # an upload kept before names were generated, named meta.json
        raise UploadNotFoundError(token)
    return uploads_dir() / token / stored, meta["entity"], meta.get("name", stored)


def upload_checked(token: str) -> bool:
    """Whether the upload passed the import limits' check when it arrived."""
    try:
        meta = json.loads((uploads_dir() / token / META).read_text())
    except (OSError, ValueError):
        return False
    return bool(meta.get("checked"))


def options_dict(options: Options) -> dict[str, Any]:
    return {
        "date_format": options.date_format,
        "decimal_comma": options.decimal_comma,
        "allow_future_dates": options.allow_future_dates,
        "checked": options.checked,
    }


def start_job(
    token: str,
    overrides: dict[str, str],
    options: Options,
    user: Any,
    profile: str | None = None,
    save_as: str | None = None,
) -> ImportJob:
    path, entity, name = upload_of(token)
    job = ImportJob.objects.create(
        entity=entity,
        source_name=name,
        source_path=str(path),
        mapping=overrides,
        created_by=user if getattr(user, "pk", None) else None,
        details={
            "options": options_dict(options),
            "profile": profile,
            "save_as": save_as or None,
        },
    )
    try:
        launch_detached(job)
    except OSError as e:
        job.status = ImportJob.Status.FAILED
        job.message = f"could not start the import process: {e}"
        job.save(update_fields=["status", "message"])
    return job


def launch_detached(job: ImportJob) -> subprocess.Popen[bytes]:
    """``kehu import --job ID`` in the background (output in ``var/log/import-ID.log``)."""
    return launch_kehu(["import", "--job", str(job.pk)], f"import-{job.pk}")


def fail_job(job_id: int, *, message: str) -> None:
    """Mark an import failed now, with ``message`` (what the job page and ``kehu import``
    show). Only the status, the message and the finish time change: the counts of the
    batches that landed before the failure stay as the import saved them."""
    ImportJob.objects.filter(pk=job_id).update(
        status=ImportJob.Status.FAILED, message=message, finished_at=datetime.now(UTC)
    )
