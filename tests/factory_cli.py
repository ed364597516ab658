"""Test helpers importable from any test folder: run the installed `factory` as a user would, check a build run."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from factory.jsonl import read_jsonl
from factory.recipes import load_recipe
from factory.stages.validate import schema_validator

ROOT = Path(__file__).resolve().parent.parent
FACTORY = [str(Path(sys.executable).with_name("factory"))]  # the installed console script


def run_cli(
    *args: str, env: dict | None = None, timeout: float = 600
) -> subprocess.CompletedProcess:
    full_env = {**os.environ, "COLUMNS": "100", "NO_COLOR": "1", **(env or {})}
    return subprocess.run(
        [*FACTORY, *args], capture_output=True, text=True, env=full_env, timeout=timeout, cwd=ROOT
    )


def records(path: Path) -> list[dict]:
    return [obj for _, obj in read_jsonl(path)]


def assert_valid_run(run_dir: Path, report: dict, recipe_name: str = "rem_queries") -> list[dict]:
    """Every kept record validates and is unique; every rejection is counted in the report."""
    recipe = load_recipe(recipe_name)
    validator = schema_validator(recipe)
    kept = records(run_dir / "dataset.jsonl")
    assert report["records"] == len(kept) > 0
    names = [
        f"{name}-{recipe.stages[:i].count(name) + 1}" if name in recipe.stages[:i] else name
        for i, name in enumerate(recipe.stages)
    ]
    assert [row["name"] for row in report["stages"]] == names
    for record in kept:
        assert list(validator.iter_errors(record["output"])) == []
        assert recipe.module.validate(record) is None
        assert (
            record["checks"]["schema"] == "ok"
        )  # the validator's evidence: "ok", or what ran (code_tests)
        assert record["checks"]["validator"] == "ok" or isinstance(
            record["checks"]["validator"], dict
        )
        assert isinstance(
            record["checks"]["pii"], dict
        )  # scrubbed: {type: count}, never the values
        assert (
            record["recipe"] == recipe.name and record["kind"] == recipe.kind and record["seed_id"]
        )
    assert len({r["id"] for r in kept}) == len(kept)
    for row in report[
        "stages"
    ]:  # every record in is accounted for: kept, rejected, or (the teacher's stages) added
        rejected = records(run_dir / "rejected" / f"{row['name']}.jsonl")
        assert len(rejected) == sum(row["rejected"].values())
        assert all(r["reason"] in row["rejected"] for r in rejected)
        if row["name"] not in ("generate", "invent"):
            assert row["in"] == row["out"] + len(rejected)
    return kept


def child_processes(pid: int) -> dict[int, str]:
    """{pid: command line} of the running processes whose parent is `pid` (Linux /proc)."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found[int(entry.name)] = (
                    (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
                )
        except (OSError, ValueError, IndexError):
            continue  # it ended while we read
    return found


def process_gone(pid: int, ceiling: float = 60) -> bool:
    """Wait until the process `pid` has ended (or is a zombie); False if it still runs after `ceiling`
    seconds (a ceiling against hanging, not a timing)."""
    import time

    deadline = time.monotonic() + ceiling
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            return True
        if state == "Z":
            return True
        time.sleep(0.2)
    return False
