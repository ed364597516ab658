"""Shared fixtures: a loopback OpenAI-compatible teacher, a runner for the real CLI, a tiny Llama (folder and GGUF)."""

from __future__ import annotations

from pathlib import Path

import pytest
from factory_cli import FACTORY, ROOT, run_cli  # noqa: F401  (re-exported for the tests)

from factory.jsonl import read_jsonl
from factory.recipes import load_recipe
from factory.stages.validate import schema_validator
from factory.testing.loopback import LoopbackTeacher

STAGES = ["seeds", "scrub", "generate", "faithfulness", "scrub-2", "dedup", "validate"]


@pytest.fixture(scope="session")
def tiny_llama(tmp_path_factory) -> Path:
    """A random 2-layer Llama with the real SmolLM2 tokenizer, saved as a transformers folder."""
    from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM

    from factory.teacher.embedded import model_path

    gguf = model_path()
    tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
    config = LlamaConfig(vocab_size=len(tokenizer), hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                         num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=512,
                         bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id, tie_word_embeddings=True,
                         architectures=["LlamaForCausalLM"])
    folder = tmp_path_factory.mktemp("tiny")
    LlamaForCausalLM(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


@pytest.fixture(scope="session")
def tiny_gguf(tiny_llama, tmp_path_factory) -> Path:
    """The tiny Llama through llama.cpp's converter (f16)."""
    from train.gguf import convert

    return convert(tiny_llama, "f16", tmp_path_factory.mktemp("gguf") / "tiny-f16.gguf")


@pytest.fixture
def loopback():
    with LoopbackTeacher(latency=0.0) as server:
        yield server


def records(path: Path) -> list[dict]:
    return [obj for _, obj in read_jsonl(path)]


def assert_valid_run(run_dir: Path, report: dict) -> list[dict]:
    """Every kept record validates and is unique; every rejection is counted in the report."""
    recipe = load_recipe("rem_queries")
    validator = schema_validator(recipe)
    kept = records(run_dir / "dataset.jsonl")
    assert report["records"] == len(kept) > 0
    assert [row["name"] for row in report["stages"]] == STAGES
    for record in kept:
        assert list(validator.iter_errors(record["output"])) == []
        assert recipe.module.validate(record) is None
        assert record["checks"] == {**record["checks"], "schema": "ok", "validator": "ok"}
        assert isinstance(record["checks"]["pii"], dict)  # scrubbed: {type: count}, never the values
        assert record["recipe"] == "rem_queries" and record["kind"] == "rem_query" and record["seed_id"]
    assert len({r["id"] for r in kept}) == len(kept)
    for row in report["stages"]:  # every record in is accounted for: kept, rejected, or (generate) added
        rejected = records(run_dir / "rejected" / f"{row['name']}.jsonl")
        assert len(rejected) == sum(row["rejected"].values())
        assert all(r["reason"] in row["rejected"] for r in rejected)
        if row["name"] != "generate":
            assert row["in"] == row["out"] + len(rejected)
    return kept
