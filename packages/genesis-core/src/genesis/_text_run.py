"""Running many LLM requests: rate limit, retries, on-disk cache, summary.

Samples are produced in rounds. A round sends one request for each sample
still missing, concurrently and within the rate limit; the answers are then
judged in sample order (constraints, duplicates), so the outcome does not
depend on which request happened to finish first. Samples whose answer was
refused go to the next round with a new attempt number, which makes a new
request. Every answer received is written to the cache before it is judged,
so a run that stops for any reason resumes where it stopped.

Two budgets bound the requests, and they do not multiply. A request that
fails (a rate limit, a server error, a timeout, an unreadable answer) is
retried up to ``max_retries`` times; when every try failed, its sample fails
at once, because a new attempt would only repeat the same retries against
the same server. Attempts (``max_attempts``) are spent only on answers the
judge refused. A server that keeps failing stops the run: see
:data:`UNANSWERED_TO_STOP`.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import logging
import os
import random
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from genesis._text_provider import (
    Completion,
    ModelPrice,
    TextProvider,
    TextProviderError,
    TextRequest,
)
from genesis.protocols import ProgressCallback, ProgressEvent

__all__ = [
    "RateLimiter",
    "RequestRunner",
    "ResponseCache",
    "SampleFailure",
    "TextRunSummary",
    "Verdict",
    "default_cache_dir",
]

logger = logging.getLogger(__name__)

CACHE_FORMAT = 1
CACHE_ENV = "GENESIS_CACHE_DIR"
MAX_BACKOFF_S = 60.0
# The run stops with TextProviderError once this many samples in a row (in
# the order their last try ends) got no answer after all their retries, with
# no answer from the server in between; a run of fewer samples stops when all
# of them did. Each such sample has already waited through its whole backoff,
# so three of them mean the server has failed for that long on several
# connections: sending the rest of the run would only repeat the failures.
UNANSWERED_TO_STOP = 3
# The failure reason of a sample whose request got no answer.
UNANSWERED = "request"


def default_cache_dir() -> Path:
    """``$GENESIS_CACHE_DIR``, else ``genesis/text`` in the user's cache folder."""
    if configured := os.environ.get(CACHE_ENV):
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "genesis" / "text"


@dataclass(frozen=True)
class SampleFailure:
    """A sample that no attempt produced.

    Attributes:
        index: Position of the sample in the run (0-based).
        reason: The check that refused the last answer (``"length"``,
            ``"sentiment"``, ``"schema"``, ``"duplicate"``, ``"empty"``),
            ``"truncated"`` when the answer was cut off at the token cap,
            ``"declined"`` when the model or its content filter would not
            answer, or ``"request"`` when the provider never answered: every
            try of the request failed, and the detail gives the last error
            (the HTTP status and the server's message, a timeout).
        detail: What was wrong, in words.
        answer: The last answer refused, or None.
    """

    index: int
    reason: str
    detail: str
    answer: str | None


@dataclass
class TextRunSummary:
    """What one ``generate`` or ``generate_records`` call did and cost.

    Attributes:
        requested: Samples asked for.
        produced: Samples that passed every check.
        requests_sent: HTTP requests (or local model calls) made, retries
            included.
        cache_hits: Answers read from the cache instead of requested.
        retries: Requests repeated after a rate limit, a server error, a
            timeout or an unreadable answer.
        rejected: Answers refused, by reason; each refusal led to a new
            attempt or, at the last attempt, to a failure. Requests that got
            no answer are not counted here but in ``failures``.
        failures: The samples left out, in sample order, with the last reason.
        input_tokens: Prompt tokens of the requests sent in this run.
        output_tokens: Answer tokens of the requests sent in this run.
        estimated_cost_usd: Tokens times the model's list price, or None when
            the price of the model is unknown. An estimate: providers bill
            by their own count and current prices.
        wall_time_s: Seconds the call took.
    """

    requested: int
    produced: int = 0
    requests_sent: int = 0
    cache_hits: int = 0
    retries: int = 0
    rejected: Counter[str] = field(default_factory=Counter)
    failures: list[SampleFailure] = field(default_factory=list)
    input_tokens: int = 0
    output_tokens: int = 0
    estimated_cost_usd: float | None = None
    wall_time_s: float = 0.0

    def __str__(self) -> str:
        cost = (
            "unknown (no price for this model)"
            if self.estimated_cost_usd is None
            else f"${self.estimated_cost_usd:.4f} (estimate from list prices)"
        )
        rejected = ", ".join(f"{k}: {v}" for k, v in sorted(self.rejected.items()))
        unanswered = sum(f.reason == UNANSWERED for f in self.failures)
        failed = f"{len(self.failures)}" + (
            f" ({unanswered} got no answer from the provider)" if unanswered else ""
        )
        return "\n".join(
            [
                f"Produced {self.produced} of {self.requested} samples "
                f"in {self.wall_time_s:.1f} s.",
                f"Requests sent: {self.requests_sent} ({self.retries} retries); "
                f"answers from cache: {self.cache_hits}.",
                f"Answers refused: {rejected or 'none'}; samples failed: {failed}.",
                f"Tokens: {self.input_tokens} in, {self.output_tokens} out; "
                f"cost: {cost}.",
            ]
        )


class RateLimiter:
    """Spaces request starts evenly at no more than ``per_second``.

    Thread-safe. Each caller reserves the next free start time and sleeps
    until it, so a burst of callers leaves one per interval. ``hold`` moves
    the next start later for everyone, which is how a server's Retry-After
    pauses the whole run and not only the request that got it.
    """

    def __init__(
        self,
        per_second: float | None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.interval = 0.0 if per_second is None else 1.0 / per_second
        self._clock = clock
        self._sleep = sleep
        self._next = clock()
        self._lock = threading.Lock()

    def reserve(self) -> float:
        """Reserve the next free start; the seconds until it."""
        with self._lock:
            now = self._clock()
            start = max(now, self._next)
            self._next = start + self.interval
        return start - now

    def acquire(self) -> None:
        """Wait until this caller may start a request."""
        if (wait := self.reserve()) > 0:
            self._sleep(wait)

    def hold(self, seconds: float) -> None:
        """Start no request before ``seconds`` from now."""
        with self._lock:
            self._next = max(self._next, self._clock() + seconds)


class ResponseCache:
    """Answers on disk, one JSON file per request, keyed by its SHA-256.

    The key covers the provider, the model, the whole request and the
    sample's index and attempt, so the same call made again reads the same
    answers and a longer run reuses the answers of a shorter one. The API key
    is not part of the request and is never written. Files are written to a
    temporary name and renamed, so an interrupted write leaves no partial
    entry.
    """

    def __init__(self, directory: Path | None) -> None:
        self.directory = directory

    @staticmethod
    def key(description: dict[str, Any]) -> str:
        """The SHA-256 of a request's description, as hex."""
        canonical = json.dumps(description, sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()

    def _path(self, key: str) -> Path:
        assert self.directory is not None
        return self.directory / key[:2] / f"{key}.json"

    def get(self, key: str) -> Completion | None:
        """The cached answer for ``key``, or None."""
        if self.directory is None:
            return None
        path = self._path(key)
        try:
            entry = json.loads(path.read_text(encoding="utf-8"))
            return Completion(
                entry["text"],
                entry["input_tokens"],
                entry["output_tokens"],
                entry.get("stop", "end"),
            )
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError) as exc:
            logger.warning("Ignoring unreadable cache entry %s: %s", path, exc)
            return None

    def put(self, key: str, description: dict[str, Any], answer: Completion) -> None:
        """Store ``answer`` for ``key`` atomically."""
        if self.directory is None:
            return
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        entry = {
            "format": CACHE_FORMAT,
            "request": description,
            "text": answer.text,
            "input_tokens": answer.input_tokens,
            "output_tokens": answer.output_tokens,
            "stop": answer.stop,
        }
        handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as file:
                json.dump(entry, file, ensure_ascii=False)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise


@dataclass(frozen=True)
class Verdict:
    """How the judge took one answer: a value kept, or a reason to refuse."""

    value: Any = None
    reason: str | None = None
    detail: str = ""


class RequestRunner:
    """Sends requests to one provider under a rate limit, with retries and cache.

    Args:
        provider: The provider instance.
        identity: Provider name and model, part of every cache key.
        limiter: Shared rate limiter.
        cache: Where answers are kept.
        max_concurrency: Requests in flight at once.
        max_retries: Further tries of a request after a retryable error.
        backoff_s: First wait of the exponential backoff, when the server
            gives no Retry-After; doubled at each retry, with jitter.
        price: The model's price, or None when unknown.
        seed: Seeds the backoff jitter.

    Attributes:
        summary: The summary of the latest run, kept up to date while it
            runs, so that a run stopped by an error still tells what it did.
    """

    def __init__(
        self,
        provider: TextProvider,
        identity: dict[str, str],
        *,
        limiter: RateLimiter,
        cache: ResponseCache,
        max_concurrency: int,
        max_retries: int,
        backoff_s: float,
        price: ModelPrice | None,
        seed: int | None,
    ) -> None:
        self._provider = provider
        self._identity = identity
        self._limiter = limiter
        self._cache = cache
        self._max_concurrency = max_concurrency
        self._max_retries = max_retries
        self._backoff_s = backoff_s
        self._price = price
        self._jitter = random.Random(seed)
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._unanswered_in_a_row = 0
        self._unanswered_to_stop = UNANSWERED_TO_STOP
        self._samples = 0
        self.summary = TextRunSummary(requested=0)

    def run(
        self,
        n: int,
        make_request: Callable[[int, int], TextRequest],
        judge: Callable[[int, str], Verdict],
        *,
        max_attempts: int,
        progress: ProgressCallback | None,
    ) -> tuple[list[Any], TextRunSummary]:
        """Produce ``n`` judged values.

        Args:
            n: Samples wanted.
            make_request: The request for (sample index, attempt).
            judge: Called in sample order with each answer; keeps it or
                refuses it with a reason.
            max_attempts: Answers tried per sample before it fails.
            progress: Called after each sample is settled.

        Returns:
            One value per sample (None for a failed one) and the summary.

        Raises:
            TextProviderError: A request failed in a way no retry can fix,
                or the server kept failing (see :data:`UNANSWERED_TO_STOP`).
                :attr:`summary` then tells what the run did before it stopped.
        """
        summary = self.summary = TextRunSummary(requested=n)
        self._samples = n
        self._unanswered_to_stop = min(UNANSWERED_TO_STOP, n)
        started = time.perf_counter()
        values: list[Any] = [None] * n
        failed: dict[int, SampleFailure] = {}
        pending = list(range(n))
        settled = 0

        def settle(
            index: int,
            answer: Completion | SampleFailure,
            *,
            final: bool,
            refused: list[int],
        ) -> None:
            nonlocal settled
            if isinstance(answer, SampleFailure):
                # The request's own retries are spent: no further attempt.
                failed[index] = answer
            else:
                verdict = _unfinished(answer) or judge(index, answer.text)
                if verdict.reason is None:
                    values[index] = verdict.value
                    summary.produced += 1
                else:
                    summary.rejected[verdict.reason] += 1
                    if not final:
                        refused.append(index)
                        return
                    failed[index] = SampleFailure(
                        index, verdict.reason, verdict.detail, answer.text
                    )
            settled += 1
            if progress is not None:
                progress(ProgressEvent("generate", settled, n))

        try:
            with ThreadPoolExecutor(
                self._max_concurrency, thread_name_prefix="genesis-text"
            ) as executor:
                for attempt in range(max_attempts):
                    if not pending:
                        break
                    refused: list[int] = []
                    requests = {i: make_request(i, attempt) for i in pending}
                    on_answer = functools.partial(
                        settle, final=attempt == max_attempts - 1, refused=refused
                    )
                    self._round(executor, requests, attempt, summary, on_answer)
                    logger.debug(
                        "Attempt %d: %d samples asked, %d refused.",
                        attempt + 1,
                        len(pending),
                        len(refused),
                    )
                    pending = refused
        finally:
            summary.failures = [failed[index] for index in sorted(failed)]
            if self._price is not None:
                summary.estimated_cost_usd = self._price.cost(
                    summary.input_tokens, summary.output_tokens
                )
            summary.wall_time_s = time.perf_counter() - started
        return values, summary

    def _round(
        self,
        executor: ThreadPoolExecutor,
        requests: dict[int, TextRequest],
        attempt: int,
        summary: TextRunSummary,
        settle: Callable[[int, Completion | SampleFailure], None],
    ) -> None:
        """Send ``requests`` concurrently and settle the answers in index order."""
        order = list(requests)
        futures: dict[Future[Completion | SampleFailure], int] = {}
        try:
            for index, request in requests.items():
                future = executor.submit(self._fetch, index, attempt, request, summary)
                futures[future] = index
            ready: dict[int, Completion | SampleFailure] = {}
            position = 0
            for future in as_completed(futures):
                ready[futures[future]] = future.result()
                while position < len(order) and order[position] in ready:
                    settle(order[position], ready.pop(order[position]))
                    position += 1
        except BaseException:
            # Ctrl-C or an error: wake the requests that wait for a retry or
            # a rate-limit slot, so that they end without sending anything.
            self._stopping.set()
            raise
        finally:
            # On an error or an interrupt, drop the requests not yet started;
            # those in flight finish and reach the cache.
            for future in futures:
                future.cancel()

    def _fetch(
        self,
        index: int,
        attempt: int,
        request: TextRequest,
        summary: TextRunSummary,
    ) -> Completion | SampleFailure:
        description = {
            "format": CACHE_FORMAT,
            **self._identity,
            "request": request.as_dict(),
            "sample": index,
            "attempt": attempt,
        }
        key = self._cache.key(description)
        if (cached := self._cache.get(key)) is not None:
            with self._lock:
                summary.cache_hits += 1
            return cached
        for retry in range(self._max_retries + 1):
            if self._stopping.wait(self._limiter.reserve()):
                raise _RunStopped
            try:
                answer = _tidy(self._provider.complete(request))
            except TextProviderError as error:
                with self._lock:
                    summary.requests_sent += 1
                if not error.retryable:
                    # The run ends with this error; start no other request.
                    self._stopping.set()
                    raise
                if retry == self._max_retries:
                    return self._give_up(index, error)
                self._wait_before_retry(error, retry, summary)
                continue
            with self._lock:
                summary.requests_sent += 1
                summary.input_tokens += answer.input_tokens
                summary.output_tokens += answer.output_tokens
                self._unanswered_in_a_row = 0
            self._cache.put(key, description, answer)
            return answer
        raise AssertionError("unreachable: the retry loop always returns or raises")

    def _give_up(self, index: int, error: TextProviderError) -> SampleFailure:
        """The failure of a sample whose every try failed; or stop the run.

        Raises:
            TextProviderError: This sample completes a row of
                ``UNANSWERED_TO_STOP`` samples without an answer.
        """
        tries = self._max_retries + 1
        with self._lock:
            self._unanswered_in_a_row += 1
            in_a_row = self._unanswered_in_a_row
        each = " each" if in_a_row > 1 else ""
        spent = f"after {tries} requests{each} (max_retries={self._max_retries})"
        if in_a_row < self._unanswered_to_stop:
            return SampleFailure(index, UNANSWERED, f"{error} Gave up {spent}.", None)
        self._stopping.set()
        if in_a_row == self._samples == 1:
            who = "The only sample of the run"
        elif in_a_row == self._samples:
            who = f"All {in_a_row} samples of the run"
        else:
            who = f"{in_a_row} samples in a row"
        raise TextProviderError(
            f"{error} {who} got no answer {spent}, so the run stopped rather "
            "than keep sending requests to a failing server.",
            retryable=True,
            retry_after=error.retry_after,
        )

    def _wait_before_retry(
        self, error: TextProviderError, retry: int, summary: TextRunSummary
    ) -> None:
        if error.retry_after is not None:
            delay = min(error.retry_after, MAX_BACKOFF_S)
            self._limiter.hold(delay)
        else:
            with self._lock:
                jitter = 0.5 + 0.5 * self._jitter.random()
            delay = min(self._backoff_s * 2**retry, MAX_BACKOFF_S) * jitter
        with self._lock:
            summary.retries += 1
        logger.debug("Retrying in %.2f s after: %s", delay, error)
        self._stopping.wait(delay)


class _RunStopped(Exception):
    """Ends a request that was waiting when its run stopped."""


def _tidy(answer: Completion) -> Completion:
    """``answer`` with token counts a server left out as 0, and encodable text.

    A lone UTF-16 surrogate (half an emoji, escaped in the server's JSON)
    cannot be written as UTF-8; it becomes U+FFFD, the replacement character
    a UTF-8 decoder puts for a broken byte sequence.
    """
    text = answer.text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return dataclasses.replace(
        answer,
        text=text,
        input_tokens=answer.input_tokens or 0,
        output_tokens=answer.output_tokens or 0,
    )


def _unfinished(answer: Completion) -> Verdict | None:
    """The refusal of an answer that did not end on its own, or None."""
    if answer.stop == "max_tokens":
        return Verdict(
            reason="truncated",
            detail=f"the answer was cut off after {answer.output_tokens} tokens, "
            "at the token cap or the end of the model's context; raise "
            "max_tokens, ask for less, or use a model with a longer context",
        )
    if answer.stop == "refused":
        return Verdict(
            reason="declined",
            detail="the model or its content filter declined to answer",
        )
    return None
