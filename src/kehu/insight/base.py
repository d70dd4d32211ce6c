"""The estimator foundation of :mod:`kehu.insight`, on scikit-learn's contract.

- :class:`Estimator`: ``__init__`` stores the hyperparameters unchanged (so
  ``get_params``, ``set_params`` and :func:`sklearn.base.clone` work); data arrive
  only in ``fit``, which returns ``self``; fitted state ends in ``_``; a method that
  needs the fit raises :class:`~kehu.insight.errors.NotFittedError` before it
  (:func:`check_is_fitted`).
- :class:`LikelihoodModel`: the maximum-likelihood models of :mod:`kehu.insight.btyd`.
  It owns their fit (read and compress the data, build the objective, maximise it,
  set the fitted parameters and statistics); a model supplies its likelihood
  (:class:`Likelihood`) and its predictions.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Self

import numpy as np

from kehu.insight.errors import InputError, NotFittedError
from kehu.insight.likelihood import (
    FitResult,
    Objective,
    information_criteria,
    maximize_likelihood,
)

__all__ = ["Estimator", "Likelihood", "LikelihoodModel", "check_is_fitted"]


def check_is_fitted(
    estimator: object, method: str, *, attribute: str | None = None, how: str = "fit()"
) -> None:
    """Raise :class:`~kehu.insight.errors.NotFittedError` unless ``estimator`` is fitted.

    Parameters
    ----------
    estimator : object
        The estimator whose fitted state is checked.
    method : str
        The method that needs the fit; the message names it.
    attribute : str, optional
        The fitted attribute to look for; by default any attribute whose name ends in
        ``_`` (scikit-learn's convention).
    how : str
        How to fit, as the message says it (``"fit()"``).

    Raises
    ------
    NotFittedError
        When the estimator is not fitted yet.

    Examples
    --------
    >>> from kehu.insight.btyd import BgNbd
    >>> check_is_fitted(BgNbd(), "predict")
    Traceback (most recent call last):
    ...
    kehu.insight.errors.NotFittedError: this BgNbd is not fitted yet: call fit() before predict()
    """
    if attribute is not None:
        fitted = hasattr(estimator, attribute)
    else:
        fitted = any(k.endswith("_") and not k.startswith("__") for k in vars(estimator))
    if not fitted:
        raise NotFittedError(
            f"this {type(estimator).__name__} is not fitted yet: call {how} before {method}()"
        )


class Estimator:
    """Base class of the estimators of :mod:`kehu.insight` (scikit-learn's contract).

    A subclass lists its hyperparameters as keyword arguments of ``__init__`` and
    stores each unchanged under its own name; ``fit`` validates them, learns from the
    data, sets attributes ending in ``_`` and returns ``self``.

    ``get_params``, ``set_params`` and the repr follow ``sklearn.base.BaseEstimator``
    (so :func:`sklearn.base.clone` works) without importing scikit-learn, which takes
    about a second to import (it loads ``scipy.stats``) on every ``kehu analyze``.
    """

    @classmethod
    def _get_param_names(cls) -> list[str]:
        signature = inspect.signature(cls.__init__)
        return sorted(
            name
            for name, p in signature.parameters.items()
            if name != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
        )

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """Return the hyperparameters by name (with ``name__sub`` for nested estimators)."""
        out: dict[str, Any] = {}
        for name in self._get_param_names():
            value = getattr(self, name)
            if deep and hasattr(value, "get_params") and not isinstance(value, type):
                out.update((f"{name}__{k}", v) for k, v in value.get_params().items())
            out[name] = value
        return out

    def set_params(self, **params: Any) -> Self:
        """Set hyperparameters by name (``name__sub`` for nested estimators); return self."""
        valid = self.get_params(deep=True)
        nested: dict[str, dict[str, Any]] = {}
        for key, value in params.items():
            name, _, sub = key.partition("__")
            if name not in valid:
                raise ValueError(
                    f"invalid parameter {name!r} for {type(self).__name__}; "
                    f"valid parameters are {sorted(self._get_param_names())}"
                )
            if sub:
                nested.setdefault(name, {})[sub] = value
            else:
                setattr(self, name, value)
                valid[name] = value
        for name, sub_params in nested.items():
            valid[name].set_params(**sub_params)
        return self

    def __repr__(self) -> str:
        """Return ``Name(param=value, ...)`` with the parameters changed from their defaults."""
        defaults = {
            name: p.default for name, p in inspect.signature(type(self).__init__).parameters.items()
        }
        changed = [
            f"{name}={value!r}"
            for name, value in self.get_params(deep=False).items()
            if not _same_default(value, defaults.get(name, inspect.Parameter.empty))
        ]
        return f"{type(self).__name__}({', '.join(changed)})"

    def _check_is_fitted(self, method: str) -> None:
        check_is_fitted(self, method)


def _same_default(value: Any, default: Any) -> bool:
    try:
        return bool(value is default or value == default)
    except (TypeError, ValueError):  # arrays and frames compare elementwise
        return False


@dataclass(frozen=True)
class Likelihood:
    """What a maximum-likelihood fit maximises, built by a model from its data.

    Attributes
    ----------
    objective : callable
        ``params -> (total log-likelihood, gradient)`` over the compressed rows.
    start : numpy.ndarray
        The default starting parameters (used unless ``initial_params`` is given).
    n_customers : float
        Number (sum of weights) of customers the likelihood is over.
    n_distinct : int
        Number of distinct rows it is computed on.
    attributes : dict
        Further fitted attributes (names without the trailing ``_``).
    """

    objective: Objective
    start: np.ndarray
    n_customers: float
    n_distinct: int
    attributes: dict[str, Any] = field(default_factory=dict)


class LikelihoodModel(Estimator):
    """A parametric model fitted by maximum likelihood (the BTYD models).

    A subclass sets ``_param_names`` (the paper's symbols) and ``_model_name`` and
    implements :meth:`_likelihood`; fitted parameters live in ``<symbol>_``
    attributes and in ``params_``.

    Parameters
    ----------
    tol : float
        Convergence tolerance of L-BFGS-B (``ftol`` and ``gtol``) on the
        log-likelihood scaled by its starting value.
    max_iter : int
        Maximum number of optimiser iterations.
    initial_params : dict or None
        Starting parameters by symbol; ``None`` starts where the model says.
    standard_errors : bool
        ``False`` skips the Newton finish and the numerical Hessian after the
        optimiser's stop (a third of a fit's likelihood evaluations): the parameters are
        then L-BFGS-B's, within its tolerance, and the standard errors NaN. For fits whose
        predictions alone matter, such as comparing models on a holdout.

    Attributes
    ----------
    params_ : dict
        The fitted parameters by symbol (each also in its ``<symbol>_`` attribute).
    log_likelihood_, aic_, bic_ : float
        Maximised log-likelihood and the information criteria (BIC with the number of
        customers).
    standard_errors_ : dict
        Asymptotic standard error of each parameter (NaN when the observed information
        is not positive definite; a warning says so).
    covariance_ : numpy.ndarray
        Asymptotic covariance of the parameters, in ``_param_names`` order.
    converged_ : bool
        Whether the optimiser converged; when not, a ``ConvergenceWarning`` was issued.
    convergence_message_ : str
        The optimiser's reason for stopping.
    n_iter_ : int
        Number of optimiser iterations.
    n_customers_ : float
        Number (sum of weights) of customers fitted.
    n_distinct_ : int
        Number of distinct rows the likelihood was computed on.
    """

    _param_names: ClassVar[tuple[str, ...]] = ()
    _model_name: ClassVar[str] = ""

    def __init__(
        self,
        *,
        tol: float = 1e-10,
        max_iter: int = 1000,
        initial_params: dict[str, float] | None = None,
        standard_errors: bool = True,
    ) -> None:
        self.tol = tol
        self.max_iter = max_iter
        self.initial_params = initial_params
        self.standard_errors = standard_errors

    def fit(self, data: Any, weights: Any = None) -> Self:
        """Fit by maximum likelihood.

        Parameters
        ----------
        data : table
            The columns the model needs (pandas or polars DataFrame, Arrow table, or a
            mapping of arrays).
        weights : array_like, optional
            Number of customers each row stands for (default 1 each).

        Returns
        -------
        LikelihoodModel
            ``self``, fitted.
        """
        likelihood = self._likelihood(data, weights)
        initial = (
            self._validated_params(self.initial_params)
            if self.initial_params is not None
            else likelihood.start
        )
        fit = maximize_likelihood(
            likelihood.objective,
            initial,
            names=self._param_names,
            tol=self.tol,
            max_iter=self.max_iter,
            model=self._model_name,
            finish=self.standard_errors,
        )
        self._set_fit(fit, likelihood.n_customers, likelihood.n_distinct)
        for name, value in likelihood.attributes.items():
            setattr(self, f"{name}_", value)
        return self

    def _likelihood(self, data: Any, weights: Any) -> Likelihood:
        """Read and check ``data``, compress it, and return what the fit maximises."""
        raise NotImplementedError

    def _require_fitted(self, method: str) -> np.ndarray:
        """Return the fitted parameters in ``_param_names`` order; the error when unfitted."""
        check_is_fitted(self, method, attribute="params_", how="fit() (or from_params())")
        return np.array([self.params_[name] for name in self._param_names])

    def _set_params(self, values: np.ndarray) -> None:
        self.params_ = {name: float(v) for name, v in zip(self._param_names, values, strict=True)}
        for name, value in self.params_.items():
            setattr(self, f"{name}_", value)

    def _set_fit(self, fit: FitResult, n_obs: float, n_distinct: int) -> None:
        self._set_params(fit.params)
        self.log_likelihood_ = fit.log_likelihood
        self.converged_ = fit.converged
        self.convergence_message_ = fit.message
        self.n_iter_ = fit.n_iter
        self.covariance_ = fit.covariance
        self.standard_errors_ = dict(
            zip(self._param_names, map(float, fit.standard_errors), strict=True)
        )
        self.n_customers_ = float(n_obs)
        self.n_distinct_ = int(n_distinct)
        self.aic_, self.bic_ = information_criteria(fit.log_likelihood, len(fit.params), n_obs)

    @classmethod
    def from_params(cls, **params: float) -> Self:
        """Build a model with the given parameters, as if fitted (no fit statistics).

        For published parameters, or parameters stored from an earlier fit.

        Parameters
        ----------
        **params : float
            Every parameter of the model by its symbol, each positive and finite.

        Returns
        -------
        LikelihoodModel
            A model ready to predict.
        """
        model = cls()
        model._set_params(cls._validated_params(params))
        return model

    @classmethod
    def _validated_params(cls, values: Mapping[str, float]) -> np.ndarray:
        missing = [name for name in cls._param_names if name not in values]
        extra = sorted(set(values) - set(cls._param_names))
        if missing or extra:
            raise InputError(
                f"{cls.__name__} needs exactly the parameters {list(cls._param_names)}, "
                f"got {sorted(values)}"
            )
        out = np.array([float(values[name]) for name in cls._param_names])
        for name, value in zip(cls._param_names, out, strict=True):
            if not (np.isfinite(value) and value > 0):
                raise InputError(f"{name} must be positive and finite, got {value!r}")
        return out

    def summary(self) -> dict[str, object]:
        """Return the fitted parameters, their standard errors and the fit statistics.

        Returns
        -------
        dict
            Plain Python values (ready for JSON).
        """
        self._require_fitted("summary")
        out: dict[str, object] = dict(self.params_)
        for key in ("log_likelihood_", "aic_", "bic_", "converged_", "n_iter_", "n_customers_"):
            if hasattr(self, key):
                out[key.rstrip("_")] = getattr(self, key)
        if hasattr(self, "standard_errors_"):
            out["standard_errors"] = dict(self.standard_errors_)
        return out
