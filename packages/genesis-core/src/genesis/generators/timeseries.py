"""TimeGAN for time series: the front door users fit and generate with.

The method is Yoon, Jarrett and van der Schaar, "Time-series Generative
Adversarial Networks" (NeurIPS 2019). This module does everything about the
data, in numpy, and leaves the networks to a backend plugin:

* it takes a 3-D array ``(sequences, time steps, features)`` or a long
  DataFrame with an entity column and a time column, checks it, and cuts it
  into windows of ``seq_len`` steps (sliding, one step apart, as the paper
  prepares its data);
* it carries a long frame's context columns (one value per entity: a
  segment, a site, a birth date) through the windows as constant extra
  features, categories one-hot, and reads one value per generated sequence
  back from them (see :mod:`genesis.generators._context`);
* it scales each feature to [0, 1] with the training data's minimum and
  maximum, so a backend only ever sees [0, 1] windows, and inverts the scaling
  on output;
* it hands the windows to the implementation registered for method
  ``"timegan"`` on the chosen backend, and turns what comes back into an
  array, or a long DataFrame with fresh entity ids and a rebuilt time column.

A backend implements :class:`SequenceGeneratorImpl`. The config keys
(:data:`TIMEGAN_CONFIG_SPEC`) live here, so every backend accepts the same.
"""

from __future__ import annotations

import logging
import os
import warnings
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol, Self, runtime_checkable

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from genesis import _io
from genesis._callers import caller_stacklevel
from genesis._config import (
    ConfigKey,
    ConfigSpec,
    check_seed,
    one_of,
    positive_int,
    resolve_config,
)
from genesis._registry import get_registry, resolve_backend
from genesis.data._conditions import plain_value
from genesis.errors import (
    InvalidConfigError,
    InvalidDataError,
    ModelFileError,
    NotFittedError,
    TrainingDivergedError,
)
from genesis.generators._context import (
    ContextColumn,
    check_context_columns,
    fit_context_columns,
    float_decimals,
    restore_dtype,
)
from genesis.protocols import ProgressCallback, ProgressEvent

__all__ = [
    "DEFAULT_EPOCHS",
    "METHOD",
    "STAGES",
    "TIMEGAN_CONFIG_SPEC",
    "SequenceGeneratorImpl",
    "TimeGANGenerator",
]

logger = logging.getLogger(__name__)

METHOD = "timegan"
# The three training phases of the paper, in order; progress events and the
# loss history use these names as their stage.
STAGES = ("autoencoder", "supervised", "joint")
DEFAULT_EPOCHS = 100
DEFAULT_ENTITY_COLUMN = "sequence_id"
# Gap sizes a warning about irregular time steps lists before summing up.
MAX_GAPS_SHOWN = 5
# Digits of a float time that the subtraction giving a gap may spoil: gaps
# keep the dtype's precision less these (12 of float64's 15, 3 of float32's
# 6), counted from the largest time (see _round_float_gaps).
GAP_NOISE_DIGITS = 3
# Significant digits a gap finer than that keeps (milliseconds on epoch
# seconds), as far as the dtype holds them.
SMALL_GAP_DIGITS = 3
FILE_KIND = "timeseries"
# Version 2 adds the features' decimals and the time column's unit; an
# earlier release then says the file is newer instead of "missing part".
STATE_VERSION = 2
READ_VERSIONS = (1, 2)


def _optional_positive_int(value: Any) -> str | None:
    return None if value is None or value > 0 else "must be a positive integer"


TIMEGAN_CONFIG_SPEC: ConfigSpec = {
    "hidden_dim": ConfigKey(
        24, (int,), positive_int, "Width of every recurrent layer and of the latent."
    ),
    "num_layers": ConfigKey(
        3, (int,), positive_int, "Recurrent layers per network (supervisor: one less)."
    ),
    "module": ConfigKey(
        "gru", (str,), one_of("gru", "lstm"), "Recurrent cell: 'gru' or 'lstm'."
    ),
    "batch_size": ConfigKey(128, (int,), positive_int, "Sequences per training step."),
    "epochs": ConfigKey(
        DEFAULT_EPOCHS,
        (int,),
        positive_int,
        "Passes over the training windows in each of the three phases.",
    ),
    "iterations": ConfigKey(
        None,
        (int, type(None)),
        _optional_positive_int,
        "Batches per phase, as the paper counts; replaces epochs when given.",
    ),
}


@runtime_checkable
class SequenceGeneratorImpl(Protocol):
    """TimeGAN on one backend, as a plugin registers it.

    The front door checks and scales the data; the implementation sees
    float32 windows in [0, 1] and returns windows in [0, 1]. It learns
    ``seq_len`` and ``n_features`` from the shape of what ``fit`` gets.

    Attributes:
        loss_history_: One dict per report: ``"stage"`` (one of
            :data:`STAGES`), ``"iteration"`` and the mean losses since the
            previous report.
        interrupted_: True when Ctrl-C stopped the fit early.
    """

    method: ClassVar[str]
    backend: ClassVar[str]
    config_spec: ClassVar[ConfigSpec]
    loss_history_: list[dict[str, Any]]
    interrupted_: bool

    def __init__(
        self, config: Mapping[str, Any], *, seed: int | None, device: str | None
    ) -> None: ...

    def fit(self, windows: np.ndarray, *, progress: ProgressCallback | None) -> None:
        """Learn ``(n_windows, seq_len, n_features)`` float32 windows in [0, 1].

        Reports through ``progress`` with ``stage`` one of :data:`STAGES`,
        ``step`` the iterations done in that stage and ``total`` the stage's
        iterations. May be interrupted with Ctrl-C.
        """

    def generate(self, n: int, *, rng: np.random.Generator) -> np.ndarray:
        """``(n, seq_len, n_features)`` float32 windows in [0, 1]."""

    def get_state(self) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        """Weights under backend-neutral names, and a JSON-able dict."""

    @classmethod
    def from_state(
        cls,
        config: Mapping[str, Any],
        arrays: Mapping[str, np.ndarray],
        state: Mapping[str, Any],
        *,
        device: str | None,
    ) -> Self:
        """Rebuild a fitted implementation saved by :meth:`get_state`."""


# -- scaling -----------------------------------------------------------------


@dataclass(frozen=True)
class _MinMaxScaler:
    """Per-feature scaling to [0, 1] by the training data's range.

    A constant feature has range 0; it is divided by 1 instead, so it scales
    to 0, and on the way back it is set to its constant whatever the networks
    gave for it.
    """

    minimum: np.ndarray
    maximum: np.ndarray

    @classmethod
    def fit(cls, windows: np.ndarray) -> _MinMaxScaler:
        return cls(windows.min(axis=(0, 1)), windows.max(axis=(0, 1)))

    @property
    def _span(self) -> np.ndarray:
        span = self.maximum - self.minimum
        return np.where(span > 0, span, 1.0)

    def transform(self, windows: np.ndarray) -> np.ndarray:
        return ((windows - self.minimum) / self._span).astype(np.float32)

    def inverse_transform(self, scaled: np.ndarray) -> np.ndarray:
        restored = scaled.astype(np.float64) * self._span + self.minimum
        # The networks only come close to 0 for a constant (a sigmoid never
        # reaches it), so its exact value is pinned here.
        constant = self.maximum == self.minimum
        return np.where(constant, self.minimum, restored)


# -- the data: arrays and long frames ----------------------------------------


def _sliding_windows(values: np.ndarray, seq_len: int) -> np.ndarray:
    """``(rows, features)`` to ``(rows - seq_len + 1, seq_len, features)``."""
    view = np.lib.stride_tricks.sliding_window_view(values, seq_len, axis=0)
    return view.transpose(0, 2, 1)


def _check_finite(values: np.ndarray, names: list[str]) -> None:
    bad = ~np.isfinite(values)
    if not bad.any():
        return
    per_feature = bad.reshape(-1, values.shape[-1]).sum(axis=0)
    nans = np.isnan(values).reshape(-1, values.shape[-1]).sum(axis=0)
    listed = ", ".join(
        f"{name} ({nans[i]} NaN, {per_feature[i] - nans[i]} infinite)"
        for i, name in enumerate(names)
        if per_feature[i]
    )
    raise InvalidDataError(
        f"The data has missing or infinite values in {listed}. TimeGAN cannot "
        "learn from them: fill or drop them first (for example with "
        "frame.interpolate() or np.nan_to_num)."
    )


def _windows_from_array(data: np.ndarray, seq_len: int, n_features: int) -> np.ndarray:
    if data.ndim != 3:
        hint = (
            f" For one long series, pass data[np.newaxis] (1 sequence of "
            f"{data.shape[0]} steps, cut into windows of seq_len); for a long "
            "table, pass a DataFrame with entity_column= and time_column=."
            if data.ndim == 2
            else ""
        )
        raise InvalidDataError(
            "TimeGANGenerator.fit takes a 3-D array (sequences, time steps, "
            f"features); got a {data.ndim}-D array of shape {data.shape}.{hint}"
        )
    if not (np.issubdtype(data.dtype, np.number) or data.dtype == bool):
        raise InvalidDataError(
            f"The array has dtype {data.dtype}; TimeGAN needs numbers. Convert "
            "it with data.astype(float) after encoding any text."
        )
    if np.issubdtype(data.dtype, np.complexfloating):
        raise InvalidDataError(
            f"The array has dtype {data.dtype}; TimeGAN models real numbers, and "
            "would drop the imaginary parts. Put them in features of their own "
            "first: np.concatenate([data.real, data.imag], axis=-1)."
        )
    n_sequences, n_steps, found = data.shape
    if found != n_features:
        raise InvalidDataError(
            f"The data has {found} features (the last axis of shape {data.shape}), "
            f"but the generator was built with n_features={n_features}; build it "
            f"with n_features={found}."
        )
    if n_sequences == 0:
        raise InvalidDataError(
            "The array holds no sequences; there is nothing to learn."
        )
    if n_steps < seq_len:
        raise InvalidDataError(
            f"The sequences have {n_steps} time steps, fewer than seq_len={seq_len}; "
            f"{_shorter_seq_len(n_steps)}, or pass longer sequences."
        )
    values = data.astype(np.float64)
    _check_finite(values, [f"feature {i}" for i in range(n_features)])
    if n_steps == seq_len:
        return values
    logger.info(
        "Cutting %d sequences of %d steps into windows of %d steps.",
        n_sequences,
        n_steps,
        seq_len,
    )
    windows = np.lib.stride_tricks.sliding_window_view(values, seq_len, axis=1)
    return windows.transpose(0, 1, 3, 2).reshape(-1, seq_len, n_features)


@dataclass
class _OutputLayout:
    """How generated windows are handed back: the input's form.

    For an array, only its dtype. For a long frame, the column order, which
    columns are entity, time and features, their dtypes, and the time
    column's first value, most common step and the entities' start times
    (each distinct start and how many entities start then).
    """

    kind: str
    dtype: str = "float64"
    columns: list[Any] | None = None
    entity_column: Any = None
    time_column: Any = None
    features: list[Any] | None = None
    feature_dtypes: list[str] | None = None
    entity_dtype: str | None = None
    time_dtype: str | None = None
    # Datetimes and durations: the unit that time_start, time_step and
    # time_starts count ("s", "ms", "us" or "ns", the column's own).
    time_unit: str = "ns"
    time_start: float | int | None = None
    time_step: float | int | None = None
    time_starts: list[float | int] | None = None
    time_start_counts: list[int] | None = None
    context: list[ContextColumn] = field(default_factory=list)
    # Per feature, the decimals every training value has, or None:
    # output is rounded like the input.
    feature_decimals: list[int | None] | None = None

    def to_json(self) -> dict[str, Any]:
        document = dict(self.__dict__)
        # Left out when empty, so that a file without context columns or
        # rounding still loads in releases that predate them.
        context = document.pop("context")
        if context:
            document["context"] = [column.to_json() for column in context]
        if document["feature_decimals"] is None:
            del document["feature_decimals"]
        # Files from releases that counted every time in nanoseconds have no
        # "time_unit"; a nanosecond column still writes none.
        if document["time_unit"] == "ns":
            del document["time_unit"]
        return document

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> _OutputLayout:
        # Files saved before context columns existed have no "context" entry.
        context = [ContextColumn.from_json(c) for c in data.get("context", ())]
        return cls(**{**data, "context": context})

    def encoded_names(self, width: int) -> list[Any]:
        """The column each of the ``width`` encoded features comes from."""
        if self.features is None:
            return list(range(width))
        names = list(self.features)
        for column in self.context:
            names += [column.name] * column.width
        return names

    def check_count(self, n: int) -> None:
        """Refuse ``n`` sequences when the entity dtype cannot tell them apart."""
        if self.kind == "array":
            return
        dtype = pd.api.types.pandas_dtype(self.entity_dtype or "int64")
        capacity = _entity_id_capacity(dtype)
        if capacity is None or n <= capacity:
            return
        name = self.entity_column
        ids = "False and True" if _is_bool(dtype) else f"0 to {capacity - 1}"
        raise InvalidDataError(
            f"The entity column {name!r} has dtype {dtype}, which holds "
            f"{capacity} distinct sequence ids ({ids}), but "
            f"generate({n}) needs one per sequence. Generate at most {capacity} "
            f"sequences per call, or fit on a frame whose {name!r} column has a "
            f"wider dtype (for example frame.astype({{{name!r}: 'int64'}}))."
        )

    def restore(
        self, values: np.ndarray, seq_len: int, rng: np.random.Generator
    ) -> np.ndarray | pd.DataFrame:
        values = self._round(values)
        if self.kind == "array":
            return _restore_array(values, self.dtype)
        assert self.features is not None and self.feature_dtypes is not None
        n = values.shape[0]
        self.check_count(n)
        n_features = len(self.features)
        flat = values[..., :n_features].reshape(n * seq_len, n_features)
        columns: dict[Any, Any] = {self.entity_column: self._entity_ids(n, seq_len)}
        if self.time_column is not None:
            columns[self.time_column] = self._times(n, seq_len, rng)
        for i, (name, dtype) in enumerate(
            zip(self.features, self.feature_dtypes, strict=True)
        ):
            columns[name] = restore_dtype(flat[:, i], dtype)
        start = n_features
        for column in self.context:
            block = values[..., start : start + column.width]
            per_sequence = column.decode(block)
            columns[column.name] = per_sequence.repeat(seq_len).reset_index(drop=True)
            start += column.width
        frame = pd.DataFrame(columns)
        return frame[self.columns] if self.columns else frame

    def _round(self, values: np.ndarray) -> np.ndarray:
        """Each feature rounded to the decimals its training values have."""
        if self.feature_decimals is None:
            return values
        rounded = values.copy()
        for i, decimals in enumerate(self.feature_decimals):
            if decimals is not None:
                rounded[..., i] = np.round(rounded[..., i], decimals)
        return rounded

    def _entity_ids(self, n: int, seq_len: int) -> pd.Series:
        ids = pd.Series(np.repeat(np.arange(n, dtype=np.int64), seq_len))
        dtype = pd.api.types.pandas_dtype(self.entity_dtype or "int64")
        if _is_bool(dtype):
            # check_count allows two sequences at most: False and True.
            return (ids > 0).astype(dtype)
        if _entity_id_capacity(dtype) is not None:
            return ids.astype(dtype)
        names = ids.map("synthetic-{}".format)
        if isinstance(dtype, pd.CategoricalDtype):
            return names.astype("category")
        return names.astype(dtype)

    def _sequence_starts(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """One start per sequence, drawn from the real entities' starts."""
        if self.time_starts is None or self.time_start_counts is None:
            return np.full(n, self.time_start)
        starts = np.asarray(self.time_starts)
        if len(starts) == 1:
            return np.repeat(starts, n)
        # Picking an entity uniformly and taking its start draws exactly
        # from the empirical distribution of the starts.
        bounds = np.cumsum(self.time_start_counts)
        picked = rng.integers(bounds[-1], size=n)
        return starts[np.searchsorted(bounds, picked, side="right")]

    def _times(self, n: int, seq_len: int, rng: np.random.Generator) -> pd.Series:
        assert self.time_start is not None and self.time_step is not None
        steps = np.tile(np.arange(seq_len), n)
        starts = np.repeat(self._sequence_starts(n, rng), seq_len)
        dtype = pd.api.types.pandas_dtype(self.time_dtype)
        if not _holds_counts(dtype):
            return pd.Series(starts + steps * self.time_step).astype(dtype)
        counts = starts.astype(np.int64) + steps.astype(np.int64) * int(self.time_step)
        if pd.api.types.is_timedelta64_dtype(dtype):
            return pd.Series(counts.astype(f"timedelta64[{self.time_unit}]")).astype(
                dtype
            )
        stamps = pd.Series(counts.astype(f"datetime64[{self.time_unit}]"))
        tz = getattr(dtype, "tz", None)
        if tz is not None:
            stamps = stamps.dt.tz_localize("UTC").dt.tz_convert(tz)
        return stamps.astype(dtype)


def _holds_counts(dtype: Any) -> bool:
    """Datetimes and durations, which the time column holds as int64 counts
    of their unit."""
    return pd.api.types.is_datetime64_any_dtype(
        dtype
    ) or pd.api.types.is_timedelta64_dtype(dtype)


def _time_unit(dtype: Any) -> str:
    """The unit a datetime or duration dtype counts in: "s" to "ns"."""
    unit = getattr(dtype, "unit", None)
    return unit if unit is not None else np.datetime_data(dtype)[0]


def _is_real_number(dtype: Any) -> bool:
    """Integers and floats: not booleans, not complex numbers."""
    return (
        pd.api.types.is_numeric_dtype(dtype)
        and not pd.api.types.is_bool_dtype(dtype)
        and not pd.api.types.is_complex_dtype(dtype)
    )


def _is_bool(dtype: Any) -> bool:
    return not isinstance(dtype, pd.CategoricalDtype) and pd.api.types.is_bool_dtype(
        dtype
    )


def _entity_id_capacity(dtype: Any) -> int | None:
    """How many ids 0, 1, ... ``dtype`` holds exactly; None when unbounded.

    Text, object and categorical columns get names, so they never run out.
    """
    if _is_bool(dtype):
        return 2
    if isinstance(dtype, pd.CategoricalDtype):
        return None
    numbers = getattr(dtype, "numpy_dtype", dtype)
    if pd.api.types.is_integer_dtype(dtype):
        return int(np.iinfo(numbers).max) + 1
    if pd.api.types.is_float_dtype(dtype) or pd.api.types.is_complex_dtype(dtype):
        # Every integer up to 2 ** (mantissa bits + 1) is exact.
        return 2 ** (np.finfo(numbers).nmant + 1)
    return None


def _restore_array(values: np.ndarray, dtype_name: str) -> np.ndarray:
    dtype = np.dtype(dtype_name)
    if dtype == np.dtype(bool):
        return values >= 0.5
    if np.issubdtype(dtype, np.integer):
        return np.rint(values).astype(dtype)
    return values.astype(dtype)


def _time_numbers(series: pd.Series, name: Hashable) -> np.ndarray:
    """The time column as int64 counts of its unit (datetimes, durations; UTC
    for zone-aware ones) or numbers."""
    if isinstance(series.dtype, pd.PeriodDtype):
        raise InvalidDataError(
            f"The time column {name!r} has dtype {series.dtype}; it must hold "
            "datetimes, durations or numbers. Convert the periods to datetimes "
            f"with frame[{name!r}].dt.to_timestamp()."
        )
    if series.isna().any():
        raise InvalidDataError(
            f"The time column {name!r} has {int(series.isna().sum())} missing "
            "values; every row needs its time. Fill or drop those rows."
        )
    if _holds_counts(series.dtype):
        # In the column's own unit: a date of year 2300 stored in seconds
        # has no count of nanoseconds in int64.
        if getattr(series.dtype, "tz", None) is not None:
            series = series.dt.tz_convert("UTC").dt.tz_localize(None)
        return series.to_numpy().astype(np.int64)
    if _is_real_number(series.dtype):
        numbers = series.to_numpy(dtype=getattr(series.dtype, "numpy_dtype", None))
        if infinite := int(np.isinf(numbers).sum()):
            raise InvalidDataError(
                f"The time column {name!r} has {infinite} infinite values; every "
                "row needs a finite time. Replace or drop those rows."
            )
        return numbers
    raise InvalidDataError(
        f"The time column {name!r} has dtype {series.dtype}; it must hold "
        "datetimes or numbers (or durations). Convert it with "
        "pd.to_datetime(frame[...]) or pd.to_timedelta(frame[...])."
    )


def _check_role_columns(
    frame: pd.DataFrame,
    entity_column: Hashable | None,
    time_column: Hashable | None,
) -> None:
    """The entity and time columns name one column each, present and distinct.

    Checked before anything reads a column by name, so a misspelt name is
    reported as such whatever else was passed.
    """
    for role, name in (("entity_column", entity_column), ("time_column", time_column)):
        if not isinstance(name, Hashable):
            raise InvalidDataError(
                f"{role} takes one column name; got {name!r}. Combine the columns "
                "into one first, for example frame['key'] = "
                "frame[columns].astype(str).agg('/'.join, axis=1)."
            )
        if name is not None and name not in frame.columns:
            raise InvalidDataError(
                f"{role}={name!r} is not a column of the data; its columns are "
                f"{list(frame.columns)!r}."
            )
    if entity_column is not None and entity_column == time_column:
        raise InvalidDataError(
            f"entity_column and time_column are both {entity_column!r}; name two "
            "different columns."
        )
    if frame.columns.has_duplicates:
        repeated = list(dict.fromkeys(frame.columns[frame.columns.duplicated()]))
        raise InvalidDataError(
            f"Column {', '.join(map(repr, repeated))} appears more than once in "
            "the data; rename or drop the copies so that each column has one name."
        )


def _check_feature_columns(
    frame: pd.DataFrame,
    entity_column: Hashable | None,
    context_columns: list[Hashable],
    roles: tuple[Hashable, ...],
) -> list[Hashable]:
    """Every column not in ``roles``, each checked to hold real numbers."""
    features = [c for c in frame.columns if c not in roles]
    for column in features:
        if pd.api.types.is_complex_dtype(frame[column].dtype):
            raise InvalidDataError(
                f"Column {column!r} holds complex numbers; TimeGAN models real "
                "numbers, and would drop the imaginary parts. Split it into two "
                f"features first (frame[{column!r}].to_numpy().real and .imag)."
            )
        if not pd.api.types.is_numeric_dtype(frame[column].dtype):
            raise InvalidDataError(
                f"Column {column!r} has dtype {frame[column].dtype}; TimeGAN models "
                "numeric time-varying features only. Drop it, encode it as "
                "numbers, name it in context_columns if it holds one value per "
                "entity (a segment, a site), or name it as entity_column or "
                "time_column."
            )
    if not features:
        raise InvalidDataError(
            "Every column but the entity and time columns is a context column "
            f"({context_columns!r}); TimeGAN needs at least one time-varying "
            "feature."
        )
    if entity_column is not None and _holds_times(frame[entity_column].dtype):
        raise InvalidDataError(
            f"The entity column {entity_column!r} has dtype "
            f"{frame[entity_column].dtype}; synthetic sequences get new ids "
            "0, 1, ..., which that dtype cannot hold. Convert it to text or "
            f"integers first (for example frame.astype({{{entity_column!r}: str}}))."
        )
    if entity_column is not None and frame[entity_column].isna().any():
        raise InvalidDataError(
            f"The entity column {entity_column!r} has "
            f"{int(frame[entity_column].isna().sum())} missing values; every row "
            "must belong to an entity. Fill or drop those rows."
        )
    return features


def _holds_times(dtype: Any) -> bool:
    """Datetimes, durations, periods and intervals: no room for ids 0, 1, ..."""
    return (
        pd.api.types.is_datetime64_any_dtype(dtype)
        or pd.api.types.is_timedelta64_dtype(dtype)
        or isinstance(dtype, pd.PeriodDtype | pd.IntervalDtype)
    )


def _group_bounds(entities: pd.Series | None, n_rows: int) -> list[tuple[int, int]]:
    """Row ranges of each entity in a frame sorted by entity."""
    if entities is None:
        return [(0, n_rows)]
    codes, _ = pd.factorize(entities, sort=False)
    starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])
    stops = np.r_[starts[1:], n_rows]
    return list(zip(starts.tolist(), stops.tolist(), strict=True))


def _check_unique_times(
    times: np.ndarray,
    bounds: list[tuple[int, int]],
    sorted_frame: pd.DataFrame,
    entity_column: Hashable | None,
    time_column: Hashable,
) -> None:
    """Refuse an entity with two rows at one time: their order is unknown."""
    for start, stop in bounds:
        gaps = np.diff(times[start:stop])
        if not (gaps == 0).any():
            continue
        row = start + int(np.flatnonzero(gaps == 0)[0])
        where = (
            f" of entity {plain_value(sorted_frame[entity_column].iloc[row])!r}"
            if entity_column is not None
            else ""
        )
        time = plain_value(sorted_frame[time_column].iloc[row])
        raise InvalidDataError(
            f"Time {time!r}{where} appears twice "
            f"in {time_column!r}; each entity needs one row per time. Drop or "
            "aggregate the duplicates."
        )


def _most_common_step(
    times: np.ndarray,
    bounds: list[tuple[int, int]],
    sorted_frame: pd.DataFrame,
    time_column: Hashable,
) -> float | int:
    """The most common gap between consecutive times of an entity.

    Times are unique within each entity (see :func:`_check_unique_times`).
    """
    steps = [np.diff(times[start:stop]) for start, stop in bounds]
    gaps = _round_float_gaps(np.concatenate(steps), times)
    values, counts = np.unique(gaps, return_counts=True)
    step = values[np.argmax(counts)]
    by_count = values[np.argsort(-counts, kind="stable")]
    dtype = sorted_frame[time_column].dtype
    unit = _time_unit(dtype) if _holds_counts(dtype) else None
    if getattr(dtype, "tz", None) is not None:
        # Steps are measured in UTC; a clock change makes a daily step an
        # hour longer or shorter there, which is not an irregular step.
        hour = np.timedelta64(1, "h") // np.timedelta64(1, unit)
        by_count = by_count[(by_count == step) | (np.abs(by_count - step) != hour)]
    if len(by_count) > 1:
        _warn_irregular_steps(by_count, time_column, unit)
    return int(step) if np.issubdtype(values.dtype, np.integer) else float(step)


def _round_float_gaps(gaps: np.ndarray, times: np.ndarray) -> np.ndarray:
    """Float gaps that differ only by rounding, made one value.

    Times such as ``0.1 * k`` are not exact in binary, so their gaps differ
    in the last bits. Gaps keep the digits the times' dtype holds, less
    :data:`GAP_NOISE_DIGITS`, counted from the largest time: that merges
    those and nothing a user could have meant. A gap finer than that keeps
    :data:`SMALL_GAP_DIGITS` of its own, so a step is never rounded to 0.
    """
    if not np.issubdtype(gaps.dtype, np.floating) or not len(gaps):
        return gaps
    precision = np.finfo(gaps.dtype).precision
    # Duplicate times are refused before this, so some time and every gap
    # is not zero.
    magnitude = int(np.ceil(np.log10(float(np.max(np.abs(times))))))
    decimals = precision - GAP_NOISE_DIGITS - magnitude
    smallest = float(np.min(np.abs(gaps)))
    own = SMALL_GAP_DIGITS - int(np.floor(np.log10(smallest)))
    return np.round(gaps, max(decimals, min(own, precision - magnitude)))


def _warn_irregular_steps(
    gaps: np.ndarray, time_column: Hashable, unit: str | None
) -> None:
    """Warn that generated times step by ``gaps[0]``, the most common gap.

    ``unit`` is the unit gaps of datetimes or durations count; None for
    numbers.
    """
    shown = [
        str(pd.Timedelta(np.timedelta64(int(g), unit))) if unit else repr(g.item())
        for g in gaps[:MAX_GAPS_SHOWN]
    ]
    if len(gaps) > MAX_GAPS_SHOWN:
        shown[-1] = f"{len(gaps) - MAX_GAPS_SHOWN + 1} other sizes"
    listed = f"{', '.join(shown[:-1])} and {shown[-1]}"
    warnings.warn(
        f"The time column {time_column!r} has irregular steps (gaps of {listed}, "
        "most common first); synthetic sequences step evenly by the most common "
        f"gap, {shown[0]}, so they do not have the other gaps.",
        stacklevel=caller_stacklevel(),
    )


def _warn_context_like(
    values: np.ndarray,
    features: list[Hashable],
    bounds: list[tuple[int, int]],
    seq_len: int,
    n_features: int,
) -> None:
    """Warn about features constant within every entity but not across them."""
    kept = np.array([b - a >= seq_len for a, b in bounds])
    trained = int(kept.sum())
    if trained < 2:
        return
    starts = np.array([a for a, _ in bounds])
    highest = np.maximum.reduceat(values, starts, axis=0)
    lowest = np.minimum.reduceat(values, starts, axis=0)
    within = (highest[kept] == lowest[kept]).all(axis=0)
    across = highest[kept].max(axis=0) > lowest[kept].min(axis=0)
    names = [features[i] for i in np.flatnonzero(within & across)]
    if not names:
        return
    warnings.warn(
        f"Column(s) {', '.join(map(repr, names))} hold one value per entity "
        f"(constant within each of the {trained} entities trained on, "
        "different between them), but are modelled as time-varying features, "
        "so a synthetic sequence can change them from step to step. If they "
        "describe the entity (a segment, a site, a birth year), pass "
        f"context_columns={names!r} and build the generator with "
        f"n_features={n_features - len(names)}.",
        stacklevel=caller_stacklevel(),
    )


@dataclass(frozen=True)
class LongRows:
    """A long frame, checked and sorted by entity and time, ready to cut.

    :meth:`TimeGANGenerator.fit` and the time-series scores of
    :mod:`genesis.evaluation` both read long frames through this, so they
    cut the same windows from the same frame.

    Attributes:
        frame: The rows, sorted by entity and then time (a stable sort, so
            rows without a time column keep their order within an entity).
        features: The time-varying columns, in the frame's order: every
            column but the entity, time and context columns.
        entity_column: The entity column, or None for one sequence.
        time_column: The time column, or None to keep the row order.
        context_columns: The context columns, each checked to hold one
            value per entity.
        discrete_columns: Those of them named in ``discrete_columns``.
        bounds: The row range ``(start, stop)`` of each entity in ``frame``.
        times: The time column as numbers (see :func:`_time_numbers`), in
            the order of ``frame``; None without a time column.
    """

    frame: pd.DataFrame
    features: list[Hashable]
    entity_column: Hashable | None
    time_column: Hashable | None
    context_columns: list[Hashable]
    discrete_columns: list[Hashable]
    bounds: list[tuple[int, int]]
    times: np.ndarray | None

    @classmethod
    def check(
        cls,
        frame: pd.DataFrame,
        entity_column: Hashable | None,
        time_column: Hashable | None,
        context_columns: Any = (),
        discrete_columns: Any = (),
    ) -> LongRows:
        """Check every column argument against ``frame``, then sort it.

        The entity and time columns are checked first, then the context
        and discrete columns, then the features, so that a misspelt name
        is reported as such whatever else was passed.

        Raises:
            InvalidDataError: A column argument does not name a usable
                column, a feature is not numeric, a context column varies
                within an entity, or a time is missing or repeated within
                an entity.
        """
        _check_role_columns(frame, entity_column, time_column)
        context, discrete = check_context_columns(
            frame, context_columns, discrete_columns, entity_column, time_column
        )
        roles = (entity_column, time_column, *context)
        features = _check_feature_columns(frame, entity_column, context, roles)
        keys = [c for c in (entity_column, time_column) if c is not None]
        ordered = frame.sort_values(keys, kind="stable") if keys else frame
        entities = ordered[entity_column] if entity_column is not None else None
        bounds = _group_bounds(entities, len(ordered))
        times = None
        if time_column is not None:
            times = _time_numbers(ordered[time_column], time_column)
            _check_unique_times(times, bounds, ordered, entity_column, time_column)
        return cls(
            frame=ordered,
            features=features,
            entity_column=entity_column,
            time_column=time_column,
            context_columns=context,
            discrete_columns=discrete,
            bounds=bounds,
            times=times,
        )

    @property
    def entities(self) -> pd.Series | None:
        """Each sorted row's entity; None without an entity column."""
        if self.entity_column is None:
            return None
        return self.frame[self.entity_column]

    def values(self, columns: Sequence[Hashable]) -> np.ndarray:
        """``(rows, len(columns))`` float64 values of ``columns``, sorted.

        Missing values are NaN; nothing is checked.
        """
        return np.column_stack(
            [self.frame[c].to_numpy(dtype=np.float64, na_value=np.nan) for c in columns]
        )

    def encode_context(self, context: Sequence[ContextColumn]) -> np.ndarray:
        """``(rows, width)`` encoded context columns, sorted; width may be 0."""
        blocks = [column.encode(self.frame[column.name]) for column in context]
        return np.column_stack(blocks) if blocks else np.empty((len(self.frame), 0))

    def windows(self, values: np.ndarray, seq_len: int) -> tuple[np.ndarray, list[Any]]:
        """Every window of ``seq_len`` consecutive rows of each entity.

        Windows are one step apart, as the TimeGAN paper prepares its data.
        Returns them ``(windows, seq_len, columns)`` with the entities too
        short for one window (none when the frame is one sequence); the
        windows are empty when every entity is too short.
        """
        long_enough = [(a, b) for a, b in self.bounds if b - a >= seq_len]
        short = [a for a, b in self.bounds if b - a < seq_len]
        entities = self.entities
        labels = entities.iloc[short].tolist() if entities is not None else []
        if not long_enough:
            empty = np.empty((0, seq_len, values.shape[1]))
            return empty, labels
        cut = [_sliding_windows(values[a:b], seq_len) for a, b in long_enough]
        return np.concatenate(cut), labels

    def longest(self) -> int:
        """Rows of the longest entity."""
        return max(b - a for a, b in self.bounds)


def _windows_from_frame(
    frame: pd.DataFrame,
    seq_len: int,
    n_features: int,
    entity_column: Hashable | None,
    time_column: Hashable | None,
    context_columns: Any = (),
    discrete_columns: Any = (),
) -> tuple[np.ndarray, _OutputLayout]:
    if frame.empty:
        raise InvalidDataError("The DataFrame is empty; there is nothing to learn.")
    rows = LongRows.check(
        frame, entity_column, time_column, context_columns, discrete_columns
    )
    features = rows.features
    if len(features) != n_features:
        raise InvalidDataError(
            f"The data has {len(features)} feature columns {features!r} (every "
            "column but the entity, time and context columns), but the generator "
            f"was built with n_features={n_features}; build it with "
            f"n_features={len(features)} or drop the extra columns."
        )
    values = rows.values(features)
    _check_finite(values, [repr(c) for c in features])
    _warn_context_like(values, features, rows.bounds, seq_len, n_features)
    context = fit_context_columns(
        frame, rows.context_columns, rows.discrete_columns, entity_column
    )
    if context:
        logger.info(
            "Carrying context columns %s as %d constant features.",
            rows.context_columns,
            sum(column.width for column in context),
        )
        values = np.column_stack([values, rows.encode_context(context)])

    layout = _OutputLayout(
        kind="frame",
        columns=list(frame.columns) if entity_column is not None else None,
        entity_column=entity_column
        if entity_column is not None
        else generated_entity_column(frame.columns),
        time_column=time_column,
        features=features,
        feature_dtypes=[str(frame[c].dtype) for c in features],
        feature_decimals=[float_decimals(frame[c]) for c in features],
        entity_dtype=(
            str(frame[entity_column].dtype) if entity_column is not None else "int64"
        ),
        context=context,
    )
    # Cut first: the time step needs an entity of two rows or more, and
    # windows need one of seq_len (at least 2).
    windows = _cut_groups(rows, values, seq_len)
    if rows.times is not None:
        times = rows.times
        layout.time_dtype = str(frame[time_column].dtype)
        if _holds_counts(frame[time_column].dtype):
            layout.time_unit = _time_unit(frame[time_column].dtype)
        layout.time_start = times.min().item()
        layout.time_step = _most_common_step(
            times, rows.bounds, rows.frame, time_column
        )
        # The entities trained on are those long enough for one window.
        firsts = [a for a, b in rows.bounds if b - a >= seq_len]
        starts, counts = np.unique(times[firsts], return_counts=True)
        layout.time_starts = starts.tolist()
        layout.time_start_counts = counts.tolist()
    if entity_column is None:
        layout.columns = [layout.entity_column, *frame.columns]
    return windows, layout


def _shorter_seq_len(longest: int) -> str:
    """What to do when sequences of ``longest`` steps are too short."""
    if longest < 2:
        return (
            "TimeGAN needs sequences of at least 2 time steps, so a single "
            "row per sequence cannot be learned"
        )
    return f"build the generator with seq_len={longest} or less"


def generated_entity_column(columns: pd.Index) -> str:
    """The column that holds sequence ids in what :meth:`TimeGANGenerator.generate`
    returns for a frame fitted without an entity column: ``"sequence_id"``,
    with ``_`` added until no column of ``columns`` has the name."""
    return _free_name(DEFAULT_ENTITY_COLUMN, columns)


def _free_name(name: str, taken: pd.Index) -> str:
    while name in taken:
        name += "_"
    return name


def _cut_groups(rows: LongRows, values: np.ndarray, seq_len: int) -> np.ndarray:
    windows, short = rows.windows(values, seq_len)
    if not len(windows):
        longest = rows.longest()
        raise InvalidDataError(
            f"Every sequence is shorter than seq_len={seq_len} (the longest has "
            f"{longest} rows); {_shorter_seq_len(longest)}."
        )
    if short:
        warnings.warn(
            f"{len(short)} of {len(rows.bounds)} entities have fewer than "
            f"seq_len={seq_len} rows and are left out of training (for example "
            f"{short[:5]!r}); lower seq_len to keep them.",
            stacklevel=caller_stacklevel(),
        )
    return windows


# -- progress ----------------------------------------------------------------


class _StageProgress:
    """Turns ``progress=`` into a callback: a tqdm bar per stage for True."""

    def __init__(self, progress: bool | ProgressCallback) -> None:
        self._progress = progress
        self._bar: tqdm | None = None
        self._stage: str | None = None

    def __enter__(self) -> ProgressCallback | None:
        if callable(self._progress):
            return self._progress
        return self._update_bar if self._progress else None

    def _update_bar(self, event: ProgressEvent) -> None:
        if event.stage != self._stage:
            if self._bar is not None:
                self._bar.close()
            self._stage = event.stage
            self._bar = tqdm(
                total=event.total or None, desc=f"TimeGAN {event.stage}", disable=None
            )
        assert self._bar is not None
        self._bar.n = event.step
        if event.losses:
            self._bar.set_postfix({k: f"{v:.4f}" for k, v in event.losses.items()})
        self._bar.refresh()

    def __exit__(self, *exc_info: object) -> None:
        if self._bar is not None:
            self._bar.close()


# -- the generator -----------------------------------------------------------


def _check_int(name: str, value: Any, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise InvalidConfigError(
            f"{name} must be an integer, got {value!r} ({type(value).__name__})."
        )
    if value < minimum:
        raise InvalidConfigError(f"{name} must be at least {minimum}, got {value}.")
    return int(value)


class TimeGANGenerator:
    """Learns sequences and generates synthetic ones with the same dynamics.

    Args:
        seq_len: Time steps per generated sequence; the training data is cut
            into windows of this length. At least 2 (the supervised loss
            predicts one step from the previous one).
        n_features: Features per time step.
        hidden_dim: Width of every recurrent layer and of the latent space.
        num_layers: Recurrent layers per network.
        epochs: Passes over the training windows in each of the three
            training phases (autoencoder, supervised, joint). Defaults to
            :data:`DEFAULT_EPOCHS`. The paper ran 50,000 batches per phase.
        batch_size: Windows per training step.
        module: Recurrent cell, ``"gru"`` or ``"lstm"``.
        iterations: Batches per phase, as the paper counts them; give this or
            ``epochs``, not both. In the joint phase one iteration is two
            generator and embedder steps and one discriminator step.
        backend: ``"torch"``, ``"jax"`` or None (``GENESIS_BACKEND``, then the
            first installed).
        seed: Makes fit and generate reproducible on one backend and device.
        device: ``"cpu"``, ``"cuda"`` or ``"auto"`` (None).

    Raises:
        InvalidConfigError: An argument has the wrong type or range.
        BackendNotAvailableError: No installed plugin provides TimeGAN on the
            backend asked for; the message gives the ``pip install`` line.

    Fitted attributes end in ``_``: ``backend_``, ``n_windows_``,
    ``context_columns_``, ``loss_history_``, ``interrupted_``.

    Context columns: in a long frame, a column that holds one value per
    entity (a customer's segment, a sensor's site, a patient's sex or birth
    date) is named in ``fit(..., context_columns=[...])`` and does not count
    in ``n_features``. It is learned together with the time-varying
    features, so the link between the two is kept (entities of a segment
    whose values run higher come out that way), and every synthetic entity
    gets one value of it on all its rows: a category seen in training, or a
    number or datetime within the training range in the column's dtype
    (integers stay integers, datetimes keep their unit and time zone).
    Integer codes named in ``discrete_columns`` too are categories. Without
    ``context_columns`` such a column is an ordinary feature that may change
    from step to step; fit warns when a feature holds one value per entity.

    Example::

        generator = TimeGANGenerator(seq_len=24, n_features=5, epochs=50, seed=0)
        generator.fit(windows)               # (sequences, 24, 5) float array
        synthetic = generator.generate(1000) # (1000, 24, 5), original units

        # A long frame: columns customer, day, segment, spend, visits.
        generator = TimeGANGenerator(seq_len=14, n_features=2, seed=0)
        generator.fit(
            frame,
            entity_column="customer",
            time_column="day",
            context_columns=["segment"],
        )
        synthetic = generator.generate(500)  # one segment per customer
    """

    method: ClassVar[str] = METHOD

    def __init__(
        self,
        seq_len: int,
        n_features: int,
        hidden_dim: int = 24,
        num_layers: int = 3,
        epochs: int | None = None,
        batch_size: int = 128,
        module: str = "gru",
        iterations: int | None = None,
        backend: str | None = None,
        seed: int | None = None,
        device: str | None = None,
    ) -> None:
        self.seq_len = _check_int("seq_len", seq_len, 2)
        self.n_features = _check_int("n_features", n_features, 1)
        if epochs is not None and iterations is not None:
            raise InvalidConfigError(
                f"Give epochs or iterations, not both; got epochs={epochs!r} and "
                f"iterations={iterations!r}."
            )
        seed = check_seed(seed)
        for name, value in (("backend", backend), ("device", device)):
            if value is not None and not isinstance(value, str):
                raise InvalidConfigError(
                    f"{name} must be a string or None, got {value!r}."
                )
        given = {
            "hidden_dim": hidden_dim,
            "num_layers": num_layers,
            "module": module,
            "batch_size": batch_size,
            "iterations": iterations,
        }
        if epochs is not None:
            given["epochs"] = epochs
        self.config = resolve_config(METHOD, TIMEGAN_CONFIG_SPEC, given)
        self.backend = backend
        self.seed = seed
        self.device = device
        self._implementation: type[SequenceGeneratorImpl] = (
            get_registry().generators.get(METHOD, resolve_backend(METHOD, backend))
        )
        self._impl: SequenceGeneratorImpl | None = None
        self._scaler: _MinMaxScaler | None = None
        self._layout: _OutputLayout | None = None
        self._rng: np.random.Generator | None = None

    def __repr__(self) -> str:
        state = f"fitted on {self.backend_!r}" if self._impl else "unfitted"
        return (
            f"TimeGANGenerator(seq_len={self.seq_len}, n_features={self.n_features}, "
            f"seed={self.seed!r}, {state})"
        )

    # -- fit ------------------------------------------------------------------

    def fit(
        self,
        data: np.ndarray | pd.DataFrame,
        *,
        entity_column: Hashable | None = None,
        time_column: Hashable | None = None,
        context_columns: Sequence[Hashable] | None = None,
        discrete_columns: Sequence[Hashable] | None = None,
        progress: bool | ProgressCallback = True,
    ) -> Self:
        """Learn sequences.

        Args:
            data: A 3-D array ``(sequences, time steps, features)``, or a long
                DataFrame with one row per entity and time step. Sequences
                longer than ``seq_len`` are cut into every window of
                ``seq_len`` consecutive steps.
            entity_column: The frame's column naming each row's sequence;
                None when the whole frame is one sequence. Entities with
                fewer than ``seq_len`` rows are left out, with a warning.
                Its dtype must hold the ids 0, 1, ... that generated
                sequences get, so datetime and duration columns are refused.
            time_column: The frame's column of times (datetimes, durations
                or numbers) to order each entity's rows by; None to keep
                the row order. Datetimes and durations are counted in their
                own unit (seconds to nanoseconds), so dates outside the
                nanosecond range (before 1677, after 2262) work; periods
                are refused with the conversion to datetimes. Generated
                sequences start at the start time of a randomly drawn
                training entity and step evenly by the most common gap
                between consecutive times (float gaps equal to 12
                significant digits of the largest time, 3 for float32,
                count as one; a smaller gap keeps 3 digits of its own); when
                the gaps differ, fit warns that the other gaps are not reproduced.
            context_columns: A list of the frame's columns that hold one
                value per entity (numbers, datetimes, durations or
                categories such as text, booleans and pandas categoricals;
                missing values allowed). They are not counted in
                ``n_features``; each is fed to the networks as a feature
                constant over the sequence (categories one-hot, with a
                missing-value flag or slot where the column has missing
                values), and each synthetic entity gets one value, read
                back from its sequence: the mean for numbers, clipped to
                the training range and rounded for integer dtypes; the same
                for datetimes and durations, counted in the column's unit
                from its earliest value and given back in its dtype and time
                zone; and the most likely category for categories. A
                categorical column with more than 50 distinct values warns;
                one whose every entity has a value of its own (an
                identifier) is then refused.
            discrete_columns: Context columns of numbers to treat as
                categories (a segment stored as the codes 1 to 5): each
                synthetic entity gets one of the codes seen, in the
                column's dtype, instead of a number between them. Every name
                must also be in ``context_columns``; text, boolean and
                categorical columns are categories without it.
            progress: True for a progress bar per training phase, False for
                none, or a callable receiving :class:`ProgressEvent` (stage
                ``"autoencoder"``, ``"supervised"`` or ``"joint"``).

        Raises:
            InvalidDataError: The data cannot be learned; nothing was trained.
                Among the reasons: a context column that is not constant
                within every entity (the message names the column, how
                many entities it varies in, and one of them), a context
                column that is also the entity or time column, a
                ``discrete_columns`` name that is not a context column, an
                identifier-like context column, or context columns with an
                array.

        Warns:
            UserWarning: Entities are left out for being shorter than
                ``seq_len``, the time column's steps are irregular, or a
                feature holds one value per entity but is not named in
                ``context_columns`` (it is still modelled as a
                time-varying feature), or a context column has more than 50
                categories.
        """
        context = () if context_columns is None else context_columns
        discrete = () if discrete_columns is None else discrete_columns
        windows, layout = self._windows(
            data, entity_column, time_column, context, discrete
        )
        scaler = _MinMaxScaler.fit(windows)
        impl = self._implementation(self.config, seed=self.seed, device=self.device)
        logger.info(
            "Fitting TimeGAN on %s: %d windows of %d steps and %d features.",
            self._implementation.backend,
            len(windows),
            self.seq_len,
            self.n_features,
        )
        with _StageProgress(progress) as report:
            impl.fit(scaler.transform(windows), progress=report)

        self._impl, self._scaler, self._layout = impl, scaler, layout
        self._rng = np.random.default_rng(self.seed)
        self.backend_ = self._implementation.backend
        self.n_windows_ = len(windows)
        self.context_columns_ = [column.name for column in layout.context]
        return self

    def _windows(
        self,
        data: np.ndarray | pd.DataFrame,
        entity_column: Hashable | None,
        time_column: Hashable | None,
        context_columns: Sequence[Hashable],
        discrete_columns: Sequence[Hashable],
    ) -> tuple[np.ndarray, _OutputLayout]:
        if isinstance(data, pd.DataFrame):
            return _windows_from_frame(
                data,
                self.seq_len,
                self.n_features,
                entity_column,
                time_column,
                context_columns,
                discrete_columns,
            )
        no_names = all(
            isinstance(names, list | tuple) and not names
            for names in (context_columns, discrete_columns)
        )
        if entity_column is not None or time_column is not None or not no_names:
            raise InvalidDataError(
                "entity_column, time_column, discrete_columns and context_columns "
                "name columns of a DataFrame, but the data is a "
                f"{type(data).__name__}; pass a DataFrame or leave them out."
            )
        if not isinstance(data, np.ndarray):
            raise InvalidDataError(
                "TimeGANGenerator.fit takes a 3-D numpy array or a DataFrame; got "
                f"{type(data).__name__}. Wrap lists with np.asarray(data)."
            )
        windows = _windows_from_array(data, self.seq_len, self.n_features)
        kept = (np.floating, np.integer, np.bool_)
        dtype = data.dtype if issubclass(data.dtype.type, kept) else np.float64
        layout = _OutputLayout(kind="array", dtype=str(np.dtype(dtype)))
        if np.issubdtype(data.dtype, np.floating):
            layout.feature_decimals = [
                float_decimals(pd.Series(data[..., i].ravel()))
                for i in range(self.n_features)
            ]
        return windows, layout

    @property
    def loss_history_(self) -> list[dict[str, Any]]:
        """Mean losses per stage and report (see :class:`SequenceGeneratorImpl`)."""
        return list(self._fitted().loss_history_)

    @property
    def interrupted_(self) -> bool:
        """True when Ctrl-C stopped the fit before its last iteration."""
        return bool(self._fitted().interrupted_)

    def _fitted(self) -> SequenceGeneratorImpl:
        if self._impl is None:
            raise NotFittedError(
                "This TimeGANGenerator is not fitted yet; call fit(data) first."
            )
        return self._impl

    # -- generate -------------------------------------------------------------

    def _check_memory(self, n: int) -> None:
        """Refuse ``n`` sequences whose float64 values alone pass the machine's
        memory. generate(10**12) otherwise built batch after batch until the
        system killed the process."""
        try:
            memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
        except (AttributeError, ValueError, OSError):
            return  # not POSIX: numpy's own MemoryError will have to do
        needed = n * self.seq_len * self.n_features * np.dtype(np.float64).itemsize
        if needed > memory:
            raise MemoryError(
                f"{n:,} sequences of {self.seq_len} steps and {self.n_features} "
                f"features need about {needed / 2**30:,.0f} GiB; this machine has "
                f"{memory / 2**30:,.0f} GiB. Generate them in parts: call "
                "generate with a smaller n several times."
            )

    def generate(self, n: int, *, seed: int | None = None) -> np.ndarray | pd.DataFrame:
        """Generate ``n`` synthetic sequences of ``seq_len`` steps.

        Args:
            n: Number of sequences.
            seed: Draw from this seed instead of the generator's own stream.

        Returns:
            An array ``(n, seq_len, n_features)`` in the units and dtype of
            the training data when it was fitted on an array (integers
            rounded, booleans thresholded at one half); otherwise a long
            DataFrame with the training frame's columns and dtypes: entity
            ids 0 to ``n - 1`` (``"synthetic-0"``, ... in a text or
            categorical entity column; False and True in a boolean one), a
            time column whose every sequence starts at the start time of a
            training entity drawn at random (from ``seed`` or the
            generator's stream) and steps evenly by the training data's most
            common gap, the features, and the context columns, each
            constant within every sequence. A feature that was constant in
            training comes back as that constant; a float feature (or
            numeric context column) whose training values all have a fixed
            number of decimals comes back rounded to as many (prices in
            cents stay in cents), as the tabular generators do.

        Raises:
            NotFittedError: fit has not been called.
            InvalidDataError: ``n`` is not a non-negative integer, or the
                entity column's dtype cannot hold ``n`` distinct ids (a
                boolean holds 2, an int8 128); nothing was generated.
            TrainingDivergedError: The networks' output holds NaN or infinity.
            MemoryError: The sequences asked for need more memory than the
                machine has; nothing was generated.
        """
        impl = self._fitted()
        assert self._scaler is not None and self._layout is not None
        if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 0:
            raise InvalidDataError(
                f"The number of sequences must be a non-negative integer, got {n!r}."
            )
        self._check_memory(int(n))
        self._layout.check_count(int(n))
        seed = check_seed(seed)
        rng = np.random.default_rng(seed) if seed is not None else self._rng
        assert rng is not None
        scaled = impl.generate(int(n), rng=rng)
        finite = np.isfinite(scaled).all(axis=(0, 1))
        if not finite.all():
            features = self._layout.encoded_names(len(finite))
            names = list(dict.fromkeys(features[i] for i in np.flatnonzero(~finite)))
            raise TrainingDivergedError(
                "The TimeGAN model's output holds NaN or infinite values for "
                f"feature(s) {', '.join(map(repr, names))}: its weights have "
                "diverged, so it cannot generate sequences. Fit it again."
            )
        return self._layout.restore(
            self._scaler.inverse_transform(scaled), self.seq_len, rng
        )

    # -- save / load ----------------------------------------------------------

    def save(self, path: str | os.PathLike[str]) -> None:
        """Save the fitted generator to one file (safetensors + JSON, no pickle).

        Weight names are backend-neutral, so the file loads on any backend
        that implements TimeGAN.
        """
        impl = self._fitted()
        assert self._scaler is not None and self._layout is not None
        assert self._rng is not None
        arrays, state = impl.get_state()
        document = {
            "kind": FILE_KIND,
            "version": STATE_VERSION,
            "method": METHOD,
            "backend": self.backend_,
            "seq_len": self.seq_len,
            "n_features": self.n_features,
            "config": dict(self.config),
            "seed": self.seed,
            "n_windows": self.n_windows_,
            "layout": self._layout.to_json(),
            "impl": state,
            "rng": self._rng.bit_generator.state,
        }
        scaler_arrays = {
            "scaler.minimum": self._scaler.minimum,
            "scaler.maximum": self._scaler.maximum,
        }
        _io.write_model_file(
            path,
            {**{f"impl.{k}": v for k, v in arrays.items()}, **scaler_arrays},
            document,
        )
        logger.info("Saved TimeGAN generator to %s", path)

    @classmethod
    def load(
        cls,
        path: str | os.PathLike[str],
        backend: str | None = None,
        device: str | None = None,
    ) -> TimeGANGenerator:
        """Load a generator saved with :meth:`save`, on its backend or ``backend``.

        Raises:
            ModelFileError: The file is not a saved TimeGAN generator, or is
                from an incompatible version.
            BackendNotAvailableError: The backend is not installed.
        """
        arrays, document = _io.read_model_file(path)
        _io.check_model_kind(path, document, FILE_KIND)
        if document.get("version") not in READ_VERSIONS:
            raise ModelFileError(
                f"{str(path)!r} holds a TimeGAN generator of version "
                f"{document.get('version')!r}; this release reads versions "
                f"{READ_VERSIONS}. Fit and save it again with this release."
            )
        try:
            config = document["config"]
            timing = (
                {"iterations": config["iterations"]}
                if config["iterations"] is not None
                else {"epochs": config["epochs"]}
            )
            generator = cls(
                seq_len=document["seq_len"],
                n_features=document["n_features"],
                hidden_dim=config["hidden_dim"],
                num_layers=config["num_layers"],
                batch_size=config["batch_size"],
                module=config["module"],
                backend=backend or document["backend"],
                seed=document["seed"],
                device=device,
                **timing,
            )
            impl_arrays = {
                k.removeprefix("impl."): v
                for k, v in arrays.items()
                if k.startswith("impl.")
            }
            impl = generator._implementation.from_state(
                generator.config, impl_arrays, document["impl"], device=device
            )
            scaler = _MinMaxScaler(arrays["scaler.minimum"], arrays["scaler.maximum"])
            layout = _OutputLayout.from_json(document["layout"])
            # As SyntheticGenerator.load: seeded models go on where they were
            # saved; unseeded ones draw afresh after each load.
            rng = np.random.default_rng()
            if document["seed"] is not None:
                rng.bit_generator.state = document["rng"]
        except (KeyError, TypeError) as exc:
            raise ModelFileError(
                f"{str(path)!r} is missing part of a TimeGAN model ({exc!r}); it may "
                "have been written by another program."
            ) from exc
        generator._impl, generator._scaler, generator._layout = impl, scaler, layout
        generator._rng = rng
        generator.backend_ = generator._implementation.backend
        generator.n_windows_ = int(document["n_windows"])
        generator.context_columns_ = [column.name for column in layout.context]
        return generator
