"""A column of labels from integer codes, made by Arrow.

``np.select`` over string choices, and pandas turning the strings it returns into its
string dtype, take about 0.35 s for a million customers; Arrow's ``take`` of the few
distinct labels takes 0.02 s and gives the same column. The value engine labels every
customer six times (RFM segment, tier, ABC class, lifecycle and loyalty stages).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import pyarrow as pa

__all__ = ["label_series"]


def label_series(codes: np.ndarray, names: Sequence[str], index: pd.Index) -> pd.Series:
    """Return ``names[codes]`` as a string column on ``index``."""
    labels = pa.array(list(names), type=pa.large_string()).take(pa.array(np.asarray(codes)))
    series: pd.Series = labels.to_pandas()
    series.index = index
    return series
