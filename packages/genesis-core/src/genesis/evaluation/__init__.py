"""Evaluation: how closely synthetic data follows the real data, how useful
and how safe it is.

``evaluate(real, synthetic, holdout=None, target=None)`` returns a
:class:`QualityReport` with

- column shapes and column pair trends, per column, per pair and overall
  (the overall score is their mean, as in sdmetrics' quality report);
- ML efficacy (when ``target`` is given): a model trained on synthetic rows
  against one trained on real rows, both tested on real rows;
- detection: how well a classifier tells real rows from synthetic ones;
- privacy: distance to the closest real record and nearest-neighbour
  distance ratio against fresh real rows, exact copies, and a distance-based
  membership inference attack (with a holdout).

The report is numbers in Python, JSON, and a self-contained HTML page with
plots and a plain-language verdict per property (the ``report`` extra,
matplotlib). ML efficacy and detection use a numpy linear model with the core
alone and scikit-learn's gradient boosting with the ``ml`` extra.

Column shapes and pair trends read one aligned view of the two tables
(``_data``); ML efficacy, detection and privacy read one numeric encoding of
the real, synthetic and holdout rows (``_features``).
"""

from genesis.evaluation._multitable import MultiTableReport, evaluate_multitable
from genesis.evaluation._report import (
    DEFAULT_MAX_ROWS,
    EXTRA_PROPERTIES,
    PROPERTY_TITLES,
    QUALITY_PROPERTIES,
    QualityReport,
    evaluate,
)
from genesis.evaluation._timeseries import (
    TemporalScore,
    discriminative_score,
    predictive_score,
    temporal_score,
)

__all__ = [
    "DEFAULT_MAX_ROWS",
    "EXTRA_PROPERTIES",
    "PROPERTY_TITLES",
    "QUALITY_PROPERTIES",
    "MultiTableReport",
    "QualityReport",
    "TemporalScore",
    "discriminative_score",
    "evaluate",
    "evaluate_multitable",
    "predictive_score",
    "temporal_score",
]
