"""Which runtime and which file run a model the user named, for `factory serve` and `factory eval`.

A user names `base` (or a named base), a `.gguf` file, a transformers folder (e.g. a run's `merged/`) or a
trained run's folder (`data/RECIPE/models/NAME`: config.json there is the *training* config,
not a model). `resolve()` answers with a `Resolved` (runtime, path, label, note). On CPU
llama.cpp runs a small model 10-100x faster than transformers' generate, so with runtime
`auto` a GGUF is used whenever one exists or can be made:

- a run folder: its own `student-*.gguf` (q8_0 before f16), else its merged/ converted once
  to `student-q8_0.gguf` beside it;
- a run's `merged/`: the same as its run folder;
- `base` (the default student base) or a named base (`qwen2.5-coder-0.5b`, train.base_model.BASES):
  converted once to q8_0 under FACTORY_CACHE/models/;
- any other model folder: converted once into FACTORY_CACHE/gguf/ (keyed by path and mtime).

The cache itself (`cache_root()`, FACTORY_CACHE) is factory.model_cache, on the floor below
both the teacher and the trainer; this module sits above the trainer (train.base_model,
train.gguf), with `factory serve`, `factory eval` and the proxy that use it.

A conversion needs llama-cpp-python and its converter kept by `make setup` (train.gguf); with
`auto` it is skipped when either is missing or the converter refuses the architecture (the
note says why), and transformers runs the folder. `runtime="transformers"` forces the folder,
`runtime="llama.cpp"` forces a GGUF (an error when none can be made). Nothing is downloaded.
"""

from __future__ import annotations

import hashlib
import importlib.util
from dataclasses import dataclass
from pathlib import Path

from factory.errors import ConfigError, FactoryError
from factory.model_cache import cache_root

RUNTIMES = ("auto", "llama.cpp", "transformers")
_PREFERRED = ("q8_0", "f16")


@dataclass(frozen=True)
class Resolved:
    runtime: str  # "llama.cpp" | "transformers"
    path: Path  # the .gguf file or the transformers folder
    label: str  # default name of an eval of it
    note: str = ""  # how the file came to be, or why transformers runs it


def resolve(model: str, runtime: str = "auto") -> Resolved:
    if runtime not in RUNTIMES:
        raise ConfigError(f"--runtime {runtime!r}: expected one of {', '.join(RUNTIMES)}")
    from train.base_model import BASES, DEFAULT_BASE, ensure_base

    if model == "base" or model in BASES:  # the default base, or one named: qwen2.5-coder-0.5b
        folder = Path(
            ensure_base(DEFAULT_BASE if model == "base" else model)
        )  # FACTORY_CACHE/models/
        return _folder(folder, runtime, model, cache_root() / "models" / f"{folder.name}-q8_0.gguf")
    path = Path(model)
    if path.is_file() and path.suffix == ".gguf":
        if runtime == "transformers":
            raise ConfigError(
                f"MODEL {model}: a .gguf file runs with llama.cpp only; drop --runtime transformers"
            )
        return Resolved(
            "llama.cpp", path, path.parent.name + "-" + path.stem.removeprefix("student-")
        )
    if path.name == "merged" and _is_run(path.parent):
        path = path.parent
    if _is_run(path):
        ggufs = run_ggufs(path)
        if ggufs and runtime != "transformers":
            return Resolved("llama.cpp", ggufs[0], path.name, f"the run's own {ggufs[0].name}")
        if (path / "merged" / "config.json").is_file():
            return _folder(path / "merged", runtime, path.name, path / "student-q8_0.gguf")
        raise ConfigError(
            f"MODEL {model}: a trained run without merged/ or a .gguf (did `factory train` finish?)"
        )
    if _is_model_folder(path):
        return _folder(path, runtime, path.name, _cached_target(path))
    raise ConfigError(
        f"MODEL {model}: not a .gguf file, a model folder with config.json, a trained run "
        f"(data/RECIPE/models/NAME), `base` or a named base ({', '.join(BASES)})"
    )


def resolve_model(model: str, runtime: str = "auto") -> tuple[str, Path]:
    """(engine, path) that serve MODEL (factory.serving.ModelServer): resolve's runtime and file."""
    resolved = resolve(model, runtime)
    return resolved.runtime, resolved.path


def run_ggufs(run: Path) -> list[Path]:
    """A trained run's GGUF files, the preferred first (q8_0, f16, then any other by name)."""

    def rank(path: Path) -> tuple:
        kind = path.stem.removeprefix("student-")
        return (_PREFERRED.index(kind) if kind in _PREFERRED else len(_PREFERRED), path.name)

    return sorted(run.glob("*.gguf"), key=rank)


def _is_run(path: Path) -> bool:
    """A `factory train` run folder: merged/ or adapter/ or a GGUF of it, beside the training config."""
    return path.is_dir() and (
        (path / "merged").is_dir() or (path / "adapter").is_dir() or bool(run_ggufs(path))
    )


def _is_model_folder(path: Path) -> bool:
    import json

    try:
        config = json.loads((path / "config.json").read_text())
    except (OSError, ValueError):
        return False
    return isinstance(config, dict) and bool(
        config.get("model_type") or config.get("architectures")
    )


def _cached_target(folder: Path) -> Path:
    stamp = max((p.stat().st_mtime_ns for p in folder.iterdir() if p.is_file()), default=0)
    key = hashlib.sha256(f"{folder.resolve()}:{stamp}".encode()).hexdigest()[:12]
    return cache_root() / "gguf" / f"{folder.name}-{key}-q8_0.gguf"


def _folder(folder: Path, runtime: str, label: str, target: Path | None) -> Resolved:
    """A transformers folder: its GGUF `target` (made now if needed) unless transformers is asked for."""
    if runtime == "transformers" or target is None:
        return Resolved("transformers", folder, label)
    if target.is_file():
        return Resolved("llama.cpp", target, label, f"converted from {folder} earlier")
    reason = _cannot_convert()
    if reason is None:
        from train.gguf import convert

        try:
            convert(folder, "q8_0", target)
            return Resolved("llama.cpp", target, label, f"converted from {folder} now (once)")
        except FactoryError as exc:
            reason = str(exc)
    if runtime == "llama.cpp":
        raise ConfigError(f"no GGUF for {folder}: {reason}")
    return Resolved(
        "transformers", folder, label, f"no GGUF ({reason}); transformers is much slower on CPU"
    )


def _cannot_convert() -> str | None:
    if importlib.util.find_spec("llama_cpp") is None:
        return "llama-cpp-python is not installed: pip install 'llama-cpp-python[server]==0.3.16'"
    from train.gguf import converter_path

    if converter_path() is None:
        return "llama.cpp's converter is not kept here: run `python -m train.gguf --fetch` (make setup does)"
    return None
