"""Tool sets as people write them: dotted names mapped reversibly at seed time, Python type names converted,
seeds that can never pass rejected at the seed stage (no teacher call spent on them).

The first examples are from the Berkeley Function Calling Leaderboard's simple_python category
(bfcl-eval on PyPI, Apache-2.0, github.com/ShishirPatil/gorilla), as bench/toolcalls_toolset.py reads it."""

import json
import logging

import pytest

from factory.recipes import load_recipe
from factory.record import Rejected, SeedError
from factory.stages.validate import first_problem, schema_validator
from pipelines.toolcalls import recipe as tc
from pipelines.toolcalls import toolset

FACTORIAL = {
    "input": "Calculate the factorial of 5 using math functions.",
    "output": {"name": "math.factorial", "arguments": {"number": 5}},
    "tools": [
        {
            "type": "function",
            "function": {
                "name": "math.factorial",
                "description": "Calculate the factorial of a given number.",
                "parameters": {
                    "type": "dict",
                    "properties": {"number": {"type": "integer", "description": "The number"}},
                    "required": ["number"],
                },
            },
        }
    ],
}
INTEGRATE = {
    "input": "Calculate the area under the curve y=x^2 from x=1 to x=3 with the simpson method.",
    "output": {
        "name": "integrate",
        "arguments": {"function": "x**2", "start_x": 1, "end_x": 3, "method": "simpson"},
    },
    "tools": [
        {
            "type": "function",
            "function": {
                "name": "integrate",
                "description": "Calculate the area under a curve for a specified function.",
                "parameters": {
                    "type": "dict",
                    "properties": {
                        "function": {"type": "string"},
                        "start_x": {"type": "integer"},
                        "end_x": {"type": "float"},
                        "method": {"type": "string", "enum": ["trapezoid", "simpson"]},
                        "points": {"type": "tuple", "items": {"type": "float"}},
                        "options": {
                            "type": "dict",
                            "properties": {"type": {"type": "str"}, "tol": {"type": "any"}},
                        },
                        "type": {"type": "string", "description": "a parameter named type"},
                    },
                    "required": ["function", "start_x", "end_x"],
                },
            },
        }
    ],
}


@pytest.fixture(autouse=True)
def fresh_announcements(monkeypatch):
    monkeypatch.setattr(toolset, "_ANNOUNCED", set())


def test_python_types_are_converted_recursively_with_notes():
    schema, notes = toolset.python_types(INTEGRATE["tools"][0]["function"]["parameters"])
    assert schema["type"] == "object"
    props = schema["properties"]
    assert props["end_x"] == {"type": "number"} and props["points"] == {
        "type": "array",
        "items": {"type": "number"},
    }
    assert props["options"] == {
        "type": "object",
        "properties": {"type": {"type": "string"}, "tol": {}},
    }
    assert props["type"] == {
        "type": "string",
        "description": "a parameter named type",
    }  # a parameter, not a keyword
    assert notes == [
        "parameters.type: dict -> object",
        "parameters.properties.end_x.type: float -> number",
        "parameters.properties.points.type: tuple -> array",
        "parameters.properties.points.items.type: float -> number",
        "parameters.properties.options.type: dict -> object",
        "parameters.properties.options.properties.type.type: str -> string",
        "parameters.properties.options.properties.tol.type: any -> any type",
    ]
    assert (
        INTEGRATE["tools"][0]["function"]["parameters"]["type"] == "dict"
    )  # the input is not changed
    assert toolset.python_types({"type": ["int", "null"]})[0] == {"type": ["integer", "null"]}


def test_a_dotted_name_is_mapped_at_seed_time_said_once_and_mapped_back(caplog, recipe_validator):
    recipe, validator = recipe_validator
    with caplog.at_level(logging.WARNING, logger="pipelines.toolcalls"):
        seed = tc.user_seed(FACTORIAL)
        tc.user_seed(FACTORIAL)
    assert seed["output"] == {"name": "math_factorial", "arguments": {"number": 5}}
    assert seed["labels"] == {"function": "math_factorial"}
    context = seed["context"]
    assert context["tools"][0]["function"]["name"] == "math_factorial"
    assert context["tools"][0]["function"]["parameters"]["type"] == "object"
    assert context["tool_names"] == {"math_factorial": "math.factorial"}
    assert context["tool_changes"] == [
        "math.factorial: name -> math_factorial",
        "math.factorial.parameters.type: dict -> object",
    ]
    lines = [r.getMessage() for r in caplog.records]
    assert (
        len(lines) == 2
        and "(math.factorial -> math_factorial, ...)" in lines[0]
        and "dict -> object" in lines[1]
    )
    record = {
        "input": seed["input"],
        "output": seed["output"],
        "labels": seed["labels"],
        "provenance": {"origin": "user", "context": context, "keep_values": ["5"]},
    }
    assert (
        first_problem(recipe, validator, record) is None
    )  # the output schema takes it: no rejection at the end
    assert toolset.original_call(seed["output"], context["tool_names"]) == {
        "name": "math.factorial",
        "arguments": {"number": 5},
    }


@pytest.fixture(scope="module")
def recipe_validator():
    recipe = load_recipe("toolcalls")
    return recipe, schema_validator(recipe)


def _line(**changes) -> dict:
    line = json.loads(json.dumps(FACTORIAL))
    line.update(changes)
    return line


def _tool(name: str, required=("number",), properties=("number",)) -> dict:
    return {
        "type": "function",
        "function": {
            "name": name,
            "parameters": {
                "type": "dict",
                "properties": {p: {"type": "int"} for p in properties},
                "required": list(required),
            },
        },
    }


@pytest.mark.parametrize(
    "line, reason, detail",
    [
        (
            _line(tools=[_tool("math.factorial"), _tool("math_factorial")]),
            "toolcall_name_collision",
            "'math.factorial' and 'math_factorial' are both 'math_factorial'",
        ),
        (
            _line(
                tools=[_tool("math factorial")],
                output={"name": "math factorial", "arguments": {"number": 5}},
            ),
            "toolcall_bad_name",
            "'math factorial': the output format allows only names matching",
        ),
        (
            _line(tools=[_tool("math.factorial", required=("number", "n"))]),
            "toolcall_bad_tool_schema",
            "required parameter 'n' is not among its properties (number); no call can pass",
        ),
        (
            _line(output={"name": "math.factorial", "arguments": {"number": 5.5}}),
            "toolcall_bad_arguments",
            "arguments/number: 5.5 is not of type 'integer'",
        ),
        (
            _line(output={"name": "math.factorial", "arguments": {"n": 5}}),
            "toolcall_missing_argument",
            "'number'",
        ),
        (
            _line(output={"name": "factorial", "arguments": {"number": 5}}),
            "toolcall_unknown_function",
            "'factorial' is not among the tools: math_factorial",
        ),
    ],
)
def test_a_seed_that_can_never_pass_is_rejected_at_the_seed_stage(line, reason, detail):
    with pytest.raises(SeedError) as caught:
        tc.user_seed(line)
    assert caught.value.reason == reason and detail in str(caught.value)


def test_log_seeds_are_prepared_too(tmp_path):
    tools = [_tool("math.factorial"), _tool("stats.mean", required=(), properties=("numbers",))]
    messages = [
        {"role": "user", "content": "What is 7 factorial?"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "a",
                    "type": "function",
                    "function": {"name": "math.factorial", "arguments": '{"number": 7}'},
                }
            ],
        },
        {"role": "user", "content": "And 7.5 factorial?"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "b",
                    "type": "function",
                    "function": {"name": "math.factorial", "arguments": '{"number": 7.5}'},
                }
            ],
        },
    ]
    log = tmp_path / "log.jsonl"
    log.write_text(json.dumps({"messages": messages, "tools": tools}) + "\n")
    items = list(tc.source_seeds({"paths": [str(log)]}, 10, 0))
    seeds = [i for i in items if not isinstance(i, Rejected)]
    assert [s["output"] for s in seeds] == [{"name": "math_factorial", "arguments": {"number": 7}}]
    assert seeds[0]["context"]["tool_names"] == {
        "math_factorial": "math.factorial",
        "stats_mean": "stats.mean",
    }
    assert [(s.where, s.reason) for s in items if isinstance(s, Rejected)] == [
        (f"{log}:1 message 4", "toolcall_bad_arguments")
    ]


def test_no_teacher_call_is_spent_on_a_seed_that_cannot_pass(tmp_path):
    from factory.build import build
    from factory.stages.base import BuildOptions
    from factory.testing.loopback import LoopbackTeacher

    good = _line(input="Calculate the factorial of 5 using math functions, please.")
    broken = _line(
        input="What is the factorial of six?",
        output={"name": "math.factorial", "arguments": {"number": "six"}},
    )
    seeds, empty = tmp_path / "seeds.jsonl", tmp_path / "none.jsonl"
    seeds.write_text(json.dumps(good) + "\n" + json.dumps(broken) + "\n")
    empty.write_text("")
    options = BuildOptions(
        seeds_file=seeds, source_paths=(str(empty),), variations=2, pii_policy="off"
    )
    with LoopbackTeacher() as teacher:
        build(
            "toolcalls",
            options=options,
            out=tmp_path / "data",
            teacher_url=teacher.base_url,
            run_id="r",
        )
    asked = [json.loads(p)[-1]["content"] for p in teacher.prompts]
    # the good seed alone reaches the teacher: once for its rewrites (generate), once for new examples (invent)
    assert len(asked) == 2 and all("factorial of 5" in prompt for prompt in asked)
    run_dir = tmp_path / "data" / "toolcalls" / "r"
    rejected = [
        json.loads(line) for line in (run_dir / "rejected" / "seeds.jsonl").read_text().splitlines()
    ]
    assert [r["reason"] for r in rejected] == ["toolcall_bad_arguments"]
    dataset = [json.loads(line) for line in (run_dir / "dataset.jsonl").read_text().splitlines()]
    assert dataset and {r["output"]["name"] for r in dataset} == {"math_factorial"}
