"""traces: distil your own workflow. What the core needs from this recipe — seeds from the logged calls,
the teacher's new calls, the check of every answer against the schema or tools the log declared.

A record is one call of a logged workflow: `input` the user's message, `output` the answer (a tool
call {"name", "arguments"} or the structured JSON the call asked for), label `site` (sites.py),
and provenance.context the site: its system prompt and its tools or response_format, as logged.
- `source_seeds(config, count, random_seed)`: every logged call of the logs at config["paths"]
  (default examples/), read by factory.sources.logs.read_logs with its filters, as a seed with
  the logged answer as gold. What cannot be a call is Rejected with the reason (sites.logged_call),
  and so is a call held back for evaluation (`holdout`, below). Deterministic: the logs' order.
- `held_back(config)`: the held-back calls, as `--seeds` / `eval --data` lines.
- `user_seed(obj)`: one line of `--seeds FILE` or `eval --data FILE`:
  {"input", "output", "system", "tools"?, "response_format"?} (response_format as logged, any form
  factory.sources.log_formats.response_format reads); the gold must pass its site.
- `make_pair(item, seed)`: one of the teacher's new calls (teacher.mode pairs) -> a record of the seed's site.
- `validate(record)`: sites.check_answer against the record's site.
- `student_system(record, default)` / `student_answer(record)`: the site's own system prompt with its
  tools or schema and one line on the answer's form; the answer as one line of JSON.
- `answer_schema(record)`: the site's answers as one JSON Schema (sites.answer_schema), which
  `factory eval --constrain` decodes under.
Holding back: with `holdout: S` (0 <= S < 1) a call is held back when the hash of its site and request
falls below S: about that share of every log, the same calls on every rebuild however the logs grow,
so a held-back call is never trained on (bench/distill_traces.py scores the student on them).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Iterator

from factory.errors import ConfigError
from factory.export.formats import in_order
from factory.record import Rejected, SeedError
from factory.sources.log_fields import BadLine
from factory.sources.log_fields import response_format as read_response_format
from factory.sources.logs import LogStats, read_logs
from pipelines.toolcalls.recipe import tool_function
from pipelines.traces import sites
from pipelines.traces.sites import check_answer, is_call, logged_call, site_context

EXAMPLES = Path(__file__).resolve().parent / "examples"
LOG_FILTERS = (
    "format",
    "success",
    "min_rating",
    "agent_role",
    "since",
    "until",
)  # source: keys passed to read_logs
SOURCE_KEYS = ("paths", "holdout", *LOG_FILTERS)


def labels(output: dict) -> dict:
    """The site is not in the output (it is the record's context): records get their labels from the seeds."""
    return {}


def _holdout(config: dict) -> float:
    share = config.get("holdout", 0.0)
    if isinstance(share, bool) or not isinstance(share, (int, float)) or not 0.0 <= share < 1.0:
        raise ConfigError(f"source.holdout: expected a share 0 <= holdout < 1, got {share!r}")
    return float(share)


def is_held_back(call: dict, share: float) -> bool:
    key = json.dumps([call["context"]["site"], call["input"]], ensure_ascii=False)
    return int(hashlib.sha256(key.encode("utf-8")).hexdigest()[:8], 16) / 16**8 < share


def _calls(config: dict) -> Iterator[dict | Rejected]:
    unknown = [key for key in config if key not in SOURCE_KEYS]
    if unknown:
        raise ConfigError(
            f"source: unknown key {unknown[0]!r} for the traces recipe (known: {', '.join(SOURCE_KEYS)})"
        )
    paths = [str(path) for path in config.get("paths") or [EXAMPLES]]
    filters = {key: config[key] for key in LOG_FILTERS if key in config}
    stats = LogStats()
    try:
        for conversation in read_logs(paths, stats=stats, **filters):
            yield conversation if isinstance(conversation, Rejected) else logged_call(conversation)
    except ValueError as exc:  # a bad filter value (read_logs checks them before it reads)
        raise ConfigError(f"source: {exc}") from None
    if stats.filtered:
        yield Rejected.at(
            ", ".join(paths),
            "traces_filtered",
            f"{stats.filtered} lines left out by the source filters: {stats.line()}",
        )


def _seed(call: dict) -> dict:
    return {
        "input": call["input"],
        "output": call["output"],
        "labels": {"site": call["context"]["site"]},
        "context": call["context"],
    }


def source_seeds(config: dict, count: int, random_seed: int) -> Iterator[dict | Rejected]:
    """Seeds from the logged calls (see the module docstring), at most `count`; `random_seed` is not used."""
    share, kept = _holdout(config), 0
    for call in _calls(config):
        if isinstance(call, Rejected):
            yield call
            continue
        where = call["where"]
        if is_held_back(call, share):
            yield Rejected.at(
                where,
                "traces_held_back",
                f"held back for evaluation (source.holdout {share:g}); never trained on",
            )
            continue
        if kept == count:
            return
        kept += 1
        yield {
            **_seed(call),
            "provenance": {"origin": "log", "source": where, "site": call["context"]["site"]},
        }


def held_back(config: dict) -> list[dict]:
    """The calls source_seeds holds back, as user_seed lines (for `factory eval traces --data FILE`)."""
    share, lines = _holdout(config), []
    for call in _calls(config):
        if not isinstance(call, Rejected) and is_held_back(call, share):
            context, line = call["context"], {"input": call["input"], "output": call["output"]}
            line["system"] = context["system"]
            if "tools" in context:
                line["tools"] = context["tools"]
            if "response_format" in context:
                line["response_format"] = openai_form(context["response_format"])
            lines.append({**line, "source": call["where"]})
    return lines


def openai_form(response_format: dict) -> dict:
    """A site's response_format (factory.sources.logs' shape) as a log writes it; read back, the same site."""
    if response_format["schema"] is None:
        return {"type": "json_object"}
    if (
        response_format["name"] is None
    ):  # llama.cpp's form keeps a schema without a name (and the same site)
        return {"type": "json_object", "schema": response_format["schema"]}
    return {
        "type": "json_schema",
        "json_schema": {"name": response_format["name"], "schema": response_format["schema"]},
    }


def user_seed(obj: Any) -> dict[str, Any]:
    """A seed from a user file line; ValueError saying what is missing, or SeedError for a gold its site refuses."""
    shape = (
        'each line needs {"input": "<request>", "output": <the answer>, "system": "<system prompt>", '
        '"tools": [...] and/or "response_format": {...}}'
    )
    if (
        not isinstance(obj, dict)
        or not isinstance(obj.get("input"), str)
        or not obj["input"].strip()
    ):
        raise ValueError(shape)
    if "output" not in obj or not isinstance(obj.get("system", ""), str):
        raise ValueError(shape)
    tools = obj.get("tools") or []
    if not isinstance(tools, list):
        raise ValueError(shape + " (tools: a list of function definitions)")
    try:
        form = read_response_format(obj.get("response_format"))
    except BadLine as exc:
        raise ValueError(f"{exc}; {shape}") from None
    if not tools and form is None:
        raise ValueError(shape + " (a site needs tools or a response_format)")
    tools = [
        {"type": "function", "function": tool.get("function", tool)}
        for tool in tools
        if isinstance(tool, dict)
    ]
    context = site_context(obj.get("system", ""), tools, form)
    problem = check_answer(obj["output"], context)
    if problem:
        raise SeedError(*problem)
    return {
        "input": obj["input"].strip(),
        "output": obj["output"],
        "labels": {"site": context["site"]},
        "context": context,
    }


def make_pair(item: Any, seed: dict) -> dict:
    """One teacher call {"input", "output"} -> a record of the seed's site; ValueError when it is not one.
    A tool call whose arguments are a JSON string (as the OpenAI API writes them) is read as the object."""
    if (
        not isinstance(item, dict)
        or not isinstance(item.get("input"), str)
        or not item["input"].strip()
    ):
        raise ValueError('a pair is {"input": "<request>", "output": <the answer>}')
    output, context = item.get("output"), seed["context"]
    if (
        isinstance(output, dict)
        and isinstance(output.get("arguments"), str)
        and set(output) == {"name", "arguments"}
    ):
        try:
            output = {"name": output["name"], "arguments": json.loads(output["arguments"])}
        except json.JSONDecodeError as exc:
            raise ValueError(f"the call's arguments are not JSON ({exc.msg})") from None
    if output is None:
        raise ValueError("the pair has no output")
    return {"input": item["input"].strip(), "output": output, "labels": {"site": context["site"]}}


def validate(record: dict) -> tuple[str, str] | None:
    context = (record.get("provenance") or {}).get("context")
    if not isinstance(context, dict) or "site" not in context:
        return (
            "traces_no_site",
            "the record has no provenance.context (its call site) to check its answer against",
        )
    return check_answer(record["output"], context)


def _compact(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def student_system(record: dict, default: str) -> str:
    """The site's own system prompt, then its tools or schema, then the form of the answer."""
    context = record["provenance"]["context"]
    parts = [context.get("system") or default]
    if context.get("tools"):
        listing = "\n".join(_compact(tool.get("function", tool)) for tool in context["tools"])
        parts.append(f"Tools:\n{listing}")
    form = context.get("response_format")
    if form is not None and form.get("schema") is not None:
        parts.append(f"Answer schema:\n{_compact(form['schema'])}")
    if context.get("tools") and form is not None:
        parts.append(
            'Reply with one JSON object only: a tool call {"name": ..., "arguments": {...}} or the answer.'
        )
    elif context.get("tools"):
        parts.append('Reply with one JSON object only: {"name": <tool>, "arguments": {...}}.')
    else:
        parts.append("Reply with one JSON object only.")
    return "\n\n".join(part for part in parts if part)


def _schema_order(value: Any, schema: dict) -> Any:
    """An object with its keys in the schema's order, required keys first (the order of llama.cpp's
    grammar, which `factory eval --constrain` decodes under), keys the schema lacks last."""
    if not isinstance(value, dict):
        return value
    properties, required = schema.get("properties") or {}, schema.get("required") or []
    return in_order(value, [key for key in properties if key in required] + list(properties))


def student_answer(record: dict) -> str:
    output, context = record["output"], record["provenance"]["context"]
    if is_call(output, context):
        tool = tool_function(context["tools"], output["name"]) or {}
        arguments = _schema_order(output["arguments"], tool.get("parameters") or {})
        return _compact({"name": output["name"], "arguments": arguments})
    return _compact(
        _schema_order(output, (context.get("response_format") or {}).get("schema") or {})
    )


def answer_schema(record: dict) -> dict:
    """The record's site as one JSON Schema: what `factory eval --constrain` decodes under."""
    return sites.answer_schema(record["provenance"]["context"])
