"""Layer 1 of the data plane: user dtypes to numbers and back, exactly.

The preparer knows dtypes and nothing about models. It turns each user column
into zero, one or two *prepared columns* (continuous float64 or discrete int64
codes, never NaN) and turns generated arrays back into a frame with the
user's columns, order and exact dtypes. See docs/architecture.md.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from genesis._callers import caller_stacklevel
from genesis._values import decode_value, encode_value
from genesis.data._conditions import BatchThreads, usable_cpus
from genesis.data._identifiers import (
    draw_identifiers,
    learn_identifier_layout,
    mark_seen,
)
from genesis.data._numbers import (
    NumberLayout,
    holds_text,
    looks_like_numbers,
    number_readings,
    read_number_text,
    two_readings,
    write_number_text,
)
from genesis.data._times import (
    offset_seconds,
    read_stored_times,
    to_python_times,
    write_layout,
)
from genesis.errors import InvalidDataError
from genesis.metadata import ColumnMetadata, ColumnType, TableMetadata

__all__ = [
    "MISSING_SUFFIX",
    "PreparedColumn",
    "PreparedTable",
    "TablePreparer",
    "consecutive_whole_numbers",
    "whole_number_range",
]

logger = logging.getLogger(__name__)

MISSING_SUFFIX = ".missing"
# The prepared column of each row's UTC offset, for a datetime column of
# text whose offsets differ between rows.
OFFSET_SUFFIX = ".offset"
CONTINUOUS = "continuous"
DISCRETE = "discrete"
_NUMBER_TYPES = frozenset({ColumnType.CONTINUOUS, ColumnType.INTEGER})
# What pandas.api.types.infer_dtype calls a column of several value types.
_MIXED_KINDS = frozenset({"mixed", "mixed-integer", "mixed-integer-float"})
# A text category column with at least this many observed rows, this share
# of them distinct, is warned about: its synthetic values copy real ones.
_COPIED_TEXT_ROWS = 20
_COPIED_TEXT_SHARE = 0.9
# Rows from which inverse_transform restores columns on several threads.
_THREADED_RESTORE_ROWS = 10_000

# Units a datetime column's values may all be whole in, in nanoseconds: a
# day, an hour, a minute, a second, a millisecond, a microsecond.
_NS_STEPS = (86_400 * 10**9, 3_600 * 10**9, 60 * 10**9, 10**9, 10**6, 10**3, 1)
# Distinct times that must share a spacing finer than a day's or a unit's
# multiple before it is kept: n random times share a divisor k by chance with
# odds about k**-(n - 1), under 0.2% for k = 2 at 10 times.
_GRID_MIN_VALUES = 10


@dataclass
class PreparedColumn:
    """One model-facing column.

    Attributes:
        key: Unique string key (``str(source)``, or that plus MISSING_SUFFIX or
            OFFSET_SUFFIX; see ``_column_keys`` for names that clash).
        source: The user column it comes from.
        kind: ``"continuous"`` or ``"discrete"``.
        values: float64 (continuous) or int64 codes (discrete); never NaN.
        lower, upper: Observed range (continuous).
        step: Output is rounded to multiples of this (continuous), or None.
        frequencies: Share of each code in training (discrete).
        is_missing_indicator: Codes are 0 present / 1 missing for ``source``.
    """

    key: str
    source: Hashable
    kind: str
    values: np.ndarray
    lower: float = 0.0
    upper: float = 0.0
    step: float | None = None
    frequencies: np.ndarray | None = None
    is_missing_indicator: bool = False

    @property
    def n_categories(self) -> int:
        return 0 if self.frequencies is None else len(self.frequencies)

    @property
    def label(self) -> str:
        """How messages name this column: by the user's column, never by
        ``key``, which for a user column named like a prepared flag is not
        its name (see ``_column_keys``). For example ``'price.missing'``,
        ``'price' (missing-value flag)`` or ``'t' (UTC offsets)``."""
        name = repr(self.source)
        if self.is_missing_indicator:
            return f"{name} (missing-value flag)"
        text = str(self.source)
        stem = self.key.removesuffix(OFFSET_SUFFIX)
        if stem != self.key and _is_column_key(stem, text):
            return f"{name} (UTC offsets)"
        return name


@dataclass
class PreparedTable:
    """The prepared columns of one table, in order."""

    columns: list[PreparedColumn]
    n_rows: int

    def __getitem__(self, key: str) -> PreparedColumn:
        for column in self.columns:
            if column.key == key:
                return column
        raise KeyError(key)

    @property
    def keys(self) -> list[str]:
        return [c.key for c in self.columns]


@dataclass
class _ColumnPlan:
    """How one user column is prepared and restored (the fitted state)."""

    meta: ColumnMetadata
    key: str
    mode: str  # "continuous", "datetime", "discrete", "constant", "empty", "identifier"
    has_missing: bool = False
    missing_rate: float = 0.0
    categories: list[Any] | None = None
    constant: Any = None
    lower: float = 0.0
    upper: float = 0.0
    step: float | None = None
    timezone: str | None = None
    identifier_start: int = 0
    # For an identifier declared without a layout of its own (text columns
    # get UUIDs), the layout learned from its real values (see
    # genesis.data._identifiers); None to follow the metadata.
    identifier_layout: dict[str, Any] | None = None
    # What an object column held in its missing cells (None, NaN, pd.NA...),
    # so the output marks missing values the way the input did.
    missing_marker: Any = None
    # Integer and datetime columns are modelled relative to their smallest
    # value (``origin``, in integer units: ticks of ``time_unit`` for
    # datetimes), so the model sees exact small numbers and the output is
    # rebuilt in integer arithmetic: a float64 cannot hold a nanosecond
    # timestamp or an integer above 2**53 exactly. ``lower`` and ``upper``
    # are then relative, and ``extent`` is the exact largest value minus
    # ``origin``.
    origin: int | None = None
    extent: int | None = None
    # A datetime column counts in its dtype's own unit: in nanoseconds,
    # int64 ends in 1677 and 2262, before a 9999-12-31 "no end" date.
    time_unit: str = "ns"
    # For a datetime column stored as text or whole numbers, the strftime
    # format its values are written back in, and what strftime cannot say:
    # the digits of a fraction of a second, the style of a UTC offset and,
    # for whole numbers, the width to pad leading zeros back to (see
    # genesis.data._times).
    time_format: str | None = None
    time_style: dict[str, Any] | None = None
    # For an object column of dates or times, its first real value: the
    # output has that value's Python type and time zone.
    time_example: Any = None
    # For text whose UTC offsets differ between rows, the offsets seen, in
    # seconds: the column is modelled as wall-clock time plus an offset.
    time_offsets: list[int] | None = None
    # For a continuous or integer column stored as text ("$1,234.50"), the
    # whole layout its numbers are read in and written back in (see
    # genesis.data._numbers.NumberLayout).
    number_format: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "mode": self.mode,
            "has_missing": self.has_missing,
            "missing_rate": self.missing_rate,
            "categories": (
                None
                if self.categories is None
                else [encode_value(v) for v in self.categories]
            ),
            "constant": encode_value(self.constant),
            "lower": self.lower,
            "upper": self.upper,
            "step": self.step,
            "timezone": self.timezone,
            "identifier_start": self.identifier_start,
            "identifier_layout": self.identifier_layout,
            "missing_marker": encode_value(self.missing_marker),
            "origin": self.origin,
            "extent": self.extent,
            "time_unit": self.time_unit,
            "time_format": self.time_format,
            "time_style": self.time_style,
            "time_example": encode_value(self.time_example),
            "time_offsets": self.time_offsets,
            "number_format": self.number_format,
        }

    @classmethod
    def from_dict(cls, meta: ColumnMetadata, data: Mapping[str, Any]) -> _ColumnPlan:
        categories = data["categories"]
        return cls(
            meta=meta,
            key=data["key"],
            mode=data["mode"],
            has_missing=data["has_missing"],
            missing_rate=data["missing_rate"],
            categories=None
            if categories is None
            else [decode_value(v) for v in categories],
            constant=decode_value(data["constant"]),
            lower=data["lower"],
            upper=data["upper"],
            step=data["step"],
            timezone=data["timezone"],
            identifier_start=data["identifier_start"],
            identifier_layout=data.get("identifier_layout"),
            missing_marker=decode_value(data.get("missing_marker", ["none", None])),
            origin=data.get("origin"),
            extent=data.get("extent"),
            time_unit=data.get("time_unit", "ns"),
            time_format=data.get("time_format"),
            time_style=data.get("time_style"),
            time_example=decode_value(data.get("time_example", ["none", None])),
            time_offsets=data.get("time_offsets"),
            number_format=data.get("number_format"),
        )


class TablePreparer:
    """Turns a frame into prepared columns and generated arrays back into a frame."""

    def __init__(self, metadata: TableMetadata) -> None:
        self.metadata = metadata
        self._plans: list[_ColumnPlan] = []

    # -- fit / transform ---------------------------------------------------

    def fit_transform(
        self, data: pd.DataFrame, rng: np.random.Generator
    ) -> PreparedTable:
        """Learn how to restore each column and return the prepared table."""
        keys = _column_keys(self.metadata.columns)
        self._plans = []
        prepared: list[PreparedColumn] = []
        for meta in self.metadata:
            plan, columns = _prepare_column(meta, keys[meta.name], data[meta.name], rng)
            self._plans.append(plan)
            prepared.extend(columns)
        return PreparedTable(prepared, len(data))

    @property
    def plans(self) -> list[_ColumnPlan]:
        return self._plans

    # -- inverse -----------------------------------------------------------

    def inverse_transform(
        self,
        arrays: Mapping[str, np.ndarray],
        n_rows: int,
        rng: np.random.Generator,
        identifier_offset: int = 0,
    ) -> pd.DataFrame:
        """Build the user's frame from one array per prepared column key.

        Sequential identifiers are numbered from the column's first real
        value plus ``identifier_offset``; UUID identifier columns draw from
        ``rng``, in column order. The other
        columns draw nothing, and from :data:`_THREADED_RESTORE_ROWS` rows on
        they are restored side by side, one thread per CPU: most of the time
        goes to copying text values (Adult, 1,000,000 rows: 0.36 of 0.5 s),
        which pyarrow and numpy do without holding the interpreter.
        """
        out: dict[Hashable, pd.Series] = {}
        for plan in self._plans:
            if plan.mode == "identifier":
                out[plan.meta.name] = fresh_identifiers(
                    _numbered_from(plan, identifier_offset), n_rows, rng
                )
        others = [plan for plan in self._plans if plan.mode != "identifier"]

        def restore(index: int) -> pd.Series:
            return _restore_column(others[index], arrays, n_rows, rng)

        workers = usable_cpus()
        if n_rows >= _THREADED_RESTORE_ROWS and len(others) > 1 and workers > 1:
            threads = BatchThreads.shared(workers, name="genesis-restore")
            restored = threads.map(restore, range(len(others)))
        else:
            restored = [restore(index) for index in range(len(others))]
        out.update(
            (plan.meta.name, series)
            for plan, series in zip(others, restored, strict=True)
        )
        out = {plan.meta.name: out[plan.meta.name] for plan in self._plans}
        frame = pd.DataFrame(out, index=pd.RangeIndex(n_rows))
        frame.columns = pd.Index(self.metadata.columns, dtype=object)
        if all(isinstance(c, str) for c in frame.columns) or all(
            isinstance(c, int) for c in frame.columns
        ):
            frame.columns = pd.Index(list(self.metadata.columns))
        return frame

    # -- state -------------------------------------------------------------

    def get_state(self) -> dict[str, Any]:
        return {
            "metadata": self.metadata.to_dict(),
            "plans": [plan.to_dict() for plan in self._plans],
        }

    @classmethod
    def from_state(cls, state: Mapping[str, Any]) -> TablePreparer:
        metadata = TableMetadata.from_dict(state["metadata"])
        preparer = cls(metadata)
        preparer._plans = [
            _ColumnPlan.from_dict(meta, plan)
            for meta, plan in zip(metadata, state["plans"], strict=True)
        ]
        return preparer


def _is_column_key(key: str, text: str) -> bool:
    """Whether ``key`` is what ``_column_keys`` gives a column of text ``text``."""
    number = key.removeprefix(f"{text}#")
    return key == text or (number != key and number.isdigit())


def _column_keys(names: list[Hashable]) -> dict[Hashable, str]:
    """Each column's prepared key: its name as text, unique among the keys
    and the keys derived from them.

    A column's missing flag and UTC offsets are prepared under its key plus
    MISSING_SUFFIX or OFFSET_SUFFIX, so a column named like one of those
    ("price" and "price.missing") would share a key with it and the two
    would be learned as one. Such a column keeps its name but is prepared
    under its text plus "#2" (or the next free number).
    """
    keys: dict[Hashable, str] = {}
    seen: dict[str, Hashable] = {}
    for name in names:
        key = str(name)
        if key in seen:
            raise InvalidDataError(
                f"Columns {seen[key]!r} and {name!r} have the same text {key!r}; "
                "rename one of them."
            )
        seen[key] = name
        keys[name] = key
    suffixes = (MISSING_SUFFIX, OFFSET_SUFFIX)
    for name, text in list(keys.items()):
        if not any(text.endswith(s) and text[: -len(s)] in seen for s in suffixes):
            continue
        number = 2
        while (key := f"{text}#{number}") in seen or any(
            key + suffix in seen for suffix in suffixes
        ):
            number += 1
        seen[key] = name
        keys[name] = key
    return keys


def _missing_mask(series: pd.Series) -> np.ndarray:
    return series.isna().to_numpy(dtype=bool)


def _missing_marker(series: pd.Series, missing: np.ndarray) -> Any:
    """The value an object column uses for missing cells (its most common one)."""
    if series.dtype != np.dtype(object) or not missing.any():
        return None
    markers = series[missing]
    kinds = pd.Series([encode_value(v)[0] for v in markers])
    first_of_commonest = kinds.index[kinds == kinds.value_counts().index[0]][0]
    return markers.iloc[first_of_commonest]


def _prepare_column(
    meta: ColumnMetadata, key: str, series: pd.Series, rng: np.random.Generator
) -> tuple[_ColumnPlan, list[PreparedColumn]]:
    missing = _missing_mask(series)
    plan = _ColumnPlan(
        meta=meta,
        key=key,
        mode="",
        has_missing=bool(missing.any()),
        missing_rate=float(missing.mean()) if len(missing) else 0.0,
        missing_marker=_missing_marker(series, missing),
    )
    if meta.column_type == ColumnType.IDENTIFIER:
        plan.mode = "identifier"
        if meta.identifier_format and meta.identifier_format.get("kind") == "int":
            plan.identifier_start = int(series.min())
        elif meta.identifier_format and meta.identifier_format.get("kind") == "text":
            digits = series.astype(str).str.slice(len(meta.identifier_format["prefix"]))
            plan.identifier_start = int(digits.astype(np.int64).min())
        elif (learned := learn_identifier_layout(series[~missing])) is not None:
            layout, plan.identifier_start = learned
            plan.identifier_layout = mark_seen(layout, series[~missing])
        return plan, []

    if missing.all():
        warnings.warn(
            f"Column {meta.name!r} is missing in every row; it is kept all missing "
            "in the output.",
            stacklevel=caller_stacklevel(),
        )
        plan.mode = "empty"
        return plan, []

    if meta.is_discrete:
        return _prepare_discrete(plan, series, missing)
    if meta.column_type in _NUMBER_TYPES and holds_text(series):
        series = _read_number_text(plan, series, missing)
    return _prepare_numeric(plan, series, missing, rng)


def _read_number_text(
    plan: _ColumnPlan, series: pd.Series, missing: np.ndarray
) -> pd.Series:
    """A numeric column of text ("$1,234.50") as float64 numbers, NaN where
    missing; records on ``plan`` the layout to write generated ones in."""
    numbers, layout = read_number_text(
        plan.meta.name, series[~missing], plan.meta.number_format
    )
    plan.number_format = layout.to_dict()
    values = np.full(len(series), np.nan)
    values[~missing] = numbers
    return pd.Series(values, index=series.index)


def _prepare_discrete(
    plan: _ColumnPlan, series: pd.Series, missing: np.ndarray
) -> tuple[_ColumnPlan, list[PreparedColumn]]:
    observed = series[~missing]
    if _mixes_types(observed):
        # Python counts True == 1 == 1.0; paired with their types, each
        # stays a category of its own instead of all becoming the first.
        pairs = np.empty(len(observed), dtype=object)
        pairs[:] = [(type(value), value) for value in observed]
        codes, uniques = pd.factorize(pairs, sort=False)
        categories = [value for _, value in uniques]
    else:
        codes, uniques = pd.factorize(observed, sort=False)
        if isinstance(uniques, pd.CategoricalIndex | pd.Categorical):
            uniques = uniques.astype(object)
        categories = list(np.asarray(uniques, dtype=object))
    _warn_mixed_types(plan.meta.name, categories)
    _warn_copied_text(plan.meta.name, categories, len(observed))
    if len(categories) == 1 and not plan.has_missing:
        plan.mode = "constant"
        plan.constant = categories[0]
        return plan, []
    plan.mode = "discrete"
    plan.categories = categories
    full = np.full(len(series), len(categories), dtype=np.int64)
    full[~missing] = codes
    n_codes = len(categories) + int(plan.has_missing)
    frequencies = np.bincount(full, minlength=n_codes).astype(np.float64)
    frequencies /= frequencies.sum()
    column = PreparedColumn(
        key=plan.key,
        source=plan.meta.name,
        kind=DISCRETE,
        values=full,
        frequencies=frequencies,
    )
    return plan, [column]


def _mixes_types(observed: pd.Series) -> bool:
    """Whether an object column holds values of several types."""
    if observed.dtype != np.dtype(object):
        return False
    return pd.api.types.infer_dtype(observed, skipna=True) in _MIXED_KINDS


def _warn_mixed_types(name: Hashable, categories: list[Any]) -> None:
    kinds = {type(v).__name__ for v in categories}
    if len(kinds) > 1:
        warnings.warn(
            f"Column {name!r} mixes value types {sorted(kinds)!r}; it is modelled "
            "as categorical and its original values are returned.",
            stacklevel=caller_stacklevel(),
        )


def _warn_copied_text(name: Hashable, categories: list[Any], observed: int) -> None:
    """Warn when a category column of text is nearly all distinct values.

    Its synthetic values can only be real ones, so an email address, a
    name or a comment of one real row is copied into the synthetic data.
    """
    if observed < _COPIED_TEXT_ROWS or len(categories) < _COPIED_TEXT_SHARE * observed:
        return
    if not all(isinstance(value, str) for value in categories):
        return
    readings = number_readings(categories)
    if len(readings) > 1:
        warnings.warn(
            f"Column {name!r} holds {len(categories)} distinct texts in {observed} "
            "rows, kept as categories (every synthetic value a real one copied "
            f"from a real row), because {two_readings(name, categories, readings)}",
            stacklevel=caller_stacklevel(),
        )
        return
    warnings.warn(
        f"Column {name!r} holds {len(categories)} distinct texts in {observed} "
        "rows. As a category, every synthetic value is a real one copied from "
        "a real row, which can leak names, emails or notes. If it identifies "
        f"rows, declare it an identifier for fresh values (metadata = "
        f"TableMetadata.infer(data); metadata.update_column({name!r}, "
        "'identifier'); fit(data, metadata=metadata); on the command line, "
        f"genesis fit --identifier {name}); if it is free text, drop it or "
        f"write it with genesis.generators.text.{_number_advice(name, categories)}",
        stacklevel=caller_stacklevel(),
    )


def _number_advice(name: Hashable, texts: list[str]) -> str:
    """Advice for text whose every value is a number with a unit, in
    layouts the values do not all share ("$12.00" next to "12.00")."""
    if not looks_like_numbers(texts):
        return ""
    return (
        " If it holds numbers written as text, make every value share one "
        "layout (the same text around the digits, the same separators and "
        "decimals) or declare it: metadata.update_column("
        f"{name!r}, 'continuous', number_format={{...}})."
    )


def _whole_numbers(plan: _ColumnPlan, series: pd.Series) -> np.ndarray | None:
    """The observed values of an integer or datetime column as exact integers.

    Datetimes become ticks of their dtype's unit in local wall-clock time, so
    whole days and hours stay whole across daylight-saving changes. None for
    other columns.
    """
    observed = series[~_missing_mask(series)]
    if plan.meta.column_type == ColumnType.DATETIME:
        if not pd.api.types.is_datetime64_any_dtype(observed.dtype):
            observed = read_stored_times(plan, observed)
        tz = getattr(observed.dtype, "tz", None)
        plan.timezone = None if tz is None else str(tz)
        plan.time_unit = _time_unit(observed.dtype)
        naive = observed.dt.tz_localize(None) if tz else observed
        ticks = naive.astype(f"datetime64[{plan.time_unit}]").to_numpy()
        return ticks.view(np.int64)
    if plan.meta.column_type != ColumnType.INTEGER:
        return None
    if pd.api.types.is_unsigned_integer_dtype(series.dtype):
        return observed.to_numpy(dtype=np.uint64)
    if pd.api.types.is_integer_dtype(series.dtype):
        return observed.to_numpy(dtype=np.int64)
    # Whole numbers stored as floats: exact already only below 2**53.
    numbers = observed.to_numpy(dtype=np.float64)
    if not np.isfinite(numbers).all():
        return None
    return numbers.astype(np.int64)


def _time_unit(dtype: Any) -> str:
    """The unit a datetime dtype counts in: "s", "ms", "us" or "ns"."""
    arrow = getattr(dtype, "pyarrow_dtype", None)
    if arrow is not None:
        # Arrow's date types count days or milliseconds and have no unit;
        # seconds hold every date either can.
        return str(getattr(arrow, "unit", "s"))
    if isinstance(dtype, pd.DatetimeTZDtype):
        return str(dtype.unit)
    return np.datetime_data(dtype)[0]


def _numeric_values(
    plan: _ColumnPlan, series: pd.Series, missing: np.ndarray
) -> np.ndarray:
    """float64 values of a numeric or datetime column, NaN where missing.

    Integer and datetime columns are given relative to their smallest value,
    which goes to ``plan.origin`` (see :class:`_ColumnPlan`).
    """
    whole = _whole_numbers(plan, series)
    if whole is None or not len(whole):
        return series.to_numpy(dtype=np.float64, na_value=np.nan)
    origin = int(whole.min())
    # Differences in uint64 are exact even when they overflow int64.
    offsets = whole.astype(np.uint64) - np.uint64(origin % 2**64)
    plan.origin, plan.extent = origin, int(offsets.max())
    plan.step = _step(plan, whole)
    values = np.full(len(series), np.nan)
    values[~missing] = offsets.astype(np.float64)
    return values


def _prepare_numeric(
    plan: _ColumnPlan, series: pd.Series, missing: np.ndarray, rng: np.random.Generator
) -> tuple[_ColumnPlan, list[PreparedColumn]]:
    values = _numeric_values(plan, series, missing)
    observed = values[~missing]
    if not np.isfinite(observed).all():
        raise InvalidDataError(
            f"Column {plan.meta.name!r} holds infinite values; replace them with "
            "finite numbers or missing values before fitting."
        )
    plan.lower = float(observed.min())
    plan.upper = float(observed.max())
    if plan.origin is None:
        plan.step = _step(plan, observed)
    columns: list[PreparedColumn] = []
    if plan.lower == plan.upper:
        plan.mode = "constant"
        plan.constant = series[~missing].iloc[0]
    else:
        plan.mode = (
            "datetime" if plan.meta.column_type == ColumnType.DATETIME else "continuous"
        )
        filled = values.copy()
        if plan.has_missing:
            filled[missing] = rng.choice(observed, size=int(missing.sum()))
        columns.append(
            PreparedColumn(
                key=plan.key,
                source=plan.meta.name,
                kind=CONTINUOUS,
                values=filled,
                lower=plan.lower,
                upper=plan.upper,
                step=plan.step,
            )
        )
    if plan.has_missing:
        columns.append(_missing_indicator(plan, missing))
    if plan.time_offsets is not None:
        columns.append(_offset_column(plan, series, missing, rng))
    return plan, columns


def _offset_column(
    plan: _ColumnPlan, series: pd.Series, missing: np.ndarray, rng: np.random.Generator
) -> PreparedColumn:
    """Each row's UTC offset, as a code into ``plan.time_offsets``; missing
    rows take the offset of a present row drawn at random."""
    assert plan.time_offsets is not None
    seconds = offset_seconds(series[~missing].astype(str))
    observed = np.searchsorted(plan.time_offsets, seconds)
    codes = np.empty(len(series), dtype=np.int64)
    codes[~missing] = observed
    codes[missing] = rng.choice(observed, size=int(missing.sum()))
    frequencies = np.bincount(codes, minlength=len(plan.time_offsets))
    return PreparedColumn(
        key=plan.key + OFFSET_SUFFIX,
        source=plan.meta.name,
        kind=DISCRETE,
        values=codes,
        frequencies=frequencies.astype(np.float64) / len(codes),
    )


def _missing_indicator(plan: _ColumnPlan, missing: np.ndarray) -> PreparedColumn:
    codes = missing.astype(np.int64)
    frequencies = np.bincount(codes, minlength=2).astype(np.float64) / len(codes)
    return PreparedColumn(
        key=plan.key + MISSING_SUFFIX,
        source=plan.meta.name,
        kind=DISCRETE,
        values=codes,
        frequencies=frequencies,
        is_missing_indicator=True,
    )


def _step(plan: _ColumnPlan, observed: np.ndarray) -> float | None:
    """The spacing output values are rounded to; for datetimes, the coarsest
    unit (a day down to the dtype's own unit) that every observed time is
    whole in.

    ``observed`` holds exact ticks of ``plan.time_unit`` for a datetime column.
    """
    meta = plan.meta
    if meta.column_type == ColumnType.INTEGER:
        return 1.0
    if meta.column_type == ColumnType.DATETIME:
        tick = int(np.timedelta64(1, plan.time_unit) // np.timedelta64(1, "ns"))
        unit = 1
        for step in (ns // tick for ns in _NS_STEPS if ns % tick == 0):
            if not np.any(observed % step):
                unit = step
                break
        return float(_grid_step(observed, unit))
    if plan.number_format is not None:
        return 10.0 ** (-plan.number_format["decimals"])
    if meta.decimals is not None:
        return 10.0 ** (-meta.decimals)
    return None


def _grid_step(ticks: np.ndarray, unit: int) -> int:
    """The spacing every time sits on, counted from the first: readings every
    10 minutes, weekly dates. That is the greatest common divisor of their
    distances when it is a whole number of ``unit`` and at least
    _GRID_MIN_VALUES distinct times show it (a few times share a divisor by
    chance: two a day apart are not a daily grid); else ``unit``.
    """
    if np.unique(ticks).size < _GRID_MIN_VALUES:
        return unit
    offsets = ticks.astype(np.uint64) - np.uint64(int(ticks.min()) % 2**64)
    grid = int(np.gcd.reduce(offsets))
    return grid if grid > unit and grid % unit == 0 else unit


# -- restoring ----------------------------------------------------------------


def _restore_column(
    plan: _ColumnPlan,
    arrays: Mapping[str, np.ndarray],
    n_rows: int,
    rng: np.random.Generator,
) -> pd.Series:
    missing = np.zeros(n_rows, dtype=bool)
    if plan.has_missing and plan.mode in ("continuous", "datetime", "constant"):
        missing = np.asarray(arrays[plan.key + MISSING_SUFFIX]).astype(bool)
    if plan.mode == "identifier":
        return fresh_identifiers(plan, n_rows, rng)
    if plan.mode == "empty":
        return _all_missing(plan, n_rows)
    if plan.mode == "discrete":
        return _restore_discrete(plan, np.asarray(arrays[plan.key]), n_rows)
    if plan.mode == "constant":
        if plan.meta.is_discrete:
            return _restore_discrete(plan, np.zeros(n_rows, dtype=np.int64), n_rows)
        values = np.full(n_rows, plan.lower, dtype=np.float64)
    else:
        values = np.clip(
            np.asarray(arrays[plan.key], dtype=np.float64), plan.lower, plan.upper
        )
        if plan.step is not None:
            values = np.round(values / plan.step) * plan.step
            if plan.step < 1:
                values = np.round(values, _decimals(plan))
            # Rounding can step just outside the observed range; the range
            # ends are themselves seen values, so clip once more.
            values = np.clip(values, plan.lower, plan.upper)
    values[missing] = np.nan
    if plan.number_format is not None:
        return _number_text(plan, values, missing)
    offsets = None
    if plan.time_offsets is not None:
        codes = np.asarray(arrays[plan.key + OFFSET_SUFFIX], dtype=np.int64)
        offsets = np.asarray(plan.time_offsets, dtype=np.int64)[codes]
    if plan.origin is not None:
        return _restore_whole(plan, values, offsets)
    # Files saved before integer and datetime columns had an origin.
    if plan.mode == "datetime" or plan.meta.column_type == ColumnType.DATETIME:
        ticks = np.where(np.isnan(values), 0, values).astype(np.int64)
        return _to_datetime(plan, ticks, np.isnan(values))
    return _to_numeric_dtype(plan.meta, values)


def _decimals(plan: _ColumnPlan) -> int:
    """The decimals continuous output is rounded to, once a step below one
    has been applied."""
    if plan.number_format is not None:
        return int(plan.number_format["decimals"])
    return plan.meta.decimals or 0


def _number_text(
    plan: _ColumnPlan, values: np.ndarray, missing: np.ndarray
) -> pd.Series:
    """Generated numbers (NaN = missing) as text in the column's layout."""
    assert plan.number_format is not None
    # Integer columns are modelled relative to their smallest value.
    numbers = values + float(plan.origin or 0)
    text = np.empty(len(values), dtype=object)
    text[~missing] = write_number_text(
        numbers[~missing], NumberLayout.from_dict(plan.number_format)
    )
    text[missing] = plan.missing_marker
    return _cast_objects(plan.meta, text, missing)


def _restore_whole(
    plan: _ColumnPlan, values: np.ndarray, offsets: np.ndarray | None = None
) -> pd.Series:
    """Relative float values back to exact integers or times (NaN = missing).

    The values are rounded to whole steps and added to the origin in integer
    arithmetic, so every output is a multiple of the step the data had and
    lies within the observed range exactly.
    """
    assert plan.origin is not None and plan.extent is not None
    missing = np.isnan(values)
    step = int(plan.step or 1)
    steps = np.round(np.where(missing, 0.0, values) / step)
    steps = np.clip(steps, 0.0, _float_at_most(plan.extent // step)).astype(np.uint64)
    if plan.meta.column_type == ColumnType.DATETIME:
        ticks = (steps * np.uint64(step)).astype(np.int64) + np.int64(plan.origin)
        return _to_datetime(plan, ticks, missing, offsets)
    dtype = None if plan.meta.dtype == "category" else plan.meta.dtype
    if dtype is not None and pd.api.types.is_unsigned_integer_dtype(dtype):
        whole: np.ndarray = steps * np.uint64(step) + np.uint64(plan.origin)
    else:
        whole = (steps * np.uint64(step)).astype(np.int64) + np.int64(plan.origin)
    return _whole_to_dtype(plan.meta, whole, missing)


def _float_at_most(limit: int) -> float:
    """The largest float64 not above ``limit`` (float(limit) may round up)."""
    nearest = float(limit)
    return nearest if int(nearest) <= limit else float(np.nextafter(nearest, 0.0))


def _whole_to_dtype(
    meta: ColumnMetadata, whole: np.ndarray, missing: np.ndarray
) -> pd.Series:
    """Exact integers in the column's dtype, missing where ``missing``."""
    dtype = pd.api.types.pandas_dtype(meta.dtype) if meta.dtype != "category" else None
    if dtype is not None and pd.api.types.is_integer_dtype(dtype):
        if isinstance(dtype, np.dtype):
            return pd.Series(whole.astype(dtype))
        exact = pd.arrays.IntegerArray(whole.astype(dtype.numpy_dtype), missing.copy())
        return pd.Series(exact).astype(dtype)
    numbers = np.where(missing, np.nan, whole.astype(np.float64))
    return _to_numeric_dtype(meta, numbers)


def _to_numeric_dtype(meta: ColumnMetadata, values: np.ndarray) -> pd.Series:
    dtype = pd.api.types.pandas_dtype(meta.dtype) if meta.dtype != "category" else None
    if dtype is not None and pd.api.types.is_bool_dtype(dtype):
        return pd.Series(values != 0).astype(dtype)
    if dtype is not None and pd.api.types.is_integer_dtype(dtype):
        if np.isnan(values).any():
            series = pd.Series(values).astype("Float64").round().astype(dtype)
            return series
        return pd.Series(np.round(values).astype(np.int64)).astype(dtype)
    if dtype is None:
        return pd.Series(values)
    return pd.Series(values).astype(dtype)


def _to_datetime(
    plan: _ColumnPlan,
    ticks: np.ndarray,
    missing: np.ndarray,
    offsets: np.ndarray | None = None,
) -> pd.Series:
    unit = f"datetime64[{plan.time_unit}]"
    # Missing rows hold the first instant of the unit until they are marked.
    stamps = pd.Series(np.where(missing, 0, ticks).astype(np.int64).view(unit))
    if plan.time_example is not None:
        values = to_python_times(stamps.mask(missing), plan.time_example)
        values[missing] = plan.missing_marker
        return _cast_objects(plan.meta, values, missing)
    if plan.timezone is not None:
        # A wall time repeated when clocks go back is read as standard time;
        # one skipped when they go forward moves to the next valid instant.
        stamps = stamps.dt.tz_localize(
            plan.timezone,
            ambiguous=np.zeros(len(stamps), dtype=bool),
            nonexistent="shift_forward",
        )
    if plan.time_format is None:
        return stamps.mask(missing).astype(plan.meta.dtype)
    text = write_layout(stamps, plan.time_format, plan.time_style, offsets)
    text[missing] = plan.missing_marker
    return _cast_objects(plan.meta, text, missing)


def _restore_discrete(plan: _ColumnPlan, codes: np.ndarray, n_rows: int) -> pd.Series:
    categories = plan.categories if plan.mode == "discrete" else [plan.constant]
    codes = np.asarray(codes, dtype=np.int64)
    missing = codes >= len(categories)
    meta = plan.meta
    if meta.dtype == "category":
        positions = {value: i for i, value in enumerate(meta.categories or ())}
        lookup = np.array([positions[v] for v in categories], dtype=np.int64)
        category_codes = np.where(missing, -1, lookup[np.where(missing, 0, codes)])
        restored = pd.Categorical.from_codes(
            category_codes, categories=list(meta.categories or ()), ordered=meta.ordered
        )
        return pd.Series(restored)
    dtype = pd.api.types.pandas_dtype(meta.dtype)
    if isinstance(dtype, pd.StringDtype):
        # A string array of the categories, then one vectorised take: Adult's
        # nine text columns restore in a fifth of the time it takes to convert
        # an object array row by row. Missing cells take the dtype's NA, as
        # the conversion gives them.
        pool = pd.array(list(categories), dtype=dtype)
        return pd.Series(pool.take(np.where(missing, -1, codes), allow_fill=True))
    pool = np.empty(len(categories) + 1, dtype=object)
    pool[: len(categories)] = categories
    pool[len(categories)] = plan.missing_marker
    values = pool[np.minimum(codes, len(categories))]
    return _cast_objects(meta, values, missing)


def _cast_objects(
    meta: ColumnMetadata, values: np.ndarray, missing: np.ndarray
) -> pd.Series:
    dtype = pd.api.types.pandas_dtype(meta.dtype)
    if dtype == np.dtype(object):
        return pd.Series(values, dtype=object)
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return pd.Series(pd.to_datetime(pd.Series(values)), dtype=dtype)
    if pd.api.types.is_integer_dtype(dtype):
        # Straight from the Python integers: through float64, values above
        # 2**53 would turn into neighbours never seen in the data.
        numpy_dtype = getattr(dtype, "numpy_dtype", dtype)
        whole = np.where(missing, 0, values).astype(numpy_dtype)
        return _whole_to_dtype(meta, whole, missing)
    if pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype):
        numbers = np.where(missing, np.nan, values).astype(float)
        return _to_numeric_dtype(meta, numbers)
    series = pd.Series(values, dtype=object)
    if missing.any() and pd.api.types.is_bool_dtype(dtype) and dtype == np.dtype(bool):
        return series
    return series.astype(dtype)


def _all_missing(plan: _ColumnPlan, n_rows: int) -> pd.Series:
    meta = plan.meta
    if meta.dtype == "category":
        return pd.Series(
            pd.Categorical([None] * n_rows, categories=list(meta.categories or ()))
        )
    dtype = pd.api.types.pandas_dtype(meta.dtype)
    if dtype == np.dtype(object):
        return pd.Series([plan.missing_marker] * n_rows, dtype=object)
    return pd.Series([None] * n_rows, dtype=object).astype(dtype)


def fresh_identifiers(
    plan: _ColumnPlan, n_rows: int, rng: np.random.Generator
) -> pd.Series:
    """``n_rows`` fresh values of an identifier column, blank in rows drawn
    at the real share of missing values, independently of the other columns.
    """
    values = _fresh_identifier_values(plan, n_rows, rng)
    if not plan.has_missing:
        return values
    return _blank_rows(plan, values, rng.random(n_rows) < plan.missing_rate)


def _blank_rows(plan: _ColumnPlan, values: pd.Series, missing: np.ndarray) -> pd.Series:
    """``values`` with the rows of ``missing`` blank, marked as the input did."""
    if values.dtype == np.dtype(object):
        cells = values.to_numpy(dtype=object, copy=True)
        cells[missing] = plan.missing_marker
        return pd.Series(cells, dtype=object)
    return values.mask(pd.Series(missing, index=values.index))


def _fresh_identifier_values(
    plan: _ColumnPlan, n_rows: int, rng: np.random.Generator
) -> pd.Series:
    fmt = dict(plan.identifier_layout or plan.meta.identifier_format or {"kind": "int"})
    if fmt["kind"] in ("pattern", "key"):
        where = f"Column {plan.meta.name!r}"
        drawn = draw_identifiers(fmt, n_rows, rng, where)
        values = np.empty(n_rows, dtype=object)
        values[:] = drawn
        return _cast_objects(plan.meta, values, np.zeros(n_rows, dtype=bool))
    if fmt["kind"] == "int":
        dtype = pd.api.types.pandas_dtype(plan.meta.dtype)
        numbers = _identifier_numbers(
            plan, n_rows, getattr(dtype, "numpy_dtype", dtype)
        )
        return pd.Series(numbers).astype(dtype)
    if fmt["kind"] == "uuid":
        raw = rng.integers(0, 256, size=(n_rows, 16), dtype=np.uint8)
        values = _uuid_texts(raw, upper=bool(fmt.get("upper")))
    else:
        values = _numbered_texts(
            fmt.get("prefix", ""),
            int(fmt.get("width", 0)),
            plan.identifier_start,
            n_rows,
        )
    return _cast_objects(plan.meta, values, np.zeros(n_rows, dtype=bool))


# Each byte's two hexadecimal digits, as ASCII codes.
_HEX_DIGITS = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
_BYTE_HEX = np.stack(
    [_HEX_DIGITS[np.arange(256) >> 4], _HEX_DIGITS[np.arange(256) & 15]], axis=1
)
# Where each of a UUID's 32 hex digits goes in its 36 characters.
_UUID_DIGIT_SLOTS = np.array([i for i in range(36) if i not in (8, 13, 18, 23)])


def _uuid_texts(raw: np.ndarray, *, upper: bool) -> np.ndarray:
    """Version-4 UUID text of each row of 16 random bytes, as an object array.

    The same text ``str(uuid.UUID(bytes=row, version=4))`` gives, written
    for all rows at once: about 20 times faster than one UUID object per row.
    """
    raw = raw.copy()
    raw[:, 6] = (raw[:, 6] & 0x0F) | 0x40  # version 4
    raw[:, 8] = (raw[:, 8] & 0x3F) | 0x80  # RFC 4122 variant
    chars = np.full((raw.shape[0], 36), ord("-"), dtype=np.uint8)
    chars[:, _UUID_DIGIT_SLOTS] = _BYTE_HEX[raw].reshape(raw.shape[0], 32)
    if upper:
        letters = chars >= ord("a")
        chars[letters] -= ord("a") - ord("A")
    return _ascii_rows(chars)


def _numbered_texts(prefix: str, width: int, start: int, n_rows: int) -> np.ndarray:
    """``f"{prefix}{number:0{width}d}"`` for ``n_rows`` numbers from ``start``,
    as an object array, written digit by digit in runs of equal length."""
    stop = start + n_rows
    if start < 0 or stop > np.iinfo(np.int64).max or not prefix.isascii():
        return np.array(
            [f"{prefix}{number:0{width}d}" for number in range(start, stop)],
            dtype=object,
        )
    runs = []
    low = start
    while low < stop:
        digits = max(width, len(str(low)))
        high = min(stop, 10**digits)
        runs.append(_equal_length_texts(prefix, digits, low, high))
        low = high
    return np.concatenate(runs) if runs else np.empty(0, dtype=object)


def _equal_length_texts(prefix: str, digits: int, low: int, high: int) -> np.ndarray:
    """The numbers ``low`` to ``high - 1``, each of ``digits`` digits (zero
    padded), after ``prefix``."""
    numbers = np.arange(low, high, dtype=np.int64)
    chars = np.empty((numbers.size, len(prefix) + digits), dtype=np.uint8)
    chars[:, : len(prefix)] = np.frombuffer(prefix.encode(), dtype=np.uint8)
    for place in range(digits - 1, -1, -1):
        numbers, digit = np.divmod(numbers, 10)
        chars[:, len(prefix) + place] = digit + ord("0")
    return _ascii_rows(chars)


def _ascii_rows(chars: np.ndarray) -> np.ndarray:
    """Each row of ASCII codes as one Python str, in an object array."""
    fixed = np.ascontiguousarray(chars).view(f"S{chars.shape[1]}").ravel()
    return fixed.astype(f"U{chars.shape[1]}").astype(object)


def renumber_identifiers(
    plans: list[_ColumnPlan], frame: pd.DataFrame, offset: int
) -> None:
    """Number the sequential identifiers of ``frame`` from the column's first
    real value plus ``offset``, in row order.

    UUIDs and other drawn values are drawn at random when restored and left
    as they are; rows left blank stay blank.
    """
    for plan in plans:
        fmt = plan.identifier_layout or plan.meta.identifier_format or {"kind": "int"}
        if plan.mode != "identifier" or fmt.get("kind") not in ("int", "text"):
            continue
        shifted = _numbered_from(plan, offset)
        values = _fresh_identifier_values(shifted, len(frame), np.random.default_rng(0))
        if plan.has_missing:
            missing = _missing_mask(frame[plan.meta.name])
            values = _blank_rows(plan, values, missing)
        frame[plan.meta.name] = values.set_axis(frame.index)


def _numbered_from(plan: _ColumnPlan, offset: int) -> _ColumnPlan:
    """``plan`` with its sequential identifiers starting ``offset`` later."""
    if offset == 0:
        return plan
    return replace(plan, identifier_start=plan.identifier_start + offset)


def _identifier_numbers(
    plan: _ColumnPlan, n_rows: int, numpy_dtype: np.dtype
) -> np.ndarray:
    """``n_rows`` consecutive integers from the first real identifier.

    When the column's integer type would overflow past its largest value,
    the run starts lower instead, so every identifier stays distinct.
    """
    if numpy_dtype.kind not in "iu":
        return plan.identifier_start + np.arange(n_rows, dtype=np.float64)
    low, high = whole_number_range(numpy_dtype)
    if n_rows > high - low + 1:
        raise InvalidDataError(
            f"Column {plan.meta.name!r} is an identifier of dtype {numpy_dtype}, "
            f"which holds {high - low + 1} distinct values; "
            f"{n_rows} rows were asked."
        )
    return consecutive_whole_numbers(plan.identifier_start, n_rows, numpy_dtype)


def whole_number_range(numpy_dtype: np.dtype) -> tuple[int, int]:
    """The smallest and largest whole numbers ``numpy_dtype`` holds one apart.

    An integer dtype's whole range; for a float dtype, the span where
    consecutive whole numbers stay exact (up to 2**53 for float64).
    """
    if numpy_dtype.kind == "f":
        top = 2 ** (np.finfo(numpy_dtype).nmant + 1)
        return -top, top
    info = np.iinfo(numpy_dtype)
    return int(info.min), int(info.max)


def consecutive_whole_numbers(start: int, n: int, numpy_dtype: np.dtype) -> np.ndarray:
    """``n`` consecutive whole numbers from ``start``, in ``numpy_dtype``.

    Where counting up would pass the largest value the dtype holds, the run
    starts lower instead, so no value wraps around or repeats. The caller
    checks first that the dtype holds ``n`` of them (see
    :func:`whole_number_range`).
    """
    low, high = whole_number_range(numpy_dtype)
    start = max(min(start, high - n + 1), low)
    if numpy_dtype.kind == "f":
        work = np.dtype(np.float64)
    else:
        work = np.dtype(np.uint64 if numpy_dtype.kind == "u" else np.int64)
    return (np.arange(n, dtype=work) + work.type(start)).astype(numpy_dtype)
