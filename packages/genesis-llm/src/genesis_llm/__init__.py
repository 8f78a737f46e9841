"""Genesis text providers: OpenAI, Anthropic and Hugging Face.

Users reach them through
``genesis.generators.text.LLMTextGenerator(provider="openai" | "anthropic" |
"huggingface", ...)``; this package registers the provider classes through
its ``genesis`` entry point, the way a third-party provider would. Each
provider needs its own extra (``pip install "genesis-synth-llm[openai]"``);
the SDK is imported only when the provider is used.
"""

from genesis_llm._anthropic import AnthropicProvider
from genesis_llm._huggingface import HuggingFaceProvider
from genesis_llm._openai import OpenAIProvider

__all__ = ["AnthropicProvider", "HuggingFaceProvider", "OpenAIProvider"]
