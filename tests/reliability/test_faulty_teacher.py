"""A faulty teacher: the build completes, retries are bounded and honour Retry-After, the
concurrency and rate limits hold, and no seed is lost.

`factory build rem_queries` runs through the real CLI against a fault-injecting
OpenAI-compatible server on 127.0.0.1 (factory.testing.faulty.FaultyTeacher) that answers,
at moderate seeded rates (deterministic per prompt and attempt), with 429 + Retry-After,
500/502/503, timeouts (a held connection, past --teacher-timeout), connection resets,
truncated JSON, replies in the wrong shape and prose. From the server's own request log and
the run's files, it proves:

- the build exits 0; every seed is accounted for: it passes through generate, and either
  the teacher's records carry its id or exactly one `teacher_failed` / `teacher_unparseable`
  rejection keeps it with a reason that names the fault; every other stage: in = out + rejected;
- each prompt is asked at most 1 + MAX_RETRIES times, only retryable faults are retried,
  retries back off, and the attempt after a 429 with `Retry-After: 1` comes >= 1 s later;
- the server never sees more requests in flight than --max-concurrency (and does see that
  many), and with --max-rps R no second holds more than R (+1 for the window's edges) starts;
- a rerun of the finished run asks nothing; a new run on the same cache asks exactly the
  prompts that failed (successes and prose replies were cached, failures were not);
- a reply with `"choices": []` fails its seed, not the build.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Iterator

import pytest
from factory_cli import assert_valid_run, records, run_cli

from factory.stages.generate import MAX_RETRIES  # the openai client's retries of one call
from factory.testing.faulty import ANSWERED, RETRIED, FaultyTeacher, Request, by_prompt

LIMIT = 12  # seeds
RETRY_AFTER = 1.0  # seconds, the 429's Retry-After header
MIN_BACKOFF = 0.3  # the openai client waits 0.5 s x 2^retry x jitter in [0.75, 1] before a retry
CONCURRENCY = 3
MAX_RPS = (
    2  # a start every 0.5 s: more than the ~0.3 s a cold client may take to send its first request
)
RATES = {
    "rate_limit": 0.10,
    "error_500": 0.04,
    "error_502": 0.04,
    "error_503": 0.04,
    "timeout": 0.05,
    "reset": 0.05,
    "truncated": 0.05,
    "wrong_shape": 0.05,
    "prose": 0.05,
}  # 47% of requests
# The draw is deterministic per (seed, prompt, attempt): with this seed, rem_queries' first 12 grammar
# seeds meet every fault kind, one prompt fails all 1 + MAX_RETRIES attempts, and some 429s are retried.
FAULT_SEED = 659
# What the rejection's detail says about the fault that ended the call ("" : anything, see wrong_shape).
DETAIL = {
    "rate_limit": "429",
    "error_500": "500",
    "error_502": "502",
    "error_503": "503",
    "timeout": "Timeout",
    "reset": "Connection",
    "truncated": "JSON",
    "wrong_shape": "",
}


def build(server: FaultyTeacher, out: Path, run: str, *extra: str, limit: int = LIMIT):
    # --new-examples 0: the rewrite prompts alone (FAULT_SEED is chosen for them); the invent stage shares
    # generate's client, retries and cache (tests/stages/test_invent.py, test_crash_resume.py)
    return run_cli(
        "build",
        "rem_queries",
        "--limit",
        str(limit),
        "--variations",
        "2",
        "--new-examples",
        "0",
        "--teacher-url",
        server.base_url,
        "--out",
        str(out),
        "--run",
        run,
        "--teacher-timeout",
        "1",
        *extra,
        timeout=300,
    )


def stage_row(report: dict, name: str) -> dict:
    return next(row for row in report["stages"] if row["name"] == name)


@dataclass
class FaultyRun:
    server: FaultyTeacher
    out: Path
    run_dir: Path
    returncode: int
    stderr: str
    log: list[Request]  # the server's log after the build (later tests add to the live one)
    peak_in_flight: int

    @property
    def report(self) -> dict:
        return json.loads((self.run_dir / "report.json").read_text())


@pytest.fixture(scope="module")
def faulty(tmp_path_factory) -> Iterator[FaultyRun]:
    """One build through the faulty teacher, at --max-concurrency 3; the server stays up for the rerun."""
    out = tmp_path_factory.mktemp("faulty")
    with FaultyTeacher(RATES, seed=FAULT_SEED, retry_after=RETRY_AFTER, latency=0.3) as server:
        result = build(server, out, "r", "--max-concurrency", str(CONCURRENCY))
        yield FaultyRun(
            server,
            out,
            out / "rem_queries" / "r",
            result.returncode,
            result.stderr[-3000:],
            list(server.log),
            server.peak_in_flight,
        )


def test_the_build_completes_and_every_seed_is_accounted_for(faulty):
    assert faulty.returncode == 0, faulty.stderr
    injected = {r.fault for r in faulty.log if r.fault}
    assert injected == set(RATES), (
        f"FAULT_SEED no longer meets every fault with these prompts; pick another ({injected})"
    )
    report = faulty.report
    assert_valid_run(
        faulty.run_dir, report
    )  # every stage but generate: in == out + rejected, each with a reason

    seeds = records(faulty.run_dir / "stages" / "scrub.jsonl")  # generate's input
    generate = stage_row(report, "generate")
    assert generate["in"] == len(seeds) == LIMIT
    written = records(faulty.run_dir / "stages" / "generate.jsonl")
    assert [
        r for r in written if r["provenance"]["origin"] != "teacher"
    ] == seeds  # every seed passes through
    rejected = records(faulty.run_dir / "rejected" / "generate.jsonl")
    lost = {}
    for rejection in rejected:
        if rejection["reason"] in ("teacher_failed", "teacher_unparseable"):
            assert rejection["record"]["seed_id"] not in lost, "one rejection per seed"
            lost[rejection["record"]["seed_id"]] = rejection
    from_teacher = {r["seed_id"] for r in written if r["provenance"]["origin"] == "teacher"}
    from_teacher |= {
        r["record"]["seed_id"] for r in rejected if r["reason"].startswith("variation_")
    }
    assert not from_teacher & set(lost)
    assert from_teacher | set(lost) == {
        s["seed_id"] for s in seeds
    }  # seeds in = answered + rejected

    prompts = by_prompt(faulty.log)
    asked = {requests[0].request_text: requests for requests in prompts.values()}
    assert set(asked) == {s["input"] for s in seeds}  # one prompt per seed, each seed asked
    for seed in seeds:
        last = asked[seed["input"]][-1].fault  # what ended the seed's call
        if last is None:
            assert seed["seed_id"] in from_teacher
        elif last == "prose":
            assert lost[seed["seed_id"]]["reason"] == "teacher_unparseable"
            assert lost[seed["seed_id"]]["detail"]
        else:
            rejection = lost[seed["seed_id"]]
            assert rejection["reason"] == "teacher_failed" and rejection["detail"], rejection
            assert DETAIL[last] in rejection["detail"], (last, rejection["detail"])
            assert (
                rejection["record"]["input"] == seed["input"]
                and rejection["record"]["output"] == seed["output"]
            )
    failed = sum(1 for r in prompts.values() if r[-1].fault not in ANSWERED)
    unparseable = sum(1 for r in prompts.values() if r[-1].fault == "prose")
    assert generate["rejected"].get("teacher_failed", 0) == failed > 0
    assert generate["rejected"].get("teacher_unparseable", 0) == unparseable > 0
    assert generate["cache"]["failed_calls"] == failed


def test_retries_are_bounded_back_off_and_honour_retry_after(faulty):
    prompts = by_prompt(faulty.log)
    for requests in prompts.values():
        assert [r.attempt for r in requests] == list(range(1, len(requests) + 1))
        assert len(requests) <= 1 + MAX_RETRIES, [r.fault for r in requests]
        assert all(
            r.fault in RETRIED for r in requests[:-1]
        )  # a 200, however broken, is not asked again
        for before, after in pairwise(requests):
            assert after.arrived - before.ended >= MIN_BACKOFF, (
                before.fault,
                after.arrived - before.ended,
            )
            if before.fault == "rate_limit":
                assert after.arrived - before.arrived >= RETRY_AFTER
    exhausted = [
        r for r in prompts.values() if len(r) == 1 + MAX_RETRIES and r[-1].fault in RETRIED
    ]
    assert exhausted  # a call failed every attempt: the bound was reached, and no request followed
    assert sum(1 for r in prompts.values() for a, _ in pairwise(r) if a.fault == "rate_limit") >= 2


def test_requests_in_flight_never_exceed_max_concurrency(faulty):
    assert faulty.returncode == 0, faulty.stderr
    assert (
        faulty.peak_in_flight == CONCURRENCY
    )  # reached (latency 0.3 s keeps requests open), never passed


def test_a_rerun_asks_only_for_what_failed(faulty):
    assert faulty.returncode == 0, faulty.stderr
    server, before = faulty.server, len(faulty.server.log)
    dataset = (faulty.run_dir / "dataset.jsonl").read_text()
    again = build(server, faulty.out, "r")  # the same run: every stage is done, nothing is asked
    assert again.returncode == 0, again.stderr[-3000:]
    assert len(server.log) == before and (faulty.run_dir / "dataset.jsonl").read_text() == dataset

    server.rates = {}  # the teacher has recovered; a new run on the same cache
    fresh = build(server, faulty.out, "r2")
    assert fresh.returncode == 0, fresh.stderr[-3000:]
    prompts = by_prompt(faulty.log)
    answered = {
        p for p, requests in prompts.items() if requests[-1].fault in ANSWERED
    }  # cached, prose included
    failed = set(prompts) - answered
    asked = [r.prompt for r in server.log[before:]]
    assert (
        sorted(asked) == sorted(failed) and failed
    )  # each failed prompt once, nothing that succeeded
    report = json.loads((faulty.out / "rem_queries" / "r2" / "report.json").read_text())
    generate = stage_row(report, "generate")
    assert generate["cache"] == {"hits": len(answered), "misses": len(failed), "failed_calls": 0}
    assert "teacher_failed" not in generate["rejected"]
    assert (
        generate["rejected"]["teacher_unparseable"]
        == stage_row(faulty.report, "generate")["rejected"]["teacher_unparseable"]
    )
    assert_valid_run(faulty.out / "rem_queries" / "r2", report)


def test_max_rps_holds_at_the_server_retries_included(tmp_path):
    with FaultyTeacher(RATES, seed=FAULT_SEED, retry_after=RETRY_AFTER) as server:
        result = build(
            server, tmp_path, "r", "--max-concurrency", "8", "--max-rps", str(MAX_RPS), limit=6
        )
    assert result.returncode == 0, result.stderr[-3000:]
    assert any(r.attempt > 1 for r in server.log)  # retries were among the starts
    assert (
        len(server.log) > MAX_RPS + 1
    )  # more than one window's worth: without the limit they start at once
    assert server.max_starts_in_window(1.0) <= MAX_RPS + 1, sorted(
        round(r.arrived, 2) for r in server.log
    )


def test_an_empty_choices_reply_fails_its_seed_not_the_build(tmp_path):
    with FaultyTeacher({"empty_choices": 0.3}, seed=3) as server:
        result = build(server, tmp_path, "r", limit=6)
    empty = {r.request_text for r in server.log if r.fault == "empty_choices"}
    assert empty  # seed 3 empties some of the first 6 prompts
    assert result.returncode == 0, result.stderr[-1500:]
    rejected = records(tmp_path / "rem_queries" / "r" / "rejected" / "generate.jsonl")
    assert {r["record"]["input"] for r in rejected if r["reason"] == "teacher_failed"} == empty
