"""The result that matters: build rem_queries with the embedded teacher, export, train SmolLM2-135M, eval base vs tuned.

Runs the real CLI in sequence under one data root and prints the comparison table and the
deploy decision (seed 004: >= 5 points on the main metric). Seed 002's goal: >= 90% intent
accuracy and >= 95% query validity on the test split, >= 50 points over the base.

    .venv/bin/python bench/distill_rem_queries.py [--limit 250] [--epochs 3] [--out data/distill]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

FACTORY = str(Path(sys.executable).with_name("factory"))


def step(*args: str) -> float:
    print("$ factory " + " ".join(args), flush=True)
    started = time.monotonic()
    subprocess.run([FACTORY, *args], check=True)
    return time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=250, help="seeds for the build")
    parser.add_argument("--epochs", type=float, default=3)
    parser.add_argument("--max-steps", type=int, default=-1)
    parser.add_argument("--eval-limit", type=int, default=None)
    parser.add_argument("--out", default="data/distill")
    args = parser.parse_args()
    out, name = args.out, "distilled"
    times = {"build": step("build", "rem_queries", "--limit", str(args.limit), "--out", out, "--run", "distill")}
    times["export"] = step("export", "rem_queries", "--out", out, "--run", "distill", "--split", "80/10/10")
    times["train"] = step("train", "rem_queries", "--out", out, "--run", "distill", "--name", name,
                          "--epochs", str(args.epochs), "--max-steps", str(args.max_steps))
    limit = ["--limit", str(args.eval_limit)] if args.eval_limit else []
    times["eval base"] = step("eval", "rem_queries", "--out", out, "--run", "distill", "--model", "base", *limit)
    times["eval tuned"] = step("eval", "rem_queries", "--out", out, "--run", "distill", "--label", name,
                               "--model", f"{out}/rem_queries/models/{name}/merged", *limit)
    step("eval", "rem_queries", "--out", out, "--compare", f"base,{name}")
    print("minutes: " + ", ".join(f"{k} {v / 60:.1f}" for k, v in times.items()))


if __name__ == "__main__":
    main()
