"""The performance pages: the table of the people a user may see (one row per person,
the total, sortable, as CSV), a person's page with charts, and the teams (their
members' table, the targets their manager sets; administrators create teams and set
their members).

Who sees what is decided by ``queries.visible_people``: each person their own figures,
a team's manager their members', an administrator everyone's; any other page answers
403. A team page is for its manager and the administrators."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from kehu.crm.accounts import actions as account_actions
from kehu.crm.accounts.models import Team
from kehu.crm.accounts.roles import is_admin
from kehu.crm.lists import csv_response, list_filters, querystring_without
from kehu.crm.performance import periods, queries
from kehu.crm.performance.forms import MemberForm, TargetForm, TeamForm
from kehu.crm.performance.person_charts import person_charts
from kehu.crm.sales import actions as sales_actions
from kehu.crm.sales.models import SalesTarget
from kehu.crm.validation import Choice, Day, Id, InvalidParameter, Param, attach_errors

User = get_user_model()

# the sortable columns: the key in the query string → the figure it sorts by
SORTS: dict[str, Callable[[queries.Figures], Any]] = {
    "name": lambda f: f.name.lower(),
    "created": lambda f: f.created_amount,
    "won": lambda f: f.won_amount,
    "lost": lambda f: f.lost_amount,
    "win_rate": lambda f: f.win_rate,
    "cycle": lambda f: f.cycle_days,
    "activities": lambda f: f.activity_rate,
    "response": lambda f: f.response_hours,
    "sla": lambda f: f.response_within_sla,
    "revenue": lambda f: f.revenue,
    "target": lambda f: f.target,
    "attainment": lambda f: f.attainment,
}
FILTERS: dict[str, Param] = {
    "period": Choice(periods.KINDS),
    "start": Day(),
    "end": Day(),
    "team": Id(),
    "sort": Choice([*SORTS, *(f"-{key}" for key in SORTS)]),
}


def _period(filters: dict[str, str]) -> periods.Period:
    """The period the query string asks for (this month when none); a custom range needs
    both dates, the end on or after the start (else a 400 that says so)."""
    kind = filters.get("period") or periods.DEFAULT
    today = timezone.localdate()
    if kind != "custom":
        return periods.period_of(kind, today)
    start, end = filters.get("start"), filters.get("end")
    if not start:
        raise InvalidParameter("start", "", _("a date written YYYY-MM-DD"))
    if not end or end < start:
        raise InvalidParameter(
            "end", end or "", _("a date on or after the start (%(start)s)") % {"start": start}
        )
    return periods.period_of(kind, today, date.fromisoformat(start), date.fromisoformat(end))


def _sorted(rows: list[queries.Figures], sort: str) -> list[queries.Figures]:
    """``rows`` by the column ``sort`` names (``-`` first: descending); people without a
    figure (no deals, no target) last either way."""
    key = SORTS[sort.lstrip("-")]
    present = [row for row in rows if key(row) is not None]
    missing = [row for row in rows if key(row) is None]
    present.sort(key=key, reverse=sort.startswith("-"))
    return present + missing


def _table(request: HttpRequest, people: Any, filters: dict[str, str]) -> dict[str, Any]:
    period = _period(filters)
    people = people.order_by("username")
    sort = filters.get("sort") or "name"
    return {
        "period": period,
        "kinds": list(periods.KINDS.items()),
        "rows": _sorted(queries.performance(people, period.start, period.end), sort),
        "total": queries.totals(people, period.start, period.end),
        "sort": sort,
        "sort_querystring": querystring_without(request, "sort"),
        "period_querystring": querystring_without(request, "sort", "team"),
        "querystring": request.GET.urlencode(),
    }


def _visible_teams(user: AbstractBaseUser) -> Any:
    teams = Team.objects.select_related("manager").annotate(n_members=Count("members"))
    teams = teams.order_by("name")
    return teams if is_admin(user) else teams.filter(manager=user)


def _team_people(request: HttpRequest, filters: dict[str, str]) -> tuple[Any, Team | None]:
    people = queries.visible_people(request.user)
    if not filters.get("team"):
        return people, None
    team = get_object_or_404(_visible_teams(request.user), pk=int(filters["team"]))
    return people.filter(profile__team=team), team


@login_required
def overview(request: HttpRequest) -> HttpResponse:
    """Everyone the user may see, one row each, with the total; ``team`` narrows it to
    one of the teams they manage."""
    filters = list_filters(request.GET, FILTERS)
    people, team = _team_people(request, filters)
    context = _table(request, people, filters)
    context |= {"team": team, "teams": _visible_teams(request.user), "filters": filters}
    return render(request, "performance/overview.html", context)


COLUMNS = (
    (gettext_lazy("Person"), "name"),
    (gettext_lazy("Revenue"), "revenue"),
    (gettext_lazy("Target"), "target"),
    (gettext_lazy("Attainment"), "attainment"),
    (gettext_lazy("Pipeline created (count)"), "n_created"),
    (gettext_lazy("Pipeline created (amount)"), "created_amount"),
    (gettext_lazy("Won (count)"), "n_won"),
    (gettext_lazy("Won (amount)"), "won_amount"),
    (gettext_lazy("Lost (count)"), "n_lost"),
    (gettext_lazy("Lost (amount)"), "lost_amount"),
    (gettext_lazy("Win rate"), "win_rate"),
    (gettext_lazy("Average sales cycle (days)"), "cycle_days"),
    (gettext_lazy("Activities done"), "activities_done"),
    (gettext_lazy("Activities planned"), "activities_planned"),
    (gettext_lazy("Tickets"), "n_tickets"),
    (gettext_lazy("Median first response (hours)"), "response_hours"),
    (gettext_lazy("First responses within the service level"), "response_within_sla"),
)


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    return round(value, 4) if isinstance(value, float) else value


@login_required
def export(request: HttpRequest) -> HttpResponse:
    """The overview's table as CSV: the same people, period and order, and the total."""
    filters = list_filters(request.GET, FILTERS)
    people, _team = _team_people(request, filters)
    table = _table(request, people, filters)
    period = table["period"]
    rows: list[list[Any]] = [[str(header) for header, _field in COLUMNS]]
    for figures in [*table["rows"], table["total"]]:
        cells = [_csv_cell(getattr(figures, field)) for _header, field in COLUMNS]
        rows.append([cells[0] or _("Total"), *cells[1:]])
    # the period in the file's name: the first row stays the header a spreadsheet reads
    name = f"performance-{period.start.isoformat()}-{period.end.isoformat()}"
    return csv_response(name, iter(rows))


def _person_or_403(request: HttpRequest, pk: int) -> AbstractBaseUser:
    person = get_object_or_404(User, pk=pk, is_active=True)
    if not queries.may_see(request.user, person):
        raise PermissionDenied(_("You may see your own figures and your team members' only."))
    return person


@login_required
def person(request: HttpRequest, pk: int) -> HttpResponse:
    """One person's figures over the period, their charts by month, their targets."""
    who = _person_or_403(request, pk)
    filters = list_filters(request.GET, FILTERS)
    period = _period(filters)
    (figures,) = queries.performance([who], period.start, period.end)
    start, end = queries.chart_months(period)
    months = queries.monthly(who, start, end)
    context = {
        "person": who,
        "figures": figures,
        "period": period,
        "kinds": list(periods.KINDS.items()),
        "period_querystring": querystring_without(request, "sort", "team"),
        "charts": person_charts(months),
        "targets": SalesTarget.objects.filter(user=who).select_related("set_by")[:24],
        "team": Team.objects.filter(members__user=who).select_related("manager").first(),
    }
    return render(request, "performance/person.html", context)


@login_required
def team_list(request: HttpRequest) -> HttpResponse:
    """The teams the user manages (every team for an administrator, who may add one)."""
    admin = is_admin(request.user)
    form = TeamForm(request.POST or None) if admin else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied(_("Only an administrator creates teams."))
        if form.is_valid():
            try:
                team = account_actions.create_team(**form.cleaned_data)
            except ValidationError as e:
                attach_errors(form, e)
            else:
                messages.success(request, _("Team %(name)s created.") % {"name": team.name})
                return redirect("performance:team", pk=team.pk)
    teams = _visible_teams(request.user)
    return render(request, "performance/teams.html", {"teams": teams, "form": form})


def _team_or_403(request: HttpRequest, pk: int) -> Team:
    team = get_object_or_404(Team.objects.select_related("manager"), pk=pk)
    if not queries.manages(request.user, team):
        raise PermissionDenied(_("A team's page is for its manager and the administrators."))
    return team


def _team_page(request: HttpRequest, team: Team, **forms: Any) -> HttpResponse:
    filters = list_filters(request.GET, FILTERS)
    members = User.objects.filter(profile__team=team, is_active=True)
    context = _table(request, members, filters)
    admin = is_admin(request.user)
    context |= {
        "team": team,
        "admin": admin,
        "target_form": forms.get("target_form")
        or TargetForm(team=team, exclude=_self(request), initial=_period_initial(context)),
        "team_form": forms.get("team_form")
        or (TeamForm(initial={"name": team.name, "manager": team.manager}) if admin else None),
        "member_form": forms.get("member_form") or (MemberForm() if admin else None),
        "members": members.order_by("username"),
        "targets": SalesTarget.objects.filter(
            user__profile__team=team,
            period_start__lte=context["period"].end,
            period_end__gte=context["period"].start,
        ).select_related("user", "set_by"),
    }
    return render(request, "performance/team.html", context, status=400 if forms else 200)


def _self(request: HttpRequest) -> AbstractBaseUser | None:
    """Whom the target form leaves out: the manager themselves (an administrator sets
    anyone's target)."""
    return None if is_admin(request.user) else request.user  # type: ignore[return-value]


def _period_initial(context: dict[str, Any]) -> dict[str, Any]:
    period = context["period"]
    return {"period_start": period.start, "period_end": period.end}


@login_required
def team(request: HttpRequest, pk: int) -> HttpResponse:
    return _team_page(request, _team_or_403(request, pk))


@login_required
@require_POST
def set_target(request: HttpRequest, pk: int) -> HttpResponse:
    """The team's manager (or an administrator) sets a member's target."""
    team = _team_or_403(request, pk)
    form = TargetForm(request.POST, team=team, exclude=_self(request))
    if form.is_valid():
        try:
            sales_actions.set_sales_target(by=request.user, **form.cleaned_data)
        except ValidationError as e:
            attach_errors(form, e)
        else:
            messages.success(
                request, _("Target set for %(person)s.") % {"person": form.cleaned_data["user"]}
            )
            return redirect(_back_to_team(request, team))
    return _team_page(request, team, target_form=form)


def _back_to_team(request: HttpRequest, team: Team) -> str:
    query = request.GET.urlencode()
    return reverse("performance:team", args=[team.pk]) + (f"?{query}" if query else "")


@login_required
@require_POST
def delete_target(request: HttpRequest, pk: int) -> HttpResponse:
    target = get_object_or_404(SalesTarget.objects.select_related("user"), pk=pk)
    team = Team.objects.filter(members__user=target.user_id).first()
    if not (is_admin(request.user) or (team is not None and team.manager_id == request.user.pk)):
        raise PermissionDenied(_("Only the person's team manager or an administrator may do this."))
    sales_actions.delete_sales_target(target)
    messages.success(request, _("Target deleted."))
    return redirect(_back_to_team(request, team) if team else "performance:overview")


def _admin_only(request: HttpRequest) -> None:
    if not is_admin(request.user):
        raise PermissionDenied(_("Only an administrator changes teams."))


@login_required
@require_POST
def edit_team(request: HttpRequest, pk: int) -> HttpResponse:
    _admin_only(request)
    team = get_object_or_404(Team, pk=pk)
    form = TeamForm(request.POST)
    if form.is_valid():
        try:
            account_actions.update_team(team, **form.cleaned_data)
        except ValidationError as e:
            attach_errors(form, e)
        else:
            messages.success(request, _("Team saved."))
            return redirect(_back_to_team(request, team))
    team.refresh_from_db()
    return _team_page(request, team, team_form=form)


@login_required
@require_POST
def add_member(request: HttpRequest, pk: int) -> HttpResponse:
    _admin_only(request)
    team = get_object_or_404(Team, pk=pk)
    form = MemberForm(request.POST)
    if form.is_valid():
        account_actions.set_team(form.cleaned_data["user"], team)
        messages.success(
            request, _("%(person)s added to the team.") % {"person": form.cleaned_data["user"]}
        )
        return redirect(_back_to_team(request, team))
    return _team_page(request, team, member_form=form)


@login_required
@require_POST
def remove_member(request: HttpRequest, pk: int, user_pk: int) -> HttpResponse:
    _admin_only(request)
    team = get_object_or_404(Team, pk=pk)
    member = get_object_or_404(User, pk=user_pk, profile__team=team)
    account_actions.set_team(member, None)
    messages.success(request, _("%(person)s removed from the team.") % {"person": member})
    return redirect(_back_to_team(request, team))


@login_required
@require_POST
def delete_team(request: HttpRequest, pk: int) -> HttpResponse:
    _admin_only(request)
    team = get_object_or_404(Team, pk=pk)
    account_actions.delete_team(team)
    messages.success(request, _("Team %(name)s deleted.") % {"name": team.name})
    return redirect("performance:team_list")
