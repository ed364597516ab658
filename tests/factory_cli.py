"""Run the installed `factory` console script as a user would (importable from any test folder)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FACTORY = [str(Path(sys.executable).with_name("factory"))]  # the installed console script


def run_cli(*args: str, env: dict | None = None, timeout: float = 600) -> subprocess.CompletedProcess:
    full_env = {**os.environ, "COLUMNS": "100", "NO_COLOR": "1", **(env or {})}
    return subprocess.run([*FACTORY, *args], capture_output=True, text=True, env=full_env, timeout=timeout, cwd=ROOT)
