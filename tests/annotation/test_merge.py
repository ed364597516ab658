"""Pull's merge rules, sampling strategies and agreement, on hand-made votes (no server: see test_annotate_flow)."""

import json
from collections import Counter

import pytest

from annotation.pull import Vote, merge
from annotation.pull_report import agreement, fleiss_kappa
from annotation.push import sample
from factory.errors import ConfigError
from factory.recipes import load_recipe
from factory.record import Record
from pipelines.rem_queries.recipe import build_output, labels

RECIPE = load_recipe("rem_queries")


def record(text: str, rem: str, **provenance) -> dict:
    output = build_output(rem)
    return Record(
        recipe="rem_queries",
        kind="rem_query",
        schema_version=1,
        seed_id="s-" + text[:8],
        input=text,
        output=output,
        labels=labels(output),
        provenance={"origin": "grammar", **provenance},
        checks={"schema": "ok", "validator": "ok"},
    ).to_dict()


RECORDS = [
    record("Get res-7", "LOOKUP res-7"),  # 0 accepted
    record("Open res-8", "LOOKUP res-9"),  # 1 rejected (wrong key)
    record("Look up res-1", "LOOKUP res-1"),  # 2 tie
    record("Find 5 resources about hiking", 'SEARCH "hiking" IN resources LIMIT 10'),  # 3 corrected
    record("Fetch doc-x", "LOOKUP doc-x"),  # 4 invalid correction
    record(
        "Count resources per category",
        "SELECT category, COUNT(*) AS n FROM resources GROUP BY category ORDER BY n DESC",
    ),
]  # 5 unlabelled


def votes() -> dict[str, list[Vote]]:
    fixed = build_output('SEARCH "hiking" IN resources LIMIT 5')
    unchanged = json.dumps(
        RECORDS[0]["output"], indent=2
    )  # the suggestion submitted as is: not an edit
    return {
        RECORDS[0]["id"]: [Vote("ann-1", "accept", unchanged), Vote("ann-2", "accept")],
        RECORDS[1]["id"]: [
            Vote("ann-1", "reject", None, ["wrong_parameters"]),
            Vote("ann-2", "reject", None, ["other"]),
            Vote("ann-3", "accept"),
        ],
        RECORDS[2]["id"]: [
            Vote("ann-1", "accept"),
            Vote("ann-2", "reject", None, ["wrong_intent"]),
        ],
        RECORDS[3]["id"]: [Vote("ann-1", "accept", json.dumps(fixed))],
        RECORDS[4]["id"]: [Vote("ann-2", "accept", '{"intent": "lookup", "rem": "LOOKUP"}')],
    }


def test_merge_applies_every_rule_and_drops_nothing():
    merged = merge(RECORDS, votes(), RECIPE)
    by_input = {r["input"]: r for r in merged["dataset"]}
    assert len(merged["dataset"]) + len(merged["rejected"]) == len(RECORDS)
    assert merged["counts"] == {
        "accepted": 1,
        "rejected": 1,
        "tie": 1,
        "corrected": 1,
        "human_correction_invalid": 1,
        "unlabelled": 1,
    }
    assert by_input["Get res-7"]["checks"]["human"] == {
        "annotators": ["ann-1", "ann-2"],
        "accept": 2,
        "reject": 0,
        "status": "accepted",
    }
    assert by_input["Get res-7"]["output"] == RECORDS[0]["output"]
    [rejected] = merged["rejected"]
    assert rejected["reason"] == "human_rejected" and rejected["tags"] == [
        "other",
        "wrong_parameters",
    ]
    assert rejected["record"] == RECORDS[1]
    assert by_input["Look up res-1"]["checks"]["human"]["status"] == "tie"
    corrected = by_input["Find 5 resources about hiking"]
    assert corrected["output"]["rem"] == 'SEARCH "hiking" IN resources LIMIT 5'
    assert corrected["output"]["parameters"]["limit"] == 5
    assert corrected["provenance"]["human_corrected_from"] == RECORDS[3]["id"] != corrected["id"]
    invalid = by_input["Fetch doc-x"]
    assert invalid["output"] == RECORDS[4]["output"]  # kept as generated, for review
    assert invalid["checks"]["human"]["status"] == "human_correction_invalid"
    assert invalid["checks"]["human"]["problem"].startswith("schema_invalid")
    assert "human" not in by_input["Count resources per category"]["checks"]
    assert sorted(row["reason"] for row in merged["review"]) == ["human_correction_invalid", "tie"]


def test_merge_is_idempotent_and_leaves_its_input_alone():
    before = json.dumps(RECORDS, sort_keys=True)
    first, second = merge(RECORDS, votes(), RECIPE), merge(RECORDS, votes(), RECIPE)
    assert json.dumps(first, sort_keys=True) == json.dumps(second, sort_keys=True)
    assert json.dumps(RECORDS, sort_keys=True) == before


def test_conflicting_corrections_are_flagged_not_guessed():
    a, b = (
        build_output('SEARCH "hiking" IN resources LIMIT 5'),
        build_output('SEARCH "hiking" IN resources LIMIT 3'),
    )
    merged = merge(
        [RECORDS[3]],
        {
            RECORDS[3]["id"]: [
                Vote("x", "accept", json.dumps(a)),
                Vote("y", "accept", json.dumps(b)),
            ]
        },
        RECIPE,
    )
    assert merged["dataset"][0]["checks"]["human"]["status"] == "human_correction_conflict"
    assert merged["dataset"][0]["output"] == RECORDS[3]["output"]


def test_fleiss_kappa_matches_the_textbook_example():
    # Fleiss (1971) as worked on Wikipedia: 10 subjects, 14 raters, 5 categories -> kappa 0.210
    rows = [
        [0, 0, 0, 0, 14],
        [0, 2, 6, 4, 2],
        [0, 0, 3, 5, 6],
        [0, 3, 9, 2, 0],
        [2, 2, 8, 1, 1],
        [7, 7, 0, 0, 0],
        [3, 2, 6, 3, 0],
        [2, 5, 3, 2, 2],
        [6, 5, 2, 1, 0],
        [0, 2, 2, 3, 7],
    ]
    items = [Counter({str(c): n for c, n in enumerate(row) if n}) for row in rows]
    assert fleiss_kappa(items) == 0.21


def test_agreement_over_shared_records_only():
    result = agreement(votes())
    # shared: record 0 (2 agree: 1.0), record 1 (2 of 3 agree: 1/3), record 2 (disagree: 0.0)
    assert result["records_with_overlap"] == 3
    assert result["percent_agreement"] == round(100 * (1 + 1 / 3 + 0) / 3, 1)
    # p(accept) = 4/7, p(reject) = 3/7 -> P_e = 25/49; mean P_i = (1 + 1/3 + 0) / 3 -> kappa = -0.134
    assert result["fleiss_kappa"] == -0.134


def test_sampling_strategies():
    records = [record(f"Get res-{i}", f"LOOKUP res-{i}") for i in range(20)]
    records += [
        record(f"Find resources about topic {i}", f'SEARCH "topic {i}" IN resources LIMIT 10')
        for i in range(5)
    ]
    for i, r in enumerate(records[:6]):
        r["checks"]["faithfulness"] = 0.6 + i / 100
    assert sample(records, RECIPE, 5, "random", seed=1) == sample(
        records, RECIPE, 5, "random", seed=1
    )
    stratified = sample(records, RECIPE, 5, "stratified", seed=1)
    assert Counter(r["labels"]["intent"] for r in stratified) == {"lookup": 4, "semantic_search": 1}
    low = sample(records, RECIPE, 3, "low_confidence")
    assert [r["checks"]["faithfulness"] for r in low] == [0.6, 0.61, 0.62]
    assert len(sample(records, RECIPE, None, "random")) == len(records)
    with pytest.raises(
        ConfigError, match="--strategy best: expected one of random, stratified, low_confidence"
    ):
        sample(records, RECIPE, 5, "best")
    with pytest.raises(ConfigError, match="--sample 0"):
        sample(records, RECIPE, 0, "random")


def test_answers_to_a_recipes_own_questions_are_edits_judged_like_any_other():
    import dataclasses
    import types

    def apply(output, answers):  # a recipe whose question "limit" sets the query's LIMIT
        if answers["limit"] > 50:
            raise ValueError("limit: at most 50")
        return build_output(f"{output['rem'].split(' LIMIT')[0]} LIMIT {answers['limit']}")

    recipe = dataclasses.replace(
        RECIPE,
        module=types.SimpleNamespace(
            validate=RECIPE.module.validate, labels=RECIPE.module.labels, apply_annotation=apply
        ),
    )
    search = record("Find hiking notes", 'SEARCH "hiking" IN resources LIMIT 5')
    same, other = (
        record("Find 3 notes on tea", 'SEARCH "tea" IN resources LIMIT 3'),
        record("Get res-2", "LOOKUP res-2"),
    )
    merged = merge(
        [search, same, other],
        {
            search["id"]: [Vote("a", "accept", answers={"limit": 10})],
            same["id"]: [Vote("a", "accept", answers={"limit": 3})],  # the prefilled value: no edit
            other["id"]: [Vote("a", "accept", answers={"limit": 99})],
        },
        recipe,
    )
    fixed, kept, refused = merged["dataset"]
    assert (
        fixed["output"]["rem"] == 'SEARCH "hiking" IN resources LIMIT 10'
        and fixed["checks"]["human"]["status"] == "corrected"
    )
    assert kept["id"] == same["id"] and kept["checks"]["human"]["status"] == "accepted"
    assert (
        refused["id"] == other["id"]
        and refused["checks"]["human"]["status"] == "human_correction_invalid"
    )
    assert (
        "answers that cannot be applied: limit: at most 50"
        in refused["checks"]["human"]["correction"]
    )


def pulled(labelled: int, overlap: int, percent=None, kappa=None) -> dict:
    return {
        "labelled": labelled,
        "records": 6,
        "outcomes": {"unlabelled": 6 - labelled, **({"accepted": labelled} if labelled else {})},
        "agreement": {
            "records_with_overlap": overlap,
            "percent_agreement": percent,
            "fleiss_kappa": kappa,
        },
    }


def test_the_pull_line_never_prints_none(tmp_path):
    from annotation.pull_report import summary_line

    path = tmp_path / "report.json"
    assert summary_line(pulled(0, 0), path) == (
        "0 of 6 records labelled (unlabelled 6): nobody has submitted a response yet; label in the Argilla UI, "
        f"then pull again. Report: {path}"
    )
    assert summary_line(pulled(2, 0), path) == (
        "2 of 6 records labelled (accepted 2, unlabelled 4); agreement: none measured (no record was answered "
        f"by two annotators yet). Report: {path}"
    )
    assert summary_line(pulled(2, 2, 100.0, None), path) == (
        "2 of 6 records labelled (accepted 2, unlabelled 4); agreement: 100.0% over 2 shared records, "
        f"Fleiss' kappa undefined (every answer was the same verdict). Report: {path}"
    )
    assert "None" not in summary_line(pulled(2, 2, 50.0, -0.333), path)


def test_a_pull_brings_the_runs_report_in_step_with_its_dataset(tmp_path):
    from annotation.pull import write
    from annotation.pull_report import refresh_build_report
    from factory.build import dataset_summary

    run = tmp_path / "run"
    run.mkdir()
    (run / "dataset.jsonl").write_text("".join(json.dumps(r) + "\n" for r in RECORDS))
    (run / "report.json").write_text(
        json.dumps(
            {
                "recipe": "rem_queries",
                "records": 6,
                "stages": [],
                **dataset_summary(run / "dataset.jsonl", RECIPE),
            }
        )
    )
    merged = merge(RECORDS, votes(), RECIPE)
    report = {"labelled": 5, "outcomes": merged["counts"]}
    write(run, merged, report)
    refresh_build_report(run, RECIPE, report)
    after = json.loads((run / "report.json").read_text())
    assert after["records"] == 5 == len((run / "dataset.jsonl").read_text().splitlines())
    assert (
        after["origins"] == {"grammar": 5} and after["stages"] == []
    )  # the build's own rows are kept
    assert after["human"] == {
        "labelled": 5,
        "outcomes": merged["counts"],
        "rejected": 1,
        "report": "annotation/report.json",
    }
