"""The programme in the admin. The ledger and the inbound messages are read only (a
ledger entry is never changed nor deleted; a correction is an adjustment on the
member's page); levels, rules and rewards are saved through their actions."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from kehu.crm.loyalty.actions import save_setting
from kehu.crm.loyalty.models import (
    EarningRule,
    InboundSms,
    Membership,
    MembershipLevel,
    PointsEntry,
    Reward,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(PointsEntry)
class PointsEntryAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "membership", "kind", "points", "reference", "reason"]
    list_filter = ["kind"]
    search_fields = ["membership__mobile", "membership__customer__name", "reference"]
    raw_id_fields = ["membership", "order", "reward", "rule"]
    list_select_related = ["membership"]
    show_full_result_count = False


@admin.register(Membership)
class MembershipAdmin(ReadOnlyAdmin):
    list_display = ["mobile", "customer", "level", "status", "joined_on", "channel"]
    list_filter = ["status", "level", "channel"]
    search_fields = ["mobile", "customer__name"]
    raw_id_fields = ["customer"]
    list_select_related = ["customer", "level"]
    show_full_result_count = False


@admin.register(InboundSms)
class InboundSmsAdmin(ReadOnlyAdmin):
    list_display = ["received_at", "sender", "text", "outcome", "detail"]
    list_filter = ["outcome"]
    search_fields = ["sender", "text"]


class SettingAdmin(admin.ModelAdmin):
    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        save_setting(obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(MembershipLevel)
class MembershipLevelAdmin(SettingAdmin):
    list_display = ["name", "rank", "tiers", "abc_classes", "min_points", "multiplier"]


@admin.register(EarningRule)
class EarningRuleAdmin(SettingAdmin):
    list_display = ["name", "kind", "points_per_amount", "category", "multiplier", "active"]
    list_filter = ["kind", "active"]


@admin.register(Reward)
class RewardAdmin(SettingAdmin):
    list_display = ["name", "points_cost", "stock", "active"]
    list_filter = ["active"]
