"""Benchmark: dedup and whole builds at 10k / 100k / 1M records: time, peak memory, local vs Ray.

Part `dedup`: the dedup stage run as a build runs it (factory.build.run_stage: a JSON Lines
file in, kept and rejected files out) on synthetic rem_queries records: grammar seeds made
unique, three loopback rewrites of each (near duplicates around the 0.87 threshold), exact
duplicates, conflicts, contexts. Their 384-d vectors are synthetic and clustered (topics,
seeds, rewrites) and are put into the embedding cache beforehand, as the faithfulness stage
leaves it: MiniLM is NOT measured (encoding 1M texts takes ~45 min on 2 cores). Each run is a
fresh process: seconds, records/s, peak RSS (VmHWM, which counts the pages of the
memmapped vectors too) and peak anonymous memory (sampled). Baseline in the same run: the
in-memory stage as it was before it streamed (tests/stages/dedup_reference.py) at
--baseline-sizes, with the ratios streaming / in-memory. Then the recall of the IVF index
that the stage builds past FLAT_MAX, at the largest size: the pairs it finds for
--recall-queries vectors vs an exact search.

Part `build`: factory.build.build("rem_queries") in a fresh process per engine and size,
through a zero-latency loopback teacher in its own process, from a seeds file of N/4 user
seeds (3 rewrites each: N records), with --pii-policy off (presidio would take hours at 1M
on 2 cores; bench/pii_throughput.py measures it) and the vectors of every text the build
embeds put into the embedding cache beforehand (as above). So it measures the runner, the
teacher round trips (distilabel, the reply cache), faithfulness and dedup from cached
vectors, and validation. Prints records/s (records the generate stage wrote / build
seconds), seconds per stage, the peak RSS of the build process (VmHWM) and the peak
proportional set size of its whole process tree (PSS, sampled every 0.5 s: Ray's processes
included, pages they share counted once). An engine that raises is skipped with its message.

    .venv/bin/python bench/scale.py --parts dedup --sizes 10000,100000,1000000
    .venv/bin/python bench/scale.py --parts build --sizes 10000,100000 --engines local,ray
    .venv/bin/python bench/scale.py --work /tmp/scale    # keep the generated data for the next run

On 2 cores: dedup ~1 min up to 100k, ~18 min at 1M (the IVF search), plus ~2 min to write
the 1M corpus (0.9 GB of records, 1.6 GB of cache, 1.5 GB of vectors); a build ~2 min at
100k with either engine's overhead on top, ~35 min or more at 1M per engine.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from itertools import islice
from pathlib import Path
from typing import Iterator

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "stages")]
DIM, REWRITES, CHUNK = 384, 3, 10_000


def _unit(rows: np.ndarray) -> np.ndarray:
    return (rows / np.linalg.norm(rows, axis=-1, keepdims=True)).astype(np.float32)


class Corpus:
    """Seed s: a grammar request made unique, its output, its loopback rewrites, and their vectors:
    topics of ~50 seeds (seed to topic center cosine ~0.8), rewrites near their seed (cosine 0.79 to
    0.95, about half of them at or above the 0.87 threshold)."""

    def __init__(self, seeds: int):
        from factory.recipes import load_recipe

        self.recipe = load_recipe("rem_queries")
        self.grammar = list(self.recipe.module.grammar_seeds(400, 7))
        self.seeds = seeds
        self.centers = _unit(np.random.default_rng(1).standard_normal((max(10, seeds // 50), DIM)))

    def chunks(self) -> Iterator[tuple[int, list[tuple[str, list[str]]], np.ndarray, np.ndarray]]:
        """(first seed, [(seed text, rewrites)], seed vectors, rewrite vectors) per CHUNK seeds."""
        from factory.testing.loopback import _reply

        rng = np.random.default_rng(0)
        for start in range(0, self.seeds, CHUNK):
            count = min(CHUNK, self.seeds - start)
            seeds = _unit(
                self.centers[rng.integers(len(self.centers), size=count)]
                + rng.standard_normal((count, DIM), dtype=np.float32) * 0.0383
            )
            spread = rng.uniform(0.015, 0.04, size=(count, REWRITES, 1)).astype(
                np.float32
            )  # cosine to seed 0.95..0.79
            rewrites = _unit(
                seeds[:, None]
                + rng.standard_normal((count, REWRITES, DIM), dtype=np.float32) * spread
            )
            texts = []
            for s in range(start, start + count):
                text = f"{self.grammar[s % len(self.grammar)]['input']} for project {s}"
                texts.append(
                    (
                        text,
                        json.loads(_reply([{"role": "user", "content": f"Request: {text}"}]))[
                            "variations"
                        ],
                    )
                )
            yield start, texts, seeds, rewrites

    def base(self, s: int) -> dict:
        return self.grammar[s % len(self.grammar)]


def _fill_cache(cache, texts: list[str], vectors) -> None:
    from factory.record import content_hash

    cache.put_many(
        [(content_hash(text), vector) for text, vector in zip(texts, vectors, strict=True)]
    )


def write_dedup_data(folder: Path, n: int) -> None:
    """records.jsonl (n records), _cache/embeddings.sqlite (every input's vector), vectors.npy (seeds and rewrites)."""
    from factory.embeddings import EmbeddingCache
    from factory.jsonl import dumps

    corpus = Corpus(n // (REWRITES + 1) + 1)
    cache = EmbeddingCache(folder / "_cache" / "embeddings.sqlite")
    distinct = np.lib.format.open_memmap(
        folder / "vectors.npy",
        mode="w+",
        dtype=np.float32,
        shape=(corpus.seeds * (REWRITES + 1), DIM),
    )
    written = 0
    with open(folder / "records.jsonl", "w", encoding="utf-8") as out:
        for start, texts, seeds, rewrites in corpus.chunks():
            rows = np.concatenate([seeds[:, None], rewrites], axis=1)
            distinct[start * (REWRITES + 1) : (start + len(texts)) * (REWRITES + 1)] = rows.reshape(
                -1, DIM
            )
            records = [
                r
                for k, (text, variants) in enumerate(texts)
                for r in _seed_records(corpus, start + k, text, variants, rows[k])
            ]
            _fill_cache(cache, [r["input"] for r, _ in records], [v for _, v in records])
            take = records[: n - written]
            out.writelines(dumps(record) + "\n" for record, _ in take)
            written += len(take)
    distinct.flush()
    cache.close()
    (folder / "done").touch()


def _seed_records(
    corpus: Corpus, s: int, text: str, variants: list[str], vectors: np.ndarray
) -> list[tuple[dict, np.ndarray]]:
    """Seed s and its rewrites as records, with each one's input vector; every 40th seed also has an
    exact duplicate of a rewrite, every 150th a conflict (its request with another query), every
    20th a context."""
    from factory.record import Record

    base, recipe = corpus.base(s), corpus.recipe
    group = [
        (text, base["output"], vectors[0], "grammar"),
        *[(v, base["output"], vectors[1 + i], "teacher") for i, v in enumerate(variants)],
    ]
    if s % 40 == 0:
        group.append((variants[0].upper() + "!", base["output"], vectors[1], "teacher"))
    if s % 150 == 0:
        group.append((text + "?", corpus.base(s + 1)["output"], vectors[0], "grammar"))
    context = {"context": {"tools": [f"tool-{s % 3}"]}} if s % 20 == 0 else {}
    out = []
    for index, (t, output, vector, origin) in enumerate(group):
        provenance = {"origin": origin, "source": f"bench:{s}", **context}
        if origin == "teacher":
            provenance.update(
                seed_text=text,
                teacher={"model": "loopback", "base_url": "http://127.0.0.1:1/v1"},
                variation_index=index - 1,
                keep_values=[],
            )
        record = Record(
            recipe=recipe.name,
            kind=recipe.kind,
            schema_version=1,
            seed_id=str(s),
            input=t,
            output=output,
            labels=base["labels"],
            provenance=provenance,
        ).to_dict()
        if origin == "teacher":
            record["checks"]["faithfulness"] = round(float(vector @ vectors[0]), 4)
        out.append((record, vector))
    return out


def write_build_data(folder: Path, n: int) -> int:
    """seeds.jsonl (n / 4 user seeds) and _cache/embeddings.sqlite (each seed's and each rewrite's vector); returns the seeds."""
    from factory.embeddings import EmbeddingCache

    corpus = Corpus(max(1, n // (REWRITES + 1)))
    cache = EmbeddingCache(folder / "_cache" / "embeddings.sqlite")
    with open(folder / "seeds.jsonl", "w", encoding="utf-8") as out:
        for start, texts, seeds, rewrites in corpus.chunks():
            rows = np.concatenate([seeds[:, None], rewrites], axis=1)
            _fill_cache(
                cache,
                [t for text, variants in texts for t in (text, *variants)],
                rows.reshape(-1, DIM),
            )
            for k, (text, _) in enumerate(texts):
                output = corpus.base(start + k)["output"]
                out.write(
                    json.dumps(
                        {"input": text, "rem": output["rem"], "explanation": output["explanation"]}
                    )
                    + "\n"
                )
    cache.close()
    return corpus.seeds


class TreeMemory:
    """Peak memory of a process and all its descendants, sampled: proportional set size (shared pages
    divided between the processes that map them) and anonymous memory (not backed by a file)."""

    def __init__(self, pid: int, every: float):
        self.pid, self.every, self.peak_pss, self.peak_anon = pid, every, 0, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> "TreeMemory":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        try:
            import psutil
        except ImportError:
            psutil = None
        while not self._stop.is_set():
            pids = [self.pid]
            if psutil is not None:
                try:
                    pids += [p.pid for p in psutil.Process(self.pid).children(recursive=True)]
                except psutil.Error:
                    pass
            pss = anon = 0
            for pid in pids:
                fields = _status(pid, "smaps_rollup")
                pss, anon = pss + fields.get("Pss", 0), anon + fields.get("Anonymous", 0)
            self.peak_pss, self.peak_anon = max(self.peak_pss, pss), max(self.peak_anon, anon)
            self._stop.wait(self.every)


def _peak_rss_mib() -> float:
    """This process's peak RSS (VmHWM; ru_maxrss would start from the parent's RSS at the fork)."""
    return _status("self")["VmHWM"] / 1024


def _status(pid: int | str, name: str = "status") -> dict[str, int]:
    """kB fields of /proc/PID/status (or smaps_rollup)."""
    try:
        lines = Path(f"/proc/{pid}/{name}").read_text().splitlines()
    except OSError:
        return {}
    return {
        k: int(v.split()[0])
        for k, _, v in (line.partition(":") for line in lines)
        if v.strip().endswith("kB")
    }


def child(kind: str, *args: str, every: float = 0.2) -> dict:
    """Run one measurement in a fresh process; its JSON line back, with the tree's sampled peaks."""
    process = subprocess.Popen(
        [sys.executable, __file__, "--child", kind, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    with TreeMemory(process.pid, every) as memory:
        stdout, stderr = process.communicate()
    if process.returncode != 0:
        return {"error": f"exit {process.returncode}: {stderr.strip()[-2000:]}"}
    result = json.loads(stdout.strip().splitlines()[-1])
    return {
        **result,
        "tree_pss_mib": memory.peak_pss / 1024,
        "tree_anon_mib": memory.peak_anon / 1024,
    }


class _Quiet:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        pass

    def add_task(self, *args, **kwargs):
        return 0

    def advance(self, *args, **kwargs):
        pass

    def update(self, *args, **kwargs):
        pass


def run_dedup(mode: str, source: str, data: str, run_dir: str) -> dict:
    """In the child: the stage (streaming or the in-memory reference) through the build's runner."""
    from dedup_reference import ReferenceDedup

    from factory.build import run_stage
    from factory.recipes import load_recipe
    from factory.stages.base import BuildOptions, StageSettings
    from factory.stages.dedup import DedupStage

    context = StageSettings(
        recipe=load_recipe("rem_queries"),
        options=BuildOptions(),
        run_dir=Path(run_dir),
        cache_path=Path(data) / "_cache" / "teacher.sqlite",
    )
    stage = (DedupStage if mode == "streaming" else ReferenceDedup)(context)
    started = time.perf_counter()
    row = run_stage(stage, Path(source), Path(run_dir), _Quiet())
    seconds = time.perf_counter() - started
    digest = hashlib.sha256()
    for name in ("stages/dedup.jsonl", "rejected/dedup.jsonl", "dedup/clusters.jsonl"):
        digest.update((Path(run_dir) / name).read_bytes())
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {
        "seconds": seconds,
        "cpu_s": usage.ru_utime + usage.ru_stime,
        "rss_mib": _peak_rss_mib(),
        "in": row["in"],
        "out": row["out"],
        "rejected": row["rejected"],
        "digest": digest.hexdigest(),
    }


def run_recall(vectors_path: str, n: str, queries: str, threshold: str) -> dict:
    """In the child: the stage's index over the first n distinct vectors vs an exact search, for sampled queries."""
    import faiss

    from factory import dedup

    vectors = np.load(vectors_path, mmap_mode="r")[: int(n)]
    started = time.perf_counter()
    index = dedup._index(vectors)
    built = time.perf_counter() - started
    picks = np.sort(
        np.random.default_rng(2).choice(
            len(vectors), size=min(int(queries), len(vectors)), replace=False
        )
    )
    found = {}
    for name, search in (("index", index), ("exact", _flat(vectors, faiss))):
        started = time.perf_counter()
        pairs = set()
        for start in range(0, len(picks), 4096):
            rows = picks[start : start + 4096]
            limits, _, ids = search.range_search(
                np.ascontiguousarray(vectors[rows]), float(threshold)
            )
            for q, i in enumerate(rows.tolist()):
                pairs.update((i, j) for j in ids[limits[q] : limits[q + 1]].tolist() if j != i)
        found[name] = (pairs, time.perf_counter() - started)
    (ivf, ivf_s), (exact, exact_s) = found["index"], found["exact"]
    kind = type(index).__name__
    return {
        "n": len(vectors),
        "queries": len(picks),
        "index": kind,
        "nprobe": getattr(index, "nprobe", None),
        "build_s": built,
        "search_s": ivf_s,
        "exact_s": exact_s,
        "exact_pairs": len(exact),
        "found": len(ivf & exact),
        "extra": len(ivf - exact),
        "rss_mib": _peak_rss_mib(),
    }


def _flat(vectors: np.ndarray, faiss):
    flat = faiss.IndexFlatIP(DIM)
    for start in range(0, len(vectors), 100_000):
        flat.add(np.ascontiguousarray(vectors[start : start + 100_000]))
    return flat


def run_build(engine: str, seeds_file: str, seeds: str, out: str, teacher_url: str) -> dict:
    """In the child: a whole build, as `factory build rem_queries --seeds F --limit N --variations 3 --pii-policy off
    --teacher-url URL [--engine ray]` runs it."""
    import logging
    import warnings

    warnings.filterwarnings("ignore")
    logging.disable(logging.WARNING)
    from factory.build import build
    from factory.stages.base import BuildOptions

    settings = {
        "seeds_file": Path(seeds_file),
        "limit": int(seeds),
        "variations": REWRITES,
        "pii_policy": "off",
    }
    try:
        options = BuildOptions(**settings, **({"engine": engine} if engine != "local" else {}))
    except TypeError as exc:
        return {"skipped": f"this checkout's BuildOptions has no engine option ({exc})"}
    started = time.perf_counter()
    try:
        report = build(
            "rem_queries", options=options, out=Path(out), teacher_url=teacher_url, run_id=engine
        )
    except Exception as exc:  # noqa: BLE001 - the bench reports an engine that fails and goes on
        return {"skipped": f"{type(exc).__name__}: {exc}"}
    seconds = time.perf_counter() - started
    rows = {row["name"]: row for row in report["stages"]}
    return {
        "seconds": seconds,
        "generated": rows["generate"]["out"],
        "records": report["records"],
        "encoded": rows["dedup"].get("embedding_cache", {}).get("misses"),
        "stages": {row["name"]: round(row["seconds"], 1) for row in report["stages"]},
        "rss_mib": _peak_rss_mib(),
    }


def dedup_part(work: Path, sizes: list[int], baseline: list[int], recall_queries: int) -> None:
    made = sorted(
        (int(p.name.split("-")[1]), p) for p in work.glob("dedup-*") if (p / "done").exists()
    )
    data = next(
        (p for m, p in made if m >= max(sizes)), work / f"dedup-{max(sizes)}"
    )  # reuse a larger corpus's prefix
    if not (data / "done").exists():
        started = time.perf_counter()
        data.mkdir(parents=True, exist_ok=True)
        write_dedup_data(data, max(sizes))
        print(
            f"wrote {max(sizes):,} synthetic records and their vectors in {time.perf_counter() - started:.0f} s"
        )
    print(
        "\ndedup stage; vectors: synthetic, clustered, read from the embedding cache (MiniLM not measured)"
    )
    print(
        f"{'stage':<10} {'records':>9} {'kept':>9} {'seconds':>8} {'CPU s':>7} {'records/s':>10} {'peak RSS MiB':>13} "
        f"{'peak anon MiB':>14}  rejected"
    )
    results = {}
    for n in sizes:
        source = prefix(data / "records.jsonl", data / f"records-{n}.jsonl", n)
        for mode in ("streaming", "in-memory") if n in baseline else ("streaming",):
            run_dir = work / f"run-{mode}-{n}"
            shutil.rmtree(run_dir, ignore_errors=True)
            result = results[mode, n] = child("dedup", mode, str(source), str(data), str(run_dir))
            shutil.rmtree(run_dir, ignore_errors=True)
            if "error" in result:
                print(f"{mode:<10} {n:>9,} failed: {result['error']}")
                continue
            print(
                f"{mode:<10} {n:>9,} {result['out']:>9,} {result['seconds']:>8.1f} {result['cpu_s']:>7.1f} "
                f"{n / result['seconds']:>10,.0f} "
                f"{result['rss_mib']:>13,.0f} {result['tree_anon_mib']:>14,.0f}  {result['rejected']}",
                flush=True,
            )
        new, old = results.get(("streaming", n), {}), results.get(("in-memory", n), {})
        if "seconds" in new and "seconds" in old:
            same = "the same" if new["digest"] == old["digest"] else "DIFFERENT"
            print(
                f"{'':<10} streaming / in-memory at {n:,}: time {new['seconds'] / old['seconds']:.2f}, "
                f"peak RSS {new['rss_mib'] / old['rss_mib']:.2f}, peak anon {new['tree_anon_mib'] / old['tree_anon_mib']:.2f}; "
                f"output files {same}"
            )
    if recall_queries:
        r = child("recall", str(data / "vectors.npy"), str(max(sizes)), str(recall_queries), "0.87")
        if "error" in r:
            print(f"recall: failed ({r['error']})")
            return
        print(
            f"\n{r['index']} over {r['n']:,} vectors (nprobe {r['nprobe']}): built in {r['build_s']:.0f} s; "
            f"{r['queries']:,} queries: {r['found']:,} of the {r['exact_pairs']:,} pairs >= 0.87 that exact search finds "
            f"(recall {r['found'] / max(1, r['exact_pairs']):.4f}), {r['search_s']:.0f} s vs exact {r['exact_s']:.0f} s; "
            f"peak RSS {r['rss_mib']:,.0f} MiB (vectors memmapped, the index, the exact index)"
        )


def build_part(work: Path, sizes: list[int], engines: list[str]) -> None:
    print(
        "\nfactory build rem_queries --seeds (N/4 seeds) --variations 3 --pii-policy off, loopback teacher at zero "
        "latency; faithfulness and dedup read synthetic vectors from the embedding cache"
    )
    print(
        f"{'engine':<7} {'records':>9} {'seconds':>8} {'records/s':>10} {'peak RSS MiB':>13} {'tree PSS MiB':>13}  "
        "seconds per stage"
    )
    from factory.testing.loopback import loopback_process

    with loopback_process(0.0) as teacher_url:
        for n in sizes:
            data = work / f"build-{n}"
            if not (data / "seeds.jsonl").exists():
                data.mkdir(parents=True, exist_ok=True)
                (data / "seeds.count").write_text(str(write_build_data(data, n)))
            seeds = (data / "seeds.count").read_text()
            for engine in engines:
                out = work / f"out-{engine}-{n}"
                shutil.rmtree(out, ignore_errors=True)
                (out / "_cache").mkdir(parents=True)
                shutil.copyfile(
                    data / "_cache" / "embeddings.sqlite", out / "_cache" / "embeddings.sqlite"
                )
                r = child(
                    "build",
                    engine,
                    str(data / "seeds.jsonl"),
                    seeds,
                    str(out),
                    teacher_url,
                    every=0.5,
                )
                shutil.rmtree(out, ignore_errors=True)
                if "seconds" not in r:
                    print(
                        f"{engine:<7} {n:>9,} skipped: {r.get('skipped') or r.get('error')}",
                        flush=True,
                    )
                    continue
                print(
                    f"{engine:<7} {r['generated']:>9,} {r['seconds']:>8.1f} {r['generated'] / r['seconds']:>10,.0f} "
                    f"{r['rss_mib']:>13,.0f} {r['tree_pss_mib']:>13,.0f}  {r['stages']}"
                    + (f"; dedup encoded {r['encoded']} texts with MiniLM" if r["encoded"] else ""),
                    flush=True,
                )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parts", default="dedup,build", help="dedup, build or both (default)")
    parser.add_argument(
        "--sizes", default="10000,100000,1000000", help="records per run, comma-separated"
    )
    parser.add_argument(
        "--baseline-sizes", default="10000,100000", help="sizes also run with the in-memory stage"
    )
    parser.add_argument("--engines", default="local,ray", help="build engines, comma-separated")
    parser.add_argument(
        "--recall-queries", type=int, default=10_000, help="0: skip the IVF recall check"
    )
    parser.add_argument(
        "--work",
        type=Path,
        help="keep generated data here and reuse it (default: a temporary folder)",
    )
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, *rest = args.child
        print(
            json.dumps({"dedup": run_dedup, "recall": run_recall, "build": run_build}[kind](*rest))
        )
        return
    sizes, parts = [int(s) for s in args.sizes.split(",")], args.parts.split(",")
    with _work(args.work) as work:
        if "dedup" in parts:
            dedup_part(
                work,
                sizes,
                [int(s) for s in args.baseline_sizes.split(",") if s],
                args.recall_queries,
            )
        if "build" in parts:
            build_part(work, sizes, args.engines.split(","))


@contextmanager
def _work(folder: Path | None):
    if folder is not None:
        folder.mkdir(parents=True, exist_ok=True)
        yield folder
        return
    with tempfile.TemporaryDirectory(prefix="factory-bench-scale-") as tmp:
        yield Path(tmp)


def prefix(source: Path, target: Path, n: int) -> Path:
    """The first n lines of source, as target (written once)."""
    if not target.exists():
        with open(source, encoding="utf-8") as lines, open(target, "w", encoding="utf-8") as out:
            out.writelines(islice(lines, n))
    return target


if __name__ == "__main__":
    main()
