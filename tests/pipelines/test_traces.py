"""The traces recipe: logged calls grouped by site, each site's schema or tools from the log, the
malformed lines of the example log as rejections with reasons, the check of an answer, held-back
calls, the student's turns and metrics, and builds through the CLI (loopback and embedded teacher)."""

import copy
import json
from collections import Counter
from pathlib import Path

import pytest
from factory_cli import assert_valid_run, records, run_cli

from factory.errors import ConfigError
from factory.export.formats import student_turns
from factory.recipes import load_recipe
from factory.record import Rejected, SeedError
from pipelines.traces import metrics
from pipelines.traces import recipe as traces
from pipelines.traces.examples import write_log

LOG = Path(traces.__file__).parent / "examples" / "calls.jsonl"
SITE_SIZES = {
    "ticket_triage": 30,
    "create_event+find_free_slots+cancel_event": 28,
    "invoicefields": 26,
    "get_order_status+start_return": 26,
}
# the example log's malformed lines (write_log.malformed), one each
MALFORMED = {
    "traces_bad_json",
    "traces_schema_invalid",
    "toolcall_unknown_function",
    "toolcall_missing_argument",
    "traces_no_request",
    "source_failed_call",
    "source_bad_json",
    "traces_unstructured",
    "traces_no_call",
}


@pytest.fixture(scope="module")
def every_call():
    """The example log read with nothing held back: (seeds, skipped)."""
    items = list(traces.source_seeds({"holdout": 0}, 10_000, 0))
    return [i for i in items if not isinstance(i, Rejected)], [
        i for i in items if isinstance(i, Rejected)
    ]


def _record(seed: dict, output=None) -> dict:
    return {
        "input": seed["input"],
        "output": seed["output"] if output is None else output,
        "labels": seed["labels"],
        "provenance": {**seed["provenance"], "context": seed["context"]},
    }


def _site(seeds: list[dict], name: str) -> list[dict]:
    return [s for s in seeds if s["labels"]["site"].rsplit("-", 1)[0] == name]


def test_example_log_is_what_write_log_writes(tmp_path, monkeypatch):
    monkeypatch.setattr(write_log, "OUT", tmp_path / "calls.jsonl")
    write_log.main()
    assert (tmp_path / "calls.jsonl").read_text() == LOG.read_text()


def test_calls_are_grouped_by_site(every_call):
    seeds, _ = every_call
    sizes = Counter(s["labels"]["site"] for s in seeds)
    assert {label.rsplit("-", 1)[0]: n for label, n in sizes.items()} == SITE_SIZES
    for label in sizes:  # one site, one prompt and one set of tools or schema
        contexts = {
            json.dumps(s["context"], sort_keys=True) for s in seeds if s["labels"]["site"] == label
        }
        assert len(contexts) == 1
    again = list(traces._calls({}))  # a second read gives the same labels (a hash, not an order)
    assert Counter(c["context"]["site"] for c in again if not isinstance(c, Rejected)) == sizes
    triage = _site(seeds, "ticket_triage")[0]
    changed = traces.site_context(
        triage["context"]["system"] + " Be brief.", [], triage["context"]["response_format"]
    )
    assert changed["site"] != triage["labels"]["site"] and changed["site"].startswith(
        "ticket_triage-"
    )


def test_each_site_takes_its_schema_or_tools_from_the_log(every_call):
    seeds, _ = every_call
    triage, calendar = (
        _site(seeds, "ticket_triage")[0],
        _site(seeds, "create_event+find_free_slots+cancel_event")[0],
    )
    invoice, orders = (
        _site(seeds, "invoicefields")[0],
        _site(seeds, "get_order_status+start_return")[0],
    )
    assert triage["context"]["response_format"] == {
        "type": "json_schema",
        "name": "ticket_triage",
        "schema": write_log.TRIAGE_SCHEMA,
    }
    assert (
        invoice["context"]["response_format"]["schema"] == write_log.INVOICE_SCHEMA
    )  # the tracer's .parse form
    assert [t["function"]["name"] for t in calendar["context"]["tools"]] == [
        "create_event",
        "find_free_slots",
        "cancel_event",
    ]
    assert (
        orders["context"]["tools"][1]["function"]["parameters"]
        == write_log.ORDERS_TOOLS[1]["parameters"]
    )
    assert (
        calendar["context"]["system"] == write_log.CALENDAR_SYSTEM
        and "tools" not in triage["context"]
    )
    assert triage["output"] == {
        "category": "billing",
        "priority": "high",
        "order_id": "NW-10482",
        "refund_requested": True,
    }  # the logged answer is the gold
    assert calendar["output"] == {
        "name": "create_event",
        "arguments": {
            "title": "budget review",
            "date": "2025-03-14",
            "start": "15:00",
            "minutes": 30,
        },
    }


def test_malformed_lines_are_rejections_with_reasons(every_call):
    _, skipped = every_call
    by_reason = Counter(s.reason for s in skipped)
    assert set(by_reason) == MALFORMED | {"source_bad_shape"}
    assert (
        by_reason["source_bad_shape"] == 2
    )  # arguments that are not JSON; a prompt/completion line
    assert all(s.where.startswith(f"{LOG}:") and s.detail for s in skipped)
    unknown = next(s for s in skipped if s.reason == "toolcall_unknown_function")
    assert "'send_invite' is not among the tools" in unknown.detail


def test_validate_accepts_the_logged_gold_and_refuses_wrong_answers(every_call):
    seeds, _ = every_call
    assert all(traces.validate(_record(seed)) is None for seed in seeds)
    calendar = _site(seeds, "create_event+find_free_slots+cancel_event")[0]
    wrong_tool = {"name": "delete_calendar", "arguments": {}}
    assert traces.validate(_record(calendar, wrong_tool))[0] == "toolcall_unknown_function"
    bad_argument = copy.deepcopy(calendar["output"])
    bad_argument["arguments"]["minutes"] = "thirty"
    assert traces.validate(_record(calendar, bad_argument))[0] == "toolcall_bad_arguments"
    assert traces.validate(_record(calendar, {"title": "x"}))[0] == "traces_not_a_call"
    triage = _site(seeds, "ticket_triage")[0]
    assert traces.validate(_record(triage, {**triage["output"], "priority": "asap"})) == (
        "traces_schema_invalid",
        "output/priority: 'asap' is not one of ['low', 'normal', 'high', 'urgent']",
    )
    assert traces.validate({**_record(triage), "provenance": {}})[0] == "traces_no_site"


def test_held_back_calls_are_never_seeds_and_stay_the_same():
    items = list(traces.source_seeds({"holdout": 0.2}, 10_000, 0))
    held = [i for i in items if isinstance(i, Rejected) and i.reason == "traces_held_back"]
    seeds = [i for i in items if not isinstance(i, Rejected)]
    lines = traces.held_back({"holdout": 0.2})
    assert len(lines) == len(held) and 0.1 * 110 < len(held) < 0.3 * 110
    assert {line["source"] for line in lines} == {h.where for h in held}
    assert not {line["input"] for line in lines} & {s["input"] for s in seeds}
    assert lines == traces.held_back({"holdout": 0.2})
    sites = {s["labels"]["site"] for s in seeds}
    for line in lines:  # each is an eval line of the same site, its gold accepted
        assert traces.user_seed(line)["labels"]["site"] in sites
    with pytest.raises(ConfigError, match="source.holdout"):
        list(traces.source_seeds({"holdout": 1.5}, 10, 0))
    with pytest.raises(ConfigError, match="unknown key 'paht'"):
        list(traces.source_seeds({"paht": ["x"]}, 10, 0))


def test_user_seed_says_what_is_wrong():
    line = traces.held_back({"holdout": 0.5})[0]
    assert traces.user_seed(line)["output"] == line["output"]
    with pytest.raises(ValueError, match="needs tools or a response_format"):
        traces.user_seed({"input": "hi", "output": {}, "system": "s"})
    with pytest.raises(ValueError, match='each line needs {"input"'):
        traces.user_seed({"output": {}})
    with pytest.raises(ValueError, match="response_format type 'yaml'"):
        traces.user_seed({"input": "hi", "output": {}, "response_format": {"type": "yaml"}})
    tools = write_log.CALENDAR_TOOLS
    with pytest.raises(SeedError) as refused:
        traces.user_seed(
            {
                "input": "hi",
                "output": {"name": "nope", "arguments": {}},
                "system": "s",
                "tools": tools,
            }
        )
    assert refused.value.reason == "toolcall_unknown_function"


def test_make_pair_reads_a_teacher_call(every_call):
    seeds, _ = every_call
    calendar = _site(seeds, "create_event+find_free_slots+cancel_event")[0]
    shown = {
        "input": calendar["input"],
        "output": calendar["output"],
        "context": calendar["context"],
    }
    made = traces.make_pair(
        {
            "input": " cancel standup on 2025-03-19 ",
            "output": {
                "name": "cancel_event",
                "arguments": '{"title": "standup", "date": "2025-03-19"}',
            },
        },
        shown,
    )
    assert made == {
        "input": "cancel standup on 2025-03-19",
        "labels": calendar["labels"],
        "output": {"name": "cancel_event", "arguments": {"title": "standup", "date": "2025-03-19"}},
    }
    for bad in (
        {"input": "x"},
        {"output": {}},
        "text",
        {"input": "x", "output": {"name": "f", "arguments": "{"}},
    ):
        with pytest.raises(ValueError):
            traces.make_pair(bad, shown)


def test_student_turns_and_metrics(every_call):
    seeds, _ = every_call
    recipe = load_recipe("traces")
    for name in SITE_SIZES:
        record = _record(_site(seeds, name)[0])
        system, user, answer = student_turns(recipe, record)
        assert (
            system.startswith(record["provenance"]["context"]["system"]) and user == record["input"]
        )
        assert json.loads(answer) == record["output"]
        assert metrics.score(answer, record) == {"json": 1.0, "valid": 1.0, "exact": 1.0}
        assert metrics.score(f"```json\n{answer}\n```", record)["exact"] == 1.0
        assert metrics.score("I would call the tool.", record) == {
            "json": 0.0,
            "valid": 0.0,
            "exact": 0.0,
        }
    calendar = _record(_site(seeds, "create_event+find_free_slots+cancel_event")[0])
    assert "Tools:\n" in student_turns(recipe, calendar)[0]
    assert metrics.score('{"name": "book", "arguments": {}}', calendar) == {
        "json": 1.0,
        "valid": 0.0,
        "exact": 0.0,
    }
    triage = _record(_site(seeds, "ticket_triage")[0])
    swapped = json.dumps({**triage["output"], "priority": "low"})
    assert metrics.score(swapped, triage) == {"json": 1.0, "valid": 1.0, "exact": 0.0}


def test_build_and_export_with_a_loopback_teacher(tmp_path, loopback):
    """The loopback teacher answers a pairs prompt with the logged answer it shows: valid new calls."""
    built = run_cli(
        "build",
        "traces",
        "--limit",
        "12",
        "--variations",
        "1",
        "--teacher-url",
        loopback.base_url,
        "--out",
        str(tmp_path),
        "--run",
        "r",
    )
    assert built.returncode == 0, built.stderr
    run_dir = tmp_path / "traces" / "r"
    report = json.loads((run_dir / "report.json").read_text())
    kept = assert_valid_run(run_dir, report, "traces")
    assert {r["provenance"]["origin"] for r in kept} <= {"log", "teacher"}
    assert len({r["labels"]["site"] for r in kept}) == 4
    generate = next(row for row in report["stages"] if row["name"] == "generate")
    written = [
        r
        for r in records(run_dir / "stages" / "generate.jsonl")
        if r["provenance"]["origin"] == "teacher"
    ]
    assert (
        generate["in"] == 12 and len(written) >= 12
    )  # the loopback's calls: rewordings, mostly near duplicates
    assert all(
        traces.validate(r) is None and r["labels"] == {"site": r["provenance"]["context"]["site"]}
        for r in written
    )
    seeds = next(row for row in report["stages"] if row["name"] == "seeds")
    assert seeds["out"] == 12 and seeds["rejected"].get("traces_held_back", 0) > 0
    rejected = records(run_dir / "rejected" / "seeds.jsonl")
    assert all(
        r["reason"] and r["record"]["provenance"]["source"].startswith(f"{LOG}:") for r in rejected
    )
    exported = run_cli(
        "export",
        "traces",
        "--run",
        "r",
        "--out",
        str(tmp_path),
        "--split",
        "60/20/20",
        "--stratify",
        "site",
    )
    assert exported.returncode == 0, exported.stderr
    recipe, by_id = load_recipe("traces"), {r["id"]: r for r in kept}
    for example in records(run_dir / "export" / "train.jsonl"):
        assert [m["content"] for m in example["messages"]] == list(
            student_turns(recipe, by_id[example["id"]])
        )


def test_a_log_that_is_not_there_is_one_line(tmp_path):
    result = run_cli(
        "build", "traces", "--source", str(tmp_path / "nope.jsonl"), "--out", str(tmp_path)
    )
    assert result.returncode != 0
    assert (
        result.stderr.strip().count("\n") == 0
        and "nope.jsonl: no such file or folder" in result.stderr
    )


@pytest.mark.slow
def test_build_with_the_embedded_teacher(tmp_path):
    built = run_cli(
        "build", "traces", "--limit", "6", "--variations", "1", "--out", str(tmp_path), "--run", "r"
    )
    assert built.returncode == 0, built.stderr
    run_dir = tmp_path / "traces" / "r"
    report = json.loads((run_dir / "report.json").read_text())
    kept = assert_valid_run(run_dir, report, "traces")
    assert {r["provenance"]["origin"] for r in kept} <= {"log", "teacher"}
    generate = next(row for row in report["stages"] if row["name"] == "generate")
    assert (
        generate["cache"]["misses"] == generate["in"] == 6
    )  # the teacher was asked about every seed, once


def test_answer_schema_admits_every_logged_answer_and_no_other_tool(every_call):
    """sites.answer_schema is the site check as one JSON Schema: what `eval --constrain` decodes under."""
    import jsonschema

    seeds, _ = every_call
    for name in SITE_SIZES:
        for seed in _site(seeds, name):
            schema = traces.answer_schema(_record(seed))
            jsonschema.validate(seed["output"], schema)
    calendar = _record(_site(seeds, "create_event+find_free_slots+cancel_event")[0])
    schema = traces.answer_schema(calendar)
    assert len(schema["anyOf"]) == 3  # one option per logged tool
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"name": "book", "arguments": {}}, schema)


def test_eval_constrain_decodes_under_the_site_schema(tmp_path):
    """SmolLM2-135M, the embedded fast teacher's GGUF, asked held-back calls: decoded under each
    site's schema (llama.cpp grammar), every reply is one JSON object that passes its site."""
    from factory.teacher.embedded import model_path

    data = tmp_path / "held.jsonl"
    lines = traces.held_back({"holdout": 0.2})
    picked = [line for line in lines if "tools" not in line][:2] + [
        line for line in lines if "tools" in line
    ][:2]  # two structured-output calls, two tool calls
    data.write_text("".join(json.dumps(line) + "\n" for line in picked))
    assert len(picked) == 4
    result = run_cli(
        "eval",
        "traces",
        "--data",
        str(data),
        "--model",
        str(model_path()),
        "--constrain",
        "--label",
        "smol",
        "--out",
        str(tmp_path),
    )
    assert result.returncode == 0, result.stderr
    summary = json.loads((tmp_path / "traces" / "evals" / "smol.json").read_text())
    assert summary["constrained"] == "answer_schema" and summary["examples"] == 4
    assert summary["metrics"]["json"] == summary["metrics"]["valid"] == 100.0


def test_eval_constrain_needs_a_schema_hook_and_a_grammar_runtime(tmp_path):
    rem = tmp_path / "rem.jsonl"
    rem.write_text(json.dumps({"input": "open res-42", "rem": "LOOKUP res-42"}) + "\n")
    held = tmp_path / "held.jsonl"
    held.write_text(json.dumps(traces.held_back({"holdout": 0.2})[0]) + "\n")
    cases = [
        (["rem_queries", "--data", str(rem)], "the rem_queries recipe defines no answer_schema hook"),
        (["traces", "--data", str(held), "--runtime", "transformers"], "--constrain decodes with llama.cpp"),
    ]  # fmt: skip
    for args, message in cases:
        refused = run_cli("eval", *args, "--model", "base", "--constrain", "--out", str(tmp_path))
        assert refused.returncode != 0 and refused.stderr.strip().count("\n") == 0
        assert message in refused.stderr
