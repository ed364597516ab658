"""Benchmark: recall and precision of factory.pii.Scrubber on the generated PII corpus (bench/pii_corpus.py).

The corpus (default: 2,000 texts with planted personal data in 21 locales and nine genres, 500
clean texts that look like it; or a JSON Lines file from `pii_corpus.py --write`) goes through
`Scrubber.analyze` (timed) and `Scrubber.redact`, one text a record (timed). Per planted entity
type it prints: recall (a planted span counts as found when a finding of a compatible type
overlaps >= 50% of it), "any type" recall (a finding of any type does), findings of that type
and their precision (a finding is right when it overlaps a planted span of a compatible type by
half of either), and planted values left verbatim in the redacted text. Then the share of clean
texts with any finding and the 15 most common false-positive strings there, the most common
wrong findings in the personal texts, and texts/s. `--show-misses K` prints K missed values per
type (with the variant planted, genre and locale, and what was found there instead).

    .venv/bin/python bench/pii_recall.py [--n 2000] [--n-clean 500] [--seed 0] [--corpus FILE]
        [--entities LOCATION ...] [--scrubber-arg KEY=VALUE ...] [--show-misses 10] [--by-detail] [--json OUT]

`--scrubber-arg` passes a keyword to Scrubber(...) (a JSON value, else a string), e.g.
`--scrubber-arg 'thresholds={"PERSON": 0.6}'`; only keywords the constructor takes are accepted.
"""

from __future__ import annotations

import argparse
import inspect
import json
import sys
import time
import warnings
from collections import Counter, defaultdict
from pathlib import Path

warnings.filterwarnings("ignore")
sys.path.insert(0, str(Path(__file__).resolve().parent))

from pii_corpus import generate  # noqa: E402

from factory.pii import Scrubber  # noqa: E402
from factory.recipes import DEFAULT_PII_ENTITIES  # noqa: E402

# planted type -> finding types that count as finding it
COMPATIBLE = {"LOCATION": {"LOCATION", "ADDRESS", "STREET_ADDRESS", "GPE"}}


def compatible(planted: str, found: str) -> bool:
    return found in COMPATIBLE.get(planted, {planted})


def overlap(a: tuple[int, int], b: tuple[int, int]) -> int:
    return max(0, min(a[1], b[1]) - max(a[0], b[0]))


def scrubber_kwargs(pairs: list[str]) -> dict:
    accepted = set(inspect.signature(Scrubber).parameters) - {"entities"}
    kwargs = {}
    for pair in pairs:
        key, _, value = pair.partition("=")
        if key not in accepted:
            raise SystemExit(f"--scrubber-arg {key}: Scrubber takes {', '.join(sorted(accepted))}")
        try:
            kwargs[key] = json.loads(value)
        except json.JSONDecodeError:
            kwargs[key] = value
    return kwargs


def score(corpus: list[dict], findings: list[list], redacted: list[str]) -> dict:
    """Counts per planted type and per finding type, misses and false positives."""
    planted, found, found_any, left = Counter(), Counter(), Counter(), Counter()
    by_detail = defaultdict(lambda: [0, 0])  # (type, detail) -> [planted, found]
    flagged, right = Counter(), Counter()
    misses = defaultdict(list)
    clean_fp, pii_fp, clean_hit = Counter(), Counter(), 0
    for item, results, text_out in zip(corpus, findings, redacted, strict=True):
        text = item["text"]
        for e in item["entities"]:
            span, need = (e["start"], e["end"]), 0.5 * (e["end"] - e["start"])
            typed = any(
                compatible(e["type"], r.entity_type) and overlap(span, (r.start, r.end)) >= need
                for r in results
            )
            untyped = any(overlap(span, (r.start, r.end)) >= need for r in results)
            planted[e["type"]] += 1
            found[e["type"]] += typed
            found_any[e["type"]] += untyped
            left[e["type"]] += e["value"] in text_out
            by_detail[(e["type"], e["detail"])][0] += 1
            by_detail[(e["type"], e["detail"])][1] += typed
            if not typed:
                instead = [
                    f"{r.entity_type} {text[r.start : r.end]!r}"
                    for r in results
                    if overlap(span, (r.start, r.end))
                ]
                misses[e["type"]].append(
                    {
                        "value": e["value"],
                        "detail": e["detail"],
                        "genre": item["genre"],
                        "locale": item["locale"],
                        "found_instead": instead,
                    }
                )
        for r in results:
            flagged[r.entity_type] += 1
            ok = any(
                compatible(e["type"], r.entity_type)
                and overlap((e["start"], e["end"]), (r.start, r.end))
                >= 0.5 * min(e["end"] - e["start"], r.end - r.start)
                for e in item["entities"]
            )
            right[r.entity_type] += ok
            if not ok:
                (clean_fp if item["clean"] else pii_fp)[(r.entity_type, text[r.start : r.end])] += 1
        clean_hit += bool(item["clean"] and results)
    return {
        "planted": planted,
        "found": found,
        "found_any": found_any,
        "left": left,
        "flagged": flagged,
        "right": right,
        "misses": misses,
        "clean_fp": clean_fp,
        "pii_fp": pii_fp,
        "clean_hit": clean_hit,
        "by_detail": by_detail,
    }


def table(s: dict, entities: tuple[str, ...]) -> dict:
    rows = {}
    for kind in sorted(set(s["planted"]) | set(s["flagged"])):
        n, f = s["planted"][kind], s["flagged"][kind]
        rows[kind] = {
            "planted": n,
            "recall": s["found"][kind] / n if n else None,
            "recall_any_type": s["found_any"][kind] / n if n else None,
            "findings": f,
            "precision": s["right"][kind] / f if f else None,
            "left": s["left"][kind],
        }
    for name, kinds in (
        (
            "ALL scrubber types",
            [k for k in s["planted"] if any(compatible(k, e) for e in entities)],
        ),
        ("ALL planted", list(s["planted"])),
    ):
        n = sum(s["planted"][k] for k in kinds)
        f = sum(s["flagged"].values())
        rows[name] = {
            "planted": n,
            "recall": sum(s["found"][k] for k in kinds) / n,
            "recall_any_type": sum(s["found_any"][k] for k in kinds) / n,
            "findings": f,
            "precision": sum(s["right"].values()) / f if f else None,
            "left": sum(s["left"][k] for k in kinds),
        }
    return rows


def fmt(x) -> str:
    return "   -  " if x is None else f"{x:6.3f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000, help="texts with personal data")
    parser.add_argument("--n-clean", type=int, default=500, help="texts without")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--corpus",
        type=Path,
        help="a JSON Lines corpus (pii_corpus.py --write) instead of generating",
    )
    parser.add_argument(
        "--entities", nargs="*", default=[], help="entities besides the defaults, e.g. LOCATION"
    )
    parser.add_argument("--scrubber-arg", action="append", default=[], metavar="KEY=VALUE")
    parser.add_argument(
        "--show-misses", type=int, default=0, metavar="K", help="print K missed values per type"
    )
    parser.add_argument(
        "--by-detail",
        action="store_true",
        help="recall per planted variant (name style, phone format...)",
    )
    parser.add_argument("--json", type=Path, help="write the numbers here")
    args = parser.parse_args()

    if args.corpus:
        corpus = [json.loads(line) for line in args.corpus.read_text().splitlines() if line.strip()]
    else:
        corpus = generate(args.n, args.n_clean, args.seed)
    texts = [item["text"] for item in corpus]
    entities = tuple(dict.fromkeys([*DEFAULT_PII_ENTITIES, *args.entities]))
    kwargs = scrubber_kwargs(args.scrubber_arg)
    scrubber = Scrubber(entities, **kwargs)
    scrubber.analyze(texts[:8])  # warm-up: spaCy and presidio load lazily

    started = time.perf_counter()
    findings = scrubber.analyze(texts)
    analyze_rate = len(texts) / (time.perf_counter() - started)
    started = time.perf_counter()
    redacted = [group[0] for group, _ in scrubber.redact_groups([[text] for text in texts])]
    redact_rate = len(texts) / (time.perf_counter() - started)

    s = score(corpus, findings, redacted)
    rows = table(s, entities)
    n_clean = sum(item["clean"] for item in corpus)
    print(
        f"{len(corpus) - n_clean} personal texts, {n_clean} clean; Scrubber({', '.join(entities)}"
        + "".join(f", {k}={v!r}" for k, v in kwargs.items())
        + ")"
    )
    print(
        f"\n{'entity':<20} {'planted':>7} {'recall':>7} {'any-type':>8} {'findings':>8} {'precision':>9} {'left':>5}"
    )
    for kind, row in rows.items():
        print(
            f"{kind:<20} {row['planted']:>7} {fmt(row['recall']):>7} {fmt(row['recall_any_type']):>8} "
            f"{row['findings']:>8} {fmt(row['precision']):>9} {row['left']:>5}"
        )
    rate = s["clean_hit"] / n_clean if n_clean else 0.0
    print(f"\nclean texts with any finding: {s['clean_hit']} of {n_clean} ({rate:.1%})")
    for (kind, value), count in s["clean_fp"].most_common(15):
        print(f"  {count:4d}  {kind:<14} {value!r}")
    print("most common wrong findings in the personal texts:")
    for (kind, value), count in s["pii_fp"].most_common(10):
        print(f"  {count:4d}  {kind:<14} {value!r}")
    print(
        f"\nanalyze: {analyze_rate:.1f} texts/s; redact (one text a record): {redact_rate:.1f} texts/s"
    )

    detail = {
        f"{kind}/{name}": {"planted": n, "recall": f / n}
        for (kind, name), (n, f) in sorted(s["by_detail"].items())
    }
    if args.by_detail:
        print("\nrecall per planted variant:")
        for name, row in detail.items():
            print(f"  {name:<36} {row['planted']:5d} {row['recall']:6.3f}")
    if args.show_misses:
        for kind, missed in sorted(s["misses"].items()):
            print(f"\nmissed {kind} ({len(missed)}):")
            for miss in missed[:: max(1, len(missed) // args.show_misses)][: args.show_misses]:
                instead = (
                    f"  found: {'; '.join(miss['found_instead'])}" if miss["found_instead"] else ""
                )
                print(
                    f"  {miss['value']!r:<44} {miss['detail']:<22} {miss['genre']}/{miss['locale']}{instead}"
                )
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "corpus": {
                        "personal": len(corpus) - n_clean,
                        "clean": n_clean,
                        "seed": args.seed,
                        "file": str(args.corpus) if args.corpus else None,
                    },
                    "scrubber": {"entities": list(entities), **kwargs},
                    "per_type": rows,
                    "per_variant": detail,
                    "clean": {
                        "with_finding": s["clean_hit"],
                        "rate": rate,
                        "top": [
                            {"type": k, "value": v, "count": c}
                            for (k, v), c in s["clean_fp"].most_common(15)
                        ],
                    },
                    "texts_per_s": {"analyze": analyze_rate, "redact": redact_rate},
                    "misses": {kind: missed[:200] for kind, missed in s["misses"].items()},
                },
                indent=1,
                ensure_ascii=False,
            )
        )
        print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
