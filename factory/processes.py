"""Child servers (model servers, the embedded Argilla): free loopback ports, readiness probes, stopping a process group.

Stdlib only. A process started with `start_new_session=True` leads its own group, so its children
(the rq pool's forked workers) end with it. Nothing here starts a process; `end_leftovers` ends
only groups whose leader still runs in the data folder of the server that wrote their PIDs.

`stop_requests()` makes Ctrl-C and SIGTERM safe for a command that starts servers: inside it a
signal only sets a flag, and `pause()` (the waits of start-up and of the serving loop) raises
KeyboardInterrupt at that known point. Python's own handling raises KeyboardInterrupt at whatever
bytecode runs when the signal lands; landing inside subprocess's bookkeeping (between
`Popen.poll`'s `_waitpid_lock.acquire` and its `try`, or after a fork before Popen returns) leaves
that lock held for ever or a child unrecorded, and the stop that follows then blocks for ever in
`wait()` (its child a zombie) or misses a child. A second signal during the stop changes nothing:
the stop finishes.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

_asked = {
    "stop": False
}  # set by the handler of stop_requests(); a dict, not an Event: a handler must not take locks


@contextmanager
def stop_requests():
    """SIGINT and SIGTERM become a request that `pause()` answers (see the module docstring); restored after.
    Also undoes a SIGINT inherited ignored (a shell's `cmd &`): Ctrl-C always means stop."""
    previous = {sig: signal.signal(sig, _ask_to_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    _asked["stop"] = False
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _ask_to_stop(signum, frame) -> None:
    _asked["stop"] = True


def stop_requested() -> bool:
    return _asked["stop"]


def pause(seconds: float) -> None:
    """Sleep `seconds`, or raise KeyboardInterrupt as soon as a stop is requested (before or during the pause)."""
    deadline = time.monotonic() + seconds
    while not _asked["stop"]:
        left = deadline - time.monotonic()
        if left <= 0:
            return
        time.sleep(min(left, 0.05))
    raise KeyboardInterrupt


def free_port(host: str = "127.0.0.1", port: int = 0) -> int:
    """A port nobody listens on (`port` 0: any; else that one, or OSError if it is taken)."""
    with socket.socket() as sock:
        sock.bind((host, port))
        return sock.getsockname()[1]


def watch(processes: dict[str, subprocess.Popen], every: float = 0.5) -> str:
    """Block until one of `processes` exits (returns its name); a stop request raises KeyboardInterrupt."""
    while True:
        for name, process in processes.items():
            if process.poll() is not None:
                return name
        pause(every)


def stop_group(process: subprocess.Popen, grace: float) -> None:
    """SIGTERM to the process's group, SIGKILL to what is left after `grace` seconds; reap the leader.

    A member that outlived the leader is reparented to PID 1, and an init that does not reap leaves
    it a zombie in the group for ever: it holds no memory and runs nothing, so it does not count."""
    end_group(
        process.pid, grace, alive=lambda: process.poll() is None or group_running(process.pid)
    )
    process.wait()


def end_group(pgid: int, grace: float, alive, killed_ceiling: float = 30) -> None:
    _signal_group(pgid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline and alive():
        time.sleep(0.1)
    _signal_group(pgid, signal.SIGKILL)  # whatever is left of the group
    deadline = time.monotonic() + killed_ceiling  # SIGKILL lands when the kernel next runs them
    while time.monotonic() < deadline and group_running(pgid):
        time.sleep(0.05)


def end_leftovers(pid_file: Path, cwd: Path, grace: float = 10) -> list[int]:
    """End the groups a killed predecessor left running: PIDs from `pid_file` still working in `cwd` or below it
    (Redis moves into its --dir)."""
    try:
        pids = json.loads(pid_file.read_text())
    except (OSError, ValueError):
        return []
    ended = []
    for pid in pids:
        try:
            where = Path(os.readlink(f"/proc/{pid}/cwd"))
            if where != cwd.resolve() and cwd.resolve() not in where.parents:
                continue  # gone, or a reused PID of someone else's process
        except OSError:
            continue
        end_group(pid, grace, alive=lambda: _running(pid))
        ended.append(pid)
    return ended


def _signal_group(pgid: int, sig: int) -> None:
    try:
        os.killpg(pgid, sig)
    except ProcessLookupError:
        pass


def _stat_fields(stat: Path) -> list[str]:
    """/proc/PID/stat after the process name (which may hold spaces and ")"): state, ppid, pgrp, ...
    Raises OSError when the process is gone, IndexError when the file is cut short."""
    return stat.read_text().rsplit(")", 1)[1].split()


def _running(pid: int) -> bool:
    """The process exists and is not a zombie (a leftover's parent may not reap it at once)."""
    try:
        return _stat_fields(Path(f"/proc/{pid}/stat"))[0] != "Z"
    except (OSError, IndexError):
        return False


def group_running(pgid: int) -> list[int]:
    """The PIDs of group `pgid` that are not zombies."""
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            state, _ppid, pgrp = _stat_fields(stat)[:3]
        except (OSError, IndexError, ValueError):
            continue  # gone while listing
        if int(pgrp) == pgid and state != "Z":
            members.append(int(stat.parent.name))
    return members


def redis_ping(unix_socket: Path) -> bool:
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(1)
            sock.connect(str(unix_socket))
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status == 200
    except (OSError, urllib.error.URLError):
        return False
