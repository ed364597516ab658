"""Distil a traced workflow: build `traces` from the example log, train SmolLM2-135M, score base vs student
on logged calls held back from the build (never trained on), decoding freely and under each site's schema.

Runs the real CLI under one data root: `factory build traces` (its recipe holds back
source.holdout = 20% of the logged calls, by a hash of site and request), writes the held-back
calls as an eval file (recipe.held_back), exports, trains, then `factory eval traces --data` for
the base and the student, both as q8_0 GGUF files run by llama.cpp, greedy: once free, once with
--constrain (decoded under the site's tools or schema, as the logged call itself asked for it
with `tools` / `response_format`; a grammar makes the shape valid, not the choice of tool, the
values or the exact answer). Prints one table:
valid JSON share, schema-valid share (structured-output sites), valid tool call share (tool
sites), exact match of the logged answer; overall and per site. Goals (seed 003): valid JSON
>= 98%, valid tool calls >= 95%, measured against the base in the same run.

    nice -n 10 .venv/bin/python bench/distill_traces.py [--variations 1] [--epochs 3] [--lr 5e-4]
        [--source LOG ...] [--teacher embedded | --teacher-url URL --teacher MODEL]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
FACTORY = str(Path(sys.executable).with_name("factory"))
GOALS = {"json": 98.0, "tool calls": 95.0}


ENV = dict(os.environ)


def step(*args: str) -> float:
    print("$ factory " + " ".join(args), flush=True)
    started = time.monotonic()
    subprocess.run([FACTORY, *args], check=True, env=ENV)
    return time.monotonic() - started


def write_held_back(sources: list[str], path: Path) -> int:
    from factory.recipes import load_recipe

    recipe = load_recipe("traces")
    config = {**recipe.source, **({"paths": sources} if sources else {})}
    lines = recipe.module.held_back(config)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines), encoding="utf-8"
    )
    return len(lines)


def _share(values: list[float]) -> str:
    return f"{100 * sum(values) / len(values):.1f}" if values else "-"


def table(out: str, data: Path, labels: list[str]) -> str:
    """Per model and site: n, valid JSON, schema-valid (JSON sites), valid tool calls (tool sites), exact."""
    from factory.eval_data import load
    from factory.recipes import load_recipe
    from pipelines.traces.sites import is_call

    recipe = load_recipe("traces")
    records = {record["id"]: record for record in load(recipe, data)}
    rows = [
        "| model | site | n | valid JSON % | schema-valid % | valid tool calls % | exact % |",
        "|---" * 7 + "|",
    ]
    for label in labels:
        groups: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
        path = Path(out) / "traces" / "evals" / f"{label}.predictions.jsonl"
        for line in path.read_text(encoding="utf-8").splitlines():
            prediction = json.loads(line)
            record = records[prediction["id"]]
            site, scores = record["labels"]["site"], prediction["scores"]
            kind = (
                "tool" if is_call(record["output"], record["provenance"]["context"]) else "schema"
            )
            for group in ("all", site):
                groups[group]["json"].append(scores["json"])
                groups[group][kind].append(scores["valid"])
                groups[group]["exact"].append(scores["exact"])
        for group in ["all", *sorted(g for g in groups if g != "all")]:
            values = groups[group]
            rows.append(
                f"| {label} | {group} | {len(values['json'])} | {_share(values['json'])} | "
                f"{_share(values['schema'])} | {_share(values['tool'])} | {_share(values['exact'])} |"
            )
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--source",
        action="append",
        default=[],
        help="logs to distil (default: the recipe's example log)",
    )
    parser.add_argument(
        "--variations", type=int, default=1, help="new calls the teacher writes per logged call"
    )
    parser.add_argument(
        "--teacher",
        default="embedded:smollm2-135m",
        help="the build's teacher (default: the fast embedded SmolLM2, so that the bench fits in half an "
        "hour on 2 cores; `embedded` is Qwen2.5-Coder-1.5B, or a model of --teacher-url)",
    )
    parser.add_argument("--teacher-url", default=None)
    parser.add_argument("--epochs", type=float, default=3)
    parser.add_argument("--lr", type=float, default=5e-4)
    parser.add_argument("--max-steps", type=int, default=-1)
    parser.add_argument("--out", default="data/distill-traces")
    parser.add_argument("--run", default="bench")
    parser.add_argument("--name", default="distilled")
    args = parser.parse_args()
    out, name = args.out, args.name
    if args.teacher.startswith(
        "embedded:"
    ):  # also for a factory whose build reads the name only from the environment
        ENV["FACTORY_EMBEDDED_TEACHER"] = args.teacher.split(":", 1)[1]
    where = ["--out", out, "--run", args.run]
    teacher = [
        *(["--teacher", args.teacher] if args.teacher else []),
        *(["--teacher-url", args.teacher_url] if args.teacher_url else []),
    ]
    sources = [flag for path in args.source for flag in ("--source", path)]
    held = Path(out) / "traces" / "held_back.jsonl"
    times = {
        "build": step(
            "build", "traces", *where, "--variations", str(args.variations), *sources, *teacher
        )
    }
    print(f"held back: {write_held_back(args.source, held)} logged calls -> {held}", flush=True)
    times["export"] = step("export", "traces", *where, "--split", "90/10", "--stratify", "site")
    times["train"] = step(
        "train",
        "traces",
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
    )
    times["eval base"] = step(
        "eval", "traces", *where, "--data", str(held), "--model", "base", "--label", "base"
    )
    times["eval student"] = step(
        "eval",
        "traces",
        *where,
        "--data",
        str(held),
        "--label",
        name,
        "--model",
        f"{out}/traces/models/{name}/student-q8_0.gguf",
    )
    for label, model in (
        ("base", "base"),  # factory eval converts the packaged base once
        (name, f"{out}/traces/models/{name}/student-q8_0.gguf"),
    ):
        times[f"eval {label} constrained"] = step(
            "eval", "traces", *where, "--data", str(held), "--model", model,
            "--label", f"{label}+constrained", "--constrain",
        )  # fmt: skip
    labels = ["base", name, "base+constrained", f"{name}+constrained"]
    step("eval", "traces", "--out", out, "--compare", ",".join(labels))
    print("\nHeld-back logged calls (never trained on), base vs student, free and constrained:\n")
    print(table(out, held, labels))
    print(
        f"\ngoals: valid JSON >= {GOALS['json']:g}%, valid tool calls >= {GOALS['tool calls']:g}% (seed 003)"
    )
    print("minutes: " + ", ".join(f"{k} {v / 60:.1f}" for k, v in times.items()))


if __name__ == "__main__":
    main()
