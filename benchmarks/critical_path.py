"""The critical path of a large event plan: kehu.insight.schedule against a peer
(networkx: a forward and backward pass over its topological order, and its
dag_longest_path) on the same random layered network, with the time each takes.

    .venv/bin/python benchmarks/critical_path.py                  # 2,000 and 20,000 items
    .venv/bin/python benchmarks/critical_path.py --items 2000     # one size
    .venv/bin/python benchmarks/critical_path.py --items 2000 --crm /tmp/kehu-copy

The network has items in layers (about 40 per layer); each item after the first layer
depends on 1 to 3 items of the layers before it, with a lag of 0 to 2 days on one
dependency in five, and lasts 1 to 10 days. Both tools must give the same project
finish and the same set of critical items, or the script fails. The times are the
best of 3 runs (kehu: from the arrays to the schedule; networkx: building the graph
included, as a caller would).

With ``--crm KEHU_HOME`` (a copy of a CRM: an event with the network is added to it) it
also times reading and scheduling the event's plan (``kehu.crm.events.queries.event_plan``)
and rendering its Plan tab for the first administrator.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import timedelta
from types import ModuleType
from typing import Any

import numpy as np

START = np.datetime64("2026-01-05")


def layered_network(n_items: int, seed: int = 15) -> tuple[np.ndarray, ...]:
    """ids, duration, predecessor, successor, lag of a random layered network."""
    rng = np.random.default_rng(seed)
    ids = 1001 + np.arange(n_items, dtype=np.int64)
    duration = rng.integers(1, 11, n_items)
    layer = np.arange(n_items) // 40
    later = np.flatnonzero(layer > 0)
    n_preds = rng.integers(1, 4, later.size)
    succ = np.repeat(later, n_preds)
    # a predecessor anywhere in the (up to three) layers before the successor's
    first_earlier = np.maximum(layer[succ] - 3, 0) * 40
    last_earlier = layer[succ] * 40
    pred = first_earlier + (rng.random(succ.size) * (last_earlier - first_earlier)).astype(int)
    pairs = np.unique(np.column_stack([pred, succ]), axis=0)
    lag = np.where(rng.random(len(pairs)) < 0.2, rng.integers(0, 3, len(pairs)), 0)
    return ids, duration, ids[pairs[:, 0]], ids[pairs[:, 1]], lag


def networkx_graph(nx: ModuleType, ids, duration, pred, succ, lag) -> Any:  # noqa: ANN001
    """The network as a weighted DAG for dag_longest_path: an edge p -> s weighs
    p's duration plus the lag; a source (-2) leads to every item, every item leads to
    a sink (-1) with its duration."""
    length = dict(zip(ids.tolist(), duration.tolist(), strict=True))
    graph = nx.DiGraph()
    graph.add_weighted_edges_from(
        (p, s, length[p] + g)
        for p, s, g in zip(pred.tolist(), succ.tolist(), lag.tolist(), strict=True)
    )
    graph.add_weighted_edges_from((-2, i, 0) for i in length)
    graph.add_weighted_edges_from((i, -1, d) for i, d in length.items())
    return graph


def networkx_schedule(nx: ModuleType, ids, duration, pred, succ, lag) -> tuple[int, set[int]]:  # noqa: ANN001
    """Project finish (days from the start) and critical items, by a forward and a
    backward pass over networkx's topological order; the finish is checked against
    dag_longest_path_length."""
    graph = networkx_graph(nx, ids, duration, pred, succ, lag)
    length = dict(zip(ids.tolist(), duration.tolist(), strict=True))
    order = [v for v in nx.topological_sort(graph) if v >= 0]
    es: dict[int, int] = {}
    for v in order:
        es[v] = max(
            (es[p] + w for p, _, w in graph.in_edges(v, data="weight") if p >= 0), default=0
        )
    finish = max((es[v] + length[v] for v in order), default=0)
    assert finish == nx.dag_longest_path_length(graph), "networkx disagrees with itself"
    lf: dict[int, int] = {}
    for v in reversed(order):
        lf[v] = min(
            (
                lf[s] - length[s] - (w - length[v])
                for _, s, w in graph.out_edges(v, data="weight")
                if s >= 0
            ),
            default=finish,
        )
    return finish, {v for v in order if lf[v] - es[v] - length[v] <= 0}


def _best(run: Any, repeat: int = 3) -> tuple[float, Any]:
    best, result = float("inf"), None
    for _ in range(repeat):
        began = time.perf_counter()
        result = run()
        best = min(best, time.perf_counter() - began)
    return best, result


def measure(n_items: int) -> dict[str, Any]:
    import networkx as nx

    from kehu.insight.schedule import critical_path

    ids, duration, pred, succ, lag = layered_network(n_items)
    kehu_s, plan = _best(lambda: critical_path(ids, duration, pred, succ, lag, start=START))
    nx_s, (finish, critical) = _best(lambda: networkx_schedule(nx, ids, duration, pred, succ, lag))
    agree = plan.finish == START + finish and set(ids[plan.critical].tolist()) == critical
    return {
        "items": n_items,
        "dependencies": len(pred),
        "finish_days": int((plan.finish - START).astype(int)),
        "critical": int(plan.critical.sum()),
        "kehu_s": kehu_s,
        "networkx_s": nx_s,
        "agree": agree,
    }


def measure_crm(kehu_home: str, n_items: int) -> dict[str, float]:
    """The Plan tab of an event with the ``n_items`` network in the CRM at ``kehu_home``
    (a copy: the event "Critical path benchmark" is added to it once): seconds to read
    and schedule the plan, and to render the whole page for its first administrator."""
    import os

    os.environ["KEHU_HOME"] = kehu_home
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kehu.crm.settings")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.utils import timezone

    from kehu.crm.events import actions
    from kehu.crm.events.models import Dependency, Event, WorkItem
    from kehu.crm.events.queries import event_plan

    name = f"Critical path benchmark ({n_items:,} items)"
    event = Event.objects.filter(name=name).first()
    if event is None:
        today = timezone.localdate()
        event = actions.create_event(
            name=name,
            kind=Event.Kind.FAIR,
            starts_on=today + timedelta(days=3650),
            ends_on=today + timedelta(days=3651),
        )
        phase = actions.add_phase(event, name="Before")
        ids, duration, pred, succ, lag = layered_network(n_items)
        # written in bulk: a benchmark fixture, not a user's plan (add_dependency checks
        # the whole network for a cycle at each of the thousands of links)
        items = WorkItem.objects.bulk_create(
            WorkItem(event=event, phase=phase, name=f"Item {i}", duration_days=d, position=k)
            for k, (i, d) in enumerate(zip(ids.tolist(), duration.tolist(), strict=True))
        )
        by_id = dict(zip(ids.tolist(), items, strict=True))
        Dependency.objects.bulk_create(
            Dependency(predecessor=by_id[p], successor=by_id[s], lag_days=g)
            for p, s, g in zip(pred.tolist(), succ.tolist(), lag.tolist(), strict=True)
        )
    plan_s, _plan = _best(lambda: event_plan(event))
    client = Client()
    client.force_login(get_user_model().objects.filter(is_superuser=True).order_by("pk").first())
    page_s, response = _best(lambda: client.get(f"/events/{event.pk}/"))
    assert response.status_code == 200, response.status_code
    return {"plan_s": plan_s, "page_s": page_s}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--items", type=int, action="append", help="items (repeatable)")
    parser.add_argument(
        "--crm", metavar="KEHU_HOME", help="also time the Plan tab in this CRM (use a copy)"
    )
    args = parser.parse_args()
    rows = [measure(n) for n in args.items or [2_000, 20_000]]
    print(
        "| items | dependencies | finish (days) | critical items | kehu (s) | networkx (s)", end=""
    )
    print(" | agree |")
    print("|---:|---:|---:|---:|---:|---:|:---:|")
    for r in rows:
        print(
            f"| {r['items']:,} | {r['dependencies']:,} | {r['finish_days']} | {r['critical']} "
            f"| {r['kehu_s']:.3f} | {r['networkx_s']:.3f} | {'yes' if r['agree'] else 'NO'} |"
        )
    if args.crm:
        for n in args.items or [2_000]:
            crm = measure_crm(args.crm, n)
            print(
                f"CRM, {n:,} items: plan read and scheduled in {crm['plan_s']:.3f} s, "
                f"Plan tab rendered in {crm['page_s']:.3f} s"
            )
    return 0 if all(r["agree"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
