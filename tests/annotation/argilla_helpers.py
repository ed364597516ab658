"""Helpers of the Argilla tests: REST and SDK clients for the embedded server, the test dataset's values."""

from __future__ import annotations

import math

import httpx

TOPICS = ["bash", "git", "python"]


def api(server, user: str = "owner") -> httpx.Client:
    """A REST client of the server authenticated as `owner` or as an annotator."""
    creds = server.credentials
    key = (
        creds["owner"]["api_key"]
        if user == "owner"
        else next(a["api_key"] for a in creds["annotators"] if a["username"] == user)
    )
    return httpx.Client(
        base_url=f"{server.api_url}/api/v1", headers={"X-Argilla-Api-Key": key}, timeout=60
    )


def sdk(server):
    import argilla as rg

    return rg.Argilla(api_url=server.api_url, api_key=server.credentials["owner"]["api_key"])


def vector(i: int) -> list[float]:
    return [1.0, i / 3, float(i % 2), 0.5]


def cosine(a: list[float], b: list[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b))
    return dot / math.sqrt(sum(x * x for x in a) * sum(y * y for y in b))


def source(i: int) -> str:
    return "logs" if i < 15 else "man" if i < 25 else "repo"


def respond(server, user: str, record_id, status: str, **values) -> None:
    """Post one response as an annotator, through the REST API (the SDK cannot list records as one)."""
    # values {} rather than none: the argilla 2.8 SDK fails to read a response whose values are null
    body = {"status": status, "values": {name: {"value": value} for name, value in values.items()}}
    with api(server, user) as client:
        client.post(f"/records/{record_id}/responses", json=body).raise_for_status()
