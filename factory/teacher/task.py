"""The base of the teacher's modes (a distilabel Task), and the parsers and reply schemas they share.

`TeacherTask` is a distilabel Task with a Jinja system and user prompt. A teacher mode is one
subclass of it (factory.teacher.modes: WriteVariations, WritePairs, WriteAnswer,
WriteNewExamples); it carries everything that differs between modes, so the stages that run
the teacher (factory.stages.generate, factory.stages.invent) never ask which mode they run:

- before the task exists (class methods): the prompt files it renders, how many things it
  asks per seed, whether the reply is JSON and the JSON Schema that constrains it (llama.cpp),
  the file that schema comes from (named in errors), and extra provenance keys;
- per seed: `row` (the seed as the task's input row) and `records` (its parsed output as
  records or `Rejected`, through the recipe's hooks: keep_values, make_pair, make_answer, labels).

A recipe picks its class by teacher.mode (factory.recipe_api.TEACHER_TASKS), or supplies its own
subclass through its `teacher_task` hook. Parsing here: `parse_variations` takes JSON
({"variations": [...]} or a bare list) found anywhere in the reply, and falls back to a numbered
or bulleted list for servers without structured output; `parse_pairs` the items of
{"pairs": [...]}, unchecked (the recipe's make_pair judges each).
Not here: calling the server and caching replies (factory.teacher.llm), the stages' batching.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, ClassVar, Iterator

from distilabel.steps.tasks import Task
from jinja2 import Environment, StrictUndefined
from pydantic import PrivateAttr

from factory.record import Rejected
from factory.teacher.extract import extract_json, valid_unicode

_LIST_ITEM = re.compile(r"^\s*(?:\d+[.)]|[-*•])\s+(.+?)\s*$", re.M)


def reply_schema(n: int) -> dict:
    """JSON Schema of a variations reply, for servers that constrain generation to it."""
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


def plain_schema(schema: dict) -> dict:
    """A recipe's schema without the annotations llama.cpp's grammar converter does not need."""
    return {
        key: value
        for key, value in schema.items()
        if key not in ("$schema", "$id", "title", "description")
    }


class TeacherTask(Task):
    """One teacher mode: a Jinja system and user prompt rendered from each row, the reply parsed
    into the task's first output column (None when unusable, with `parse_error` saying why)."""

    system_template: str
    user_template: str
    num_variations: int = 1

    mode: ClassVar[str] = ""  # the task's name is write_<mode>

    _system: Any = PrivateAttr(default=None)
    _user: Any = PrivateAttr(default=None)

    # -- what a stage asks before the task exists ------------------------------------------------
    @classmethod
    def prompt_files(cls, recipe) -> tuple[Path, Path]:
        """(system, user) Jinja templates: recipe.yaml teacher.system and teacher.prompt."""
        return recipe.system_prompt, recipe.prompt

    @classmethod
    def count(cls, recipe, options) -> int:
        """Things asked per seed (the template's `n`): --variations, else teacher.variations."""
        return options.variations if options.variations is not None else recipe.variations

    @classmethod
    def json_reply(cls, recipe) -> bool:
        """Whether the reply is JSON (then constrained where the server can)."""
        return True

    @classmethod
    def schema_file(cls, recipe) -> Path:
        """The JSON Schema the outputs the teacher writes follow (named when it cannot be a grammar)."""
        return recipe.schema_path

    @classmethod
    def output_schema(cls, recipe) -> dict:
        return plain_schema(json.loads(cls.schema_file(recipe).read_text(encoding="utf-8")))

    @classmethod
    def reply_schema(cls, recipe, n: int) -> dict:
        """The JSON Schema of a whole reply asking `n` things."""
        raise NotImplementedError

    @classmethod
    def provenance(cls) -> dict:
        """Keys added to the provenance of every record the task writes."""
        return {}

    # -- per seed ----------------------------------------------------------------------------------
    def row(self, seed: dict, hooks) -> dict:
        """The task's input row for a seed record (`hooks`: the recipe's, factory.recipe_api.Hooks)."""
        raise NotImplementedError

    def records(
        self, seed: dict, row: dict, result: Any, provenance: dict, hooks
    ) -> Iterator[dict | Rejected]:
        """Records (or rejections) from the parsed reply `result` (never None) to `row`, through
        the recipe's `hooks` (factory.recipe_api.Hooks); `provenance` is the stage's (origin,
        teacher, prompt hash, params, and the task's own keys)."""
        raise NotImplementedError

    # -- distilabel --------------------------------------------------------------------------------
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
