"""The relational schema: tables, primary keys and the relationships between them.

A :class:`RelationalSchema` is a plain description a user builds, reads and
edits; it holds no data. :func:`check_tables` compares it with a dict of
frames before anything is fitted, and :func:`find_orphans` counts the foreign
keys that point at no parent row.
"""

from __future__ import annotations

import difflib
import logging
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Self

import numpy as np
import pandas as pd

from genesis._values import decode_value, encode_value
from genesis.errors import InvalidConfigError, InvalidDataError
from genesis.metadata import check_column_values, check_finite

__all__ = [
    "OrphanRecord",
    "RelationalSchema",
    "Relationship",
    "check_tables",
    "find_orphans",
    "key_positions",
    "orphan_record",
]

logger = logging.getLogger(__name__)

FORMAT_NAME = "genesis-relational-schema"
FORMAT_VERSION = 1
# key_positions marks a child row whose key has a missing part with this
# position, and a row whose key matches no parent row with NO_PARENT.
MISSING_KEY = -2
NO_PARENT = -1


@dataclass(frozen=True)
class Relationship:
    """A foreign key: ``child.child_columns`` refers to ``parent.parent_columns``.

    Attributes:
        child: The table holding the foreign key.
        child_columns: Its columns, in the order of ``parent_columns``.
        parent: The table referred to.
        parent_columns: The parent's primary key columns.
    """

    child: str
    child_columns: tuple[Hashable, ...]
    parent: str
    parent_columns: tuple[Hashable, ...]

    @property
    def name(self) -> str:
        """A readable label such as ``flights.origin -> airports.faa``."""
        return (
            f"{self.child}.{_columns_text(self.child_columns)} -> "
            f"{self.parent}.{_columns_text(self.parent_columns)}"
        )

    def __str__(self) -> str:
        return self.name

    def to_dict(self) -> dict[str, Any]:
        return {
            "child": self.child,
            "child_columns": [encode_value(c) for c in self.child_columns],
            "parent": self.parent,
            "parent_columns": [encode_value(c) for c in self.parent_columns],
        }


class RelationalSchema:
    """Tables, their primary keys and the foreign keys that link them.

    Build it step by step (each call returns the schema, so calls chain)::

        schema = (
            RelationalSchema()
            .add_table("customers", primary_key="customer_id")
            .add_table("orders", primary_key="order_id")
            .add_relationship("orders", "customer_id", "customers", "customer_id")
        )

    or let :func:`genesis.multitable.detect_schema` propose one and edit it.
    A primary key and a foreign key may have several columns; a table may
    have several foreign keys, to different parents or twice to the same one.
    Relationships must not form a cycle: generation goes parent first.
    """

    def __init__(self) -> None:
        self._keys: dict[str, tuple[Hashable, ...] | None] = {}
        self._relationships: list[Relationship] = []

    # -- building ----------------------------------------------------------------

    def add_table(
        self, name: str, primary_key: Hashable | Sequence[Hashable] | None = None
    ) -> Self:
        """Declare a table and, optionally, its primary key (one column or several).

        Raises:
            InvalidConfigError: The name is not a string or is already taken.
        """
        if not isinstance(name, str) or not name:
            raise InvalidConfigError(
                f"A table name must be a non-empty string, got {name!r}."
            )
        if name in self._keys:
            raise InvalidConfigError(
                f"The schema already has a table {name!r}; use set_primary_key to "
                "change its key, or remove_table first."
            )
        self._keys[name] = _as_columns(primary_key)
        return self

    def set_primary_key(
        self, name: str, primary_key: Hashable | Sequence[Hashable] | None
    ) -> Self:
        """Replace the primary key of ``name`` (None removes it).

        Raises:
            InvalidConfigError: The table is unknown, or the key is still
                referred to by a relationship and would change its columns.
        """
        self._check_table(name, "set_primary_key")
        key = _as_columns(primary_key)
        using = [r for r in self._relationships if r.parent == name]
        if using and (key is None or set(key) != set(using[0].parent_columns)):
            raise InvalidConfigError(
                f"Relationships {[r.name for r in using]!r} refer to the key of "
                f"{name!r}; remove them before changing it to {key!r}."
            )
        self._keys[name] = key
        return self

    def remove_table(self, name: str) -> Self:
        """Remove a table and every relationship it takes part in."""
        self._check_table(name, "remove_table")
        del self._keys[name]
        self._relationships = [
            r for r in self._relationships if name not in (r.child, r.parent)
        ]
        return self

    def add_relationship(
        self,
        child: str,
        child_columns: Hashable | Sequence[Hashable],
        parent: str,
        parent_columns: Hashable | Sequence[Hashable] | None = None,
    ) -> Self:
        """Declare that ``child.child_columns`` refers to ``parent``'s primary key.

        Args:
            child: The table holding the foreign key.
            child_columns: One column, or several for a composite key, in the
                order of ``parent_columns``.
            parent: The table referred to; it needs a primary key.
            parent_columns: The parent's primary key columns; None takes the
                primary key as declared.

        Raises:
            InvalidConfigError: A table is unknown, the parent has no primary
                key or ``parent_columns`` is not it, the column counts differ,
                the foreign key is declared twice, or the relationship would
                close a cycle (which is named).
        """
        self._check_table(child, "add_relationship")
        self._check_table(parent, "add_relationship")
        key = self._keys[parent]
        if key is None:
            raise InvalidConfigError(
                f"Table {parent!r} has no primary key, so {child!r} cannot refer to "
                f"it; declare one with set_primary_key({parent!r}, ...)."
            )
        columns = _as_columns(child_columns)
        if columns is None:
            raise InvalidConfigError(
                f"add_relationship needs the foreign key columns of {child!r}."
            )
        targets = key if parent_columns is None else _as_columns(parent_columns)
        assert targets is not None
        if set(targets) != set(key) or len(targets) != len(key):
            raise InvalidConfigError(
                f"A foreign key must refer to the parent's primary key: {parent!r} "
                f"has primary key {list(key)!r}, not {list(targets)!r}."
            )
        if len(columns) != len(targets):
            raise InvalidConfigError(
                f"Foreign key {child}.{_columns_text(columns)} has {len(columns)} "
                f"column(s) but the key of {parent!r}, {list(targets)!r}, has "
                f"{len(targets)}; "
                "name one child column per key column, in the same order."
            )
        for existing in self._relationships:
            if existing.child == child and existing.child_columns == columns:
                raise InvalidConfigError(
                    f"Foreign key {child}.{_columns_text(columns)} is already "
                    f"declared ({existing.name}); remove_relationship first to "
                    "change it."
                )
        relationship = Relationship(child, columns, parent, targets)
        cycle = _find_cycle(self._keys, [*self._relationships, relationship])
        if cycle is not None:
            raise InvalidConfigError(
                f"Relationship {relationship.name} would close the cycle "
                f"{' -> '.join(cycle)} (parent to child); generation needs every "
                "parent before its children. Drop one of these relationships."
            )
        self._relationships.append(relationship)
        return self

    def remove_relationship(
        self, child: str, child_columns: Hashable | Sequence[Hashable]
    ) -> Self:
        """Remove the foreign key ``child.child_columns``.

        Raises:
            InvalidConfigError: No such relationship is declared.
        """
        columns = _as_columns(child_columns)
        kept = [
            r
            for r in self._relationships
            if not (r.child == child and r.child_columns == columns)
        ]
        if len(kept) == len(self._relationships):
            raise InvalidConfigError(
                f"There is no relationship from {child}."
                f"{_columns_text(columns or ())}; declared ones are "
                f"{[r.name for r in self._relationships]!r}."
            )
        self._relationships = kept
        return self

    # -- reading -------------------------------------------------------------------

    @property
    def tables(self) -> list[str]:
        """Table names, in the order they were added."""
        return list(self._keys)

    @property
    def relationships(self) -> list[Relationship]:
        """Every relationship, in the order they were added."""
        return list(self._relationships)

    def primary_key(self, name: str) -> tuple[Hashable, ...] | None:
        """The primary key columns of ``name``, or None when it has none."""
        self._check_table(name, "primary_key")
        return self._keys[name]

    def parents(self, name: str) -> list[Relationship]:
        """The relationships in which ``name`` is the child."""
        return [r for r in self._relationships if r.child == name]

    def children(self, name: str) -> list[Relationship]:
        """The relationships in which ``name`` is the parent."""
        return [r for r in self._relationships if r.parent == name]

    def order(self) -> list[str]:
        """Table names with every parent before its children.

        Raises:
            InvalidConfigError: The relationships form a cycle (named).
        """
        cycle = _find_cycle(self._keys, self._relationships)
        if cycle is not None:
            raise InvalidConfigError(
                f"The relationships form the cycle {' -> '.join(cycle)}; generation "
                "needs every parent before its children. Remove one of them."
            )
        remaining = {name: 0 for name in self._keys}
        for relationship in self._relationships:
            remaining[relationship.child] += 1
        ordered: list[str] = []
        ready = [name for name in self._keys if remaining[name] == 0]
        while ready:
            name = ready.pop(0)
            ordered.append(name)
            for relationship in self.children(name):
                remaining[relationship.child] -= 1
                if remaining[relationship.child] == 0:
                    ready.append(relationship.child)
        return ordered

    def describe(self) -> str:
        """One line per table and per relationship, for a person to read."""
        lines = []
        for name, key in self._keys.items():
            shown = "no primary key" if key is None else f"key {list(key)!r}"
            lines.append(f"table {name!r}: {shown}")
        lines.extend(f"relationship {r.name}" for r in self._relationships)
        return "\n".join(lines)

    def __repr__(self) -> str:
        return (
            f"RelationalSchema(tables={self.tables!r}, "
            f"relationships={[r.name for r in self._relationships]!r})"
        )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RelationalSchema) and self.to_dict() == other.to_dict()

    def to_dict(self) -> dict[str, Any]:
        """The schema as JSON-able values."""
        return {
            "format": FORMAT_NAME,
            "format_version": FORMAT_VERSION,
            "tables": [
                {
                    "name": name,
                    "primary_key": (
                        None if key is None else [encode_value(c) for c in key]
                    ),
                }
                for name, key in self._keys.items()
            ],
            "relationships": [r.to_dict() for r in self._relationships],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RelationalSchema:
        """Rebuild a schema written by :meth:`to_dict`.

        A column there is an encoded pair such as ``["str", "faa"]``; a plain
        name (``"faa"``) is read as well, and ``format`` may be left out, so
        the dict can be written or edited by hand.

        Raises:
            InvalidConfigError: ``data`` is not a schema, or describes an
                invalid one.
        """
        # A dict written by hand may leave the format out.
        if (
            not isinstance(data, Mapping)
            or data.get("format", FORMAT_NAME) != FORMAT_NAME
        ):
            found = data.get("format") if isinstance(data, Mapping) else data
            raise InvalidConfigError(
                f"This is not a Genesis relational schema (format "
                f"{found!r}, expected {FORMAT_NAME!r})."
            )
        try:
            tables = [
                (entry["name"], _columns_read(entry["primary_key"]))
                for entry in data["tables"]
            ]
            links = [
                (
                    item["child"],
                    _columns_read(item["child_columns"]),
                    item["parent"],
                    _columns_read(item["parent_columns"]),
                )
                for item in data["relationships"]
            ]
        except KeyError as exc:
            raise InvalidConfigError(
                f"The relational schema lacks the entry {exc.args[0]!r}; its "
                "layout is the one RelationalSchema.to_dict writes."
            ) from None
        except (TypeError, ValueError) as exc:
            # ValueError covers the ModelFileError of an unknown value pair.
            raise InvalidConfigError(
                "The relational schema is not laid out as RelationalSchema.to_dict "
                f"writes it: {exc}"
            ) from None
        schema = cls()
        for name, key in tables:
            schema.add_table(name, key)
        for child, child_columns, parent, parent_columns in links:
            schema.add_relationship(child, child_columns, parent, parent_columns)
        return schema

    def _check_table(self, name: str, caller: str) -> None:
        if name not in self._keys:
            raise InvalidConfigError(
                f"{caller} names table {name!r}, which the schema does not have; "
                f"its tables are {self.tables!r}. Add it with add_table first."
            )


def _columns_read(columns: Any) -> list[Hashable] | None:
    """Columns as :meth:`RelationalSchema.to_dict` writes them (encoded
    values, each a list), or as plain names; one name alone stands for a
    list of one."""
    if columns is None:
        return None
    if isinstance(columns, str):
        return [columns]
    if not isinstance(columns, list):
        raise TypeError(f"columns must be a list, not {columns!r}")
    read = [decode_value(c) if isinstance(c, list) else c for c in columns]
    if odd := [c for c in read if not isinstance(c, Hashable) or isinstance(c, dict)]:
        raise TypeError(f"a column must be a name, not {odd[0]!r}")
    return read


# -- checks against data -------------------------------------------------------------


@dataclass(frozen=True)
class OrphanRecord:
    """Foreign key values of one relationship that point at no parent row.

    Attributes:
        relationship: The relationship.
        child_rows: Rows of the child table.
        missing_rows: Rows whose foreign key is missing (any part).
        orphan_rows: Rows whose foreign key is present but names no parent.
        orphan_values: Distinct orphan key values.
        examples: Up to five orphan values, most frequent first.
    """

    relationship: Relationship
    child_rows: int
    missing_rows: int
    orphan_rows: int
    orphan_values: int
    examples: tuple[Any, ...]


def check_tables(
    schema: RelationalSchema,
    tables: Mapping[str, pd.DataFrame],
    discrete_columns: Mapping[str, Sequence[Hashable]] | None = None,
) -> None:
    """Refuse tables that do not fit the schema, naming the table and column.

    Args:
        schema: The schema to fit.
        tables: ``{name: DataFrame}``.
        discrete_columns: ``{table: [column, ...]}``, already lists; their
            numbers are categories and may be of any size.

    Raises:
        InvalidDataError: A table is missing from or foreign to the schema, is
            not a non-empty DataFrame, has duplicate column names, lacks a
            column the schema or ``discrete_columns`` names, has a primary
            key with missing or repeated values, or has a column of values
            Genesis cannot model (lists and other unhashable values,
            infinities, numbers too large to square; see
            :func:`genesis.metadata.check_column_values`).
        InvalidConfigError: The relationships form a cycle.
    """
    discrete_columns = discrete_columns or {}
    if not isinstance(tables, Mapping):
        raise InvalidDataError(
            f"fit expects a dict of DataFrames by table name, got "
            f"{type(tables).__name__}."
        )
    missing = [name for name in schema.tables if name not in tables]
    if missing:
        raise InvalidDataError(
            f"The schema has tables {missing!r} that the data does not; pass a "
            f"DataFrame for each (got {list(tables)!r}), or remove them from the "
            "schema with remove_table."
        )
    extra = [name for name in tables if name not in schema.tables]
    if extra:
        raise InvalidDataError(
            f"The data has tables {extra!r} that the schema does not; add them "
            "with add_table (and their relationships), or leave them out."
        )
    for name in schema.tables:
        frame = tables[name]
        if not isinstance(frame, pd.DataFrame):
            raise InvalidDataError(
                f"Table {name!r} is a {type(frame).__name__}, not a DataFrame; "
                "wrap it with pandas.DataFrame(...) first."
            )
        if len(frame) == 0:
            raise InvalidDataError(
                f"Table {name!r} has no rows; fit needs at least one row per "
                f"table. Leave it out with schema.remove_table({name!r}), which "
                "also drops its relationships, and add an empty frame for it to "
                "the generated tables."
            )
        duplicated = frame.columns[frame.columns.duplicated()].unique().tolist()
        if duplicated:
            raise InvalidDataError(
                f"Table {name!r} has duplicate column names {duplicated!r}; give "
                "each column a unique name."
            )
        discrete = list(discrete_columns.get(name, ()))
        _check_columns(name, frame, discrete, "discrete_columns")
        key = schema.primary_key(name)
        if key is not None:
            _check_columns(name, frame, key, "its primary key")
            _check_unique_key(name, frame, key)
        for relationship in schema.parents(name):
            _check_columns(
                name,
                frame,
                relationship.child_columns,
                f"the foreign key of {relationship.name}",
            )
        _check_values(schema, name, frame, discrete)
    schema.order()


def _check_values(
    schema: RelationalSchema,
    table: str,
    frame: pd.DataFrame,
    discrete: Sequence[Hashable],
) -> None:
    """Refuse values no model can learn, naming the table and the column."""
    # Fresh primary keys and foreign keys are written, not modelled: their
    # numbers may be of any size.
    key = schema.primary_key(table) or ()
    written = {c for r in schema.parents(table) for c in r.child_columns}
    if len(key) == 1:
        written.add(key[0])
    for column in frame.columns:
        series = frame[column]
        try:
            check_finite(column, series)
            check_column_values(column, series, column in discrete or column in written)
        except InvalidDataError as error:
            raise InvalidDataError(f"Table {table!r}: {error}") from None


def find_orphans(
    schema: RelationalSchema, tables: Mapping[str, pd.DataFrame]
) -> list[OrphanRecord]:
    """Count, per relationship, the missing and the dangling foreign keys."""
    records = []
    for relationship in schema.relationships:
        child = tables[relationship.child]
        positions = key_positions(relationship, tables[relationship.parent], child)
        records.append(orphan_record(relationship, child, positions))
    return records


def orphan_record(
    relationship: Relationship, child: pd.DataFrame, positions: np.ndarray
) -> OrphanRecord:
    """The :class:`OrphanRecord` of ``child``'s key ``positions``."""
    orphan = positions == NO_PARENT
    values = child.loc[orphan, list(relationship.child_columns)]
    counts = values.value_counts(dropna=False) if len(values) else pd.Series()
    examples = tuple(
        index if len(relationship.child_columns) > 1 else _first(index)
        for index in counts.index[:5]
    )
    return OrphanRecord(
        relationship=relationship,
        child_rows=len(child),
        missing_rows=int((positions == MISSING_KEY).sum()),
        orphan_rows=int(orphan.sum()),
        orphan_values=len(counts),
        examples=examples,
    )


def key_positions(
    relationship: Relationship, parent: pd.DataFrame, child: pd.DataFrame
) -> np.ndarray:
    """The parent row position each child row refers to.

    Returns:
        int64 positions into ``parent``; ``MISSING_KEY`` (-2) where any part
        of the child's key is missing, ``NO_PARENT`` (-1) where the key names
        no parent row. A key that several parent rows share names the first.

    Raises:
        InvalidDataError: The key columns cannot be compared (for example
            numbers against text) and no child value matches.
    """
    child_columns = list(relationship.child_columns)
    parent_columns = list(relationship.parent_columns)
    positions = np.full(len(child), MISSING_KEY, dtype=np.int64)
    present = ~child[child_columns].isna().any(axis=1).to_numpy()
    if not present.any():
        return positions
    names = [f"__key{i}" for i in range(len(child_columns))]
    left = child.loc[present, child_columns].set_axis(names, axis=1)
    right = parent[parent_columns].set_axis(names, axis=1)
    right = right.assign(__position=np.arange(len(parent), dtype=np.int64))
    # A repeated parent key (possible in data that was never checked, such
    # as a database to evaluate) points at its first row, one match a child.
    right = right.drop_duplicates(names, keep="first")
    try:
        merged = left.merge(right, on=names, how="left", sort=False)
    except (ValueError, TypeError) as error:
        raise InvalidDataError(
            f"The keys of {relationship.name} cannot be compared: child dtypes "
            f"{[str(child[c].dtype) for c in child_columns]!r}, parent dtypes "
            f"{[str(parent[c].dtype) for c in parent_columns]!r} ({error}). Give "
            "both sides the same dtype."
        ) from None
    found = merged["__position"].to_numpy(dtype=np.float64, na_value=np.nan)
    positions[present] = np.where(np.isnan(found), NO_PARENT, found).astype(np.int64)
    if (positions[present] == NO_PARENT).all() and _kinds_differ(
        child, child_columns, parent, parent_columns
    ):
        raise InvalidDataError(
            f"No value of {relationship.name} matches a parent key, and the "
            f"dtypes differ (child {[str(child[c].dtype) for c in child_columns]!r}, "
            f"parent {[str(parent[c].dtype) for c in parent_columns]!r}); convert "
            "one side so that both hold the same kind of values."
        )
    return positions


# -- helpers ---------------------------------------------------------------------------


def _as_columns(
    columns: Hashable | Sequence[Hashable] | None,
) -> tuple[Hashable, ...] | None:
    if columns is None:
        return None
    if isinstance(columns, (list, tuple)):
        if not columns:
            return None
        return tuple(columns)
    return (columns,)


def _columns_text(columns: Iterable[Hashable]) -> str:
    columns = list(columns)
    if len(columns) == 1:
        return str(columns[0])
    return "(" + ", ".join(str(c) for c in columns) + ")"


def _find_cycle(
    tables: Mapping[str, Any], relationships: Sequence[Relationship]
) -> list[str] | None:
    """A cycle of parent -> child edges as a list of names (first repeated), or None."""
    edges: dict[str, list[str]] = {name: [] for name in tables}
    for relationship in relationships:
        edges[relationship.parent].append(relationship.child)
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(name: str) -> list[str] | None:
        state[name] = 1
        stack.append(name)
        for child in edges[name]:
            if state.get(child) == 1:
                return [*stack[stack.index(child) :], child]
            if child not in state:
                found = visit(child)
                if found is not None:
                    return found
        stack.pop()
        state[name] = 2
        return None

    for name in tables:
        if name not in state:
            found = visit(name)
            if found is not None:
                return found
    return None


def _check_columns(
    table: str, frame: pd.DataFrame, columns: Sequence[Hashable], role: str
) -> None:
    unknown = [c for c in columns if c not in frame.columns]
    if unknown:
        names = [str(c) for c in frame.columns]
        close = difflib.get_close_matches(str(unknown[0]), names, n=1, cutoff=0.75)
        meant = (
            f" Did you mean {frame.columns[names.index(close[0])]!r}?" if close else ""
        )
        # discrete_columns is the user's option, not the schema's.
        fix = (
            "Correct that list."
            if role == "discrete_columns"
            else "Correct the schema or the data."
        )
        raise InvalidDataError(
            f"Table {table!r} has no column {unknown[0]!r}, named in {role}.{meant} "
            f"Its columns are {list(frame.columns)!r}. {fix}"
        )


def _check_unique_key(table: str, frame: pd.DataFrame, key: Sequence[Hashable]) -> None:
    values = frame[list(key)]
    missing = int(values.isna().any(axis=1).sum())
    if missing:
        raise InvalidDataError(
            f"Table {table!r}: primary key {list(key)!r} is missing in {missing} "
            "row(s); a primary key needs a value in every row. Fill or drop them."
        )
    duplicated = values.duplicated(keep=False)
    if duplicated.any():
        examples = values[duplicated].drop_duplicates().head(3)
        shown = [
            tuple(row) if len(key) > 1 else row[0]
            for row in examples.itertuples(index=False, name=None)
        ]
        raise InvalidDataError(
            f"Table {table!r}: primary key {list(key)!r} repeats in "
            f"{int(duplicated.sum())} rows, for example {shown!r}; a primary key "
            "must be unique. Remove the duplicates or choose another key."
        )


def _kinds_differ(
    child: pd.DataFrame,
    child_columns: Sequence[Hashable],
    parent: pd.DataFrame,
    parent_columns: Sequence[Hashable],
) -> bool:
    def kind(series: pd.Series) -> str:
        if pd.api.types.is_numeric_dtype(series.dtype):
            return "number"
        if pd.api.types.is_datetime64_any_dtype(series.dtype):
            return "datetime"
        return "other"

    return any(
        kind(child[a]) != kind(parent[b])
        for a, b in zip(child_columns, parent_columns, strict=True)
    )


def _first(value: Any) -> Any:
    return value[0] if isinstance(value, tuple) and len(value) == 1 else value
