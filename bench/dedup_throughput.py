"""Benchmark: end-to-end dedup vs raw model.encode on the same 20,000 texts; 100,000 records' time and memory.

1. Raw: `SentenceTransformer.encode` of the 20,000 inputs (the floor: dedup must embed them).
2. Dedup: the dedup stage on 20,000 records (exact pass, embedding with a fresh cache, faiss
   pairs, clusters, survivors). Prints records/s of both and dedup / raw. Goal: >= 0.85.
3. 100,000 records through the dedup stage in a child process: wall time and peak RSS
   (the child's own high-water mark, model included).

    .venv/bin/python bench/dedup_throughput.py [--records 20000] [--large 100000]
"""

from __future__ import annotations

import argparse
import random
import resource
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

warnings.filterwarnings("ignore")

from factory.recipes import load_recipe  # noqa: E402
from factory.record import Record  # noqa: E402
from factory.stages.base import BuildOptions, StageSettings  # noqa: E402
from factory.stages.dedup import DedupStage  # noqa: E402

WORDS = (
    "budget planning machine learning hiking trips quarterly review sleep quality product roadmap customer "
    "feedback kubernetes deployment reading notes family dinner api migration garden marathon hiring"
).split()


def records(n: int) -> list[dict]:
    """Grammar requests with random topic words and numbers: many distinct, some near-duplicates."""
    recipe = load_recipe("rem_queries")
    seeds = list(recipe.module.grammar_seeds(250, 7))
    rng, out = random.Random(0), []
    for i in range(n):
        seed = seeds[i % len(seeds)]
        text = (
            f"{seed['input']} {' '.join(rng.sample(WORDS, 2))} {rng.randrange(1000)}"
            if i >= len(seeds)
            else seed["input"]
        )
        record = Record(
            recipe=recipe.name,
            kind=recipe.kind,
            schema_version=1,
            seed_id=str(i),
            input=text,
            output=seed["output"],
            labels=seed["labels"],
            provenance={"origin": "grammar"},
        )
        out.append(record.to_dict())
    return out


def run_dedup(batch: list[dict]) -> tuple[float, int]:
    with tempfile.TemporaryDirectory() as tmp:
        context = StageSettings(
            recipe=load_recipe("rem_queries"),
            options=BuildOptions(),
            run_dir=Path(tmp) / "run",
            cache_path=Path(tmp) / "_cache" / "teacher.sqlite",
        )
        started = time.perf_counter()
        kept = sum(1 for item in DedupStage(context).process(iter(batch)) if isinstance(item, dict))
        return time.perf_counter() - started, kept


def child(n: int) -> None:
    seconds, kept = run_dedup(records(n))
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"{n} records: dedup {seconds:.1f} s ({n / seconds:.0f} records/s), {kept} kept, peak RSS {peak_mib:.0f} MiB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--large", type=int, default=100_000)
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args.child)
    from factory.embeddings import _model, encode

    batch = records(args.records)
    texts = [r["input"] for r in batch]
    _model()
    encode(texts[:256])  # warm-up
    started = time.perf_counter()
    encode(texts, batch_size=256)
    raw = len(texts) / (time.perf_counter() - started)
    seconds, kept = run_dedup(batch)
    dedup = len(batch) / seconds
    print(
        f"{len(batch)} texts: raw encode {raw:.0f} records/s; dedup end to end {dedup:.0f} records/s ({kept} kept)"
    )
    print(f"ratio dedup / raw encode: {dedup / raw:.2f} (goal >= 0.85)")
    if args.large:
        subprocess.run([sys.executable, __file__, "--child", str(args.large)], check=True)


if __name__ == "__main__":
    main()
