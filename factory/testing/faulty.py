"""A fault-injecting OpenAI-compatible chat server on 127.0.0.1, for reliability tests.

It answers GET /v1/models and POST /v1/chat/completions like the loopback teacher
(factory.testing.loopback: a deterministic {"variations": [...]} reply), except that each
chat request may get a fault instead, drawn at the configured rates:

    rate_limit      429 with `Retry-After: <retry_after>` (seconds)
    error_500       500  (error_502, error_503 likewise)
    timeout         no reply: the connection is held until the client gives up (or `hold`
                    seconds pass), then closed
    reset           the connection is closed without a reply (TCP RST)
    truncated       200 with a JSON body cut in half
    empty_choices   200 with a well-formed completion whose "choices" is []
    wrong_shape     200 with {"result": "..."}: JSON, but not a chat completion
    prose           200 with a good completion whose text is an apology, not the JSON asked
                    for: the call succeeds (and is cached), the reply is unusable

The draw is deterministic per (seed, prompt, attempt), so a rerun of the same requests sees
the same faults. The attempt is the client's own retry count (the OpenAI SDK's
`x-stainless-retry-count` header) plus one; without the header, the server's count of that
prompt's requests so far. Every request is logged (`log`: arrival time, prompt hash, attempt,
fault, when the reply ended), and the server keeps the peak number of requests in flight (a
held connection stops counting once its client hangs up), the most request starts seen in
any window of a second (`max_starts_in_window`) and the `Authorization` headers it was sent
(`authorization`: which key the client used; kept in memory only, never written).

    with FaultyTeacher({"rate_limit": 0.1, "error_500": 0.05}, seed=1) as server:
        server.base_url   # http://127.0.0.1:PORT/v1
"""

from __future__ import annotations

import hashlib
import json
import random
import select
import socket
import struct
import threading
import time
from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler

from factory.testing.loopback import MODEL, ServedInThread, _reply, _Server

FAULTS = (
    "rate_limit",
    "error_500",
    "error_502",
    "error_503",
    "timeout",
    "reset",
    "truncated",
    "empty_choices",
    "wrong_shape",
    "prose",
)
RETRIED = (
    "rate_limit",
    "error_500",
    "error_502",
    "error_503",
    "timeout",
    "reset",
)  # the SDK retries these
ANSWERED = (None, "prose")  # a completion with content: the call succeeded, whatever the text says
PROSE = "I am sorry, but I cannot help with that request."
RETRY_HEADER = (
    "x-stainless-retry-count"  # the OpenAI SDK numbers its retries of one call: 0, 1, 2, ...
)


def prompt_hash(messages) -> str:
    return hashlib.sha256(
        json.dumps(messages, sort_keys=True, ensure_ascii=False).encode()
    ).hexdigest()[:16]


@dataclass
class Request:
    """One chat request as the server saw it."""

    arrived: float  # time.monotonic()
    prompt: str  # prompt_hash(messages)
    attempt: int  # 1 for a call's first request, 2 for its first retry, ...
    fault: str | None  # one of FAULTS, or None for a good reply
    request_text: str = ""  # the "Request: ..." line of the prompt (which seed asked)
    ended: float | None = field(default=None)  # when the reply was sent or the connection closed


def by_prompt(log: list[Request]) -> dict[str, list[Request]]:
    """Each prompt's requests in arrival order (of a log or a copy of one)."""
    out: dict[str, list[Request]] = {}
    for request in sorted(log, key=lambda r: r.arrived):
        out.setdefault(request.prompt, []).append(request)
    return out


class FaultyTeacher(ServedInThread):
    def __init__(
        self,
        rates: dict[str, float] | None = None,
        *,
        seed: int = 0,
        retry_after: float = 1.0,
        hold: float = 30.0,
        latency: float = 0.0,
        port: int = 0,
        reply=None,
    ):
        rates = dict(rates or {})
        if unknown := set(rates) - set(FAULTS):
            raise ValueError(f"unknown faults {sorted(unknown)}; known: {', '.join(FAULTS)}")
        if sum(rates.values()) > 1:
            raise ValueError(f"fault rates add up to {sum(rates.values())}, more than 1")
        self.rates, self.seed, self.retry_after = rates, seed, retry_after
        self.hold, self.latency, self.reply = hold, latency, reply or _reply
        self.log: list[Request] = []
        self.authorization: set[str] = set()
        self.in_flight = 0
        self.peak_in_flight = 0
        self._seen: Counter = Counter()
        self._lock = threading.Lock()
        self._server = _Server(("127.0.0.1", port), self._handler())
        self.base_url = f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    # what the tests read

    def fault_for(self, prompt: str, attempt: int) -> str | None:
        """The fault (or None) for this prompt's attempt: the same on every run with the same seed."""
        draw = random.Random(f"{self.seed}:{prompt}:{attempt}").random()
        total = 0.0
        for name in FAULTS:
            total += self.rates.get(name, 0.0)
            if draw < total:
                return name
        return None

    def faults(self) -> Counter:
        """Faults injected, by kind."""
        return Counter(r.fault for r in self.log if r.fault)

    def by_prompt(self) -> dict[str, list[Request]]:
        """Each prompt's requests in arrival order."""
        return by_prompt(self.log)

    def answered(self) -> set[str]:
        """Prompts that got a completion with content (a good reply or prose) at least once."""
        return {r.prompt for r in self.log if r.fault in ANSWERED}

    def max_starts_in_window(self, window: float = 1.0) -> int:
        """The most requests that arrived within any `window` seconds (a sliding window)."""
        times = sorted(r.arrived for r in self.log)
        return max(
            (bisect_right(times, start + window - 1e-9) - i for i, start in enumerate(times)),
            default=0,
        )

    # the server

    def _handler(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def log_message(self, *args) -> None:
                pass

            def _send(self, status: int, body: bytes, headers: dict | None = None) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                if self.path.rstrip("/") == "/v1/models":
                    self._send(
                        200,
                        json.dumps(
                            {"object": "list", "data": [{"id": MODEL, "object": "model"}]}
                        ).encode(),
                    )
                else:
                    self._send(404, b'{"error": {"message": "not found"}}')

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if self.path.rstrip("/") != "/v1/chat/completions":
                    return self._send(404, b'{"error": {"message": "not found"}}')
                body = json.loads(raw or b"{}")
                messages = body.get("messages", [])
                request = server._arrive(
                    messages, self.headers.get(RETRY_HEADER), self.headers.get("Authorization")
                )
                try:
                    self._answer(request, body, messages)
                finally:
                    server._leave(request)

            def _answer(self, request: Request, body: dict, messages: list) -> None:
                fault = request.fault
                if fault == "timeout":
                    self._hold()
                    return self._drop()
                time.sleep(
                    server.latency
                )  # errors take time too: a request stays in flight as long
                if fault == "rate_limit":
                    return self._send(
                        429,
                        b'{"error": {"message": "rate limited", "type": "rate_limit"}}',
                        {"Retry-After": f"{server.retry_after:g}"},
                    )
                if fault in ("error_500", "error_502", "error_503"):
                    return self._send(
                        int(fault[-3:]), b'{"error": {"message": "injected server error"}}'
                    )
                if fault == "reset":
                    return self._drop()
                completion = {
                    "id": f"cmpl-{len(server.log)}",
                    "object": "chat.completion",
                    "created": int(time.time()),
                    "model": body.get("model", MODEL),
                    "choices": [
                        {
                            "index": 0,
                            "finish_reason": "stop",
                            "message": {
                                "role": "assistant",
                                "content": PROSE if fault == "prose" else server.reply(messages),
                            },
                        }
                    ],
                    "usage": {"prompt_tokens": 50, "completion_tokens": 30, "total_tokens": 80},
                }
                if fault == "empty_choices":
                    completion["choices"] = []
                if fault == "wrong_shape":
                    completion = {"result": server.reply(messages)}
                data = json.dumps(completion).encode()
                self._send(200, data[: len(data) // 2] if fault == "truncated" else data)

            def _hold(self) -> None:
                """Say nothing until the client hangs up (it timed out) or `hold` seconds pass."""
                deadline = time.monotonic() + server.hold
                while time.monotonic() < deadline:
                    readable, _, _ = select.select([self.connection], [], [], 0.01)
                    if readable:
                        try:
                            if not self.connection.recv(1, socket.MSG_PEEK):
                                return  # closed by the client
                        except OSError:
                            return

            def _drop(self) -> None:
                """Close the connection with a TCP reset, no reply."""
                self.close_connection = True
                try:
                    self.connection.setsockopt(
                        socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
                    )
                except OSError:
                    pass

        return Handler

    def _arrive(
        self, messages: list, retry_count: str | None, authorization: str | None = None
    ) -> Request:
        prompt = prompt_hash(messages)
        user = next(
            (m.get("content", "") for m in reversed(messages) if m.get("role") == "user"), ""
        )
        line = next(
            (
                line[len("Request: ") :].strip()
                for line in str(user).splitlines()
                if line.startswith("Request: ")
            ),
            "",
        )
        with self._lock:
            self._seen[prompt] += 1
            attempt = (
                int(retry_count) + 1
                if retry_count and retry_count.isdigit()
                else self._seen[prompt]
            )
            request = Request(
                time.monotonic(), prompt, attempt, self.fault_for(prompt, attempt), line
            )
            self.log.append(request)
            if authorization:
                self.authorization.add(authorization)
            self.in_flight += 1
            self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
        return request

    def _leave(self, request: Request) -> None:
        with self._lock:
            self.in_flight -= 1
            request.ended = time.monotonic()
