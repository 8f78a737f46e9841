"""A failing server: how many requests a run sends, what it says, when it stops.

Request retries (``max_retries``) and answer attempts (``max_attempts``) are
separate budgets that do not multiply, and a server that keeps failing stops
the run with TextProviderError instead of being sent every remaining sample.
Each test runs the real SDKs against the fake server on 127.0.0.1.
"""

from __future__ import annotations

import time
import warnings
from pathlib import Path

import pytest

from genesis.generators.text import TextProviderError
from tests.llm.conftest import make_hosted
from tests.llm.fake_server import FakeLLMServer, Misbehave

BOOM = '{"error": {"message": "internal boom"}}'
SAID = "answered HTTP 500 (Internal Server Error): internal boom."
# More failures than any test below can ask for: "the server is down".
DOWN = 1_000


def failing(count: int = DOWN, **how: object) -> list[Misbehave]:
    """``count`` answers of HTTP 500 "internal boom", or misbehaving as ``how``."""
    return [Misbehave(**({"status": 500, "body": BOOM} | how)) for _ in range(count)]


def test_one_sample_on_a_down_server_sends_max_retries_plus_one_requests(
    hosted: str, server: FakeLLMServer, tmp_path: Path
) -> None:
    # Default max_retries=5 and max_attempts=3: the old runner spent the
    # retries once per attempt, 18 requests, and returned [] with a warning.
    server.plan.extend(failing())
    generator = make_hosted(hosted, server, tmp_path, backoff_s=0.001)
    with pytest.raises(TextProviderError) as caught:
        generator.generate(1, "A note", progress=False)

    message = str(caught.value)
    assert server.count == 6
    assert message.startswith(f"Provider {hosted!r} {SAID}")
    assert "The only sample of the run got no answer after 6 requests" in message
    assert "0 of 1 samples were produced (6 requests sent)" in message
    assert "retried" not in message
    assert "constraints" not in message
    assert caught.value.retryable is True
    assert (generator.summary_.requests_sent, generator.summary_.retries) == (6, 5)


def test_down_server_stops_the_run_after_three_samples_in_a_row_get_no_answer(
    hosted: str, server: FakeLLMServer, tmp_path: Path
) -> None:
    server.plan.extend(failing())
    generator = make_hosted(hosted, server, tmp_path, max_retries=2, max_concurrency=1)
    with pytest.raises(TextProviderError, match="3 samples in a row") as caught:
        generator.generate(50, "A note", progress=False)

    # One request at a time: samples 0, 1 and 2 send 3 tries each, then stop.
    assert server.count == 9
    assert "0 of 50 samples were produced (9 requests sent)" in str(caught.value)
    assert [f.index for f in generator.summary_.failures] == [0, 1]


def test_down_server_gets_a_bounded_number_of_requests_at_full_concurrency(
    hosted: str, server: FakeLLMServer, tmp_path: Path
) -> None:
    server.plan.extend(failing())
    generator = make_hosted(hosted, server, tmp_path, max_retries=2)
    with pytest.raises(TextProviderError, match="3 samples in a row"):
        generator.generate(200, "A note", progress=False)

    # The third sample to give up stops every other request: the three sent
    # their 3 tries, and at most the 7 other workers' samples had begun.
    # The old runner sent 200 samples * 3 attempts * 3 tries = 1,800.
    assert generator.max_concurrency == 8
    assert 9 <= server.count <= (3 + 8 - 1) * 3


def test_server_failing_twice_then_recovering_completes_the_run(
    hosted: str, server: FakeLLMServer, tmp_path: Path
) -> None:
    server.plan.extend(failing(2))
    generator = make_hosted(hosted, server, tmp_path, max_concurrency=1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        texts = generator.generate(3, "A note", progress=False)

    assert len(texts) == 3
    assert server.count == 5
    assert (texts.summary.retries, texts.summary.failures) == (2, [])


def test_unanswered_sample_is_left_out_saying_the_server_failed(
    hosted: str, server: FakeLLMServer, tmp_path: Path
) -> None:
    # Sample 0's two tries fail; the server then recovers for the others.
    server.plan.extend(failing(2))
    generator = make_hosted(hosted, server, tmp_path, max_retries=1, max_concurrency=1)
    with pytest.warns(UserWarning) as caught:
        texts = generator.generate(4, "A note", progress=False)

    warning = str(caught[0].message)
    detail = f"Provider {hosted!r} {SAID} Gave up after 2 requests (max_retries=1)."
    assert len(texts) == 3
    # A failed request is not a refused answer: no second attempt for it.
    assert server.count == 5
    assert [(f.index, f.reason, f.detail) for f in texts.summary.failures] == [
        (0, "request", detail)
    ]
    assert texts.summary.rejected == {}
    assert warning.startswith(f"1 of 4 samples got no answer from provider {hosted!r}")
    assert detail in warning
    assert "loosen the constraints" not in warning
    assert "1 (1 got no answer from the provider)" in str(texts.summary)


def test_answers_between_unanswered_samples_keep_the_run_going(
    server: FakeLLMServer, tmp_path: Path
) -> None:
    # Two samples in a row without an answer, then one answered, twice over:
    # never three in a row, so the run goes on to the end.
    server.plan.extend([*failing(2), Misbehave(), *failing(2), Misbehave()])
    generator = make_hosted(
        "openai", server, tmp_path, max_retries=0, max_concurrency=1
    )
    with pytest.warns(UserWarning, match="4 of 7 samples got no answer"):
        texts = generator.generate(7, "A note", progress=False)

    assert len(texts) == 3
    assert server.count == 7
    assert [f.index for f in texts.summary.failures] == [0, 1, 3, 4]


def test_stopped_run_says_what_it_produced_and_resumes_from_the_cache(
    hosted: str, server: FakeLLMServer, tmp_path: Path
) -> None:
    server.plan.extend([Misbehave() for _ in range(4)] + failing())
    generator = make_hosted(hosted, server, tmp_path, max_retries=2, max_concurrency=1)
    with pytest.raises(TextProviderError) as caught:
        generator.generate(10, "A note", progress=False)
    server.plan.clear()
    sent_before = server.count
    texts = generator.generate(10, "A note", progress=False)

    assert "4 of 10 samples were produced (13 requests sent)" in str(caught.value)
    assert "the answers received are cached" in str(caught.value)
    assert generator.summary_ is texts.summary
    assert len(texts) == 10
    assert (texts.summary.cache_hits, server.count - sent_before) == (4, 6)


def test_rejected_key_mid_run_says_what_the_run_produced(
    server: FakeLLMServer, tmp_path: Path
) -> None:
    server.plan.extend(
        [Misbehave(), Misbehave(), Misbehave(status=401, body=BOOM), *failing()]
    )
    generator = make_hosted("openai", server, tmp_path, max_concurrency=1)
    with pytest.raises(TextProviderError, match="HTTP 401") as caught:
        generator.generate(5, "A note", progress=False)

    assert "2 of 5 samples were produced (3 requests sent)" in str(caught.value)
    assert server.count == 3


def test_rate_limit_with_retry_after_is_waited_out_then_completes(
    hosted: str, server: FakeLLMServer, tmp_path: Path
) -> None:
    generator = make_hosted(hosted, server, tmp_path, max_concurrency=1)
    # The SDK's first call builds its response types; keep that out of the timing.
    generator.generate(1, "Warm-up", progress=False)
    server.plan.extend(failing(2, status=429, headers={"Retry-After": "0.3"}))
    started = time.perf_counter()
    texts = generator.generate(2, "A note", progress=False)
    elapsed = time.perf_counter() - started

    assert len(texts) == 2
    assert server.count == 1 + 4
    assert texts.summary.retries == 2
    # backoff_s is 0.01, so only two Retry-After waits explain 0.6 s.
    assert elapsed >= 0.6


def test_rate_limit_that_never_lifts_stops_the_run_naming_the_status(
    hosted: str, server: FakeLLMServer, tmp_path: Path
) -> None:
    server.plan.extend(
        failing(status=429, headers={"Retry-After": "0.01"}, body="slow down")
    )
    generator = make_hosted(hosted, server, tmp_path, max_retries=2)
    with pytest.raises(TextProviderError) as caught:
        generator.generate(1, "A note", progress=False)

    message = str(caught.value)
    assert server.count == 3
    assert f"Provider {hosted!r} answered HTTP 429 (Too Many Requests)" in message
    assert "slow down" in message
    assert "lower requests_per_second" in message


def test_answers_that_are_not_json_stop_the_run_quoting_them(
    hosted: str, server: FakeLLMServer, tmp_path: Path
) -> None:
    server.plan.extend(failing(malformed=True, status=None))
    generator = make_hosted(hosted, server, tmp_path, max_retries=2)
    with pytest.raises(TextProviderError) as caught:
        generator.generate(2, "A note", progress=False)

    message = str(caught.value)
    # Two samples: each sends its 3 tries, then the run stops.
    assert server.count == 6
    assert """sent an answer that is not JSON: '{"choices": [""" in message
    assert "All 2 samples of the run got no answer after 3 requests" in message


def test_server_that_never_answers_in_time_stops_the_run(
    hosted: str, server: FakeLLMServer, tmp_path: Path
) -> None:
    server.plan.extend(failing(DOWN, status=None, delay_s=1.0))
    generator = make_hosted(hosted, server, tmp_path, timeout_s=0.2, max_retries=1)
    with pytest.raises(TextProviderError, match="did not answer in time") as caught:
        generator.generate(2, "A note", progress=False)

    # Two tries per sample; the old runner made three attempts of two tries.
    assert server.count == 4
    assert "All 2 samples of the run got no answer" in str(caught.value)
