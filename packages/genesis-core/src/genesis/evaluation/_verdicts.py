"""Plain-language sentences about the scores, for people who read the report.

The bands are ours, not a standard: 0.90 and above is good, 0.75 to 0.90
fair, below 0.75 poor. They mark where a person should look first.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from genesis.evaluation._report import QualityReport

__all__ = ["FAIR", "GOOD", "MISSING_GAP", "property_verdicts", "rating"]

GOOD = 0.90
FAIR = 0.75
# A missing-rate gap of more than five percentage points is worth a sentence.
MISSING_GAP = 0.05
_NAMED = 3


def rating(score: float) -> str:
    """``"good"``, ``"fair"``, ``"poor"`` or ``"none"`` (for NaN)."""
    if np.isnan(score):
        return "none"
    if score >= GOOD:
        return "good"
    return "fair" if score >= FAIR else "poor"


def property_verdicts(report: QualityReport) -> dict[str, str]:
    """One or two sentences per property, by property key."""
    return {
        "column_shapes": _shapes_verdict(
            report.properties["column_shapes"], report.column_shapes
        ),
        "column_pair_trends": _trends_verdict(
            report.properties["column_pair_trends"], report.column_pair_trends
        ),
    }


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
