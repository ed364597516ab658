"""The result that matters: build rem_queries (or --recipe sysadmin_bash) with a teacher, train a student (SmolLM2-135M, or --base), eval all three.

Runs the real CLI in sequence under one data root and prints one table (issue 16): base, student and
teacher on (a) the export's test split (written by the same grammar and teacher as the training split)
and (b) the hand-written natural dev set `evals/rem_queries/natural.jsonl` (requests no template
wrote), with the share of teacher-written records in the training data, and the goals:
on the natural set the student >= 85% intent and >= 90% validity, >= 50 points over its base and
within 5 points of the teacher; >= 50% of training records teacher-written. With --recipe sysadmin_bash
the natural set is evals/sysadmin_bash/natural.jsonl and the goal is its `intent` metric >= 80%: the
student's command passes the validator and runs the gold command's programs with its options.

All models are scored the way they would be deployed: GGUF files run by llama.cpp, greedy, one
request at a time, with the student's system prompt (the teacher row is the teacher model itself
answering zero-shot, seed 004's reference, asked with the student's prompt plus the recipe's
DIALECT.md: `factory eval --system`). The teacher is the default embedded one
(Qwen2.5-Coder-1.5B, fetched once) unless --teacher / --teacher-url say otherwise; with a remote
teacher give --teacher-gguf for its row, or it is left out.

    .venv/bin/python bench/distill_rem_queries.py [--limit N] [--variations 1] [--epochs 1.5] [--lr 1e-3]
    .venv/bin/python bench/distill_rem_queries.py --limit 1600 --variations 0 --new-examples 0   # seeds alone
    .venv/bin/python bench/distill_rem_queries.py --recipe sysadmin_bash --base qwen2.5-coder-0.5b  # next size up
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
FACTORY = str(Path(sys.executable).with_name("factory"))
METRICS = ("intent", "valid", "exact")  # both recipes have them (see their metrics.py)
RECIPE = "rem_queries"  # --recipe


def step(*args: str) -> float:
    print("$ factory " + " ".join(args), flush=True)
    started = time.monotonic()
    subprocess.run([FACTORY, *args], check=True)
    return time.monotonic() - started


def teacher_gguf(args) -> str | None:
    """The teacher's own GGUF for its reference row: the embedded teacher's, or --teacher-gguf."""
    if args.teacher_gguf:
        return args.teacher_gguf
    if args.teacher_url or (args.teacher and not args.teacher.startswith("embedded")):
        return None
    from factory.teacher.embedded import choose, prepare

    return str(prepare(choose(args.teacher)))


def reference_prompt(out: str) -> list[str]:
    """`--system FILE` for the teacher's row: the student's prompt plus the recipe's DIALECT.md up to its
    validator notes, the instructions a strong model needs to do the task zero-shot. Without a DIALECT.md
    the teacher is asked with the student's own prompt."""
    from factory.recipes import load_recipe

    recipe = load_recipe(RECIPE)
    dialect = recipe.folder / "DIALECT.md"
    if not dialect.is_file():
        return []
    text = dialect.read_text(encoding="utf-8").split("\n## What the validator rejects")[0]
    path = Path(out) / RECIPE / "reference_system.txt"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(recipe.student_prompt.strip() + "\n\n" + text.strip() + "\n", encoding="utf-8")
    return ["--system", str(path)]


def row(out: str, label: str) -> dict:
    summary = json.loads((Path(out) / RECIPE / "evals" / f"{label}.json").read_text())
    return {name: summary["metrics"].get(name) for name in METRICS} | {
        "n": summary["examples"],
        "p50": summary["latency_p50_s"],
    }


def table(out: str, models: list[tuple[str, str]], share: dict) -> str:
    lines = [
        "| model | data | n | intent % | valid % | exact % | p50 s |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, label in models:
        for data, suffix in (("test split", ""), ("natural dev", "@natural")):
            path = Path(out) / RECIPE / "evals" / f"{label}{suffix}.json"
            if path.is_file():
                r = row(out, label + suffix)
                cells = " | ".join("-" if r[m] is None else f"{r[m]:.1f}" for m in METRICS)
                lines.append(f"| {name} | {data} | {r['n']} | {cells} | {r['p50']} |")
    lines.append(
        f"\nteacher-written records in the training data: {share.get('teacher', 0)} of {share.get('records', 0)} "
        f"({100 * share.get('share', 0):.1f}%); by origin: {share.get('by_origin')}"
    )
    return "\n".join(lines)


def goals(out: str, labels: dict, share: dict) -> list[str]:
    def natural(label: str) -> dict | None:
        path = Path(out) / RECIPE / "evals" / f"{label}@natural.json"
        return row(out, f"{label}@natural") if path.is_file() else None

    student, base, teacher = (natural(labels[k]) for k in ("student", "base", "teacher"))
    checks = [("teacher-written share >= 50%", 100 * share.get("share", 0), 50.0)]
    if student and RECIPE == "sysadmin_bash":
        checks.append(
            (
                "student intent (valid, same programs and options) on natural >= 80",
                student["intent"],
                80.0,
            )
        )
    elif student:
        checks += [
            ("student intent on natural >= 85", student["intent"], 85.0),
            ("student validity on natural >= 90", student["valid"], 90.0),
        ]
        if base:
            checks.append(("student intent >= base + 50", student["intent"], base["intent"] + 50))
        if teacher:
            checks.append(
                ("student intent >= teacher - 5", student["intent"], teacher["intent"] - 5)
            )
    return [
        f"{'met' if value >= goal else 'MISSED'}: {name} (got {value:.1f}, goal {goal:.1f})"
        for name, value, goal in checks
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipe", default="rem_queries", choices=["rem_queries", "sysadmin_bash"])
    parser.add_argument(
        "--limit", type=int, default=None, help="seeds for the build (default: all of the recipe's)"
    )
    parser.add_argument(
        "--variations", type=int, default=1, help="teacher rewrites (and new examples) per seed"
    )
    parser.add_argument(
        "--new-examples",
        type=int,
        default=None,
        help="new examples the teacher writes per seed (default: the recipe's; with --variations 0 "
        "and --new-examples 0 the student learns from the seeds alone, no teacher asked)",
    )
    parser.add_argument(
        "--teacher",
        default=None,
        help="as `factory build --teacher` (default: the embedded default)",
    )
    parser.add_argument("--teacher-url", default=None)
    parser.add_argument(
        "--teacher-gguf", default=None, help="the teacher's GGUF for its reference row"
    )
    parser.add_argument(
        "--base",
        default=None,
        help="the student's base, as `factory train --base` (default: the recipe's train.yaml)",
    )
    parser.add_argument("--epochs", type=float, default=1.5)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--max-steps", type=int, default=-1)
    parser.add_argument("--eval-limit", type=int, default=None)
    parser.add_argument("--out", default="data/distill")
    parser.add_argument("--run", default="full")
    parser.add_argument("--name", default="distilled")
    args = parser.parse_args()
    global RECIPE
    RECIPE = args.recipe
    natural = ROOT / "evals" / RECIPE / "natural.jsonl"
    out, run, name = args.out, args.run, args.name
    where = ["--out", out, "--run", run]
    build_options = ["--limit", str(args.limit)] if args.limit else []
    if args.new_examples is not None:
        build_options += ["--new-examples", str(args.new_examples)]
    teacher = [
        *(["--teacher", args.teacher] if args.teacher else []),
        *(["--teacher-url", args.teacher_url] if args.teacher_url else []),
    ]
    times = {
        "build": step(
            "build", RECIPE, *where, *teacher, "--variations", str(args.variations), *build_options
        )
    }
    report = json.loads((Path(out) / RECIPE / run / "report.json").read_text())
    times["export"] = step("export", RECIPE, *where, "--split", "80/10/10")
    times["train"] = step(
        "train",
        RECIPE,
        *where,
        "--name",
        name,
        "--epochs",
        str(args.epochs),
        "--lr",
        str(args.lr),
        "--max-steps",
        str(args.max_steps),
        "--gguf",
        "q8_0",
        *(["--base", args.base] if args.base else []),
    )
    eval_limit = ["--limit", str(args.eval_limit)] if args.eval_limit else []
    trained = json.loads((Path(out) / RECIPE / "models" / name / "config.json").read_text())
    base = trained["base"]  # the base the student was trained from (factory eval converts it once)
    models = {"base": base, name: f"{out}/{RECIPE}/models/{name}/student-q8_0.gguf"}
    if (gguf := teacher_gguf(args)) is not None:
        models["teacher"] = gguf
    for label, model in models.items():
        system = reference_prompt(out) if label == "teacher" else []
        times[f"eval {label}"] = step(
            "eval", RECIPE, *where, "--model", model, "--label", label, *eval_limit, *system
        )
        times[f"eval {label} natural"] = step(
            "eval",
            RECIPE,
            *where,
            "--model",
            model,
            "--label",
            f"{label}@natural",
            "--data",
            str(natural),
            *system,
        )
    rows = [
        (f"base ({Path(base).name.removesuffix('.q8_0.gguf')})", "base"),
        (f"student ({name})", name),
    ]
    rows += [("teacher", "teacher")] if "teacher" in models else []
    share = report.get("teacher_share") or {}
    print(table(out, rows, share))
    for line in goals(out, {"base": "base", "student": name, "teacher": "teacher"}, share):
        print(line)
    print("minutes: " + ", ".join(f"{k} {v / 60:.1f}" for k, v in times.items()))


if __name__ == "__main__":
    main()
