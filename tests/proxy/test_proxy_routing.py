"""`factory proxy`: who answers (share 0 / 0.5 / 1), validated fallback (invalid reply, prose, late student),
streaming, shadow mode and the proxy's key — a real proxy process between real servers on 127.0.0.1."""

from __future__ import annotations

import json
import random
import stat
import time

import httpx
import pytest
from openai import OpenAI
from proxy_helpers import KEY, RELEASE, ask, exchanges, proxy, student_reply, teacher_reply

from factory.testing.faulty import FaultyTeacher
from factory.testing.loopback import LoopbackTeacher

pytestmark = pytest.mark.slow  # starts the proxy as a process (spaCy for the log's PII scrub)


@pytest.fixture
def servers():
    RELEASE.clear()
    with (
        LoopbackTeacher(reply=teacher_reply) as teacher,
        LoopbackTeacher(reply=student_reply) as student,
    ):
        yield teacher, student
    RELEASE.set()


def post(base_url: str, body: dict, key: str | None = KEY) -> httpx.Response:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return httpx.post(f"{base_url}/chat/completions", json=body, headers=headers, timeout=120)


@pytest.mark.parametrize("share", [0.0, 0.5, 1.0])
def test_share_decides_who_answers(share, servers, tmp_path):
    teacher, student = servers
    with proxy(
        teacher.base_url, student.base_url, tmp_path / "logs", "--share", str(share), "--seed", "7"
    ) as (_, url, _):
        client = OpenAI(base_url=url, api_key=KEY)
        answered = []
        for i in range(40):
            raw = client.chat.completions.with_raw_response.create(**ask(f"Town{i}"))
            reply = raw.parse()
            answered.append(raw.headers["x-factory-model"])
            # either way the caller gets the call the teacher would make, as a native tool call
            call = reply.choices[0].message.tool_calls[0]
            assert (call.function.name, json.loads(call.function.arguments)) == (
                "get_weather",
                {"location": f"Town{i}"},
            )
            assert reply.choices[0].finish_reason == "tool_calls"
    draws = random.Random(7)
    expected = ["student" if share > 0 and draws.random() < share else "teacher" for _ in range(40)]
    assert answered == expected
    assert student.requests == expected.count("student") and teacher.requests == expected.count(
        "teacher"
    )
    if share == 0.5:
        assert 10 <= expected.count("student") <= 30
    logged = exchanges(tmp_path / "logs")
    assert [line["proxy"]["answered_by"] for line in logged] == expected


def test_student_replies_are_judged_and_fall_back_with_a_reason(servers, tmp_path):
    teacher, student = servers
    with proxy(
        teacher.base_url, student.base_url, tmp_path / "logs", "--share", "1", "--timeout", "1"
    ) as (_, url, _):
        cases = {
            "Lisbon": ("student", None),
            "Atlantis": ("teacher", "toolcall_unknown_function"),
            "Mumble": ("teacher", "reply_not_parsed"),
            "Slowville": ("teacher", "student_timeout"),
        }
        for place, (model, reason) in cases.items():
            response = post(url, ask(place))
            assert response.status_code == 200, response.text
            assert response.headers["x-factory-model"] == model
            assert response.headers.get("x-factory-fallback") == reason
            call = response.json()["choices"][0]["message"]["tool_calls"][0]["function"]
            assert json.loads(call["arguments"]) == {"location": place}
    RELEASE.set()
    logged = {
        line["request"]["messages"][-1]["content"].split()[-1].rstrip("?"): line
        for line in exchanges(tmp_path / "logs")
    }
    assert set(logged) == set(cases)
    for place, (model, reason) in cases.items():
        meta = logged[place]["proxy"]
        assert (meta["answered_by"], meta["fallback"], meta["student"]["reason"]) == (
            model,
            reason,
            reason,
        )
        assert meta["student"]["ok"] is (reason is None)
    assert "launch_rocket" in logged["Atlantis"]["proxy"]["student"]["detail"]
    assert logged["Slowville"]["proxy"]["student"]["detail"] == "no reply within 1 s"
    assert (
        logged["Lisbon"]["response"]["choices"][0]["message"]["tool_calls"][0]["function"]["name"]
        == "get_weather"
    )


def test_student_error_falls_back(tmp_path):
    with (
        LoopbackTeacher(reply=teacher_reply) as teacher,
        FaultyTeacher({"error_500": 1.0}) as broken,
    ):
        with proxy(teacher.base_url, broken.base_url, tmp_path / "logs", "--share", "1") as (
            _,
            url,
            _,
        ):
            response = post(url, ask("Oslo"))
    assert response.status_code == 200 and response.headers["x-factory-model"] == "teacher"
    assert response.headers["x-factory-fallback"] == "student_error"
    assert exchanges(tmp_path / "logs")[0]["proxy"]["student"]["detail"].startswith("HTTP 500")


def test_streaming_student_is_validated_before_release_teacher_streams(servers, tmp_path):
    teacher, student = servers
    with proxy(teacher.base_url, student.base_url, tmp_path / "logs", "--share", "1") as (
        _,
        url,
        _,
    ):
        client = OpenAI(base_url=url, api_key=KEY)
        for place, model in (("Lisbon", "student"), ("Atlantis", "teacher")):
            with client.chat.completions.with_streaming_response.create(
                **ask(place), stream=True
            ) as raw:
                assert raw.headers["x-factory-model"] == model
                chunks = list(raw.parse())
            calls = [
                call
                for chunk in chunks
                if chunk.choices
                for call in chunk.choices[0].delta.tool_calls or []
            ]
            assert [(c.function.name, json.loads(c.function.arguments)) for c in calls] == [
                ("get_weather", {"location": place})
            ]
            assert chunks[-1].choices[0].finish_reason == "tool_calls"
    logged = exchanges(tmp_path / "logs")
    assert [(line["proxy"]["answered_by"], line["proxy"]["stream"]) for line in logged] == [
        ("student", True),
        ("teacher", True),
    ]
    assert (
        logged[1]["response"]["choices"][0]["message"]["tool_calls"][0]["function"]["name"]
        == "get_weather"
    )


def test_shadow_mode_teacher_answers_student_compared_off_the_path(servers, tmp_path):
    teacher, student = servers
    log_dir = tmp_path / "logs"
    places = ["Lisbon", "Oslo", "Atlantis", "Rome"]
    with proxy(teacher.base_url, student.base_url, log_dir, "--shadow", "--share", "1") as (
        _,
        url,
        _,
    ):
        for place in places:
            response = post(
                url, {**ask(place), "stream": place == "Rome"}
            )  # a streamed request is shadowed too
            assert response.headers["x-factory-model"] == "teacher"
            assert "x-factory-fallback" not in response.headers
        shadow = log_dir / ".proxy" / "shadow.jsonl"
        for _ in range(
            600
        ):  # the comparisons finish after the answers: wait for all four (ceiling 60 s)
            if shadow.is_file() and len(shadow.read_text().splitlines()) == len(places):
                break
            time.sleep(0.1)
    rows = [json.loads(line) for line in shadow.read_text().splitlines()]
    assert student.requests == teacher.requests == len(places)
    assert (
        sorted((row["ok"], row["reason"]) for row in rows)
        == [(False, "toolcall_unknown_function")] + [(True, None)] * 3
    )
    functions = sorted(row["compare"]["scores"]["function"] for row in rows)
    assert functions == [0.0, 1.0, 1.0, 1.0] and all(
        row["compare"]["main"] == "function" for row in rows
    )
    assert {row["exchange"] for row in rows} == {line["proxy"]["id"] for line in exchanges(log_dir)}
    assert all(line["proxy"]["answered_by"] == "teacher" for line in exchanges(log_dir))


def test_wrong_or_missing_key_is_401_and_a_generated_key_is_kept_0600(servers, tmp_path):
    teacher, student = servers
    log_dir = tmp_path / "logs"
    env = {
        "FACTORY_PROXY_KEY": "",
        "FACTORY_TEACHER_API_KEY": "sk-teacher-secret-000000000000000000",
    }
    with proxy(teacher.base_url, student.base_url, log_dir, key=None, env=env) as (_, url, banner):
        key_file = log_dir / ".proxy" / "api_key"
        key = key_file.read_text().strip()
        assert banner[0].startswith("new proxy API key") and banner[0].rstrip().endswith(key)
        assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
        for given in (None, "wrong-key-123", "sk-teacher-secret-000000000000000000"):
            response = post(url, ask("Lisbon"), key=given)
            assert (
                response.status_code == 401
                and response.json()["error"]["type"] == "authentication_error"
            )
        assert httpx.get(f"{url}/models", timeout=30).status_code == 401
        assert post(url, ask("Lisbon"), key=key).status_code == 200
        assert (
            httpx.get(
                f"{url}/models", headers={"Authorization": f"Bearer {key}"}, timeout=30
            ).status_code
            == 200
        )
    assert len(exchanges(log_dir)) == 1  # refused requests reach no model and no log
    with proxy(teacher.base_url, student.base_url, log_dir, key=None, env=env) as (_, url, banner):
        assert (
            len(banner) == 1 and key not in banner[0]
        )  # printed once: a restart reuses the kept key
        assert post(url, ask("Lisbon"), key=key).status_code == 200
    text = "".join(path.read_text() for path in log_dir.rglob("*.jsonl"))
    assert key not in text and "sk-teacher-secret" not in text


def test_student_path_runs_a_real_tiny_model_and_stops_it_with_the_proxy(tiny_gguf, tmp_path):
    import re
    import socket

    with LoopbackTeacher(reply=teacher_reply) as teacher:
        with proxy(
            teacher.base_url,
            "unused",
            tmp_path / "logs",
            "--share",
            "1",
            "--timeout",
            "120",
            student=str(tiny_gguf),
        ) as (_, url, banner):
            port = int(
                re.search(r"\(http://127\.0\.0\.1:(\d+)/v1\)", banner[-1]).group(1)
            )  # llama.cpp's server
            for place in ("Lisbon", "Oslo"):
                response = post(url, {**ask(place), "max_tokens": 24})
                assert response.status_code == 200
                call = response.json()["choices"][0]["message"]["tool_calls"][0]["function"]
                assert json.loads(call["arguments"]) == {
                    "location": place
                }  # the student's, or the teacher's after it
    for line in exchanges(tmp_path / "logs"):
        student = line["proxy"]["student"]
        assert (
            student["usage"]["completion_tokens"] > 0
        )  # the random model did answer; its text decided the rest
        assert (
            student["ok"]
            or line["proxy"]["fallback"] in ("reply_not_parsed", "schema_invalid")
            or line["proxy"]["fallback"].startswith("toolcall_")
        )
    with socket.socket() as sock:
        assert (
            sock.connect_ex(("127.0.0.1", port)) != 0
        )  # the student's server stopped with the proxy
