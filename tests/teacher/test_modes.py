"""Teacher modes as distilabel Tasks picked by the recipe (factory.teacher.modes, recipe.teacher_task).

Checks that every built-in recipe resolves its teacher.mode to the Task class that mode names
(once per Recipe), that a recipe's own `teacher_task` hook replaces it and is what the generate
stage runs against a real loopback server (a judge: one score per seed, its own rejection
reason), that a hook answering something other than a TeacherTask is a one-line ConfigError
naming recipe.py, and what each mode asks before a task exists (count, JSON reply, schema file).
"""

import dataclasses
import json
import types
from typing import Iterator

import pytest

from factory.errors import ConfigError
from factory.recipes import load_recipe, recipe_names
from factory.record import Record, Rejected
from factory.stages.base import BuildOptions, StageSettings
from factory.stages.generate import GenerateStage
from factory.stages.invent import InventStage
from factory.teacher.grammar import one_type_each
from factory.teacher.modes import WriteAnswer, WriteNewExamples, WritePairs, WriteVariations
from factory.teacher.spec import TeacherSpec
from factory.teacher.task import TeacherTask
from factory.testing.loopback import LoopbackTeacher
from pipelines.rem_queries.recipe import build_output, labels

BY_MODE = {"variations": WriteVariations, "pairs": WritePairs, "answer": WriteAnswer}


class Judge(WriteAnswer):
    """A judge-shaped mode: the teacher scores the seed's output 1-5; the score lands in labels."""

    mode = "judge"

    @classmethod
    def json_reply(cls, recipe) -> bool:
        return True

    @classmethod
    def reply_schema(cls, recipe, n: int) -> dict:
        score = {"type": "integer", "minimum": 1, "maximum": 5}
        return {"type": "object", "required": ["score"], "properties": {"score": score}}

    def records(self, seed, row, result, provenance, hooks) -> Iterator[dict | Rejected]:
        score = json.loads(result).get("score")
        if score not in range(1, 6):
            yield Rejected({**seed, "raw_item": result}, "judge_no_score", f"score {score!r}")
            return
        yield {**seed, "labels": {**seed["labels"], "score": score}, "provenance": provenance}


def _seed(text: str, rem: str) -> dict:
    output = build_output(rem)
    record = Record(
        recipe="rem_queries",
        kind="rem_query",
        schema_version=1,
        seed_id="",
        input=text,
        output=output,
        labels=labels(output),
        provenance={"origin": "grammar", "source": "grammar:lookup"},
    )
    record.seed_id = record.id
    return record.to_dict()


def _with_module(recipe, **hooks):
    names = ("validate", "labels", "user_seed", "keep_values", "grammar_seeds")
    module = types.SimpleNamespace(**{n: getattr(recipe.module, n) for n in names}, **hooks)
    return dataclasses.replace(recipe, module=module)


def test_every_recipe_runs_the_task_its_mode_names_resolved_once():
    for name in recipe_names():
        recipe = load_recipe(name)
        assert recipe.teacher_task is BY_MODE[recipe.teacher_mode], name
        assert recipe.teacher_task is recipe.teacher_task  # kept, not resolved again
    pairs = dataclasses.replace(load_recipe("rem_queries"), teacher_mode="pairs")
    assert pairs.teacher_task is WritePairs  # a copy resolves its own


def test_a_recipe_hook_supplies_its_own_task_which_the_stage_runs(tmp_path):
    prompt = tmp_path / "judge.jinja"
    prompt.write_text("Score 1-5: {{ seed.input }} -> {{ seed.output.rem }}")
    recipe = _with_module(load_recipe("rem_queries"), teacher_task=lambda: Judge)
    recipe = dataclasses.replace(recipe, system_prompt=prompt, prompt=prompt)
    assert recipe.teacher_task is Judge
    replies = iter(['{"score": 4}', '{"score": 9}'])
    seeds = [_seed("Get res-1", "LOOKUP res-1"), _seed("Get res-2", "LOOKUP res-2")]
    with LoopbackTeacher(reply=lambda messages: next(replies)) as server:
        context = StageSettings(
            recipe=recipe,
            options=BuildOptions(max_concurrency=1),  # replies in seed order
            run_dir=tmp_path / "run",
            cache_path=tmp_path / "_cache" / "teacher.sqlite",
        )
        context.teacher = TeacherSpec(
            model="loopback",
            base_url=server.base_url,
            api_key="none",
            structured="llamacpp_schema",
        )
        task, llm = GenerateStage(context)._task()  # what the stage will send
        llm.close()
        out = list(GenerateStage(context).process(iter(seeds)))
        shown = server.prompts[0]
    assert task.name == "write_judge" and "Score 1-5: Get res-1 -> LOOKUP res-1" in shown
    constrained = llm.generation_kwargs["extra_body"]["response_format"]["schema"]
    # the class's schema reaches the server, in the form llama.cpp's converter reads
    assert constrained == one_type_each(Judge.reply_schema(recipe, 1))
    kept = [r for r in out if not isinstance(r, Rejected)]
    rejected = [r for r in out if isinstance(r, Rejected)]
    assert [r["labels"].get("score") for r in kept] == [None, 4, None]  # seed, judged, seed
    assert kept[1]["provenance"]["origin"] == "teacher"
    assert [(r.reason, r.detail) for r in rejected] == [("judge_no_score", "score 9")]


@pytest.mark.parametrize("answer", [str, "factory.teacher.modes:WriteAnswer"])
def test_a_hook_answering_no_task_class_is_a_one_line_error_naming_recipe_py(answer):
    recipe = _with_module(load_recipe("rem_queries"), teacher_task=lambda: answer)
    with pytest.raises(ConfigError) as raised:
        recipe.teacher_task
    message = str(raised.value)
    assert "\n" not in message
    assert message.startswith(f"{recipe.folder / 'recipe.py'}: teacher_task() returned ")
    assert "factory.teacher.task.TeacherTask" in message


def test_what_each_mode_asks_before_a_task_exists(tmp_path):
    rem = load_recipe("rem_queries")
    options = BuildOptions(variations=2, new_examples=None)
    assert issubclass(Judge, TeacherTask)
    assert (WriteVariations.count(rem, options), WritePairs.count(rem, options)) == (2, 2)
    assert WriteAnswer.count(rem, options) == 1
    assert WriteNewExamples.count(rem, options) == rem.new_examples
    assert WriteNewExamples.count(rem, BuildOptions(new_examples=0)) == 0
    assert WriteAnswer.json_reply(rem) is (rem.teacher_reply == "json")
    assert WriteNewExamples.schema_file(rem) == rem.folder / "prompts/new.schema.json"
    assert WriteNewExamples.prompt_files(rem) == (
        rem.folder / "prompts/new_system.jinja",
        rem.folder / "prompts/new.jinja",
    )
    assert WriteNewExamples.provenance() == {"mode": "new"} and WritePairs.provenance() == {}
    code_tests = load_recipe("code_tests")  # no prompts/new.jinja: invent cannot run it
    context = StageSettings(code_tests, BuildOptions(), tmp_path, tmp_path / "teacher.sqlite")
    with pytest.raises(ConfigError, match=r"recipe.yaml: stages: `invent` needs .*new.jinja"):
        InventStage(context)
