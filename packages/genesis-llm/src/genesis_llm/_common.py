"""What the providers share: importing an SDK, reading HTTP errors and stops."""

from __future__ import annotations

import importlib
import json
import time
from collections.abc import Mapping
from email.utils import parsedate_to_datetime
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from genesis.errors import BackendNotAvailableError
from genesis.plugins import TextProviderError, install_line, scrub_secret

if TYPE_CHECKING:
    from genesis.plugins import StopReason

__all__ = [
    "FINISH_REASONS",
    "error_codes",
    "import_sdk",
    "parse_retry_after",
    "server_message",
    "status_error",
    "transport_error",
    "unreadable_answer",
]

# Statuses another try can fix: timeout, conflict, rate limit, server errors.
RETRYABLE_STATUSES = frozenset({408, 409, 429})
# Error codes sent with a 429 that no wait can fix: the account has no
# credit left (OpenAI's "insufficient_quota").
QUOTA_CODES = frozenset({"insufficient_quota"})
MESSAGE_LIMIT = 300
# Characters of an unreadable answer quoted in the error.
QUOTE_LIMIT = 80
# How an OpenAI-style ``finish_reason`` (OpenAI, Text Generation Inference,
# vLLM) maps to a Completion's stop; any other reason is a natural end.
FINISH_REASONS: dict[str, StopReason] = {
    "length": "max_tokens",
    "content_filter": "refused",
}


def import_sdk(module: str, provider: str) -> Any:
    """Import a provider's SDK, or say which extra to install."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise BackendNotAvailableError(
            f"The {provider!r} text provider needs the package {module!r}, which is "
            f"not installed. Run: {install_line(provider)}"
        ) from exc


def parse_retry_after(headers: Mapping[str, str] | None) -> float | None:
    """Seconds from ``retry-after-ms`` or ``Retry-After`` (seconds or a date)."""
    if not headers:
        return None
    if (milliseconds := headers.get("retry-after-ms")) is not None:
        try:
            return max(float(milliseconds) / 1000, 0.0)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        return max(parsedate_to_datetime(value).timestamp() - time.time(), 0.0)
    except (TypeError, ValueError):
        return None


def error_codes(body: object) -> set[str]:
    """The ``code`` and ``type`` strings of an error body and its ``error``."""
    if not isinstance(body, Mapping):
        return set()
    inner = body.get("error")
    sources = [body, inner] if isinstance(inner, Mapping) else [body]
    return {
        value
        for source in sources
        for key in ("code", "type")
        if isinstance(value := source.get(key), str)
    }


def server_message(body: object) -> str:
    """What the server said in an error body, on one line; "" when nothing.

    ``body`` is the decoded JSON body, or the raw text of one that is not
    JSON (an HTML page from a proxy). A JSON body gives its error message:
    ``{"error": {"message": ...}}`` (OpenAI, Anthropic), ``{"error": "..."}``
    (Text Generation Inference), ``{"message": ...}`` or ``{"detail": ...}``.
    """
    if isinstance(body, Mapping):
        inner = body.get("error")
        candidates = [
            inner.get("message") if isinstance(inner, Mapping) else inner,
            body.get("message"),
            body.get("detail"),
        ]
        said = next((c for c in candidates if isinstance(c, str) and c), None)
        text = said if said is not None else json.dumps(body, default=str)
    elif isinstance(body, str):
        text = body
    elif body is None:
        text = ""
    else:
        text = json.dumps(body, default=str)
    return " ".join(text.split())


def status_error(
    provider: str,
    status: int,
    headers: Mapping[str, str] | None,
    message: str,
    secret: str | None,
    body: object = None,
) -> TextProviderError:
    """A TextProviderError for an HTTP error status, with the key masked.

    ``body`` is the decoded error body, or its raw text ("" for none); what
    the server says in it is quoted in place of the SDK's ``message``, which
    repeats the status and the URL. Only a body never read (None) falls back
    to ``message``. Its code also tells a used-up
    quota, which no retry can fix, from a rate limit. A retryable error
    gives no advice: whoever retries it says how it ended.
    """
    out_of_quota = status == 429 and bool(error_codes(body) & QUOTA_CODES)
    retryable = (status in RETRYABLE_STATUSES or status >= 500) and not out_of_quota
    said = server_message(body) if body is not None else message
    said = scrub_secret(said, secret)[:MESSAGE_LIMIT]
    try:
        phrase = f" ({HTTPStatus(status).phrase})"
    except ValueError:
        phrase = ""
    answer = f"HTTP {status}{phrase}: {said}" if said else f"HTTP {status}{phrase}"
    if out_of_quota:
        advice = (
            " (the account's quota or credit is used up; add credit or raise "
            "the limit, then run again)"
        )
    elif status == 429:
        advice = " (a rate limit: lower requests_per_second or max_concurrency)"
    elif retryable:
        advice = ""
    else:
        advice = " (check the model name, the key and the request)"
    return TextProviderError(
        f"Provider {provider!r} answered {answer}{advice}.",
        retryable=retryable,
        retry_after=parse_retry_after(headers) if retryable else None,
    )


def transport_error(
    provider: str, error: BaseException, secret: str | None
) -> TextProviderError:
    """A retryable TextProviderError for a timeout or a lost connection."""
    detail = scrub_secret(str(error), secret)[:MESSAGE_LIMIT]
    return TextProviderError(
        f"Provider {provider!r} could not be reached or did not answer in time "
        f"({type(error).__name__}: {detail}).",
        retryable=True,
    )


def unreadable_answer(
    provider: str, error: BaseException, secret: str | None
) -> TextProviderError:
    """A retryable TextProviderError for an answer that could not be read.

    A body that is not JSON is quoted (its start), so that a proxy's error
    page or a server's plain-text answer shows what it was.
    """
    detail = scrub_secret(str(error), secret)[:MESSAGE_LIMIT]
    document = getattr(error, "doc", None)
    if isinstance(document, str):
        quoted = scrub_secret(document, secret)[:QUOTE_LIMIT]
        start = f" that is not JSON: {quoted!r}"
    else:
        start = " that could not be read"
    return TextProviderError(
        f"Provider {provider!r} sent an answer{start} "
        f"({type(error).__name__}: {detail}).",
        retryable=True,
    )
