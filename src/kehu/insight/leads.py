"""Lead scoring: the probability that an open lead converts.

It is learnt from the leads the CRM already decided (converted: 1; disqualified: 0)
with the outcome model of :mod:`kehu.insight.churn` (a calibrated blend of LightGBM and
a logistic regression, cross-validated, with each row's top reasons).

The features are what a lead says of itself and what was done with it:

- ``source``, ``campaign``, ``region``, ``city`` (categories; a city seen fewer than
  :data:`MIN_CITY_LEADS` times is "other", so that the model learns no single leads);
- ``has_company`` (1 when the lead names a company);
- ``email_domain``: ``corporate``, ``free`` (a free-mail provider, :data:`FREE_MAIL`)
  or ``none``;
- ``seniority``: ``executive``, ``manager``, ``staff`` or ``none``, from words of the
  job title (:data:`SENIORITY_WORDS`, English and Chinese);
- ``days_open``: whole days from capture to the decision (a decided lead) or to ``now`` (an
  open one);
- ``activities``: calls, emails, meetings and notes logged on the lead.

Example
-------
>>> import pandas as pd
>>> leads = pd.DataFrame({"id": [1], "source": ["web_form"], "campaign": [None],
...     "company": ["Acme"], "email": ["li@acme.example"], "title": ["CEO"],
...     "city": ["Shanghai"], "region": ["East"], "days_open": [3.0],
...     "activities": [2], "outcome": [None]})
>>> [str(v) for v in lead_features(leads).loc[0, ["email_domain", "seniority", "has_company"]]]
['corporate', 'executive', '1.0']
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from kehu.insight.errors import InputError

__all__ = [
    "FEATURES",
    "FREE_MAIL",
    "LeadScores",
    "MIN_EACH",
    "lead_features",
    "score_leads",
]

#: the fewest converted and the fewest lost leads to learn from
MIN_EACH = 30
MIN_CITY_LEADS = 10
FOLDS = 5

FREE_MAIL = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "hotmail.com",
        "outlook.com",
        "live.com",
        "yahoo.com",
        "icloud.com",
        "aol.com",
        "gmx.de",
        "web.de",
        "mail.ru",
        "qq.com",
        "163.com",
        "126.com",
        "sina.com",
        "sohu.com",
        "foxmail.com",
        "139.com",
        "yeah.net",
        "aliyun.com",
    }
)
SENIORITY_WORDS = {
    "executive": (
        r"\b(?:ceo|cfo|cto|coo|cio|owner|founder|president|director|vp|vice president|"
        r"chief|head|partner|general manager|gm)\b|总裁|总经理|董事|总监|老板|创始人|副总|厂长"
    ),
    "manager": r"\b(?:manager|lead|supervisor|buyer|purchasing|procurement)\b|经理|主管|采购",
}
FEATURES = (
    "source",
    "campaign",
    "region",
    "city",
    "has_company",
    "email_domain",
    "seniority",
    "days_open",
    "activities",
)
REQUIRED = (
    "id",
    "source",
    "campaign",
    "company",
    "email",
    "title",
    "city",
    "region",
    "days_open",
    "activities",
    "outcome",
)


def _text(values: pd.Series) -> pd.Series:
    return values.astype("string").fillna("").str.strip()


def _email_domain(email: pd.Series) -> pd.Series:
    domain = _text(email).str.lower().str.extract(r"@([^@]*)$", expand=False).fillna("")
    kind = np.where(domain == "", "none", np.where(domain.isin(FREE_MAIL), "free", "corporate"))
    return pd.Series(kind, index=email.index)


def _seniority(title: pd.Series) -> pd.Series:
    text = _text(title).str.lower()
    out = pd.Series(np.where(text == "", "none", "staff"), index=title.index, dtype=object)
    manager = text.str.contains(SENIORITY_WORDS["manager"], flags=re.IGNORECASE, regex=True)
    executive = text.str.contains(SENIORITY_WORDS["executive"], flags=re.IGNORECASE, regex=True)
    out[manager.to_numpy(dtype=bool)] = "manager"
    out[executive.to_numpy(dtype=bool)] = "executive"
    return out


def _frequent(values: pd.Series, least: int) -> pd.Series:
    text = _text(values)
    counts = text.map(text.value_counts())
    return text.where(counts >= least, "other").where(text != "", "none")


def lead_features(leads: pd.DataFrame) -> pd.DataFrame:
    """Return the feature table of ``leads`` (columns :data:`REQUIRED`).

    Its columns: ``id``, the :data:`FEATURES` and ``outcome`` (1 converted, 0 lost,
    missing: open).
    """
    missing = [c for c in REQUIRED if c not in leads.columns]
    if missing:
        raise InputError(f"lead table lacks columns {missing}; it has {list(leads.columns)}")
    return pd.DataFrame(
        {
            "id": leads["id"].to_numpy(),
            "source": _text(leads["source"]).replace("", "none").to_numpy(),
            "campaign": _text(leads["campaign"]).replace("", "none").to_numpy(),
            "region": _text(leads["region"]).replace("", "none").to_numpy(),
            "city": _frequent(leads["city"], MIN_CITY_LEADS).to_numpy(),
            "has_company": (_text(leads["company"]) != "").astype("float64").to_numpy(),
            "email_domain": _email_domain(leads["email"]).to_numpy(),
            "seniority": _seniority(leads["title"]).to_numpy(),
            "days_open": np.floor(pd.to_numeric(leads["days_open"], errors="coerce")).to_numpy(
                float
            ),
            "activities": pd.to_numeric(leads["activities"], errors="coerce").to_numpy(float),
            "outcome": pd.to_numeric(leads["outcome"], errors="coerce").to_numpy(float),
        }
    )


@dataclass
class LeadScores:
    """Scores of the open leads.

    ``ids``, ``probability`` (0..1) and ``reasons`` (each a list of "feature = value"
    words), with the model's ``metrics`` (``cv_roc_auc``, ``n_converted``, ``n_lost``).
    """

    ids: np.ndarray
    probability: np.ndarray
    reasons: list[list[str]]
    metrics: dict[str, Any] = field(default_factory=dict)


class TooLittleHistoryError(InputError):
    """Fewer than ``min_each`` converted or lost leads to learn from."""

    def __init__(self, n_converted: int, n_lost: int, min_each: int) -> None:
        self.n_converted, self.n_lost, self.min_each = n_converted, n_lost, min_each
        super().__init__(
            f"too little history to score leads: {n_converted} converted and {n_lost} lost "
            f"leads; at least {min_each} of each are needed"
        )


def score_leads(leads: pd.DataFrame, *, min_each: int = MIN_EACH, seed: int = 0) -> LeadScores:
    """Learn conversion from the decided leads of ``leads`` and score the open ones.

    Raises :class:`TooLittleHistoryError` with fewer than ``min_each`` converted or
    lost leads, and :class:`InputError` when there is no open lead to score.
    """
    from kehu.insight.churn import feature_table, train_outcome  # lightgbm: load on use

    known = pd.to_numeric(leads.get("outcome", pd.Series(dtype=float)), errors="coerce")
    n_converted, n_lost = int((known == 1).sum()), int((known == 0).sum())
    if min(n_converted, n_lost) < max(min_each, FOLDS):
        raise TooLittleHistoryError(n_converted, n_lost, min_each)
    frame = lead_features(leads)
    outcome = frame["outcome"]
    open_rows = outcome.isna().to_numpy()
    if not open_rows.any():
        raise InputError("no open lead to score")
    frame["outcome"] = outcome.map({1.0: "converted", 0.0: "lost"})
    table = feature_table(frame, "outcome", "id", positive="converted")
    result = train_outcome(table, folds=FOLDS, seed=seed)
    scores = result.scores.filter(open_rows)
    metrics = {
        "cv_roc_auc": float(result.metrics["cv_roc_auc"]),
        "n_converted": n_converted,
        "n_lost": n_lost,
        "n_scored": int(open_rows.sum()),
    }
    return LeadScores(
        ids=frame["id"].to_numpy()[open_rows],
        probability=scores.column("probability").to_numpy(),
        reasons=[list(r) for r in scores.column("top_reasons").to_pylist()],
        metrics=metrics,
    )
