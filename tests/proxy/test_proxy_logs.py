"""`factory proxy`'s log: a SIGKILLed proxy loses no answered exchange (its encrypted journal is scrubbed into
the log at the next start), the logs (scrubbed) build into the next
dataset through `factory build toolcalls --source DIR`, `factory proxy status` counts them, files rotate, and
every bad flag is one line naming it."""

from __future__ import annotations

import json
import os
import random
import signal
import threading
import time

import httpx
import pytest
from factory_cli import assert_valid_run, child_processes, process_gone, records, run_cli
from proxy_helpers import KEY, ask, exchanges, proxy, student_reply, teacher_reply

from factory.proxy.logwriter import ExchangeLog
from factory.proxy.status import GATE_MIN_REPLIES, report
from factory.testing.loopback import LoopbackTeacher


def post(base_url: str, body: dict) -> httpx.Response:
    return httpx.post(
        f"{base_url}/chat/completions",
        json=body,
        headers={"Authorization": f"Bearer {KEY}"},
        timeout=120,
    )


@pytest.mark.slow
def test_a_killed_proxy_loses_no_answered_exchange(tmp_path):
    log_dir = tmp_path / "logs"
    answered: set[str] = set()
    stop = threading.Event()

    def client(number: int, url: str) -> None:
        for i in range(10_000):
            if stop.is_set():
                return
            place = f"Town{number}x{i}"
            try:
                response = post(url, ask(place))
            except httpx.HTTPError:
                return  # the proxy is gone
            if response.status_code == 200:
                answered.add(place)

    with (
        LoopbackTeacher(reply=teacher_reply) as teacher,
        LoopbackTeacher(reply=student_reply) as student,
    ):
        with proxy(
            teacher.base_url, student.base_url, log_dir, "--share", "0.5", "--seed", "1"
        ) as (process, url, _):
            threads = [threading.Thread(target=client, args=(n, url)) for n in range(8)]
            for thread in threads:
                thread.start()
            for _ in range(1200):  # until 60 exchanges were answered (ceiling 120 s)
                if len(answered) >= 60:
                    break
                time.sleep(0.1)
            scrubbers = [
                pid
                for pid, line in child_processes(process.pid).items()
                if "multiprocessing" in line
            ]
            os.kill(process.pid, signal.SIGKILL)
            process.wait()
            assert scrubbers and all(process_gone(pid) for pid in scrubbers)  # no orphan left
            stop.set()
            for thread in threads:
                thread.join()
        assert list(
            (log_dir / ".proxy" / "spool").glob("*.spool")
        )  # answered, journaled, not all scrubbed yet
        # the next start scrubs what the killed proxy had journaled into the log before it listens
        with proxy(teacher.base_url, student.base_url, log_dir):
            pass
    assert not list((log_dir / ".proxy" / "spool").glob("*.spool"))
    logged = [
        line["request"]["messages"][-1]["content"].split()[-1].rstrip("?")
        for line in exchanges(log_dir)
    ]
    assert len(answered) >= 60
    assert answered <= set(logged)  # every answered exchange was on disk before its answer left
    assert (
        len(set(logged) - answered) <= 8
    )  # at most the requests in flight (one per client) when it died
    assert len(logged) == len(set(logged))


@pytest.mark.slow
def test_logs_are_scrubbed_and_build_into_the_next_dataset_and_status_counts_them(tmp_path):
    log_dir, data = tmp_path / "logs", tmp_path / "data"
    places = [f"Town{i}" for i in range(12)]
    with (
        LoopbackTeacher(reply=teacher_reply) as teacher,
        LoopbackTeacher(reply=student_reply) as student,
    ):
        with proxy(
            teacher.base_url, student.base_url, log_dir, "--share", "0.5", "--seed", "3"
        ) as (_, url, _):
            for place in places:
                response = post(url, ask(place, " Send it to jane.doe@example.com please."))
                assert response.status_code == 200
    draws = random.Random(3)
    by_student = sum(draws.random() < 0.5 for _ in places)
    text = "".join(path.read_text() for path in log_dir.rglob("*.jsonl"))
    assert "jane.doe@example.com" not in text and "<EMAIL_ADDRESS_1>" in text

    status = run_cli("proxy", "status", "--log-dir", str(log_dir), "--json")
    assert status.returncode == 0, status.stderr
    result = json.loads(status.stdout)
    assert result["requests"] == 12 and result["answered"] == {
        "student": by_student,
        "teacher": 12 - by_student,
        "none": 0,
    }
    assert (
        result["student_attempts"] == result["student_accepted"] == by_student
        and result["acceptance_rate"] == 1.0
    )
    assert (
        result["teacher_tokens_saved"] == 80 * by_student
    )  # the loopback teacher spends 80 tokens a request
    assert (
        result["latency"]["student"]["requests"] == by_student and result["fallback_reasons"] == {}
    )
    assert result["gate"]["met"] is None  # fewer replies than the gate needs
    shown = run_cli("proxy", "status", "--log-dir", str(log_dir))
    assert (
        f"student share {by_student / 12:.1%}" in shown.stdout
        and "gate: not decided yet" in shown.stdout
    )

    with LoopbackTeacher() as rewriter:  # the build's teacher: rewrites of each logged request
        built = run_cli(
            "build",
            "toolcalls",
            "--source",
            str(log_dir),
            "--teacher-url",
            rewriter.base_url,
            "--variations",
            "1",
            "--out",
            str(data),
            "--run",
            "r",
        )
    assert built.returncode == 0, built.stderr
    run_dir = data / "toolcalls" / "r"
    kept = assert_valid_run(run_dir, json.loads((run_dir / "report.json").read_text()), "toolcalls")
    seeds = [r for r in kept if r["provenance"]["origin"] == "log"]
    assert sorted(r["output"]["arguments"]["location"] for r in seeds) == sorted(places)
    assert all(r["provenance"]["source"].startswith(str(log_dir)) for r in seeds)
    assert all("<EMAIL_ADDRESS_1>" in r["input"] for r in seeds)
    assert not any("jane.doe" in json.dumps(r) for r in records(run_dir / "dataset.jsonl"))


def test_log_files_rotate_and_keep_every_line_with_secrets_replaced(tmp_path):
    log = ExchangeLog(tmp_path, secrets=("teacher-key-123456",), max_bytes=2000)
    for i in range(30):
        log.record(
            {
                "timestamp": "2025-01-01T00:00:00+00:00",
                "latency_s": 0.1,
                "proxy": {"answered_by": "teacher"},
                "request": {
                    "messages": [
                        {"role": "user", "content": f"line {i} teacher-key-123456 sk-{'a' * 30}"}
                    ]
                },
                "response": {"choices": [{"message": {"role": "assistant", "content": "ok"}}]},
            }
        )
    log.close()
    files = sorted(tmp_path.glob("exchanges-*.jsonl"))
    assert len(files) > 3 and all(path.stat().st_size <= 2000 for path in files)
    lines = [json.loads(text) for path in files for text in path.read_text().splitlines()]
    assert [line["request"]["messages"][0]["content"].split()[1] for line in lines] == [
        str(i) for i in range(30)
    ]
    assert all("<API_KEY>" in line["request"]["messages"][0]["content"] for line in lines)
    assert "teacher-key-123456" not in "".join(
        p.read_text() for p in files
    ) and "sk-aaaa" not in "".join(p.read_text() for p in files)


def _line(ok: bool | None, reason: str | None = None) -> dict:
    student = (
        None
        if ok is None
        else {"ok": ok, "reason": reason, "latency_s": 0.01, "usage": {"total_tokens": 10}}
    )
    by = "student" if ok else "teacher"
    return {
        "latency_s": 0.02,
        "request": {},
        "response": {},
        "proxy": {
            "recipe": "toolcalls",
            "answered_by": by,
            "fallback": None if ok or ok is None else reason,
            "student": student,
            "teacher": None if ok else {"usage": {"total_tokens": 100}},
        },
    }


def test_status_gate_needs_enough_replies_and_acceptance(tmp_path):
    path = tmp_path / "exchanges-x.jsonl"
    path.write_text("".join(json.dumps(_line(True)) + "\n" for _ in range(GATE_MIN_REPLIES - 1)))
    assert report(tmp_path)["gate"]["met"] is None
    path.write_text(
        "".join(json.dumps(_line(True)) + "\n" for _ in range(40)) + json.dumps(_line(None)) + "\n"
    )
    result = report(tmp_path)
    assert result["gate"]["met"] is True and result["teacher_tokens_saved"] == 40 * 100
    lines = (
        [_line(True)] * 36
        + [_line(False, "schema_invalid")] * 3
        + [_line(False, "student_timeout")]
        + ['{"cut']
    )
    path.write_text(
        "".join((line if isinstance(line, str) else json.dumps(line)) + "\n" for line in lines)
    )
    result = report(tmp_path)
    assert result["requests"] == 40 and result["acceptance_rate"] == 0.9
    assert result["fallback_reasons"] == {"schema_invalid": 3, "student_timeout": 1}
    assert result["gate"]["met"] is False and "acceptance 90.0% < 95%" in result["gate"]["why"]


@pytest.mark.slow
def test_every_bad_flag_is_one_line_naming_it(tmp_path):
    a_file = tmp_path / "file"
    a_file.write_text("x")
    with LoopbackTeacher() as teacher:
        good = [
            "--teacher-url",
            teacher.base_url,
            "--student-url",
            teacher.base_url,
            "--log-dir",
            str(tmp_path / "l"),
        ]
        cases = {
            "--share": ["--share", "1.5"],
            "--timeout": ["--timeout", "0"],
            "--teacher-url": ["--teacher-url", "ftp://example.com/v1"],
            "--log-dir": ["--log-dir", str(a_file)],
            "--api-key": ["--api-key", "short"],
            "--port": ["--port", "70000"],
            "--max-log-mb": ["--max-log-mb", "0"],
        }
        for flag, args in cases.items():
            result = run_cli("proxy", "toolcalls", *good, *args)
            assert result.returncode == 2 and result.stderr.count("\n") == 1, (flag, result.stderr)
            assert result.stderr.startswith("error: ") and flag in result.stderr, (
                flag,
                result.stderr,
            )
        base = ["--teacher-url", teacher.base_url, "--log-dir", str(tmp_path / "l")]
        for args, flag in (
            ([], "--student"),
            (["--student", "x.gguf", "--student-url", teacher.base_url], "--student"),
            (["--student-url", "http://127.0.0.1:9/v1"], "--student-url"),
            (["--student", str(a_file)], "--student"),
        ):
            result = run_cli("proxy", "serve", "toolcalls", *base, *args)
            assert result.returncode == 2 and result.stderr.count("\n") == 1, (args, result.stderr)
            assert result.stderr.startswith("error: ") and flag in result.stderr, (
                args,
                result.stderr,
            )
    result = run_cli("proxy", "status", "--log-dir", str(tmp_path / "nothing"))
    assert (
        result.returncode == 2 and "--log-dir" in result.stderr and result.stderr.count("\n") == 1
    )
