"""Campaign response and uplift: whom to contact, learned from past campaigns.

The closed loop of a campaign (issue 13): a campaign contacts its target list except a
random control group; the outcomes (responded or not, revenue) of both groups are
stored per customer; this package learns from them whom the next campaign should
contact. Numbers in, numbers out: pandas or numpy, no Django.

- :class:`ResponseModel`: ``P(response | x)`` from the contacted members of past
  campaigns, calibrated.
- :class:`TwoModelUplift` and :class:`ClassTransformationUplift`: the uplift
  ``P(response | contacted, x) - P(response | not contacted, x)``, learned where
  campaigns kept control groups. :func:`select_uplift_model` picks between them by
  cross-validated Qini coefficient and reports both.
- :func:`qini_curve`, :func:`qini_coefficient`, :func:`uplift_at_top`: how well a
  targeting finds the customers a campaign moves.
- :func:`response_effect`, :func:`revenue_effect`: a campaign's average effect over its
  control group, with a confidence interval.
- :func:`~kehu.insight.uplift.simulate.simulate_campaign`: campaigns with a known
  effect per customer (tests, ``benchmarks/uplift.py``).

How the CRM calls it
--------------------
1. Training rows: one per member of each past campaign (treated and control), with the
   customer's features *as of that campaign's start* (``kehu.insight.behaviour``'s
   ``customer_behaviour(orders, as_of=campaign_start, ...).features``, less
   ``customer_id``, plus any column such as tier or channel consent; text columns are
   categories), ``treatment`` 1/0 and ``outcome`` 1/0 (converted within the
   campaign's window). Fix the behaviour ``categories`` and ``channels`` of the first
   cut-off for every later one, so that the columns stay the same.
2. Fit: ``select_uplift_model(X, outcome, treatment)`` when the campaigns had control
   groups (store ``selection.as_dict()`` with the run), else
   ``ResponseModel().fit(X, outcome, treatment)``.
3. Score current customers: their features as of today, same columns;
   ``selection.model.predict(X_now)`` is each one's predicted uplift (rank the target
   list by it, highest first); ``ResponseModel.predict`` the response probability.
4. A campaign's result: ``response_effect(outcome, treatment)`` and
   ``revenue_effect(revenue, treatment)`` (``.as_dict()`` for JSON), and
   ``qini_coefficient(outcome, predicted_uplift, treatment)`` for how well the
   ranking it was built from did.

Every bad input raises :class:`~kehu.insight.errors.InputError` (with a stable
``code`` and its ``params``); a model used before ``fit``,
:class:`~kehu.insight.errors.NotFittedError`.

Examples
--------
>>> from kehu.insight.uplift.simulate import FEATURES, simulate_campaign
>>> past, now = simulate_campaign(4000, seed=3), simulate_campaign(5, seed=4)
>>> model = TwoModelUplift(learner="logistic").fit(
...     past[list(FEATURES)], past["response"], past["treatment"])
>>> model.predict(now[list(FEATURES)]).shape
(5,)
"""

from kehu.insight.uplift.effect import (
    Effect,
    mean_difference,
    proportion_difference,
    response_effect,
    revenue_effect,
)
from kehu.insight.uplift.evaluate import (
    perfect_qini_curve,
    qini_coefficient,
    qini_curve,
    uplift_at_top,
)
from kehu.insight.uplift.models import ClassTransformationUplift, ResponseModel, TwoModelUplift
from kehu.insight.uplift.selection import UpliftSelection, select_uplift_model

__all__ = [
    "ClassTransformationUplift",
    "Effect",
    "ResponseModel",
    "TwoModelUplift",
    "UpliftSelection",
    "mean_difference",
    "perfect_qini_curve",
    "proportion_difference",
    "qini_coefficient",
    "qini_curve",
    "response_effect",
    "revenue_effect",
    "select_uplift_model",
    "uplift_at_top",
]
