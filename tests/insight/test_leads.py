"""Lead scoring: features read from the lead, too little history refused, and scores
that rank leads held out of training by whether they convert."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from kehu.insight.errors import InputError
from kehu.insight.leads import TooLittleHistoryError, lead_features, score_leads


def _leads(n: int, seed: int = 1) -> tuple[pd.DataFrame, np.ndarray]:
    """Synthetic leads where a corporate email and an executive title drive conversion;
    the outcome of every lead, and the table with the last third left open."""
    rng = np.random.default_rng(seed)
    corporate = rng.random(n) < 0.5
    executive = rng.random(n) < 0.3
    logit = -1.5 + 2.0 * corporate + 1.5 * executive
    converted = rng.random(n) < 1 / (1 + np.exp(-logit))
    frame = pd.DataFrame(
        {
            "id": np.arange(1, n + 1),
            "source": rng.choice(["web_form", "event", "import"], n),
            "campaign": rng.choice(["", "Spring fair"], n),
            "company": np.where(rng.random(n) < 0.7, "Acme", ""),
            "email": np.where(corporate, "a@acme.example", "a@gmail.com"),
            "title": np.where(executive, "CEO", rng.choice(["Engineer", ""], n)),
            "city": rng.choice(["Shanghai", "Beijing", "Tiny town"], n, p=[0.5, 0.49, 0.01]),
            "region": rng.choice(["East", "North"], n),
            "days_open": rng.integers(1, 200, n).astype(float),
            "activities": rng.integers(0, 5, n),
            "outcome": converted.astype(float),
        }
    )
    frame.loc[2 * n // 3 :, "outcome"] = np.nan
    return frame, converted


def test_features_read_the_email_domain_seniority_and_company():
    leads = pd.DataFrame(
        {
            "id": [1, 2, 3, 4],
            "source": ["web_form", "event", "api", ""],
            "campaign": [None, "Fair", None, None],
            "company": ["Acme", "", None, "X"],
            "email": ["li@acme.example", "li@QQ.com", "", None],
            "title": ["Purchasing Manager", "总经理", "", "engineer"],
            "city": ["A", "B", "C", "D"],
            "region": ["", "", "", ""],
            "days_open": [1, 2, 3, 4],
            "activities": [0, 1, 2, 3],
            "outcome": [1, 0, None, None],
        }
    )
    f = lead_features(leads)
    assert f["email_domain"].tolist() == ["corporate", "free", "none", "none"]
    assert f["seniority"].tolist() == ["manager", "executive", "none", "staff"]
    assert f["has_company"].tolist() == [1.0, 0.0, 0.0, 1.0]
    assert f["city"].tolist() == ["other"] * 4  # each seen once: not learnt as itself
    assert f["source"].tolist()[-1] == "none"


def test_a_missing_column_is_named():
    with pytest.raises(InputError, match="activities"):
        lead_features(pd.DataFrame({"id": [1]}))


def test_too_little_history_gives_a_message_not_a_score():
    frame, _ = _leads(60)
    with pytest.raises(TooLittleHistoryError, match="at least 30 of each"):
        score_leads(frame)


def test_scores_rank_the_held_out_leads_by_whether_they_convert():
    frame, converted = _leads(1200)
    scores = score_leads(frame)
    open_rows = frame["outcome"].isna().to_numpy()
    assert np.array_equal(scores.ids, frame["id"].to_numpy()[open_rows])
    assert ((scores.probability >= 0) & (scores.probability <= 1)).all()
    auc = roc_auc_score(converted[open_rows], scores.probability)
    assert auc > 0.7, auc
    assert scores.metrics["cv_roc_auc"] > 0.7
    # the reasons of a top lead name the features that drive conversion
    top = int(np.argmax(scores.probability))
    assert any(r.startswith(("email_domain", "seniority")) for r in scores.reasons[top])


def test_no_leads_at_all_is_too_little_history():
    frame, _ = _leads(10)
    with pytest.raises(TooLittleHistoryError, match="0 converted and 0 lost"):
        score_leads(frame.iloc[:0])
    assert len(lead_features(frame.iloc[:0])) == 0
