"""Every write of the CRM goes through an action (``actions.py``, Zulip's ``do_*`` layer).

The scan reads the syntax tree of every module of ``kehu.crm`` and ``kehu.cli`` and
fails on a model write (``.save(``, ``.delete(``, ``.update(`` of a query set, ``.objects.create(``,
``bulk_create``, ``bulk_update``, ``get_or_create``, ``update_or_create``) outside

- the actions modules (``<app>/actions.py``),
- the bulk writers listed in ``ALLOWED`` (``kehu/crm/bulk.py`` writes by SQL),
- migrations,
- the plumbing listed in ``ALLOWED``, each with the reason it is not a business write.

A write elsewhere (a view saving a form, a command updating a row) skips the validation,
the workflow rules and the side effects (events, search terms) its action owns: call the
action, or add one. The scan is syntactic: ``.update(`` counts when it is called on a
manager or a query set (``X.objects....update(``, ``qs.filter(...).update(``), or on a
name the same function (or the module) bound to one (``qs = X.objects.filter(...)``,
``qs = qs.exclude(...)``, then ``qs.update(...)``), not on a dict or a set. A query set
that a function returns (``visible_tickets(user).update(``) is not seen.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

import kehu

KEHU = Path(kehu.__file__).parent

#: Methods that always write, whatever they are called on (a form's ``save`` writes too).
ALWAYS = {"save", "delete", "bulk_create", "bulk_update", "get_or_create", "update_or_create"}
#: Methods that write when called on a manager or a query set.
ON_QUERY = {"update", "create"}
#: Calls that return a manager or a query set (``Model.objects.filter(...)``).
QUERY_METHODS = {
    "all",
    "filter",
    "exclude",
    "select_for_update",
    "select_related",
    "prefetch_related",
    "order_by",
    "only",
    "defer",
    "using",
    "none",
}
MANAGERS = {"objects", "_default_manager", "_base_manager"}

#: Modules (relative to ``kehu/``) that may write without being ``actions.py``, and why.
ALLOWED: dict[str, str] = {
    # the bulk writers: whole tables at a time, beside kehu.crm.bulk
    "crm/intelligence/writeback.py": "writes an analysis run's scores and segments in bulk",
    "crm/integration/dedup.py": "recomputes the table of candidate duplicate pairs in bulk",
    "crm/integration/pipeline.py": "the import: runs a job and writes its rows in bulk",
    # actions under a name of their own
    "crm/integration/merge.py": "the actions on duplicate pairs: merge, undo, mark distinct",
    "crm/service/sla_actions.py": "the service-level actions: due times of tickets in bulk",
    "crm/marketing/sending.py": "sends a campaign: each member's state as its message leaves",
    "crm/attendance/followup.py": "the after-event actions: follow-up, survey, event costs",
    "crm/attendance/invitations.py": "the invitation action: a campaign and its invitees",
    # the demo loader fills a fresh database through kehu.crm.bulk
    "crm/demo/load.py": "the demo loader (its tags; the rest through kehu.crm.bulk)",
    # plumbing of Django's sign-in and permissions, not a business write
    "crm/accounts/throttle.py": "counts failed sign-ins (the rows of the login throttle)",
    "crm/accounts/roles.py": "rebuilds the role groups after migrate (post_migrate signal)",
    "crm/api.py": "stamps an API token's last use while authenticating the request",
}
#: The packages scanned: the CRM and the command line (its commands write too).
PACKAGES = ("crm", "cli")


@dataclass(frozen=True)
class Write:
    path: str
    line: int
    call: str

    def __str__(self) -> str:
        return f"kehu/{self.path}:{self.line}: .{self.call}("


def _is_query(node: ast.expr, names: frozenset[str] = frozenset()) -> bool:
    """Whether ``node`` reads as a manager or a query set; ``names`` are the variables
    known to hold one."""
    if isinstance(node, ast.Name):
        return node.id in names
    if isinstance(node, ast.Attribute):
        return node.attr in MANAGERS or _is_query(node.value, names)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        return node.func.attr in QUERY_METHODS or _is_query(node.func.value, names)
    return False


SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)


def _own_nodes(scope: ast.AST) -> list[ast.AST]:
    """The nodes of ``scope`` outside the functions defined in it (their own scopes)."""
    nodes: list[ast.AST] = []
    pending = list(ast.iter_child_nodes(scope))
    while pending:
        node = pending.pop()
        nodes.append(node)
        if not isinstance(node, SCOPES):
            pending.extend(ast.iter_child_nodes(node))
    return nodes


def _bindings(node: ast.AST) -> list[tuple[ast.expr, ast.expr]]:
    """(target, value) of an assignment: ``=``, an annotated one, ``:=``."""
    if isinstance(node, ast.Assign):
        return [(target, node.value) for target in node.targets]
    if isinstance(node, ast.AnnAssign | ast.NamedExpr) and node.value is not None:
        return [(node.target, node.value)]
    return []


def _query_names(scope: ast.AST, outer: frozenset[str]) -> frozenset[str]:
    """The names ``scope`` binds to a manager or a query set, with those of the scopes
    around it: ``qs = X.objects.filter(...)``, then ``other = qs.exclude(...)`` (repeated
    until nothing new is found, whatever the order of the lines)."""
    names = set(outer)
    bindings = [pair for node in _own_nodes(scope) for pair in _bindings(node)]
    while True:
        known = frozenset(names)
        for target, value in bindings:
            if isinstance(target, ast.Name) and _is_query(value, known):
                names.add(target.id)
        if names == known:
            return known


def _decorators(tree: ast.AST) -> set[int]:
    """Ids of the nodes inside decorators (``@router.delete(...)`` declares a route)."""
    inside: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            for decorator in node.decorator_list:
                inside.update(id(n) for n in ast.walk(decorator))
    return inside


def writes_in(source: str, path: str) -> list[Write]:
    """The model writes in one module's source."""
    tree = ast.parse(source)
    skipped = _decorators(tree)
    found = []
    scopes = [(tree, _query_names(tree, frozenset()))]
    while scopes:
        scope, names = scopes.pop()
        for node in _own_nodes(scope):
            if isinstance(node, SCOPES):
                scopes.append((node, _query_names(node, names)))
            if id(node) in skipped or not isinstance(node, ast.Call):
                continue
            func = node.func
            if not isinstance(func, ast.Attribute):
                continue
            if func.attr in ALWAYS or (func.attr in ON_QUERY and _is_query(func.value, names)):
                found.append(Write(path, node.lineno, func.attr))
    return sorted(found, key=lambda write: write.line)


def is_write_module(path: str) -> bool:
    parts = path.split("/")
    return parts[-1] == "actions.py" or "migrations" in parts or path in ALLOWED


def writes_outside_actions(root: Path = KEHU) -> list[Write]:
    found = []
    for package in PACKAGES:
        for file in sorted((root / package).rglob("*.py")):
            path = file.relative_to(root).as_posix()
            if not is_write_module(path):
                found.extend(writes_in(file.read_text(encoding="utf-8"), path))
    return found


def test_the_crm_writes_only_through_actions() -> None:
    found = writes_outside_actions()
    assert not found, "writes outside actions (call or add an action):\n" + "\n".join(
        map(str, found)
    )


@pytest.mark.parametrize("path", sorted(ALLOWED))
def test_every_allowance_is_still_needed(path: str) -> None:
    """An allowance outlives its writes only by mistake: a write added there later would
    pass unseen. A module that no longer writes leaves ``ALLOWED``."""
    file = KEHU / path
    assert file.is_file(), f"{path} is gone: remove it from ALLOWED"
    assert writes_in(file.read_text(encoding="utf-8"), path), f"{path} no longer writes"


PLANTED = """
from django.shortcuts import redirect

def schedule_save(request, form, ticket, Ticket, pair):
    form.save()
    ticket.delete()
    Ticket.objects.filter(pk=1).update(status="closed")
    Ticket.objects.create(number="T1")
    Ticket._default_manager.update(status="open")
    Ticket.objects.bulk_create([])
    Ticket.objects.bulk_update([], ["status"])
    Ticket.objects.get_or_create(number="T2")
    pair.customer_a.tags.all().update(name="x")
    context = {}
    context.update(a=1)
    seen = set()
    seen.update([1])
    return redirect("home")
"""


def test_a_planted_write_in_a_view_is_caught(tmp_path: Path) -> None:
    view = tmp_path / "crm" / "service" / "views.py"
    view.parent.mkdir(parents=True)
    view.write_text(PLANTED)
    found = writes_outside_actions(tmp_path)
    assert [(w.line, w.call) for w in found] == [
        (5, "save"),
        (6, "delete"),
        (7, "update"),
        (8, "create"),
        (9, "update"),
        (10, "bulk_create"),
        (11, "bulk_update"),
        (12, "get_or_create"),
        (13, "update"),
    ]
    assert str(found[0]) == "kehu/crm/service/views.py:5: .save("


def test_the_same_writes_pass_in_an_actions_module(tmp_path: Path) -> None:
    actions = tmp_path / "crm" / "service" / "actions.py"
    actions.parent.mkdir(parents=True)
    actions.write_text(PLANTED)
    assert writes_outside_actions(tmp_path) == []


def test_a_route_declared_with_delete_is_not_a_write() -> None:
    source = '@router.delete("/x/{pk}")\ndef remove(request, pk):\n    return 204\n'
    assert writes_in(source, "crm/engagement/api.py") == []


PLANTED_HELD = """
def close_all(Ticket, user):
    tickets = Ticket.objects.filter(assignee=user)
    still_open = tickets.exclude(status="closed")
    still_open.update(status="closed")
    recent: object = Ticket._base_manager.all()
    recent.create(number="T3")
    if (rows := Ticket.objects.none()) is not None:
        rows.update(status="open")
    later.update(status="new")
    later = tickets.order_by("id")


def elsewhere(tickets, values):
    tickets.update(status="closed")
    values = dict(values)
    values.update(status="closed")
    return [ticket.update(status="x") for ticket in values]
"""


def test_a_query_set_held_in_a_variable_and_written_later_is_caught(tmp_path: Path) -> None:
    """``qs = X.objects.filter(...)`` then ``qs.update(...)``, through further names
    (``other = qs.exclude(...)``), an annotated assignment, ``:=``, and a name bound
    after the line that writes; a name of another function, a dict and a loop variable
    are not query sets."""
    view = tmp_path / "crm" / "service" / "views.py"
    view.parent.mkdir(parents=True)
    view.write_text(PLANTED_HELD)
    found = writes_outside_actions(tmp_path)
    assert [(w.line, w.call) for w in found] == [
        (5, "update"),
        (7, "create"),
        (9, "update"),
        (10, "update"),
    ]
