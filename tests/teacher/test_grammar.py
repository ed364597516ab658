"""Schemas llama.cpp cannot take as a grammar are named before a request is sent."""

import pytest

from factory.recipes import load_recipe, recipe_names
from factory.teacher.grammar import grammar_problem
from factory.teacher.task import pairs_schema
from factory.teacher.task import plain_schema as _plain_schema

pytest.importorskip(
    "llama_cpp"
)  # without llama.cpp there is no grammar to check (and grammar_problem says None)


def test_a_regex_escape_is_caught_and_a_character_class_is_not():
    bad = {
        "type": "object",
        "properties": {"day": {"type": "string", "pattern": r"^\d{4}-\d{2}$"}},
        "required": ["day"],
    }
    problem = grammar_problem(bad)
    assert problem is not None and "escape \\d" in problem and "[0-9]" in problem
    good = {
        "type": "object",
        "properties": {"day": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$"}},
    }
    assert grammar_problem(good) is None
    assert (
        grammar_problem(
            {"type": "object", "properties": {"q": {"type": "string", "pattern": '^say \\"hi\\"$'}}}
        )
        is None
    )


def test_every_schema_sent_to_the_teacher_converts():
    recipes = [load_recipe(name) for name in recipe_names()]
    sent = [
        r
        for r in recipes
        if r.teacher_mode == "pairs" or (r.teacher_mode, r.teacher_reply) == ("answer", "json")
    ]
    assert {r.name for r in sent} >= {"rem_edges", "moments", "composer", "sysadmin_bash"}
    for recipe in sent:  # what generate sends: the output schema, or pairs of it
        schema = _plain_schema(recipe.schema())
        sent_schema = (
            pairs_schema(recipe.variations, schema) if recipe.teacher_mode == "pairs" else schema
        )
        assert grammar_problem(sent_schema) is None, recipe.name
