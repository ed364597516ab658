"""llama.cpp's own HTTP server (`llama-server`), built once from the installed llama-cpp-python's sdist.

llama-cpp-python's server (`python -m llama_cpp.server`) computes one request at a time. On a CPU,
one decoding stream leaves most of the arithmetic unused (it waits on memory), so a teacher asked
for thousands of rewrites runs far below what the cores can do. llama.cpp's C++ server decodes
several requests in one batch (`--parallel N` slots, continuous batching): on 2 cores with the
1.5B Qwen teacher it writes about 1.8x the tokens a second (bench/teacher_throughput.py --real).

The wheel does not ship that binary; its sdist carries the same llama.cpp source
(`vendor/llama.cpp/`). `build_server()` downloads the sdist of the installed version with pip,
builds the `llama-server` target with CMake (static, Release, no curl) and keeps only the binary
under FACTORY_CACHE/llama.cpp-<version>/bin/, so the server always matches the llama.cpp that the
rest of the factory runs. It takes about 6 minutes on 2 cores, once, and needs a C++ compiler and
CMake (the `embedded` extra installs CMake). `server_binary()` says whether it is there; nothing
here starts a server (factory.serving does) or downloads a model.

    python -m factory.llama_native            # build it (once); prints the binary's path
"""

from __future__ import annotations

import argparse
import importlib.metadata
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path
from typing import Callable

from factory.errors import FactoryError, MissingDependency
from factory.model_cache import cache_root

CMAKE_OPTIONS = (
    "-DCMAKE_BUILD_TYPE=Release",
    "-DBUILD_SHARED_LIBS=OFF",  # one file that runs without the wheel's libraries
    "-DLLAMA_CURL=OFF",  # models are local files; no downloads
    "-DLLAMA_BUILD_TESTS=OFF",
    "-DLLAMA_BUILD_EXAMPLES=OFF",
    "-DLLAMA_BUILD_SERVER=ON",
)


def llama_cpp_version() -> str:
    """The installed llama-cpp-python's version (its sdist carries the matching llama.cpp source)."""
    try:
        return importlib.metadata.version("llama-cpp-python")
    except importlib.metadata.PackageNotFoundError:
        raise MissingDependency(
            "llama.cpp is not installed: pip install 'llama-cpp-python[server]==0.3.16' (or run `make setup`)"
        ) from None


def llama_dir() -> Path:
    """FACTORY_CACHE/llama.cpp-<version>/: what the factory keeps from that version's sdist."""
    return cache_root() / f"llama.cpp-{llama_cpp_version()}"


def download_sdist(into: Path, purpose: str) -> Path:
    """Download the installed version's llama-cpp-python sdist into `into`; returns the archive."""
    version = llama_cpp_version()
    result = subprocess.run(
        [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary", ":all:"]
        + [f"llama-cpp-python=={version}", "-d", str(into)],
        capture_output=True,
        text=True,
    )
    archives = list(Path(into).glob("*.tar.gz"))
    if result.returncode != 0 or not archives:
        last = (result.stderr.strip().splitlines() or ["no sdist downloaded"])[-1]
        raise MissingDependency(
            f"could not download the llama-cpp-python {version} sdist for {purpose}: {last}"
        )
    return archives[0]


def extract_llama_cpp(archive: Path, into: Path, keep: tuple[str, ...] = ("",)) -> None:
    """Extract the sdist's `vendor/llama.cpp/` files whose path inside it starts with one of `keep`
    (all of them by default) into `into`, without the `<sdist>/vendor/llama.cpp/` prefix."""
    with tarfile.open(archive) as sdist:
        members = []
        for member in sdist.getmembers():
            inner = member.name.split("/", 1)[-1]  # the path inside the sdist's top folder
            if inner.startswith("vendor/llama.cpp/"):
                member.name = inner.removeprefix("vendor/llama.cpp/")
                if member.name.startswith(keep):
                    members.append(member)
        sdist.extractall(into, members=members, filter="data")


def server_binary() -> Path | None:
    """The built `llama-server`, or None when it has not been built for the installed version."""
    try:
        binary = llama_dir() / "bin" / "llama-server"
    except MissingDependency:
        return None
    return binary if binary.is_file() and os.access(binary, os.X_OK) else None


def _tool(name: str, *fallbacks: str) -> str | None:
    """A build tool: the one beside this Python (the `embedded` extra's cmake) first, then on PATH."""
    for candidate in (name, *fallbacks):
        local = Path(sys.executable).with_name(candidate)
        if local.is_file() and os.access(local, os.X_OK):
            return str(local)
        if found := shutil.which(candidate):
            return found
    return None


def build_server(say: Callable[[str], None] | None = None) -> Path:
    """Build `llama-server` from the sdist once and return its path (the kept binary if already built)."""
    if binary := server_binary():
        return binary
    cmake, compiler = _tool("cmake"), _tool("c++", "g++", "clang++")
    if cmake is None or compiler is None:
        missing = "cmake (pip install cmake)" if cmake is None else "a C++ compiler (g++)"
        raise MissingDependency(f"building llama.cpp's server needs {missing}")
    say = say or (lambda line: print(line, file=sys.stderr, flush=True))
    target = llama_dir() / "bin" / "llama-server"
    target.parent.mkdir(parents=True, exist_ok=True)
    log = target.parent / "build.log"
    say(
        f"building llama.cpp's server from the llama-cpp-python {llama_cpp_version()} sdist "
        f"(once, about 6 minutes on 2 cores; log: {log})"
    )
    with tempfile.TemporaryDirectory() as tmp, open(log, "w") as handle:
        archive = download_sdist(Path(tmp), "llama.cpp's server")
        source = Path(tmp) / "src"
        extract_llama_cpp(archive, source)
        build = Path(tmp) / "build"
        jobs = str(os.cpu_count() or 1)
        for step in (
            [cmake, "-S", str(source), "-B", str(build), *CMAKE_OPTIONS],
            [cmake, "--build", str(build), "--target", "llama-server", "-j", jobs],
        ):
            handle.write("$ " + " ".join(step) + "\n")
            handle.flush()
            if subprocess.run(step, stdout=handle, stderr=subprocess.STDOUT).returncode != 0:
                raise MissingDependency(f"building llama.cpp's server failed; see {log}")
        partial = target.with_name(target.name + ".partial")
        shutil.copy2(build / "bin" / "llama-server", partial)
        partial.replace(target)  # no half-copied binary is ever taken for a built one
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m factory.llama_native", description=__doc__.splitlines()[0]
    )
    parser.parse_args(argv)
    try:
        print(build_server())
        return 0
    except FactoryError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
