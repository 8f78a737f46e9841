"""Lossless JSON encoding of the scalar values users put in tables.

Column labels and category values can be ints, floats, strings, booleans,
timestamps or missing. JSON alone would turn the int label ``1`` into the
string ``"1"`` on a round trip, so each value is stored with its kind.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["decode_value", "encode_value"]


def encode_value(value: Any) -> list[Any]:
    """Return a JSON-able ``[kind, payload]`` pair for ``value``."""
    if value is None:
        return ["none", None]
    if value is pd.NA:
        return ["na", None]
    if value is pd.NaT:
        return ["nat", None]
    if isinstance(value, (bool, np.bool_)):
        return ["bool", bool(value)]
    if isinstance(value, (int, np.integer)):
        return ["int", int(value)]
    if isinstance(value, (float, np.floating)):
        number = float(value)
        if math.isnan(number):
            return ["nan", None]
        if math.isinf(number):
            return ["float", "inf" if number > 0 else "-inf"]
        return ["float", number]
    if isinstance(value, str):
        return ["str", value]
    if isinstance(value, pd.Timestamp):
        return ["timestamp", value.isoformat()]
    if isinstance(value, np.datetime64):
        return ["timestamp", pd.Timestamp(value).isoformat()]
    if isinstance(value, tuple):
        return ["tuple", [encode_value(v) for v in value]]
    return ["repr", repr(value)]


def decode_value(pair: list[Any]) -> Any:
    """Invert :func:`encode_value`."""
    kind, payload = pair
    if kind == "none":
        return None
    if kind == "nan":
        return float("nan")
    if kind == "na":
        return pd.NA
    if kind == "nat":
        return pd.NaT
    if kind == "bool":
        return bool(payload)
    if kind == "int":
        return int(payload)
    if kind == "float":
        return float(payload)
    if kind == "str":
        return payload
    if kind == "timestamp":
        return pd.Timestamp(payload)
    if kind == "tuple":
        return tuple(decode_value(v) for v in payload)
    if kind == "repr":
        return payload
    raise ValueError(f"Unknown stored value kind {kind!r}.")
