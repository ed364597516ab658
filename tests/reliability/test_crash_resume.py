"""Crash-resume: `factory build` killed with SIGKILL at six points, then rerun, ends where an uninterrupted build ends.

One run folder is killed six times in a row, each rerun of the same command resuming what
the last one left and being killed further on, then rerun to completion:

  1. between stages: seeds.done written, scrub loading spaCy          (seen: the file appears)
  2. during generation: 3 of 8 replies answered and cached, 5 held    (seen: server counts, cache rows)
  3. while writing: generate's output complete under its temp name    (breakpoint: before the rename)
  4. between stages: generate.done written, faithfulness starting     (seen: the file appears)
  5. while writing: scrub-2's output in place, its .done not yet      (breakpoint: before the rename)
  6. after the last stage: dataset.jsonl published, no report.json    (breakpoint: before the rename)

Points 3, 5 and 6 last a few milliseconds, too short to catch by watching files on a busy
machine; there the build stops itself (SIGSTOP, from a test-only audit hook on os.rename that
`sitecustomize` installs through PYTHONPATH) and the test kills it. At every point the test
stops the process, records what is on disk, and kills it with SIGKILL.

Compared with an uninterrupted build of the same command in another folder, through the same
teacher: dataset.jsonl, rejected/*.jsonl, stages/*.jsonl and dedup/clusters.jsonl are identical
byte for byte (the build is deterministic, so the order too), the report counts the same, the
teacher answered every prompt exactly once across the six killed builds and the resume (the
held requests of point 2 are never answered: the server answers them only while their client
lives), and the run folder holds the same files (no temp or partial file left behind).
Also the lock: while build 2 is held by the teacher, a second identical command is refused
in one line and changes nothing; after the SIGKILL the next build takes the lock.
"""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from factory_cli import FACTORY, ROOT, records

from factory.testing.loopback import LoopbackTeacher

RECIPE, RUN, LIMIT = "rem_queries", "r", 8
ANSWERED_BEFORE_KILL = 3  # point 2: replies the teacher gives before it holds the rest
BUILD_TIMEOUT = 300  # seconds; a build here takes ~20 s on an idle machine, mostly model loading

# Installed into the killed builds only (PYTHONPATH): stop just before renaming a file onto $CRASH_TEST_STOP_BEFORE.
BREAKPOINT_HOOK = '''"""Test-only breakpoint from tests/reliability/test_crash_resume.py."""
import os, signal, sys
_target = os.environ.get("CRASH_TEST_STOP_BEFORE")
if _target:
    def _stop_before_rename(event, args):
        if event == "os.rename" and isinstance(args[1], (str, os.PathLike)) and os.fspath(args[1]) == _target:
            os.kill(os.getpid(), signal.SIGSTOP)
    sys.addaudithook(_stop_before_rename)
'''


def _with_personal_data(reply: str, messages: list[dict]) -> str:
    """The last rewrite with the request's first kept value turned into an e-mail address (`res-7` ->
    `res-7@example.com`): scrub-2 redacts it, the value is gone, and the record is rejected as
    pii_broke_schema, so the resumed run has scrub-2 rejections to compare."""
    prompt = messages[-1]["content"]
    kept = re.search(r'^Keep these values in every rewrite: "([^"]+)"', prompt, re.M)
    parsed = json.loads(reply)
    if kept and parsed["variations"] and kept.group(1) in parsed["variations"][-1]:
        value = kept.group(1)
        parsed["variations"][-1] = parsed["variations"][-1].replace(
            value, f"{value}@example.com", 1
        )
    return json.dumps(parsed)


class HeldTeacher(LoopbackTeacher):
    """The loopback teacher (deterministic replies, 50 ms latency) that answers at most `allowance`
    requests, then holds the rest; held requests of a killed client are abandoned, never answered.
    `answered` logs the messages of every reply sent."""

    def __init__(self):
        super().__init__(latency=0.05)
        self._write_reply, self.reply = self.reply, self._answer
        self._server.handle_error = lambda request, address: (
            None
        )  # an abandoned request ends in an exception
        self.answered: list[str] = []
        self.held = 0
        self.allowance: int | None = None  # None: answer everything
        self._abandon = False
        self._gate = threading.Condition()

    def _answer(self, messages: list[dict]) -> str:
        with self._gate:
            self.held += 1
            try:
                while self.allowance == 0 and not self._abandon:
                    self._gate.wait()
            finally:
                self.held -= 1
            if self._abandon:
                raise ConnectionAbortedError(
                    "its client was killed; this request is never answered"
                )
            if self.allowance is not None:
                self.allowance -= 1
            self.answered.append(json.dumps(messages, sort_keys=True))
        return _with_personal_data(self._write_reply(messages), messages)

    def abandon_held(self) -> None:
        """Drop the requests held for a client that is gone, then answer everything again."""
        with self._gate:
            self._abandon = True
            self._gate.notify_all()
        _wait_until(lambda: self.in_flight == 0, "the held requests to be dropped", timeout=30)
        with self._gate:
            self._abandon, self.allowance = False, None


@dataclass(frozen=True)
class KillPoint:
    id: str
    name: str
    appears: str | None = None  # kill once this file (relative to the run folder) exists
    stop_before: str | None = (
        None  # kill at the breakpoint: just before this file is renamed into place
    )
    answered: int | None = (
        None  # kill once the teacher answered (and the build cached) this many requests
    )
    present: tuple[str, ...] = ()  # what must be on disk at the kill (proof of where it landed)
    absent: tuple[str, ...] = ()
    temp: str | None = None  # a temp file with this name prefix must exist at the kill


KILL_POINTS = [
    KillPoint(
        "seeds-done",
        "between stages: seeds done, scrub loading spaCy",
        appears="stages/seeds.done",
        present=("stages/seeds.jsonl", "stages/seeds.done"),
        absent=("stages/scrub.done", "stages/scrub.jsonl"),
    ),
    KillPoint(
        "generating",
        "during generation: 3 of 8 replies cached, 5 requests held",
        answered=ANSWERED_BEFORE_KILL,
        present=("stages/scrub.done",),
        absent=("stages/generate.jsonl", "stages/generate.done"),
        temp="stages/.generate.jsonl.",
    ),
    KillPoint(
        "generate-output-not-renamed",
        "while writing: generate's output written under its temp name, not renamed",
        stop_before="stages/generate.jsonl",
        present=("rejected/generate.jsonl",),
        absent=("stages/generate.jsonl", "stages/generate.done"),
        temp="stages/.generate.jsonl.",
    ),
    KillPoint(
        "generate-done",
        "between stages: generate done, faithfulness starting",
        appears="stages/generate.done",
        present=("stages/generate.jsonl",),
        absent=("stages/faithfulness.done",),
    ),
    KillPoint(
        "scrub-2-done-not-renamed",
        "while writing: scrub-2's output in place, its .done marker not",
        stop_before="stages/scrub-2.done",
        present=("stages/faithfulness.done", "stages/scrub-2.jsonl"),
        absent=("stages/scrub-2.done",),
        temp="stages/.scrub-2.done.",
    ),
    KillPoint(
        "report-not-renamed",
        "after the last stage: dataset.jsonl published, report.json not",
        stop_before="report.json",
        present=("stages/validate.done", "dataset.jsonl"),
        absent=("report.json",),
        temp=".report.json.",
    ),
]


@dataclass
class Crashes:
    reference: Path  # the uninterrupted run folder
    resumed: Path  # the run folder killed at every point, then rerun to completion
    reference_answered: list[str]
    answered: list[str]  # every reply the teacher sent to the killed builds and the resume
    at_kill: dict[str, dict[str, int]] = field(
        default_factory=dict
    )  # point -> {file: size} when killed
    kill_codes: dict[str, int] = field(default_factory=dict)
    refused: subprocess.CompletedProcess | None = (
        None  # the second build while build 2 held the lock
    )
    refused_changed: list[str] = field(
        default_factory=list
    )  # files it changed (none, it must not start)
    lock_holder: int = 0
    final: subprocess.CompletedProcess | None = None
    seconds: dict[str, float] = field(default_factory=dict)


def _wait_until(
    condition,
    what: str,
    timeout: float = BUILD_TIMEOUT,
    process: subprocess.Popen | None = None,
    log: Path | None = None,
) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if process is not None and process.poll() is not None:
            tail = log.read_text(errors="replace")[-2000:] if log else ""
            raise AssertionError(f"the build exited ({process.returncode}) before {what}:\n{tail}")
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.002)


def _stopped(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] in ("T", "t")


def _files(folder: Path) -> dict[str, int]:
    """Every file under `folder` (relative path -> size), links included, folders not."""
    return {
        str(p.relative_to(folder)): p.lstat().st_size
        for p in sorted(folder.rglob("*"))
        if p.is_symlink() or p.is_file()
    }


def _cached_replies(out: Path) -> int:
    path = out / "_cache" / "teacher.sqlite"
    if not path.exists():
        return 0
    connection = sqlite3.connect(path, timeout=5)
    try:
        return connection.execute("SELECT COUNT(*) FROM responses").fetchone()[0]
    except sqlite3.OperationalError:  # the table is not there yet
        return 0
    finally:
        connection.close()


def _command(teacher: HeldTeacher, out: Path) -> list[str]:
    return [
        *FACTORY,
        "build",
        RECIPE,
        "--limit",
        str(LIMIT),
        "--variations",
        "2",
        "--teacher-url",
        teacher.base_url,
        "--out",
        str(out),
        "--run",
        RUN,
    ]


def _env(**extra: str) -> dict:
    return {**os.environ, "COLUMNS": "100", "NO_COLOR": "1", **extra}


def _refuse_second_build(teacher: HeldTeacher, out: Path, crashes: Crashes, holder: int) -> None:
    """While `holder` holds the run, the same command again: it must stop at once and touch nothing."""
    run_dir = out / RECIPE / RUN
    before, requests = _files(run_dir), teacher.requests
    crashes.refused = subprocess.run(
        _command(teacher, out),
        capture_output=True,
        text=True,
        env=_env(),
        cwd=ROOT,
        timeout=120,
        check=False,
    )
    after = _files(run_dir)
    crashes.refused_changed = sorted(
        k for k in before.keys() | after.keys() if before.get(k) != after.get(k)
    )
    crashes.refused_changed += ["teacher requests"] if teacher.requests != requests else []
    crashes.lock_holder = holder


def _kill_at(
    point: KillPoint, teacher: HeldTeacher, out: Path, crashes: Crashes, hook_dir: Path, log: Path
) -> None:
    run_dir, env = out / RECIPE / RUN, _env()
    if point.stop_before:
        env.update(
            PYTHONPATH=str(hook_dir), CRASH_TEST_STOP_BEFORE=str(run_dir / point.stop_before)
        )
    if point.answered is not None:
        teacher.allowance = point.answered
    started = time.monotonic()
    with open(log, "w") as output:
        build = subprocess.Popen(
            _command(teacher, out), stdout=output, stderr=subprocess.STDOUT, env=env, cwd=ROOT
        )
    try:
        if point.appears:
            _wait_until(
                (run_dir / point.appears).exists,
                f"{point.appears} to appear",
                process=build,
                log=log,
            )
        elif point.answered is not None:
            _wait_until(
                lambda: (
                    len(teacher.answered) == point.answered
                    and teacher.held == LIMIT - point.answered
                    and _cached_replies(out) == point.answered
                ),
                "the teacher to hold the build",
                process=build,
                log=log,
            )
            _refuse_second_build(teacher, out, crashes, build.pid)
        if not point.stop_before:
            os.kill(
                build.pid, signal.SIGSTOP
            )  # freeze it where it is, to record that state, then kill it
        _wait_until(
            lambda: _stopped(build.pid), f"the build to stop ({point.name})", process=build, log=log
        )
        crashes.at_kill[point.name] = _files(run_dir)
        os.kill(build.pid, signal.SIGKILL)
        crashes.kill_codes[point.name] = build.wait(timeout=30)
    finally:
        if build.poll() is None:
            build.kill()
            build.wait()
    if point.answered is not None:
        teacher.abandon_held()
    crashes.seconds[point.name] = round(time.monotonic() - started, 1)


@pytest.fixture(scope="module")
def crashes(tmp_path_factory) -> Crashes:
    """The reference build, then the same build killed at every point and resumed; all through one teacher."""
    root = tmp_path_factory.mktemp("crash")
    hook_dir = root / "hook"
    hook_dir.mkdir()
    (hook_dir / "sitecustomize.py").write_text(BREAKPOINT_HOOK)
    with HeldTeacher() as teacher:
        started = time.monotonic()
        reference = subprocess.run(
            _command(teacher, root / "reference"),
            capture_output=True,
            text=True,
            env=_env(),
            cwd=ROOT,
            timeout=BUILD_TIMEOUT,
            check=False,
        )
        assert reference.returncode == 0, reference.stderr[-3000:]
        reference_seconds = round(time.monotonic() - started, 1)
        reference_answered = list(teacher.answered)
        teacher.answered.clear()  # from here on: what the killed builds and the resume were answered
        out = root / "crashed"
        crashes = Crashes(
            reference=root / "reference" / RECIPE / RUN,
            resumed=out / RECIPE / RUN,
            reference_answered=reference_answered,
            answered=[],
        )
        crashes.seconds["reference"] = reference_seconds
        for index, point in enumerate(KILL_POINTS, start=1):
            _kill_at(point, teacher, out, crashes, hook_dir, root / f"killed-{index}.log")
        started = time.monotonic()
        crashes.final = subprocess.run(
            _command(teacher, out),
            capture_output=True,
            text=True,
            env=_env(),
            cwd=ROOT,
            timeout=BUILD_TIMEOUT,
            check=False,
        )
        crashes.seconds["resume to the end"] = round(time.monotonic() - started, 1)
        crashes.answered = list(teacher.answered)
    print("\nseconds:", crashes.seconds)
    return crashes


@pytest.mark.parametrize("point", KILL_POINTS, ids=[point.id for point in KILL_POINTS])
def test_each_kill_landed_where_intended(crashes, point):
    assert crashes.kill_codes[point.name] == -signal.SIGKILL
    files = crashes.at_kill[point.name]
    assert [path for path in point.present if path not in files] == [], sorted(files)
    assert [path for path in point.absent if path in files] == [], sorted(files)
    if point.temp:
        assert any(path.startswith(point.temp) for path in files), sorted(files)


def _stage_counts(report: dict) -> list[tuple]:
    return [(row["name"], row["in"], row["out"], row["rejected"]) for row in report["stages"]]


def test_the_resumed_run_equals_an_uninterrupted_one(crashes):
    assert crashes.final.returncode == 0, crashes.final.stderr[-3000:]
    reference, resumed = crashes.reference, crashes.resumed
    assert [r["id"] for r in records(resumed / "dataset.jsonl")] == [
        r["id"] for r in records(reference / "dataset.jsonl")
    ]
    outputs = sorted(str(p.relative_to(reference)) for p in reference.rglob("*.jsonl"))
    assert {
        "dataset.jsonl",
        "rejected/generate.jsonl",
        "rejected/scrub-2.jsonl",
        "dedup/clusters.jsonl",
    } <= set(outputs)
    assert any(
        records(reference / "rejected" / "scrub-2.jsonl")
    )  # something was rejected, so rejections are compared
    assert sorted(str(p.relative_to(resumed)) for p in resumed.rglob("*.jsonl")) == outputs
    for (
        name
    ) in outputs:  # dataset, rejected/, stages/, dedup/: same records, same content, same order
        assert (resumed / name).read_bytes() == (reference / name).read_bytes(), name
    expected, got = (
        json.loads((folder / "report.json").read_text()) for folder in (reference, resumed)
    )
    assert _stage_counts(got) == _stage_counts(expected)
    assert (got["records"], got["rejected"], got["origins"], got["labels"]) == (
        expected["records"],
        expected["rejected"],
        expected["origins"],
        expected["labels"],
    )


def test_no_prompt_was_answered_twice(crashes):
    assert (
        len(crashes.reference_answered) == 2 * LIMIT
    )  # two requests per seed: its rewrites, its new examples
    counts = Counter(crashes.answered)
    assert [prompt for prompt, n in counts.items() if n > 1] == []
    assert sorted(counts) == sorted(crashes.reference_answered)  # and none was left unanswered


def test_no_temp_or_partial_file_is_left_after_the_resume(crashes):
    assert crashes.final.returncode == 0, crashes.final.stderr[-3000:]
    left = set(_files(crashes.resumed)) - set(_files(crashes.reference))
    assert sorted(left) == []
    beside_the_run = [
        sorted(p.name for p in run.parent.iterdir()) for run in (crashes.resumed, crashes.reference)
    ]
    assert beside_the_run[0] == beside_the_run[1]  # `latest` and the run, no .latest.<pid> link


def test_a_second_build_of_the_running_run_is_refused_and_the_lock_dies_with_its_holder(crashes):
    refused = crashes.refused
    lines = refused.stderr.strip().splitlines()
    assert refused.returncode == 2, refused.stderr[
        -2000:
    ]  # as every error the CLI reports before work
    assert len(lines) == 1, refused.stderr
    assert lines[0].startswith(
        f"error: another build of {RECIPE} run {RUN} is running (pid {crashes.lock_holder})"
    )
    assert "another --run" in lines[0]
    assert crashes.refused_changed == []  # refused before any work: no file, no teacher request
    # the next build, started after the holder's SIGKILL, took the lock: it reached its breakpoint, past the lock,
    # where it asked the teacher for the 5 replies the killed build never got
    after = KILL_POINTS[KILL_POINTS.index(next(p for p in KILL_POINTS if p.answered)) + 1]
    assert after.name in crashes.at_kill and crashes.kill_codes[after.name] == -signal.SIGKILL
