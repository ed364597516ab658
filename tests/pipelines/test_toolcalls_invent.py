"""toolcalls' make_pair: a new example the teacher wrote (invent stage) is kept only when its call passes the
seed's tools and every value it passes comes from the request."""

import pytest

from factory.recipes import load_recipe
from pipelines.toolcalls.recipe import make_pair, user_seed

TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "Current weather in a city",
            "parameters": {
                "type": "object",
                "required": ["city"],
                "properties": {
                    "city": {"type": "string"},
                    "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
                },
            },
        },
    }
]
SEED = user_seed(
    {
        "input": "weather in Oslo please",
        "output": {"name": "get_weather", "arguments": {"city": "Oslo"}},
        "tools": TOOLS,
    }
)


def test_a_grounded_call_becomes_a_record():
    made = make_pair(
        {
            "input": "is it   cold in Lyon right now",
            "output": {"name": "get_weather", "arguments": {"city": "Lyon", "unit": "celsius"}},
        },
        SEED,
    )  # "celsius" is an enum value: the request may imply it
    assert made == {
        "input": "is it cold in Lyon right now",
        "labels": {"function": "get_weather"},
        "output": {"name": "get_weather", "arguments": {"city": "Lyon", "unit": "celsius"}},
    }


@pytest.mark.parametrize(
    "item, reason",
    [
        (
            {
                "input": "weather in Rome",
                "output": {"name": "get_forecast", "arguments": {"city": "Rome"}},
            },
            "toolcall_unknown_function",
        ),
        (
            {"input": "weather somewhere", "output": {"name": "get_weather", "arguments": {}}},
            "toolcall_missing_argument",
        ),
        (
            {
                "input": "weather in Rome",
                "output": {"name": "get_weather", "arguments": {"city": "Paris"}},
            },
            "toolcall_invented_value",
        ),
        (
            {
                "input": "weather in Rome",
                "output": {"name": "get_weather", "arguments": {"city": "Rome", "unit": "kelvin"}},
            },
            "toolcall_bad_arguments",
        ),
        (
            {"input": "weather", "output": {"name": "get_weather", "arguments": {"city": "x"}}},
            "at least two words",
        ),
        ({"input": "weather in Rome", "output": "get_weather(Rome)"}, "output must be"),
    ],
)
def test_an_ungrounded_or_invalid_call_is_refused_with_its_reason(item, reason):
    with pytest.raises(ValueError, match=reason):
        make_pair(item, SEED)


def test_the_recipe_invents_with_its_own_prompt():
    recipe = load_recipe("toolcalls")
    assert "invent" in recipe.stages and (recipe.folder / "prompts" / "new.jinja").is_file()
