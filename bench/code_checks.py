"""Bench: do the code_tests checks really check, on real libraries' source distributions and their own test suites?

For each library (sdist from PyPI, `pip download --no-binary :all: --no-deps`, cached under
--cache): its license (PKG-INFO) and that its tests ship in the sdist; the share of its public
functions linked to a test or a docstring example (pipelines.code_tests.linking, goal >= 80%);
then the recipe's seed path with no teacher: each coder seed's ORIGINAL function is the answer
and goes through recipe.validate (real tests + docstring examples + differential inputs), each
tester seed's real test likewise. Every kept record's function is then replaced by its mutants
(pipelines.code_tests.mutants) and the same checks run again: a mutant is caught when they
fail. The baseline of the same run is the records' own code, which must pass (mutants caught
among records marked tested: goal >= 95%; records kept without any check: goal 0).
Prints one table. Uses the network only for pip (a PyPI mirror works); runs the libraries'
code only in the sandbox.

    .venv/bin/python bench/code_checks.py [--limit 24] [--cache ~/.cache/factory/code_checks] [--only funcy]
"""

from __future__ import annotations

import argparse
import email.parser
import subprocess
import sys
import tarfile
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from factory.record import Rejected  # noqa: E402
from pipelines.code_tests import mutants, recipe, sandbox  # noqa: E402
from pipelines.code_tests.linking import link_share  # noqa: E402

LIBRARIES = {  # name: (version, test style); toolz and more-itertools are kept for independent checks
    "funcy": ("2.1", "pytest, star re-exports"),
    "webcolors": ("25.10.0", "unittest classes"),
    "inflection": ("0.5.1", "pytest, module alias"),
    "humanize": ("4.17.0", "pytest + doctest-heavy, src layout"),
}


def fetch(name: str, version: str, cache: Path) -> Path:
    """The unpacked sdist of name==version under cache (downloaded once)."""
    cache.mkdir(parents=True, exist_ok=True)
    found = sorted(cache.glob(f"{name}-{version}.tar.gz"))
    if not found:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "-q",
                "--no-binary",
                ":all:",
                "--no-deps",
                f"{name}=={version}",
                "-d",
                str(cache),
            ],
            check=True,
        )
        found = sorted(cache.glob(f"{name}-{version}.tar.gz"))
    root = cache / "src" / f"{name}-{version}"
    if not root.is_dir():
        with tarfile.open(found[0]) as archive:
            archive.extractall(cache / "src", filter="data")
    return root


def license_of(root: Path) -> str:
    info = email.parser.Parser().parsestr((root / "PKG-INFO").read_text(encoding="utf-8"))
    return (
        info.get("License-Expression")
        or info.get("License")
        or ", ".join(
            c.rsplit("::", 1)[-1].strip()
            for c in info.get_all("Classifier", [])
            if c.startswith("License ::")
        )
    )


def _mutant_caught(seed: dict, code: str) -> bool:
    context = seed["context"]
    if context["agent"] == "coder":
        record = {
            "output": {"agent": "coder", "code": code},
            "provenance": {**seed["provenance"], "context": context},
        }
        return recipe.validate(record) is not None
    swap = sandbox.Swap(context["module"], context["qualname"], code)
    return not recipe._sandbox(context, {"test_generated.py": seed["output"]["code"]}, swap).ok


def measure(name: str, root: Path, limit: int) -> dict:
    links = link_share(root)
    kept, skipped, rows = [], Counter(), Counter()
    for seed in recipe.source_seeds({"paths": [str(root)], "untested": "reject"}, limit, 7):
        if isinstance(seed, Rejected):
            skipped[seed.reason] += 1
            continue
        record = recipe._as_record(seed)
        assert recipe.validate(record) is None, f"{name}: a kept seed fails its own checks"
        evidence = record["checks"]["validator"]
        kept.append(seed)
        rows[seed["context"]["agent"]] += 1
        tested = evidence.get("tests") != "none" or evidence.get("differential", "none") != "none"
        rows["tested"] += tested
        rows["no_check"] += not tested
        source = (
            seed["context"]["source"]
            if seed["context"]["agent"] == "tester"
            else seed["output"]["code"]
        )
        for kind, code in mutants.mutants(source, seed["context"]["name"]):
            rows["mutants"] += 1
            caught = _mutant_caught(seed, code)
            rows["caught"] += caught
            rows[f"{kind}:{'caught' if caught else 'missed'}"] += 1
    return {"links": links, "rows": rows, "skipped": skipped, "kept": len(kept)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--limit", type=int, default=24, help="seeds per library (tester and coder alternating)"
    )
    parser.add_argument(
        "--cache", type=Path, default=Path.home() / ".cache" / "factory" / "code_checks"
    )
    parser.add_argument(
        "--only", action="append", choices=sorted(LIBRARIES), help="just these libraries"
    )
    args = parser.parse_args(argv)
    header = (
        "library",
        "license",
        "style",
        "public fns",
        "linked",
        "kept (coder+tester)",
        "tested",
        "untested rej.",
        "mutants",
        "caught",
        "kept w/o check",
    )
    lines = [header]
    for name in args.only or LIBRARIES:
        version, style = LIBRARIES[name]
        root = fetch(name, version, args.cache)
        tests = [
            p
            for p in root.rglob("*.py")
            if p.name.startswith("test_") or p.name.endswith("_test.py")
        ]
        assert tests, f"{name} {version}: its sdist ships no tests"
        result = measure(name, root, args.limit)
        links, rows = result["links"], result["rows"]
        caught = (
            f"{rows['caught']}/{rows['mutants']} = {rows['caught'] / max(rows['mutants'], 1):.0%}"
        )
        lines.append(
            (
                f"{name} {version}",
                license_of(root),
                style,
                str(links["public"]),
                f"{links['linked']} = {links['share']:.0%}",
                f"{result['kept']} ({rows['coder']}+{rows['tester']})",
                str(rows["tested"]),
                str(result["skipped"]["code_untested"]),
                str(rows["mutants"]),
                caught,
                str(rows["no_check"]),
            )
        )
        missed = {k: v for k, v in rows.items() if k.endswith(":missed")}
        print(
            f"{name}: skipped seeds {dict(result['skipped'])}; missed mutants {missed}; "
            f"unlinked {links['unlinked'][:8]}",
            file=sys.stderr,
        )
    widths = [max(len(row[i]) for row in lines) for i in range(len(header))]
    for index, row in enumerate(lines):
        print(" | ".join(cell.ljust(width) for cell, width in zip(row, widths)))
        if index == 0:
            print("-|-".join("-" * width for width in widths))
    print(
        "goals: linked >= 80%, caught >= 95% of the mutants of records marked tested, kept w/o check 0 "
        "(the baseline: every kept record's own code passes the same checks, asserted above)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
