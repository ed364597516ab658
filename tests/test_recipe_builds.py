"""Every recipe beside rem_queries built through the CLI on the embedded teacher, then exported.

`factory build RECIPE --limit N` starts the real llama.cpp server with SmolLM2-135M on
127.0.0.1. The model is weak, so most of its answers are rejected by the recipes' real
validators; the test checks the plumbing: a valid run (every kept record passes the schema
and the validator, every rejection counted), the teacher asked once per seed that reached
it, seeds from the recipe's own source, and an export whose chat examples are what the
recipe's student sees and answers.
"""

import json

import pytest
from factory_cli import assert_valid_run, records, run_cli

from factory.export.formats import student_turns
from factory.recipes import load_recipe

# recipe, extra build flags, the provenance origins its seeds come from
BUILDS = [
    ("sysadmin_bash", ["--limit", "20", "--variations", "1"], {"man", "grammar"}),
    ("toolcalls", ["--limit", "10", "--variations", "1", "--new-examples", "1"], {"log"}),
    ("code_tests", ["--limit", "6"], {"repo"}),
    ("rem_edges", ["--limit", "6"], {"grammar"}),
    ("moments", ["--limit", "6"], {"grammar"}),
    ("composer", ["--limit", "6", "--variations", "1"], {"grammar", "repo"}),
]


@pytest.mark.slow
@pytest.mark.parametrize("recipe_name, flags, origins", BUILDS, ids=[b[0] for b in BUILDS])
def test_build_and_export(recipe_name, flags, origins, tmp_path):
    built = run_cli("build", recipe_name, *flags, "--out", str(tmp_path), "--run", "r")
    assert built.returncode == 0, built.stderr
    run_dir = tmp_path / recipe_name / "r"
    report = json.loads((run_dir / "report.json").read_text())
    kept = assert_valid_run(run_dir, report, recipe_name)
    seeds = [r for r in kept if r["provenance"]["origin"] != "teacher"]
    assert seeds and {r["provenance"]["origin"] for r in seeds} <= origins
    generate = next(row for row in report["stages"] if row["name"] == "generate")
    assert (
        generate["cache"]["misses"] == generate["in"] > 0
    )  # the teacher was asked about every seed, once
    assert report["teacher"]["embedded"] is True

    exported = run_cli(
        "export", recipe_name, "--run", "r", "--out", str(tmp_path), "--split", "60/20/20"
    )
    assert exported.returncode == 0, exported.stderr
    recipe = load_recipe(recipe_name)
    by_id = {r["id"]: r for r in kept}
    examples = records(run_dir / "export" / "train.jsonl")
    assert examples
    for example in examples:
        system, user, answer = student_turns(recipe, by_id[example["id"]])
        assert [m["content"] for m in example["messages"]] == [system, user, answer]
