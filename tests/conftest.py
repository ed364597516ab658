"""Shared fixtures: a loopback OpenAI-compatible teacher and a runner for the real CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from factory.testing.loopback import LoopbackTeacher

ROOT = Path(__file__).resolve().parent.parent
FACTORY = [sys.executable, "-m", "factory.cli"]


@pytest.fixture
def loopback():
    with LoopbackTeacher(latency=0.0) as server:
        yield server


def run_cli(*args: str, env: dict | None = None, timeout: float = 600) -> subprocess.CompletedProcess:
    full_env = {**os.environ, "COLUMNS": "100", "NO_COLOR": "1", **(env or {})}
    return subprocess.run([*FACTORY, *args], capture_output=True, text=True, env=full_env, timeout=timeout, cwd=ROOT)
