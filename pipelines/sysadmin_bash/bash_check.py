"""bash_check: is a bash command line well formed, made of known commands, with documented options?

- `check(command)`: None, or (reason, detail), checked in this order: `bash_syntax_error` (`bash -n`
  says so, or it is empty), `bash_not_a_command` (garbage.py: markup, JSON, Markdown, placeholders,
  prose, no command at all, a program word that is a flag or a data file's path), `dangerous_command`
  (danger.py: rm -rf /, mkfs or dd onto a disk, a fork bomb...: refused, never a training answer),
  `bash_unknown_command` (not a builtin or keyword, not in the committed tables of known.py, and not
  on this machine's PATH or man pages either), `bash_unknown_option` (a flag its documentation does not
  name), `bash_missing_argument` (`find . -name`, `tar file.tar` without a mode, `cp a`).
- `commands(command)`: every simple command as a `Command` (name, options with their canonical flag,
  operands, redirections, undocumented flags), for the metrics.
- `syntax_error(command)`: bash -n's complaint, or None.
Options come from known.py (the same on every machine for the programs it lists). Wrappers (sudo, env,
nice, timeout, xargs, watch...) are checked and so is the command they run, against its own options;
so is `find -exec/-execdir/-ok ... ;`. Attached values (`-c%s`, `-n5`, `--lines=5`), clusters (`-czf`),
old numeric forms (`tail -1`, `kill -9`) and `--` are understood. A program that nothing documents is
known but not option-checked. A path (./deploy.sh, /usr/bin/ls) is a program when it can be one.
It does not run anything, expand variables, or look into strings given to another shell (bash -c '...').
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass, field

from factory.sources.man_text import ANY_NUMBER
from pipelines.sysadmin_bash import danger, garbage
from pipelines.sysadmin_bash.known import (
    BASH_TIMEOUT_S,
    Rules,
    builtins_and_keywords,
    in_table,
    no_options,
    program_known,
    rules_for,
)
from pipelines.sysadmin_bash.shell import Word, split

__all__ = [
    "check",
    "commands",
    "syntax_error",
    "Command",
    "Rules",
    "WRAPPERS",
    "builtins_and_keywords",
    "rules_for",
]
# command -> how many operands come before the command it runs
WRAPPERS = {
    "sudo": 0,
    "doas": 0,
    "env": 0,
    "nice": 0,
    "nohup": 0,
    "time": 0,
    "timeout": 1,
    "xargs": 0,
    "exec": 0,
    "command": 0,
    "builtin": 0,
    "stdbuf": 0,
    "ionice": 0,
    "setsid": 0,
    "chroot": 1,
    "watch": 0,
    "strace": 0,
    "ltrace": 0,
    "flock": 1,
    "runuser": 0,
    "nsenter": 0,
    "unshare": 0,
    "systemd-run": 0,
    "fakeroot": 0,
    "torsocks": 0,
    "proxychains": 0,
    "caffeinate": 0,
}
OPERAND_LOOKALIKES = {"chmod": re.compile(r"-[rwxXst]+$")}  # chmod -x file: a mode, not an option
_SIGNAL_OR_NUMBER = re.compile(r"-(\d+|(SIG)?[A-Z][A-Z0-9+-]*)$")


@dataclass
class Command:
    name: str
    options: list[tuple[str, str | None]] = field(default_factory=list)  # (canonical flag, value)
    operands: list[str] = field(default_factory=list)
    redirects: list[tuple[str, str]] = field(default_factory=list)
    unknown: list[tuple[str, str]] = field(
        default_factory=list
    )  # (word as written, the undocumented flag)
    known: bool | None = True  # None: the name is a variable or substitution
    checked_against: str = (
        ""  # where its options come from: "man:ls(1)", "bash's help cd"; "" when unchecked
    )
    missing: list[str] = field(
        default_factory=list
    )  # what it needs and lacks ("-name needs an argument")
    raw_operands: list[tuple[str, str]] = field(
        default_factory=list
    )  # (text, as written), for the prose check


def syntax_error(command: str) -> str | None:
    try:
        done = subprocess.run(
            ["bash", "--norc", "--noprofile", "-n"],
            input=command,
            capture_output=True,
            text=True,
            timeout=BASH_TIMEOUT_S,
        )
    except subprocess.TimeoutExpired:
        return f"bash -n took over {BASH_TIMEOUT_S} s"
    if done.returncode == 0:
        return None
    lines = done.stderr.strip().splitlines() or [f"bash -n exited {done.returncode}"]
    return re.sub(r"^bash: (line \d+: )?", "", lines[0])


def check(command: str) -> tuple[str, str] | None:
    if not command.strip():
        return "bash_syntax_error", "the command is empty"
    error = syntax_error(command)
    if error:
        return "bash_syntax_error", error
    found = commands(command)
    harm = danger.dangerous(command, found)
    if harm:
        return "dangerous_command", harm
    problem = garbage.text_problem(command) or (None if found else garbage.empty_problem(command))
    for cmd in found:
        problem = problem or (
            cmd.known is not None and not in_table(cmd.name) and garbage.name_problem(cmd.name)
        )
    if problem:
        return "bash_not_a_command", problem
    for cmd in found:
        if cmd.known is False:
            return (
                "bash_unknown_command",
                f"{cmd.name!r} is not a builtin, not a known program and has no man page",
            )
        prose = garbage.prose_problem(cmd.name, cmd.raw_operands) if cmd.known else None
        if prose:
            return "bash_not_a_command", prose
        if cmd.unknown:
            word, flag = cmd.unknown[0]
            shown = word if word == flag else f"{word} ({flag})"
            return (
                "bash_unknown_option",
                f"{cmd.name}: {shown} is not documented in {cmd.checked_against}",
            )
        if cmd.missing:
            return "bash_missing_argument", f"{cmd.name}: {cmd.missing[0]}"
    return None


def commands(command: str) -> list[Command]:
    simples, _ = split(command)
    defined = _functions(command)
    found: list[Command] = []
    for simple in simples:
        found += _read_simple(simple.words, simple.redirects, defined)
    return found


def _functions(command: str) -> set[str]:
    return set(
        re.findall(r"(?:^|[;&|{(\s])(?:function\s+)?([A-Za-z_:][\w:-]*)\s*\(\s*\)", command)
    ) | set(re.findall(r"\bfunction\s+([A-Za-z_][\w-]*)", command))


def _read_simple(
    words: list[Word], redirects: list, defined: set[str], fed: bool = False
) -> list[Command]:
    """The command these words start with, then the one it wraps (sudo ls -> sudo, ls) and -exec's.
    fed: its operands come from elsewhere (xargs rm): operand counts are not checked."""
    if not words:  # find . -exec ;
        return []
    head = words[0]
    name = head.text
    base = name.rsplit("/", 1)[-1]
    cmd = Command(name=name, redirects=list(redirects))
    if head.dynamic:
        cmd.known = None
    elif name not in defined and "/" not in name:
        cmd.known = program_known(name)
    unchecked = head.dynamic or name in defined or no_options(base)
    rules = None if unchecked else rules_for(base, _subcommand(words))
    cmd.checked_against = rules.where if rules else ""
    rest, inner = _read_arguments(cmd, base, words[1:], rules)
    if rules and not fed and not rest:
        _needs(cmd, rules)
    found = [cmd]
    if len(rest) == 1 and " " in rest[0].text.strip():  # watch 'df -h': a command line in one word
        found += commands(rest[0].text)
    elif rest:
        found += _read_simple(rest, [], defined, fed=fed or base == "xargs")
    for words_run in inner:
        found += _read_simple(words_run, [], defined, fed=True)
    return found


def _subcommand(words: list[Word]) -> str | None:
    return next((w.text for w in words[1:] if not w.text.startswith("-")), None)


def _needs(cmd: Command, rules: Rules) -> None:
    """The program fails without these: a mode option (tar), enough operands (cp a b)."""
    flags = {flag for flag, _ in cmd.options}
    needs = {rules.canonical.get(f, f) for f in rules.needs_one_of} | set(rules.needs_one_of)
    if needs and not flags & needs:
        cmd.missing.append(f"needs one of {', '.join(rules.needs_one_of[:8])}...")
    unless = {rules.canonical.get(f, f) for f in rules.unless} | set(rules.unless)
    if len(cmd.operands) < rules.min_operands and not flags & unless:
        cmd.missing.append(f"needs {rules.min_operands} operand(s), got {len(cmd.operands)}")


def _read_arguments(
    cmd: Command, base: str, args: list[Word], rules: Rules | None
) -> tuple[list[Word], list]:
    """Fills cmd's options and operands; returns the words of a wrapped command and of -exec ... ; runs."""
    fixed = WRAPPERS.get(base)
    inner: list[list[Word]] = []
    i, options_done = 0, False
    lookalike = OPERAND_LOOKALIKES.get(base)
    if (
        rules
        and rules.bundle
        and args
        and re.fullmatch(r"[A-Za-z]+", args[0].text)
        and all(f"-{c}" in rules.documented for c in args[0].text)
    ):  # tar xzf a.tar: -x -z -f a.tar
        args = [Word("-" + args[0].text, args[0].raw, False), *args[1:]]
    while i < len(args):
        text = args[i].text
        i += 1
        if (
            options_done
            or not text.startswith("-")
            or text == "-"
            or (lookalike and lookalike.match(text))
            or (base == "env" and "=" in text and not text.startswith("-"))
        ):
            if fixed is not None and not (base == "env" and "=" in text):
                if fixed == 0:
                    return args[i - 1 :], inner
                fixed -= 1
            cmd.operands.append(text)
            cmd.raw_operands.append((text, args[i - 1].raw))
            continue
        if text == "--":
            options_done = True
            continue
        if rules is None:
            cmd.options.append((text, None))
            continue
        matched, used, bad = _match(text, args[i:], rules)
        if matched[:1] == [(ANY_NUMBER, text[1:])] and any(f == ANY_NUMBER for f, _ in cmd.options):
            cmd.operands.append(text)  # kill -9 -1: the second is a process (group), not a signal
            continue
        if bad:
            cmd.unknown.append((text, bad))
        for flag, value in matched:
            argument = rules.arguments.get(flag) or ""
            if (
                flag in rules.runs or "command" in argument and argument.endswith((";", "+"))
            ):  # find -exec ... ;
                end = next(
                    (k for k in range(i, len(args)) if args[k].text in (";", "+")), len(args)
                )
                inner.append(args[i:end])
                value, used = " ".join(w.text for w in args[i : end + 1]), end + 1 - i
                if end == len(args):
                    cmd.missing.append(f"{flag} needs a command ended by ';' or '+'")
            elif value is None and argument and not optional(argument):
                cmd.missing.append(f"{flag} needs an argument ({argument})")
            cmd.options.append((rules.canonical.get(flag, flag), value))
        i += used
    return [], inner


def _match(
    text: str, following: list[Word], rules: Rules
) -> tuple[list[tuple[str, str | None]], int, str | None]:
    """The flags one option word stands for, how many following words it takes as its value, and the
    first undocumented flag (or None)."""
    arguments, documented = rules.arguments, rules.documented
    name, eq, value = text.partition("=")
    if (
        (rules.numeric or ANY_NUMBER in documented)
        and re.fullmatch(r"-\d+", text)
        or (ANY_NUMBER in documented and text not in documented and _SIGNAL_OR_NUMBER.match(text))
    ):
        return [(ANY_NUMBER, text[1:])], 0, None
    if text.startswith("--") or text in documented or (eq and name in arguments):
        if text in documented:
            name, eq = text, ""
        if name not in documented:
            name = _unique_prefix(name, documented) if name.startswith("--") else None
            if name is None:
                return [], 0, text.partition("=")[0]
        return _with_value(name, value if eq else None, following, arguments)
    pattern = next((argument for regex, argument in rules.patterns if regex.match(text)), False)
    if pattern is not False:  # find -newermt DATE
        return (
            ([(text, following[0].text)], 1, None)
            if pattern and following
            else ([(text, None)], 0, None)
        )
    if rules.single_dash:
        return [], 0, text
    flags: list[tuple[str, str | None]] = []
    for k, letter in enumerate(text[1:], start=1):
        flag = f"-{letter}"
        if flag not in documented:
            return flags, 0, flag
        argument = arguments.get(flag)
        if argument and not (
            flag in rules.runs or argument.endswith(";")
        ):  # the rest of the word, or the next
            rest = text[k + 1 :]
            pairs, used, _ = _with_value(flag, rest or None, following, arguments)
            return [*flags, *pairs], used, None
        flags.append((flag, None))
    return flags, 0, None


def _with_value(
    flag: str, value: str | None, following: list[Word], arguments: dict
) -> tuple[list, int, None]:
    needed = arguments.get(
        flag
    )  # "FILE"; "[WHEN]" is optional: only attached (--color=always, -i.bak)
    if (
        value is None
        and needed
        and not optional(needed)
        and not needed.endswith((";", "+"))
        and following
    ):
        return [(flag, following[0].text)], 1, None
    return [(flag, value)], 0, None


def optional(argument: str) -> bool:
    """An optional argument, written "[WHEN]" (not "[+]NUM", which is required)."""
    return argument.startswith("[") and argument.endswith("]")


def _unique_prefix(name: str, documented: frozenset) -> str | None:
    matches = [flag for flag in documented if flag.startswith(name) and flag.startswith("--")]
    return matches[0] if len(matches) == 1 else None
