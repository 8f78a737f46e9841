"""Orphan foreign keys: values that name no parent row, dropped or emptied."""

from __future__ import annotations

import logging
from collections.abc import Mapping

import numpy as np
import pandas as pd

from genesis.multitable._schema import (
    NO_PARENT,
    OrphanRecord,
    RelationalSchema,
    Relationship,
    key_positions,
    orphan_record,
)

__all__ = ["DROP", "MISSING", "ORPHAN_COLUMNS", "ORPHAN_POLICIES", "clean_orphans"]

logger = logging.getLogger(__name__)

DROP = "drop"
MISSING = "missing"
ORPHAN_POLICIES = (DROP, MISSING)
ORPHAN_COLUMNS = (
    "relationship",
    "child",
    "child_columns",
    "parent",
    "child_rows",
    "missing_rows",
    "orphan_rows",
    "orphan_values",
    "examples",
    "action",
)


def clean_orphans(
    schema: RelationalSchema,
    tables: Mapping[str, pd.DataFrame],
    order: list[str],
    policy: str,
) -> tuple[dict[str, pd.DataFrame], dict[Relationship, np.ndarray], list[tuple]]:
    """Apply the orphan policy, parents first.

    Returns:
        The cleaned frames, each relationship's key positions in them,
        and one orphan record per relationship.
    """
    cleaned: dict[str, pd.DataFrame] = {}
    positions: dict[Relationship, np.ndarray] = {}
    records: list[tuple] = []
    for name in order:
        frame = tables[name].reset_index(drop=True)
        links = schema.parents(name)
        found = {r: key_positions(r, cleaned[r.parent], frame) for r in links}
        orphaned = {r: p == NO_PARENT for r, p in found.items()}
        found_records = {r: orphan_record(r, frame, found[r]) for r in links}
        drop = np.zeros(len(frame), dtype=bool)
        actions = {r: "none" for r in links}
        if any(mask.any() for mask in orphaned.values()):
            frame = frame.copy()
            drop = _apply_policy(frame, found, orphaned, actions, policy)
        for relationship in links:
            record = found_records[relationship]
            _log_orphans(record, actions[relationship])
            records.append(_record_row(record, actions[relationship]))
        if drop.any():
            frame = frame.loc[~drop].reset_index(drop=True)
        cleaned[name] = frame
        for relationship in links:
            positions[relationship] = key_positions(
                relationship, cleaned[relationship.parent], frame
            )
    return cleaned, positions, records


def _apply_policy(
    frame: pd.DataFrame,
    found: Mapping[Relationship, np.ndarray],
    orphaned: Mapping[Relationship, np.ndarray],
    actions: dict[Relationship, str],
    policy: str,
) -> np.ndarray:
    """Empty the dangling keys of ``frame`` (in place), or mark rows to drop."""
    drop = np.zeros(len(frame), dtype=bool)
    if policy == DROP:
        for relationship, mask in orphaned.items():
            if mask.any():
                drop |= mask
                actions[relationship] = "rows dropped"
        return drop
    # A column shared with a key that is valid in that row keeps its
    # value: flights.origin stays when only (origin, time_hour) dangles.
    valid = {r: p >= 0 for r, p in found.items()}
    for relationship, mask in orphaned.items():
        if not mask.any():
            continue
        actions[relationship] = "set missing"
        for column in relationship.child_columns:
            protected = np.zeros(len(frame), dtype=bool)
            for other, ok in valid.items():
                if other is not relationship and column in other.child_columns:
                    protected |= ok
            emptied = mask & ~protected
            if emptied.any():
                frame[column] = _with_missing(frame[column], emptied)
        still_complete = (
            ~frame[list(relationship.child_columns)].isna().any(axis=1).to_numpy()
        )
        stuck = mask & still_complete
        if stuck.any():
            drop |= stuck
            actions[relationship] = "set missing; rows dropped where shared"
    return drop


def _log_orphans(record: OrphanRecord, action: str) -> None:
    if record.orphan_rows:
        relationship = record.relationship
        logger.warning(
            "%s: %d of the %d rows of table %r name no row of table %r (%d "
            "distinct values, such as %s); %s.",
            relationship.name,
            record.orphan_rows,
            record.child_rows,
            relationship.child,
            relationship.parent,
            record.orphan_values,
            ", ".join(repr(value) for value in record.examples[:3]),
            _done_to_orphans(relationship, action),
        )


def _done_to_orphans(relationship: Relationship, action: str) -> str:
    """What the fit did with the rows that name no parent, in words."""
    columns = relationship.child_columns
    if len(columns) == 1:
        key = str(columns[0])
    else:
        key = f"({', '.join(str(column) for column in columns)}) key"
    if action == "rows dropped":
        return "the fit leaves those rows out"
    emptied = (
        f"the fit reads their {key} as missing, and generated rows leave it "
        "empty about as often"
    )
    if action == "set missing":
        return emptied
    return (
        f"{emptied}; rows whose {key} cannot be emptied, being part of another "
        "key that names its parent, are left out"
    )


def _with_missing(series: pd.Series, mask: np.ndarray) -> pd.Series:
    """``series`` with the cells under ``mask`` missing, in a dtype that holds them."""
    if pd.api.types.is_bool_dtype(series.dtype):
        series = series.astype("boolean")
    elif pd.api.types.is_integer_dtype(series.dtype) and not isinstance(
        series.dtype, pd.api.extensions.ExtensionDtype
    ):
        series = series.astype("Int64")
    return series.mask(mask)


def _record_row(record: OrphanRecord, action: str) -> tuple:
    relationship = record.relationship
    return (
        relationship.name,
        relationship.child,
        list(relationship.child_columns),
        relationship.parent,
        record.child_rows,
        record.missing_rows,
        record.orphan_rows,
        record.orphan_values,
        list(record.examples),
        action,
    )
