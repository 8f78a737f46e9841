"""Lossless JSON encoding of the scalar values users put in tables.

Column labels and category values can be of many types. JSON alone would turn
the int label ``1`` into the string ``"1"`` on a round trip, so each value is
stored as a ``[kind, payload]`` pair that gives back a value of the same type
and the same value: Python's None, bool, int (any size), float (nan and inf
included), complex, str, bytes, decimal.Decimal (its exact digits),
datetime.date, datetime.datetime and datetime.time; pandas' NA, NaT,
Timestamp, Timedelta, Period and Interval; numpy scalars of every number,
text, datetime64 and timedelta64 dtype; and tuples and frozensets of these.

Time zones are kept when they are zoneinfo zones with a key or fixed
``datetime.timezone`` offsets. Any other value (an instance of a user's own
class, an Enum member, a subclass of a builtin, another time zone library's
zone) would need pickle to come back; :func:`encode_value` refuses it with
:class:`UnstorableValueError` instead of storing something that decodes to a
different value.

Files of model format 1 stored such values as ``["repr", text]`` and gave the
text back on load; :func:`decode_value` refuses those pairs.
"""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import math
import reprlib
import zoneinfo
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from genesis.errors import ModelFileError

__all__ = ["UnstorableValueError", "decode_value", "encode_value"]

_MICROSECOND = dt.timedelta(microseconds=1)
# Printed form of a refused value in error messages: long enough to show a
# Timestamp with its zone, short enough for one line.
_SHORT = reprlib.Repr()
_SHORT.maxstring = _SHORT.maxother = 100


class UnstorableValueError(ModelFileError):
    """A value has a type that a model file cannot hold without pickle.

    Attributes:
        value: The value refused.
        type_name: Its type, with the module for types outside builtins.
        shown: A short printed form of the value.
        detail: Why a type that is often stored was refused here, in
            parentheses after a space, or empty.
    """

    def __init__(self, value: Any, reason: str = "") -> None:
        self.value = value
        self.type_name = _type_name(value)
        self.shown = _SHORT.repr(value)
        self.detail = f" ({reason})" if reason else ""
        super().__init__(
            f"{self.shown}, of type {self.type_name}{self.detail}, cannot be "
            "stored in a model file without pickle."
        )


def encode_value(value: Any) -> list[Any]:
    """Return a JSON-able ``[kind, payload]`` pair for ``value``.

    Raises:
        UnstorableValueError: ``value``, or a part of it, has a type that
            cannot be stored exactly (see the module docstring).
    """
    if value is None:
        return ["none", None]
    if value is pd.NA:
        return ["na", None]
    if value is pd.NaT:
        return ["nat", None]
    if isinstance(value, np.generic):
        return ["numpy", _encode_numpy(value)]
    encoder = _ENCODERS.get(type(value))
    if encoder is None:
        raise UnstorableValueError(value)
    return encoder(value)


def decode_value(pair: list[Any]) -> Any:
    """Invert :func:`encode_value`.

    Raises:
        ModelFileError: The pair is of a kind this release does not know, or
            is a ``"repr"`` pair, which holds only the text of a value.
    """
    kind, payload = pair
    if kind == "repr":
        raise ModelFileError(
            f"The model file holds the value {payload} only as its printed "
            "text, which older releases wrote for values they could not store; "
            "a generator loaded from it would give that text in place of the "
            "value. Fit the generator again and save it with this release."
        )
    decoder = _DECODERS.get(kind)
    if decoder is None:
        raise ModelFileError(
            f"Unknown stored value kind {kind!r}; the file may come from a newer "
            "release of Genesis."
        )
    return decoder(payload)


# -- encoders -------------------------------------------------------------------


def _encode_float(value: float) -> list[Any]:
    if math.isnan(value):
        return ["nan", None]
    if math.isinf(value):
        return ["float", "inf" if value > 0 else "-inf"]
    return ["float", value]


def _encode_numpy(value: np.generic) -> list[Any]:
    dtype = value.dtype
    if dtype.kind in "mM":
        return [dtype.str, int(value.view(np.int64))]
    if dtype.kind not in "biufcSU":
        raise UnstorableValueError(value, f"numpy dtype {dtype.str!r}")
    plain = value.item()
    if isinstance(plain, np.generic):
        # long double and the like have no Python type to carry their digits.
        raise UnstorableValueError(value, f"numpy dtype {dtype.str!r}")
    return [dtype.str, encode_value(plain)]


def _encode_zone(zone: dt.tzinfo | None, value: Any) -> list[Any] | None:
    if zone is None:
        return None
    if type(zone) is zoneinfo.ZoneInfo and zone.key is not None:
        return ["zoneinfo", zone.key]
    if type(zone) is dt.timezone:
        offset = zone.utcoffset(None)
        return ["offset", offset // _MICROSECOND, zone.tzname(None)]
    raise UnstorableValueError(
        value,
        f"time zone {zone!r}; use a zoneinfo zone or a fixed datetime.timezone",
    )


def _encode_timestamp(value: pd.Timestamp) -> list[Any]:
    # asm8 is the instant in UTC, in the Timestamp's own unit.
    ticks = int(value.asm8.view(np.int64))
    return ["pd.Timestamp", [ticks, value.unit, _encode_zone(value.tzinfo, value)]]


def _encode_timedelta(value: pd.Timedelta) -> list[Any]:
    return ["pd.Timedelta", [int(value.asm8.view(np.int64)), value.unit]]


def _encode_period(value: pd.Period) -> list[Any]:
    return ["pd.Period", [value.ordinal, value.freqstr]]


def _encode_interval(value: pd.Interval) -> list[Any]:
    ends = [encode_value(value.left), encode_value(value.right)]
    return ["pd.Interval", [*ends, value.closed]]


def _encode_datetime(value: dt.datetime) -> list[Any]:
    wall = value.replace(tzinfo=None, fold=0).isoformat()
    return ["datetime", [wall, _encode_zone(value.tzinfo, value), value.fold]]


def _encode_time(value: dt.time) -> list[Any]:
    wall = value.replace(tzinfo=None, fold=0).isoformat()
    return ["time", [wall, _encode_zone(value.tzinfo, value), value.fold]]


_ENCODERS: dict[type, Callable[[Any], list[Any]]] = {
    bool: lambda v: ["bool", v],
    int: lambda v: ["int", v],
    float: _encode_float,
    complex: lambda v: ["complex", [_encode_float(v.real), _encode_float(v.imag)]],
    str: lambda v: ["str", v],
    bytes: lambda v: ["bytes", base64.b64encode(v).decode("ascii")],
    decimal.Decimal: lambda v: ["decimal", str(v)],
    dt.date: lambda v: ["date", v.isoformat()],
    dt.datetime: _encode_datetime,
    dt.time: _encode_time,
    pd.Timestamp: _encode_timestamp,
    pd.Timedelta: _encode_timedelta,
    pd.Period: _encode_period,
    pd.Interval: _encode_interval,
    tuple: lambda v: ["tuple", [encode_value(item) for item in v]],
    frozenset: lambda v: ["frozenset", [encode_value(item) for item in v]],
}


# -- decoders -------------------------------------------------------------------


def _decode_numpy(payload: list[Any]) -> np.generic:
    dtype_text, stored = payload
    dtype = np.dtype(dtype_text)
    if dtype.kind in "mM":
        return np.int64(stored).view(dtype)
    return dtype.type(decode_value(stored))


def _decode_zone(payload: list[Any] | None) -> dt.tzinfo | None:
    if payload is None:
        return None
    if payload[0] == "zoneinfo":
        return zoneinfo.ZoneInfo(payload[1])
    _, microseconds, name = payload
    zone = dt.timezone(microseconds * _MICROSECOND)
    return (
        zone if zone.tzname(None) == name else dt.timezone(zone.utcoffset(None), name)
    )


def _decode_timestamp(payload: list[Any]) -> pd.Timestamp:
    ticks, unit, zone = payload
    stamp = pd.Timestamp(np.int64(ticks).view(f"M8[{unit}]"))
    if zone is None:
        return stamp
    return stamp.tz_localize("UTC").tz_convert(_decode_zone(zone))


def _decode_interval(payload: list[Any]) -> pd.Interval:
    left, right, closed = payload
    return pd.Interval(decode_value(left), decode_value(right), closed=closed)


def _decode_datetime(payload: list[Any]) -> dt.datetime:
    wall, zone, fold = payload
    return dt.datetime.fromisoformat(wall).replace(tzinfo=_decode_zone(zone), fold=fold)


def _decode_time(payload: list[Any]) -> dt.time:
    wall, zone, fold = payload
    return dt.time.fromisoformat(wall).replace(tzinfo=_decode_zone(zone), fold=fold)


def _decode_complex(payload: list[Any]) -> complex:
    real, imag = payload
    return complex(decode_value(real), decode_value(imag))


_DECODERS: dict[str, Callable[[Any], Any]] = {
    "none": lambda _: None,
    "na": lambda _: pd.NA,
    "nat": lambda _: pd.NaT,
    "nan": lambda _: float("nan"),
    "bool": bool,
    "int": int,
    "float": float,
    "complex": _decode_complex,
    "str": str,
    "bytes": lambda p: base64.b64decode(p.encode("ascii")),
    "decimal": decimal.Decimal,
    "date": dt.date.fromisoformat,
    "datetime": _decode_datetime,
    "time": _decode_time,
    # Model format 1 wrote Timestamps and datetime64 values as ISO text,
    # without their unit or time-zone name.
    "timestamp": pd.Timestamp,
    "pd.Timestamp": _decode_timestamp,
    "pd.Timedelta": lambda p: pd.Timedelta(np.int64(p[0]).view(f"m8[{p[1]}]")),
    "pd.Period": lambda p: pd.Period(ordinal=p[0], freq=p[1]),
    "pd.Interval": _decode_interval,
    "numpy": _decode_numpy,
    "tuple": lambda p: tuple(decode_value(item) for item in p),
    "frozenset": lambda p: frozenset(decode_value(item) for item in p),
}


def _type_name(value: Any) -> str:
    kind = type(value)
    if kind.__module__ == "builtins":
        return kind.__qualname__
    return f"{kind.__module__}.{kind.__qualname__}"
