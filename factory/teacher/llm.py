"""The teacher as a distilabel LLM: distilabel's OpenAILLM with a response cache in front.

`CachedOpenAILLM.agenerate` looks each (messages, params, sample index) up in the
ResponseCache, calls the server only on a miss, stores the reply before returning it,
holds at most `max_concurrency` requests in flight (so a batch flows continuously instead
of in waves), starts at most `max_rps` HTTP requests a second (retries included: the limit
sits in the HTTP client's request hook), and never caches or raises a failure: a failed call yields a None generation and its
error is kept in `failures` (keyed by the messages) for the stage to report. Token
counts of fresh calls add up in `prompt_tokens` / `completion_tokens`, and in a
factory.budget.Budget if one is set: once it is spent, calls are not sent (`budget.refused`).
Secrets in a reply's text and in a failure's message (keys, tokens, private keys, URLs with
credentials) are replaced by placeholders before the reply is stored or used
(factory.pii_secrets.redact_secrets, a regex pass), so a secret a teacher echoes or invents reaches
neither the cache nor the run's files; a cached reply reads exactly as the fresh one did. The
personal data a teacher writes is left to the scrub stage that follows generation.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any, Callable, Optional

from distilabel.models.llms import OpenAILLM
from pydantic import PrivateAttr

from factory.pii_secrets import redact_secrets
from factory.teacher.cache import ResponseCache, cache_key
from factory.teacher.extract import valid_unicode


def messages_key(messages: Any) -> str:
    return json.dumps(messages, sort_keys=True, ensure_ascii=False)


def _redacted(text: str | None, messages: Any = ()) -> str | None:
    """`text` without secrets; a new one is numbered after the placeholders of the prompt, which the
    reply may repeat (`<API_KEY_1>` in a seed stays that value's)."""
    if not isinstance(text, str):
        return text
    prompt = (
        [
            m.get("content")
            for m in messages
            if isinstance(m, dict) and isinstance(m.get("content"), str)
        ]
        if isinstance(messages, list)
        else []
    )
    return redact_secrets(text, after=prompt)[0]


class RateLimit:
    """At most `per_second` starts a second, evenly spaced (an asyncio-safe token schedule)."""

    def __init__(self, per_second: float):
        self.interval = 1.0 / per_second
        self._next = 0.0
        self._lock = asyncio.Lock()

    async def wait(self, *_: Any) -> None:
        async with self._lock:
            now = asyncio.get_running_loop().time()
            start = max(now, self._next)
            self._next = start + self.interval
        if start > now:
            await asyncio.sleep(start - now)


class CachedOpenAILLM(OpenAILLM):
    cache_path: Optional[str] = None
    max_concurrency: int = 8  # requests in flight at once, however large the batch
    max_rps: Optional[float] = None  # HTTP requests started per second, retries included

    _semaphore: Optional[asyncio.Semaphore] = PrivateAttr(default=None)
    _on_reply: Optional[Callable[[], None]] = PrivateAttr(default=None)
    _cache: Optional[ResponseCache] = PrivateAttr(default=None)
    _failures: dict = PrivateAttr(default_factory=dict)
    _tokens: list = PrivateAttr(default_factory=lambda: [0, 0])
    _budget: Any = PrivateAttr(default=None)  # factory.budget.Budget: asked before every fresh call

    def load(self) -> None:
        super().load()
        if self.max_rps:
            import httpx

            limit = RateLimit(self.max_rps)
            self._aclient = self._aclient.with_options(
                http_client=httpx.AsyncClient(
                    timeout=self.timeout, event_hooks={"request": [limit.wait]}
                )
            )
        if self.cache_path and self._cache is None:
            self._cache = ResponseCache(self.cache_path)

    def set_budget(self, budget) -> None:
        self._budget = budget

    @property
    def budget(self):
        return self._budget

    def on_reply(self, callback: Callable[[], None]) -> None:
        """Call `callback` after each reply, cached or fresh, failed or not (progress bars)."""
        self._on_reply = callback

    def close(self) -> None:
        """Close the HTTP client on its own event loop, then the cache."""
        client = getattr(self, "_aclient", None)
        if client is not None and self._event_loop is not None and not self._event_loop.is_closed():
            self._event_loop.run_until_complete(client.close())
            self._event_loop.close()
        if self._cache is not None:
            self._cache.close()

    @property
    def cache(self) -> ResponseCache | None:
        return self._cache

    @property
    def failures(self) -> dict[str, str]:
        return self._failures

    @property
    def prompt_tokens(self) -> int:
        return self._tokens[0]

    @property
    def completion_tokens(self) -> int:
        return self._tokens[1]

    async def agenerate(self, input: Any, num_generations: int = 1, **kwargs: Any) -> dict:  # type: ignore[override]
        generations, input_tokens, output_tokens = [], [], []
        for index in range(num_generations):
            reply = await self._one(input, index, kwargs)
            generations.append(valid_unicode(reply["text"]))
            input_tokens.append(reply["prompt_tokens"])
            output_tokens.append(reply["completion_tokens"])
        if self._on_reply is not None:
            self._on_reply()
        return {
            "generations": generations,
            "statistics": {"input_tokens": input_tokens, "output_tokens": output_tokens},
        }

    async def _one(self, messages: Any, index: int, params: dict) -> dict:
        key = cache_key(self.model, messages, params, index)
        if self._cache is not None and (hit := self._cache.get(key)) is not None:
            return {
                **hit,
                "text": _redacted(hit.get("text"), messages),
            }  # a cache written before replies were redacted
        if self._semaphore is None:
            self._semaphore = asyncio.Semaphore(self.max_concurrency)
        try:
            async with self._semaphore:
                if (
                    self._budget is not None and self._budget.spent()
                ):  # not sent: the stage stops the build
                    self._budget.refused += 1
                    return {"text": None, "prompt_tokens": 0, "completion_tokens": 0}
                out = await super().agenerate(input=messages, num_generations=1, **params)
        except (
            TypeError,
            AttributeError,
            KeyError,
        ) as exc:  # the client met a body that is no chat completion
            failure = f"the server's reply is not a chat completion ({exc})"
            self._failures[messages_key(messages)] = _redacted(failure[:500])
            return {"text": None, "prompt_tokens": 0, "completion_tokens": 0}
        except Exception as exc:  # noqa: BLE001 - one failed call must not stop a run
            failure = f"{type(exc).__name__}: {exc}"  # may quote the server's body
            self._failures[messages_key(messages)] = _redacted(failure[:500])
            return {"text": None, "prompt_tokens": 0, "completion_tokens": 0}
        text = _redacted(
            (out.get("generations") or [None])[0], messages
        )  # "choices": [] gives no generation at all
        stats = out.get("statistics", {})
        reply = {
            "text": text,
            "prompt_tokens": (stats.get("input_tokens") or [0])[0] or 0,
            "completion_tokens": (stats.get("output_tokens") or [0])[0] or 0,
        }
        self._tokens[0] += reply["prompt_tokens"]
        self._tokens[1] += reply["completion_tokens"]
        if self._budget is not None:
            self._budget.add(reply["prompt_tokens"], reply["completion_tokens"])
        if text is None:
            self._failures[messages_key(messages)] = "the server returned no content"
        elif self._cache is not None:
            self._cache.put(key, reply)
        return reply
