"""Calibrate the dedup threshold on labelled pairs (tests/assets/dedup_pairs.jsonl).

Prints the cosine of every pair (all-MiniLM-L6-v2), then precision/recall/F1 of
"cosine >= t is a duplicate" for a range of t, and the t with the best F1 (the
middle of the range of t with the best F1, the one farthest from both kinds of mistake).
The recipe's default `dedup.threshold` comes from this.

    .venv/bin/python bench/dedup_calibration.py
"""

from __future__ import annotations

import json
from pathlib import Path

from factory.embeddings import encode

PAIRS = Path(__file__).resolve().parent.parent / "tests" / "assets" / "dedup_pairs.jsonl"


def main() -> None:
    pairs = [json.loads(line) for line in PAIRS.read_text().splitlines() if line.strip()]
    a, b = encode([p["a"] for p in pairs]), encode([p["b"] for p in pairs])
    scores = (a * b).sum(axis=1)
    for pair, score in sorted(zip(pairs, scores), key=lambda x: -x[1]):
        print(
            f"{score:.3f} {'dup ' if pair['duplicate'] else 'diff'}  {pair['a']!r} / {pair['b']!r}"
        )
    rows = []
    print(f"\n{'t':>5} {'precision':>9} {'recall':>6} {'F1':>5}")
    for t in [x / 100 for x in range(80, 100)]:
        tp = sum(1 for p, s in zip(pairs, scores) if s >= t and p["duplicate"])
        fp = sum(1 for p, s in zip(pairs, scores) if s >= t and not p["duplicate"])
        fn = sum(1 for p, s in zip(pairs, scores) if s < t and p["duplicate"])
        precision = tp / (tp + fp) if tp + fp else 1.0
        recall = tp / (tp + fn) if tp + fn else 1.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        print(f"{t:>5.2f} {precision:>9.2f} {recall:>6.2f} {f1:>5.2f}")
        rows.append((t, f1))
    top = max(f1 for _, f1 in rows)
    best = [t for t, f1 in rows if f1 == top]
    print(
        f"\nbest F1 {top:.2f} for t in [{best[0]:.2f}, {best[-1]:.2f}]; threshold: {best[len(best) // 2]:.2f}"
    )


if __name__ == "__main__":
    main()
