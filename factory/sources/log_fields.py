"""The fields of a log line besides its messages: tool definitions, the structured output asked
for, and meta (timestamp, agent role, success, rating, model); and `BadLine`, which every
parser of a log line raises.

- `tools_of(value)`: OpenAI tool (or legacy function) definitions -> [{"name", "description",
  "parameters"}]; JSON in a string is read.
- `response_format(value)`: the structured output a call asked for, in one shape, or None.
- `meta_of(sources, model, created)`: the line's meta, each field from the first source that
  has it; `instant(value, name)` reads ISO 8601 or epoch seconds (or milliseconds).
It reads no file, applies no filter and parses no messages (factory.sources.log_formats does).
"""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from typing import Any

from factory.record import SeedError

EMPTY_PARAMETERS = {"type": "object", "properties": {}}

_OK_WORDS = {
    "success",
    "succeeded",
    "successful",
    "passed",
    "pass",
    "ok",
    "completed",
    "complete",
    "done",
    "true",
}
_FAIL_WORDS = {
    "failure",
    "failed",
    "fail",
    "error",
    "errored",
    "false",
    "timeout",
    "timed_out",
    "crashed",
    "rejected",
}


class BadLine(SeedError):
    """A line that cannot become a conversation; `reason` is its rejection's (source_bad_shape unless
    said). Note the order: the detail first."""

    def __init__(self, detail: str, reason: str = "source_bad_shape"):
        super().__init__(reason, detail)


def response_format(value: Any) -> dict | None:
    """The structured output a call asked for, in one shape (see factory.sources.logs), or None for
    text; raises BadLine for a response_format that is none of the known forms."""
    if value is None or value == {} or value == "":
        return None
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError as exc:
            raise BadLine(f"response_format is a string but not JSON ({exc.msg})") from None
    if not isinstance(value, dict):
        raise BadLine(f"response_format is a {type(value).__name__}, not an object")
    kind = value.get("type")
    if "pydantic_model" in value:  # the tracer's form of .parse(response_format=Model)
        kind, named = (
            "json_schema",
            {"name": value["pydantic_model"], "schema": value.get("schema")},
        )
    elif kind == "json_schema":
        named = value.get("json_schema")
        if not isinstance(named, dict):
            raise BadLine("response_format json_schema has no json_schema object")
    elif kind == "json_object":
        named = {"name": None, "schema": value.get("schema")}  # llama.cpp's form carries a schema
        kind = "json_schema" if named["schema"] is not None else kind
    elif kind == "text":
        return None
    else:
        raise BadLine(f"response_format type {kind!r} is none of json_schema, json_object, text")
    schema = named.get("schema")
    if kind == "json_schema" and not isinstance(schema, dict):
        raise BadLine("response_format json_schema has no schema object")
    name = named.get("name")
    return {"type": kind, "name": str(name) if name else None, "schema": schema}


def tools_of(value: Any) -> list[dict]:
    if value is None or value == "" or value == []:
        return []
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError as exc:
            raise BadLine(f"tools is a string but not JSON ({exc.msg})") from None
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list):
        raise BadLine(f"tools is a {type(value).__name__}, not a list")
    tools = []
    for n, tool in enumerate(value, 1):
        spec = tool.get("function", tool) if isinstance(tool, dict) else None
        if not isinstance(spec, dict) or not isinstance(spec.get("name"), str) or not spec["name"]:
            raise BadLine(f"tool {n} has no function name")
        parameters = spec.get("parameters") or EMPTY_PARAMETERS
        if not isinstance(parameters, dict):
            raise BadLine(f"tool {n} ({spec['name']}): parameters is not an object")
        description = str(spec.get("description") or "")
        tools.append(
            {
                "type": "function",
                "function": {
                    "name": spec["name"],
                    "description": description,
                    "parameters": parameters,
                },
            }
        )
    return tools


def meta_of(sources: tuple, model: Any = None, created: Any = None) -> dict:
    def first(*keys: str) -> Any:
        for source in sources:
            if isinstance(source, dict):
                for key in keys:
                    if source.get(key) is not None:
                        return source[key]
        return None

    when = first("timestamp", "created_at", "time")
    when = when if when is not None else created
    role = first("agent_role", "agent")
    model = first("model") or model
    return {
        "timestamp": instant(when, "timestamp").isoformat() if when is not None else None,
        "agent_role": str(role) if role is not None else None,
        "success": success_of(first("execution_result", "success")),
        "rating": rating_of(first("human_feedback", "rating", "human_rating")),
        "model": str(model) if model else None,
    }


def instant(value: Any, name: str) -> datetime:
    """A UTC datetime from a datetime, an ISO 8601 string, or epoch seconds/milliseconds."""
    try:
        if isinstance(value, datetime):
            when = value
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            return datetime.fromtimestamp(value / 1000 if value > 1e11 else value, UTC)
        elif isinstance(value, str) and value.strip().replace(".", "", 1).isdigit():
            return instant(float(value), name)
        elif isinstance(value, str):
            when = datetime.fromisoformat(value.strip())
        else:
            raise TypeError(type(value).__name__)
    except (ValueError, TypeError, OverflowError, OSError):
        raise BadLine(f"{name} {value!r} is neither ISO 8601 nor epoch seconds") from None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def success_of(value: Any) -> bool | None:
    """True/False from a bool, an exit code, a status word, or an execution_result object; None if unknown."""
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value == 0
    if isinstance(value, str):
        word = value.strip().lower().replace(" ", "_")
        return True if word in _OK_WORDS else False if word in _FAIL_WORDS else None
    if not isinstance(value, dict):
        return None
    verdicts = [
        success_of(value[k])
        for k in ("status", "result", "outcome")
        if isinstance(value.get(k), str)
    ]
    verdicts += [
        value[k]
        for k in ("success", "ok", "passed", "tests_passed")
        if isinstance(value.get(k), bool)
    ]
    verdicts += [
        value[k] == 0
        for k in ("exit_code", "returncode", "exit_status")
        if isinstance(value.get(k), int) and not isinstance(value.get(k), bool)
    ]
    known = [v for v in verdicts if v is not None]
    return all(known) if known else None


def rating_of(value: Any) -> float | None:
    """A number from a number, a numeric string ("4", "4/5"), or {"rating"|"score": n}; None if there is none."""
    if isinstance(value, dict):
        return rating_of(value.get("rating", value.get("score")))
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return None if math.isnan(value) else float(value)
    if isinstance(value, str):
        try:
            return float(value.split("/")[0])
        except ValueError:
            return None
    return None
