"""`factory annotate push | pull | status` against the embedded server: two annotators, every merge rule, idempotence."""

import json
from pathlib import Path

import pytest
from argilla_helpers import respond, sdk
from factory_cli import records as rows
from factory_cli import run_cli
from test_merge import RECORDS

from pipelines.rem_queries.recipe import build_output

pytestmark = pytest.mark.slow  # starts real servers


@pytest.fixture(scope="module")
def data_root(tmp_path_factory) -> Path:
    """A build run `r1` of the six hand-made records of test_merge."""
    root = tmp_path_factory.mktemp("data")
    run = root / "rem_queries" / "r1"
    run.mkdir(parents=True)
    (run / "dataset.jsonl").write_text("".join(json.dumps(r) + "\n" for r in RECORDS))
    return root


def cli(server, root: Path, *args: str, key: str | None = None):
    return run_cli(
        *args,
        "--out",
        str(root),
        "--api-url",
        server.api_url,
        "--api-key",
        key or server.credentials["owner"]["api_key"],
    )


@pytest.fixture(scope="module")
def pushed(argilla_server, data_root):
    first = cli(
        argilla_server,
        data_root,
        "annotate",
        "push",
        "rem_queries",
        "--run",
        "r1",
        "--dataset",
        "flow",
    )
    assert first.returncode == 0, first.stderr
    assert (
        first.stdout.strip() == "pushed 6 records (random) to factory/flow: 6 new, 6 in the dataset"
    )
    again = cli(
        argilla_server,
        data_root,
        "annotate",
        "push",
        "rem_queries",
        "--run",
        "r1",
        "--dataset",
        "flow",
    )
    assert (
        again.stdout.strip() == "pushed 6 records (random) to factory/flow: 0 new, 6 in the dataset"
    )
    dataset = sdk(argilla_server).datasets("flow", workspace="factory")
    ids = {
        model.external_id: model.id
        for model in sdk(argilla_server).api.records.list(dataset.id, limit=100)
    }
    assert sorted(ids) == sorted(r["id"] for r in RECORDS)
    return ids


def test_pull_merges_two_annotators_by_the_rules_and_is_idempotent(
    argilla_server, data_root, pushed
):
    ids, r = pushed, RECORDS
    fixed = json.dumps(build_output('SEARCH "hiking" IN resources LIMIT 5'))
    respond(argilla_server, "annotator-1", ids[r[0]["id"]], "submitted", verdict="accept")
    respond(argilla_server, "annotator-2", ids[r[0]["id"]], "submitted", verdict="accept")
    respond(
        argilla_server,
        "annotator-1",
        ids[r[1]["id"]],
        "submitted",
        verdict="reject",
        issues=["wrong_parameters"],
    )
    respond(
        argilla_server,
        "annotator-2",
        ids[r[1]["id"]],
        "submitted",
        verdict="reject",
        issues=["invalid_query"],
    )
    respond(argilla_server, "annotator-1", ids[r[2]["id"]], "submitted", verdict="accept")
    respond(
        argilla_server,
        "annotator-2",
        ids[r[2]["id"]],
        "submitted",
        verdict="reject",
        issues=["wrong_intent"],
    )
    respond(
        argilla_server,
        "annotator-1",
        ids[r[3]["id"]],
        "submitted",
        verdict="accept",
        corrected_output=fixed,
    )
    respond(
        argilla_server,
        "annotator-2",
        ids[r[4]["id"]],
        "submitted",
        verdict="accept",
        corrected_output="LOOKUP doc-x",
    )
    respond(
        argilla_server, "annotator-1", ids[r[5]["id"]], "draft", verdict="reject"
    )  # drafts do not count
    respond(argilla_server, "annotator-2", ids[r[5]["id"]], "discarded")

    result = cli(
        argilla_server,
        data_root,
        "annotate",
        "pull",
        "rem_queries",
        "--run",
        "r1",
        "--dataset",
        "flow",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(
        "5 of 6 records labelled (accepted 1, corrected 1, human_correction_invalid 1, "
        "rejected 1, tie 1, unlabelled 1); agreement: 66.7% over 3 shared records"
    )
    run = data_root / "rem_queries" / "r1"
    kept = {row["input"]: row for row in rows(run / "dataset.jsonl")}
    assert len(kept) == 5 and r[1]["input"] not in kept
    assert kept[r[0]["input"]]["checks"]["human"]["status"] == "accepted"
    assert kept[r[3]["input"]]["output"]["rem"] == 'SEARCH "hiking" IN resources LIMIT 5'
    assert kept[r[4]["input"]]["checks"]["human"]["problem"].startswith("not JSON")
    assert "human" not in kept[r[5]["input"]]["checks"]
    [rejected] = rows(run / "rejected" / "human.jsonl")
    assert (
        rejected["tags"] == ["invalid_query", "wrong_parameters"]
        and rejected["record"]["id"] == r[1]["id"]
    )
    assert rejected["annotators"] == ["annotator-1", "annotator-2"]
    report = json.loads((run / "annotation" / "report.json").read_text())
    assert (
        report["human_share"] == round(5 / 6, 4)
        and report["agreement"]["records_with_overlap"] == 3
    )
    assert sorted(row["reason"] for row in rows(run / "annotation" / "review.jsonl")) == [
        "human_correction_invalid",
        "tie",
    ]

    before = {
        p.name: p.read_bytes() for p in (run / "dataset.jsonl", run / "rejected" / "human.jsonl")
    }
    again = cli(
        argilla_server,
        data_root,
        "annotate",
        "pull",
        "rem_queries",
        "--run",
        "r1",
        "--dataset",
        "flow",
    )
    assert again.returncode == 0 and again.stdout == result.stdout
    assert {
        p.name: p.read_bytes() for p in (run / "dataset.jsonl", run / "rejected" / "human.jsonl")
    } == before
    assert rows(run / "dataset.built.jsonl") == RECORDS  # the build's own records, untouched

    status = cli(
        argilla_server, data_root, "annotate", "status", "rem_queries", "--dataset", "flow"
    )
    assert status.returncode == 0, status.stderr
    lines = status.stdout.splitlines()
    assert (
        lines[0] == "flow: 5 of 6 records completed, 1 pending"
    )  # overlap 1: one submission completes a record
    assert "  annotator-1          submitted     4  discarded     0  draft     1" in lines
    assert "  annotator-2          submitted     4  discarded     1  draft     0" in lines


def test_one_line_errors(argilla_server, data_root, pushed):
    bad_key = cli(
        argilla_server,
        data_root,
        "annotate",
        "pull",
        "rem_queries",
        "--run",
        "r1",
        "--dataset",
        "flow",
        key="not-a-key",
    )
    assert bad_key.returncode == 2
    assert bad_key.stderr.strip() == (
        f"error: Argilla at {argilla_server.api_url} refused the API key (401); "
        "check ARGILLA_API_KEY or --api-key"
    )
    gone = run_cli(
        "annotate",
        "status",
        "rem_queries",
        "--out",
        str(data_root),
        "--api-url",
        "http://127.0.0.1:9",
        "--api-key",
        "x",
    )
    assert gone.returncode == 2 and gone.stderr.startswith(
        "error: Argilla at http://127.0.0.1:9 is unreachable"
    )
    no_run = cli(argilla_server, data_root, "annotate", "push", "rem_queries", "--run", "nope")
    assert (
        no_run.stderr.strip()
        == f"error: no build at {data_root / 'rem_queries' / 'nope'} (dataset.jsonl missing); "
        f"run `factory build rem_queries --out {data_root} --run nope` or pick another --run"
    )
    no_dataset = cli(
        argilla_server,
        data_root,
        "annotate",
        "pull",
        "rem_queries",
        "--run",
        "r1",
        "--dataset",
        "missing",
    )
    assert no_dataset.stderr.strip() == (
        "error: no Argilla dataset 'missing' in workspace 'factory'; run "
        f"`factory annotate push rem_queries --dataset missing --out {data_root} --run r1` first"
    )

    import argilla as rg

    client = sdk(argilla_server)
    other = rg.Settings(
        fields=[rg.TextField(name="input")],
        questions=[rg.LabelQuestion(name="verdict", labels=["ok", "bad"])],
    )
    rg.Dataset(name="changed", workspace="factory", settings=other, client=client).create()
    changed = cli(
        argilla_server,
        data_root,
        "annotate",
        "push",
        "rem_queries",
        "--run",
        "r1",
        "--dataset",
        "changed",
    )
    assert changed.returncode == 2
    assert changed.stderr.startswith(
        "error: Argilla dataset 'changed' has other fields than the recipe now defines"
    )
    assert (
        client.datasets("changed", workspace="factory").progress()["total"] == 0
    )  # the refused push wrote nothing
