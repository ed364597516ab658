"""Tolerant JSON extraction and the variations parser, on messy replies seen from real models."""

import pytest

from factory.teacher.extract import extract_json
from factory.teacher.task import parse_variations

MESSY = [
    ('{"variations": ["a b", "c d"]}', {"variations": ["a b", "c d"]}),
    ('```json\n{"variations": ["a"]}\n```', {"variations": ["a"]}),
    ('Sure! Here you go:\n{"variations": ["a", "b",]}\nHope it helps.', {"variations": ["a", "b"]}),
    ('```\n["x", "y"]\n```', ["x", "y"]),
    ('text {not json} then {"ok": 1}', {"ok": 1}),
    ('{"variations": ["a"]} and later {"other": 2}', {"variations": ["a"]}),
    (
        '{"variations": ["line one\nline two", "tab\there"]}',
        {"variations": ["line one\nline two", "tab\there"]},
    ),
    (
        '{"pairs": [{"input": "a", "output": {"n": 1}},]}',
        {"pairs": [{"input": "a", "output": {"n": 1}}]},
    ),  # not the inner one
]


@pytest.mark.parametrize("reply, expected", MESSY)
def test_extract_json_finds_the_object(reply, expected):
    assert extract_json(reply) == expected


@pytest.mark.parametrize(
    "reply", ["", "   ", "no json here", '{"variations": ["unterminated', "{}"]
)
def test_extract_json_raises_when_nothing_usable(reply):
    with pytest.raises(ValueError):
        extract_json(reply)


def test_parse_variations_accepts_lists_and_numbered_lines():
    assert parse_variations('{"variations": [" Show 5 notes ", "", 3, "List notes"]}') == [
        "Show 5 notes",
        "List notes",
    ]
    assert parse_variations('["one", "two"]') == ["one", "two"]
    assert parse_variations(
        "Here are some:\n1. Show me notes\n2) List my notes\n- Notes please"
    ) == ["Show me notes", "List my notes", "Notes please"]


@pytest.mark.parametrize(
    "reply, message",
    [
        (None, "no reply"),
        ('{"variations": "just one"}', 'expected {"variations": [...]}'),
        ('{"variations": [1, 2]}', "holds no strings"),
        ("I cannot help with that.", "no JSON"),
    ],
)
def test_parse_variations_says_why(reply, message):
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("{", r"\{")):
        parse_variations(reply)


def test_lone_surrogate_escapes_become_replacement_characters():
    from factory.teacher.task import parse_variations

    # a small teacher wrote this: JSON escapes of half a UTF-16 pair cannot be encoded as UTF-8
    assert parse_variations(
        '{"variations": ["Get res-7 \\ud8a3 now", "Open \\ud83d\\ude00 res-7"]}'
    ) == ["Get res-7 \ufffd now", "Open \U0001f600 res-7"]
