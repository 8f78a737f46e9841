"""Times that are not datetime64 columns, read and written in the user's form.

A datetime column may hold Python ``datetime.date``, ``datetime.datetime`` or
``pandas.Timestamp`` objects in an object column (what database drivers and
``pandas.read_sql`` give), or text or whole numbers in a strftime layout
(``"2024-03-01T10:00:00.250+01:00"``, ``20240320``). The data plane models
all of them as times and writes generated times back in the same form: the
same Python type and time zone, or the same layout, with the fraction of a
second in as many digits and the UTC offset in the same style (``Z``,
``+01:00``, ``+0100`` or ``+01``) as the real values.

The metadata module imports this one inside its functions: the data
package imports the metadata module.
"""

from __future__ import annotations

import datetime as dt
import re
import warnings
from collections.abc import Hashable
from typing import Any

import numpy as np
import pandas as pd

from genesis._callers import caller_stacklevel
from genesis.errors import InvalidDataError
from genesis.metadata import guess_layout

__all__ = [
    "check_layout",
    "date_part",
    "layout_width",
    "object_time_type",
    "offset_seconds",
    "read_dates_and_times",
    "read_layout",
    "read_mixed_offsets",
    "read_restored_times",
    "read_stored_times",
    "read_text_times",
    "text_style",
    "to_python_times",
    "unpadded_directives",
    "write_layout",
]

# The Python types an object column of times may hold, exactly (a subclass,
# such as a user's own date class, could not be given back).
_TIME_TYPES = (dt.date, dt.datetime, pd.Timestamp)
_OFFSET_AT_END = re.compile(r"(Z|z|[+-]\d{2}:\d{2}|[+-]\d{4}|[+-]\d{2})$")
_FRACTION = re.compile(r"[.,](\d+)")
# The directives pandas reads text with: Python's strptime ones.
_READ_DIRECTIVES = frozenset("aAbBcdfGHIjmMpSuUVwWxXyYzZ%")
_DIRECTIVE = re.compile(r"%([-#]?.?)")
# Directives real text may write without a leading zero ("3/9/23 8:44 AM"):
# month, day, and hour of the 24- and 12-hour clocks.
_PADDED = ("%m", "%d", "%H", "%I")
# How much of a refused value an error message quotes.
_QUOTE_CHARS = 60


def object_time_type(values: pd.Series) -> type | None:
    """The one time type every present value of an object column has, or None.

    The column qualifies when its present values are all ``datetime.date``,
    all ``datetime.datetime`` or all ``pandas.Timestamp`` objects (exactly
    those types), all without a time zone or all in one zone that a model
    file can store (a zoneinfo zone or a fixed ``datetime.timezone``).
    """
    if values.dtype != np.dtype(object):
        return None
    present = values[values.notna()]
    if present.empty:
        return None
    first = present.iloc[0]
    kind = type(first)
    if kind not in _TIME_TYPES:
        return None
    if not all(type(value) is kind for value in present.tolist()):
        return None
    if kind is dt.date:
        return kind
    zone = first.tzinfo
    if zone is not None and not _storable_zone(zone):
        return None
    if any(value.tzinfo != zone for value in present.tolist()):
        return None
    return kind


def _storable_zone(zone: dt.tzinfo) -> bool:
    # The same zones genesis._values stores in a model file.
    if type(zone) is dt.timezone:
        return True
    key = getattr(zone, "key", None)
    return type(zone).__module__ == "zoneinfo" and key is not None


def to_python_times(stamps: pd.Series, example: Any) -> np.ndarray:
    """Generated times as objects of ``example``'s type and time zone.

    ``stamps`` is wall-clock time without a zone, NaT where missing (the
    caller puts its missing marker there). A wall time that a zone repeats
    when clocks go back is read as standard time; one it skips moves to the
    next valid instant, as for datetime64 columns.
    """
    out = np.full(len(stamps), None, dtype=object)
    present = stamps.notna().to_numpy()
    if not present.any():
        return out
    kind = type(example)
    if kind is dt.date:
        out[present] = stamps[present].dt.date.to_numpy(dtype=object)
        return out
    zone = example.tzinfo
    if zone is not None:
        stamps = stamps.dt.tz_localize(
            zone,
            ambiguous=np.zeros(len(stamps), dtype=bool),
            nonexistent="shift_forward",
        )
    if kind is pd.Timestamp:
        out[present] = stamps[present].astype(object).to_numpy()
        return out
    python = np.asarray(stamps[present].dt.to_pydatetime(), dtype=object)
    if zone is not None:
        # pandas may give an equal zone of its own; the user's object back.
        python = np.array([value.astimezone(zone) for value in python], dtype=object)
    out[present] = python
    return out


def text_style(texts: pd.Series, layout: str) -> dict[str, Any]:
    """How ``texts``, read with ``layout``, write what strftime cannot.

    strftime writes a fraction of a second in six digits (``%f``) and an
    offset as ``+0100`` (``%z``), and months, days and hours zero-padded.
    The style records the digits the first text has, how its first numeric
    offset is written (``"+HH:MM"``, ``"+HHMM"`` or ``"+HH"``), whether a
    zero offset is written ``Z``, and the directives the texts write
    without a leading zero (``"unpadded"``, see :func:`unpadded_directives`).
    """
    style: dict[str, Any] = {"fraction_digits": None, "offset": None, "zero": None}
    unpadded = unpadded_directives(texts, layout)
    if unpadded:
        style["unpadded"] = unpadded
    if "%f" in layout:
        fractions = _FRACTION.findall(str(texts.iloc[0]))
        style["fraction_digits"] = len(fractions[-1]) if fractions else 6
    if "%z" in layout:
        ends = texts.astype(str).str.extract(_OFFSET_AT_END, expand=False).dropna()
        letters = ends[ends.isin(["Z", "z"])]
        numeric = ends[~ends.isin(["Z", "z"])]
        style["offset"] = _offset_style(numeric.iloc[0] if len(numeric) else "+00:00")
        style["zero"] = letters.iloc[0] if len(letters) else None
    return style


def unpadded_directives(texts: pd.Series, layout: str) -> list[str]:
    """The month, day and hour directives of ``layout`` (``"%m"``, ``"%d"``,
    ``"%H"``, ``"%I"``) that ``texts`` write without a leading zero: some
    value below 10 is written in one digit and none in two (``"3/9/23"``
    for ``"%m/%d/%y"``). A directive with no literal text on either side
    (``"%m%d"``) has no digits of its own to look at and counts as padded.
    """
    parts = [part for part in re.split(r"(%.)", layout) if part]
    pattern, groups = "", []
    for position, part in enumerate(parts):
        if part in _PADDED:
            before = parts[position - 1] if position else ""
            after = parts[position + 1] if position + 1 < len(parts) else ""
            if not before.startswith("%") and not after.startswith("%"):
                pattern += r"(\d{1,2})"
                groups.append(part)
                continue
            pattern += r"\d{2}"
        elif part.startswith("%"):
            pattern += ".+?"
        else:
            pattern += re.escape(part)
    if not groups:
        return []
    found = texts.astype(str).str.extract(f"^{pattern}$")
    unpadded = []
    for column, directive in enumerate(groups):
        digits = found[column].dropna()
        short = (digits.str.len() == 1).any()
        padded = (digits.str.len() == 2).to_numpy() & digits.str.startswith("0")
        if short and not padded.any() and directive not in unpadded:
            unpadded.append(directive)
    return sorted(unpadded)


def check_layout(name: Hashable, layout: str) -> None:
    """Refuse a strftime layout with a directive pandas cannot read text in
    (``"%-m"``, a C library's unpadded month, or an unknown ``"%Q"``).

    Raises:
        InvalidDataError: Names the column and the directive.
    """
    for match in _DIRECTIVE.finditer(layout.replace("%%", "")):
        if match.group(1) in _READ_DIRECTIVES:
            continue
        directive = match.group(0)
        shown = f"a lone {directive!r} at the end" if directive == "%" else directive
        advice = ""
        if directive.startswith("%-") or directive.startswith("%#"):
            advice = (
                f" For values written without a leading zero ('3/9/23'), use "
                f"'%{directive[2:]}': it reads them, and generated values are "
                "written without the zero too."
            )
        raise InvalidDataError(
            f"Column {name!r}: datetime_format {layout!r} has {shown}, which is "
            "not a directive dates can be read with (those of Python's "
            "strptime: %Y, %y, %m, %b, %d, %H, %I, %p, %M, %S, %f, %z and "
            f"others).{advice}"
        )


def _offset_style(text: str) -> str:
    if ":" in text:
        return "+HH:MM"
    return "+HHMM" if len(text) == 5 else "+HH"


def offset_seconds(texts: pd.Series) -> np.ndarray:
    """The UTC offset each text ends with, in seconds (0 where none)."""
    found = texts.str.extract(_OFFSET_AT_END, expand=False).fillna("+00")
    seconds = np.zeros(len(found), dtype=np.int64)
    for position, text in enumerate(found.tolist()):
        if text not in ("Z", "z"):
            digits = text[1:].replace(":", "")
            minutes = int(digits[:2]) * 60 + int(digits[2:4] or 0)
            seconds[position] = (-60 if text[0] == "-" else 60) * minutes
    return seconds


def read_text_times(
    texts: pd.Series, layout: str, date_alone: str | None = None
) -> tuple[pd.Series, np.ndarray | None]:
    """Text in ``layout`` read as times, and the offsets of a column whose
    UTC offsets differ between values (see :func:`read_mixed_offsets`), or
    None for one whose offsets, if any, are all the same (its times are then
    in that fixed zone).

    ``date_alone`` is the date part of ``layout`` for a column that writes
    some values as the date alone (``"2023-03-23"`` among
    ``"2022-12-04 03:38"``): text that does not read in ``layout`` is read
    in it, as midnight.

    Raises:
        ValueError: Some text does not read in ``layout`` (nor in
            ``date_alone``, when given).
    """
    if date_alone is not None:
        times = pd.to_datetime(texts, format=layout, errors="coerce")
        alone = times.isna().to_numpy()
        if alone.any():
            times = times.astype("datetime64[ns]")
            times[alone] = pd.to_datetime(texts[alone], format=date_alone)
        return times, None
    if "%z" in layout:
        offsets = offset_seconds(texts)
        if len(np.unique(offsets)) > 1:
            return read_mixed_offsets(texts, layout)
    return pd.to_datetime(texts, format=layout), None


def read_mixed_offsets(texts: pd.Series, layout: str) -> tuple[pd.Series, np.ndarray]:
    """Text in ``layout`` whose UTC offsets differ between values, read as
    wall-clock times without a zone, and each value's offset in seconds.

    Raises:
        ValueError: Some text does not read in ``layout``.
    """
    instants = pd.to_datetime(texts, format=layout, utc=True)
    offsets = offset_seconds(texts)
    wall = instants.dt.tz_localize(None) + pd.to_timedelta(offsets, unit="s")
    return wall, offsets


def write_layout(
    stamps: pd.Series,
    layout: str,
    style: dict[str, Any] | None,
    offsets: np.ndarray | None = None,
) -> np.ndarray:
    """``stamps`` (no NaT) as text in ``layout``, fractions and offsets in
    ``style`` (see :func:`text_style`); strftime's own forms without one.

    ``offsets`` gives each row's UTC offset in seconds, for wall-clock
    ``stamps`` of a column whose offsets differ between rows.
    """
    if not style:
        return stamps.dt.strftime(layout).to_numpy(dtype=object)
    if style.get("date_alone"):
        rest = {**style, "date_alone": None}
        text = write_layout(stamps, layout, rest, offsets)
        midnight = (stamps == stamps.dt.normalize()).to_numpy()
        if midnight.any():
            text[midnight] = write_layout(stamps[midnight], style["date_alone"], rest)
        return text
    unpadded = style.get("unpadded") or []
    # "%%" is split out too, so a literal "%" before an "m" is no directive.
    special = "|".join(["%%", "%f", "%z", *unpadded])
    pieces = []
    for part in re.split(f"({special})", layout):
        if part == "%f":
            pieces.append(_fractions(stamps, style["fraction_digits"] or 6))
        elif part == "%z":
            pieces.append(_offsets(stamps, style, offsets))
        elif part in unpadded:
            written = stamps.dt.strftime(part).str.removeprefix("0")
            pieces.append(written.to_numpy(dtype=object))
        elif "%" in part:
            pieces.append(stamps.dt.strftime(part).to_numpy(dtype=object))
        elif part:
            pieces.append(np.full(len(stamps), part, dtype=object))
    text = np.full(len(stamps), "", dtype=object)
    for piece in pieces:
        text = text + piece
    return text


def _fractions(stamps: pd.Series, digits: int) -> np.ndarray:
    nanoseconds = stamps.dt.microsecond.to_numpy(dtype=np.int64) * 1000
    nanoseconds += stamps.dt.nanosecond.to_numpy(dtype=np.int64)
    shown = nanoseconds // 10 ** (9 - digits)
    return np.array([f"{value:0{digits}d}" for value in shown], dtype=object)


def _offsets(
    stamps: pd.Series, style: dict[str, Any], seconds: np.ndarray | None
) -> np.ndarray:
    zone = getattr(stamps.dtype, "tz", None)
    if seconds is None and zone is None:
        return np.full(len(stamps), "", dtype=object)
    if seconds is None:
        local = stamps.dt.tz_localize(None)
        utc = stamps.dt.tz_convert("UTC").dt.tz_localize(None)
        seconds = ((local - utc) // pd.Timedelta(seconds=1)).to_numpy(np.int64)
    # A column has few distinct offsets: each is written once.
    distinct, which = np.unique(seconds, return_inverse=True)
    written = [_offset_text(int(value), style) for value in distinct]
    return np.array(written, dtype=object)[which]


def _offset_text(seconds: int, style: dict[str, Any]) -> str:
    if seconds == 0 and style.get("zero"):
        return style["zero"]
    sign = "-" if seconds < 0 else "+"
    hours, minutes = divmod(abs(seconds) // 60, 60)
    if style["offset"] == "+HH:MM":
        return f"{sign}{hours:02d}:{minutes:02d}"
    if style["offset"] == "+HH" and minutes == 0:
        return f"{sign}{hours:02d}"
    return f"{sign}{hours:02d}{minutes:02d}"


def read_layout(
    name: Hashable, texts: pd.Series, layout: str, declared: bool
) -> tuple[pd.Series, np.ndarray | None]:
    """``texts`` read as times in ``layout``, as :func:`read_text_times`.

    Raises:
        InvalidDataError: Some text does not read in ``layout``; names the
            column and the first such value.
    """
    try:
        return read_text_times(texts, layout)
    except ValueError:
        pass
    times = pd.to_datetime(texts, format=layout, errors="coerce", utc=True)
    unread = times.isna().to_numpy() & texts.notna().to_numpy()
    if unread.any():
        bad = repr(texts[unread].iloc[0])
        if len(bad) > _QUOTE_CHARS:
            bad = bad[: _QUOTE_CHARS - 3] + "..."
        origin = "declared" if declared else "guessed"
        raise InvalidDataError(
            f"Column {name!r} is a datetime column, but {int(unread.sum())} of its "
            f"values cannot be read in the {origin} layout {layout!r}, for example "
            f"{bad}. "
            "Correct those values, give the layout that reads them all with "
            f"metadata.update_column({name!r}, 'datetime', datetime_format=...), "
            "or declare the column another column type."
        )
    raise InvalidDataError(
        f"Column {name!r} is a datetime column, but its values do not read "
        f"together in the layout {layout!r}; convert them with "
        "pandas.to_datetime first, or declare the column another column type."
    )


def date_part(layout: str) -> str | None:
    """The date before the time in ``layout`` (``"%Y-%m-%d"`` of
    ``"%Y-%m-%d %H:%M"`` or ``"%Y-%m-%dT%H:%M:%S"``), or None when it has
    no time after a date (or a UTC offset, which a date alone lacks)."""
    found = re.match(r"^(.*?%d.*?)[ T]%[HI]", layout)
    if found is None or "%z" in layout:
        return None
    date = found.group(1)
    has_year = "%Y" in date or "%y" in date
    has_month = any(part in date for part in ("%m", "%b", "%B"))
    return date if has_year and has_month else None


def read_dates_and_times(
    texts: pd.Series,
) -> tuple[pd.Series, str, dict[str, Any]] | None:
    """Text of dates alone mixed with dates and times (``"2023-03-23"`` and
    ``"2022-12-04 03:38"``, as databases export a DATETIME at midnight),
    read as times, with the layout and style to write generated ones in:
    midnight as the date alone, other times in the full layout. None when
    the text is not such a mix.

    The layouts are pandas' guesses from the longest and shortest text,
    month first and then day first; the shorter must be the date part of
    the longer.
    """
    if texts.empty:
        return None
    lengths = texts.str.len().to_numpy()
    longest = str(texts.iloc[int(np.argmax(lengths))])
    shortest = str(texts.iloc[int(np.argmin(lengths))])
    for dayfirst in (False, True):
        layout = guess_layout(longest, dayfirst=dayfirst)
        date = guess_layout(shortest, dayfirst=dayfirst)
        if layout is None or date is None or date_part(layout) != date:
            continue
        try:
            times, _ = read_text_times(texts, layout, date)
        except (TypeError, ValueError):
            continue
        with_time = (times != times.dt.normalize()).to_numpy()
        timed = texts[with_time] if with_time.any() else texts
        return times, layout, {**text_style(timed, layout), "date_alone": date}
    return None


def layout_width(layout: str) -> int | None:
    """The length of every text ``layout`` writes, when that is fixed and
    the text is digits alone (``"%Y%m%d"``: 8), so whole numbers that lost
    their leading zeros (``1032024`` for ``"%d%m%Y"``) can be padded back."""
    samples = [
        pd.Timestamp(2000, 1, 1).strftime(layout),
        pd.Timestamp(1999, 12, 31, 23, 59, 59).strftime(layout),
    ]
    if len({len(text) for text in samples}) != 1 or not samples[0].isdigit():
        return None
    return len(samples[0])


# -- reading a column ------------------------------------------------------------


def read_stored_times(plan: Any, observed: pd.Series) -> pd.Series:
    """The present values of a datetime column that is not of a datetime64
    dtype, as times; records on ``plan`` (a fitted column plan of
    genesis.data._prepare) how to write generated ones back.

    Raises:
        InvalidDataError: Some values are not dates or times (in the
            declared layout, when there is one).
    """
    name, layout = plan.meta.name, plan.meta.datetime_format
    if layout is None and object_time_type(observed) is not None:
        plan.time_example = observed.iloc[0]
        return pd.to_datetime(observed)
    width = None
    if pd.api.types.is_numeric_dtype(observed.dtype):
        texts = whole_number_texts(name, observed)
        width = layout_width(layout or guess_layout(texts.iloc[0], dayfirst=False))
        texts = texts.str.zfill(width) if width else texts
    else:
        texts = observed.astype(str)
    date_alone = None
    if layout is None:
        times, layout, offsets, date_alone = _guess_and_read(name, texts)
    else:
        check_layout(name, layout)
        date_alone = _declared_date_alone(texts, layout)
        times, offsets = (
            read_layout(name, texts, layout, declared=True)
            if date_alone is None
            else read_text_times(texts, layout, date_alone)
        )
    if offsets is not None:
        plan.time_offsets = sorted({int(seconds) for seconds in offsets})
    plan.time_format = layout
    timed = texts
    if date_alone is not None:
        timed = texts[(times != times.dt.normalize()).to_numpy()]
    plan.time_style = {
        **text_style(timed if len(timed) else texts, layout),
        "width": width,
    }
    if date_alone is not None:
        plan.time_style["date_alone"] = date_alone
    return times


def _declared_date_alone(texts: pd.Series, layout: str) -> str | None:
    """The date part of a declared ``layout`` when the text holds some dates
    alone, each read in it (see :func:`read_text_times`); None otherwise."""
    date = date_part(layout)
    if date is None:
        return None
    try:
        read_text_times(texts, layout)
    except (TypeError, ValueError):
        pass
    else:
        return None
    try:
        read_text_times(texts, layout, date)
    except (TypeError, ValueError):
        return None
    return date


def whole_number_texts(
    name: Hashable, numbers: pd.Series, width: int | None = None
) -> pd.Series:
    """Numbers that stand for dates (``20240320``) as text of their digits,
    zero-padded to ``width`` when given (``1032024`` in ``"%d%m%Y"`` lost
    its leading zero).

    Raises:
        InvalidDataError: A number is not whole.
    """
    values = numbers.to_numpy(dtype=np.float64)
    broken = ~np.isfinite(values) | (np.mod(values, 1.0) != 0)
    if broken.any():
        raise InvalidDataError(
            f"Column {name!r} is declared a datetime column of numbers, but "
            f"{values[broken][0].item()!r} is not a whole number, so it is no "
            "date in a layout such as '%Y%m%d'. Correct it, or declare the "
            "column another column type."
        )
    if pd.api.types.is_integer_dtype(numbers.dtype):
        texts = numbers.astype(np.int64).astype(str)
    else:
        texts = pd.Series([str(int(v)) for v in values], index=numbers.index)
    return texts.str.zfill(width) if width else texts


def _guess_and_read(
    name: Hashable, texts: pd.Series
) -> tuple[pd.Series, str, np.ndarray | None, str | None]:
    """Text that metadata declares a datetime, read, the format to write
    it back in, each value's offset when they differ between values, and
    the date part of the format that dates alone are written in, for text
    of dates mixed with dates and times (see :func:`read_dates_and_times`).

    The format is pandas' guess from the first value, month first and then
    day first, that reads every value; failing that, each value is read on
    its own and the output is written in ISO form.

    Raises:
        InvalidDataError: Some of the text is not a date or time; names a
            value that is not.
    """
    strings = texts.astype(str)
    guesses = [
        guessed
        for guessed in (
            guess_layout(strings.iloc[0], dayfirst=dayfirst)
            for dayfirst in (False, True)
        )
        if guessed is not None
    ]
    readings = []
    for guessed in guesses:
        try:
            times, offsets = read_text_times(strings, guessed)
        except (TypeError, ValueError):
            continue
        readings.append((times, guessed, offsets))
    if readings:
        _warn_if_read_two_ways(name, strings, readings)
        return (*readings[0], None)
    mixed = read_dates_and_times(strings)
    if mixed is not None:
        times, layout, style = mixed
        return times, layout, None, style["date_alone"]
    try:
        times = pd.to_datetime(strings, format="mixed")
    except (TypeError, ValueError):
        if guesses:
            # Raises, naming a value that the guessed layout does not read.
            read_layout(name, strings, guesses[0], declared=False)
        raise InvalidDataError(
            f"Column {name!r} is declared a datetime column, but its values, "
            f"such as {strings.iloc[0]!r}, are not dates or times in a layout "
            "Genesis can guess. Give their layout with metadata.update_column("
            f"{name!r}, 'datetime', datetime_format=...), or declare the column "
            "another column type."
        ) from None
    whole_days = bool((times == times.dt.normalize()).all())
    return times, "%Y-%m-%d" if whole_days else "%Y-%m-%d %H:%M:%S", None, None


def _warn_if_read_two_ways(
    name: Hashable,
    texts: pd.Series,
    readings: list[tuple[pd.Series, str, np.ndarray | None]],
) -> None:
    """Warn when month first and day first both read every value, as
    different dates: with every day at 12 or less (``03/04/2023``), the
    text alone cannot say which it is. Month first is kept, as pandas reads
    it; the message gives both readings and the layout to declare. Text
    that starts with the year (``2024-01-05``) is year, month, day: the
    year-day-month reading pandas also finds is not warned of."""
    if len(readings) < 2 or readings[0][1] == readings[1][1]:
        return
    (first, month_first, _), (second, day_first, _) = readings[:2]
    if day_first.startswith("%Y") or day_first.startswith("%y"):
        return
    differ = np.flatnonzero((first != second).to_numpy())
    if not differ.size:
        return
    row = int(differ[0])
    one, other = first.iloc[row], second.iloc[row]
    warnings.warn(
        f"Column {name!r} holds dates that read both month first and day first "
        f"({month_first!r} and {day_first!r}): {texts.iloc[row]!r} is "
        f"{one.day} {one:%B %Y} or {other.day} {other:%B %Y}. They are read month "
        "first. If "
        "they are day first, declare the layout: metadata.update_column("
        f"{name!r}, 'datetime', datetime_format={day_first!r}), or on the command "
        f"line --datetime {name}={day_first}.",
        stacklevel=caller_stacklevel(),
    )


def read_restored_times(plan: Any, series: pd.Series) -> pd.Series:
    """A restored datetime column as times to compare with a condition's
    bounds, NaT where missing (see :class:`genesis.data.ValueRange`)."""
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        return series
    if plan.time_example is not None:
        return pd.to_datetime(series)
    if plan.time_format is None:
        return pd.to_datetime(series, errors="coerce")
    present = series.notna()
    texts = series[present].astype(str)
    if plan.time_offsets is not None:
        # Offsets differ between rows: compared as instants, in UTC.
        times = pd.to_datetime(texts, format=plan.time_format, utc=True)
        return times.reindex(series.index)
    width = (plan.time_style or {}).get("width")
    if pd.api.types.is_numeric_dtype(series.dtype):
        texts = whole_number_texts(plan.meta.name, series[present], width)
    times = pd.to_datetime(texts, format=plan.time_format, errors="coerce")
    date_alone = (plan.time_style or {}).get("date_alone")
    alone = times.isna().to_numpy()
    if date_alone and alone.any():
        times = times.astype("datetime64[ns]")
        times[alone] = pd.to_datetime(texts[alone], format=date_alone, errors="coerce")
    return times.reindex(series.index)
