"""The OpenAI wire format as the proxy speaks it: an upstream server, error bodies, completions, streams.

- `Upstream(base_url, model, api_key)`: a teacher or student server and the headers to call it with.
- `error(status, message, kind)`: an OpenAI-style error response.
- `completion_in(status, data)`: the chat.completion in an upstream reply, or the failure as the
  log's `error` object ({"type", "message", "status_code"}).
- `sse(request, completion, headers)`: a finished completion sent as an OpenAI stream (one chunk
  with the whole message, tool calls indexed, then one with the finish reason and usage, then
  `[DONE]`): how a validated student reply reaches a caller that asked for `stream: true`.
It does not route, validate or log (app.py, checks.py, logwriter.py do).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from aiohttp import web


@dataclass
class Upstream:
    base_url: str
    model: str
    api_key: str = "none"

    def headers(self) -> dict:
        return {"Authorization": f"Bearer {self.api_key}", "Content-Type": "application/json"}


def error(status: int, message: str, kind: str = "invalid_request_error") -> web.Response:
    return web.json_response(
        {"error": {"message": message, "type": kind, "code": status}}, status=status
    )


def completion_in(status: int, data: bytes) -> tuple[dict | None, dict | None]:
    """(the chat.completion in a reply, None) or (None, the failure as the log's `error`)."""
    try:
        parsed = json.loads(data) if data else None
    except (json.JSONDecodeError, UnicodeDecodeError):
        parsed = None
    if (
        status == 200
        and isinstance(parsed, dict)
        and isinstance(parsed.get("choices"), list)
        and parsed["choices"]
        and isinstance(parsed["choices"][0], dict)
    ):
        return parsed, None
    detail = parsed.get("error") if isinstance(parsed, dict) else None
    detail = detail.get("message") if isinstance(detail, dict) else detail
    message = f"HTTP {status}" + (
        f": {detail}" if detail else "" if status != 200 else ": not a chat completion"
    )
    return None, {"type": "HTTPError", "message": str(message)[:500], "status_code": status}


async def sse(request: web.Request, completion: dict, headers: dict) -> web.StreamResponse:
    """A finished completion as an OpenAI stream: one chunk with the whole message, one with the finish."""
    out = web.StreamResponse(
        status=200,
        headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache", **headers},
    )
    await out.prepare(request)
    choice = completion["choices"][0]
    delta = {"role": "assistant", "content": choice["message"].get("content")}
    if choice["message"].get("tool_calls"):
        delta["tool_calls"] = [
            {"index": i, **call} for i, call in enumerate(choice["message"]["tool_calls"])
        ]
    head = {k: completion[k] for k in ("id", "created", "model")}
    for chunk in (
        {
            **head,
            "object": "chat.completion.chunk",
            "choices": [{"index": 0, "delta": delta, "finish_reason": None}],
        },
        {
            **head,
            "object": "chat.completion.chunk",
            "usage": completion.get("usage"),
            "choices": [{"index": 0, "delta": {}, "finish_reason": choice["finish_reason"]}],
        },
    ):
        await out.write(b"data: " + json.dumps(chunk).encode() + b"\n\n")
    await out.write(b"data: [DONE]\n\n")
    await out.write_eof()
    return out
