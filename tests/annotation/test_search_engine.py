"""The factory-sql search engine through the real server: the SDK and the REST API, exact answers."""

from __future__ import annotations

from uuid import UUID

import pytest
from argilla_helpers import api, cosine, vector

pytestmark = pytest.mark.slow
R = [f"r{i:02d}" for i in range(30)]


def sdk_ids(dataset, **query) -> list[str]:
    import argilla as rg

    found = dataset.records(query=rg.Query(**query))
    return [
        item[0].id if isinstance(item, tuple) else item.id for item in found
    ]  # similar: (record, score)


def search(
    server, dataset, ids, user="owner", text=None, filters=(), sort=(), offset=0, limit=50
) -> tuple[list, int]:
    """POST .../records/search (as owner: all responses; as an annotator: /me/, that user's view)."""
    body = {
        "query": {"text": text}
        if isinstance(text, dict)
        else {"text": {"q": text}}
        if text
        else None,
        "filters": {"and": list(filters)} if filters else None,
        "sort": list(sort) or None,
    }
    path = (
        f"/datasets/{dataset.id}/records/search"
        if user == "owner"
        else f"/me/datasets/{dataset.id}/records/search"
    )
    with api(server, user) as client:
        reply = client.post(
            path,
            params={"offset": offset, "limit": limit},
            json={k: v for k, v in body.items() if v is not None},
        )
    reply.raise_for_status()
    by_server_id = {str(v): k for k, v in ids.items()}
    found = reply.json()
    return [by_server_id[item["record"]["id"]] for item in found["items"]], found["total"]


def terms(entity: str, values: list, **scope) -> dict:
    return {"type": "terms", "scope": {"entity": entity, **scope}, "values": values}


def test_text_query(argilla_server, argilla_dataset):
    dataset, ids = argilla_dataset
    assert sdk_ids(dataset, query="KUBERNETES") == ["r07", "r17", "r27"]
    assert search(argilla_server, dataset, ids, text={"q": "git", "field": "prompt"}) == (
        R[1::3],
        10,
    )
    assert search(argilla_server, dataset, ids, text={"q": "git", "field": "answer"}) == ([], 0)
    usual, total = search(argilla_server, dataset, ids, text='"usual command" answer')
    assert total == 27 and set(usual) == set(R) - {"r07", "r17", "r27"}


def test_metadata_and_suggestion_filters(argilla_server, argilla_dataset):
    dataset, ids = argilla_dataset
    assert sdk_ids(dataset, filter=("metadata.source", "==", "man")) == R[15:25]
    assert (
        sdk_ids(dataset, filter=[("metadata.score", ">=", 1.0), ("metadata.score", "<=", 1.5)])
        == R[10:16]
    )
    assert sdk_ids(
        dataset, query="kubernetes", filter=("metadata.source", "in", ["man", "repo"])
    ) == ["r17", "r27"]
    assert sdk_ids(dataset, filter=("quality.suggestion", "==", "good")) == R[0::2]
    assert sdk_ids(dataset, filter=("quality.score", ">=", 0.75)) == R[25:]
    assert len(sdk_ids(dataset, filter=("quality.agent", "==", "teacher"))) == 30
    assert (
        search(
            argilla_server,
            dataset,
            ids,
            filters=[
                {
                    "type": "range",
                    "scope": {"entity": "record", "property": "inserted_at"},
                    "ge": "2000-01-01T00:00:00",
                }
            ],
        )[1]
        == 30
    )
    assert search(
        argilla_server,
        dataset,
        ids,
        filters=[
            {
                "type": "range",
                "scope": {"entity": "record", "property": "inserted_at"},
                "ge": "2999-01-01T00:00:00Z",
            }
        ],
    ) == ([], 0)


def test_sort_and_pages(argilla_server, argilla_dataset):
    dataset, ids = argilla_dataset
    score = {"scope": {"entity": "metadata", "metadata_property": "score"}, "order": "desc"}
    assert search(argilla_server, dataset, ids, sort=[score], limit=3) == (
        ["r29", "r28", "r27"],
        30,
    )
    by_source = [
        {"scope": {"entity": "metadata", "metadata_property": "source"}, "order": "asc"},
        score,
    ]
    assert search(argilla_server, dataset, ids, sort=by_source, limit=2)[0] == ["r14", "r13"]
    suggestion = {
        "scope": {"entity": "suggestion", "question": "quality", "property": "score"},
        "order": "asc",
    }
    assert search(argilla_server, dataset, ids, sort=[suggestion], offset=5, limit=5) == (
        R[5:10],
        30,
    )


def test_response_filters_per_user(argilla_server, answered):
    dataset, ids = answered
    status = lambda *values: terms("response", list(values), property="status")  # noqa: E731

    def mine(user, *filters):  # an annotator's queue comes in an order of its own: compare sorted
        found, total = search(argilla_server, dataset, ids, user, filters=list(filters))
        return sorted(found), total

    pending = [r for r in R if r not in ("r00", "r01", "r02", "r03")]
    assert mine("annotator-1", status("pending")) == (pending, 26)
    assert mine("annotator-1", status("submitted")) == (["r00", "r01"], 2)
    assert mine("annotator-1", status("discarded")) == (["r02"], 1)
    assert mine("annotator-1", status("draft")) == (["r03"], 1)
    assert mine("annotator-1", status("pending", "discarded")) == (["r02", *pending], 27)
    assert mine("annotator-2", status("pending")) == (R[1:], 29)
    assert mine("annotator-2", terms("response", ["good"], question="quality")) == ([], 0)
    assert mine("annotator-2", terms("response", ["bad"], question="quality")) == (["r00"], 1)
    # the owner's search sees every user's responses: pending = no response at all
    owner = lambda *filters: search(argilla_server, dataset, ids, filters=list(filters))  # noqa: E731
    assert owner(status("pending")) == (pending, 26)
    assert owner(status("submitted")) == (["r00", "r01"], 2)
    assert owner(terms("response", ["good"], question="quality")) == (["r00", "r03"], 2)
    assert owner(terms("response", ["python"], question="topics")) == (["r01"], 1)
    assert sdk_ids(dataset, filter=("status", "==", "completed")) == ["r00", "r01"]


def test_each_annotator_has_a_fixed_order_of_its_own(argilla_server, argilla_dataset):
    dataset, ids = argilla_dataset
    for user in ("annotator-1", "annotator-2"):
        with api(argilla_server, user) as client:
            mask = UUID(client.get("/me").json()["id"]).int >> 96
        expected = sorted(
            R, key=lambda r: int(ids[r].hex[:8], 16) ^ mask
        )  # first 32 bits of the id XOR the user's
        assert search(argilla_server, dataset, ids, user)[0] == expected
    score = {"scope": {"entity": "metadata", "metadata_property": "score"}, "order": "asc"}
    assert search(argilla_server, dataset, ids, "annotator-2", sort=[score])[0] == R  # a sort wins


def test_progress(argilla_server, answered):
    dataset, ids = answered
    assert dataset.progress() == {"total": 30, "completed": 2, "pending": 28}
    with api(argilla_server, "annotator-1") as client:
        mine = client.get(f"/me/datasets/{dataset.id}/metrics").json()
    assert mine == {
        "responses": {"total": 30, "submitted": 2, "discarded": 1, "draft": 1, "pending": 26}
    }
    with api(argilla_server, "annotator-2") as client:
        assert (
            client.get(f"/me/datasets/{dataset.id}/metrics").json()["responses"]["submitted"] == 1
        )
    with api(argilla_server) as client:
        progress = client.get(f"/datasets/{dataset.id}/progress").json()
        users = {
            u["username"]: u
            for u in client.get(f"/datasets/{dataset.id}/users/progress").json()["users"]
        }
    assert progress == {
        "total": 30,
        "completed": 2,
        "pending": 28,
        "users": [{"username": "annotator-1"}, {"username": "annotator-2"}],
    }
    assert users["annotator-1"] == {
        "username": "annotator-1",
        "completed": {"submitted": 2, "discarded": 0, "draft": 0},
        "pending": {"submitted": 0, "discarded": 1, "draft": 1},
    }


def test_metadata_metrics(argilla_server, argilla_dataset):
    dataset, _ = argilla_dataset
    with api(argilla_server) as client:
        props = {
            p["name"]: p["id"]
            for p in client.get(f"/me/datasets/{dataset.id}/metadata-properties").json()["items"]
        }
        source = client.get(f"/metadata-properties/{props['source']}/metrics").json()
        score = client.get(f"/metadata-properties/{props['score']}/metrics").json()
    assert source == {
        "type": "terms",
        "total": 30,
        "values": [
            {"term": "logs", "count": 15},
            {"term": "man", "count": 10},
            {"term": "repo", "count": 5},
        ],
    }
    assert score == {"type": "float", "min": 0.0, "max": 2.9}


def test_similarity_search(argilla_server, argilla_dataset):
    import argilla as rg

    dataset, _ = argilla_dataset
    by_cosine = lambda target: sorted(R, key=lambda r: -cosine(vector(int(r[1:])), target))  # noqa: E731
    assert sdk_ids(dataset, similar=rg.Similar("emb", [1.0, 0.0, 0.0, 0.0])) == by_cosine(
        [1.0, 0.0, 0.0, 0.0]
    )
    assert (
        sdk_ids(dataset, similar=rg.Similar("emb", [1.0, 0.0, 0.0, 0.0], most_similar=False))
        == by_cosine([1.0, 0.0, 0.0, 0.0])[::-1]
    )
    r05 = next(iter(dataset.records(query=rg.Query(filter=("id", "==", "r05")))))
    assert sdk_ids(dataset, similar=rg.Similar("emb", r05)) == [
        r for r in by_cosine(vector(5)) if r != "r05"
    ]
    assert sdk_ids(
        dataset,
        similar=rg.Similar("emb", [0.0, 1.0, 0.0, 0.0]),
        filter=("metadata.source", "==", "repo"),
    ) == [r for r in by_cosine([0.0, 1.0, 0.0, 0.0]) if r >= "r25"]
