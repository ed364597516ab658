"""OpenAI-compatible model servers on 127.0.0.1, started as child processes and stopped by PID.

`ModelServer` runs one existing server: llama.cpp's (`python -m llama_cpp.server`, for a
GGUF file; with `slots` > 1 llama.cpp's own `llama-server`, built once by factory.llama_native,
which decodes that many requests side by side) or `transformers serve` (for a transformers
folder such as a trained run's merged/). It is a context manager: it starts the process in its own session, waits until
GET /v1/models answers, and on exit terminates it (then kills it after 10 s). llama.cpp gets
one thread per physical core, for decoding and prompts alike, and OMP_WAIT_POLICY=passive
unless set (its OpenMP workers would otherwise spin between batches, taking the CPU the
build's own stages need). The embedded
teacher and `factory serve` both use it. It does not download models and does not expose
anything beyond 127.0.0.1 unless asked. Not here: turning what a user typed (a .gguf file, a
model folder, a trained run, `base`) into a runtime and a file (factory.models.resolve_model,
a floor above: it converts with the trainer's tools). This module is on the lowest floor: the
teacher (factory.teacher.embedded) and the trainer (train.gguf) both import it.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from factory.errors import ConfigError, MissingDependency, TeacherError
from factory.llama_native import server_binary
from factory.processes import free_port, pause, stop_group
from factory.teacher.spec import TeacherSpec, preflight

ENGINES = ("llama.cpp", "transformers")


def physical_cores() -> int:
    """Cores (not hyper-threads) this process may run on: llama.cpp's threads each want a whole core."""
    cpus = (
        sorted(os.sched_getaffinity(0))
        if hasattr(os, "sched_getaffinity")
        else range(os.cpu_count() or 1)
    )
    cores = set()
    for cpu in cpus:
        topology = Path(f"/sys/devices/system/cpu/cpu{cpu}/topology")
        try:
            cores.add(
                (
                    (topology / "physical_package_id").read_text().strip(),
                    (topology / "core_id").read_text().strip(),
                )
            )
        except OSError:  # no sysfs topology: count the CPU itself
            cores.add(("cpu", str(cpu)))
    return max(1, len(cores))


def default_threads() -> int:
    """One llama.cpp thread per physical core, at most 8 (decoding is bound by memory bandwidth beyond that)."""
    return min(physical_cores(), 8)


def server_env(engine: str, base: dict | None = None) -> dict:
    """The server's environment. llama.cpp's OpenMP workers spin-wait between batches by default, which on
    a machine shared with the build's own stages (or other jobs) takes their CPU; passive waiting gives it back.
    A value the user set is kept."""
    env = dict(os.environ if base is None else base)
    if engine == "llama.cpp":
        env.setdefault("OMP_WAIT_POLICY", "passive")
    return env


class ModelServer:
    def __init__(
        self,
        engine: str,
        model: Path,
        *,
        log_path: Path,
        alias: str | None = None,
        host: str = "127.0.0.1",
        port: int | None = None,
        threads: int | None = None,
        n_ctx: int = 2048,
        slots: int = 1,
        startup_timeout: float = 180.0,
    ):
        if engine not in ENGINES:
            raise ConfigError(f"engine {engine!r}: expected one of {', '.join(ENGINES)}")
        self.engine, self.model, self.log_path = engine, Path(model), Path(log_path)
        self.alias = alias or self.model.stem
        self.host, self.port = host, port or free_port()
        self.threads, self.n_ctx, self.startup_timeout = (
            threads or default_threads(),
            n_ctx,
            startup_timeout,
        )
        if slots > 1 and engine != "llama.cpp":
            raise ConfigError(
                f"{slots} slots: only llama.cpp's own server computes requests side by side"
            )
        self.slots = max(1, slots)
        self.process: subprocess.Popen | None = None

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}/v1"

    def command(self) -> list[str]:
        if self.engine == "llama.cpp" and self.slots > 1:
            return self._native_command()
        if self.engine == "llama.cpp":
            if importlib.util.find_spec("llama_cpp") is None:
                raise MissingDependency(
                    "serving a GGUF needs llama.cpp's server: pip install 'llama-cpp-python[server]==0.3.16' "
                    "(or run `make setup`)"
                )
            return [
                sys.executable,
                "-m",
                "llama_cpp.server",
                "--model",
                str(self.model),
                "--model_alias",
                self.alias,
                "--host",
                self.host,
                "--port",
                str(self.port),
                "--n_threads",
                str(self.threads),
                "--n_threads_batch",
                str(self.threads),
                "--n_ctx",
                str(self.n_ctx),
            ]
        cli = shutil.which("transformers", path=str(Path(sys.executable).parent)) or shutil.which(
            "transformers"
        )
        if cli is None:
            raise MissingDependency(
                "serving a model folder needs `transformers serve`: pip install 'transformers[serving]'"
            )
        return [
            cli,
            "serve",
            str(self.model),
            "--host",
            self.host,
            "--port",
            str(self.port),
            "--device",
            "cpu",
        ]

    def _native_command(self) -> list[str]:
        """llama.cpp's own server with `slots` requests decoded side by side, each with the whole n_ctx."""
        binary = server_binary()
        if binary is None:
            raise MissingDependency(
                f"{self.slots} slots need llama.cpp's own server: python -m factory.llama_native (builds it once)"
            )
        return [
            str(binary),
            "--model",
            str(self.model),
            "--alias",
            self.alias,
            "--host",
            self.host,
            "--port",
            str(self.port),
            "--threads",
            str(self.threads),
            "--threads-batch",
            str(self.threads),
            "--ctx-size",
            str(self.n_ctx * self.slots),  # shared by the slots
            "--parallel",
            str(self.slots),
        ]

    def spec(self) -> TeacherSpec:
        model = self.alias if self.engine == "llama.cpp" else str(self.model)
        return TeacherSpec(
            model=model,
            base_url=self.base_url,
            api_key="none",
            structured="llamacpp_schema" if self.engine == "llama.cpp" else "none",
            embedded=True,
            slots=self.slots if self.engine == "llama.cpp" else 0,
        )  # llama-cpp-python's server: one at a time; llama.cpp's own: its --parallel

    def start(self) -> TeacherSpec:
        command = self.command()
        env = server_env(self.engine)
        if (
            self.engine == "transformers"
        ):  # it refuses to start without a hub cache folder, even for a local path
            hub = Path(
                env.get("HF_HUB_CACHE")
                or Path(env.get("HF_HOME", Path.home() / ".cache" / "huggingface")) / "hub"
            )
            hub.mkdir(parents=True, exist_ok=True)
            env.setdefault("HF_HUB_OFFLINE", "1")
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        try:  # another server already on a port we were given would answer our readiness probe
            free_port(self.host, self.port)
        except OSError:
            raise ConfigError(
                f"port {self.port} on {self.host} is in use; pick another --port"
            ) from None
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True
            )
        spec = self.spec()
        try:
            self._wait_ready(spec)
        except BaseException:  # Ctrl-C or a timeout while it starts: it must not outlive us
            self.stop()
            raise
        return spec

    def _wait_ready(self, spec: TeacherSpec) -> None:
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise TeacherError(
                    f"the {self.engine} server exited with code {self.process.returncode}; see {self.log_path}"
                )
            try:
                preflight(spec, timeout=2.0)
                if self.slots == 1 or self._loaded():
                    return
            except TeacherError:
                pass
            pause(0.5)
        raise TeacherError(
            f"the {self.engine} server did not answer within {self.startup_timeout:.0f}s; see {self.log_path}"
        )

    def _loaded(self) -> bool:
        """llama-server lists its model before the weights are loaded (then answers 503): /health says when."""
        import httpx

        try:
            return (
                httpx.get(f"http://{self.host}:{self.port}/health", timeout=2.0).status_code == 200
            )
        except httpx.HTTPError:
            return False

    def stop(self) -> None:
        if self.process is not None:
            stop_group(self.process, grace=10)

    def __enter__(self) -> TeacherSpec:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
