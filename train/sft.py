"""LoRA SFT of a small student on an export (TRL SFTTrainer + PEFT), in one readable script.

    python -m train.sft --data data/rem_queries/latest/export --out data/rem_queries/models/run1 [--max-steps 30]

Reads <data>/train.jsonl (and validation.jsonl if present) in the `messages` format of
`factory export`, turns each example into prompt (system + user) and completion (assistant),
so the loss covers the assistant's answer only, with the model's own chat template.
QLoRA (4-bit, bitsandbytes) when CUDA is present; plain LoRA on CPU. Writes to <out>:
adapter/, merged/ (adapter merged into the base, with the tokenizer), train_log.jsonl,
loss.png and config.json (the exact config, and under `ran` what really ran: steps, the
epochs they make, records, seconds). Shows a progress bar (step, loss, ETA) on stderr and
ends with a one-line summary (train.progress). Rerun with the same --out to resume from the
last checkpoint.
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import MISSING, asdict, dataclass, fields
from pathlib import Path


@dataclass
class TrainConfig:
    data: str
    out: str
    base: str = "smollm2-135m"
    epochs: float = 3.0
    max_steps: int = -1
    lr: float = 2e-4
    rank: int = 16
    alpha: int = 32
    dropout: float = 0.0  # 0.05 costs ~30% of a CPU step in Bernoulli masks (bench/train_step.py)
    batch_size: int = 8
    grad_accum: int = 1
    max_length: int = 512
    logging_steps: int = 5
    save_steps: int = 200
    seed: int = 0
    report_to: str = "none"


def load_split(data: Path, name: str):
    from datasets import load_dataset

    path = data / f"{name}.jsonl"
    if not path.is_file() or path.stat().st_size == 0:
        return None
    rows = load_dataset("json", data_files=str(path), split="train")
    return rows.map(
        lambda row: {"prompt": row["messages"][:-1], "completion": row["messages"][-1:]},
        remove_columns=rows.column_names,
    )


def last_checkpoint(out: Path) -> str | None:
    checkpoints = sorted(out.glob("checkpoint-*"), key=lambda p: int(p.name.split("-")[1]))
    return str(checkpoints[-1]) if checkpoints else None


def check_resumable(out: Path, config: TrainConfig) -> None:
    """A run folder with checkpoints resumes only with the config it started with (else the
    optimizer, schedule and data would silently mix two runs)."""
    saved = out / "config.json"
    if not (last_checkpoint(out) and saved.is_file()):
        return
    before = json.loads(saved.read_text())
    changed = [
        f"{key} {before.get(key)!r} -> {value!r}"
        for key, value in asdict(config).items()
        if before.get(key) != value
    ]
    if changed:
        from factory.errors import ConfigError

        raise ConfigError(
            f"{out} holds checkpoints of a run with another config ({'; '.join(changed)}); "
            "resume with the same settings, or pick another --name"
        )


def plot_loss(history: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 3.5))
    for key in ("loss", "eval_loss"):
        points = [(h["step"], h[key]) for h in history if key in h]
        if points:
            ax.plot(*zip(*points), marker="o", markersize=3, label=key)
    ax.set_xlabel("step")
    ax.set_ylabel("loss")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def sft_args(config: TrainConfig, out: Path, *, cuda: bool, evaluate: bool):
    """TRL's SFTConfig for this run: full precision on CPU, bf16 only on a GPU that has it."""
    import torch
    from trl import SFTConfig

    return SFTConfig(
        output_dir=str(out),
        num_train_epochs=config.epochs,
        max_steps=config.max_steps,
        learning_rate=config.lr,
        per_device_train_batch_size=config.batch_size,
        gradient_accumulation_steps=config.grad_accum,
        max_length=config.max_length,
        logging_steps=config.logging_steps,
        save_steps=config.save_steps,
        save_total_limit=2,
        seed=config.seed,
        report_to=config.report_to,
        use_cpu=not cuda,
        # TRL defaults bf16 to True; on a CPU without bf16 matrix units (AVX512-BF16/AMX) that autocast
        # sends every matmul to torch's slow fallback GEMM: 5 steps of batch 4 took 55 min on 2 cores.
        bf16=cuda and torch.cuda.is_bf16_supported(),
        # TRL turns activation checkpointing on; it saves GPU memory by running each layer's forward
        # again in the backward pass. On CPU there is RAM to spare for these short sequences; py-spy
        # put the recompute at 19% of a 135M step, though whole-step times did not tell it from noise.
        activation_checkpointing=cuda,
        eval_strategy="epoch" if evaluate else "no",
        completion_only_loss=True,
        lr_scheduler_type="cosine",
        disable_tqdm=True,
    )


def lora_config(config: TrainConfig):
    """PEFT's LoraConfig for this run: adapters on every linear layer of the base."""
    from peft import LoraConfig

    return LoraConfig(
        r=config.rank,
        lora_alpha=config.alpha,
        lora_dropout=config.dropout,
        target_modules="all-linear",
        task_type="CAUSAL_LM",
    )


def train(config: TrainConfig) -> dict:
    import datasets
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer, PrinterCallback
    from trl import SFTTrainer

    from train.base_model import ensure_base
    from train.progress import BarCallback, what_ran

    datasets.disable_progress_bars()
    out, data = Path(config.out), Path(config.data)
    check_resumable(out, config)
    out.mkdir(parents=True, exist_ok=True)
    (out / "config.json").write_text(json.dumps(asdict(config), indent=2))
    base = ensure_base(config.base)
    cuda = torch.cuda.is_available()
    quantization = None
    if cuda:
        from transformers import BitsAndBytesConfig

        quantization = BitsAndBytesConfig(
            load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_compute_dtype=torch.bfloat16
        )
    tokenizer = AutoTokenizer.from_pretrained(base)
    model = AutoModelForCausalLM.from_pretrained(
        base, quantization_config=quantization, dtype=torch.float32 if not cuda else None
    )
    train_rows, eval_rows = load_split(data, "train"), load_split(data, "validation")
    args = sft_args(config, out, cuda=cuda, evaluate=eval_rows is not None)
    peft_config = lora_config(config)
    trainer = SFTTrainer(
        model=model,
        args=args,
        train_dataset=train_rows,
        eval_dataset=eval_rows,
        processing_class=tokenizer,
        peft_config=peft_config,
    )
    trainer.remove_callback(PrinterCallback)  # raw log dicts: the bar shows the loss instead
    trainer.add_callback(BarCallback())
    started = time.monotonic()
    trainer.train(resume_from_checkpoint=last_checkpoint(out))
    ran = what_ran(
        trainer.state.global_step,
        config.batch_size,
        config.grad_accum,
        len(train_rows),
        len(eval_rows) if eval_rows is not None else 0,
        time.monotonic() - started,
        config.max_steps,
    )
    (out / "config.json").write_text(json.dumps({**asdict(config), "ran": ran}, indent=2))
    trainer.save_model(str(out / "adapter"))
    merged = trainer.model.merge_and_unload()
    merged.save_pretrained(out / "merged")
    tokenizer.save_pretrained(out / "merged")
    history = trainer.state.log_history
    (out / "train_log.jsonl").write_text("".join(json.dumps(h) + "\n" for h in history))
    plot_loss(history, out / "loss.png")
    losses = [h["loss"] for h in history if "loss" in h]
    eval_losses = [h["eval_loss"] for h in history if "eval_loss" in h]
    return {
        "out": str(out),
        "steps": trainer.state.global_step,
        "first_loss": losses[0] if losses else None,
        "last_loss": losses[-1] if losses else None,
        "eval_loss": eval_losses[-1] if eval_losses else None,
        "ran": ran,
    }


def main() -> None:
    import sys

    from train.progress import summary_line

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for field in fields(TrainConfig):
        flag = "--" + field.name.replace("_", "-")
        if field.default is MISSING:
            parser.add_argument(flag, required=True, type=str)
        else:
            parser.add_argument(flag, type=type(field.default), default=field.default)
    args = parser.parse_args()
    summary = train(TrainConfig(**{f.name: getattr(args, f.name) for f in fields(TrainConfig)}))
    print(summary_line(summary), file=sys.stderr)
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
