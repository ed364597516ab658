"""The streaming dedup stage gives exactly what the in-memory one gave (tests/stages/dedup_reference.py).

Same kept records, same rejections (reason, detail, refs, record), same order, same
clusters.jsonl, on a few hundred records with exact and near duplicates, conflicts,
contexts and ties: with MiniLM vectors (flat index, vectors in memory), with the vectors
forced into an on-disk memmap, with the IVF index forced, with `dedup.conflicts: keep`.
Then the scratch files: none left after a run; after a SIGKILL mid-embedding the next
build's remove_partials clears them, and the rerun encodes only what the cache lacks.
"""

from __future__ import annotations

import dataclasses
import json
import random
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from dedup_reference import ReferenceDedup

import factory.dedup
from factory.jsonl import remove_partials
from factory.recipes import load_recipe
from factory.record import Record
from factory.stages.base import BuildOptions, StageSettings
from factory.stages.dedup import DedupStage

HERE = Path(__file__).resolve().parent


def _record(text, output, origin="grammar", faithfulness=None, **provenance) -> dict:
    record = Record(
        recipe="rem_queries",
        kind="rem_query",
        schema_version=1,
        seed_id="",
        input=text,
        output=output,
        labels={"intent": output.get("intent")},
        provenance={"origin": origin, **provenance},
    ).to_dict()
    record["seed_id"] = record["id"]
    if faithfulness is not None:
        record["checks"]["faithfulness"] = faithfulness
    return record


def grammar_corpus(seeds: int = 120) -> list[dict]:
    """Grammar requests, each with some of: an exact duplicate, a conflict, rewrites (near duplicates
    with tied closeness), the same request under a context; shuffled."""
    found = list(load_recipe("rem_queries").module.grammar_seeds(seeds, 7))
    records, rng = [], random.Random(5)
    for i, seed in enumerate(found):
        text, output = seed["input"], seed["output"]
        records.append(_record(text, output))
        if i % 4 == 0:
            records.append(
                _record(f"  {text.upper()}!", output, origin="teacher", faithfulness=0.9)
            )
        if i % 9 == 0:
            records.append(_record(text.lower() + ".", found[(i + 1) % len(found)]["output"]))
        if i % 3 == 0:
            lowered = text[0].lower() + text[1:]
            records.append(
                _record(f"Please {lowered}", output, origin="teacher", faithfulness=0.92)
            )
            records.append(
                _record(f"Could you {lowered}?", output, origin="teacher", faithfulness=0.92)
            )
        if i % 10 == 0:
            records.append(_record(text, output, context={"tools": ["calendar"]}))
            records.append(_record(f"Please {text}", output, context={"tools": ["calendar"]}))
    rng.shuffle(records)
    return records


def synthetic_corpus(n: int, seed: int = 0) -> tuple[list[dict], dict[str, np.ndarray]]:
    """n records in topics of 4 whose vectors lie near each other (cosine about 0.82 to 0.93, around the
    0.87 threshold), with exact duplicates, conflicts and contexts; and each input's vector."""
    rng = np.random.default_rng(seed)
    outputs = [{"intent": f"i{k}", "rem": f"LOOKUP key-{k}"} for k in range(3)]
    records, vectors = [], {}
    for k in range(n):
        topic = k // 4
        if topic not in vectors:
            vectors[topic] = rng.standard_normal(factory.dedup.DIM)
        text = f"request {k} about topic {topic}"
        vector = (
            vectors[topic] / np.linalg.norm(vectors[topic])
            + rng.standard_normal(factory.dedup.DIM) * 0.02
        )
        vectors[text] = (vector / np.linalg.norm(vector)).astype(np.float32)
        output = outputs[topic % 3] if k % 13 else outputs[(topic + 1) % 3]
        extra = {"context": {"tools": [f"t{topic % 2}"]}} if k % 17 == 0 else {}
        records.append(
            _record(text, output, origin="teacher", faithfulness=[0.8, 0.9][k % 2], **extra)
        )
        if k % 29 == 0:
            records.append(_record(text.upper(), output))
        if k % 31 == 0:
            records.append(_record(text + "!", outputs[(topic + 2) % 3]))
    for record in records:
        vectors.setdefault(record["input"], vectors[factory.dedup.normalise(record["input"])])
    return records, {key: value for key, value in vectors.items() if isinstance(key, str)}


def use_vectors(monkeypatch, table: dict[str, np.ndarray]) -> list[int]:
    """Encode from `table` instead of MiniLM; returns the list of how many texts each call encoded."""
    calls: list[int] = []

    def encode(texts, batch_size=64):
        calls.append(len(texts))
        return np.stack([table[text] for text in texts])

    monkeypatch.setattr("factory.embeddings.encode", encode)
    return calls


def outputs(cls, records: list[dict], folder: Path, recipe=None) -> list:
    """Everything the stage yields, in order, for a fresh copy of the records, run in `folder`/run."""
    context = StageSettings(
        recipe=recipe or load_recipe("rem_queries"),
        options=BuildOptions(),
        run_dir=folder / "run",
        cache_path=folder / "_cache" / "teacher.sqlite",
    )
    stage = cls(context)
    return list(stage.process(iter([json.loads(json.dumps(r)) for r in records]))), stage


def assert_same(records: list[dict], tmp_path: Path, recipe=None) -> DedupStage:
    """The streaming stage yields what the reference yields and writes the same clusters.jsonl, and no scratch file stays."""
    reference, _ = outputs(ReferenceDedup, records, tmp_path / "reference", recipe)
    streaming, stage = outputs(DedupStage, records, tmp_path / "streaming", recipe)
    assert [_kind(item) for item in streaming] == [_kind(item) for item in reference]
    assert streaming == reference
    clusters = [
        tmp_path / name / "run" / "dedup" / "clusters.jsonl" for name in ("reference", "streaming")
    ]
    assert clusters[1].read_bytes() == clusters[0].read_bytes()
    assert sorted(p.name for p in clusters[1].parent.iterdir()) == ["clusters.jsonl"]
    return stage


def _kind(item) -> str:
    return item["id"] if isinstance(item, dict) else f"{item.reason}:{item.record['id']}"


def _reasons(items: list) -> set[str]:
    return {item.reason for item in items if not isinstance(item, dict)}


def test_same_output_as_in_memory_with_minilm_vectors(tmp_path):
    records = grammar_corpus()
    stage = assert_same(records, tmp_path)
    streaming, _ = outputs(DedupStage, records, tmp_path / "again")
    assert _reasons(streaming) == {"exact_duplicate", "conflicting_outputs", "near_duplicate"}
    assert stage.extras["conflicts"] > 0 and stage.extras["clusters"] > 0
    assert any(r["provenance"].get("context") for r in streaming if isinstance(r, dict))


@pytest.mark.parametrize("conflicts, same_output_only", [("keep", False), ("reject", False)])
def test_same_output_with_other_dedup_settings(conflicts, same_output_only, tmp_path):
    recipe = dataclasses.replace(
        load_recipe("rem_queries"),
        dedup_conflicts=conflicts,
        dedup_same_output_only=same_output_only,
    )
    assert_same(grammar_corpus(), tmp_path, recipe)


def test_no_records_and_one_record(tmp_path):
    stage = assert_same([], tmp_path / "none")
    assert stage.extras == {
        "conflicts": 0,
        "embedding_cache": {"hits": 0, "misses": 0},
        "clusters": 0,
    }
    assert_same(grammar_corpus(3)[:1], tmp_path / "one")


@pytest.mark.parametrize("path", ["flat, in memory", "flat, memmap", "ivf, memmap"])
def test_same_output_on_synthetic_vectors(path, tmp_path, monkeypatch):
    records, table = synthetic_corpus(600)
    use_vectors(monkeypatch, table)
    made = []
    if "memmap" in path:
        monkeypatch.setattr(factory.dedup, "MEMMAP_MIN", 10)
    if "ivf" in path:
        monkeypatch.setattr(factory.dedup, "FLAT_MAX", 100)
    monkeypatch.setattr(
        "factory.stages.dedup.vector_array",
        lambda n, folder: made.append(factory.dedup.vector_array(n, folder)) or made[-1],
    )
    stage = assert_same(records, tmp_path)
    assert isinstance(made[0], np.memmap) == ("memmap" in path)
    if "memmap" in path:
        assert Path(made[0].filename).parent == tmp_path / "streaming" / "run" / "dedup"
        assert not Path(made[0].filename).exists()
    assert stage.extras["clusters"] > 20 and stage.extras["conflicts"] > 0


KILLED = """
import os, signal, sys
sys.path.insert(0, {here!r})
import factory.dedup, numpy as np
from test_dedup_streaming import DedupStage, outputs, synthetic_corpus
records, table = synthetic_corpus({n})
factory.dedup.MEMMAP_MIN = 10
calls = []
def encode(texts, batch_size=64):
    calls.append(len(texts))
    if len(calls) == 2:
        os.kill(os.getpid(), signal.SIGKILL)
    return np.stack([table[t] for t in texts])
import factory.embeddings
factory.embeddings.encode = encode
outputs(DedupStage, records, __import__("pathlib").Path({folder!r}))
"""


def test_a_killed_dedup_leaves_scratch_files_that_the_rerun_clears_and_encodes_only_the_rest(
    tmp_path, monkeypatch
):
    n, folder = 5000, tmp_path / "killed"
    killed = subprocess.run(
        [sys.executable, "-c", KILLED.format(here=str(HERE), n=n, folder=str(folder))],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert killed.returncode == -9, killed.stderr[-2000:]
    scratch = sorted(p.name.split(".")[1] for p in (folder / "run" / "dedup").iterdir())
    assert scratch == ["spool", "vectors"]
    assert remove_partials(folder / "run") == 2  # what the next build of the run does first

    records, table = synthetic_corpus(n)
    calls = use_vectors(monkeypatch, table)
    monkeypatch.setattr(factory.dedup, "MEMMAP_MIN", 10)
    resumed, stage = outputs(DedupStage, records, folder)
    encoded_before = 2048  # one chunk of 8 batches of 256 was encoded and cached before the kill
    survivors = stage.extras["embedding_cache"]["hits"] + stage.extras["embedding_cache"]["misses"]
    assert (
        stage.extras["embedding_cache"]["hits"] == encoded_before
        and sum(calls) == survivors - encoded_before
    )
    reference, _ = outputs(ReferenceDedup, records, tmp_path / "reference")
    assert resumed == reference
    assert sorted(p.name for p in (folder / "run" / "dedup").iterdir()) == ["clusters.jsonl"]
