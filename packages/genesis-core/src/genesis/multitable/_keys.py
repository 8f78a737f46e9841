"""Key values: fresh primary keys, unique composite keys and foreign key dtypes."""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Hashable, Sequence

import numpy as np
import pandas as pd

__all__ = [
    "datetime_ns",
    "fresh_keys",
    "make_unique",
    "restore_dtype",
    "value_step",
]

logger = logging.getLogger(__name__)

_PREFIXED_NUMBER = re.compile(r"^(?P<prefix>\D*)(?P<digits>\d+)$")
_UUID = re.compile(
    r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I
)
# A random code is drawn from a space at least this many times larger than
# the number of keys wanted, so that drawing unique codes takes few rounds.
_CODE_SPACE_FACTOR = 4
# How far (in steps of the column's grid) a repeated composite key value is
# moved at most before its row is given up.
_MAX_SHIFT_STEPS = 10_000


def fresh_keys(real: pd.Series, n: int, rng: np.random.Generator) -> pd.Series:
    """``n`` new unique key values written the way ``real``'s values are.

    Integers count up from the smallest real key; text of the form
    prefix-and-digits keeps its prefix and width; UUIDs stay UUIDs; any other
    text becomes random codes of the usual length over the characters the
    real keys use; datetimes step on their grid from the earliest one.
    """
    dtype = real.dtype
    observed = real.dropna()
    if pd.api.types.is_bool_dtype(dtype):
        values = pd.Series(np.arange(n, dtype=np.int64))
        return values
    if pd.api.types.is_integer_dtype(dtype) or (
        pd.api.types.is_float_dtype(dtype)
        and np.all(np.mod(observed.to_numpy(dtype=np.float64), 1.0) == 0)
    ):
        start = int(observed.min()) if len(observed) else 1
        return pd.Series(np.arange(start, start + n, dtype=np.int64)).astype(dtype)
    if pd.api.types.is_numeric_dtype(dtype):
        start = float(observed.min()) if len(observed) else 0.0
        return pd.Series(start + np.arange(n, dtype=np.float64)).astype(dtype)
    if pd.api.types.is_datetime64_any_dtype(dtype):
        step = value_step(real)
        offsets = pd.to_timedelta(np.arange(n, dtype=np.int64) * step.value, unit="ns")
        return pd.Series(observed.min() + offsets).astype(dtype)
    texts = observed.astype(str).tolist()
    values = _fresh_texts(texts, n, rng)
    if isinstance(dtype, pd.CategoricalDtype):
        return pd.Series(pd.Categorical(values))
    return restore_dtype(pd.Series(values, dtype=object), dtype)


def _fresh_texts(texts: list[str], n: int, rng: np.random.Generator) -> list[str]:
    matches = [_PREFIXED_NUMBER.match(t) for t in texts]
    if texts and all(matches):
        prefixes = {m.group("prefix") for m in matches if m}
        if len(prefixes) == 1:
            prefix = prefixes.pop()
            widths = {len(m.group("digits")) for m in matches if m}
            width = widths.pop() if len(widths) == 1 else 0
            start = min(int(m.group("digits")) for m in matches if m)
            return [f"{prefix}{start + i:0{width}d}" for i in range(n)]
    if texts and all(_UUID.match(t) for t in texts):
        raw = rng.integers(0, 256, size=(n, 16), dtype=np.uint8)
        return [str(uuid.UUID(bytes=row.tobytes(), version=4)) for row in raw]
    return _random_codes(texts, n, rng)


def _random_codes(texts: list[str], n: int, rng: np.random.Generator) -> list[str]:
    alphabet = np.array(sorted(set("".join(texts))) or list("ABCDEFGHJKLMNPQRSTUVWXYZ"))
    lengths = pd.Series([len(t) for t in texts] or [6])
    length = max(int(lengths.mode().iloc[0]), 1)
    while float(len(alphabet)) ** length < _CODE_SPACE_FACTOR * max(n, 1):
        length += 1
    codes: list[str] = []
    seen: set[str] = set()
    while len(codes) < n:
        wanted = n - len(codes)
        draws = rng.integers(0, len(alphabet), size=(2 * wanted + 8, length))
        for row in alphabet[draws]:
            code = "".join(row)
            if code not in seen:
                seen.add(code)
                codes.append(code)
                if len(codes) == n:
                    break
    return codes


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
) -> np.ndarray:
    """Move repeated composite key values to the nearest free value on their grid.

    Rows whose key repeats an earlier row's get ``movable`` (a modelled
    numeric or datetime key column) shifted by whole ``step``s, inside
    ``bounds`` while a free value is left there, until the key is unused.

    Returns:
        A boolean mask of the rows kept: rows that could not be made unique
        (no movable column, or no free value near) are dropped.
    """
    keep = np.ones(len(frame), dtype=bool)
    repeated = frame.duplicated(list(key), keep="first").to_numpy()
    if not repeated.any():
        return keep
    if movable is None:
        keep[repeated] = False
        return keep
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
    if not keep.all():
        logger.warning(
            "Dropped %d generated row(s) whose key %r could not be made unique.",
            int((~keep).sum()),
            list(key),
        )
    return keep


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
