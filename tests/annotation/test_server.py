"""The embedded Argilla's life cycle: private credentials, no default logins, workspace access, restart, stop."""

from __future__ import annotations

import json
import os
import stat

import httpx
import pytest
from argilla_helpers import api, sdk

from factory.processes import group_running

pytestmark = pytest.mark.slow


def test_credentials_are_private_and_defaults_refused(argilla_server):
    path = argilla_server.data_dir / "credentials.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    creds = json.loads(path.read_text())
    assert creds == argilla_server.credentials and creds["api_url"] == argilla_server.api_url
    assert [a["username"] for a in creds["annotators"]] == ["annotator-1", "annotator-2"]
    assert creds["owner"]["username"] == "owner" and creds["workspace"] == "factory"
    secrets = [
        u[k] for u in [creds["owner"], *creds["annotators"]] for k in ("password", "api_key")
    ]
    assert len(set(secrets)) == 6 and not {
        "1234",
        "12345678",
        "owner.apikey",
        "argilla.apikey",
    } & set(secrets)
    token = f"{argilla_server.api_url}/api/v1/token"
    for username in ("owner", "argilla", "annotator-1"):
        for password in ("1234", "12345678"):
            assert (
                httpx.post(token, data={"username": username, "password": password}).status_code
                == 401
            )
    for key in ("owner.apikey", "argilla.apikey", "admin.apikey"):
        assert (
            httpx.get(
                f"{argilla_server.api_url}/api/v1/me", headers={"X-Argilla-Api-Key": key}
            ).status_code
            == 401
        )
    assert (
        httpx.post(
            token, data={"username": "owner", "password": creds["owner"]["password"]}
        ).status_code
        == 201
    )


def test_annotators_log_in_and_see_their_workspaces(argilla_server, argilla_dataset):
    ui = httpx.get(f"{argilla_server.api_url}/", follow_redirects=True)
    assert ui.status_code == 200 and "<html" in ui.text.lower()  # the web UI is served
    annotator = argilla_server.credentials["annotators"][0]
    login = httpx.post(
        f"{argilla_server.api_url}/api/v1/token",
        data={"username": annotator["username"], "password": annotator["password"]},
    )
    assert login.status_code == 201
    headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
    me = httpx.get(f"{argilla_server.api_url}/api/v1/me/datasets", headers=headers).json()
    assert "engine-test" in [d["name"] for d in me["items"]]
    argilla_server.add_annotators_to_workspace("second")
    argilla_server.add_annotators_to_workspace("second")  # idempotent
    with api(argilla_server, "annotator-2") as client:
        assert sorted(w["name"] for w in client.get("/me/workspaces").json()["items"]) == [
            "factory",
            "second",
        ]


def test_restart_keeps_data_and_stop_leaves_no_process(argilla_server, argilla_dataset):
    before = json.loads(argilla_server.credentials_file.read_text())
    pids = argilla_server.pids
    assert len(pids) == 3
    assert all(pid in group_running(pid) for pid in pids)  # the check below sees live groups
    argilla_server.stop()
    for pid in pids:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
        # nor any child (the rq worker forks its workers); an orphan's zombie, left to an init
        # that does not reap, runs nothing and does not count
        assert group_running(pid) == []
    argilla_server.start()
    assert json.loads(argilla_server.credentials_file.read_text()) == before
    assert set(argilla_server.pids).isdisjoint(pids)
    dataset = sdk(argilla_server).datasets(name="engine-test", workspace="factory")
    assert len(list(dataset.records)) == 30
    with api(argilla_server, "annotator-1") as client:
        assert client.get("/me").json()["username"] == "annotator-1"


def test_a_second_server_on_the_same_folder_is_refused(argilla_server):
    from annotation.server import EmbeddedArgilla
    from factory.errors import FactoryError

    with pytest.raises(FactoryError, match="already runs on"):
        EmbeddedArgilla(argilla_server.data_dir).start()
    assert len(argilla_server.pids) == 3


def test_the_worker_runs_background_jobs(argilla_server):
    """Changing a dataset's distribution makes the rq worker recompute record statuses (with factory-sql)."""
    import time

    import argilla as rg
    from argilla_helpers import respond

    client = sdk(argilla_server)
    settings = rg.Settings(
        fields=[rg.TextField(name="text")],
        questions=[rg.LabelQuestion(name="ok", labels=["y", "n"])],
    )
    dataset = rg.Dataset(
        name="worker-test", workspace="factory", settings=settings, client=client
    ).create()
    dataset.records.log([{"id": "a", "text": "one"}, {"id": "b", "text": "two"}])
    record = next(r for r in dataset.records if r.id == "a")
    respond(argilla_server, "annotator-1", record._server_id, "submitted", ok="y")
    assert dataset.progress() == {"total": 2, "completed": 1, "pending": 1}
    with api(argilla_server) as owner:
        owner.patch(
            f"/datasets/{dataset.id}",
            json={"distribution": {"strategy": "overlap", "min_submitted": 2}},
        ).raise_for_status()
    deadline = time.monotonic() + 60
    while dataset.progress()["completed"] != 0 and time.monotonic() < deadline:
        time.sleep(0.5)
    assert dataset.progress() == {"total": 2, "completed": 0, "pending": 2}


def test_no_key_no_access_and_annotators_cannot_read_other_workspaces(argilla_server):
    import argilla as rg

    client = sdk(argilla_server)
    rg.Workspace(name="closed", client=client).create()
    settings = rg.Settings(
        fields=[rg.TextField(name="text")],
        questions=[rg.LabelQuestion(name="ok", labels=["y", "n"])],
    )
    dataset = rg.Dataset(
        name="secret", workspace="closed", settings=settings, client=client
    ).create()
    dataset.records.log([rg.Record(id="s1", fields={"text": "internal note"})])
    base = f"{argilla_server.api_url}/api/v1"
    for path in (
        "/me",
        "/me/datasets",
        f"/datasets/{dataset.id}",
        f"/datasets/{dataset.id}/records",
    ):
        assert httpx.get(base + path).status_code == 401, path  # no key, no token
        assert (
            httpx.get(base + path, headers={"X-Argilla-Api-Key": "not-a-key"}).status_code == 401
        ), path
    with api(argilla_server, "annotator-1") as annotator:  # a valid key, another workspace
        assert "secret" not in [d["name"] for d in annotator.get("/me/datasets").json()["items"]]
        assert annotator.get(f"/datasets/{dataset.id}").status_code == 403
        assert annotator.post(f"/datasets/{dataset.id}/records/search", json={}).status_code == 403
    with api(argilla_server, "owner") as owner:
        assert owner.get(f"/datasets/{dataset.id}").status_code == 200
