"""What the analysis run reads back from its own write-back: each customer's segment key
in the current scores, which the next run's segments keep their keys by."""

from __future__ import annotations

import pytest

from kehu.crm.intelligence.models import CustomerScore, ValueRun
from kehu.crm.intelligence.writeback import previous_segments

pytestmark = pytest.mark.django_db


def test_previous_segments_by_customer_without_the_unsegmented(make_customer):
    run = ValueRun.objects.create()
    first, second, unsegmented = (make_customer(f"Segment {i} Ltd") for i in range(3))
    CustomerScore.objects.create(customer=first, run=run, segment=3)
    CustomerScore.objects.create(customer=second, run=run, segment=0)
    CustomerScore.objects.create(customer=unsegmented, run=run, segment=None)
    segments = previous_segments()
    assert segments.dtype == "int64"
    assert segments.sort_index().to_dict() == {first.pk: 3, second.pk: 0}


def test_no_scores_no_previous_segments():
    segments = previous_segments()
    assert segments.empty and segments.dtype == "int64"
