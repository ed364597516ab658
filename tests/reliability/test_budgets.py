"""Budgets: `--dry-run` counts without calling; `--max-tokens` / `--max-cost` stop cleanly and resume from the cache."""

import json

import pytest
from factory_cli import records, run_cli

from factory.budget import Budget, price_of
from factory.errors import ConfigError
from factory.testing.loopback import LoopbackTeacher


def test_dry_run_counts_the_real_prompts_and_calls_nothing(tmp_path):
    with LoopbackTeacher() as server:
        out = run_cli(
            "build",
            "rem_queries",
            "--limit",
            "12",
            "--dry-run",
            "--teacher-url",
            server.base_url,
            "--teacher",
            "gpt-4o",
            "--out",
            str(tmp_path),
        )
        assert server.requests == 0
    assert out.returncode == 0, out.stderr
    estimate = json.loads(out.stdout)
    assert (
        estimate["seeds"] == 12 and estimate["teacher_calls"] == 24
    )  # a rewrite and a new-example call a seed
    assert (
        24 * 50 < estimate["prompt_tokens"] < 24 * 600
    )  # two rendered messages a call, ~4 characters a token
    assert estimate["completion_tokens_at_most"] == 24 * 320  # the recipe's max_tokens
    assert estimate["cost_usd_at_most"] == round(
        estimate["prompt_tokens"] / 1e6 * 2.5 + 24 * 320 / 1e6 * 10.0, 4
    )
    none = run_cli(
        "build",
        "rem_queries",
        "--limit",
        "12",
        "--dry-run",
        "--teacher",
        "gpt-4o",
        "--new-examples",
        "0",
        "--out",
        str(tmp_path),
    )
    assert json.loads(none.stdout)["teacher_calls"] == 12, (
        none.stderr
    )  # --new-examples 0: the invent stage asks nothing
    assert not any(tmp_path.iterdir())  # nothing written


def test_max_tokens_stops_cleanly_and_a_rerun_pays_only_for_the_rest(tmp_path):
    args = [
        "build",
        "rem_queries",
        "--limit",
        "10",
        "--variations",
        "2",
        "--out",
        str(tmp_path),
        "--run",
        "r",
        "--max-concurrency",
        "1",
    ]
    with LoopbackTeacher() as server:  # 80 tokens a reply
        stopped = run_cli(*args, "--teacher-url", server.base_url, "--max-tokens", "200")
        assert stopped.returncode == 3, stopped.stderr
        assert (
            stopped.stderr.strip()
            .splitlines()[-1]
            .startswith("stopped: teacher budget reached: 240 tokens of --max-tokens 200;")
        )
        assert f"Resume with: factory build rem_queries --run r --out {tmp_path}" in stopped.stderr
        asked = server.requests
        assert asked == 3 and not (tmp_path / "rem_queries" / "r" / "dataset.jsonl").exists()
        resumed = run_cli(*args, "--teacher-url", server.base_url, "--max-tokens", "10000")
        assert resumed.returncode == 0, resumed.stderr
        # 10 rewrite prompts (generate) and 10 new-example prompts (invent), none asked twice
        assert server.requests == 20 and len(set(server.prompts)) == 20
    report = json.loads((tmp_path / "rem_queries" / "r" / "report.json").read_text())
    generate = next(row for row in report["stages"] if row["name"] == "generate")
    assert generate["cache"] == {"hits": 3, "misses": 7, "failed_calls": 0}
    assert len(records(tmp_path / "rem_queries" / "r" / "dataset.jsonl")) == report["records"] > 10


def test_max_cost_needs_a_price_and_counts_in_dollars():
    assert price_of("gpt-4o-2024-08-06") == (2.50, 10.00) and price_of("my-local-model") is None
    budget = Budget(max_cost=0.001, price=price_of("gpt-4o"))
    budget.add(200, 40)  # $0.0009
    assert not budget.spent()
    budget.add(0, 10)  # $0.001
    assert budget.spent() and budget.summary() == "250 tokens ($0.0010) of --max-cost 0.001"
    with pytest.raises(
        ConfigError, match="--max-cost needs the teacher's price: give --price-in and --price-out"
    ):
        Budget(max_cost=1.0, price=None)
