"""What every factory command shares: the one-line error and exit code, quiet libraries, the
command line as recorded in reports, a recipe's run-folder name.

It parses no flags and defines no command (factory/cli.py and factory/cli_*.py do); like them it
imports nothing heavy at module level, so that `factory --help` stays instant.
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path
from typing import NoReturn

import typer

from factory.errors import FactoryError


def quiet_libraries() -> None:
    """Library chatter (pydantic warnings from distilabel, weight-loading bars) is not the user's business."""
    import os
    import warnings

    warnings.filterwarnings("ignore", module=r"pydantic\..*")
    warnings.filterwarnings(
        "ignore", module=r"argilla\..*"
    )  # e.g. "dataset not found": we say it ourselves
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TQDM_DISABLE", "1")


def command_line() -> str:
    """The command as typed, for report.json and the dataset card, with secrets in it (a teacher URL's
    password, a key passed as an argument) replaced by placeholders: those files are shared."""
    from factory.pii_secrets import redact_secrets

    return redact_secrets(shlex.join(["factory", *sys.argv[1:]]))[0]


def fail(exc: FactoryError) -> NoReturn:
    """A library error as the user sees it: one line on stderr, exit code 2."""
    typer.echo(f"error: {exc}", err=True)
    raise typer.Exit(code=2)


def recipe_name(recipe: str) -> str:
    """The name a recipe's runs are kept under (data/NAME/): a folder's name where a path is given."""
    from factory.recipe_loading import looks_like_path

    return Path(recipe).expanduser().resolve().name if looks_like_path(recipe) else recipe
