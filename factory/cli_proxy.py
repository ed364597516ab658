"""`factory proxy serve|status`: the flags of the student-rollout proxy and what it prints.

The proxy itself (routing, checks, logs, the rollout report) lives in factory/proxy/; this module
only parses flags, calls it and prints. `factory proxy RECIPE ...` is read as `factory proxy serve
RECIPE ...`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Optional

import typer

from factory.cli_common import fail, quiet_libraries
from factory.errors import FactoryError


def _stop_on_signals() -> None:
    """A server command stops on Ctrl-C and on `kill`. SIGINT gets Python's handler back even where it was
    inherited ignored (a shell script's `&` ignores it), so that Ctrl-C always means stop."""
    import signal

    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))


class _ServeByDefault(typer.core.TyperGroup):
    """`factory proxy RECIPE ...` means `factory proxy serve RECIPE ...`."""

    def parse_args(self, ctx, args):
        if args and not args[0].startswith("-") and args[0] not in self.commands:
            args = ["serve", *args]
        return super().parse_args(ctx, args)


proxy_app = typer.Typer(
    cls=_ServeByDefault,
    no_args_is_help=True,
    help="Roll a student out behind an OpenAI-compatible proxy, teacher as fallback: serve | status.",
)


@proxy_app.command("serve")
def proxy_serve(
    recipe: str = typer.Argument(..., help="Recipe whose checks judge the student's replies."),
    teacher_url: str = typer.Option(
        ...,
        help="The teacher's OpenAI-compatible base URL (key: FACTORY_TEACHER_API_KEY or OPENAI_API_KEY).",
    ),
    teacher_model: Optional[str] = typer.Option(
        None, help="Model to ask the teacher for (default: the caller's `model`)."
    ),
    student: Optional[str] = typer.Option(
        None, help="A student to serve: .gguf, model folder, or data/RECIPE/models/NAME."
    ),
    student_url: Optional[str] = typer.Option(
        None, help="Or a running student's OpenAI-compatible base URL."
    ),
    share: float = typer.Option(
        0.1,
        help="Fraction of requests the student answers first (0..1); in --shadow, the fraction it is also asked.",
    ),
    host: str = typer.Option("127.0.0.1", help="Interface to listen on."),
    port: int = typer.Option(8100, help="Port (0: any free one)."),
    log_dir: Path = typer.Option(
        Path("data/proxy"), help="Where exchanges are logged (factory build RECIPE --source DIR)."
    ),
    api_key: Optional[str] = typer.Option(
        None,
        help="The proxy's own key (default: FACTORY_PROXY_KEY, else generated into DIR/.proxy/api_key).",
    ),
    shadow: bool = typer.Option(
        False,
        "--shadow",
        help="The teacher always answers; the student is asked too and compared, off the request path.",
    ),
    timeout: float = typer.Option(
        10.0, help="Seconds the student has to answer before the teacher does."
    ),
    seed: Optional[int] = typer.Option(
        None, help="Seed of the routing draw (repeatable rollouts and tests)."
    ),
    max_log_mb: float = typer.Option(64.0, help="Start a new log file past this size (MiB)."),
) -> None:
    """Serve RECIPE's student behind an OpenAI-compatible proxy: a share of requests, validated, teacher as fallback."""
    quiet_libraries()
    from factory.proxy import settings

    _stop_on_signals()

    def ready(base_url: str, student_upstream) -> None:
        if generated:
            typer.echo(
                f"new proxy API key (shown once, kept in {log_dir / settings.KEY_FILE}): {key}"
            )
        typer.echo(
            f"proxy for {recipe} at {base_url}: student {student_upstream.model!r} ({student_upstream.base_url}) "
            f"{'shadows' if shadow else 'answers'} {share:.0%}; logs in {log_dir}; Ctrl-C stops it"
        )
        sys.stdout.flush()

    try:
        settings.check_flags(
            share=share,
            timeout=timeout,
            port=port,
            student=student,
            student_url=student_url,
            teacher_url=teacher_url,
            log_dir=log_dir,
            max_log_mb=max_log_mb,
        )
        key, generated = settings.proxy_key(api_key, log_dir)
        settings.serve(
            recipe,
            teacher_url=teacher_url,
            teacher_model=teacher_model,
            student=student,
            student_url=student_url,
            share=share,
            host=host,
            port=port,
            log_dir=log_dir,
            api_key=key,
            shadow=shadow,
            timeout=timeout,
            seed=seed,
            max_log_mb=max_log_mb,
            on_ready=ready,
        )
    except FactoryError as exc:
        fail(exc)
    except KeyboardInterrupt:
        typer.echo("stopped", err=True)


@proxy_app.command("status")
def proxy_status(
    log_dir: Path = typer.Option(Path("data/proxy"), help="The proxy's log directory."),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> None:
    """The rollout report: requests, student share and acceptance, fallbacks, latency, tokens saved, the gate."""
    from factory.proxy.status import render, report

    try:
        result = report(log_dir)
    except FactoryError as exc:
        fail(exc)
    typer.echo(json.dumps(result, indent=2) if as_json else render(result))
