"""`factory serve`: a student on an OpenAI-compatible endpoint, stopped with everything it started."""

import json
import os
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest
from factory_cli import FACTORY, ROOT, run_cli
from openai import OpenAI

from factory.errors import FactoryError
from factory.processes import free_port

pytestmark = pytest.mark.slow  # starts real servers


def serve(model, port: int, *args: str) -> tuple[subprocess.Popen, str]:
    process = subprocess.Popen(
        [*FACTORY, "serve", str(model), "--port", str(port), "--threads", "2", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
    )
    first = process.stdout.readline()  # printed once the server answers /v1/models
    if not first.startswith("serving "):
        process.kill()  # before reading the rest: a server that runs on would keep stdout open for ever
        pytest.fail(first + process.stdout.read())
    return process, first


def port_open(port: int) -> bool:
    import socket

    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def trained_run(folder: Path, merged: Path, gguf: Path | None = None) -> Path:
    """What `factory train` leaves: the training config.json beside merged/ (and a GGUF with --gguf)."""
    folder.mkdir()
    (folder / "config.json").write_text(
        json.dumps({"data": "x", "out": str(folder), "epochs": 3.0})
    )
    shutil.copytree(merged, folder / "merged")
    if gguf:
        shutil.copy(gguf, folder / "student-f16.gguf")
    return folder


@pytest.mark.parametrize("kind", ["gguf", "folder", "run"])
def test_serve_answers_chat_completions_and_stops_on_ctrl_c(kind, tiny_gguf, tiny_llama, tmp_path):
    # the README's `factory serve data/RECIPE/models/NAME`: a run folder serves its GGUF, not its training config.json
    model = {
        "gguf": tiny_gguf,
        "folder": tiny_llama,
        "run": trained_run(tmp_path / "run", tiny_llama, tiny_gguf) if kind == "run" else None,
    }[kind]
    port = free_port()
    process, banner = serve(
        model, port, *(["--runtime", "transformers"] if kind == "folder" else [])
    )
    try:
        assert ("with transformers" if kind == "folder" else "with llama.cpp") in banner
        if kind == "run":
            assert banner.startswith(f"serving {model / 'student-f16.gguf'} with llama.cpp"), banner
        client = OpenAI(base_url=f"http://127.0.0.1:{port}/v1", api_key="none")
        served = re.search(r"\(model '([^']+)'\)", banner).group(
            1
        )  # transformers serve lists only hub models
        if kind == "gguf":
            assert [m.id for m in client.models.list().data] == [served]
        reply = client.chat.completions.create(
            model=served,
            messages=[{"role": "user", "content": "Look up res-1"}],
            max_tokens=5,
            temperature=0,
        )
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
        "a trained run (data/RECIPE/models/NAME), `base` or a named base (smollm2-135m, "
        "qwen2.5-coder-0.5b)"
    ]


def test_base_and_a_named_base_resolve_to_their_folders_converted_once(tmp_path, monkeypatch):
    from factory import models
    from train import base_model

    monkeypatch.setenv("FACTORY_CACHE", str(tmp_path))
    asked = []

    def ensure_base(name):
        asked.append(name)
        folder = tmp_path / "models" / base_model.BASES[name].folder
        folder.mkdir(parents=True, exist_ok=True)
        return str(folder)

    monkeypatch.setattr(base_model, "ensure_base", ensure_base)
    (tmp_path / "models" / "Qwen2.5-Coder-0.5B-Instruct-q8_0.gguf").parent.mkdir(parents=True)
    (tmp_path / "models" / "Qwen2.5-Coder-0.5B-Instruct-q8_0.gguf").write_bytes(b"GGUF")
    named = models.resolve("qwen2.5-coder-0.5b")
    assert (named.runtime, named.path, named.label) == (
        "llama.cpp",
        tmp_path / "models" / "Qwen2.5-Coder-0.5B-Instruct-q8_0.gguf",
        "qwen2.5-coder-0.5b",
    )
    default = models.resolve("base", "transformers")
    assert default == models.Resolved(
        "transformers", tmp_path / "models" / "SmolLM2-135M-Instruct", "base"
    )
    assert asked == ["qwen2.5-coder-0.5b", "smollm2-135m"]


def test_a_trained_run_resolves_to_its_gguf_or_its_merged_model(tmp_path, monkeypatch):
    from factory import models

    merged = tmp_path / "m"
    merged.mkdir()
    (merged / "config.json").write_text(
        json.dumps({"model_type": "llama", "architectures": ["LlamaForCausalLM"]})
    )
    run = trained_run(tmp_path / "run", merged)
    (run / "student-f16.gguf").write_bytes(b"GGUF")
    (run / "student-q8_0.gguf").write_bytes(b"GGUF")
    assert models.resolve(str(run)) == models.Resolved(
        "llama.cpp", run / "student-q8_0.gguf", "run", "the run's own student-q8_0.gguf"
    )
    assert (
        models.resolve(str(run / "merged")).path == run / "student-q8_0.gguf"
    )  # merged/ of a run: the same
    assert models.resolve(str(run), "transformers") == models.Resolved(
        "transformers", run / "merged", "run"
    )
    for gguf in run.glob("*.gguf"):
        gguf.unlink()
    monkeypatch.setattr(models, "_cannot_convert", lambda: "no converter here")
    resolved = models.resolve(
        str(run)
    )  # nothing to convert with: transformers, and the reason said
    assert (resolved.runtime, resolved.path) == ("transformers", run / "merged")
    assert resolved.note.startswith("no GGUF (no converter here)")
    with pytest.raises(FactoryError, match="no GGUF for .*: no converter here"):
        models.resolve(str(run), "llama.cpp")
