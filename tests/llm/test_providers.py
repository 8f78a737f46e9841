"""The openai and anthropic providers, through their real SDKs, on a fake server."""

from __future__ import annotations

import logging
import subprocess
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from genesis.errors import (
    BackendNotAvailableError,
    InvalidConfigError,
    UnknownMethodError,
)
from genesis.generators.text import LLMTextGenerator, TextProviderError
from genesis.protocols import ProgressEvent
from tests.llm.conftest import API_KEY, MODELS, base_url
from tests.llm.fake_server import FakeLLMServer, Misbehave, random_words

MakeGenerator = Callable[..., LLMTextGenerator]


def test_generate_returns_the_server_texts_and_sums_their_tokens(
    make_generator: MakeGenerator, server: FakeLLMServer
) -> None:
    texts = make_generator().generate(
        6, "A note about a garden", {"length": (5, 40)}, progress=False
    )

    # The fake server answers with words seeded by the request's seed (sent
    # by OpenAI's SDK) or else by the request's number.
    expected = [
        random_words(r.body.get("seed", number))
        for number, r in enumerate(server.received)
    ]
    assert sorted(texts) == sorted(expected)
    assert server.count == 6
    assert {r.authorization for r in server.received} == {f"Bearer {API_KEY}"}
    # The fake server counts one token per word of the messages and answer.
    assert texts.summary.output_tokens == 6 * 20
    assert texts.summary.input_tokens == sum(
        len(_all_message_text(r.body).split()) for r in server.received
    )


def _all_message_text(body: dict[str, Any]) -> str:
    contents = [str(message["content"]) for message in body["messages"]]
    return " ".join([str(body.get("system", "")), *contents])


def test_cost_is_tokens_times_the_list_price(
    make_generator: MakeGenerator, provider: str
) -> None:
    summary = make_generator().generate(4, "A note", progress=False).summary

    per_million = {"openai": (0.15, 0.60), "anthropic": (0.80, 4.00)}[provider]
    expected = (
        summary.input_tokens * per_million[0] + summary.output_tokens * per_million[1]
    ) / 1e6
    assert summary.estimated_cost_usd == pytest.approx(expected)


def test_prices_argument_overrides_the_list_price(
    make_generator: MakeGenerator, provider: str
) -> None:
    summary = (
        make_generator(prices={MODELS[provider]: (1000.0, 2000.0)})
        .generate(2, "A note", progress=False)
        .summary
    )

    assert summary.estimated_cost_usd == pytest.approx(
        (summary.input_tokens * 1000 + summary.output_tokens * 2000) / 1e6
    )


def test_rate_limited_request_waits_for_retry_after(
    make_generator: MakeGenerator, server: FakeLLMServer
) -> None:
    generator = make_generator()
    # The SDK's first call builds its response types; keep that out of the timing.
    generator.generate(1, "Warm-up", progress=False)
    server.plan.append(Misbehave(status=429, headers={"Retry-After": "1"}))
    started = time.perf_counter()
    texts = generator.generate(1, "A note", progress=False)
    elapsed = time.perf_counter() - started

    assert len(texts) == 1
    assert server.count == 3
    assert texts.summary.retries == 1
    # backoff_s is 0.01, so only the server's Retry-After explains a 1 s wait.
    assert elapsed >= 1.0


def test_server_error_is_retried_until_success(
    make_generator: MakeGenerator, server: FakeLLMServer
) -> None:
    server.plan.extend([Misbehave(status=500), Misbehave(status=503)])
    texts = make_generator().generate(1, "A note", progress=False)

    assert len(texts) == 1
    assert server.count == 3
    assert texts.summary.retries == 2


def test_timeout_is_retried(
    make_generator: MakeGenerator, server: FakeLLMServer
) -> None:
    server.plan.append(Misbehave(delay_s=1.5))
    texts = make_generator(timeout_s=0.3).generate(1, "A note", progress=False)

    assert len(texts) == 1
    assert server.count == 2
    assert texts.summary.retries == 1


def test_malformed_json_answer_is_retried(
    make_generator: MakeGenerator, server: FakeLLMServer
) -> None:
    server.plan.append(Misbehave(malformed=True))
    texts = make_generator().generate(1, "A note", progress=False)

    assert len(texts) == 1
    assert server.count == 2
    assert texts.summary.retries == 1


def test_answer_breaking_a_constraint_is_regenerated(
    make_generator: MakeGenerator, provider: str, tmp_path: Path
) -> None:
    def reply(body: dict[str, Any], number: int) -> str:
        return "Too short." if number == 0 else random_words(number)

    with FakeLLMServer(reply) as fake:
        generator = make_generator(base_url=base_url(provider, fake))
        texts = generator.generate(3, "A note", {"length": (10, 30)}, progress=False)

    assert len(texts) == 3
    assert "Too short." not in texts
    assert fake.count == 4
    assert texts.summary.rejected == {"length": 1}


def test_answer_that_never_meets_the_constraint_is_reported(
    make_generator: MakeGenerator, provider: str
) -> None:
    def reply(body: dict[str, Any], number: int) -> str:
        return "This hotel was terrible, dirty and the staff were rude and awful."

    with FakeLLMServer(reply) as fake:
        generator = make_generator(base_url=base_url(provider, fake), max_attempts=3)
        with pytest.warns(UserWarning, match="2 of 2 samples failed"):
            texts = generator.generate(
                2, "A hotel review", {"sentiment": "positive"}, progress=False
            )

    assert texts == []
    assert fake.count == 6
    failures = texts.summary.failures
    assert [f.reason for f in failures] == ["sentiment", "sentiment"]
    assert failures[0].answer.startswith("This hotel was terrible")
    assert "negative" in failures[0].detail


def test_constraints_are_put_into_the_prompt(
    make_generator: MakeGenerator, server: FakeLLMServer, provider: str
) -> None:
    make_generator().generate(
        1,
        "A hotel review",
        {"length": "short", "sentiment": "neutral", "style": "formal"},
        progress=False,
    )

    body = server.received[0].body
    system = (
        body["system"] if provider == "anthropic" else body["messages"][0]["content"]
    )
    assert "between 10 and 50 words" in system
    assert "neutral sentiment" in system
    assert "style: formal" in system


def test_near_duplicate_answers_are_regenerated(
    make_generator: MakeGenerator, provider: str
) -> None:
    repeated = random_words(1, count=30)

    def reply(body: dict[str, Any], number: int) -> str:
        if number in (0, 1):
            # The second answer differs from the first in its last word only.
            return repeated if number == 0 else repeated[:-1] + " tail."
        return random_words(100 + number, count=30)

    with FakeLLMServer(reply) as fake:
        generator = make_generator(base_url=base_url(provider, fake), max_concurrency=1)
        texts = generator.generate(3, "A note", progress=False)

    assert len(set(texts)) == 3
    assert texts[0] == repeated
    assert texts.summary.rejected == {"duplicate": 1}
    assert fake.count == 4


def test_interrupted_run_resumes_with_only_the_missing_requests(
    make_generator: MakeGenerator, server: FakeLLMServer
) -> None:
    def interrupt_after_five(event: ProgressEvent) -> None:
        if event.step == 5:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        make_generator(max_concurrency=2).generate(
            20, "A note", progress=interrupt_after_five
        )
    first_run = server.count
    texts = make_generator(max_concurrency=2).generate(20, "A note", progress=False)

    assert 5 <= first_run < 20
    assert len(texts) == 20
    assert server.count == 20
    assert texts.summary.cache_hits == first_run
    assert texts.summary.requests_sent == 20 - first_run


def test_same_call_is_served_from_the_cache(
    make_generator: MakeGenerator, server: FakeLLMServer
) -> None:
    first = make_generator().generate(4, "A note", progress=False)
    second = make_generator().generate(4, "A note", progress=False)
    fresh = make_generator(seed=1).generate(4, "A note", progress=False)

    assert list(second) == list(first)
    assert server.count == 8
    assert second.summary.requests_sent == 0
    assert second.summary.estimated_cost_usd == 0
    assert set(fresh).isdisjoint(first)


def test_requests_run_concurrently_within_the_rate_limit(
    make_generator: MakeGenerator, provider: str
) -> None:
    with FakeLLMServer(latency_s=0.2) as fake:
        generator = make_generator(
            base_url=base_url(provider, fake), requests_per_second=20, max_concurrency=8
        )
        generator.generate(1, "Warm-up", progress=False)
        started = time.perf_counter()
        texts = generator.generate(30, "A note", progress=False)
        elapsed = time.perf_counter() - started

    assert len(texts) == 30
    # 30 starts spaced 1/20 s apart take at least 29/20 s; a 0.2 s latency
    # can only keep pace with that if requests overlap.
    assert elapsed >= 29 / 20
    assert fake.max_in_flight >= 3


def test_key_never_reaches_logs_errors_reprs_or_cache(
    make_generator: MakeGenerator,
    server: FakeLLMServer,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    generator = make_generator()
    generator.generate(3, "A note", progress=False)
    # A gateway that echoes the key it rejected, as some do.
    server.plan.append(
        Misbehave(status=401, body=f'{{"error": {{"message": "bad key {API_KEY}"}}}}')
    )
    with pytest.raises(TextProviderError) as caught:
        generator.generate(1, "Another note", progress=False)
    # A rejected key is not worth another try: one request, no retries.
    assert server.count == 4
    assert caught.value.retryable is False

    error_text = "".join(traceback.format_exception(caught.value))
    cached = [p.read_text() for p in (tmp_path / "cache").rglob("*.json")]
    assert "HTTP 401" in error_text
    assert API_KEY not in error_text
    assert API_KEY not in caplog.text
    assert API_KEY not in repr(generator) + repr(vars(generator))
    assert len(cached) == 3
    assert not any(API_KEY in text for text in cached)


def test_missing_key_fails_before_any_request(
    provider: str, server: FakeLLMServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(f"{provider.upper()}_API_KEY", raising=False)
    with pytest.raises(InvalidConfigError, match=f"{provider.upper()}_API_KEY"):
        LLMTextGenerator(
            provider, MODELS[provider], base_url=base_url(provider, server)
        )

    assert server.count == 0


def test_key_is_read_from_the_environment(
    provider: str,
    server: FakeLLMServer,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    monkeypatch.setenv(f"{provider.upper()}_API_KEY", "sk-from-env")
    generator = LLMTextGenerator(
        provider, MODELS[provider], base_url=base_url(provider, server), cache=False
    )
    generator.generate(1, "A note", progress=False)

    assert server.received[0].authorization == "Bearer sk-from-env"


def test_bad_arguments_fail_before_any_request(
    make_generator: MakeGenerator, server: FakeLLMServer
) -> None:
    generator = make_generator()
    with pytest.raises(InvalidConfigError, match="valid keys are"):
        generator.generate(2, "A note", {"tone": "warm"})
    with pytest.raises(InvalidConfigError, match="'short', 'medium', 'long'"):
        generator.generate(2, "A note", {"length": "tiny"})
    with pytest.raises(InvalidConfigError, match="n_samples"):
        generator.generate(0, "A note")
    with pytest.raises(InvalidConfigError, match="requests_per_second"):
        make_generator(requests_per_second=0)
    # Accepted before: 0 timed every request out, -1 failed in the HTTP
    # client, and "hot" went on the wire for the API to refuse.
    for setting, value in [
        ("timeout_s", 0),
        ("timeout_s", -1),
        ("temperature", "hot"),
        ("temperature", -0.5),
        ("backoff_s", -1),
    ]:
        with pytest.raises(InvalidConfigError, match=f"got {setting}={value!r}"):
            make_generator(**{setting: value})

    assert server.count == 0


def test_unknown_provider_is_unknown_method_listing_the_installed_ones() -> None:
    with pytest.raises(UnknownMethodError, match="installed providers are"):
        LLMTextGenerator("mistral", "mistral-large", api_key="x")
    with pytest.raises(UnknownMethodError, match="Did you mean 'openai'"):
        LLMTextGenerator("OpenAl", "gpt-4o-mini", api_key="x")


KILLED_RUN = """
import sys
from genesis.generators.text import LLMTextGenerator

provider, model, url, cache_dir, key = sys.argv[1:]
generator = LLMTextGenerator(
    provider, model, api_key=key, base_url=url, cache_dir=cache_dir, max_concurrency=2
)
generator.generate(30, "A note", progress=False)
"""


def test_killed_process_resumes_with_only_the_missing_requests(tmp_path: Path) -> None:
    # One provider is enough: the cache is the same for all, and a process
    # start (with every plugin imported) is the slowest thing in this folder.
    provider = "openai"
    cache_dir = tmp_path / "cache"
    with FakeLLMServer(latency_s=0.05) as fake:
        url = base_url(provider, fake)
        process = subprocess.Popen(
            [
                sys.executable,
                "-c",
                KILLED_RUN,
                provider,
                MODELS[provider],
                url,
                str(cache_dir),
                API_KEY,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while fake.count < 8 and time.monotonic() < deadline:
            time.sleep(0.01)
        process.kill()
        process.wait()
        cached = len(list(cache_dir.rglob("*.json")))
        killed_requests = fake.count
        generator = LLMTextGenerator(
            provider,
            MODELS[provider],
            api_key=API_KEY,
            base_url=url,
            cache_dir=cache_dir,
        )
        texts = generator.generate(30, "A note", progress=False)

    assert 8 <= killed_requests < 30
    # Requests in flight at the kill reached the server but not the cache.
    assert killed_requests - 2 <= cached <= killed_requests
    assert len(texts) == 30
    assert texts.summary.cache_hits == cached
    assert texts.summary.requests_sent == 30 - cached
    assert fake.count == killed_requests + 30 - cached


def test_missing_sdk_names_the_extra_to_install(
    provider: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, provider, None)
    with pytest.raises(BackendNotAvailableError) as caught:
        LLMTextGenerator(provider, MODELS[provider], api_key=API_KEY)

    assert f'pip install "genesis-synth-llm[{provider}]"' in str(caught.value)


def test_progress_callback_sees_every_sample_settle(
    make_generator: MakeGenerator,
) -> None:
    events: list[ProgressEvent] = []
    make_generator().generate(5, "A note", progress=events.append)

    assert [(e.stage, e.step, e.total) for e in events] == [
        ("generate", step, 5) for step in range(1, 6)
    ]
