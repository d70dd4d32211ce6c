"""The chart plumbing every page shares: a figure, its data as a table, its links."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import plotly.graph_objects as go
import pytest
from django.contrib.staticfiles import finders
from django.template import Context, Template
from django.test import RequestFactory
from django.utils import translation

from kehu.crm.charts import (
    PALETTE,
    Chart,
    ChartTable,
    cell_text,
    link_points,
    plotly_text,
    styled,
)
from kehu.crm.plotly_static import plotly_js


def _chart(**overrides: object) -> Chart:
    fields: dict[str, object] = {
        "key": "sales-by-month",
        "title": "Sales by month",
        "figure": styled(go.Figure(go.Bar(x=["Jan", "Feb"], y=[1200.5, 3400]))),
        "table": ChartTable(headers=["Month", "Sales"], rows=[["Jan", 1200.5], ["Feb", 3400]]),
    }
    fields.update(overrides)
    return Chart(**fields)  # type: ignore[arg-type]


def _render(*charts: Chart) -> str:
    request = RequestFactory().get("/")
    template = Template("{% load charts %}{% for c in charts %}{% chart c %}{% endfor %}")
    return template.render(Context({"charts": charts, "request": request}))


def test_the_house_style_uses_the_colour_blind_safe_palette_and_no_mode_bar_settings() -> None:
    figure = styled(go.Figure(go.Bar(x=[1], y=[2])))
    assert list(figure.layout.colorway) == list(PALETTE)
    assert figure.layout.paper_bgcolor == "rgba(0,0,0,0)"


def test_a_chart_draws_its_figure_table_and_link_and_the_scripts_once() -> None:
    html = _render(
        _chart(link="/customers/?tier=gold", link_label="Open the customers"),
        _chart(key="second"),
    )
    assert html.count("plotly/plotly.min.js") == 1
    assert html.count("kehu/charts.js") == 1
    assert 'data-chart="sales-by-month"' in html and 'data-chart="second"' in html
    assert '<a href="/customers/?tier=gold">Open the customers</a>' in html
    assert '<th scope="row" class="data">Jan</th><td class="num">1,200.50</td>' in html
    payload = html.split('class="chart-figure">')[1].split("</script>")[0]
    figure = json.loads(payload)
    assert figure["data"][0]["y"] == [1200.5, 3400]
    assert figure["layout"]["height"] == 320


def test_a_name_that_looks_like_markup_stays_data_inside_the_figure() -> None:
    evil = "</script><script>alert(1)</script>"
    html = _render(_chart(figure=go.Figure(go.Bar(x=[evil], y=[1]))))
    assert "<script>alert(1)" not in html
    payload = html.split('class="chart-figure">')[1].split("</script>")[0]
    assert json.loads(payload)["data"][0]["x"] == [evil]


def test_the_table_reads_in_the_page_language() -> None:
    with translation.override("zh-hans"):
        html = _render(_chart())
    assert "以表格显示" in html
    assert cell_text(None) == "—"
    assert cell_text(float("nan")) == "—"


def test_points_link_only_within_the_site() -> None:
    trace = go.Bar(x=["a", "b"], y=[1, 2])
    link_points(trace, ["/sales/opportunities/?stage=won", None])
    assert [list(row) for row in trace.customdata] == [["/sales/opportunities/?stage=won"], [""]]
    with_data = go.Bar(x=["a"], y=[1], customdata=[[42]])
    link_points(with_data, ["/customers/42/"])
    assert [list(row) for row in with_data.customdata] == [[42, "/customers/42/"]]
    for outside in ("https://evil.example/", "//evil.example/", "javascript:alert(1)"):
        with pytest.raises(ValueError, match="within the site"):
            link_points(go.Bar(x=["a"], y=[1]), [outside])
        with pytest.raises(ValueError, match="within the site"):
            _chart(link=outside)


def test_a_key_is_a_safe_element_id() -> None:
    with pytest.raises(ValueError, match="chart key"):
        _chart(key='x" onload="alert(1)')


def test_plotly_is_served_from_the_python_package_and_only_that_file() -> None:
    found = finders.find("plotly/plotly.min.js")
    assert found
    served = Path(str(found))
    assert served.read_bytes() == plotly_js().read_bytes()
    assert gzip.decompress(served.with_name("plotly.min.js.gz").read_bytes()) == served.read_bytes()
    assert not finders.find("plotly/datasets/iris.csv.gz")


def test_text_a_user_typed_is_not_read_as_plotly_tags() -> None:
    assert plotly_text('<a href="javascript:x">Tom & Co</a>') == (
        '&lt;a href="javascript:x"&gt;Tom &amp; Co&lt;/a&gt;'
    )
