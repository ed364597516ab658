"""llama.cpp's own server (factory.llama_native), built for real from the sdist, serving the embedded
teacher with several slots: requests decoded side by side, JSON constrained the way the build asks."""

from __future__ import annotations

import json
import re
import threading

import httpx
import pytest
from factory_cli import run_cli

from factory.errors import ConfigError, MissingDependency
from factory.llama_native import build_server, server_binary
from factory.serving import ModelServer
from factory.teacher import embedded
from factory.teacher.embedded import TEACHERS, EmbeddedTeacher, teacher_slots

SCHEMA = {
    "type": "object",
    "properties": {"variations": {"type": "array", "items": {"type": "string"}, "minItems": 2}},
    "required": ["variations"],
}


@pytest.fixture(scope="module")
def native_binary():
    return build_server(say=lambda line: None)  # once per cache; later runs find it


def test_the_built_server_is_one_kept_binary(native_binary):
    assert server_binary() == native_binary and native_binary.name == "llama-server"
    assert not list(native_binary.parent.glob("*.partial"))


def test_four_slots_answer_four_requests_side_by_side_in_json(native_binary, tmp_path):
    log = tmp_path / "server.log"
    teacher = EmbeddedTeacher(log, TEACHERS["smollm2-135m"], threads=1, slots=4)
    assert teacher.command()[0] == str(native_binary)
    with teacher as spec:
        assert spec.slots == 4 and spec.concurrency(8) == 4
        replies, started = {}, threading.Barrier(4)

        def ask(i: int) -> None:
            started.wait()  # all four in flight together
            response = httpx.post(
                spec.base_url + "/chat/completions",
                json={
                    "model": spec.model,
                    "messages": [
                        {"role": "user", "content": f"Write two ways to say: find note {i}."}
                    ],
                    "max_tokens": 96,
                    "temperature": 0,
                    "response_format": {"type": "json_object", "schema": SCHEMA},
                },
                timeout=600,
            )
            replies[i] = response

        threads = [threading.Thread(target=ask, args=(i,)) for i in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert sorted(replies) == [0, 1, 2, 3]
    for response in replies.values():
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["model"] == "smollm2-135m-instruct-q4_1"
        if (
            body["choices"][0]["finish_reason"] == "stop"
        ):  # a reply cut at max_tokens is unfinished JSON
            assert len(json.loads(body["choices"][0]["message"]["content"])["variations"]) >= 2
    slots = set(re.findall(r"slot launch_slot_: id +(\d+)", log.read_text()))
    assert slots == {
        "0",
        "1",
        "2",
        "3",
    }  # each request had a slot of its own: none waited in a queue


def test_a_build_asks_the_teacher_through_its_slots(native_binary, tmp_path):
    result = run_cli(
        "build",
        "rem_queries",
        "--limit",
        "6",
        "--new-examples",
        "0",
        "--out",
        str(tmp_path),
        "--run",
        "slots",
        env={"FACTORY_TEACHER_SLOTS": "4"},
    )
    assert result.returncode == 0, result.stderr
    run_dir = tmp_path / "rem_queries" / "slots"
    report = json.loads((run_dir / "report.json").read_text())
    assert report["teacher"]["slots"] == 4 and report["teacher"]["embedded"] is True
    generate = next(row for row in report["stages"] if row["name"] == "generate")
    assert generate["cache"] == {"hits": 0, "misses": 6, "failed_calls": 0}
    assert generate["tokens"]["completion"] > 0
    assert "slot launch_slot_" in (run_dir / "teacher-server.log").read_text()
    for line in (run_dir / "dataset.jsonl").read_text().splitlines():
        assert "slots" not in json.loads(line)["provenance"].get("teacher", {})


def test_slots_are_asked_for_by_a_whole_number(monkeypatch):
    monkeypatch.setenv(embedded.SLOTS_ENV, "four")
    with pytest.raises(ConfigError, match="FACTORY_TEACHER_SLOTS=four: expected a whole number"):
        teacher_slots()
    monkeypatch.setenv(embedded.SLOTS_ENV, "3")
    assert teacher_slots() == 3


def test_without_the_built_server_more_than_one_slot_says_how_to_build_it(monkeypatch, tmp_path):
    monkeypatch.setattr("factory.serving.server_binary", lambda: None)
    server = ModelServer("llama.cpp", embedded.model_path(), log_path=tmp_path / "x.log", slots=2)
    with pytest.raises(MissingDependency, match="python -m factory.llama_native"):
        server.command()
    with pytest.raises(ConfigError, match="only llama.cpp's own server"):
        ModelServer("transformers", tmp_path, log_path=tmp_path / "x.log", slots=2)
