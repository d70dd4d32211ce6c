"""Who will leave, who will respond, who will buy: a binary outcome model.

Who will leave, who will respond, who will buy: a binary outcome learned from a
table of customer features, cross-validated, calibrated, explained per customer and
summarised as rules (``kehu churn``).

- :mod:`~kehu.insight.churn.table`: the feature table read from a file or a frame.
- :mod:`~kehu.insight.churn.model`: the calibrated blend of LightGBM and a logistic
  regression.
- :mod:`~kehu.insight.churn.outcome`: training, metrics and the files written.
- :mod:`~kehu.insight.churn.reasons`: each customer's reasons in words.
- :mod:`~kehu.insight.churn.rules`: the rule list that summarises the model.
- :mod:`~kehu.insight.churn.history`: churn labelled from purchase histories.
"""

from kehu.insight.churn.outcome import OutcomeResult, train_outcome, write_outcome
from kehu.insight.churn.table import feature_table, read_table

__all__ = ["OutcomeResult", "feature_table", "read_table", "train_outcome", "write_outcome"]
