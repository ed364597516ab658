"""Servers for the proxy tests: a teacher that answers with native tool calls, a student that writes Hermes
`<tool_call>` blocks (right, wrong, prose or late, by the city asked about), and the proxy itself, started
through the installed `factory` script as a real process on 127.0.0.1."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import threading
from contextlib import contextmanager
from pathlib import Path

from factory_cli import FACTORY, ROOT

KEY = "test-proxy-key-0123"
TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "Current weather for a city.",
            "parameters": {
                "type": "object",
                "properties": {"location": {"type": "string"}},
                "required": ["location"],
            },
        },
    },
    {
        "type": "function",
        "function": {
            "name": "convert_units",
            "description": "Convert a value between units.",
            "parameters": {
                "type": "object",
                "properties": {
                    "value": {"type": "number"},
                    "from_unit": {"type": "string"},
                    "to_unit": {"type": "string"},
                },
                "required": ["value", "from_unit", "to_unit"],
            },
        },
    },
]
RELEASE = threading.Event()  # a late student waits for this (the test's end) or 60 s


def city(messages: list[dict]) -> str:
    user = [m for m in messages if m["role"] == "user"][-1]["content"]
    return re.search(r"weather in (\w+)", user).group(1)


def teacher_reply(messages: list[dict]) -> dict:
    arguments = json.dumps({"location": city(messages)})
    return {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {
                "id": "call_t1",
                "type": "function",
                "function": {"name": "get_weather", "arguments": arguments},
            }
        ],
    }


def student_reply(messages: list[dict]) -> str:
    """Right for most cities; Atlantis: a function that is not among the tools; Mumble: prose; Slowville: late."""
    assert "<tools>" in messages[0]["content"], (
        "the student is asked with the recipe's Hermes system prompt"
    )
    place = city(messages)
    if place == "Atlantis":
        return '<tool_call>\n{"name": "launch_rocket", "arguments": {}}\n</tool_call>'
    if place == "Mumble":
        return "I think it is sunny there, probably."
    if place == "Slowville":
        RELEASE.wait(60)
    return (
        "<tool_call>\n"
        + json.dumps({"name": "get_weather", "arguments": {"location": place}})
        + "\n</tool_call>"
    )


def ask(place: str, extra: str = "") -> dict:
    return {
        "model": "gpt-4o",
        "messages": [{"role": "user", "content": f"What's the weather in {place}?{extra}"}],
        "tools": TOOLS,
    }


@contextmanager
def proxy(
    teacher_url: str,
    student_url: str,
    log_dir: Path,
    *args: str,
    key: str | None = KEY,
    env: dict | None = None,
    student: str | None = None,
):
    """Yields (process, base URL, banner lines); SIGTERM at the end (unless the test killed it). `student`: a model
    for the proxy to serve (--student) instead of `student_url`."""
    chosen = ["--student", student] if student else ["--student-url", student_url]
    command = [
        *FACTORY,
        "proxy",
        "toolcalls",
        "--teacher-url",
        teacher_url,
        *chosen,
        "--port",
        "0",
        "--log-dir",
        str(log_dir),
        *(["--api-key", key] if key else []),
        *args,
    ]
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "COLUMNS": "200", **(env or {})},
    )
    banner = [process.stdout.readline()]  # printed once the proxy listens (after a new key, if any)
    if banner[0].startswith("new proxy API key"):
        banner.append(process.stdout.readline())
    if not banner[-1].startswith("proxy for"):
        try:
            rest = process.communicate(timeout=60)[0]
        except subprocess.TimeoutExpired:
            process.kill()
            rest = process.communicate()[0]
        raise AssertionError("the proxy did not start: " + "".join(banner) + rest)
    base_url = re.search(r" at (http://\S+):", banner[-1]).group(1)
    try:
        yield process, base_url, banner
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            process.wait(
                timeout=240
            )  # a ceiling, not a timing: it stops its student server first, on a busy machine
        process.stdout.close()


def exchanges(log_dir: Path) -> list[dict]:
    lines = []
    for path in sorted(log_dir.glob("exchanges-*.jsonl")):
        for text in path.read_text().splitlines():
            try:
                lines.append(json.loads(text))
            except json.JSONDecodeError:
                pass  # a line cut by a kill mid-write
    return lines
