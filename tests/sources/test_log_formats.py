"""factory.sources.log_formats.response_format: every form a log writes a requested structured output in."""

import pytest

from factory.sources.log_fields import BadLine, response_format
from factory.sources.log_formats import parse_line

SCHEMA = {"type": "object", "properties": {"a": {"type": "integer"}}, "required": ["a"]}


@pytest.mark.parametrize(
    "given, expected",
    [
        (None, None),
        ({"type": "text"}, None),
        ({"type": "json_object"}, {"type": "json_object", "name": None, "schema": None}),
        (
            {
                "type": "json_schema",
                "json_schema": {"name": "thing", "schema": SCHEMA, "strict": True},
            },
            {"type": "json_schema", "name": "thing", "schema": SCHEMA},
        ),
        (
            {"type": "json_object", "schema": SCHEMA},
            {"type": "json_schema", "name": None, "schema": SCHEMA},
        ),  # llama.cpp
        (
            {"pydantic_model": "Thing", "schema": SCHEMA},
            {"type": "json_schema", "name": "Thing", "schema": SCHEMA},
        ),
        ('{"type": "json_object"}', {"type": "json_object", "name": None, "schema": None}),
    ],
)
def test_known_forms(given, expected):
    assert response_format(given) == expected


@pytest.mark.parametrize(
    "given, message",
    [
        ({"type": "yaml"}, "response_format type 'yaml' is none of"),
        ({"type": "json_schema"}, "has no json_schema object"),
        ({"type": "json_schema", "json_schema": {"name": "x"}}, "has no schema object"),
        ([1], "response_format is a list"),
        ("{not json", "response_format is a string but not JSON"),
    ],
)
def test_bad_forms_are_bad_lines(given, message):
    with pytest.raises(BadLine, match=message):
        response_format(given)


def test_a_call_carries_its_response_format():
    form = {"type": "json_schema", "json_schema": {"name": "thing", "schema": SCHEMA}}
    traced = {
        "request": {
            "model": "m",
            "messages": [{"role": "user", "content": "hi"}],
            "response_format": form,
        },
        "response": {"choices": [{"message": {"role": "assistant", "content": '{"a": 1}'}}]},
    }
    assert parse_line(traced, "f:1")["response_format"] == {
        "type": "json_schema",
        "name": "thing",
        "schema": SCHEMA,
    }
    chat = {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"}]}
    assert parse_line(chat, "f:2")["response_format"] is None
    with pytest.raises(BadLine, match="response_format type 'xml'"):
        parse_line({**chat, "response_format": {"type": "xml"}}, "f:3")
