"""The chart of the aged receivables report: what is open in each bucket."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

import plotly.graph_objects as go
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from kehu.crm.billing.queries import BUCKETS
from kehu.crm.charts import PALETTE, Chart, ChartTable, link_points, styled

# not yet due in blue, then lateness from orange to vermillion
BUCKET_COLOURS = (PALETTE[0], PALETTE[6], PALETTE[1], PALETTE[5], PALETTE[3])


def _money(value: Any) -> str:
    return number_format(Decimal(value or 0), 2, force_grouping=True)


def aging_chart(totals: Mapping[str, Any], as_of: date) -> Chart:
    """A bar per bucket; on today's report a bar opens the open invoices of its bucket."""
    labels = [str(b.label) for b in BUCKETS]
    amounts = [float(totals[b.key] or 0) for b in BUCKETS]
    figure = go.Figure(
        go.Bar(
            x=labels,
            y=amounts,
            marker_color=list(BUCKET_COLOURS),
            hovertemplate=_("%{x}: %{y:,.2f} open") + "<extra></extra>",
        )
    )
    figure.update_layout(showlegend=False)
    figure.update_yaxes(title_text=_("Open amount"), rangemode="tozero")
    figure.update_xaxes(title_text=_("Days past due"))
    link = None
    if as_of == timezone.localdate():
        invoices = reverse("billing:invoice_list")
        link_points(figure.data[0], [f"{invoices}?age={b.key}" for b in BUCKETS])
        link = f"{invoices}?overdue=1"
    total = totals.get("total")
    return Chart(
        key="aged-receivables",
        title=_("Open amount by days past due"),
        figure=styled(figure),
        table=ChartTable(
            headers=[_("Days past due"), _("Open amount")],
            rows=[[label, _money(totals[b.key])] for label, b in zip(labels, BUCKETS, strict=True)],
        ),
        link=link,
        link_label=_("Open the overdue invoices") if link else None,
        summary=_("%(total)s open on %(day)s.")
        % {"total": _money(total), "day": as_of.isoformat()},
    )
