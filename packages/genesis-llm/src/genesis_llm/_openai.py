"""The ``openai`` provider: chat completions through the official SDK.

``base_url`` reaches any server that speaks the OpenAI chat-completions API
(vLLM, Ollama, Azure-style gateways). The SDK's own retries are turned off:
the generator retries every provider the same way, under its rate limit.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, ClassVar

from genesis.errors import InvalidConfigError
from genesis.plugins import (
    Completion,
    ModelPrice,
    TextRequest,
    resolve_api_key,
)
from genesis_llm._common import (
    FINISH_REASONS,
    import_sdk,
    status_error,
    transport_error,
    unreadable_answer,
)

__all__ = ["OPENAI_PRICES", "OpenAIProvider"]

# US dollars per million tokens (input, output): OpenAI's list prices for
# standard requests as published on openai.com/api/pricing in 2025. They are
# estimates that go stale; pass prices= to LLMTextGenerator to use your own.
OPENAI_PRICES: dict[str, ModelPrice] = {
    "gpt-4o": ModelPrice(2.50, 10.00),
    "gpt-4o-mini": ModelPrice(0.15, 0.60),
    "gpt-4.1": ModelPrice(2.00, 8.00),
    "gpt-4.1-mini": ModelPrice(0.40, 1.60),
    "gpt-4.1-nano": ModelPrice(0.10, 0.40),
    "gpt-4-turbo": ModelPrice(10.00, 30.00),
    "gpt-3.5-turbo": ModelPrice(0.50, 1.50),
    "o3-mini": ModelPrice(1.10, 4.40),
    "o4-mini": ModelPrice(1.10, 4.40),
}
TOKEN_PARAMETERS = ("max_tokens", "max_completion_tokens")


class OpenAIProvider:
    """OpenAI chat models, or any OpenAI-compatible server.

    Options (``provider_options``): ``"token_parameter"``, the name under
    which the answer's token cap is sent: ``"max_tokens"`` (default,
    understood by most compatible servers) or ``"max_completion_tokens"``
    (required by OpenAI's reasoning models); ``"organization"`` and
    ``"project"``, passed to the client.
    """

    name: ClassVar[str] = "openai"
    api_key_env: ClassVar[str | None] = "OPENAI_API_KEY"
    prices: ClassVar[Mapping[str, ModelPrice]] = OPENAI_PRICES
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
        self._sdk = import_sdk("openai", self.name)
        self._key = resolve_api_key(api_key, self.api_key_env, self.name)
        options = dict(options)
        self._token_parameter = options.pop("token_parameter", "max_tokens")
        if self._token_parameter not in TOKEN_PARAMETERS:
            raise InvalidConfigError(
                f"provider_options['token_parameter'] is {self._token_parameter!r}; "
                f"use one of {list(TOKEN_PARAMETERS)!r}."
            )
        self.model = model
        self._client = self._sdk.OpenAI(
            api_key=self._key,
            base_url=base_url,
            timeout=timeout,
            max_retries=0,
            **options,
        )

    def __repr__(self) -> str:
        return f"OpenAIProvider(model={self.model!r})"

    def complete(self, request: TextRequest) -> Completion:
        """Send one chat completion (see ``genesis.generators.text.TextProvider``)."""
        sdk = self._sdk
        messages = [
            {"role": "system", "content": request.system},
            {"role": "user", "content": request.prompt},
        ]
        try:
            response = self._client.chat.completions.create(
                model=self.model,
                messages=messages,
                temperature=request.temperature,
                seed=request.seed,
                **{self._token_parameter: request.max_tokens},
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
            choice = response.choices[0]
            text = choice.message.content or ""
            refusal = getattr(choice.message, "refusal", None)
            usage = response.usage
            input_tokens = usage.prompt_tokens if usage else 0
            output_tokens = usage.completion_tokens if usage else 0
        except (AttributeError, IndexError, TypeError) as error:
            raise unreadable_answer(self.name, error, self._key) from None
        if refusal:
            return Completion(refusal, input_tokens, output_tokens, "refused")
        stop = FINISH_REASONS.get(choice.finish_reason, "end")
        return Completion(text, input_tokens, output_tokens, stop)
