"""Uplift against response targeting on simulated campaigns with a known effect.

Customers from ``kehu.insight.uplift.simulate.simulate_campaign``: persuadables (buy only
when contacted), sure things (buy anyway), lost causes (never buy) and do-not-disturbs
(buy less when contacted), decided by their features. A training campaign and a larger
held-out test campaign (different seeds; the Qini coefficient of a single campaign of
20,000 moves by about 0.04 from draw to draw), treatment assigned at random with a
50/50 and a 90/10 split. On the same test rows, four targetings are scored:

(a) random order (a seeded random number per customer);
(b) the response propensity alone: ``ResponseModel`` fitted on the treated training rows;
(c) the two-model uplift (``TwoModelUplift``);
(d) the class-transformation uplift (``ClassTransformationUplift``, weighted for the
    treatment share);

and, as the ceiling, the oracle (ranking by the true uplift, known to the simulation).
Each gets its Qini coefficient and the uplift (treated minus control response rate) in
the top 10% and 30% of the test campaign; ``select_uplift_model`` is also run on the
training campaign, to show which approach the cross-validated Qini picks.

    .venv/bin/python benchmarks/uplift.py     # 20,000 to train on, 50,000 held out
    .venv/bin/python benchmarks/uplift.py --customers 5000 --test-customers 5000 --folds 2

Results: a table on stdout and ``bench-out/uplift.md``.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from kehu.insight.uplift import (
    ClassTransformationUplift,
    ResponseModel,
    TwoModelUplift,
    qini_coefficient,
    response_effect,
    select_uplift_model,
    uplift_at_top,
)
from kehu.insight.uplift.simulate import FEATURES, simulate_campaign

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "bench-out"
COLUMNS = list(FEATURES)


def machine() -> str:
    mem_kb = next(
        int(line.split()[1])
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal:")
    )
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return (
        f"Measured {stamp} on {os.cpu_count()} cores, {mem_kb / 2**20:.0f} GiB RAM "
        f"(load average {load}), Python {platform.python_version()}"
    )


def scores(train: pd.DataFrame, test: pd.DataFrame, args: argparse.Namespace) -> dict:
    options = {"learner": args.learner, "random_state": args.seed, "n_jobs": args.n_jobs}
    X, y, w = train[COLUMNS], train["response"], train["treatment"]
    out: dict[str, tuple[np.ndarray, float]] = {}
    out["(a) random"] = (np.random.default_rng(args.seed).random(len(test)), 0.0)
    for name, model in (
        ("(b) response propensity", ResponseModel(**options)),
        ("(c) two-model uplift", TwoModelUplift(**options)),
        ("(d) class-transformation uplift", ClassTransformationUplift(**options)),
    ):
        started = time.perf_counter()
        model.fit(X, y, w)
        out[name] = (model.predict(test[COLUMNS]), time.perf_counter() - started)
    out["oracle (true uplift)"] = (test["true_uplift"].to_numpy(), 0.0)
    return out


def scenario(share: float, args: argparse.Namespace) -> tuple[list[dict], str]:
    train = simulate_campaign(args.customers, treatment_share=share, seed=args.seed)
    test = simulate_campaign(args.test_customers, treatment_share=share, seed=args.seed + 1)
    rows = []
    for name, (score, seconds) in scores(train, test, args).items():
        y, w = test["response"], test["treatment"]
        rows.append(
            {
                "split": f"{share:.0%}/{1 - share:.0%}",
                "targeting": name,
                "qini": qini_coefficient(y, score, w),
                "top10": uplift_at_top(y, score, w, 0.1),
                "top30": uplift_at_top(y, score, w, 0.3),
                "fit_s": seconds,
            }
        )
    started = time.perf_counter()
    selection = select_uplift_model(
        train[COLUMNS],
        train["response"],
        train["treatment"],
        folds=args.folds,
        learner=args.learner,
        random_state=args.seed,
        n_jobs=args.n_jobs,
    )
    cv = ", ".join(f"{k} {v:.3f}" for k, v in selection.qini.items())
    effect = response_effect(test["response"], test["treatment"])
    kinds = test["kind"].value_counts(normalize=True)
    note = (
        f"{share:.0%}/{1 - share:.0%}: {len(train):,} training and {len(test):,} test "
        f"customers ({int(test['treatment'].sum()):,} treated in the test campaign); "
        f"test campaign response {effect.treated_mean:.1%} treated, "
        f"{effect.control_mean:.1%} control, average uplift {effect.estimate:+.2%} "
        f"(95% CI {effect.low:+.2%} to {effect.high:+.2%}); kinds "
        + ", ".join(f"{k} {v:.0%}" for k, v in kinds.items())
        + f". select_uplift_model ({args.folds}-fold CV Qini on the training campaign: "
        f"{cv}) chose {selection.chosen} in {time.perf_counter() - started:.0f} s."
    )
    return rows, note


def table(rows: list[dict]) -> str:
    lines = [
        "| split (treated/control) | targeting | Qini coefficient | uplift in top 10% "
        "| uplift in top 30% | fit (s) |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for r in rows:
        fit = f"{r['fit_s']:.1f}" if r["fit_s"] else ""
        lines.append(
            f"| {r['split']} | {r['targeting']} | {r['qini']:.3f} | {r['top10']:+.2%} "
            f"| {r['top30']:+.2%} | {fit} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=20000, help="training campaign")
    parser.add_argument(
        "--test-customers",
        type=int,
        default=50000,
        help="held-out campaign (large: one campaign's Qini is noisy)",
    )
    parser.add_argument("--shares", default="0.5,0.9", help="treatment shares to run")
    parser.add_argument("--folds", type=int, default=3, help="CV folds of the selection")
    parser.add_argument("--learner", default="lightgbm", choices=["lightgbm", "logistic"])
    parser.add_argument("--n-jobs", type=int, default=2, help="LightGBM threads")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    started = time.perf_counter()
    rows, notes = [], []
    for share in (float(s) for s in args.shares.split(",")):
        part, note = scenario(share, args)
        rows += part
        notes.append(note)
        print(note, flush=True)
    wall = time.perf_counter() - started
    command = "python benchmarks/uplift.py " + " ".join(
        f"--{k.replace('_', '-')} {v}" for k, v in vars(args).items()
    )
    report = "\n\n".join(
        [
            table(rows),
            *notes,
            f"{machine()}; wall time {wall:.0f} s for everything; `{command}`.",
        ]
    )
    print(report)
    OUT.mkdir(exist_ok=True)
    (OUT / "uplift.md").write_text(report + "\n")


if __name__ == "__main__":
    main()
