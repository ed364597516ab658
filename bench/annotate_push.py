"""Benchmark: annotate push and pull against the embedded Argilla, each vs the raw SDK/API; UI search latency.

One EmbeddedArgilla (real Argilla 2.8, factory-sql search engine, annotator-1) in a temporary
folder serves every size, one dataset pair per size. Records: rem_queries grammar seeds (made
unique past the grammar's distinct requests), the factory's record dicts. Per size N:

1. push: records/s of annotation.push.push (settings, records mapped with metadata, the
   teacher's suggestion and a 384-d input vector; vectors computed beforehand, timed and
   reported apart) vs the baseline: the raw SDK `dataset.records.log` of minimal records
   (the same `input`/`output` field texts; no vectors, suggestions or metadata) into a plain
   dataset, dataset creation included in both. Prints ours / baseline.
2. responses: annotator-1 submits responses for 20% of the records through
   POST /api/v1/me/responses/bulk (100 per call); reported, not part of a ratio.
3. pull: records/s of fetch_votes + merge vs paging the raw listing
   (`client.api.records.list(..., with_responses=True)`, same page size, same includes as
   fetch_votes); best of --repeats. Prints ours / baseline.
4. UI search latency, median and p95 of --calls calls, as annotator-1 and as the UI asks
   (POST /api/v1/me/datasets/{id}/records/search?include=responses&include=suggestions, the
   UI's filter on the annotator's response status and the record status "pending"): the
   pending queue (limit 1 and 50), plus a text query, a metadata filter, and "find similar"
   from a record (limit 50 each).

Before the measurements, a 20-record push through both paths warms the server and the SDK.

    .venv/bin/python bench/annotate_push.py [--sizes 1000,10000] [--calls 20] [--repeats 3]
    .venv/bin/python bench/annotate_push.py --sizes 1000        # quick mode
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import statistics
import tempfile
import time
import warnings
from pathlib import Path

os.environ.setdefault("TQDM_DISABLE", "1")  # the SDK's "Sending records..." bars
warnings.filterwarnings("ignore")

import httpx  # noqa: E402

from annotation.client import WORKSPACE, connect  # noqa: E402
from annotation.pull import fetch_votes, merge  # noqa: E402
from annotation.push import input_vectors, push  # noqa: E402
from annotation.server import EmbeddedArgilla  # noqa: E402
from factory.recipes import load_recipe  # noqa: E402
from factory.record import Record  # noqa: E402

RESPONDED = 0.2  # share of the records annotator-1 submits
PAGE = 500  # fetch_votes' page size, used by the baseline listing too
BULK = 100  # the most items /me/responses/bulk takes per call


def records(n: int, recipe) -> list[dict]:
    """n rem_queries records with distinct inputs (the grammar's, then numbered variants of them)."""
    seeds = list(recipe.module.grammar_seeds(n, 7))
    out = []
    for i in range(n):
        seed = seeds[i % len(seeds)]
        text = seed["input"] if i < len(seeds) else f"{seed['input']} (variant {i // len(seeds)})"
        teacher = {"teacher": {"model": "bench-teacher"}} if i % 3 == 0 else {}
        out.append(
            Record(
                recipe=recipe.name,
                kind=recipe.kind,
                schema_version=1,
                seed_id=f"s{i}",
                input=text,
                output=seed["output"],
                labels=seed["labels"],
                provenance={**seed["provenance"], **teacher},
                checks={"schema": "ok", "validator": "ok"},
            ).to_dict()
        )
    assert len({r["id"] for r in out}) == n, "record ids must be distinct"
    return out


def raw_push(client, recipe, batch: list[dict], name: str) -> None:
    """The baseline: a plain dataset (two text fields, one question) and records.log of minimal records."""
    import argilla as rg

    from annotation.client import workspace
    from annotation.settings import show_output

    settings = rg.Settings(
        fields=[rg.TextField(name="input"), rg.TextField(name="output", use_markdown=True)],
        questions=[rg.LabelQuestion(name="verdict", labels=["accept", "reject"])],
    )
    dataset = rg.Dataset(
        name=name, workspace=workspace(client), settings=settings, client=client
    ).create()
    dataset.records.log(
        [
            rg.Record(
                id=r["id"], fields={"input": str(r["input"]), "output": show_output(r["output"])}
            )
            for r in batch
        ],
        batch_size=max(1, min(256, len(batch))),
    )


def timed(fn, *args) -> float:
    started = time.perf_counter()
    fn(*args)
    return time.perf_counter() - started


def server_ids(http: httpx.Client, dataset_id) -> dict[str, str]:
    """external id -> Argilla record id, paged through the listing (owner)."""
    ids, offset = {}, 0
    while True:
        items = http.get(
            f"/datasets/{dataset_id}/records", params={"offset": offset, "limit": 1000}
        ).json()["items"]
        if not items:
            return ids
        ids.update({item["external_id"]: item["id"] for item in items})
        offset += len(items)


def answer(i: int, record: dict) -> dict:
    """annotator-1's values: mostly accept, every 7th a reject with tags, every 10th an accepted edit."""
    if i % 7 == 3:
        return {"verdict": {"value": "reject"}, "issues": {"value": ["wrong_parameters", "other"]}}
    values = {"verdict": {"value": "accept"}}
    if i % 10 == 5:
        edited = {**record["output"], "explanation": record["output"]["explanation"] + " (checked)"}
        values["corrected_output"] = {"value": json.dumps(edited, indent=2)}
    return values


def submit(http: httpx.Client, chosen: list[tuple[str, dict]]) -> int:
    """Submit (record id, record) pairs in bulk calls; returns the number of items the server refused."""
    errors = 0
    for start in range(0, len(chosen), BULK):
        items = [
            {"record_id": rid, "status": "submitted", "values": answer(start + k, record)}
            for k, (rid, record) in enumerate(chosen[start : start + BULK])
        ]
        reply = http.post("/me/responses/bulk", json={"items": items})
        reply.raise_for_status()
        errors += sum(1 for item in reply.json()["items"] if item.get("error"))
    return errors


def raw_list(client, dataset) -> int:
    count, offset = 0, 0
    while models := client.api.records.list(
        dataset.id,
        offset=offset,
        limit=PAGE,
        with_suggestions=False,
        with_responses=True,
        with_vectors=False,
    ):
        offset += len(models)
        count += len(models)
    return count


def ui_body(extra_filters: list | None = None, query: dict | None = None) -> dict:
    """The body the Argilla 2.8 UI posts for the annotator's "Pending" view (RecordRepository.getRecordsByAdvanceSearch)."""
    status = [
        {
            "type": "terms",
            "scope": {"entity": "response", "property": "status"},
            "values": ["pending"],
        },
        {
            "type": "terms",
            "scope": {"entity": "record", "property": "status"},
            "values": ["pending"],
        },
    ]
    return {"query": query or {}, "filters": {"and": status + (extra_filters or [])}}


def latency(
    http: httpx.Client, dataset_id, body: dict, limit: int, calls: int
) -> tuple[float, float, int]:
    """(median ms, p95 ms, total) of `calls` searches, after one warm-up call."""
    url = f"/me/datasets/{dataset_id}/records/search"
    params = [("include", "responses"), ("include", "suggestions"), ("offset", 0), ("limit", limit)]
    first = http.post(url, params=params, json=body)
    first.raise_for_status()
    times = []
    for _ in range(calls):
        started = time.perf_counter()
        http.post(url, params=params, json=body).raise_for_status()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    p95 = times[min(len(times) - 1, max(0, round(0.95 * len(times)) - 1))]
    return statistics.median(times), p95, first.json()["total"]


def run_size(server, client, recipe, n: int, tmp: Path, args) -> dict:
    batch = records(n, recipe)
    result = {"n": n}
    started = time.perf_counter()
    vectors = input_vectors(batch, tmp / f"embeddings-{n}.sqlite")
    result["vectors_s"] = time.perf_counter() - started

    ours_name, raw_name = f"bench-ours-{n}", f"bench-raw-{n}"
    result["raw_push_s"] = timed(raw_push, client, recipe, batch, raw_name)
    result["push_s"] = timed(push, client, recipe, batch, ours_name, vectors)
    dataset = client.datasets(name=ours_name, workspace=WORKSPACE)
    total = dataset.progress()["total"]
    assert total == n, f"{ours_name} holds {total} records, expected {n}"

    owner_key = server.credentials["owner"]["api_key"]
    annotator_key = server.credentials["annotators"][0]["api_key"]
    base = f"{server.api_url}/api/v1"
    with (
        httpx.Client(base_url=base, headers={"X-Argilla-Api-Key": owner_key}, timeout=300) as owner,
        httpx.Client(
            base_url=base, headers={"X-Argilla-Api-Key": annotator_key}, timeout=300
        ) as annotator,
    ):
        ids = server_ids(owner, dataset.id)
        step = round(1 / RESPONDED)
        chosen = [(ids[r["id"]], r) for i, r in enumerate(batch) if i % step == 0]
        started = time.perf_counter()
        result["response_errors"] = submit(annotator, chosen)
        result["responses_s"] = time.perf_counter() - started
        result["responses"] = len(chosen)

        raw_times, ours_times = [], []
        for _ in range(args.repeats):
            raw_times.append(timed(raw_list, client, dataset))
            started = time.perf_counter()
            votes = fetch_votes(client, dataset)
            merged = merge(batch, votes, recipe)
            ours_times.append(time.perf_counter() - started)
        result["raw_pull_s"], result["pull_s"] = min(raw_times), min(ours_times)
        result["votes"], result["outcomes"] = len(votes), merged["counts"]

        probe = batch[n // 2]
        word = next(
            (w for w in probe["input"].split() if len(w) > 5 and w.isalpha()),
            probe["input"].split()[0],
        )
        similar = {
            "vector": {
                "name": "input_vector",
                "record_id": ids[batch[1]["id"]],
                "max_results": 50,
                "order": "most_similar",
            }
        }
        intent = probe["labels"]["intent"]
        metadata = [
            {
                "type": "terms",
                "scope": {"entity": "metadata", "metadata_property": "intent"},
                "values": [intent],
            }
        ]
        result["search"] = [
            ("queue, limit 1", latency(annotator, dataset.id, ui_body(), 1, args.calls)),
            ("queue, limit 50", latency(annotator, dataset.id, ui_body(), 50, args.calls)),
            (
                f"text {word!r}",
                latency(
                    annotator, dataset.id, ui_body(query={"text": {"q": word}}), 50, args.calls
                ),
            ),
            (
                f"metadata intent={intent}",
                latency(annotator, dataset.id, ui_body(metadata), 50, args.calls),
            ),
            (
                "find similar",
                latency(annotator, dataset.id, ui_body(query=similar), 50, args.calls),
            ),
        ]
    return result


def warm_up(client, recipe, tmp: Path) -> None:
    batch = records(20, recipe)
    push(
        client,
        recipe,
        batch,
        "bench-warm-ours",
        input_vectors(batch, tmp / "embeddings-warm.sqlite"),
    )
    raw_push(client, recipe, batch, "bench-warm-raw")


def report(r: dict) -> None:
    n = r["n"]

    def rate(seconds: float) -> float:
        return n / seconds

    print(
        f"\n{n} records  (vectors: {r['vectors_s']:.1f} s, {rate(r['vectors_s']):.0f} records/s, not in push)"
    )
    print(f"  {'step':<26}{'ours rec/s':>12}{'baseline rec/s':>16}{'ratio':>8}")
    print(
        f"  {'push':<26}{rate(r['push_s']):>12.0f}{rate(r['raw_push_s']):>16.0f}{r['raw_push_s'] / r['push_s']:>8.2f}"
    )
    print(
        f"  {'pull (fetch_votes+merge)':<26}{rate(r['pull_s']):>12.0f}{rate(r['raw_pull_s']):>16.0f}"
        f"{r['raw_pull_s'] / r['pull_s']:>8.2f}"
    )
    print(
        f"  responses: {r['responses']} submitted by annotator-1 in {r['responses_s']:.1f} s "
        f"({r['responses'] / r['responses_s']:.0f}/s, bulk of {BULK}, {r['response_errors']} refused); "
        f"pull saw {r['votes']} voted records, outcomes {r['outcomes']}"
    )
    print(f"  {'UI search (annotator-1)':<32}{'median ms':>10}{'p95 ms':>9}{'total':>8}")
    for name, (median, p95, total) in r["search"]:
        print(f"  {name:<32}{median:>10.1f}{p95:>9.1f}{total:>8}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes", default="1000,10000", help="comma-separated record counts (quick: 1000)"
    )
    parser.add_argument("--calls", type=int, default=20, help="timed calls per search")
    parser.add_argument("--repeats", type=int, default=3, help="pull runs per path, best kept")
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",") if size.strip()]
    logging.getLogger("argilla").setLevel(logging.WARNING)
    recipe = load_recipe("rem_queries")

    tmp = Path(tempfile.mkdtemp(prefix="bench-argilla-"))
    server = EmbeddedArgilla(tmp / "argilla", annotators=1)
    began = time.perf_counter()
    try:
        server.start()
        print(f"embedded Argilla up in {time.perf_counter() - began:.1f} s at {server.api_url}")
        client = connect(tmp, server.api_url, server.credentials["owner"]["api_key"])
        warm_up(client, recipe, tmp)
        for n in sizes:
            started = time.perf_counter()
            report(run_size(server, client, recipe, n, tmp, args))
            print(f"  ({n} records: {time.perf_counter() - started:.0f} s for this size)")
    finally:
        server.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    print(
        f"\nratios are ours / baseline in records/s (> 1: ours faster); total {time.perf_counter() - began:.0f} s"
    )


if __name__ == "__main__":
    main()
