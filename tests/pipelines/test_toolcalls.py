"""The toolcalls recipe: seeds from real log shapes and the built-in examples, the call validator,
the Hermes format, and the metrics against hand-computed values."""

import copy
import json
from collections import Counter
from pathlib import Path

import jsonschema
import pytest
from jinja2 import Environment, StrictUndefined

from factory.recipes import load_recipe
from factory.record import Rejected
from factory.stages.validate import first_problem, schema_validator
from pipelines.toolcalls import hermes, metrics
from pipelines.toolcalls import recipe as tc
from pipelines.toolcalls.conversations import conversation_seeds

FIXTURES = Path(__file__).parent / "fixtures" / "toolcalls"
OPENAI, SHAREGPT = str(FIXTURES / "openai.jsonl"), str(FIXTURES / "sharegpt.jsonl")


@pytest.fixture(scope="module")
def recipe():
    return load_recipe("toolcalls")


@pytest.fixture(scope="module")
def validator(recipe):
    return schema_validator(recipe)


def as_record(seed: dict, **changes) -> dict:
    """A seed as the core's seeds stage stores it: its context under provenance.context."""
    record = {
        "input": seed["input"],
        "output": copy.deepcopy(seed["output"]),
        "labels": seed["labels"],
        "provenance": {**seed["provenance"], "context": seed["context"]},
    }
    record.update(changes)
    return record


def split(items) -> tuple[list[dict], list[Rejected]]:
    items = list(items)
    return [i for i in items if not isinstance(i, Rejected)], [
        i for i in items if isinstance(i, Rejected)
    ]


def example_seeds() -> list[dict]:
    return split(tc.source_seeds({}, 1000, 3))[0]


def weather_record(**output) -> dict:
    seed = next(
        s for s in example_seeds() if s["input"].startswith("What's the weather like in Lisbon")
    )
    record = as_record(seed)
    record["output"] = output or record["output"]
    return record


# --- seeds ---------------------------------------------------------------------------------------


def test_openai_fixture_seeds_and_skips():
    seeds, skipped = split(tc.source_seeds({"paths": [OPENAI]}, 100, 0))
    assert [(s["provenance"]["source"], s["input"], s["output"]) for s in seeds] == [
        (
            f"{OPENAI}:1",
            "What's the weather in Reykjavik in celsius?",
            {"name": "get_weather", "arguments": {"location": "Reykjavik", "unit": "celsius"}},
        ),
        (
            f"{OPENAI}:1",
            "And convert 10 kilometers to miles",
            {
                "name": "convert_units",
                "arguments": {"value": 10, "from_unit": "kilometers", "to_unit": "miles"},
            },
        ),
        (
            f"{OPENAI}:2",
            "Email ana@example.com the subject 'Standup' and say it starts at 9:30.",
            {
                "name": "send_email",
                "arguments": {
                    "to": ["ana@example.com"],
                    "subject": "Standup",
                    "body": "The standup starts at 9:30.",
                },
            },
        ),
    ]
    assert [s["provenance"]["turn"] for s in seeds] == [3, 7, 2]
    assert seeds[1]["provenance"]["keep_values"] == ["10", "kilometers", "miles"]
    assert [tool["function"]["name"] for tool in seeds[2]["context"]["tools"]] == [
        "send_email",
        "get_weather",
    ]
    assert all(
        s["provenance"]["origin"] == "log" and s["labels"] == {"function": s["output"]["name"]}
        for s in seeds
    )
    assert [(s.where, s.reason) for s in skipped] == [
        (f"{OPENAI}:3 message 2", "toolcalls_unknown_function"),
        (f"{OPENAI}:4", "source_bad_shape"),
        (f"{OPENAI}:5 message 2", "toolcalls_no_tools"),
        (f"{OPENAI}:6 message 1", "toolcalls_no_call"),
        (f"{OPENAI}:7 message 2", "toolcalls_multiple_calls"),
        (f"{OPENAI}:8", "source_bad_json"),
        (f"{OPENAI}:9", "toolcalls_failed"),
        (f"{OPENAI}:10", "source_bad_shape"),
        (f"{OPENAI}:11 message 2", "toolcall_missing_argument"),
    ]
    assert "arguments are not JSON" in skipped[1].detail and "not an object" in skipped[7].detail
    assert skipped[8].detail == "arguments: 'location' is a required property"
    assert skipped[0].detail == "'book_flight' is not among the tools: get_weather"


def test_sharegpt_function_call_seeds():
    seeds, skipped = split(tc.source_seeds({"paths": [SHAREGPT]}, 100, 0))
    assert [(s["provenance"]["source"], s["input"], s["output"]) for s in seeds] == [
        (
            f"{SHAREGPT}:1",
            "Convert 100 fahrenheit to celsius",
            {
                "name": "convert_units",
                "arguments": {"value": 100, "from_unit": "fahrenheit", "to_unit": "celsius"},
            },
        ),
        (
            f"{SHAREGPT}:2",
            "How's the weather in Nairobi?",
            {"name": "get_weather", "arguments": {"location": "Nairobi"}},
        ),
        (
            f"{SHAREGPT}:2",
            "Now in fahrenheit for Denver",
            {"name": "get_weather", "arguments": {"location": "Denver", "unit": "fahrenheit"}},
        ),
    ]
    assert [(s.where, s.reason) for s in skipped] == [
        (f"{SHAREGPT}:3 message 2", "toolcalls_unknown_function")
    ]


def test_every_fixture_and_example_seed_is_a_valid_record(recipe, validator):
    fixtures = split(tc.source_seeds({"paths": [OPENAI, SHAREGPT]}, 100, 0))[0]
    examples = example_seeds()
    assert len(fixtures) == 6 and len(examples) == 38
    for seed in fixtures + examples:
        assert first_problem(recipe, validator, as_record(seed)) is None, seed["input"]


def test_builtin_examples_cover_several_tools_with_real_schemas():
    seeds, skipped = split(tc.source_seeds({}, 1000, 3))
    assert Counter(s["labels"]["function"] for s in seeds) == {
        "get_weather": 6,
        "search_files": 6,
        "create_calendar_event": 5,
        "run_sql_query": 5,
        "convert_units": 5,
        "send_email": 4,
        "translate_text": 3,
        "set_reminder": 2,
        "get_stock_price": 2,
    }
    assert Counter(s.reason for s in skipped) == {
        "toolcalls_no_call": 2,
        "toolcalls_multiple_calls": 1,
        "toolcalls_after_tool_result": 1,
        "toolcalls_failed": 1,
    }
    lines = (tc.EXAMPLES / "conversations.jsonl").read_text(encoding="utf-8").splitlines()
    assert 30 <= len(lines) <= 60
    for line in lines:
        for tool in json.loads(line)["tools"]:
            parameters = tool["function"]["parameters"]
            jsonschema.Draft202012Validator.check_schema(parameters)
            assert (
                parameters["type"] == "object"
                and parameters["properties"]
                and parameters["required"]
            )


def test_seeds_are_deterministic_and_stop_at_count():
    first = tc.source_seeds({"paths": [OPENAI, SHAREGPT]}, 4, 0)
    seeds, skipped = split(first)
    assert (
        len(seeds) == 4 and seeds == split(tc.source_seeds({"paths": [OPENAI, SHAREGPT]}, 4, 0))[0]
    )
    assert seeds[3]["provenance"]["source"] == f"{SHAREGPT}:1"


def test_lines_left_out_by_a_filter_are_reported():
    items = list(tc.source_seeds({"paths": [OPENAI], "success": True}, 100, 0))
    seeds, skipped = split(items)
    assert [s["input"] for s in seeds] == [
        "What's the weather in Reykjavik in celsius?",
        "And convert 10 kilometers to miles",
    ]
    assert (skipped[-1].where, skipped[-1].reason) == (OPENAI, "toolcalls_filtered")
    assert skipped[-1].detail == (
        "7 lines left out by the source filters: read 11, kept 1, filtered 7 (success 7), "
        "skipped 3 (source_bad_json 1, source_bad_shape 2)"
    )


def test_every_user_turn_is_a_seed_or_a_skip():
    weather = json.loads(Path(OPENAI).read_text().splitlines()[0])["tools"][0]

    def call(name, arguments):
        return {
            "role": "assistant",
            "content": "",
            "tool_calls": [
                {"id": "c", "type": "function", "function": {"name": name, "arguments": arguments}}
            ],
        }

    conversation = {
        "where": "log.jsonl:7",
        "tools": [weather],
        "messages": [
            {"role": "user", "content": "hello?"},
            {"role": "user", "content": "Weather in Oslo"},
            call("get_weather", '{"location": "Oslo"}'),
            {"role": "tool", "content": "{}", "tool_call_id": "c"},
            call("get_weather", '{"location": "Bergen"}'),
            {"role": "user", "content": ""},
            call("get_weather", '{"location": "Oslo"}'),
            {"role": "user", "content": "Weather in Lima"},
            call("get_weather", "{location: Lima"),
            {"role": "user", "content": "Weather in Lima!"},
            call("get_weather", '["Lima"]'),
            {"role": "user", "content": "and Quito?"},
        ],
    }
    items = list(conversation_seeds(conversation, tc.labels, tc.keep_values))
    seeds, skipped = split(items)
    assert [(s["input"], s["output"]["arguments"], s["provenance"]["turn"]) for s in seeds] == [
        ("Weather in Oslo", {"location": "Oslo"}, 3)
    ]
    assert [(s.where, s.reason) for s in skipped] == [
        ("log.jsonl:7 message 1", "toolcalls_no_call"),
        ("log.jsonl:7 message 5", "toolcalls_after_tool_result"),
        ("log.jsonl:7 message 7", "toolcalls_no_request"),
        ("log.jsonl:7 message 9", "toolcalls_arguments_not_json"),
        ("log.jsonl:7 message 11", "toolcalls_arguments_not_object"),
        ("log.jsonl:7 message 12", "toolcalls_no_call"),
    ]
    assert skipped[0].detail == "the user wrote again before an answer"
    assert (
        skipped[3].detail
        == "get_weather: column 2: Expecting property name enclosed in double quotes"
    )


def test_keep_values():
    output = {
        "name": "f",
        "arguments": {
            "value": 3.5,
            "whole": 20.0,
            "flag": True,
            "unit": "cups",
            "nested": {"to": ["ops@example.com"]},
            "n": 5,
            "absent": "liters",
        },
    }
    text = "Pour 3.5 cups, 20 of them, for OPS@example.com; 15 is not 5's neighbour"
    assert tc.keep_values(text, output) == ["3.5", "20", "cups", "ops@example.com", "5"]
    assert tc.keep_values("nothing here", output) == []


# --- validate ------------------------------------------------------------------------------------


def test_validate_accepts_a_good_call():
    assert tc.validate(weather_record()) is None


@pytest.mark.parametrize(
    "output, reason, detail",
    [
        (
            {"name": "get_forecast", "arguments": {"location": "Lisbon"}},
            "toolcall_unknown_function",
            "'get_forecast' is not among the tools: get_weather, convert_units, set_reminder",
        ),
        (
            {"name": "get_weather", "arguments": {"unit": "celsius"}},
            "toolcall_missing_argument",
            "arguments: 'location' is a required property",
        ),
        (
            {"name": "get_weather", "arguments": {"location": "Lisbon", "days": "two"}},
            "toolcall_bad_arguments",
            "arguments/days: 'two' is not of type 'integer'",
        ),
        (
            {"name": "get_weather", "arguments": {"location": "Lisbon", "unit": "kelvin"}},
            "toolcall_bad_arguments",
            "arguments/unit: 'kelvin' is not one of ['celsius', 'fahrenheit']",
        ),
        (
            {"name": "get_weather", "arguments": {"location": "Lisbon", "days": 9}},
            "toolcall_bad_arguments",
            "arguments/days: 9 is greater than the maximum of 7",
        ),
    ],
)
def test_validate_rejects_bad_calls(output, reason, detail):
    record = weather_record(**output)
    record["provenance"]["keep_values"] = []
    assert tc.validate(record) == (reason, detail)


def test_validate_rejects_an_argument_the_function_does_not_take():
    seed = next(
        s for s in example_seeds() if s["output"]["name"] == "search_files"
    )  # no additionalProperties
    record = as_record(seed)
    record["output"]["arguments"]["q"] = "x"
    assert tc.validate(record) == (
        "toolcall_unknown_argument",
        "'q' is not a parameter of search_files (query, path, file_type, modified_after)",
    )


def test_validate_rejects_a_rewrite_that_lost_a_value():
    record = weather_record()
    record["provenance"]["seed_text"] = record["input"]
    record["input"] = "What's the weather like in Portugal's capital right now, in Celsius?"
    assert tc.validate(record) == ("variation_lost_value", "the rewrite dropped 'Lisbon'")
    record["input"] = "Current conditions in LISBON please, celsius"
    assert tc.validate(record) is None


def test_validate_needs_the_tools():
    record = weather_record()
    del record["provenance"]["context"]
    assert tc.validate(record) == (
        "toolcall_no_tools",
        "the record has no provenance.context.tools to check its call against",
    )


def test_validate_catches_redaction_on_one_side_only():
    """Presidio redacts each text on its own: a value redacted in the request but not in the call
    (or the other way round) breaks the pair, and must not reach the dataset."""
    seed = next(s for s in example_seeds() if s["input"].startswith("Tell marco.rossi"))
    both = as_record(seed)
    both["input"] = both["input"].replace("marco.rossi@example.com", "<EMAIL_ADDRESS_1>")
    both["output"]["arguments"]["to"] = ["<EMAIL_ADDRESS_1>"]
    both["provenance"]["keep_values"] = [
        "<EMAIL_ADDRESS_1>" if v == "marco.rossi@example.com" else v
        for v in both["provenance"]["keep_values"]
    ]
    assert tc.validate(both) is None
    request_only = as_record(seed, input=both["input"])
    assert tc.validate(request_only) == (
        "toolcall_redaction_mismatch",
        "'marco.rossi@example.com' is an argument but no longer in the request",
    )
    request_and_values = copy.deepcopy(both)
    request_and_values["output"]["arguments"]["to"] = ["marco.rossi@example.com"]
    assert tc.validate(request_and_values) == (
        "toolcall_redaction_mismatch",
        "'<EMAIL_ADDRESS_1>' is in the request but no argument holds it any more",
    )
    call_only = as_record(seed)
    call_only["output"]["arguments"]["body"] = "Hello <PERSON_1>, the deploy has moved to Thursday."
    assert tc.validate(call_only) == (
        "toolcall_redaction_mismatch",
        "the arguments hold <PERSON_1> but the request does not",
    )


def test_builtin_examples_survive_the_recipes_pii_redaction(recipe):
    """The real scrubber on every example seed: what it redacts, it redacts on both sides."""
    from factory.pii import Scrubber
    from factory.stages.scrub import set_text, text_fields

    scrubber = Scrubber(recipe.pii_entities, recipe.pii_thresholds, recipe.pii_allow)
    records = [as_record(seed) for seed in example_seeds()]
    groups = [text_fields(record, recipe.pii_context) for record in records]
    redacted = scrubber.redact_groups([[text for _, text in group] for group in groups])
    found = Counter()
    for record, group, (texts, counts) in zip(records, groups, redacted, strict=True):
        found.update(counts)
        for (path, _), text in zip(group, texts, strict=True):
            set_text(record, path, text)
        assert tc.validate(record) is None, record["input"]
    assert found["EMAIL_ADDRESS"] >= 8


def test_user_seed():
    weather = weather_record()["provenance"]["context"]["tools"]
    seed = tc.user_seed(
        {
            "input": " Weather in Faro ",
            "tools": weather,
            "output": {"name": "get_weather", "arguments": {"location": "Faro"}},
        }
    )
    assert seed == {
        "input": "Weather in Faro",
        "output": {"name": "get_weather", "arguments": {"location": "Faro"}},
        "labels": {"function": "get_weather"},
        "context": {"tools": weather},
    }
    with pytest.raises(ValueError, match="tools: the JSON Schemas"):
        tc.user_seed(
            {"input": "Weather in Faro", "output": {"name": "get_weather", "arguments": {}}}
        )
    with pytest.raises(
        ValueError, match="^arguments: 'location' is a required property$"
    ) as caught:
        tc.user_seed(
            {
                "input": "Weather in Faro",
                "output": {"name": "get_weather", "arguments": {}},
                "tools": weather,
            }
        )
    assert caught.value.reason == "toolcall_missing_argument"


# --- the recipe as the core sees it -----------------------------------------------------------------


def test_recipe_loads_and_prompts_render(recipe):
    assert (recipe.kind, recipe.teacher_mode, recipe.labels) == (
        "tool_call",
        "variations",
        ["function"],
    )
    assert recipe.stages == [
        "seeds",
        "scrub",
        "generate",
        "invent",
        "faithfulness",
        "scrub",
        "dedup",
        "validate",
    ]
    env = Environment(undefined=StrictUndefined)
    tools = [
        {
            "type": "function",
            "function": {"name": "convert_units", "parameters": {"type": "object"}},
        },
        {"name": "bare_tool", "parameters": {"type": "object"}},
    ]
    seed = {
        "input": "Convert 5 miles to km",
        "context": {"tools": tools},
        "output": {"name": "convert_units", "arguments": {"value": 5}},
    }
    new = env.from_string((recipe.folder / "prompts" / "new.jinja").read_text()).render(
        seed=seed, n=2
    )
    assert (
        '- {"name": "convert_units"' in new
        and '- {"name": "bare_tool"' in new
        and "Write 2 new requests" in new
    )
    assert (
        'Answer: {"arguments": {"value": 5}, "name": "convert_units"}' in new
    )  # one line, as the loopback reads it
    values = {"text": "Convert 5 miles to km", "keep": ["5", "miles"], "n": 3}
    user = env.from_string(recipe.prompt.read_text()).render(**values)
    assert 'Copy these values exactly as written, in every rewrite: "5", "miles".' in user
    assert "Request: Convert 5 miles to km" in user and "Write 3 different ways" in user
    assert (
        env.from_string(recipe.system_prompt.read_text())
        .render(**values)
        .startswith("You rewrite requests")
    )


def test_student_turns(recipe):
    record = weather_record()
    system = tc.student_system(record, recipe.student_prompt)
    lines = system.split("\n")
    assert lines[0] == recipe.student_prompt and lines[0].startswith(
        "You are a function calling AI model."
    )
    assert (
        lines[1] == "<tools>"
        and lines[5] == "</tools>"
        and "\n".join(lines[6:]) == hermes.ANSWER_FORMAT
    )
    assert lines[2].startswith(
        '{"type": "function", "function": {"name": "get_weather", "description": "Current '
        'weather, or a daily forecast, for a city.", "parameters": {"type": "object", '
        '"properties": {"days": {"description": '
    )
    tools = record["provenance"]["context"]["tools"]
    assert [json.loads(line) for line in lines[2:5]] == tools
    stored = json.loads(json.dumps(record, sort_keys=True))  # records are written with sorted keys
    assert tc.student_system(stored, recipe.student_prompt) == system
    assert tc.student_answer(record) == (
        '<tool_call>\n{"name": "get_weather", "arguments": '
        '{"location": "Lisbon", "unit": "celsius"}}\n</tool_call>'
    )


# --- hermes ----------------------------------------------------------------------------------------


def test_hermes_round_trip():
    for seed in example_seeds():
        assert hermes.parse_calls(hermes.render_call(**seed["output"])) == [seed["output"]]


def test_hermes_parses_two_calls_a_missing_closing_tag_and_loose_shapes():
    reply = (
        'Sure.\n<tool_call>\n  {"name": "get_weather", "arguments": {"location": "Paris"}}  \n</tool_call>\n'
        "<tool_call>{'name': 'get_weather', 'arguments': {'location': 'Rome', 'unit': 'celsius'}}"
    )
    assert hermes.parse_calls(reply) == [
        {"name": "get_weather", "arguments": {"location": "Paris"}},
        {"name": "get_weather", "arguments": {"location": "Rome", "unit": "celsius"}},
    ]
    fenced = '<tool_call>\n```json\n{"name": "f", "arguments": "{\\"a\\": 1}",}\n```\n</tool_call>'
    assert hermes.parse_calls(fenced) == [{"name": "f", "arguments": {"a": 1}}]
    assert hermes.parse_calls(
        '[{"name": "f", "arguments": {}}, {"name": "g", "arguments": {"x": [1]}}]'
    ) == [{"name": "f", "arguments": {}}, {"name": "g", "arguments": {"x": [1]}}]


@pytest.mark.parametrize(
    "reply",
    [
        None,
        "",
        "It is sunny in Lisbon.",
        "<tool_call>\n</tool_call>",
        '<tool_call>{"name": "f"}</tool_call>',
        '<tool_call>{"name": "f", "arguments": [1]}</tool_call>',
        '{"function": "f", "arguments": {}}',
    ],
)
def test_hermes_finds_no_call(reply):
    assert hermes.parse_calls(reply) == []


# --- metrics ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "predicted, expected, f1",
    [
        ({"location": "Lisbon", "unit": "celsius"}, {"location": "Lisbon", "unit": "celsius"}, 1.0),
        (
            {"location": "Lisbon", "unit": "fahrenheit"},
            {"location": "Lisbon", "unit": "celsius"},
            0.5,
        ),  # 2*1/(2+2)
        ({"location": "Lisbon"}, {"location": "Lisbon", "unit": "celsius"}, 2 / 3),  # 2*1/(1+2)
        (
            {"to": ["b@x.org"], "subject": "Hi", "opts": {"cc": False}, "extra": 1},
            {"to": ["a@x.org", "b@x.org"], "subject": "Hi", "opts": {"cc": False}},
            0.75,
        ),  # 2*3/(4+4)
        (
            {"to": ["b@x.org", "a@x.org"], "n": 5.0},
            {"to": ["a@x.org", "b@x.org"], "n": 5},
            1.0,
        ),  # order; 5.0 == 5
        ({"flag": 1}, {"flag": True}, 0.0),
        ({}, {}, 1.0),
        ({"x": 1}, {}, 0.0),
    ],
)
def test_argument_f1(predicted, expected, f1):
    assert metrics.argument_f1(predicted, expected) == pytest.approx(f1, abs=1e-12)


def test_flatten():
    assert sorted(metrics.flatten({"a": {"b": [1, {"c": "x"}], "e": {}}, "d": []})) == [
        ("a.b[]", "1"),
        ("a.b[].c", '"x"'),
        ("a.e", "{}"),
        ("d", "[]"),
    ]


@pytest.mark.parametrize(
    "reply, expected",
    [
        (
            '<tool_call>\n{"name": "get_weather", "arguments": {"location": "Lisbon", "unit": "celsius"}}\n</tool_call>',
            {"valid": 1.0, "function": 1.0, "arguments": 1.0, "callable": 1.0, "exact": 1.0},
        ),
        (
            '<tool_call>\n{"name": "get_weather", "arguments": {"location": "Lisbon", "unit": "fahrenheit"}}\n</tool_call>',
            {"valid": 1.0, "function": 1.0, "arguments": 0.5, "callable": 1.0, "exact": 0.0},
        ),
        (
            '{"name": "get_weather", "arguments": {"location": "Lisbon"}}',
            {"valid": 1.0, "function": 1.0, "arguments": 2 / 3, "callable": 1.0, "exact": 0.0},
        ),
        (
            '<tool_call>{"name": "get_forecast", "arguments": {"location": "Lisbon", "unit": "celsius", "days": 2}}',
            {"valid": 1.0, "function": 0.0, "arguments": 0.8, "callable": 0.0, "exact": 0.0},
        ),  # 2*2/(3+2)
        (
            '<tool_call>{"name": "get weather", "arguments": {"location": "Lisbon", "unit": "celsius"}}</tool_call>',
            {"valid": 0.0, "function": 0.0, "arguments": 1.0, "callable": 0.0, "exact": 0.0},
        ),
        (
            '<tool_call>{"name": "get_weather", "arguments": {"location": "Lisbon", "unit": "kelvin"}}</tool_call>',
            {"valid": 1.0, "function": 1.0, "arguments": 0.5, "callable": 0.0, "exact": 0.0},
        ),
        ("It is 18 degrees in Lisbon.", dict.fromkeys(metrics.METRICS, 0.0)),
        (None, dict.fromkeys(metrics.METRICS, 0.0)),
    ],
)
def test_score(reply, expected, validator):
    scores = metrics.score(reply, weather_record(), validator)
    assert scores == pytest.approx(expected, abs=1e-12)
    assert metrics.MAIN in scores and set(scores) == set(metrics.METRICS)


@pytest.mark.parametrize(
    "one, other, same",
    [  # exact match compares calls as parsed JSON
        (
            {"name": "f", "arguments": '{"b": 5.0, "a": "x"}'},
            {"name": "f", "arguments": {"a": "x", "b": 5}},
            True,
        ),
        (
            {"name": "f", "arguments": {"a": {"y": 1, "x": [1, 2]}}},
            {"name": "f", "arguments": {"a": {"x": [1, 2], "y": 1}}},
            True,
        ),
        ({"name": "f", "arguments": {}}, {"name": "f", "arguments": "{}"}, True),
        ({"name": "f", "arguments": {"a": "x"}}, {"name": "g", "arguments": {"a": "x"}}, False),
        ({"name": "f", "arguments": {"a": "x"}}, {"name": "f", "arguments": {"a": "X"}}, False),
        ({"name": "f", "arguments": {"a": True}}, {"name": "f", "arguments": {"a": 1}}, False),
    ],
)
def test_canonical_call(one, other, same):
    assert (metrics.canonical_call(one) == metrics.canonical_call(other)) is same


def test_eval_data_file_with_tools(tmp_path):
    """`factory eval toolcalls --data`: each line's tools judge its call (callable), as in a build's seeds."""
    from factory.evaluate import evaluate
    from factory.testing.loopback import LoopbackTeacher

    record = weather_record()
    tools = record["provenance"]["context"]["tools"]
    lines = [
        {
            "input": "weather in Lisbon in celsius",
            "tools": tools,
            "output": {
                "name": "get_weather",
                "arguments": {"location": "Lisbon", "unit": "celsius"},
            },
        },
        {
            "input": "weather in Faro",
            "tools": tools,
            "output": {"name": "get_weather", "arguments": {"location": "Faro"}},
        },
    ]
    data = tmp_path / "calls.jsonl"
    data.write_text("".join(json.dumps(line) + "\n" for line in lines))
    replies = {
        "weather in Lisbon in celsius": '<tool_call>{"arguments": {"unit": "celsius", "location": "Lisbon"}, '
        '"name": "get_weather"}</tool_call>',
        "weather in Faro": '<tool_call>{"name": "get_weather", "arguments": {"location": "Faro", "unit": "kelvin"}}',
    }
    with LoopbackTeacher(reply=lambda messages: replies[messages[-1]["content"]]) as model:
        summary = evaluate("toolcalls", model.base_url, out=tmp_path, data=data)
    assert summary["label"] == "loopback@calls"
    assert summary["metrics"] == {
        "valid": 100.0,
        "function": 100.0,
        "arguments": 83.3,
        "callable": 50.0,
        "exact": 50.0,
    }
