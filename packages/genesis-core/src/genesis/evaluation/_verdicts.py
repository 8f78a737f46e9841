"""Plain-language sentences about the scores, for people who read the report.

The bands are ours, not a standard: 0.90 and above is good, 0.75 to 0.90
fair, below 0.75 poor. They mark where a person should look first.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from genesis.evaluation._report import QualityReport

__all__ = [
    "FAIR",
    "GOOD",
    "MISSING_GAP",
    "detection_verdict",
    "ml_efficacy_verdict",
    "privacy_verdict",
    "property_verdicts",
    "rating",
]

GOOD = 0.90
FAIR = 0.75
# A missing-rate gap of more than five percentage points is worth a sentence.
MISSING_GAP = 0.05
_NAMED = 3
# Detection AUC bands for the sentence (the score's colour uses GOOD/FAIR).
DETECTION_CHANCE = 0.55
DETECTION_SOMETIMES = 0.65
DETECTION_EASILY = 0.8
# Above this share of synthetic rows closer than the baseline median, the
# privacy sentence says so even when nothing is flagged.
CLOSER_NOTED = 0.55
_METRIC_LABELS = {
    "roc_auc": "ROC AUC",
    "r2": "R²",
    "balanced_accuracy": "balanced accuracy",
}
_MODEL_NAMES = {
    "linear": "linear classifier",
    "gradient_boosting": "gradient-boosting classifier",
}


def rating(score: float) -> str:
    """``"good"``, ``"fair"``, ``"poor"`` or ``"none"`` (for NaN)."""
    if np.isnan(score):
        return "none"
    if score >= GOOD:
        return "good"
    return "fair" if score >= FAIR else "poor"


def property_verdicts(report: QualityReport) -> dict[str, str]:
    """One or two sentences per property, by property key."""
    verdicts = {
        "column_shapes": _shapes_verdict(
            report.properties["column_shapes"], report.column_shapes
        ),
        "column_pair_trends": _trends_verdict(
            report.properties["column_pair_trends"], report.column_pair_trends
        ),
    }
    if report.ml_efficacy is not None:
        verdicts["ml_efficacy"] = ml_efficacy_verdict(report.ml_efficacy)
    if report.detection is not None:
        verdicts["detection"] = detection_verdict(report.detection)
    if report.privacy is not None:
        verdicts["privacy"] = privacy_verdict(report.privacy)
    # A property without a score says why, in the words the report stored.
    verdicts.update(report.reasons)
    return verdicts


def ml_efficacy_verdict(section: dict[str, Any]) -> str:
    """What training on the synthetic data is worth, in a sentence or two."""
    metric = _METRIC_LABELS.get(section["metric"], section["metric"])
    real = section["real"][section["metric"]]
    synthetic = section["synthetic"][section["metric"]]
    tested = "the holdout" if section["test"] == "holdout" else "held-back real rows"
    target = section["target"]
    score = section["score"]
    if score is None and section.get("reason"):
        return section["reason"]
    if score is None or real is None or synthetic is None:
        return (
            f"A model trained on the real data could not predict {target!r} "
            f"better than chance ({metric} {_number(real)}), so there is no "
            "skill for the synthetic data to keep."
        )
    text = (
        f"A model trained on the synthetic data keeps {score:.0%} of the skill "
        f"of one trained on the real data at predicting {target!r} ({metric} "
        f"{synthetic:.3f} against {real:.3f}, tested on {tested})."
    )
    advice = {
        "good": " For this task the synthetic data can stand in for the real data.",
        "fair": " Fine for exploring; expect models trained on it to be weaker.",
        "poor": " Models trained on it will do much worse than on real data.",
    }[rating(score)]
    note = section.get("metric_note")
    return text + advice + (f" {note}" if note else "")


def detection_verdict(section: dict[str, Any]) -> str:
    """How easily synthetic rows are told from real ones."""
    auc = section["auc"]
    if auc is None and section.get("reason"):
        return section["reason"]
    if auc is None and section["rows_per_class"] < section["folds"]:
        return (
            f"Detection needs at least {section['folds']} rows in each table to "
            f"cross-validate; it had {section['rows_per_class']}."
        )
    if auc is None:
        return "Detection could not be scored."
    if auc < DETECTION_CHANCE:
        how = "no better than chance"
    elif auc < DETECTION_SOMETIMES:
        how = "somewhat better than chance"
    elif auc < DETECTION_EASILY:
        how = "often"
    else:
        how = "easily"
    model = _MODEL_NAMES.get(section["model"], section["model"])
    return (
        f"A {model} tells synthetic rows from real ones {how} (ROC AUC "
        f"{auc:.3f}; 0.5 means it cannot tell them apart)."
    )


def privacy_verdict(section: dict[str, Any]) -> str:
    """Whether the synthetic data copies or hugs the real rows."""
    if section["flagged"]:
        return "Possible leak. " + " ".join(section["flags"])
    if section["score"] is None and section.get("reason"):
        return section["reason"]
    dcr = section["dcr"]
    copies = section["exact_copies"]
    distances = (
        f"median distance to the closest real row {dcr['synthetic_median']:.3f} "
        f"against {dcr['baseline_median']:.3f}"
    )
    if dcr["closer_share"] <= CLOSER_NOTED:
        text = (
            "No sign of copying: synthetic rows are no closer to the real rows "
            f"than fresh real rows are ({distances})"
        )
    else:
        text = (
            "No leak flagged, but synthetic rows sit somewhat closer to the real "
            f"rows than fresh real rows do ({dcr['closer_share']:.0%} are closer "
            f"than the typical fresh row, where 50% is expected; {distances})"
        )
    text += (
        f"; {copies['synthetic']:.1%} are exact copies (baseline "
        f"{copies['baseline']:.1%})."
    )
    attack = section.get("membership_inference")
    if attack is not None:
        text += (
            " A membership attack does no better than chance "
            f"(AUC {attack['auc']:.3f})."
        )
    else:
        text += " Pass a holdout to run the membership attack."
    return text


def _number(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def _shapes_verdict(score: float, shapes: pd.DataFrame) -> str:
    if np.isnan(score):
        return "No column could be scored for its shape."
    how = {"good": "closely", "fair": "roughly", "poor": "poorly"}[rating(score)]
    text = f"The synthetic columns follow the real distributions {how}."
    weak = shapes[shapes["score"] < GOOD].sort_values("score").head(_NAMED)
    if len(weak):
        names = ", ".join(f"{r.column!r} {r.score:.1%}" for r in weak.itertuples())
        text += f" Weakest: {names}."
    with_gaps = shapes.assign(
        gap=(shapes["missing_real"] - shapes["missing_synthetic"]).abs()
    )
    wide = with_gaps[with_gaps["gap"] > MISSING_GAP].sort_values("gap", ascending=False)
    if len(wide):
        named = ", ".join(
            f"{r.column!r} ({r.missing_real:.1%} real, {r.missing_synthetic:.1%} "
            "synthetic)"
            for r in wide.head(_NAMED).itertuples()
        )
        text += (
            f" Missing rates differ by more than {MISSING_GAP * 100:.0f} percentage "
            f"points in {named}."
        )
    return text


def _trends_verdict(score: float, pairs: pd.DataFrame) -> str:
    if np.isnan(score):
        return "No pair of columns could be scored (the table has one column)."
    how = {"good": "well", "fair": "in part", "poor": "poorly"}[rating(score)]
    text = f"Relations between columns are kept {how}."
    weak = pairs[pairs["score"] < GOOD].sort_values("score").head(_NAMED)
    if len(weak):
        names = ", ".join(
            f"{r.column_1!r} with {r.column_2!r} {r.score:.1%}"
            for r in weak.itertuples()
        )
        text += f" Weakest pairs: {names}."
    return text
