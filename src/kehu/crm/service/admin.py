from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from kehu.crm.service.actions import next_ticket_number
from kehu.crm.service.models import TechnicianVisit, Ticket, TicketEvent


class TicketEventInline(admin.TabularInline):
    model = TicketEvent
    extra = 0
    fields = ["occurred_at", "kind", "from_status", "to_status", "user", "message"]
    raw_id_fields = ["user"]
    ordering = ["occurred_at", "id"]


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
    readonly_fields = ["number"]
    date_hierarchy = "opened_at"
    show_full_result_count = False
    inlines = [TicketEventInline, TechnicianVisitInline]

    def save_model(self, request: HttpRequest, obj: Ticket, form: Any, change: bool) -> None:
        if not obj.number:
            obj.number = next_ticket_number()
        super().save_model(request, obj, form, change)
