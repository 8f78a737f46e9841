"""What ``MultiTableGenerator`` learns about each table before any model is fitted.

A :class:`TablePlan` records one table's columns, keys, foreign keys
(:class:`Link`) and the helper columns its model frame carries: for each
relationship in which it is the parent, a count of children per row; for each
foreign key, a few columns of the parent row (context columns) and whether the
key is present. :class:`TablePlanner` builds plans and model frames from the
cleaned tables; :mod:`genesis.multitable._generator` fits and generates from
them.

A plan holds no real key values: a fresh primary key is kept as its
:class:`~genesis.multitable._keys.KeyFormat`, and dtypes without their
categories. ``to_json``/``from_json`` write a plan (but not its fitted
generator, which is saved on its own) as JSON-able values for the model
file.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from genesis._generator import SyntheticGenerator
from genesis._values import decode_value, encode_value
from genesis.errors import InvalidDataError
from genesis.metadata import ColumnType, TableMetadata
from genesis.multitable._cardinality import CountShape
from genesis.multitable._keys import (
    KeyFormat,
    dtype_from_name,
    dtype_name,
    value_step,
)
from genesis.multitable._matching import (
    DISCRETE,
    NUMERIC,
    ContextColumn,
    context_weights,
    embed,
    feature_matrix,
    numeric_values,
)
from genesis.multitable._schema import RelationalSchema, Relationship

__all__ = [
    "HELPER_PREFIX",
    "Link",
    "TablePlan",
    "TablePlanner",
    "child_counts",
    "label",
    "model_metadata",
    "pattern_codes",
]

# Names of the columns added to a model frame start with this.
HELPER_PREFIX = "__genesis__"
# A parent column joins its children's model only when it has no more than
# this many categories, varies, and is missing in at most half the rows.
_MAX_CONTEXT_CATEGORIES = 50
_MAX_CONTEXT_MISSING = 0.5
# Context weights are learned on at most this many joined rows.
_WEIGHT_ROWS = 5_000


@dataclass
class Link:
    """One foreign key of a table, as the generator uses it.

    Attributes:
        relationship: The relationship.
        count_column: The parent's count column of this relationship.
        covered: A longer foreign key of the table holds all its columns.
        has_column: The model column saying whether the key refers to a
            parent row; None when every real key does.
        context: The parent columns the child's model sees.
        weights: How much each context dimension counts in matching.
        present_share: The share of real child rows whose key refers to a
            parent row.
        parents_with_children: Real parent rows with at least one child.
        partial_shares: Among the real rows whose composite key refers to
            no parent, the share of each pattern of present columns (bit
            ``i`` set when ``child_columns[i]`` has a value); empty when no
            such key is partly present. A generated row without a parent
            draws a pattern from these shares, so that each key column
            keeps its own missing rate: its present columns take the values
            of a generated parent row (as in the real data, they name
            values parents have), its other columns stay missing, and the
            key as a whole refers to no row.
        through: Where every real key of this link equals the key its row's
            parent in another link holds (an order's ``customer_id`` that is
            always its basket's ``customer_id``), the positions in the
            schema's relationships of that other link and of its parent's
            link; the key is then copied along that path, not matched.
    """

    relationship: Relationship
    count_column: str
    covered: bool
    has_column: str | None = None
    context: list[ContextColumn] = field(default_factory=list)
    weights: np.ndarray | None = None
    present_share: float = 1.0
    parents_with_children: int = 0
    partial_shares: dict[int, float] = field(default_factory=dict)
    through: tuple[int, int] | None = None

    def to_json(self, schema: RelationalSchema) -> dict[str, Any]:
        """The link as JSON-able values; its relationship by position in ``schema``."""
        return {
            "relationship": schema.relationships.index(self.relationship),
            "count_column": self.count_column,
            "covered": self.covered,
            "has_column": self.has_column,
            "context": [column.to_json() for column in self.context],
            # JSON writes a float64 as its shortest exact repr: no loss.
            "weights": None if self.weights is None else self.weights.tolist(),
            "present_share": self.present_share,
            "parents_with_children": self.parents_with_children,
            "partial_shares": [[m, share] for m, share in self.partial_shares.items()],
            "through": None if self.through is None else list(self.through),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any], schema: RelationalSchema) -> Link:
        """Rebuild a link written by :meth:`to_json` for the same ``schema``."""
        weights = data["weights"]
        return cls(
            relationship=schema.relationships[data["relationship"]],
            count_column=data["count_column"],
            covered=bool(data["covered"]),
            has_column=data["has_column"],
            context=[ContextColumn.from_json(c) for c in data["context"]],
            weights=None if weights is None else np.asarray(weights, np.float64),
            present_share=float(data["present_share"]),
            parents_with_children=int(data["parents_with_children"]),
            # Absent from files saved before partly present keys were kept.
            partial_shares={
                int(mask): float(share)
                for mask, share in data.get("partial_shares", [])
            },
            # Absent from files saved before keys were copied along a path.
            through=None
            if data.get("through") is None
            else (int(data["through"][0]), int(data["through"][1])),
        )


@dataclass
class TablePlan:
    """What the generator learned about one table.

    Attributes:
        name: The table.
        columns: Its columns, in order.
        dtypes: Each column's dtype (categorical ones without categories).
        primary_key: Its key columns, or None.
        fresh_key: The one key column that gets fresh values, or None.
        key_format: How ``fresh_key`` is written, or None.
        modelled: The table's own columns in its model frame.
        links: Its foreign keys.
        count_columns: The model frame's count columns, one per
            relationship in which the table is the parent.
        patterns: The share of rows per pattern of having children
            (:func:`pattern_codes`), in code order.
        movable_key: The composite key column changed to make keys unique.
        key_step: That column's grid (a number or a ``pd.Timedelta``) when
            it is numeric or a datetime, else None.
        key_bounds: Its smallest and largest real values, on a grid.
        key_choices: Off a grid (text, categories), the distinct values
            its model can write, from which a repeated key takes an unused
            one; None otherwise.
        real_rows: Rows of the real (cleaned) table.
        generator: The fitted single-table generator; None when the table
            has only key columns.
        count_shapes: The real positive children counts of each count
            column (:mod:`genesis.multitable._cardinality`); a count column
            whose real parents have no children has none.
    """

    name: str
    columns: list[Hashable]
    dtypes: dict[Hashable, Any]
    primary_key: tuple[Hashable, ...] | None
    fresh_key: Hashable | None
    key_format: KeyFormat | None
    modelled: list[Hashable]
    links: list[Link]
    count_columns: list[str]
    patterns: dict[int, float]
    movable_key: Hashable | None
    key_step: object
    key_bounds: tuple[object, object] | None
    real_rows: int
    generator: SyntheticGenerator | None = None
    count_shapes: dict[str, CountShape] = field(default_factory=dict)
    key_choices: tuple[object, ...] | None = None

    def to_json(self, schema: RelationalSchema) -> dict[str, Any]:
        """The plan as JSON-able values, less its generator (saved on its own)."""
        return {
            "name": self.name,
            "columns": [encode_value(c) for c in self.columns],
            "dtypes": [
                [encode_value(c), dtype_name(d)] for c, d in self.dtypes.items()
            ],
            "primary_key": _encode_columns(self.primary_key),
            "fresh_key": _encode_optional(self.fresh_key),
            "key_format": None
            if self.key_format is None
            else self.key_format.to_json(),
            "modelled": [encode_value(c) for c in self.modelled],
            "links": [link.to_json(schema) for link in self.links],
            "count_columns": list(self.count_columns),
            "patterns": [[code, share] for code, share in self.patterns.items()],
            "movable_key": _encode_optional(self.movable_key),
            "key_step": _encode_step(self.key_step),
            "key_bounds": _encode_columns(self.key_bounds),
            "key_choices": _encode_columns(self.key_choices),
            "real_rows": self.real_rows,
            "count_shapes": [
                [column, shape.to_json()] for column, shape in self.count_shapes.items()
            ],
        }

    @classmethod
    def from_json(
        cls,
        data: Mapping[str, Any],
        schema: RelationalSchema,
        generator: SyntheticGenerator | None,
    ) -> TablePlan:
        """Rebuild a plan written by :meth:`to_json` for the same ``schema``."""
        key_format = data["key_format"]
        return cls(
            name=data["name"],
            columns=[decode_value(c) for c in data["columns"]],
            dtypes={decode_value(c): dtype_from_name(d) for c, d in data["dtypes"]},
            primary_key=_decode_columns(data["primary_key"]),
            fresh_key=_decode_optional(data["fresh_key"]),
            key_format=None if key_format is None else KeyFormat.from_json(key_format),
            modelled=[decode_value(c) for c in data["modelled"]],
            links=[Link.from_json(link, schema) for link in data["links"]],
            count_columns=[str(c) for c in data["count_columns"]],
            patterns={int(code): float(share) for code, share in data["patterns"]},
            movable_key=_decode_optional(data["movable_key"]),
            key_step=_decode_step(data["key_step"]),
            key_bounds=_decode_columns(data["key_bounds"]),
            # Absent from files saved before text key columns were given
            # unused values: their repeated keys are dropped, with a warning.
            key_choices=_decode_columns(data.get("key_choices")),
            real_rows=int(data["real_rows"]),
            generator=generator,
            # Absent from files saved before the real count shapes were kept:
            # their counts come out as the model generates them.
            count_shapes={
                str(column): CountShape.from_json(shape)
                for column, shape in data.get("count_shapes", [])
            },
        )


def _encode_optional(value: Hashable | None) -> list[Any] | None:
    return None if value is None else encode_value(value)


def _decode_optional(pair: list[Any] | None) -> Any:
    return None if pair is None else decode_value(pair)


def _encode_columns(values: Sequence[Any] | None) -> list[list[Any]] | None:
    return None if values is None else [encode_value(v) for v in values]


def _decode_columns(pairs: Sequence[list[Any]] | None) -> tuple[Any, ...] | None:
    return None if pairs is None else tuple(decode_value(p) for p in pairs)


def _encode_step(step: object) -> list[Any] | None:
    if step is None:
        return None
    if isinstance(step, pd.Timedelta):
        return ["timedelta", int(step.value)]
    return encode_value(step)


def _decode_step(pair: list[Any] | None) -> object:
    if pair is None:
        return None
    if pair[0] == "timedelta":
        return pd.Timedelta(int(pair[1]), "ns")
    return decode_value(pair)


class TablePlanner:
    """Builds each table's plan and model frame for one fitted schema.

    Args:
        schema: The schema as fitted.
        max_context_columns: Most parent columns copied next to the child
            rows, per foreign key.
    """

    def __init__(self, schema: RelationalSchema, max_context_columns: int) -> None:
        self.schema = schema
        self.max_context_columns = max_context_columns

    def plan(
        self,
        name: str,
        cleaned: Mapping[str, pd.DataFrame],
        positions: Mapping[Relationship, np.ndarray],
    ) -> TablePlan:
        frame = cleaned[name]
        key = self.schema.primary_key(name)
        parents = sorted(self.schema.parents(name), key=lambda r: -len(r.child_columns))
        foreign = {c for r in parents for c in r.child_columns}
        fresh = key[0] if key is not None and len(key) == 1 else None
        if fresh in foreign:
            fresh = None
        modelled = [c for c in frame.columns if c not in foreign and c != fresh]

        links = []
        for index, relationship in enumerate(parents):
            covered = any(
                set(relationship.child_columns) <= set(earlier.child_columns)
                for earlier in parents[:index]
            )
            links.append(self.link(relationship, covered, cleaned, positions))
        for link in links:
            link.through = self.through(link, links, positions)
        children = self.schema.children(name)
        count_columns = [count_column(r) for r in children]
        counts = [child_counts(positions[r], len(frame)) for r in children]
        patterns = pattern_shares(
            np.column_stack(counts) if children else np.zeros((len(frame), 0))
        )
        shapes = {
            column: CountShape.learn(values)
            for column, values in zip(count_columns, counts, strict=True)
        }

        movable, step, bounds, choices = None, None, None, None
        if key is not None and len(key) > 1:
            free = [c for c in key if c not in foreign]
            on_grid = [
                c
                for c in free
                if (
                    pd.api.types.is_numeric_dtype(frame[c].dtype)
                    or pd.api.types.is_datetime64_any_dtype(frame[c].dtype)
                )
                and not pd.api.types.is_bool_dtype(frame[c].dtype)
            ]
            if on_grid:
                movable = on_grid[-1]
                step = value_step(frame[movable])
                bounds = (frame[movable].min(), frame[movable].max())
            elif free:
                # Text or categories: the model writes only values it saw,
                # so a repeated key takes one of those its group lacks.
                movable = free[-1]
                choices = tuple(pd.unique(frame[movable].dropna()))
        return TablePlan(
            name=name,
            columns=list(frame.columns),
            dtypes={c: frame[c].dtype for c in frame.columns},
            primary_key=key,
            fresh_key=fresh,
            key_format=KeyFormat.learn(frame[fresh]) if fresh is not None else None,
            modelled=modelled,
            links=links,
            count_columns=count_columns,
            patterns=patterns,
            movable_key=movable,
            key_step=step,
            key_bounds=bounds,
            key_choices=choices,
            real_rows=len(frame),
            count_shapes={c: s for c, s in shapes.items() if s is not None},
        )

    def through(
        self,
        link: Link,
        links: Sequence[Link],
        positions: Mapping[Relationship, np.ndarray],
    ) -> tuple[int, int] | None:
        """The path along which every real key of ``link`` is implied, if any.

        A key is implied by another link of the same table when that link's
        parent holds a foreign key to the same table, and every real row
        names, through the other link's parent, exactly the row it names
        itself (and names none wherever the other link names none).
        """
        relationship = link.relationship
        found = positions[relationship]
        if link.covered or link.partial_shares or not (found >= 0).any():
            return None
        relationships = self.schema.relationships
        for other in links:
            first = other.relationship
            if (
                other is link
                or other.covered
                or other.partial_shares
                or other.through is not None
                or set(first.child_columns) & set(relationship.child_columns)
            ):
                continue
            via = positions[first]
            for onward in self.schema.parents(first.parent):
                if (
                    onward.parent != relationship.parent
                    or onward.parent_columns != relationship.parent_columns
                ):
                    continue
                named = np.full(found.size, -1, dtype=np.int64)
                named[via >= 0] = positions[onward][via[via >= 0]]
                agree = np.where(via >= 0, found == named, found < 0)
                if agree.all():
                    return relationships.index(first), relationships.index(onward)
        return None

    def link(
        self,
        relationship: Relationship,
        covered: bool,
        cleaned: Mapping[str, pd.DataFrame],
        positions: Mapping[Relationship, np.ndarray],
    ) -> Link:
        found = positions[relationship]
        parent = cleaned[relationship.parent]
        counts = child_counts(found, len(parent))
        link = Link(
            relationship=relationship,
            count_column=count_column(relationship),
            covered=covered,
            present_share=float((found >= 0).mean()) if len(found) else 1.0,
            parents_with_children=int((counts > 0).sum()),
        )
        if covered:
            return link
        if (found < 0).any():
            link.has_column = f"{HELPER_PREFIX}has:{label(relationship)}"
            link.partial_shares = partial_shares(
                cleaned[relationship.child], relationship, found < 0
            )
        link.context = self.context_columns(relationship, parent)
        return link

    def context_columns(
        self, relationship: Relationship, parent: pd.DataFrame
    ) -> list[ContextColumn]:
        """The parent columns a child's model sees, in the parent's column order."""
        parent_key = set(self.schema.primary_key(relationship.parent) or ())
        parent_foreign = {
            c for r in self.schema.parents(relationship.parent) for c in r.child_columns
        }
        chosen: list[ContextColumn] = []
        for column in parent.columns:
            if len(chosen) >= self.max_context_columns:
                break
            if column in parent_foreign or (
                column in parent_key and len(parent_key) == 1
            ):
                continue
            spec = context_spec(relationship, column, parent[column])
            if spec is not None:
                chosen.append(spec)
        return chosen

    @staticmethod
    def learn_weights(plan: TablePlan, frame: pd.DataFrame, seed: int | None) -> None:
        """Weigh each foreign key's context dimensions by what the child predicts."""
        rng = np.random.default_rng(seed)
        own = frame[plan.modelled]
        for link in plan.links:
            if not link.context:
                continue
            rows = np.arange(len(frame))
            if link.has_column is not None:
                rows = np.flatnonzero(frame[link.has_column].to_numpy(dtype=bool))
            if rows.size > _WEIGHT_ROWS:
                rows = np.sort(rng.choice(rows, _WEIGHT_ROWS, replace=False))
            targets = embed(
                {
                    c.model_column: frame[c.model_column].iloc[rows]
                    for c in link.context
                },
                link.context,
            )
            features = feature_matrix(own.iloc[rows], _MAX_CONTEXT_CATEGORIES)
            link.weights = context_weights(features, targets)

    def model_frame(
        self,
        plan: TablePlan,
        cleaned: Mapping[str, pd.DataFrame],
        positions: Mapping[Relationship, np.ndarray],
    ) -> pd.DataFrame:
        table = cleaned[plan.name]
        parts: dict[Hashable, Any] = {c: table[c] for c in plan.modelled}
        for link in plan.links:
            if link.covered:
                continue
            found = positions[link.relationship]
            if link.has_column is not None:
                parts[link.has_column] = pd.Series(found >= 0)
            parent = cleaned[link.relationship.parent]
            for column in link.context:
                parts[column.model_column] = (
                    parent[column.parent_column].reindex(found).reset_index(drop=True)
                )
        for relationship, name in zip(
            self.schema.children(plan.name), plan.count_columns, strict=True
        ):
            parts[name] = pd.Series(child_counts(positions[relationship], len(table)))
        if any(isinstance(c, str) and c.startswith(HELPER_PREFIX) for c in table):
            raise InvalidDataError(
                f"Table {plan.name!r} has a column whose name starts with "
                f"{HELPER_PREFIX!r}, which Genesis keeps for its own columns; rename "
                "it."
            )
        frame = pd.DataFrame(
            {
                name: pd.Series(values).reset_index(drop=True)
                for name, values in parts.items()
            }
        )
        return frame if parts else pd.DataFrame(index=pd.RangeIndex(len(table)))


def label(relationship: Relationship) -> str:
    return "+".join(str(c) for c in relationship.child_columns)


def count_column(relationship: Relationship) -> str:
    return f"{HELPER_PREFIX}children:{relationship.child}:{label(relationship)}"


def child_counts(positions: np.ndarray, n_parents: int) -> np.ndarray:
    return np.bincount(positions[positions >= 0], minlength=n_parents).astype(np.int64)


def pattern_codes(counts: np.ndarray) -> np.ndarray:
    """One integer per row: bit ``i`` set when it has children in relationship ``i``."""
    if counts.shape[1] == 0:
        return np.zeros(counts.shape[0], dtype=np.int64)
    bits = (np.nan_to_num(counts, nan=0.0) > 0).astype(np.int64)
    return bits @ (1 << np.arange(counts.shape[1], dtype=np.int64))


def partial_shares(
    child: pd.DataFrame, relationship: Relationship, unreferenced: np.ndarray
) -> dict[int, float]:
    """The share of each pattern of present key columns among ``unreferenced`` rows.

    Bit ``i`` of a pattern is set when ``child_columns[i]`` has a value.
    Empty when no such row has any key column present.
    """
    present = child[list(relationship.child_columns)].notna().to_numpy()[unreferenced]
    masks = present.astype(np.int64) @ (1 << np.arange(present.shape[1]))
    if not masks.any():
        return {}
    values, frequency = np.unique(masks, return_counts=True)
    return {
        int(v): float(f) / masks.size for v, f in zip(values, frequency, strict=True)
    }


def pattern_shares(counts: np.ndarray) -> dict[int, float]:
    codes = pattern_codes(counts)
    values, frequency = np.unique(codes, return_counts=True)
    return {
        int(v): float(f) / codes.size for v, f in zip(values, frequency, strict=True)
    }


def context_spec(
    relationship: Relationship, column: Hashable, values: pd.Series
) -> ContextColumn | None:
    """How ``column`` of the parent enters its children's model, or None to leave it."""
    missing = values.isna()
    if missing.mean() > _MAX_CONTEXT_MISSING:
        return None
    observed = values[~missing]
    distinct = observed.nunique()
    if distinct < 2:
        return None
    name = f"{HELPER_PREFIX}context:{label(relationship)}:{column}"
    numeric = (
        pd.api.types.is_numeric_dtype(values.dtype)
        or pd.api.types.is_datetime64_any_dtype(values.dtype)
    ) and not isinstance(values.dtype, pd.CategoricalDtype)
    if numeric:
        numbers = numeric_values(observed)
        scale = float(numbers.std())
        return ContextColumn(
            parent_column=column,
            model_column=name,
            kind=NUMERIC,
            centre=float(numbers.mean()),
            scale=scale if scale > 0 else 1.0,
            has_missing=bool(missing.any()),
        )
    if distinct > _MAX_CONTEXT_CATEGORIES:
        return None
    return ContextColumn(
        parent_column=column,
        model_column=name,
        kind=DISCRETE,
        categories=tuple(observed.unique().tolist()),
        has_missing=bool(missing.any()),
    )


def model_metadata(
    frame: pd.DataFrame,
    plan: TablePlan,
    discrete_columns: Sequence[Hashable],
    metadata: TableMetadata | None,
) -> TableMetadata:
    """Column types of a model frame: the user's for theirs, counts as integers."""
    discrete = [c for c in discrete_columns if c in frame.columns]
    inferred = TableMetadata.infer(frame, discrete)
    columns = []
    for column in inferred:
        if metadata is not None and column.name in plan.modelled:
            columns.append(metadata[column.name])
        else:
            columns.append(column)
    result = TableMetadata(columns)
    for column in list(result):
        helper = isinstance(column.name, str) and column.name.startswith(HELPER_PREFIX)
        if not helper:
            continue
        if column.name in plan.count_columns:
            result.update_column(column.name, ColumnType.INTEGER)
        elif column.column_type == ColumnType.IDENTIFIER:
            numeric = pd.api.types.is_numeric_dtype(frame[column.name].dtype)
            result.update_column(
                column.name,
                ColumnType.CONTINUOUS if numeric else ColumnType.CATEGORICAL,
            )
    return result
