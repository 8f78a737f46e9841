"""The framework-free half of every backend's CTGAN and TVAE.

A backend's CTGAN or TVAE class derives from :class:`TableModel` (TVAE) or
:class:`ConditionalTableModel` (CTGAN) and writes only what needs its
framework: building and training the networks, drawing a batch of encoded
rows, and moving weights in and out under backend-neutral names. Config
checks, the fitted table transformer and column summary, conditions, the
generate loop and the model-file state are here, once, so the backends
behave alike and a model saved on one loads on the other.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar, NamedTuple, Self

import numpy as np

from genesis._config import ConfigSpec, resolve_config
from genesis.data import (
    ColumnSpan,
    ConditionalSampler,
    EncodedTable,
    PreparedTable,
    SpanKind,
    TableTransformer,
)
from genesis.errors import InvalidDataError, NotFittedError, TrainingDivergedError
from genesis.training import (
    BatchThreads,
    Condition,
    ConditionVectors,
    FrequencySampler,
    check_pac,
    check_state_version,
    collect_rows,
    column_summary,
    pack_table_state,
    parse,
    pin_pooled_codes,
    unpack_table_state,
    warn_dominant_span,
)

__all__ = [
    "GENERATE_BATCH",
    "ConditionalTableModel",
    "DrawnRows",
    "MatrixSource",
    "TableModel",
    "check_finite_output",
    "rebuild_from_state",
]

# Rows drawn from the networks per call while generating. Measured on Adult
# (one thread, both backends): 4,096 rows keep each batch's buffers in cache
# and sample as fast as 16,384 or faster (torch CTGAN 149k against 99k rows/s,
# jax TVAE 185k against 130k), with a fifth of the memory (CTGAN: 25 MB above
# the fitted model instead of 128 MB).
GENERATE_BATCH = 4_096


def check_finite_output(
    matrix: np.ndarray,
    spans: Sequence[ColumnSpan],
    title: str,
    label: Callable[[str], str] = repr,
) -> None:
    """Raise when a batch of network output holds NaN or infinity.

    Such values come from weights that have diverged (or a model file that
    holds them); decoding them would give rows that look valid but are not,
    or fail deep inside pandas, so generation stops with the columns named.
    The one-hot logits are checked too, although drawn slots do not read
    them: a slot drawn from NaN logits is as meaningless as the logits.

    Raises:
        TrainingDivergedError: Names the affected columns.
    """
    finite = np.isfinite(matrix)
    if finite.all():
        return
    bad = ~finite.all(axis=0)
    hit = [span.column for span in spans if bad[span.start : span.stop].any()]
    columns = list(dict.fromkeys(hit))
    raise TrainingDivergedError(
        f"The {title} model's output holds NaN or infinite values for "
        f"{len(columns)} column(s) ({', '.join(map(label, columns))}): its weights "
        "have diverged, so it cannot generate rows. Fit it again, with lower "
        "learning rates if the method has them."
    )


class DrawnRows(NamedTuple):
    """A batch of encoded rows whose one-hot spans are already drawn.

    Attributes:
        matrix: ``(n, width)``; its scalar columns are read, its one-hot
            columns are not.
        slots: ``(n, n_one_hot)`` integers, the slot drawn in each one-hot
            span, spans in matrix order (see
            :meth:`~genesis.data.TableTransformer.inverse_transform`).
    """

    matrix: np.ndarray
    slots: np.ndarray


# Draws ``count`` encoded rows: a numpy matrix as the networks give it (each
# one-hot span decodes to its arg-max), or rows with their slots drawn.
MatrixSource = Callable[[int], np.ndarray | DrawnRows]


class TableModel:
    """Fitted state, generation and model-file state shared by the backends.

    Subclasses set the class attributes and implement :meth:`fit`,
    :meth:`_resolve_device`, :meth:`_matrix_source`, :meth:`_network_arrays`
    and :meth:`_restore_model`.

    Args:
        config: Config keys of ``config_spec``; missing keys take their
            defaults.
        seed: Makes fit and generate reproducible on one device.
        device: The backend's device name, or None to let it choose.

    Raises:
        InvalidConfigError: A key is unknown or out of range.

    Attributes:
        loss_history_: One dict of mean losses per finished epoch.
        interrupted_: True when Ctrl-C stopped the fit early.
        batch_size_: The batch size used (set by fit).
        transformer_: The fitted :class:`~genesis.data.TableTransformer`.
    """

    method: ClassVar[str]
    backend: ClassVar[str]
    config_spec: ClassVar[ConfigSpec]
    supports_conditions: ClassVar[bool] = True
    # Version of what get_state writes; a saved state of another is refused.
    state_version: ClassVar[int] = 1
    # The method as error messages name it.
    title: ClassVar[str]

    def __init__(
        self,
        config: Mapping[str, Any] | None = None,
        *,
        seed: int | None = None,
        device: str | None = None,
    ) -> None:
        self.config = resolve_config(self.method, self.config_spec, config)
        self._check_config()
        self.seed = seed
        # As asked (None: let the backend choose), which a pickle carries: a
        # model whose "auto" found a GPU here still loads on a CPU-only
        # worker, where the GPU it resolved to does not exist.
        self._asked_device = device
        self.device = self._resolve_device(device)
        self.loss_history_: list[dict[str, float]] = []
        self.interrupted_ = False
        self._model: Any = None

    # -- what a backend writes ------------------------------------------------------

    def fit(self, prepared: PreparedTable, *, progress: Any = None) -> None:
        raise NotImplementedError

    def _resolve_device(self, device: str | None) -> Any:
        raise NotImplementedError

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickle through the saved state, as a model file holds it.

        A backend's device and compiled functions need not pickle (a JAX
        device does not); the weights under backend-neutral names and the
        JSON state always do, and :meth:`from_state` rebuilds the rest.
        """
        saved = self.get_state() if self._model is not None else None
        return (
            rebuild_from_state,
            (type(self), self.config, self.seed, self._asked_device, saved),
        )

    def _matrix_source(
        self, model: Any, conditions: list[Condition], rng: np.random.Generator
    ) -> MatrixSource:
        """A function drawing encoded rows from ``model``, ready for decoding.

        :meth:`generate` asks for one per batch, with the batch's own
        ``rng``, and may call it on another thread.
        """
        raise NotImplementedError

    def _network_arrays(self, model: Any) -> dict[str, np.ndarray]:
        """The networks' weights under backend-neutral names."""
        raise NotImplementedError

    def _restore_model(self, arrays: Mapping[str, np.ndarray]) -> Any:
        """The networks rebuilt from :meth:`_network_arrays`' output."""
        raise NotImplementedError

    def _batch_threads(self) -> contextlib.AbstractContextManager[BatchThreads | None]:
        """Threads to make generation batches on side by side, or None.

        None (the default) makes them one after another. A backend whose
        framework can run several batches at once on its device, each on
        fewer threads, returns :class:`~genesis.training.BatchThreads`.
        """
        return contextlib.nullcontext(None)

    # -- shared -----------------------------------------------------------------

    def _check_config(self) -> None:
        """Cross-key checks beyond each key's own (none by default)."""

    def _fit_transformer(
        self, prepared: PreparedTable, rng: np.random.Generator
    ) -> EncodedTable:
        """Fit the table transformer and the column summary; encode the table.

        Raises:
            InvalidDataError: No column is left to model, so the encoded
                matrix is empty.
        """
        # A refit starts afresh: one that fails must not leave the losses of
        # the model it was replacing.
        self.loss_history_, self.interrupted_ = [], False
        transformer = TableTransformer(anchor_threshold=self.config["anchor_threshold"])
        encoded = transformer.fit_transform(prepared, rng)
        if not encoded.spans:
            raise InvalidDataError(
                f"{self.title} has nothing to learn from this table of "
                f"{prepared.n_rows} row(s): every column holds a single value, is "
                "missing in every row or identifies rows, so none is left for the "
                "networks. Use method='gaussian_copula', which repeats such "
                "columns as they are, or fit on rows whose values vary."
            )
        self.transformer_ = transformer
        self.columns_ = column_summary(prepared)
        warn_dominant_span(encoded.spans, transformer.column_label)
        return encoded

    def _fitted_model(self) -> Any:
        if self._model is None:
            raise NotFittedError(
                f"This {self.title} generator is not fitted yet; call fit before "
                "generate or get_state."
            )
        return self._model

    def generate(
        self,
        n: int,
        *,
        rng: np.random.Generator,
        conditions: Mapping[str, Any] | None = None,
    ) -> dict[str, np.ndarray]:
        """``n`` rows as one array per prepared column key.

        Every condition is checked on the decoded rows, so the rows returned
        all meet it; a model that steers towards a condition (CTGAN, through
        its conditional vector) wastes fewer rows.

        Raises:
            NotFittedError: Called before fit.
            InvalidDataError: A condition names an unknown column or value.
            ConditionNotMetError: The conditions are too rare for this model.
            TrainingDivergedError: The networks' output holds NaN or infinity.
        """
        model = self._fitted_model()
        parsed = parse(conditions, self.columns_)
        # One draw from the caller's stream; each batch then has its own seed,
        # so batches made side by side give the rows they would in turn.
        entropy = int(rng.integers(0, 2**63 - 1))

        def produce(count: int, index: int) -> dict[str, np.ndarray]:
            seed = np.random.SeedSequence(entropy, spawn_key=(index,))
            batch_rng = np.random.default_rng(seed)
            drawn = self._matrix_source(model, parsed, batch_rng)(count)
            matrix = drawn.matrix if isinstance(drawn, DrawnRows) else drawn
            check_finite_output(
                matrix,
                self.transformer_.spans,
                self.title,
                self.transformer_.column_label,
            )
            if isinstance(drawn, DrawnRows):
                rows = self.transformer_.inverse_transform(
                    drawn.matrix, batch_rng, slots=drawn.slots
                )
            else:
                rows = self.transformer_.inverse_transform(drawn, batch_rng)
            return pin_pooled_codes(rows, parsed, self.transformer_.code_to_slot)

        with self._batch_threads() as threads:
            return collect_rows(produce, n, parsed, GENERATE_BATCH, threads)

    def get_state(self) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        """Weights under backend-neutral names, transformer state, and JSON."""
        arrays = self._network_arrays(self._fitted_model())
        table_arrays, state = pack_table_state(self, self.state_version)
        arrays.update(table_arrays)
        self._write_state(arrays, state)
        return arrays, state

    def _write_state(
        self, arrays: dict[str, np.ndarray], state: dict[str, Any]
    ) -> None:
        """Add what a subclass keeps beyond the table state (nothing here)."""

    def _read_state(
        self, arrays: Mapping[str, np.ndarray], state: Mapping[str, Any]
    ) -> None:
        """Read back what :meth:`_write_state` added (nothing here)."""

    @classmethod
    def from_state(
        cls,
        config: Mapping[str, Any],
        arrays: Mapping[str, np.ndarray],
        state: Mapping[str, Any],
        *,
        device: str | None = None,
    ) -> Self:
        """Rebuild a fitted generator saved by :meth:`get_state` on any backend."""
        check_state_version(state, cls.state_version, cls.method)
        generator = cls(config, seed=state.get("seed"), device=device)
        unpack_table_state(generator, arrays, state)
        generator._read_state(arrays, state)
        generator._model = generator._restore_model(arrays)
        return generator


def rebuild_from_state(
    cls: type[Any],
    config: Mapping[str, Any],
    seed: int | None,
    device: str | None,
    saved: tuple[Mapping[str, np.ndarray], Mapping[str, Any]] | None,
) -> Any:
    """Unpickle a generator pickled through its state.

    ``saved`` is what ``get_state`` returned, or None for a generator not
    fitted. Any class with ``from_state`` and the ``(config, *, seed,
    device)`` constructor can pickle this way.
    """
    if saved is None:
        return cls(config, seed=seed, device=device)
    arrays, state = saved
    return cls.from_state(config, arrays, state, device=device)


class ConditionalTableModel(TableModel):
    """:class:`TableModel` with CTGAN's conditional vector.

    Attributes:
        conditions_: The :class:`~genesis.training.ConditionVectors` of the
            fitted table.
    """

    def _check_config(self) -> None:
        check_pac(self.config)

    def _encode(
        self, prepared: PreparedTable, rng: np.random.Generator
    ) -> tuple[
        EncodedTable, ConditionalSampler | FrequencySampler, list[tuple[int, int]]
    ]:
        """Encode the table; return it, its training sampler and span starts.

        The span starts pair each category span's place in the conditional
        vector with its place in the encoded matrix.
        """
        encoded = self._fit_transformer(prepared, rng)
        self.conditions_ = ConditionVectors.from_matrix(encoded.matrix, encoded.spans)
        sampler: ConditionalSampler | FrequencySampler
        if self.config["log_frequency"]:
            sampler = ConditionalSampler(encoded)
        else:
            sampler = FrequencySampler(encoded.matrix, encoded.spans)
        matrix_starts = {
            s.column: s.start
            for s in encoded.spans
            if s.kind == SpanKind.CATEGORY_ONE_HOT
        }
        cond_starts = [(s.start, matrix_starts[s.column]) for s in sampler.cond_spans]
        return encoded, sampler, cond_starts

    def _condition_slots(
        self, conditions: list[Condition], rng: np.random.Generator
    ) -> Callable[[int], np.ndarray | None]:
        """A function giving each generated row's conditional-vector slot.

        Without a discrete condition the slots follow the training
        frequencies; with some, every row gets the rarest condition's slot,
        which steers the generator towards rows that meet it. None when the
        table has no discrete column.
        """
        vectors = self.conditions_
        if not vectors.width:
            return lambda count: None
        discrete = [c for c in conditions if c.is_discrete]
        if not discrete:
            return lambda count: vectors.original(count, rng)
        steer = min(discrete, key=lambda c: self.columns_.frequency(c.key, c.code))
        slot = self.transformer_.code_to_slot(steer.key, steer.code)
        return lambda count: vectors.fixed(steer.key, slot, count)

    def _write_state(
        self, arrays: dict[str, np.ndarray], state: dict[str, Any]
    ) -> None:
        arrays["conditions.shares"] = self.conditions_.shares.copy()
        state["conditions"] = self.conditions_.to_json()

    def _read_state(
        self, arrays: Mapping[str, np.ndarray], state: Mapping[str, Any]
    ) -> None:
        self.conditions_ = ConditionVectors.from_state(
            state["conditions"], arrays["conditions.shares"]
        )
