from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from kehu.crm.service.actions import assign, change_status, open_built_ticket
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


class TechnicianVisitInline(admin.TabularInline):
    model = TechnicianVisit
    extra = 0
    fields = ["scheduled_at", "technician", "status", "visited_at", "address", "outcome"]
    raw_id_fields = ["technician"]


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
        super().save_model(request, obj, form, change)
        if "assignee" in form.changed_data:
            assign(obj, obj.assignee, by=request.user)
