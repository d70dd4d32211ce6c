from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from kehu.crm.sales.actions import (
    move_opportunity,
    sales_target_errors,
    set_order_status,
    set_sales_target,
)
from kehu.crm.sales.models import Activity, Opportunity, Order, OrderLine, SalesTarget
from kehu.crm.workflow_admin import status_actions


def _move(order: Order, status: str, request: HttpRequest) -> None:
    set_order_status(order, status)


def _move_opportunity(opportunity: Opportunity, stage: str, request: HttpRequest) -> None:
    move_opportunity(opportunity, stage)


class OrderLineInline(admin.TabularInline):
    """An order's lines as sales.actions.create_order wrote them, with the totals it
    computed from them: read here, not edited (no action changes the lines of an
    order; a return takes goods back)."""

    model = OrderLine
    extra = 0
    fields = ["product", "description", "quantity", "unit_price", "discount_pct", "line_total"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = ["number", "ordered_at", "customer", "kind", "status", "channel", "total_amount"]
    list_filter = ["kind", "status", "channel"]
    search_fields = ["number", "customer__name", "customer__code"]
    raw_id_fields = ["customer", "original_order", "owner"]
    date_hierarchy = "ordered_at"
    list_select_related = ["customer"]
    show_full_result_count = False
    inlines = [OrderLineInline]
    # the status moves only along its workflow (sales.actions.set_order_status)
    readonly_fields = ["status"]
    actions = status_actions(Order.Status.choices, _move)


@admin.register(Opportunity)
class OpportunityAdmin(SimpleHistoryAdmin):
    list_display = ["name", "customer", "stage", "amount", "probability", "expected_close_date"]
    list_filter = ["stage", "source_channel"]
    search_fields = ["name", "customer__name", "customer__code"]
    raw_id_fields = ["customer", "contact", "owner"]
    list_select_related = ["customer"]
    show_full_result_count = False
    # the stage moves by sales.actions.move_opportunity, which closes a won or lost deal
    readonly_fields = ["stage", "closed_at"]
    actions = status_actions(Opportunity.Stage.choices, _move_opportunity)


@admin.register(Activity)
class ActivityAdmin(admin.ModelAdmin):
    list_display = ["subject", "kind", "due_at", "completed_at", "owner", "customer"]
    list_filter = ["kind"]
    search_fields = ["subject", "customer__name"]
    raw_id_fields = ["customer", "opportunity", "owner"]
    list_select_related = ["customer", "owner"]
    show_full_result_count = False


class SalesTargetAdminForm(forms.ModelForm):
    """Shows what sales.actions.set_sales_target would refuse (an overlapping period)
    on the form, before the admin saves."""

    class Meta:
        model = SalesTarget
        fields = ["user", "period_start", "period_end", "amount"]

    def _post_clean(self) -> None:
        super()._post_clean()
        if not self.errors:
            for field, error in sales_target_errors(self.instance).items():
                self.add_error(field, error)


@admin.register(SalesTarget)
class SalesTargetAdmin(admin.ModelAdmin):
    form = SalesTargetAdminForm
    list_display = ["user", "period_start", "period_end", "amount", "set_by"]
    list_filter = ["period_start"]
    search_fields = ["user__username"]
    raw_id_fields = ["user", "set_by"]
    list_select_related = ["user", "set_by"]
    readonly_fields = ["set_by"]

    def save_model(self, request: HttpRequest, obj: SalesTarget, form: Any, change: bool) -> None:
        """Through sales.actions.set_sales_target, which refuses an overlapping period."""
        set_sales_target(
            user=obj.user,
            period_start=obj.period_start,
            period_end=obj.period_end,
            amount=obj.amount,
            by=request.user,
            target=obj,
        )
