"""`kehu baskets --engine spark`: the baskets counted on Spark give the same itemsets and
rules as in this process, through the library and as a user runs the command."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from tests.conftest import require
from tests.insight.test_baskets import _baskets

from kehu.insight.baskets import mine, read_baskets
from kehu.insight.engine import QueryError
from kehu.insight.errors import InputError

pytestmark = pytest.mark.slow
KEHU = str(Path(sys.executable).with_name("kehu"))


@pytest.fixture(scope="module")
def spark():
    require(importlib.util.find_spec("pyspark") is not None, "pyspark is not installed")
    from kehu.insight.engine import SparkEngine

    return SparkEngine()


def _lines_csv(folder: Path, n: int) -> Path:
    path = folder / f"lines-{n}.csv"
    lines = _baskets(n=n)
    lines.loc[len(lines)] = ["B1", ""]  # a blank item: skipped and counted
    lines.loc[len(lines)] = ["", "item01"]  # a line without a basket too
    lines.to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def lines_csv(tmp_path_factory) -> Path:
    return _lines_csv(tmp_path_factory.mktemp("baskets"), 2000)


@pytest.mark.parametrize(
    ("n", "support", "confidence", "max_len"),
    # 0.07 × 100 baskets is 7.000000000000001 in floating point, and 7 / 100 >= 0.07:
    # itemsets in 7 baskets are frequent, which Spark's own ceil(minSupport × n) refuses
    [(2000, 0.02, 0.1, None), (2000, 0.01, 0.2, 2), (100, 0.07, 0.0, None), (2000, 0.05, 0.5, 1)],
)
def test_spark_finds_the_itemsets_and_rules_found_here(
    spark, tmp_path, n, support, confidence, max_len
):
    from kehu.insight.spark_baskets import mine_on_spark

    path = _lines_csv(tmp_path, n)
    basket_ids, items, skipped = read_baskets(path, "basket", "item")
    here = mine(basket_ids, items, support, confidence, max_len)
    there = mine_on_spark(
        spark, path, support, confidence, max_len, basket_col="basket", item_col="item"
    )
    assert (there.lines, there.skipped) == (len(items) + skipped, skipped) == (len(items) + 2, 2)
    assert there.mined.baskets == here.baskets == n
    assert len(here.itemsets) > 0
    if n == 100:
        assert (here.itemsets["count"] == 7).any()
    pd.testing.assert_frame_equal(there.mined.itemsets, here.itemsets)
    pd.testing.assert_frame_equal(there.mined.rules, here.rules)


def test_a_csv_is_read_on_spark_as_pandas_reads_it(spark, tmp_path):
    from kehu.insight.spark_baskets import mine_on_spark

    path = tmp_path / "tricky.csv"
    path.write_text(
        "basket,item,extra\n"
        'B1,"Tea, green",x\nB1," cup ",x\nB2,"say ""hi""",y\nB2,cup,\nB3,"",z\n,cup,z\n'
        'B3,tea,z\nB4,"two\nlines",z\nB4,cup,z\n'
    )
    basket_ids, items, skipped = read_baskets(path, "basket", "item")
    here = mine(basket_ids, items, 0.1, 0.1)
    there = mine_on_spark(spark, path, 0.1, 0.1, basket_col="basket", item_col="item")
    assert (there.lines, there.skipped, there.mined.baskets) == (9, 2, 4)
    assert ("two\nlines",) in set(here.itemsets["itemsets"])
    pd.testing.assert_frame_equal(there.mined.itemsets, here.itemsets)
    pd.testing.assert_frame_equal(there.mined.rules, here.rules)


def test_a_file_spark_cannot_read_is_one_plain_error(spark, tmp_path):
    from kehu.insight.spark_baskets import mine_on_spark

    path = tmp_path / "lines.parquet"
    path.write_text("not parquet")
    with pytest.raises(QueryError, match="counting baskets on Spark") as caught:
        mine_on_spark(spark, path, 0.1, 0.5, basket_col="basket", item_col="item")
    assert "Py4J" not in str(caught.value) and "parquet" in str(caught.value).lower()


def _command(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [KEHU, "baskets", *args], capture_output=True, text=True, timeout=300, check=False
    )


def test_the_command_on_spark_writes_what_it_writes_here(lines_csv, tmp_path):
    require(importlib.util.find_spec("pyspark") is not None, "pyspark is not installed")
    text = tmp_path / "baskets.txt"
    # white space and quotes around items, a line of spaces (no basket), a trailing blank
    text.write_text('tea,cup\n   \ntea,"cup",saucer\ntea\nlamp,\tshade \ncup,tea,\n')
    inputs = {
        "table": [str(lines_csv), "--basket-col", "basket", "--item-col", "item"],
        "basket": [str(text), "--format", "basket"],
    }
    for layout, source in inputs.items():
        written = {}
        for engine in ("local", "spark"):
            out = tmp_path / f"{layout}-{engine}"
            done = _command(
                *source,
                *("--min-support", "0.02", "--min-confidence", "0.3", "--out", str(out)),
                *("--engine", engine, "--spark-master", "local[2]"),
            )
            assert done.returncode == 0, done.stderr
            if engine == "spark":  # Spark's banner, warnings and level notice kept quiet
                noise = ("log4j", " WARN ", "setLogLevel")
                assert not [n for n in noise if n in done.stderr], done.stderr
            written[engine] = (
                done.stdout.splitlines()[-1],
                pd.read_parquet(out / "rules.parquet"),
                pd.read_parquet(out / "itemsets.parquet"),
            )
        summary, rules, itemsets = written["spark"]
        assert summary == written["local"][0]
        pd.testing.assert_frame_equal(rules, written["local"][1])
        pd.testing.assert_frame_equal(itemsets, written["local"][2])
    assert summary == "lines=11 skipped_blank=1 baskets=5 itemsets=10 rules=12"

    bad = _command(
        str(lines_csv), "--basket-col", "nope", "--item-col", "item", "--min-support", "0.1",
        *("--min-confidence", "0.5", "--out", str(tmp_path / "o"), "--engine", "spark"),
    )  # fmt: skip
    assert bad.returncode != 0 and "Traceback" not in bad.stderr
    assert bad.stderr.splitlines()[-1] == (
        f"error: {lines_csv}: no column 'nope'; the columns are ['basket', 'item']"
    )


def test_online_retail_on_spark_equals_here(spark, kehu_data):
    from kehu.insight.spark_baskets import mine_on_spark

    path = kehu_data / "online_retail" / "online_retail.csv.gz"
    basket_ids, items, _skipped = read_baskets(path, "InvoiceNo", "StockCode")
    here = mine(basket_ids, items, 0.02, 0.3)
    there = mine_on_spark(spark, path, 0.02, 0.3, basket_col="InvoiceNo", item_col="StockCode")
    assert there.lines == 541_909 and there.mined.baskets == here.baskets
    assert len(here.rules) > 10
    pd.testing.assert_frame_equal(there.mined.itemsets, here.itemsets)
    pd.testing.assert_frame_equal(there.mined.rules, here.rules)


def test_encodings_gaps_and_white_space_are_read_on_spark_as_here(spark, tmp_path):
    from kehu.insight.spark_baskets import mine_on_spark

    table = tmp_path / "gbk.csv"
    table.write_bytes("单号,商品\nA1,茶杯\nA1,茶壶\nA2,茶杯\nA2,茶壶\nA3,茶叶\n".encode("gbk"))
    per_line = tmp_path / "gbk.txt"  # a line of a tab is no basket, as a line of spaces
    per_line.write_bytes("茶杯,茶壶\n\t\n茶叶, 茶杯\n茶壶,\n".encode("gbk"))
    gaps = tmp_path / "gaps.parquet"  # pandas would read the items as 10.0, 20.0
    items = pd.array([10, 20, 10, None, 20], "Int64")
    pd.DataFrame({"basket": [1, 1, 2, 2, 3], "item": items}).to_parquet(gaps, index=False)
    cases = [
        (table, {"basket_col": "单号", "item_col": "商品"}),
        (per_line, {"one_per_line": True}),
        (gaps, {"basket_col": "basket", "item_col": "item"}),
    ]
    for path, how in cases:
        basket_ids, items, skipped = read_baskets(path, **how)
        here = mine(basket_ids, items, 0.3, 0.1)
        there = mine_on_spark(spark, path, 0.3, 0.1, **how)
        assert (there.lines, there.skipped) == (len(items) + skipped, skipped), path.name
        pd.testing.assert_frame_equal(there.mined.itemsets, here.itemsets)
        pd.testing.assert_frame_equal(there.mined.rules, here.rules)
    assert ("茶壶", "茶杯") in set(here.itemsets["itemsets"]) or path == gaps
    assert set(there.mined.itemsets["itemsets"]) >= {("10",), ("20",)}


@pytest.mark.parametrize("one_per_line", [False, True])
def test_text_not_in_its_encoding_refuses_the_file_on_spark(spark, tmp_path, one_per_line):
    from kehu.insight.spark_baskets import mine_on_spark

    path = tmp_path / "lines.csv"
    path.write_bytes("basket,item\n1,Caf\xe9\n1,tea\n".encode("latin-1"))
    how = {"one_per_line": True} if one_per_line else {"basket_col": "basket", "item_col": "item"}
    with pytest.raises(InputError, match="is not valid utf-8 text .1 lines hold bytes"):
        mine_on_spark(spark, path, 0.1, 0.1, encoding="utf-8", **how)
    there = mine_on_spark(spark, path, 0.1, 0.1, encoding="latin-1", **how)
    assert ("Café",) in set(there.mined.itemsets["itemsets"])
    with pytest.raises(InputError, match="Spark's Java has no text encoding 'mac-roman'"):
        mine_on_spark(spark, path, 0.1, 0.1, encoding="mac-roman", **how)


@pytest.mark.parametrize(
    "text",
    [
        'basket,item\n1,a\n1,"12 inch pizza\n2,a\n2,b\n3,a\n3,b\n',  # in the last column
        'basket,item\n1,a\n"2,b\n3,c\n',  # in the first
        'basket,item\n1,a\n1,"x\n2,y\n3,z',  # no line break at the end of the file
    ],
)
def test_a_quote_that_never_closes_refuses_the_file_on_spark(spark, tmp_path, text):
    from kehu.insight.spark_baskets import mine_on_spark

    path = tmp_path / "lines.csv"
    path.write_text(text)
    with pytest.raises(InputError, match="a quote opens before .* and does not close"):
        mine_on_spark(spark, path, 0.1, 0.1, basket_col="basket", item_col="item")
    # a quoted line break inside the file, and a quote within a value, are fine
    path.write_text('basket,item\n1,"two\nlines"\n1,12" pizza\n2,"a\n"\n2,b\n')
    there = mine_on_spark(spark, path, 0.1, 0.1, basket_col="basket", item_col="item")
    assert there.lines == 4 and ('12" pizza', "two\nlines") in set(there.mined.itemsets["itemsets"])
