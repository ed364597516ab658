"""A loopback OpenAI-compatible chat server with fixed latency, for benchmarks and fast tests.

It answers GET /v1/models and POST /v1/chat/completions on 127.0.0.1 after sleeping
`latency` seconds, counts requests and records the peak number in flight. Its reply is
deterministic: {"variations": [...]} built from the request line of the last user message
("Request: ..."), so a build through it yields valid records; a prompt that asks for
{"pairs": ...} (the invent stage) gets the example it shows ("Request: ..." and "Answer: <json>")
back as new pairs, reworded the same way; a conversation with an example answer in it (the
roundtrip stage's one-shot question) gets that answer back, unless its last request ends with
`[loopback answers: TEXT]`, which it answers with TEXT (how a test makes a rewrite ask something
else, or the answer unusable); `reply=` (messages -> text)
answers otherwise, e.g. with pairs or code for recipes in other teacher modes, or with a whole
message (a dict, e.g. native `tool_calls`). With `stream: true` it answers in server-sent
events, a chunk a word. It is not a model and not a fault injector; use it where the
teacher's quality does not matter.

    with LoopbackTeacher(latency=0.2) as server:
        server.base_url   # http://127.0.0.1:PORT/v1

or in its own process (so that it does not share the client's interpreter lock), with
GET /stats for the counts: `python -m factory.testing.loopback --port P --latency 0.2`, or
`with loopback_process(0.2) as base_url:` from Python.
"""

from __future__ import annotations

import json
import re
import threading
import time
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Iterator

MODEL = "loopback"
_PHRASES = [
    "Quick question about my knowledge base: {t}",
    "{t}. I need it for a report I am writing this afternoon",
    "My manager asked me this morning, so: {t}",
    "Hey assistant, {t}, thanks a lot",
    "Please {t}",
]
_NEW = [
    "Could you {t} for me",
    "{t}, if that is possible",
    "I was wondering: {t}",
    "Right now I want to {t}",
]


_ANSWERS = re.compile(r"\[loopback answers: (.*)\]\s*$", re.S)


def _reply(messages: list[dict], n: int = 3) -> str:
    user = next((m["content"] for m in reversed(messages) if m.get("role") == "user"), "")
    example = next((m["content"] for m in messages if m.get("role") == "assistant"), None)
    if example is not None:  # a one-shot question: answer as the example did, or as told
        told = _ANSWERS.search(user)
        return told.group(1) if told else example
    found = re.search(r"^Request: (.+)$", user, re.M)
    text = found.group(1).strip() if found else user.strip()
    text = text[0].lower() + text[1:] if text else text
    answer = re.search(r"^Answer: (\{.+\})$", user, re.M)
    if '{"pairs"' in user and answer:
        output = json.loads(answer.group(1))
        return json.dumps(
            {
                "pairs": [
                    {"input": _NEW[i % len(_NEW)].format(t=text), "output": output}
                    for i in range(n)
                ]
            }
        )
    return json.dumps(
        {"variations": [_PHRASES[i % len(_PHRASES)].format(t=text) for i in range(n)]}
    )


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256  # the listen backlog: the default 5 drops bursts of new connections


class ServedInThread:
    """Serves `self._server` from a daemon thread inside a `with` block (the loopback and faulty teachers)."""

    def __enter__(self):
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()


class LoopbackTeacher(ServedInThread):
    def __init__(self, latency: float = 0.0, port: int = 0, reply=None):
        self.latency = latency
        self.reply = reply or _reply
        self.requests = 0
        self.prompts: list[str] = []
        self.in_flight = 0
        self.peak_in_flight = 0
        self._lock = threading.Lock()
        self._server = _Server(("127.0.0.1", port), self._handler())
        self.base_url = f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def _handler(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body go out in two writes

            def log_message(self, *args) -> None:
                pass

            def _send(self, status: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                if self.path.rstrip("/") == "/stats":
                    self._send(
                        200, {"requests": server.requests, "peak_in_flight": server.peak_in_flight}
                    )
                elif self.path.rstrip("/") == "/v1/models":
                    self._send(200, {"object": "list", "data": [{"id": MODEL, "object": "model"}]})
                else:
                    self._send(404, {"error": {"message": "not found"}})

            def do_POST(self) -> None:
                body = json.loads(
                    self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}"
                )
                if self.path.rstrip("/") != "/v1/chat/completions":
                    return self._send(404, {"error": {"message": "not found"}})
                with server._lock:
                    server.requests += 1
                    server.prompts.append(json.dumps(body.get("messages"), sort_keys=True))
                    server.in_flight += 1
                    server.peak_in_flight = max(server.peak_in_flight, server.in_flight)
                try:
                    time.sleep(server.latency)
                    content = server.reply(body.get("messages", []))
                finally:
                    with server._lock:
                        server.in_flight -= 1
                # a reply is the text, or a whole message (e.g. with native `tool_calls`)
                message = (
                    content
                    if isinstance(content, dict)
                    else {"role": "assistant", "content": content}
                )
                finish = "tool_calls" if message.get("tool_calls") else "stop"
                head = {
                    "id": f"cmpl-{server.requests}",
                    "created": int(time.time()),
                    "model": body.get("model", MODEL),
                }
                usage = {"prompt_tokens": 50, "completion_tokens": 30, "total_tokens": 80}
                if body.get("stream") is True:
                    return self._stream(head, message, finish, usage)
                self._send(
                    200,
                    {
                        **head,
                        "object": "chat.completion",
                        "usage": usage,
                        "choices": [{"index": 0, "finish_reason": finish, "message": message}],
                    },
                )

            def _stream(self, head: dict, message: dict, finish: str, usage: dict) -> None:
                """`stream: true`: the reply as server-sent events, a chunk per word, then the finish and [DONE]."""
                calls = [
                    {"index": i, **call} for i, call in enumerate(message.get("tool_calls") or [])
                ]
                words = re.findall(r"\S+\s*", message.get("content") or "")
                deltas = [
                    {"role": "assistant", "content": ""},
                    *({"content": word} for word in words),
                    *([{"tool_calls": calls}] if calls else []),
                ]
                chunks = [
                    {
                        **head,
                        "object": "chat.completion.chunk",
                        "choices": [{"index": 0, "delta": delta, "finish_reason": None}],
                    }
                    for delta in deltas
                ]
                chunks.append(
                    {
                        **head,
                        "object": "chat.completion.chunk",
                        "usage": usage,
                        "choices": [{"index": 0, "delta": {}, "finish_reason": finish}],
                    }
                )
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Connection", "close")
                self.end_headers()
                for chunk in chunks:
                    self.wfile.write(b"data: " + json.dumps(chunk).encode() + b"\n\n")
                self.wfile.write(b"data: [DONE]\n\n")
                self.close_connection = True

        return Handler


@contextmanager
def loopback_process(latency: float = 0.0) -> Iterator[str]:
    """The loopback teacher in a process of its own (so that it does not compete for the caller's
    interpreter lock), until the block ends; yields its base URL once it answers."""
    import subprocess
    import sys

    import httpx

    from factory.processes import free_port

    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "factory.testing.loopback",
            "--port",
            str(port),
            "--latency",
            str(latency),
        ]
    )
    base_url = f"http://127.0.0.1:{port}/v1"
    try:
        for _ in range(100):
            try:
                httpx.get(base_url + "/models", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        yield base_url
    finally:
        process.terminate()
        process.wait()


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser(
        description="Serve the loopback OpenAI-compatible teacher on 127.0.0.1."
    )
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--latency", type=float, default=0.0)
    args = parser.parse_args()
    server = LoopbackTeacher(latency=args.latency, port=args.port)
    try:
        server._server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
