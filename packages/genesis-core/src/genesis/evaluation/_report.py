"""The quality report: ``evaluate`` and the :class:`QualityReport` it returns."""

from __future__ import annotations

import json
import logging
import math
import os
import time
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata as package_metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from genesis._values import decode_value, encode_value
from genesis.errors import InvalidConfigError, InvalidDataError
from genesis.evaluation._data import (
    _check_frame,
    _check_same_columns,
    _subsample,
    prepare_evaluation_data,
)
from genesis.evaluation._distributions import column_distributions
from genesis.evaluation._features import encode_features, encode_target
from genesis.evaluation._ml import detection, ml_efficacy
from genesis.evaluation._models import resolve_model, thread_limit
from genesis.evaluation._privacy import privacy
from genesis.evaluation._shapes import SHAPE_COLUMNS, column_shapes
from genesis.evaluation._trends import PAIR_COLUMNS, column_pair_trends, label_index
from genesis.evaluation._verdicts import property_verdicts
from genesis.metadata import ColumnType, TableMetadata

__all__ = [
    "DEFAULT_MAX_ROWS",
    "EXTRA_PROPERTIES",
    "PROPERTY_TITLES",
    "QUALITY_PROPERTIES",
    "QualityReport",
    "evaluate",
]

logger = logging.getLogger(__name__)

FORMAT_NAME = "genesis-quality-report"
FORMAT_VERSION = 1
DEFAULT_MAX_ROWS = 50_000
DEFAULT_PRIVACY_ROWS = 2_000
# Columns the HTML page plots one by one unless told otherwise.
DEFAULT_MAX_PLOTS = 40
DEFAULT_DETECTION_ROWS = 10_000

# The properties averaged into the overall score, as sdmetrics averages its
# two. Later properties (ML efficacy, detection, privacy) are reported next to
# these in ``properties`` but do not change what ``score`` means.
QUALITY_PROPERTIES = ("column_shapes", "column_pair_trends")
# Properties computed on request or when their inputs are given; ML efficacy
# needs a target column.
EXTRA_PROPERTIES = ("ml_efficacy", "detection", "privacy")
PROPERTY_TITLES = {
    "column_shapes": "Column shapes",
    "column_pair_trends": "Column pair trends",
    "ml_efficacy": "ML efficacy",
    "detection": "Detection",
    "privacy": "Privacy",
}

_SHAPE_FLOATS = ("score", "missing_real", "missing_synthetic")
_PAIR_FLOATS = ("score", "real_correlation", "synthetic_correlation")


@dataclass(eq=False)
class QualityReport:
    """How closely a synthetic table follows a real one.

    Attributes:
        score: The overall quality in [0, 1]: the mean of the column shapes
            and column pair trends scores.
        properties: The score of each property, by key (``column_shapes``,
            ``column_pair_trends``).
        column_shapes: One row per column: ``column``, ``column_type``,
            ``metric`` (``ks_complement`` or ``tv_complement``), ``score``,
            ``missing_real``, ``missing_synthetic`` and ``note``.
        column_pair_trends: One row per pair of columns: ``column_1``,
            ``column_2``, ``metric`` (``correlation_similarity`` or
            ``contingency_similarity``), ``score``, ``real_correlation``,
            ``synthetic_correlation`` and ``note``.
        correlation_real: Pearson correlations of the real numeric and
            datetime columns.
        correlation_synthetic: The same for the synthetic columns.
        distributions: Per column, the histogram and category shares the
            HTML plots are drawn from.
        info: Row counts, subsampling, skipped columns, the metadata used,
            the Genesis version and when the report was made.
        ml_efficacy: Train on synthetic, test on real, against train on
            real: the task, model, test rows and both models' scores. None
            when no target was given.
        detection: A classifier's cross-validated AUC at telling real rows
            from synthetic ones, and its ROC curve. None when not computed.
        privacy: Distances to the closest real record, nearest-neighbour
            distance ratios, exact copies and a membership inference attack,
            each against a baseline of fresh real rows, with ``flags`` naming
            any leak found. None when not computed.
        reasons: For each property in ``properties`` whose score is NaN, why
            it has none, in a sentence a user can act on. A property with a
            number has no entry.
    """

    score: float
    properties: dict[str, float]
    column_shapes: pd.DataFrame
    column_pair_trends: pd.DataFrame
    correlation_real: pd.DataFrame
    correlation_synthetic: pd.DataFrame
    distributions: dict[Hashable, dict[str, Any]] = field(repr=False)
    info: dict[str, Any] = field(repr=False)
    ml_efficacy: dict[str, Any] | None = field(default=None, repr=False)
    detection: dict[str, Any] | None = field(default=None, repr=False)
    privacy: dict[str, Any] | None = field(default=None, repr=False)
    reasons: dict[str, str] = field(default_factory=dict, repr=False)

    def __repr__(self) -> str:
        parts = ", ".join(
            f"{key}={value:.4f}" for key, value in self.properties.items()
        )
        return f"QualityReport(score={self.score:.4f}, {parts})"

    def summary(self) -> str:
        """A few plain sentences on the scores, worst findings first."""
        overall = "n/a" if math.isnan(self.score) else f"{self.score:.1%}"
        lines = [f"Overall quality score: {overall}."]
        for key, verdict in property_verdicts(self).items():
            title = PROPERTY_TITLES.get(key, key)
            score = self.properties[key]
            shown = "n/a" if math.isnan(score) else f"{score:.1%}"
            lines.append(f"{title}: {shown}. {self.reasons.get(key) or verdict}")
        lines.extend(self.info.get("notes", []))
        return "\n".join(lines)

    def section(self, key: str) -> dict[str, Any] | None:
        """The details of an extra property (``ml_efficacy``, ``detection``,
        ``privacy``), None when it was not computed."""
        return getattr(self, key) if key in EXTRA_PROPERTIES else None

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON-able Python values (missing numbers are None)."""
        correlation_columns = [_label_out(c) for c in self.correlation_real.columns]
        return {
            "format": FORMAT_NAME,
            "format_version": FORMAT_VERSION,
            "score": _number_out(self.score),
            "properties": {k: _number_out(v) for k, v in self.properties.items()},
            "column_shapes": _records_out(self.column_shapes, ("column",)),
            "column_pair_trends": _records_out(
                self.column_pair_trends, ("column_1", "column_2")
            ),
            "correlation": {
                "columns": correlation_columns,
                "real": _matrix_out(self.correlation_real),
                "synthetic": _matrix_out(self.correlation_synthetic),
            },
            "distributions": [
                {"column": _label_out(name), **summary}
                for name, summary in self.distributions.items()
            ],
            "info": _info_out(self.info),
            "reasons": dict(self.reasons),
            **{key: _section_out(getattr(self, key)) for key in EXTRA_PROPERTIES},
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> QualityReport:
        """Rebuild a report written by :meth:`to_dict`.

        Raises:
            InvalidDataError: ``data`` is not a Genesis quality report, or is
                from a newer format version.
        """
        if data.get("format") != FORMAT_NAME:
            raise InvalidDataError(
                f"This is not a Genesis quality report (format {data.get('format')!r}, "
                f"expected {FORMAT_NAME!r})."
            )
        version = data.get("format_version")
        if not isinstance(version, int) or version > FORMAT_VERSION:
            raise InvalidDataError(
                f"The quality report has format version {version!r}; this Genesis "
                f"reads version {FORMAT_VERSION} and older. Upgrade genesis-synth-core."
            )
        columns = [_label_in(c) for c in data["correlation"]["columns"]]
        index = label_index(columns)
        return cls(
            score=_number_in(data["score"]),
            properties={k: _number_in(v) for k, v in data["properties"].items()},
            column_shapes=_records_in(
                data["column_shapes"], SHAPE_COLUMNS, ("column",), _SHAPE_FLOATS
            ),
            column_pair_trends=_records_in(
                data["column_pair_trends"],
                PAIR_COLUMNS,
                ("column_1", "column_2"),
                _PAIR_FLOATS,
            ),
            correlation_real=_matrix_in(data["correlation"]["real"], index),
            correlation_synthetic=_matrix_in(data["correlation"]["synthetic"], index),
            distributions={
                _label_in(d["column"]): {k: v for k, v in d.items() if k != "column"}
                for d in data["distributions"]
            },
            info=_info_in(data["info"]),
            reasons=dict(data.get("reasons") or {}),
            **{key: _section_in(data.get(key)) for key in EXTRA_PROPERTIES},
        )

    def to_json(
        self, path: str | os.PathLike[str] | None = None, *, indent: int | None = None
    ) -> str:
        """The report as JSON text; also written to ``path`` when given."""
        text = json.dumps(self.to_dict(), indent=indent, allow_nan=False)
        if path is not None:
            Path(path).write_text(text, encoding="utf-8")
        return text

    @classmethod
    def from_json(cls, text: str) -> QualityReport:
        """Rebuild a report from the text of :meth:`to_json`."""
        return cls.from_dict(json.loads(text))

    @classmethod
    def read_json(cls, path: str | os.PathLike[str]) -> QualityReport:
        """Read a report written by ``to_json(path)``."""
        return cls.from_json(Path(path).read_text(encoding="utf-8"))

    def to_html(
        self,
        path: str | os.PathLike[str] | None = None,
        *,
        max_plots: int | None = DEFAULT_MAX_PLOTS,
    ) -> str:
        """A self-contained HTML page with the scores, tables and plots.

        The page embeds its plots as PNG images and loads nothing from the
        network. Needs matplotlib (the ``report`` extra).

        Args:
            path: Where to write the page, if anywhere.
            max_plots: Columns plotted one by one, the weakest first (each
                plot takes about a quarter of a second); every column keeps
                its score in the table. None plots them all.

        Returns:
            The HTML text; also written to ``path`` when given.

        Raises:
            BackendNotAvailableError: matplotlib is not installed.
            InvalidConfigError: ``max_plots`` is not None or a whole number
                of 0 or more.
        """
        from genesis.evaluation._html import render_html

        if max_plots is not None and (
            isinstance(max_plots, bool)
            or not isinstance(max_plots, int | np.integer)
            or max_plots < 0
        ):
            raise InvalidConfigError(
                f"max_plots must be None or a whole number of 0 or more, got "
                f"{max_plots!r}."
            )
        page = render_html(self, None if max_plots is None else int(max_plots))
        if path is not None:
            Path(path).write_text(page, encoding="utf-8")
        return page


def evaluate(
    real: pd.DataFrame,
    synthetic: pd.DataFrame,
    metadata: TableMetadata | None = None,
    *,
    holdout: pd.DataFrame | None = None,
    target: Hashable | None = None,
    properties: Sequence[str] | None = None,
    ml_model: str = "auto",
    max_rows: int | None = DEFAULT_MAX_ROWS,
    privacy_rows: int = DEFAULT_PRIVACY_ROWS,
    detection_rows: int = DEFAULT_DETECTION_ROWS,
    seed: int = 0,
) -> QualityReport:
    """Score how closely ``synthetic`` follows ``real``, how useful and how safe.

    Column shapes compare each column's distribution; column pair trends
    compare each pair's correlation or contingency table; the overall score
    is their mean. ML efficacy (when ``target`` is given), detection and
    privacy are scored next to them, on one numeric encoding of the tables
    built from the real rows. Identifier columns are left out. Tables longer
    than ``max_rows`` are scored on a seeded subsample of that many rows,
    which the report states.

    Args:
        real: The real table the synthetic data was generated from.
        synthetic: The synthetic table, with the same columns.
        metadata: The column types; inferred from ``real`` when None.
        holdout: Real rows the generator did not see, with the same columns.
            ML efficacy tests on them and privacy compares against them;
            without a holdout, ML efficacy tests on a split of ``real`` and
            privacy compares real rows with each other (no membership
            attack).
        target: The column ML efficacy predicts: classification for a
            categorical or boolean column, regression for a numeric one.
        properties: The extra properties to compute, from ``"ml_efficacy"``,
            ``"detection"`` and ``"privacy"``; None computes each whose
            inputs are there (ML efficacy needs ``target``).
        ml_model: ``"linear"`` (numpy, always available),
            ``"gradient_boosting"`` (scikit-learn, the ``ml`` extra) or
            ``"auto"`` (gradient boosting when scikit-learn is installed).
        max_rows: Most rows scored per table; None scores every row.
        privacy_rows: Most rows per table whose nearest neighbours the
            privacy metrics look up.
        detection_rows: Most rows per table the detection classifier uses.
        seed: Seed of the subsamples, splits and models.

    Returns:
        The report, with its numbers, JSON and HTML.

    Raises:
        InvalidDataError: A table is empty, the columns differ, a synthetic
            or holdout column cannot be read as its real column's type, or
            ``target`` is not a scored column, is the only one, or has no
            observed value in the real data or the holdout.
        InvalidConfigError: A row limit is not a positive integer,
            ``properties`` names an unknown property or asks for ML efficacy
            without a target, or ``ml_model`` is unknown.
        BackendNotAvailableError: ``ml_model="gradient_boosting"`` without
            scikit-learn.
    """
    if max_rows is not None:
        _check_rows("max_rows", max_rows)
    _check_rows("privacy_rows", privacy_rows)
    _check_rows("detection_rows", detection_rows)
    extras = _extra_properties(properties, target)
    model = resolve_model(ml_model) if {"ml_efficacy", "detection"} & extras else None
    started = time.perf_counter()
    data = prepare_evaluation_data(
        real, synthetic, metadata, max_rows=max_rows, seed=seed
    )
    if not data.columns:
        raise InvalidDataError(
            f"Every column is an identifier ({list(data.skipped)!r}), so there is "
            "nothing to score; override a column type in the metadata to score it."
        )
    if holdout is not None:
        _check_frame(holdout, "holdout")
        _check_same_columns(real, holdout, "holdout")
    if target is not None:
        _check_target(target, data.metadata)
    if "ml_efficacy" in extras:
        _check_target_learnable(
            target, data.columns, {"real": real, "holdout": holdout}
        )
    shapes = column_shapes(data)
    trends = column_pair_trends(data)
    distributions = column_distributions(data)

    properties_out = {
        "column_shapes": _mean(shapes["score"]),
        "column_pair_trends": _mean(trends.details["score"]),
    }
    score = _mean(pd.Series([properties_out[key] for key in QUALITY_PROPERTIES]))
    sections = _extra_sections(
        extras,
        data.metadata,
        frames={
            "real": _subsample(real, max_rows, seed),
            "synthetic": _subsample(synthetic, max_rows, seed),
            **(
                {"holdout": _subsample(holdout, max_rows, seed)}
                if holdout is not None
                else {}
            ),
        },
        target=target,
        model=model,
        max_rows=max_rows,
        privacy_rows=privacy_rows,
        detection_rows=detection_rows,
        seed=seed,
    )
    for key, section in sections.items():
        properties_out[key] = _number_in(section["score"])
    reasons = _property_reasons(properties_out, shapes, trends.details, sections)
    seconds = time.perf_counter() - started
    info = {
        "real_rows": data.real_rows,
        "synthetic_rows": data.synthetic_rows,
        "real_rows_used": data.real_rows_used,
        "synthetic_rows_used": data.synthetic_rows_used,
        "holdout_rows": None if holdout is None else len(holdout),
        "target": None if target is None else _label_out(target),
        "max_rows": max_rows,
        "seed": seed,
        "skipped_columns": dict(data.skipped),
        "notes": list(data.notes),
        "metadata": data.metadata.to_dict(),
        "genesis_version": _genesis_version(),
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "seconds": round(seconds, 3),
    }
    logger.info(
        "Evaluated %d columns and %d pairs in %.2f s: score %.4f",
        len(shapes),
        len(trends.details),
        seconds,
        score,
    )
    return QualityReport(
        score=score,
        properties=properties_out,
        column_shapes=shapes,
        column_pair_trends=trends.details,
        correlation_real=trends.correlation_real,
        correlation_synthetic=trends.correlation_synthetic,
        distributions=distributions,
        info=info,
        reasons=reasons,
        **sections,
    )


def _property_reasons(
    properties: Mapping[str, float],
    shapes: pd.DataFrame,
    pairs: pd.DataFrame,
    sections: Mapping[str, Mapping[str, Any]],
) -> dict[str, str]:
    """Why each property without a score has none, in the user's terms."""
    reasons = {}
    if math.isnan(properties["column_shapes"]):
        reasons["column_shapes"] = (
            "No column could be compared: "
            + _first_note(shapes, "every scored column is missing in the real data")
            + "."
        )
    if math.isnan(properties["column_pair_trends"]):
        reasons["column_pair_trends"] = (
            "The table has one scored column, so there is no pair to compare."
            if pairs.empty
            else "No pair of columns could be compared: "
            + _first_note(pairs, "no pair has a defined score")
            + "."
        )
    for key, section in sections.items():
        if math.isnan(properties[key]):
            reasons[key] = section.get("reason") or (
                f"{PROPERTY_TITLES[key]} could not be scored on these rows."
            )
    return reasons


def _first_note(frame: pd.DataFrame, default: str) -> str:
    notes = [n for n in frame["note"] if isinstance(n, str) and n]
    if not notes:
        return default
    label = frame.loc[frame["note"] == notes[0]].iloc[0]
    where = (
        repr(label["column"])
        if "column" in frame
        else f"{label['column_1']!r} with {label['column_2']!r}"
    )
    return f"{where}: {notes[0]}"


def _check_rows(name: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        allowed = " or None" if name == "max_rows" else ""
        raise InvalidConfigError(
            f"{name} must be a positive integer{allowed}, got {value!r}."
        )


def _extra_properties(
    properties: Sequence[str] | None, target: Hashable | None
) -> set[str]:
    if properties is None:
        wanted = set(EXTRA_PROPERTIES)
        if target is None:
            wanted.discard("ml_efficacy")
        return wanted
    if isinstance(properties, str):
        properties = [properties]
    unknown = sorted(set(properties) - set(EXTRA_PROPERTIES))
    if unknown:
        raise InvalidConfigError(
            f"properties lists {unknown!r}; the extra properties are "
            f"{list(EXTRA_PROPERTIES)!r} (column shapes and pair trends are "
            "always scored)."
        )
    if "ml_efficacy" in properties and target is None:
        raise InvalidConfigError(
            "properties asks for 'ml_efficacy', which needs the column to "
            "predict; pass target=<column name>."
        )
    return set(properties)


def _check_target(target: Hashable, metadata: TableMetadata) -> None:
    if target not in metadata.columns:
        raise InvalidDataError(
            f"target {target!r} is not a column of the real data; its columns are "
            f"{list(metadata.columns)!r}."
        )
    if metadata[target].column_type in (ColumnType.IDENTIFIER, ColumnType.DATETIME):
        raise InvalidDataError(
            f"target {target!r} is a {metadata[target].column_type.value} column; "
            "ML efficacy predicts a categorical, boolean or numeric column. Pick "
            "another target or override its type in the metadata."
        )


def _check_target_learnable(
    target: Hashable,
    scored: Sequence[Hashable],
    frames: Mapping[str, pd.DataFrame | None],
) -> None:
    if list(scored) == [target]:
        raise InvalidDataError(
            f"target {target!r} is the only scored column, so ML efficacy has no "
            "column to predict it from. Evaluate a table with more columns, or "
            "leave out target."
        )
    for role, frame in frames.items():
        if frame is not None and not frame[target].notna().any():
            raise InvalidDataError(
                f"target {target!r} has no observed value in the {role} data, so "
                "ML efficacy has no rows to train or test a model on. Fill in the "
                "target, pick another one or leave out target."
            )


def _extra_sections(
    extras: set[str],
    metadata: TableMetadata,
    *,
    frames: dict[str, pd.DataFrame],
    target: Hashable | None,
    model: str | None,
    max_rows: int | None,
    privacy_rows: int,
    detection_rows: int,
    seed: int,
) -> dict[str, dict[str, Any]]:
    if not extras:
        return {}
    with thread_limit():
        sections = _compute_sections(
            extras,
            metadata,
            frames=frames,
            target=target,
            model=model,
            max_rows=max_rows,
            privacy_rows=privacy_rows,
            detection_rows=detection_rows,
            seed=seed,
        )
    # JSON-able from the start, so a report read back equals the one made.
    return {
        key: {**_json_clean(value), **({"target": target} if "target" in value else {})}
        for key, value in sections.items()
    }


def _compute_sections(
    extras: set[str],
    metadata: TableMetadata,
    *,
    frames: dict[str, pd.DataFrame],
    target: Hashable | None,
    model: str | None,
    max_rows: int | None,
    privacy_rows: int,
    detection_rows: int,
    seed: int,
) -> dict[str, dict[str, Any]]:
    sections: dict[str, dict[str, Any]] = {}
    step = time.perf_counter()
    # Every column, the target included, describes a row for detection and
    # privacy; ML efficacy predicts the target from the others.
    everything = encode_features(metadata, frames, "real")
    logger.debug(
        "Encoded %d features in %.2f s",
        len(everything.names),
        time.perf_counter() - step,
    )
    if "ml_efficacy" in extras:
        predictors = encode_features(metadata, frames, "real", exclude=[target])
        targets, classes = encode_target(metadata, frames, "real", target)
        sections["ml_efficacy"] = ml_efficacy(
            predictors,
            targets,
            classes,
            target=target,
            model=model,
            max_rows=max_rows or len(frames["real"]),
            seed=seed,
        )
    if "detection" in extras:
        sections["detection"] = detection(
            everything, model=model, max_rows=detection_rows, seed=seed
        )
    if "privacy" in extras:
        sections["privacy"] = privacy(everything, max_rows=privacy_rows, seed=seed)
    return sections


def _mean(scores: pd.Series) -> float:
    values = scores.to_numpy(dtype=np.float64)
    values = values[~np.isnan(values)]
    return float(values.mean()) if values.size else float("nan")


def _genesis_version() -> str:
    try:
        return package_metadata.version("genesis-synth-core")
    except package_metadata.PackageNotFoundError:
        return "unknown"


def _label_out(label: Hashable) -> Any:
    # Most labels are strings and stay readable; any other label keeps its
    # kind through encode_value, whose pairs are lists and cannot be
    # mistaken for a string.
    return label if isinstance(label, str) else encode_value(label)


def _label_in(value: Any) -> Hashable:
    return decode_value(value) if isinstance(value, list) else value


def _number_out(value: float | None) -> float | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return float(value)


def _number_in(value: float | None) -> float:
    return float("nan") if value is None else float(value)


def _records_out(frame: pd.DataFrame, label_columns: tuple[str, ...]) -> dict[str, Any]:
    # Column names once and one list per row: a table of a thousand pairs
    # would otherwise repeat every key a thousand times.
    rows = []
    for values in frame.itertuples(index=False, name=None):
        row = []
        for key, value in zip(frame.columns, values, strict=True):
            if key in label_columns:
                row.append(_label_out(value))
            elif isinstance(value, float):
                row.append(_number_out(value))
            else:
                row.append(value)
        rows.append(row)
    return {"columns": list(frame.columns), "rows": rows}


def _records_in(
    table: Mapping[str, Any],
    columns: tuple[str, ...],
    label_columns: tuple[str, ...],
    float_columns: tuple[str, ...],
) -> pd.DataFrame:
    stored = list(table["columns"])
    if sorted(stored) != sorted(columns):
        raise InvalidDataError(
            f"The quality report's table has columns {stored!r}, expected "
            f"{list(columns)!r}; the file was changed or is damaged."
        )
    rows = []
    for values in table["rows"]:
        record = dict(zip(stored, values, strict=True))
        rows.append(
            tuple(
                _label_in(record[c])
                if c in label_columns
                else _number_in(record[c])
                if c in float_columns
                else record[c]
                for c in columns
            )
        )
    frame = pd.DataFrame.from_records(rows, columns=list(columns))
    return frame.astype({c: np.float64 for c in float_columns})


def _matrix_out(matrix: pd.DataFrame) -> list[list[float | None]]:
    return [[_number_out(float(v)) for v in row] for row in matrix.to_numpy()]


def _matrix_in(rows: list[list[float | None]], index: pd.Index) -> pd.DataFrame:
    values = np.array(
        [[_number_in(v) for v in row] for row in rows], dtype=np.float64
    ).reshape(len(index), len(index))
    return pd.DataFrame(values, index=index, columns=index)


def _info_out(info: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(info)
    out["skipped_columns"] = [
        {"column": _label_out(name), "reason": reason}
        for name, reason in info.get("skipped_columns", {}).items()
    ]
    return out


def _info_in(info: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(info)
    out["skipped_columns"] = {
        _label_in(item["column"]): item["reason"]
        for item in info.get("skipped_columns", [])
    }
    return out


def _json_clean(value: Any) -> Any:
    """Numbers as plain floats and ints, NaN as None, tuples as lists."""
    if isinstance(value, Mapping):
        return {key: _json_clean(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_clean(item) for item in value]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return None if math.isnan(value) or math.isinf(value) else float(value)
    return value


def _section_out(section: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if section is None:
        return None
    out = _json_clean(section)
    if "target" in out:
        out["target"] = _label_out(section["target"])
    return out


def _section_in(section: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if section is None:
        return None
    out = dict(section)
    if "target" in out:
        out["target"] = _label_in(out["target"])
    return out
