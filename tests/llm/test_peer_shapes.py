"""Inputs that broke peer LLM clients and text tools, run against ours.

Each test rebuilds the shape of a bug users reported against the openai,
anthropic or huggingface_hub SDKs or a tool built on them (the issue is named
above the test), with the real SDKs against the fake server on 127.0.0.1.
"""

from __future__ import annotations

import json
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from genesis.errors import InvalidConfigError
from genesis.generators.text import LLMTextGenerator, TextProviderError
from tests.llm.conftest import make_hosted as make
from tests.llm.fake_server import WORDS, FakeLLMServer, Misbehave

QUOTA_BODY = json.dumps(
    {
        "error": {
            "message": "You exceeded your current quota.",
            "type": "insufficient_quota",
            "code": "insufficient_quota",
        }
    }
)
RECORD_SCHEMA = {
    "type": "object",
    "properties": {
        "name": {"type": "string"},
        "age": {"type": "integer", "minimum": 0},
        "score": {"type": "number", "minimum": 0, "maximum": 1},
        "member": {"type": "boolean"},
    },
    "required": ["name", "score"],
}


@pytest.fixture
def server() -> Iterator[FakeLLMServer]:
    with FakeLLMServer() as fake:
        yield fake


def _without_token_counts(provider: str) -> Callable[[dict[str, Any]], None]:
    def edit(answer: dict[str, Any]) -> None:
        if provider == "anthropic":
            del answer["usage"]
        else:
            answer["usage"] = {"prompt_tokens": None, "completion_tokens": None}

    return edit


def _cut_at_token_cap(answer: dict[str, Any]) -> None:
    if "stop_reason" in answer:
        answer["stop_reason"] = "max_tokens"
    else:
        answer["choices"][0]["finish_reason"] = "length"


# instructor 358, pipecat 1852: a compatible server sends null token counts
# (or Anthropic-style gateways no usage at all); summing them crashed.
def test_answer_without_token_counts_is_kept_and_counted_as_zero(
    hosted: str, server: FakeLLMServer, tmp_path: Path
) -> None:
    server.plan.append(Misbehave(edit=_without_token_counts(hosted)))
    texts = make(hosted, server, tmp_path).generate(2, "A note", progress=False)

    assert len(texts) == 2
    assert server.count == 2
    # Only the normal answer reports its 20 words as 20 tokens.
    assert texts.summary.output_tokens == 20


# agent-zero 1836, litellm 25825: an answer cut off at max_tokens was taken
# for a complete one.
def test_answer_cut_at_the_token_cap_is_regenerated_not_kept(
    hosted: str, server: FakeLLMServer, tmp_path: Path
) -> None:
    server.plan.append(Misbehave(edit=_cut_at_token_cap))
    texts = make(hosted, server, tmp_path).generate(1, "A note", progress=False)

    assert server.count == 2
    assert texts.summary.rejected == {"truncated": 1}
    assert len(texts) == 1


def test_answer_always_cut_at_the_token_cap_says_to_raise_max_tokens(
    server: FakeLLMServer, tmp_path: Path
) -> None:
    server.plan.extend(Misbehave(edit=_cut_at_token_cap) for _ in range(3))
    generator = make("openai", server, tmp_path, max_attempts=3)
    with pytest.warns(UserWarning, match="truncated"):
        texts = generator.generate(1, "A note", progress=False)

    assert texts == []
    assert texts.summary.failures[0].reason == "truncated"
    assert "raise max_tokens" in texts.summary.failures[0].detail


# hermes-agent 43084, openai-agents-js 1495: a refusal (OpenAI's refusal
# field, Anthropic's stop_reason "refusal") was lost or read as an empty text.
@pytest.mark.parametrize("provider", ["openai", "anthropic"])
def test_refusal_is_reported_as_declined_with_the_models_words(
    provider: str, server: FakeLLMServer, tmp_path: Path
) -> None:
    def refuse(answer: dict[str, Any]) -> None:
        if provider == "anthropic":
            answer.update(content=[], stop_reason="refusal")
        else:
            message = answer["choices"][0]["message"]
            message.update(content=None, refusal="I can't help with that.")

    server.plan.extend(Misbehave(edit=refuse) for _ in range(2))
    generator = make(provider, server, tmp_path, max_attempts=2)
    with pytest.warns(UserWarning, match="declined"):
        texts = generator.generate(1, "A note", progress=False)

    assert texts == []
    assert texts.summary.rejected == {"declined": 2}
    failure = texts.summary.failures[0]
    expected = "" if provider == "anthropic" else "I can't help with that."
    assert (failure.reason, failure.answer) == ("declined", expected)


# distilabel 62, Langchain-Chatchat 4181: a connection dropped mid-answer
# reached the user as a raw httpx traceback.
def test_connection_lost_mid_answer_is_retried(
    hosted: str, server: FakeLLMServer, tmp_path: Path
) -> None:
    server.plan.append(Misbehave(cut_after=40))
    texts = make(hosted, server, tmp_path).generate(1, "A note", progress=False)

    assert len(texts) == 1
    assert server.count == 2
    assert texts.summary.retries == 1


def test_unreachable_server_stops_the_run_saying_it_could_not_be_reached(
    hosted: str, tmp_path: Path
) -> None:
    with FakeLLMServer() as closed:
        pass
    generator = make(hosted, closed, tmp_path, max_retries=1)
    with pytest.raises(TextProviderError, match="could not be reached") as caught:
        generator.generate(1, "A note", progress=False)

    assert "0 of 1 samples were produced (2 requests sent)" in str(caught.value)
    assert generator.summary_.retries == 1


# aider 3693: half an emoji (a lone UTF-16 surrogate) in a model's answer
# crashed the client with "surrogates not allowed".
def test_lone_surrogate_in_an_answer_becomes_a_replacement_character(
    hosted: str, tmp_path: Path
) -> None:
    def reply(body: dict[str, Any], number: int) -> str:
        return "Half an emoji \ud83d then the rest of a fine sentence."

    with FakeLLMServer(reply) as fake:
        first = make(hosted, fake, tmp_path).generate(1, "A note", progress=False)
        again = make(hosted, fake, tmp_path).generate(1, "A note", progress=False)

    assert list(first) == ["Half an emoji \ufffd then the rest of a fine sentence."]
    assert list(again) == list(first)
    assert again.summary.cache_hits == 1


def test_prompt_or_style_with_a_lone_surrogate_is_refused_before_any_request(
    server: FakeLLMServer, tmp_path: Path
) -> None:
    generator = make("openai", server, tmp_path)
    with pytest.raises(InvalidConfigError, match=r"prompt holds a lone surrogate"):
        generator.generate(1, "A note \ud83d", progress=False)
    with pytest.raises(InvalidConfigError, match=r"constraints\['style'\] holds"):
        generator.generate(1, "A note", {"style": "cheerful \udc00"}, progress=False)

    assert server.count == 0


# langchainjs 1929, openai-python 1671: a 429 for a used-up quota was retried
# like a rate limit, for minutes, before a misleading failure.
def test_used_up_quota_stops_the_run_instead_of_retrying(
    hosted: str, server: FakeLLMServer, tmp_path: Path
) -> None:
    server.plan.extend(Misbehave(status=429, body=QUOTA_BODY) for _ in range(50))
    generator = make(hosted, server, tmp_path, max_concurrency=1)
    with pytest.raises(TextProviderError, match="quota or credit is used up") as caught:
        generator.generate(5, "A note", progress=False)

    assert caught.value.retryable is False
    assert server.count == 1


# openai-python 961, langchain 21261: a key with a line break (read from a
# file) or a pasted typographic quote failed as "Illegal header value", a
# connection error retried for minutes, or a raw UnicodeEncodeError.
@pytest.mark.parametrize(
    ("key", "named"),
    [("sk-test\n", r"U\+000A"), ("\u201csk-test\u201d", "left double quotation")],
)
def test_api_key_no_http_header_can_carry_is_refused_before_any_request(
    hosted: str, server: FakeLLMServer, tmp_path: Path, key: str, named: str
) -> None:
    with pytest.raises(InvalidConfigError, match=named) as caught:
        make(hosted, server, tmp_path, api_key=key)

    assert "sk-test" not in str(caught.value)
    assert server.count == 0


def test_api_key_from_the_environment_is_checked_too(
    server: FakeLLMServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test ")
    with pytest.raises(InvalidConfigError, match="from OPENAI_API_KEY holds space"):
        make("openai", server, tmp_path, api_key=None)


def _interrupted_run(generator: LLMTextGenerator, n: int) -> float:
    """Seconds a ``generate(n)`` takes to end after a Ctrl-C at 0.3 s.

    The Ctrl-C goes to the main thread, with SIGINT unblocked there and
    Python's own handler in place, so that the test judges what the text
    run does with a Ctrl-C, not what earlier tests or libraries left in the
    process's signal state (the whole suite's process once lost the signal
    in CI).
    """
    main = threading.main_thread().ident
    assert main is not None
    ctrl_c = threading.Timer(0.3, signal.pthread_kill, (main, signal.SIGINT))
    handler = signal.signal(signal.SIGINT, signal.default_int_handler)
    blocked = signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    started = time.perf_counter()
    ctrl_c.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            generator.generate(n, "A note", progress=False)
    finally:
        ctrl_c.cancel()
        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
        signal.signal(signal.SIGINT, handler)
    # Give a request sent after the interrupt the time to arrive.
    time.sleep(0.3)
    return time.perf_counter() - started - 0.6


# responsible-ai-toolbox 2486: Ctrl-C waited for a retry's sleep to end, and
# the retry was still sent.
@pytest.mark.skipif(sys.platform == "win32", reason="sends SIGINT to itself")
def test_ctrl_c_during_a_retry_wait_ends_at_once_and_sends_nothing_more(
    server: FakeLLMServer, tmp_path: Path
) -> None:
    server.plan.append(Misbehave(status=429, headers={"Retry-After": "20"}))
    lag = _interrupted_run(make("openai", server, tmp_path), 1)

    assert lag < 2
    assert server.count == 1


@pytest.mark.skipif(sys.platform == "win32", reason="sends SIGINT to itself")
def test_ctrl_c_sends_none_of_the_requests_queued_by_the_rate_limit(
    server: FakeLLMServer, tmp_path: Path
) -> None:
    generator = make(
        "openai", server, tmp_path, max_concurrency=8, requests_per_second=2
    )
    lag = _interrupted_run(generator, 8)

    # Starts are 0.5 s apart: only the one at 0 s comes before the Ctrl-C.
    assert lag < 1
    assert server.count == 1


# CipherGAN 1 ("Unsupported type: numpy.int32"): counts taken from numpy or
# pandas were refused with "n_samples is 2; pass a positive integer".
def test_numpy_integers_are_accepted_wherever_a_count_is(
    server: FakeLLMServer, tmp_path: Path
) -> None:
    generator = make(
        "openai",
        server,
        tmp_path,
        max_tokens=np.int64(200),
        max_concurrency=np.int32(2),
        max_attempts=np.int64(2),
    )
    texts = generator.generate(
        np.int64(3), "A note", {"length": (np.int64(5), np.int64(40))}, progress=False
    )

    assert len(texts) == 3
    assert server.received[0].body["max_tokens"] == 200


# opik 8455: json.loads reads NaN and Infinity, which are not JSON; a record
# {"score": NaN} passed "minimum" and "maximum" and was kept.
def test_record_holding_nan_or_infinity_is_regenerated(tmp_path: Path) -> None:
    answers = iter(
        [
            '{"name": "Ada", "score": NaN}',
            '{"name": "Bob", "score": Infinity}',
            '{"name": "Cy", "score": 0.5}',
        ]
    )

    def reply(body: dict[str, Any], number: int) -> str:
        return next(answers)

    with FakeLLMServer(reply) as fake:
        generator = make("openai", fake, tmp_path, max_concurrency=1)
        frame = generator.generate_records(1, RECORD_SCHEMA, progress=False)

    assert frame["score"].tolist() == [0.5]
    assert generator.summary_.rejected == {"schema": 2}


# CTGAN 26, SDV 1154: integer columns came back as floats, and as floats with
# NaN when some rows lacked them; booleans came back as objects.
def test_record_columns_keep_integer_and_boolean_dtypes(tmp_path: Path) -> None:
    answers = [
        '{"name": "Ada", "age": 36.0, "score": 0.1, "member": true}',
        '{"name": "Bob", "score": 0.2}',
        '{"name": "Cy", "age": 41, "score": 0.3, "member": false}',
    ]

    def reply(body: dict[str, Any], number: int) -> str:
        return answers[number]

    with FakeLLMServer(reply) as fake:
        generator = make("openai", fake, tmp_path, max_concurrency=1)
        frame = generator.generate_records(3, RECORD_SCHEMA, progress=False)

    assert frame.dtypes.astype(str).to_dict() == {
        "name": str(frame["name"].dtype),
        "age": "Int64",
        "score": "float64",
        "member": "boolean",
    }
    assert frame["age"].tolist() == [36, pd.NA, 41]
    assert frame["member"].tolist() == [True, pd.NA, False]


def test_complete_record_columns_get_plain_integer_and_boolean_dtypes(
    tmp_path: Path,
) -> None:
    def reply(body: dict[str, Any], number: int) -> str:
        record = {"name": f"P{number}", "age": 30.0 + number, "score": 0.5}
        return json.dumps({**record, "member": True})

    with FakeLLMServer(reply) as fake:
        frame = make("openai", fake, tmp_path).generate_records(
            2, RECORD_SCHEMA, progress=False
        )

    assert (str(frame["age"].dtype), str(frame["member"].dtype)) == ("int64", "bool")
    assert sorted(frame["age"]) == [30, 31]


@pytest.fixture(scope="module")
def short_context_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A random two-layer GPT-2 that attends to 64 tokens, on disk."""
    transformers = pytest.importorskip("transformers")
    tokenizers = pytest.importorskip("tokenizers")
    torch = pytest.importorskip("torch")
    folder = tmp_path_factory.mktemp("short-gpt2")
    vocabulary = {token: i for i, token in enumerate(["[UNK]", "[PAD]", *WORDS])}
    word_level = tokenizers.Tokenizer(
        tokenizers.models.WordLevel(vocabulary, unk_token="[UNK]")
    )
    word_level.pre_tokenizer = tokenizers.pre_tokenizers.Whitespace()
    transformers.PreTrainedTokenizerFast(
        tokenizer_object=word_level, unk_token="[UNK]", pad_token="[PAD]"
    ).save_pretrained(folder)
    config = transformers.GPT2Config(
        vocab_size=len(vocabulary), n_positions=64, n_embd=16, n_layer=1, n_head=2
    )
    torch.manual_seed(0)
    transformers.GPT2LMHeadModel(config).save_pretrained(folder)
    return folder


# gpt-neo 273, sentence-transformers 1600: a prompt longer than a local
# model's context ended in "IndexError: index out of range in self".
def test_local_prompt_longer_than_the_model_context_is_refused_clearly(
    short_context_model: Path,
) -> None:
    generator = LLMTextGenerator(
        "huggingface", str(short_context_model), max_tokens=8, cache=False
    )
    with pytest.raises(TextProviderError, match="reads at most 64") as caught:
        generator.generate(1, " ".join(WORDS[:80]), progress=False)

    assert caught.value.retryable is False


def test_local_answer_is_capped_to_the_room_the_context_leaves(
    short_context_model: Path,
) -> None:
    # This model has no end token, so its answer runs to the end of the
    # context: it is cut off, and refused as truncated rather than kept as
    # if the model had finished it (as it was before).
    generator = LLMTextGenerator(
        "huggingface",
        str(short_context_model),
        max_tokens=500,
        cache=False,
        seed=1,
        max_attempts=1,
    )
    with pytest.warns(UserWarning, match=r"1 of 1 samples failed.*truncated"):
        texts = generator.generate(1, "river stone", progress=False)

    summary = texts.summary
    assert len(texts) == 0
    assert [failure.reason for failure in summary.failures] == ["truncated"]
    assert "end of the model's context" in summary.failures[0].detail
    assert summary.input_tokens + summary.output_tokens <= 64
    assert summary.output_tokens > 0


# openai-python 708: one seed, different texts. The server's side is beyond
# us; ours is to send the same requests and judge them in sample order.
def test_repeated_run_with_a_seed_gives_the_same_texts_in_the_same_order(
    server: FakeLLMServer, tmp_path: Path
) -> None:
    def run(seed: int) -> list[str]:
        generator = make("openai", server, tmp_path, seed=seed, cache=False)
        return list(generator.generate(6, "A note", progress=False))

    first = run(4)

    assert run(4) == first
    assert set(run(5)).isdisjoint(first)
