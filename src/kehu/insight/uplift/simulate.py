"""Simulated campaigns whose effect on each customer is known, to test uplift models on.

Customers with purchase behaviour (as :mod:`kehu.insight.behaviour` computes it) fall
into the four groups of the uplift literature (Radcliffe and Surry 2011), decided by
their features:

- *persuadables* buy when contacted and not otherwise: engaged readers
  (``opened_last_email``) who have lapsed for a few months (``recency_days`` near 200);
- *sure things* buy either way: frequent, recent buyers;
- *lost causes* buy neither way: long gone, rare buyers;
- *do-not-disturbs* buy less when contacted: frequent buyers with complaints.

A response model ranks sure things and do-not-disturbs high (they buy often); only an
uplift model can find the persuadables. The true uplift
``P(response | treated, x) - P(response | control, x)`` of every customer is returned
beside the simulated response, so a targeting can be scored against the truth.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kehu.insight.errors import InputError, coded
from kehu.insight.logistic import sigmoid as _sigmoid

__all__ = ["FEATURES", "KINDS", "simulate_campaign"]

#: The feature columns of a simulated campaign (``region`` is text and carries nothing).
FEATURES = (
    "recency_days",
    "n_orders",
    "mean_order",
    "tenure_days",
    "opened_last_email",
    "n_complaints",
    "region",
)
KINDS = ("persuadable", "sure_thing", "lost_cause", "do_not_disturb")
REGIONS = ("north", "south", "east", "west")


def simulate_campaign(
    n_customers: int, *, treatment_share: float = 0.5, seed: int = 0
) -> pd.DataFrame:
    """Simulate one campaign: customers, who was contacted, who responded.

    Parameters
    ----------
    n_customers : int
        Customers in the campaign (treated and control together).
    treatment_share : float
        Probability that a customer is contacted (the rest are the control group),
        assigned at random, independently of the features.
    seed : int
        Seed of the random generator; the same seed gives the same campaign.

    Returns
    -------
    pandas.DataFrame
        One row per customer: the :data:`FEATURES`; ``treatment`` (1 contacted, 0
        control); ``response`` (0/1); ``revenue`` (0 without a response);
        ``p_control`` and ``p_treated`` (the true response probabilities);
        ``true_uplift`` (their difference) and ``kind`` (one of :data:`KINDS`).

    Raises
    ------
    InputError
        When ``n_customers`` is not positive or ``treatment_share`` not in (0, 1).

    Examples
    --------
    >>> campaign = simulate_campaign(1000, seed=1)
    >>> campaign.shape
    (1000, 14)
    >>> campaign.groupby("kind")["true_uplift"].mean().round(2).to_dict()
    {'do_not_disturb': -0.09, 'lost_cause': 0.0, 'persuadable': 0.14, 'sure_thing': 0.0}
    """
    if not (isinstance(n_customers, int | np.integer) and n_customers > 0):
        raise coded(
            InputError(f"n_customers must be a positive integer, got {n_customers!r}"),
            "bad_n_customers",
            n_customers=n_customers,
        )
    if not 0 < treatment_share < 1:
        raise coded(
            InputError(f"treatment_share must be in (0, 1), got {treatment_share!r}"),
            "bad_treatment_share",
            treatment_share=treatment_share,
        )
    rng = np.random.default_rng(seed)
    n = int(n_customers)
    recency = rng.gamma(1.5, 100.0, n)
    n_orders = 1 + rng.poisson(rng.gamma(1.5, 3.0, n))
    mean_order = rng.lognormal(4.0, 0.5, n)
    tenure = recency + rng.gamma(2.0, 300.0, n)
    opened = (rng.random(n) < _sigmoid(-0.5 + 0.3 * np.log1p(n_orders) - recency / 400)).astype(
        np.int64
    )
    complaints = rng.poisson(0.3, n)
    region = rng.choice(REGIONS, n)
    p_control = _sigmoid(-3.6 + 1.2 * np.log1p(n_orders) - recency / 100 + 0.3 * opened)
    lapsed = np.exp(-(np.log(recency / 200.0) ** 2) / (2 * 0.4**2))
    annoyed = np.minimum(complaints, 2) / 2 * _sigmoid((n_orders - 6) / 1.5)
    effect = np.maximum(0.20 * lapsed * opened - 0.25 * annoyed, -0.8 * p_control)
    p_treated = np.clip(p_control + effect, 0.002, 0.998)
    treatment = (rng.random(n) < treatment_share).astype(np.int64)
    response = (rng.random(n) < np.where(treatment == 1, p_treated, p_control)).astype(np.int64)
    revenue = response * np.round(mean_order * rng.lognormal(0.0, 0.3, n), 2)
    true_uplift = p_treated - p_control
    kind = np.where(
        true_uplift >= 0.05,
        "persuadable",
        np.where(
            true_uplift <= -0.03,
            "do_not_disturb",
            np.where(p_control >= 0.2, "sure_thing", "lost_cause"),
        ),
    )
    return pd.DataFrame(
        {
            "recency_days": np.round(recency),
            "n_orders": n_orders,
            "mean_order": np.round(mean_order, 2),
            "tenure_days": np.round(tenure),
            "opened_last_email": opened,
            "n_complaints": complaints,
            "region": region,
            "treatment": treatment,
            "response": response,
            "revenue": revenue,
            "p_control": p_control,
            "p_treated": p_treated,
            "true_uplift": true_uplift,
            "kind": kind,
        }
    )
