"""How the proxy asks the student and judges its reply with the recipe's own checks.

A request is an OpenAI chat body as the caller sent it to the teacher. The student was trained
on (the recipe's student system prompt, the record's input) -> the recipe's answer, so it is
asked exactly that: `student_messages(body)` is the recipe's student prompt (through the
recipe's `student_system(record, default)` hook where it has one, e.g. the Hermes tool list of
toolcalls, built from the request's `tools`) and the request's last user message. Without a
student prompt in the recipe, the caller's messages go to the student unchanged.

`judge(body, message)` turns the student's reply into the recipe's record output (a native
tool call -> {"name", "arguments"}; a string schema -> the text; else the JSON in the text,
read tolerantly) and runs factory.stages.validate.first_problem: the recipe's JSON Schema then
its task validator. The record it checks is {"input": the user message, "output",
"provenance": {"context": {"tools": the request's tools}}}. The verdict's reason is the
validator's (`schema_invalid`, `toolcall_unknown_function`, ...) or `reply_not_parsed`.

`answer(body, output, message)` is what the caller gets: when the request offered `tools`
and the output is one call, a native `tool_calls` message (what the teacher would send);
otherwise the student's message as it came. `compare(body, teacher_message, student_text)`
scores the student's reply against the teacher's with the recipe's metrics (shadow mode).
It does not call any server and keeps no state between requests.
"""

from __future__ import annotations

import importlib
import json
import re
import uuid
from dataclasses import dataclass
from typing import Any

from factory.stages.validate import first_problem, schema_validator
from factory.teacher.extract import extract_json


@dataclass
class Verdict:
    ok: bool
    reason: str | None = (
        None  # why the reply is not usable: the validator's reason, or reply_not_parsed
    )
    detail: str | None = None
    output: Any = None


def message_text(content: Any) -> str:
    if isinstance(content, list):  # content parts
        return "\n".join(
            p.get("text", "")
            for p in content
            if isinstance(p, dict) and isinstance(p.get("text"), str)
        )
    return content if isinstance(content, str) else ""


def user_text(body: dict) -> str:
    """The last user message of a request."""
    for message in reversed(body.get("messages") or []):
        if isinstance(message, dict) and message.get("role") == "user":
            return message_text(message.get("content")).strip()
    return ""


def request_tools(body: dict) -> list[dict]:
    """The request's `tools`, else the Hermes `<tools>` block of its system prompt (one JSON a line)."""
    if isinstance(body.get("tools"), list):
        return body["tools"]
    system = next(
        (
            message_text(m.get("content"))
            for m in body.get("messages") or []
            if isinstance(m, dict) and m.get("role") == "system"
        ),
        "",
    )
    blocks = [block for block in re.findall(r"<tools>(.*?)</tools>", system, re.S) if block.strip()]
    if not blocks:  # (the Hermes preface itself mentions an empty "<tools></tools>")
        return []
    block = blocks[-1]
    tools = []
    for line in block.splitlines():
        try:
            tool = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(tool, dict):
            tools.append(tool)
    return tools


class RecipeChecks:
    def __init__(self, recipe):
        self.recipe = recipe
        self.validator = schema_validator(recipe)
        self.string_output = recipe.schema().get("type") == "string"
        try:
            self.metrics = importlib.import_module(f"{recipe.module.__package__}.metrics")
        except (ImportError, TypeError):
            self.metrics = None  # a recipe without metrics.py: shadow mode compares validity only

    def record(self, body: dict, output: Any) -> dict:
        return {
            "input": user_text(body),
            "output": output,
            "labels": {},
            "provenance": {"context": {"tools": request_tools(body)}},
        }

    def student_messages(self, body: dict) -> list[dict]:
        system = self.recipe.hooks.student_system(
            self.record(body, None), self.recipe.student_prompt
        )
        if not system:
            return body.get("messages") or []
        return [{"role": "system", "content": system}, {"role": "user", "content": user_text(body)}]

    def output_of(self, message: Any) -> Any:
        """The record output a reply message holds, or None."""
        if not isinstance(message, dict):
            return None
        calls = message.get("tool_calls")
        if isinstance(calls, list) and calls and isinstance(calls[0], dict):
            function = calls[0].get("function") or {}
            arguments = function.get("arguments")
            try:
                arguments = json.loads(arguments) if isinstance(arguments, str) else arguments
            except json.JSONDecodeError:
                return None
            return {
                "name": function.get("name"),
                "arguments": arguments if arguments is not None else {},
            }
        text = message_text(message.get("content"))
        hooks = self.recipe.hooks
        try:
            if hooks.defines("student_output"):  # e.g. a bare REM query, its fields derived
                return hooks.student_output(text)
            if self.string_output:
                return text.strip() or None
            return extract_json(text)
        except ValueError:
            return None

    def judge(self, body: dict, message: Any) -> Verdict:
        output = self.output_of(message)
        if output is None:
            return Verdict(
                False, "reply_not_parsed", "the reply holds no output the recipe can read"
            )
        try:
            problem = first_problem(self.recipe, self.validator, self.record(body, output))
        except Exception as exc:  # noqa: BLE001 - a validator that breaks on odd output rejects it, it never stops us
            problem = ("validator_error", f"{type(exc).__name__}: {exc}")
        if problem is not None:
            return Verdict(False, problem[0], str(problem[1])[:300], output)
        return Verdict(True, output=output)

    def answer(self, body: dict, output: Any, message: dict) -> tuple[dict, str]:
        """(the message the caller gets, its finish_reason)."""
        if body.get("tools") and isinstance(output, dict) and set(output) == {"name", "arguments"}:
            call = {
                "id": f"call_{uuid.uuid4().hex[:24]}",
                "type": "function",
                "function": {
                    "name": output["name"],
                    "arguments": json.dumps(output["arguments"], ensure_ascii=False),
                },
            }
            return {"role": "assistant", "content": None, "tool_calls": [call]}, "tool_calls"
        if self.recipe.hooks.defines("student_output") and not isinstance(output, str):
            # the student writes a short form (a bare REM query); the caller gets the whole output,
            # in the form the teacher answered with
            return {"role": "assistant", "content": json.dumps(output, ensure_ascii=False)}, "stop"
        return {"role": "assistant", "content": message_text(message.get("content"))}, "stop"

    def compare(self, body: dict, teacher_message: Any, student_text: str) -> dict | None:
        """The recipe's metrics of the student's reply against the teacher's (None: the teacher's reply
        holds no output, or the recipe has no metrics)."""
        expected = self.output_of(teacher_message)
        if expected is None or self.metrics is None:
            return None
        try:
            scores = self.metrics.score(student_text, self.record(body, expected), self.validator)
        except Exception:  # noqa: BLE001 - a metric that breaks on an odd reply scores nothing
            return None
        return {
            "main": self.metrics.MAIN,
            "scores": {k: round(float(v), 4) for k, v in scores.items()},
        }
