"""Fresh identifier values written the way the real ones are.

A column declared an identifier is not modelled: each generated row gets a
new value. Numbers and prefixed numbers ("T000001") count up; other text
keeps its layout: e-mail addresses get new local parts at domains several
real addresses share, phone-like text gets new digits in the real pattern of
digits and punctuation, and codes get new codes after the prefix they share.

A fitted layout is a JSON-ready dict, one of:

- ``{"kind": "int"}`` or ``{"kind": "text", "prefix": ..., "width": ...}``:
  counting, as declared identifiers always have (the start is kept apart);
- ``{"kind": "pattern", "shapes": [...], "seen": ...}``: phone-like text;
- ``{"kind": "key", "key": KeyFormat.to_json(), "seen": ...}``: e-mails,
  codes and the other layouts :class:`KeyFormat` knows.

``seen`` marks the real values without holding them: each real value sets
one bit of a bitmap, chosen by a hash of the value, and a drawn value whose
bit is set is drawn again. No real value can come back, and since about one
value in three of any layout sets a bit, the bitmap says little about
whether a given value was real.
"""

from __future__ import annotations

import base64
import hashlib
import re
from typing import Any

import numpy as np
import pandas as pd

from genesis.errors import InvalidDataError

# Digits with the punctuation of phone numbers and account numbers.
_PATTERN_TEXT = re.compile(r"^[\d ()+\-./#*]*\d[\d ()+\-./#*]*$", re.ASCII)
# A shape of text is kept only when this many real values have it: one
# value's own shape could single it out.
_SHARED_SHAPE_VALUES = 2
# Rounds of drawing before a column is declared out of fresh values.
_MOST_ROUNDS = 64
# Fresh values must come from a space at least this many times the rows asked.
_ROOM_FACTOR = 4


def learn_identifier_layout(observed: pd.Series) -> tuple[dict[str, Any], int] | None:
    """The layout of an identifier column's real (non-missing) values and the
    number to count on from; None where fresh UUIDs already fit (every value
    is a UUID, or there is none)."""
    # Imported here: genesis.multitable imports the generator, which
    # imports this package.
    from genesis.multitable._keys import EMAIL, INTEGER, PREFIXED, UUID, KeyFormat

    if observed.empty:
        return None
    key = KeyFormat.learn(observed)
    if key.kind == UUID and not key.objects:
        return None
    if key.kind == INTEGER:
        return {"kind": "int"}, int(key.start or 0) + _span(observed)
    texts = observed.astype(str).tolist()
    if key.kind == PREFIXED:
        # Counting on past the largest real number, so no real value repeats.
        return {"kind": "text", "prefix": key.prefix, "width": key.width}, int(
            key.start or 0
        ) + _span_of_digits(texts, len(key.prefix))
    if key.kind != EMAIL and all(_PATTERN_TEXT.match(t) for t in texts):
        return {"kind": "pattern", "shapes": _learn_shapes(texts)}, 0
    return {"kind": "key", "key": key.to_json()}, 0


def mark_seen(layout: dict[str, Any], observed: pd.Series) -> dict[str, Any]:
    """``layout`` with the bitmap of its real values (for drawn layouts)."""
    if layout["kind"] not in ("pattern", "key"):
        return layout
    texts = sorted(set(observed.astype(str).tolist()))
    size = 64
    while size < 2 * len(texts):
        size *= 2
    bits = np.zeros(size, dtype=bool)
    bits[_buckets(texts, size)] = True
    packed = base64.b64encode(np.packbits(bits).tobytes()).decode("ascii")
    return {**layout, "seen": {"size": size, "bits": packed}}


def draw_identifiers(
    layout: dict[str, Any], n: int, rng: np.random.Generator, where: str
) -> list[Any]:
    """``n`` distinct fresh values of a drawn layout, none of them real."""
    seen = layout.get("seen")
    bits = None
    if seen is not None:
        raw = np.frombuffer(base64.b64decode(seen["bits"]), dtype=np.uint8)
        bits = np.unpackbits(raw)[: seen["size"]].astype(bool)
    if layout["kind"] == "pattern":
        room = sum(10 ** len(s["drawn"]) for s in layout["shapes"])
        if room < _ROOM_FACTOR * n:
            raise InvalidDataError(
                f"{where} is an identifier whose real values vary in "
                f"{max(len(s['drawn']) for s in layout['shapes'])} digits at most, "
                f"too few for {n} fresh values that repeat no real one; ask for "
                "fewer rows."
            )
    chosen: list[Any] = []
    taken: set[str] = set()
    for _ in range(_MOST_ROUNDS):
        wanted = n - len(chosen)
        if wanted <= 0:
            break
        batch = _draw(layout, wanted + wanted // 2 + 8, rng, where)
        texts = [str(value) for value in batch]
        real = (
            bits[_buckets(texts, bits.size)]
            if bits is not None
            else np.zeros(len(texts), dtype=bool)
        )
        for value, text, is_real in zip(batch, texts, real, strict=True):
            if not is_real and text not in taken:
                taken.add(text)
                chosen.append(value)
    if len(chosen) < n:
        raise InvalidDataError(
            f"{where} is an identifier whose layout holds too few fresh values "
            f"for {n} rows that repeat no real value; ask for fewer rows."
        )
    return chosen[:n]


def _draw(
    layout: dict[str, Any], n: int, rng: np.random.Generator, where: str
) -> list[Any]:
    if layout["kind"] == "key":
        from genesis.multitable._keys import KeyFormat

        return KeyFormat.from_json(layout["key"]).fresh(n, rng, where).tolist()
    shapes = layout["shapes"]
    shares = np.array([s["share"] for s in shapes], dtype=np.float64)
    which = rng.choice(len(shapes), size=n, p=shares / shares.sum())
    out = np.empty(n, dtype=object)
    for index, shape in enumerate(shapes):
        rows = np.flatnonzero(which == index)
        text = shape["text"].encode("ascii")
        chars = np.tile(np.frombuffer(text, dtype=np.uint8), (rows.size, 1))
        drawn = np.asarray(shape["drawn"], dtype=np.int64)
        digits = rng.integers(0, 10, size=(rows.size, drawn.size), dtype=np.uint8)
        chars[:, drawn] = digits + ord("0")
        if rows.size:
            fixed = np.ascontiguousarray(chars).view(f"S{len(text)}").ravel()
            out[rows] = fixed.astype(f"U{len(text)}").astype(object)
    return out.tolist()


def _learn_shapes(texts: list[str]) -> list[dict[str, Any]]:
    """Each shape of the texts (digits as 9) that several share, with the
    positions whose digits vary and its share of the values."""
    groups: dict[str, list[str]] = {}
    for text in texts:
        groups.setdefault(re.sub(r"\d", "9", text), []).append(text)
    kept = {s: g for s, g in groups.items() if len(g) >= _SHARED_SHAPE_VALUES}
    if not kept:
        commonest = max(groups, key=lambda s: len(groups[s]))
        kept = {commonest: groups[commonest]}
    shapes = []
    for shape, group in sorted(kept.items(), key=lambda item: -len(item[1])):
        chars = list(shape)
        drawn = []
        for position, char in enumerate(shape):
            if char != "9":
                continue
            digits = {text[position] for text in group}
            if len(digits) == 1 and len(group) > 1:
                chars[position] = digits.pop()
            else:
                chars[position] = "0"
                drawn.append(position)
        shapes.append(
            {"text": "".join(chars), "drawn": drawn, "share": len(group) / len(texts)}
        )
    return shapes


def _buckets(texts: list[str], size: int) -> np.ndarray:
    return np.array(
        [
            int.from_bytes(hashlib.blake2b(t.encode(), digest_size=8).digest()) % size
            for t in texts
        ],
        dtype=np.int64,
    )


def _span(observed: pd.Series) -> int:
    numbers = pd.to_numeric(observed, errors="coerce").dropna()
    return int(numbers.max() - numbers.min()) + 1 if len(numbers) else 0


def _span_of_digits(texts: list[str], prefix_length: int) -> int:
    numbers = [int(t[prefix_length:]) for t in texts]
    return max(numbers) - min(numbers) + 1
