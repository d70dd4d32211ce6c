"""Buy-till-you-die models of the customer base, on numpy/scipy.

- :class:`BgNbd` — BG/NBD (Fader, Hardie & Lee 2005): purchases and dropout.
- :class:`MbgNbd` — MBG/NBD (Batislam, Denizel & Filiztekin 2007): BG/NBD with dropout
  possible right after the first purchase.
- :class:`ParetoNbd` — Pareto/NBD (Schmittlein, Morrison & Colombo 1987).
- :class:`GammaGamma` — spend per transaction (Fader, Hardie & Lee 2005b).
- :class:`ShiftedBetaGeometric` — contractual retention (Fader & Hardie 2007).
- :func:`customer_lifetime_value` — discounted expected value over a horizon.

Estimators follow scikit-learn's contract and share their fit
(:class:`kehu.insight.base.LikelihoodModel`); BG/NBD and MBG/NBD, which differ only in
when a customer may first drop out, also share their predictions
(:mod:`kehu.insight.btyd._beta_geometric`). Bad input raises
:class:`~kehu.insight.errors.InputError` (an
:class:`~kehu.insight.errors.InsightError` and a ``ValueError``; ``InvalidDataError``
is its former name) naming the column, value and row; predicting before fitting raises
:class:`~kehu.insight.errors.NotFittedError`.
"""

from kehu.insight.btyd.bg_nbd import BgNbd
from kehu.insight.btyd.clv import customer_lifetime_value
from kehu.insight.btyd.gamma_gamma import GammaGamma
from kehu.insight.btyd.mbg_nbd import MbgNbd
from kehu.insight.btyd.pareto_nbd import ParetoNbd
from kehu.insight.btyd.sbg import ShiftedBetaGeometric
from kehu.insight.errors import InputError, InvalidDataError, NotFittedError
from kehu.insight.likelihood import ConvergenceWarning

__all__ = [
    "BgNbd",
    "ConvergenceWarning",
    "GammaGamma",
    "InputError",
    "InvalidDataError",
    "MbgNbd",
    "NotFittedError",
    "ParetoNbd",
    "ShiftedBetaGeometric",
    "customer_lifetime_value",
]
