"""Constraints on generated text: what goes into the prompt and what is checked.

Length is counted in words and checked exactly. Sentiment is scored with
VADER (Hutto and Gilbert, ICWSM 2014), a lexicon-based scorer for English,
using the thresholds its authors recommend: a compound score of at least
0.05 is positive, at most -0.05 negative, anything between neutral. Style is
only asked for in the prompt; no check can judge it reliably. Records are
parsed as JSON and validated against a JSON Schema with the ``jsonschema``
package. VADER and jsonschema come with ``genesis-synth-llm`` and are
imported only when a constraint needs them.
"""

from __future__ import annotations

import importlib
import json
import numbers
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from genesis.errors import BackendNotAvailableError, InvalidConfigError

__all__ = [
    "LENGTH_PRESETS",
    "SENTIMENTS",
    "NearDuplicateIndex",
    "RecordSchema",
    "TextConstraints",
    "check_encodable",
    "count_words",
]

LLM_INSTALL_LINE = 'pip install "genesis-synth-llm"'
LENGTH_PRESETS: dict[str, tuple[int, int]] = {
    "short": (10, 50),
    "medium": (50, 150),
    "long": (150, 400),
}
SENTIMENTS = ("positive", "negative", "neutral")
CONSTRAINT_KEYS = ("length", "sentiment", "style")
# VADER's authors classify a compound score with these cut-offs.
VADER_POSITIVE = 0.05
VADER_NEGATIVE = -0.05
_WORD = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*")
_CODE_FENCE = re.compile(r"^```[a-zA-Z]*\s*\n?(.*?)\n?```$", re.DOTALL)
# pandas dtypes of a record column by JSON Schema type: (all present, some
# missing), so that integers stay integers when a record leaves one out.
_RECORD_DTYPES = {"integer": ("int64", "Int64"), "boolean": ("bool", "boolean")}


def count_words(text: str) -> int:
    """Words in ``text``: runs of letters or digits, with inner ' and -."""
    return len(_WORD.findall(text))


def check_encodable(name: str, text: str) -> None:
    """Refuse text that cannot be sent as UTF-8, naming where it breaks.

    Raises:
        InvalidConfigError: ``text`` holds a lone UTF-16 surrogate, half of a
            character such as an emoji, left by text cut or decoded wrongly.
    """
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InvalidConfigError(
            f"{name} holds a lone surrogate (U+{ord(text[exc.start]):04X}) at "
            f"position {exc.start}: half of a character such as an emoji, which "
            "cannot be sent. Repair the text where it was read or cut."
        ) from None


def _import_optional(module: str, purpose: str) -> Any:
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise BackendNotAvailableError(
            f"{purpose} needs the package {module.split('.')[0]!r}, which is not "
            f"installed. Run: {LLM_INSTALL_LINE}"
        ) from exc


@dataclass
class TextConstraints:
    """The checked form of the ``constraints`` a user passes to ``generate``.

    Attributes:
        length: Inclusive bounds on the number of words, or None.
        sentiment: ``"positive"``, ``"negative"``, ``"neutral"`` or None.
        style: Free text put into the prompt, or None.
    """

    length: tuple[int, int] | None = None
    sentiment: str | None = None
    style: str | None = None
    _scorer: Any = field(default=None, repr=False, compare=False)

    @classmethod
    def parse(cls, constraints: Mapping[str, Any] | None) -> TextConstraints:
        """Check ``constraints`` and load what their checks need.

        Raises:
            InvalidConfigError: An unknown key or a value out of range, with
                the accepted values.
            BackendNotAvailableError: Sentiment is asked for and vaderSentiment
                is not installed.
        """
        constraints = dict(constraints or {})
        if unknown := sorted(set(constraints) - set(CONSTRAINT_KEYS)):
            raise InvalidConfigError(
                f"constraints has the unknown keys {unknown!r}; the valid keys are "
                f"{list(CONSTRAINT_KEYS)!r}."
            )
        parsed = cls(
            length=_parse_length(constraints.get("length")),
            sentiment=_parse_sentiment(constraints.get("sentiment")),
            style=_parse_style(constraints.get("style")),
        )
        if parsed.sentiment is not None:
            vader = _import_optional(
                "vaderSentiment.vaderSentiment", "The sentiment constraint"
            )
            parsed._scorer = vader.SentimentIntensityAnalyzer()
        return parsed

    def instructions(self) -> list[str]:
        """One sentence per constraint, for the system message."""
        lines = []
        if self.length is not None:
            low, high = self.length
            lines.append(f"Write between {low} and {high} words.")
        if self.sentiment is not None:
            lines.append(f"The text must express a clearly {self.sentiment} sentiment.")
        if self.style is not None:
            lines.append(f"Write in this style: {self.style}.")
        return lines

    def max_words(self) -> int | None:
        """The largest word count allowed, or None when length is free."""
        return None if self.length is None else self.length[1]

    def violation(self, text: str) -> tuple[str, str] | None:
        """The first broken constraint as ``(name, explanation)``, or None."""
        if not text.strip():
            return "empty", "the answer is empty"
        if self.length is not None:
            low, high = self.length
            words = count_words(text)
            if not low <= words <= high:
                return "length", f"{words} words, outside {low}-{high}"
        if self.sentiment is not None:
            score = self.sentiment_score(text)
            found = _sentiment_label(score)
            if found != self.sentiment:
                return (
                    "sentiment",
                    f"{found} (VADER compound {score:+.2f}), not {self.sentiment}",
                )
        return None

    def sentiment_score(self, text: str) -> float:
        """VADER's compound score of ``text``, in [-1, 1]."""
        return float(self._scorer.polarity_scores(text)["compound"])


def _sentiment_label(compound: float) -> str:
    if compound >= VADER_POSITIVE:
        return "positive"
    if compound <= VADER_NEGATIVE:
        return "negative"
    return "neutral"


def _parse_length(value: Any) -> tuple[int, int] | None:
    if value is None:
        return None
    if isinstance(value, str) and value in LENGTH_PRESETS:
        return LENGTH_PRESETS[value]
    if (
        isinstance(value, tuple | list)
        and len(value) == 2
        and all(_is_integer(v) for v in value)
        and 1 <= value[0] <= value[1]
    ):
        return int(value[0]), int(value[1])
    raise InvalidConfigError(
        f"constraints['length'] is {value!r}; use one of {list(LENGTH_PRESETS)!r} "
        "or a (min_words, max_words) pair of integers with 1 <= min <= max."
    )


def _is_integer(value: Any) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _parse_sentiment(value: Any) -> str | None:
    if value is None or value in SENTIMENTS:
        return value
    raise InvalidConfigError(
        f"constraints['sentiment'] is {value!r}; use one of {list(SENTIMENTS)!r}."
    )


def _parse_style(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str) and value.strip():
        check_encodable("constraints['style']", value)
        return value
    raise InvalidConfigError(
        f"constraints['style'] is {value!r}; describe the style in words, for "
        "example 'formal' or 'a tweet with hashtags'."
    )


class RecordSchema:
    """A JSON Schema that every generated record must satisfy."""

    def __init__(self, schema: Mapping[str, Any]) -> None:
        """Check the schema itself.

        Raises:
            InvalidConfigError: The schema is not a valid JSON Schema or does
                not describe an object with properties.
            BackendNotAvailableError: jsonschema is not installed.
        """
        jsonschema = _import_optional("jsonschema", "generate_records")
        schema = dict(schema)
        validator_class = jsonschema.validators.validator_for(schema)
        try:
            validator_class.check_schema(schema)
        except jsonschema.SchemaError as exc:
            raise InvalidConfigError(
                f"schema is not a valid JSON Schema: {exc.message}. Fix it at "
                f"{list(exc.absolute_path)!r}."
            ) from None
        properties = schema.get("properties")
        if schema.get("type") != "object" or not isinstance(properties, Mapping):
            raise InvalidConfigError(
                'schema must describe one record: give it "type": "object" and '
                'a "properties" mapping of column names to their schemas.'
            )
        self.schema = schema
        self.columns = list(properties)
        self._validator = validator_class(schema)

    def instructions(self) -> list[str]:
        """Sentences for the system message."""
        return [
            "Answer with one JSON object and nothing else, no code fence.",
            "The object must conform to this JSON Schema: "
            + json.dumps(self.schema, sort_keys=True),
        ]

    def parse(self, text: str) -> tuple[dict[str, Any] | None, str | None]:
        """The record in ``text`` and None, or None and why it is refused."""
        stripped = text.strip()
        if fenced := _CODE_FENCE.match(stripped):
            stripped = fenced.group(1).strip()
        try:
            record = json.loads(stripped, parse_constant=_refuse_constant)
        except json.JSONDecodeError as exc:
            return None, f"not JSON ({exc.msg} at character {exc.pos})"
        except _NotJSONNumber as exc:
            return None, f"not JSON ({exc})"
        errors = sorted(self._validator.iter_errors(record), key=lambda e: e.path)
        if errors:
            where = "/".join(str(p) for p in errors[0].absolute_path) or "the record"
            return None, f"{where}: {errors[0].message}"
        return record, None

    def frame(self, records: list[dict[str, Any]]) -> pd.DataFrame:
        """The records as a frame, columns in the order of the properties.

        Integer and boolean properties get integer and boolean dtypes, the
        nullable ones (``Int64``, ``boolean``) when a record leaves them out.
        """
        frame = pd.DataFrame.from_records(records, columns=self.columns)
        for column, spec in self.schema["properties"].items():
            declared = spec.get("type") if isinstance(spec, Mapping) else None
            kinds = [declared] if isinstance(declared, str) else list(declared or [])
            named = [kind for kind in kinds if kind != "null"]
            if len(named) != 1 or named[0] not in _RECORD_DTYPES:
                continue
            complete, nullable = _RECORD_DTYPES[named[0]]
            dtype = nullable if frame[column].isna().any() else complete
            try:
                frame[column] = frame[column].astype(dtype)
            except OverflowError:
                # An integer beyond int64 stays a Python int, exactly.
                continue
        return frame


class _NotJSONNumber(ValueError):
    """NaN or Infinity: Python's json reads them, the JSON standard does not."""


def _refuse_constant(name: str) -> float:
    raise _NotJSONNumber(f"{name} is not a JSON number")


class NearDuplicateIndex:
    """Finds answers that repeat an earlier one in all but a few words.

    Two texts are near-duplicates when the Jaccard similarity of their sets
    of word trigrams (lower-cased, punctuation dropped) reaches
    ``threshold``. Texts of fewer than three words compare as whole word
    sequences. An inverted index keeps the search to texts that share at
    least one trigram.
    """

    def __init__(self, threshold: float) -> None:
        self.threshold = threshold
        self._shingles: list[frozenset[tuple[str, ...]]] = []
        self._index: dict[tuple[str, ...], list[int]] = {}

    def __len__(self) -> int:
        return len(self._shingles)

    def find(self, text: str) -> int | None:
        """The position of an earlier near-duplicate of ``text``, or None."""
        shingles = _shingles(text)
        shared = Counter(
            position
            for shingle in shingles
            for position in self._index.get(shingle, ())
        )
        for position, overlap in shared.most_common():
            union = len(shingles) + len(self._shingles[position]) - overlap
            if overlap / union >= self.threshold:
                return position
        return None

    def add(self, text: str) -> None:
        """Remember ``text`` for later searches."""
        shingles = _shingles(text)
        position = len(self._shingles)
        self._shingles.append(shingles)
        for shingle in shingles:
            self._index.setdefault(shingle, []).append(position)


def _shingles(text: str) -> frozenset[tuple[str, ...]]:
    words = [word.lower() for word in _WORD.findall(text)]
    if len(words) < 3:
        return frozenset({tuple(words)})
    return frozenset(zip(words, words[1:], words[2:], strict=False))
