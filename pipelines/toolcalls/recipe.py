"""toolcalls: what the core needs from this recipe — seeds from logs, the call validator, the student's turns.

A record is one user request (`input`, str) and the one tool call that answers it (`output` =
{"name", "arguments"}); the tools the call may use travel as provenance.context.tools.
- `source_seeds(config, count, random_seed)`: seeds from logged conversations (`config["paths"]`,
  default this recipe's examples/) read by factory.sources.logs.read_logs with the filters in
  `config`; see conversations.py for which turns become seeds and why the others are Rejected.
  Deterministic: the logs' order; `random_seed` is not used.
- `user_seed(obj)`: one line of `--seeds FILE`: {"input", "output": {"name", "arguments"}, "tools"}.
- Both pass every seed through toolset.prepare first: dotted names mapped to the output format
  (`math.factorial` -> `math_factorial`, the way back in provenance.context.tool_names), Python
  type names converted (`dict` -> object; notes in context.tool_changes), each kind said once on
  stderr; a seed that can never pass (a name the format refuses, two tools one name, a required
  parameter its schema lacks, a gold call its converted schema refuses) is rejected right there,
  with its reason, so no teacher call is spent on it.
- `keep_values(text, output)`: argument values the request spells out; a rewrite must keep them.
- `make_pair(item, seed)`: a new example the teacher wrote from the seed's tools (stage `invent`,
  prompts/new.jinja): the call must pass check_call and every value it passes must come from the
  request (an enum value of the schema excepted), else ValueError (`teacher_bad_pair`).
- `check_call(call, tools)`: None, or (reason, detail) — the function is among the tools and the
  arguments pass its parameters' JSON Schema (used by `validate` and by metrics.py).
- `validate(record)`: check_call against the record's tools, then the values shared by the request
  and the call are still on both sides (a rewrite or PII redaction can break that).
- `student_system(record, default)` / `student_answer(record)`: the Hermes system prompt with the
  record's tools, and the `<tool_call>` block the student must write (hermes.py).
Schema validation of the output is done by the core against schemas/tool_call.schema.json.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterator

import jsonschema

from factory.literals import said_in
from factory.pii_secrets import PLACEHOLDER
from factory.record import Rejected, SeedError
from factory.sources.logs import LogStats, read_logs
from pipelines.toolcalls import hermes, toolset
from pipelines.toolcalls.conversations import conversation_seeds, tool_name

EXAMPLES = Path(__file__).resolve().parent / "examples"
LOG_FILTERS = (
    "format",
    "success",
    "min_rating",
    "agent_role",
    "since",
    "until",
)  # source: keys passed to read_logs
# A presidio placeholder, as factory.pii writes it: <PERSON_1>, <EMAIL_ADDRESS_2>.


def labels(output: dict) -> dict:
    return {"function": output["name"]}


def source_seeds(config: dict, count: int, random_seed: int) -> Iterator[dict | Rejected]:
    """Seeds from the logs at config["paths"] (default: examples/), at most `count`. A conversation the
    log marks as failed is Rejected (toolcalls_failed), and so is a logged call its tools do not allow,
    with check_call's reason (the teacher is not asked to rewrite a wrong call); lines left out by a
    filter of `config` (success, min_rating, ...) are reported in one Rejected (toolcalls_filtered)
    once the logs are read."""
    paths = [str(path) for path in config.get("paths") or [EXAMPLES]]
    filters = {key: config[key] for key in LOG_FILTERS if key in config}
    stats, kept = LogStats(), 0
    for conversation in read_logs(paths, stats=stats, **filters):
        if isinstance(conversation, Rejected):
            yield conversation
            continue
        if conversation["meta"].get("success") is False:
            yield Rejected.at(
                conversation["where"],
                "toolcalls_failed",
                "the log marks this conversation as failed",
            )
            continue
        for seed in conversation_seeds(conversation, labels, keep_values):
            if not isinstance(seed, Rejected):
                where = f"{seed['provenance']['source']} message {seed['provenance']['turn']}"
                try:
                    seed = _prepared(seed)
                except toolset.ToolsetError as exc:
                    seed = Rejected.at(where, exc.reason, str(exc))
            if not isinstance(seed, Rejected) and (
                problem := check_call(seed["output"], seed["context"]["tools"])
            ):
                seed = Rejected.at(where, *problem)
            if not isinstance(seed, Rejected):
                if kept == count:
                    return
                kept += 1
            yield seed
    if stats.filtered:
        yield Rejected.at(
            ", ".join(paths),
            "toolcalls_filtered",
            f"{stats.filtered} lines left out by the source filters: {stats.line()}",
        )


def user_seed(obj: Any) -> dict[str, Any]:
    """A seed from a user file line; raises ValueError saying what is missing, or SeedError (factory.record,
    with the validator's or the tool set's `reason`) for a call its tools do not allow."""
    shape = 'each line needs {"input": "<request>", "output": {"name": ..., "arguments": {...}}, "tools": [...]}'
    if (
        not isinstance(obj, dict)
        or not isinstance(obj.get("input"), str)
        or not obj["input"].strip()
    ):
        raise ValueError(shape)
    output, tools = obj.get("output"), obj.get("tools")
    if (
        not isinstance(output, dict)
        or not isinstance(output.get("name"), str)
        or not isinstance(output.get("arguments"), dict)
    ):
        raise ValueError(shape)
    if not isinstance(tools, list) or not tools:
        raise ValueError(shape + " (tools: the JSON Schemas of the functions the call may use)")
    output = {"name": output["name"], "arguments": output["arguments"]}
    seed = _prepared(  # a ToolsetError is a SeedError with the tool set's reason
        {"input": obj["input"].strip(), "output": output, "context": {"tools": tools}}
    )
    problem = check_call(seed["output"], seed["context"]["tools"])
    if problem:
        raise SeedError(*problem)
    return seed


def _prepared(seed: dict) -> dict:
    """The seed with its tools as the output format and JSON Schema take them (toolset.prepare), said once."""
    output, tools, changes = toolset.prepare(seed["output"], seed["context"]["tools"])
    toolset.announce(changes)
    context = {
        **seed["context"],
        "tools": tools,
        **{key: value for key, value in changes.items() if value},
    }
    return {**seed, "output": output, "labels": labels(output), "context": context}


def _scalars(value: Any) -> Iterator[str]:
    """Every string and number inside the arguments, as text (20.0 as "20"); booleans and null are not
    values a request spells out."""
    if isinstance(value, bool) or value is None:
        return
    if isinstance(value, str):
        if value.strip():
            yield value.strip()
    elif isinstance(value, (int, float)):
        yield str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _scalars(item)
    elif isinstance(value, list):
        for item in value:
            yield from _scalars(item)


def _mentions(text: str, value: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(value.casefold())}(?!\w)", text.casefold()) is not None


def keep_values(text: str, output: dict) -> list[str]:
    """The argument values (strings and numbers, at any depth) that appear in the request as whole words, case aside."""
    seen: list[str] = []
    for value in _scalars(output["arguments"]):
        if value not in seen and _mentions(text, value):
            seen.append(value)
    return seen


def tool_function(tools: list, name: str) -> dict | None:
    """The function definition of the tool called `name`, or None."""
    for tool in tools:
        if tool_name(tool) == name:
            return tool.get("function", tool)
    return None


@lru_cache(maxsize=256)
def _validator(schema_json: str):
    """A JSON Schema validator of a tool's parameters (draft 2020-12 unless it says); SchemaError if invalid.
    No format checker: formats stay annotations, so a redacted "<EMAIL_ADDRESS_1>" keeps a pair valid."""
    schema = json.loads(schema_json)
    cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
    cls.check_schema(schema)
    return cls(schema)


def _path(error) -> str:
    return "/".join(["arguments", *(str(part) for part in error.absolute_path)])


def check_call(call: dict, tools: list) -> tuple[str, str] | None:
    name, arguments = call["name"], call["arguments"]
    spec = tool_function(tools, name)
    if spec is None:
        known = ", ".join(str(tool_name(tool)) for tool in tools)
        return "toolcall_unknown_function", f"{name!r} is not among the tools: {known}"
    schema = spec.get("parameters") or {"type": "object", "properties": {}}
    try:
        validator = _validator(json.dumps(schema, sort_keys=True))
    except jsonschema.SchemaError as exc:
        return (
            "toolcall_bad_tool_schema",
            f"the parameters of {name} are not a valid JSON Schema: {exc.message}",
        )
    errors = list(validator.iter_errors(arguments))
    missing = [error for error in errors if error.validator == "required"]
    if missing:
        return "toolcall_missing_argument", f"{_path(missing[0])}: {missing[0].message}"
    if errors:
        error = jsonschema.exceptions.best_match(errors)
        return "toolcall_bad_arguments", f"{_path(error)}: {error.message}"
    properties = schema.get("properties") if isinstance(schema, dict) else None
    # a parameter the schema does not name ("q" for "query"): JSON Schema allows it, the function would refuse it
    if isinstance(properties, dict) and "additionalProperties" not in schema:
        unknown = sorted(set(arguments) - set(properties))
        if unknown:
            return (
                "toolcall_unknown_argument",
                f"{unknown[0]!r} is not a parameter of {name} ({', '.join(properties)})",
            )
    return None


def _enum_values(schema: Any) -> set[str]:
    """Every enum member of a parameters schema, as text: values a request may imply without saying them."""
    found: set[str] = set()
    if isinstance(schema, dict):
        for value in schema.get("enum") or []:
            found.add(str(value).casefold())
        for item in schema.values():
            found |= _enum_values(item)
    elif isinstance(schema, list):
        for item in schema:
            found |= _enum_values(item)
    return found


def make_pair(item: Any, seed: dict) -> dict:
    """One teacher-written example ({"input": request, "output": {"name", "arguments"}}) for the seed's tools as
    {"input", "output", "labels"}; ValueError (naming the validator's reason) when it is unusable."""
    if (
        not isinstance(item, dict)
        or not isinstance(item.get("input"), str)
        or len(item["input"].split()) < 2
    ):
        raise ValueError("input must be a request of at least two words")
    output, tools = item.get("output"), (seed.get("context") or {}).get("tools") or []
    if (
        not isinstance(output, dict)
        or not isinstance(output.get("name"), str)
        or not isinstance(output.get("arguments"), dict)
    ):
        raise ValueError('output must be {"name": "<function>", "arguments": {...}}')
    call = {"name": output["name"], "arguments": output["arguments"]}
    problem = check_call(call, tools)
    if problem:
        raise ValueError(f"{problem[0]}: {problem[1]}")
    text = " ".join(item["input"].split())
    implied = _enum_values((tool_function(tools, call["name"]) or {}).get("parameters"))
    for value in _scalars(call["arguments"]):
        if value.casefold() not in implied and not (_mentions(text, value) or said_in(value, text)):
            raise ValueError(
                f"toolcall_invented_value: {value!r} is passed but the request does not say it"
            )
    return {"input": text, "output": call, "labels": labels(call)}


def validate(record: dict) -> tuple[str, str] | None:
    provenance = record.get("provenance") or {}
    tools = (provenance.get("context") or {}).get("tools")
    if not isinstance(tools, list) or not tools:
        return (
            "toolcall_no_tools",
            "the record has no provenance.context.tools to check its call against",
        )
    problem = check_call(record["output"], tools)
    if problem:
        return problem
    text, arguments = record["input"], record["output"]["arguments"]
    values = {value.casefold() for value in _scalars(arguments)}
    rewrite = (
        "seed_text" in provenance
    )  # a teacher's rewrite: a date or number may be spelled its own way
    for value in provenance.get("keep_values", []):
        if not (_mentions(text, value) or rewrite and said_in(value, text)):
            if rewrite:
                return "variation_lost_value", f"the rewrite dropped {value!r}"
            return (
                "toolcall_redaction_mismatch",
                f"{value!r} is an argument but no longer in the request",
            )
        if value.casefold() not in values:
            return (
                "toolcall_redaction_mismatch",
                f"{value!r} is in the request but no argument holds it any more",
            )
    placeholders = {
        found.group() for value in _scalars(arguments) for found in PLACEHOLDER.finditer(value)
    }
    for placeholder in sorted(placeholders):
        if placeholder not in text:
            return (
                "toolcall_redaction_mismatch",
                f"the arguments hold {placeholder} but the request does not",
            )
    return None


def student_system(record: dict, default: str) -> str:
    tools = ((record.get("provenance") or {}).get("context") or {}).get("tools") or []
    return hermes.render_system(tools, default or hermes.PREFACE)


def student_answer(record: dict) -> str:
    return hermes.render_call(record["output"]["name"], record["output"]["arguments"])
