"""GGUF export of a trained student: llama.cpp's own converter, then a load-and-answer check.

    python -m train.gguf --fetch                       # once, at set-up (needs the package index)
    python -m train.gguf MODEL_DIR --outtype q8_0      # MODEL_DIR/../student-q8_0.gguf

The converter (`convert_hf_to_gguf.py` and its `gguf-py`) ships in the llama-cpp-python
sdist, not in the wheel; `fetch_converter()` downloads the sdist of the installed version
with pip and keeps only those files under FACTORY_CACHE/llama.cpp-<version>/, so the
converter always matches the llama.cpp that will load the result. `convert()` runs it in a
subprocess (its log next to the output), and `answer()` loads the file with llama.cpp and
answers one prompt. It converts transformers folders of architectures llama.cpp knows
(Llama, SmolLM2, Qwen, ...); it does not quantize below q8_0 (that needs llama.cpp's
C++ quantize tool, which the wheel does not ship).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from factory.errors import ConfigError
from factory.llama_native import download_sdist, extract_llama_cpp, llama_cpp_version, llama_dir

OUTTYPES = ("q8_0", "f16")
KEEP = ("convert_hf_to_gguf.py", "gguf-py/")  # of the sdist's vendor/llama.cpp/

# Runs the converter with one fix. It reads the model's config through transformers, whose
# version 5 keeps RoPE settings under `rope_parameters`; the 0.3.16 converter reads only the
# older top-level `rope_theta` / `rope_scaling`, and without them writes no RoPE base, so
# llama.cpp falls back to 10,000 (SmolLM2 uses 100,000): a GGUF that loads, answers, and is
# measurably worse than its weights (validity 81% instead of 100% on the REM benchmark).
CONVERTER_SHIM = """
import importlib.util, sys
script = sys.argv.pop(1)
spec = importlib.util.spec_from_file_location("convert_hf_to_gguf", script)
converter = importlib.util.module_from_spec(spec)
sys.modules[spec.name] = converter
spec.loader.exec_module(converter)
load_hparams = converter.ModelBase.load_hparams

def with_legacy_rope(*args, **kwargs):
    config = load_hparams(*args, **kwargs)
    for part in (config, config.get("text_config") or {}):
        rope = part.get("rope_parameters")
        if isinstance(rope, dict) and isinstance(rope.get("full_attention"), dict):
            rope = rope["full_attention"]  # per layer type (Gemma 3): the global layers' settings
        if not isinstance(rope, dict):
            continue
        for key, value in rope.items():  # rope_theta, partial_rotary_factor, mrope_section, ...
            if key != "rope_type":
                part.setdefault(key, value)
        if set(rope) - {"rope_theta", "rope_type", "partial_rotary_factor"}:
            rope_type = rope.get("rope_type", "default")
            part.setdefault("rope_scaling", {**rope, "type": rope_type, "rope_type": rope_type})
    return config

converter.ModelBase.load_hparams = staticmethod(with_legacy_rope)
sys.argv[0] = script
converter.main()
"""


def converter_path() -> Path | None:
    script = llama_dir() / "convert_hf_to_gguf.py"
    return script if script.is_file() else None


def fetch_converter() -> Path:
    """Download the llama-cpp-python sdist once and keep its converter; returns the script's path."""
    if script := converter_path():
        return script
    target = llama_dir()
    with tempfile.TemporaryDirectory() as tmp:
        archive = download_sdist(Path(tmp), "its GGUF converter")
        staging = Path(tmp) / "converter"
        extract_llama_cpp(archive, staging, KEEP)
        target.mkdir(
            parents=True, exist_ok=True
        )  # it may hold llama.cpp's built server too (factory.llama_native)
        shutil.rmtree(target / "gguf-py", ignore_errors=True)
        shutil.move(str(staging / "gguf-py"), target / "gguf-py")
        shutil.move(
            str(staging / "convert_hf_to_gguf.py"), target / "convert_hf_to_gguf.py"
        )  # last: it marks a whole fetch
    return target / "convert_hf_to_gguf.py"


def convert(model_dir: Path, outtype: str = "q8_0", out: Path | None = None) -> Path:
    """Convert a transformers folder to one GGUF file; returns its path."""
    if outtype not in OUTTYPES:
        raise ConfigError(f"--gguf {outtype}: expected one of {', '.join(OUTTYPES)}")
    model_dir = Path(model_dir)
    if not (model_dir / "config.json").is_file():
        raise ConfigError(f"{model_dir}: not a transformers model folder (no config.json)")
    script = converter_path() or fetch_converter()
    out = Path(out or model_dir.parent / f"student-{outtype}.gguf")
    out.parent.mkdir(parents=True, exist_ok=True)
    log = out.with_suffix(".log")
    partial = out.with_name(out.name + ".partial")
    with open(log, "w") as handle:
        code = subprocess.run(
            [
                sys.executable,
                "-c",
                CONVERTER_SHIM,
                str(script),
                str(model_dir),
                "--outfile",
                str(partial),
                "--outtype",
                outtype,
            ],
            stdout=handle,
            stderr=subprocess.STDOUT,
        ).returncode
    if code != 0 or not partial.is_file():
        partial.unlink(missing_ok=True)
        lines = log.read_text(errors="replace").strip().splitlines() or ["no output"]
        raise ConfigError(
            f"llama.cpp's converter failed on {model_dir} ({lines[-1]}); full log: {log}"
        )
    partial.replace(out)
    return out


class GGUFChat:
    """A GGUF file loaded by llama.cpp in this process; `chat(messages)` -> (reply, new tokens), greedy."""

    def __init__(self, gguf: Path, n_ctx: int = 2048):
        try:
            from llama_cpp import Llama
        except ImportError:
            llama_cpp_version()  # names the install command
            raise
        from factory.serving import default_threads

        try:
            self.model = Llama(str(gguf), n_ctx=n_ctx, n_threads=default_threads(), verbose=False)
        except ValueError as exc:  # llama.cpp refused the file
            raise ConfigError(f"llama.cpp cannot load {gguf} ({exc})") from None

    def chat(self, messages: list[dict], max_tokens: int, grammar=None) -> tuple[str, int]:
        """Greedy reply; with `grammar` (a llama_cpp LlamaGrammar) decoded under it."""
        constrained = {"grammar": grammar} if grammar is not None else {}
        reply = self.model.create_chat_completion(
            messages=messages, max_tokens=max_tokens, temperature=0, **constrained
        )
        return reply["choices"][0]["message"]["content"] or "", reply["usage"]["completion_tokens"]

    def close(self) -> None:
        self.model.close()


def answer(gguf: Path, messages: list[dict], max_tokens: int = 64) -> str:
    """Load the file with llama.cpp and answer once: proof that the student runs from RAM."""
    model = GGUFChat(gguf, n_ctx=1024)
    try:
        return model.chat(messages, max_tokens)[0]
    finally:
        model.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "model_dir", nargs="?", help="a transformers folder, e.g. data/RECIPE/models/NAME/merged"
    )
    parser.add_argument("--outtype", default="q8_0", choices=OUTTYPES)
    parser.add_argument("--fetch", action="store_true", help="only download the converter (set-up)")
    args = parser.parse_args()
    if args.fetch:
        print(fetch_converter())
        return
    if not args.model_dir:
        parser.error("give MODEL_DIR or --fetch")
    path = convert(Path(args.model_dir), args.outtype)
    print(path)
    print(answer(path, [{"role": "user", "content": "Say hello."}]))


if __name__ == "__main__":
    main()
