"""Call sites of a logged workflow: which calls belong together, what each must answer, and the check of an answer.

A call site is one place in a workflow that calls the model: the same system prompt, the same
tool definitions and the same requested output schema every time. `site_context(system, tools,
response_format)` is what a record carries about its site (provenance.context):

    {"site": "ticket_triage-3f2a9c", "system": "<system prompt>", "tools": [...]?, "response_format": {...}?}

The site's label is a readable name (the schema's name, or the tool names) and the first six
hex digits of a hash of the canonical JSON of the three parts: stable across runs and machines,
and different as soon as the prompt, a tool or the schema changes.

`logged_call(conversation)` reads one conversation of factory.sources.logs as a call: its first
exchange (system prompt, the user's message, the assistant's first reply; the turns after it
depend on that reply and are not read), or a `Rejected` with the reason it cannot be one. The
answer (`output`) is the tool call {"name", "arguments"} where the reply calls a tool, else the
reply's JSON. `check_answer(output, context)` judges an answer against the site: a tool call
must name a declared tool and its arguments must pass that tool's parameters (toolcalls'
check_call); a JSON answer must pass the logged schema (jsonschema, formats as annotations).
`answer_schema(context)` is the same judgement as one JSON Schema, for decoding under it
(`factory eval --constrain`). It reads no file and calls no model.
"""

from __future__ import annotations

import hashlib
import json
import re
from functools import lru_cache
from typing import Any

import jsonschema

from factory.record import Rejected
from pipelines.toolcalls.recipe import check_call


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def tool_names(tools: list[dict]) -> list[str]:
    return [str(tool.get("function", tool).get("name")) for tool in tools]


def site_label(system: str, tools: list[dict], response_format: dict | None) -> str:
    digest = hashlib.sha256(
        _canonical([system, tools, response_format]).encode("utf-8")
    ).hexdigest()
    name = (response_format or {}).get("name") or "+".join(tool_names(tools)) or "json"
    slug = re.sub(r"[^a-z0-9_+]+", "_", name.lower()).strip("_")[:48] or "site"
    return f"{slug}-{digest[:6]}"


def site_context(system: str, tools: list[dict], response_format: dict | None) -> dict:
    context: dict[str, Any] = {"site": site_label(system, tools, response_format), "system": system}
    if tools:
        context["tools"] = tools
    if response_format is not None:
        context["response_format"] = response_format
    return context


def is_call(output: Any, context: dict) -> bool:
    """Is this answer a tool call (rather than a JSON answer)? Only at a site with tools."""
    return (
        bool(context.get("tools"))
        and isinstance(output, dict)
        and set(output) == {"name", "arguments"}
        and (not context.get("response_format") or output["name"] in tool_names(context["tools"]))
    )


def answer_schema(context: dict) -> dict:
    """One JSON Schema for every valid answer of the site: a call {"name": <a declared tool>,
    "arguments": <its parameters>} per tool, the logged response schema (any object under
    json_object), or anyOf them. Keys in the order the student writes them (recipe.student_answer)."""
    options: list[dict] = []
    for tool in context.get("tools") or []:
        function = tool.get("function", tool)
        options.append(
            {
                "type": "object",
                "properties": {
                    "name": {"const": function.get("name")},
                    "arguments": function.get("parameters") or {"type": "object"},
                },
                "required": ["name", "arguments"],
                "additionalProperties": False,
            }
        )
    response_format = context.get("response_format")
    if response_format is not None:
        options.append(response_format.get("schema") or {"type": "object"})
    if not options:
        return {"type": "object"}
    return options[0] if len(options) == 1 else {"anyOf": options}


@lru_cache(maxsize=128)
def _validator(schema_json: str):
    schema = json.loads(schema_json)
    cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
    cls.check_schema(schema)
    return cls(schema)


def check_answer(output: Any, context: dict) -> tuple[str, str] | None:
    """None if `output` is a valid answer of the site, else (reason, detail)."""
    if is_call(output, context):
        if not isinstance(output["name"], str) or not isinstance(output["arguments"], dict):
            return "toolcall_bad_shape", 'a call is {"name": str, "arguments": {...}}'
        return check_call(output, context["tools"])
    response_format = context.get("response_format")
    if response_format is None:
        return "traces_not_a_call", "the site answers with a tool call; this answer is not one"
    if not isinstance(output, dict):
        return (
            "traces_not_an_object",
            f"the answer is a JSON {type(output).__name__}, not an object",
        )
    if response_format.get("schema") is None:  # json_object: any object
        return None
    try:
        validator = _validator(_canonical(response_format["schema"]))
    except jsonschema.SchemaError as exc:
        return (
            "traces_bad_logged_schema",
            f"the logged schema is not a valid JSON Schema: {exc.message}",
        )
    error = jsonschema.exceptions.best_match(validator.iter_errors(output))
    if error is not None:
        path = "/".join(["output", *(str(part) for part in error.absolute_path)])
        return "traces_schema_invalid", f"{path}: {error.message}"
    return None


def parse_answer(text: str) -> Any:
    """A JSON answer from a reply's text: the whole text, or the inside of one ``` fence; ValueError if not JSON."""
    text = text.strip()
    fenced = re.fullmatch(r"```(?:json)?\s*(.*?)\s*```", text, re.S)
    try:
        return json.loads(fenced.group(1) if fenced else text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not JSON ({exc.msg} at character {exc.pos})") from None


def logged_call(conversation: dict) -> dict | Rejected:
    """{"input", "output", "context", "where"} of the conversation's first exchange, or Rejected with the reason."""
    where, messages = conversation["where"], conversation["messages"]
    first = next(n for n, message in enumerate(messages) if message["role"] == "assistant")
    before, reply = messages[:first], messages[first]
    users = [message for message in before if message["role"] == "user"]
    if not users or not users[-1]["content"].strip():
        return Rejected.at(
            where, "traces_no_request", "no user message before the assistant's first reply"
        )
    if len(users) > 1 or any(message["role"] == "tool" for message in before):
        return Rejected.at(
            where,
            "traces_needs_history",
            "the first reply follows earlier turns; only a system prompt "
            "and one user message make a call this recipe distils",
        )
    tools, response_format = conversation["tools"], conversation.get("response_format")
    if not tools and response_format is None:
        return Rejected.at(
            where,
            "traces_unstructured",
            "the call declares neither tools nor a response_format; "
            "this recipe distils tool calls and structured outputs",
        )
    system = "\n\n".join(message["content"] for message in before if message["role"] == "system")
    context = site_context(system, tools, response_format)
    calls = reply.get("tool_calls") or []
    if len(calls) > 1:
        return Rejected.at(
            where, "traces_multiple_calls", f"the reply makes {len(calls)} tool calls in one turn"
        )
    if calls:
        output = {
            "name": calls[0]["function"]["name"],
            "arguments": json.loads(calls[0]["function"]["arguments"]),
        }
    elif response_format is None:
        return Rejected.at(
            where, "traces_no_call", "the site answers with tool calls; this reply is text"
        )
    else:
        try:
            output = parse_answer(reply["content"])
        except ValueError as exc:
            return Rejected.at(where, "traces_bad_json", f"the logged answer is {exc}")
    problem = check_answer(output, context)
    if problem:
        return Rejected.at(where, problem[0], "the logged answer fails its own site: " + problem[1])
    return {
        "input": users[-1]["content"].strip(),
        "output": output,
        "context": context,
        "where": where,
    }
