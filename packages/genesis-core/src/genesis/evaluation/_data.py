"""Real and synthetic columns side by side, as the metrics read them.

Every metric of the report reads the same aligned view: numbers (integers,
floats, datetimes as nanoseconds) as float64 arrays with NaN for missing,
categories and booleans as integer codes from one codebook shared by the real
and the synthetic column, with missing as one more code. Later metrics (ML
efficacy, detection, privacy distances) build their matrices from this view
too, so the two frames are checked and encoded once.

The synthetic column is read as the real column's type: numbers and
datetimes from text, and a category stored as another type (``"1"`` for
``1``, ``"True"`` for ``True``) as the real category it spells. Date text
is read as the data plane reads it: in the layout guessed from the real text
(day first when its values say so), applied to the synthetic text too. Datetimes
compare instants when both columns have a time zone, else clock readings.
Numbers in a datetime column are refused, since their unit is unknown.
"""

from __future__ import annotations

import logging
import math
import warnings
from collections.abc import Hashable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from genesis.data._numbers import holds_text, read_number_pair
from genesis.data._times import layout_width, whole_number_texts
from genesis.errors import InvalidDataError
from genesis.metadata import (
    ColumnMetadata,
    ColumnType,
    TableMetadata,
    guess_layout,
    unhashable_example,
)

__all__ = [
    "DiscreteColumn",
    "EvaluationData",
    "NumericColumn",
    "prepare_evaluation_data",
]

logger = logging.getLogger(__name__)

NUMERIC_TYPES = frozenset(
    {ColumnType.CONTINUOUS, ColumnType.INTEGER, ColumnType.DATETIME}
)


@dataclass(frozen=True)
class NumericColumn:
    """One numeric or datetime column of both tables.

    Attributes:
        name: The column label.
        column_type: Continuous, integer or datetime.
        real: The real values as float64, NaN where missing; floats are
            rounded to the significant digits both columns keep (15, or 7
            next to a float32 column), so that rounding noise is no gap.
        synthetic: The synthetic values, read and rounded as ``real``.
        offset: Nanoseconds subtracted from datetimes before the conversion
            to float, so that float64 keeps their order exactly; 0 for
            numbers. ``value + offset`` is nanoseconds since the epoch: in
            UTC when both columns have a time zone, else on the clock each
            column shows.
        non_finite: How many synthetic values were infinite and are counted
            as missing.
    """

    name: Hashable
    column_type: ColumnType
    real: np.ndarray
    synthetic: np.ndarray
    offset: int = 0
    non_finite: int = 0


@dataclass(frozen=True)
class DiscreteColumn:
    """One categorical or boolean column of both tables.

    Attributes:
        name: The column label.
        column_type: Categorical or boolean.
        categories: The observed values, most frequent in the real data first;
            values only the synthetic data has come last.
        real: Codes into ``categories``; ``len(categories)`` means missing.
        synthetic: Codes into ``categories``, missing as for ``real``.
        retyped: How many synthetic values equal no real category but were
            stored as another type and read as the one they spell (``"1"``
            as ``1``).
        retyped_example: One such (synthetic value, real category) pair.
    """

    name: Hashable
    column_type: ColumnType
    categories: list[object]
    real: np.ndarray
    synthetic: np.ndarray
    retyped: int = 0
    retyped_example: tuple[object, object] | None = None

    @property
    def n_codes(self) -> int:
        """The number of codes, missing included."""
        return len(self.categories) + 1

    @property
    def missing_code(self) -> int:
        return len(self.categories)


@dataclass(frozen=True)
class EvaluationData:
    """The aligned, encoded view of a real and a synthetic table.

    Attributes:
        columns: The scored columns, in the real table's order.
        numeric: The numeric and datetime columns, by label.
        discrete: The categorical and boolean columns, by label.
        skipped: Columns left out of every score, with the reason.
        metadata: The column types used.
        real_rows: Rows of the real table as given.
        synthetic_rows: Rows of the synthetic table as given.
        real_rows_used: Rows of the real table scored (after subsampling).
        synthetic_rows_used: Rows of the synthetic table scored.
        seed: The seed of the subsample.
    """

    columns: list[Hashable]
    numeric: dict[Hashable, NumericColumn]
    discrete: dict[Hashable, DiscreteColumn]
    skipped: dict[Hashable, str]
    metadata: TableMetadata
    real_rows: int
    synthetic_rows: int
    real_rows_used: int
    synthetic_rows_used: int
    seed: int
    notes: list[str] = field(default_factory=list)

    def column_type(self, name: Hashable) -> ColumnType:
        if name in self.numeric:
            return self.numeric[name].column_type
        return self.discrete[name].column_type

    def missing_rates(self, name: Hashable) -> tuple[float, float]:
        """The share of missing values in the real and synthetic column."""
        if name in self.numeric:
            column = self.numeric[name]
            return (
                _share(np.isnan(column.real)),
                _share(np.isnan(column.synthetic)),
            )
        discrete = self.discrete[name]
        return (
            _share(discrete.real == discrete.missing_code),
            _share(discrete.synthetic == discrete.missing_code),
        )


def prepare_evaluation_data(
    real: pd.DataFrame,
    synthetic: pd.DataFrame,
    metadata: TableMetadata | None,
    *,
    max_rows: int | None,
    seed: int,
) -> EvaluationData:
    """Check, align, subsample and encode the two tables.

    Raises:
        InvalidDataError: Either table is not a non-empty DataFrame, their
            columns differ, the metadata names other columns, or a
            synthetic column cannot be read as its real column's type.
    """
    _check_frame(real, "real")
    _check_frame(synthetic, "synthetic")
    _check_same_columns(real, synthetic)
    if metadata is None:
        metadata = TableMetadata.infer(real)
    _check_metadata(metadata, real)

    real_used = _subsample(real, max_rows, seed)
    synthetic_used = _subsample(synthetic, max_rows, seed)
    notes = []
    if len(real_used) < len(real) or len(synthetic_used) < len(synthetic):
        notes.append(
            f"Scored on a seeded subsample of at most {max_rows:,} rows per table "
            f"(seed {seed}): {len(real_used):,} of {len(real):,} real rows and "
            f"{len(synthetic_used):,} of {len(synthetic):,} synthetic rows."
        )
        logger.info(
            "Subsampled to %d real and %d synthetic rows",
            len(real_used),
            len(synthetic_used),
        )

    numeric: dict[Hashable, NumericColumn] = {}
    discrete: dict[Hashable, DiscreteColumn] = {}
    skipped: dict[Hashable, str] = {}
    for column in metadata:
        name = column.name
        if column.column_type is ColumnType.IDENTIFIER:
            skipped[name] = "identifier: fresh unique values, not a distribution"
        elif column.column_type in NUMERIC_TYPES:
            numeric[name] = _numeric_column(
                column, real_used[name], synthetic_used[name]
            )
        else:
            discrete[name] = _discrete_column(
                column, real_used[name], synthetic_used[name]
            )
    columns = [c for c in real.columns if c in numeric or c in discrete]
    return EvaluationData(
        columns=columns,
        numeric=numeric,
        discrete=discrete,
        skipped=skipped,
        metadata=metadata,
        real_rows=len(real),
        synthetic_rows=len(synthetic),
        real_rows_used=len(real_used),
        synthetic_rows_used=len(synthetic_used),
        seed=seed,
        notes=notes,
    )


def _check_frame(frame: object, role: str) -> None:
    if not isinstance(frame, pd.DataFrame):
        raise InvalidDataError(
            f"evaluate expects the {role} data as a pandas DataFrame, got "
            f"{type(frame).__name__}; wrap it with pandas.DataFrame(...) first."
        )
    if frame.shape[1] == 0 or len(frame) == 0:
        raise InvalidDataError(
            f"The {role} data has {len(frame)} rows and {frame.shape[1]} "
            "columns; evaluate needs at least one row and one column."
        )
    duplicated = frame.columns[frame.columns.duplicated()].unique().tolist()
    if duplicated:
        raise InvalidDataError(
            f"The {role} data has duplicate column names {duplicated!r}; give "
            "each column a unique name."
        )


def _check_same_columns(
    real: pd.DataFrame, other: pd.DataFrame, role: str = "synthetic"
) -> None:
    missing = [c for c in real.columns if c not in other.columns]
    extra = [c for c in other.columns if c not in real.columns]
    if missing or extra:
        raise InvalidDataError(
            f"The {role} data lacks columns {missing!r} and has extra columns "
            f"{extra!r}; evaluate compares tables with the same columns. Select "
            "the shared columns of both frames first."
        )


def _check_metadata(metadata: TableMetadata, real: pd.DataFrame) -> None:
    unknown = [c for c in metadata.columns if c not in real.columns]
    absent = [c for c in real.columns if c not in metadata.columns]
    if unknown or absent:
        raise InvalidDataError(
            f"The metadata names columns {unknown!r} that the data does not have "
            f"and lacks columns {absent!r} that it has; pass metadata inferred "
            "from this table, for example TableMetadata.infer(real)."
        )


def _subsample(frame: pd.DataFrame, max_rows: int | None, seed: int) -> pd.DataFrame:
    if max_rows is None or len(frame) <= max_rows:
        return frame
    # The same seed for both tables: identical tables give identical subsamples,
    # so a table compared with itself still scores exactly 1.
    rng = np.random.default_rng(seed)
    rows = np.sort(rng.choice(len(frame), size=max_rows, replace=False))
    return frame.iloc[rows]


def _numeric_column(
    column: ColumnMetadata,
    real: pd.Series,
    synthetic: pd.Series,
    role: str = "synthetic",
) -> NumericColumn:
    if column.column_type is ColumnType.DATETIME:
        layout = column.datetime_format
        # Text in no declared layout is read in the layout of the real text,
        # as the data plane reads it and writes generated values back.
        guessed = None if layout is not None else _text_layout(real)
        real_times, synthetic_times = _same_clock(
            _as_datetime(column.name, real, "real", layout, guessed),
            _as_datetime(column.name, synthetic, role, layout, guessed),
        )
        real_ns = _datetime_ns(column.name, real_times, "real")
        synthetic_ns = _datetime_ns(column.name, synthetic_times, role)
        observed = real_ns[real_ns != _NAT]
        offset = int(observed.min()) if observed.size else 0
        real_values = _ns_to_float(real_ns, offset)
        synthetic_values = _ns_to_float(synthetic_ns, offset)
    else:
        offset = 0
        if holds_text(real):
            # Numbers written as text ("$1,234.50"), read as the data plane
            # reads them.
            real_values, synthetic_values = read_number_pair(
                column.name, real, synthetic, column.number_format, role
            )
        else:
            real_values = _as_float(column.name, real, "real")
            synthetic_values = _as_float(column.name, synthetic, role)
        digits = _shared_digits(real.dtype, synthetic.dtype)
        if digits is not None:
            real_values = _round_to_digits(real_values, digits)
            synthetic_values = _round_to_digits(synthetic_values, digits)
    non_finite = int(np.isinf(synthetic_values).sum())
    real_values[np.isinf(real_values)] = np.nan
    synthetic_values[np.isinf(synthetic_values)] = np.nan
    return NumericColumn(
        name=column.name,
        column_type=column.column_type,
        real=real_values,
        synthetic=synthetic_values,
        offset=offset,
        non_finite=non_finite,
    )


_NAT = np.iinfo(np.int64).min


def _shared_digits(real: object, synthetic: object) -> int | None:
    """The significant digits two columns are compared to; None for exact.

    Floats that differ only by rounding (0.1 against 0.2 - 0.1, or 0.1 kept
    in float32) are one value: the KS statistic and the quantile bins split
    ties, so one unit in the last place would count as a different value.
    """
    dtypes = [pd.api.types.pandas_dtype(d) for d in (real, synthetic)]
    floats = [d for d in dtypes if d.kind == "f"]
    if all(d.kind in "biu" for d in dtypes):
        return None
    if any(d.itemsize < 8 for d in floats):
        return _SINGLE_DIGITS
    return _DOUBLE_DIGITS


# float32 keeps 7 significant digits, float64 15 (whatever the arithmetic
# that made them leaves in the digits after those).
_SINGLE_DIGITS = 7
_DOUBLE_DIGITS = 15


def _round_to_digits(values: np.ndarray, digits: int) -> np.ndarray:
    magnitude = np.abs(values)
    # Outside this range a power of ten could overflow; such values are kept.
    scaled = np.isfinite(values) & (magnitude > 1e-200) & (magnitude < 1e200)
    exponent = np.floor(np.log10(magnitude[scaled]))
    unit = 10.0 ** (exponent - digits + 1)
    out = values.copy()
    out[scaled] = np.round(values[scaled] / unit) * unit
    return out


def _as_float(name: Hashable, series: pd.Series, role: str) -> np.ndarray:
    if pd.api.types.is_bool_dtype(series.dtype) and series.hasnans:
        series = series.astype("Float64")
    try:
        return series.to_numpy(dtype=np.float64, na_value=np.nan, copy=True)
    except (TypeError, ValueError):
        converted = pd.to_numeric(series, errors="coerce")
        unreadable = converted.isna() & series.notna()
        if unreadable.any():
            example = series[unreadable].iloc[0]
            raise InvalidDataError(
                f"Column {name!r} is numeric in the real data, but the {role} data "
                f"holds {int(unreadable.sum())} value(s) that are not numbers, such "
                f"as {example!r}; convert them or override the column type in the "
                "metadata."
            ) from None
        return converted.to_numpy(dtype=np.float64, na_value=np.nan, copy=True)


def _as_datetime(
    name: Hashable,
    series: pd.Series,
    role: str,
    layout: str | None = None,
    guessed: str | None = None,
) -> pd.Series:
    """The column as datetimes, with the time zone it was given, if any;
    ``layout`` is the one the metadata declares for its text or numbers,
    ``guessed`` the one :func:`_text_layout` found in the real text."""
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        return series
    if layout is not None:
        return _read_declared_layout(name, series, role, layout)
    if _holds_numbers(series):
        # 20230623, 1687478400 and 1687478400000 are all plausible encodings
        # of one day; reading them as nanoseconds would put them in 1970.
        raise InvalidDataError(
            f"Column {name!r} is a datetime column, but the {role} data holds "
            f"numbers ({series.dtype}), which could be seconds, milliseconds or "
            "dates written as 20230623; convert them with pandas.to_datetime and "
            "the unit= or format= they use first."
        )
    if _holds_text(series):
        # With no layout from the real text (the real column holds
        # datetimes, say), text is read in its own.
        found = guessed if guessed is not None else _text_layout(series)
        if found is not None:
            return _read_guessed_layout(name, series, role, found)
    try:
        return _parse_datetimes(series)
    except (TypeError, ValueError) as error:
        raise InvalidDataError(
            f"Column {name!r} is a datetime column, but the {role} data cannot be "
            f"read as datetimes ({error}); convert it with pandas.to_datetime first."
        ) from None


def _text_layout(series: pd.Series) -> str | None:
    """The strftime layout every present value of a text column reads in,
    or None when the column is not text or no one layout reads it all.

    As the data plane (genesis.data._times) does, the layout is pandas' guess
    from the first value, month first and then day first: "03/02/2024" is
    read month first unless another value, such as "27/01/2024", says the
    column is day first.
    """
    if not _holds_text(series):
        return None
    texts = series.dropna().astype(str)
    for dayfirst in (False, True):
        layout = guess_layout(texts.iloc[0], dayfirst=dayfirst)
        if layout is not None and not _read_layout(texts, layout).isna().any():
            return layout
    return None


def _holds_text(series: pd.Series) -> bool:
    if not pd.api.types.is_string_dtype(series.dtype):
        return False
    present = series.dropna()
    return not present.empty and all(isinstance(v, str) for v in present.tolist())


def _read_guessed_layout(
    name: Hashable, series: pd.Series, role: str, layout: str
) -> pd.Series:
    """Text read in the layout guessed from the real column; text in ISO 8601
    (year first, so never ambiguous) is read as such when the layout does not
    read it."""
    texts = series.dropna().astype(str)
    times = _read_layout(texts, layout)
    unread = times.isna()
    if unread.any():
        iso = _read_layout(texts, "ISO8601")
        if not iso.isna().any():
            return iso.reindex(series.index)
        raise InvalidDataError(
            f"Column {name!r} is a datetime column whose real text is in the "
            f"layout {layout!r}, but {int(unread.sum())} of the {role} values do "
            f"not read in it, for example {texts[unread].iloc[0]!r}. Write both "
            "tables' dates in one layout, or convert the column with "
            "pandas.to_datetime in both tables first."
        )
    return times.reindex(series.index)


def _read_layout(texts: pd.Series, layout: str) -> pd.Series:
    """``texts`` read in ``layout``, NaT where a value does not read; text
    with different UTC offsets is read as instants in UTC."""
    with warnings.catch_warnings():
        # Mixed UTC offsets: pandas 3 refuses them without utc=True, pandas 2
        # warns and returns objects.
        warnings.simplefilter("ignore", FutureWarning)
        warnings.simplefilter("ignore", UserWarning)
        try:
            times = pd.to_datetime(texts, format=layout, errors="coerce")
        except (TypeError, ValueError):
            times = None
        if times is not None and pd.api.types.is_datetime64_any_dtype(times.dtype):
            return times
        return pd.to_datetime(texts, format=layout, errors="coerce", utc=True)


def _read_declared_layout(
    name: Hashable, series: pd.Series, role: str, layout: str
) -> pd.Series:
    """Text or whole numbers (``20230623``) read in a declared layout."""
    present = series.notna()
    values = series[present]
    if pd.api.types.is_numeric_dtype(values.dtype):
        texts = whole_number_texts(name, values, layout_width(layout))
    else:
        texts = values.astype(str)
    times = pd.to_datetime(texts, format=layout, errors="coerce", utc="%z" in layout)
    unread = times.isna()
    if unread.any():
        raise InvalidDataError(
            f"Column {name!r} is a datetime column in the layout {layout!r}, but "
            f"{int(unread.sum())} of the {role} values do not read in it, for "
            f"example {texts[unread].iloc[0]!r}."
        )
    return times.reindex(series.index)


def _parse_datetimes(series: pd.Series) -> pd.Series:
    # Text that no one layout reads is read value by value, as the data plane
    # reads it; pandas warns that it does so, which is the reading wanted.
    layout = "mixed" if _holds_text(series) else None
    with warnings.catch_warnings():
        # Text with different UTC offsets in one column: pandas 3 refuses it,
        # pandas 2 warns and returns objects. Either way it is read as
        # instants below.
        warnings.simplefilter("ignore", FutureWarning)
        warnings.simplefilter("ignore", UserWarning)
        try:
            parsed = pd.to_datetime(series, format=layout)
        except (TypeError, ValueError):
            parsed = None
        if parsed is not None and pd.api.types.is_datetime64_any_dtype(parsed.dtype):
            return parsed
        return pd.to_datetime(series, format=layout, utc=True)


def _holds_numbers(series: pd.Series) -> bool:
    if pd.api.types.is_numeric_dtype(series.dtype):
        return bool(series.notna().any())
    if series.dtype != object:
        return False
    kind = pd.api.types.infer_dtype(series, skipna=True)
    return kind in _NUMBER_KINDS


_NUMBER_KINDS = frozenset(
    {"integer", "floating", "mixed-integer-float", "decimal", "boolean"}
)


def _same_clock(real: pd.Series, synthetic: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Put two datetime columns on one clock.

    Two columns with time zones compare the same instants, in UTC. When either
    has no time zone, its values are clock readings, so both compare the
    clock each column shows.
    """
    real_zone = getattr(real.dt, "tz", None)
    synthetic_zone = getattr(synthetic.dt, "tz", None)
    if real_zone is not None and synthetic_zone is not None:
        return (
            real.dt.tz_convert("UTC").dt.tz_localize(None),
            synthetic.dt.tz_convert("UTC").dt.tz_localize(None),
        )
    if real_zone is not None:
        real = real.dt.tz_localize(None)
    if synthetic_zone is not None:
        synthetic = synthetic.dt.tz_localize(None)
    return real, synthetic


def _datetime_ns(name: Hashable, series: pd.Series, role: str) -> np.ndarray:
    try:
        return series.astype("datetime64[ns]").to_numpy().view(np.int64)
    except pd.errors.OutOfBoundsDatetime:
        raise InvalidDataError(
            f"Column {name!r} of the {role} data holds datetimes outside the years "
            "1677 to 2262, which evaluate compares in nanoseconds; clip them or "
            "override the column type in the metadata."
        ) from None


def _ns_to_float(values: np.ndarray, offset: int) -> np.ndarray:
    missing = values == _NAT
    shifted = np.where(missing, 0, values - offset).astype(np.float64)
    shifted[missing] = np.nan
    return shifted


def _discrete_column(
    column: ColumnMetadata,
    real: pd.Series,
    synthetic: pd.Series,
    role: str = "synthetic",
) -> DiscreteColumn:
    real_codes, real_uniques = _factorize(column.name, real, "real")
    synthetic_codes, synthetic_uniques = _factorize(column.name, synthetic, role)
    position = pd.Index(real_uniques, dtype=object).get_indexer(synthetic_uniques)
    by_text = _match_by_text(real_uniques, synthetic_uniques, position)
    retyped = int(np.isin(synthetic_codes, by_text).sum())
    example = None
    if by_text.size:
        first = by_text[0]
        example = (synthetic_uniques[first], real_uniques[position[first]])

    # Values only the synthetic data has get codes after the real ones. The
    # missing code goes last, where factorize's -1 for missing points.
    unmatched = np.flatnonzero(position < 0)
    position[unmatched] = len(real_uniques) + np.arange(unmatched.size)
    uniques = [*real_uniques, *synthetic_uniques[unmatched]]
    n_categories = len(uniques)
    real_codes = np.append(np.arange(len(real_uniques)), n_categories)[real_codes]
    synthetic_codes = np.append(position, n_categories)[synthetic_codes]

    # Order the categories by their real frequency, so the codes, the tables
    # and the bar charts all list the common values first.
    real_counts = np.bincount(real_codes, minlength=n_categories + 1)
    order = np.argsort(-real_counts[:n_categories], kind="stable")
    remap = np.empty(n_categories + 1, dtype=np.int64)
    remap[order] = np.arange(n_categories)
    remap[n_categories] = n_categories
    return DiscreteColumn(
        name=column.name,
        column_type=column.column_type,
        categories=[uniques[i] for i in order],
        real=remap[real_codes],
        synthetic=remap[synthetic_codes],
        retyped=retyped,
        retyped_example=example,
    )


def _factorize(
    name: Hashable, series: pd.Series, role: str
) -> tuple[np.ndarray, np.ndarray]:
    """Codes (-1 for missing) and the distinct values, in order of appearance."""
    values = series.astype(object).to_numpy()
    try:
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
    except TypeError:
        unhashable = unhashable_example(series)
        if unhashable is None:
            raise
        kind, quoted = unhashable
        raise InvalidDataError(
            f"Column {name!r} of the {role} data holds {kind} "
            f"values (for example {quoted}), which evaluate cannot compare as "
            "categories: each cell must be one number, date or text. Join each "
            "value into one text (for example with json.dumps) or drop the column."
        ) from None
    return codes.astype(np.int64), np.asarray(uniques, dtype=object)


def _match_by_text(
    real_uniques: np.ndarray, synthetic_uniques: np.ndarray, position: np.ndarray
) -> np.ndarray:
    """Point synthetic values stored as another type at the real category.

    A synthetic value that equals no real category but spells exactly one
    real category of another type (``"1"`` for ``1``, ``"True"`` for
    ``True``, ``2`` for ``"2"``) is that category, as after a round trip
    through a CSV file. Values of the same type are never matched this way:
    ``"01"`` is not ``"1"``. ``position`` is updated in place.

    Returns:
        The indices into ``synthetic_uniques`` that were matched this way.
    """
    unmatched = np.flatnonzero(position < 0)
    real_kind = _KINDS.get(pd.api.types.infer_dtype(real_uniques, skipna=True))
    synthetic_kind = _KINDS.get(
        pd.api.types.infer_dtype(synthetic_uniques[unmatched], skipna=True)
    )
    if not unmatched.size or (real_kind is not None and real_kind == synthetic_kind):
        return np.empty(0, dtype=np.int64)

    owners: dict[tuple[str, str], int] = {}
    for index, value in enumerate(real_uniques):
        key = (_kind(value), _category_text(value))
        # A text two real categories of one type spell names neither.
        owners[key] = -1 if key in owners else index
    kinds = {kind for kind, _ in owners}
    matched = []
    for index in unmatched:
        value = synthetic_uniques[index]
        text, own_kind = _category_text(value), _kind(value)
        found = [owners.get((kind, text)) for kind in kinds if kind != own_kind]
        found = [owner for owner in found if owner is not None]
        if len(found) == 1 and found[0] >= 0:
            position[index] = found[0]
            matched.append(index)
    return np.array(matched, dtype=np.int64)


# pandas' inferred kinds of a whole array, grouped as _kind groups one value.
_KINDS = {
    "string": "text",
    "boolean": "bool",
    "integer": "number",
    "floating": "number",
    "mixed-integer-float": "number",
    "decimal": "number",
}


def _kind(value: object) -> str:
    if isinstance(value, (bool, np.bool_)):
        return "bool"
    if isinstance(value, (int, float, np.number)):
        return "number"
    return "text" if isinstance(value, str) else "other"


def _category_text(value: object) -> str:
    """How a category reads as text, the same for each type it may come in."""
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, str):
        text = value.strip()
        if text.lower() in ("true", "false"):
            return text.lower()
        try:
            return str(int(text))
        except ValueError:
            pass
        try:
            value = float(text)
        except ValueError:
            return text
    if isinstance(value, (float, np.floating)):
        number = float(value)
        if math.isfinite(number) and number.is_integer():
            return str(int(number))
        return repr(number)
    return str(value)


def _share(mask: np.ndarray) -> float:
    return float(mask.mean()) if mask.size else float("nan")
