"""ML efficacy and detection: what a model learns from the synthetic rows.

ML efficacy trains one model on the real rows and one on the synthetic rows,
tests both on the same real rows (the holdout when there is one), and scores
the share of the real model's skill that the synthetic model keeps. Skill is
ROC AUC above chance (0.5) for classes, R² for numbers.

Detection trains a classifier to tell real rows from synthetic ones, with
three-fold cross-validation; its ROC AUC is 0.5 when it cannot tell them
apart. The score is ``1 - (2 * AUC - 1)``, clipped to [0, 1], as in sdmetrics'
detection metrics.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np

from genesis.evaluation._features import Features
from genesis.evaluation._models import make_model, roc_auc, roc_curve

__all__ = ["detection", "ml_efficacy"]

logger = logging.getLogger(__name__)

DETECTION_FOLDS = 3
SPLIT_TEST_SHARE = 0.3


def ml_efficacy(
    features: Features,
    targets: dict[str, np.ndarray],
    classes: list[object] | None,
    *,
    target: object,
    model: str,
    max_rows: int,
    seed: int,
) -> dict[str, Any]:
    """Train on real and on synthetic rows, test both on real rows.

    Returns:
        The section as JSON-able values: ``score``, ``task``, ``target``,
        ``model``, ``metric``, the ``real`` and ``synthetic`` test scores
        (each a dict of metric values), the ``test`` source and row counts.
    """
    rng = np.random.default_rng(seed)
    matrices = features.matrices
    real_x, real_y = _labelled(matrices["real"], targets["real"], classes)
    synthetic_x, synthetic_y = _labelled(
        matrices["synthetic"], targets["synthetic"], classes
    )
    if "holdout" in matrices:
        test_x, test_y = _labelled(matrices["holdout"], targets["holdout"], classes)
        test_source = "holdout"
    else:
        # No holdout: test on a share of the real rows and train the real
        # model on the rest. The generator may have seen the test rows.
        order = rng.permutation(len(real_x))
        n_test = max(1, round(SPLIT_TEST_SHARE * len(real_x)))
        test_x, test_y = real_x[order[:n_test]], real_y[order[:n_test]]
        real_x, real_y = real_x[order[n_test:]], real_y[order[n_test:]]
        test_source = "real split"
    real_x, real_y = _cap(real_x, real_y, max_rows, rng)
    synthetic_x, synthetic_y = _cap(synthetic_x, synthetic_y, max_rows, rng)
    test_x, test_y = _cap(test_x, test_y, max_rows, rng)

    n_classes = None if classes is None else len(classes)
    task = "regression" if classes is None else "classification"
    results = {}
    for role, (x, y) in (
        ("real", (real_x, real_y)),
        ("synthetic", (synthetic_x, synthetic_y)),
    ):
        results[role] = _train_and_test(x, y, test_x, test_y, n_classes, model, seed)

    metric, metric_note = _metric(results, classes, test_y, target)
    reason = _unlearnable_reason(real_y, test_y, classes, target)
    score = float("nan")
    if reason is None:
        score = _kept_skill(
            results["real"][metric], results["synthetic"][metric], metric, n_classes
        )
        if np.isnan(score):
            reason = _no_skill_reason(metric, results["real"][metric], test_y, target)
    if reason is not None:
        metric_note = None
    logger.info(
        "ML efficacy on %r (%s, %s model): real %s, synthetic %s",
        target,
        task,
        model,
        results["real"][metric],
        results["synthetic"][metric],
    )
    return {
        "score": score,
        "task": task,
        "target": target,
        "model": model,
        "metric": metric,
        "test": test_source,
        "real": results["real"],
        "synthetic": results["synthetic"],
        "rows": {
            "real_train": len(real_x),
            "synthetic_train": len(synthetic_x),
            "test": len(test_x),
        },
        "classes": None if classes is None else [str(c) for c in classes],
        "metric_note": metric_note,
        "reason": reason,
    }


def detection(
    features: Features, *, model: str, max_rows: int, seed: int
) -> dict[str, Any]:
    """Cross-validated AUC of a classifier telling real rows from synthetic.

    Returns:
        The section as JSON-able values: ``score``, ``auc``, ``model``, the
        ROC curve (``fpr``, ``tpr``) and the rows used per class. With fewer
        rows per class than folds, ``score`` and ``auc`` are None.
    """
    rng = np.random.default_rng(seed)
    real = features.matrices["real"]
    synthetic = features.matrices["synthetic"]
    n_rows = min(len(real), len(synthetic), max_rows)
    if n_rows < DETECTION_FOLDS:
        return _tiny_detection(real, synthetic, model, max_rows)
    real = real[rng.choice(len(real), n_rows, replace=False)]
    synthetic = synthetic[rng.choice(len(synthetic), n_rows, replace=False)]
    x = np.vstack([real, synthetic])
    if model == "linear":
        x = _with_squares(x, features.numeric)
    y = np.concatenate([np.zeros(n_rows, np.int64), np.ones(n_rows, np.int64)])

    folds = rng.permutation(len(x)) % DETECTION_FOLDS
    scores = np.zeros(len(x))
    for fold in range(DETECTION_FOLDS):
        test = folds == fold
        if len(np.unique(y[~test])) < 2:
            # A tiny table can leave one class out of a fold: no model, a coin.
            scores[test] = 0.5
            continue
        fitted = make_model(model, 2, seed).fit(x[~test], y[~test])
        scores[test] = fitted.predict(x[test])[:, 1]
    positive = y == 1
    auc = roc_auc(scores, positive)
    fpr, tpr = roc_curve(scores, positive)
    score = float(np.clip(1.0 - (2.0 * auc - 1.0), 0.0, 1.0))
    logger.info("Detection AUC %.4f with the %s model on %d rows", auc, model, len(x))
    return {
        "score": score,
        "auc": auc,
        "model": model,
        "folds": DETECTION_FOLDS,
        "rows_per_class": n_rows,
        "fpr": fpr,
        "tpr": tpr,
        "reason": None,
    }


def _tiny_detection(
    real: np.ndarray, synthetic: np.ndarray, model: str, max_rows: int
) -> dict[str, Any]:
    """Detection when a table has fewer rows than there are folds."""
    n_rows = min(len(real), len(synthetic), max_rows)
    section = {
        "score": None,
        "auc": None,
        "model": model,
        "folds": DETECTION_FOLDS,
        "rows_per_class": n_rows,
        "fpr": [],
        "tpr": [],
        "reason": None,
    }
    rows = np.vstack([real, synthetic])
    if len(real) and len(synthetic) and (rows == rows[0]).all():
        # Every row of both tables is the same row: no classifier can do
        # better than a coin, so the answer is known without training one.
        logger.info("Detection: every real and synthetic row is the same row")
        return {
            **section,
            "score": 1.0,
            "auc": 0.5,
            "fpr": [0.0, 1.0],
            "tpr": [0.0, 1.0],
        }
    smaller = "real" if len(real) <= len(synthetic) else "synthetic"
    short = (
        f"detection_rows is {max_rows}"
        if max_rows < min(len(real), len(synthetic))
        else f"the {smaller} data has {n_rows}"
    )
    logger.info("Detection skipped: %d rows per class", n_rows)
    section["reason"] = (
        f"Detection cross-validates a classifier over {DETECTION_FOLDS} folds, "
        f"which needs at least {DETECTION_FOLDS} rows in each table; {short}."
    )
    return section


def _labelled(
    x: np.ndarray, y: np.ndarray, classes: list[object] | None
) -> tuple[np.ndarray, np.ndarray]:
    known = np.isfinite(y) if classes is None else y >= 0
    return x[known], y[known]


def _cap(
    x: np.ndarray, y: np.ndarray, max_rows: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    if len(x) <= max_rows:
        return x, y
    rows = np.sort(rng.choice(len(x), max_rows, replace=False))
    return x[rows], y[rows]


def _train_and_test(
    x: np.ndarray,
    y: np.ndarray,
    test_x: np.ndarray,
    test_y: np.ndarray,
    n_classes: int | None,
    model: str,
    seed: int,
) -> dict[str, float | None]:
    if len(x) == 0 or (n_classes is not None and len(np.unique(y)) < 2):
        # One class (or no rows) teaches nothing; the model predicts the
        # constant it saw, which scores as chance.
        return _constant_scores(y, test_y, n_classes)
    fitted = make_model(model, n_classes, seed).fit(x, y)
    predicted = fitted.predict(test_x)
    if n_classes is None:
        return _regression_scores(predicted, test_y)
    return _classification_scores(predicted, test_y)


def _constant_scores(
    y: np.ndarray, test_y: np.ndarray, n_classes: int | None
) -> dict[str, float | None]:
    if n_classes is None:
        guess = float(y.mean()) if len(y) else 0.0
        return _regression_scores(np.full(len(test_y), guess), test_y)
    probabilities = np.zeros((len(test_y), n_classes))
    probabilities[:, int(y[0]) if len(y) else 0] = 1.0
    return _classification_scores(probabilities, test_y)


def _classification_scores(
    probabilities: np.ndarray, truth: np.ndarray
) -> dict[str, float | None]:
    predicted = probabilities.argmax(axis=1)
    present = np.unique(truth)
    aucs, f1s = [], []
    for label in present:
        positive = truth == label
        if 0 < positive.sum() < len(truth):
            aucs.append(roc_auc(probabilities[:, label], positive))
        hit = predicted == label
        true_positive = float((hit & positive).sum())
        denominator = float(hit.sum() + positive.sum())
        f1s.append(2 * true_positive / denominator if denominator else 0.0)
    # Two classes: the AUC of one class is the AUC of the other.
    auc = aucs[0] if len(present) == 2 else float(np.mean(aucs)) if aucs else None
    recalls = [float((predicted[truth == label] == label).mean()) for label in present]
    return {
        "roc_auc": _round(auc),
        "accuracy": _round(float((predicted == truth).mean())),
        "balanced_accuracy": _round(float(np.mean(recalls)) if recalls else None),
        "macro_f1": _round(float(np.mean(f1s)) if f1s else None),
    }


def _regression_scores(
    predicted: np.ndarray, truth: np.ndarray
) -> dict[str, float | None]:
    residual = float(np.sum((truth - predicted) ** 2))
    total = float(np.sum((truth - truth.mean()) ** 2))
    r2 = 1.0 - residual / total if total > 0 else None
    return {
        "r2": _round(r2),
        "mae": _round(float(np.mean(np.abs(truth - predicted)))),
        "rmse": _round(float(np.sqrt(np.mean((truth - predicted) ** 2)))),
    }


def _metric(
    results: dict[str, dict[str, float | None]],
    classes: list[object] | None,
    test_y: np.ndarray,
    target: object,
) -> tuple[str, str | None]:
    """The metric the score keeps the skill of, and why when it is not the usual."""
    if classes is None:
        return "r2", None
    if results["real"]["roc_auc"] is not None or len(test_y) == 0:
        return "roc_auc", None
    # ROC AUC ranks rows of one class above rows of another; test rows of a
    # single class have nothing to rank. Balanced accuracy (mean recall over
    # the classes tested) stays defined, and a guess that ignores the other
    # columns gets 1 / classes on it whatever the class shares are, which
    # gives the kept skill a fixed chance level as AUC's 0.5 does.
    (label,) = {classes[int(code)] for code in np.unique(test_y)}
    return "balanced_accuracy", (
        f"The test rows hold one class of {target!r} ({label!r}), and ROC AUC "
        f"needs two, so the score compares balanced accuracy (chance is "
        f"1/{len(classes)}); on one class it is the share of those rows each "
        "model gets right."
    )


def _unlearnable_reason(
    real_y: np.ndarray,
    test_y: np.ndarray,
    classes: list[object] | None,
    target: object,
) -> str | None:
    """Why no model can be judged on these rows, or None when one can."""
    if len(test_y) == 0:
        return f"No real row with {target!r} observed was left to test on."
    if len(real_y) == 0:
        return (
            f"No real row with {target!r} observed was left to train on once "
            "the test rows were set aside; pass more real rows or a holdout."
        )
    if classes is not None and len(np.unique(real_y)) < 2:
        return (
            f"The real rows the model trains on hold one class of {target!r}, "
            "so a model trained on the real data has nothing to learn and no "
            "skill for the synthetic data to keep; pass more real rows or a "
            "holdout."
        )
    return None


def _no_skill_reason(
    metric: str, real_skill: float | None, test_y: np.ndarray, target: object
) -> str:
    """Why the kept skill is undefined although both models were tested."""
    if metric == "r2" and real_skill is None:
        return (
            f"{target!r} takes a single value in the {len(test_y)} test row(s), "
            "so R² is undefined: it divides by the spread of the tested values. "
            "Test on rows where it varies (a larger holdout)."
        )
    label = {"roc_auc": "ROC AUC", "r2": "R²"}.get(metric, "balanced accuracy")
    shown = "n/a" if real_skill is None else f"{real_skill:.3f}"
    return (
        f"A model trained on the real data predicts {target!r} no better than "
        f"chance ({label} {shown}), so there is no skill for the synthetic data "
        "to keep."
    )


def _kept_skill(
    real: float | None, synthetic: float | None, metric: str, n_classes: int | None
) -> float:
    if real is None or synthetic is None:
        return float("nan")
    chance = {"roc_auc": 0.5, "r2": 0.0}.get(metric)
    if chance is None:
        chance = 1.0 / max(n_classes or 1, 1)
    if real - chance <= 0.01:
        # The real model has (almost) no skill to keep; a ratio would be noise.
        return float("nan")
    return float(np.clip((synthetic - chance) / (real - chance), 0.0, 1.0))


def _with_squares(x: np.ndarray, numeric: np.ndarray) -> np.ndarray:
    # Squared distances from the middle let a linear classifier see a column
    # whose spread differs, not only one whose centre moved.
    centred = x[:, numeric] - 0.5
    return np.hstack([x, centred * centred])


def _round(value: float | None) -> float | None:
    return None if value is None or np.isnan(value) else round(float(value), 6)
