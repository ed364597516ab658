"""The Hermes function-calling text format: a system prompt listing tools, answers in <tool_call> tags.

- `render_system(tools, preface)`: the preface, the tools as one JSON object per line inside
  `<tools>...</tools>` (in one canonical key order, `tool_entry`, so that training, eval and a
  live request rendered here show a tool alike), then how to answer (the shape NousResearch's
  Hermes datasets use).
- `render_call(name, arguments)`: `<tool_call>\\n{"name": ..., "arguments": {...}}\\n</tool_call>`.
- `parse_calls(text)`: the calls in a model's reply, as [{"name": str, "arguments": dict}].
  Tolerant of whitespace, code fences, a missing closing tag (a block then runs to the next
  `<tool_call>` or the end), several calls, Python-style single quotes, and arguments given
  as a JSON string. A reply with no `<tool_call>` tag is read as bare JSON: one call object
  or a list of them. Blocks that hold no call (no name, arguments not an object) are left out.
It does not check a call against the tools' schemas (recipe.check_call does).
"""

from __future__ import annotations

import ast
import json
import re
from typing import Any

from factory.teacher.extract import extract_json

PREFACE = (
    "You are a function calling AI model. You are provided with function signatures within <tools></tools> "
    "XML tags. You may call one or more functions to assist with the user query. Don't make assumptions about "
    "what values to plug into functions."
)
ANSWER_FORMAT = (
    "For each function call, return a JSON object with the function name and arguments within "
    "<tool_call></tool_call> XML tags:\n<tool_call>\n"
    '{"name": <function-name>, "arguments": <args-dict>}\n</tool_call>'
)

_OPEN = re.compile(r"<tool_call\s*>", re.I)
_CLOSE = re.compile(r"</tool_call\s*>", re.I)


def _sorted(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _sorted(value[key]) for key in sorted(value)}
    if isinstance(value, list):
        return [_sorted(item) for item in value]
    return value


def tool_entry(tool: dict) -> dict:
    """A tool in one canonical form, whatever order its keys were stored in (records are written with
    sorted keys; a live request keeps the author's order): type, function (name, description,
    parameters: type, properties, required, then the rest), and below that every key sorted."""
    spec = tool.get("function", tool)
    function = {key: spec[key] for key in ("name", "description", "parameters") if key in spec}
    function.update({key: _sorted(spec[key]) for key in sorted(spec) if key not in function})
    parameters = function.get("parameters")
    if isinstance(parameters, dict):
        first = [key for key in ("type", "properties", "required") if key in parameters]
        order = [*first, *sorted(set(parameters) - set(first))]
        function["parameters"] = {key: _sorted(parameters[key]) for key in order}
    return {"type": "function", "function": function}


def render_system(tools: list[dict], preface: str = PREFACE) -> str:
    listing = "\n".join(json.dumps(tool_entry(tool), ensure_ascii=False) for tool in tools)
    return f"{preface.strip()}\n<tools>\n{listing}\n</tools>\n{ANSWER_FORMAT}"


def render_call(name: str, arguments: dict) -> str:
    return (
        "<tool_call>\n"
        + json.dumps({"name": name, "arguments": arguments}, ensure_ascii=False)
        + "\n</tool_call>"
    )


def parse_calls(text: str | None) -> list[dict[str, Any]]:
    if not text or not text.strip():
        return []
    if _OPEN.search(text):
        blocks = [_CLOSE.split(block, maxsplit=1)[0] for block in _OPEN.split(text)[1:]]
        return [call for call in map(_call_in, blocks) if call is not None]
    try:
        data = extract_json(text)
    except ValueError:
        return []
    items = data if isinstance(data, list) else [data]
    return [call for call in map(_as_call, items) if call is not None]


def _call_in(block: str) -> dict[str, Any] | None:
    try:
        return _as_call(extract_json(block))
    except ValueError:
        pass
    start, end = block.find("{"), block.rfind("}")
    if start < 0 or end < start:
        return None
    try:  # {'name': 'f', 'arguments': {...}}: the single-quoted shape of older Hermes data
        return _as_call(ast.literal_eval(block[start : end + 1]))
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return None


def _as_call(item: Any) -> dict[str, Any] | None:
    if (
        not isinstance(item, dict)
        or not isinstance(item.get("name"), str)
        or not item["name"].strip()
    ):
        return None
    arguments = item.get("arguments")
    if isinstance(arguments, str):
        try:
            arguments = json.loads(arguments)
        except json.JSONDecodeError:
            return None
    if not isinstance(arguments, dict):
        return None
    return {"name": item["name"].strip(), "arguments": arguments}
