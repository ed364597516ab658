"""`factory export | train | serve | eval`: from a built dataset to a served, scored student.

Each command parses its flags, calls the library (factory/export/, factory/training.py + train/,
factory/serving.py, factory/evaluate.py) and prints. The commands are registered on the app, in
help order, by factory/cli.py; heavy modules are imported inside them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from factory.cli_common import command_line, fail, quiet_libraries, recipe_name
from factory.errors import ConfigError, FactoryError


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
    quiet_libraries()
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
            command=command_line(),
        )
    except FactoryError as exc:
        fail(exc)
    target = out / recipe_name(recipe) / run / "export"
    counts = ", ".join(f"{name} {s['records']}" for name, s in summary["splits"].items())
    typer.echo(
        f"{counts}; moved to train for leakage: {summary['leakage']['moved_records']}; "
        f"decontaminated: {summary['rejected']}. Card: {target / 'README.md'}"
    )
    for note in summary["notes"]:
        typer.echo(f"note: {note}", err=True)


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
        None,
        help="Base model: smollm2-135m (packaged), qwen2.5-coder-0.5b (fetched once, 0.5 GB), a local folder or a hub id.",
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
    quiet_libraries()
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
        fail(exc)
    from train.sft import check_resumable
    from train.sft import train as run_train

    try:
        check_resumable(Path(config.out), config)
    except FactoryError as exc:
        fail(exc)
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
            fail(exc)
        typer.echo(
            f"GGUF: {result['file']} ({result['bytes'] / 2**20:.0f} MiB); llama.cpp answered "
            f"{result['prompt']!r} with {result['answer']!r}"
        )
        write_card(Path(config.out))  # names the GGUF too


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
        fail(exc)
    except KeyboardInterrupt:
        typer.echo("stopped", err=True)


def _serve_model(resolved, host: str, port: int, threads: Optional[int]) -> None:
    """`factory serve`'s server: started, announced, watched until it exits or a stop is asked for."""
    from factory.models import cache_root
    from factory.processes import watch
    from factory.serving import ModelServer

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


def evaluate(
    recipe: str = typer.Argument(..., help="Recipe name or folder."),
    model: Optional[str] = typer.Option(
        None,
        help="base | a named base (qwen2.5-coder-0.5b) | a trained run data/RECIPE/models/NAME | a model folder | a .gguf file | an OpenAI-compatible URL.",
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
    system: Optional[Path] = typer.Option(
        None,
        help="Ask with this file's text as the system prompt instead of the student's (e.g. a teacher given the task's full instructions, as a reference).",
    ),
    constrain: bool = typer.Option(
        False,
        help="Decode each reply under the recipe's answer schema for its request (llama.cpp grammar, or the endpoint's response_format); default label MODEL+constrained.",
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
    quiet_libraries()
    from factory import evaluate as ev

    try:
        if compare:
            table, decisions = ev.compare(
                recipe_name(recipe), [c.strip() for c in compare.split(",") if c.strip()], out=out
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
                system=system,
                constrain=constrain,
                progress=lambda done, total: bar.update(task, completed=done, total=total),
            )
        finally:
            bar.stop()
    except FactoryError as exc:
        fail(exc)
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
