"""The ``anthropic`` provider: the Messages API through the official SDK.

The SDK's own retries are turned off: the generator retries every provider
the same way, under its rate limit. Claude takes no seed, so answers vary
between runs unless they come from the cache.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from genesis.plugins import (
    Completion,
    ModelPrice,
    TextRequest,
    resolve_api_key,
)
from genesis_llm._common import (
    import_sdk,
    status_error,
    transport_error,
    unreadable_answer,
)

if TYPE_CHECKING:
    from genesis.plugins import StopReason

__all__ = ["ANTHROPIC_PRICES", "AnthropicProvider"]

# How a ``stop_reason`` maps to a Completion's stop; the others
# ("end_turn", "stop_sequence") are a natural end.
STOP_REASONS: dict[str, StopReason] = {
    "max_tokens": "max_tokens",
    "model_context_window_exceeded": "max_tokens",
    "refusal": "refused",
}

# US dollars per million tokens (input, output): Anthropic's list prices as
# published on anthropic.com/pricing in 2025, keyed by model family so that
# dated names ("claude-3-5-haiku-20241022") and "-latest" aliases match.
# Estimates that go stale; pass prices= to LLMTextGenerator to use your own.
ANTHROPIC_PRICES: dict[str, ModelPrice] = {
    "claude-opus-4": ModelPrice(15.00, 75.00),
    "claude-sonnet-4": ModelPrice(3.00, 15.00),
    "claude-3-7-sonnet": ModelPrice(3.00, 15.00),
    "claude-3-5-sonnet": ModelPrice(3.00, 15.00),
    "claude-3-5-haiku": ModelPrice(0.80, 4.00),
    "claude-3-opus": ModelPrice(15.00, 75.00),
    "claude-3-haiku": ModelPrice(0.25, 1.25),
}


class AnthropicProvider:
    """Anthropic's Claude models.

    Options (``provider_options``) are passed to ``anthropic.Anthropic``.
    The temperature is sent when the installed SDK still accepts it (Claude
    takes 0 to 1); recent SDKs leave sampling to the model's defaults.
    """

    name: ClassVar[str] = "anthropic"
    api_key_env: ClassVar[str | None] = "ANTHROPIC_API_KEY"
    prices: ClassVar[Mapping[str, ModelPrice]] = ANTHROPIC_PRICES
    max_concurrency: ClassVar[int] = 8

    def __init__(
        self,
        model: str,
        *,
        api_key: str | None,
        base_url: str | None,
        timeout: float,
        options: Mapping[str, Any],
    ) -> None:
        self._sdk = import_sdk("anthropic", self.name)
        self._key = resolve_api_key(api_key, self.api_key_env, self.name)
        self.model = model
        self._client = self._sdk.Anthropic(
            api_key=self._key,
            base_url=base_url,
            timeout=timeout,
            max_retries=0,
            **dict(options),
        )
        # Recent SDKs dropped the temperature argument of messages.create;
        # send it only where the installed SDK still takes it.
        parameters = inspect.signature(self._client.messages.create).parameters
        self._takes_temperature = "temperature" in parameters

    def __repr__(self) -> str:
        return f"AnthropicProvider(model={self.model!r})"

    def complete(self, request: TextRequest) -> Completion:
        """Send one message; see :class:`genesis.generators.text.TextProvider`."""
        sdk = self._sdk
        sampling = (
            {"temperature": request.temperature} if self._takes_temperature else {}
        )
        try:
            response = self._client.messages.create(
                model=self.model,
                max_tokens=request.max_tokens,
                system=request.system,
                messages=[{"role": "user", "content": request.prompt}],
                **sampling,
            )
        except sdk.APIStatusError as error:
            raise status_error(
                self.name,
                error.status_code,
                error.response.headers,
                error.message,
                self._key,
                error.body,
            ) from None
        except sdk.APIConnectionError as error:
            raise transport_error(self.name, error, self._key) from None
        except (sdk.APIResponseValidationError, json.JSONDecodeError) as error:
            raise unreadable_answer(self.name, error, self._key) from None
        try:
            text = "".join(
                block.text for block in response.content if block.type == "text"
            )
            usage = response.usage
            input_tokens = usage.input_tokens if usage else 0
            output_tokens = usage.output_tokens if usage else 0
        except (AttributeError, TypeError) as error:
            raise unreadable_answer(self.name, error, self._key) from None
        stop = STOP_REASONS.get(response.stop_reason, "end")
        return Completion(text, input_tokens, output_tokens, stop)
