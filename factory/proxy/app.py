"""The proxy's HTTP side: an OpenAI-compatible server (aiohttp) in front of a teacher and a student.

POST /v1/chat/completions: with probability `share` (a seeded random.Random when `seed` is
given) the student answers first. It is asked without streaming (checks.student_messages),
within `timeout` seconds; its reply is judged by the recipe's checks (checks.judge). A valid
reply is the answer (`x-factory-model: student`); an invalid one (the validator's reason), an
HTTP or connection error (`student_error`) or no reply in time (`student_timeout`) falls back
to the teacher (`x-factory-model: teacher`, `x-factory-fallback: <reason>`). The teacher gets the
caller's body as sent (its `model` replaced by the teacher model when one is set) with the
teacher's key, and its answer goes back as it came, status included.

Streaming (`stream: true`): the teacher's stream is relayed chunk by chunk as it arrives. The
student's reply is never streamed as it is generated: it is validated once complete and then
sent as a stream of one content chunk and one final chunk (so an invalid reply never reaches
the caller, and the caller's streaming code works unchanged); on fallback the teacher streams.

Shadow mode: the teacher always answers; for a `share` of requests the student is asked too,
after the answer, off the request path, and its reply is judged and scored against the
teacher's with the recipe's metrics (checks.compare); the result goes to DIR/.proxy/shadow.jsonl
(scores and reasons only, no text).

Every exchange is journaled (logwriter.ExchangeLog.record) before its answer is released, and
scrubbed into the log off the request path. Requests need
`Authorization: Bearer <the proxy's key>` (401 otherwise); the teacher's key never leaves
for anywhere but the teacher. GET /v1/models lists the teacher and the student.
It does not retry the teacher (the caller's client does), balance several students, or cache.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import os
import random
import time
import uuid
from pathlib import Path

import aiohttp
from aiohttp import web

from factory.proxy.checks import RecipeChecks
from factory.proxy.logwriter import ExchangeLog, now
from factory.proxy.wire import Upstream, completion_in, error, sse
from factory.sources.tracer_streams import Collector

MODEL_HEADER, FALLBACK_HEADER = "x-factory-model", "x-factory-fallback"
PASSED_TO_STUDENT = ("temperature", "top_p", "max_tokens", "max_completion_tokens", "stop", "seed")


class Proxy:
    def __init__(
        self,
        checks: RecipeChecks,
        log: ExchangeLog,
        *,
        teacher: Upstream,
        student: Upstream,
        share: float,
        api_key: str,
        timeout: float = 10.0,
        shadow: bool = False,
        seed: int | None = None,
    ):
        self.checks, self.log, self.teacher, self.student = checks, log, teacher, student
        self.share, self.timeout, self.shadow = share, timeout, shadow
        self.rng = random.Random(seed)
        self._expected = f"Bearer {api_key}".encode()
        self._tasks: set[asyncio.Task] = set()
        self._shadow_path = Path(log.folder) / ".proxy" / "shadow.jsonl"
        self.session: aiohttp.ClientSession | None = None

    def application(self) -> web.Application:
        app = web.Application(middlewares=[self._auth], client_max_size=64 * 2**20)
        app.router.add_get("/v1/models", self.models)
        app.router.add_post("/v1/chat/completions", self.chat)
        app.on_startup.append(self._open)
        app.on_cleanup.append(self._close)
        return app

    async def _open(self, _app) -> None:
        connector = aiohttp.TCPConnector(limit=0, ttl_dns_cache=300, enable_cleanup_closed=True)
        self.session = aiohttp.ClientSession(
            connector=connector, timeout=aiohttp.ClientTimeout(total=600), auto_decompress=False
        )

    async def _close(self, _app) -> None:
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        await self.session.close()

    @web.middleware
    async def _auth(self, request: web.Request, handler):
        if not hmac.compare_digest(
            request.headers.get("Authorization", "").encode(), self._expected
        ):
            return error(
                401,
                "missing or wrong API key: send `Authorization: Bearer <the proxy's key>` "
                "(--api-key, FACTORY_PROXY_KEY, or the key file in the log directory)",
                "authentication_error",
            )
        return await handler(request)

    async def models(self, _request: web.Request) -> web.Response:
        data = [
            {"id": self.teacher.model or "teacher", "object": "model", "owned_by": "teacher"},
            {"id": self.student.model, "object": "model", "owned_by": "student"},
        ]
        return web.json_response({"object": "list", "data": data})

    async def chat(self, request: web.Request) -> web.StreamResponse:
        raw = await request.read()
        try:
            body = json.loads(raw)
        except (json.JSONDecodeError, UnicodeDecodeError):
            body = None
        if not isinstance(body, dict) or not isinstance(body.get("messages"), list):
            return error(
                400,
                "the body must be a JSON object with a `messages` list (an OpenAI chat request)",
            )
        started, clock = now()
        stream = body.get("stream") is True
        meta = {
            "id": uuid.uuid4().hex,
            "recipe": self.checks.recipe.name,
            "answered_by": None,
            "fallback": None,
            "student": None,
            "teacher": None,
            "stream": stream,
            "shadow": self.shadow,
        }
        draw = self.share > 0 and self.rng.random() < self.share
        if draw and not self.shadow:
            completion, verdict = await self.ask_student(body)
            meta["student"] = verdict
            if verdict["ok"]:
                meta["answered_by"] = "student"
                self._log(started, clock, body, completion, meta)
                headers = {MODEL_HEADER: "student"}
                return (
                    await sse(request, completion, headers)
                    if stream
                    else web.json_response(completion, headers=headers)
                )
            meta["fallback"] = verdict["reason"]
        if stream:
            return await self._teacher_stream(
                request, body, raw, started, clock, meta, draw and self.shadow
            )
        status, data, content_type, latency = await self._teacher(body, raw)
        meta["teacher"] = {"latency_s": round(latency, 4), "status": status}
        response, failure = completion_in(status, data)
        meta["answered_by"] = "teacher" if failure is None else None
        if response is not None:
            meta["teacher"]["usage"] = response.get("usage")
        self._log(started, clock, body, response, meta, failure)
        if draw and self.shadow and failure is None:
            self._background(self._shadow(body, response, meta["id"]))
        headers = {
            MODEL_HEADER: "teacher",
            **({FALLBACK_HEADER: meta["fallback"]} if meta["fallback"] else {}),
        }
        return web.Response(status=status, body=data, content_type=content_type, headers=headers)

    # the two models

    async def ask_student(self, body: dict) -> tuple[dict | None, dict]:
        """(the completion the caller would get, the verdict for the log)."""
        payload = {
            "model": self.student.model,
            "messages": self.checks.student_messages(body),
            "stream": False,
            **{key: body[key] for key in PASSED_TO_STUDENT if key in body},
        }
        clock = time.perf_counter()
        verdict = {"ok": False, "reason": None, "detail": None, "latency_s": None, "usage": None}
        try:
            async with asyncio.timeout(self.timeout):
                async with self.session.post(
                    f"{self.student.base_url}/chat/completions",
                    json=payload,
                    headers=self.student.headers(),
                ) as reply:
                    status, data = reply.status, await reply.read()
        except TimeoutError:
            status, data = None, None
            verdict.update(reason="student_timeout", detail=f"no reply within {self.timeout:g} s")
        except (aiohttp.ClientError, OSError) as exc:
            status, data = None, None
            verdict.update(reason="student_error", detail=f"{type(exc).__name__}")
        verdict["latency_s"] = round(time.perf_counter() - clock, 4)
        if status is None:
            return None, verdict
        completion, failure = completion_in(status, data)
        if failure is not None:
            verdict.update(reason="student_error", detail=failure["message"][:300])
            return None, verdict
        message = completion["choices"][0].get("message") or {}
        verdict["usage"] = completion.get("usage")
        judged = self.checks.judge(body, message)
        if not judged.ok:
            verdict.update(reason=judged.reason, detail=judged.detail)
            verdict["text"] = message.get("content")  # kept for the shadow comparison, never logged
            return None, verdict
        answer, finish = self.checks.answer(body, judged.output, message)
        verdict["ok"] = True
        verdict["text"] = message.get("content")
        return {
            "id": completion.get("id") or f"chatcmpl-{uuid.uuid4().hex}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": completion.get("model") or self.student.model,
            "choices": [{"index": 0, "message": answer, "finish_reason": finish}],
            "usage": completion.get("usage"),
        }, verdict

    def _teacher_body(self, body: dict, raw: bytes) -> bytes:
        if self.teacher.model and body.get("model") != self.teacher.model:
            return json.dumps({**body, "model": self.teacher.model}).encode()
        return raw

    async def _teacher(self, body: dict, raw: bytes) -> tuple[int, bytes, str, float]:
        clock = time.perf_counter()
        try:
            async with self.session.post(
                f"{self.teacher.base_url}/chat/completions",
                data=self._teacher_body(body, raw),
                headers=self.teacher.headers(),
            ) as reply:
                data = await reply.read()
                return reply.status, data, reply.content_type, time.perf_counter() - clock
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:
            message = f"the teacher did not answer ({type(exc).__name__})"
            data = json.dumps(
                {"error": {"message": message, "type": "upstream_error", "code": 502}}
            ).encode()
            return 502, data, "application/json", time.perf_counter() - clock

    async def _teacher_stream(
        self, request, body, raw, started, clock, meta, shadow: bool
    ) -> web.StreamResponse:
        headers = {
            MODEL_HEADER: "teacher",
            **({FALLBACK_HEADER: meta["fallback"]} if meta["fallback"] else {}),
        }
        teacher_clock, out = time.perf_counter(), None
        try:
            async with self.session.post(
                f"{self.teacher.base_url}/chat/completions",
                data=self._teacher_body(body, raw),
                headers=self.teacher.headers(),
            ) as reply:
                if reply.status != 200 or reply.content_type != "text/event-stream":
                    data = await reply.read()
                    meta["teacher"] = {
                        "latency_s": round(time.perf_counter() - teacher_clock, 4),
                        "status": reply.status,
                    }
                    response, failure = completion_in(reply.status, data)
                    meta["answered_by"] = "teacher" if failure is None else None
                    self._log(started, clock, body, response, meta, failure)
                    return web.Response(
                        status=reply.status,
                        body=data,
                        content_type=reply.content_type,
                        headers=headers,
                    )
                out = web.StreamResponse(
                    status=200,
                    headers={
                        "Content-Type": "text/event-stream",
                        "Cache-Control": "no-cache",
                        **headers,
                    },
                )
                await out.prepare(request)
                collector, done = Collector(None, None, body, None, clock), False
                async for line in reply.content:
                    text = line.strip()
                    if text == b"data: [DONE]":
                        done = True  # held back until the exchange is logged
                        continue
                    if text.startswith(b"data:"):
                        try:
                            collector.add(json.loads(text[5:]))
                        except (json.JSONDecodeError, AttributeError, TypeError):
                            pass
                    await out.write(line)
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:
            failure = {
                "type": type(exc).__name__,
                "message": "the stream broke before its end (teacher or caller)",
                "status_code": 502,
            }
            self._log(started, clock, body, None, meta, failure)
            if out is not None and out.prepared:
                return out  # the caller saw a stream that ends early, as it would from the teacher
            return error(
                502, f"the teacher did not answer ({type(exc).__name__})", "upstream_error"
            )
        response = collector.finish(None)[2]
        meta["answered_by"] = "teacher"
        meta["teacher"] = {
            "latency_s": round(time.perf_counter() - teacher_clock, 4),
            "status": 200,
            "usage": response.get("usage"),
        }
        self._log(started, clock, body, response, meta)
        if shadow:
            self._background(self._shadow(body, response, meta["id"]))
        if done:
            await out.write(b"data: [DONE]\n\n")
        await out.write_eof()
        return out

    # shadow mode and the log

    async def _shadow(self, body: dict, teacher_response: dict, exchange: str) -> None:
        _, verdict = await self.ask_student(body)
        teacher_message = (teacher_response.get("choices") or [{}])[0].get("message")
        line = {
            "exchange": exchange,
            "timestamp": now()[0],
            "recipe": self.checks.recipe.name,
            "ok": verdict["ok"],
            "reason": verdict["reason"],
            "latency_s": verdict["latency_s"],
            "compare": self.checks.compare(body, teacher_message, verdict.get("text") or "")
            if verdict["reason"] not in ("student_timeout", "student_error")
            else None,
        }
        data = (json.dumps(line) + "\n").encode()
        self._shadow_path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self._shadow_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, data)
        finally:
            os.close(fd)

    def _background(self, coroutine) -> None:
        task = asyncio.get_running_loop().create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _log(
        self,
        started: str,
        clock: float,
        body: dict,
        response: dict | None,
        meta: dict,
        failure: dict | None = None,
    ) -> None:
        student = meta.get("student")
        if student:
            meta["student"] = {k: v for k, v in student.items() if k != "text"}
        line = {
            "timestamp": started,
            "request": body,
            "response": response,
            "latency_s": round(time.perf_counter() - clock, 4),
            "proxy": meta,
        }
        if failure is not None:
            line["error"] = failure
        self.log.record(
            line
        )  # journaled when this returns; scrubbed into the log by the writer thread
