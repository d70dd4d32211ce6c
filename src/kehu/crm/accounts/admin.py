from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from kehu.crm.accounts.actions import create_team, update_team
from kehu.crm.accounts.models import ApiToken, Team, UserProfile

admin.site.register(UserProfile)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "created_at", "last_used_at"]
    readonly_fields = ["key_hash", "created_at", "last_used_at"]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    """Teams (their members are set on each user profile, or on the team page of
    Performance)."""

    list_display = ["name", "manager", "created_at"]
    search_fields = ["name"]
    raw_id_fields = ["manager"]

    def save_model(self, request: HttpRequest, obj: Team, form: Any, change: bool) -> None:
        if change:
            update_team(obj, name=obj.name, manager=obj.manager)
        else:
            saved = create_team(obj.name, manager=obj.manager)
            obj.pk = saved.pk
