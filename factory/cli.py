"""The command line: parses flags, calls the library, prints. Nothing else lives here.

This module holds the typer app (the console script `factory = "factory.cli:app"`), the build
side (`recipes`, `new`, `build`, with `--dry-run`) and the wiring of the other commands, in help
order: factory/cli_student.py (export, train, serve, eval), factory/cli_annotate.py (annotate
serve|push|pull|status), factory/cli_proxy.py (proxy serve|status); factory/cli_common.py holds
what they share. Library errors (FactoryError) become one line on stderr and exit code 2. Heavy
modules are imported inside commands so that `factory --help` is instant.
"""

from __future__ import annotations

import json
import signal
from pathlib import Path
from typing import List, Optional

import typer

from factory import __version__, cli_annotate, cli_proxy, cli_student
from factory.cli_common import command_line, fail, quiet_libraries, recipe_name
from factory.errors import FactoryError

app = typer.Typer(
    help="factory: validated training sets from real material and a teacher LLM, for tiny students.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"factory {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version and exit."
    ),
) -> None:
    """factory: validated training sets from real material and a teacher LLM, for tiny students."""


@app.command()
def recipes() -> None:
    """List the recipes with a one-line description."""
    from factory.recipes import describe_all

    try:
        rows = describe_all()
    except FactoryError as exc:
        fail(exc)
    for name, origin, description in rows:
        kind, _, detail = origin.partition(" (")
        typer.echo(
            f"{name:<16} {kind:<12} {description}" + (f"  [{detail.rstrip(')')}]" if detail else "")
        )


@app.command()
def new(
    name: str = typer.Argument(
        ..., help="The recipe's name: its folder ./NAME, its runs data/NAME/."
    ),
) -> None:
    """Write a working, commented recipe folder ./NAME to start from."""
    from factory import PIPELINES_DIR
    from factory.scaffold import new_recipe

    try:
        folder = new_recipe(name, Path.cwd(), PIPELINES_DIR)
    except FactoryError as exc:
        fail(exc)
    typer.echo(
        f"wrote {folder}: recipe.yaml, ticket.schema.json, prompts/, recipe.py, metrics.py, "
        "examples.jsonl, train.yaml"
    )
    typer.echo("next:")
    for line in (
        f"factory build ./{name} --limit 5      # the embedded teacher, no key",
        f"factory export {name}",
        f"factory train {name}",
        f"factory eval {name} --model base",
    ):
        typer.echo(f"  {line}")


@app.command()
def build(
    recipe: str = typer.Argument(
        ..., help="Recipe name (see `factory recipes`) or a recipe folder, e.g. ./my_recipe."
    ),
    teacher: Optional[str] = typer.Option(
        None,
        help="Teacher model, e.g. gpt-4o (OpenAI API, needs OPENAI_API_KEY); with --teacher-url, the server's model name; embedded:NAME for an embedded one (qwen2.5-coder-1.5b, smollm2-135m).",
    ),
    teacher_url: Optional[str] = typer.Option(
        None,
        help="Any OpenAI-compatible base URL, e.g. http://localhost:11434/v1. Without --teacher or --teacher-url: the embedded teacher ($FACTORY_EMBEDDED_TEACHER, default qwen2.5-coder-1.5b, fetched once).",
    ),
    limit: Optional[int] = typer.Option(None, help="Cap the number of seeds (quick runs)."),
    variations: Optional[int] = typer.Option(
        None,
        help="Variations per seed (default: the recipe's; 0: none, with --new-examples 0 a build without a teacher).",
    ),
    new_examples: Optional[int] = typer.Option(
        None,
        help="New examples the teacher writes per seed, for recipes with the invent stage (default: the recipe's; 0: none).",
    ),
    seeds: Optional[Path] = typer.Option(
        None,
        help='Extra seeds, JSON Lines ({"input": ..., "rem": ...} for rem_queries); strict: a line that is not JSON stops the build before any work (file:line), a line in the wrong shape is rejected as bad_seed.',
    ),
    source: Optional[List[str]] = typer.Option(
        None,
        "--source",
        "--man-path",
        help="Where a source recipe reads (repeatable): man page folders, log files/folders/globs, a repo checkout. Default: the recipe's.",
    ),
    out: Path = typer.Option(Path("data"), help="Data root; the run goes to OUT/RECIPE/RUN."),
    run: Optional[str] = typer.Option(
        None, help="Run id (default: a UTC timestamp); an existing run resumes."
    ),
    max_concurrency: int = typer.Option(8, help="Teacher requests in flight at once."),
    max_rps: Optional[float] = typer.Option(
        None, help="Teacher requests started per second, retries included (default: no limit)."
    ),
    teacher_timeout: int = typer.Option(
        120,
        help="Seconds one teacher request may take; then it is retried (3 times), then the seed is rejected as teacher_failed.",
    ),
    dry_run: bool = typer.Option(
        False,
        "--dry-run",
        help="Print the teacher calls, tokens and cost this build would take; call nothing.",
    ),
    max_tokens: Optional[int] = typer.Option(
        None,
        help="Stop cleanly once the teacher has used this many tokens (resume with a higher limit).",
    ),
    max_cost: Optional[float] = typer.Option(
        None,
        help="Stop cleanly once the teacher has cost this many USD (prices: --price-in/--price-out or the built-in table).",
    ),
    price_in: Optional[float] = typer.Option(
        None, help="USD per million prompt tokens of the teacher (overrides the table)."
    ),
    price_out: Optional[float] = typer.Option(
        None, help="USD per million completion tokens of the teacher (overrides the table)."
    ),
    pii_policy: Optional[str] = typer.Option(
        None, help="redact | drop | off (default: the recipe's)."
    ),
    engine: str = typer.Option(
        "local",
        help="local | ray: ray runs the per-record stages as distilabel's RayPipeline (pip install 'factory\\[ray]').",
    ),
    ray_address: Optional[str] = typer.Option(
        None,
        help="With --engine ray: an existing Ray cluster, HOST:6379 (the head of `ray start --head`) or ray://HOST:10001 (Ray Client); default: a local Ray started for this build and stopped after.",
    ),
) -> None:
    """Build a recipe's dataset: seeds -> teacher -> checks -> dataset.jsonl + report.json."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from factory.budget import BudgetExhausted
    from factory.build import build as run_build
    from factory.build import default_run_id
    from factory.report import next_steps, stage_table, teacher_lines
    from factory.stages.base import BuildOptions

    quiet_libraries()
    console = Console(stderr=True)
    options = BuildOptions(
        limit=limit,
        variations=variations,
        new_examples=new_examples,
        seeds_file=seeds,
        max_concurrency=max_concurrency,
        pii_policy=pii_policy,
        source_paths=tuple(source or ()),
        max_rps=max_rps,
        teacher_timeout=teacher_timeout,
        max_tokens=max_tokens,
        max_cost=max_cost,
        price_in=price_in,
        price_out=price_out,
        engine=engine,
        ray_address=ray_address,
    )
    if dry_run:
        from factory.build import dry_run as estimate_build

        try:
            typer.echo(
                json.dumps(
                    estimate_build(
                        recipe, options=options, out=out, teacher=teacher, teacher_url=teacher_url
                    ),
                    indent=2,
                )
            )
        except FactoryError as exc:
            fail(exc)
        return
    progress = Progress(
        TextColumn("{task.description:<13}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    )
    run = run or default_run_id()
    # SIGTERM (a CI timeout, `timeout`, a scheduler) stops a build the way Ctrl-C does: the embedded
    # teacher's server is stopped on the way out instead of outliving the build, and the run resumes
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        report = run_build(
            recipe,
            options=options,
            out=out,
            teacher=teacher,
            teacher_url=teacher_url,
            run_id=run,
            progress=progress,
            command=command_line(),
        )
    except BudgetExhausted as exc:
        typer.echo(
            f"stopped: {exc}. Resume with: factory build {recipe} --run {run} --out {out} "
            "and a higher --max-tokens / --max-cost",
            err=True,
        )
        raise typer.Exit(code=3) from None
    except FactoryError as exc:
        fail(exc)
    except KeyboardInterrupt:
        typer.echo(
            f"interrupted; what finished is kept. Resume with: factory build {recipe} --run {run} --out {out}",
            err=True,
        )
        raise typer.Exit(code=130) from None
    Console().print(stage_table(report))
    run_dir = out / report["recipe"] / report["run_id"]
    typer.echo(
        f"{report['records']} records in {run_dir / 'dataset.jsonl'}; report: {run_dir / 'report.json'}"
    )
    lines, warning = teacher_lines(report)
    for line in lines:
        typer.echo(line)
    if warning:
        typer.echo(warning, err=True)
    typer.echo("next, for this run:")
    for line in next_steps(report["recipe"], report["run_id"], out):
        typer.echo(f"  {line}")
    if (
        recipe_name(recipe) != recipe
        and not (Path.cwd() / report["recipe"] / "recipe.yaml").is_file()
    ):
        typer.echo(
            f"  (from another directory than the recipe's parent, give its path {recipe} instead of "
            f"{report['recipe']})"
        )


# the other commands, registered in the order `factory --help` lists them
app.command()(cli_student.export)
app.command()(cli_student.train)
app.command()(cli_student.serve)
app.add_typer(cli_annotate.annotate_app, name="annotate")
app.command(name="eval")(cli_student.evaluate)
app.add_typer(cli_proxy.proxy_app, name="proxy")


if __name__ == "__main__":
    app()
