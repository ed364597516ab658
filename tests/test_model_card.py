"""The student's model card from a run folder's own files: data, training, metrics with intervals, serving, licenses."""

import json

from factory.model_card import dataset_hash, write_card


def _run(root):
    """What build, export, train and two evals leave for rem_queries run r1 and student s1."""
    export = root / "rem_queries" / "r1" / "export"
    export.mkdir(parents=True)
    for name, rows in (("train", 40), ("validation", 5), ("test", 48)):
        (export / f"{name}.jsonl").write_text(
            "".join(json.dumps({"messages": [], "n": i}) + "\n" for i in range(rows))
        )
    (export / "export.json").write_text(
        json.dumps(
            {
                "recipe": "rem_queries",
                "run_id": "r1",
                "format": "messages",
                "teacher": "smollm2-135m-instruct",
                "splits": {
                    "train": {"records": 40},
                    "validation": {"records": 5},
                    "test": {"records": 48},
                },
                "command": "factory export rem_queries",
                "build_command": "factory build rem_queries --limit 20",
            }
        )
    )
    (root / "rem_queries" / "r1" / "report.json").write_text(
        json.dumps({"records": 93, "teacher": {"model": "smollm2-135m-instruct", "embedded": True}})
    )
    run = root / "rem_queries" / "models" / "s1"
    (run / "merged").mkdir(parents=True)
    (run / "adapter").mkdir()
    (run / "adapter" / "README.md").write_text("# Model Card for Model ID\n")
    (run / "merged" / "README.md").write_text(
        "This model is a fine-tuned version of [None](None).\n"
    )
    (run / "config.json").write_text(
        json.dumps(
            {
                "data": str(export),
                "out": str(run),
                "base": "smollm2-135m",
                "epochs": 3.0,
                "max_steps": 100,
                "lr": 0.001,
                "rank": 16,
                "alpha": 32,
                "dropout": 0.05,
                "batch_size": 8,
                "grad_accum": 1,
                "max_length": 512,
                "seed": 0,
                "ran": {
                    "steps": 100,
                    "epochs": 20.0,
                    "examples_per_step": 8,
                    "train_records": 40,
                    "validation_records": 5,
                    "stopped_by": "max_steps",
                    "seconds": 71.2,
                },
            }
        )
    )
    (run / "student-q8_0.gguf").write_bytes(b"GGUF")
    return export, run


def _eval(root, label, right, n, runtime="llama.cpp", warnings=()):
    evals = root / "rem_queries" / "evals"
    evals.mkdir(parents=True, exist_ok=True)
    value = round(100 * right / n, 1)
    from factory.stats import interval

    (evals / f"{label}.json").write_text(
        json.dumps(
            {
                "label": label,
                "runtime": runtime,
                "examples": n,
                "main_metric": "intent",
                "metrics": {"intent": value},
                "intervals": {"intent": interval([1.0] * right + [0.0] * (n - right))},
                "warnings": list(warnings),
            }
        )
    )


def test_the_card_says_what_the_student_is_and_replaces_the_templates(tmp_path):
    export, run = _run(tmp_path)
    card = (write_card(run)).read_text()
    assert card.startswith(
        "---\nbase_model: HuggingFaceTB/SmolLM2-135M-Instruct\nlibrary_name: transformers\n"
        "license: apache-2.0\n"
    )
    for needle in (
        "# s1: a rem_queries student",
        "teacher `smollm2-135m-instruct`",
        "student-q8_0.gguf",
        f"sha256 `{dataset_hash(export)}`",
        "- splits: train 40, validation 5, test 48",
        "`factory build rem_queries --limit 20`",
        "LoRA r=16, alpha=32",
        "- ran: 100 steps = 20 epochs of 40 records in 71.2 s (stopped by max_steps)",
        "Not evaluated yet.",
        f"factory serve {run}",
        "- teacher `smollm2-135m-instruct`: Apache-2.0 (SmolLM2-135M-Instruct)",
    ):
        assert needle in card, needle
    assert (
        (run / "merged" / "README.md").read_text()
        == card
        == (run / "adapter" / "README.md").read_text()
    )

    _eval(tmp_path, "base", 0, 48)
    _eval(tmp_path, "s1", 47, 48)
    _eval(tmp_path, "teacher-x", 40, 48, runtime="endpoint")
    card = write_card(run).read_text()
    assert "| base | llama.cpp | 48 | 0.0 [0.0-7.4] |" in card
    assert "| s1 | llama.cpp | 48 | 97.9 [89.1-99.6] |" in card
    assert "| teacher-x | endpoint | 48 | 83.3 [" in card
    assert (
        "Decision: s1 vs base: intent +97.9 points, 95% interval [+86.4, +99.6] -> deploy (needs >= 5)"
        in card
    )
