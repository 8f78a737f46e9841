"""Key values: fresh primary keys, unique composite keys and foreign key dtypes.

A fresh primary key is written from its :class:`KeyFormat`, learned once at
fit from the real key column; the format holds how keys are written (kind,
prefix, width, alphabet, first value, grid, date layout), never the real
keys, so a saved model carries none of them.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
import warnings
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from genesis.data import consecutive_whole_numbers, whole_number_range
from genesis.data._times import (
    object_time_type,
    offset_seconds,
    read_text_times,
    text_style,
    write_layout,
)
from genesis.errors import InvalidDataError
from genesis.metadata import _names_a_date, guess_layout

__all__ = [
    "KEY_KINDS",
    "KeyFormat",
    "datetime_ns",
    "dtype_from_name",
    "dtype_name",
    "make_unique",
    "restore_dtype",
    "value_step",
]

_PREFIXED_NUMBER = re.compile(r"^(?P<prefix>\D*)(?P<digits>\d+)$")
_UUID = re.compile(
    r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I
)
_EMAIL = re.compile(r"^(?P<local>[^@\s]+)@(?P<domain>[^@\s]+\.[^@\s.]+)$")
# A domain is kept in the key format only when this many real keys share
# it: one person's own domain would name them.
_SHARED_DOMAIN_KEYS = 2
_MOST_DOMAINS = 20
_STAND_IN_DOMAIN = "example.com"
# The finest time each strftime directive writes, in nanoseconds, finest
# first; a layout without a day writes months (see KeyFormat.step_months).
_LAYOUT_UNITS = (
    (("%S", "%s"), 10**9),
    (("%M",), 60 * 10**9),
    (("%H", "%I"), 3_600 * 10**9),
    (("%d", "%j", "%e"), 86_400 * 10**9),
)
# A random code is drawn from a space at least this many times larger than
# the number of keys wanted, so that drawing unique codes takes few rounds.
_CODE_SPACE_FACTOR = 4
# How far (in steps of the column's grid) a repeated composite key value is
# moved at most before its row is given up.
_MAX_SHIFT_STEPS = 10_000


# Kinds of fresh primary key, as KeyFormat.kind.
ROW_NUMBER = "row_number"
INTEGER = "integer"
NUMBER = "number"
DATETIME = "datetime"
PREFIXED = "prefixed"
UUID = "uuid"
TEXT_DATETIME = "text_datetime"
EMAIL = "email"
CODE = "code"
KEY_KINDS = (
    ROW_NUMBER,
    INTEGER,
    NUMBER,
    DATETIME,
    PREFIXED,
    UUID,
    TEXT_DATETIME,
    EMAIL,
    CODE,
)
_DEFAULT_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ"
_DEFAULT_CODE_LENGTH = 6


@dataclass(frozen=True)
class KeyFormat:
    """How a table's one-column primary key is written, without its values.

    Learned once, at fit, from the real key column (:meth:`learn`); a saved
    model keeps this instead of the real keys. Only the fields of its kind
    are set.

    Attributes:
        kind: ``"row_number"`` (booleans: False, then True), ``"integer"``
            (counting up from ``start``), ``"number"`` (floats, up by one
            from ``start``), ``"datetime"`` (``step_ns`` apart from
            ``start``, nanoseconds since the epoch, UTC), ``"prefixed"``
            (``prefix`` then the number, zero-padded to ``width``, counting
            up from ``start``), ``"uuid"``, ``"text_datetime"`` (text
            of date-times in ``layout``, counting up as datetimes do),
            ``"email"`` (a random code of ``length`` characters over
            ``alphabet``, ``@``, one of ``domains``) or ``"code"``
            (``prefix``, the text every real key starts with, then random
            codes of ``length`` characters over ``alphabet``).
        dtype: The key column's dtype, as :func:`dtype_name` writes it.
        start: The first value: an int for integers and prefixed text, a
            float for numbers, nanoseconds for datetimes (since the epoch,
            UTC when the text has an offset), None where a kind has none
            (or when the real column had no value).
        step_ns: The datetime grid, in nanoseconds.
        prefix: Text before the number of prefixed keys, or before the
            random part of codes.
        width: Digits of prefixed keys (0 when their widths vary).
        alphabet: The characters of random codes.
        length: The usual length of a code; longer codes are drawn when
            too few of this length exist for the keys asked.
        upper: UUIDs are written in capitals, as every real one was.
        objects: UUIDs are ``uuid.UUID`` objects, not text.
        layout: The strftime layout of text date-times.
        time_style: How that text writes fractions of a second and UTC
            offsets (see ``genesis.data._times.text_style``).
        offset_s: The UTC offset text date-times are written in, in
            seconds; None for text without one. Real text whose offsets
            differ (summer time) gets the most common of them.
        step_months: The grid of text date-times that name no day
            (``"2024-03"``), in months; 0 for others.
        domains: The e-mail domains that several real keys share, most
            common first.
        time_type: For datetimes held as Python objects in an object
            column, their type: ``"date"``, ``"datetime"`` or
            ``"Timestamp"``; empty for datetime64 columns.
        zone: The zoneinfo name of such objects' time zone; a fixed
            offset is ``offset_s`` instead.
    """

    kind: str
    dtype: str
    start: int | float | None = None
    step_ns: int | None = None
    prefix: str = ""
    width: int = 0
    alphabet: str = ""
    length: int = 0
    upper: bool = False
    objects: bool = False
    layout: str = ""
    time_style: dict[str, Any] = field(default_factory=dict, hash=False)
    offset_s: int | None = None
    step_months: int = 0
    domains: tuple[str, ...] = ()
    time_type: str = ""
    zone: str = ""

    @classmethod
    def learn(cls, real: pd.Series) -> KeyFormat:
        """The format of the key values in ``real``."""
        dtype = real.dtype
        name = dtype_name(dtype)
        observed = real.dropna()
        if pd.api.types.is_bool_dtype(dtype):
            return cls(ROW_NUMBER, name)
        if pd.api.types.is_integer_dtype(dtype) or (
            pd.api.types.is_float_dtype(dtype)
            and np.all(np.mod(observed.to_numpy(dtype=np.float64), 1.0) == 0)
        ):
            return cls(INTEGER, name, start=int(observed.min()) if len(observed) else 1)
        if pd.api.types.is_numeric_dtype(dtype):
            start = float(observed.min()) if len(observed) else 0.0
            return cls(NUMBER, name, start=start)
        if pd.api.types.is_datetime64_any_dtype(dtype):
            return cls(
                DATETIME,
                name,
                start=_timestamp_ns(observed.min()) if len(observed) else None,
                step_ns=int(value_step(real).value),
            )
        if object_time_type(observed) is not None:
            return _learn_time_objects(name, observed)
        # Python objects in an object column keep their type: ints stay ints
        # and uuid.UUID objects stay objects rather than becoming text.
        values = observed.tolist() if pd.api.types.is_object_dtype(dtype) else []
        if values and all(_is_int64(v) for v in values):
            return cls(INTEGER, name, start=int(min(values)))
        if values and all(isinstance(v, uuid.UUID) for v in values):
            return cls(UUID, name, objects=True)
        return cls._learn_text(name, observed.astype(str).tolist())

    @classmethod
    def _learn_text(cls, name: str, texts: list[str]) -> KeyFormat:
        matches = [_PREFIXED_NUMBER.match(t) for t in texts]
        if texts and all(matches):
            prefixes = {m.group("prefix") for m in matches if m}
            if len(prefixes) == 1:
                widths = {len(m.group("digits")) for m in matches if m}
                return cls(
                    PREFIXED,
                    name,
                    start=min(int(m.group("digits")) for m in matches if m),
                    prefix=prefixes.pop(),
                    width=widths.pop() if len(widths) == 1 else 0,
                )
        if texts and all(_UUID.match(t) for t in texts):
            return cls(UUID, name, upper=all(t == t.upper() for t in texts))
        if texts and (times := _learn_text_times(name, texts)) is not None:
            return times
        if texts and all(_EMAIL.match(t) for t in texts):
            return _learn_emails(name, texts)
        # Text every key starts with (a tail number's "N") is kept; the rest
        # is drawn over the characters the rest uses.
        prefix = _common_prefix(texts) if len(texts) > 1 else ""
        prefix = prefix[: max(min(map(len, texts), default=1) - 1, 0)]
        rests = [t[len(prefix) :] for t in texts]
        alphabet = "".join(sorted(set("".join(rests)))) or _DEFAULT_ALPHABET
        lengths = pd.Series([len(t) for t in rests] or [_DEFAULT_CODE_LENGTH])
        length = max(int(lengths.mode().iloc[0]), 1)
        return cls(CODE, name, prefix=prefix, alphabet=alphabet, length=length)

    def fresh(
        self, n: int, rng: np.random.Generator, where: str = "The key column"
    ) -> pd.Series:
        """``n`` new unique key values in this format, in the key's own dtype.

        Numbers and datetimes count up from ``start``; where that would pass
        the largest value the dtype holds, they start lower instead, so that
        no value wraps around or repeats; text date-times are written in
        the real text's layout. Only ``"uuid"``, ``"email"`` and ``"code"``
        keys draw from ``rng``.

        Args:
            n: How many keys.
            rng: The random stream of random codes.
            where: Names the column in an error, for example ``"Column 'id'
                of table 'users'"``.

        Raises:
            InvalidDataError: The dtype holds fewer than ``n`` distinct
                values of this format (a boolean key holds two, ``int8``
                256); the message names the dtype and its number of values.
        """
        dtype = dtype_from_name(self.dtype)
        if self.kind == ROW_NUMBER:
            self._check_room(n, 2, where)
            return pd.Series(np.arange(n) == 1).astype(dtype)
        if self.kind == INTEGER:
            numbers = np.int64 if pd.api.types.is_object_dtype(dtype) else dtype
            return pd.Series(self._fresh_integers(n, numbers, where)).astype(dtype)
        if self.kind == NUMBER:
            return self._fresh_numbers(n, dtype, where)
        if self.kind == DATETIME:
            return self._fresh_datetimes(n, dtype, where)
        if self.kind == PREFIXED:
            start = int(self.start or 0)
            texts = [f"{self.prefix}{start + i:0{self.width}d}" for i in range(n)]
        elif self.kind == TEXT_DATETIME:
            texts = self._fresh_text_times(n, where)
        elif self.kind == EMAIL:
            locals_ = _random_codes(self.alphabet, self.length, n, rng)
            domains = list(self.domains) or [_STAND_IN_DOMAIN]
            which = rng.integers(0, len(domains), size=n)
            texts = [f"{a}@{domains[d]}" for a, d in zip(locals_, which, strict=True)]
        elif self.kind == UUID:
            raw = rng.integers(0, 256, size=(n, 16), dtype=np.uint8)
            codes = [uuid.UUID(bytes=row.tobytes(), version=4) for row in raw]
            if self.objects:
                return pd.Series(codes, dtype=object)
            texts = [str(code) for code in codes]
            if self.upper:
                texts = [text.upper() for text in texts]
        else:
            codes = _random_codes(self.alphabet, self.length, n, rng)
            texts = [self.prefix + code for code in codes]
        if isinstance(dtype, pd.CategoricalDtype):
            return pd.Series(pd.Categorical(texts))
        return restore_dtype(pd.Series(texts, dtype=object), dtype)

    def _check_room(self, n: int, room: int, where: str, unit: str = "") -> None:
        if n > room:
            raise InvalidDataError(
                f"{where} has dtype {self.dtype}, which holds {room} distinct "
                f"values{unit}; {n} new keys were asked. Ask for fewer rows, or "
                "give the column a wider dtype before fitting."
            )

    def _fresh_integers(self, n: int, dtype: Any, where: str) -> np.ndarray:
        """``n`` consecutive whole numbers, all exact in ``dtype``."""
        numpy_dtype = np.dtype(getattr(dtype, "numpy_dtype", dtype))
        low, high = whole_number_range(numpy_dtype)
        self._check_room(n, high - low + 1, where)
        start = int(self.start if self.start is not None else 1)
        return consecutive_whole_numbers(start, n, numpy_dtype)

    def _fresh_numbers(self, n: int, dtype: Any, where: str) -> pd.Series:
        """``n`` numbers one apart from ``start``, refused once ``dtype`` rounds them.

        Past the first value the dtype cannot hold exactly, rounded values
        would soon repeat.
        """
        start = float(self.start if self.start is not None else 0.0)
        wanted = start + np.arange(n, dtype=np.float64)
        values = pd.Series(wanted).astype(dtype)
        rounded = np.flatnonzero(
            values.to_numpy(dtype=np.float64, na_value=np.nan) != wanted
        )
        if rounded.size:
            self._check_room(n, int(rounded[0]), where, f" one apart from {start!r}")
        return values

    def _fresh_datetimes(self, n: int, dtype: Any, where: str) -> pd.Series:
        if self.start is None:
            offsets = pd.to_timedelta(np.zeros(n, dtype=np.int64), unit="ns")
            return pd.Series(pd.NaT + offsets).astype(dtype)
        values = self._grid_times(n, where)
        if self.time_type:
            return pd.Series(self._time_objects(values), dtype=object)
        if isinstance(dtype, pd.DatetimeTZDtype):
            values = values.dt.tz_localize("UTC")
        return values.astype(dtype)

    def _time_objects(self, stamps: pd.Series) -> list[Any]:
        """Grid times as the real column's Python objects, in its zone."""
        if self.time_type == "date":
            return stamps.dt.date.tolist()
        if self.zone or self.offset_s is not None:
            zone: dt.tzinfo = (
                ZoneInfo(self.zone)
                if self.zone
                else dt.timezone(dt.timedelta(seconds=self.offset_s or 0))
            )
            # The grid is of instants, so no wall time a zone repeats or
            # skips can make two keys one.
            stamps = stamps.dt.tz_localize("UTC").dt.tz_convert(zone)
            if self.time_type == "datetime":
                return [stamp.to_pydatetime().astimezone(zone) for stamp in stamps]
            return [stamp.tz_convert(zone) for stamp in stamps]
        if self.time_type == "datetime":
            return list(stamps.dt.to_pydatetime())
        return list(stamps)

    def _fresh_text_times(self, n: int, where: str) -> list[str]:
        """``n`` date-times on the grid, written in the real text's layout."""
        if self.step_months:
            start = pd.Timestamp(int(self.start or 0), unit="ns")
            # Months up to the last one a nanosecond datetime holds.
            last = pd.Timestamp.max
            span = (last.year - start.year) * 12 + last.month - start.month
            room = span // self.step_months + 1
            self._check_room(n, room, where, f" {self.step_months} months apart")
            stamps = pd.Series(
                pd.date_range(
                    start, periods=n, freq=pd.DateOffset(months=self.step_months)
                )
            )
        else:
            stamps = self._grid_times(n, where)
        if self.offset_s is not None:
            zone = dt.timezone(dt.timedelta(seconds=self.offset_s))
            stamps = stamps.dt.tz_localize("UTC").dt.tz_convert(zone)
        return write_layout(stamps, self.layout, self.time_style or None).tolist()

    def _grid_times(self, n: int, where: str) -> pd.Series:
        """``n`` naive datetimes ``step_ns`` apart from ``start``."""
        step = max(int(self.step_ns or 0), 1)
        # Nanoseconds since the epoch; the smallest int64 is NaT.
        low, high = int(np.iinfo(np.int64).min) + 1, int(np.iinfo(np.int64).max)
        room = (high - low) // step + 1
        self._check_room(n, room, where, f" {pd.Timedelta(step, 'ns')} apart")
        start = max(min(int(self.start), high - (n - 1) * step), low)
        # Exact modulo 2**64, and every true value fits in int64.
        nanos = np.arange(n, dtype=np.uint64) * np.uint64(step)
        nanos = (nanos + np.uint64(start % 2**64)).view(np.int64)
        return pd.Series(nanos.view("datetime64[ns]"))

    def to_json(self) -> dict[str, Any]:
        """The format as JSON-able values; :meth:`from_json` reads it back."""
        return asdict(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> KeyFormat:
        """Rebuild a format written by :meth:`to_json`.

        Raises:
            ValueError: ``data`` names an unknown kind.
        """
        if data["kind"] not in KEY_KINDS:
            raise ValueError(
                f"Unknown primary key kind {data['kind']!r}; known kinds are "
                f"{list(KEY_KINDS)!r}."
            )
        # Files saved before a field existed lack it; it keeps its default.
        known = {f.name: data[f.name] for f in fields(cls) if f.name in data}
        if "domains" in known:
            known["domains"] = tuple(known["domains"])
        if known.get("time_style") is None:
            known.pop("time_style", None)
        return cls(**known)


def _learn_time_objects(name: str, observed: pd.Series) -> KeyFormat:
    """The format of keys that are Python dates or datetimes in an object
    column (see ``genesis.data._times.object_time_type``)."""
    first = observed.iloc[0]
    kind = type(first)
    time_type = {dt.date: "date", dt.datetime: "datetime"}.get(kind, "Timestamp")
    zone = getattr(first, "tzinfo", None) if time_type != "date" else None
    stamps = pd.Series(pd.to_datetime(observed.tolist(), utc=zone is not None))
    step = int(value_step(stamps).value)
    if time_type == "date" and len(observed.unique()) < 2:
        step = _LAYOUT_UNITS[-1][1]
    offset = None
    if isinstance(zone, dt.timezone):
        offset = int(zone.utcoffset(None).total_seconds())
    return KeyFormat(
        DATETIME,
        name,
        start=int(datetime_ns(stamps)[0].min()),
        step_ns=step,
        time_type=time_type,
        zone=getattr(zone, "key", "") or "",
        offset_s=offset,
    )


def _learn_text_times(name: str, texts: list[str]) -> KeyFormat | None:
    """The format of key text that is date-times in one layout, or None.

    The layout is guessed from the first text, month first and then day
    first, as the data plane guesses it; it must name a date and write
    every real text back exactly as it was, or the text is not taken for
    date-times.
    """
    layouts = [guess_layout(texts[0], dayfirst=first) for first in (False, True)]
    series = pd.Series(texts, dtype=object)
    for layout in layouts:
        if not layout or not _names_a_date(layout):
            continue
        try:
            times, offsets = read_text_times(series, layout)
        except (TypeError, ValueError):
            continue
        style = text_style(series, layout)
        if (write_layout(times, layout, style, offsets) != series.to_numpy()).any():
            continue
        return _text_times_format(name, series, times, layout, style)
    return None


def _text_times_format(
    name: str, texts: pd.Series, times: pd.Series, layout: str, style: dict[str, Any]
) -> KeyFormat:
    """The format of ``texts``, read as ``times`` in ``layout``."""
    offset = None
    if "%z" in layout:
        offsets = offset_seconds(texts)
        distinct, counts = np.unique(offsets, return_counts=True)
        offset = int(distinct[np.argmax(counts)])
        # Differing offsets read as wall-clock times: back to instants.
        if times.dt.tz is None:
            times = times - pd.to_timedelta(offsets, unit="s")
    nanos = np.unique(datetime_ns(times)[0])
    unit = _layout_unit(layout, style)
    if unit is None:
        stamps = pd.to_datetime(nanos, unit="ns")
        months = np.unique(stamps.year * 12 + stamps.month - 1)
        gaps = np.diff(months)
        return KeyFormat(
            TEXT_DATETIME,
            name,
            start=int(nanos[0]),
            layout=layout,
            time_style=style,
            offset_s=offset,
            step_months=int(gaps.min()) if gaps.size else 1,
        )
    gaps = np.diff(nanos)
    return KeyFormat(
        TEXT_DATETIME,
        name,
        start=int(nanos[0]),
        step_ns=int(gaps.min()) if gaps.size else unit,
        layout=layout,
        time_style=style,
        offset_s=offset,
    )


def _layout_unit(layout: str, style: Mapping[str, Any]) -> int | None:
    """The finest step text in ``layout`` shows, in nanoseconds; None for a
    layout of months (no day)."""
    if "%f" in layout:
        return 10 ** (9 - (style.get("fraction_digits") or 6))
    for directives, unit in _LAYOUT_UNITS:
        if any(d in layout for d in directives):
            return unit
    return None


def _learn_emails(name: str, texts: list[str]) -> KeyFormat:
    """The format of e-mail address keys: random local parts over the
    letters and digits of the real ones, at the domains several share."""
    matches = [_EMAIL.match(t) for t in texts]
    locals_ = [m.group("local") for m in matches if m]
    letters = {c for c in "".join(locals_) if c.isascii() and c.isalnum()}
    alphabet = "".join(sorted(letters)) or _DEFAULT_ALPHABET.lower()
    length = max(int(pd.Series([len(a) for a in locals_]).mode().iloc[0]), 1)
    domains = pd.Series([m.group("domain") for m in matches if m]).value_counts()
    shared = domains[domains >= _SHARED_DOMAIN_KEYS].index[:_MOST_DOMAINS]
    return KeyFormat(
        EMAIL, name, alphabet=alphabet, length=length, domains=tuple(shared)
    )


def _is_int64(value: object) -> bool:
    """Whether ``value`` is an integer (not a boolean) that int64 holds."""
    if not isinstance(value, (int, np.integer)) or isinstance(value, (bool, np.bool_)):
        return False
    bounds = np.iinfo(np.int64)
    return int(bounds.min) <= int(value) <= int(bounds.max)


def _common_prefix(texts: list[str]) -> str:
    """The text every one of ``texts`` starts with."""
    shortest = min(texts, key=len)
    for position, character in enumerate(shortest):
        if any(text[position] != character for text in texts):
            return shortest[:position]
    return shortest


def _random_codes(
    alphabet: str, length: int, n: int, rng: np.random.Generator
) -> list[str]:
    """``n`` distinct random codes over ``alphabet``, at least ``length`` long."""
    letters = np.array(list(alphabet))
    while float(len(letters)) ** length < _CODE_SPACE_FACTOR * max(n, 1):
        length += 1
    codes: list[str] = []
    seen: set[str] = set()
    while len(codes) < n:
        wanted = n - len(codes)
        draws = rng.integers(0, len(letters), size=(2 * wanted + 8, length))
        for row in letters[draws]:
            code = "".join(row)
            if code not in seen:
                seen.add(code)
                codes.append(code)
                if len(codes) == n:
                    break
    return codes


def dtype_name(dtype: Any) -> str:
    """Text naming ``dtype`` that :func:`dtype_from_name` turns back into it.

    A categorical dtype is written without its categories: those of a key
    column are real key values, and generated keys get the categories they
    are generated with (see :func:`restore_dtype`).
    """
    if isinstance(dtype, pd.CategoricalDtype):
        return "category"
    if isinstance(dtype, pd.StringDtype):
        # pandas 2's "pyarrow_numpy" storage names its NaN variant itself.
        keeps_name = dtype.na_value is pd.NA or dtype.storage == "pyarrow_numpy"
        return f"{'string' if keeps_name else 'str'}[{dtype.storage}]"
    return str(dtype)


def dtype_from_name(name: str) -> Any:
    """The dtype :func:`dtype_name` wrote as ``name``."""
    if name.startswith("str[") and name.endswith("]"):
        return pd.StringDtype(name[4:-1], na_value=np.nan)
    return pd.api.types.pandas_dtype(name)


def _timestamp_ns(value: pd.Timestamp) -> int:
    """Nanoseconds since the epoch (UTC) of one timestamp."""
    return int(pd.Timestamp(value).as_unit("ns").value)


def value_step(real: pd.Series) -> object:
    """The grid a numeric or datetime column's values sit on (1 when unknown).

    Returns a ``pd.Timedelta`` for datetimes and a number otherwise.
    """
    observed = real.dropna()
    if pd.api.types.is_datetime64_any_dtype(real.dtype):
        nanos = np.unique(datetime_ns(observed)[0])
        gaps = np.diff(nanos)
        positive = gaps[gaps > 0]
        return pd.Timedelta(int(positive.min()) if positive.size else 10**9, "ns")
    values = np.unique(observed.to_numpy(dtype=np.float64))
    gaps = np.diff(values)
    positive = gaps[gaps > 0]
    step = float(positive.min()) if positive.size else 1.0
    if pd.api.types.is_integer_dtype(real.dtype):
        return max(1, round(step))
    return step


def make_unique(
    frame: pd.DataFrame,
    key: Sequence[Hashable],
    movable: Hashable | None,
    step: object,
    bounds: tuple[object, object] | None,
    choices: Sequence[object] | None = None,
    rng: np.random.Generator | None = None,
    where: str = "The table",
) -> np.ndarray:
    """Make a composite key unique by changing ``movable`` in repeated rows.

    Rows whose key repeats an earlier row's get ``movable`` changed until
    the key is unused: on a grid (``step`` set; a modelled numeric or
    datetime column) it is shifted by whole steps to the nearest free
    value, inside ``bounds`` while a free value is left there; off a grid
    (``choices`` set; text or categories) it takes a value of ``choices``,
    drawn with ``rng``, that no other row with the same other key columns
    holds. The other key columns (foreign keys) are never changed, so each
    parent keeps the children it was given.

    Returns:
        A boolean mask of the rows kept. A row is dropped only when no
        unique key can be made for it (no column may change, or every
        choice is taken in its group); a ``UserWarning`` then names the
        table, the key, the rows dropped and why.
    """
    keep = np.ones(len(frame), dtype=bool)
    repeated = frame.duplicated(list(key), keep="first").to_numpy()
    if not repeated.any():
        return keep
    if movable is None:
        keep[repeated] = False
        reason = "every key column is a foreign key, so none can change"
    elif step is not None:
        _shift_on_grid(frame, key, movable, step, bounds, repeated, keep)
        reason = f"no free value of {movable!r} lay within {_MAX_SHIFT_STEPS} steps"
    else:
        _take_unused(frame, key, movable, choices or (), repeated, keep, rng)
        reason = (
            f"column {movable!r} has only {len(choices or ())} distinct values, "
            "fewer than the rows that share the rest of the key"
        )
    if not keep.all():
        warnings.warn(
            f"{where}: dropped {int((~keep).sum())} of {len(keep)} generated "
            f"rows whose primary key {list(key)!r} could not be made unique: "
            f"{reason}. Their parents get fewer children than drawn.",
            UserWarning,
            stacklevel=2,
        )
    return keep


def _shift_on_grid(
    frame: pd.DataFrame,
    key: Sequence[Hashable],
    movable: Hashable,
    step: Any,
    bounds: tuple[Any, Any] | None,
    repeated: np.ndarray,
    keep: np.ndarray,
) -> None:
    """Shift ``movable`` of repeated rows to the nearest free grid value."""
    columns = [frame[c].tolist() for c in key]
    rows = list(zip(*columns, strict=True))
    used = {rows[i] for i in np.flatnonzero(~repeated)}
    moved_at = list(key).index(movable)
    moved = columns[moved_at]
    for row in np.flatnonzero(repeated):
        values = list(rows[row])
        start = values[moved_at]
        placed = False
        # Inside the real range while it has room; past it once both
        # directions have left it.
        bounded = bounds is not None
        for steps in range(1, _MAX_SHIFT_STEPS):
            inside = False
            for sign in (1, -1):
                candidate = start + sign * steps * step
                if bounded and not (bounds[0] <= candidate <= bounds[1]):
                    continue
                inside = True
                values[moved_at] = candidate
                if tuple(values) not in used:
                    placed = True
                    break
            if placed:
                break
            bounded = bounded and inside
        if placed:
            used.add(tuple(values))
            moved[row] = values[moved_at]
        else:
            keep[row] = False
    frame[movable] = pd.Series(moved, index=frame.index).astype(frame[movable].dtype)


def _take_unused(
    frame: pd.DataFrame,
    key: Sequence[Hashable],
    movable: Hashable,
    choices: Sequence[object],
    repeated: np.ndarray,
    keep: np.ndarray,
    rng: np.random.Generator | None,
) -> None:
    """Give ``movable`` of repeated rows a choice unused by the rest of their key."""
    rng = rng if rng is not None else np.random.default_rng()
    others = [c for c in key if c != movable]
    values = frame[movable].tolist()
    groups = list(zip(*(frame[c].tolist() for c in others), strict=True))
    used: dict[tuple[Any, ...], set[Any]] = {}
    for row in np.flatnonzero(~repeated):
        used.setdefault(groups[row], set()).add(values[row])
    free: dict[tuple[Any, ...], list[Any]] = {}
    for row in np.flatnonzero(repeated):
        group = groups[row]
        if group not in free:
            taken = used.get(group, set())
            unused = [c for c in choices if c not in taken]
            free[group] = [unused[i] for i in rng.permutation(len(unused))]
        if free[group]:
            values[row] = free[group].pop()
        else:
            keep[row] = False
    changed = pd.Series(values, index=frame.index, dtype=object)
    if isinstance(frame[movable].dtype, pd.CategoricalDtype):
        frame[movable] = changed.astype("category")
    else:
        frame[movable] = restore_dtype(changed, frame[movable].dtype)


def restore_dtype(values: pd.Series, dtype: object) -> pd.Series:
    """``values`` as ``dtype``, or its nullable counterpart when values are missing."""
    has_missing = bool(values.isna().any())
    if isinstance(dtype, pd.CategoricalDtype):
        return values.astype("category")
    if has_missing and pd.api.types.is_bool_dtype(dtype):
        return values.astype("boolean")
    if has_missing and pd.api.types.is_integer_dtype(dtype):
        name = str(dtype)
        nullable = name if name[0].isupper() else name.capitalize()
        return values.astype(nullable)
    try:
        return values.astype(dtype)
    except (TypeError, ValueError):
        return values


def datetime_ns(series: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Nanoseconds since the epoch (UTC) of a datetime column, and its missing mask."""
    missing = series.isna().to_numpy()
    if getattr(series.dt, "tz", None) is not None:
        series = series.dt.tz_convert("UTC").dt.tz_localize(None)
    nanos = series.to_numpy(dtype="datetime64[ns]").view(np.int64).copy()
    nanos[missing] = 0
    return nanos, missing
