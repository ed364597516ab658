"""`factory new` -> build -> export -> train -> eval, through the CLI, from a folder outside the checkout.

The issue's done-when: a recipe written by `factory new` in a temporary directory is built with the
embedded teacher (a real llama.cpp server), exported, trained a few steps (the tiny Llama of
tests/conftest.py, not the real base) and evaluated, each command run with that directory as the
current one and the recipe given by path or by name.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from factory_cli import ROOT, records

FACTORY = str(Path(sys.executable).with_name("factory"))


def factory(cwd: Path, *args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": "100", "NO_COLOR": "1"}
    result = subprocess.run(
        [FACTORY, *args], capture_output=True, text=True, env=env, cwd=cwd, timeout=timeout
    )
    assert result.returncode == 0, f"factory {' '.join(args)}:\n{result.stderr[-3000:]}"
    return result


@pytest.mark.slow
def test_new_recipe_builds_exports_trains_and_evaluates_outside_the_checkout(tmp_path, tiny_llama):
    assert ROOT not in tmp_path.parents
    wrote = factory(tmp_path, "new", "triage")
    assert "factory build ./triage --limit 5" in wrote.stdout
    recipe = tmp_path / "triage"
    assert {p.name for p in recipe.iterdir()} >= {
        "recipe.yaml",
        "recipe.py",
        "metrics.py",
        "ticket.schema.json",
        "examples.jsonl",
        "train.yaml",
        "prompts",
    }

    built = factory(tmp_path, "build", "./triage", "--limit", "5", "--run", "r1")
    run_dir = tmp_path / "data" / "triage" / "r1"
    report = json.loads((run_dir / "report.json").read_text())
    assert report["recipe"] == "triage" and report["teacher"]["embedded"] is True
    kept = records(run_dir / "dataset.jsonl")
    assert report["records"] == len(kept) >= 5, built.stderr  # the 5 examples at least, validated
    assert all(r["kind"] == "triage_ticket" and r["checks"]["validator"] == "ok" for r in kept)
    generate = next(row for row in report["stages"] if row["name"] == "generate")
    assert generate["cache"]["misses"] == 5  # the teacher was asked once per example

    factory(tmp_path, "export", "triage", "--run", "r1", "--split", "60/20/20")
    export = run_dir / "export"
    assert (export / "train.jsonl").is_file() and (export / "README.md").is_file()
    first = json.loads((export / "train.jsonl").read_text().splitlines()[0])
    assert first["messages"][0]["content"].startswith("Read the customer's message.")

    factory(
        tmp_path,
        "train",
        str(recipe),
        "--run",
        "r1",
        "--name",
        "m1",
        "--base",
        str(tiny_llama),
        "--max-steps",
        "2",
        "--rank",
        "4",
    )
    model = tmp_path / "data" / "triage" / "models" / "m1"
    assert (model / "merged" / "config.json").is_file() and (model / "adapter").is_dir()

    evaluated = factory(
        tmp_path,
        "eval",
        "triage",
        "--run",
        "r1",
        "--model",
        str(model),
        "--runtime",
        "transformers",
        "--label",
        "m1",
        "--limit",
        "1",
    )
    summary = json.loads((tmp_path / "data" / "triage" / "evals" / "m1.json").read_text())
    assert (
        set(summary["metrics"]) == {"valid", "category", "exact"}
        and summary["main_metric"] == "category"
    )
    assert summary["examples"] >= 1 and "m1:" in evaluated.stdout


def test_the_templates_user_seed_raises_the_one_seed_error():
    """A recipe written by `factory new` says why a seed is unusable as factory.record.SeedError
    (the validator's reason), and a line in the wrong shape as a plain ValueError (bad_seed)."""
    import importlib.util

    from factory.record import SeedError

    path = ROOT / "factory" / "scaffold" / "template" / "recipe.py"
    spec = importlib.util.spec_from_file_location("template_recipe", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    late = {"category": "shipping", "priority": "high", "order_id": "A-123"}
    with pytest.raises(SeedError) as refused:
        module.user_seed({"input": "my order is late", "output": late})
    assert refused.value.reason == "order_id_not_in_message"
    seed = module.user_seed({"input": "order A-123 is late", "output": late})
    assert seed["labels"] == {"category": "shipping", "priority": "high"}
    with pytest.raises(ValueError) as shape:
        module.user_seed({"input": "no output"})
    assert not isinstance(shape.value, SeedError)
