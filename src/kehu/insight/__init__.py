"""kehu.insight: the analytics library of kehu. It never imports Django.

It takes tables (pandas, Arrow, Parquet/CSV paths, a database query) and returns tables
and fitted models. :mod:`kehu.insight.generate` simulates purchase histories from the
BTYD generative processes, so that the models have something real to find.
"""

from kehu.insight.errors import InputError, InsightError, NotFittedError

__all__ = ["InputError", "InsightError", "NotFittedError"]
