"""genesis-synth-llm registers its providers like any plugin."""

from __future__ import annotations

from genesis._registry import get_registry, install_line
from genesis_llm import AnthropicProvider, HuggingFaceProvider, OpenAIProvider


def test_providers_are_registered_through_the_entry_point() -> None:
    registry = get_registry()
    plugin = next(info for info in registry.plugins if info.name == "llm")

    assert plugin.distribution == "genesis-synth-llm"
    assert plugin.error is None
    assert sorted(plugin.providers) == ["anthropic", "huggingface", "openai"]
    assert registry.providers.get("openai") is OpenAIProvider
    assert registry.providers.get("anthropic") is AnthropicProvider
    assert registry.providers.get("huggingface") is HuggingFaceProvider


def test_install_lines_name_the_extra_of_each_provider() -> None:
    assert install_line("openai") == 'pip install "genesis-synth-llm[openai]"'
    assert install_line("anthropic") == 'pip install "genesis-synth-llm[anthropic]"'
    assert install_line("huggingface") == 'pip install "genesis-synth-llm[huggingface]"'
