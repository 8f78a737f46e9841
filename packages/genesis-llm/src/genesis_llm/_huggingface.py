"""The ``huggingface`` provider: local transformers models and hosted endpoints.

Two ways to run, chosen by ``provider_options={"run": ...}``:

* ``"local"`` loads the model with transformers (``AutoModelForCausalLM``)
  and generates on this machine, one request at a time. The default when
  ``model`` is a folder on disk. Costs nothing per token.
* ``"hosted"`` sends chat completions through ``huggingface_hub``'s
  ``InferenceClient``: to ``base_url`` when given (a self-hosted Text
  Generation Inference or vLLM server), else to Hugging Face Inference
  Providers for the Hub id in ``model``, which needs ``HF_TOKEN``. The
  default otherwise. Prices vary by provider and hardware, so the cost is
  reported as unknown unless you pass ``prices=``.

A hosted answer cut off at ``max_tokens`` is refused and regenerated, as
with the other providers. A local answer is kept as it ends: transformers
does not say whether the model would have gone on.
"""

from __future__ import annotations

import importlib
import json
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar

from genesis.errors import InvalidConfigError
from genesis.plugins import (
    Completion,
    ModelPrice,
    TextProviderError,
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

__all__ = ["HuggingFaceProvider"]

RUN_MODES = ("local", "hosted")
OPTION_KEYS = ("run", "device", "inference_provider")


class HuggingFaceProvider:
    """Hugging Face models, local (transformers) or hosted (huggingface_hub).

    Options (``provider_options``): ``"run"`` (``"local"`` or ``"hosted"``,
    see the module docstring), ``"device"`` for a local model (``"cpu"``,
    ``"cuda"``; default CPU), and ``"inference_provider"`` for a hosted Hub
    model (default ``"auto"``).
    """

    name: ClassVar[str] = "huggingface"
    api_key_env: ClassVar[str | None] = "HF_TOKEN"
    prices: ClassVar[Mapping[str, ModelPrice]] = {}
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
        if unknown := sorted(set(options) - set(OPTION_KEYS)):
            raise InvalidConfigError(
                f"provider_options has the unknown keys {unknown!r} for provider "
                f"'huggingface'; the valid keys are {list(OPTION_KEYS)!r}."
            )
        default_run = "local" if base_url is None and Path(model).is_dir() else "hosted"
        self.run = options.get("run", default_run)
        if self.run not in RUN_MODES:
            raise InvalidConfigError(
                f"provider_options['run'] is {self.run!r}; use one of "
                f"{list(RUN_MODES)!r}."
            )
        self.model = model
        self._lock = threading.Lock()
        if self.run == "local":
            self._key = None
            self._load_local(model, options.get("device", "cpu"))
            self.max_concurrency = 1
        else:
            self._key = self._hosted_key(api_key, base_url)
            self._load_hosted(model, base_url, timeout, options)

    def __repr__(self) -> str:
        return f"HuggingFaceProvider(model={self.model!r}, run={self.run!r})"

    def _hosted_key(self, api_key: str | None, base_url: str | None) -> str | None:
        if base_url is None:
            return resolve_api_key(api_key, self.api_key_env, self.name)
        # A self-hosted endpoint often checks no key; send one only if given.
        return resolve_api_key(api_key, None, self.name) or None

    def _load_local(self, model: str, device: str) -> None:
        transformers = import_sdk("transformers", self.name)
        self._torch = import_sdk("torch", self.name)
        self._tokenizer = transformers.AutoTokenizer.from_pretrained(model)
        self._model = transformers.AutoModelForCausalLM.from_pretrained(model)
        self._model.to(device)
        self._model.eval()
        self._device = device
        # Tokens the model can attend to, prompt and answer together; past
        # it, models with learned positions fail with an index error.
        self._context = getattr(self._model.config, "max_position_embeddings", None)

    def _load_hosted(
        self,
        model: str,
        base_url: str | None,
        timeout: float,
        options: Mapping[str, Any],
    ) -> None:
        hub = import_sdk("huggingface_hub", self.name)
        self._hub = hub
        self._hub_errors = import_sdk("huggingface_hub.errors", self.name)
        # The hub sends requests through httpx (its session's package); a lost
        # connection arrives as that package's TransportError, not wrapped.
        session_package = type(hub.get_session()).__module__.split(".")[0]
        http = importlib.import_module(session_package)
        self._transport_errors = (
            self._hub_errors.InferenceTimeoutError,
            OSError,
            http.TransportError,
        )
        if base_url is not None:
            self._client = hub.InferenceClient(
                base_url=base_url, api_key=self._key, timeout=timeout
            )
        else:
            self._client = hub.InferenceClient(
                model=model,
                provider=options.get("inference_provider", "auto"),
                token=self._key,
                timeout=timeout,
            )
        self._base_url = base_url

    def complete(self, request: TextRequest) -> Completion:
        """Generate one answer; see :class:`genesis.generators.text.TextProvider`."""
        if self.run == "local":
            return self._complete_local(request)
        return self._complete_hosted(request)

    def _complete_local(self, request: TextRequest) -> Completion:
        torch = self._torch
        messages = [
            {"role": "system", "content": request.system},
            {"role": "user", "content": request.prompt},
        ]
        if getattr(self._tokenizer, "chat_template", None):
            text = self._tokenizer.apply_chat_template(
                messages, tokenize=False, add_generation_prompt=True
            )
        else:
            text = f"{request.system}\n\n{request.prompt}\n\n"
        inputs = self._tokenizer(text, return_tensors="pt").to(self._device)
        prompt_length = int(inputs["input_ids"].shape[1])
        room = request.max_tokens
        if isinstance(self._context, int):
            room = min(room, self._context - prompt_length)
        if room < 1:
            raise TextProviderError(
                f"The prompt and its instructions take {prompt_length} tokens, "
                f"and model {self.model!r} reads at most {self._context}. "
                "Shorten the prompt, or use a model with a longer context.",
                retryable=False,
            )
        sampling = request.temperature > 0
        settings: dict[str, Any] = {
            "max_new_tokens": room,
            "do_sample": sampling,
            "pad_token_id": self._tokenizer.pad_token_id
            or self._tokenizer.eos_token_id,
        }
        if sampling:
            settings["temperature"] = request.temperature
        # generate() draws from torch's global generator; fork it so a seeded
        # request neither depends on nor disturbs the caller's random state.
        with self._lock, torch.random.fork_rng(devices=[]), torch.no_grad():
            if request.seed is not None:
                torch.manual_seed(request.seed)
            output = self._model.generate(**inputs, **settings)
        new_tokens = output[0, prompt_length:]
        answer = self._tokenizer.decode(new_tokens, skip_special_tokens=True)
        count = int(new_tokens.shape[0])
        # generate() stops at an end-of-text token or at max_new_tokens; only
        # the first is an answer the model finished.
        ended = count < room or int(new_tokens[-1]) in self._end_tokens()
        stop = "end" if ended else "max_tokens"
        return Completion(answer.strip(), prompt_length, count, stop)

    def _end_tokens(self) -> set[int]:
        """The token ids that end an answer."""
        ends = getattr(self._model.generation_config, "eos_token_id", None)
        if ends is None:
            ends = self._tokenizer.eos_token_id
        if ends is None:
            return set()
        return {int(ends)} if isinstance(ends, int) else {int(end) for end in ends}

    def _complete_hosted(self, request: TextRequest) -> Completion:
        errors = self._hub_errors
        messages = [
            {"role": "system", "content": request.system},
            {"role": "user", "content": request.prompt},
        ]
        try:
            response = self._client.chat_completion(
                messages,
                model=self.model if self._base_url is not None else None,
                max_tokens=request.max_tokens,
                temperature=request.temperature,
                seed=request.seed,
            )
        except errors.HfHubHTTPError as error:
            response_obj = error.response
            raise status_error(
                self.name,
                response_obj.status_code,
                response_obj.headers,
                str(error),
                self._key,
                _error_body(response_obj),
            ) from None
        except self._transport_errors as error:
            raise transport_error(self.name, error, self._key) from None
        except json.JSONDecodeError as error:
            raise unreadable_answer(self.name, error, self._key) from None
        try:
            choice = response.choices[0]
            text = choice.message.content or ""
            refusal = getattr(choice.message, "refusal", None)
            usage = response.usage
            input_tokens = usage.prompt_tokens if usage else 0
            output_tokens = usage.completion_tokens if usage else 0
        except (AttributeError, IndexError, TypeError, KeyError) as error:
            raise unreadable_answer(self.name, error, self._key) from None
        if refusal:
            return Completion(refusal, input_tokens, output_tokens, "refused")
        stop = FINISH_REASONS.get(choice.finish_reason, "end")
        return Completion(text, input_tokens, output_tokens, stop)


def _error_body(response: Any) -> object:
    """The decoded JSON body of an error response, else its text, else None."""
    try:
        return response.json()
    except ValueError:
        pass
    except RuntimeError:
        # A streamed body that was never read.
        return None
    try:
        return response.text
    except RuntimeError:
        return None
