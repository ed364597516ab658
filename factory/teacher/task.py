"""The teacher's tasks (distilabel Tasks): Jinja prompt -> messages, reply -> parsed result.

- WriteVariations (teacher.mode `variations`): inputs `text` (the seed request), `keep`
  (values to copy verbatim); outputs `variations` (list of strings, or None) and
  `parse_error` (why not). The parser takes JSON ({"variations": [...]} or a bare list)
  found anywhere in the reply, and falls back to a numbered or bulleted list for servers
  without structured output.
- WritePairs (mode `pairs`): input `seed` (input, output, context); outputs `pairs` (the
  items of {"pairs": [{"input": ..., "output": ...}]}, unchecked: the recipe's make_pair
  judges each) or None, and `parse_error`.
- WriteAnswer (mode `answer`): input `seed`; output `answer` (the reply text, for the
  recipe's make_answer) or None when the reply is empty, and `parse_error`.
"""

from __future__ import annotations

import re
from typing import Any

from distilabel.steps.tasks import Task
from jinja2 import Environment, StrictUndefined
from pydantic import PrivateAttr

from factory.teacher.extract import extract_json, valid_unicode

_LIST_ITEM = re.compile(r"^\s*(?:\d+[.)]|[-*•])\s+(.+?)\s*$", re.M)


def reply_schema(n: int) -> dict:
    """JSON Schema of the reply, for servers that constrain generation to it."""
    item = {"type": "string", "minLength": 8, "maxLength": 200}
    return {
        "type": "object",
        "required": ["variations"],
        "additionalProperties": False,
        "properties": {
            "variations": {"type": "array", "items": item, "minItems": n, "maxItems": n}
        },
    }


def parse_variations(reply: str | None) -> list[str]:
    """Variations from a reply; raises ValueError saying why there are none."""
    if reply is None:
        raise ValueError("no reply")
    try:
        data = extract_json(reply)
    except ValueError:
        items = _LIST_ITEM.findall(reply)
        if not items:
            raise
        data = items
    if isinstance(data, dict):
        data = data.get("variations")
    if not isinstance(data, list):
        raise ValueError('expected {"variations": [...]}')
    variations = [valid_unicode(v).strip().strip('"').strip() for v in data if isinstance(v, str)]
    variations = [v for v in variations if v]
    if not variations:
        raise ValueError("the variations list is empty or holds no strings")
    return variations


def pairs_schema(n: int, output_schema: dict) -> dict:
    """JSON Schema of a pairs reply whose outputs follow the recipe's schema."""
    item = {
        "type": "object",
        "required": ["input", "output"],
        "additionalProperties": False,
        "properties": {"input": {"type": "string", "minLength": 8}, "output": output_schema},
    }
    return {
        "type": "object",
        "required": ["pairs"],
        "additionalProperties": False,
        "properties": {"pairs": {"type": "array", "items": item, "minItems": n, "maxItems": n}},
    }


def parse_pairs(reply: str | None) -> list:
    """The items of a pairs reply; raises ValueError saying why there are none."""
    if reply is None:
        raise ValueError("no reply")
    data = extract_json(reply)
    if isinstance(data, dict):
        data = data.get("pairs")
    if not isinstance(data, list) or not data:
        raise ValueError('expected {"pairs": [{"input": ..., "output": ...}, ...]}')
    return data


class _PromptTask(Task):
    """A task with a Jinja system and user prompt, rendered from each row by `_messages`."""

    system_template: str
    user_template: str
    num_variations: int = 1

    _system: Any = PrivateAttr(default=None)
    _user: Any = PrivateAttr(default=None)

    def load(self) -> None:
        super().load()
        env = Environment(undefined=StrictUndefined, keep_trailing_newline=False)
        self._system = env.from_string(self.system_template)
        self._user = env.from_string(self.user_template)

    def _messages(self, **values: Any) -> list[dict[str, str]]:
        values["n"] = self.num_variations
        return [
            {"role": "system", "content": self._system.render(**values).strip()},
            {"role": "user", "content": self._user.render(**values).strip()},
        ]


class _SeedTask(_PromptTask):
    """A task whose prompt shows one seed (input, output, context) and asks for `n` things."""

    @property
    def inputs(self) -> list[str]:
        return ["seed"]

    def format_input(self, input: dict[str, Any]) -> list[dict[str, str]]:
        return self._messages(seed=input["seed"])


class WritePairs(_SeedTask):
    @property
    def outputs(self) -> list[str]:
        return ["pairs", "parse_error", "model_name"]

    def format_output(
        self, output: str | None, input: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        try:
            return {"pairs": parse_pairs(valid_unicode(output)), "parse_error": None}
        except ValueError as exc:
            return {"pairs": None, "parse_error": str(exc)}


class WriteAnswer(_SeedTask):
    @property
    def outputs(self) -> list[str]:
        return ["answer", "parse_error", "model_name"]

    def format_output(
        self, output: str | None, input: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        text = valid_unicode(output)
        if not text or not text.strip():
            return {"answer": None, "parse_error": "empty reply"}
        return {"answer": text, "parse_error": None}


class WriteVariations(_PromptTask):
    num_variations: int = 3

    @property
    def inputs(self) -> list[str]:
        return ["text", "keep"]

    @property
    def outputs(self) -> list[str]:
        return ["variations", "parse_error", "model_name"]

    def format_input(self, input: dict[str, Any]) -> list[dict[str, str]]:
        return self._messages(text=input["text"], keep=input["keep"])

    def format_output(
        self, output: str | None, input: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        try:
            return {"variations": parse_variations(output), "parse_error": None}
        except ValueError as exc:
            return {"variations": None, "parse_error": str(exc)}
