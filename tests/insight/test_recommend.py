"""Next-best product recommendations (``kehu.insight.recommend``): planted co-purchases
recovered, owned items never recommended, popularity for newcomers, reasons in words,
scores equal to a dense reference, the time-split evaluation by hand, and on Online
Retail a clear win over the popularity baseline."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from sklearn.base import clone

from kehu.insight import recommend as rec
from kehu.insight.btyd import NotFittedError
from kehu.insight.data import InputError
from kehu.insight.errors import InvalidParameterError
from kehu.insight.recommend import NextBestProduct, evaluate_time_split, recommend_to_files
from kehu.insight.recommend import model as rec_model
from kehu.insight.recommend import similarity as rec_similarity


def _lines(seed: int = 3, n_customers: int = 600, n_items: int = 30) -> pd.DataFrame:
    """Random histories with planted companions: most buyers of item00 also buy
    item01 (tea and cups), buyers of item10 often buy item11."""
    rng = np.random.default_rng(seed)
    rows = []
    for c in range(n_customers):
        picks = set(rng.choice(n_items, rng.integers(1, 6), replace=False).tolist())
        if 0 in picks and rng.random() < 0.8:
            picks.add(1)
        if 10 in picks and rng.random() < 0.6:
            picks.add(11)
        rows += [(f"c{c:03d}", f"item{i:02d}", f"Item number {i}") for i in sorted(picks)]
    return pd.DataFrame(rows, columns=["customer_id", "item", "label"])


def _with(lines: pd.DataFrame, *rows: tuple[str, str]) -> pd.DataFrame:
    extra = pd.DataFrame(rows, columns=["customer_id", "item"])
    return pd.concat([lines, extra], ignore_index=True)


def _dense_reference(lines: pd.DataFrame, shrinkage: float) -> tuple[pd.DataFrame, np.ndarray]:
    """The model's formula on dense arrays, every neighbour kept: (x, s)."""
    x = pd.crosstab(lines["customer_id"], lines["item"]).clip(upper=1).astype(float)
    values = x.to_numpy()
    w = values / values.sum(axis=1, keepdims=True)
    co = values.T @ values
    cw = values.T @ w
    n_w = w.sum(axis=0)
    s = cw / np.sqrt(np.outer(n_w, n_w)) * co / (co + shrinkage)
    np.fill_diagonal(s, 0.0)
    return x, s


def test_buyers_of_tea_get_cups_first_with_the_reason():
    lines = _with(_lines(), ("newbie", "item00"), ("other", "item10"))
    model = NextBestProduct(top_n=5, label_col="label").fit(lines)
    top = model.recommend(["newbie", "other"]).groupby("customer_id").first()
    assert top.loc["newbie", "item"] == "item01"
    assert top.loc["other", "item"] == "item11"
    buyers = lines.groupby("item")["customer_id"].nunique()
    both = lines[lines["item"].isin(["item00", "item01"])].groupby("customer_id")["item"].nunique()
    share = round(100 * int((both == 2).sum()) / buyers["item00"])
    assert top.loc["newbie", "reason"] == f"bought with Item number 0 by {share}% of its buyers"
    assert top.loc["newbie", "because_of"] == "item00"
    assert top.loc["newbie", "source"] == "co_purchase"
    assert top.loc["newbie", "item_label"] == "Item number 1"


def test_owned_items_are_never_recommended():
    lines = _lines()
    table = NextBestProduct(top_n=10).fit(lines).recommend()
    owned = set(zip(lines["customer_id"], lines["item"], strict=True))
    assert not owned & set(zip(table["customer_id"], table["item"], strict=True))
    # ten different items per customer, ranked 1..10
    assert (table.groupby("customer_id")["item"].nunique() == 10).all()
    assert all(
        ranks == list(range(1, 11)) for ranks in table.groupby("customer_id")["rank"].agg(list)
    )


def test_customers_without_history_get_the_most_popular_items():
    lines = _lines()
    model = NextBestProduct(top_n=3).fit(lines)
    table = model.recommend(["stranger", "c000", "nobody"])
    buyers = lines.groupby("item")["customer_id"].nunique()
    buyers = buyers.sort_values(ascending=False, kind="stable")
    for who in ("stranger", "nobody"):
        mine = table[table["customer_id"] == who]
        assert list(mine["item"]) == list(buyers.index[:3])
        assert (mine["source"] == "popular").all() and (mine["score"] == 0).all()
        share = round(100 * buyers.iloc[0] / lines["customer_id"].nunique())
        assert mine["reason"].iloc[0] == f"popular: bought by {share}% of customers"
        assert mine["because_of"].isna().all()
    assert list(table["customer_id"]) == ["stranger"] * 3 + ["c000"] * 3 + ["nobody"] * 3


def test_a_short_co_purchase_list_is_filled_with_popular_items():
    # a customer whose only item nobody else bought: nothing co-purchased
    lines = _with(_lines(), ("loner", "unique-thing"), ("pair", "item00"), ("pair", "item01"))
    model = NextBestProduct(top_n=40).fit(lines)  # more than the 31 items
    loner = model.recommend(["loner"])
    assert (loner["source"] == "popular").all()
    assert len(loner) == 30 and loner["rank"].tolist() == list(range(1, 31))
    pair = model.recommend(["pair"])
    assert pair["item"].is_unique and len(pair) == 29  # every item but its own two
    assert pair["rank"].tolist() == list(range(1, 30))
    assert "unique-thing" in set(pair["item"])  # only via popularity: nobody bought it with them


def test_scores_and_reasons_equal_a_dense_reference():
    lines = _lines(seed=5, n_customers=300, n_items=25)
    model = NextBestProduct(top_n=8, neighbours=25, shrinkage=3.0).fit(lines)
    x, s = _dense_reference(lines, 3.0)
    scores = x.to_numpy() @ s
    scores[x.to_numpy() > 0] = -np.inf
    table = model.recommend()
    items = list(x.columns)
    for customer, mine in table[table["source"] == "co_purchase"].groupby("customer_id"):
        row = x.index.get_loc(customer)
        expected = np.sort(scores[row][scores[row] > 0])[::-1][: len(mine)]
        assert mine["score"].to_numpy() == pytest.approx(expected, rel=1e-5)
        cols = [items.index(i) for i in mine["item"]]
        assert mine["score"].to_numpy() == pytest.approx(scores[row, cols], rel=1e-5)
        had = np.flatnonzero(x.to_numpy()[row])
        for item, because in zip(cols, mine["because_of"], strict=True):
            assert s[items.index(because), item] == pytest.approx(s[had, item].max(), rel=1e-5)


def test_kept_neighbours_are_the_most_similar():
    lines = _lines(seed=7, n_customers=300, n_items=25)
    model = NextBestProduct(neighbours=4, shrinkage=2.0).fit(lines)
    _x, s = _dense_reference(lines, 2.0)
    sim = model.similarity_.toarray()
    for i in range(s.shape[0]):
        kept = np.flatnonzero(sim[i])
        assert len(kept) == min(4, np.count_nonzero(s[i]))
        assert sim[i, kept] == pytest.approx(s[i, kept], rel=1e-5)
        assert s[i, kept].min() >= np.delete(s[i], kept).max() * (1 - 1e-6)
    co = model.co_buyers_.toarray()
    x = model.purchases_.toarray()
    assert co[sim > 0] == pytest.approx((x.T @ x)[sim > 0])


def test_chunks_and_blocks_do_not_change_the_result(monkeypatch):
    lines = _lines(seed=11, n_customers=400)
    whole = NextBestProduct(top_n=6).fit(lines)
    expected = whole.recommend([*whole.customers_[:50], "stranger"])
    monkeypatch.setattr(rec_model, "CHUNK_PRODUCTS", 500)
    monkeypatch.setattr(rec_similarity, "BLOCK_CELLS", 40)
    pieces = NextBestProduct(top_n=6).fit(lines)
    assert (pieces.similarity_ != whole.similarity_).nnz == 0
    parts = list(pieces.iter_recommendations([*whole.customers_[:50], "stranger"]))
    assert len(parts) > 5
    pd.testing.assert_frame_equal(pieces.recommend([*whole.customers_[:50], "stranger"]), expected)


def test_numeric_ids_stay_numbers_across_chunks(monkeypatch, tmp_path):
    lines = _lines(seed=13, n_customers=200)
    lines["customer_id"] = lines["customer_id"].str[1:].astype(int)
    lines["item"] = lines["item"].str[4:].astype(int) + 1000
    monkeypatch.setattr(rec_model, "CHUNK_PRODUCTS", 1)  # a chunk per customer
    model = NextBestProduct(top_n=3).fit(lines)
    customers = [-1, *range(40), -2]  # the first chunk: a newcomer, no because_of
    assert len(list(model.iter_recommendations(customers))) == 42
    table = model.recommend(customers)
    assert table["customer_id"].dtype == np.int64 and table["item"].dtype == np.int64
    assert table["because_of"].iloc[:3].isna().all() and table["because_of"].iloc[-3:].isna().all()
    assert table["because_of"].iloc[3:6].notna().all()
    rec.write_recommendations(model, tmp_path, customers)
    written = pq.read_table(tmp_path / "recommendations.parquet").to_pandas()
    pd.testing.assert_frame_equal(written, table)


def test_lines_without_a_positive_quantity_are_not_purchases():
    lines = pd.DataFrame(
        {
            "cust": ["a", "a", "a", "b", "b", "", "c", "c"],
            "sku": ["tea", "cup", "pot", "tea", "cup", "tea", "pot", " "],
            "qty": ["2", "1", "-1", "1", "0", "5", "x", "1"],
        }
    )
    model = NextBestProduct(customer_col="cust", item_col="sku", quantity_col="qty").fit(lines)
    assert model.accounting_ == {
        "rows_in": 8,
        "rows_no_customer": 1,
        "rows_no_item": 1,
        "rows_not_purchase": 3,
        "rows_used": 3,
        "customers": 2,
        "items": 2,
    }
    assert list(model.items_) == ["cup", "tea"]  # a pot was only returned or unreadable
    assert model.recommend(["b"])["item"].tolist() == ["cup"]


def test_excluded_items_are_neither_recommended_nor_reasons():
    lines = _with(_lines(), *[(f"c{c:03d}", "POST") for c in range(0, 600, 2)])
    model = NextBestProduct(top_n=10, exclude_items=["POST"]).fit(lines)
    table = model.recommend()
    assert "POST" not in set(table["item"]) | set(table["because_of"].dropna())
    assert model.accounting_["rows_excluded_item"] == 300


def test_each_item_is_described_by_its_most_frequent_label():
    lines = pd.DataFrame(
        {
            "customer_id": ["a", "b", "c", "a", "b"],
            "item": ["85123A", "85123A", "85123A", "22423", "22423"],
            "label": ["WHITE HEART ", "WHITE HEART", "?", "", None],
        }
    )
    model = NextBestProduct(label_col="label").fit(lines)
    assert dict(zip(model.items_, model.labels_, strict=True)) == {
        "22423": "22423",
        "85123A": "WHITE HEART",
    }


def _hand_made() -> pd.DataFrame:
    """Before February: c1, c2 buy A and B; c3 A and C; c4 A; c6-c8 E (the most
    popular item after A, never bought with anything). From February: c1 buys A
    again (not new), c3 buys B, c4 buys B and D (D is new to the shop), c5 (no
    history) buys A."""
    rows = [
        ("c1", "A", "2021-01-05"),
        ("c1", "B", "2021-01-05"),
        ("c2", "A", "2021-01-06"),
        ("c2", "B", "2021-01-07"),
        ("c3", "A", "2021-01-08"),
        ("c3", "C", "2021-01-08"),
        ("c4", "A", "2021-01-09"),
        ("c6", "E", "2021-01-10"),
        ("c7", "E", "2021-01-11"),
        ("c8", "E", "2021-01-12"),
        ("c1", "A", "2021-02-01"),
        ("c3", "B", "2021-02-02"),
        ("c4", "B", "2021-02-03"),
        ("c4", "D", "2021-02-03"),
        ("c5", "A", "2021-02-04"),
    ]
    return pd.DataFrame(rows, columns=["customer_id", "item", "date"])


def test_evaluation_on_a_hand_made_split():
    lines = _hand_made()
    one = evaluate_time_split(lines, "2021-02-01", k=1)
    assert one["test_customers"] == 2  # c3 and c4
    assert (one["train_customers"], one["items"], one["train_rows"], one["test_rows"]) == (
        7,
        4,
        10,
        5,
    )
    # kehu: B for both (bought with A); popularity: E for both (A is theirs)
    assert one["kehu"] == {"hit_rate": 1.0, "precision": 1.0, "recall": pytest.approx(0.75)}
    assert one["popularity"] == {"hit_rate": 0.0, "precision": 0.0, "recall": 0.0}
    two = evaluate_time_split(lines, "2021-02-01", k=2)
    # kehu: c3 gets B, E; c4 gets B, C. popularity: c3 gets E, B; c4 gets E, B
    assert two["kehu"] == {"hit_rate": 1.0, "precision": 0.5, "recall": pytest.approx(0.75)}
    assert two["popularity"] == two["kehu"]


def test_dates_in_mixed_layouts_and_zones_are_read_one_by_one():
    lines = _hand_made()
    expected = evaluate_time_split(lines, "2021-02-01", k=1)
    mixed = lines.copy()
    mixed.loc[0, "date"] = "01/05/2021"  # the first value in another layout (5 January)
    mixed.loc[1, "date"] = mixed.loc[1, "date"] + "T10:00:00+08:00"
    mixed.loc[2, "date"] = "2021-02-30"  # no such day: left out and counted
    result = evaluate_time_split(mixed, "2021-02-01", k=1)
    assert result["rows_bad_date"] == 1
    assert result["train_rows"] + result["test_rows"] == len(lines) - 1
    assert result["test_rows"] == expected["test_rows"] - (lines.loc[2, "date"] >= "2021-02-01")
    # an order at 05:00 on the split day in +08:00 is on the split day, not the day before
    zoned = lines.copy()
    zoned["date"] = zoned["date"] + "T05:00:00+08:00"
    assert evaluate_time_split(zoned, "2021-02-01", k=1)["test_rows"] == expected["test_rows"]


def test_recommend_to_files_writes_recommendations_and_evaluation(tmp_path):
    run = recommend_to_files(
        _hand_made(),
        tmp_path / "out",
        customer_col="customer_id",
        item_col="item",
        date_col="date",
        top_n=1,
        evaluate_split="2021-02-01",
    )
    table = pq.read_table(tmp_path / "out" / "recommendations.parquet").to_pandas()
    assert list(table.columns) == list(rec.COLUMNS)
    assert len(table) == run.n_recommendations == 8  # c1-c8, one each
    evaluation = json.loads((tmp_path / "out" / "evaluation.json").read_text())
    assert evaluation["kehu"]["hit_rate"] == 1.0 and evaluation["split_date"] == "2021-02-01"


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda m, x: m(customer_col="client").fit(x), "no column 'client' (the customer"),
        (lambda m, x: m(item_col="sku").fit(x), "columns found: ['customer_id', 'item', 'date']"),
        (lambda m, x: m(quantity_col="qty").fit(x), "no column 'qty' (the quantity"),
        (lambda m, x: m(top_n=0).fit(x), "top_n must be a positive integer, got 0"),
        (lambda m, x: m(neighbours=2.5).fit(x), "neighbours must be a positive integer, got 2.5"),
        (lambda m, x: m(shrinkage=-1).fit(x), "shrinkage must be a number >= 0, got -1"),
        (lambda m, x: m().fit(x).recommend(top_n=-3), "top_n must be a positive integer, got -3"),
        (lambda m, x: m().fit(x.iloc[:0]), "no purchase lines left"),
        (lambda m, x: m().fit([1, 2]), "must be a table (DataFrame), got list"),
        (lambda m, x: evaluate_time_split(x, "2021-02-01", date_col="day"), "no column 'day'"),
        (lambda m, x: evaluate_time_split(x, "soon", date_col="date"), "got 'soon'"),
        (lambda m, x: evaluate_time_split(x, "2030-01-01"), "leaves no lines on one side"),
        (
            lambda m, x: evaluate_time_split(x, "2021-01-01", k=0),
            "k must be a positive integer, got 0",
        ),
        (
            lambda m, x: recommend_to_files(
                x, "o", customer_col="customer_id", item_col="item", evaluate_split="2021-02-01"
            ),
            "--evaluate-split needs --date-col",
        ),
    ],
)
def test_bad_input_gets_a_message(make, message):
    with pytest.raises((InputError, InvalidParameterError)) as caught:
        make(NextBestProduct, _hand_made())
    assert message in str(caught.value)


def test_estimator_contract():
    lines = _lines()
    model = NextBestProduct(top_n=4, neighbours=10)
    with pytest.raises(NotFittedError, match="not fitted yet"):
        model.recommend()
    assert model.fit(lines) is model
    first = model.recommend()
    assert model.fit(lines.sample(frac=1.0, random_state=1)) is model
    pd.testing.assert_frame_equal(
        model.recommend().sort_values(["customer_id", "rank"], ignore_index=True),
        first.sort_values(["customer_id", "rank"], ignore_index=True),
    )
    twin = clone(model)
    assert twin.get_params() == model.get_params() and not hasattr(twin, "similarity_")
    pd.testing.assert_frame_equal(model.predict(["c001"]), model.recommend(["c001"]))


@pytest.mark.slow
def test_online_retail_beats_popularity_at_hit_rate_10(kehu_data):
    lines = pd.read_csv(
        kehu_data / "online_retail" / "online_retail.csv.gz", dtype=str, keep_default_na=False
    )
    model = NextBestProduct(
        customer_col="CustomerID",
        item_col="StockCode",
        quantity_col="Quantity",
        label_col="Description",
    )
    result = evaluate_time_split(lines, "2011-09-01", k=10, date_col="InvoiceDate", model=model)
    assert result["test_customers"] > 1500
    kehu, popular = result["kehu"], result["popularity"]
    assert kehu["hit_rate"] >= popular["hit_rate"] + 0.10, result
    assert kehu["precision"] >= 1.5 * popular["precision"], result
