"""server.py without a server: private file writes and the venv builder's failure path."""

from __future__ import annotations

import os
import stat
import sys

import pytest

from annotation import server
from factory.errors import MissingDependency


def test_private_file_is_0600_whatever_the_umask(tmp_path):
    old = os.umask(0)
    try:
        stale = tmp_path / f".credentials.json.{os.getpid()}.tmp"
        stale.write_text("{}")
        stale.chmod(0o666)  # a leftover temp file with a wide mode must not leak it
        server._write_private(tmp_path / "credentials.json", {"owner": {"password": "x"}})
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "credentials.json").stat().st_mode) == 0o600
    assert not stale.exists()


def test_failed_venv_build_is_one_line_naming_the_log(tmp_path, monkeypatch):
    monkeypatch.setenv("FACTORY_CACHE", str(tmp_path))
    monkeypatch.setattr(sys, "executable", "/bin/false")
    with pytest.raises(MissingDependency) as error:
        server.server_python()
    log = tmp_path / "logs" / "argilla-server-venv.log"
    assert (
        str(error.value)
        == f"could not build the Argilla server's environment in {server.server_venv()}; see {log}"
    )
    assert "/bin/false -m venv" in log.read_text()
    assert not (server.server_venv() / ".factory-ready").exists()


def test_leftovers_of_a_killed_server_are_ended_and_nothing_else(tmp_path):
    import json
    import subprocess

    from factory.processes import end_leftovers

    (tmp_path / "redis").mkdir()
    ours = subprocess.Popen(["sleep", "60"], cwd=tmp_path, start_new_session=True)
    below = subprocess.Popen(["sleep", "60"], cwd=tmp_path / "redis", start_new_session=True)
    other = subprocess.Popen(["sleep", "60"], cwd="/", start_new_session=True)
    try:
        (tmp_path / "pids.json").write_text(json.dumps([ours.pid, below.pid, other.pid, 999999999]))
        assert end_leftovers(tmp_path / "pids.json", tmp_path, grace=5) == [ours.pid, below.pid]
        assert ours.wait(timeout=5) == below.wait(timeout=5) == -15 and other.poll() is None
    finally:
        other.kill()
        other.wait()
