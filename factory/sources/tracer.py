"""Record a workflow's OpenAI chat calls as training logs, without changing the workflow.

    from openai import OpenAI
    from factory.sources.tracer import trace

    client = trace(OpenAI(), "logs/calls.jsonl")   # or AsyncOpenAI(); the rest of the code stays as it is
    client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "Hi"}])
    # later: factory build toolcalls --source logs/calls.jsonl   (or factory.sources.logs.read_logs)

`trace(client, path, scrub=True)` wraps an `openai.OpenAI` or `openai.AsyncOpenAI` client: every
`chat.completions.create(...)` and `.parse(...)` call goes to the real client and one JSON line is
appended to `path` in the format factory.sources.logs reads as `openai`:
`{"timestamp", "request": <the call's arguments>, "response": <chat.completion>, "latency_s", "pii"?}`,
plus `"error": {"type", "message", "status_code"}` when the call raised (the exception is re-raised).
With `stream=True` the caller gets the chunks as they come; the message assembled from them is
logged when the stream ends (exhausted, closed, or broken: then with `error`). Everything else on
the client (`models`, `embeddings`, `with_options`, ...) passes through; `with_options`/`copy`
return traced clients.

Before a line is written, personal data and secrets in message contents, tool-call arguments,
error messages, message `name`s and refusals, and the request's `user`, `safety_identifier`,
`prompt_cache_key` and `metadata` are replaced by typed placeholders
(`<EMAIL_ADDRESS_1>`; factory.pii.Scrubber, built on first use; `scrub=False` turns it off), and,
independently, any occurrence of the client's API key is replaced by `<API_KEY>` (unnumbered: the
mark of the client's own key; factory.pii_secrets.PLACEHOLDER matches it like `<API_KEY_1>`). Headers,
`extra_headers`, `extra_query` and `timeout` are never written. Each line is one `os.write` to a
file opened in append mode, under a lock: safe across threads, asyncio tasks (scrubbing and
writing run in a worker thread) and processes appending to one local file. A failure to write
the log is reported as a warning and never breaks the call. It does not trace `with_raw_response`,
`with_streaming_response` or the `.stream()` helper, nor a stream dropped before it ends.
"""

from __future__ import annotations

import asyncio
import json
import os
import threading
import time
import warnings
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Self

from factory.sources.tracer_lines import plain, put_texts, text_slots
from factory.sources.tracer_streams import (
    AsyncStream,
    Collector,
    Passthrough,
    StreamNotFinished,
    SyncStream,
    dump,
)

__all__ = [
    "CallLog",
    "StreamNotFinished",
    "TracedClient",
    "plain",
    "put_texts",
    "text_slots",
    "trace",
]

_NOT_WRITTEN = ("extra_headers", "extra_query", "timeout")
_SECRET_ATTRIBUTES = ("api_key", "admin_api_key")
_MIN_SECRET_LENGTH = (
    8  # shorter "keys" ("EMPTY", "ollama") are placeholders for local servers, not secrets
)


def trace(client: Any, path: str | os.PathLike, *, scrub: bool = True) -> TracedClient:
    """`client` with its chat completions logged to `path` (JSON Lines, appended)."""
    import openai

    if not isinstance(client, (openai.OpenAI, openai.AsyncOpenAI)):
        raise TypeError(
            f"trace() wraps an openai.OpenAI or openai.AsyncOpenAI client, not {type(client).__name__}"
        )
    return TracedClient(client, CallLog(path, scrub=scrub), isinstance(client, openai.AsyncOpenAI))


class CallLog:
    """Turns one call into one scrubbed JSON line and appends it to the file."""

    def __init__(self, path: str | os.PathLike, *, scrub: bool = True):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.scrub = scrub
        self._scrubber = None
        self._scrub_lock = (
            threading.Lock()
        )  # spaCy is not meant to be shared across threads at once
        self._write_lock = threading.Lock()

    def record(
        self,
        client: Any,
        request: dict,
        response: dict | None,
        error: BaseException | None,
        started: datetime,
        latency: float,
    ) -> None:
        try:
            self._append(self._line(client, request, response, error, started, latency))
        except Exception as exc:  # noqa: BLE001 - a tracer must not break the workflow it watches
            warnings.warn(
                f"factory tracer: could not log a call to {self.path}: {type(exc).__name__}: {exc}",
                RuntimeWarning,
                stacklevel=3,
            )

    def _line(
        self,
        client: Any,
        request: dict,
        response: dict | None,
        error: BaseException | None,
        started: datetime,
        latency: float,
    ) -> bytes:
        line: dict[str, Any] = {
            "timestamp": started.isoformat(),
            "request": {k: v for k, v in plain(request).items() if k not in _NOT_WRITTEN},
            "response": response,
            "latency_s": round(latency, 4),
        }
        if error is not None:
            line["error"] = {
                "type": type(error).__name__,
                "message": str(error),
                "status_code": getattr(error, "status_code", None),
            }
        if self.scrub:
            line["pii"] = self._redact(line)
        text = json.dumps(line, ensure_ascii=False)
        for secret in _secrets(client):
            text = text.replace(secret, "<API_KEY>").replace(json.dumps(secret)[1:-1], "<API_KEY>")
        return (text + "\n").encode("utf-8")

    def _redact(self, line: dict) -> dict[str, int]:
        slots, arguments = text_slots(line)
        if not slots:
            return {}
        with self._scrub_lock:
            if self._scrubber is None:
                from factory.pii import Scrubber

                self._scrubber = Scrubber()
            texts, counts = self._scrubber.redact([holder[key] for holder, key in slots])
        put_texts(slots, arguments, texts)
        return counts

    def _append(self, data: bytes) -> None:
        with self._write_lock:
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                written = os.write(fd, data)
                while written < len(data):  # only on a full disk or a signal: finish the line
                    written += os.write(fd, data[written:])
            finally:
                os.close(fd)


def _secrets(client: Any) -> list[str]:
    values = (getattr(client, name, None) for name in _SECRET_ATTRIBUTES)
    return [v for v in values if isinstance(v, str) and len(v) >= _MIN_SECRET_LENGTH]


def _materialised(kwargs: dict) -> dict:
    """The call's arguments with one-shot iterables (a generator of messages) turned into lists,
    so that logging them does not use them up."""
    return {
        k: list(v)
        if k in ("messages", "tools") and not isinstance(v, (list, tuple, str, type(None)))
        else v
        for k, v in kwargs.items()
    }


class TracedClient(Passthrough):
    """The client, with `chat.completions.create` and `.parse` logged; the rest passes through."""

    def __init__(self, client: Any, log: CallLog, is_async: bool):
        super().__init__(client)
        self._log, self._async = log, is_async
        self.chat = Passthrough(client.chat)
        self.chat.completions = TracedCompletions(client.chat.completions, client, log, is_async)

    def with_options(self, **options: Any) -> TracedClient:
        return TracedClient(self._target.with_options(**options), self._log, self._async)

    copy = with_options

    def __enter__(self) -> Self:
        self._target.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._target.__exit__(*exc)

    async def __aenter__(self) -> Self:
        await self._target.__aenter__()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._target.__aexit__(*exc)


class TracedCompletions(Passthrough):
    def __init__(self, completions: Any, client: Any, log: CallLog, is_async: bool):
        super().__init__(completions)
        self._client, self._log = client, log
        wrap = self._async_call if is_async else self._sync_call
        self.create = wrap(completions.create)
        self.parse = wrap(completions.parse)

    def _sync_call(self, method: Any) -> Any:
        def call(**kwargs: Any) -> Any:
            kwargs = _materialised(kwargs)
            started, clock = datetime.now(UTC), time.perf_counter()
            try:
                result = method(**kwargs)
            except Exception as exc:
                self._log.record(
                    self._client, kwargs, None, exc, started, time.perf_counter() - clock
                )
                raise
            if kwargs.get("stream") is True:
                return SyncStream(
                    result, Collector(self._log, self._client, kwargs, started, clock)
                )
            self._log.record(
                self._client, kwargs, dump(result), None, started, time.perf_counter() - clock
            )
            return result

        call.__doc__ = method.__doc__
        return call

    def _async_call(self, method: Any) -> Any:
        async def call(**kwargs: Any) -> Any:
            kwargs = _materialised(kwargs)
            started, clock = datetime.now(UTC), time.perf_counter()
            try:
                result = await method(**kwargs)
            except Exception as exc:
                latency = time.perf_counter() - clock
                await asyncio.to_thread(
                    self._log.record, self._client, kwargs, None, exc, started, latency
                )
                raise
            if kwargs.get("stream") is True:
                return AsyncStream(
                    result, Collector(self._log, self._client, kwargs, started, clock)
                )
            latency = time.perf_counter() - clock
            await asyncio.to_thread(
                self._log.record, self._client, kwargs, dump(result), None, started, latency
            )
            return result

        call.__doc__ = method.__doc__
        return call
