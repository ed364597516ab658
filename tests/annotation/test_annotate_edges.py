"""rem_edges through the real Argilla server: a relationship and an affinity question per edge,
prefilled with the output's values; what reviewers change comes back into the edges, checked."""

import json
from pathlib import Path

import pytest
from argilla_helpers import respond, sdk
from factory_cli import records as rows
from factory_cli import run_cli

from factory.recipes import load_recipe
from factory.stages.base import BuildOptions, StageSettings
from factory.stages.seeds import SeedsStage

pytestmark = pytest.mark.slow  # starts real servers


@pytest.fixture(scope="module")
def data_root(tmp_path_factory) -> Path:
    """A run `r1` of two generated rem_edges seeds (records with known labels in their context)."""
    root = tmp_path_factory.mktemp("edges")
    run = root / "rem_edges" / "r1"
    context = StageSettings(
        recipe=load_recipe("rem_edges"),
        options=BuildOptions(limit=2),
        run_dir=run,
        cache_path=root / "c",
    )
    seeds = list(SeedsStage(context).process(iter(())))
    run.mkdir(parents=True)
    (run / "dataset.jsonl").write_text("".join(json.dumps(r) + "\n" for r in seeds))
    return root


def cli(server, root: Path, *args: str):
    return run_cli(
        *args,
        "--out",
        str(root),
        "--api-url",
        server.api_url,
        "--api-key",
        server.credentials["owner"]["api_key"],
    )


def test_edge_questions_prefilled_then_answers_merged_into_the_edges(argilla_server, data_root):
    records = rows(data_root / "rem_edges" / "r1" / "dataset.jsonl")
    pushed = cli(
        argilla_server,
        data_root,
        "annotate",
        "push",
        "rem_edges",
        "--run",
        "r1",
        "--dataset",
        "edges",
    )
    assert pushed.returncode == 0, pushed.stderr
    client = sdk(argilla_server)
    dataset = client.datasets("edges", workspace="factory")
    names = [q.name for q in dataset.settings.questions]
    assert (
        names[:3] == ["verdict", "corrected_output", "issues"]
        and "relationship_1" in names
        and "affinity_6" in names
    )
    models = {
        m.external_id: m
        for m in client.api.records.list(dataset.id, limit=10, with_suggestions=True)
    }
    first, second = records
    question = {q.id: q.name for q in dataset.settings.questions}
    prefilled = {question[s.question_id]: s.value for s in models[first["id"]].suggestions}
    edge = first["output"]["edges"][0]
    assert prefilled["relationship_1"] == edge["type"] and prefilled["affinity_1"] == int(
        edge["score"] * 10 + 0.5
    )
    del prefilled["corrected_output"]

    new_affinity = 0 if prefilled["affinity_1"] else 10  # only the first edge's affinity changes
    respond(
        argilla_server,
        "annotator-1",
        models[first["id"]].id,
        "submitted",
        verdict="accept",
        **{**prefilled, "affinity_1": new_affinity},
    )
    flipped = {"NONE": "CONTINUATION"}.get(second["output"]["edges"][0]["type"], "NONE")
    others = {
        f"relationship_{i}": {"NONE": "SEE_ALSO"}.get(e["type"], "NONE")  # every relation reversed
        for i, e in enumerate(second["output"]["edges"], start=1)
    }
    respond(
        argilla_server,
        "annotator-1",
        models[second["id"]].id,
        "submitted",
        verdict="accept",
        **{**others, "relationship_1": flipped},
    )

    pulled = cli(
        argilla_server,
        data_root,
        "annotate",
        "pull",
        "rem_edges",
        "--run",
        "r1",
        "--dataset",
        "edges",
    )
    assert pulled.returncode == 0, pulled.stderr
    merged = {
        r["provenance"].get("human_corrected_from", r["id"]): r
        for r in rows(data_root / "rem_edges" / "r1" / "dataset.jsonl")
    }
    corrected = merged[first["id"]]
    assert corrected["checks"]["human"]["status"] == "corrected"
    assert corrected["output"]["edges"][0]["score"] == new_affinity / 10
    assert (
        corrected["output"]["edges"][1:] == first["output"]["edges"][1:]
    )  # untouched answers keep exact scores
    refused = merged[
        second["id"]
    ]  # the reversed relations contradict the collection's known labels
    assert (
        refused["output"] == second["output"]
        and refused["checks"]["human"]["status"] == "human_correction_invalid"
    )
    assert refused["checks"]["human"]["problem"].startswith("edges_disagree_with_labels")
