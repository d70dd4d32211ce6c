"""Writes on import jobs from ``kehu.crm.integration.actions``: a job is failed through
``fail_job``, by the web import's background run as by anyone else."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from kehu.cli.imports import run_web_import
from kehu.crm.integration import actions
from kehu.crm.integration.models import ImportJob
from kehu.crm.integration.pipeline import Options

pytestmark = pytest.mark.django_db

CSV = "CustomerID,Name,Email\nC1,Acme Trading,info@acme.example\nC2,Beta Ltd,hi@beta.example\n"


@pytest.fixture(autouse=True)
def var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"


@pytest.fixture
def queued_job(monkeypatch, analyst_user):
    """A web import of two customers, queued: its background process is not started
    (the test runs it in this process, where the test database is)."""
    monkeypatch.setattr(actions, "launch_detached", lambda job: None)
    upload = SimpleUploadedFile("customers.csv", CSV.encode(), content_type="text/csv")
    token = actions.save_upload(upload, "customers")
    return actions.start_job(token, {}, Options(checked=True), analyst_user)


def test_fail_job_fails_the_job_now_and_keeps_what_landed(queued_job):
    run_web_import(queued_job.pk)
    done = ImportJob.objects.get(pk=queued_job.pk)
    assert (done.status, done.rows_in, done.imported) == (ImportJob.Status.DONE, 2, 2)

    actions.fail_job(done.pk, message="the disk filled up after the last batch")

    failed = ImportJob.objects.get(pk=done.pk)
    assert failed.status == ImportJob.Status.FAILED
    assert failed.message == "the disk filled up after the last batch"
    assert failed.finished_at is not None and failed.finished_at >= done.finished_at
    assert (failed.rows_in, failed.imported, failed.batches_landed) == (
        done.rows_in,
        done.imported,
        done.batches_landed,
    )


def test_a_web_import_whose_file_is_gone_fails_the_job_with_the_reason(queued_job):
    Path(queued_job.source_path).unlink()

    with pytest.raises(SystemExit) as exit_:
        run_web_import(queued_job.pk)

    assert exit_.value.code == 2
    job = ImportJob.objects.get(pk=queued_job.pk)
    assert job.status == ImportJob.Status.FAILED
    assert Path(queued_job.source_path).name in job.message
    assert job.finished_at is not None
