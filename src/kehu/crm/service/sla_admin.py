"""The service-level settings in the Django admin, for administrators: the policies, the
business calendar (one row) and the holidays. Saving or deleting goes through
``sla_actions``, which also gives the open tickets their new due times."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kehu.crm.service import sla_actions
from kehu.crm.service.models import BusinessCalendar, Holiday, SlaPolicy
from kehu.crm.service.sla import TIERS


class SettingAdmin(admin.ModelAdmin):
    """Saves and deletes through the service-level actions and says how many open
    tickets got new due times."""

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        n = sla_actions.save_setting(obj)
        self._recomputed(request, n)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        self._recomputed(request, sla_actions.delete_setting(obj))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        n = 0
        for obj in queryset:
            n = sla_actions.delete_setting(obj)
        self._recomputed(request, n)

    def _recomputed(self, request: HttpRequest, n: int) -> None:
        messages.info(request, _("Due times of %(n)s open tickets recomputed.") % {"n": f"{n:,}"})


class SlaPolicyForm(forms.ModelForm):
    """The tier picked from the analysis' tiers (a typed one would never match)."""

    tier = forms.ChoiceField(
        label=gettext_lazy("customer tier"),
        choices=[("", gettext_lazy("Any tier")), *((t, gettext_lazy(t)) for t in TIERS)],
        required=False,
    )

    class Meta:
        model = SlaPolicy
        fields = ["tier", "priority", "first_response_hours", "resolution_hours"]


@admin.register(SlaPolicy)
class SlaPolicyAdmin(SettingAdmin):
    form = SlaPolicyForm
    list_display = ["tier", "priority", "first_response_hours", "resolution_hours"]
    list_editable = ["first_response_hours", "resolution_hours"]
    list_filter = ["tier", "priority"]


@admin.register(BusinessCalendar)
class BusinessCalendarAdmin(SettingAdmin):
    list_display = ["__str__", "start_hour", "end_hour", "time_zone"]
    fields = [*BusinessCalendar.WEEKDAY_FIELDS, "start_hour", "end_hour", "time_zone"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return not BusinessCalendar.objects.exists() and super().has_add_permission(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # the desk always has a calendar


@admin.register(Holiday)
class HolidayAdmin(SettingAdmin):
    list_display = ["date", "name"]
    date_hierarchy = "date"
