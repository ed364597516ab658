"""known: what the validator knows about programs and their options, the same on every build machine.

- `program_known(name)`: a bash builtin or keyword, a program named in programs.txt, commands.json or
  usage.yaml (all committed), else, as a fallback, a program with a man page or on PATH here.
- `rules_for(name, subcommand)`: a `Rules` (options and how they are used) from, in order: bash's
  `help -s` for builtins; commands.json (options of 430 programs, generated once from man pages by
  make_table.py) merged with usage.yaml (hand-written: options of programs without a page there such
  as sudo, crontab, cal, nc; old `-NUM` forms; find's single-dash words; tar's mode; required operands);
  else the machine's man page. `git log` adds git-log's options. None: options are not checked.
It does not parse command lines (bash_check.py does) and never runs the programs.
"""

from __future__ import annotations

import functools
import json
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from factory.sources.man_text import parse_tag, synopsis_flags
from factory.sources.manpages import option_table, options_of, page_of, page_path

HERE = Path(__file__).parent
BASH_TIMEOUT_S = 10


@dataclass(frozen=True)
class Rules:
    """A program's options: flag -> argument it takes, every documented flag, canonical names, and usage."""

    arguments: dict
    documented: frozenset
    canonical: dict
    where: str
    numeric: bool = False  # -NUM is an option (tail -1)
    single_dash: bool = False  # -name is one option, not -n -a -m -e
    patterns: tuple = ()  # (compiled regex, argument)
    runs: frozenset = frozenset()  # options that run a command up to ; or +
    bundle: bool = False  # tar xzf: option letters without the dash
    needs_one_of: tuple = ()
    min_operands: int = 0
    unless: frozenset = field(default_factory=frozenset)


@functools.lru_cache(maxsize=1)
def _table() -> dict:
    return json.loads((HERE / "commands.json").read_text())


@functools.lru_cache(maxsize=1)
def _usage() -> dict:
    return yaml.safe_load((HERE / "usage.yaml").read_text()) or {}


@functools.lru_cache(maxsize=1)
def _names() -> frozenset[str]:
    words = [
        w
        for line in (HERE / "programs.txt").read_text().splitlines()
        if not line.startswith("#")
        for w in line.split()
    ]
    return frozenset(words) | frozenset(_table()) | frozenset(_usage())


@functools.lru_cache(maxsize=1)
def builtins_and_keywords() -> frozenset[str]:
    done = subprocess.run(
        ["bash", "--norc", "-c", "compgen -b; compgen -k"],
        capture_output=True,
        text=True,
        timeout=BASH_TIMEOUT_S,
    )
    return frozenset(done.stdout.split())


def in_table(name: str) -> bool:
    """Known from the committed files or bash itself (not from this machine's PATH or pages)."""
    return name in builtins_and_keywords() or name in _names()


@functools.lru_cache(maxsize=512)
def program_known(name: str) -> bool:
    import shutil

    return in_table(name) or shutil.which(name) is not None or page_path(name) is not None


def no_options(name: str) -> bool:
    return bool((_usage().get(name) or {}).get("no_options"))


def _from_table(name: str) -> tuple[dict, set, dict, str] | None:
    entry = _table().get(name)
    if entry is not None:
        canonical = {flag: group[0] for group in entry["groups"] for flag in group}
        return (
            dict(entry["table"]),
            set(entry["table"]) | set(entry["mentioned"]),
            canonical,
            f"man:{name}",
        )
    if (
        name in _names() or page_path(name) is None
    ):  # a committed name is never read from this machine
        return None
    table = option_table(name)
    canonical = {
        flag: option["flags"][0] for option in page_of(name)["options"] for flag in option["flags"]
    }
    return dict(table), set(options_of(name)), canonical, f"man:{name}"


def _hand_written(name: str, arguments: dict, documented: set, canonical: dict) -> dict:
    usage = _usage().get(name) or {}
    for tag in usage.get("options", []):
        tags = parse_tag(tag) or []
        argument = next((f"[{arg}]" if optional else arg for _, arg, optional in tags if arg), None)
        for flag, _, _ in tags:
            arguments[flag] = argument
            documented.add(flag)
            canonical.setdefault(flag, tags[0][0])
    return usage


@functools.lru_cache(maxsize=512)
def rules_for(name: str, subcommand: str | None = None) -> Rules | None:
    """The option rules of a program, None when nothing documents its options."""
    if name in builtins_and_keywords() and name not in _usage():
        done = subprocess.run(
            ["bash", "--norc", "-c", f"help -s {name}"],
            capture_output=True,
            text=True,
            timeout=BASH_TIMEOUT_S,
        )
        if done.returncode == 0:
            flags = synopsis_flags(done.stdout.split(":", 1)[-1])
            return Rules(flags, frozenset(flags), {}, f"bash's help {name}")
    found = _from_table(name)
    if found is None and not (_usage().get(name) or {}).get("options"):
        return None
    arguments, documented, canonical, where = found or ({}, set(), {}, "factory's usage.yaml")
    usage = _hand_written(name, arguments, documented, canonical)
    if (
        subcommand
        and re.fullmatch(r"[a-z][a-z0-9-]*", subcommand)
        and (sub := _from_table(f"{name}-{subcommand}"))
    ):
        arguments = {**sub[0], **arguments}
        documented |= sub[1]
        where += f" or {sub[3]}"
    operands = usage.get("operands") or {}
    return Rules(
        arguments,
        frozenset(documented),
        canonical,
        where,
        numeric=bool(usage.get("numeric")),
        single_dash=bool(usage.get("single_dash")),
        patterns=tuple((re.compile(p + "$"), a) for p, a in (usage.get("patterns") or {}).items()),
        runs=frozenset(usage.get("runs") or ()),
        bundle=bool(usage.get("bundle")),
        needs_one_of=tuple(usage.get("needs_one_of") or ()),
        min_operands=int(operands.get("min", 0)),
        unless=frozenset(operands.get("unless") or ()),
    )
