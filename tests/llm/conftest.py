"""Fixtures of the text-generation tests: fake servers and generators on them."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from genesis.generators.text import LLMTextGenerator
from tests.llm.fake_server import FakeLLMServer

# The folder needs genesis-synth-llm with its openai and anthropic extras.
for module in ("genesis_llm", "openai", "anthropic"):
    pytest.importorskip(module)

API_KEY = "sk-test-0123456789-do-not-leak"
MODELS = {"openai": "gpt-4o-mini", "anthropic": "claude-3-5-haiku-latest"}
HOSTED_MODELS = {**MODELS, "huggingface": "tgi"}


@pytest.fixture
def server() -> Iterator[FakeLLMServer]:
    with FakeLLMServer() as fake:
        yield fake


def base_url(provider: str, server: FakeLLMServer) -> str:
    """Where each SDK expects its server: OpenAI's path carries the /v1."""
    return server.url + "/v1" if provider == "openai" else server.url


@pytest.fixture(params=["openai", "anthropic"])
def provider(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def make_generator(
    provider: str, server: FakeLLMServer, tmp_path: Path
) -> Callable[..., LLMTextGenerator]:
    """A generator for ``provider`` on the fake server, caching under tmp_path."""

    def make(**settings: Any) -> LLMTextGenerator:
        settings = {
            "api_key": API_KEY,
            "base_url": base_url(provider, server),
            "cache_dir": tmp_path / "cache",
            "backoff_s": 0.01,
            "timeout_s": 5.0,
            **settings,
        }
        return LLMTextGenerator(provider, MODELS[provider], **settings)

    return make


@pytest.fixture(params=["openai", "anthropic", "huggingface"])
def hosted(request: pytest.FixtureRequest) -> str:
    """Each provider that answers over HTTP (huggingface through its hub client)."""
    if request.param == "huggingface":
        pytest.importorskip("huggingface_hub")
    return request.param


def make_hosted(
    provider: str, fake: FakeLLMServer, tmp_path: Path, **settings: Any
) -> LLMTextGenerator:
    """A generator for ``provider`` on ``fake``, caching under tmp_path."""
    url = fake.url if provider == "huggingface" else base_url(provider, fake)
    settings = {
        "api_key": API_KEY,
        "base_url": url,
        "cache_dir": tmp_path / "cache",
        "backoff_s": 0.01,
        "timeout_s": 5.0,
        **settings,
    }
    return LLMTextGenerator(provider, HOSTED_MODELS[provider], **settings)
