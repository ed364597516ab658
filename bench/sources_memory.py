"""Benchmark: read_logs' memory and speed on 1,000,000 log lines, against bare json.loads on the same files.

Writes N log lines (default 1,000,000; mixed formats: traced OpenAI calls, a third of them with
tool calls, the fine-tuning `messages` shape, ShareGPT with function calls, seed 004 interaction
logs) to a temporary folder, in files of N/10 lines as a rotating logger leaves them; nothing is
kept. Then, each in a fresh subprocess, reads the first N/10 lines and all N lines, twice: through
`read_logs` (every line parsed and normalised into a conversation) and through a baseline that
only does `json.loads` per line. Prints peak RSS (getrusage ru_maxrss) and lines/s of each, the
RSS of N vs N/10 lines (goal: flat, under 1 GiB) and read_logs' lines/s as a ratio to the baseline.

    .venv/bin/python bench/sources_memory.py              # 1M lines (about 0.6 GB of temporary files)
    .venv/bin/python bench/sources_memory.py --lines 20000
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
FILES = 10
ROLES = ["coder", "tester", "reviewer", "orchestrator", "retrieval"]
WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather for a city",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
        },
    },
}


def log_line(n: int) -> dict:
    """Line n of the generated logs: the format cycles, contents vary with n."""
    kind, city, role = n % 5, f"City{n % 9973}", ROLES[n % len(ROLES)]
    when = 1759251600 + n
    if kind in (0, 1):  # a traced call; every third one answers with a tool call
        message = (
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": f"call_{n}",
                        "type": "function",
                        "function": {
                            "name": "get_weather",
                            "arguments": json.dumps({"city": city}),
                        },
                    }
                ],
            }
            if n % 3 == 0
            else {"role": "assistant", "content": f"It is {n % 35} degrees in {city} today."}
        )
        return {
            "timestamp": when,
            "request": {
                "model": "gpt-4o-mini",
                "tools": [WEATHER],
                "messages": [
                    {
                        "role": "system",
                        "content": "You are a helpful assistant that answers with tools when needed.",
                    },
                    {
                        "role": "user",
                        "content": f"What is the weather in {city} right now? Request {n}.",
                    },
                ],
            },
            "response": {
                "id": f"chatcmpl-{n}",
                "object": "chat.completion",
                "created": when,
                "model": "gpt-4o-mini",
                "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 60, "completion_tokens": 18, "total_tokens": 78},
            },
            "latency_s": 0.5 + n % 7 / 10,
        }
    if kind == 2:
        return {
            "messages": [
                {"role": "user", "content": f"Summarise ticket {n} in one line."},
                {
                    "role": "assistant",
                    "content": f"Ticket {n}: the export fails on files over 2 GB.",
                },
            ]
        }
    if kind == 3:
        return {
            "conversations": [
                {"from": "human", "value": f"How warm is it in {city}?"},
                {
                    "from": "function_call",
                    "value": json.dumps({"name": "get_weather", "arguments": {"city": city}}),
                },
                {"from": "observation", "value": json.dumps({"temp": n % 35})},
                {"from": "gpt", "value": f"{n % 35} degrees in {city}."},
            ],
            "tools": [WEATHER["function"]],
            "metadata": {"agent": role, "timestamp": when, "success": n % 4 != 0},
        }
    return {
        "timestamp": when,
        "agent_role": role,
        "task_description": f"Implement helper number {n} with type hints",
        "model_output": f"def helper_{n}(value: int) -> int:\n    return value * {n % 97}\n",
        "execution_result": {
            "status": "success" if n % 4 else "failed",
            "tests_passed": n % 4 != 0,
        },
        "human_feedback": {"rating": n % 5 + 1, "comments": "ok"},
    }


def write_logs(folder: Path, lines: int) -> list[Path]:
    per_file = max(lines // FILES, 1)
    paths = []
    for start in range(0, lines, per_file):
        path = folder / f"calls-{len(paths):02d}.jsonl"
        with open(path, "w") as handle:
            handle.writelines(
                json.dumps(log_line(n)) + "\n" for n in range(start, min(start + per_file, lines))
            )
        paths.append(path)
    return paths


def child(mode: str, paths: list[str]) -> None:
    """In a fresh process: read every line of `paths`, print lines, seconds and peak RSS as JSON."""
    from factory.sources.logs import (
        LogStats,
        read_logs,
    )  # imported in both modes: the same baseline RSS

    started = time.perf_counter()
    lines = kept = 0
    if mode == "read_logs":
        stats = LogStats()
        for item in read_logs(paths, stats=stats):
            kept += isinstance(item, dict)
        lines = stats.read
    else:
        for path in paths:
            with open(path, "rb") as handle:
                for raw in handle:
                    kept += isinstance(json.loads(raw), dict)
                    lines += 1
    seconds = time.perf_counter() - started
    print(
        json.dumps(
            {
                "lines": lines,
                "kept": kept,
                "seconds": seconds,
                "rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            }
        )
    )


def measure(mode: str, paths: list[Path]) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", mode, *map(str, paths)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args.child[0], args.child[1:])
    with tempfile.TemporaryDirectory(prefix="factory-bench-logs-") as folder:
        started = time.perf_counter()
        paths = write_logs(Path(folder), args.lines)
        size = sum(p.stat().st_size for p in paths)
        print(
            f"wrote {args.lines:,} lines in {len(paths)} files ({size / 2**20:,.0f} MiB) "
            f"in {time.perf_counter() - started:.1f} s"
        )
        results = {}
        print(
            f"{'reader':<10} {'lines':>10} {'kept':>10} {'seconds':>8} {'lines/s':>10} {'peak RSS MiB':>13}"
        )
        for count, chosen in ((1, paths[:1]), (len(paths), paths)):
            for mode in ("baseline", "read_logs"):
                result = results[mode, count] = measure(mode, chosen)
                print(
                    f"{mode:<10} {result['lines']:>10,} {result['kept']:>10,} {result['seconds']:>8.2f} "
                    f"{result['lines'] / result['seconds']:>10,.0f} {result['rss_mib']:>13.1f}"
                )
        small, full = results["read_logs", 1], results["read_logs", len(paths)]
        growth = full["rss_mib"] / small["rss_mib"]
        speed = [
            results["read_logs", c]["lines"]
            / results["read_logs", c]["seconds"]
            / (results["baseline", c]["lines"] / results["baseline", c]["seconds"])
            for c in (1, len(paths))
        ]
        print(
            f"read_logs peak RSS: {full['rss_mib']:.1f} MiB for {full['lines']:,} lines vs "
            f"{small['rss_mib']:.1f} MiB for {small['lines']:,} ({growth:.2f}x; goal: flat and under 1,024 MiB: "
            f"{'met' if growth < 1.2 and full['rss_mib'] < 1024 else 'NOT met'})"
        )
        print(
            f"read_logs speed vs bare json.loads: {speed[0]:.2f}x ({small['lines']:,} lines), "
            f"{speed[1]:.2f}x ({full['lines']:,} lines)"
        )


if __name__ == "__main__":
    main()
