"""`kehu baskets`: frequent itemsets and association rules, equal to mlxtend's fpgrowth
+ association_rules on the same baskets and thresholds."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from mlxtend.frequent_patterns import association_rules, fpgrowth

from kehu.cli import main
from kehu.insight.baskets import mine, read_baskets
from kehu.insight.errors import InputError


def _baskets(seed: int = 3, n: int = 2000) -> pd.DataFrame:
    """Baskets with planted companions (tea with cups, lamps with shades) and noise."""
    rng = np.random.default_rng(seed)
    rows = []
    for basket in range(n):
        picks = set(rng.choice(30, rng.integers(1, 6), replace=False).tolist())
        if 1 in picks and rng.random() < 0.7:
            picks |= {2, 3}
        if 10 in picks and rng.random() < 0.5:
            picks.add(11)
        rows += [(f"B{basket}", f"item{i:02d}") for i in picks]
        if rng.random() < 0.1:  # a line entered twice counts once
            rows.append((f"B{basket}", f"item{next(iter(picks)):02d}"))
    return pd.DataFrame(rows, columns=["basket", "item"])


def _mlxtend(lines: pd.DataFrame, support: float, confidence: float, max_len=None):
    pairs = lines.drop_duplicates()
    onehot = pd.crosstab(pairs["basket"], pairs["item"]).astype(bool)
    itemsets = fpgrowth(onehot, min_support=support, use_colnames=True, max_len=max_len)
    rules = association_rules(itemsets, len(onehot), metric="confidence", min_threshold=confidence)
    return itemsets, rules


def _keyed(antecedents, consequents, *metrics):
    return {
        (tuple(sorted(a)), tuple(sorted(c))): values
        for a, c, *values in zip(antecedents, consequents, *metrics, strict=True)
    }


@pytest.mark.parametrize(
    ("support", "confidence", "max_len"),
    [(0.02, 0.1, None), (0.05, 0.5, None), (0.01, 0.2, 2), (0.1, 0.0, None)],
)
def test_itemsets_and_rules_equal_mlxtend(support, confidence, max_len):
    lines = _baskets()
    ours = mine(lines["basket"], lines["item"], support, confidence, max_len)
    itemsets, rules = _mlxtend(lines, support, confidence, max_len)
    assert dict(zip(ours.itemsets["itemsets"], ours.itemsets["support"], strict=True)) == {
        tuple(sorted(s)): v for s, v in zip(itemsets["itemsets"], itemsets["support"], strict=True)
    }
    mine_keyed = _keyed(
        ours.rules["antecedents"],
        ours.rules["consequents"],
        ours.rules["support"],
        ours.rules["confidence"],
        ours.rules["lift"],
    )
    theirs = _keyed(
        rules["antecedents"],
        rules["consequents"],
        rules["support"],
        rules["confidence"],
        rules["lift"],
    )
    assert mine_keyed.keys() == theirs.keys()
    for key, values in theirs.items():
        assert mine_keyed[key] == pytest.approx(values, rel=1e-12)


def test_the_planted_companions_come_first():
    lines = _baskets()
    rules = mine(lines["basket"], lines["item"], 0.02, 0.5).rules
    top = set(map(tuple, rules.head(6)[["antecedents", "consequents"]].to_numpy().ravel()))
    assert ("item01",) in top and ("item02", "item03") in top


def test_the_cli_writes_rules_and_itemsets(tmp_path):
    path = tmp_path / "lines.csv"
    lines = _baskets()
    lines.loc[len(lines)] = ["B1", ""]  # a blank item: skipped and counted
    lines.to_csv(path, index=False)
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main,
        [
            "baskets",
            str(path),
            "--basket-col",
            "basket",
            "--item-col",
            "item",
            "--min-support",
            "0.02",
            "--min-confidence",
            "0.3",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "skipped_blank=1 baskets=2,000" in result.output
    rules = pq.read_table(out / "rules.parquet").to_pandas()
    assert {"antecedents", "consequents", "support", "confidence", "lift"} <= set(rules.columns)
    assert isinstance(rules["antecedents"].iloc[0][0], str)
    assert (rules["confidence"] >= 0.3).all() and (rules["support"] >= 0.02).all()
    itemsets = pq.read_table(out / "itemsets.parquet").to_pandas()
    assert len(itemsets) > 30 and {"itemsets", "support"} <= set(itemsets.columns)


def test_one_basket_per_line(tmp_path):
    path = tmp_path / "baskets.txt"
    path.write_text("tea,cup\ntea,cup,saucer\ntea\nlamp, shade\ncup,tea\n")
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main,
        [
            "baskets",
            str(path),
            "--format",
            "basket",
            "--min-support",
            "0.4",
            "--min-confidence",
            "0.9",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    rules = pq.read_table(out / "rules.parquet").to_pandas()
    assert [
        (list(a), list(c)) for a, c in zip(rules.antecedents, rules.consequents, strict=True)
    ] == [(["cup"], ["tea"])]
    assert rules["confidence"].iloc[0] == 1.0 and rules["support"].iloc[0] == 0.6


def test_a_basket_per_line_reads_items_trimmed_and_unquoted(tmp_path):
    path = tmp_path / "baskets.txt"
    path.write_text('tea, "cup" ,saucer\n  \n"green tea"\t,\n""|x,cup\n')
    baskets, items, skipped = read_baskets(path, one_per_line=True)
    assert items.tolist() == ["tea", "cup", "saucer", "green tea", '""|x', "cup"]
    assert baskets.tolist() == [0, 0, 0, 1, 2, 2] and skipped == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--min-support", "0"], "--min-support must be in (0, 1]"),
        (["--min-support", "0.1", "--basket-col", "nope"], "--item-col"),
        (["--min-support", "0.1", "--basket-col", "nope", "--item-col", "item"], "nope"),
        (["--min-support", "0", "--engine", "spark"], "--min-support must be in (0, 1]"),
        (["--min-support", "0.1", "--basket-col", "b", "--engine", "spark"], "--item-col"),
        (["--min-support", "0.1", "--engine", "spark", "--spark-conf", "x"], "KEY=VALUE"),
        (["--min-support", "0.1", "--format", "basket", "--separator", ""], "--separator"),
        (
            ["--min-support", "0.1", "--format", "basket", "--separator", "", "--engine", "spark"],
            "--separator must be one or more characters",
        ),
        (["--min-support", "0.1", "--encoding", "klingon"], "unknown text encoding 'klingon'"),
    ],
)
def test_bad_input_gets_a_message(tmp_path, args, message):
    path = tmp_path / "lines.csv"
    _baskets(n=50).to_csv(path, index=False)
    cli_args = ["baskets", str(path), "--min-confidence", "0.5", "--out", str(tmp_path / "o")]
    if "--basket-col" not in args:
        cli_args += ["--basket-col", "basket", "--item-col", "item"]
    result = CliRunner().invoke(main, [*cli_args, *args])
    assert result.exit_code != 0 and message in result.output, result.output
    assert "Traceback" not in result.output


@pytest.mark.slow
def test_online_retail_rules_equal_mlxtend(kehu_data):
    frame = pd.read_csv(
        kehu_data / "online_retail" / "online_retail.csv.gz",
        dtype=str,
        usecols=["InvoiceNo", "StockCode"],
    )
    sales = frame[~frame["InvoiceNo"].str.startswith("C")]
    lines = sales.rename(columns={"InvoiceNo": "basket", "StockCode": "item"})
    ours = mine(lines["basket"], lines["item"], 0.02, 0.3)
    _itemsets, rules = _mlxtend(lines, 0.02, 0.3)
    assert len(ours.rules) == len(rules) > 10
    theirs = _keyed(rules["antecedents"], rules["consequents"], rules["lift"])
    mine_keyed = _keyed(ours.rules["antecedents"], ours.rules["consequents"], ours.rules["lift"])
    assert mine_keyed.keys() == theirs.keys()
    assert all(mine_keyed[k] == pytest.approx(v, rel=1e-12) for k, v in theirs.items())


GBK_LINES = "单号,商品\nA1,茶杯\nA1,茶壶\nA2,茶杯\nA2,茶壶\nA3,茶叶\n"


def test_a_gbk_file_is_read_in_its_own_encoding(tmp_path):
    table = tmp_path / "lines.csv"
    table.write_bytes(GBK_LINES.encode("gbk"))
    baskets, items, skipped = read_baskets(table, "单号", "商品")
    assert items.tolist() == ["茶杯", "茶壶", "茶杯", "茶壶", "茶叶"] and skipped == 0
    per_line = tmp_path / "baskets.txt"
    per_line.write_bytes("茶杯,茶壶\n茶叶\n".encode("gbk"))
    assert read_baskets(per_line, one_per_line=True)[1].tolist() == ["茶杯", "茶壶", "茶叶"]
    named = read_baskets(per_line, one_per_line=True, encoding="gbk")[1]
    assert named.tolist() == ["茶杯", "茶壶", "茶叶"]


@pytest.mark.parametrize("one_per_line", [False, True])
def test_text_not_in_its_encoding_is_one_plain_error(tmp_path, one_per_line):
    path = tmp_path / "lines.csv"
    path.write_bytes("basket,item\n1,Caf\xe9\n1,tea\n".encode("latin-1"))
    columns = {} if one_per_line else {"basket_col": "basket", "item_col": "item"}
    with pytest.raises(InputError, match="is not valid utf-8 text: name its encoding"):
        read_baskets(path, one_per_line=one_per_line, encoding="utf-8", **columns)
    items = read_baskets(path, one_per_line=one_per_line, encoding="latin-1", **columns)[1]
    assert "Café" in items.tolist()


def test_whole_number_items_with_a_gap_are_read_as_their_digits(tmp_path):
    path = tmp_path / "lines.parquet"
    frame = pd.DataFrame({"basket": [1, 1, 2, 2], "item": pd.array([10, 20, 10, None], "Int64")})
    frame.to_parquet(path, index=False)
    baskets, items, skipped = read_baskets(path, "basket", "item")
    assert items.tolist() == ["10", "20", "10"] and skipped == 1


def test_baskets_so_full_that_every_combination_is_frequent_are_refused(tmp_path):
    # two baskets of the same 40 items: 2^40 itemsets at any support up to 1
    lines = pd.DataFrame(
        [(b, f"item{i:02d}") for b in ("B1", "B2") for i in range(40)], columns=["basket", "item"]
    )
    with pytest.raises(InputError, match="more than 2,000,000 frequent itemsets"):
        mine(lines["basket"], lines["item"], 0.5, 0.5)
    assert len(mine(lines["basket"], lines["item"], 0.5, 0.5, max_len=2).itemsets) == 40 + 780


@pytest.mark.parametrize("separator", [";", "\t", "|"])
def test_a_table_is_read_whatever_its_delimiter_and_byte_order_mark(tmp_path, separator):
    path = tmp_path / "lines.csv"
    lines = _baskets(n=60)
    text = lines.to_csv(index=False, sep=separator)
    path.write_text("\ufeff" + text, encoding="utf-8")
    baskets, items, skipped = read_baskets(path, "basket", "item")
    assert items.tolist() == lines["item"].tolist() and skipped == 0


def test_a_line_with_more_cells_than_the_header_is_refused(tmp_path):
    path = tmp_path / "lines.csv"
    path.write_text("basket,item,price\nB1,tea,1\nB2,cup,1,234.50\nB2,tea,2\n")
    with pytest.raises(InputError, match="Expected 3 fields in line 3, saw 4"):
        read_baskets(path, "basket", "item")
    path.write_text('basket,item,price\nB1,tea,1\nB2,cup,"1,234.50"\nB2,tea,2\n')
    assert read_baskets(path, "basket", "item")[1].tolist() == ["tea", "cup", "tea"]
    # a line with fewer cells (an export that drops trailing empty ones) reads as before
    path.write_text("basket,item,note\nB1,tea,x\nB1,cup\nB2,tea,\nB2\n")
    baskets, items, skipped = read_baskets(path, "basket", "item")
    assert items.tolist() == ["tea", "cup", "tea"] and skipped == 1
    # a value longer than Arrow's block
    path.write_text(f'basket,item\nB1,tea\nB1,"{"x" * 2_000_000}"\n')
    assert len(read_baskets(path, "basket", "item")[1].iloc[1]) == 2_000_000
    with pytest.raises(InputError, match="no column 'nope'; the columns are"):
        read_baskets(path, "basket", "nope")
