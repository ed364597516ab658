"""Run code we did not write: confined to a temp folder, offline, time- and resource-limited.

`isolation()` says how, on this machine:
- `namespaces` (util-linux `unshare`, unprivileged user namespaces): new user, network, mount
  and PID namespaces; only loopback exists (brought up with `ip` if present); every mount is
  remounted read-only except the temp folder (and /dev), then a nested user namespace locks
  them read-only; the code sees only its own processes, and all of them end with the run.
- `guard` (no namespaces): a sitecustomize that makes any connect, sendto or name lookup
  beyond 127.0.0.1 raise. Best effort: code that uses `_socket` directly, writes files
  outside the temp folder or starts a process in a session of its own is not stopped.
`run_confined(command, tmp, ...)` runs a Python command that way with rlimits (CPU seconds,
address space, file size, no core files), a wall-clock timeout that kills the whole process
group, a minimal environment (no API keys, no bytecode written) and its output in a file.
Used by the code_tests recipe (pytest on generated tests and functions) and the composer
recipe (music21 scripts); what the code did is for them to judge.
"""

from __future__ import annotations

import functools
import os
import resource
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

# Runs as `sh -c SCRIPT sandbox TMP CMD...` inside new user/net/mount/pid namespaces.
_NAMESPACE_SCRIPT = r"""
set -e
tmp="$1"; shift
mount --bind "$tmp" "$tmp"
mount -o remount,bind,ro /
for mp in $(awk '{print $5}' /proc/self/mountinfo); do
  case "$mp" in /|"$tmp"|/proc|/proc/*|/dev|/dev/*) ;; *) mount -o remount,bind,ro "$mp" 2>/dev/null || true ;; esac
done
ip link set lo up 2>/dev/null || true
cd "$(pwd)"  # the working folder again, through the new mounts (it was entered before the bind mount)
unshare --user --map-root-user --mount -- "$@"
"""  # not exec: the tests must not be PID 1 of the namespace, which ignores SIGXCPU (the CPU limit)
_UNSHARE = [
    "unshare",
    "--user",
    "--map-root-user",
    "--net",
    "--mount",
    "--pid",
    "--fork",
    "--kill-child",
    "--mount-proc",
    "--propagation",
    "private",
]

_GUARD = r'''"""Written by the factory sandbox: no network beyond 127.0.0.1."""
import ipaddress as _ip
import socket as _socket

def _local(host):
    host = host.decode() if isinstance(host, bytes) else host
    return host in ("", "localhost", "::1") or str(host).startswith("127.")

def _check(address):
    if isinstance(address, tuple) and address and not _local(address[0]):
        raise OSError(101, f"sandbox: network access to {address[0]}:{address[1]} is blocked (only 127.0.0.1)")

_connect, _connect_ex, _sendto, _getaddrinfo = (_socket.socket.connect, _socket.socket.connect_ex,
                                                _socket.socket.sendto, _socket.getaddrinfo)

def connect(self, address):
    _check(address)
    return _connect(self, address)

def connect_ex(self, address):
    _check(address)
    return _connect_ex(self, address)

def sendto(self, data, *args):
    _check(args[-1])
    return _sendto(self, data, *args)

def getaddrinfo(host, *args, **kwargs):
    if host is not None and not _local(host):
        try:
            _ip.ip_address(host.decode() if isinstance(host, bytes) else host)
        except ValueError:
            raise _socket.gaierror(-3, f"sandbox: name lookup of {host} is blocked") from None
    return _getaddrinfo(host, *args, **kwargs)

_socket.socket.connect, _socket.socket.connect_ex, _socket.socket.sendto = connect, connect_ex, sendto
_socket.getaddrinfo = getaddrinfo
'''


@functools.cache
def isolation() -> str:
    """`namespaces` if unshare's user/net/mount/pid namespaces work here, else `guard`."""
    if shutil.which("unshare") is None or shutil.which("sh") is None:
        return "guard"
    with tempfile.TemporaryDirectory(prefix="factory-sandbox-probe-") as tmp:
        try:
            done = subprocess.run(
                [*_UNSHARE, "sh", "-c", _NAMESPACE_SCRIPT, "sandbox", tmp, "true"],
                capture_output=True,
                timeout=30,
                env=base_env(Path(tmp)),
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired):
            return "guard"
    return "namespaces" if done.returncode == 0 else "guard"


def base_env(tmp: Path) -> dict[str, str]:
    path = os.environ.get("PATH", "/usr/bin:/bin")
    return {
        "PATH": f"{path}:/usr/sbin:/sbin",
        "HOME": str(tmp / "home"),
        "TMPDIR": str(tmp / "tmp"),
        "LANG": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONNOUSERSITE": "1",
        "PYTHONHASHSEED": "0",
        "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
        "OMP_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "TOKENIZERS_PARALLELISM": "false",
        "HF_HUB_OFFLINE": "1",
        "NO_COLOR": "1",
    }


def set_limits(cpu_seconds: int, memory_bytes: int, file_bytes: int) -> None:
    """In the child before exec: the rlimits (inherited by everything it starts)."""
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 5))
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    resource.setrlimit(resource.RLIMIT_FSIZE, (file_bytes, file_bytes))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def ended(process: subprocess.Popen, timeout: float) -> bool:
    """Whether the process ended within `timeout` seconds (left unreaped, so that its group can still be killed)."""
    deadline = time.monotonic() + timeout
    while os.waitid(os.P_PID, process.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is None:
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


@dataclass(frozen=True)
class Confined:
    returncode: int
    in_time: bool  # False: killed at the wall-clock timeout
    cpu_limited: bool  # it used up its CPU seconds (SIGXCPU, which unshare does not always pass on)


def run_confined(
    command: list[str],
    tmp: Path,
    *,
    cwd: Path,
    env: dict[str, str],
    log: Path,
    timeout: float,
    limits: tuple[int, int, int],
    mode: str | None = None,
) -> Confined:
    """Run a Python `command` confined to `tmp` (see the module docstring); output to `log`.
    `env` should come from base_env(tmp) (PYTHONPATH is extended with the guard in guard mode);
    `limits` = (CPU seconds, address-space bytes, file bytes); `mode`: namespaces | guard | None (auto)."""
    mode = mode or isolation()
    if mode == "guard":
        (tmp / "guard").mkdir(exist_ok=True)
        (tmp / "guard" / "sitecustomize.py").write_text(_GUARD, encoding="utf-8")
        env = {
            **env,
            "PYTHONPATH": os.pathsep.join(
                p for p in (str(tmp / "guard"), env.get("PYTHONPATH")) if p
            ),
        }
    elif mode == "namespaces":
        command = [*_UNSHARE, "sh", "-c", _NAMESPACE_SCRIPT, "sandbox", str(tmp), *command]
    else:
        raise ValueError(f"sandbox mode must be namespaces or guard, not {mode!r}")
    with open(log, "wb") as out:  # a file, not a pipe: a stray grandchild cannot keep us waiting
        process = subprocess.Popen(
            command,
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=functools.partial(set_limits, *limits),
        )
        in_time = ended(process, timeout)
    try:  # whatever it left running, or all of it after a timeout; not yet reaped, the group id is still ours
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    _, status, usage = os.wait4(process.pid, 0)
    return Confined(
        os.waitstatus_to_exitcode(status),
        in_time,
        usage.ru_utime + usage.ru_stime >= limits[0] - 0.5,
    )
