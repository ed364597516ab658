"""The OpenAI call tracer against real servers on 127.0.0.1, read back with read_logs.

The loopback teacher answers plain chat calls; `ToolServer` (below) is a second real
OpenAI-compatible server that answers with tool calls, as JSON or as server-sent chunks,
because the loopback teacher does neither tool calls nor streams.
"""

from __future__ import annotations

import asyncio
import json
import re
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Self

import openai
import pytest

from factory.record import Rejected
from factory.sources.logs import read_logs
from factory.sources.tracer import trace
from factory.testing.loopback import LoopbackTeacher

KEY = "sk-test-4f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c"  # planted: the client's key, and pasted into a message
EMAIL, PERSON = "maria.garcia@example.com", "Maria Garcia"
PLANTED = (KEY, EMAIL, PERSON, "maria.garcia")
SEND_EMAIL = {
    "type": "function",
    "function": {
        "name": "send_email",
        "description": "Send an email",
        "parameters": {
            "type": "object",
            "properties": {"to": {"type": "string"}, "city": {"type": "string"}},
            "required": ["to"],
        },
    },
}


class ToolServer:
    """Answers POST /v1/chat/completions with a send_email tool call to the address in the last user message
    (or with its text echoed, when the request has no tools); `stream: true` gets server-sent chunks, and a
    message containing BREAK gets an error event in the middle of the stream."""

    def __init__(self) -> None:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def __enter__(self) -> Self:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()

    @staticmethod
    def _handler():
        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                user = [m["content"] for m in body["messages"] if m["role"] == "user"][-1]
                head = {"id": "chatcmpl-tool", "created": 1759309200, "model": body["model"]}
                if body.get("tools"):
                    address = re.search(r"\S+@\S+\.com", user).group(0)
                    arguments = json.dumps({"to": address, "city": "Lisbon"})
                    pieces = [
                        {
                            "tool_calls": [
                                {
                                    "index": 0,
                                    "id": "call_7",
                                    "type": "function",
                                    "function": {"name": "send_email", "arguments": ""},
                                }
                            ]
                        }
                    ]
                    pieces += [
                        {
                            "tool_calls": [
                                {"index": 0, "function": {"arguments": arguments[i : i + 12]}}
                            ]
                        }
                        for i in range(0, len(arguments), 12)
                    ]
                    function = {"name": "send_email", "arguments": arguments}
                    call = {"id": "call_7", "type": "function", "function": function}
                    message = {"role": "assistant", "content": None, "tool_calls": [call]}
                    finish = "tool_calls"
                else:
                    pieces = [
                        {"content": word} for word in re.findall(r"\S+\s*", f"You said: {user}")
                    ]
                    message, finish = {"role": "assistant", "content": f"You said: {user}"}, "stop"
                if not body.get("stream"):
                    data = json.dumps(
                        {
                            **head,
                            "object": "chat.completion",
                            "choices": [{"index": 0, "message": message, "finish_reason": finish}],
                        }
                    ).encode()
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                    return
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.end_headers()
                chunks = [{"role": "assistant"}, *pieces]
                for n, delta in enumerate(chunks):
                    if "BREAK" in user and n == 2:
                        self._event(
                            {"error": {"message": "the server broke down", "type": "server_error"}}
                        )
                        return
                    self._event(
                        {
                            **head,
                            "object": "chat.completion.chunk",
                            "choices": [{"index": 0, "delta": delta, "finish_reason": None}],
                        }
                    )
                self._event(
                    {
                        **head,
                        "object": "chat.completion.chunk",
                        "choices": [{"index": 0, "delta": {}, "finish_reason": finish}],
                    }
                )
                usage = {
                    "prompt_tokens": 20,
                    "completion_tokens": len(pieces),
                    "total_tokens": 20 + len(pieces),
                }
                self._event(
                    {**head, "object": "chat.completion.chunk", "choices": [], "usage": usage}
                )
                self.wfile.write(b"data: [DONE]\n\n")

            def _event(self, data: dict) -> None:
                self.wfile.write(b"data: " + json.dumps(data).encode() + b"\n\n")
                self.wfile.flush()

        return Handler


@pytest.fixture(scope="module")
def loopback_server():
    with LoopbackTeacher() as server:
        yield server


@pytest.fixture(scope="module")
def tool_server():
    with ToolServer() as server:
        yield server


def lines(path) -> list[dict]:
    text = path.read_text()
    assert text.endswith("\n")
    return [json.loads(line) for line in text.splitlines()]


def assert_nothing_planted(path) -> None:
    text = path.read_text()
    for value in PLANTED:
        assert value.lower() not in text.lower(), value


def test_calls_are_logged_with_pii_and_the_key_scrubbed(tmp_path, loopback_server, tool_server):
    """One scrubbing tracer per client kind (spaCy loads once): plain replies, tool calls, streams, async."""
    log = tmp_path / "calls.jsonl"
    client = trace(
        openai.OpenAI(api_key=KEY, base_url=loopback_server.base_url, max_retries=0), log
    )
    asked = f"Request: send the report to {EMAIL} for {PERSON}, my key is {KEY}"
    reply = client.chat.completions.create(
        model="loopback",
        messages=[{"role": "user", "content": asked}],
        extra_headers={"X-Secret": "header-value-123"},
        temperature=0.2,
        user=EMAIL,
        metadata={"agent_role": "orchestrator"},
    )
    assert (
        EMAIL in reply.choices[0].message.content
    )  # the caller gets the real reply; only the log is scrubbed
    tools = client.with_options(base_url=tool_server.base_url)
    mail = [{"role": "user", "content": f"Mail it to {EMAIL}"}]
    called = tools.chat.completions.create(model="gpt-4o", messages=mail, tools=[SEND_EMAIL])
    assert json.loads(called.choices[0].message.tool_calls[0].function.arguments)["to"] == EMAIL
    stream = tools.chat.completions.create(
        model="gpt-4o",
        messages=mail,
        tools=[SEND_EMAIL],
        stream=True,
        stream_options={"include_usage": True},
    )
    arguments = "".join(
        c.choices[0].delta.tool_calls[0].function.arguments or ""
        for c in stream
        if c.choices and c.choices[0].delta.tool_calls
    )
    assert json.loads(arguments) == {"to": EMAIL, "city": "Lisbon"}

    first, tool_call, streamed = lines(log)
    scrubbed = "Request: send the report to <EMAIL_ADDRESS_1> for <PERSON_1>, my key is <API_KEY_1>"
    assert first["request"] == {
        "model": "loopback",
        "temperature": 0.2,
        "user": "<EMAIL_ADDRESS_1>",
        "metadata": {"agent_role": "orchestrator"},
        "messages": [{"role": "user", "content": scrubbed}],
    }
    assert first["pii"] == {
        "API_KEY": 4,
        "EMAIL_ADDRESS": 5,
        "PERSON": 4,
    }  # the request, and the reply's 3 echoes
    assert first["response"]["usage"]["total_tokens"] == 80 and 0 < first["latency_s"] < 5
    assert "X-Secret" not in log.read_text() and "header-value-123" not in log.read_text()
    expected_call = {
        "id": "call_7",
        "type": "function",
        "function": {
            "name": "send_email",
            "arguments": '{"to": "<EMAIL_ADDRESS_1>", "city": "Lisbon"}',
        },
    }
    assert tool_call["response"]["choices"][0]["message"]["tool_calls"] == [expected_call]
    assert streamed["response"]["choices"] == [
        {
            "index": 0,
            "finish_reason": "tool_calls",
            "message": {"role": "assistant", "content": None, "tool_calls": [expected_call]},
        }
    ]
    assert (
        streamed["response"]["usage"]["total_tokens"] > 20 and streamed["request"]["stream"] is True
    )
    assert_nothing_planted(log)

    conversations = list(read_logs(log))
    assert [c["messages"][-1] for c in conversations] == [
        {"role": "assistant", "content": first["response"]["choices"][0]["message"]["content"]},
        {"role": "assistant", "content": "", "tool_calls": [expected_call]},
        {"role": "assistant", "content": "", "tool_calls": [expected_call]},
    ]
    assert (
        conversations[1]["tools"] == [SEND_EMAIL] and conversations[1]["meta"]["model"] == "gpt-4o"
    )
    assert conversations[0]["meta"]["agent_role"] == "orchestrator"


def test_async_calls_and_streams_are_logged_scrubbed(tmp_path, tool_server):
    log = tmp_path / "async.jsonl"

    async def workflow() -> str:
        async with trace(
            openai.AsyncOpenAI(api_key=KEY, base_url=tool_server.base_url, max_retries=0), log
        ) as client:
            await client.chat.completions.create(
                model="m",
                messages=[{"role": "user", "content": f"Mail {EMAIL}"}],
                tools=[SEND_EMAIL],
            )
            stream = await client.chat.completions.create(
                model="m",
                messages=[{"role": "user", "content": f"Hello, I am {PERSON}"}],
                stream=True,
            )
            return "".join(
                [chunk.choices[0].delta.content or "" async for chunk in stream if chunk.choices]
            )

    assert asyncio.run(workflow()) == f"You said: Hello, I am {PERSON}"
    called, streamed = lines(log)
    assert json.loads(
        called["response"]["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"]
    ) == {"to": "<EMAIL_ADDRESS_1>", "city": "Lisbon"}
    assert streamed["response"]["choices"][0]["message"] == {
        "role": "assistant",
        "content": "You said: Hello, I am <PERSON_1>",
    }
    assert_nothing_planted(log)


def test_without_scrubbing_the_api_key_is_still_removed(tmp_path, loopback_server):
    log = tmp_path / "raw.jsonl"
    client = trace(
        openai.OpenAI(api_key=KEY, base_url=loopback_server.base_url, max_retries=0),
        log,
        scrub=False,
    )
    one_shot = iter(
        [{"role": "user", "content": f"Request: use {KEY}"}]
    )  # a generator: logged, and still sent
    client.chat.completions.create(model="loopback", messages=one_shot, extra_body={"api_key": KEY})
    (line,) = lines(log)
    assert line["request"] == {
        "model": "loopback",
        "messages": [{"role": "user", "content": "Request: use <API_KEY>"}],
        "extra_body": {"api_key": "<API_KEY>"},
    }
    assert "pii" not in line and KEY not in log.read_text()
    assert "use <API_KEY>" in line["response"]["choices"][0]["message"]["content"]
    assert loopback_server.prompts[-1] == json.dumps(
        [{"content": f"Request: use {KEY}", "role": "user"}]
    )


def test_failed_calls_are_logged_and_re_raised(tmp_path, loopback_server):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    log = tmp_path / "errors.jsonl"
    down = trace(
        openai.OpenAI(api_key=KEY, base_url=f"http://127.0.0.1:{closed}/v1", max_retries=0),
        log,
        scrub=False,
    )
    with pytest.raises(openai.APIConnectionError):
        down.chat.completions.create(model="m", messages=[{"role": "user", "content": "hello"}])
    wrong_path = trace(
        openai.OpenAI(api_key=KEY, base_url=loopback_server.base_url + "/nowhere", max_retries=0),
        log,
        scrub=False,
    )
    with pytest.raises(openai.NotFoundError):
        wrong_path.chat.completions.create(
            model="m", messages=[{"role": "user", "content": "hello"}]
        )

    async def async_down() -> None:
        client = trace(
            openai.AsyncOpenAI(
                api_key=KEY, base_url=f"http://127.0.0.1:{closed}/v1", max_retries=0
            ),
            log,
            scrub=False,
        )
        await client.chat.completions.create(
            model="m", messages=[{"role": "user", "content": "hello"}]
        )

    with pytest.raises(openai.APIConnectionError):
        asyncio.run(async_down())
    errors = [
        (line["error"]["type"], line["error"]["status_code"], line["response"])
        for line in lines(log)
    ]
    assert errors == [
        ("APIConnectionError", None, None),
        ("NotFoundError", 404, None),
        ("APIConnectionError", None, None),
    ]
    assert [(s.where, s.reason) for s in read_logs(log)] == [
        (f"{log}:{n}", "source_failed_call") for n in (1, 2, 3)
    ]


def test_streams_broken_or_closed_early_are_logged_as_failed(tmp_path, tool_server):
    log = tmp_path / "streams.jsonl"
    client = trace(
        openai.OpenAI(api_key=KEY, base_url=tool_server.base_url, max_retries=0), log, scrub=False
    )
    seen = []
    with pytest.raises(openai.APIError, match="the server broke down"):
        for chunk in client.chat.completions.create(
            model="m", messages=[{"role": "user", "content": "BREAK now"}], stream=True
        ):
            seen.append(chunk.choices[0].delta.content or "")
    with client.chat.completions.create(
        model="m", messages=[{"role": "user", "content": "one two three four"}], stream=True
    ) as stream:
        first = next(stream)
    assert first.choices[0].delta.role == "assistant"
    broken, closed = lines(log)
    assert broken["error"]["type"] == "APIError"
    assert (
        broken["response"]["choices"][0]["message"]
        == {"role": "assistant", "content": "".join(seen)}
        != {}
    )
    assert closed["error"] == {
        "type": "StreamNotFinished",
        "message": "the stream was closed before its last chunk",
        "status_code": None,
    }
    assert [s.reason for s in read_logs(log)] == ["source_failed_call", "source_failed_call"]


def test_twenty_threads_and_twenty_tasks_write_twenty_whole_lines_each(tmp_path, loopback_server):
    log = tmp_path / "concurrent.jsonl"
    client = trace(
        openai.OpenAI(api_key=KEY, base_url=loopback_server.base_url, max_retries=0),
        log,
        scrub=False,
    )
    padding = "x" * 70_000  # lines far over one pipe/page buffer, so a split write would show

    def call(n: int) -> None:
        client.chat.completions.create(
            model="loopback",
            messages=[{"role": "user", "content": f"Request: thread {n} {padding}"}],
        )

    threads = [threading.Thread(target=call, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    async def tasks() -> None:
        client = trace(
            openai.AsyncOpenAI(api_key=KEY, base_url=loopback_server.base_url, max_retries=0),
            log,
            scrub=False,
        )
        await asyncio.gather(
            *(
                client.chat.completions.create(
                    model="loopback",
                    messages=[{"role": "user", "content": f"Request: task {n} {padding}"}],
                )
                for n in range(20)
            )
        )

    asyncio.run(tasks())
    asked = sorted(line["request"]["messages"][0]["content"].split(" x")[0] for line in lines(log))
    assert asked == sorted(
        [f"Request: thread {n}" for n in range(20)] + [f"Request: task {n}" for n in range(20)]
    )
    assert sum(1 for item in read_logs(log) if not isinstance(item, Rejected)) == 40


def test_everything_else_passes_through(tmp_path, loopback_server):
    log = tmp_path / "other.jsonl"
    with trace(
        openai.OpenAI(api_key=KEY, base_url=loopback_server.base_url, max_retries=0), log
    ) as client:
        assert [model.id for model in client.models.list()] == ["loopback"]
        assert client.api_key == KEY and client.base_url == loopback_server.base_url + "/"
        assert type(client.with_options(timeout=5)).__name__ == "TracedClient"
    assert not log.exists()  # no chat call, no line (and no scrubber was built)
    with pytest.raises(TypeError, match="wraps an openai.OpenAI or openai.AsyncOpenAI client"):
        trace(object(), log)


def test_a_log_that_cannot_be_written_warns_and_the_call_still_returns(tmp_path, loopback_server):
    log = tmp_path / "a-folder"
    client = trace(
        openai.OpenAI(api_key=KEY, base_url=loopback_server.base_url, max_retries=0),
        log,
        scrub=False,
    )
    log.mkdir()
    started = time.perf_counter()
    with pytest.warns(
        RuntimeWarning, match="could not log a call to .*a-folder: IsADirectoryError"
    ):
        reply = client.chat.completions.create(
            model="loopback", messages=[{"role": "user", "content": "Request: hi"}]
        )
    assert "hi" in reply.choices[0].message.content and time.perf_counter() - started < 5
