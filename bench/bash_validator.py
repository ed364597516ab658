"""Benchmark: the sysadmin_bash command validator on the committed corpora of evals/sysadmin_bash/.

    .venv/bin/python bench/bash_validator.py

- real_commands.txt (man pages' EXAMPLES and everyday one-liners): share accepted (goal >= 97%),
  and every rejected one with its reason;
- garbage.txt (markup, prose, JSON, placeholders, cut-off text): how many are accepted (goal 0);
- dangerous.txt: share refused as `dangerous_command` (goal 100%).
Lines starting with "#" are comments. It runs `bash -n` once per line and reads no man page for
the programs in the committed tables; it does not judge whether a command does what a task asks.
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipelines.sysadmin_bash.bash_check import check  # noqa: E402

CORPORA = Path(__file__).resolve().parents[1] / "evals" / "sysadmin_bash"


def corpus(name: str) -> list[str]:
    text = (CORPORA / f"{name}.txt").read_text()
    return [line for line in text.splitlines() if line.strip() and not line.startswith("#")]


def measure() -> dict:
    results = {
        name: [(line, check(line)) for line in corpus(name)]
        for name in ("real_commands", "garbage", "dangerous")
    }
    real, junk, harm = results["real_commands"], results["garbage"], results["dangerous"]
    return {
        "real": len(real),
        "real_accepted": sum(r is None for _, r in real),
        "real_rejected": [(line, r) for line, r in real if r is not None],
        "garbage": len(junk),
        "garbage_accepted": [line for line, r in junk if r is None],
        "garbage_reasons": Counter(r[0] for _, r in junk if r),
        "dangerous": len(harm),
        "dangerous_refused": sum(bool(r) and r[0] == "dangerous_command" for _, r in harm),
        "dangerous_missed": [(line, r) for line, r in harm if not r or r[0] != "dangerous_command"],
    }


def main() -> int:
    start = time.perf_counter()
    m = measure()
    share = m["real_accepted"] / m["real"]
    print("| corpus | lines | result | goal |\n|---|---|---|---|")
    print(f"| real commands | {m['real']} | {share:.1%} accepted | >= 97% |")
    print(f"| garbage | {m['garbage']} | {len(m['garbage_accepted'])} accepted | 0 |")
    print(
        f"| dangerous | {m['dangerous']} | {m['dangerous_refused'] / m['dangerous']:.1%} refused | 100% |"
    )
    print(f"\ngarbage refused by reason: {dict(m['garbage_reasons'])}")
    for title, rows in (
        ("real commands rejected", m["real_rejected"]),
        ("garbage accepted", m["garbage_accepted"]),
        ("dangerous not refused", m["dangerous_missed"]),
    ):
        if rows:
            print(f"\n{title}:")
            for row in rows:
                print(f"  {row[0]!r} -> {row[1]}" if isinstance(row, tuple) else f"  {row!r}")
    print(f"\n{time.perf_counter() - start:.1f} s")
    ok = share >= 0.97 and not m["garbage_accepted"] and not m["dangerous_missed"]
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
