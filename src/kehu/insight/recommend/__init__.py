"""Next-best product per customer, each recommendation with its reason.

Next-best product per customer: item-to-item collaborative filtering on who bought
what, each recommendation with its reason in words (``kehu recommend``).

The model is item-based nearest neighbours (Sarwar et al. 2001, "Item-based
collaborative filtering recommendation algorithms", WWW; Deshpande & Karypis 2004,
"Item-based top-N recommendation algorithms", ACM TOIS 22(1)):

- ``x_ui = 1`` when customer ``u`` bought item ``i`` (how often or how many does not
  count); ``h_u`` is the number of distinct items of ``u``, ``n_i`` the buyers of ``i``
  and ``c_ij`` the buyers of both ``i`` and ``j``.
- Items are compared by the cosine over customers, each customer weighted ``1/h_u``
  (a wholesaler with 2,000 items would otherwise make every pair look related), shrunk
  towards 0 when few customers bought both (``lambda`` = ``shrinkage``)::

      s_ij = c~_ij / sqrt(n~_i n~_j) * c_ij / (c_ij + lambda)
      c~_ij = sum_u x_ui x_uj / h_u,   n~_i = sum_u x_ui / h_u

  Each item keeps its ``neighbours`` most similar items.
- Customer ``u``'s score for ``j`` is ``sum_i x_ui s_ij`` over the items ``u`` has;
  items the customer has are never recommended. The reason names the item of the
  customer's history that contributes most, with the share of its buyers who also
  bought ``j`` (``c_ij / n_i``): "bought with WHITE HANGING HEART T-LIGHT HOLDER by 38%
  of its buyers".
- Where co-purchases give fewer than ``top_n`` items (a customer the model has not seen,
  items nobody else bought), the list is filled with the items most customers bought:
  "popular: bought by 12% of customers", score 0.

This variant was picked on Online Retail time splits (``benchmarks/recommend.py``):
against plain cosine, conditional probability, Jaccard, recency-weighted histories
and blends with recent popularity, the ``1/h_u`` weighting and the shrinkage gained
2-4 points of hit rate@10, the others nothing beyond noise.

Purchase policy (every dropped row is counted in ``accounting_``):

- a row without a customer or an item is not used;
- with a quantity column, a row whose quantity is not a positive number is not a
  purchase (returns, cancellations, stock adjustments). A return does not undo the
  purchase: the customer knows the item, so it is not recommended back;
- ``exclude_items`` (postage, fees, gift cards) are left out altogether: never
  recommended, never a reason.

Scores are computed for chunks of customers at a time (a sparse product and one sort of
the candidates), so memory depends on the chunk, not on the number of customers.
"""

from kehu.insight.recommend.evaluation import evaluate_time_split
from kehu.insight.recommend.model import COLUMNS, NextBestProduct
from kehu.insight.recommend.run import RecommendRun, recommend_to_files, write_recommendations

__all__ = [
    "COLUMNS",
    "NextBestProduct",
    "RecommendRun",
    "evaluate_time_split",
    "recommend_to_files",
    "write_recommendations",
]
