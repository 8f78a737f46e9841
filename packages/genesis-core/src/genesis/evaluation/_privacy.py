"""Privacy distances: does the synthetic data copy or hug the real rows?

Every distance is Euclidean on the shared encoding (``_features``), where two
different categories, or the two ends of a numeric column, are 1 apart. The
baseline is what a fresh real row looks like: the holdout's rows when there is
a holdout, else each sampled real row against the other real rows.

- Distance to closest record (DCR): from each synthetic row to the nearest
  real training row, against the baseline's. ``closer_share`` is the share of
  synthetic rows closer than the baseline's median; about one half or less
  is expected.
- Nearest-neighbour distance ratio (NNDR): closest over second-closest
  distance. Near 0, a row points at one real record in particular.
- Exact copies: synthetic rows identical to a real row on every scored
  column, against the baseline's share (real tables repeat some rows).
- Membership inference (holdout only): an attacker who holds the synthetic
  data guesses that a record was in the training data when a synthetic row
  lies close to it. The ROC AUC of that guess over training rows and holdout
  rows is 0.5 when the synthetic data gives membership away not at all.

The property score is the weakest of three protections, each in [0, 1]:
``min(1, 2 * (1 - closer_share))``, ``1 - extra copy share`` and
``1 - (2 * AUC - 1)``.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np

from genesis.evaluation._features import Features, exact_matches, nearest_distances
from genesis.evaluation._models import roc_auc, roc_curve

__all__ = ["CLOSER_FLAG_SHARE", "COPY_MARGIN", "MIA_FLAG_AUC", "privacy"]

logger = logging.getLogger(__name__)

# More exact copies than the baseline by this share of rows is a leak.
COPY_MARGIN = 0.01
# An attack at 0.6 AUC singles out members well above chance.
MIA_FLAG_AUC = 0.6
# Two thirds of synthetic rows closer than the typical fresh real row.
CLOSER_FLAG_SHARE = 2 / 3
_QUANTILES = 101
NO_BASELINE = "none: the real data has one row and there is no holdout"


def privacy(features: Features, *, max_rows: int, seed: int) -> dict[str, Any]:
    """The privacy section, as JSON-able values.

    Args:
        features: The encoded ``real`` and ``synthetic`` rows, and
            ``holdout`` when given.
        max_rows: Most rows drawn from each table as queries.
        seed: Seed of the draws.
    """
    rng = np.random.default_rng(seed)
    real = features.matrices["real"]
    synthetic = features.matrices["synthetic"]
    holdout = features.matrices.get("holdout")

    queries = _draw(synthetic, max_rows, rng)
    synthetic_near = nearest_distances(queries, real, k=2)
    synthetic_copies = float(exact_matches(queries, real).mean())
    if holdout is not None:
        baseline_name = "holdout"
        baseline_rows = _draw(holdout, max_rows, rng)
        baseline_near = nearest_distances(baseline_rows, real, k=2)
        baseline_copies = float(exact_matches(baseline_rows, real).mean())
    elif len(real) >= 2:
        # Each real row's nearest neighbour is itself; the next two are the
        # closest other rows (a duplicate counts, at distance 0).
        baseline_name = "real rows against the other real rows"
        picks = rng.choice(len(real), min(max_rows, len(real)), replace=False)
        baseline_near = nearest_distances(real[picks], real, k=3)[:, 1:]
        baseline_copies = float((baseline_near[:, 0] == 0).mean())
    else:
        # One real row and no holdout: no distance between real rows to
        # compare with. Copies are still counted, against none expected, so
        # a copy is never excused by a baseline that could not be measured.
        baseline_name = NO_BASELINE
        baseline_near = np.empty((0, 2))
        baseline_copies = 0.0

    synthetic_dcr = synthetic_near[:, 0]
    baseline_dcr = baseline_near[:, 0]
    baseline_median = _median(baseline_dcr)
    components: dict[str, float] = {
        "copies": 1.0 - max(0.0, synthetic_copies - baseline_copies),
    }
    unscored: dict[str, str] = {}
    closer_share = None
    if baseline_median is None:
        unscored["distance"] = (
            "Distance to the closest record is not scored: it is judged against "
            "the distances between real rows, and the real data has one row. "
            "Pass a holdout to score it."
        )
    else:
        closer_share = float((synthetic_dcr < baseline_median).mean())
        components["distance"] = min(1.0, 2.0 * (1.0 - closer_share))

    attack: dict[str, Any] | None = None
    if holdout is not None:
        attack = _membership_attack(real, holdout, synthetic, max_rows, rng)
        components["membership"] = float(
            np.clip(1.0 - (2.0 * attack["auc"] - 1.0), 0.0, 1.0)
        )

    flags = _flags(
        synthetic_copies, baseline_copies, closer_share, attack, baseline_name
    )
    # The score is the weakest protection. With one unmeasured, a leak found
    # by the others still bounds it; no leak found proves nothing.
    score = min(components.values()) if flags or not unscored else None
    reason = None
    if score is None:
        reason = (
            "No exact copies of a real row were found, which alone does not "
            f"show the rows are safe. {' '.join(unscored.values())}"
        )
    logger.info(
        "Privacy: %.2f%% copies (baseline %.2f%%), %s closer than the baseline "
        "median, attack AUC %s",
        100 * synthetic_copies,
        100 * baseline_copies,
        "n/a" if closer_share is None else f"{100 * closer_share:.1f}%",
        "n/a" if attack is None else f"{attack['auc']:.3f}",
    )
    return {
        "score": score,
        "reason": reason,
        "components": components,
        "unscored": unscored,
        "flagged": bool(flags),
        "flags": flags,
        "baseline": baseline_name,
        "rows": {
            "synthetic_queries": len(queries),
            "baseline_queries": len(baseline_dcr),
            "real_reference": len(real),
        },
        "dcr": {
            "synthetic_median": _median(synthetic_dcr),
            "baseline_median": baseline_median,
            "synthetic_p05": _quantile(synthetic_dcr, 0.05),
            "baseline_p05": _quantile(baseline_dcr, 0.05),
            "closer_share": closer_share,
            "synthetic_quantiles": _quantiles(synthetic_dcr),
            "baseline_quantiles": _quantiles(baseline_dcr),
        },
        "nndr": {
            "synthetic_median": _median(_ratio(synthetic_near)),
            "baseline_median": _median(_ratio(baseline_near)),
            "synthetic_quantiles": _quantiles(_ratio(synthetic_near)),
            "baseline_quantiles": _quantiles(_ratio(baseline_near)),
        },
        "exact_copies": {"synthetic": synthetic_copies, "baseline": baseline_copies},
        "membership_inference": attack,
    }


def _membership_attack(
    real: np.ndarray,
    holdout: np.ndarray,
    synthetic: np.ndarray,
    max_rows: int,
    rng: np.random.Generator,
) -> dict[str, Any]:
    n_each = min(len(real), len(holdout), max_rows)
    members = _draw(real, n_each, rng)
    outsiders = _draw(holdout, n_each, rng)
    candidates = np.vstack([members, outsiders])
    closeness = -nearest_distances(candidates, synthetic, k=1)[:, 0]
    is_member = np.concatenate([np.ones(n_each, bool), np.zeros(n_each, bool)])
    fpr, tpr = roc_curve(closeness, is_member)
    return {
        "auc": roc_auc(closeness, is_member),
        "rows_per_class": n_each,
        "fpr": fpr,
        "tpr": tpr,
    }


def _flags(
    copies: float,
    baseline_copies: float,
    closer_share: float | None,
    attack: dict[str, Any] | None,
    baseline_name: str,
) -> list[str]:
    flags = []
    if copies > baseline_copies + COPY_MARGIN:
        against = (
            "the real data has one row"
            if baseline_name == NO_BASELINE
            else f"{baseline_name}: {baseline_copies:.1%}"
        )
        flags.append(
            f"{copies:.1%} of synthetic rows are exact copies of real rows ({against})."
        )
    if closer_share is not None and closer_share > CLOSER_FLAG_SHARE:
        flags.append(
            f"{closer_share:.0%} of synthetic rows lie closer to a real row than "
            "half of the baseline rows do (about 50% is expected)."
        )
    if attack is not None and attack["auc"] > MIA_FLAG_AUC:
        flags.append(
            f"A distance-based membership attack tells training rows from "
            f"holdout rows with AUC {attack['auc']:.2f} (0.5 is chance)."
        )
    return flags


def _draw(matrix: np.ndarray, max_rows: int, rng: np.random.Generator) -> np.ndarray:
    if len(matrix) <= max_rows:
        return matrix
    return matrix[np.sort(rng.choice(len(matrix), max_rows, replace=False))]


def _ratio(near: np.ndarray) -> np.ndarray:
    closest, second = near[:, 0], near[:, 1]
    # A copy (closest 0) points at a record whatever the second distance is.
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(closest == 0, 0.0, closest / second)
    return ratio[np.isfinite(ratio)]


def _median(values: np.ndarray) -> float | None:
    finite = values[np.isfinite(values)]
    return float(np.median(finite)) if finite.size else None


def _quantile(values: np.ndarray, level: float) -> float | None:
    finite = values[np.isfinite(values)]
    return float(np.quantile(finite, level)) if finite.size else None


def _quantiles(values: np.ndarray) -> list[float]:
    finite = values[np.isfinite(values)]
    if not finite.size:
        return []
    levels = np.linspace(0.0, 1.0, _QUANTILES)
    return [round(float(v), 5) for v in np.quantile(finite, levels)]
