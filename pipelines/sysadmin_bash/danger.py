"""danger: a command line that destroys the system it runs on; the validator refuses it (`dangerous_command`).

`dangerous(command, found)` (found: bash_check.commands(command)) -> what it destroys, or None:
- rm -r, chmod -R, chown -R, chgrp -R, find -delete / -exec rm of `/`, `/*`, `~`, `$HOME` or a top-level
  system folder (/etc, /usr, /boot...), and `--no-preserve-root`; mv of `/` or `~`;
- mkfs*, mke2fs, mkswap, wipefs, shred, dd of=, a redirection or `cp`/`cat` onto a disk device
  (/dev/sda, /dev/nvme0n1p1, /dev/mmcblk0, /dev/disk/..., /dev/mapper/...);
- a fork bomb (a function that pipes into itself in the background: `:(){ :|:& };:`);
- kill -9 -1 (every process), writes to /proc/sysrq-trigger, truncating (`>`) /etc/passwd, /etc/shadow,
  /etc/fstab or /etc/sudoers; appending to them (`>>`, the usual way to add a mount or a user) passes.
Refused rather than labelled: a tiny student must not learn these as plain answers, and the build
report counts them. shutdown, reboot and halt are ordinary admin commands and pass. It does not run
anything or follow variables (rm -rf "$DIR"/ passes).
"""

from __future__ import annotations

import re

_SYSTEM = r"(bin|boot|dev|etc|home|lib|lib32|lib64|proc|root|sbin|sys|usr|var)"
_ROOT = re.compile(rf"^(/+|/+\*|/+\.\.?/*|~/*|~/+\*|\$\{{?HOME\}}?/*\*?|/+{_SYSTEM}/*\*?)$")
_DISK = re.compile(
    r"^/dev/(sd[a-z]+\d*|hd[a-z]+\d*|vd[a-z]+\d*|xvd[a-z]+\d*|nvme\d+n\d+(p\d+)?|mmcblk\d+(p\d+)?"
    r"|md\d+|dm-\d+|disk/.+|mapper/.+|root|mem|kmem|port)$"
)
_FORK_BOMB = re.compile(r"([\w:.-]+)\s*\(\)\s*\{[^}]*\1\s*\|\s*\1\s*&[^}]*\}")
_FORMATTERS = re.compile(r"^(mkfs(\.\w+)?|mke2fs|mkswap|wipefs|shred|mkfs\.\w+)$")
_REDIRECT = re.compile(r"(?<![<>&0-9])[0-9]?(>>|>\|?)\s*([^\s;&|<>()]+)")
_VITAL = {"/etc/passwd", "/etc/shadow", "/etc/fstab", "/etc/sudoers"}  # truncated by `>`
_TRIGGERS = {"/proc/sysrq-trigger"}  # any write acts
_RECURSIVE = {"-r", "-R", "--recursive"}


def _base(name: str) -> str:
    return name.rsplit("/", 1)[-1]


def _flags(cmd) -> set[str]:
    flags = {flag for flag, _ in cmd.options}
    for flag, _ in cmd.options:  # unchecked options stay as written: "-rf"
        if re.fullmatch(r"-[A-Za-z]+", flag):
            flags |= {f"-{letter}" for letter in flag[1:]}
    return flags


def dangerous(command: str, found: list) -> str | None:
    if _FORK_BOMB.search(command):
        return "a fork bomb: it starts processes until the system stops"
    for cmd in found:
        problem = _one(cmd)
        if problem:
            return problem
    for operator, target in _REDIRECT.findall(
        command
    ):  # also "> /etc/passwd", which has no command
        path = target.strip("'\"")
        if _DISK.match(path) or path in _TRIGGERS or (operator != ">>" and path in _VITAL):
            return f"it writes over {target}"
    return None


def _one(cmd) -> str | None:
    name, flags = _base(cmd.name), _flags(cmd)
    roots = [op for op in cmd.operands if _ROOT.match(op)]
    if "--no-preserve-root" in flags:
        return f"{name} --no-preserve-root: it may remove the whole system"
    if name == "rm" and flags & _RECURSIVE and roots:
        return f"rm -r {roots[0]}: it removes the system or a home folder"
    if name in ("chmod", "chown", "chgrp") and flags & _RECURSIVE and roots:
        return f"{name} -R ... {roots[0]}: it changes every file of the system"
    if name == "mv" and any(
        re.fullmatch(r"/+|/+\*|~/*|\$\{?HOME\}?", op) for op in cmd.operands[:1]
    ):
        return f"mv {cmd.operands[0]}: it moves the system or a home folder away"
    if (
        name == "find"
        and roots
        and any(
            flag == "-delete" or flag in ("-exec", "-execdir") and re.match(r"rm\b", value or "")
            for flag, value in cmd.options
        )
    ):
        return f"find {roots[0]} ... deletes: it removes the system"
    if _FORMATTERS.match(name) and any(_DISK.match(op) for op in cmd.operands):
        return f"{name} onto a disk: it destroys what is on {next(op for op in cmd.operands if _DISK.match(op))}"
    if (
        name == "dd"
        and (target := next((op[3:] for op in cmd.operands if op.startswith("of=")), ""))
        and _DISK.match(target)
    ):
        return f"dd of={target}: it overwrites a disk"
    if (
        name in ("cp", "cat", "mv")
        and cmd.operands
        and _DISK.match(cmd.operands[-1])
        and len(cmd.operands) > 1
    ):
        return f"{name} onto {cmd.operands[-1]}: it overwrites a disk"
    values = [value or "" for _, value in cmd.options]  # kill -9 -1: both read as -NUM options
    if (
        name == "kill"
        and ("-1" in cmd.operands or "1" in values[1:])
        and {"9", "KILL", "SIGKILL"} & set(values)
    ):
        return "kill -9 -1: it kills every process"
    return None
