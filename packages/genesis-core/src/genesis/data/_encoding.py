"""Layer 2 of the data plane: prepared columns to an encoded matrix and back.

The :class:`TableTransformer` turns a :class:`PreparedTable` into the float32
*encoded matrix* that CTGAN and TVAE train on, described by
:class:`ColumnSpan` records:

- a continuous column becomes a scalar span (its value within one mode of a
  Gaussian mixture, ``(x - mean) / (4 * std)`` clipped to ``[-0.99, 0.99]``)
  followed by a mode span (the one-hot of that mode);
- a continuous column that one discrete column nearly determines (a loan's
  interest rate and its sub-grade, years of schooling and the degree) is
  encoded relative to that column, its *anchor*: what the mixture models is
  the value's standardised distance from its category's mean, and decoding
  adds the generated category's mean back. A network that gets the category
  right then gets the value's level right by construction; without this,
  CTGAN and TVAE learn such links poorly (on loans the synthetic sub-grade
  explained under 2% of the interest rate's variance instead of 99.8%);
- a discrete column becomes a category span (the one-hot of its code; a
  column with very many codes pools the rare ones into one last slot).

The :class:`ConditionalSampler` draws the conditional vectors and matching
real rows for training-by-sampling. Backends see only the matrix, the spans
and the sampler. See docs/architecture.md.
"""

from __future__ import annotations

import enum
import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Self

import numpy as np

from genesis.data._anchors import (
    ANCHOR_THRESHOLD,
    Anchor,
    check_threshold,
    find_anchors,
)
from genesis.data._mixture import fit_mixtures, mode_probabilities, sample_modes
from genesis.data._prepare import CONTINUOUS, DISCRETE, PreparedColumn, PreparedTable
from genesis.errors import (
    InvalidConfigError,
    InvalidDataError,
    ModelFileError,
    NotFittedError,
)

__all__ = [
    "ColumnSpan",
    "ConditionalSampler",
    "EncodedTable",
    "SpanKind",
    "TableTransformer",
]

logger = logging.getLogger(__name__)

# A scalar is the distance to its mode's mean in units of four standard
# deviations, so nearly all of a mode's rows fall inside the clip limit.
_SCALAR_SPREAD = 4.0
_SCALAR_LIMIT = 0.99
_STATE_FORMAT = 1
# Rows encoded at a time, which bounds the (rows, modes) probability array.
_ENCODE_CHUNK_ROWS = 1 << 18


class SpanKind(enum.StrEnum):
    """What a column span of the encoded matrix holds."""

    CONTINUOUS_SCALAR = "continuous_scalar"
    MODE_ONE_HOT = "mode_one_hot"
    CATEGORY_ONE_HOT = "category_one_hot"


@dataclass(frozen=True)
class ColumnSpan:
    """A contiguous slice ``[start, stop)`` of the encoded matrix.

    Attributes:
        column: The prepared column key it encodes.
        kind: What the slice holds.
        start: First matrix column.
        stop: One past the last matrix column.
    """

    column: str
    kind: SpanKind
    start: int
    stop: int

    @property
    def width(self) -> int:
        return self.stop - self.start


@dataclass
class EncodedTable:
    """The encoded matrix and the spans that describe its columns.

    Attributes:
        matrix: float32, shape ``(n_rows, width)``, C-contiguous.
        spans: In matrix order; they cover every matrix column once.
    """

    matrix: np.ndarray
    spans: list[ColumnSpan]

    @property
    def n_rows(self) -> int:
        return int(self.matrix.shape[0])


@dataclass(frozen=True)
class _ContinuousEncoding:
    """The kept modes of one continuous column, sorted by mean.

    With an anchor, the modes are those of the residuals
    (:meth:`Anchor.residuals`), not of the values. A column its anchor fixes
    exactly (every category holds one value, :attr:`Anchor.exact`) is
    *derived*: it is encoded as it is, and decoding gives its category's
    value whatever the matrix holds.
    """

    key: str
    means: np.ndarray
    stds: np.ndarray
    weights: np.ndarray
    anchor: Anchor | None = None

    @property
    def n_modes(self) -> int:
        return len(self.means)

    @property
    def derived(self) -> bool:
        """True when the anchor alone gives the value (see :attr:`Anchor.exact`)."""
        return self.anchor is not None and self.anchor.exact

    def encode(
        self, values: np.ndarray, rng: np.random.Generator
    ) -> tuple[np.ndarray, np.ndarray]:
        """Sample each value's mode from its posterior; return scalars and modes."""
        probabilities = mode_probabilities(values, self.means, self.stds, self.weights)
        modes = sample_modes(probabilities, rng)
        scalars = (values - self.means[modes]) / (_SCALAR_SPREAD * self.stds[modes])
        np.clip(scalars, -_SCALAR_LIMIT, _SCALAR_LIMIT, out=scalars)
        return scalars.astype(np.float32), modes

    def decode(self, scalars: np.ndarray, modes: np.ndarray) -> np.ndarray:
        return self.means[modes] + _SCALAR_SPREAD * self.stds[modes] * scalars


@dataclass(frozen=True)
class _DiscreteEncoding:
    """Code to slot mapping of one discrete column.

    Attributes:
        key: The prepared column key.
        slot_of_code: Slot of each code, shape ``(n_categories,)``.
        code_of_slot: Code of each slot; the pooled slot holds -1.
        rare_codes: Codes pooled into the last slot, ascending; empty when
            every code has its own slot.
        rare_cumulative: Cumulative training frequencies of ``rare_codes``,
            normalised to end at 1.
    """

    key: str
    slot_of_code: np.ndarray
    code_of_slot: np.ndarray
    rare_codes: np.ndarray
    rare_cumulative: np.ndarray

    @classmethod
    def fit(cls, column: PreparedColumn, max_categories: int) -> _DiscreteEncoding:
        frequencies = column.frequencies
        if frequencies is None:
            frequencies = np.bincount(column.values) / max(len(column.values), 1)
        n_categories = len(frequencies)
        if len(column.values) and int(column.values.max()) >= n_categories:
            raise InvalidDataError(
                f"Column {column.key!r} has code {int(column.values.max())} but "
                f"frequencies for {n_categories} codes; prepare the table with "
                "TablePreparer."
            )
        if n_categories <= max_categories:
            codes = np.arange(n_categories, dtype=np.int64)
            empty = np.zeros(0)
            return cls(column.key, codes, codes.copy(), empty.astype(np.int64), empty)

        n_kept = max_categories - 1
        by_frequency = np.argsort(-frequencies, kind="stable")
        kept = np.sort(by_frequency[:n_kept])
        slot_of_code = np.full(n_categories, n_kept, dtype=np.int64)
        slot_of_code[kept] = np.arange(n_kept)
        code_of_slot = np.append(kept, -1).astype(np.int64)
        rare_codes = np.flatnonzero(slot_of_code == n_kept)
        rare_share = float(frequencies[rare_codes].sum())
        cumulative = np.cumsum(frequencies[rare_codes])
        cumulative = cumulative / cumulative[-1] if cumulative[-1] > 0 else cumulative
        cumulative[-1] = 1.0
        logger.warning(
            "Column %s has %d categories; the encoded matrix keeps the %d most "
            "frequent and pools the other %d (%.1f%% of rows) into one slot, "
            "generated by their training frequencies. If the column identifies "
            "rows, declare it an identifier in the metadata; otherwise consider "
            "dropping it or raising max_categories.",
            column.label,
            n_categories,
            n_kept,
            len(rare_codes),
            100.0 * rare_share,
        )
        return cls(column.key, slot_of_code, code_of_slot, rare_codes, cumulative)

    @classmethod
    def from_arrays(
        cls,
        key: str,
        slot_of_code: np.ndarray,
        rare_codes: np.ndarray,
        rare_cumulative: np.ndarray,
    ) -> _DiscreteEncoding:
        width = int(slot_of_code.max()) + 1
        if len(rare_codes):
            kept = np.flatnonzero(slot_of_code != width - 1)
        else:
            kept = np.arange(len(slot_of_code))
        code_of_slot = np.full(width, -1, dtype=np.int64)
        code_of_slot[slot_of_code[kept]] = kept
        return cls(key, slot_of_code, code_of_slot, rare_codes, rare_cumulative)

    @property
    def n_categories(self) -> int:
        return len(self.slot_of_code)

    @property
    def width(self) -> int:
        return len(self.code_of_slot)

    @property
    def pooled_slot(self) -> int | None:
        return self.width - 1 if len(self.rare_codes) else None

    def decode(self, slots: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        codes = self.code_of_slot[slots]
        if self.pooled_slot is not None:
            pooled = np.flatnonzero(slots == self.pooled_slot)
            # Only the pooled rows get a draw, so memory stays (rows,) however
            # many rare codes there are.
            draws = np.searchsorted(
                self.rare_cumulative, rng.random(len(pooled)), side="right"
            )
            np.minimum(draws, len(self.rare_codes) - 1, out=draws)
            codes[pooled] = self.rare_codes[draws]
        return codes


_Encoding = _ContinuousEncoding | _DiscreteEncoding


class TableTransformer:
    """Mode-specific normalisation and one-hot encoding of a prepared table.

    Args:
        max_modes: Most mixture modes per continuous column.
        weight_threshold: Modes whose weight is below this are dropped.
        max_fit_rows: The mixtures are fitted on a random sample of at most
            this many rows.
        max_categories: Widest category span; a discrete column with more
            codes keeps ``max_categories - 1`` most frequent ones and pools
            the rest into one last slot.
        anchor_threshold: A continuous column is encoded relative to the
            discrete column that explains the largest share of its variance
            (adjusted for the number of categories), when that share is at
            least this; None never anchors. Missing-value indicators and
            pooled columns are never anchors.

    Raises:
        InvalidConfigError: A parameter is out of range.
    """

    def __init__(
        self,
        *,
        max_modes: int = 10,
        weight_threshold: float = 0.005,
        max_fit_rows: int = 10_000,
        max_categories: int = 200,
        anchor_threshold: float | None = ANCHOR_THRESHOLD,
    ) -> None:
        _check_int("max_modes", max_modes, 1)
        _check_int("max_fit_rows", max_fit_rows, 1)
        _check_int("max_categories", max_categories, 2)
        if not 0.0 <= weight_threshold < 1.0:
            raise InvalidConfigError(
                f"weight_threshold must be in [0, 1), got {weight_threshold!r}; "
                "the default is 0.005."
            )
        problem = check_threshold(anchor_threshold)
        if problem is not None:
            raise InvalidConfigError(
                f"anchor_threshold {problem}, got {anchor_threshold!r}; the "
                "default is 0.9."
            )
        self.anchor_threshold = anchor_threshold
        self.max_modes = max_modes
        self.weight_threshold = float(weight_threshold)
        self.max_fit_rows = max_fit_rows
        self.max_categories = max_categories
        self._encodings: list[_Encoding] | None = None
        # How messages name each prepared column key (PreparedColumn.label).
        self._labels: dict[str, str] = {}
        self._spans: list[ColumnSpan] = []
        self._starts: list[int] = []

    # -- fit / transform ---------------------------------------------------

    def fit(self, prepared: PreparedTable, rng: np.random.Generator) -> Self:
        """Fit a mixture per continuous column and a slot map per discrete one.

        Raises:
            InvalidDataError: The table has no rows, a column is neither
                continuous nor discrete, or its values do not fit its kind.
        """
        started = time.perf_counter()
        if prepared.n_rows == 0:
            raise InvalidDataError(
                "The prepared table has no rows; the transformer needs at least "
                "one row to fit."
            )
        for column in prepared.columns:
            _check_column(column, column.kind, prepared.n_rows)
        continuous = [c for c in prepared.columns if c.kind == CONTINUOUS]
        rows = np.arange(prepared.n_rows)
        if continuous and prepared.n_rows > self.max_fit_rows:
            rows = np.sort(
                rng.choice(prepared.n_rows, size=self.max_fit_rows, replace=False)
            )
        anchors = (
            {}
            if self.anchor_threshold is None
            else find_anchors(
                prepared, rows, self.anchor_threshold, self.max_categories
            )
        )
        fitted = self._fit_modes(continuous, anchors, prepared, rows, rng)

        encodings: list[_Encoding] = []
        for column in prepared.columns:
            if column.kind == CONTINUOUS:
                encodings.append(fitted[column.key])
            else:
                encodings.append(_DiscreteEncoding.fit(column, self.max_categories))
        self._set_encodings(encodings)
        self._labels = {column.key: column.label for column in prepared.columns}
        for key, anchor in anchors.items():
            logger.info(
                "Column %s is encoded relative to %s, whose categories explain "
                "%.1f%% of its variance.",
                self.column_label(key),
                self.column_label(anchor.key),
                100.0 * anchor.explained,
            )
        logger.info(
            "Fitted the table transformer on %d rows in %.2f s: %d continuous "
            "columns (%d modes), %d discrete, %d matrix columns.",
            prepared.n_rows,
            time.perf_counter() - started,
            len(continuous),
            sum(self.modes_kept.values()),
            len(encodings) - len(continuous),
            self.output_width,
        )
        return self

    def transform(
        self, prepared: PreparedTable, rng: np.random.Generator
    ) -> EncodedTable:
        """Encode a prepared table with the fitted modes and slots.

        Each continuous value's mode is drawn from its posterior mode
        probabilities, so ``rng`` decides ties between overlapping modes.

        Raises:
            NotFittedError: Before :meth:`fit`.
            InvalidDataError: The table lacks a fitted column, or a column has
                another kind or a code the transformer has not seen.
        """
        encodings = self._fitted()
        n_rows = prepared.n_rows
        width = self.output_width
        matrix = np.zeros((n_rows, width), dtype=np.float32)
        flat = matrix.reshape(-1)
        for encoding, start in zip(encodings, self._starts, strict=True):
            column = self._column_for(prepared, encoding)
            for first in range(0, n_rows, _ENCODE_CHUNK_ROWS):
                stop = min(first + _ENCODE_CHUNK_ROWS, n_rows)
                rows = np.arange(first, stop)
                values = column.values[first:stop]
                if isinstance(encoding, _ContinuousEncoding):
                    if encoding.anchor is not None:
                        codes = prepared[encoding.anchor.key].values[first:stop]
                        values = encoding.anchor.modelled(values, codes)
                    scalars, modes = encoding.encode(values, rng)
                    matrix[first:stop, start] = scalars
                    flat[rows * width + (start + 1) + modes] = 1.0
                else:
                    slots = encoding.slot_of_code[values]
                    flat[rows * width + start + slots] = 1.0
        return EncodedTable(matrix, self.spans)

    def fit_transform(
        self, prepared: PreparedTable, rng: np.random.Generator
    ) -> EncodedTable:
        """:meth:`fit`, then :meth:`transform` the same table."""
        return self.fit(prepared, rng).transform(prepared, rng)

    def inverse_transform(
        self,
        matrix: np.ndarray,
        rng: np.random.Generator,
        sigmas: np.ndarray | None = None,
        slots: np.ndarray | None = None,
    ) -> dict[str, np.ndarray]:
        """Decode a matrix as a generator network outputs it.

        Scalars are expected activated (tanh) and are clipped to ``[-1, 1]``;
        one-hot spans may hold probabilities, Gumbel-softmax samples or raw
        logits, since only their argmax is read, or the slots may come
        already chosen in ``slots``. A pooled category slot becomes one of
        its rare codes, drawn by training frequency, so only codes seen in
        training come back.

        Args:
            matrix: Shape ``(n, output_width)``, float32 or float64.
            rng: Draws the rare codes and the noise.
            sigmas: Standard deviations of Gaussian noise added to each
                continuous scalar before decoding (TVAE's learned output
                noise): either one per matrix column, of which only the
                entries at continuous-scalar spans are read, or one per
                continuous column, in span order.
            slots: ``(n, n_one_hot)`` integers, the slot chosen in each
                one-hot span (mode spans included), spans in matrix order.
                When given, the one-hot columns of ``matrix`` are not read.

        Returns:
            One array per prepared column key, in fitted order: float64
            values for continuous columns, int64 codes for discrete ones.

        Raises:
            NotFittedError: Before :meth:`fit`.
            InvalidDataError: ``matrix``, ``sigmas`` or ``slots`` has the
                wrong shape, or a slot lies outside its span.
        """
        encodings = self._fitted()
        matrix = np.asarray(matrix)
        if matrix.ndim != 2 or matrix.shape[1] != self.output_width:
            raise InvalidDataError(
                f"inverse_transform expects a matrix of shape (n, "
                f"{self.output_width}), got {matrix.shape}; pass the generator "
                "network's output for this transformer's spans."
            )
        noise = self._scalar_sigmas(sigmas)
        chosen = self._chosen_slots(slots, matrix.shape[0])

        def span_slots(number: int, start: int, stop: int) -> np.ndarray:
            if chosen is not None:
                return chosen[:, number]
            return np.argmax(matrix[:, start:stop], axis=1)

        decoded: dict[str, np.ndarray] = {}
        # Discrete columns first: an anchored continuous column needs the
        # codes generated for its anchor. Each encoding has one one-hot span.
        for number, (encoding, start) in enumerate(
            zip(encodings, self._starts, strict=True)
        ):
            if isinstance(encoding, _DiscreteEncoding):
                picked = span_slots(number, start, start + encoding.width)
                decoded[encoding.key] = encoding.decode(picked, rng)
        n_continuous = 0
        for number, (encoding, start) in enumerate(
            zip(encodings, self._starts, strict=True)
        ):
            if not isinstance(encoding, _ContinuousEncoding):
                continue
            scalars = matrix[:, start].astype(np.float64)
            if noise is not None:
                scalars += rng.normal(0.0, noise[n_continuous], len(scalars))
            n_continuous += 1
            np.clip(scalars, -1.0, 1.0, out=scalars)
            modes = span_slots(number, start + 1, start + 1 + encoding.n_modes)
            values = encoding.decode(scalars, modes)
            if encoding.anchor is not None:
                values = encoding.anchor.output(values, decoded[encoding.anchor.key])
            decoded[encoding.key] = values
        return {encoding.key: decoded[encoding.key] for encoding in encodings}

    # -- what backends read ------------------------------------------------

    @property
    def spans(self) -> list[ColumnSpan]:
        """The spans of the encoded matrix, in order."""
        self._fitted()
        return list(self._spans)

    @property
    def output_width(self) -> int:
        """Columns of the encoded matrix."""
        self._fitted()
        return self._spans[-1].stop if self._spans else 0

    @property
    def anchors(self) -> dict[str, str]:
        """``{continuous key: discrete key}`` of the columns encoded relative
        to a discrete column (see ``anchor_threshold``)."""
        return {
            e.key: e.anchor.key
            for e in self._fitted()
            if isinstance(e, _ContinuousEncoding) and e.anchor is not None
        }

    @property
    def derived(self) -> list[str]:
        """Continuous columns their anchor fixes exactly (set from it on output)."""
        return [
            e.key
            for e in self._fitted()
            if isinstance(e, _ContinuousEncoding) and e.derived
        ]

    def column_label(self, key: str) -> str:
        """How messages name prepared column ``key``: by the user's column
        (:attr:`PreparedColumn.label`), such as ``'price.missing'`` for the
        key ``'price.missing#2'``. An unknown key is shown as it is."""
        return self._labels.get(key, repr(key))

    @property
    def modes_kept(self) -> dict[str, int]:
        """Modes kept per continuous prepared column key."""
        return {
            e.key: e.n_modes
            for e in self._fitted()
            if isinstance(e, _ContinuousEncoding)
        }

    @property
    def modes_by_label(self) -> dict[str, int]:
        """:attr:`modes_kept` keyed by :meth:`column_label`, for logs."""
        return {self.column_label(key): n for key, n in self.modes_kept.items()}

    def category_span(self, key: str) -> ColumnSpan:
        """The category span of discrete column ``key``.

        Raises:
            InvalidDataError: ``key`` is not a fitted discrete column.
        """
        index = self._discrete_index(key)
        start = self._starts[index]
        width = self._fitted()[index].width
        return ColumnSpan(key, SpanKind.CATEGORY_ONE_HOT, start, start + width)

    def code_to_slot(self, key: str, code: int) -> int:
        """Position of ``code`` within the category span of column ``key``.

        A code pooled with the other rare codes gives the pooled slot, which
        decodes to any of those codes; a caller that conditions on a rare
        code sets the generated code itself.

        Raises:
            InvalidDataError: ``key`` is not a fitted discrete column, or
                ``code`` is not one of its codes.
        """
        encoding = self._fitted()[self._discrete_index(key)]
        assert isinstance(encoding, _DiscreteEncoding)
        if not 0 <= int(code) < encoding.n_categories:
            raise InvalidDataError(
                f"Code {code!r} is not a category of column {key!r}, whose codes "
                f"are 0 to {encoding.n_categories - 1}; condition on a value seen "
                "in training."
            )
        slot = int(encoding.slot_of_code[int(code)])
        if slot == encoding.pooled_slot:
            logger.debug(
                "Code %d of column %s is pooled with the rare codes in slot %d.",
                code,
                self.column_label(key),
                slot,
            )
        return slot

    # -- state -------------------------------------------------------------

    def get_state(self) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        """Arrays (mode parameters, slot maps) and a JSON-able dict.

        Raises:
            NotFittedError: Before :meth:`fit`.
        """
        arrays: dict[str, np.ndarray] = {}
        columns: list[dict[str, Any]] = []
        for index, encoding in enumerate(self._fitted()):
            prefix = f"columns.{index}"
            entry: dict[str, Any] = {}
            if isinstance(encoding, _ContinuousEncoding):
                kind = CONTINUOUS
                arrays[f"{prefix}.means"] = encoding.means
                arrays[f"{prefix}.stds"] = encoding.stds
                arrays[f"{prefix}.weights"] = encoding.weights
                if encoding.anchor is not None:
                    arrays.update(encoding.anchor.arrays(prefix))
                    entry = encoding.anchor.record()
            else:
                kind = DISCRETE
                arrays[f"{prefix}.slot_of_code"] = encoding.slot_of_code
                arrays[f"{prefix}.rare_codes"] = encoding.rare_codes
                arrays[f"{prefix}.rare_cumulative"] = encoding.rare_cumulative
            columns.append(
                {
                    "key": encoding.key,
                    "label": self.column_label(encoding.key),
                    "kind": kind,
                    "arrays": prefix,
                    **entry,
                }
            )
        arrays = {name: np.ascontiguousarray(a) for name, a in arrays.items()}
        state = {
            "format": _STATE_FORMAT,
            "config": {
                "max_modes": self.max_modes,
                "weight_threshold": self.weight_threshold,
                "max_fit_rows": self.max_fit_rows,
                "max_categories": self.max_categories,
                "anchor_threshold": self.anchor_threshold,
            },
            "columns": columns,
        }
        return arrays, state

    @classmethod
    def from_state(
        cls, arrays: Mapping[str, np.ndarray], state: Mapping[str, Any]
    ) -> Self:
        """Rebuild a fitted transformer from :meth:`get_state`'s output.

        Raises:
            ModelFileError: The state is from another format or lacks an array.
        """
        if state.get("format") != _STATE_FORMAT:
            raise ModelFileError(
                f"The table transformer state has format {state.get('format')!r}; "
                f"this version of Genesis reads format {_STATE_FORMAT}. Fit the "
                "generator again with this version."
            )
        transformer = cls(**state["config"])
        encodings: list[_Encoding] = []
        for column in state["columns"]:
            prefix = column["arrays"]
            if column["kind"] == CONTINUOUS:
                means, stds, weights = _arrays(
                    arrays, prefix, ("means", "stds", "weights"), np.float64
                )
                anchor = Anchor.from_record(column, arrays, prefix)
                encodings.append(
                    _ContinuousEncoding(column["key"], means, stds, weights, anchor)
                )
            else:
                slot_of_code, rare_codes = _arrays(
                    arrays, prefix, ("slot_of_code", "rare_codes"), np.int64
                )
                (rare_cumulative,) = _arrays(
                    arrays, prefix, ("rare_cumulative",), np.float64
                )
                encodings.append(
                    _DiscreteEncoding.from_arrays(
                        column["key"], slot_of_code, rare_codes, rare_cumulative
                    )
                )
        transformer._set_encodings(encodings)
        # States written before labels were kept name columns by their keys.
        transformer._labels = {
            column["key"]: column.get("label", repr(column["key"]))
            for column in state["columns"]
        }
        return transformer

    # -- internals ---------------------------------------------------------

    def _fit_modes(
        self,
        columns: Sequence[PreparedColumn],
        anchors: Mapping[str, Anchor],
        prepared: PreparedTable,
        rows: np.ndarray,
        rng: np.random.Generator,
    ) -> dict[str, _ContinuousEncoding]:
        if not columns:
            return {}

        def sample(column: PreparedColumn) -> np.ndarray:
            values = column.values[rows]
            anchor = anchors.get(column.key)
            if anchor is None:
                return values
            return anchor.modelled(values, prepared[anchor.key].values[rows])

        samples = np.stack([sample(column) for column in columns])
        mixtures = fit_mixtures(
            samples,
            rng,
            max_modes=self.max_modes,
            weight_threshold=self.weight_threshold,
        )
        fitted: dict[str, _ContinuousEncoding] = {}
        for index, column in enumerate(columns):
            keep = mixtures.kept[index]
            order = np.argsort(mixtures.means[index][keep], kind="stable")
            fitted[column.key] = _ContinuousEncoding(
                column.key,
                mixtures.means[index][keep][order],
                mixtures.stds[index][keep][order],
                mixtures.weights[index][keep][order],
                anchors.get(column.key),
            )
            logger.debug(
                "Column %s: %d modes after %d updates (converged: %s).",
                column.label,
                fitted[column.key].n_modes,
                mixtures.iterations[index],
                bool(mixtures.converged[index]),
            )
        return fitted

    def _set_encodings(self, encodings: list[_Encoding]) -> None:
        spans: list[ColumnSpan] = []
        starts: list[int] = []
        position = 0
        for encoding in encodings:
            starts.append(position)
            if isinstance(encoding, _ContinuousEncoding):
                key = encoding.key
                scalar = ColumnSpan(
                    key, SpanKind.CONTINUOUS_SCALAR, position, position + 1
                )
                stop = position + 1 + encoding.n_modes
                modes = ColumnSpan(key, SpanKind.MODE_ONE_HOT, position + 1, stop)
                spans.extend((scalar, modes))
            else:
                stop = position + encoding.width
                spans.append(
                    ColumnSpan(encoding.key, SpanKind.CATEGORY_ONE_HOT, position, stop)
                )
            position = stop
        self._encodings = encodings
        self._spans = spans
        self._starts = starts

    def _fitted(self) -> list[_Encoding]:
        if self._encodings is None:
            raise NotFittedError(
                "This TableTransformer is not fitted yet; call fit or "
                "fit_transform with a prepared table first."
            )
        return self._encodings

    def _discrete_index(self, key: str) -> int:
        for index, encoding in enumerate(self._fitted()):
            if encoding.key == key and isinstance(encoding, _DiscreteEncoding):
                return index
        discrete = [e.key for e in self._fitted() if isinstance(e, _DiscreteEncoding)]
        raise InvalidDataError(
            f"Column {key!r} is not a discrete column of this transformer; its "
            f"discrete columns are {discrete!r}."
        )

    def _column_for(
        self, prepared: PreparedTable, encoding: _Encoding
    ) -> PreparedColumn:
        try:
            column = prepared[encoding.key]
        except KeyError:
            raise InvalidDataError(
                f"The prepared table has no column {encoding.key!r}, which the "
                "transformer was fitted on; transform data prepared by the same "
                "TablePreparer."
            ) from None
        kind = CONTINUOUS if isinstance(encoding, _ContinuousEncoding) else DISCRETE
        _check_column(column, kind, prepared.n_rows)
        if kind == DISCRETE and len(column.values):
            assert isinstance(encoding, _DiscreteEncoding)
            highest = int(column.values.max())
            if highest >= encoding.n_categories:
                raise InvalidDataError(
                    f"Column {encoding.key!r} has code {highest}, but the "
                    f"transformer was fitted on codes 0 to "
                    f"{encoding.n_categories - 1}; transform data prepared by the "
                    "same TablePreparer."
                )
        return column

    def _chosen_slots(self, slots: np.ndarray | None, n: int) -> np.ndarray | None:
        if slots is None:
            return None
        slots = np.asarray(slots)
        one_hot = [s for s in self._spans if s.kind != SpanKind.CONTINUOUS_SCALAR]
        if slots.shape != (n, len(one_hot)) or not np.issubdtype(
            slots.dtype, np.integer
        ):
            raise InvalidDataError(
                f"slots must be integers of shape ({n}, {len(one_hot)}): one "
                f"column per one-hot span; got {slots.dtype} {slots.shape}."
            )
        if n:
            widths = np.array([s.width for s in one_hot])
            outside = (slots < 0) | (slots >= widths)
            if outside.any():
                row, number = np.argwhere(outside)[0]
                span = one_hot[number]
                raise InvalidDataError(
                    f"slots[{row}, {number}] is {slots[row, number]}, outside the "
                    f"{span.width} slots of column {span.column!r}'s "
                    f"{span.kind.value} span."
                )
        return slots

    def _scalar_sigmas(self, sigmas: np.ndarray | None) -> np.ndarray | None:
        if sigmas is None:
            return None
        sigmas = np.asarray(sigmas, dtype=np.float64).reshape(-1)
        scalar_starts = [
            s.start for s in self._spans if s.kind == SpanKind.CONTINUOUS_SCALAR
        ]
        if len(sigmas) == self.output_width:
            return sigmas[scalar_starts]
        if len(sigmas) == len(scalar_starts):
            return sigmas
        raise InvalidDataError(
            f"sigmas has {len(sigmas)} entries; give one per matrix column "
            f"({self.output_width}) or one per continuous column "
            f"({len(scalar_starts)})."
        )


class ConditionalSampler:
    """Training-by-sampling, as in the CTGAN paper.

    For each batch row, pick a discrete column uniformly, one of its
    categories with probability proportional to the log of its row count
    plus one, then a real row that has it. Rare categories are drawn more
    often than their frequency, so the generator network sees them during
    training. The conditional vector is the concatenation of the category
    spans (the mode spans of continuous columns are not part of it).

    Args:
        encoded: The encoded training matrix and its spans.

    Raises:
        InvalidDataError: The matrix has no rows.

    Attributes:
        n_rows: Rows of the training matrix.
        n_discrete: Number of category spans.
        width: Width of the conditional vector.
        cond_spans: Where each category span sits in the conditional vector.
    """

    def __init__(self, encoded: EncodedTable) -> None:
        matrix = encoded.matrix
        self.n_rows = int(matrix.shape[0])
        if self.n_rows == 0:
            raise InvalidDataError(
                "The encoded matrix has no rows; training-by-sampling needs at "
                "least one real row."
            )
        category_spans = [
            s for s in encoded.spans if s.kind == SpanKind.CATEGORY_ONE_HOT
        ]
        self.cond_spans: list[ColumnSpan] = []
        position = 0
        for span in category_spans:
            self.cond_spans.append(
                ColumnSpan(span.column, span.kind, position, position + span.width)
            )
            position += span.width
        self.n_discrete = len(category_spans)
        self.width = position

        # Rows of each category, grouped: the rows having category j of the
        # conditional vector are rows[row_start[j] : row_start[j] + count[j]].
        index_dtype = np.int32 if self.n_rows < np.iinfo(np.int32).max else np.int64
        self._rows = np.empty(self.n_discrete * self.n_rows, dtype=index_dtype)
        self._row_count = np.zeros(self.width, dtype=np.int64)
        self._row_start = np.zeros(self.width, dtype=np.int64)
        counts: list[np.ndarray] = []
        for number, (span, cond) in enumerate(
            zip(category_spans, self.cond_spans, strict=True)
        ):
            slots = np.argmax(matrix[:, span.start : span.stop], axis=1)
            span_counts = np.bincount(slots, minlength=span.width)
            offset = number * self.n_rows
            self._rows[offset : offset + self.n_rows] = np.argsort(slots, kind="stable")
            self._row_count[cond.start : cond.stop] = span_counts
            self._row_start[cond.start : cond.stop] = (
                offset + np.cumsum(span_counts) - span_counts
            )
            counts.append(span_counts.astype(np.float64))
        max_width = max((s.width for s in self.cond_spans), default=0)
        self._log_cumulative = _padded_cumulative(
            [np.log1p(c) for c in counts], max_width
        )
        self._cumulative = _padded_cumulative(counts, max_width)
        self._span_start = np.array([s.start for s in self.cond_spans], dtype=np.int64)

    def sample_training(
        self, batch: int, rng: np.random.Generator
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Conditional vectors by log-frequency, with real rows that match.

        Returns:
            ``cond`` (batch, width) float32 one-hot, ``mask`` (batch,
            n_discrete) float32 with 1 at the chosen discrete column, and
            ``row_index`` (batch,) int64, rows of the training matrix that
            have the chosen category (uniform rows when there is no discrete
            column).
        """
        if self.n_discrete == 0:
            empty = np.zeros((batch, 0), dtype=np.float32)
            return empty, empty.copy(), rng.integers(self.n_rows, size=batch)
        columns, positions = self._draw(batch, rng, self._log_cumulative)
        mask = np.zeros((batch, self.n_discrete), dtype=np.float32)
        mask[np.arange(batch), columns] = 1.0
        picks = self._row_start[positions] + np.floor(
            rng.random(batch) * self._row_count[positions]
        ).astype(np.int64)
        rows = self._rows[picks].astype(np.int64)
        return self._one_hot(positions), mask, rows

    def sample_original(self, batch: int, rng: np.random.Generator) -> np.ndarray:
        """Conditional vectors for generation: categories by real frequency.

        Returns:
            ``(batch, width)`` float32 one-hot; ``(batch, 0)`` with no
            discrete column.
        """
        if self.n_discrete == 0:
            return np.zeros((batch, 0), dtype=np.float32)
        _, positions = self._draw(batch, rng, self._cumulative)
        return self._one_hot(positions)

    def fixed(self, key: str, slot: int, batch: int) -> np.ndarray:
        """Conditional vectors that all select ``slot`` of column ``key``.

        Args:
            key: A discrete prepared column key.
            slot: Position within its category span, as
                :meth:`TableTransformer.code_to_slot` gives it.
            batch: Rows.

        Raises:
            InvalidDataError: ``key`` has no category span, or ``slot`` is
                outside it.
        """
        for span in self.cond_spans:
            if span.column == key:
                if not 0 <= slot < span.width:
                    raise InvalidDataError(
                        f"Slot {slot!r} is outside column {key!r}, which has "
                        f"{span.width} slots; get it from "
                        "TableTransformer.code_to_slot."
                    )
                return self._one_hot(np.full(batch, span.start + slot))
        raise InvalidDataError(
            f"Column {key!r} is not a discrete column of the conditional vector; "
            f"its columns are {[s.column for s in self.cond_spans]!r}."
        )

    def _draw(
        self, batch: int, rng: np.random.Generator, cumulative: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Discrete columns uniformly, then a category by ``cumulative``."""
        columns = rng.integers(self.n_discrete, size=batch)
        draws = rng.random(batch)
        categories = (cumulative[columns] <= draws[:, None]).sum(axis=1)
        return columns, self._span_start[columns] + categories

    def _one_hot(self, positions: np.ndarray) -> np.ndarray:
        cond = np.zeros((len(positions), self.width), dtype=np.float32)
        cond[np.arange(len(positions)), positions] = 1.0
        return cond


def _padded_cumulative(weights: list[np.ndarray], width: int) -> np.ndarray:
    """Cumulative probabilities per row, 1 from each row's last used entry.

    Sampling counts the entries at or below a uniform draw, so entries with
    no weight (and the padding past a span's width) are never chosen.
    """
    cumulative = np.ones((len(weights), width))
    for row, row_weights in enumerate(weights):
        running = np.cumsum(row_weights) / row_weights.sum()
        last = int(np.flatnonzero(row_weights)[-1])
        running[last:] = 1.0
        cumulative[row, : len(running)] = running
    return cumulative


def _check_int(name: str, value: object, lowest: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise InvalidConfigError(
            f"{name} must be an integer, got {value!r} ({type(value).__name__})."
        )
    if value < lowest:
        raise InvalidConfigError(f"{name} must be at least {lowest}, got {value!r}.")


def _check_column(column: PreparedColumn, kind: str, n_rows: int) -> None:
    if column.kind not in (CONTINUOUS, DISCRETE):
        raise InvalidDataError(
            f"Column {column.key!r} has kind {column.kind!r}; a prepared column is "
            f"{CONTINUOUS!r} or {DISCRETE!r}. Prepare the table with TablePreparer."
        )
    if column.kind != kind:
        raise InvalidDataError(
            f"Column {column.key!r} is {column.kind} here but was {kind} when the "
            "transformer was fitted; transform data prepared by the same "
            "TablePreparer."
        )
    if len(column.values) != n_rows:
        raise InvalidDataError(
            f"Column {column.key!r} has {len(column.values)} values for a table of "
            f"{n_rows} rows; every prepared column needs one value per row."
        )
    if kind == CONTINUOUS and not np.isfinite(column.values).all():
        raise InvalidDataError(
            f"Column {column.key!r} holds NaN or infinite values; layer 1 "
            "(TablePreparer) fills missing values before encoding."
        )
    if kind == DISCRETE and len(column.values) and int(column.values.min()) < 0:
        raise InvalidDataError(
            f"Column {column.key!r} holds negative codes; discrete codes run from "
            "0 to n_categories - 1."
        )


def _arrays(
    arrays: Mapping[str, np.ndarray],
    prefix: str,
    names: Sequence[str],
    dtype: type[np.generic],
) -> list[np.ndarray]:
    found = []
    for name in names:
        full = f"{prefix}.{name}"
        if full not in arrays:
            raise ModelFileError(
                f"The table transformer state lacks array {full!r}; the model "
                "file is incomplete. Save the generator again."
            )
        found.append(np.array(arrays[full], dtype=dtype, copy=True))
    return found
