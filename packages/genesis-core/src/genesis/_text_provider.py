"""What a text provider is: the protocol, its request and answer, its errors.

A provider turns one :class:`TextRequest` into one :class:`Completion`. It
does nothing else: the front door (:mod:`genesis.generators.text`) owns the
rate limit, the retries, the cache, the constraint checks and the cost
account, so a provider written by a third party gets all of them by
implementing :meth:`TextProvider.complete` and raising
:class:`TextProviderError` with ``retryable`` set for errors worth another
try.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Literal, Protocol, runtime_checkable

from genesis.errors import InvalidConfigError, TextProviderError

__all__ = [
    "Completion",
    "ModelPrice",
    "StopReason",
    "TextProvider",
    "TextProviderError",
    "TextRequest",
    "find_price",
    "resolve_api_key",
    "scrub_secret",
]

SECRET_MASK = "***"

# An API key travels in an HTTP header: printable ASCII, no spaces.
_NOT_IN_HEADER = re.compile(r"[^!-~]")

StopReason = Literal["end", "max_tokens", "refused"]


@dataclass(frozen=True)
class TextRequest:
    """Everything sent to the model for one answer.

    Attributes:
        system: Instructions that frame the task (the system message).
        prompt: The user message.
        max_tokens: Upper bound on the tokens of the answer.
        temperature: Sampling temperature.
        seed: A seed for providers that accept one (OpenAI, local models);
            others ignore it.
    """

    system: str
    prompt: str
    max_tokens: int
    temperature: float
    seed: int | None = None

    def as_dict(self) -> dict[str, Any]:
        """The request as plain JSON-able values."""
        return {
            "system": self.system,
            "prompt": self.prompt,
            "max_tokens": self.max_tokens,
            "temperature": self.temperature,
            "seed": self.seed,
        }


@dataclass(frozen=True)
class Completion:
    """One answer and the tokens it cost.

    Attributes:
        text: The answer; for a refusal, the model's explanation, if any.
        input_tokens: Prompt tokens billed; 0 when the server does not say.
        output_tokens: Answer tokens billed; 0 when the server does not say.
        stop: Why the answer ended: ``"end"`` (the model finished),
            ``"max_tokens"`` (cut off at the request's token cap) or
            ``"refused"`` (the model or a content filter declined). Only an
            answer that ended is judged; the others are refused and retried.
    """

    text: str
    input_tokens: int = 0
    output_tokens: int = 0
    stop: StopReason = "end"


@dataclass(frozen=True)
class ModelPrice:
    """List price of a model in US dollars per million tokens."""

    input_per_million: float
    output_per_million: float

    def cost(self, input_tokens: int, output_tokens: int) -> float:
        """Estimated dollars for the given token counts."""
        return (
            input_tokens * self.input_per_million
            + output_tokens * self.output_per_million
        ) / 1_000_000


@runtime_checkable
class TextProvider(Protocol):
    """An LLM service behind :class:`~genesis.generators.text.LLMTextGenerator`.

    Register the class with ``registry.register(name, cls)`` in the hook
    ``genesis_register_text_providers``. The constructor may check its
    arguments and build a client, but must not send a request.

    Attributes:
        name: The provider name users pass, for example ``"openai"``.
        api_key_env: The environment variable that holds the key, or None
            when the provider needs no key.
        prices: List prices by model name; a dated model name
            (``"gpt-4o-2024-08-06"``) takes the price of its longest listed
            prefix.
        max_concurrency: Requests this provider serves well at once
            (a local model: 1).
    """

    name: ClassVar[str]
    api_key_env: ClassVar[str | None]
    prices: ClassVar[Mapping[str, ModelPrice]]
    max_concurrency: ClassVar[int]

    def __init__(
        self,
        model: str,
        *,
        api_key: str | None,
        base_url: str | None,
        timeout: float,
        options: Mapping[str, Any],
    ) -> None: ...

    def complete(self, request: TextRequest) -> Completion:
        """Send one request and return the answer.

        Raises:
            TextProviderError: The request failed; ``retryable`` says whether
                another try may succeed. The message never holds the key.
        """


def resolve_api_key(
    api_key: str | None, env_var: str | None, provider: str
) -> str | None:
    """The key from the argument, else from the provider's environment variable.

    Raises:
        InvalidConfigError: The provider needs a key and neither gives one,
            or the key holds a character no HTTP header can carry (a line
            break read from a file, a pasted typographic quote).
    """
    if api_key:
        return _checked_key(api_key, "api_key", provider)
    if env_var is None:
        return None
    from_env = os.environ.get(env_var)
    if from_env:
        return _checked_key(from_env, env_var, provider)
    raise InvalidConfigError(
        f"Provider {provider!r} needs an API key, and api_key was not given and "
        f"{env_var} is not set. Pass api_key=... or set {env_var}; for a server "
        "that checks no key, pass any placeholder such as api_key='none'."
    )


def _checked_key(key: str, source: str, provider: str) -> str:
    """``key``, if an HTTP header can carry it; the error never shows the key."""
    if (bad := _NOT_IN_HEADER.search(key)) is None:
        return key
    character = bad.group()
    name = unicodedata.name(character, "a control character").lower()
    raise InvalidConfigError(
        f"The API key for provider {provider!r} from {source} holds {name} "
        f"(U+{ord(character):04X}) at position {bad.start()}, which no HTTP "
        "header can carry. Copy the key again, without spaces, line breaks "
        "or typographic quotes."
    )


def scrub_secret(text: str, secret: str | None) -> str:
    """``text`` with every occurrence of ``secret`` masked."""
    if not secret:
        return text
    return text.replace(secret, SECRET_MASK)


def find_price(model: str, prices: Mapping[str, ModelPrice]) -> ModelPrice | None:
    """The price of ``model``: an exact entry, else its longest listed prefix."""
    if model in prices:
        return prices[model]
    prefixes = [name for name in prices if model.startswith(name)]
    return prices[max(prefixes, key=len)] if prefixes else None
