"""The embedded Argilla (real server, SQL search engine) once per session, and a 30-record dataset on it."""

from __future__ import annotations

import pytest
from argilla_helpers import TOPICS, respond, sdk, source, vector

from annotation.server import EmbeddedArgilla


@pytest.fixture(scope="session")
def argilla_server(tmp_path_factory):
    """EmbeddedArgilla with annotator-1 and annotator-2, in a temporary folder; stopped at the end."""
    with EmbeddedArgilla(tmp_path_factory.mktemp("argilla"), annotators=2) as server:
        yield server


@pytest.fixture(scope="session")
def argilla_dataset(argilla_server):
    """Dataset `engine-test` in workspace factory: 30 records r00..r29; returns (dataset, {external id: server id})."""
    import argilla as rg

    client = sdk(argilla_server)  # first: the settings' fields bind to the default client
    settings = rg.Settings(
        fields=[rg.TextField(name="prompt"), rg.TextField(name="answer")],
        questions=[
            rg.LabelQuestion(name="quality", labels=["good", "bad"]),
            rg.TextQuestion(name="comment", required=False),
            rg.MultiLabelQuestion(name="topics", labels=TOPICS, required=False),
        ],
        metadata=[rg.TermsMetadataProperty(name="source"), rg.FloatMetadataProperty(name="score")],
        vectors=[rg.VectorField(name="emb", dimensions=4)],
    )
    dataset = rg.Dataset(
        name="engine-test", workspace="factory", settings=settings, client=client
    ).create()
    dataset.records.log(
        [
            rg.Record(
                id=f"r{i:02d}",
                fields={
                    "prompt": f"How do I use {TOPICS[i % 3]} for task {i}?",
                    "answer": f"Answer {i}: "
                    + ("Deploy it on Kubernetes." if i % 10 == 7 else "Run the usual command."),
                },
                metadata={"source": source(i), "score": i / 10},
                vectors={"emb": vector(i)},
                suggestions=[
                    rg.Suggestion(
                        "quality",
                        "good" if i % 2 == 0 else "bad",
                        score=0.5 + i / 100,
                        agent="teacher",
                    )
                ],
            )
            for i in range(30)
        ]
    )
    ids = {record.id: record._server_id for record in dataset.records}
    assert len(ids) == 30
    return dataset, ids


@pytest.fixture(scope="session")
def answered(argilla_server, argilla_dataset):
    """annotator-1 submits r00 and r01, discards r02, keeps r03 as a draft; annotator-2 submits r00."""
    dataset, ids = argilla_dataset
    respond(
        argilla_server,
        "annotator-1",
        ids["r00"],
        "submitted",
        quality="good",
        topics=["bash"],
        comment="fine",
    )
    respond(
        argilla_server,
        "annotator-1",
        ids["r01"],
        "submitted",
        quality="bad",
        topics=["git", "python"],
    )
    respond(argilla_server, "annotator-1", ids["r02"], "discarded")
    respond(argilla_server, "annotator-1", ids["r03"], "draft", quality="good")
    respond(argilla_server, "annotator-2", ids["r00"], "submitted", quality="bad")
    return dataset, ids
