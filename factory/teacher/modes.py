"""The teacher's modes, one distilabel Task each (recipe.yaml teacher.mode picks one):

- WriteVariations (`variations`): inputs `text` (the seed request) and `keep` (the values the
  recipe's keep_values hook says the rewrite must copy verbatim); output `variations`. Each
  rewrite becomes a record with the seed's output and labels (provenance keeps the seed text
  and the values to keep).
- WritePairs (`pairs`): input `seed` (input, output, labels, context); output `pairs`, each
  item turned into a record by the recipe's make_pair (ValueError -> `teacher_bad_pair`).
- WriteAnswer (`answer`): input `seed`; output `answer` (the reply text, None when empty),
  turned into a record by make_answer (-> `teacher_bad_answer`); JSON only with
  `teacher.reply: json`, then constrained to the recipe's schema where the server can.
- WriteNewExamples (`new`, the invent stage): WritePairs with the recipe's prompts/new.jinja
  (and new_system.jinja, new.schema.json where present), `teacher.new_examples` asked per seed,
  provenance.mode `new`.
- AnswerRewrite (`roundtrip`, the roundtrip stage): the teacher answers a rewrite, shown its seed
  as a one-shot example under the recipe's student system prompt; the stage judges the answer.

Every teacher record is rejected as `variation_bad_text` when its text holds invalid Unicode
(shown as U+FFFD) and as `variation_duplicate` when it repeats the seed or an earlier one.
Not here: the failed or unparseable replies (the stage sees those before a task's `records`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable, ClassVar, Iterable, Iterator

from pydantic import PrivateAttr

from factory.errors import ConfigError
from factory.record import Record, Rejected
from factory.teacher.extract import valid_unicode
from factory.teacher.task import TeacherTask, pairs_schema, parse_pairs, parse_variations
from factory.teacher.task import reply_schema as variations_schema

BAD_TEXT = "invalid Unicode in the teacher's text (shown as U+FFFD)"


def _context(seed: dict) -> dict:
    """The seed's context travels with every record made from it (e.g. the tools a call may use)."""
    context = seed["provenance"].get("context")
    return {"context": context} if context else {}


def _key(value) -> str:
    return value.strip().lower() if isinstance(value, str) else json.dumps(value, sort_keys=True)


class WriteVariations(TeacherTask):
    mode = "variations"
    num_variations: int = 3

    @classmethod
    def reply_schema(cls, recipe, n: int) -> dict:
        return variations_schema(n)

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

    def row(self, seed: dict, hooks) -> dict:
        return {"text": seed["input"], "keep": hooks.keep_values(seed["input"], seed["output"])}

    def records(self, seed, row, result, provenance, hooks) -> Iterator[dict | Rejected]:
        seen = {seed["input"].strip().lower()}
        for index, text in enumerate(result):
            record = Record(
                recipe=seed["recipe"],
                kind=seed["kind"],
                schema_version=seed["schema_version"],
                seed_id=seed["seed_id"],
                input=text,
                output=seed["output"],
                labels=seed["labels"],
                provenance={
                    **provenance,
                    "source": seed["provenance"]["source"],
                    "seed_text": seed["input"],
                    "keep_values": row["keep"],
                    "variation_index": index,
                    **_context(seed),
                },
            ).to_dict()
            if "\ufffd" in text:
                yield Rejected(record, "variation_bad_text", BAD_TEXT)
            elif text.strip().lower() in seen:
                yield Rejected(
                    record, "variation_duplicate", "same text as the seed or an earlier variation"
                )
            else:
                seen.add(text.strip().lower())
                yield record


class _FromSeed(TeacherTask):
    """A mode whose prompt shows one seed (input, output, labels, context) and whose items each
    become a record through a recipe hook (`_make`), rejected as `bad_item` when the hook refuses."""

    bad_item: ClassVar[str] = ""

    @property
    def inputs(self) -> list[str]:
        return ["seed"]

    def format_input(self, input: dict[str, Any]) -> list[dict[str, str]]:
        return self._messages(seed=input["seed"])

    def row(self, seed: dict, hooks) -> dict:
        return {
            "seed": {
                "input": seed["input"],
                "output": seed["output"],
                "labels": seed["labels"],
                "context": seed["provenance"].get("context") or {},
            }
        }

    def _make(self, hooks) -> Callable[[Any, dict], dict]:
        raise NotImplementedError

    def _items(self, result: Any) -> list:
        return result

    def records(self, seed, row, result, provenance, hooks) -> Iterator[dict | Rejected]:
        make, shown = self._make(hooks), row["seed"]
        seen = {(_key(seed["input"]), _key(seed["output"]))}
        for index, item in enumerate(self._items(result)):
            where = {
                **provenance,
                "source": seed["provenance"]["source"],
                "seed_text": seed["input"],
                "variation_index": index,
                **_context(seed),
            }
            try:
                made = make(item, shown)
                made = {**made, "input": made["input"], "output": made["output"]}
            except (ValueError, KeyError, TypeError) as exc:  # not what the recipe needs
                kept = {"input": None, "output": None, "seed_id": seed["seed_id"]}
                yield Rejected(
                    {**kept, "provenance": where, "raw_item": item},
                    self.bad_item,
                    str(exc) or type(exc).__name__,
                )
                continue
            record = Record(
                recipe=seed["recipe"],
                kind=seed["kind"],
                schema_version=seed["schema_version"],
                seed_id=seed["seed_id"],
                input=made["input"],
                output=made["output"],
                labels=made.get("labels") or hooks.labels(made["output"]),
                provenance=where,
            ).to_dict()
            key = (_key(made["input"]), _key(made["output"]))
            if "\ufffd" in json.dumps([made["input"], made["output"]], ensure_ascii=False):
                yield Rejected(record, "variation_bad_text", BAD_TEXT)
            elif key in seen:
                yield Rejected(
                    record,
                    "variation_duplicate",
                    "same input and output as the seed or an earlier one",
                )
            else:
                seen.add(key)
                yield record


class WritePairs(_FromSeed):
    mode = "pairs"
    bad_item = "teacher_bad_pair"

    @classmethod
    def reply_schema(cls, recipe, n: int) -> dict:
        return pairs_schema(n, cls.output_schema(recipe))

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

    def _make(self, hooks):
        return hooks.make_pair


class WriteAnswer(_FromSeed):
    mode = "answer"
    bad_item = "teacher_bad_answer"

    @classmethod
    def count(cls, recipe, options) -> int:
        return 1  # one answer per seed

    @classmethod
    def json_reply(cls, recipe) -> bool:
        return recipe.teacher_reply == "json"

    @classmethod
    def reply_schema(cls, recipe, n: int) -> dict:
        return cls.output_schema(recipe)

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

    def _make(self, hooks):
        return hooks.make_answer

    def _items(self, result: Any) -> list:
        return [result]


class WriteNewExamples(WritePairs):
    """New examples, request and answer, written from a seed shown as an example (the invent stage)."""

    mode = "new"
    PROMPT: ClassVar[str] = "prompts/new.jinja"
    SYSTEM: ClassVar[str] = "prompts/new_system.jinja"
    SCHEMA: ClassVar[str] = "prompts/new.schema.json"

    @classmethod
    def prompt_files(cls, recipe) -> tuple[Path, Path]:
        prompt, system = recipe.folder / cls.PROMPT, recipe.folder / cls.SYSTEM
        if not prompt.is_file():
            raise ConfigError(
                f"{recipe.folder / 'recipe.yaml'}: stages: `invent` needs the teacher's prompt {prompt}"
            )
        return (system if system.is_file() else recipe.system_prompt), prompt

    @classmethod
    def count(cls, recipe, options) -> int:
        """--new-examples, else teacher.new_examples (0: nothing is asked)."""
        return options.new_examples if options.new_examples is not None else recipe.new_examples

    @classmethod
    def schema_file(cls, recipe) -> Path:
        own = recipe.folder / cls.SCHEMA
        return own if own.is_file() else recipe.schema_path

    @classmethod
    def provenance(cls) -> dict:
        return {"mode": "new"}


def answer_json(output: Any, keys: Iterable[str] = ()) -> str:
    """An output as the JSON a one-shot example answers with: `keys` (the schema's required ones)
    first, then the rest (factory.export.formats writes the student's answer the same way)."""
    if not isinstance(output, dict):
        return json.dumps(output, ensure_ascii=False)
    ordered = {key: output[key] for key in keys if key in output}
    ordered.update((key, value) for key, value in output.items() if key not in ordered)
    return json.dumps(ordered, ensure_ascii=False)


def _grammar_safe(schema: Any) -> Any:
    """`schema` without the `pattern`s factory.teacher.grammar says llama.cpp cannot convert."""
    from factory.teacher.grammar import grammar_problem

    if isinstance(schema, list):
        return [_grammar_safe(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    kept = {key: _grammar_safe(value) for key, value in schema.items() if key != "pattern"}
    pattern = schema.get("pattern")
    if isinstance(pattern, str) and grammar_problem({"type": "string", "pattern": pattern}) is None:
        kept["pattern"] = pattern
    return kept


class AnswerRewrite(TeacherTask):
    """The round-trip question (the roundtrip stage): the teacher, shown the seed as a one-shot
    example, answers a rewrite of it. Messages: system = the recipe's student system prompt (its
    `student_system` hook, export.system_prompt by default) and a line asking for JSON; user = the
    seed's request; assistant = the seed's output as JSON; user = the rewrite. The reply is the
    output, JSON, constrained to the recipe's schema where the server can. Input row: `system`,
    `example_request`, `example_answer`, `request`; output `answer` (the reply text, None when
    empty). `records` yields the stage's verdict on the rewrite (`judge`, set by the stage: the
    recipe's metric lives above the teacher's floor)."""

    mode = "roundtrip"
    SYSTEM: ClassVar[Path] = Path(__file__).parent / "prompts" / "roundtrip_system.jinja"
    PROMPT: ClassVar[Path] = Path(__file__).parent / "prompts" / "roundtrip.jinja"

    _student_prompt: str = PrivateAttr(default="")
    _answer_keys: tuple = PrivateAttr(default=())
    _judge: Any = PrivateAttr(default=None)

    @classmethod
    def prompt_files(cls, recipe) -> tuple[Path, Path]:
        return cls.SYSTEM, cls.PROMPT  # the same for every recipe: its student prompt is the row's

    @classmethod
    def count(cls, recipe, options) -> int:
        return 1  # one answer per rewrite

    @classmethod
    def reply_schema(cls, recipe, n: int) -> dict:
        """The recipe's schema, less the regex patterns llama.cpp cannot take as a grammar (e.g.
        rem_query's `^(?i:select|with)\\b`): the reply is constrained where the server can, and
        the stage checks it against the whole schema."""
        return _grammar_safe(cls.output_schema(recipe))

    def configure(
        self,
        student_prompt: str,
        answer_keys: Iterable[str],
        judge: Callable[[dict, str], dict | Rejected],
    ) -> None:
        """The recipe's student prompt (export.system_prompt), the keys its answers list first,
        and the judge: (rewrite record, reply text) -> the record kept or a Rejected."""
        self._student_prompt, self._answer_keys, self._judge = (
            student_prompt,
            tuple(answer_keys),
            judge,
        )

    @property
    def inputs(self) -> list[str]:
        return ["system", "example_request", "example_answer", "request"]

    @property
    def outputs(self) -> list[str]:
        return ["answer", "parse_error", "model_name"]

    def format_input(self, input: dict[str, Any]) -> list[dict[str, str]]:
        return [
            {"role": "system", "content": self._system.render(system=input["system"]).strip()},
            {
                "role": "user",
                "content": self._user.render(request=input["example_request"]).strip(),
            },
            {"role": "assistant", "content": input["example_answer"]},
            {"role": "user", "content": self._user.render(request=input["request"]).strip()},
        ]

    def format_output(
        self, output: str | None, input: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        text = valid_unicode(output)
        if not text or not text.strip():
            return {"answer": None, "parse_error": "empty reply"}
        return {"answer": text, "parse_error": None}

    def row(self, seed: dict, hooks) -> dict:
        """The row for a rewrite record (`seed`: provenance.seed_text is its seed's request, its
        output the seed's)."""
        return {
            "system": hooks.student_system(seed, self._student_prompt),
            "example_request": seed["provenance"]["seed_text"],
            "example_answer": answer_json(seed["output"], self._answer_keys),
            "request": seed["input"],
        }

    def records(self, seed, row, result, provenance, hooks) -> Iterator[dict | Rejected]:
        if self._judge is None:
            raise RuntimeError("AnswerRewrite.configure(...) gives the task its judge first")
        yield self._judge(seed, result)
