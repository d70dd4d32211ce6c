"""The logistic link, written once.

The churn blend and the uplift learners calibrate or blend on the log-odds scale, and
the simulators draw from it.
"""

from __future__ import annotations

import numpy as np

#: probabilities are kept this far from 0 and 1 before taking their log-odds
EPS = 1e-6


def logit(p: np.ndarray) -> np.ndarray:
    """Log-odds of ``p``, clipped to ``[EPS, 1 - EPS]`` so that 0 and 1 stay finite.

    Examples
    --------
    >>> float(logit(np.array([0.5]))[0])
    0.0
    """
    p = np.clip(p, EPS, 1 - EPS)
    result: np.ndarray = np.log(p / (1 - p))
    return result


def sigmoid(z: np.ndarray) -> np.ndarray:
    """Map log-odds back to probabilities (the inverse of :func:`logit`).

    Examples
    --------
    >>> float(sigmoid(np.array([0.0]))[0])
    0.5
    """
    result: np.ndarray = 1.0 / (1.0 + np.exp(-z))
    return result
