"""The dedup stage: labelled duplicate / distinct pairs, conflicts, determinism, clusters, the embedding cache."""

import dataclasses
import json
import random

import pytest
from factory_cli import ROOT
from stage_helpers import rem_record, run

from factory.recipes import load_recipe
from factory.stages.dedup import DedupStage

PAIRS = [
    json.loads(line)
    for line in (ROOT / "tests" / "assets" / "dedup_pairs.jsonl").read_text().splitlines()
]
SAME_REM = 'SEARCH "x" IN resources'  # one target for both sides: only the inputs decide


@pytest.mark.parametrize(
    "pair", PAIRS, ids=[f"{'dup' if p['duplicate'] else 'diff'}-{i}" for i, p in enumerate(PAIRS)]
)
def test_labelled_pairs(pair, tmp_path):
    a, b = rem_record(pair["a"], SAME_REM), rem_record(pair["b"], SAME_REM)
    kept, rejected, _ = run(DedupStage, [a, b], tmp_path)
    if pair["duplicate"]:
        assert len(kept) == 1 and len(rejected) == 1
        assert rejected[0].reason in ("near_duplicate", "exact_duplicate")
        assert rejected[0].refs == {"duplicate_of": kept[0]["id"]}
        assert kept[0]["id"] == min(a["id"], b["id"])  # two seeds: equally close, ties by id
    else:
        assert rejected == [] and len(kept) == 2


def test_the_variation_closest_to_its_seed_survives(tmp_path):
    seed = rem_record(
        "Find 5 moments about morning activities", 'SEARCH "morning activities" IN moments LIMIT 5'
    )
    near = rem_record(
        "Please find 5 moments about morning activities",
        'SEARCH "morning activities" IN moments LIMIT 5',
        origin="teacher",
    )
    near["checks"]["faithfulness"] = 0.95
    kept, [rejected], _ = run(DedupStage, [near, seed], tmp_path)
    assert [r["id"] for r in kept] == [seed["id"]]
    assert rejected.record["id"] == near["id"] and rejected.refs == {"duplicate_of": seed["id"]}


def test_different_targets_are_not_duplicates_for_rem_queries(tmp_path):
    five = rem_record(
        "Find 5 moments about morning activities", 'SEARCH "morning activities" IN moments LIMIT 5'
    )
    ten = rem_record(
        "Find 10 moments about morning activities",
        'SEARCH "morning activities" IN moments LIMIT 10',
    )
    kept, rejected, _ = run(DedupStage, [five, ten], tmp_path)
    assert rejected == [] and len(kept) == 2


def test_same_input_different_outputs_is_a_conflict(tmp_path):
    a = rem_record("Find notes on budget planning", 'SEARCH "budget planning" IN resources')
    b = rem_record("find notes on budget planning.", "FUZZY 'budget planning' IN resources")
    other = rem_record(
        "Count resources per category",
        "SELECT category, COUNT(*) AS n FROM resources GROUP BY category ORDER BY n DESC",
    )
    kept, rejected, stage = run(DedupStage, [a, b, other], tmp_path)
    assert [r["id"] for r in kept] == [other["id"]]
    assert sorted((r.reason, r.refs["conflicts_with"][0]) for r in rejected) == sorted(
        [("conflicting_outputs", b["id"]), ("conflicting_outputs", a["id"])]
    )
    assert stage.extras["conflicts"] == 2


def test_with_conflicts_keep_different_outputs_of_one_input_are_alternatives(tmp_path):
    recipe = dataclasses.replace(
        load_recipe("rem_queries"), dedup_conflicts="keep", dedup_same_output_only=False
    )
    a = rem_record("Find notes on budget planning", 'SEARCH "budget planning" IN resources')
    b = rem_record("find notes on budget planning.", "FUZZY 'budget planning' IN resources")
    again = rem_record("Find notes on budget planning!", 'SEARCH "budget planning" IN resources')
    kept, rejected, stage = run(DedupStage, [a, b, again], tmp_path, recipe=recipe)
    assert (
        sorted(r["id"] for r in kept) == sorted([a["id"], b["id"]])
        and stage.extras["conflicts"] == 0
    )
    assert [(r.reason, r.refs["duplicate_of"]) for r in rejected] == [
        ("exact_duplicate", min(a["id"], again["id"]))
    ]


def test_exact_duplicates_after_normalisation(tmp_path):
    a = rem_record("Look up   test-resource-1", "LOOKUP test-resource-1")
    b = rem_record("look up test-resource-1!", "LOOKUP test-resource-1")
    kept, [rejected], _ = run(DedupStage, [a, b], tmp_path)
    assert rejected.reason == "exact_duplicate" and rejected.refs == {"duplicate_of": kept[0]["id"]}


def _corpus() -> list[dict]:
    records = []
    for pair in PAIRS:
        records += [rem_record(pair["a"], SAME_REM), rem_record(pair["b"], SAME_REM)]
    return list({r["id"]: r for r in records}.values())


def test_deterministic_survivors_and_cluster_report(tmp_path):
    records = _corpus()
    first, _, _ = run(DedupStage, [dict(r, checks={}) for r in records], tmp_path / "a")
    shuffled = records[:]
    random.Random(3).shuffle(shuffled)
    second, _, stage = run(DedupStage, [dict(r, checks={}) for r in shuffled], tmp_path / "b")
    assert sorted(r["id"] for r in first) == sorted(r["id"] for r in second)
    clusters = [
        json.loads(line)
        for line in (tmp_path / "b" / "run" / "dedup" / "clusters.jsonl").read_text().splitlines()
    ]
    assert len(clusters) == stage.extras["clusters"] > 0
    survivors = {r["id"] for r in second}
    for cluster in clusters:
        assert (
            cluster["representative"] in survivors
            and cluster["representative"] in cluster["members"]
        )
        assert cluster["size"] == len(cluster["members"]) >= 2
        assert len(survivors & set(cluster["members"])) == 1


def test_embedding_cache_means_no_reencoding(tmp_path):
    records = _corpus()
    _, _, first = run(DedupStage, [dict(r, checks={}) for r in records], tmp_path)
    _, _, second = run(DedupStage, [dict(r, checks={}) for r in records], tmp_path)
    assert first.extras["embedding_cache"]["hits"] == 0
    assert second.extras["embedding_cache"] == {
        "hits": first.extras["embedding_cache"]["misses"],
        "misses": 0,
    }


def test_one_request_with_other_tools_is_two_tasks(tmp_path):
    a = rem_record(
        "Find notes on budget planning",
        'SEARCH "budget planning" IN resources',
        context={"tools": ["a"]},
    )
    b = rem_record(
        "Find notes on budget planning",
        "FUZZY 'budget planning' IN resources",
        context={"tools": ["b"]},
    )
    kept, rejected, _ = run(DedupStage, [a, b], tmp_path)
    assert sorted(r["id"] for r in kept) == sorted([a["id"], b["id"]]) and rejected == []
