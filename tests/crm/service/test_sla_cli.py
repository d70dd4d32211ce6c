"""``kehu sla``: due times for tickets written around the open action, by the tier the
customer has now with --retier."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from click.testing import CliRunner
from django.utils import timezone

from kehu.cli import main
from kehu.crm.service.models import Ticket

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("sla_defaults")]


def test_kehu_sla_fills_missing_due_times_then_retiers(make_customer, make_ticket):
    from kehu.crm.intelligence.models import CustomerScore, ValueRun

    customer = make_customer("Lotus Tea")
    monday = datetime(2026, 11, 30, 9, tzinfo=UTC)
    ticket = make_ticket(customer, priority="urgent", opened_at=monday)
    Ticket.objects.filter(pk=ticket.pk).update(first_response_due=None, resolution_due=None)
    runner = CliRunner()
    first = runner.invoke(main, ["sla"])
    assert first.exit_code == 0, first.output
    assert "due times written for 1 tickets" in first.output
    ticket.refresh_from_db()
    assert ticket.sla_tier == "" and ticket.first_response_due is not None
    run = ValueRun.objects.create(status=ValueRun.Status.DONE, finished_at=timezone.now())
    CustomerScore.objects.create(run=run, customer=customer, tier="Platinum")
    assert "for 1 tickets" in runner.invoke(main, ["sla", "--retier"]).output
    ticket.refresh_from_db()
    assert ticket.sla_tier == "Platinum"
    assert ticket.resolution_due == datetime(2026, 11, 30, 17, tzinfo=UTC)  # 8 working hours


def test_kehu_sla_says_when_nothing_is_missing(make_ticket):
    make_ticket()
    result = CliRunner().invoke(main, ["sla"])
    assert result.exit_code == 0 and "for 0 tickets" in result.output
