"""`factory build` through the real CLI against a loopback OpenAI-compatible teacher on 127.0.0.1.

Checks report.json, dataset.jsonl (every record validates), rejected/ accounting,
resume and the cache (a second build asks the teacher nothing), and the errors
raised before any work. The embedded SmolLM2 teacher has its own test (test_build_embedded).
"""

import json

import pytest
from factory_cli import ROOT, run_cli
from factory_cli import assert_valid_run as _assert_valid_run
from factory_cli import records as _records


def test_build_with_a_loopback_teacher_then_again_from_cache(loopback, tmp_path):
    result = run_cli(
        "build",
        "rem_queries",
        "--limit",
        "10",
        "--teacher-url",
        loopback.base_url,
        "--out",
        str(tmp_path),
    )
    assert result.returncode == 0, result.stderr
    latest = tmp_path / "rem_queries" / "latest"
    report = json.loads((latest / "report.json").read_text())
    assert set(report) >= {"recipe", "run_id", "teacher", "stages", "tokens", "records"}
    assert report["teacher"] == {
        "model": "loopback",
        "base_url": loopback.base_url,
        "embedded": False,
        "structured_output": "none",
    }
    assert report["tokens"] == {
        "prompt": 1000,
        "completion": 600,
    }  # 20 calls (rewrites, new examples) x the usage
    assert loopback.requests == 20
    records = _assert_valid_run(latest.resolve(), report)
    assert report["origins"]["grammar"] == 10 and report["origins"]["teacher"] > 0
    teacher_record = next(r for r in records if r["provenance"]["origin"] == "teacher")
    assert teacher_record["provenance"]["teacher"]["model"] == "loopback"
    assert 0.55 <= teacher_record["checks"]["faithfulness"] <= 0.97
    assert "records in" in result.stdout and "generate" in result.stdout
    run, at = report["run_id"], f"--run {report['run_id']} --out {tmp_path}"
    steps = result.stdout.split("next, for this run:\n", 1)[
        1
    ].splitlines()  # the rest of the loop, for this run
    assert [line.split("  #")[0].strip() for line in steps] == [
        f"factory annotate serve --out {tmp_path} --annotators 1",
        f"factory annotate push rem_queries {at} --sample 20",
        f"factory annotate pull rem_queries {at}",
        f"factory export rem_queries {at}",
        f"factory train rem_queries {at} --name {run}-student --max-steps 100 --gguf q8_0",
        f"factory eval rem_queries {at} --model base",
        f"factory eval rem_queries {at} --model {tmp_path}/rem_queries/models/{run}-student",
        f"factory eval rem_queries --out {tmp_path} --compare base,{run}-student",
        f"factory serve {tmp_path}/rem_queries/models/{run}-student",
    ]
    dedup = next(row for row in report["stages"] if row["name"] == "dedup")
    assert (
        dedup["embedding_cache"]["hits"] >= report["origins"]["teacher"]
    )  # faithfulness already embedded them

    again = run_cli(
        "build",
        "rem_queries",
        "--limit",
        "10",
        "--teacher-url",
        loopback.base_url,
        "--out",
        str(tmp_path),
        "--run",
        "second",
    )
    assert again.returncode == 0, again.stderr
    second = json.loads((tmp_path / "rem_queries" / "second" / "report.json").read_text())
    assert loopback.requests == 20  # nothing asked twice
    assert second["cache"] == {"hits": 20, "misses": 0, "failed_calls": 0}
    assert second["tokens"] == {"prompt": 0, "completion": 0}
    assert _records(tmp_path / "rem_queries" / "second" / "dataset.jsonl") == records
    assert (tmp_path / "rem_queries" / "latest").resolve().name == "second"


def test_resume_skips_finished_stages(loopback, tmp_path):
    args = [
        "build",
        "rem_queries",
        "--limit",
        "5",
        "--teacher-url",
        loopback.base_url,
        "--out",
        str(tmp_path),
        "--run",
        "r",
    ]
    assert run_cli(*args).returncode == 0
    run_dir = tmp_path / "rem_queries" / "r"
    assert not (run_dir / ".lock").exists()  # a finished run keeps no lock file
    (run_dir / "stages" / "validate.done").unlink()
    first = (run_dir / "dataset.jsonl").read_text()
    assert run_cli(*args).returncode == 0
    assert (run_dir / "dataset.jsonl").read_text() == first
    assert loopback.requests == 10  # 5 seeds, each asked for rewrites and for new examples, once


def test_user_seed_file_records_and_rejections(loopback, tmp_path):
    seeds = tmp_path / "seeds.jsonl"
    seeds.write_text(
        '{"input": "Show my diary entries", "rem": "SELECT * FROM resources WHERE category=\'diary\'"}\n'
        "\n"
        '{"input": "What is in notes?", "rem": "SEARCH \\"x\\" IN notes"}\n'
        '{"text": "no rem here"}\n',
        encoding="utf-8",
    )
    result = run_cli(
        "build",
        "rem_queries",
        "--limit",
        "6",
        "--seeds",
        str(seeds),
        "--teacher-url",
        loopback.base_url,
        "--out",
        str(tmp_path / "d"),
        "--variations",
        "2",
    )
    assert result.returncode == 0, result.stderr
    run_dir = (tmp_path / "d" / "rem_queries" / "latest").resolve()
    report = json.loads((run_dir / "report.json").read_text())
    assert report["stages"][0]["rejected"] == {"bad_seed": 1, "rem_unknown_table": 1}
    rejected = _records(run_dir / "rejected" / "seeds.jsonl")
    assert [r["record"]["provenance"]["source"] for r in rejected] == [f"{seeds}:3", f"{seeds}:4"]
    records = _assert_valid_run(run_dir, report)
    user = [r for r in records if r["provenance"]["origin"] == "user"]
    assert [r["input"] for r in user] == ["Show my diary entries"]
    assert user[0]["provenance"]["source"] == f"{seeds}:1"
    assert report["origins"]["grammar"] == 5  # --limit 6 caps the kept seeds: 1 user + 5 grammar


def test_personal_data_never_reaches_the_teacher_or_the_dataset(loopback, tmp_path):
    seeds = tmp_path / "seeds.jsonl"
    seeds.write_text(
        '{"input": "Find notes from Maria Garcia", "rem": "SEARCH \\"Maria Garcia\\" IN resources"}\n'
        '{"input": "Send the diary list to anne@example.org", '
        '"rem": "SELECT * FROM resources WHERE category=\'diary\'"}\n',
        encoding="utf-8",
    )
    result = run_cli(
        "build",
        "rem_queries",
        "--limit",
        "4",
        "--seeds",
        str(seeds),
        "--teacher-url",
        loopback.base_url,
        "--out",
        str(tmp_path / "d"),
    )
    assert result.returncode == 0, result.stderr
    run_dir = (tmp_path / "d" / "rem_queries" / "latest").resolve()
    report = json.loads((run_dir / "report.json").read_text())
    assert (
        report["pii"]["PERSON"] >= 3 and report["pii"]["EMAIL_ADDRESS"] >= 1
    )  # input, rem, query_text, explanation
    user = [r for r in _records(run_dir / "dataset.jsonl") if r["provenance"]["origin"] == "user"]
    assert [r["input"] for r in user] == [
        "Find notes from <PERSON_1>",
        "Send the diary list to <EMAIL_ADDRESS_1>",
    ]
    assert user[0]["output"]["rem"] == 'SEARCH "<PERSON_1>" IN resources'
    assert not any(
        "Maria" in prompt or "anne@" in prompt for prompt in loopback.prompts
    )  # scrubbed before the teacher
    for path in run_dir.rglob("*.jsonl"):
        if path.name != "seeds.jsonl":  # stages/seeds.jsonl mirrors the user's own seed file
            assert "Maria" not in path.read_text() and "anne@" not in path.read_text(), path


@pytest.mark.parametrize(
    "args, message",
    [
        (["nope"], "unknown recipe 'nope'; known recipes: code_tests"),
        (["rem_queries", "--teacher", "gpt-4"], "needs OPENAI_API_KEY"),
        (
            ["rem_queries", "--teacher-url", "http://127.0.0.1:9/v1"],
            "cannot reach http://127.0.0.1:9/v1/models",
        ),
        (["rem_queries", "--limit", "0"], "--limit must be at least 1"),
        (
            ["rem_queries", "--seeds", "/nonexistent/seeds.jsonl"],
            "/nonexistent/seeds.jsonl: cannot read",
        ),
    ],
)
def test_errors_before_work_are_one_line(args, message, tmp_path):
    result = run_cli("build", *args, "--out", str(tmp_path), env={"OPENAI_API_KEY": ""})
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], result.stderr
    assert not (tmp_path / "rem_queries").exists()


@pytest.mark.parametrize(
    "source, message",
    [
        (
            "{tmp}/missing-logs",
            "error: --source {tmp}/missing-logs: no such file or folder; check the path",
        ),
        (
            "{tmp}/logs/*.jsonl",
            "error: --source {tmp}/logs/*.jsonl: the pattern matches no file; check the path",
        ),
    ],
)
def test_a_source_that_names_nothing_is_refused_before_any_work(source, message, tmp_path):
    (tmp_path / "logs").mkdir()
    good = tmp_path / "good.jsonl"
    good.write_text(
        (ROOT / "pipelines" / "toolcalls" / "examples" / "conversations.jsonl")
        .read_text()
        .splitlines(True)[0]
    )
    source = source.format(tmp=tmp_path)
    result = run_cli(
        "build",
        "toolcalls",
        "--source",
        str(good),
        "--source",
        source,
        "--teacher-url",
        "http://127.0.0.1:9/v1",
        "--out",
        str(tmp_path / "d"),
    )
    assert result.returncode == 2
    assert result.stderr.strip() == message.format(
        tmp=tmp_path
    )  # one line, before the teacher is even asked
    assert not (tmp_path / "d").exists()


def test_malformed_seed_line_names_file_and_line(tmp_path):
    seeds = tmp_path / "seeds.jsonl"
    seeds.write_text('{"input": "a", "rem": "LOOKUP a"}\n{"input": oops}\n', encoding="utf-8")
    result = run_cli("build", "rem_queries", "--seeds", str(seeds), "--out", str(tmp_path))
    assert result.returncode == 2
    assert (
        result.stderr.strip()
        == f"error: {seeds}:2: not valid JSON (Expecting value); fix or remove that line"
    )


def test_the_build_says_what_the_teacher_wrote_and_warns_under_10_percent(tmp_path):
    from factory.testing.loopback import LoopbackTeacher

    off_topic = json.dumps(
        {
            "variations": [
                "The weather in Lisbon was lovely all week long",
                "My cat prefers the blue cushion by the window",
            ]
        }
    )
    with LoopbackTeacher(
        reply=lambda messages: off_topic
    ) as drifting:  # every rewrite drifts from its seed
        result = run_cli(
            "build",
            "rem_queries",
            "--limit",
            "3",
            "--variations",
            "2",
            "--new-examples",
            "0",
            "--teacher-url",
            drifting.base_url,
            "--out",
            str(tmp_path),
        )
    assert result.returncode == 0, result.stderr
    report = json.loads((tmp_path / "rem_queries" / "latest" / "report.json").read_text())
    assert report["teacher_share"] == {
        "records": 3,
        "teacher": 0,
        "share": 0.0,
        "by_origin": {"grammar": 3, "teacher_rewrite": 0, "teacher_new": 0, "source": 0, "user": 0},
        "teacher_rejected": 6,
        "teacher_rejections": [["variation_drifted", 6]],
        "top_rejections": [["variation_drifted", 6]],
    }
    summary = result.stdout.split("records in ", 1)[1].split("next, for this run:\n", 1)
    assert summary[0].splitlines()[1:] == [
        "the teacher wrote 0 of the 3 records (0%); by origin: grammar 3, teacher rewrite 0, teacher new 0, source 0, "
        "user 0",
        "top rejections: variation_drifted 6",
    ]
    assert (
        summary[1].splitlines()[0].strip().startswith("factory annotate serve")
    )  # the next steps are still there
    assert result.stderr.strip().splitlines()[-1] == (
        "warning: the teacher wrote 0% of the 3 records (6 of its records rejected: variation_drifted 6); a stronger "
        "teacher: --teacher-url URL --teacher MODEL (any OpenAI-compatible server) or --teacher gpt-4o"
    )


def test_variations_0_and_new_examples_0_build_the_seeds_without_a_teacher(tmp_path):
    # an empty model cache: were the embedded teacher prepared or started, the build would fail
    result = run_cli(
        "build",
        "rem_queries",
        "--limit",
        "6",
        "--variations",
        "0",
        "--new-examples",
        "0",
        "--out",
        str(tmp_path / "d"),
        env={"FACTORY_CACHE": str(tmp_path / "empty-cache")},
    )
    assert result.returncode == 0, result.stderr
    run = tmp_path / "d" / "rem_queries" / "latest"
    report = json.loads((run / "report.json").read_text())
    assert (
        report["teacher_share"]["by_origin"]["grammar"] == report["teacher_share"]["records"] == 6
    )
    assert not (run / "teacher-server.log").exists()
    assert report["tokens"] == {"prompt": 0, "completion": 0}
    assert result.stderr.strip().splitlines()[-1] == (
        "warning: the teacher wrote 0% of the 6 records: it was asked for nothing "
        "(--variations 0 and --new-examples 0 build the seeds alone)"
    )
    refused = run_cli("build", "rem_queries", "--variations", "-1", "--out", str(tmp_path / "e"))
    assert refused.returncode == 2
    assert refused.stderr.strip() == "error: --variations must be 0 or more, got -1"
