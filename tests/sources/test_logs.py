"""read_logs on real log files: each format, .gz, folders, globs, every filter, and bad input around good lines."""

from __future__ import annotations

import json
import os
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from factory.record import Rejected
from factory.sources.logs import LogStats, read_logs

LOGS = Path(__file__).parent / "fixtures" / "logs"
WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather for a city",
        "parameters": {
            "type": "object",
            "properties": {
                "city": {"type": "string"},
                "unit": {"type": "string", "enum": ["c", "f"]},
            },
            "required": ["city"],
        },
    },
}


def conversations(*paths, **filters) -> list[dict]:
    return [item for item in read_logs([*paths], **filters) if not isinstance(item, Rejected)]


def skips(*paths, **options) -> list[tuple[str, str]]:
    return [
        (item.where, item.reason)
        for item in read_logs([*paths], **options)
        if isinstance(item, Rejected)
    ]


def test_openai_calls_and_the_fine_tuning_shape():
    found = list(read_logs(LOGS / "openai.jsonl"))
    first = found[0]
    assert first == {
        "where": f"{LOGS / 'openai.jsonl'}:1",
        "format": "openai",
        "messages": [
            {"role": "system", "content": "You route requests to tools."},
            {"role": "user", "content": "What's the weather in Lisbon in celsius?"},
            {
                "role": "assistant",
                "content": "",
                "tool_calls": [
                    {
                        "id": "call_abc",
                        "type": "function",
                        "function": {
                            "name": "get_weather",
                            "arguments": '{"city": "Lisbon", "unit": "c"}',
                        },
                    }
                ],
            },
        ],
        "tools": [WEATHER],
        "response_format": None,
        "meta": {
            "timestamp": "2025-10-01T09:00:00+00:00",
            "agent_role": "orchestrator",
            "success": None,
            "rating": None,
            "model": "gpt-4o-mini-2024-07-18",
        },
    }
    multi_turn = found[1]["messages"]
    assert multi_turn[0] == {
        "role": "user",
        "content": "Analyze sales data for Q4\nand give the total.",
    }
    assert multi_turn[2] == {"role": "tool", "content": "[[1250000]]", "tool_call_id": "call_q4"}
    assert multi_turn[3] == {"role": "assistant", "content": "Q4 sales totalled 1,250,000."}
    assert found[1]["meta"]["timestamp"] == "2025-10-01T10:30:00+00:00"
    plain = found[2]
    assert [m["role"] for m in plain["messages"]] == [
        "system",
        "user",
        "assistant",
        "tool",
        "assistant",
    ]
    assert plain["messages"][2]["tool_calls"][0]["function"] == {
        "name": "get_weather",
        "arguments": '{"city": "Oslo"}',
    }
    assert plain["meta"] == {
        "timestamp": None,
        "agent_role": None,
        "success": None,
        "rating": None,
        "model": None,
    }
    assert found[3] == Rejected.at(
        f"{LOGS / 'openai.jsonl'}:4", "source_failed_call", "the call raised: Connection error."
    )
    legacy = found[4]  # function_call / role function / functions, from before tool calls
    paris = {"name": "get_weather", "arguments": '{"city": "Paris"}'}
    assert legacy["messages"][1]["tool_calls"] == [
        {"id": "call_1", "type": "function", "function": paris}
    ]
    assert legacy["messages"][2] == {
        "role": "tool",
        "content": '{"temp": 18}',
        "tool_call_id": "call_1",
    }
    assert legacy["tools"] == [WEATHER]
    assert len(found) == 5


def test_sharegpt_with_function_calls_and_observations():
    seed_003, tickets, parallel = conversations(LOGS / "sharegpt.jsonl")
    assert seed_003["messages"] == [
        {"role": "system", "content": "You are the data retrieval agent."},
        {"role": "user", "content": "Analyze sales data for Q4 and generate report"},
        {
            "role": "assistant",
            "content": "<tool_call name='query_database'>"
            '{"sql": "SELECT * FROM sales WHERE quarter = 4"}</tool_call>',
        },
    ]
    assert seed_003["meta"] == {
        "timestamp": "2025-10-02T08:15:00+00:00",
        "agent_role": "orchestrator",
        "success": True,
        "rating": None,
        "model": None,
    }
    count = {
        "name": "query_database",
        "arguments": '{"sql": "SELECT COUNT(*) FROM tickets WHERE team = \'blue\' AND open"}',
    }
    assert tickets["messages"] == [
        {"role": "system", "content": "You answer questions about tickets."},
        {"role": "user", "content": "How many open tickets does team blue have?"},
        {
            "role": "assistant",
            "content": "",
            "tool_calls": [{"id": "call_1", "type": "function", "function": count}],
        },
        {"role": "tool", "content": "[[12]]", "tool_call_id": "call_1"},
        {"role": "assistant", "content": "Team blue has 12 open tickets."},
    ]
    assert tickets["tools"] == [
        {
            "type": "function",
            "function": {
                "name": "query_database",
                "description": "Run a read-only SQL query",
                "parameters": {
                    "type": "object",
                    "properties": {"sql": {"type": "string"}},
                    "required": ["sql"],
                },
            },
        }
    ]
    assert tickets["meta"] == {
        "timestamp": "2025-10-02T08:30:00+00:00",
        "agent_role": "retrieval",
        "success": False,
        "rating": None,
        "model": None,
    }
    calls = parallel["messages"][1]["tool_calls"]
    assert [(c["id"], c["function"]["arguments"]) for c in calls] == [
        ("call_1", '{"city": "Rome"}'),
        ("call_2", '{"city": "Madrid"}'),
    ]
    assert [m.get("tool_call_id") for m in parallel["messages"][2:4]] == ["call_1", "call_2"]
    assert parallel["tools"] == [WEATHER]


def test_interaction_logs_from_seed_004():
    found = conversations(LOGS / "interaction.jsonl")
    assert found[0]["messages"] == [
        {"role": "user", "content": "Implement binary search function with Clean Code principles"},
        {
            "role": "assistant",
            "content": "def binary_search(arr: List[int], target: int) -> int:\n"
            "    lo, hi = 0, len(arr) - 1\n    ...",
        },
    ]
    assert found[0]["tools"] == []
    assert [
        (m["timestamp"], m["agent_role"], m["success"], m["rating"])
        for m in (c["meta"] for c in found)
    ] == [
        (
            "2025-09-30T17:00:00+00:00",
            "coder",
            True,
            5.0,
        ),  # {"status": "success", "tests_passed": true}, {"rating": 5}
        ("2025-09-30T18:00:00+00:00", "tester", False, 2.0),  # epoch seconds, "failed", 2
        (
            "2025-09-30T19:00:00+00:00",
            "reviewer",
            True,
            4.0,
        ),  # epoch milliseconds, {"exit_code": 0}
        (
            "2025-10-03T10:00:00+00:00",
            "coder",
            True,
            None,
        ),  # the short form; +02:00 turned into UTC
        (
            "2025-10-04T09:00:00+00:00",
            "coder",
            False,
            3.0,
        ),  # status success but tests_passed false; "3/5"
        ("2025-10-05T09:00:00+00:00", "researcher", None, None),
    ]  # status "pending": unknown
    assert {c["meta"]["model"] for c in found} == {None}
    assert {c["format"] for c in found} == {"interaction"}


def test_gz_folder_and_glob_read_the_same_lines(tmp_path):
    gz = [(c["format"], c["messages"]) for c in conversations(LOGS / "mixed.jsonl.gz")]
    plain = [
        (c["format"], c["messages"])
        for c in (
            conversations(LOGS / "openai.jsonl")[0],
            conversations(LOGS / "sharegpt.jsonl")[1],
            conversations(LOGS / "interaction.jsonl")[0],
        )
    ]
    assert gz == plain
    for name in ("openai.jsonl", "sharegpt.jsonl", "interaction.jsonl", "mixed.jsonl.gz"):
        shutil.copy(LOGS / name, tmp_path / name)
    (tmp_path / "notes.txt").write_text("not a log, not read from a folder")
    stats = LogStats()
    from_folder = conversations(tmp_path, stats=stats)
    assert len(from_folder) == 4 + 3 + 6 + 3
    assert stats == LogStats(read=17, kept=16, skipped={"source_failed_call": 1})
    from_glob = conversations(str(tmp_path / "*.jsonl*"))
    assert [c["where"] for c in from_glob] == [c["where"] for c in from_folder]
    assert [c["where"] for c in conversations(str(tmp_path / "*.gz"))] == [
        f"{tmp_path / 'mixed.jsonl.gz'}:{n}" for n in (1, 2, 3)
    ]


def test_a_fixed_format_skips_the_others():
    stats = LogStats()
    found = list(read_logs(LOGS / "mixed.jsonl.gz", format="sharegpt", stats=stats))
    assert [c["format"] for c in found if not isinstance(c, Rejected)] == ["sharegpt"]
    assert [(s.reason, s.detail) for s in found if isinstance(s, Rejected)] == [
        ("source_bad_shape", "an object, looks like openai; expected a sharegpt line"),
        ("source_bad_shape", "an object, looks like interaction; expected a sharegpt line"),
    ]
    with pytest.raises(ValueError, match="format must be"):
        list(read_logs(LOGS, format="alpaca"))


@pytest.mark.parametrize(
    "filters, expected, filtered_by",
    [
        (
            {"success": True},
            ["interaction.jsonl:1", "interaction.jsonl:3", "interaction.jsonl:4"],
            {"success": 3},
        ),
        ({"success": False}, ["interaction.jsonl:2", "interaction.jsonl:5"], {"success": 4}),
        ({"min_rating": 4}, ["interaction.jsonl:1", "interaction.jsonl:3"], {"min_rating": 4}),
        (
            {"agent_role": "coder"},
            ["interaction.jsonl:1", "interaction.jsonl:4", "interaction.jsonl:5"],
            {"agent_role": 3},
        ),
        (
            {"agent_role": ["tester", "reviewer"]},
            ["interaction.jsonl:2", "interaction.jsonl:3"],
            {"agent_role": 4},
        ),
        (
            {"since": "2025-10-03T10:00:00Z"},
            ["interaction.jsonl:4", "interaction.jsonl:5", "interaction.jsonl:6"],
            {"since": 3},
        ),
        (
            {"until": datetime(2025, 9, 30, 19, tzinfo=UTC)},
            ["interaction.jsonl:1", "interaction.jsonl:2"],
            {"until": 4},
        ),
        (
            {"since": 1759255200, "until": "2025-10-04"},
            ["interaction.jsonl:2", "interaction.jsonl:3", "interaction.jsonl:4"],
            {"since": 1, "until": 2},
        ),
        (
            {"success": True, "min_rating": 4, "agent_role": "coder"},
            ["interaction.jsonl:1"],
            {"success": 3, "min_rating": 1, "agent_role": 1},
        ),
    ],
)
def test_filters_apply_to_meta_and_are_counted(filters, expected, filtered_by):
    stats = LogStats()
    found = conversations(LOGS / "interaction.jsonl", stats=stats, **filters)
    assert [c["where"].rsplit("/", 1)[1] for c in found] == expected
    assert (stats.read, stats.kept, stats.filtered, dict(stats.filtered_by)) == (
        6,
        len(expected),
        6 - len(expected),
        filtered_by,
    )


def test_a_filter_on_a_field_the_line_lacks_excludes_it():
    stats = LogStats()
    assert conversations(LOGS / "openai.jsonl", min_rating=1, stats=stats) == []
    first, second, untimed, legacy = conversations(
        LOGS / "openai.jsonl"
    )  # legacy: the response's "created" time
    assert conversations(LOGS / "openai.jsonl", since="2025-01-01") == [first, second, legacy]
    assert (
        untimed["meta"]["timestamp"] is None
        and legacy["meta"]["timestamp"] == "2025-10-01T12:00:00+00:00"
    )
    assert stats.filtered == 4 and stats.skipped == {"source_failed_call": 1}
    with pytest.raises(ValueError, match="since 'last week' is neither ISO 8601 nor epoch seconds"):
        list(read_logs(LOGS, since="last week"))


def test_bad_lines_are_skipped_with_file_and_line_and_the_good_ones_read(tmp_path):
    malformed = LOGS / "malformed.jsonl"
    stats = LogStats()
    found = list(read_logs(malformed, max_line_bytes=4096, stats=stats))
    assert [c["where"] for c in found if not isinstance(c, Rejected)] == [
        f"{malformed}:1",
        f"{malformed}:12",
    ]
    assert [
        (s.where.rsplit(":", 1)[1], s.reason, s.detail) for s in found if isinstance(s, Rejected)
    ] == [
        ("2", "source_bad_json", "column 48: Expecting value"),
        ("3", "source_not_utf8", "byte 25: invalid continuation byte"),
        (
            "4",
            "source_bad_shape",
            "an object with keys hello; expected an openai, sharegpt or interaction line",
        ),
        ("5", "source_bad_shape", "a JSON array; expected an openai, sharegpt or interaction line"),
        ("6", "source_bad_shape", "timestamp 'yesterday' is neither ISO 8601 nor epoch seconds"),
        ("7", "source_bad_shape", "turn 2: a tool result with no tool call before it"),
        (
            "8",
            "source_bad_shape",
            (
                "message 2 tool call 1 (get_weather): arguments are not JSON "
                "(Expecting property name enclosed in double quotes)"
            ),
        ),
        ("9", "source_line_too_large", "over 4,096 bytes"),
        ("10", "source_bad_shape", "message 1: a image_url content part (only text is read)"),
        (
            "13",
            "source_bad_shape",
            "message 2 tool call 1 (get_weather): arguments are a JSON str, not an object",
        ),
    ]
    assert (
        stats.read == stats.kept + stats.filtered + sum(stats.skipped.values()) == 12
    )  # the blank line is not read
    assert "line_too_large" not in str(
        skips(malformed)
    )  # under the default cap, line 9 is a good line
    assert len(conversations(malformed)) == 3


def test_unreadable_paths_are_skipped_and_reading_goes_on(tmp_path):
    os.symlink(tmp_path / "gone.jsonl", tmp_path / "broken.jsonl")
    folder = tmp_path / "logs"
    folder.mkdir()
    shutil.copy(LOGS / "sharegpt.jsonl", folder / "sharegpt.jsonl")
    (folder / "not-gzip.jsonl.gz").write_bytes(b"plain text, not gzip\n")
    stats = LogStats()
    found = list(
        read_logs(
            [
                LOGS / "binary.jsonl",
                LOGS / "empty.jsonl",
                tmp_path / "missing.jsonl",
                tmp_path / "broken.jsonl",
                folder,
                str(tmp_path / "nothing-*.jsonl"),
            ],
            stats=stats,
        )
    )
    assert [(s.where, s.reason) for s in found if isinstance(s, Rejected)] == [
        (str(LOGS / "binary.jsonl"), "source_binary_file"),
        (str(tmp_path / "missing.jsonl"), "source_missing"),
        (str(tmp_path / "broken.jsonl"), "source_broken_link"),
        (str(folder / "not-gzip.jsonl.gz"), "source_unreadable"),
        (str(tmp_path / "nothing-*.jsonl"), "source_missing"),
    ]
    assert [c["where"] for c in found if not isinstance(c, Rejected)] == [
        f"{folder / 'sharegpt.jsonl'}:{n}" for n in (1, 2, 3)
    ]
    assert stats.line() == (
        "read 8, kept 3, filtered 0, skipped 5 (source_binary_file 1, source_broken_link 1, "
        "source_missing 2, source_unreadable 1)"
    )


def test_every_conversation_keeps_the_contract(tmp_path):
    """The shape the toolcalls recipe reads: roles, string contents, JSON-string arguments, linked tool results."""
    found = conversations(LOGS, max_line_bytes=4096)
    assert len(found) == 19 - 1
    for conversation in found:
        assert set(conversation) == {
            "where",
            "format",
            "messages",
            "tools",
            "response_format",
            "meta",
        }
        assert set(conversation["meta"]) == {
            "timestamp",
            "agent_role",
            "success",
            "rating",
            "model",
        }
        call_ids = set()
        for message in conversation["messages"]:
            assert message["role"] in ("system", "user", "assistant", "tool") and isinstance(
                message["content"], str
            )
            for call in message.get("tool_calls", []):
                assert call["type"] == "function" and isinstance(
                    json.loads(call["function"]["arguments"]), dict
                )
                call_ids.add(call["id"])
            if message["role"] == "tool":
                assert message["tool_call_id"] in call_ids
        for tool in conversation["tools"]:
            assert set(tool["function"]) == {"name", "description", "parameters"}
        if conversation["meta"]["timestamp"]:
            assert datetime.fromisoformat(conversation["meta"]["timestamp"]).tzinfo == UTC


def test_a_refusal_is_the_assistants_answer():
    from factory.sources.logs import parse_line

    refused = {
        "messages": [
            {"role": "user", "content": "Write malware"},
            {"role": "assistant", "content": None, "refusal": "I can't help with that."},
        ]
    }
    assert parse_line(refused, "calls.jsonl:7")["messages"][1] == {
        "role": "assistant",
        "content": "I can't help with that.",
    }
