"""Text and structured records from a large language model, with checked constraints.

:class:`LLMTextGenerator` is the front door. The provider (``"openai"``,
``"anthropic"``, ``"huggingface"`` or one a plugin adds) is found through the
plugin registry; ``genesis-synth-llm`` provides the three named here, one
extra each::

    pip install "genesis-synth-llm[openai]"

Everything that does not depend on the provider happens here, the same for
every provider: requests run concurrently under a rate limit, are retried
with backoff on rate limits, server errors and timeouts (honouring
Retry-After), and their answers are cached on disk by the full request, so an
interrupted run resumes without paying twice. Constraints are put into the
prompt and checked on every answer; an answer that fails, or that was cut
off at the token cap or declined by the model, is regenerated, and a sample
that still fails after ``max_attempts`` answers is reported in the
run's :class:`TextRunSummary`, never returned. Near-duplicate answers are
regenerated the same way. A request that still fails after ``max_retries``
retries leaves its sample out at once, and a server that keeps failing stops
the run with :class:`TextProviderError`. Token usage and an estimated cost
are summed per run.
"""

from __future__ import annotations

import hashlib
import json
import logging
import numbers
import os
import warnings
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd
from tqdm.auto import tqdm

from genesis._callers import caller_stacklevel
from genesis._registry import resolve_provider
from genesis._text_constraints import (
    LENGTH_PRESETS,
    SENTIMENTS,
    NearDuplicateIndex,
    RecordSchema,
    TextConstraints,
    check_encodable,
)
from genesis._text_provider import (
    Completion,
    ModelPrice,
    StopReason,
    TextProvider,
    TextProviderError,
    TextRequest,
    find_price,
    scrub_secret,
)
from genesis._text_run import (
    UNANSWERED,
    RateLimiter,
    RequestRunner,
    ResponseCache,
    SampleFailure,
    TextRunSummary,
    Verdict,
    default_cache_dir,
)
from genesis.errors import InvalidConfigError
from genesis.protocols import ProgressCallback, ProgressEvent

__all__ = [
    "LENGTH_PRESETS",
    "SENTIMENTS",
    "Completion",
    "GeneratedTexts",
    "LLMTextGenerator",
    "ModelPrice",
    "SampleFailure",
    "StopReason",
    "TextProvider",
    "TextProviderError",
    "TextRequest",
    "TextRunSummary",
]

logger = logging.getLogger(__name__)

TEXT_SYSTEM = (
    "You write synthetic text for building and testing software. Reply with "
    "the requested text only: no preamble, no title, no quotation marks around it."
)
RECORD_SYSTEM = (
    "You write synthetic records for building and testing software. Each "
    "record is new and realistic."
)
RECORD_PROMPT = "Write one record."
DEFAULT_MAX_TOKENS = 512
RECORD_MAX_TOKENS = 1024
# Words are about 1.3 tokens in English; twice the word budget leaves room
# for other languages and for a model that runs a little long.
TOKENS_PER_WORD = 2
TOKEN_MARGIN = 64


class GeneratedTexts(list[str]):
    """The texts of one ``generate`` call: a list, plus the run's summary.

    Attributes:
        summary: Requests, cache hits, refusals, failures, tokens and cost.
    """

    summary: TextRunSummary

    def __init__(self, texts: list[str], summary: TextRunSummary) -> None:
        super().__init__(texts)
        self.summary = summary


class _Secret:
    """Holds the API key so that no repr or traceback shows it."""

    __slots__ = ("value",)

    def __init__(self, value: str | None) -> None:
        self.value = value

    def __repr__(self) -> str:
        return "_Secret('***')" if self.value else "_Secret(None)"


class LLMTextGenerator:
    """Generates text or records with a large language model.

    Args:
        provider: ``"openai"``, ``"anthropic"``, ``"huggingface"``, or a
            provider name a plugin registers. One of the first three whose
            extra is not installed raises BackendNotAvailableError with the
            install line; any other name no plugin registers raises
            UnknownMethodError with the closest known name.
        model: The model name (``"gpt-4o-mini"``,
            ``"claude-3-5-haiku-latest"``), or for ``"huggingface"`` a Hub id
            or a local folder with a transformers model.
        api_key: The key; when None, the provider's usual environment
            variable (``OPENAI_API_KEY``, ``ANTHROPIC_API_KEY``, ``HF_TOKEN``).
            It never appears in logs, errors, reprs or the cache.
        base_url: Another server speaking the provider's API: an
            OpenAI-compatible gateway (vLLM, Ollama, Azure-style), a
            self-hosted Hugging Face endpoint.
        requests_per_second: The rate limit; None for none.
        max_concurrency: Requests in flight at once; None for the provider's
            own default (8 for hosted services, 1 for a local model).
        max_attempts: Answers tried per sample before it is reported failed;
            only answers refused by a constraint, a duplicate check, the
            token cap or the model use them up.
        max_retries: Further tries of one request after a rate limit, a server
            error, a timeout or an unreadable answer. When they are used up,
            the sample is left out (with no further attempt), and once three
            samples in a row got no answer the run stops with
            TextProviderError.
        backoff_s: First wait between retries when the server sends no
            Retry-After; it doubles at each retry.
        timeout_s: Seconds before a request is abandoned (and retried).
        temperature: Sampling temperature.
        max_tokens: Cap on each answer's tokens; None derives it from the
            length constraint.
        seed: Seeds the requests of providers that accept one (OpenAI, local
            models) and is part of the cache key, so another seed gives other
            texts. None is a seed like any other: the same call repeated
            reads the same answers from the cache.
        cache: Keep answers on disk and reuse them.
        cache_dir: Where; None for ``$GENESIS_CACHE_DIR`` or
            ``~/.cache/genesis/text``.
        duplicate_threshold: Jaccard similarity of word trigrams at which an
            answer counts as a near-duplicate of an earlier one and is
            regenerated; None keeps duplicates.
        prices: Your prices in US dollars per million tokens, as
            ``{model: (input, output)}``; they take precedence over the
            provider's list prices, which are estimates.
        provider_options: Options only one provider understands (see the
            provider's documentation).

    Attributes:
        summary_: The summary of the latest run.
    """

    def __init__(
        self,
        provider: str,
        model: str,
        api_key: str | None = None,
        base_url: str | None = None,
        *,
        requests_per_second: float | None = None,
        max_concurrency: int | None = None,
        max_attempts: int = 3,
        max_retries: int = 5,
        backoff_s: float = 0.5,
        timeout_s: float = 60.0,
        temperature: float = 1.0,
        max_tokens: int | None = None,
        seed: int | None = None,
        cache: bool = True,
        cache_dir: str | os.PathLike[str] | None = None,
        duplicate_threshold: float | None = 0.8,
        prices: Mapping[str, tuple[float, float]] | None = None,
        provider_options: Mapping[str, Any] | None = None,
    ) -> None:
        _check_settings(
            requests_per_second=requests_per_second,
            max_concurrency=max_concurrency,
            max_attempts=max_attempts,
            max_retries=max_retries,
            duplicate_threshold=duplicate_threshold,
            max_tokens=max_tokens,
            timeout_s=timeout_s,
            temperature=temperature,
            backoff_s=backoff_s,
        )
        provider_class = _provider_class(provider)
        env_var = getattr(provider_class, "api_key_env", None)
        self._secret = _Secret(
            api_key or (os.environ.get(env_var) if env_var else None)
        )
        self.provider = provider
        self.model = model
        self.base_url = base_url
        self.requests_per_second = requests_per_second
        self.max_attempts = int(max_attempts)
        self.max_retries = int(max_retries)
        self.backoff_s = backoff_s
        self.temperature = temperature
        self.max_tokens = None if max_tokens is None else int(max_tokens)
        self.seed = seed
        self.duplicate_threshold = duplicate_threshold
        self.cache_dir = (
            None if not cache else Path(cache_dir) if cache_dir else default_cache_dir()
        )
        self._provider = self._build_provider(
            provider_class, api_key, timeout_s, provider_options or {}
        )
        concurrency = max_concurrency or self._provider.max_concurrency
        self.max_concurrency = int(concurrency)
        self._price = _price_for(model, provider_class, prices)
        self._limiter = RateLimiter(requests_per_second)
        self.summary_: TextRunSummary | None = None

    def __repr__(self) -> str:
        base_url = f", base_url={self.base_url!r}" if self.base_url else ""
        return (
            f"LLMTextGenerator(provider={self.provider!r}, model={self.model!r}"
            f"{base_url})"
        )

    def generate(
        self,
        n_samples: int,
        prompt: str,
        constraints: Mapping[str, Any] | None = None,
        *,
        progress: bool | ProgressCallback = True,
    ) -> GeneratedTexts:
        """Generate ``n_samples`` texts that meet ``constraints``.

        Args:
            n_samples: Texts wanted.
            prompt: What to write, for example "A customer review of a hotel".
            constraints: Any of ``"length"`` (``"short"`` 10-50 words,
                ``"medium"`` 50-150, ``"long"`` 150-400, or a
                ``(min_words, max_words)`` pair), ``"sentiment"``
                (``"positive"``, ``"negative"``, ``"neutral"``, checked with
                VADER, for English) and ``"style"`` (free text, asked for in
                the prompt and not checked).
            progress: True for a progress bar, False for none, or a callback
                that receives a ProgressEvent per settled sample.

        Returns:
            The texts that passed every check, in sample order; fewer than
            ``n_samples`` when some failed, which a warning and
            ``summary.failures`` report.

        Raises:
            InvalidConfigError: A bad argument or constraint; nothing was sent.
            TextProviderError: The provider refused a request for a reason no
                retry can fix (a rejected key, an unknown model, a used-up
                quota), or the server kept failing: three samples in a row
                (every sample, in a run of fewer) got no answer after all
                their retries. The message gives the last error and what
                the run produced; ``summary_`` holds the run's summary.
        """
        n_samples = _check_count(n_samples, "n_samples")
        _check_prompt(prompt)
        checks = TextConstraints.parse(constraints)
        system = " ".join([TEXT_SYSTEM, *checks.instructions()])
        max_words = checks.max_words()
        max_tokens = self.max_tokens or (
            DEFAULT_MAX_TOKENS
            if max_words is None
            else max_words * TOKENS_PER_WORD + TOKEN_MARGIN
        )
        duplicates = self._duplicate_index()

        def judge(index: int, text: str) -> Verdict:
            text = text.strip()
            if broken := checks.violation(text):
                return Verdict(reason=broken[0], detail=broken[1])
            if duplicates is not None:
                if (earlier := duplicates.find(text)) is not None:
                    return Verdict(
                        reason="duplicate",
                        detail=f"near-duplicate of accepted text {earlier}",
                    )
                duplicates.add(text)
            return Verdict(value=text)

        values, summary = self._run(
            n_samples, system, prompt, max_tokens, judge, progress
        )
        return GeneratedTexts([v for v in values if v is not None], summary)

    def generate_records(
        self,
        n: int,
        schema: Mapping[str, Any],
        prompt: str = RECORD_PROMPT,
        *,
        progress: bool | ProgressCallback = True,
    ) -> pd.DataFrame:
        """Generate ``n`` records, each a JSON object valid against ``schema``.

        Args:
            n: Records wanted.
            schema: A JSON Schema of ``"type": "object"`` whose
                ``"properties"`` name the columns, in order.
            prompt: What the records are about, for example "A customer of
                a bike shop in Lyon".
            progress: As for :meth:`generate`.

        Returns:
            One row per valid record, columns in the order of the schema's
            properties; integer and boolean properties have integer and
            boolean dtypes (nullable when a record leaves them out). Exact
            duplicates, and answers holding NaN or Infinity (which are not
            JSON), are regenerated. Failed records are left out and reported
            in ``summary_``.

        Raises:
            InvalidConfigError: A bad argument or an invalid schema.
            TextProviderError: As for :meth:`generate`.
        """
        n = _check_count(n, "n")
        _check_prompt(prompt)
        record_schema = RecordSchema(schema)
        system = " ".join([RECORD_SYSTEM, *record_schema.instructions()])
        seen: set[str] = set()

        def judge(index: int, text: str) -> Verdict:
            record, problem = record_schema.parse(text)
            if record is None:
                return Verdict(reason="schema", detail=problem or "")
            canonical = json.dumps(record, sort_keys=True)
            if self.duplicate_threshold is not None and canonical in seen:
                return Verdict(reason="duplicate", detail="repeats an earlier record")
            seen.add(canonical)
            return Verdict(value=record)

        max_tokens = self.max_tokens or RECORD_MAX_TOKENS
        values, _ = self._run(n, system, prompt, max_tokens, judge, progress)
        return record_schema.frame([v for v in values if v is not None])

    def _run(
        self,
        n: int,
        system: str,
        prompt: str,
        max_tokens: int,
        judge: Callable[[int, str], Verdict],
        progress: bool | ProgressCallback,
    ) -> tuple[list[Any], TextRunSummary]:
        def make_request(index: int, attempt: int) -> TextRequest:
            return TextRequest(
                system=system,
                prompt=prompt,
                max_tokens=max_tokens,
                temperature=self.temperature,
                seed=_request_seed(self.seed, index, attempt),
            )

        runner = RequestRunner(
            self._provider,
            {"provider": self.provider, "model": self.model},
            limiter=self._limiter,
            cache=ResponseCache(self.cache_dir),
            max_concurrency=self.max_concurrency,
            max_retries=self.max_retries,
            backoff_s=self.backoff_s,
            price=self._price,
            seed=self.seed,
        )
        logger.info(
            "Generating %d samples with %s model %r (%s).",
            n,
            self.provider,
            self.model,
            "no rate limit"
            if self.requests_per_second is None
            else f"{self.requests_per_second:g} requests/s",
        )
        with _ProgressBar(progress, n) as report:
            try:
                values, summary = runner.run(
                    n,
                    make_request,
                    judge,
                    max_attempts=self.max_attempts,
                    progress=report,
                )
            except TextProviderError as error:
                self.summary_ = runner.summary
                message = f"{error} {self._stopped_note(runner.summary)}"
                raise TextProviderError(
                    scrub_secret(message, self._secret.value),
                    retryable=error.retryable,
                    retry_after=error.retry_after,
                ) from None
        self.summary_ = summary
        logger.info("Run finished. %s", str(summary).replace("\n", " "))
        if summary.failures:
            warnings.warn(
                self._failure_warning(summary), stacklevel=caller_stacklevel()
            )
        return values, summary

    def _stopped_note(self, summary: TextRunSummary) -> str:
        """What a run stopped by an error had done, and how to go on."""
        kept = (
            "the answers received are cached, so the same call run again sends "
            "only the requests still missing"
            if self.cache_dir is not None
            else "nothing received is kept, because cache=False"
        )
        return (
            f"By then {summary.produced} of {summary.requested} samples were "
            f"produced ({summary.requests_sent} requests sent); {kept}. "
            "summary_ holds the run's summary."
        )

    def _failure_warning(self, summary: TextRunSummary) -> str:
        """Why samples were left out, and what to change: one part per cause."""
        n = summary.requested
        refused = [f for f in summary.failures if f.reason != UNANSWERED]
        unanswered = [f for f in summary.failures if f.reason == UNANSWERED]
        parts = []
        if refused:
            reasons = ", ".join(sorted({failure.reason for failure in refused}))
            parts.append(
                f"{len(refused)} of {n} samples failed after {self.max_attempts} "
                f"attempts (last reasons: {reasons}); loosen the constraints or "
                "raise max_attempts."
            )
        if unanswered:
            resend = (
                " (answers received are cached: only the missing requests are sent)"
                if self.cache_dir is not None
                else ""
            )
            parts.append(
                f"{len(unanswered)} of {n} samples got no answer from provider "
                f"{self.provider!r}; the last error: {unanswered[-1].detail} Run "
                f"the same call again later{resend}, or raise max_retries or "
                "backoff_s to wait longer for the server."
            )
        parts.append("They are left out; see summary_.failures.")
        return " ".join(parts)

    def _duplicate_index(self) -> NearDuplicateIndex | None:
        if self.duplicate_threshold is None:
            return None
        return NearDuplicateIndex(self.duplicate_threshold)

    def _build_provider(
        self,
        provider_class: type,
        api_key: str | None,
        timeout_s: float,
        options: Mapping[str, Any],
    ) -> TextProvider:
        try:
            return provider_class(
                self.model,
                api_key=api_key,
                base_url=self.base_url,
                timeout=timeout_s,
                options=options,
            )
        except TextProviderError as error:
            raise TextProviderError(
                scrub_secret(str(error), self._secret.value),
                retryable=error.retryable,
            ) from None


def _provider_class(name: str) -> type:
    return resolve_provider(name)


def _price_for(
    model: str, provider_class: type, prices: Mapping[str, tuple[float, float]] | None
) -> ModelPrice | None:
    table = dict(getattr(provider_class, "prices", {}))
    table.update({name: ModelPrice(*pair) for name, pair in (prices or {}).items()})
    return find_price(model, table)


def _request_seed(seed: int | None, index: int, attempt: int) -> int:
    digest = hashlib.sha256(f"{seed}:{index}:{attempt}".encode()).digest()
    return int.from_bytes(digest[:4], "little") >> 1


def _is_integer(value: Any) -> bool:
    # numpy integers count: counts often come from len() of an array or frame.
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _check_count(value: Any, name: str) -> int:
    if not _is_integer(value) or value < 1:
        raise InvalidConfigError(f"{name} is {value!r}; pass a positive integer.")
    return int(value)


def _check_prompt(prompt: Any) -> None:
    if not isinstance(prompt, str) or not prompt.strip():
        raise InvalidConfigError(
            f"prompt is {prompt!r}; describe what to write, for example "
            "'A customer review of a hotel'."
        )
    check_encodable("prompt", prompt)


_SETTING_RULES: dict[str, tuple[Callable[[Any], bool], str]] = {
    "requests_per_second": (
        lambda v: v is None or (_is_number(v) and v > 0),
        "None or a number > 0",
    ),
    "max_concurrency": (
        lambda v: v is None or (_is_integer(v) and v >= 1),
        "None or an integer >= 1",
    ),
    "max_attempts": (lambda v: _is_integer(v) and v >= 1, "an integer >= 1"),
    "max_retries": (lambda v: _is_integer(v) and v >= 0, "an integer >= 0"),
    "duplicate_threshold": (
        lambda v: v is None or (_is_number(v) and 0 < v <= 1),
        "None or a similarity in (0, 1]",
    ),
    "max_tokens": (
        lambda v: v is None or (_is_integer(v) and v >= 1),
        "None or an integer >= 1",
    ),
    # A timeout of 0 made every request time out (a run of retries, then no
    # sample); a negative one failed inside the HTTP client.
    "timeout_s": (lambda v: _is_number(v) and v > 0, "a number of seconds > 0"),
    # A text temperature was sent on the wire, to be refused by the API.
    "temperature": (lambda v: _is_number(v) and v >= 0, "a number >= 0"),
    "backoff_s": (lambda v: _is_number(v) and v >= 0, "a number of seconds >= 0"),
}


def _check_settings(**settings: Any) -> None:
    for name, value in settings.items():
        accepted, description = _SETTING_RULES[name]
        if not accepted(value):
            raise InvalidConfigError(
                f"LLMTextGenerator got {name}={value!r}; it must be {description}."
            )


class _ProgressBar:
    """Turns ``progress=`` into a callback (a tqdm bar for True)."""

    def __init__(self, progress: bool | ProgressCallback, total: int) -> None:
        self._progress = progress
        self._bar: tqdm | None = None
        self._total = total

    def __enter__(self) -> ProgressCallback | None:
        if callable(self._progress):
            return self._progress
        if not self._progress:
            return None
        self._bar = tqdm(total=self._total, desc="Generating text", disable=None)
        return self._update

    def _update(self, event: ProgressEvent) -> None:
        assert self._bar is not None
        self._bar.n = event.step
        self._bar.refresh()

    def __exit__(self, *exc_info: object) -> None:
        if self._bar is not None:
            self._bar.close()
