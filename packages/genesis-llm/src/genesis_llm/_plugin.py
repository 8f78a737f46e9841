"""Entry point of genesis-synth-llm: registers the three text providers."""

from __future__ import annotations

from genesis.plugins import ProviderRegistry, hookimpl
from genesis_llm._anthropic import AnthropicProvider
from genesis_llm._huggingface import HuggingFaceProvider
from genesis_llm._openai import OpenAIProvider


@hookimpl
def genesis_register_text_providers(registry: ProviderRegistry) -> None:
    """Register the openai, anthropic and huggingface providers."""
    for provider in (OpenAIProvider, AnthropicProvider, HuggingFaceProvider):
        registry.register(provider.name, provider)
