"""What a traced call line holds: its texts to scrub, put back in place, and JSON-ready call arguments.

`text_slots(line)` finds every text of a line that factory.sources.tracer writes (message
contents and names, refusals, tool-call argument values one by one, end-user ids, request
metadata, an error message); `put_texts` writes the redacted texts back and re-serialises the
arguments that changed; `plain(value)` makes a JSON-ready copy of a call's arguments. The
proxy's log writer uses the same functions. It does not scrub (factory.pii does) or write files.
"""

from __future__ import annotations

import json
from typing import Any


def put_texts(
    slots: list[tuple[Any, Any]], arguments: list[tuple[dict, Any, str]], texts: list[str]
) -> None:
    """Write the redacted `texts` back into the line's `slots` (text_slots), and re-serialise each tool
    call's arguments whose values changed."""
    for (holder, key), text in zip(slots, texts, strict=True):
        holder[key] = text
    for function, wrapper, before in arguments:
        after = json.dumps(wrapper[0], ensure_ascii=False)
        if after != before:
            function["arguments"] = after


def text_slots(line: dict) -> tuple[list[tuple[Any, Any]], list[tuple[dict, Any, str]]]:
    """(holder, key) of every text to scrub; tool-call arguments are scrubbed value by value so that
    they stay JSON: those come back as (function, parsed arguments, their JSON before)."""
    slots: list[tuple[Any, Any]] = []
    arguments: list[tuple[dict, Any, str]] = []
    choices = (line.get("response") or {}).get("choices") or []
    messages = [
        *(line["request"].get("messages") or []),
        *(c.get("message") for c in choices if isinstance(c, dict)),
    ]
    for message in messages:
        if not isinstance(message, dict):
            continue
        content = message.get("content")
        slots += [
            (message, key) for key in ("name", "refusal") if isinstance(message.get(key), str)
        ]  # a participant
        if isinstance(content, str):
            slots.append((message, "content"))
        elif isinstance(content, list):
            slots += [
                (part, "text")
                for part in content
                if isinstance(part, dict) and isinstance(part.get("text"), str)
            ]
        calls = [c.get("function") for c in message.get("tool_calls") or [] if isinstance(c, dict)]
        for function in [*calls, message.get("function_call")]:
            if isinstance(function, dict) and isinstance(function.get("arguments"), str):
                try:
                    parsed = json.loads(function["arguments"])
                except json.JSONDecodeError:
                    slots.append((function, "arguments"))
                    continue
                wrapper = [parsed]
                slots += _string_leaves(wrapper)
                arguments.append((function, wrapper, json.dumps(parsed, ensure_ascii=False)))
    request = line["request"]
    for key in (
        "user",
        "safety_identifier",
        "prompt_cache_key",
    ):  # end-user ids: often an email address
        if isinstance(request.get(key), str):
            slots.append((request, key))
    if isinstance(request.get("metadata"), dict):
        slots += [
            (request["metadata"], key)
            for key, value in request["metadata"].items()
            if isinstance(value, str)
        ]
    if line.get("error"):
        slots.append((line["error"], "message"))
    return slots, arguments


def _string_leaves(holder: list | dict) -> list[tuple[Any, Any]]:
    keys = range(len(holder)) if isinstance(holder, list) else list(holder)
    found = []
    for key in keys:
        value = holder[key]
        if isinstance(value, str):
            found.append((holder, key))
        elif isinstance(value, (list, dict)):
            found += _string_leaves(value)
    return found


def plain(value: Any) -> Any:
    """JSON-ready copy of call arguments: pydantic models dumped, iterables listed, NOT_GIVEN dropped."""
    if isinstance(value, dict):
        return {
            str(k): plain(v)
            for k, v in value.items()
            if type(v).__name__ not in ("NotGiven", "Omit")
        }
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, type) and hasattr(
        value, "model_json_schema"
    ):  # parse(response_format=PydanticModel)
        return {"pydantic_model": value.__name__, "schema": value.model_json_schema()}
    if hasattr(value, "model_dump"):
        return plain(value.model_dump(mode="json", exclude_none=True))
    return str(value)
