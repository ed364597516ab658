"""factory export: grouped stratified splits, leakage, decontamination, formats, the card, bad input."""

import json
from collections import Counter
from pathlib import Path

import pytest
from factory_cli import run_cli

from factory.embeddings import EmbeddingCache
from factory.errors import ConfigError
from factory.export import _move_leaks, export
from factory.export.split import find_leaks, parse_split, split_groups
from factory.record import Record
from pipelines.rem_queries import grammar
from pipelines.rem_queries.recipe import build_output, labels


def _dataset(root: Path, seeds: int = 60, variations: int = 2) -> Path:
    """A build's dataset: grammar seeds, each with `variations` reworded copies (same seed_id)."""
    run_dir = root / "rem_queries" / "r1"
    run_dir.mkdir(parents=True)
    lines = []
    for n, pair in enumerate(grammar.generate(seeds, 11)):
        output = build_output(pair["rem"])
        seed = Record(
            recipe="rem_queries",
            kind="rem_query",
            schema_version=1,
            seed_id="",
            input=pair["text"],
            output=output,
            labels=labels(output),
            provenance={"origin": "grammar"},
        )
        seed.seed_id = seed.id
        lines.append(seed.to_dict())
        for v in range(variations if n % 3 else 0):
            text = f"{['Please', 'Kindly'][v]} {pair['text'][0].lower()}{pair['text'][1:]} for my weekly review"
            lines.append(
                Record(
                    recipe="rem_queries",
                    kind="rem_query",
                    schema_version=1,
                    seed_id=seed.id,
                    input=text,
                    output=output,
                    labels=labels(output),
                    provenance={"origin": "teacher"},
                ).to_dict()
            )
    (run_dir / "dataset.jsonl").write_text("".join(json.dumps(r) + "\n" for r in lines))
    (run_dir.parent / "latest").symlink_to("r1")
    return run_dir


def _records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    root = tmp_path_factory.mktemp("data")
    run_dir = _dataset(root)
    summary = export(
        "rem_queries",
        out=root,
        split="80/10/10",
        seed=7,
        command="factory export rem_queries --seed 7",
    )
    return root, run_dir, summary


def test_no_seed_in_two_splits_and_nothing_lost(exported):
    root, run_dir, _ = exported
    splits = {
        n: _records(run_dir / "export" / "records" / f"{n}.jsonl")
        for n in ("train", "validation", "test")
    }
    seeds = {n: {r["seed_id"] for r in rows} for n, rows in splits.items()}
    assert not (
        seeds["train"] & seeds["validation"]
        or seeds["train"] & seeds["test"]
        or seeds["validation"] & seeds["test"]
    )
    every = sorted(r["id"] for rows in splits.values() for r in rows)
    assert every == sorted(r["id"] for r in _records(run_dir / "dataset.jsonl"))


def test_stratum_proportions_within_one_seed_group_of_target(exported):
    root, run_dir, _ = exported
    records = _records(run_dir / "dataset.jsonl")
    fractions = parse_split("80/10/10")
    splits, notes = split_groups(records, fractions, ["intent", "query_type"], seed=7)
    assert notes == []
    strata = Counter((r["labels"]["intent"], r["labels"]["query_type"]) for r in records)
    largest_group = max(Counter(r["seed_id"] for r in records).values())
    assert largest_group == 3
    for stratum, total in strata.items():
        for name, fraction in fractions.items():
            got = sum(
                1
                for r in splits[name]
                if (r["labels"]["intent"], r["labels"]["query_type"]) == stratum
            )
            assert abs(got - fraction * total) <= largest_group, (stratum, name, got, total)
    assert sum(len(rows) for rows in splits.values()) == len(records) == 140
    for name, fraction in fractions.items():  # overall too: 112 / 14 / 14 targeted
        assert abs(len(splits[name]) - fraction * len(records)) <= largest_group


def test_deterministic_for_a_seed(exported, tmp_path):
    root, run_dir, _ = exported
    first = (run_dir / "export" / "test.jsonl").read_text()
    export("rem_queries", out=root, split="80/10/10", seed=7)
    assert (run_dir / "export" / "test.jsonl").read_text() == first
    export("rem_queries", out=root, split="80/10/10", seed=8)
    assert (run_dir / "export" / "test.jsonl").read_text() != first
    export(
        "rem_queries",
        out=root,
        split="80/10/10",
        seed=7,
        command="factory export rem_queries --seed 7",
    )


@pytest.mark.parametrize(
    "fmt, key", [("messages", "messages"), ("sharegpt", "conversations"), ("alpaca", "instruction")]
)
def test_formats_round_trip_through_datasets(fmt, key, tmp_path):
    from datasets import load_dataset, load_from_disk

    _dataset(tmp_path, seeds=20)
    export("rem_queries", out=tmp_path, split="0.8/0.2", fmt=fmt, seed=1)
    target = tmp_path / "rem_queries" / "latest" / "export"
    rows = _records(target / "train.jsonl")
    assert key in rows[0]
    assert load_from_disk(str(target / "hf"))["train"].to_list() == rows
    assert (
        load_dataset("json", data_files=str(target / "train.jsonl"), split="train").to_list()
        == rows
    )
    answer = {
        "messages": lambda r: r["messages"][2]["content"],
        "sharegpt": lambda r: r["conversations"][2]["value"],
        "alpaca": lambda r: r["output"],
    }[fmt](rows[0])
    assert "\n" not in answer and build_output(answer)["rem"] == answer  # the bare REM query


def test_the_default_answer_is_json_with_the_schemas_required_keys_first():
    from factory.export.formats import answer

    record = {"output": {"explanation": "e", "rem": "LOOKUP a", "intent": "lookup"}}
    assert list(json.loads(answer(record, ("intent", "rem")))) == ["intent", "rem", "explanation"]
    assert answer({"output": "ls -la"}) == "ls -la"  # a string output as it is


def test_leaks_are_found_by_cosine_and_by_ngram(tmp_path):
    cache = EmbeddingCache(tmp_path / "e.sqlite")
    train = [
        {"id": "t1", "input": "Find resources about machine learning"},
        {
            "id": "t2",
            "input": "one two three four five six seven eight nine ten eleven twelve thirteen fourteen",
        },
    ]
    other = [
        {"id": "o1", "input": "Please find resources about machine learning"},
        {
            "id": "o2",
            "input": "zero one two three four five six seven eight nine ten eleven twelve thirteen",
        },
        {"id": "o3", "input": "Count resources per category"},
    ]
    assert find_leaks(train, other, 0.87, cache) == {
        "o1": ("leakage_cosine", "t1"),
        "o2": ("leakage_ngram", "t2"),
    }


def test_leaking_seed_groups_move_to_train(tmp_path):
    cache = EmbeddingCache(tmp_path / "e.sqlite")
    splits = {
        "train": [{"id": "a", "seed_id": "A", "input": "Find resources about machine learning"}],
        "test": [
            {"id": "b", "seed_id": "B", "input": "Please find resources about machine learning"},
            {"id": "b2", "seed_id": "B", "input": "Look for ML resources"},
            {"id": "c", "seed_id": "C", "input": "Count resources per category"},
        ],
    }
    assert _move_leaks(splits, 0.87, cache) == (1, 2, 0)
    assert sorted(r["id"] for r in splits["train"]) == ["a", "b", "b2"]
    assert [r["id"] for r in splits["test"]] == ["c"]


def test_decontaminate_removes_training_records_near_the_users_eval_set(tmp_path):
    run_dir = _dataset(tmp_path, seeds=20)
    export("rem_queries", out=tmp_path, split="80/20", seed=0)  # which records go to train
    victim = _records(run_dir / "export" / "records" / "train.jsonl")[0]["input"]
    evalset = tmp_path / "my_eval.jsonl"
    evalset.write_text(
        json.dumps({"text": "something unrelated about gardening"})
        + "\n"
        + json.dumps({"text": victim})
        + "\n"
    )
    summary = export("rem_queries", out=tmp_path, split="80/20", seed=0, decontaminate=evalset)
    rejected = _records(run_dir / "export" / "rejected.jsonl")
    assert victim in [r["record"]["input"] for r in rejected]
    assert {r["reason"] for r in rejected} == {"decontaminated"}
    assert (
        summary["rejected"] == len(rejected)
        and "training records removed" in summary["decontamination"]
    )
    train = [r["input"] for r in _records(run_dir / "export" / "records" / "train.jsonl")]
    assert victim not in train


def test_card_has_counts_commands_quality_and_chart(exported):
    root, run_dir, summary = exported
    card = (run_dir / "export" / "README.md").read_text()
    for needle in (
        "## Counts",
        "| train |",
        "### intent",
        "![label distribution](labels.png)",
        "## Provenance",
        "(build command not recorded)",
        "factory export rem_queries --seed 7",
        "## Leakage and decontamination",
        "## Data quality (seed 004)",
    ):
        assert needle in card
    assert (run_dir / "export" / "labels.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    intent = summary["quality"]["intent"]
    assert (
        intent["values"] == 5
        and intent["coverage"] == 1.0
        and 0 < intent["diversity"] <= 1
        and 0 < intent["balance"] <= 1
    )


@pytest.mark.parametrize(
    "text, message",
    [("80/10/5", "sum to 95"), ("a/b", "expected numbers"), ("100", "2 or 3 positive parts")],
)
def test_bad_split(text, message):
    with pytest.raises(ConfigError, match=message):
        parse_split(text)


def test_bad_inputs_through_the_cli(tmp_path):
    run_dir = _dataset(tmp_path, seeds=4, variations=0)
    result = run_cli("export", "rem_queries", "--out", str(tmp_path), "--stratify", "mood")
    assert result.returncode == 2 and "--stratify 'mood': no record has that label" in result.stderr
    result = run_cli("export", "rem_queries", "--out", str(tmp_path))  # 4 seeds, 3 splits, 5 strata
    assert (
        result.returncode == 0
        and "note: stratum" in result.stderr
        and "seed group(s) for 3 splits" in result.stderr
    )
    assert (
        "note: the test split has " in result.stderr
        and ": too few to judge a model (judge from 30;" in result.stderr
    )
    (run_dir / "dataset.jsonl").write_text("")
    result = run_cli("export", "rem_queries", "--out", str(tmp_path))
    assert result.returncode == 2 and "has no records; nothing to export" in result.stderr


def test_split_sizes_stay_within_one_seed_group_overall_and_per_stratum():
    """The rounding of one stratum is made up in the next: 60 random datasets, groups of 1-3, 2-5 strata."""
    import random
    from collections import Counter

    from factory.export.split import split_groups

    fractions = {"train": 0.8, "validation": 0.1, "test": 0.1}
    for trial in range(60):
        rng = random.Random(trial)
        rows = []
        for group in range(rng.randint(40, 400)):
            intent = rng.choice("abcde"[: rng.randint(2, 5)])
            rows += [
                {"id": f"{group}-{v}", "seed_id": str(group), "labels": {"intent": intent}}
                for v in range(rng.randint(1, 3))
            ]
        splits, _ = split_groups(rows, fractions, ["intent"], seed=trial)
        totals = Counter(r["labels"]["intent"] for r in rows)
        for name, fraction in fractions.items():
            assert abs(len(splits[name]) - fraction * len(rows)) <= 3, (trial, name)
            got = Counter(r["labels"]["intent"] for r in splits[name])
            assert all(abs(got[s] - fraction * n) <= 3 for s, n in totals.items()), (trial, name)
