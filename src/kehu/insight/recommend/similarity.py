"""Item-item similarity of the recommender.

Item-item similarity of the recommender: the ``1/h_u``-weighted cosine with
shrinkage, each item's nearest neighbours, and the sparse top-n selection both the fit
and the scoring use (see :mod:`kehu.insight.recommend`).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

__all__ = ["BLOCK_CELLS", "item_neighbours", "ragged_arange", "stored_cells", "top_per_row"]

#: Co-purchase cells per block of the item-item pass (bounds fit memory).
BLOCK_CELLS = 1 << 22


def item_neighbours(
    matrix: sp.csr_matrix, neighbours: int, shrinkage: float
) -> tuple[sp.csr_matrix, sp.csr_matrix]:
    """Return each item's nearest neighbours: ``s_ij`` and ``c_ij``.

    ``s_ij`` for each item's ``neighbours`` most similar items, and ``c_ij``, as two
    item x item matrices with one sparsity pattern (sorted indices). Computed for
    blocks of items of about ``BLOCK_CELLS`` co-purchase cells each.
    """
    n_items = matrix.shape[1]
    per_customer = np.diff(matrix.indptr)
    weight = np.repeat(1.0 / np.maximum(per_customer, 1), per_customer)
    weighted = sp.csr_matrix((weight, matrix.indices, matrix.indptr), shape=matrix.shape)
    norm = np.sqrt(np.asarray(weighted.sum(axis=0)).ravel())
    by_item = matrix.T.tocsr()
    cells = np.minimum(by_item @ per_customer.astype(np.float64), n_items).astype(np.int64)
    cost = np.cumsum(cells)
    ends = np.searchsorted(cost, np.arange(BLOCK_CELLS, cost[-1], BLOCK_CELLS), "right")
    bounds = np.unique(np.concatenate([[0], ends, [n_items]]))
    rows, cols, sims, cos = [], [], [], []
    for start, stop in zip(bounds[:-1], bounds[1:], strict=True):
        part = by_item[start:stop]
        co, w = (part @ matrix).tocsr(), (part @ weighted).tocsr()
        # the same cells (every sum of positive terms is stored), in the same order:
        # the operands have one structure (sorted only if scipy ever orders by value)
        if not (np.array_equal(co.indptr, w.indptr) and np.array_equal(co.indices, w.indices)):
            co.sort_indices()
            w.sort_indices()
        row_of = np.repeat(np.arange(start, stop), np.diff(co.indptr))
        sim = w.data / (norm[row_of] * norm[co.indices])
        if shrinkage > 0:
            sim *= co.data / (co.data + shrinkage)
        sim[co.indices == row_of] = 0.0
        at, _rank = top_per_row(
            row_of - start, co.indices, sim.astype(np.float32), stop - start, neighbours
        )
        rows.append(row_of[at])
        cols.append(co.indices[at])
        sims.append(sim[at])
        cos.append(co.data[at])
    row, col = np.concatenate(rows), np.concatenate(cols)
    order = np.lexsort((col, row))
    indptr = np.concatenate([[0], np.cumsum(np.bincount(row, minlength=n_items))])
    shape = (n_items, n_items)
    similarity = sp.csr_matrix(
        (np.concatenate(sims)[order].astype(np.float32), col[order], indptr), shape=shape
    )
    co_buyers = sp.csr_matrix(
        (np.concatenate(cos)[order].astype(np.float32), col[order], indptr), shape=shape
    )
    return similarity, co_buyers


def ragged_arange(sizes: np.ndarray) -> np.ndarray:
    """0..size-1 for each size, concatenated."""
    starts = np.repeat(np.cumsum(sizes) - sizes, sizes)
    within: np.ndarray = np.arange(len(starts)) - starts
    return within


def top_per_row(
    row_of: np.ndarray, col: np.ndarray, value: np.ndarray, n_rows: int, n: int
) -> tuple[np.ndarray, np.ndarray]:
    """Return the positions of the ``n`` largest positive values of each row.

    Positions of the ``n`` largest positive ``value`` (float32) of each row, row by
    row, best first (ties: the lower ``col``), and their ranks from 0.

    One sort of ``row << 32 | ~value`` (positive float32 bits order as the floats do)
    finds each row's n-th best; only the entries at or above it are then argsorted.
    A plain sort is several times faster than an argsort of the same keys.
    """
    positive = np.flatnonzero(value > 0)
    row = row_of[positive].astype(np.int64, copy=False)
    flipped = np.uint32(0xFFFFFFFF) - value[positive].view(np.uint32)
    key = (row << 32) | flipped.astype(np.int64)
    counts = np.bincount(row, minlength=n_rows)
    take = np.minimum(counts, n)
    nth = np.full(n_rows, -1, dtype=np.int64)
    has = take > 0
    nth[has] = np.sort(key)[(np.cumsum(counts) - counts + take - 1)[has]]
    near = np.flatnonzero(key <= nth[row])
    near = near[np.lexsort((col[positive][near], key[near]))]
    kept = np.bincount(row[near], minlength=n_rows)
    rank = ragged_arange(take)
    return positive[near[np.repeat(np.cumsum(kept) - kept, take) + rank]], rank


def stored_cells(matrix: sp.csr_matrix) -> np.ndarray:
    """Return the stored cells of a CSR matrix as ``row * width + col``."""
    rows = np.repeat(np.arange(matrix.shape[0], dtype=np.int64), np.diff(matrix.indptr))
    cells: np.ndarray = rows * matrix.shape[1] + matrix.indices
    return cells
