"""The models ML efficacy and detection train, and the scores they are judged by.

``linear`` works with the core alone: logistic regression (one class against
the rest) for classes, ridge regression for numbers, both fitted with numpy and scipy.
``gradient_boosting`` uses scikit-learn's histogram gradient boosting (the
``ml`` extra) and catches non-linear patterns a linear model misses.
``auto`` takes gradient boosting when scikit-learn is installed.
"""

from __future__ import annotations

import contextlib
import logging
import os
from contextlib import AbstractContextManager
from typing import Protocol

import numpy as np
from scipy import special, stats

from genesis.errors import BackendNotAvailableError, InvalidConfigError

__all__ = [
    "MODELS",
    "Model",
    "make_model",
    "resolve_model",
    "roc_auc",
    "roc_curve",
    "thread_limit",
]

logger = logging.getLogger(__name__)

LINEAR = "linear"
GRADIENT_BOOSTING = "gradient_boosting"
AUTO = "auto"
MODELS = (AUTO, LINEAR, GRADIENT_BOOSTING)
_L2 = 1e-3
_MAX_THREADS = 4
_NEWTON_STEPS = 25
_NEWTON_TOLERANCE = 1e-6
_ROC_POINTS = 101


class Model(Protocol):
    """What ML efficacy and detection need of a model."""

    def fit(self, features: np.ndarray, labels: np.ndarray) -> Model: ...

    def predict(self, features: np.ndarray) -> np.ndarray:
        """Class probabilities (rows, classes) or predicted numbers (rows,)."""
        ...


def resolve_model(name: str) -> str:
    """The model kind ``name`` stands for on this installation.

    Raises:
        InvalidConfigError: ``name`` is not a known model.
        BackendNotAvailableError: ``gradient_boosting`` without scikit-learn.
    """
    if name not in MODELS:
        raise InvalidConfigError(
            f"ml_model must be one of {list(MODELS)!r}, got {name!r}."
        )
    if name == AUTO:
        return GRADIENT_BOOSTING if _sklearn_available() else LINEAR
    if name == GRADIENT_BOOSTING and not _sklearn_available():
        raise BackendNotAvailableError(
            "ml_model='gradient_boosting' needs scikit-learn, which is not "
            'installed; install it with: pip install "genesis-synth-core[ml]", '
            "or use ml_model='linear'."
        )
    return name


def make_model(kind: str, n_classes: int | None, seed: int) -> Model:
    """A fresh model of ``kind``; ``n_classes`` None means regression."""
    if kind == GRADIENT_BOOSTING:
        return _BoostedModel(n_classes, seed)
    if n_classes is None:
        return _RidgeRegression()
    return _LogisticRegression(n_classes)


class _LogisticRegression:
    """Logistic regression with a small L2 penalty, one class against the rest.

    Each class is fitted by Newton's method (iteratively reweighted least
    squares), which converges in a handful of steps of one matrix product
    each, and the class probabilities are normalised to sum to one.
    """

    def __init__(self, n_classes: int) -> None:
        self._n_classes = n_classes

    def fit(self, features: np.ndarray, labels: np.ndarray) -> _LogisticRegression:
        x = _with_intercept(features)
        # Two classes need one model: the second class's odds are the inverse.
        fitted = [0] if self._n_classes == 2 else range(self._n_classes)
        self._weights = np.column_stack(
            [_newton_logistic(x, (labels == c).astype(np.float64)) for c in fitted]
        )
        return self

    def predict(self, features: np.ndarray) -> np.ndarray:
        probabilities = special.expit(_with_intercept(features) @ self._weights)
        if self._n_classes == 2:
            return np.column_stack([probabilities[:, 0], 1.0 - probabilities[:, 0]])
        total = probabilities.sum(axis=1, keepdims=True)
        return probabilities / np.where(total > 0, total, 1.0)


def _newton_logistic(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    n_rows, width = x.shape
    penalty = np.full(width, _L2)
    # The intercept is not shrunk; a tiny ridge keeps the step solvable when
    # a class is absent or perfectly separated.
    penalty[-1] = 1e-8
    weights = np.zeros(width)
    for _ in range(_NEWTON_STEPS):
        probabilities = special.expit(x @ weights)
        gradient = x.T @ (probabilities - y) / n_rows + penalty * weights
        curvature = probabilities * (1.0 - probabilities) / n_rows
        hessian = (x * curvature[:, None]).T @ x
        hessian[np.diag_indices(width)] += penalty
        step = np.linalg.solve(hessian, gradient)
        weights -= step
        if np.max(np.abs(step)) < _NEWTON_TOLERANCE:
            break
    return weights


class _RidgeRegression:
    """Least squares with a small L2 penalty, on a standardised target."""

    def fit(self, features: np.ndarray, labels: np.ndarray) -> _RidgeRegression:
        x = _with_intercept(features)
        self._centre = float(labels.mean())
        self._scale = float(labels.std()) or 1.0
        y = (labels - self._centre) / self._scale
        gram = x.T @ x / len(x)
        penalty = _L2 * np.eye(x.shape[1])
        penalty[-1, -1] = 0.0
        self._weights = np.linalg.lstsq(gram + penalty, x.T @ y / len(x), rcond=None)[0]
        return self

    def predict(self, features: np.ndarray) -> np.ndarray:
        return _with_intercept(features) @ self._weights * self._scale + self._centre


class _BoostedModel:
    """scikit-learn's histogram gradient boosting, classes or numbers."""

    def __init__(self, n_classes: int | None, seed: int) -> None:
        from sklearn.ensemble import (
            HistGradientBoostingClassifier,
            HistGradientBoostingRegressor,
        )

        settings = {"max_iter": 100, "early_stopping": False, "random_state": seed}
        self._n_classes = n_classes
        self._model = (
            HistGradientBoostingRegressor(**settings)
            if n_classes is None
            else HistGradientBoostingClassifier(**settings)
        )

    def fit(self, features: np.ndarray, labels: np.ndarray) -> _BoostedModel:
        with thread_limit():
            self._model.fit(features, labels)
        return self

    def predict(self, features: np.ndarray) -> np.ndarray:
        with thread_limit():
            if self._n_classes is None:
                return self._model.predict(features)
            scores = self._model.predict_proba(features)
        # A class the training rows lack gets probability 0.
        probabilities = np.zeros((len(features), self._n_classes))
        probabilities[:, self._model.classes_] = scores
        return probabilities


def thread_limit() -> AbstractContextManager[object]:
    """Cap BLAS and OpenMP threads at half the CPUs, at most four.

    Their threads spin while they wait for each other. On a two-core machine
    with one other busy process, a gradient-boosting fit that takes 2.5 s on
    one thread took 150 s on two, and the linear model's matrix products
    slowed fourfold. Half the CPUs leaves room for the rest of the machine.
    The cap needs threadpoolctl (installed with scikit-learn, the ``ml``
    extra); without it the libraries keep their own settings.
    """
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return contextlib.nullcontext()
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    threads = max(1, min(_MAX_THREADS, (cpus or os.cpu_count() or 1) // 2))
    return threadpool_limits(limits=threads)


def roc_auc(scores: np.ndarray, positive: np.ndarray) -> float:
    """Area under the ROC curve: the chance a positive outscores a negative.

    Ties count one half. NaN when either class is absent.
    """
    n_positive = int(positive.sum())
    n_negative = len(positive) - n_positive
    if n_positive == 0 or n_negative == 0:
        return float("nan")
    ranks = stats.rankdata(scores)
    rank_sum = float(ranks[positive].sum())
    return (rank_sum - n_positive * (n_positive + 1) / 2) / (n_positive * n_negative)


def roc_curve(
    scores: np.ndarray, positive: np.ndarray
) -> tuple[list[float], list[float]]:
    """False and true positive rates at up to 101 thresholds, for a plot."""
    order = np.argsort(-scores, kind="stable")
    hits = positive[order].astype(np.float64)
    true_positive = np.concatenate([[0.0], np.cumsum(hits)])
    false_positive = np.concatenate([[0.0], np.cumsum(1.0 - hits)])
    n_positive, n_negative = true_positive[-1], false_positive[-1]
    if n_positive == 0 or n_negative == 0:
        return [], []
    picks = np.unique(np.linspace(0, len(hits), _ROC_POINTS).round().astype(int))
    return (
        [round(float(v), 4) for v in false_positive[picks] / n_negative],
        [round(float(v), 4) for v in true_positive[picks] / n_positive],
    )


def _with_intercept(features: np.ndarray) -> np.ndarray:
    x = np.asarray(features, dtype=np.float64)
    return np.hstack([x, np.ones((len(x), 1))])


def _sklearn_available() -> bool:
    try:
        import sklearn.ensemble  # noqa: F401
    except ImportError:
        return False
    return True
