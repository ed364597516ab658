"""Run pytest on code we did not write: a subprocess in a fresh temp folder, time- and resource-limited, offline.

`run_pytest(files, repo=...)` writes `files` ({name: text}) into a new temp folder, puts the
repo (and `pythonpath`) on PYTHONPATH, optionally swaps one definition of the repo for other
code before any test imports it (`Swap`: the coder's function under the real tests, or a stub
that only raises, to show that tests notice), runs `python -m pytest -q -p no:cacheprovider`
there and returns an `Outcome`: passed | failed | no_tests | timeout, the counts from pytest's
JUnit XML, the names of the tests that passed and the first line of each failure, and the last
lines of its output. With a swap, `sys.modules["factory_swap"].original` is the definition it
replaced (for a check that compares the two).

Isolation is factory.sandbox's (`isolation()`: user/net/mount/pid namespaces where unshare
works, else a socket guard): offline, the repo read-only, rlimits, a wall-clock timeout that
kills the whole process group, a minimal environment (no API keys), no bytecode or pytest
cache written, plugins not auto-loaded. It does not judge the tests (the recipe does).
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
import tempfile
import xml.etree.ElementTree as ET
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

from factory.errors import MissingDependency
from factory.record import content_hash
from factory.sandbox import base_env, isolation, run_confined

TIMEOUT_S = 60.0
CPU_SECONDS = 60
MEMORY_BYTES = 4 * 1024**3
FILE_BYTES = 64 * 1024**2
TAIL_LINES = 15

_SWAP = r'''"""Written by the factory sandbox: swap one definition of the repo for other code before tests import it."""
import __future__
import importlib
import json
import pathlib
import sys
import types

_spec = json.loads(pathlib.Path(__file__).with_name("swap.json").read_text(encoding="utf-8"))
_file = pathlib.Path(__file__).with_name("swapped.py")  # a real file: tracebacks show its lines
_module = importlib.import_module(_spec["module"])
_future = getattr(_module, "annotations", None) is __future__.annotations
_code = compile(_file.read_text(encoding="utf-8"), str(_file), "exec",
                flags=__future__.annotations.compiler_flag if _future else 0, dont_inherit=True)
_owner, _, _name = _spec["qualname"].rpartition(".")
_kept = types.ModuleType("factory_swap")  # the definition before the swap, for checks that compare the two
_kept.original = getattr(getattr(_module, _owner) if _owner else _module, _name, None)
sys.modules["factory_swap"] = _kept
if _owner:  # a method: defined apart, then set on its class
    _made = {}
    exec(_code, _module.__dict__, _made)
    setattr(getattr(_module, _owner), _name, _made[_name])
else:  # a function: defined in the module itself, so the module's own callers get it too
    _old = getattr(_module, _name, None)
    exec(_code, _module.__dict__)
    for _other in list(sys.modules.values()):  # and modules that imported it already (package re-exports)
        _names = getattr(_other, "__dict__", None)
        if _old is not None and isinstance(_names, dict) and _names.get(_name) is _old:
            _names[_name] = _module.__dict__[_name]
'''


_RESERVED = ("conftest.py", "swap.json", "swapped.py", "pytest.ini")


@dataclass(frozen=True)
class Swap:
    """Replace `qualname` ("f" or "Cls.method") of `module` by what `code` defines under that name."""

    module: str
    qualname: str
    code: str


@dataclass(frozen=True)
class Outcome:
    status: str  # passed | failed | no_tests | timeout
    passed: int = 0
    failed: int = 0  # failures + errors
    skipped: int = 0
    tail: str = ""  # the last lines of pytest's output
    passed_names: tuple[str, ...] = ()  # "file::Class::test[param]" of each test that passed
    failures: tuple[
        tuple[str, str], ...
    ] = ()  # (name, first line of its message) of each failure or error

    @property
    def ok(self) -> bool:
        return self.status == "passed"


_memo: OrderedDict[str, Outcome] = (
    OrderedDict()
)  # same run twice in one process (seed check, then validate)
_MEMO_SIZE = 2048


def run_pytest(
    files: dict[str, str],
    *,
    repo: str | os.PathLike,
    pythonpath: tuple[str, ...] | list[str] = (),
    swap: Swap | None = None,
    timeout: float = TIMEOUT_S,
    cpu_seconds: int = CPU_SECONDS,
    memory_bytes: int = MEMORY_BYTES,
    file_bytes: int = FILE_BYTES,
    network: str = "auto",
) -> Outcome:
    """pytest on `files` with the repo importable; see the module docstring. `network`: auto | namespaces | guard."""
    if importlib.util.find_spec("pytest") is None:
        raise MissingDependency(
            f"the sandbox runs pytest with {sys.executable}: install it there (pip install pytest)"
        )
    mode = isolation() if network == "auto" else network
    if mode not in ("namespaces", "guard"):
        raise ValueError(f"network must be auto, namespaces or guard, not {network!r}")
    repo = Path(repo).resolve()
    key = content_hash(
        files,
        str(repo),
        list(pythonpath),
        swap and vars(swap),
        timeout,
        cpu_seconds,
        memory_bytes,
        file_bytes,
        mode,
    )
    if key in _memo:
        _memo.move_to_end(key)
        return _memo[key]
    with tempfile.TemporaryDirectory(prefix="factory-sandbox-") as name:
        outcome = _run(
            Path(name),
            files,
            repo,
            [str(p) for p in pythonpath],
            swap,
            timeout,
            (cpu_seconds, memory_bytes, file_bytes),
            mode,
        )
    if outcome.status != "timeout":  # a timeout may be the machine's load: try again next time
        _memo[key] = outcome
        while len(_memo) > _MEMO_SIZE:
            _memo.popitem(last=False)
    return outcome


def _run(
    tmp: Path,
    files: dict[str, str],
    repo: Path,
    pythonpath: list[str],
    swap: Swap | None,
    timeout: float,
    limits: tuple[int, int, int],
    mode: str,
) -> Outcome:
    work = tmp / "work"
    for folder in (work, tmp / "home", tmp / "tmp"):
        folder.mkdir()
    (work / "pytest.ini").write_text(
        "[pytest]\n", encoding="utf-8"
    )  # the rootdir: no ini file above is read
    for file_name, text in files.items():
        if "/" in file_name or file_name.startswith(".") or file_name in _RESERVED:
            raise ValueError(
                f"sandbox file name {file_name!r}: a plain name, none of {', '.join(_RESERVED)}"
            )
        (work / file_name).write_text(text, encoding="utf-8")
    if swap is not None:
        where = {"module": swap.module, "qualname": swap.qualname}
        (work / "swap.json").write_text(json.dumps(where), encoding="utf-8")
        (work / "swapped.py").write_text(swap.code, encoding="utf-8")
        (work / "conftest.py").write_text(_SWAP, encoding="utf-8")
    paths = [str(repo), *([str(repo / "src")] if (repo / "src").is_dir() else []), *pythonpath]
    env = {**base_env(tmp), "PYTHONPATH": os.pathsep.join(paths)}
    junit = tmp / "junit.xml"
    command = [
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "-rfE",
        "--tb=short",
        "--color=no",
        f"--junitxml={junit}",
        str(work),
    ]
    log = tmp / "pytest.log"
    run = run_confined(
        command, tmp, cwd=work, env=env, log=log, timeout=timeout, limits=limits, mode=mode
    )
    if not run.in_time:
        return Outcome(
            "timeout", tail=f"killed after {timeout:g} s of wall-clock time\n" + _tail(log)
        )
    if run.cpu_limited:
        return Outcome("timeout", tail=f"killed at the CPU limit of {limits[0]} s\n" + _tail(log))
    return _judge(run.returncode, junit, _tail(log))


def _tail(log: Path) -> str:
    lines = log.read_text(encoding="utf-8", errors="replace").splitlines()
    lines = [line for line in lines if "generated xml file" not in line and line.strip("- ")]
    return "\n".join(lines[-TAIL_LINES:])[-2000:]


def _case_name(case: ET.Element) -> str:
    module, *owner = case.get("classname", "").split(".")
    return "::".join([f"{module}.py", *owner, case.get("name", "")])


def _judge(returncode: int, junit: Path, tail: str) -> Outcome:
    counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    passed, failures = [], []
    try:
        root = ET.parse(junit).getroot()
        for suite in root.iter("testsuite"):
            for key in counts:
                counts[key] += int(suite.get(key, 0))
        for case in root.iter("testcase"):
            problem = next((child for child in case if child.tag in ("failure", "error")), None)
            if problem is not None:
                failures.append(
                    (_case_name(case), (problem.get("message") or "").strip().split("\n")[0][:500])
                )
            elif not any(child.tag == "skipped" for child in case):
                passed.append(_case_name(case))
    except (OSError, ET.ParseError, ValueError):
        pass  # no report: pytest died before writing it; the return code says how
    failed = counts["failures"] + counts["errors"]
    count = counts["tests"] - failed - counts["skipped"]
    if returncode == 5 or (counts["tests"] == 0 and returncode == 0):
        return Outcome("no_tests", tail=tail)
    names = {"passed_names": tuple(passed), "failures": tuple(failures)}
    if failed or returncode != 0:
        return Outcome("failed", count, failed, counts["skipped"], tail, **names)
    if count == 0:
        return Outcome("no_tests", 0, 0, counts["skipped"], tail, **names)
    return Outcome("passed", count, 0, counts["skipped"], tail, **names)
