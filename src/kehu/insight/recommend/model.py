"""The next-best-product estimator.

The next-best-product estimator: fitted item neighbours and popularity, and the
recommendations of each customer, chunk by chunk (see :mod:`kehu.insight.recommend`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Self

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import scipy.sparse as sp

from kehu.insight.base import Estimator
from kehu.insight.errors import InputError
from kehu.insight.recommend.purchases import read_purchases
from kehu.insight.recommend.similarity import (
    item_neighbours,
    ragged_arange,
    stored_cells,
    top_per_row,
)

__all__ = ["CHUNK_PRODUCTS", "COLUMNS", "NextBestProduct", "empty_table"]

#: Customer-item products per chunk of the scoring pass (bounds recommend memory).
CHUNK_PRODUCTS = 1 << 23

COLUMNS = (
    "customer_id",
    "rank",
    "item",
    "item_label",
    "score",
    "reason",
    "share",
    "source",
    "because_of",
)


class NextBestProduct(Estimator):
    """Next-best products per customer from co-purchases, with popularity as fallback.

    Parameters
    ----------
    top_n : int
        Recommendations per customer.
    neighbours : int
        Most similar items kept per item.
    shrinkage : float
        ``lambda``: pairs with few common buyers count less (``c / (c + lambda)``).
    customer_col, item_col : str
        Required columns of the purchase lines.
    quantity_col : str or None
        Optional; rows whose quantity is not positive are not purchases.
    label_col : str or None
        Optional item description for the reasons (the most frequent one per item).
    exclude_items : sequence of str or None
        Items left out altogether (postage, fees).

    Attributes
    ----------
    customers_, items_ : pandas.Index
        Customer and item ids, in the order of the rows and columns of ``purchases_``.
    purchases_ : scipy.sparse.csr_matrix
        Customer x item, 1 where the customer bought the item.
    buyers_ : numpy.ndarray
        Customers per item (``n_i``).
    similarity_, co_buyers_ : scipy.sparse.csr_matrix
        Item x item ``s_ij`` for the kept neighbours, and ``c_ij`` on the same pattern.
    labels_ : numpy.ndarray
        Item text used in reasons (the label, or the id when there is none).
    popular_ : numpy.ndarray
        Item positions, most customers first.
    accounting_ : dict
        Rows read, used and left out, and why.

    Examples
    --------
    >>> lines = pd.DataFrame({"customer_id": ["a", "a", "b", "b", "c"],
    ...                       "item": ["tea", "cup", "tea", "cup", "tea"]})
    >>> model = NextBestProduct(top_n=1).fit(lines)
    >>> row = model.recommend(["c"]).iloc[0]
    >>> row["item"], row["reason"]
    ('cup', 'bought with tea by 67% of its buyers')
    """

    def __init__(
        self,
        top_n: int = 10,
        *,
        neighbours: int = 50,
        shrinkage: float = 5.0,
        customer_col: str = "customer_id",
        item_col: str = "item",
        quantity_col: str | None = None,
        label_col: str | None = None,
        exclude_items: Sequence[str] | None = None,
    ) -> None:
        self.top_n = top_n
        self.neighbours = neighbours
        self.shrinkage = shrinkage
        self.customer_col = customer_col
        self.item_col = item_col
        self.quantity_col = quantity_col
        self.label_col = label_col
        self.exclude_items = exclude_items

    def fit(self, lines: Any, y: None = None) -> Self:
        """Learn item neighbours and popularity from purchase lines.

        Learn item neighbours and popularity from purchase lines (a table with
        ``customer_col`` and ``item_col``; pandas, or anything with ``to_pandas()``).
        """
        self._check_params()
        bought = read_purchases(
            lines,
            self.customer_col,
            self.item_col,
            self.quantity_col,
            self.label_col,
            self.exclude_items,
        )
        self.customers_, self.items_ = bought.customers, bought.items
        self.purchases_ = bought.matrix
        self.buyers_ = np.bincount(bought.matrix.indices, minlength=len(bought.items))
        self.labels_ = bought.labels
        self.popular_ = np.argsort(-self.buyers_, kind="stable")
        self.similarity_, self.co_buyers_ = item_neighbours(
            bought.matrix, self.neighbours, self.shrinkage
        )
        self.accounting_ = bought.accounting
        return self

    def recommend(
        self, customers: Iterable[Any] | None = None, top_n: int | None = None
    ) -> pd.DataFrame:
        """Return ``top_n`` recommendations per customer as a long table.

        Return a long table, ``top_n`` rows per customer (all fitted customers when ``customers``
        is None; an id the model has not seen, e.g. a number where the ids were read as text, gets
        the popular items): ``customer_id, rank`` (1 = best), ``item, item_label, score`` (0 for a
        popular pick), ``reason`` (in words), ``share`` (the reason's number: the share of
        ``because_of``'s buyers who bought the item too, or for a popular pick the share of
        customers who bought it; so that a reason can be phrased in another language), ``source``
        (``co_purchase`` or ``popular``) and ``because_of`` (the customer's item behind a
        co-purchase pick).
        """
        self._check_is_fitted("recommend")
        parts = list(self.iter_recommendations(customers, top_n))
        table: pd.DataFrame = (pa.concat_tables(parts) if parts else empty_table()).to_pandas()
        return table

    def predict(self, customers: Iterable[Any] | None = None) -> pd.DataFrame:
        """Return the same as :meth:`recommend` with the fitted ``top_n``."""
        self._check_is_fitted("predict")
        return self.recommend(customers)

    def iter_recommendations(
        self, customers: Iterable[Any] | None = None, top_n: int | None = None
    ) -> Iterator[pa.Table]:
        """:meth:`recommend` as Arrow tables, one per chunk of customers."""
        self._check_is_fitted("iter_recommendations")
        rows, ids = self._rows(customers)
        n = self._n(top_n)
        for start, picked in self._ranked(rows, n, popular_only=False):
            yield self._table(ids[start : start + picked.n_rows], picked)

    def _check_params(self) -> None:
        for name in ("top_n", "neighbours"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
                raise InputError(f"{name} must be a positive integer, got {value!r}")
        if not isinstance(self.shrinkage, int | float) or not self.shrinkage >= 0:
            raise InputError(f"shrinkage must be a number >= 0, got {self.shrinkage!r}")

    def _n(self, top_n: int | None) -> int:
        n = self.top_n if top_n is None else top_n
        if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
            raise InputError(f"top_n must be a positive integer, got {n!r}")
        return int(n)

    def _rows(self, customers: Iterable[Any] | None) -> tuple[np.ndarray, pd.Index]:
        """Row of each customer in ``purchases_`` (-1: not seen), and the ids."""
        if customers is None:
            return np.arange(len(self.customers_)), self.customers_
        ids = pd.Index(list(customers) if not hasattr(customers, "__len__") else customers)
        return self.customers_.get_indexer(ids), ids

    def _ranked(
        self, rows: np.ndarray, n: int, popular_only: bool
    ) -> Iterator[tuple[int, _Picked]]:
        """Return the top ``n`` per customer of ``rows``, chunk by chunk.

        Return the top ``n`` per customer of ``rows``, chunk by chunk: (first row, picks). A
        chunk holds about ``CHUNK_PRODUCTS`` customer-item-neighbour products.
        """
        if len(rows) == 0:
            return
        history = np.where(rows >= 0, np.diff(self.purchases_.indptr)[np.maximum(rows, 0)], 0)
        cost = np.cumsum(history.astype(np.int64) * self.neighbours + n)
        ends = np.searchsorted(cost, np.arange(CHUNK_PRODUCTS, cost[-1], CHUNK_PRODUCTS), "right")
        bounds = np.unique(np.concatenate([[0], ends, [len(rows)]]))
        cells = pd.Index(stored_cells(self.similarity_))  # a hash lookup of (i, j)
        for start, stop in zip(bounds[:-1], bounds[1:], strict=True):
            owned = self._owned(rows[start:stop])
            if popular_only:
                picked = _Picked.empty(stop - start)
            else:
                picked = self._co_purchased(owned, n, cells)
            yield int(start), self._fill_popular(owned, picked, n)

    def _owned(self, rows: np.ndarray) -> sp.csr_matrix:
        """Return the customer x item purchases of ``rows`` (an unseen customer: an empty row)."""
        owned: sp.csr_matrix = self.purchases_[np.maximum(rows, 0)]
        if (rows < 0).any():
            owned = (sp.diags((rows >= 0).astype(np.float32)) @ owned).tocsr()
            owned.eliminate_zeros()
        return owned

    def _co_purchased(self, owned: sp.csr_matrix, n: int, cells: pd.Index) -> _Picked:
        """Return the ``n`` best-scored items per row that the customer does not have.

        Return the ``n`` best-scored items per row that the customer does not have, each with the
        customer's item that contributes most to its score.
        """
        scores = (owned @ self.similarity_).tocsr()
        scores = (scores - scores.multiply(owned)).tocsr()  # exactly 0 where owned
        row_of = np.repeat(np.arange(owned.shape[0]), np.diff(scores.indptr))
        value = np.asarray(scores.data, dtype=np.float32)
        at, rank = top_per_row(row_of, scores.indices, value, owned.shape[0], n)
        if not len(at):
            return _Picked.empty(owned.shape[0])
        row, item = row_of[at], scores.indices[at]
        # s_ij of each of the customer's items i for each pick j: the largest names i
        sizes = np.diff(owned.indptr)[row]
        pick = np.repeat(np.arange(len(row)), sizes)
        had = owned.indices[np.repeat(owned.indptr[row], sizes) + ragged_arange(sizes)]
        wanted = had.astype(np.int64) * len(self.items_) + item[pick]
        cell = cells.get_indexer(wanted)
        s_ij = np.where(cell >= 0, self.similarity_.data[cell], -1.0)
        starts = np.cumsum(sizes) - sizes  # sizes >= 1: a positive score has a contributor
        best = np.maximum.reduceat(s_ij, starts)
        tops = np.flatnonzero(s_ij == np.repeat(best, sizes))
        first = tops[np.concatenate([[True], pick[tops][1:] != pick[tops][:-1]])]
        because, co = had[first], self.co_buyers_.data[cell[first]]
        return _Picked(owned.shape[0], row, rank + 1, item, value[at], because, co)

    def _fill_popular(self, owned: sp.csr_matrix, picked: _Picked, n: int) -> _Picked:
        """Fill each row up to ``n`` with the most popular items.

        Fill each row up to ``n`` with the most popular items the customer does not
        have and was not given yet (the popular list widens until every row is full
        or the items run out).
        """
        n_rows, n_items = owned.shape
        need = n - np.bincount(picked.row, minlength=n_rows)
        waiting = np.flatnonzero(need > 0)
        if not waiting.size:
            return picked
        theirs = owned[waiting]
        given = need[picked.row] > 0
        blocked = np.union1d(
            np.repeat(waiting.astype(np.int64), np.diff(theirs.indptr)) * n_items + theirs.indices,
            picked.row[given].astype(np.int64) * n_items + picked.item[given],
        )
        width = min(2 * n, len(self.popular_))
        parts = [picked]
        while waiting.size:
            items = self.popular_[:width]
            free = ~np.isin(waiting[:, None].astype(np.int64) * n_items + items, blocked)
            count = np.cumsum(free, axis=1)
            chosen = free & (count <= need[waiting, None])
            done = (chosen.sum(axis=1) == need[waiting]) | (width == len(self.popular_))
            r, c = np.nonzero(chosen[done])
            rank = n - need[waiting[done]][r] + count[done][r, c]
            parts.append(_Picked.popular(n_rows, waiting[done][r], rank, items[c]))
            waiting = waiting[~done]
            width = min(2 * width, len(self.popular_))
        return _Picked.concat(n_rows, parts)

    def _table(self, ids: pd.Index, picked: _Picked) -> pa.Table:
        order = np.lexsort((picked.rank, picked.row))
        p = picked.take(order)
        from_co = p.because >= 0
        because = np.maximum(p.because, 0)
        labels = pa.array(self.labels_, pa.string())
        behind = pa.Array.from_pandas(self.items_.take(because))
        co_share = p.co / np.maximum(self.buyers_[because], 1)
        popular_share = self.buyers_[p.item] / max(len(self.customers_), 1)
        bought = pc.binary_join_element_wise(
            "bought with ",
            labels.take(pa.array(because)),
            " by ",
            _percent(co_share),
            " of its buyers",
            "",
        )
        popular = pc.binary_join_element_wise(
            "popular: bought by ", _percent(popular_share), " of customers", ""
        )
        return pa.table(
            {
                "customer_id": pa.Array.from_pandas(ids.take(p.row)),
                "rank": pa.array(p.rank.astype(np.int32)),
                "item": pa.Array.from_pandas(self.items_.take(p.item)),
                "item_label": labels.take(pa.array(p.item)),
                "score": pa.array(p.score.astype(np.float64)),
                "reason": pc.if_else(pa.array(from_co), bought, popular),
                "share": pa.array(np.where(from_co, co_share, popular_share).astype(np.float64)),
                "source": pc.if_else(pa.array(from_co), "co_purchase", "popular"),
                "because_of": pc.if_else(pa.array(from_co), behind, pa.scalar(None, behind.type)),
            }
        )


@dataclass
class _Picked:
    """Recommendations of one chunk as parallel arrays (``because`` -1: popular)."""

    n_rows: int
    row: np.ndarray
    rank: np.ndarray
    item: np.ndarray
    score: np.ndarray
    because: np.ndarray
    co: np.ndarray

    @classmethod
    def empty(cls, n_rows: int) -> _Picked:
        return cls.popular(n_rows, *(np.zeros(0, np.int64) for _ in range(3)))

    @classmethod
    def popular(cls, n_rows: int, row: np.ndarray, rank: np.ndarray, item: np.ndarray) -> _Picked:
        zeros = np.zeros(len(row))
        return cls(n_rows, row, rank, item, zeros, np.full(len(row), -1), zeros)

    @classmethod
    def concat(cls, n_rows: int, parts: list[_Picked]) -> _Picked:
        names = ("row", "rank", "item", "score", "because", "co")
        return cls(n_rows, *(np.concatenate([getattr(p, a) for p in parts]) for a in names))

    def take(self, order: np.ndarray) -> _Picked:
        names = ("row", "rank", "item", "score", "because", "co")
        return _Picked(self.n_rows, *(getattr(self, a)[order] for a in names))


def _percent(share: np.ndarray) -> pa.Array:
    whole = np.rint(np.asarray(share, dtype=float) * 100).astype(np.int64)
    text = pc.binary_join_element_wise(pc.cast(pa.array(whole), pa.string()), "%", "")
    return pc.if_else(pa.array(whole >= 1), text, "under 1%")


def empty_table() -> pa.Table:
    """Return a recommendations table with no rows (the columns of :data:`COLUMNS`)."""
    numeric = {"rank": pa.int32(), "score": pa.float64(), "share": pa.float64()}
    return pa.table({c: pa.array([], numeric.get(c, pa.string())) for c in COLUMNS})
