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
