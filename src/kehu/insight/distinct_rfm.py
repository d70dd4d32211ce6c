"""The distinct ``(frequency, recency, T)`` rows of a customer table.

A million customers have about 400,000 distinct rows at weekly resolution: the models
are fitted to the distinct rows, each weighted by its number of customers, and their
predictions are computed once per distinct row and handed to each of its customers.
The table is compressed once for every fit and prediction of an analysis.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from kehu.insight.btyd._inputs import CompressedRows, compress_rows, rfm_columns

__all__ = ["DistinctRfm"]


@dataclass(frozen=True)
class DistinctRfm:
    """Distinct ``(frequency, recency, T)`` rows, their customers, and each customer's row.

    ``table`` is the distinct rows as a frame, for predictions; ``compressed`` the same
    rows laid out for fitting (a model's ``fit`` takes them as they are).
    """

    table: pd.DataFrame
    compressed: CompressedRows

    @property
    def weights(self) -> np.ndarray:
        """How many customers each distinct row stands for."""
        return self.compressed.weights

    @property
    def inverse(self) -> np.ndarray:
        """The distinct row of each customer."""
        return self.compressed.inverse

    @classmethod
    def of(cls, customers: Any) -> DistinctRfm:
        """Return the distinct rows of the ``frequency``, ``recency`` and ``T`` of ``customers``.

        The columns are checked as the models check them.
        """
        rows = compress_rows(*rfm_columns(customers))
        frequency, recency, T = rows.columns
        table = pd.DataFrame({"frequency": frequency, "recency": recency, "T": T})
        return cls(table, rows)

    def per_customer(self, values: np.ndarray) -> np.ndarray:
        """Return each customer's value of ``values`` (one value per distinct row)."""
        result: np.ndarray = np.asarray(values)[self.inverse]
        return result
