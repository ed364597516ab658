"""Errors the library raises; the CLI prints each as one line on stderr and exits non-zero.

Every message says what went wrong and what to do, naming the file, line, flag or key.
"""


class FactoryError(Exception):
    """Base of every error the user can act on."""


class ConfigError(FactoryError):
    """A recipe config, flag or schema is wrong (named in the message)."""


class InputError(FactoryError):
    """An input file cannot be read (file and line in the message)."""


class TeacherError(FactoryError):
    """The teacher cannot be used: no key, unreachable, not OpenAI-compatible, failed to start."""


class MissingDependency(FactoryError):
    """An optional package is not installed; the message gives the install command."""


def command_hint(command: str, out=None, run: str | None = None) -> str:
    """`command` as the user must type it to act on the same data: with the --out (and --run) they gave,
    so that a hint never points at the default data root when they used another."""
    import shlex
    from pathlib import Path

    if out is not None and Path(out) != Path("data"):
        command += f" --out {shlex.quote(str(out))}"
    if run and run != "latest":
        command += f" --run {shlex.quote(run)}"
    return f"`{command}`"
