"""Seeds from logged tool-using conversations: one (user request -> the assistant's tool call) per user turn.

`conversation_seeds(conversation)` reads one conversation in the shape `factory.sources.logs`
yields ({"where", "messages", "tools", ...}, OpenAI messages with `tool_calls`) and yields, for
every user turn, either a seed or a `Rejected` saying why that turn is no training pair:

- `toolcalls_no_request`: a user message without text (an empty string), or no user message at all;
- `toolcalls_no_call`: the assistant answered in text, the user wrote again first, or the log
  ends before an answer;
- `toolcalls_multiple_calls`: several calls in one turn (this recipe teaches one call);
- `toolcalls_no_tools`: the conversation lists no tools, so the call cannot be checked;
- `toolcalls_unknown_function`: the called function is not in the conversation's tools;
- `toolcalls_bad_call`: a call without a function name;
- `toolcalls_arguments_not_json` / `toolcalls_arguments_not_object`: unusable arguments.
A call that follows a tool's result rather than a user request (a chained call) is
`toolcalls_after_tool_result`: its input would be the tool's output, not the user's words.
A seed's input is that one user message (earlier turns are not included), its output
{"name", "arguments"}, its context {"tools": the conversation's tools}; provenance origin
`log`, source the conversation's `where`, `turn` the message number (from 1) of the call,
and `keep_values` (see recipe.keep_values). It reads no files (factory.sources.logs does).
"""

from __future__ import annotations

import json
from typing import Any, Callable, Iterator

from factory.record import Rejected


def tool_name(tool: Any) -> str | None:
    """The function name of a tool: {"type": "function", "function": {"name": ...}} or a bare {"name": ...}."""
    spec = tool.get("function", tool) if isinstance(tool, dict) else None
    name = spec.get("name") if isinstance(spec, dict) else None
    return name if isinstance(name, str) else None


def message_text(content: Any) -> str | None:
    """The text of a message: a string, or the text parts of a list of content parts."""
    if isinstance(content, list):
        parts = [
            part.get("text")
            for part in content
            if isinstance(part, dict) and part.get("type") == "text"
        ]
        content = "\n".join(part for part in parts if isinstance(part, str))
    if isinstance(content, str) and content.strip():
        return content.strip()
    return None


def parse_call(call: Any, where: str) -> dict | Rejected:
    """{"name", "arguments"} of one entry of `tool_calls` (arguments a JSON string, an object, or
    missing/empty for none), or why it is unusable."""
    spec = call.get("function", call) if isinstance(call, dict) else None
    name = spec.get("name") if isinstance(spec, dict) else None
    if not isinstance(name, str) or not name.strip():
        return Rejected.at(
            where,
            "toolcalls_bad_call",
            f"no function name in {json.dumps(call, default=str)[:120]}",
        )
    arguments = spec.get("arguments")
    if arguments is None or isinstance(arguments, str) and not arguments.strip():
        arguments = {}
    elif isinstance(arguments, str):
        try:
            arguments = json.loads(arguments)
        except json.JSONDecodeError as exc:
            return Rejected.at(
                where, "toolcalls_arguments_not_json", f"{name}: column {exc.colno}: {exc.msg}"
            )
    if not isinstance(arguments, dict):
        return Rejected.at(
            where,
            "toolcalls_arguments_not_object",
            f"{name}: the arguments are a {type(arguments).__name__}, not an object",
        )
    return {"name": name.strip(), "arguments": arguments}


def conversation_seeds(
    conversation: dict,
    labels: Callable[[dict], dict],
    keep_values: Callable[[str, dict], list[str]],
) -> Iterator[dict | Rejected]:
    where = conversation.get("where", "?")
    messages = conversation.get("messages") or []
    tools = [tool for tool in conversation.get("tools") or [] if tool_name(tool)]
    pending: tuple[int, str | None] | None = (
        None  # (message number, text) of the unanswered user turn
    )
    for number, message in enumerate(messages, start=1):
        role = message.get("role") if isinstance(message, dict) else None
        if role == "user":
            if pending is not None:
                yield Rejected.at(
                    f"{where} message {pending[0]}",
                    "toolcalls_no_call",
                    "the user wrote again before an answer",
                )
            pending = (number, message_text(message.get("content")))
        elif role == "assistant" and message.get("tool_calls"):
            if pending is None:
                yield Rejected.at(
                    f"{where} message {number}",
                    "toolcalls_after_tool_result",
                    "a call made after a tool's result, not in answer to a user request",
                )
                continue
            yield _seed(
                where, number, pending[1], message["tool_calls"], tools, labels, keep_values
            )
            pending = None
        elif role == "assistant" and pending is not None:
            yield Rejected.at(
                f"{where} message {pending[0]}",
                "toolcalls_no_call",
                "the assistant answered in text",
            )
            pending = None
    if pending is not None:
        yield Rejected.at(
            f"{where} message {pending[0]}", "toolcalls_no_call", "the log ends before an answer"
        )
    if not any(isinstance(m, dict) and m.get("role") == "user" for m in messages):
        yield Rejected.at(
            where, "toolcalls_no_request", f"no user message among {len(messages)} messages"
        )


def _seed(
    where: str,
    number: int,
    text: str | None,
    calls: Any,
    tools: list[dict],
    labels: Callable[[dict], dict],
    keep_values: Callable[[str, dict], list[str]],
) -> dict | Rejected:
    here = f"{where} message {number}"
    if text is None:
        return Rejected.at(here, "toolcalls_no_request", "the user's message holds no text")
    if not isinstance(calls, list):
        return Rejected.at(here, "toolcalls_bad_call", "tool_calls is not a list")
    if len(calls) > 1:
        names = ", ".join(str(tool_name(call)) for call in calls)
        return Rejected.at(
            here, "toolcalls_multiple_calls", f"{len(calls)} calls in one turn ({names})"
        )
    parsed = parse_call(calls[0], here)
    if isinstance(parsed, Rejected):
        return parsed
    known = [tool_name(tool) for tool in tools]
    if not known:
        return Rejected.at(
            here,
            "toolcalls_no_tools",
            f"calls {parsed['name']} but the conversation lists no tools",
        )
    if parsed["name"] not in known:
        return Rejected.at(
            here,
            "toolcalls_unknown_function",
            f"{parsed['name']!r} is not among the tools: {', '.join(known)}",
        )
    return {
        "input": text,
        "output": parsed,
        "labels": labels(parsed),
        "provenance": {
            "origin": "log",
            "source": where,
            "turn": number,
            "keep_values": keep_values(text, parsed),
        },
        "context": {"tools": tools},
    }
