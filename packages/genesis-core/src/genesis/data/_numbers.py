"""Numbers written as text in one layout: ``$1,234.50``, ``13.5%``,
``1.234,50 €``, ``(12.00)``.

A layout is a fixed prefix and suffix around the digits, a thousands
separator (none, ``,``, ``.``, ``'``, a space or a no-break space) and a
decimal mark (``.`` or ``,``), a number of decimals, and how a negative
value is written. Text that reads in one layout is modelled as numbers, and
generated numbers are written back in the same layout.

Inference is strict: a column is read as numbers only when exactly one
layout reads its values and writes every one of them back unchanged. Values
such as ``1,234`` and ``12,500`` alone read in two layouts (1234 with a
thousands comma, or 1.234 with a decimal comma), so such a column stays
text until its layout is declared. Text that pandas reads as numbers itself
(``12.5``, ``-3``) is left as it is too; see :func:`infer_number_format`.

The metadata module imports this one inside its functions: the data
package imports the metadata module.
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

import numpy as np
import pandas as pd

from genesis.errors import InvalidDataError

__all__ = [
    "NEGATIVE_STYLES",
    "NumberLayout",
    "as_numbers",
    "check_number_format",
    "holds_text",
    "infer_number_format",
    "looks_like_numbers",
    "number_readings",
    "read_number_pair",
    "read_number_text",
    "read_restored_numbers",
    "two_readings",
    "write_number_text",
]

# How a negative value is written: "-$1.00", "$-1.00" or "($1.00)".
MINUS = "minus"
MINUS_AFTER_PREFIX = "minus_after_prefix"
PARENTHESES = "parentheses"
NEGATIVE_STYLES = (MINUS, MINUS_AFTER_PREFIX, PARENTHESES)
THOUSANDS_SEPARATORS = ("", ",", ".", "'", " ", "\u00a0", "\u202f")
DECIMAL_MARKS = (".", ",")
# The most decimals a layout may write: float64 holds about 15 significant
# digits, so more would write digits the data never had.
_MOST_DECIMALS = 15
# How much of a refused value an error message quotes.
_QUOTE_CHARS = 60
# What inference takes for a unit around the digits. Before them: symbols
# ("$", "US$", "R$ ") or a three-letter currency code ("USD ", "CHF "), and
# never a mark that makes the text a key ("C12", "#12", "ID 12", "No. 5").
# After them: one short token ("%", " €", " USD", "kg", " km/h"). Longer
# text around a number ("note 12 about this") is text, not a unit, and so
# are the marks of a bin or a threshold ("<=50K", ">5", "~10", "65+"): those
# are labels of ranges, not amounts.
_UNIT_PREFIX = re.compile(r"\s?(?:[A-Z]{3}\s?|[A-Z]{0,2}[^\w\s#:/.,<>=~+]{1,2}\s?)?")
_UNIT_SUFFIX = re.compile(r"\s?[^\s\d<>=~+]{0,5}")
# One number with a unit, in any layout.
_LOOSE_NUMBER = re.compile(
    rf"\(?-?(?:{_UNIT_PREFIX.pattern})-?[0-9][0-9.,' \u00a0\u202f]*"
    rf"(?:{_UNIT_SUFFIX.pattern})\)?"
)


@dataclass(frozen=True)
class NumberLayout:
    """How a column writes its numbers.

    Attributes:
        prefix: Text before the digits (``"$"``, ``"USD "``).
        suffix: Text after the digits (``"%"``, ``" €"``).
        thousands: The thousands separator, or ``""`` for none.
        decimal: The decimal mark, ``"."`` or ``","``.
        decimals: The most decimals a value has.
        fixed: Whether every value is written with exactly ``decimals``
            decimals; if not, trailing zeros are dropped (``12.5%``, ``7%``).
        negative: ``"minus"`` (``-$1.00``), ``"minus_after_prefix"``
            (``$-1.00``) or ``"parentheses"`` (``($1.00)``).
    """

    prefix: str = ""
    suffix: str = ""
    thousands: str = ""
    decimal: str = "."
    decimals: int = 0
    fixed: bool = True
    negative: str = MINUS

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> NumberLayout:
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})


def holds_text(series: pd.Series) -> bool:
    """Whether every present value of ``series`` is text (and one is)."""
    dtype = series.dtype
    if dtype != np.dtype(object) and not pd.api.types.is_string_dtype(dtype):
        return False
    if series.isna().all():
        return False
    if isinstance(dtype, pd.StringDtype):
        return True
    # Walks the values in C; "string" means text and missing values alone.
    return pd.api.types.infer_dtype(series, skipna=True) == "string"


def check_number_format(name: Hashable, declared: Any) -> dict[str, Any]:
    """A declared number format, checked; keys left out are learned at fit.

    Raises:
        InvalidDataError: ``declared`` is not a mapping of the known keys
            with values of the right kind; names the column and the key.
    """
    known = [f.name for f in fields(NumberLayout)]
    if not isinstance(declared, Mapping):
        raise InvalidDataError(
            f"Column {name!r}: number_format must be a dict with some of the keys "
            f"{known!r}, for example {{'prefix': '$', 'thousands': ','}}; got "
            f"{declared!r}."
        )
    unknown = sorted(str(key) for key in declared if key not in known)
    if unknown:
        raise InvalidDataError(
            f"Column {name!r}: number_format has unknown keys {unknown!r}; its "
            f"keys are {known!r}."
        )
    allowed: dict[str, tuple[Any, ...]] = {
        "thousands": THOUSANDS_SEPARATORS,
        "decimal": DECIMAL_MARKS,
        "negative": NEGATIVE_STYLES,
        "fixed": (True, False),
    }
    for key, values in allowed.items():
        if key in declared and declared[key] not in values:
            raise InvalidDataError(
                f"Column {name!r}: number_format {key!r} must be one of "
                f"{list(values)!r}, got {declared[key]!r}."
            )
    for key in ("prefix", "suffix"):
        text = declared.get(key, "")
        if not isinstance(text, str) or re.search(r"[0-9()]", text):
            raise InvalidDataError(
                f"Column {name!r}: number_format {key!r} must be text without "
                f"digits or parentheses, got {text!r}."
            )
    decimals = declared.get("decimals", 0)
    if (
        isinstance(decimals, bool)
        or not isinstance(decimals, int)
        or not 0 <= decimals <= _MOST_DECIMALS
    ):
        raise InvalidDataError(
            f"Column {name!r}: number_format 'decimals' must be a whole number "
            f"from 0 to {_MOST_DECIMALS}, got {decimals!r}."
        )
    if declared.get("thousands") and declared.get("thousands") == declared.get(
        "decimal", "."
    ):
        raise InvalidDataError(
            f"Column {name!r}: number_format uses {declared['thousands']!r} both "
            "to separate thousands and as the decimal mark; give two different "
            "characters."
        )
    return dict(declared)


def infer_number_format(series: pd.Series) -> dict[str, Any] | None:
    """The layout every present value of a text column is written in, or None.

    The column qualifies when exactly one layout reads all its values and
    writes each back unchanged; the text around the digits is a unit
    (symbols or a three-letter currency code before them, one short token
    after them); and the layout is more than what pandas reads itself: it
    has a prefix or a suffix, a value uses a thousands separator, or the
    decimal mark is a comma. Layouts that read different numbers from the
    same text (``1,234``) leave the column text.
    """
    dtype = series.dtype
    if dtype != np.dtype(object) and not pd.api.types.is_string_dtype(dtype):
        return None
    present = series[series.notna()]
    # Most text is not numbers: the first value settles that before the
    # column is walked.
    if present.empty or not _might_be_a_number(present.iloc[0]):
        return None
    if not holds_text(present):
        return None
    texts = pd.unique(present.astype(object).to_numpy())
    if len(texts) < 2:
        # One text is one category: there is no spread to learn as numbers.
        return None
    readings = number_readings(texts)
    if len(readings) != 1:
        return None
    layout, _ = readings[0]
    units = _UNIT_PREFIX.fullmatch(layout.prefix) and _UNIT_SUFFIX.fullmatch(
        layout.suffix
    )
    if not units:
        return None
    grouped = bool(layout.thousands) and any(layout.thousands in t for t in texts)
    decimal_comma = layout.decimal == "," and any("," in t for t in texts)
    if not (layout.prefix or layout.suffix or grouped or decimal_comma):
        return None
    return layout.to_dict()


def looks_like_numbers(texts: Sequence[str]) -> bool:
    """Whether each text on its own is a number with a unit (in layouts
    that may differ between texts: ``$12.00`` and ``12.00``)."""
    return all(_LOOSE_NUMBER.fullmatch(text) for text in texts)


def number_readings(
    texts: Sequence[str], declared: Mapping[str, Any] | None = None
) -> list[tuple[NumberLayout, np.ndarray]]:
    """The layouts that read every one of ``texts`` and write each back
    unchanged, with the numbers they read; one per distinct set of numbers
    (the simplest layout: no thousands separator when none is seen)."""
    found: list[tuple[NumberLayout, np.ndarray]] = []
    for layout, numbers in _layouts_reading(texts, declared or {}):
        written = write_number_text(numbers, layout)
        if not np.array_equal(written, np.asarray(texts, dtype=object)):
            continue
        if any(np.array_equal(numbers, seen) for _, seen in found):
            continue
        found.append((layout, numbers))
    return found


def read_number_text(
    name: Hashable, texts: pd.Series, declared: Mapping[str, Any] | None
) -> tuple[np.ndarray, NumberLayout]:
    """Present text values of a numeric column read as numbers, and the
    layout to write generated ones in.

    ``declared`` fixes some keys of the layout (see :class:`NumberLayout`);
    the rest are learned from the text. The values need not write back
    unchanged (a declared column may mix ``12.5%`` and ``12.50%``), but when
    they read as different numbers in several layouts, the one layout that
    writes every value back unchanged is taken, as inference takes it.

    Raises:
        InvalidDataError: Some value does not read in any layout that
            agrees with ``declared``, or the values read as different
            numbers in two layouts; names the column, a value and the fix.
    """
    codes, uniques = pd.factorize(texts.astype(object).to_numpy())
    distinct = [str(text) for text in uniques]
    declared = dict(declared or {})
    readings = _distinct_readings(_layouts_reading(distinct, declared))
    if len(readings) > 1:
        # As when inferred: the one layout that writes the text back.
        exact = number_readings(distinct, declared)
        if len(exact) != 1:
            pair = exact if len(exact) > 1 else readings
            raise InvalidDataError(
                f"Column {name!r} is numeric, but {two_readings(name, distinct, pair)}"
            )
        readings = exact
    if not readings:
        raise InvalidDataError(_unread(name, distinct, declared))
    layout, numbers = readings[0]
    return numbers[codes], layout


def as_numbers(
    name: Hashable, series: pd.Series, declared: Mapping[str, Any] | None
) -> np.ndarray:
    """A numeric column as float64, NaN where missing: text read in its
    layout (``declared`` and the rest learned), numbers as they are.

    Raises:
        InvalidDataError: The text reads in no single layout.
    """
    if not holds_text(series):
        return series.to_numpy(dtype=np.float64, na_value=np.nan)
    values = np.full(len(series), np.nan)
    present = series.notna().to_numpy()
    values[present], _ = read_number_text(name, series[present], declared)
    return values


def read_number_pair(
    name: Hashable,
    real: pd.Series,
    other: pd.Series,
    declared: Mapping[str, Any] | None,
    role: str,
) -> tuple[np.ndarray, np.ndarray]:
    """A real column of number text and another table's same column as
    float64, NaN where missing; the other column's text is read in the
    layout of the real text (its numbers, if it holds numbers, as they are).

    Raises:
        InvalidDataError: The real text reads in no single layout, or some
            of the other column's values do not read in it.
    """
    real_numbers = np.full(len(real), np.nan)
    present = real.notna().to_numpy()
    real_numbers[present], layout = read_number_text(name, real[present], declared)
    if not holds_text(other):
        return real_numbers, other.to_numpy(dtype=np.float64, na_value=np.nan)
    other_numbers = np.full(len(other), np.nan)
    present = other.notna().to_numpy()
    try:
        other_numbers[present], _ = read_number_text(
            name, other[present], layout.to_dict()
        )
    except InvalidDataError as error:
        raise InvalidDataError(
            f"In the {role} data: {error} The real values are written like "
            f"{_quote(str(real[real.notna()].iloc[0]))}."
        ) from None
    return real_numbers, other_numbers


def read_restored_numbers(plan: Any, series: pd.Series) -> pd.Series:
    """A restored column of number text as float64, NaN where missing, to
    compare with a condition's bounds (``plan`` is a fitted column plan of
    genesis.data._prepare with a number format)."""
    values = as_numbers(plan.meta.name, series, plan.number_format)
    return pd.Series(values, index=series.index)


def write_number_text(numbers: np.ndarray, layout: NumberLayout) -> np.ndarray:
    """``numbers`` (no NaN) as text in ``layout``, as an object array."""
    decimals = layout.decimals
    rounded = np.round(np.asarray(numbers, dtype=np.float64), decimals)
    magnitudes = np.abs(rounded).tolist()
    # Python writes "," between thousands and "." before decimals; both are
    # then swapped for the layout's own.
    spec = f"{',' if layout.thousands else ''}.{decimals}f"
    if decimals and not layout.fixed:
        digits = [format(value, spec).rstrip("0").rstrip(".") for value in magnitudes]
    else:
        digits = list(map(f"{{:{spec}}}".format, magnitudes))
    if layout.decimal != "." or layout.thousands not in ("", ","):
        swap = str.maketrans({",": layout.thousands, ".": layout.decimal})
        digits = [text.translate(swap) for text in digits]
    if layout.prefix or layout.suffix:
        digits = [layout.prefix + text + layout.suffix for text in digits]
    out = np.empty(len(digits), dtype=object)
    out[:] = digits
    for position in np.flatnonzero(rounded < 0):
        out[position] = _negative(out[position], layout)
    return out


def _negative(text: str, layout: NumberLayout) -> str:
    if layout.negative == PARENTHESES:
        return f"({text})"
    if layout.negative == MINUS_AFTER_PREFIX:
        return layout.prefix + "-" + text[len(layout.prefix) :]
    return "-" + text


# -- reading ------------------------------------------------------------------


def _might_be_a_number(text: Any) -> bool:
    return isinstance(text, str) and any(c.isascii() and c.isdigit() for c in text)


def _value_pattern(thousands: str, decimal: str) -> re.Pattern[str]:
    """The parts of a value: an opening parenthesis, a minus, the prefix, a
    minus after it, the whole digits, the decimals, the suffix and a closing
    parenthesis. The prefix holds no digit, minus or parenthesis and the
    suffix no digit or parenthesis, so each part ends where the next
    begins, without backtracking."""
    separator = re.escape(thousands)
    whole = rf"[0-9]{{1,3}}(?:{separator}[0-9]{{3}})*" if thousands else r"[0-9]+"
    return re.compile(
        rf"(\()?(-)?([^0-9()\-]*)(-)?({whole})(?:{re.escape(decimal)}([0-9]+))?"
        r"([^0-9()]*)(\))?"
    )


def _candidates(
    texts: Sequence[str], declared: Mapping[str, Any]
) -> list[tuple[str, str]]:
    """The (thousands, decimal) pairs worth trying: each character present
    in the text, simplest first, as far as ``declared`` allows."""
    present = set("".join(texts))
    pairs = []
    for decimal in DECIMAL_MARKS:
        for thousands in THOUSANDS_SEPARATORS:
            if thousands == decimal or (thousands and thousands not in present):
                continue
            if declared.get("thousands", thousands) != thousands:
                continue
            if declared.get("decimal", decimal) != decimal:
                continue
            pairs.append((thousands, decimal))
    return pairs


def _layouts_reading(
    texts: Sequence[str], declared: Mapping[str, Any]
) -> list[tuple[NumberLayout, np.ndarray]]:
    """Every layout, as far as ``declared`` allows, that reads all of
    ``texts`` with one prefix, one suffix and one way of writing negatives,
    with the numbers read."""
    out = []
    for thousands, decimal in _candidates(texts, declared):
        read = _read_all(texts, thousands, decimal, declared)
        if read is not None:
            out.append(read)
    return out


def _read_all(
    texts: Sequence[str], thousands: str, decimal: str, declared: Mapping[str, Any]
) -> tuple[NumberLayout, np.ndarray] | None:
    match = _value_pattern(thousands, decimal).fullmatch
    parts = []
    for text in texts:
        found = match(text)
        if found is None:
            return None
        parts.append(found.groups())
    opens, minuses, prefixes, inners, wholes, fractions, suffixes, closes = zip(
        *parts, strict=True
    )
    prefix = declared.get("prefix", prefixes[0])
    suffix = declared.get("suffix", suffixes[0])
    if set(prefixes) != {prefix} or set(suffixes) != {suffix}:
        return None
    styles = _styles(opens, minuses, inners, closes)
    if styles is None:
        return None
    negative = np.array([style is not None for style in styles], dtype=bool)
    kinds = set(styles) - {None}
    if len(kinds) > 1:
        return None
    if not prefix and kinds == {MINUS_AFTER_PREFIX}:
        kinds = {MINUS}
    places = {len(fraction or "") for fraction in fractions}
    if thousands:
        wholes = tuple(whole.replace(thousands, "") for whole in wholes)
    digits = [
        f"{whole}.{fraction or '0'}"
        for whole, fraction in zip(wholes, fractions, strict=True)
    ]
    numbers = np.asarray(digits, dtype=np.float64)
    numbers[negative] = -numbers[negative]
    layout = NumberLayout(
        prefix=prefix,
        suffix=suffix,
        thousands=thousands,
        decimal=decimal,
        decimals=min(max(places), _MOST_DECIMALS),
        fixed=len(places) == 1,
        negative=kinds.pop() if kinds else MINUS,
    )
    return replace(layout, **_layout_keys(declared)), numbers


def _layout_keys(declared: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in declared.items() if k in ("decimals", "fixed", "negative")}


def _styles(
    opens: tuple[str | None, ...],
    minuses: tuple[str | None, ...],
    inners: tuple[str | None, ...],
    closes: tuple[str | None, ...],
) -> list[str | None] | None:
    """How each value marks a negative (a style, or None for a positive
    value); None when some value's marks are no layout: two of them, or an
    unclosed parenthesis."""
    out: list[str | None] = []
    for marks in zip(opens, minuses, inners, closes, strict=True):
        if not any(marks):
            out.append(None)
            continue
        opened, minus, inner, closed = marks
        if bool(opened) != bool(closed) or sum(map(bool, (opened, minus, inner))) > 1:
            return None
        out.append(PARENTHESES if opened else MINUS if minus else MINUS_AFTER_PREFIX)
    return out


def _distinct_readings(
    readings: list[tuple[NumberLayout, np.ndarray]],
) -> list[tuple[NumberLayout, np.ndarray]]:
    out: list[tuple[NumberLayout, np.ndarray]] = []
    for layout, numbers in readings:
        if not any(np.array_equal(numbers, seen) for _, seen in out):
            out.append((layout, numbers))
    return out


def two_readings(
    name: Hashable,
    texts: Sequence[str],
    pair: list[tuple[NumberLayout, np.ndarray]],
) -> str:
    """A sentence for a message: how two layouts read ``texts`` (in the
    order of the numbers in ``pair``), and how to declare one."""
    (first, first_numbers), (second, second_numbers) = pair[:2]
    differs = np.flatnonzero(first_numbers != second_numbers)
    at = int(differs[0]) if differs.size else 0
    return (
        "its text reads as different numbers in "
        f"two layouts: {_quote(str(texts[at]))} is {first_numbers[at]:g} with "
        f"{_separators(first)}, or {second_numbers[at]:g} with "
        f"{_separators(second)}. Declare which with metadata.update_column("
        f"{name!r}, 'continuous', number_format={{'thousands': "
        f"{first.thousands!r}, 'decimal': {first.decimal!r}}}) (or the other)."
    )


def _separators(layout: NumberLayout) -> str:
    grouping = (
        f"{layout.thousands!r} between thousands"
        if layout.thousands
        else "no thousands separator"
    )
    return f"{grouping} and {layout.decimal!r} as the decimal mark"


def _unread(name: Hashable, texts: list[str], declared: Mapping[str, Any]) -> str:
    shown = f" in the declared number_format {dict(declared)!r}" if declared else ""
    # The first value that does not read on its own, or not together with
    # the first value (another prefix, say).
    example = next(
        (text for text in texts if not _layouts_reading([texts[0], text], declared)),
        texts[0],
    )
    return (
        f"Column {name!r} is numeric, but its text does not read as numbers in "
        f"one layout{shown}, for example {_quote(example)} (all values need the "
        "same text before and after the digits and the same separators). "
        "Correct those values, declare the layout with metadata.update_column("
        f"{name!r}, 'continuous', number_format={{...}}), or declare the column "
        "'categorical'."
    )


def _quote(text: str) -> str:
    quoted = repr(text)
    if len(quoted) > _QUOTE_CHARS:
        quoted = quoted[: _QUOTE_CHARS - 3] + "..."
    return quoted
