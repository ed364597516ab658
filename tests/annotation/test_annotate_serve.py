"""`factory annotate serve`: the embedded Argilla from the command line; passwords printed once; Ctrl-C stops it all."""

import json
import os
import signal
import socket
import stat
import subprocess

import httpx
import pytest
from factory_cli import FACTORY, ROOT

from factory.processes import free_port

pytestmark = pytest.mark.slow  # starts real servers
HANG_GUARD_S = 300  # a stop ends in seconds; this only keeps a hang from blocking the suite (a busy machine is slow)


def serve(root, port: int) -> tuple[subprocess.Popen, list[str]]:
    process = subprocess.Popen(
        [
            *FACTORY,
            "annotate",
            "serve",
            "--port",
            str(port),
            "--annotators",
            "1",
            "--out",
            str(root),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
    )
    lines = [process.stdout.readline()]
    if not lines[0].startswith("Argilla UI and API at "):
        process.send_signal(
            signal.SIGINT
        )  # before reading the rest: a server that runs on keeps stdout open
        pytest.fail(lines[0] + process.communicate(timeout=HANG_GUARD_S)[0])
    return process, lines


def stop(process: subprocess.Popen, port: int) -> str:
    process.send_signal(signal.SIGINT)
    rest, _ = process.communicate(timeout=HANG_GUARD_S)
    assert process.returncode == 0, rest
    with socket.socket() as sock:
        assert sock.connect_ex(("127.0.0.1", port)) != 0  # the server it started is gone
    return rest


def test_serve_prints_new_passwords_once_and_stops_everything(tmp_path):
    port = free_port()
    process, lines = serve(tmp_path, port)
    try:
        creds_file = tmp_path / "argilla" / "credentials.json"
        assert lines[0].strip() == (
            f"Argilla UI and API at http://127.0.0.1:{port}; credentials (passwords, API keys): "
            f"{creds_file} (readable by you only); Ctrl-C stops it"
        )
        assert stat.S_IMODE(creds_file.stat().st_mode) == 0o600
        printed = [process.stdout.readline().strip() for _ in range(2)]
        assert [line.split(":")[0] for line in printed] == [
            "new user owner",
            "new user annotator-1",
        ]
        creds = json.loads(creds_file.read_text())
        assert printed[0] == f"new user owner: password {creds['owner']['password']}"
        me = httpx.get(
            f"http://127.0.0.1:{port}/api/v1/me",
            headers={"X-Argilla-Api-Key": creds["owner"]["api_key"]},
        )
        assert me.status_code == 200 and me.json()["username"] == "owner"
    finally:
        rest = stop(process, port)
    assert "new user" not in rest
    again, lines = serve(tmp_path, port)  # same folder: same users, nothing new to print
    assert "new user" not in stop(
        again, port
    )  # (the SIGINT lands at once: the stop-at-any-moment case)
