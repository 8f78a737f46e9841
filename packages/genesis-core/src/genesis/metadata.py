"""Table metadata: the column type of every column, inferred and overridable.

``TableMetadata.infer(frame, discrete_columns)`` looks at a DataFrame and
records, per column, its column type (continuous, integer, boolean,
categorical, datetime, identifier) and the exact dtype to give back. Users can
read it, change a column's type with :meth:`TableMetadata.update_column`, and
pass it to :meth:`genesis.SyntheticGenerator.fit`.
"""

from __future__ import annotations

import enum
import logging
import re
import warnings
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

try:
    from pandas.tseries.api import guess_datetime_format
except ImportError:  # pandas < 2.2
    from pandas._libs.tslibs.parsing import guess_datetime_format

from genesis._values import decode_value, encode_value
from genesis.errors import InvalidDataError

__all__ = [
    "ColumnMetadata",
    "ColumnType",
    "TableMetadata",
    "check_column_values",
    "decimals_of",
    "guess_layout",
    "unhashable_example",
]

logger = logging.getLogger(__name__)

# A column whose every value is unique and looks like a key ("C-0012",
# "3f2b...-uuid", 1..n) is an identifier: regenerated fresh, never copied.
_IDENTIFIER_NAME = re.compile(r"(^|[_\-\s])(id|key|uuid|code)$|^id([_\-\s]|$)", re.I)
_KEY_TEXT = re.compile(r"^(?P<prefix>[A-Za-z_\-#:/.]*)(?P<digits>\d+)$")
_UUID_TEXT = re.compile(
    r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I
)
_MIN_IDENTIFIER_ROWS = 10
# Fresh text keys are counted in int64 from the smallest real one.
_LARGEST_KEY_NUMBER = int(np.iinfo(np.int64).max)
# The largest magnitude a continuous value may have. Fitting squares values
# and their deviations and sums them over rows (and "auto" cubes them for the
# skewness); below this bound all of that stays far inside float64's range.
LARGEST_MAGNITUDE = 1e100
# How much of a refused value an error message quotes.
_QUOTE_CHARS = 60
# The most decimals ``decimals`` records: float64 holds 15 significant
# digits (see decimals_of).
_MOST_DECIMALS = int(np.finfo(np.float64).precision)
# Units in the last place a value with a given number of decimals may be off
# by once parsed, computed (0.1 + 0.2) and scaled by a power of ten.
_ROUNDING_ULPS = 2


class ColumnType(enum.StrEnum):
    """How Genesis models a column."""

    CONTINUOUS = "continuous"
    INTEGER = "integer"
    BOOLEAN = "boolean"
    CATEGORICAL = "categorical"
    DATETIME = "datetime"
    IDENTIFIER = "identifier"


DISCRETE_TYPES = frozenset({ColumnType.BOOLEAN, ColumnType.CATEGORICAL})
_NUMERIC_TYPES = frozenset({ColumnType.CONTINUOUS, ColumnType.INTEGER})


@dataclass(frozen=True)
class ColumnMetadata:
    """What Genesis knows about one column.

    Attributes:
        name: The column label exactly as in the user's frame.
        column_type: How the column is modelled.
        dtype: ``str`` of the pandas dtype to restore on output.
        categories: For a ``category`` dtype, its categories (in order).
        ordered: For a ``category`` dtype, whether it is ordered.
        decimals: For float columns, the most decimals any value has (at
            most 15, within the dtype's precision), so output is rounded
            like the input; None when the values carry every digit the
            dtype holds.
        identifier_format: For identifiers, how fresh values are written:
            ``{"kind": "int"}``, ``{"kind": "text", "prefix": "T",
            "width": 6}`` or ``{"kind": "uuid", "upper": False}`` (upper:
            whether the real ones are written in capitals).
        datetime_format: For a datetime column stored as text or whole
            numbers, the strftime layout the user declared for its values
            (``"%Y%m%d"`` for ``20240320``); None to have it guessed.
        number_format: For a continuous or integer column stored as text
            (``"$1,234.50"``, ``"13.5%"``), how its numbers are written: a
            dict of some of the keys of
            :class:`genesis.data._numbers.NumberLayout` (``prefix``,
            ``suffix``, ``thousands``, ``decimal``, ``decimals``, ``fixed``,
            ``negative``). Inference records them all; a declared one may
            give a few, and the rest are learned when fitting. None for
            columns of numbers.
    """

    name: Hashable
    column_type: ColumnType
    dtype: str
    categories: tuple[Any, ...] | None = None
    ordered: bool = False
    decimals: int | None = None
    identifier_format: Mapping[str, Any] | None = field(default=None)
    datetime_format: str | None = None
    number_format: Mapping[str, Any] | None = field(default=None)

    @property
    def is_discrete(self) -> bool:
        return self.column_type in DISCRETE_TYPES

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["name"] = encode_value(self.name)
        out["column_type"] = str(self.column_type)
        if self.categories is not None:
            out["categories"] = [encode_value(v) for v in self.categories]
        out["identifier_format"] = (
            dict(self.identifier_format) if self.identifier_format else None
        )
        out["number_format"] = (
            None if self.number_format is None else dict(self.number_format)
        )
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ColumnMetadata:
        categories = data.get("categories")
        return cls(
            name=decode_value(data["name"]),
            column_type=ColumnType(data["column_type"]),
            dtype=data["dtype"],
            categories=(
                None
                if categories is None
                else tuple(decode_value(v) for v in categories)
            ),
            ordered=bool(data.get("ordered", False)),
            decimals=data.get("decimals"),
            identifier_format=data.get("identifier_format"),
            datetime_format=data.get("datetime_format"),
            # Files saved before number formats have none: numbers.
            number_format=data.get("number_format"),
        )


class TableMetadata:
    """The ordered column metadata of one table."""

    def __init__(self, columns: Iterable[ColumnMetadata]) -> None:
        self._columns = {c.name: c for c in columns}

    @classmethod
    def infer(
        cls, data: pd.DataFrame, discrete_columns: Iterable[Hashable] = ()
    ) -> TableMetadata:
        """Infer the column type of every column of ``data``.

        Columns named in ``discrete_columns`` (None names none) are
        categorical whatever their dtype. Text whose every value is a date or
        time in one layout is a datetime column, given back as text in that
        layout (UTC offsets and fractions of a second written as the real
        values write them). So is an object column of ``datetime.date``,
        ``datetime.datetime`` or ``pandas.Timestamp`` objects, all of one of
        those types and in one time zone, given back as objects of that type
        and zone. Whole numbers and text without separators (``20240320``)
        are never inferred as dates; declare them with
        :meth:`update_column`.

        Text whose every value is a number written in one layout (a fixed
        prefix or suffix such as ``$``, ``%`` or `` USD``, thousands
        separators, a decimal comma, negatives as ``-$1`` or ``($1)``) is a
        continuous column, given back as text in that layout (see
        :attr:`ColumnMetadata.number_format`). It qualifies only when one
        layout reads every value and writes each back unchanged: ``1,234``
        and ``12,500`` alone read as thousands or as decimal commas, so such
        a column stays categorical until declared, and so does text that
        pandas reads as numbers itself (``"12.5"``). The frame is assumed to
        have passed :func:`genesis.data.check_training_frame`.

        Raises:
            InvalidDataError: A column holds values Genesis cannot model
                (see :func:`check_column_values`) or has such a dtype, or a
                dtype whose name pandas cannot read back (an arrow decimal).
        """
        discrete = set(() if discrete_columns is None else discrete_columns)
        return cls(
            _infer_column(name, data[name], name in discrete) for name in data.columns
        )

    @property
    def columns(self) -> list[Hashable]:
        return list(self._columns)

    def __getitem__(self, name: Hashable) -> ColumnMetadata:
        try:
            return self._columns[name]
        except KeyError:
            raise InvalidDataError(
                f"The metadata has no column {name!r}; its columns are "
                f"{self.columns!r}."
            ) from None

    def __iter__(self):
        return iter(self._columns.values())

    def __len__(self) -> int:
        return len(self._columns)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TableMetadata) and self.to_dict() == other.to_dict()

    def __repr__(self) -> str:
        body = ", ".join(f"{c.name!r}: {c.column_type.value}" for c in self)
        return f"TableMetadata({{{body}}})"

    def update_column(
        self,
        name: Hashable,
        column_type: ColumnType | str,
        *,
        datetime_format: str | None = None,
        number_format: Mapping[str, Any] | None = None,
    ) -> None:
        """Override the inferred column type of ``name``.

        A text column declared ``"continuous"`` or ``"integer"`` with a
        ``number_format`` (an object column of text even without one) is
        read as numbers written in one layout (``"$1,234.50"``, ``"13.5%"``)
        and generated numbers are written back in it: ``number_format={}``
        learns the whole layout when fitting; its keys fix part of it,
        for example ``update_column("price", "continuous", number_format=
        {"thousands": ".", "decimal": ","})`` for ``1.234`` and ``12.500``,
        which read as thousands or as decimal commas alone; its keys are
        ``prefix``, ``suffix``, ``thousands`` (``""``, ``","``, ``"."``,
        ``"'"``, a space or a no-break space), ``decimal`` (``"."`` or
        ``","``), ``decimals``, ``fixed`` (every value with exactly
        ``decimals`` decimals, or trailing zeros dropped) and ``negative``
        (``"minus"`` for ``-$1``, ``"minus_after_prefix"`` for ``$-1``,
        ``"parentheses"`` for ``($1)``). Declaring any other column type
        drops the layout: ``update_column("rate", "categorical")`` keeps
        ``"13.5%"`` as a category.

        Whole numbers and text without separators are never inferred as
        dates (a column of keys would be misread); declare them here, with
        their strftime layout when it is not ``"%Y%m%d"``-like text pandas
        can guess: ``update_column("day", "datetime", datetime_format=
        "%Y%m%d")`` for ``20240320``. Generated dates are written back in
        the layout, as whole numbers or text like the column's own.

        Raises:
            InvalidDataError: ``column_type`` is not a column type, the
                column's dtype cannot hold it (text or categories as
                numbers; booleans, datetimes or categories as identifiers),
                or ``datetime_format`` is given for a column that is not a
                datetime stored as numbers or text, or is not a layout, or
                ``number_format`` is given for a column that is not a
                continuous or integer column stored as text, or has unknown
                keys or values.
        """
        current = self[name]
        try:
            new_type = ColumnType(column_type)
        except ValueError:
            raise InvalidDataError(
                f"Column {name!r}: {column_type!r} is not a column type; use one of "
                f"{[t.value for t in ColumnType]!r}."
            ) from None
        if datetime_format is not None:
            _check_datetime_format(current, new_type, datetime_format)
        if number_format is not None:
            number_format = _check_number_format(current, new_type, number_format)
        elif new_type in _NUMERIC_TYPES:
            # Declaring a column of numbers as text numeric again keeps the
            # layout inferred for it.
            number_format = current.number_format
        _check_override(current, new_type, number_format)
        identifier_format = current.identifier_format
        if new_type == ColumnType.IDENTIFIER and identifier_format is None:
            identifier_format = _declared_key_format(_stored_dtype(current))
        self._columns[name] = replace(
            current,
            column_type=new_type,
            identifier_format=identifier_format,
            datetime_format=(
                datetime_format if new_type == ColumnType.DATETIME else None
            ),
            number_format=number_format if new_type in _NUMERIC_TYPES else None,
            decimals=(
                current.decimals
                if new_type in _NUMERIC_TYPES or current.number_format is None
                else None
            ),
        )

    def to_dict(self) -> dict[str, Any]:
        return {"columns": [c.to_dict() for c in self]}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TableMetadata:
        return cls(ColumnMetadata.from_dict(c) for c in data["columns"])

    def to_frame(self) -> pd.DataFrame:
        """One row per column, for a person to read."""
        return pd.DataFrame(
            {
                "column": [c.name for c in self],
                "column_type": [c.column_type.value for c in self],
                "dtype": [c.dtype for c in self],
            }
        )


def _check_override(
    column: ColumnMetadata,
    new_type: ColumnType,
    number_format: Mapping[str, Any] | None = None,
) -> None:
    """Refuse a column type that the column's dtype cannot give back.

    Numbers are generated for continuous and integer columns, and fresh
    whole numbers or keys for identifiers; a dtype that cannot hold them
    would fail late in fit with a bare conversion error, or give back dates
    in 1970 for identifiers. Object columns may hold numbers, so they are
    left to fit; text columns only with a ``number_format``, which reads
    their text as numbers in one layout ("$1,234.50").
    """
    dtype = _stored_dtype(column)
    if new_type in _NUMERIC_TYPES:
        refused = dtype is None or (_holds_text(dtype) and number_format is None)
        advice = (
            "convert it with pandas.to_numeric(...) first (for numbers written "
            "as text such as '$1,234.50', give number_format={} to read them "
            "in the layout the values share)"
        )
    elif new_type == ColumnType.IDENTIFIER:
        refused = (
            dtype is None
            or pd.api.types.is_bool_dtype(dtype)
            or pd.api.types.is_datetime64_any_dtype(dtype)
        )
        advice = "identifiers are whole numbers or text, so convert it first"
    else:
        return
    if refused:
        raise InvalidDataError(
            f"Column {column.name!r} has dtype {column.dtype}, which cannot hold "
            f"the values of a column of type {new_type.value!r}; {advice}, or "
            "choose another column type."
        )


def _check_datetime_format(
    column: ColumnMetadata, new_type: ColumnType, layout: Any
) -> None:
    """Refuse a declared layout that cannot apply to the column."""
    name = column.name
    if new_type != ColumnType.DATETIME:
        raise InvalidDataError(
            f"Column {name!r}: datetime_format is for datetime columns, but the "
            f"column is declared {new_type.value!r}; drop datetime_format or "
            "declare it 'datetime'."
        )
    if not isinstance(layout, str) or "%" not in layout:
        raise InvalidDataError(
            f"Column {name!r}: datetime_format must be a strftime layout such "
            f"as '%Y%m%d' or '%d/%m/%Y %H:%M', got {layout!r}."
        )
    # Imported here: the data package imports this module.
    from genesis.data._times import check_layout

    check_layout(name, layout)
    dtype = _stored_dtype(column)
    numeric = dtype is not None and (
        pd.api.types.is_integer_dtype(dtype) or pd.api.types.is_float_dtype(dtype)
    )
    if not (numeric or dtype == np.dtype(object) or _holds_text(dtype)):
        raise InvalidDataError(
            f"Column {name!r} has dtype {column.dtype}, whose values are not "
            f"written in a layout, so datetime_format {layout!r} cannot apply; "
            "it is for datetimes stored as whole numbers or text."
        )


def _check_number_format(
    column: ColumnMetadata, new_type: ColumnType, declared: Any
) -> dict[str, Any]:
    """Refuse a declared number layout that cannot apply to the column."""
    from genesis.data._numbers import check_number_format

    name = column.name
    if new_type not in _NUMERIC_TYPES:
        raise InvalidDataError(
            f"Column {name!r}: number_format is for continuous and integer "
            f"columns stored as text, but the column is declared "
            f"{new_type.value!r}; drop number_format or declare it 'continuous'."
        )
    dtype = _stored_dtype(column)
    if dtype is None:
        raise InvalidDataError(
            f"Column {name!r} has dtype category; number_format is for numbers "
            "stored as text (an object or string dtype). Convert it with "
            ".astype(str) first."
        )
    if not (dtype == np.dtype(object) or _holds_text(dtype)):
        raise InvalidDataError(
            f"Column {name!r} has dtype {column.dtype}, whose values are not "
            "text, so number_format cannot apply; it is for numbers stored as "
            "text such as '$1,234.50'."
        )
    return check_number_format(name, declared)


def _stored_dtype(column: ColumnMetadata) -> Any:
    """The column's dtype, or None for a ``category`` one."""
    if column.dtype == "category":
        return None
    return pd.api.types.pandas_dtype(column.dtype)


def _declared_key_format(dtype: Any) -> dict[str, Any] | None:
    """How to write fresh keys for a column declared an identifier."""
    if pd.api.types.is_integer_dtype(dtype):
        return {"kind": "int"}
    if _holds_text(dtype):
        # The values are not at hand to find a prefix to count on from;
        # fresh UUIDs are keys that any text column can hold.
        return {"kind": "uuid", "upper": False}
    return None


def _holds_text(dtype: Any) -> bool:
    """Whether ``dtype`` is a text dtype (object columns may hold anything)."""
    return dtype != np.dtype(object) and pd.api.types.is_string_dtype(dtype)


def _check_time_zone(name: Hashable, dtype: Any) -> None:
    """Refuse a time zone whose name does not read back as the same zone.

    The output's dtype is rebuilt from its name, in this process and from a
    model file; pandas names a dateutil zone by its file, which it cannot
    read back.
    """
    zone = getattr(dtype, "tz", None)
    if zone is None:
        return
    try:
        same = pd.api.types.pandas_dtype(str(dtype)) == dtype
    except (TypeError, ValueError, KeyError, LookupError):
        same = False
    if not same:
        raise InvalidDataError(
            f"Column {name!r} has the time zone {zone!r}, which Genesis cannot "
            "write down and read back as the same zone. Convert it to a named "
            "zone first, for example with series.dt.tz_convert('Europe/Paris') "
            "(a zoneinfo zone) or tz_convert('UTC'), and fit again."
        )


def check_finite(name: Hashable, series: pd.Series) -> None:
    """Refuse a float column holding infinities, naming it and the count.

    Raises:
        InvalidDataError: The column holds +inf or -inf.
    """
    if not pd.api.types.is_float_dtype(series.dtype):
        return
    count = int(np.isinf(series.to_numpy(dtype=np.float64, na_value=np.nan)).sum())
    if count:
        raise InvalidDataError(
            f"Column {name!r} holds {count} infinite value(s); replace them "
            "with finite numbers or missing values before fitting."
        )


def check_column_values(
    name: Hashable, series: pd.Series, declared_discrete: bool = False
) -> None:
    """Refuse a column whose values Genesis cannot model, naming it and the fix.

    Args:
        name: The column's label, for the message.
        series: The column.
        declared_discrete: Whether the user named it in ``discrete_columns``;
            its numbers are then categories and may be of any size.

    Raises:
        InvalidDataError: The column holds unhashable values (lists, dicts,
            sets, arrays), or it is a float column, not declared discrete,
            with a finite value larger in magnitude than
            ``LARGEST_MAGNITUDE``.
    """
    if series.dtype == object:
        unhashable = unhashable_example(series)
        if unhashable is not None:
            kind, quoted = unhashable
            raise InvalidDataError(
                f"Column {name!r} holds {kind} values (for "
                f"example {quoted}), which Genesis cannot model: each cell must "
                "be one number, date or text. Join each value into one text "
                "(for example with json.dumps), spread it over several columns, "
                "or drop the column before fitting."
            )
    _check_time_zone(name, series.dtype)
    if declared_discrete or not pd.api.types.is_float_dtype(series.dtype):
        return
    values = series.to_numpy(dtype=np.float64, na_value=np.nan)
    # Infinities are check_finite's to refuse, with their own advice.
    magnitudes = np.where(np.isfinite(values), np.abs(values), 0.0)
    too_large = magnitudes > LARGEST_MAGNITUDE
    if too_large.any():
        extreme = values[np.argmax(magnitudes)]
        raise InvalidDataError(
            f"Column {name!r} holds {int(too_large.sum())} value(s) larger in "
            f"magnitude than {LARGEST_MAGNITUDE:.0e} (the most extreme is "
            f"{extreme:.1e}); Genesis cannot model numbers that large, because "
            "their squares overflow float64 while fitting. Express the column "
            "in a larger unit (divide it by a power of ten), take its "
            "logarithm, or replace those values with missing values before "
            "fitting; or name it in discrete_columns if its values are "
            "categories."
        )


def unhashable_example(series: pd.Series) -> tuple[str, str] | None:
    """The type name and a short repr of the first value that cannot be hashed
    (a list, dict, set or array), for a message; None when every value can."""
    try:
        # Hashes every value in C; only a column that fails is walked below.
        pd.unique(series.to_numpy())
    except TypeError:
        for value in series:
            try:
                hash(value)
            except TypeError:
                quoted = repr(value)
                if len(quoted) > _QUOTE_CHARS:
                    quoted = quoted[: _QUOTE_CHARS - 3] + "..."
                return type(value).__name__, quoted
    return None


def _infer_column(
    name: Hashable, series: pd.Series, declared_discrete: bool
) -> ColumnMetadata:
    check_column_values(name, series, declared_discrete)
    dtype = series.dtype
    dtype_text = _dtype_text(name, dtype)
    number_format = None
    categories = None
    ordered = False
    if isinstance(dtype, pd.CategoricalDtype):
        categories = tuple(dtype.categories.tolist())
        ordered = bool(dtype.ordered)

    if declared_discrete:
        column_type = ColumnType.CATEGORICAL
    elif pd.api.types.is_bool_dtype(dtype):
        column_type = ColumnType.BOOLEAN
    elif isinstance(dtype, pd.CategoricalDtype):
        column_type = ColumnType.CATEGORICAL
    elif pd.api.types.is_datetime64_any_dtype(dtype):
        column_type = ColumnType.DATETIME
    elif pd.api.types.is_integer_dtype(dtype):
        column_type = ColumnType.INTEGER
    elif pd.api.types.is_float_dtype(dtype):
        column_type = ColumnType.CONTINUOUS
    elif pd.api.types.is_timedelta64_dtype(dtype) or pd.api.types.is_complex_dtype(
        dtype
    ):
        raise InvalidDataError(
            f"Column {name!r} has dtype {dtype_text}, which Genesis does not model; "
            "convert it to numbers (for example seconds) or drop it."
        )
    elif _is_text_of_times(series) or _is_object_of_times(series):
        column_type = ColumnType.DATETIME
    elif (number_format := _number_format(series)) is not None:
        column_type = ColumnType.CONTINUOUS
    else:
        column_type = ColumnType.CATEGORICAL

    identifier_format = None
    if (
        not declared_discrete
        and column_type
        in (
            ColumnType.INTEGER,
            ColumnType.CATEGORICAL,
        )
        and not isinstance(dtype, pd.CategoricalDtype)
    ):
        identifier_format = _identifier_format(name, series)
        if identifier_format is not None:
            column_type = ColumnType.IDENTIFIER

    decimals = None
    if pd.api.types.is_float_dtype(dtype) and not declared_discrete:
        decimals = decimals_of(series)
    if number_format is not None and number_format["decimals"] <= _MOST_DECIMALS:
        decimals = number_format["decimals"]
    return ColumnMetadata(
        name=name,
        column_type=column_type,
        dtype=dtype_text,
        categories=categories,
        ordered=ordered,
        decimals=decimals,
        identifier_format=identifier_format,
        number_format=number_format,
    )


def _number_format(series: pd.Series) -> dict[str, Any] | None:
    """The layout of a text column of numbers (``"$1,234.50"``), or None."""
    # Imported here: the data package imports this module.
    from genesis.data._numbers import infer_number_format

    return infer_number_format(series)


def _identifier_format(name: Hashable, series: pd.Series) -> dict[str, Any] | None:
    values = series.dropna()
    if len(values) < _MIN_IDENTIFIER_ROWS or len(values) != len(series):
        return None
    if not values.is_unique:
        return None
    if pd.api.types.is_integer_dtype(series.dtype):
        ints = values.to_numpy(dtype=np.int64)
        is_range = int(ints.max()) - int(ints.min()) + 1 == len(ints)
        named_like_key = isinstance(name, str) and bool(_IDENTIFIER_NAME.search(name))
        return {"kind": "int"} if (is_range or named_like_key) else None
    texts = [v for v in values.tolist() if isinstance(v, str)]
    if len(texts) != len(values):
        return None
    if all(_UUID_TEXT.match(t) for t in texts):
        return {"kind": "uuid", "upper": all(t == t.upper() for t in texts)}
    matches = [_KEY_TEXT.match(t) for t in texts]
    if all(matches):
        prefixes = {m.group("prefix") for m in matches}
        widths = {len(m.group("digits")) for m in matches}
        largest = max(int(m.group("digits")) for m in matches)
        if len(prefixes) == 1 and largest <= _LARGEST_KEY_NUMBER:
            width = widths.pop() if len(widths) == 1 else 0
            return {"kind": "text", "prefix": prefixes.pop(), "width": width}
    return None


def _dtype_text(name: Hashable, dtype: Any) -> str:
    """The name of ``dtype`` that pandas reads back as ``dtype`` itself.

    The output's dtype is rebuilt from this name. pandas prints some dtypes
    under a name it reads back as another (an arrow string dtype prints as
    "string[pyarrow]", which reads back as pandas' own string dtype) and some
    under a name it cannot read at all (an arrow decimal).

    Raises:
        InvalidDataError: No name of the dtype can be read back.
    """
    if isinstance(dtype, pd.CategoricalDtype):
        return "category"
    names = [str(dtype)]
    if isinstance(dtype, pd.StringDtype):
        names.append(f"string[{dtype.storage}]")
    if str(getattr(dtype, "pyarrow_dtype", "")) == "string":
        names.append("utf8[pyarrow]")
    for text in names:
        if _reads_back_as(text, dtype):
            return text
    try:
        pd.api.types.pandas_dtype(names[0])
    except (TypeError, ValueError, NotImplementedError, LookupError):
        raise InvalidDataError(
            f"Column {name!r} has dtype {dtype}, which Genesis cannot write down "
            "and read back, so it could not give the column back in it. Convert "
            "the column first, for example with .astype(float) for numbers or "
            ".astype(str) for text, and fit again."
        ) from None
    # Read back as a near relative (a string dtype of another storage): the
    # values are the same, so it is kept rather than refused.
    return names[0]


def _reads_back_as(text: str, dtype: Any) -> bool:
    try:
        rebuilt = pd.api.types.pandas_dtype(text)
    except (TypeError, ValueError, NotImplementedError, LookupError):
        return False
    return type(rebuilt) is type(dtype) and rebuilt == dtype


def _is_object_of_times(series: pd.Series) -> bool:
    """Whether an object column holds only dates or times of one Python type
    (``datetime.date``, ``datetime.datetime`` or ``pandas.Timestamp``) in
    one time zone, and missing values."""
    # Imported here: the data package imports this module.
    from genesis.data._times import object_time_type

    return object_time_type(series) is not None


def _is_text_of_times(series: pd.Series) -> bool:
    """Whether every value is text of a date or time in one layout.

    The layout is pandas' guess from the first value, month first and then
    day first, as the data plane reads such text back. It must name a year
    and a month and hold a separator: "20210304" is as often a number or a
    key as a date. The data plane writes generated times in that layout,
    fractions of a second in the first value's digits and offsets in its
    style (see genesis.data._times), so text it would write differently
    ("2021/1/5" as "2021/01/05", "+00:00" in a column that also has "Z")
    stays categorical.
    """
    from genesis.data._times import (
        read_dates_and_times,
        read_text_times,
        text_style,
        write_layout,
    )

    values = series.dropna()
    if values.empty or not isinstance(values.iloc[0], str):
        return False
    # Most text is not dates: the first value settles that before the column
    # is walked.
    layouts = [
        guess_layout(str(values.iloc[0]), dayfirst=dayfirst)
        for dayfirst in (False, True)
    ]
    layouts = [layout for layout in layouts if layout and _names_a_date(layout)]
    if not layouts or not all(isinstance(v, str) for v in values.tolist()):
        return False
    texts = values.astype(object).map(str)
    for layout in layouts:
        try:
            times, offsets = read_text_times(texts, layout)
        except (TypeError, ValueError):
            continue
        style = text_style(texts, layout)
        written = write_layout(times, layout, style, offsets)
        return bool((written == texts.to_numpy()).all())
    # Dates alone among dates with times ("2023-03-23", "2022-12-04 03:38"):
    # datetimes when midnight is what the column writes as the date alone.
    mixed = read_dates_and_times(texts)
    if mixed is None:
        return False
    times, layout, style = mixed
    written = write_layout(times, layout, style)
    return bool((written == texts.to_numpy()).all())


def guess_layout(text: str, *, dayfirst: bool) -> str | None:
    """pandas' guess of the strftime layout of ``text``, or None.

    pandas warns when a guess with ``dayfirst`` finds the year first; a
    guess is a question here, so the warning is not passed to the user.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return guess_datetime_format(text, dayfirst=dayfirst)


def _names_a_date(layout: str) -> bool:
    has_year = "%Y" in layout or "%y" in layout
    has_month = any(part in layout for part in ("%m", "%b", "%B"))
    has_separator = bool(re.sub(r"%.", "", layout))
    return has_year and has_month and has_separator


def decimals_of(series: pd.Series) -> int | None:
    """The fewest decimal places (0 to 15) every finite value of a numeric
    column has, within its dtype's precision; None when some values have
    more digits than the dtype holds (full-precision floats), or when none
    is finite."""
    values = series.dropna().to_numpy(dtype=np.float64)
    values = values[np.isfinite(values)]
    if values.size == 0:
        return None
    # The dtype's own precision: a float32 holds about 7 significant digits.
    numpy_dtype = getattr(series.dtype, "numpy_dtype", series.dtype)
    try:
        info = np.finfo(numpy_dtype)
    except (TypeError, ValueError):
        info = np.finfo(np.float64)
    resolution = float(info.eps)
    # Places past the digits the dtype holds (15 for float64, 6 for
    # float32) count nothing: there, every value is within a few units in
    # its last place of some decimal.
    largest = float(np.max(np.abs(values)))
    for places in range(_MOST_DECIMALS + 1):
        if places and largest * 10.0**places >= 10.0**info.precision:
            return None
        scaled = values * 10.0**places
        # Rounding may move a value only by what storing and scaling it
        # in binary can: a few units in its last place, relative to itself
        # or to the column's median size (for float noise near 0). A fixed
        # tolerance counts values all below 1e-6 as whole numbers, and one
        # relative to a millionth of the value rounds 1,234,567.89 to a
        # whole number. The median, not the largest value, so one far
        # outlier does not excuse rounding the bulk.
        magnitude = np.abs(scaled)
        tolerance = (
            _ROUNDING_ULPS * resolution * np.maximum(magnitude, np.median(magnitude))
        )
        if np.all(np.abs(scaled - np.round(scaled)) <= tolerance):
            return places
    return None
