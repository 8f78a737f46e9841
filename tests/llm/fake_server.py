"""A fake LLM server on 127.0.0.1 that speaks three chat APIs.

It answers OpenAI chat completions (``POST .../chat/completions``, also what
huggingface_hub's InferenceClient sends to an endpoint) and Anthropic
messages (``POST /v1/messages``) with text from a ``reply`` function, and can
be told to misbehave for the next requests: an HTTP error status with
headers, a delay longer than the client's timeout, or a body that is not
JSON. It counts every request it receives. The tests and the benchmark point
the real SDKs at it through ``base_url``.
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

# Words for the default replies: random draws from 120 words give texts whose
# word trigrams practically never repeat, so no two replies are near-duplicates.
WORDS = (
    "river stone window garden morning bicycle harbour lantern orchard pepper "
    "violin meadow copper ribbon saddle thunder marble pillow candle velvet "
    "anchor basket cellar dragon engine falcon glacier hammer island jacket "
    "kettle ladder magnet needle oyster parrot quarry rocket silver tunnel "
    "umbrella valley walnut yogurt zipper bridge cactus dolphin feather goblet "
    "helmet igloo jungle kitten lemon mirror napkin olive puzzle quilt rabbit "
    "sandal tomato unicorn vessel wagon yacht almond blossom chimney desert "
    "forest granite horizon ivory jasmine kayak lagoon meteor nectar onion "
    "pebble quartz rainbow saffron timber urchin vapour willow xylophone yarrow "
    "zenith acorn beacon canyon dune ember fjord grove hollow inlet juniper "
    "knoll ledge marsh nook oasis prairie ridge summit thicket upland vista "
    "wharf cove bluff delta"
).split()


def random_words(seed: int, count: int = 20) -> str:
    """``count`` words drawn with ``seed``, as one sentence."""
    rng = random.Random(seed)
    return " ".join(rng.choice(WORDS) for _ in range(count)).capitalize() + "."


def default_reply(body: dict[str, Any], number: int) -> str:
    """Twenty random words, seeded by the request's seed or its number."""
    seed = body.get("seed")
    return random_words(number if seed is None else seed)


@dataclass
class Misbehave:
    """What the server does instead of answering normally, once.

    Attributes:
        status: HTTP status to send (with ``headers`` and ``body``), or None.
        delay_s: Seconds to wait before answering normally (a timeout).
        malformed: Send status 200 with a body that is not JSON.
        edit: Changes the normal answer (a JSON object) before it is sent:
            an empty ``choices``, a ``finish_reason``, null usage.
        cut_after: Send this many bytes of the normal answer, with the
            full Content-Length, and close the connection.
    """

    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: str = '{"error": {"message": "fake failure", "type": "server_error"}}'
    delay_s: float = 0.0
    malformed: bool = False
    edit: Callable[[dict[str, Any]], None] | None = None
    cut_after: int | None = None


@dataclass
class Received:
    """One request as the server saw it."""

    path: str
    body: dict[str, Any]
    authorization: str | None
    x_api_key: str | None


class FakeLLMServer:
    """Threaded HTTP server on 127.0.0.1 with a random free port.

    Args:
        reply: Text for a request, from its JSON body and its number
            (0-based, counting every request received).
        latency_s: Seconds every answer takes.
    """

    def __init__(
        self,
        reply: Callable[[dict[str, Any], int], str] = default_reply,
        latency_s: float = 0.0,
    ) -> None:
        self.reply = reply
        self.latency_s = latency_s
        self.plan: deque[Misbehave] = deque()
        self.received: list[Received] = []
        self.max_in_flight = 0
        self._in_flight = 0
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def count(self) -> int:
        with self._lock:
            return len(self.received)

    def __enter__(self) -> FakeLLMServer:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                return

            def do_POST(self) -> None:
                server._serve(self)

        return Handler

    def _serve(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length", 0))
        body = json.loads(handler.rfile.read(length) or b"{}")
        with self._lock:
            number = len(self.received)
            self.received.append(
                Received(
                    handler.path,
                    body,
                    handler.headers.get("Authorization"),
                    handler.headers.get("x-api-key"),
                )
            )
            action = self.plan.popleft() if self.plan else Misbehave()
            self._in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self._in_flight)
        try:
            time.sleep(self.latency_s + action.delay_s)
            if action.status is not None:
                self._send(handler, action.status, action.body, action.headers)
            elif action.malformed:
                self._send(handler, 200, '{"choices": [ {"message": ', {})
            else:
                text = self.reply(body, number)
                answer = self._answer(handler.path, body, text)
                if action.edit is not None:
                    action.edit(answer)
                self._send(handler, 200, json.dumps(answer), {}, action.cut_after)
        finally:
            with self._lock:
                self._in_flight -= 1

    @staticmethod
    def _answer(path: str, body: dict[str, Any], text: str) -> dict[str, Any]:
        prompt_words = sum(
            len(str(m.get("content", "")).split()) for m in body.get("messages", [])
        ) + len(str(body.get("system", "")).split())
        answer_words = len(text.split())
        if path.endswith("/v1/messages"):
            return {
                "id": "msg_fake",
                "type": "message",
                "role": "assistant",
                "model": body.get("model", "fake"),
                "content": [{"type": "text", "text": text}],
                "stop_reason": "end_turn",
                "stop_sequence": None,
                "usage": {"input_tokens": prompt_words, "output_tokens": answer_words},
            }
        return {
            "id": "chatcmpl-fake",
            "object": "chat.completion",
            "created": 0,
            "model": body.get("model", "fake"),
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": text},
                    "finish_reason": "stop",
                }
            ],
            "usage": {
                "prompt_tokens": prompt_words,
                "completion_tokens": answer_words,
                "total_tokens": prompt_words + answer_words,
            },
        }

    @staticmethod
    def _send(
        handler: BaseHTTPRequestHandler,
        status: int,
        payload: str,
        headers: dict[str, str],
        cut_after: int | None = None,
    ) -> None:
        data = payload.encode("utf-8")
        try:
            handler.send_response(status)
            handler.send_header("Content-Type", "application/json")
            handler.send_header("Content-Length", str(len(data)))
            for name, value in headers.items():
                handler.send_header(name, value)
            handler.end_headers()
            handler.wfile.write(data[:cut_after])
            if cut_after is not None:
                handler.wfile.flush()
                handler.close_connection = True
        except (BrokenPipeError, ConnectionResetError):
            # The client gave up (a timeout test); nothing left to tell it.
            pass
