"""Scoring the CRM's open leads from its converted and disqualified ones: too little
history is a message, the scores and reasons land on the open leads, and the command and
the button run it."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest
from click.testing import CliRunner
from django.urls import reverse
from django.utils import timezone
from sklearn.metrics import roc_auc_score

from kehu.cli import main
from kehu.crm.leads import actions
from kehu.crm.leads.models import Lead
from kehu.crm.leads.scoring import ScoringRefusedError, lead_history, score_open_leads

pytestmark = pytest.mark.django_db


def _history(n: int, seed: int = 3) -> dict[int, bool]:
    """``n`` leads where an executive title converts more often: the first two thirds
    decided (converted or disqualified), the rest open; returns each lead's truth."""
    rng = np.random.default_rng(seed)
    truth = {}
    admin = None
    for i in range(n):
        executive = rng.random() < 0.4
        converts = rng.random() < (0.75 if executive else 0.15)
        lead = actions.capture_lead(
            name=f"Lead {i}",
            email=f"lead{i}@{'acme' if rng.random() < 0.5 else 'gmail'}.com",
            title="CEO" if executive else "Engineer",
            source="web_form",
            created_at=timezone.now() - timedelta(days=int(rng.integers(5, 300))),
        ).lead
        truth[lead.pk] = bool(converts)
        if i < 2 * n // 3:
            if converts:
                Lead.objects.filter(pk=lead.pk).update(
                    status=Lead.Status.CONVERTED, converted_at=timezone.now()
                )
            else:
                actions.disqualify(lead, reason="no_need", actor=admin)
    return truth


def test_too_little_history_is_a_message():
    _history(30)
    with pytest.raises(ScoringRefusedError, match="at least 30 of each"):
        score_open_leads()
    assert not Lead.objects.filter(score__isnull=False).exists()


def test_history_reads_outcomes_and_days_open():
    truth = _history(9)
    frame = lead_history().set_index("id")
    decided = frame["outcome"].notna()
    assert decided.sum() == 6
    for pk, row in frame[decided].iterrows():
        assert row["outcome"] == float(truth[pk])
    assert (frame["days_open"] >= 0).all()


def test_scores_rank_the_open_leads_and_carry_reasons():
    truth = _history(300)
    run = score_open_leads()
    assert run.n_scored == 100 and run.cv_roc_auc > 0.7
    scored = Lead.objects.filter(status=Lead.Status.NEW)
    assert not scored.filter(score__isnull=True).exists()
    pks, scores = zip(*scored.values_list("pk", "score"), strict=True)
    auc = roc_auc_score([truth[pk] for pk in pks], scores)
    assert auc > 0.7, auc
    best = scored.order_by("-score").first()
    assert any(r.startswith("seniority") for r in best.score_reasons)


def test_the_command_and_the_button(client_for, analyst_user):
    _history(150)
    result = CliRunner().invoke(main, ["leads", "score"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "scored 50 open leads" in result.output
    response = client_for(analyst_user).post(reverse("leads:score"), follow=True)
    assert "open leads scored" in response.content.decode()


def test_the_command_fails_clearly_without_history():
    result = CliRunner().invoke(main, ["leads", "score"])
    assert result.exit_code == 2
    assert "too little history" in result.output.lower()
