"""Quality evaluation: how closely synthetic data follows the real data.

``evaluate(real, synthetic)`` returns a :class:`QualityReport` with a score
per column (column shapes), per pair of columns (column pair trends) and
overall, which can be saved as JSON and rendered as a self-contained HTML page
with plots (the ``report`` extra, matplotlib).

Every metric reads one aligned, encoded view of the two tables
(``_data.EvaluationData``). A further property (ML efficacy, detection,
privacy distances) is a module computing its details from that view; it adds
its score to ``QualityReport.properties`` and a section to the HTML page,
without changing the overall score, which stays the mean of column shapes and
column pair trends.
"""

from genesis.evaluation._multitable import MultiTableReport, evaluate_multitable
from genesis.evaluation._report import (
    DEFAULT_MAX_ROWS,
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
