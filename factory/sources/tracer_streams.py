"""A traced call's plumbing: attributes passed through, and a stream's chunks passed on as they
come while they are assembled into one chat.completion for the log.

- `Passthrough(target)`: forwards every attribute it does not define to `target`.
- `Collector(log, client, request, started, clock)`: assembles chunks (`add`) into one response;
  hands out the arguments of the log's `record` once, when the stream ends.
- `SyncStream` / `AsyncStream`: the stream the caller iterates, feeding a Collector; closed or
  broken before its last chunk, it is logged with `StreamNotFinished`.
- `dump(response)`: a response or chunk as JSON-ready data.
The proxy (factory.proxy.app) assembles its streams with the same Collector. Writing the log
line is factory.sources.tracer's (`CallLog`).
"""

from __future__ import annotations

import asyncio
import time
from datetime import datetime
from typing import Any, Self

from factory.sources.tracer_lines import plain


def dump(response: Any) -> dict:
    return (
        response.model_dump(mode="json", exclude_none=True)
        if hasattr(response, "model_dump")
        else plain(response)
    )


class StreamNotFinished(Exception):
    """Logged (never raised) for a stream closed before its last chunk: its reply is incomplete."""


class Passthrough:
    """Forwards every attribute it does not define to the wrapped object."""

    def __init__(self, target: Any):
        self._target = target

    def __getattr__(self, name: str) -> Any:
        return getattr(self._target, name)

    def __repr__(self) -> str:
        return f"<traced {self._target!r}>"


class Collector:
    """Assembles a stream's chunks into one chat.completion; hands out the log call once, at the end."""

    def __init__(self, log: Any, client: Any, request: dict, started: datetime, clock: float):
        self.log, self.client, self.request, self.started, self.clock = (
            log,
            client,
            request,
            started,
            clock,
        )
        self.done = False
        self.head: dict[str, Any] = {}
        self.choices: dict[int, dict] = {}
        self.usage = None

    def add(self, chunk: Any) -> None:
        data = dump(chunk)
        for key in ("id", "created", "model", "system_fingerprint", "service_tier"):
            if data.get(key) is not None:
                self.head.setdefault(key, data[key])
        self.usage = data.get("usage") or self.usage
        for choice in data.get("choices") or []:
            index = choice.get("index", 0)
            slot = self.choices.setdefault(
                index,
                {
                    "index": index,
                    "message": {"role": "assistant", "content": None},
                    "finish_reason": None,
                },
            )
            delta, message = choice.get("delta") or {}, slot["message"]
            for key in ("content", "refusal"):
                if delta.get(key):
                    message[key] = (message.get(key) or "") + delta[key]
            for call in delta.get("tool_calls") or []:
                calls = message.setdefault("tool_calls", [])
                position = call.get("index", len(calls))
                while len(calls) <= position:
                    calls.append(
                        {"id": None, "type": "function", "function": {"name": "", "arguments": ""}}
                    )
                calls[position]["id"] = call.get("id") or calls[position]["id"]
                function = call.get("function") or {}
                calls[position]["function"]["name"] += function.get("name") or ""
                calls[position]["function"]["arguments"] += function.get("arguments") or ""
            slot["finish_reason"] = choice.get("finish_reason") or slot["finish_reason"]

    def finish(self, error: BaseException | None) -> tuple | None:
        """The arguments of CallLog.record for this stream, the first time; None after."""
        if self.done:
            return None
        self.done = True
        choices = [self.choices[i] for i in sorted(self.choices)]
        response = {
            **self.head,
            "object": "chat.completion",
            "choices": choices,
            "usage": self.usage,
        }
        return (
            self.client,
            self.request,
            response,
            error,
            self.started,
            time.perf_counter() - self.clock,
        )


class SyncStream(Passthrough):
    def __init__(self, stream: Any, collector: Collector):
        super().__init__(stream)
        self._collector = collector

    def __iter__(self) -> SyncStream:
        return self

    def __next__(self) -> Any:
        try:
            chunk = next(self._target)
        except StopIteration:
            self._end(None)
            raise
        except Exception as exc:
            self._end(exc)
            raise
        self._collector.add(chunk)
        return chunk

    def _end(self, error: BaseException | None) -> None:
        pending = self._collector.finish(error)
        if pending:
            self._collector.log.record(*pending)

    def close(self) -> None:
        self._end(StreamNotFinished("the stream was closed before its last chunk"))
        self._target.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class AsyncStream(Passthrough):
    def __init__(self, stream: Any, collector: Collector):
        super().__init__(stream)
        self._collector = collector

    def __aiter__(self) -> AsyncStream:
        return self

    async def __anext__(self) -> Any:
        try:
            chunk = await self._target.__anext__()
        except StopAsyncIteration:
            await self._end(None)
            raise
        except Exception as exc:
            await self._end(exc)
            raise
        self._collector.add(chunk)
        return chunk

    async def _end(self, error: BaseException | None) -> None:
        pending = self._collector.finish(error)
        if pending:
            await asyncio.to_thread(self._collector.log.record, *pending)

    async def close(self) -> None:
        await self._end(StreamNotFinished("the stream was closed before its last chunk"))
        await self._target.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()
