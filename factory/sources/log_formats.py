"""Parse one log line of each format into a conversation (the contract in factory.sources.logs).

`detect(obj)` tells the format of a parsed JSON line (openai | sharegpt | interaction) and
`parse_line(obj, where, format)` turns it into {"where", "format", "messages", "tools",
"response_format", "meta"}, or raises `BadLine` (a SeedError) with its reason. Here too: tool
definitions (`tools`), a requested structured output (`response_format`), and the line's meta
(timestamp, agent role, success, rating, model), read by factory.sources.log_fields. It reads no
file and applies no filter (factory.sources.logs does both).
"""

from __future__ import annotations

import json
from typing import Any

from factory.sources.log_fields import BadLine, meta_of, response_format, tools_of

FORMATS = ("openai", "sharegpt", "interaction")
_ROLES = {
    "system": "system",
    "developer": "system",
    "user": "user",
    "assistant": "assistant",
    "tool": "tool",
}
_SHAREGPT_ROLES = {
    "system": "system",
    "human": "user",
    "user": "user",
    "gpt": "assistant",
    "assistant": "assistant",
    "observation": "tool",
    "tool": "tool",
    "function_response": "tool",
}


def detect(obj: Any) -> str | None:
    """The format of one parsed line, or None."""
    if not isinstance(obj, dict):
        return None
    if ("request" in obj and ("response" in obj or "error" in obj)) or isinstance(
        obj.get("messages"), list
    ):
        return "openai"
    if "conversations" in obj:
        return "sharegpt"
    if ("task_description" in obj or "task" in obj) and ("model_output" in obj or "output" in obj):
        return "interaction"
    return None


def parse_line(obj: Any, where: str, format: str = "auto") -> dict:
    """One parsed line -> a conversation; raises BadLine."""
    found = detect(obj)
    if found is None or (format != "auto" and found != format):
        expected = (
            "an openai, sharegpt or interaction line" if format == "auto" else f"a {format} line"
        )
        if isinstance(obj, dict):
            seen = (
                f"an object, looks like {found}"
                if found
                else f"an object with keys {', '.join(sorted(obj)[:6])}"
            )
        else:
            seen = "a JSON array" if isinstance(obj, list) else f"a JSON {type(obj).__name__}"
        raise BadLine(f"{seen}; expected {expected}")
    messages, tools, meta = _PARSERS[found](obj)
    if not any(m["role"] == "assistant" for m in messages):
        raise BadLine("no assistant message")
    request = (
        obj.get("request") if found == "openai" and isinstance(obj.get("request"), dict) else obj
    )
    return {
        "where": where,
        "format": found,
        "messages": messages,
        "tools": tools,
        "response_format": response_format(request.get("response_format")),
        "meta": meta,
    }


class _Turns:
    """Builds the normalised message list; links tool results to the calls before them."""

    def __init__(self) -> None:
        self.messages: list[dict] = []
        self.pending: list[str] = []
        self.calls = 0

    def add(self, role: str, content: Any, label: str) -> None:
        self.messages.append({"role": role, "content": _text(content, label)})

    def add_calls(self, content: Any, calls: list, label: str) -> None:
        tool_calls = [self._call(call, f"{label} tool call {n}") for n, call in enumerate(calls, 1)]
        self.messages.append(
            {"role": "assistant", "content": _text(content, label), "tool_calls": tool_calls}
        )
        self.pending = [call["id"] for call in tool_calls]

    def add_result(self, content: Any, call_id: Any, label: str) -> None:
        if call_id is None:
            if not self.pending:
                raise BadLine(f"{label}: a tool result with no tool call before it")
            call_id = self.pending[0]
        if call_id in self.pending:
            self.pending.remove(call_id)
        self.messages.append(
            {"role": "tool", "content": _text(content, label), "tool_call_id": str(call_id)}
        )

    def _call(self, call: Any, label: str) -> dict:
        self.calls += 1
        if not isinstance(call, dict):
            raise BadLine(f"{label} is not an object")
        function = call.get("function", call)
        if (
            not isinstance(function, dict)
            or not isinstance(function.get("name"), str)
            or not function["name"]
        ):
            raise BadLine(f"{label} has no function name")
        arguments = function.get("arguments") or {}
        if isinstance(arguments, str):
            try:
                parsed = json.loads(arguments)
            except json.JSONDecodeError as exc:
                raise BadLine(
                    f"{label} ({function['name']}): arguments are not JSON ({exc.msg})"
                ) from None
        else:
            parsed, arguments = arguments, json.dumps(arguments, ensure_ascii=False)
        if not isinstance(parsed, dict):
            raise BadLine(
                f"{label} ({function['name']}): arguments are a JSON {type(parsed).__name__}, not an object"
            )
        return {
            "id": str(call.get("id") or f"call_{self.calls}"),
            "type": "function",
            "function": {"name": function["name"], "arguments": arguments},
        }


def _text(content: Any, label: str) -> str:
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        texts = []
        for part in content:
            if isinstance(part, str):
                texts.append(part)
            elif isinstance(part, dict) and isinstance(part.get("text"), str):
                texts.append(part["text"])
            else:
                kind = part.get("type") if isinstance(part, dict) else type(part).__name__
                raise BadLine(f"{label}: a {kind} content part (only text is read)")
        return "\n".join(texts)
    raise BadLine(f"{label}: content is a {type(content).__name__}, not text")


def _openai_messages(messages: Any, turns: _Turns) -> None:
    if not isinstance(messages, list) or not messages:
        raise BadLine("messages is not a non-empty list")
    for n, message in enumerate(messages, 1):
        label = f"message {n}"
        if not isinstance(message, dict) or "role" not in message:
            raise BadLine(f"{label} has no role")
        role = message["role"]
        calls = message.get("tool_calls") or (
            [message["function_call"]] if message.get("function_call") else None
        )
        if role == "assistant" and calls:
            if not isinstance(calls, list):
                raise BadLine(f"{label}: tool_calls is not a list")
            turns.add_calls(message.get("content"), calls, label)
        elif role in ("tool", "function"):
            turns.add_result(message.get("content"), message.get("tool_call_id"), label)
        elif role in _ROLES:  # a refusal is the assistant's answer when it has no content
            content = message.get("content")
            turns.add(_ROLES[role], message.get("refusal") if content is None else content, label)
        else:
            raise BadLine(f"{label} has an unknown role {role!r}")


def _openai(obj: dict) -> tuple[list, list, dict]:
    turns = _Turns()
    if "request" in obj:
        if obj.get("error"):
            error = obj["error"]
            detail = error.get("message", error) if isinstance(error, dict) else error
            raise BadLine(f"the call raised: {str(detail)[:200]}", "source_failed_call")
        request, response = obj["request"], obj.get("response")
        if not isinstance(request, dict) or not isinstance(response, dict):
            raise BadLine("request and response must be objects")
        choices = response.get("choices")
        if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
            raise BadLine("the response has no choices")
        if not isinstance(request.get("messages"), list):
            raise BadLine("the request has no messages list")
        _openai_messages([*request["messages"], choices[0].get("message")], turns)
        tools = tools_of(request.get("tools") or request.get("functions"))
        meta = meta_of(
            (obj, obj.get("metadata"), request.get("metadata")),
            response.get("model") or request.get("model"),
            response.get("created"),
        )
    else:
        _openai_messages(obj["messages"], turns)
        tools = tools_of(obj.get("tools") or obj.get("functions"))
        meta = meta_of((obj, obj.get("metadata")))
    return turns.messages, tools, meta


def _sharegpt(obj: dict) -> tuple[list, list, dict]:
    conversations, turns = obj["conversations"], _Turns()
    if not isinstance(conversations, list) or not conversations:
        raise BadLine("conversations is not a non-empty list")
    if isinstance(obj.get("system"), str) and obj["system"]:
        turns.add("system", obj["system"], "system")
    for n, turn in enumerate(conversations, 1):
        label = f"turn {n}"
        if not isinstance(turn, dict):
            raise BadLine(f"{label} is not an object")
        source, value = turn.get("from", turn.get("role")), turn.get("value", turn.get("content"))
        if source == "function_call":
            if isinstance(value, str):
                try:
                    value = json.loads(value)
                except json.JSONDecodeError as exc:
                    raise BadLine(
                        f"{label}: a function_call value that is not JSON ({exc.msg})"
                    ) from None
            turns.add_calls("", value if isinstance(value, list) else [value], label)
        elif _SHAREGPT_ROLES.get(source) == "tool":
            turns.add_result(value, turn.get("tool_call_id"), label)
        elif source in _SHAREGPT_ROLES:
            turns.add(_SHAREGPT_ROLES[source], value, label)
        else:
            raise BadLine(f"{label} is from an unknown speaker {source!r}")
    return turns.messages, tools_of(obj.get("tools")), meta_of((obj, obj.get("metadata")))


def _interaction(obj: dict) -> tuple[list, list, dict]:
    task, output = (
        obj.get("task_description", obj.get("task")),
        obj.get("model_output", obj.get("output")),
    )
    for name, value in (("task_description", task), ("model_output", output)):
        if not isinstance(value, str) or not value.strip():
            raise BadLine(f"{name} is not a non-empty string")
    turns = _Turns()
    if isinstance(obj.get("system_prompt"), str) and obj["system_prompt"]:
        turns.add("system", obj["system_prompt"], "system_prompt")
    turns.add("user", task, "task_description")
    turns.add("assistant", output, "model_output")
    return turns.messages, tools_of(obj.get("tools")), meta_of((obj, obj.get("metadata")))


_PARSERS = {"openai": _openai, "sharegpt": _sharegpt, "interaction": _interaction}
