"""``SyntheticGenerator``: the one object users fit and generate with."""

from __future__ import annotations

import logging
import os
import warnings
from collections.abc import Hashable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from genesis import _io, _streaming
from genesis._auto import choose_method
from genesis._callers import caller_stacklevel
from genesis._config import check_seed, resolve_config
from genesis._registry import (
    BACKEND_METHODS,
    CORE_BACKEND,
    get_registry,
    resolve_backend,
)
from genesis._values import UnstorableValueError, encode_value
from genesis.constraints import (
    Constraint,
    check_constraints,
    constraints_from_state,
    constraints_to_state,
    fit_constraints,
    inverse_transform_frame,
    rows_meeting_constraints,
    transform_frame,
)
from genesis.data import (
    TablePreparer,
    check_generate_count,
    check_training_frame,
)
from genesis.data._conditions import (
    ValueRange,
    check_column_condition,
    refuse_unreachable_range,
    rows_meeting,
    shown_condition,
)
from genesis.data._prepare import renumber_identifiers
from genesis.errors import (
    BackendNotAvailableError,
    ConditionNotMetError,
    InvalidConfigError,
    InvalidDataError,
    ModelFileError,
    NotFittedError,
)
from genesis.metadata import ColumnType, TableMetadata
from genesis.protocols import GeneratorImpl, ProgressCallback, ProgressEvent

if TYPE_CHECKING:
    import dask.dataframe
    import distributed
    import pyarrow

__all__ = ["SyntheticGenerator"]

logger = logging.getLogger(__name__)

AUTO = "auto"
# After a fit on at most _PROBED_TABLE_ROWS rows, _PROBE_ROWS rows are drawn
# from a fixed seed; when more than _COPIED_SHARE of them repeat a real row
# that occurs once (and chance does not explain it), the fit is warned of.
# Measured on real tables with the copula: 100% on 1 row of adult, 98% on 2,
# 10% on 5, 0% from 10 rows up (penguins, loans, diamonds, adult to 1,000).
_PROBED_TABLE_ROWS = 10_000
_PROBE_ROWS = 500
_COPIED_SHARE = 0.25
_REJECTION_ROUNDS = 20
_MIN_ACCEPT_RATE = 1e-3


class SyntheticGenerator:
    """Learns a table and generates synthetic rows with the same patterns.

    Args:
        method: ``"gaussian_copula"``, ``"ctgan"``, ``"tvae"``, ``"auto"`` or
            any method a plugin registers.
        config: The method's config; unknown keys are refused with the list
            of valid ones.
        backend: ``"torch"``, ``"jax"`` or None (``GENESIS_BACKEND``, then the
            first installed).
        seed: Makes fit and generate reproducible on one backend and device.
        device: ``"cpu"``, ``"cuda"`` or ``"auto"`` for neural methods.
        constraints: Rules every generated row keeps, from
            :mod:`genesis.constraints` (``Inequality``, ``Range``,
            ``FixedCombinations``). They are checked against the training
            data at fit and saved with the model.

    Fitted attributes end in ``_``: ``metadata_``, ``method_``,
    ``backend_``, ``method_reasons_``, ``loss_history_``.

    Raises:
        UnknownMethodError: ``method`` is a name Genesis does not know (the
            message names the closest one).
        BackendNotAvailableError: ``method`` is known but its backend is not
            installed; the message gives the ``pip install`` line.
    """

    def __init__(
        self,
        method: str = AUTO,
        config: Mapping[str, Any] | None = None,
        backend: str | None = None,
        seed: int | None = None,
        device: str | None = None,
        constraints: Sequence[Constraint] | None = None,
    ) -> None:
        if not isinstance(method, str):
            raise InvalidConfigError(f"method must be a string, got {method!r}.")
        if config is not None and not isinstance(config, Mapping):
            raise InvalidConfigError(
                f"config must be a dict of config keys, got {type(config).__name__}."
            )
        seed = check_seed(seed)
        self.method = method
        self.config = dict(config or {})
        self.backend = backend
        self.seed = seed
        self.device = device
        self.constraints = check_constraints(constraints)
        self._impl: GeneratorImpl | None = None
        # Fitted copies of the constraints, in their declared order.
        self._constraints: list[Constraint] = []
        self._preparer: TablePreparer | None = None
        self._rng: np.random.Generator | None = None
        # Sequential identifiers given out so far; see _take_identifiers.
        self._identifiers_taken = 0
        if method != AUTO:
            implementation = self._implementation(method)
            resolve_config(method, implementation.config_spec, self.config)

    def __repr__(self) -> str:
        state = (
            f"fitted {self.method_!r} on {self.backend_!r}"
            if self._impl
            else "unfitted"
        )
        return (
            f"SyntheticGenerator(method={self.method!r}, seed={self.seed!r}, {state})"
        )

    # -- fit -----------------------------------------------------------------

    def fit(
        self,
        data: pd.DataFrame,
        discrete_columns: Sequence[Hashable] = (),
        *,
        metadata: TableMetadata | None = None,
        progress: bool | ProgressCallback = True,
    ) -> Self:
        """Learn ``data``.

        Args:
            data: The real table.
            discrete_columns: Columns to model as categories whatever their dtype.
            metadata: Column types to use instead of the inferred ones.
            progress: True for a progress bar (shown in terminals), False for
                none, or a callable receiving :class:`ProgressEvent`.

        Raises:
            InvalidDataError: The data cannot be fitted, or breaks one of the
                constraints (the message names it, the columns, how many rows
                and one of them); nothing was trained.
            InvalidConfigError: The config does not fit the method.
        """
        discrete = check_training_frame(data, discrete_columns)
        metadata = (
            metadata if metadata is not None else TableMetadata.infer(data, discrete)
        )
        _check_metadata(metadata, data)
        constraints = fit_constraints(self.constraints, data, metadata)

        method, reasons = self.method, [f"method {self.method!r} was asked for"]
        if method == AUTO:
            method, reasons = choose_method(data, metadata, _gpu_available())
        implementation = self._implementation(method)
        config = resolve_config(method, implementation.config_spec, self.config)

        rng = np.random.default_rng(self.seed)
        preparer = TablePreparer(metadata)
        prepared = preparer.fit_transform(transform_frame(constraints, data), rng)
        impl = implementation(config, seed=self.seed, device=self.device)
        with _progress_reporter(progress, f"Fitting {method}") as report:
            impl.fit(prepared, progress=report)

        self._impl, self._preparer, self._rng = impl, preparer, rng
        self._constraints = constraints
        self._identifiers_taken = 0
        self.metadata_ = metadata
        self.method_ = method
        self.backend_ = implementation.backend
        self.method_reasons_ = reasons
        self.config_ = config
        if len(data) <= _PROBED_TABLE_ROWS:
            self._warn_of_copied_rows(data)
        return self

    def _warn_of_copied_rows(self, data: pd.DataFrame) -> None:
        """Warn when generated rows mostly repeat real rows that occur once.

        A table of one or two rows is too little to learn from: every
        generated row is a real one (measured 100% and 98% on adult), and
        handing it out as synthetic shares the real records. A row that
        occurs once in the real table identifies someone; one repeated many
        times (a small table of few categories) does not, and is not
        counted. Nor is what chance gives: on a small grid of values (whole
        numbers 0 to 49 beside a flag) half the rows of any generator land
        on a real row, and the probe's own columns shuffled apart land as
        often, so a share is warned of only when it is twice that. A table
        of one row has nothing to shuffle, and is warned of. Identifier
        columns are generated afresh and left out of the comparison. The
        probe draws from its own seed, so the generator's stream and
        identifier numbering are untouched.
        """
        assert self.metadata_ is not None
        learned = [
            column.name
            for column in self.metadata_
            if column.column_type != ColumnType.IDENTIFIER
        ]
        if not learned or data.empty:
            return
        probe = self._generate_rows(_PROBE_ROWS, None, seed=0)[learned]
        rng = np.random.default_rng(0)
        shuffled = pd.concat(
            [
                probe.iloc[rng.permutation(len(probe)), [place]].reset_index(drop=True)
                for place in range(probe.shape[1])
            ],
            axis=1,
        )
        try:
            real = pd.util.hash_pandas_object(data[learned], index=False)
            counts = real.value_counts()
            once = counts.index[counts == 1]
            share, chance = (
                float(pd.util.hash_pandas_object(rows, index=False).isin(once).mean())
                for rows in (probe, shuffled)
            )
        except (TypeError, ValueError):
            # Values pandas cannot hash (lists, tuples) are compared nowhere.
            return
        if share > _COPIED_SHARE and (share > 2 * chance or len(data) == 1):
            real_rows = "1 real row" if len(data) == 1 else f"{len(data):,} real rows"
            warnings.warn(
                f"{share:.0%} of the rows generated after this fit repeat a real "
                f"row exactly (one that occurs once in the {real_rows}), far "
                "more than the columns' own values would by chance: the model "
                "gives back individual records, which shares them. That happens "
                "when a table is too small to learn from, or when its columns "
                "together single rows out (a row number, a unique combination "
                "of codes). Fit on more rows, or drop or coarsen such columns, "
                "before sharing what it generates.",
                stacklevel=caller_stacklevel(),
            )

    def _implementation(self, method: str) -> type[GeneratorImpl]:
        backend = resolve_backend(method, self.backend, choices=(AUTO,))
        if self.backend and backend == CORE_BACKEND and self.backend != CORE_BACKEND:
            logger.info(
                "Method %r runs in the core; backend=%r is not used.",
                method,
                self.backend,
            )
        return get_registry().generators.get(method, backend)

    @property
    def loss_history_(self) -> list[dict[str, float]]:
        """Losses per epoch recorded by neural methods (empty for the copula)."""
        return list(getattr(self._fitted(), "loss_history_", []))

    def _fitted(self) -> GeneratorImpl:
        if self._impl is None:
            raise NotFittedError(
                "This SyntheticGenerator is not fitted yet; call fit(data) first."
            )
        return self._impl

    # -- generate ------------------------------------------------------------

    def generate(
        self,
        n: int,
        conditions: Mapping[Hashable, Any] | None = None,
        *,
        seed: int | None = None,
    ) -> pd.DataFrame:
        """Generate ``n`` synthetic rows.

        Args:
            n: Number of rows; 0 gives an empty frame with the right dtypes.
            conditions: ``{column: value}``; every row returned meets all of
                them. A discrete column takes one of its values; a numeric or
                datetime column takes a ``(low, high)`` range (inclusive) or
                one value; any column that had missing values takes None for
                its missing rows. Times without a zone are read in the
                column's zone.
            seed: Draw from this seed instead of the generator's own stream.
                Sequential identifiers (1, 2, 3... or "T000001"...) do not
                follow the seed: each call numbers on from the last, so the
                rows of several calls never share a key.

        Raises:
            NotFittedError: fit has not been called.
            InvalidDataError: A condition names an unknown column, a value
                never seen in training, or bounds the column cannot compare.
            ConditionNotMetError: The conditions are too rare to meet.

        Every row meets the generator's constraints; a condition that no row
        meeting them can meet is refused with InvalidDataError.
        """
        try:
            frame = self._generate_rows(
                n, conditions, seed=seed, first_identifier=self._identifiers_taken
            )
        except MemoryError as exc:
            raise MemoryError(
                f"Generating {n:,} rows at once does not fit in memory ({exc}). "
                "Stream them in batches instead: generate_to(path, n) writes a "
                "file, iter_batches(n) yields frames (on the command line, "
                "genesis generate streams by itself)."
            ) from exc
        self._take_identifiers(len(frame))
        return frame

    def _take_identifiers(self, n: int) -> int:
        """The first of ``n`` sequential identifier numbers no earlier call on
        this generator gave out (counted from the column's first real value).

        Keys are written once a call's rows are chosen, from this count kept
        over the generator's life (and saved with it), so calls put together
        and rows kept from several rounds of rejection never repeat a key
        (SDV issues 63, 331).
        """
        first = self._identifiers_taken
        self._identifiers_taken += n
        return first

    def _generate_rows(
        self,
        n: int,
        conditions: Mapping[Hashable, Any] | None,
        *,
        seed: int | None,
        first_identifier: int = 0,
    ) -> pd.DataFrame:
        """:meth:`generate`, with sequential identifiers numbered from the
        column's first real value plus ``first_identifier``."""
        impl = self._fitted()
        n = check_generate_count(n)
        seed = check_seed(seed)
        rng = np.random.default_rng(seed) if seed is not None else self._rng
        checked: dict[Hashable, Any] = {}
        exact: dict[str, int] = {}
        if conditions is not None:
            checked, exact = self._check_conditions(conditions)
        if not checked and not self._constraints:
            return self._restore(
                impl.generate(n, rng=rng), n, rng, first_identifier=first_identifier
            )
        frame = self._generate_conditioned(impl, n, checked, exact, rng)
        # Rows were kept from several rounds: their keys are written once
        # the rows are chosen.
        assert self._preparer is not None
        renumber_identifiers(self._preparer.plans, frame, first_identifier)
        return frame

    def _restore(
        self,
        arrays: dict[str, np.ndarray],
        n: int,
        rng: np.random.Generator,
        fixed: Sequence[Hashable] = (),
        first_identifier: int = 0,
    ) -> pd.DataFrame:
        """Generated arrays as the user's rows; ``fixed`` names the columns
        conditions fix, which a constraint's repair keeps, and sequential
        identifiers count from ``first_identifier``."""
        assert self._preparer is not None
        frame = self._preparer.inverse_transform(arrays, n, rng, first_identifier)
        if self._constraints:
            inverse_transform_frame(self._constraints, frame, rng, fixed)
        return frame

    def _generate_conditioned(
        self,
        impl: GeneratorImpl,
        n: int,
        conditions: dict[Hashable, Any],
        exact: dict[str, int],
        rng: np.random.Generator,
    ) -> pd.DataFrame:
        # A conditional vector selects one category of one column (the
        # copula takes them all and meets each); any further
        # condition, and any row a constraint's transform could not keep
        # within it, is met by rejection below.
        if not exact or not getattr(impl, "supports_conditions", False):
            exact = {}
        elif not getattr(impl, "supports_several_conditions", False):
            first = next(iter(exact))
            exact = {first: exact[first]}
        points = self._continuous_points(conditions)
        can_pin = getattr(impl, "supports_pinned_values", False)
        pinned = {key: value for key, (_, value, on_grid) in points.items() if on_grid}
        pins = {"pinned": pinned} if can_pin and pinned else {}
        held = set(impl.pinned_keys(pinned)) if pins else set()  # type: ignore[attr-defined]
        shown = {column: shown_condition(w) for column, w in conditions.items()}
        what = f"the conditions {shown!r}" if conditions else "the constraints"
        if conditions and self._constraints:
            what += " and the constraints"
        # More training helps a network meet a rare condition; a copula
        # (no epochs) is fitted once and for all.
        trains = "epochs" in getattr(impl, "config_spec", {})
        more_epochs = ", or fit with more epochs" if trains else ""
        kept: list[pd.DataFrame] = []
        produced = accepted = 0
        batch = max(n, 64)
        for _ in range(_REJECTION_ROUNDS):
            try:
                arrays = impl.generate(batch, rng=rng, conditions=exact or None, **pins)
            except ConditionNotMetError as error:
                raise ConditionNotMetError(
                    f"The {self.method_} model almost never generates rows that "
                    f"meet {what}; condition on values that are common in the "
                    f"training data{more_epochs}."
                ) from error
            frame = self._restore(arrays, batch, rng, list(conditions))
            mask = rows_meeting(frame, conditions)
            if self._constraints:
                mask &= rows_meeting_constraints(self._constraints, frame)
            produced += batch
            accepted += int(mask.sum())
            kept.append(frame[mask])
            if accepted >= n:
                break
            rate = accepted / produced
            if produced >= 10 * max(n, 1000) and rate < _MIN_ACCEPT_RATE:
                break
            batch = int(
                min(max(batch, (n - accepted) / max(rate, 1e-3) * 1.2), 1_000_000)
            )
        if accepted < n:
            advice = (
                "Widen the ranges, condition on values that are common in the "
                "training data, or fit with more epochs."
                if trains
                else "Widen the ranges or condition on values that are common in "
                "the training data."
            )
            if unmet := [
                column for key, (column, _, _) in points.items() if key not in held
            ]:
                advice = (
                    f"{unmet[0]!r} is continuous: one value of it is almost never "
                    "generated exactly, so ask for a range around it, such as "
                    f"{unmet[0]!r}: (low, high)"
                    + (
                        ""
                        if can_pin
                        else ", or use method 'gaussian_copula', which holds one "
                        "value of a continuous column exactly"
                    )
                    + ". "
                    + advice
                )
            raise ConditionNotMetError(
                f"Only {accepted} of {produced} generated rows met {what} "
                f"({accepted / produced:.4%}); {n} were asked. {advice}"
            )
        result = pd.concat(kept, ignore_index=True).iloc[:n]
        return result.reset_index(drop=True)

    def _continuous_points(
        self, conditions: Mapping[Hashable, Any]
    ) -> dict[str, tuple[Hashable, float, bool]]:
        """Checked conditions that ask one value of a continuous column of
        fractions, as ``{prepared key: (column, value, on its grid)}``.

        A value off the grid of a column rounded to a step is never
        generated. Columns of whole numbers or times are left out (the
        filter meets one value of them), and so is a column a constraint
        models by its gap to another.
        """
        assert self._preparer is not None
        plans = {plan.meta.name: plan for plan in self._preparer.plans}
        transformed = {
            getattr(constraint, "transformed_column", None)
            for constraint in self._constraints
        }
        points: dict[str, tuple[Hashable, float, bool]] = {}
        for column, wanted in conditions.items():
            plan = plans[column]
            if (
                not isinstance(wanted, ValueRange)
                or plan.mode != "continuous"
                or plan.origin is not None
                or column in transformed
                or wanted.low != wanted.high
            ):
                continue
            value = float(wanted.low)
            on_grid = plan.step is None or bool(
                np.isclose(np.round(value / plan.step) * plan.step, value, atol=0)
            )
            points[plan.key] = (column, value, on_grid)
        return points

    def _check_conditions(
        self, conditions: object
    ) -> tuple[dict[Hashable, Any], dict[str, int]]:
        """Check ``conditions`` against the fitted columns.

        Returns:
            Each condition in the column's own terms (a range, a value seen
            in training, or None for missing rows), and the codes of the
            prepared columns a model can steer towards.

        Raises:
            InvalidDataError: Names the column and what is wrong, or the
                constraint the conditions contradict.
        """
        assert self._preparer is not None
        if isinstance(conditions, pd.Series):
            conditions = conditions.to_dict()
        if not isinstance(conditions, Mapping):
            raise InvalidDataError(
                "conditions must map column names to values, such as "
                f"{{'size': 'M', 'price': (10, 20)}}; got a "
                f"{type(conditions).__name__}. For several sets of values, call "
                "generate once per set and concatenate the results."
            )
        plans = {plan.meta.name: plan for plan in self._preparer.plans}
        # A constraint may rewrite a column before the model sees it (a
        # gap in place of a bound); its plan is then not in the user's terms.
        rewritten = {c.transformed_column for c in self._constraints}
        checked: dict[Hashable, Any] = {}
        exact: dict[str, int] = {}
        for column, wanted in conditions.items():
            if column not in plans:
                raise InvalidDataError(
                    f"conditions names {column!r}, which is not a column; columns are "
                    f"{list(plans)!r}."
                )
            checked[column], steer = check_column_condition(plans[column], wanted)
            if steer is not None:
                exact[steer[0]] = steer[1]
        for constraint in self._constraints:
            constraint._check_conditions(checked)
        # After the constraints: one that rules a range out says so by name.
        for column, condition in checked.items():
            if column not in rewritten:
                refuse_unreachable_range(plans[column], condition)
        return checked, exact

    # -- streaming (genesis._streaming) --------------------------------------

    def iter_batches(
        self,
        n_rows: int,
        batch_size: int = _streaming.DEFAULT_BATCH_ROWS,
        *,
        conditions: Mapping[Hashable, Any] | None = None,
        seed: int | None = None,
    ) -> Iterator[pd.DataFrame]:
        """Generate ``n_rows`` rows as frames of ``batch_size`` rows each.

        Memory stays flat however many rows are asked for. The rows depend on
        the seed and their position only: the same seed gives the same rows
        with any ``batch_size``, in :meth:`generate_to` and in
        :meth:`generate_dask`. They are not the rows :meth:`generate` gives.

        Args:
            n_rows: Rows in all; the last frame may be shorter.
            batch_size: Rows per frame.
            conditions: As in :meth:`generate`.
            seed: The run's seed; None draws one from the generator's stream.

        Returns:
            An iterator of frames, each indexed by its rows' positions in
            the run. Arguments are checked when it is made, not when it is
            first advanced.

        Raises:
            NotFittedError: fit has not been called.
            InvalidDataError: ``n_rows`` is not a non-negative integer, or a
                condition is refused as :meth:`generate` refuses it.
            InvalidConfigError: ``batch_size`` is not a positive integer.
        """
        self._fitted()
        n_rows = _streaming.check_n_rows(n_rows)
        batch_size = _streaming.check_batch_size(batch_size)
        if conditions is not None:
            self._check_conditions(conditions)
        entropy = self._stream_entropy(seed)
        first = self._take_identifiers(n_rows)
        return _streaming.iter_rows(
            self, 0, n_rows, batch_size, entropy, conditions, first
        )

    def generate_to(
        self,
        path: str | os.PathLike[str],
        n_rows: int,
        batch_size: int = _streaming.DEFAULT_BATCH_ROWS,
        *,
        conditions: Mapping[Hashable, Any] | None = None,
        seed: int | None = None,
        progress: bool | ProgressCallback = False,
    ) -> int:
        """Write ``n_rows`` rows to a Parquet or CSV file, one batch at a time.

        The suffix chooses the format (``.parquet``/``.pq`` or ``.csv``).
        The file appears only when complete; an interrupted run leaves no
        partial file. Rows are those of :meth:`iter_batches` with the same
        seed.

        Parquet column names are text, so Parquet output needs columns named
        by strings: a column named ``0`` would read back as ``"0"`` and no
        longer match the generator's columns. Such a generator is refused
        before any row is generated; rename the training data's columns
        (``data.columns = data.columns.astype(str)``) or write CSV, whose
        header is text by nature and reads back as ``"0"``.

        Args:
            path: The file to write.
            n_rows: Rows in all.
            batch_size: Rows generated and written at a time.
            conditions: As in :meth:`generate`.
            seed: The run's seed; None draws one from the generator's stream.
            progress: True for a progress bar, or a callable receiving
                :class:`ProgressEvent` (stage ``"generate"``, step = rows
                written).

        Returns:
            The number of rows written.

        Raises:
            InvalidConfigError: The suffix is neither Parquet nor CSV, or
                ``batch_size`` is not a positive integer.
            BackendNotAvailableError: Parquet was asked and pyarrow is missing.
            InvalidDataError: Parquet was asked and a column name is not a
                string; the error names the columns.
        """
        _streaming.file_format(Path(path))
        batches = self.iter_batches(
            n_rows, batch_size, conditions=conditions, seed=seed
        )
        total = _streaming.check_n_rows(n_rows)
        with _progress_reporter(progress, "Generating") as report:
            done = 0

            def on_batch(rows: int) -> None:
                nonlocal done
                done += rows
                if report is not None:
                    report(ProgressEvent("generate", done, total))

            empty = self.generate(0, seed=0)
            return _streaming.write_rows(batches, path, empty, on_batch)

    def generate_dask(
        self,
        n_rows: int,
        npartitions: int,
        client: distributed.Client | None = None,
        *,
        conditions: Mapping[Hashable, Any] | None = None,
        seed: int | None = None,
        device: str | None = None,
    ) -> dask.dataframe.DataFrame:
        """Generate ``n_rows`` rows as a lazy dask DataFrame.

        Each partition holds about an even share of the rows, generated on
        a worker from the seed and the rows' positions, so the result does
        not depend on the number of workers or partitions; it equals
        :meth:`iter_batches` with the same seed. Write it with
        ``.to_parquet(folder)`` or bring it home with ``.compute()``.

        Args:
            n_rows: Rows in all.
            npartitions: Partitions of the result.
            client: A ``distributed.Client``; the model is sent once to each
                of its workers. None uses dask's current scheduler.
            conditions: As in :meth:`generate`.
            seed: The run's seed; None draws one from the generator's stream.
            device: Where workers load the model (``"cpu"``, ``"cuda"``...);
                None for their default.

        Raises:
            BackendNotAvailableError: dask is not installed.
            InvalidConfigError: ``npartitions`` is not a positive integer.

        There are never more partitions than rows (one when there are none).
        """
        self._fitted()
        n_rows = _streaming.check_n_rows(n_rows)
        npartitions = _streaming.check_batch_size(npartitions, "npartitions")
        if conditions is not None:
            self._check_conditions(conditions)
        entropy = self._stream_entropy(seed)
        return _streaming.generate_dask(
            self,
            n_rows,
            npartitions,
            entropy,
            client=client,
            conditions=conditions,
            device=device,
            identifier_base=self._take_identifiers(n_rows),
        )

    def parquet_schema(self) -> pyarrow.Schema:
        """The pyarrow schema of this generator's rows, for writing Parquet
        with other tools: ``generate_dask(...).to_parquet(folder,
        schema=generator.parquet_schema(), write_index=False)``.

        An object column of numbers, Decimals or dates has no Parquet type
        dask can read from its dtype; this schema has the one
        :meth:`generate_to` writes.

        Raises:
            NotFittedError: fit has not been called.
            BackendNotAvailableError: pyarrow is not installed.
            InvalidDataError: A column is not named by a string, or holds
                values of types no one Parquet column type holds.
        """
        self._fitted()
        return _streaming.parquet_schema(self)

    def _stream_entropy(self, seed: int | None) -> int:
        seed = check_seed(seed)
        if seed is not None:
            return seed
        assert self._rng is not None
        return int(self._rng.integers(2**63))

    # -- save / load ---------------------------------------------------------

    def save(self, path: str | os.PathLike[str]) -> None:
        """Save the fitted generator to one file (safetensors + JSON, no pickle).

        Raises:
            ModelFileError: A column holds values of a type the file cannot
                store without pickle (the message names the column and the
                type); nothing is written.
        """
        arrays, document = self._get_state()
        _io.write_model_file(path, arrays, document)
        logger.info("Saved %s generator to %s", self.method_, path)

    @classmethod
    def load(
        cls,
        path: str | os.PathLike[str],
        backend: str | None = None,
        device: str | None = None,
    ) -> SyntheticGenerator:
        """Load a generator saved with :meth:`save`, optionally on another backend.

        Raises:
            ModelFileError: The file is missing, unreadable, or holds another
                kind of model (such as a related-tables one).
            BackendNotAvailableError: No installed plugin provides the
                model's method, or not on ``backend``.
        """
        arrays, document = _io.read_model_file(path)
        _io.check_model_kind(path, document, _io.SINGLE_TABLE)
        return cls._from_state(arrays, document, path, backend=backend, device=device)

    def _get_state(self) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        """The fitted generator as a model file's arrays and JSON document."""
        impl = self._fitted()
        assert self._preparer is not None and self._rng is not None
        arrays, state = impl.get_state()
        document = {
            "method": self.method_,
            "backend": self.backend_,
            "config": _jsonable(self.config_),
            "seed": self.seed,
            "method_reasons": self.method_reasons_,
            "preparer": _preparer_state(self._preparer),
            "impl": state,
            "rng": self._rng.bit_generator.state,
            "identifiers_taken": self._identifiers_taken,
            "constraints": constraints_to_state(self._constraints),
        }
        return {f"impl.{k}": v for k, v in arrays.items()}, document

    @classmethod
    def _from_state(
        cls,
        arrays: Mapping[str, np.ndarray],
        document: Mapping[str, Any],
        source: str | os.PathLike[str],
        *,
        backend: str | None = None,
        device: str | None = None,
    ) -> SyntheticGenerator:
        """Rebuild a generator from what :meth:`_get_state` gave.

        ``source`` names where the state was read, for error messages.
        """
        try:
            method = document["method"]
            implementation = get_registry().generators.get(
                method, _load_backend(method, document["backend"], backend)
            )
            config = resolve_config(
                method, implementation.config_spec, document["config"]
            )
            impl_arrays = {
                k.removeprefix("impl."): v
                for k, v in arrays.items()
                if k.startswith("impl.")
            }
            impl = implementation.from_state(
                config, impl_arrays, document["impl"], device=device
            )
            preparer = TablePreparer.from_state(document["preparer"])
            # Files written before constraints existed have none.
            constraints = constraints_from_state(document.get("constraints", []))
        except (KeyError, TypeError) as exc:
            raise ModelFileError(
                f"{str(source)!r} is missing part of a Genesis model ({exc!r}); it "
                "may have been written by another program."
            ) from exc
        except ModelFileError as exc:
            raise ModelFileError(f"{str(source)!r}: {exc}") from exc
        generator = cls(
            method=method,
            config=document["config"],
            backend=backend,
            seed=document["seed"],
            device=device,
            constraints=constraints,
        )
        # A seeded model goes on from where it was saved, so a seeded run
        # repeats after a load. An unseeded one draws afresh: otherwise every
        # load (every `genesis generate` run) gave the same rows.
        rng = np.random.default_rng()
        if document["seed"] is not None:
            rng.bit_generator.state = document["rng"]
        generator._impl, generator._preparer, generator._rng = impl, preparer, rng
        generator._constraints = constraints
        # Files written before identifiers numbered on across calls lack it.
        generator._identifiers_taken = int(document.get("identifiers_taken", 0))
        generator.metadata_ = preparer.metadata
        generator.method_ = method
        generator.backend_ = implementation.backend
        generator.method_reasons_ = document["method_reasons"]
        generator.config_ = config
        return generator


def _preparer_state(preparer: TablePreparer) -> dict[str, Any]:
    """The preparer's state for a model file.

    Raises:
        ModelFileError: A column's label or one of its values has a type the
            file cannot store; the message names the column and the type.
    """
    try:
        return preparer.get_state()
    except UnstorableValueError as exc:
        refused = exc
    # Find the column to name: label first, then its metadata and plan.
    for plan in preparer.plans:
        name = plan.meta.name
        try:
            encode_value(name)
        except UnstorableValueError as exc:
            raise ModelFileError(
                f"Column label {name!r} is of type {exc.type_name}, which a model "
                "file cannot store without pickle; give the column a str or int "
                "label and fit again. Nothing was saved."
            ) from exc
        try:
            plan.meta.to_dict()
            plan.to_dict()
        except UnstorableValueError as exc:
            raise ModelFileError(
                f"Column {name!r} holds {exc.shown}, of type {exc.type_name}"
                f"{exc.detail}, which a model file cannot store without pickle. "
                "Convert the column to values Genesis stores (str, numbers, "
                "dates and times, pandas Timestamp, Timedelta, Period or "
                "Interval, Decimal, bytes), for example with .astype(str), and "
                "fit again. Nothing was saved."
            ) from exc
    raise refused


def _load_backend(method: str, saved: str, requested: str | None) -> str:
    """The backend a saved model loads on.

    Saved weights are backend-neutral, so ``requested`` (the ``backend=``
    argument of :meth:`SyntheticGenerator.load`) may differ from the backend
    that saved the model. Without it the saving backend is used, or, when
    that one is not installed, the one :func:`resolve_backend` chooses.

    Raises:
        BackendNotAvailableError: No installed plugin provides the method:
            the file was written where the plugin that provides it (ours or
            a third party's) was installed, so the name is no typo.
    """
    registered = get_registry().generators
    if not registered.backends_for(method) and method not in BACKEND_METHODS:
        raise BackendNotAvailableError(
            f"The model was fitted with method {method!r}, which no installed "
            f"plugin provides; installed methods are {registered.methods()!r}. "
            "Install the plugin that provided it where the model was saved."
        )
    if saved == CORE_BACKEND or requested:
        return resolve_backend(method, saved if saved == CORE_BACKEND else requested)
    if saved in registered.backends_for(method):
        return resolve_backend(method, saved)
    chosen = resolve_backend(method, None)
    logger.info(
        "The model was saved on backend %r, which is not installed; loading it on "
        "backend %r.",
        saved,
        chosen,
    )
    return chosen


def _check_metadata(metadata: TableMetadata, data: pd.DataFrame) -> None:
    if list(metadata.columns) != list(data.columns):
        raise InvalidDataError(
            f"The metadata describes columns {metadata.columns!r} but the data has "
            f"{list(data.columns)!r}; pass metadata made from this data."
        )


def _jsonable(config: Mapping[str, Any]) -> dict[str, Any]:
    return {k: list(v) if isinstance(v, tuple) else v for k, v in config.items()}


def _gpu_available() -> bool:
    try:
        import torch
    except ImportError:
        return False
    return bool(torch.cuda.is_available())


class _progress_reporter:
    """Turns ``progress=`` into a callback (a tqdm bar for True)."""

    def __init__(self, progress: bool | ProgressCallback, label: str) -> None:
        self._progress = progress
        self._label = label
        self._bar: tqdm | None = None

    def __enter__(self) -> ProgressCallback | None:
        if callable(self._progress):
            return self._progress
        if not self._progress:
            return None
        return self._update_bar

    def _update_bar(self, event: ProgressEvent) -> None:
        if self._bar is None:
            self._bar = tqdm(total=event.total or None, desc=self._label, disable=None)
        self._bar.n = event.step
        if event.losses:
            self._bar.set_postfix({k: f"{v:.3f}" for k, v in event.losses.items()})
        self._bar.refresh()

    def __exit__(self, *exc_info: object) -> None:
        if self._bar is not None:
            self._bar.close()
