"""Benchmark: a real tool set through the toolcalls recipe, and the teacher calls spent on seeds that cannot pass.

The tool set: the Berkeley Function Calling Leaderboard's "simple" Python category (400 single-call
examples, 167 with dotted names such as `math.factorial`, schemas written `"type": "dict"`,
`"float"`, `"tuple"`, `"any"`), as the PyPI package `bfcl-eval` ships it (Apache-2.0, from
github.com/ShishirPatil/gorilla, berkeley-function-call-leaderboard): bfcl_eval/data/
BFCL_v4_simple_python.json and possible_answer/. The bench downloads that wheel with pip (no
install) unless `--wheel` names one. Each example becomes a `--seeds` line in the OpenAI tools
shape: {"input": the user's message, "tools": [{"type": "function", "function": ...}],
"output": {"name", "arguments": the first answer the leaderboard accepts per parameter (at every depth),
"" (may be omitted) left out}}.

It prints:
- gold calls accepted by check_call on the raw tool set and after toolcalls' conversion
  (toolset.prepare via recipe.user_seed), and names the output schema refuses, before and after;
- seeds rejected at the seed stage, by reason (with one example each);
- a real build (seeds, scrub, generate, faithfulness, scrub, dedup, validate) with a counting
  loopback teacher (factory.testing.loopback, 1 variation a seed): teacher calls, and the calls
  spent on seeds that never reached the dataset for a reason of the seed itself (the schema, the
  validator, PII breaking the call). Baseline in the same run: the same build where the tool set
  was converted by hand the way the issue did (types only, names kept), i.e. the recipe before
  dotted names were handled at seed time.

    .venv/bin/python bench/toolcalls_toolset.py [--wheel bfcl_eval-*.whl] [--limit 400] [--build-limit 60]
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import warnings
import zipfile
from collections import Counter
from pathlib import Path

warnings.filterwarnings("ignore")

from factory.build import build  # noqa: E402
from factory.jsonl import read_jsonl  # noqa: E402
from factory.record import SeedError  # noqa: E402
from factory.stages.base import BuildOptions  # noqa: E402
from factory.testing.loopback import LoopbackTeacher  # noqa: E402
from pipelines.toolcalls import recipe as tc  # noqa: E402
from pipelines.toolcalls import toolset  # noqa: E402

PACKAGE = "bfcl-eval==2026.3.23"
QUESTIONS = "bfcl_eval/data/BFCL_v4_simple_python.json"
ANSWERS = "bfcl_eval/data/possible_answer/BFCL_v4_simple_python.json"
SEED_REASONS = ("schema_invalid", "pii_broke_schema", "toolcall_", "variation_lost_value")


def fetch_wheel(folder: Path) -> Path:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--quiet",
            PACKAGE,
            "-d",
            str(folder),
        ],
        check=True,
    )
    return next(folder.glob("bfcl_eval-*.whl"))


def _gold_value(options: list):
    """The first answer the leaderboard accepts ("" means: may be left out); inside a nested object each key
    holds its own list of options."""
    return _resolved(next((value for value in options if value != ""), None))


def _resolved(value):
    if isinstance(value, dict):
        return {key: _gold_value(sub) for key, sub in value.items() if _gold_value(sub) is not None}
    if isinstance(value, list):
        return [_resolved(item) if isinstance(item, dict) else item for item in value]
    return value


def seed_lines(wheel: Path) -> list[dict]:
    with zipfile.ZipFile(wheel) as archive:
        questions = [
            json.loads(line)
            for line in archive.read(QUESTIONS).decode().splitlines()
            if line.strip()
        ]
        answers = {
            a["id"]: a
            for a in (
                json.loads(line)
                for line in archive.read(ANSWERS).decode().splitlines()
                if line.strip()
            )
        }
    lines = []
    for question in questions:
        [[name, options]] = answers[question["id"]]["ground_truth"][0].items()
        arguments = {
            key: _gold_value(values)
            for key, values in options.items()
            if _gold_value(values) is not None
        }
        lines.append(
            {
                "id": question["id"],
                "input": question["question"][0][0]["content"],
                "tools": [{"type": "function", "function": f} for f in question["function"]],
                "output": {"name": name, "arguments": arguments},
            }
        )
    return lines


def types_only(call: dict, tools: list[dict]):
    """The issue's hand conversion: Python types made JSON Schema's, dotted names kept (the recipe before)."""
    converted = [
        {
            **t,
            "function": {
                **t["function"],
                "parameters": toolset.python_types(t["function"]["parameters"])[0],
            },
        }
        for t in tools
    ]
    return call, converted, {"tool_names": {}, "tool_changes": []}


def static_counts(lines: list[dict]) -> dict:
    pattern = toolset.name_pattern()
    raw_ok = sum(tc.check_call(line["output"], line["tools"]) is None for line in lines)
    hand_ok = sum(
        tc.check_call(*types_only(line["output"], line["tools"])[:2]) is None for line in lines
    )
    refused_raw = sum(not pattern.fullmatch(line["output"]["name"]) for line in lines)
    kept, rejected, examples = [], Counter(), {}
    for line in lines:
        try:
            kept.append(tc.user_seed(line))
        except ValueError as exc:
            reason = exc.reason if isinstance(exc, SeedError) else "bad_seed"
            rejected[reason] += 1
            examples.setdefault(reason, f"{line['id']}: {exc}")
    refused_after = sum(not pattern.fullmatch(seed["output"]["name"]) for seed in kept)
    return {
        "raw_ok": raw_ok,
        "hand_ok": hand_ok,
        "refused_raw": refused_raw,
        "kept": len(kept),
        "rejected": rejected,
        "examples": examples,
        "refused_after": refused_after,
        "renamed": sum(bool(s["context"].get("tool_names")) for s in kept),
    }


def counted_build(lines: list[dict], folder: Path) -> dict:
    """A build of the lines as --seeds through a loopback teacher; teacher calls per seed text and their fate."""
    folder.mkdir(parents=True, exist_ok=True)
    seeds, empty = folder / "seeds.jsonl", folder / "no_logs.jsonl"
    seeds.write_text(
        "".join(json.dumps({k: v for k, v in line.items() if k != "id"}) + "\n" for line in lines)
    )
    empty.write_text("")
    options = BuildOptions(
        seeds_file=seeds, source_paths=(str(empty),), variations=1, max_concurrency=8
    )
    with LoopbackTeacher() as teacher:
        build(
            "toolcalls",
            options=options,
            out=folder / "data",
            teacher_url=teacher.base_url,
            run_id="bench",
        )
        prompts = list(teacher.prompts)
    requests = Counter()
    for prompt in prompts:
        found = re.search(r"^Request: (.+)$", json.loads(prompt)[-1]["content"], re.M)
        requests[found.group(1).strip() if found else "?"] += 1
    run_dir = folder / "data" / "toolcalls" / "bench"
    lost = (
        Counter()
    )  # seed texts whose own record was rejected after the seeds stage, for a reason of the seed
    for stage_file in sorted((run_dir / "rejected").glob("*.jsonl")):
        if stage_file.stem == "seeds":
            continue
        for _, row in read_jsonl(stage_file):
            record = row.get("record") or {}
            if (record.get("provenance") or {}).get("origin") == "user" and row[
                "reason"
            ].startswith(SEED_REASONS):
                lost[(record["input"], row["reason"])] += 1
    spent = {
        reason: sum(requests[text] for (text, why) in lost if why == reason) for _, reason in lost
    }
    kept = sum(1 for _ in read_jsonl(run_dir / "dataset.jsonl"))
    return {"calls": sum(requests.values()), "spent": spent, "kept": kept}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--wheel",
        type=Path,
        help="a downloaded bfcl_eval wheel (default: pip download %s)" % PACKAGE,
    )
    parser.add_argument("--limit", type=int, default=400, help="examples used, from the first")
    parser.add_argument(
        "--build-limit", type=int, default=60, help="examples built (the first; 0: no build)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        wheel = args.wheel or fetch_wheel(Path(tmp))
        lines = seed_lines(wheel)[: args.limit]
        n = len(lines)
        dotted = sum("." in line["output"]["name"] for line in lines)
        print(
            f"tool set: BFCL v4 simple_python ({wheel.name}, Apache-2.0), {n} single-call examples, {dotted} with dotted names"
        )
        counts = static_counts(lines)
        print(
            "\n| measure | raw tool set (before) | after toolcalls' conversion |\n| --- | --- | --- |"
        )
        print(
            f"| gold calls accepted by check_call | {counts['raw_ok']}/{n} ({counts['raw_ok'] / n:.1%}) "
            f"| {counts['kept']}/{n} ({counts['kept'] / n:.1%}) |"
        )
        print(f"| ... with the types converted by hand, names kept | {counts['hand_ok']}/{n} | - |")
        print(
            f"| gold names the output schema refuses | {counts['refused_raw']} | {counts['refused_after']} |"
        )
        print(f"| seeds renamed ('.' -> '_', reversible) | - | {counts['renamed']} |")
        print(f"\nseeds rejected at the seed stage: {sum(counts['rejected'].values())}")
        for reason, count in counts["rejected"].most_common():
            print(f"  {reason}: {count}  e.g. {counts['examples'][reason][:160]}")
        if not args.build_limit:
            return
        lines = lines[: args.build_limit]
        print(
            f"\nbuilds of the first {len(lines)} examples "
            f"({sum('.' in line['output']['name'] for line in lines)} dotted):"
        )
        baseline_prepare = toolset.prepare
        toolset.prepare = types_only
        try:
            before = counted_build(lines, Path(tmp) / "before")
        finally:
            toolset.prepare = baseline_prepare
        after = counted_build(lines, Path(tmp) / "after")
        print(
            "\n| build with a counting loopback teacher (1 variation) | before (types by hand, names kept) | after |"
        )
        print("| --- | --- | --- |")
        print(f"| teacher calls | {before['calls']} | {after['calls']} |")
        print(
            f"| teacher calls spent on seeds that cannot pass | {sum(before['spent'].values())} "
            f"| {sum(after['spent'].values())} |"
        )
        print(f"| records in the dataset | {before['kept']} | {after['kept']} |")
        for label, result in (("before", before), ("after", after)):
            if result["spent"]:
                print(
                    f"{label}: spent on "
                    + ", ".join(f"{r} ({c} calls)" for r, c in sorted(result["spent"].items()))
                )


if __name__ == "__main__":
    main()
