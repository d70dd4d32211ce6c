"""The import wizard: upload, map (with a preview of how the first rows read and why
rows would be set aside), run in the background with a progress bar, and the result
with its reconciliation and the quarantined rows to download."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from kehu.crm.accounts.roles import Role, roles_of
from kehu.crm.integration import actions, reasons
from kehu.crm.integration.fields import FIELDS
from kehu.crm.integration.forms import MappingForm, UploadForm
from kehu.crm.integration.models import ImportJob
from kehu.crm.integration.pipeline import (
    ImportInputError,
    Options,
    mark_stale_jobs,
    prepare,
    preview,
    read_source,
)
from kehu.crm.integration.quarantine import csv_lines

IMPORTERS = {Role.ADMIN.value, Role.ANALYST.value}
#: what the counts on a job's details mean, for its page
DETAILS = {
    "customers_created": _lazy("Customers created"),
    "products_created": _lazy("Products created"),
    "orders_created": _lazy("Orders created"),
    "categories_created": _lazy("Product categories created"),
    "orders_in_file": _lazy("Orders in the file"),
    "return_lines": _lazy("Return lines"),
    "duplicate_lines": _lazy("Exact duplicate lines (merged)"),
    "repeated_in_file": _lazy("Rows repeating an earlier row's record (merged)"),
    "customers_linked_by_email": _lazy("Customers found by email (external id added)"),
    "customers_sharing_email": _lazy("New customers sharing an email with another"),
}


def _importer(request: HttpRequest) -> None:
    """Administrators and analysts bring data in."""
    if not roles_of(request.user) & IMPORTERS:
        raise PermissionDenied


@login_required
def import_list(request: HttpRequest) -> HttpResponse:
    _importer(request)
    mark_stale_jobs()
    jobs = ImportJob.objects.select_related("created_by")[:50]
    return render(request, "integration/list.html", {"jobs": jobs, "form": UploadForm()})


@login_required
@require_POST
def upload(request: HttpRequest) -> HttpResponse:
    _importer(request)
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        jobs = ImportJob.objects.select_related("created_by")[:50]
        return render(request, "integration/list.html", {"jobs": jobs, "form": form}, status=400)
    try:
        token = actions.save_upload(form.cleaned_data["file"], form.cleaned_data["entity"])
    except actions.UploadRejectedError as e:
        form.add_error("file", _("This file cannot be imported: %(reason)s") % {"reason": e})
        jobs = ImportJob.objects.select_related("created_by")[:50]
        return render(request, "integration/list.html", {"jobs": jobs, "form": form}, status=400)
    return redirect("integration:mapping", token=token)


@login_required
def mapping(request: HttpRequest, token: str) -> HttpResponse:
    _importer(request)
    try:
        path, entity, name = actions.upload_of(token)
    except actions.UploadNotFoundError:
        raise Http404 from None
    data = request.POST if request.method == "POST" else None
    overrides: dict[str, str] = {}
    options = Options(checked=actions.upload_checked(token))
    profile = None
    context: dict = {"token": token, "name": name, "entity": entity}
    try:
        source = read_source(path, options)  # read once: headers, then the check
    except ImportInputError as e:
        context |= {"problem": str(e), "form": MappingForm(entity=entity, headers=[])}
        return render(request, "integration/mapping.html", context, status=400)
    headers = source.columns
    form = MappingForm(data, entity=entity, headers=headers)
    if data is not None and form.is_valid():
        overrides = form.overrides()
        profile = form.cleaned_data["profile"].name if form.cleaned_data["profile"] else None
        options.date_format = form.cleaned_data["date_format"] or None
        options.decimal_comma = form.cleaned_data["decimal_comma"]
        options.allow_future_dates = form.cleaned_data["allow_future_dates"]
        if profile and request.POST.get("action") == "apply":
            overrides = {}  # the profile's mapping, not the selects'
    context["form"] = form
    try:
        prepared = prepare(
            source, entity, mapping_profile=profile, overrides=overrides, options=options
        )
    except ImportInputError as e:
        context["problem"] = str(e)
        return render(request, "integration/mapping.html", context, status=400 if data else 200)
    try:
        if data is not None and form.is_valid() and request.POST.get("action") == "run":
            job = actions.start_job(
                token,
                {f: prepared.mapping.get(f, "") for f in overrides},
                prepared.options,
                request.user,
                profile,
                form.cleaned_data["save_as"],
            )
            messages.success(request, _("Import #%(id)s started.") % {"id": job.pk})
            return redirect("integration:job", pk=job.pk)
        context["preview"] = _in_language(preview(prepared))
        context["mapping"] = prepared.mapping
        context["options"] = prepared.options
    finally:
        prepared.close()
    if data is None or request.POST.get("action") == "apply":
        form = MappingForm(
            initial={f"map_{k}": v for k, v in context["mapping"].items()} | {"profile": profile},
            entity=entity,
            headers=headers,
        )
        context["form"] = form
    return render(request, "integration/mapping.html", context)


@login_required
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _importer(request)
    mark_stale_jobs()
    job = get_object_or_404(ImportJob, pk=pk)
    columns = job.details.get("columns")
    context = {
        "job": job,
        "reasons": [(reasons.shown(r), n) for r, n in job.quarantine_reasons()],
        "quarantine": [
            (
                q.row_number,
                reasons.shown(q.reason),
                [(c, q.data.get(c)) for c in columns or list(q.data)],
            )
            for q in job.quarantine.all()[:50]
        ],
        "created": [
            (DETAILS.get(k, k), v)
            for k, v in sorted(job.details.items())
            if isinstance(v, int) and not isinstance(v, bool)
        ],
        "shared": job.details.get("shared_email_rows", []),
        "notes": job.details.get("notes", []),
        "mapping": _mapping_labels(job),
    }
    return render(request, "integration/job.html", context)


def _in_language(shown: dict) -> dict:
    """A preview with its quarantine reasons in the user's language."""
    shown["reasons"] = [(reasons.shown(r), n) for r, n in shown["reasons"]]
    for row in shown["rows"]:
        row["reason"] = reasons.shown(row["reason"])
    return shown


def _mapping_labels(job: ImportJob) -> list[tuple[str, str]]:
    """(field label, column of the file) for each mapped field: the label, never the key."""
    labels = {f.name: str(f.label) for f in FIELDS.get(job.entity, ())}
    return [(labels.get(name, name), column) for name, column in (job.mapping or {}).items()]


@login_required
def job_progress(request: HttpRequest, pk: int) -> HttpResponse:
    _importer(request)
    mark_stale_jobs()
    job = get_object_or_404(ImportJob, pk=pk)
    response = render(request, "integration/partials/progress.html", {"job": job})
    if request.htmx and not job.is_active:
        response["HX-Refresh"] = "true"
    return response


@login_required
def quarantine_csv(request: HttpRequest, pk: int) -> HttpResponse:
    _importer(request)
    job = get_object_or_404(ImportJob, pk=pk)
    response = StreamingHttpResponse(csv_lines(job), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="import-{job.pk}-quarantine.csv"'
    return response
