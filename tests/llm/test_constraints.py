"""Constraint checks, duplicate detection and records, without a provider."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from genesis._text_constraints import (
    NearDuplicateIndex,
    RecordSchema,
    TextConstraints,
    count_words,
)
from genesis._text_run import RateLimiter
from genesis.errors import InvalidConfigError
from genesis.generators.text import LLMTextGenerator
from tests.llm.conftest import base_url
from tests.llm.fake_server import FakeLLMServer, random_words

MakeGenerator = Callable[..., LLMTextGenerator]
PERSON_SCHEMA = {
    "type": "object",
    "properties": {
        "name": {"type": "string", "minLength": 1},
        "age": {"type": "integer", "minimum": 0, "maximum": 120},
        "city": {"type": "string"},
    },
    "required": ["name", "age", "city"],
    "additionalProperties": False,
}


def test_length_presets_and_ranges_bound_the_word_count() -> None:
    short = TextConstraints.parse({"length": "short"})
    custom = TextConstraints.parse({"length": (3, 5)})

    assert short.length == (10, 50)
    assert custom.violation("One two three four.") is None
    assert custom.violation("One two.") == ("length", "2 words, outside 3-5")
    assert count_words("It's a well-known fact, isn't it?") == 6


def test_sentiment_is_checked_with_vader() -> None:
    positive = TextConstraints.parse({"sentiment": "positive"})

    assert positive.violation("What a wonderful, friendly and lovely hotel!") is None
    broken = positive.violation("The room was dirty and the staff were rude.")
    assert broken is not None and broken[0] == "sentiment"
    assert positive.sentiment_score("I hate this awful place.") < -0.5


def test_near_duplicates_are_found_and_distinct_texts_are_not() -> None:
    index = NearDuplicateIndex(threshold=0.8)
    original = random_words(7, count=40)
    index.add(original)

    assert index.find(original.replace(".", "!")) == 0
    assert index.find(original[: original.rindex(" ")] + " tail.") == 0
    assert index.find(random_words(8, count=40)) is None


def test_record_schema_parses_valid_json_and_explains_invalid_json() -> None:
    schema = RecordSchema(PERSON_SCHEMA)

    assert schema.parse('```json\n{"name": "Ada", "age": 36, "city": "Lyon"}\n```') == (
        {"name": "Ada", "age": 36, "city": "Lyon"},
        None,
    )
    record, problem = schema.parse('{"name": "Ada", "age": 300, "city": "Lyon"}')
    assert record is None and problem.startswith("age: 300 is greater than")
    record, problem = schema.parse('{"name": "Ada", "age": 3')
    assert record is None and problem.startswith("not JSON")


def test_schema_that_is_not_an_object_is_refused() -> None:
    with pytest.raises(InvalidConfigError, match='"type": "object"'):
        RecordSchema({"type": "string"})
    with pytest.raises(InvalidConfigError, match="not a valid JSON Schema"):
        RecordSchema({"type": "object", "properties": {"age": {"type": "integr"}}})


def test_rate_limiter_spaces_request_starts() -> None:
    now = [0.0]
    starts = []

    def sleep(seconds: float) -> None:
        now[0] += seconds

    limiter = RateLimiter(4, clock=lambda: now[0], sleep=sleep)
    for _ in range(5):
        limiter.acquire()
        starts.append(now[0])
    limiter.hold(2.0)
    limiter.acquire()

    assert starts == pytest.approx([0.0, 0.25, 0.5, 0.75, 1.0])
    assert now[0] == pytest.approx(3.0)


def test_generate_records_returns_valid_rows_and_regenerates_invalid_ones(
    provider: str, make_generator: MakeGenerator
) -> None:
    def reply(body: dict[str, Any], number: int) -> str:
        if number == 1:
            return '{"name": "Bob", "age": "old", "city": "Paris"}'
        if number == 2:
            return '{"name": "Ada", "age": 36, "city": "Lyon"}'
        return f'{{"name": "Person {number}", "age": {20 + number}, "city": "Oslo"}}'

    with FakeLLMServer(reply) as fake:
        generator = make_generator(base_url=base_url(provider, fake), max_concurrency=1)
        frame = generator.generate_records(
            4, PERSON_SCHEMA, "A customer of a bike shop"
        )

    assert list(frame.columns) == ["name", "age", "city"]
    assert len(frame) == 4
    assert frame["age"].dtype == "int64"
    assert frame["age"].between(0, 120).all()
    assert generator.summary_.rejected == {"schema": 1}
    assert fake.count == 5
    assert "JSON Schema" in str(fake.received[0].body)
