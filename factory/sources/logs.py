"""Read interaction logs into conversations: OpenAI chat calls, ShareGPT, and agent interaction logs.

`read_logs(paths, ...)` streams JSON Lines files (files, folders, globs, `.gz`; see base.py) and
yields one conversation per usable line, or a `Rejected` naming path:line and the reason. The
shape is told apart per line (`format="auto"`) or fixed with `format=`:

- `openai`: a call as factory.sources.tracer writes it (`{"timestamp", "request": {"model",
  "messages", "tools"?}, "response": <chat.completion>, "latency_s"}`; the conversation is the
  request's messages plus the reply), or the fine-tuning shape `{"messages": [...], "tools"?}`.
- `sharegpt`: `{"conversations": [{"from", "value"}], "tools"?, "system"?}` with human/gpt turns,
  `function_call` turns (JSON `{"name", "arguments"}`) and `observation`/`tool` results.
- `interaction` (seed 004): `{"timestamp", "agent_role", "task_description", "model_output",
  "execution_result", "human_feedback"}`, or its short form `{"agent", "task", "output", "metadata"}`.

Each conversation has this shape (a contract: recipes read it):

    {"where": "path:line", "format": "sharegpt",
     "messages": [{"role": "system|user|assistant|tool", "content": str,
                   "tool_calls"?: [{"id", "type": "function", "function": {"name", "arguments": JSON str}}],
                   "tool_call_id"?: str}],
     "tools": [{"type": "function", "function": {"name", "description", "parameters"}}],
     "response_format": None | {"type": "json_schema" | "json_object", "name": str | None, "schema": dict | None},
     "meta": {"timestamp": ISO 8601 (UTC) | None, "agent_role": str | None, "success": bool | None,
              "rating": float | None, "model": str | None}}

`response_format` is the structured output the call asked for: the request's (or the line's)
`response_format` in the OpenAI form (`{"type": "json_schema", "json_schema": {"name", "schema"}}`,
`{"type": "json_object"}`), llama.cpp's (`{"type": "json_object", "schema": {...}}`) or the tracer's
for `.parse(response_format=Model)` (`{"pydantic_model", "schema"}`); `{"type": "text"}` or none is None.
Meta comes from the line, its `metadata` object (seed 003's tracer) and, for calls, the request's
`metadata`. `success` reads `execution_result` (a bool, an exit code, a status word such as
"success"/"failed", or an object with `status`, `success`, `tests_passed`, `exit_code`) or `success`;
`rating` reads `human_feedback` (a number or `{"rating": n}`) or `rating`. Timestamps are ISO 8601
strings (no zone = UTC) or epoch seconds (or milliseconds).

Filters (`success`, `min_rating`, `agent_role`, `since` inclusive, `until` exclusive) apply to meta;
a line without the field a filter needs is filtered out. Filtered lines are not Rejected but counted
in `LogStats` (pass `stats=LogStats()`). A traced call that raised is Rejected as `source_failed_call`.
It does not judge a conversation's quality, build records, or hold more than one line in memory.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

from factory.record import Rejected
from factory.sources.base import MAX_FILE_BYTES, MAX_LINE_BYTES, expand, read_json_lines
from factory.sources.log_fields import EMPTY_PARAMETERS, BadLine, instant
from factory.sources.log_formats import FORMATS, detect, parse_line

__all__ = [
    "EMPTY_PARAMETERS",
    "FORMATS",
    "LOG_SUFFIXES",
    "BadLine",
    "LogStats",
    "detect",
    "parse_line",
    "read_logs",
]

LOG_SUFFIXES = (".jsonl", ".json", ".ndjson", ".jsonl.gz", ".json.gz", ".ndjson.gz")


@dataclass
class LogStats:
    """What one read_logs pass saw: read == kept + filtered + sum(skipped.values()).
    `read` counts lines, plus one per path that could not be read at all."""

    read: int = 0
    kept: int = 0
    filtered: int = 0
    filtered_by: Counter = field(default_factory=Counter)
    skipped: Counter = field(default_factory=Counter)

    def line(self) -> str:
        by = ", ".join(f"{k} {v}" for k, v in sorted(self.filtered_by.items()))
        skips = ", ".join(f"{k} {v}" for k, v in sorted(self.skipped.items()))
        return (
            f"read {self.read}, kept {self.kept}, filtered {self.filtered}"
            + (f" ({by})" if by else "")
            + f", skipped {sum(self.skipped.values())}"
            + (f" ({skips})" if skips else "")
        )


def read_logs(
    paths: Iterable[str | os.PathLike] | str | os.PathLike,
    *,
    format: str = "auto",
    success: bool | None = None,
    min_rating: float | None = None,
    agent_role: str | Iterable[str] | None = None,
    since: datetime | str | float | None = None,
    until: datetime | str | float | None = None,
    stats: LogStats | None = None,
    max_line_bytes: int = MAX_LINE_BYTES,
    max_bytes: int = MAX_FILE_BYTES,
) -> Iterator[dict | Rejected]:
    """Conversations from log files (see the module docstring); raises ValueError for a bad argument."""
    if format != "auto" and format not in FORMATS:
        raise ValueError(f"format must be auto or one of {', '.join(FORMATS)}, not {format!r}")
    stats = stats if stats is not None else LogStats()
    roles = (
        frozenset([agent_role] if isinstance(agent_role, str) else agent_role)
        if agent_role is not None
        else None
    )
    window = [
        None if value is None else instant(value, name)
        for value, name in ((since, "since"), (until, "until"))
    ]
    for path in expand(paths, suffixes=LOG_SUFFIXES):
        items = (
            [path]
            if isinstance(path, Rejected)
            else read_json_lines(path, max_line_bytes=max_line_bytes, max_bytes=max_bytes)
        )
        for item in items:
            stats.read += 1
            if not isinstance(item, Rejected):
                lineno, obj = item
                try:
                    conversation = parse_line(obj, f"{path}:{lineno}", format)
                except BadLine as exc:
                    item = Rejected.at(f"{path}:{lineno}", exc.reason, str(exc))
            if isinstance(item, Rejected):
                stats.skipped[item.reason] += 1
                yield item
                continue
            failed = _filtered_by(conversation["meta"], success, min_rating, roles, *window)
            if failed:
                stats.filtered += 1
                stats.filtered_by[failed] += 1
                continue
            stats.kept += 1
            yield conversation


def _filtered_by(
    meta: dict,
    success: bool | None,
    min_rating: float | None,
    roles: frozenset | None,
    since: datetime | None,
    until: datetime | None,
) -> str | None:
    """The name of the first filter the conversation fails, or None."""
    if success is not None and meta["success"] is not success:
        return "success"
    if min_rating is not None and (meta["rating"] is None or meta["rating"] < min_rating):
        return "min_rating"
    if roles is not None and meta["agent_role"] not in roles:
        return "agent_role"
    if since is not None or until is not None:
        when = datetime.fromisoformat(meta["timestamp"]) if meta["timestamp"] else None
        if since is not None and (when is None or when < since):
            return "since"
        if until is not None and (when is None or when >= until):
            return "until"
    return None
