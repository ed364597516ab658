"""`factory serve`: a student on an OpenAI-compatible endpoint, stopped with everything it started."""

import os
import re
import signal
import subprocess
import time

import pytest
from openai import OpenAI

from factory_cli import FACTORY, ROOT, run_cli
from factory.processes import free_port

pytestmark = pytest.mark.slow  # starts real servers


def serve(model, port: int) -> tuple[subprocess.Popen, str]:
    process = subprocess.Popen([*FACTORY, "serve", str(model), "--port", str(port), "--threads", "2"], cwd=ROOT,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               env={**os.environ, "COLUMNS": "200"})
    first = process.stdout.readline()  # printed once the server answers /v1/models
    assert first.startswith("serving "), first + process.stdout.read()
    return process, first


def port_open(port: int) -> bool:
    import socket

    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


@pytest.mark.parametrize("kind", ["gguf", "folder"])
def test_serve_answers_chat_completions_and_stops_on_ctrl_c(kind, tiny_gguf, tiny_llama):
    model = tiny_gguf if kind == "gguf" else tiny_llama
    port = free_port()
    process, banner = serve(model, port)
    try:
        assert ("with llama.cpp" if kind == "gguf" else "with transformers") in banner
        client = OpenAI(base_url=f"http://127.0.0.1:{port}/v1", api_key="none")
        served = re.search(r"\(model '([^']+)'\)", banner).group(1)  # transformers serve lists only hub models
        if kind == "gguf":
            assert [m.id for m in client.models.list().data] == [served]
        reply = client.chat.completions.create(model=served, messages=[{"role": "user", "content": "Look up res-1"}],
                                               max_tokens=5, temperature=0)
        assert reply.choices[0].message.content is not None and reply.usage.completion_tokens > 0
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=60) == 0
    deadline = time.monotonic() + 15
    while port_open(port) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not port_open(port)  # the server process it started is gone too


def test_serve_refuses_what_it_cannot_serve(tmp_path):
    result = run_cli("serve", str(tmp_path / "missing"))
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"error: MODEL {tmp_path / 'missing'}: not a .gguf file, a model folder with config.json, "
        "a trained run (data/RECIPE/models/NAME) or `base`"]
