"""Real and synthetic columns side by side, as the metrics read them.

Every metric of the report reads the same aligned view: numbers (integers,
floats, datetimes as nanoseconds) as float64 arrays with NaN for missing,
categories and booleans as integer codes from one codebook shared by the real
and the synthetic column, with missing as one more code. Later metrics (ML
efficacy, detection, privacy distances) build their matrices from this view
too, so the two frames are checked and encoded once.
"""

from __future__ import annotations

import logging
from collections.abc import Hashable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from genesis.errors import InvalidDataError
from genesis.metadata import ColumnMetadata, ColumnType, TableMetadata

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
        real: The real values as float64, NaN where missing.
        synthetic: The synthetic values as float64, NaN where missing.
        offset: Nanoseconds subtracted from datetimes before the conversion
            to float, so that float64 keeps their order exactly; 0 for
            numbers. ``value + offset`` is nanoseconds since the epoch (UTC).
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
    """

    name: Hashable
    column_type: ColumnType
    categories: list[object]
    real: np.ndarray
    synthetic: np.ndarray

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
    column: ColumnMetadata, real: pd.Series, synthetic: pd.Series
) -> NumericColumn:
    if column.column_type is ColumnType.DATETIME:
        real_ns = _datetime_ns(column.name, real, "real")
        synthetic_ns = _datetime_ns(column.name, synthetic, "synthetic")
        observed = real_ns[real_ns != _NAT]
        offset = int(observed.min()) if observed.size else 0
        real_values = _ns_to_float(real_ns, offset)
        synthetic_values = _ns_to_float(synthetic_ns, offset)
    else:
        offset = 0
        real_values = _as_float(column.name, real, "real")
        synthetic_values = _as_float(column.name, synthetic, "synthetic")
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


def _datetime_ns(name: Hashable, series: pd.Series, role: str) -> np.ndarray:
    if not pd.api.types.is_datetime64_any_dtype(series.dtype):
        try:
            series = pd.to_datetime(series, utc=True)
        except (TypeError, ValueError) as error:
            raise InvalidDataError(
                f"Column {name!r} holds datetimes in the real data, but the {role} "
                f"data cannot be read as datetimes ({error}); convert it with "
                "pandas.to_datetime first."
            ) from None
    if getattr(series.dt, "tz", None) is not None:
        series = series.dt.tz_convert("UTC").dt.tz_localize(None)
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
    column: ColumnMetadata, real: pd.Series, synthetic: pd.Series
) -> DiscreteColumn:
    n_real = len(real)
    both = pd.concat([real.astype(object), synthetic.astype(object)], ignore_index=True)
    codes, uniques = pd.factorize(both, use_na_sentinel=True)
    n_categories = len(uniques)
    codes = np.where(codes < 0, n_categories, codes)

    # Order the categories by their real frequency, so the codes, the tables
    # and the bar charts all list the common values first.
    real_counts = np.bincount(codes[:n_real], minlength=n_categories + 1)
    order = np.argsort(-real_counts[:n_categories], kind="stable")
    remap = np.empty(n_categories + 1, dtype=np.int64)
    remap[order] = np.arange(n_categories)
    remap[n_categories] = n_categories
    codes = remap[codes]
    categories = [uniques[i] for i in order]
    return DiscreteColumn(
        name=column.name,
        column_type=column.column_type,
        categories=categories,
        real=codes[:n_real],
        synthetic=codes[n_real:],
    )


def _share(mask: np.ndarray) -> float:
    return float(mask.mean()) if mask.size else float("nan")
