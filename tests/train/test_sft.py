"""The real trainer script, a few steps on a tiny model made here (2-layer Llama, the SmolLM2 tokenizer).

Checks: the loss is logged and falls, the adapter is saved and reloads onto the base, the
merged model generates, and loss.png / config.json / train_log.jsonl are written.
"""

import json
import subprocess
import sys

import pytest
from factory_cli import ROOT


@pytest.fixture(scope="module")
def export_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("export")
    system = "Translate the request into a REM query. Reply with JSON."
    rows = []
    for i, (text, rem) in enumerate(
        [
            ("Look up res-1", "LOOKUP res-1"),
            ("Count resources per category", "SELECT 1"),
            ("Find notes on budget", 'SEARCH "budget" IN resources'),
        ]
        * 8
    ):
        rows.append(
            {
                "id": str(i),
                "messages": [
                    {"role": "system", "content": system},
                    {"role": "user", "content": text},
                    {"role": "assistant", "content": json.dumps({"rem": rem})},
                ],
            }
        )
    (folder / "train.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    (folder / "validation.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows[:3]))
    return folder


@pytest.mark.slow
def test_trainer_script_trains_saves_reloads_and_generates(tiny_llama, export_dir, tmp_path):
    out = tmp_path / "model"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "train.sft",
            "--data",
            str(export_dir),
            "--out",
            str(out),
            "--base",
            str(tiny_llama),
            "--max-steps",
            "30",
            "--lr",
            "0.005",
            "--batch-size",
            "4",
            "--logging-steps",
            "5",
            "--rank",
            "8",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary["steps"] == 30
    history = [json.loads(line) for line in (out / "train_log.jsonl").read_text().splitlines()]
    losses = [h["loss"] for h in history if "loss" in h]
    assert len(losses) == 6 and any("eval_loss" in h for h in history)
    # LoRA on a random 2-layer model with a 49k vocabulary learns slowly, but every logged loss is lower
    assert all(later < earlier for earlier, later in zip(losses, losses[1:])), losses
    assert summary["last_loss"] == losses[-1] < 0.95 * losses[0], losses
    config = json.loads((out / "config.json").read_text())
    assert config["max_steps"] == 30 and config["epochs"] == 3.0  # what was asked ...
    ran = config["ran"]  # ... and what really ran: 30 steps of 4 examples over 24 records
    assert {
        k: ran[k]
        for k in (
            "steps",
            "epochs",
            "examples_per_step",
            "train_records",
            "validation_records",
            "stopped_by",
        )
    } == {
        "steps": 30,
        "epochs": 5.0,
        "examples_per_step": 4,
        "train_records": 24,
        "validation_records": 3,
        "stopped_by": "max_steps",
    }
    assert summary["ran"] == ran
    assert (
        "{'loss'" not in result.stderr and "{'train_runtime'" not in result.stderr
    )  # no raw log dicts
    assert "step 30/30" in result.stderr and "ETA" in result.stderr  # the progress bar, at its end
    logged = [line for line in result.stderr.splitlines() if line.startswith("train step ")]
    assert logged and all(" loss " in line for line in logged), logged  # stderr is no terminal:
    assert "left" in logged[0]  # a line per logged step, with the time left
    assert "30 steps = 5 epochs of 24 records (4 a step) in " in result.stderr.splitlines()[-1]
    assert (out / "loss.png").read_bytes()[:4] == b"\x89PNG"

    from factory.model_card import write_card

    write_card(out)  # what `factory train` does after training: TRL's and PEFT's templates replaced
    for card in (out / "README.md", out / "merged" / "README.md", out / "adapter" / "README.md"):
        text = card.read_text()
        assert "fine-tuned version of" not in text and "Model Card for Model ID" not in text, card
        assert (
            f"base_model: {tiny_llama}" in text
            and "- ran: 30 steps = 5 epochs of 24 records" in text
        )

    import torch
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(out / "merged")
    reloaded = PeftModel.from_pretrained(
        AutoModelForCausalLM.from_pretrained(tiny_llama), out / "adapter"
    )
    merged = AutoModelForCausalLM.from_pretrained(out / "merged")
    prompt = tokenizer.apply_chat_template(
        [{"role": "user", "content": "Look up res-1"}],
        add_generation_prompt=True,
        return_tensors="pt",
        return_dict=True,
    )
    with torch.no_grad():
        a = reloaded.merge_and_unload()(**prompt).logits
        b = merged(**prompt).logits
    assert torch.allclose(
        a, b, atol=1e-4
    )  # the saved adapter, merged again, is the saved merged model
    generated = merged.generate(**prompt, max_new_tokens=8, do_sample=False)
    assert generated.shape[1] > prompt["input_ids"].shape[1]


def test_a_run_with_checkpoints_resumes_only_with_its_own_config(tmp_path):
    from dataclasses import asdict, replace

    from factory.errors import ConfigError
    from train.sft import TrainConfig, check_resumable

    config = TrainConfig(data="d", out=str(tmp_path))
    check_resumable(tmp_path, replace(config, lr=1.0))  # nothing to resume: anything goes
    (tmp_path / "config.json").write_text(json.dumps(asdict(config)))
    (tmp_path / "checkpoint-5").mkdir()
    check_resumable(tmp_path, config)
    with pytest.raises(
        ConfigError,
        match=r"another config \(epochs 3.0 -> 1.0; lr 0.0002 -> 0.001\); resume with the same",
    ):
        check_resumable(tmp_path, replace(config, lr=0.001, epochs=1.0))


def test_cpu_training_runs_in_full_precision(tmp_path):
    """TRL turns bf16 on by default; on a CPU without bf16 units every matmul then takes torch's slow
    fallback GEMM (a traces training ran 5 steps in 55 min). On CPU the trainer must ask for fp32."""
    from train.sft import TrainConfig, sft_args

    config = TrainConfig(data=str(tmp_path), out=str(tmp_path / "run"))
    args = sft_args(config, tmp_path / "run", cuda=False, evaluate=False)
    assert (args.bf16, args.fp16, args.use_cpu) == (False, False, True)
    assert args.eval_strategy == "no"
    assert sft_args(config, tmp_path / "run", cuda=False, evaluate=True).eval_strategy == "epoch"
