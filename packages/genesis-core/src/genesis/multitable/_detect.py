"""``detect_schema``: propose primary keys and relationships from a dict of frames.

The proposal is a :class:`RelationalSchema` to read and edit, not a verdict:
each choice is logged at INFO with its reason.

Primary key: a column with a value in every row and no repeat, holding
integers or text (not floats, booleans or dates), that is named like a key
(``id``, ``customer_id``, ``..._key``, ``..._code``) or whose values another
table's column of the same name mostly takes. A table with no such column
gets a pair of columns as its key when another table has both columns, by
name, and its pairs mostly fall among the table's pairs.

Relationship: a column whose values mostly fall among another table's key
values. With alike names (``customer_id`` and ``customers.customer_id`` or
``customers.id``) half of the values must match, which allows for orphans;
with unlike names (``flights.origin`` and ``airports.faa``) nine in ten must,
and the column must hold text, since small integers fall inside any integer
key by chance.
"""

from __future__ import annotations

import itertools
import logging
import re
from collections.abc import Hashable, Mapping

import pandas as pd

from genesis.errors import InvalidConfigError, InvalidDataError
from genesis.multitable._schema import RelationalSchema

__all__ = ["detect_schema", "proposed_links"]

logger = logging.getLogger(__name__)

_KEY_NAME = re.compile(r"(^|[_\-\s])(id|key|code|uuid)$|^id$|[a-z]Id$", re.I)
# Shares of a column's non-missing values that must fall among a parent's
# key values for a relationship to be proposed.
_NAMED_SHARE = 0.5
_UNNAMED_SHARE = 0.9
# Composite keys are looked for among at most this many columns of a table.
_MAX_PAIR_COLUMNS = 30


def detect_schema(tables: Mapping[str, pd.DataFrame]) -> RelationalSchema:
    """Propose primary keys and relationships for ``tables``.

    Args:
        tables: ``{name: DataFrame}``.

    Returns:
        The proposed schema; check it with ``describe()`` and change it with
        ``set_primary_key``, ``add_relationship`` and ``remove_relationship``.

    Raises:
        InvalidDataError: ``tables`` is not a dict of DataFrames.
    """
    if not isinstance(tables, Mapping) or not all(
        isinstance(frame, pd.DataFrame) for frame in tables.values()
    ):
        raise InvalidDataError(
            "detect_schema expects a dict of DataFrames by table name."
        )
    keys: dict[str, tuple[Hashable, ...] | None] = {
        name: _single_key(name, frame, tables) for name, frame in tables.items()
    }
    for name, frame in tables.items():
        if keys[name] is None:
            keys[name] = _pair_key(name, frame, tables)

    schema = RelationalSchema()
    for name in tables:
        schema.add_table(name, primary_key=keys[name])
    for child, columns, parent, reason in proposed_links(tables, keys):
        try:
            schema.add_relationship(child, columns, parent)
        except InvalidConfigError as error:
            logger.info("Not proposing %s.%s -> %s: %s", child, columns, parent, error)
            continue
        logger.info("Proposed %s.%s -> %s: %s", child, columns, parent, reason)
    return schema


def _single_key(
    name: str, frame: pd.DataFrame, tables: Mapping[str, pd.DataFrame]
) -> tuple[Hashable, ...] | None:
    best: tuple[float, Hashable] | None = None
    for position, column in enumerate(frame.columns):
        series = frame[column]
        if not _key_like_dtype(series) or series.isna().any() or not series.is_unique:
            continue
        score = 0.0
        reasons = []
        if isinstance(column, str) and (
            _KEY_NAME.search(column) or column.lower() in _own_key_names(name)
        ):
            score += 2.0
            reasons.append("named like a key")
        if _referenced_by_name(name, column, series, tables):
            score += 2.0
            reasons.append("referred to by a column of the same name")
        elif _referenced_by_values(name, series, tables):
            score += 2.0
            reasons.append("another table's text column takes its values")
        if position == 0:
            score += 0.5
        if score >= 2.0 and (best is None or score > best[0]):
            best = (score, column)
            logger.debug("Table %r: key candidate %r (%s).", name, column, reasons)
    if best is None:
        return None
    logger.info("Proposed primary key %r for table %r.", best[1], name)
    return (best[1],)


def _pair_key(
    name: str, frame: pd.DataFrame, tables: Mapping[str, pd.DataFrame]
) -> tuple[Hashable, ...] | None:
    columns = [
        c for c in frame.columns[:_MAX_PAIR_COLUMNS] if _pair_part_dtype(frame[c])
    ]
    for first, second in itertools.combinations(columns, 2):
        pair = frame[[first, second]]
        if pair.isna().any().any() or pair.duplicated().any():
            continue
        for other, child in tables.items():
            if other == name or first not in child or second not in child:
                continue
            if _contained_share(child[[first, second]], pair) >= _UNNAMED_SHARE:
                logger.info(
                    "Proposed primary key %r for table %r: unique, and %r takes its "
                    "pairs.",
                    [first, second],
                    name,
                    other,
                )
                return (first, second)
    return None


def proposed_links(
    tables: Mapping[str, pd.DataFrame], keys: Mapping[str, tuple[Hashable, ...] | None]
) -> list[tuple[str, list[Hashable], str, str]]:
    """``(child, columns, parent, reason)`` for each column (or column set)
    that looks like a foreign key to a table's primary key in ``keys``."""
    proposals = []
    for child, frame in tables.items():
        own = keys[child]
        for column in frame.columns:
            if own == (column,):
                continue
            best = None
            for parent, key in keys.items():
                if parent == child or key is None or len(key) != 1:
                    continue
                found = _score_column(
                    child, column, frame[column], parent, key[0], tables
                )
                if found is not None and (best is None or found[0] > best[0]):
                    best = (*found, parent)
            if best is not None:
                proposals.append((child, [column], best[2], best[1]))
        for parent, key in keys.items():
            if parent == child or key is None or len(key) < 2:
                continue
            if all(c in frame.columns for c in key):
                share = _contained_share(frame[list(key)], tables[parent][list(key)])
                if share >= _UNNAMED_SHARE:
                    proposals.append(
                        (child, list(key), parent, f"{share:.1%} of pairs match")
                    )
    return proposals


def _score_column(
    child: str,
    column: Hashable,
    series: pd.Series,
    parent: str,
    key: Hashable,
    tables: Mapping[str, pd.DataFrame],
) -> tuple[float, str] | None:
    parent_values = tables[parent][key]
    if _kind(series) != _kind(parent_values) or _kind(series) == "other":
        return None
    observed = series.dropna()
    if observed.empty:
        return None
    named = _names_alike(column, key, parent)
    if not named and (_kind(series) != "text" or observed.nunique() < 2):
        return None
    share = float(observed.isin(parent_values).mean())
    needed = _NAMED_SHARE if named else _UNNAMED_SHARE
    if share < needed:
        return None
    reason = f"{share:.1%} of values match" + (", names alike" if named else "")
    return (share + (1.0 if named else 0.0), reason)


def _referenced_by_name(
    name: str, column: Hashable, series: pd.Series, tables: Mapping[str, pd.DataFrame]
) -> bool:
    for other, frame in tables.items():
        if other != name and column in frame.columns:
            observed = frame[column].dropna()
            if not observed.empty and not observed.is_unique:
                if float(observed.isin(series).mean()) >= _NAMED_SHARE:
                    return True
    return False


def _referenced_by_values(
    name: str, series: pd.Series, tables: Mapping[str, pd.DataFrame]
) -> bool:
    if _kind(series) != "text":
        return False
    for other, frame in tables.items():
        if other == name:
            continue
        for column in frame.columns:
            observed = frame[column].dropna()
            if (
                _kind(observed) == "text"
                and observed.nunique() >= 2
                and not observed.is_unique
                and float(observed.isin(series).mean()) >= _UNNAMED_SHARE
            ):
                return True
    return False


def _names_alike(column: Hashable, key: Hashable, parent: str) -> bool:
    if column == key:
        return True
    if not isinstance(column, str) or not isinstance(key, str):
        return False
    column, key = column.lower(), key.lower()
    stems = {parent.lower(), _singular(parent.lower())}
    alike = {f"{stem}_{key}" for stem in stems} | {f"{stem}{key}" for stem in stems}
    if key == "id":
        alike |= {f"{stem}_id" for stem in stems} | {f"{stem}id" for stem in stems}
    return column in alike


def _own_key_names(table: str) -> set[str]:
    stems = {table.lower(), _singular(table.lower())}
    return {f"{stem}_id" for stem in stems} | {f"{stem}id" for stem in stems}


def _singular(word: str) -> str:
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith("ses"):
        return word[:-2]
    if word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def _kind(series: pd.Series) -> str:
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return "other"
    if pd.api.types.is_integer_dtype(dtype):
        return "integer"
    if pd.api.types.is_float_dtype(dtype):
        observed = series.dropna()
        if len(observed) and (observed % 1 == 0).all():
            return "integer"
        return "other"
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "datetime"
    if pd.api.types.is_numeric_dtype(dtype):
        return "other"
    return "text"


def _key_like_dtype(series: pd.Series) -> bool:
    return _kind(series) in ("integer", "text") and not pd.api.types.is_float_dtype(
        series.dtype
    )


def _pair_part_dtype(series: pd.Series) -> bool:
    return _kind(series) in ("integer", "text", "datetime")


def _contained_share(child: pd.DataFrame, parent: pd.DataFrame) -> float:
    """Share of ``child``'s complete rows that are rows of ``parent`` (same columns)."""
    child = child.dropna()
    if child.empty:
        return 0.0
    try:
        index = pd.MultiIndex.from_frame(parent)
        found = index.get_indexer(pd.MultiIndex.from_frame(child)) >= 0
    except (TypeError, ValueError):
        return 0.0
    return float(found.mean())
