"""Benchmark: what `factory proxy` adds over calling the teacher directly, at concurrency 1 and 32.

The teacher is the loopback server in its own process (fixed latency, default 200 ms, like
bench/teacher_throughput.py). The proxy is the real one (`factory proxy serve toolcalls`, its own
process, --share 0 so every request goes to the teacher): it checks the key, forwards, and logs
every exchange PII-scrubbed (presidio) and fsynced before answering. The same client (aiohttp, one
event loop) sends the same requests to the teacher directly (the baseline, measured in the same
run) and through the proxy, in alternating rounds so that both see the same background load on a
shared machine. Printed per concurrency: p50/p95 latency of both (pooled over the rounds), the
added latency (proxy minus direct, at p50 and p95; and each round's added p50), requests/s of
both and their ratio.
Goal: added p50 <= 5 ms and throughput ratio >= 0.9.

    .venv/bin/python bench/proxy.py [--latency 0.2] [--waves 10] [--rounds 5]
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

from factory.processes import free_port
from factory.testing.loopback import loopback_process

KEY = "bench-proxy-key-0123456789"
TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "Current weather for a city.",
            "parameters": {
                "type": "object",
                "properties": {"location": {"type": "string"}},
                "required": ["location"],
            },
        },
    }
]


def body(i: int) -> dict:
    return {
        "model": "loopback",
        "tools": TOOLS,
        "max_tokens": 320,
        "messages": [
            {"role": "system", "content": "You are the assistant of a travel desk. Use the tools."},
            {
                "role": "user",
                "content": f"Request: what is the weather like in Lisbon today, trip {i}?",
            },
        ],
    }


async def run(url: str, concurrency: int, count: int) -> tuple[list[float], float]:
    """Per-request latencies (s) and requests/s for `count` requests, `concurrency` at a time."""
    gate, latencies = asyncio.Semaphore(concurrency), []
    headers = {"Authorization": f"Bearer {KEY}"}
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:

        async def one(i: int) -> None:
            async with gate:
                started = time.perf_counter()
                async with session.post(
                    f"{url}/chat/completions", json=body(i), headers=headers
                ) as reply:
                    await reply.read()
                    assert reply.status == 200, reply.status
                latencies.append(time.perf_counter() - started)

        await asyncio.gather(*(one(i) for i in range(concurrency)))  # warm-up: connections opened
        latencies.clear()
        started = time.perf_counter()
        await asyncio.gather(*(one(i) for i in range(count)))
        return latencies, count / (time.perf_counter() - started)


def p95(values: list[float]) -> float:
    return sorted(values)[math.ceil(0.95 * len(values)) - 1]


def start_proxy(teacher_url: str, log_dir: Path) -> tuple[subprocess.Popen, str]:
    factory = str(Path(sys.executable).with_name("factory"))
    port = free_port()
    process = subprocess.Popen(
        [
            factory,
            "proxy",
            "serve",
            "toolcalls",
            "--teacher-url",
            teacher_url,
            "--student-url",
            teacher_url,
            "--share",
            "0",
            "--port",
            str(port),
            "--log-dir",
            str(log_dir),
            "--api-key",
            KEY,
        ],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ},
    )
    banner = process.stdout.readline()
    found = re.search(r" at (http://\S+):", banner)
    if not found:
        process.kill()
        raise SystemExit(f"the proxy did not start: {banner}")
    return process, found.group(1)


def main() -> None:  # noqa: D103
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency", type=float, default=0.2)
    parser.add_argument(
        "--waves", type=int, default=10, help="requests per round = max(40, concurrency * waves)"
    )
    parser.add_argument(
        "--rounds", type=int, default=5, help="direct and proxied runs alternate this many times"
    )
    args = parser.parse_args()
    print(
        f"loopback teacher, fixed latency {args.latency * 1000:.0f} ms; proxy: factory proxy serve toolcalls --share 0 "
        "(key check, forward, exchange journaled before the answer, scrubbed into the log by its own process)"
    )
    print(
        f"{args.rounds} alternating rounds of direct and proxied requests per concurrency, latencies pooled; "
        "added p50 per round in brackets"
    )
    print(
        f"{'concurrency':>11} {'requests':>8} {'direct p50/p95 ms':>18} {'proxy p50/p95 ms':>17} "
        f"{'added p50 ms':>12} {'added p95 ms':>12} {'direct req/s':>12} {'proxy req/s':>11} {'ratio':>6}  rounds"
    )
    with tempfile.TemporaryDirectory() as tmp, loopback_process(args.latency) as teacher_url:
        process, proxy_url = start_proxy(teacher_url, Path(tmp) / "logs")
        try:
            for concurrency in (1, 32):
                count = max(40, concurrency * args.waves)
                direct, proxied, rates, rounds = [], [], ([], []), []
                for _ in range(args.rounds):
                    d, d_rate = asyncio.run(run(teacher_url, concurrency, count))
                    x, x_rate = asyncio.run(run(proxy_url, concurrency, count))
                    direct += d
                    proxied += x
                    rates[0].append(d_rate)
                    rates[1].append(x_rate)
                    rounds.append(1000 * (statistics.median(x) - statistics.median(d)))
                ms = [
                    1000 * v
                    for v in (
                        statistics.median(direct),
                        p95(direct),
                        statistics.median(proxied),
                        p95(proxied),
                    )
                ]
                direct_rate, proxy_rate = statistics.fmean(rates[0]), statistics.fmean(rates[1])
                print(
                    f"{concurrency:>11} {count * args.rounds:>8} {ms[0]:>9.1f} / {ms[1]:<6.1f} {ms[2]:>8.1f} / {ms[3]:<6.1f} "
                    f"{ms[2] - ms[0]:>12.1f} {ms[3] - ms[1]:>12.1f} {direct_rate:>12.1f} {proxy_rate:>11.1f} "
                    f"{proxy_rate / direct_rate:>6.2f}  [{', '.join(f'{r:.1f}' for r in rounds)}]"
                )
            logged = sum(
                len(p.read_text().splitlines())
                for p in (Path(tmp) / "logs").glob("exchanges-*.jsonl")
            )
            print(
                f"exchanges in the log when the runs ended: {logged} (the rest waited in the journal for the scrubber)"
            )
        finally:
            process.terminate()
            process.wait()


if __name__ == "__main__":
    main()
