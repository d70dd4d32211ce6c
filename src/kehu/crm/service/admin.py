from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from kehu.crm.service import (
    sla,
    sla_admin,  # noqa: F401 - registers the service-level settings
)
from kehu.crm.service.actions import (
    assign,
    change_status,
    open_built_ticket,
    record_visit,
    schedule_visit,
)
from kehu.crm.service.models import TechnicianVisit, Ticket, TicketEvent
from kehu.crm.workflow_admin import status_actions


class TicketEventInline(admin.TabularInline):
    """The ticket's log, as the service actions wrote it: read, not edited."""

    model = TicketEvent
    extra = 0
    fields = ["occurred_at", "kind", "from_status", "to_status", "user", "message"]
    readonly_fields = fields
    ordering = ["occurred_at", "id"]
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def _move(ticket: Ticket, status: str, request: HttpRequest) -> None:
    change_status(ticket, status, by=request.user)


class TechnicianVisitForm(forms.ModelForm):
    """A visit as the ticket page handles it: a new one is planned (when, who, where);
    a planned one only gets its outcome (recorded, it is done). Nothing is saved here:
    ``TicketAdmin.save_formset`` calls the service actions."""

    class Meta:
        model = TechnicianVisit
        fields = ["scheduled_at", "technician", "address", "outcome"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            for name in ("scheduled_at", "technician", "address"):
                self.fields[name].disabled = True

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.instance.pk is None or "outcome" not in self.changed_data:
            return data
        if self.instance.status == TechnicianVisit.Status.CANCELLED:
            self.add_error("outcome", _("A cancelled visit cannot be recorded."))
        elif not data.get("outcome", "").strip():
            self.add_error("outcome", _("Describe the outcome of the visit."))
        return data


class TechnicianVisitInline(admin.TabularInline):
    model = TechnicianVisit
    form = TechnicianVisitForm
    extra = 0
    fields = ["scheduled_at", "technician", "status", "visited_at", "address", "outcome"]
    readonly_fields = ["status", "visited_at"]  # set by service.actions.record_visit
    raw_id_fields = ["technician"]
    can_delete = False  # a visit stays on the ticket's record


def _save_visits(formset: Any, ticket: Ticket, by: Any) -> None:
    """Plan the new visits (``schedule_visit``) and record the outcomes given
    (``record_visit``), each logged on the ticket; the admin's change message reads
    what was saved from the formset, as ``formset.save()`` would leave it."""
    formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
    for form in formset.forms:
        if not form.has_changed():
            continue
        data = form.cleaned_data
        if form.instance.pk is None:
            visit = schedule_visit(
                ticket,
                scheduled_at=data["scheduled_at"],
                technician=data.get("technician"),
                address=data.get("address", ""),
                by=by,
            )
            if data.get("outcome", "").strip():
                record_visit(visit, outcome=data["outcome"], by=by)
            formset.new_objects.append(visit)
        elif "outcome" in form.changed_data:
            record_visit(form.instance, outcome=data["outcome"], by=by)
            formset.changed_objects.append((form.instance, ["outcome"]))


@admin.register(Ticket)
class TicketAdmin(SimpleHistoryAdmin):
    list_display = ["number", "subject", "customer", "type", "priority", "status", "assignee"]
    list_filter = ["type", "priority", "status", "channel"]
    list_select_related = ["customer", "assignee"]
    search_fields = ["number", "subject", "customer__name", "customer__code"]
    raw_id_fields = ["customer", "contact", "order", "assignee"]
    # the workflow's fields change only through service.actions (its rules, its log):
    # the status by the "Move to" actions, the times it stamps with it, the rating by rate
    readonly_fields = [
        "number",
        "status",
        "first_response_at",
        "resolved_at",
        "closed_at",
        "satisfaction_score",
        *sla.DUE_FIELDS,  # computed from the policy when opened or re-prioritised
        "sla_tier",
    ]
    date_hierarchy = "opened_at"
    show_full_result_count = False
    inlines = [TicketEventInline, TechnicianVisitInline]
    actions = status_actions(Ticket.Status.choices, _move)

    def save_model(self, request: HttpRequest, obj: Ticket, form: Any, change: bool) -> None:
        """A new ticket is opened as the service pages open it (numbered, new, logged); a
        change of assignee is logged as the ticket page logs it."""
        if not change:
            open_built_ticket(obj, by=request.user)
            return
        if "priority" in form.changed_data:
            sla.set_due_times(obj)
        super().save_model(request, obj, form, change)
        if "assignee" in form.changed_data:
            assign(obj, obj.assignee, by=request.user)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        """Visits go through the service actions (planned, recorded, logged)."""
        if formset.model is TechnicianVisit:
            _save_visits(formset, form.instance, request.user)
        else:
            super().save_formset(request, form, formset, change)
