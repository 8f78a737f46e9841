"""Scores for a generated database: keys, cardinality and trends across tables.

``evaluate_multitable(real_tables, synthetic_tables, schema)`` returns a
:class:`MultiTableReport` with, per relationship,

- **referential integrity**: the share of synthetic child rows with a
  foreign key whose key names a synthetic parent row (1.0 is required);
- **cardinality**: the KS complement of the number of children per parent,
  parents with no children included, capped by ``1 - |r - s| / max(r, s)``
  of the mean children ``r`` and ``s`` of the real and synthetic parents
  that have any: where most parents have none (3 of 1458 airports have
  weather rows), the zeros alone would hide children lost by the others;
- **parents with children**: the share of parents that have any, real and
  synthetic, scored ``1 - |real - synthetic|``;
- **inter-table trends**: each parent column against each child aggregate
  per parent (the number of children, and the mean of each numeric child
  column when at least ten real parents have children), scored by
  correlation or contingency similarity as in
  :func:`genesis.evaluation.evaluate`; and, as sdmetrics' inter-table trends
  do, each parent column against each child column over the joined rows;

and per table, the single-table quality report of its non-key columns.
Columns holding generated keys (one-column primary keys and the foreign keys
that copy them) are left out of every distribution score: their values are
new by design.
"""

from __future__ import annotations

import html
import json
import logging
import math
import os
import time
import warnings
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from genesis.errors import InvalidDataError
from genesis.evaluation._data import prepare_evaluation_data
from genesis.evaluation._report import QualityReport, evaluate
from genesis.evaluation._shapes import ks_statistic
from genesis.evaluation._trends import column_pair_trends
from genesis.metadata import ColumnType, TableMetadata
from genesis.multitable._schema import (
    MISSING_KEY,
    RelationalSchema,
    Relationship,
    key_positions,
)

__all__ = [
    "MULTITABLE_PROPERTIES",
    "RELATIONSHIP_COLUMNS",
    "TREND_COLUMNS",
    "MultiTableReport",
    "evaluate_multitable",
]

logger = logging.getLogger(__name__)

FORMAT_NAME = "genesis-multitable-report"
FORMAT_VERSION = 1
PER_PARENT = "per_parent"
PER_CHILD = "per_child"
# The overall score is the mean of these, as sdmetrics' multi-table quality
# averages shapes, pair trends, cardinality and inter-table trends.
MULTITABLE_PROPERTIES = ("table_quality", "cardinality", "inter_table_trends")
PROPERTY_TITLES = {
    "referential_integrity": "Referential integrity",
    "cardinality": "Cardinality",
    "parents_with_children": "Parents with children",
    "inter_table_trends": "Inter-table trends (per parent)",
    "joined_trends": "Inter-table trends (joined rows)",
    "table_quality": "Per-table quality",
}
RELATIONSHIP_COLUMNS = (
    "relationship",
    "child",
    "parent",
    "integrity_real",
    "integrity_synthetic",
    "missing_real",
    "missing_synthetic",
    "cardinality",
    "with_children_real",
    "with_children_synthetic",
    "with_children_score",
    "mean_children_real",
    "mean_children_synthetic",
)
TREND_COLUMNS = (
    "relationship",
    "view",
    "parent_column",
    "child_column",
    "metric",
    "score",
    "real_correlation",
    "synthetic_correlation",
)
# Numeric child columns averaged per parent, at most this many per relationship.
_MAX_AGGREGATES = 12
# Child means are compared only when at least this many real parents have
# children: a correlation over three airports says nothing.
_MIN_PARENTS = 10
# Joined rows scored per relationship, at most.
_JOINED_ROWS = 20_000


@dataclass(eq=False)
class MultiTableReport:
    """How closely a generated database follows a real one.

    Attributes:
        score: Mean of per-table quality, cardinality and inter-table trends.
        properties: Each property's score by key (``referential_integrity``
            is the lowest integrity of any relationship).
        relationships: One row per relationship, with the columns of
            :data:`RELATIONSHIP_COLUMNS`.
        inter_table_trends: One row per scored pair, with the columns of
            :data:`TREND_COLUMNS`; ``view`` is ``per_parent`` (parent column
            against a child aggregate) or ``per_child`` (joined rows).
        tables: The single-table report of each table with non-key columns.
        info: Row counts, timings and notes; ``tables_not_scored`` says why
            a table has no single-table report.
        reasons: For each property whose score is NaN, why it has none.
    """

    score: float
    properties: dict[str, float]
    relationships: pd.DataFrame
    inter_table_trends: pd.DataFrame
    tables: dict[str, QualityReport]
    info: dict[str, Any] = field(repr=False)
    reasons: dict[str, str] = field(default_factory=dict, repr=False)

    def __repr__(self) -> str:
        parts = ", ".join(f"{k}={v:.4f}" for k, v in self.properties.items())
        return f"MultiTableReport(score={self.score:.4f}, {parts})"

    def summary(self) -> str:
        """A few plain lines: the properties, then each relationship."""
        lines = [f"Overall score: {_percent(self.score)}."]
        for key, value in self.properties.items():
            reason = f" {self.reasons[key]}" if key in self.reasons else ""
            lines.append(f"{PROPERTY_TITLES.get(key, key)}: {_percent(value)}.{reason}")
        for row in self.relationships.itertuples(index=False):
            lines.append(
                f"{row.relationship}: integrity {_percent(row.integrity_synthetic)}, "
                f"cardinality {_percent(row.cardinality)}, parents with children "
                f"{_percent(row.with_children_real)} real vs "
                f"{_percent(row.with_children_synthetic)} synthetic."
            )
        for name, report in self.tables.items():
            lines.append(f"Table {name!r}: quality {_percent(report.score)}.")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON-able values (missing numbers are None)."""
        return {
            "format": FORMAT_NAME,
            "format_version": FORMAT_VERSION,
            "score": _number(self.score),
            "properties": {k: _number(v) for k, v in self.properties.items()},
            "relationships": _records(self.relationships),
            "inter_table_trends": _records(self.inter_table_trends),
            "tables": {name: r.to_dict() for name, r in self.tables.items()},
            "info": self.info,
            "reasons": dict(self.reasons),
        }

    def to_json(
        self, path: str | os.PathLike[str] | None = None, *, indent: int | None = None
    ) -> str:
        """The report as JSON text; also written to ``path`` when given."""
        text = json.dumps(self.to_dict(), indent=indent, allow_nan=False, default=str)
        if path is not None:
            Path(path).write_text(text, encoding="utf-8")
        return text

    def to_html(self, path: str | os.PathLike[str] | None = None) -> str:
        """A self-contained HTML page of the scores and tables (no plots).

        Returns:
            The HTML text; also written to ``path`` when given.
        """
        cards = "".join(
            f"<tr><th>{html.escape(PROPERTY_TITLES.get(k, k))}</th>"
            f"<td>{_percent(v)}</td>"
            f"<td>{html.escape(self.reasons.get(k, ''))}</td></tr>"
            for k, v in self.properties.items()
        )
        per_table = "".join(
            f"<tr><th>{html.escape(name)}</th><td>{_percent(r.score)}</td></tr>"
            for name, r in self.tables.items()
        )
        trends = self.inter_table_trends.sort_values("score", na_position="last")
        page = (
            '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            f"<title>Synthetic database quality: {_percent(self.score)}</title>\n"
            f"<style>{_CSS}</style>\n</head>\n<body>\n"
            f"<h1>Synthetic database quality: {_percent(self.score)}</h1>\n"
            f"<h2>Properties</h2>\n<table>{cards}</table>\n"
            "<h2>Relationships</h2>\n"
            + self.relationships.to_html(index=False, float_format=_cell, na_rep="")
            + f"\n<h2>Per-table quality</h2>\n<table>{per_table}</table>\n"
            "<h2>Inter-table trends, worst first</h2>\n"
            + trends.to_html(index=False, float_format=_cell, na_rep="")
            + "\n</body>\n</html>\n"
        )
        if path is not None:
            Path(path).write_text(page, encoding="utf-8")
        return page


def evaluate_multitable(
    real_tables: Mapping[str, pd.DataFrame],
    synthetic_tables: Mapping[str, pd.DataFrame],
    schema: RelationalSchema,
    *,
    max_rows: int | None = 50_000,
    seed: int = 0,
) -> MultiTableReport:
    """Score a synthetic database against the real one it was generated from.

    Args:
        real_tables: ``{name: DataFrame}``, the real database.
        synthetic_tables: The synthetic database, same tables and columns.
        schema: The keys and relationships of both.
        max_rows: Most rows scored per table in the single-table reports.
        seed: Seed of any subsample.

    A table that repeats its primary key is warned about and counted in
    ``info["repeated_primary_keys"]``; a child row whose key several parent
    rows share is scored against the first of them.

    Returns:
        The report, with numbers, JSON and a plain HTML page.

    Raises:
        InvalidDataError: A table of the schema is missing from either side or
            is not a DataFrame, a key column of the schema is missing from a
            table, or a synthetic table lacks a column of the real one (extra
            synthetic columns are left out of the scores).
    """
    started = time.perf_counter()
    _check_evaluated_tables(real_tables, synthetic_tables, schema)
    repeated = {
        "real": _repeated_keys(schema, real_tables),
        "synthetic": _repeated_keys(schema, synthetic_tables),
    }
    for role, counts in repeated.items():
        for name, count in counts.items():
            if count:
                warnings.warn(
                    f"The {role} table {name!r} repeats its primary key in "
                    f"{count} rows; child rows are scored against the first "
                    "parent row with their key.",
                    stacklevel=2,
                )
    real = {n: real_tables[n].reset_index(drop=True) for n in schema.tables}
    synthetic = {n: synthetic_tables[n].reset_index(drop=True) for n in schema.tables}
    attributes = {n: _attribute_columns(schema, n, real[n]) for n in schema.tables}

    relationship_rows = []
    trend_frames = []
    for relationship in schema.relationships:
        real_positions = _positions(relationship, real)
        synthetic_positions = _positions(relationship, synthetic)
        relationship_rows.append(
            _relationship_row(
                relationship, real, synthetic, real_positions, synthetic_positions
            )
        )
        trend_frames.append(
            _per_parent_trends(
                relationship,
                real,
                synthetic,
                attributes,
                real_positions,
                synthetic_positions,
                seed,
            )
        )
        trend_frames.append(
            _joined_trends(
                relationship,
                real,
                synthetic,
                attributes,
                real_positions,
                synthetic_positions,
                seed,
            )
        )
    relationships = pd.DataFrame.from_records(
        relationship_rows, columns=list(RELATIONSHIP_COLUMNS)
    )
    trends = pd.concat(
        [f for f in trend_frames if len(f)] or [_empty_trends()], ignore_index=True
    )

    reports = {}
    unscored: dict[str, str] = {}
    empty_synthetic = []
    for name in schema.tables:
        columns = attributes[name]
        if not columns:
            unscored[name] = "it has no columns other than keys"
            continue
        if len(real[name]) == 0:
            unscored[name] = "the real table has no rows to compare with"
            continue
        if len(synthetic[name]) == 0:
            # Every column is missing from the synthetic side, which column
            # shapes scores 0; so does the table.
            unscored[name] = "the synthetic table has no rows; its quality counts as 0"
            empty_synthetic.append(name)
            continue
        try:
            reports[name] = evaluate(
                real[name][columns],
                synthetic[name][columns],
                max_rows=max_rows,
                seed=seed,
                # Shapes and trends per table; detection and privacy are
                # single-table checks users run on the table they share.
                properties=(),
            )
        except InvalidDataError as error:
            logger.info("Table %r has no scored column: %s", name, error)
            unscored[name] = str(error)

    per_parent = trends.loc[trends["view"] == PER_PARENT, "score"]
    joined = trends.loc[trends["view"] == PER_CHILD, "score"]
    properties = {
        "referential_integrity": _minimum(relationships["integrity_synthetic"]),
        "cardinality": _mean(relationships["cardinality"]),
        "parents_with_children": _mean(relationships["with_children_score"]),
        "inter_table_trends": _mean(per_parent),
        "joined_trends": _mean(joined),
        "table_quality": _mean(
            pd.Series(
                [r.score for r in reports.values()] + [0.0] * len(empty_synthetic)
            )
        ),
    }
    score = _mean(pd.Series([properties[k] for k in MULTITABLE_PROPERTIES]))
    reasons = _property_reasons(properties, schema, relationships, unscored)
    info = {
        "real_rows": {n: len(real[n]) for n in schema.tables},
        "synthetic_rows": {n: len(synthetic[n]) for n in schema.tables},
        "repeated_primary_keys": repeated,
        "key_columns_left_out": {
            n: [str(c) for c in real[n].columns if c not in attributes[n]]
            for n in schema.tables
        },
        "tables_not_scored": unscored,
        "seconds": round(time.perf_counter() - started, 3),
    }
    logger.info(
        "Evaluated %d tables in %.2f s: score %.4f", len(real), info["seconds"], score
    )
    return MultiTableReport(
        score=score,
        properties=properties,
        relationships=relationships,
        inter_table_trends=trends,
        tables=reports,
        info=info,
        reasons=reasons,
    )


def _property_reasons(
    properties: Mapping[str, float],
    schema: RelationalSchema,
    relationships: pd.DataFrame,
    unscored: Mapping[str, str],
) -> dict[str, str]:
    """Why each property without a score has none, in the user's terms."""
    missing = [k for k, v in properties.items() if math.isnan(v)]
    if not missing:
        return {}
    if not schema.relationships:
        across = "The schema has no relationships between tables."
    else:
        without = [
            f"{row.relationship!r} ({row.parent!r} has no "
            f"{'real' if math.isnan(row.with_children_real) else 'synthetic'} rows)"
            for row in relationships.itertuples(index=False)
            if math.isnan(row.with_children_real)
            or math.isnan(row.with_children_synthetic)
        ]
        across = (
            "No relationship has parent rows in both databases: "
            + ", ".join(without)
            + "."
            if len(without) == len(relationships)
            else ""
        )
    reasons = {}
    for key in missing:
        if key == "table_quality":
            named = "; ".join(f"{n!r}: {why}" for n, why in unscored.items())
            reasons[key] = f"No table could be scored: {named}."
        elif across:
            reasons[key] = across
        elif key == "referential_integrity":
            reasons[key] = (
                "No synthetic child row names a parent row (the child tables "
                "have no rows, or every foreign key is missing), so no "
                "reference can be checked."
            )
        else:
            reasons[key] = (
                "No parent column could be paired with a child column or "
                "aggregate: the parent tables have no non-key columns, or no "
                "child row of one side names a parent row."
            )
    return reasons


def _check_evaluated_tables(
    real_tables: Mapping[str, pd.DataFrame],
    synthetic_tables: Mapping[str, pd.DataFrame],
    schema: RelationalSchema,
) -> None:
    """Refuse a database that cannot be scored, naming the table and column."""
    key_columns: dict[str, list[Hashable]] = {
        name: list(schema.primary_key(name) or ()) for name in schema.tables
    }
    for relationship in schema.relationships:
        key_columns[relationship.child].extend(relationship.child_columns)
        key_columns[relationship.parent].extend(relationship.parent_columns)
    for role, tables in (("real", real_tables), ("synthetic", synthetic_tables)):
        missing = [name for name in schema.tables if name not in tables]
        if missing:
            raise InvalidDataError(
                f"The {role} tables lack {missing!r}, which the schema has; pass "
                "every table of the schema."
            )
        for name in schema.tables:
            frame = tables[name]
            if not isinstance(frame, pd.DataFrame):
                raise InvalidDataError(
                    f"The {role} table {name!r} is a {type(frame).__name__}, not a "
                    "DataFrame; wrap it with pandas.DataFrame(...) first."
                )
            absent = [c for c in dict.fromkeys(key_columns[name]) if c not in frame]
            if absent:
                raise InvalidDataError(
                    f"The {role} table {name!r} lacks the key columns {absent!r}, "
                    "which the schema names; keys are needed to score the "
                    "relationships."
                )
    for name in schema.tables:
        synthetic_columns = set(synthetic_tables[name].columns)
        lacking = [c for c in real_tables[name].columns if c not in synthetic_columns]
        if lacking:
            raise InvalidDataError(
                f"The synthetic table {name!r} lacks columns {lacking!r} of the "
                "real one; generate them, or drop them from the real table too."
            )


# -- the scores ------------------------------------------------------------------------


def _positions(
    relationship: Relationship, tables: Mapping[str, pd.DataFrame]
) -> np.ndarray:
    return key_positions(
        relationship, tables[relationship.parent], tables[relationship.child]
    )


def _relationship_row(
    relationship: Relationship,
    real: Mapping[str, pd.DataFrame],
    synthetic: Mapping[str, pd.DataFrame],
    real_positions: np.ndarray,
    synthetic_positions: np.ndarray,
) -> tuple:
    real_counts = _children(real_positions, len(real[relationship.parent]))
    synthetic_counts = _children(
        synthetic_positions, len(synthetic[relationship.parent])
    )
    cardinality = _count_similarity(real_counts, synthetic_counts)
    if not math.isnan(cardinality):
        cardinality = min(cardinality, _mean_similarity(real_counts, synthetic_counts))
    with_real = _share(real_counts > 0)
    with_synthetic = _share(synthetic_counts > 0)
    return (
        relationship.name,
        relationship.child,
        relationship.parent,
        _integrity(real_positions),
        _integrity(synthetic_positions),
        _share(real_positions == MISSING_KEY),
        _share(synthetic_positions == MISSING_KEY),
        cardinality,
        with_real,
        with_synthetic,
        1.0 - abs(with_real - with_synthetic),
        float(real_counts.mean()) if real_counts.size else float("nan"),
        float(synthetic_counts.mean()) if synthetic_counts.size else float("nan"),
    )


def _per_parent_trends(
    relationship: Relationship,
    real: Mapping[str, pd.DataFrame],
    synthetic: Mapping[str, pd.DataFrame],
    attributes: Mapping[str, list[Hashable]],
    real_positions: np.ndarray,
    synthetic_positions: np.ndarray,
    seed: int,
) -> pd.DataFrame:
    """Parent columns against the number of children and child column means."""
    parent_columns = attributes[relationship.parent]
    parent_rows = (len(real[relationship.parent]), len(synthetic[relationship.parent]))
    if not parent_columns or 0 in parent_rows:
        # No parent rows on one side: nothing to pair, and the cardinality
        # and parents-with-children scores already say what is missing.
        return _empty_trends()
    child = relationship.child
    numeric = [
        c
        for c in attributes[child]
        if _plain_numeric(real[child][c]) and c not in relationship.child_columns
    ][:_MAX_AGGREGATES]
    if (_children(real_positions, len(real[relationship.parent])) > 0).sum() < (
        _MIN_PARENTS
    ):
        numeric = []
    frames = []
    for tables, positions in ((real, real_positions), (synthetic, synthetic_positions)):
        parent = tables[relationship.parent]
        frame = parent[parent_columns].reset_index(drop=True).copy()
        frame[f"count({child})"] = _children(positions, len(parent))
        for column in numeric:
            frame[f"mean({child}.{column})"] = _child_means(
                tables[child][column], positions, len(parent)
            )
        frames.append(frame)
    aggregate_labels = [c for c in frames[0].columns if c not in parent_columns]
    return _cross_pairs(
        relationship,
        frames[0],
        frames[1],
        parent_columns,
        aggregate_labels,
        PER_PARENT,
        seed,
    )


def _joined_trends(
    relationship: Relationship,
    real: Mapping[str, pd.DataFrame],
    synthetic: Mapping[str, pd.DataFrame],
    attributes: Mapping[str, list[Hashable]],
    real_positions: np.ndarray,
    synthetic_positions: np.ndarray,
    seed: int,
) -> pd.DataFrame:
    """Parent columns against child columns over child rows joined to their parent."""
    parent_columns = attributes[relationship.parent]
    child_columns = [
        c for c in attributes[relationship.child] if c not in relationship.child_columns
    ]
    if not parent_columns or not child_columns:
        return _empty_trends()
    frames = []
    for tables, positions in ((real, real_positions), (synthetic, synthetic_positions)):
        rows = np.flatnonzero(positions >= 0)
        if rows.size == 0:
            return _empty_trends()
        if rows.size > _JOINED_ROWS:
            rows = np.sort(
                np.random.default_rng(seed).choice(rows, _JOINED_ROWS, replace=False)
            )
        joined = (
            tables[relationship.child][child_columns].iloc[rows].reset_index(drop=True)
        )
        parent = tables[relationship.parent][parent_columns].iloc[positions[rows]]
        for column in parent_columns:
            joined[_parent_label(relationship, column)] = parent[column].to_numpy()
        frames.append(joined)
    labels = [_parent_label(relationship, c) for c in parent_columns]
    pairs = _cross_pairs(
        relationship, frames[0], frames[1], labels, child_columns, PER_CHILD, seed
    )
    names = dict(zip(labels, parent_columns, strict=True))
    pairs["parent_column"] = pairs["parent_column"].map(names)
    return pairs


def _cross_pairs(
    relationship: Relationship,
    real: pd.DataFrame,
    synthetic: pd.DataFrame,
    left: list[Hashable],
    right: list[Hashable],
    view: str,
    seed: int,
) -> pd.DataFrame:
    """Pair trends of every ``left`` column with every ``right`` column."""
    metadata = _metadata(real)
    data = prepare_evaluation_data(real, synthetic, metadata, max_rows=None, seed=seed)
    if len(data.columns) < 2:
        return _empty_trends()
    details = column_pair_trends(data).details
    left_set, right_set = set(left), set(right)
    rows = []
    for row in details.itertuples(index=False):
        if row.column_1 in left_set and row.column_2 in right_set:
            parent_column, child_column = row.column_1, row.column_2
        elif row.column_2 in left_set and row.column_1 in right_set:
            parent_column, child_column = row.column_2, row.column_1
        else:
            continue
        rows.append(
            (
                relationship.name,
                view,
                parent_column,
                child_column,
                row.metric,
                row.score,
                row.real_correlation,
                row.synthetic_correlation,
            )
        )
    return pd.DataFrame.from_records(rows, columns=list(TREND_COLUMNS))


def _metadata(frame: pd.DataFrame) -> TableMetadata:
    """Inferred column types; unique numbers (counts, means) stay numbers."""
    metadata = TableMetadata.infer(frame)
    for column in metadata:
        if column.column_type is ColumnType.IDENTIFIER and (
            pd.api.types.is_numeric_dtype(frame[column.name].dtype)
        ):
            metadata.update_column(column.name, ColumnType.INTEGER)
    return metadata


# -- helpers ---------------------------------------------------------------------------


def _attribute_columns(
    schema: RelationalSchema, table: str, frame: pd.DataFrame
) -> list[Hashable]:
    """The columns of ``table`` that are not generated keys."""
    generated = _generated_key_columns(schema)
    return [c for c in frame.columns if (table, c) not in generated]


def _generated_key_columns(schema: RelationalSchema) -> set[tuple[str, Hashable]]:
    """(table, column) of one-column primary keys and the foreign keys copying them."""
    generated: set[tuple[str, Hashable]] = set()
    for name in schema.tables:
        key = schema.primary_key(name)
        if key is not None and len(key) == 1:
            generated.add((name, key[0]))
    for name in schema.order():
        for relationship in schema.parents(name):
            for child_column, parent_column in zip(
                relationship.child_columns, relationship.parent_columns, strict=True
            ):
                if (relationship.parent, parent_column) in generated:
                    generated.add((name, child_column))
    return generated


def _repeated_keys(
    schema: RelationalSchema, tables: Mapping[str, pd.DataFrame]
) -> dict[str, int]:
    """Rows per table whose primary key repeats an earlier row's."""
    repeated = {}
    for name in schema.tables:
        key = list(schema.primary_key(name) or ())
        repeated[name] = int(tables[name].duplicated(key).sum()) if key else 0
    return repeated


def _count_similarity(real: np.ndarray, synthetic: np.ndarray) -> float:
    """KS complement of two samples of counts; NaN when either is empty."""
    if not (real.size and synthetic.size):
        return float("nan")
    statistic, _ = ks_statistic(
        np.sort(real).astype(np.float64), np.sort(synthetic).astype(np.float64)
    )
    return 1.0 - statistic


def _mean_similarity(real: np.ndarray, synthetic: np.ndarray) -> float:
    """``1 - |r - s| / max(r, s)`` of the mean positive count of each side."""
    real, synthetic = real[real > 0], synthetic[synthetic > 0]
    if not (real.size and synthetic.size):
        # Only one side has children: the share of parents with children
        # and the KS complement over all parents already score that.
        return 1.0
    r, s = float(real.mean()), float(synthetic.mean())
    return 1.0 - abs(r - s) / max(r, s)


def _children(positions: np.ndarray, n_parents: int) -> np.ndarray:
    return np.bincount(positions[positions >= 0], minlength=n_parents)


def _child_means(
    values: pd.Series, positions: np.ndarray, n_parents: int
) -> np.ndarray:
    numbers = pd.to_numeric(values, errors="coerce").to_numpy(
        dtype=np.float64, na_value=np.nan
    )
    usable = (positions >= 0) & ~np.isnan(numbers)
    sums = np.bincount(positions[usable], weights=numbers[usable], minlength=n_parents)
    counts = np.bincount(positions[usable], minlength=n_parents)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)


def _plain_numeric(series: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(series.dtype) and not (
        pd.api.types.is_bool_dtype(series.dtype)
    )


def _integrity(positions: np.ndarray) -> float:
    present = positions != MISSING_KEY
    if not present.any():
        return float("nan")
    return float((positions[present] >= 0).mean())


def _share(mask: np.ndarray) -> float:
    return float(mask.mean()) if mask.size else float("nan")


def _parent_label(relationship: Relationship, column: Hashable) -> str:
    return f"{relationship.parent}.{column}"


def _empty_trends() -> pd.DataFrame:
    return pd.DataFrame(columns=list(TREND_COLUMNS))


def _mean(scores: pd.Series) -> float:
    values = pd.to_numeric(scores, errors="coerce").to_numpy(dtype=np.float64)
    values = values[~np.isnan(values)]
    return float(values.mean()) if values.size else float("nan")


def _minimum(scores: pd.Series) -> float:
    values = pd.to_numeric(scores, errors="coerce").to_numpy(dtype=np.float64)
    values = values[~np.isnan(values)]
    return float(values.min()) if values.size else float("nan")


def _number(value: float) -> float | None:
    return None if value is None or math.isnan(value) else float(value)


def _records(frame: pd.DataFrame) -> dict[str, Any]:
    rows = []
    for values in frame.itertuples(index=False, name=None):
        row = []
        for value in values:
            if isinstance(value, (float, np.floating)):
                row.append(_number(float(value)))
            elif isinstance(value, (np.integer,)):
                row.append(int(value))
            else:
                row.append(value if isinstance(value, (str, int)) else str(value))
        rows.append(row)
    return {"columns": list(frame.columns), "rows": rows}


def _percent(value: float) -> str:
    return "n/a" if value is None or math.isnan(value) else f"{value:.1%}"


def _cell(value: float) -> str:
    return f"{value:.3f}"


_CSS = (
    "body{font-family:system-ui,sans-serif;margin:2rem;color:#222}"
    "table{border-collapse:collapse;margin:0.5rem 0 1.5rem}"
    "th,td{border:1px solid #ccc;padding:0.25rem 0.5rem;text-align:left}"
    "th{background:#f4f4f4}"
)
