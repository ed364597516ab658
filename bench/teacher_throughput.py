"""Benchmark: requests/s of the generation stage against a loopback teacher with fixed latency.

For concurrency c and latency L, the ideal rate is c / L requests/s. The script runs the
real generate stage (distilabel Task + cached OpenAILLM, fresh cache each time) over
enough seeds for several waves and prints achieved / ideal. Goal: >= 0.9 at c = 32.
As a baseline it sends the same number of requests through a bare `openai.AsyncOpenAI`
client (no distilabel, no cache, no records): what one Python event loop can do here.

    .venv/bin/python bench/teacher_throughput.py [--latency 0.2] [--waves 6]

With --real N it measures the embedded teacher itself instead (the default Qwen2.5-Coder-1.5B unless
FACTORY_EMBEDDED_TEACHER says otherwise): `factory build rem_queries --limit N --variations 3
--new-examples 0` twice, each from an empty cache, on llama-cpp-python's server (one request at a
time, the baseline) and on llama.cpp's own server with its slots (factory.llama_native, built
first if missing), and prints the generate stage's completion tokens a second, rewrites a minute
and records the teacher wrote, with the ratio of the two. Nothing else should run on the cores.

    .venv/bin/python bench/teacher_throughput.py --real 32
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import tempfile
import time
import warnings
from pathlib import Path

import httpx

warnings.filterwarnings("ignore", module=r"pydantic\..*")

import factory.teacher.llm  # noqa: E402,F401  - imported here so that import time is not measured
import factory.teacher.task  # noqa: E402,F401
from factory.recipes import load_recipe  # noqa: E402
from factory.stages.base import BuildOptions, StageSettings  # noqa: E402
from factory.stages.generate import GenerateStage  # noqa: E402
from factory.teacher.spec import resolve  # noqa: E402
from factory.testing.loopback import loopback_process  # noqa: E402


def measure_bare_client(concurrency: int, latency: float, waves: int) -> float:
    """Baseline: the same number of requests through a bare AsyncOpenAI client and a semaphore."""
    from openai import AsyncOpenAI

    async def run(base_url: str) -> float:
        client, gate = (
            AsyncOpenAI(base_url=base_url, api_key="none"),
            asyncio.Semaphore(concurrency),
        )

        async def one(i: int) -> None:
            async with gate:
                await client.chat.completions.create(
                    model="loopback",
                    max_tokens=320,
                    messages=[{"role": "user", "content": f"Request: find note {i}"}],
                )

        started = time.perf_counter()
        await asyncio.gather(*(one(i) for i in range(concurrency * waves)))
        elapsed = time.perf_counter() - started
        await client.close()
        return concurrency * waves / elapsed

    with loopback_process(latency) as base_url:
        return asyncio.run(run(base_url))


def measure(concurrency: int, latency: float, waves: int) -> tuple[float, int]:
    recipe = load_recipe("rem_queries")
    grammar = list(recipe.module.grammar_seeds(200, 1))
    seeds = []
    for i in range(concurrency * waves):  # distinct prompts, so that no request is a cache hit
        s = grammar[i % len(grammar)]
        seeds.append(
            {
                "id": str(i),
                "seed_id": str(i),
                "recipe": recipe.name,
                "kind": recipe.kind,
                "schema_version": 1,
                "input": f"{s['input']} (#{i})",
                "output": s["output"],
                "labels": s["labels"],
                "provenance": s["provenance"],
                "checks": {},
            }
        )
    with tempfile.TemporaryDirectory() as tmp, loopback_process(latency) as base_url:
        context = StageSettings(
            recipe=recipe,
            options=BuildOptions(max_concurrency=concurrency),
            run_dir=Path(tmp),
            cache_path=Path(tmp) / "cache.sqlite",
            teacher=resolve(None, base_url),
        )
        stage = GenerateStage(context)
        started = time.perf_counter()
        for _ in stage.process(seeds):
            pass
        elapsed = time.perf_counter() - started
        stats = httpx.get(base_url.removesuffix("/v1") + "/stats").json()
        assert stats["requests"] == len(seeds), (stats, len(seeds))
        return stats["requests"] / elapsed, stats["peak_in_flight"]


def measure_embedded(seeds: int, slots: int, out: Path) -> dict:
    """One real build on the embedded teacher with `slots`; its generate stage's numbers."""
    import json
    import os
    import subprocess
    import sys

    factory = str(Path(sys.executable).with_name("factory"))
    command = [factory, "build", "rem_queries", "--limit", str(seeds), "--variations", "3"]
    command += ["--new-examples", "0", "--out", str(out), "--run", f"slots{slots}"]
    env = {
        **os.environ,
        "FACTORY_TEACHER_SLOTS": str(slots),
    }  # a fresh --out: an empty teacher cache
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"build with {slots} slot(s) failed: {done.stderr.strip()[-500:]}")
    report = json.loads((out / "rem_queries" / f"slots{slots}" / "report.json").read_text())
    generate = next(row for row in report["stages"] if row["name"] == "generate")
    return {
        "seconds": generate["seconds"],
        "completion": generate["tokens"]["completion"],
        "rewrites": generate["out"] - generate["in"],
        "kept": report["teacher_share"]["teacher"],
    }


def main_real(seeds: int) -> None:
    from factory.llama_native import build_server
    from factory.teacher.embedded import SLOTS, choose

    build_server()
    print(
        f"embedded teacher {choose().name}, rem_queries, {seeds} seeds, 3 rewrites asked per seed"
    )
    print(
        f"{'server':<34} {'seconds':>8} {'tokens/s':>9} {'rewrites/min':>13} {'kept':>5} {'speed-up':>9}"
    )
    base = None
    with tempfile.TemporaryDirectory() as tmp:
        for slots, name in (
            (1, "llama-cpp-python, 1 at a time"),
            (SLOTS, f"llama-server, {SLOTS} slots"),
        ):
            row = measure_embedded(seeds, slots, Path(tmp) / str(slots))
            rate = row["completion"] / row["seconds"]
            base = base or rate
            print(
                f"{name:<34} {row['seconds']:>8.1f} {rate:>9.2f} {60 * row['rewrites'] / row['seconds']:>13.1f} "
                f"{row['kept']:>5} {rate / base:>8.2f}x"
            )


def main() -> None:  # noqa: D103
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency", type=float, default=0.2)
    parser.add_argument("--waves", type=int, default=24)
    parser.add_argument(
        "--real",
        type=int,
        metavar="SEEDS",
        help="measure the embedded teacher: 1 slot vs llama-server's",
    )
    args = parser.parse_args()
    if args.real:
        main_real(args.real)
        return
    logging.getLogger("distilabel").setLevel(logging.ERROR)
    print(
        f"loopback teacher, fixed latency {args.latency * 1000:.0f} ms, {args.waves} waves per concurrency"
    )
    print(
        "ratio = achieved / (concurrency / latency); bare = a bare AsyncOpenAI client, same server, same count"
    )
    print(
        f"{'concurrency':>11} {'ideal req/s':>12} {'achieved':>9} {'ratio':>6} {'peak in flight':>15} "
        f"{'bare req/s':>11} {'bare ratio':>11} {'stage/bare':>11}"
    )
    measure(4, 0.0, 1)  # warm-up: first client and event loop set-up are not measured
    for concurrency in (1, 8, 32):
        achieved, peak = measure(concurrency, args.latency, args.waves)
        bare = measure_bare_client(concurrency, args.latency, args.waves)
        ideal = concurrency / args.latency
        print(
            f"{concurrency:>11} {ideal:>12.1f} {achieved:>9.1f} {achieved / ideal:>6.2f} {peak:>15} "
            f"{bare:>11.1f} {bare / ideal:>11.2f} {achieved / bare:>11.2f}"
        )


if __name__ == "__main__":
    main()
