"""Guarantee 4: every class of bad input gets a one-line answer naming where and what to do, and nothing half-made.

One table, one row per class of bad input, each run through the real `factory` command in a
fresh folder with a loopback teacher on 127.0.0.1:

- a bad flag, recipe config, schema, output folder, teacher URL or `--seeds` file is refused
  before any work: exit 2, exactly one line on stderr (`error: ...` naming the file:line, key or
  flag and what to do; never a traceback or a Python repr), the teacher asked nothing, and not a
  file added to the folder (no run folder, no `*.tmp`);
- a bad input among good ones in a source (`--source`) is a rejection in rejected/seeds.jsonl with
  its reason and file[:line], the rest is built, exit 0, and no temporary file is left;
- where nothing usable remains (the only source is empty), the exit code is non-zero.

The CLI reads recipes from the installed pipelines/ only (factory.recipes.PIPELINES_DIR, no flag or
variable), so the recipe-config and schema rows run the same CLI (factory.cli.app) in a child
process whose PIPELINES_DIR points at an edited copy of pipelines/rem_queries; the rest run the
installed `factory` script (tests/factory_cli.run_cli). Rows where the factory falls short
are strict xfails (`xfail(reason)`) whose reason says what happens and where; none is left.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from factory_cli import ROOT, records, run_cli

from factory.record import Record
from factory.sources.base import MAX_FILE_BYTES, MAX_LINE_BYTES

TIMEOUT_S = 300
GOOD_SEED = '{"input": "Show my diary entries", "rem": "SELECT * FROM resources WHERE category=\'diary\'"}\n'
# two logged conversations of the toolcalls recipe's own examples (each gives two seeds)
GOOD_LOG = (
    (ROOT / "pipelines" / "toolcalls" / "examples" / "conversations.jsonl")
    .read_text(encoding="utf-8")
    .splitlines(True)[:2]
)
CONTENT_OF = Callable[[Path], None]  # writes a bad input at the path it is given


# ---------------------------------------------------------------------------------------------------
# inputs that cannot be written as plain text


def sparse_file(size: int) -> CONTENT_OF:
    """A file of `size` bytes that takes no disk space (the caps must not read it)."""

    def write(path: Path) -> None:
        with open(path, "wb") as handle:
            handle.truncate(size)

    return write


def folder(path: Path) -> None:
    path.mkdir()


def unwritable_folder(path: Path) -> None:
    """A folder nothing can be created in: chmod 0o500, or, for root (who writes there anyway),
    a plain file, so that `{path}/sub` cannot be a folder."""
    if os.geteuid() == 0:
        path.write_text("a file, not a folder\n")
    else:
        path.mkdir()
        path.chmod(0o500)


def log_with_request(text: str) -> str:
    """The first example conversation with its first request replaced by `text` (the call kept)."""
    conversation = json.loads(GOOD_LOG[0])
    conversation["messages"][1]["content"] = text
    return json.dumps(conversation) + "\n"


def seed_line(text: str) -> str:
    return json.dumps({"input": text, "rem": 'SEARCH "word" IN resources'}) + "\n"


# ---------------------------------------------------------------------------------------------------
# the table


@dataclass(frozen=True)
class Row:
    """One class of bad input. Strings may name {placeholders}: a file of `files` by its name, {out},
    {teacher} (the loopback teacher), {not_found}, {html}, {closed} (URLs of servers that are not
    OpenAI-compatible), {recipe.yaml} (the edited copy)."""

    args: tuple[str, ...]
    exit: int
    error: str = ""  # refused: the exact stderr line
    error_has: tuple[
        str, ...
    ] = ()  # refused, where the wording is not settled yet: what the line names
    rejected: tuple[str, str, str] | None = (
        None  # built: (stage, reason, detail) in rejected/<stage>.jsonl
    )
    rejected_where: str = ""  # built: some rejection (any stage) names this file:line
    kept: tuple[
        str, ...
    ] = ()  # built: provenance sources of seeds kept and of records in dataset.jsonl
    note: tuple[str, ...] = ()  # built: one stderr line names all of these
    files: dict = field(
        default_factory=dict
    )  # name -> str | bytes | CONTENT_OF, written under the case folder
    recipe_edit: tuple[str, str] | None = (
        None  # (old, new) in a copy of pipelines/rem_queries/recipe.yaml
    )
    given_build: bool = False  # a finished rem_queries build under {out} (for export)
    run_may_remain: bool = False  # non-zero exit after the build started: the run folder may stay,
    # but no dataset.jsonl is published and latest is not moved


def xfail(reason: str):
    return pytest.mark.xfail(strict=True, reason=reason)


# --limit keeps a row short even where the factory goes further than it should
BUILD_REM = ("build", "rem_queries", "--teacher-url", "{teacher}", "--run", "r", "--limit", "2")
BUILD_TOOLCALLS = (
    "build",
    "toolcalls",
    "--teacher-url",
    "{teacher}",
    "--run",
    "r",
    "--limit",
    "10",
)

ROWS = [
    # --- the user's --seeds file: a bad line stops the build before work; a line in the wrong shape is a rejection
    pytest.param(
        Row(
            (*BUILD_REM, "--seeds", "{seeds.jsonl}"),
            exit=2,
            files={"seeds.jsonl": GOOD_SEED + '{"input": oops}\n'},
            error="error: {seeds.jsonl}:2: not valid JSON (Expecting value); fix or remove that line",
        ),
        id="seeds-malformed-json-line",
    ),
    pytest.param(
        Row(
            (*BUILD_REM, "--seeds", "{seeds.jsonl}"),
            exit=2,
            files={"seeds.jsonl": GOOD_SEED.encode("utf-16")},
            error="error: {seeds.jsonl}:1: not UTF-8 text; convert the file to UTF-8",
        ),
        id="seeds-utf16-file",
    ),
    pytest.param(
        Row(
            (*BUILD_REM, "--seeds", "{seeds.jsonl}"),
            exit=2,
            files={
                "seeds.jsonl": (GOOD_SEED + seed_line("Café notes").replace("\\u00e9", "é")).encode(
                    "latin-1"
                )
            },
            error="error: {seeds.jsonl}:2: not UTF-8 text; convert the file to UTF-8",
        ),
        id="seeds-latin1-byte-on-line-2",
    ),
    pytest.param(
        Row(
            (*BUILD_REM, "--seeds", "{seeds.jsonl.gz}"),
            exit=2,
            files={"seeds.jsonl.gz": gzip.compress(GOOD_SEED.encode(), mtime=0)},
            error="error: {seeds.jsonl.gz}:1: not UTF-8 text; convert the file to UTF-8",
        ),
        id="seeds-binary-file",
    ),
    pytest.param(
        Row(
            (*BUILD_REM, "--seeds", "{seeds}"),
            exit=2,
            files={"seeds": folder},
            error="error: {seeds}: cannot read (Is a directory); check the path and permissions",
        ),
        id="seeds-path-is-a-folder",
    ),
    pytest.param(
        Row(
            (*BUILD_REM, "--seeds", "{empty.jsonl}"),
            exit=0,
            files={"empty.jsonl": ""},
            note=("{empty.jsonl}", "empty"),
        ),
        id="seeds-empty-file",
    ),
    pytest.param(
        Row(
            (*BUILD_REM, "--seeds", "{seeds.jsonl}"),
            exit=0,
            files={"seeds.jsonl": GOOD_SEED + '{"input": "Show my notes"}\n'},
            rejected=(
                "seeds",
                "bad_seed",
                '{seeds.jsonl}:2: each line needs {"input": "<request>", "rem": "<REM query>"}',
            ),
            kept=("{seeds.jsonl}:1",),
        ),
        id="seeds-line-missing-required-field",
    ),
    pytest.param(
        Row(
            (*BUILD_REM, "--seeds", "{seeds.jsonl}"),
            exit=2,
            files={
                "seeds.jsonl": GOOD_SEED
                + seed_line("Find notes about " + "word " * (MAX_LINE_BYTES // 5 + 10))
            },
            error_has=("{seeds.jsonl}:2",),
        ),
        id="seeds-line-over-the-line-cap",
    ),
    # --- a source recipe's --source: what cannot be used is rejected with file[:line]; the rest is built
    pytest.param(
        Row(
            (*BUILD_TOOLCALLS, "--source", "{log.jsonl}"),
            exit=0,
            files={"log.jsonl": GOOD_LOG[0] + '{"messages": [oops\n' + GOOD_LOG[1]},
            rejected=(
                "seeds",
                "source_bad_json",
                "{log.jsonl}:2: source_bad_json (column 15: Expecting value)",
            ),
            kept=("{log.jsonl}:1", "{log.jsonl}:3"),
        ),
        id="source-malformed-line-among-good-ones",
    ),
    pytest.param(
        Row(
            (*BUILD_TOOLCALLS, "--source", "{log.jsonl}"),
            exit=0,
            files={
                "log.jsonl": GOOD_LOG[0] + '{"pad": "' + "x" * MAX_LINE_BYTES + '"}\n' + GOOD_LOG[1]
            },
            rejected=(
                "seeds",
                "source_line_too_large",
                f"{{log.jsonl}}:2: source_line_too_large (over {MAX_LINE_BYTES:,} bytes)",
            ),
            kept=("{log.jsonl}:1", "{log.jsonl}:3"),
        ),
        id="source-line-over-the-line-cap",
    ),
    pytest.param(
        Row(
            (*BUILD_TOOLCALLS, "--source", "{huge.jsonl}", "--source", "{good.jsonl}"),
            exit=0,
            files={"huge.jsonl": sparse_file(3 * 2**30), "good.jsonl": GOOD_LOG[0]},
            rejected=(
                "seeds",
                "source_too_large",
                f"{{huge.jsonl}}: source_too_large ({3 * 2**30:,} bytes > cap of {MAX_FILE_BYTES:,})",
            ),
            kept=("{good.jsonl}:1",),
        ),
        id="source-3GiB-file-over-the-file-cap",
    ),
    pytest.param(
        Row(
            (*BUILD_TOOLCALLS, "--source", "{long.jsonl}", "--source", "{good.jsonl}"),
            exit=0,
            files={
                "long.jsonl": log_with_request(
                    "What's the weather like in Lisbon right now? " + "Please. " * 200_000
                ),
                "good.jsonl": GOOD_LOG[1],
            },
            rejected_where="{long.jsonl}:1",
            kept=("{good.jsonl}:1",),
        ),
        id="source-request-over-a-million-characters",
    ),
    pytest.param(
        Row(
            (*BUILD_TOOLCALLS, "--source", "{empty.jsonl}"),
            exit=2,
            files={"empty.jsonl": ""},
            error_has=("{empty.jsonl}",),
            run_may_remain=True,
        ),
        id="source-only-file-is-empty",
    ),
    # --- recipe config and schema (an edited copy of rem_queries, through factory.cli in a child process)
    pytest.param(
        Row(
            BUILD_REM,
            exit=2,
            recipe_edit=("  variations: 3 ", "  variatons: 3 "),
            error="error: {recipe.yaml}: teacher.variatons: unknown key "
            "(known: system, prompt, mode, reply, variations, new_examples, roundtrip, temperature, max_tokens)",
        ),
        id="recipe-unknown-key",
    ),
    pytest.param(
        Row(
            BUILD_REM,
            exit=2,
            recipe_edit=("count: 1800", "count: many"),
            error="error: {recipe.yaml}: seeds.count: expected int, got 'many'",
        ),
        id="recipe-mistyped-value",
    ),
    pytest.param(
        Row(
            BUILD_REM,
            exit=2,
            recipe_edit=("temperature: 0.8", "temperature: hot"),
            error_has=("{recipe.yaml}: teacher.temperature: expected ", "got 'hot'"),
        ),
        id="recipe-mistyped-number",
    ),
    pytest.param(
        Row(
            BUILD_REM,
            exit=2,
            recipe_edit=("schema: rem_query.schema.json", "schema: {bad.schema.json}"),
            files={"bad.schema.json": '{"type": "objekt"}\n'},
            error_has=(
                "error: {recipe.yaml}: schema: {bad.schema.json} is not a valid JSON Schema (",
                "; fix the schema",
            ),
        ),
        id="schema-not-a-valid-json-schema",
    ),
    pytest.param(
        Row(
            BUILD_REM,
            exit=2,
            recipe_edit=("schema: rem_query.schema.json", "schema: {bad.schema.json}"),
            files={"bad.schema.json": '{"type": "object",\n'},
            error_has=("{bad.schema.json}", "JSON"),
        ),
        id="schema-not-json",
    ),
    # --- where the run goes
    pytest.param(
        Row(
            (*BUILD_REM, "--out", "{blocked}/sub"),
            exit=2,
            files={"blocked": unwritable_folder},
            error_has=("{blocked}/sub",),
        ),
        id="out-not-writable",
    ),
    # --- the teacher
    pytest.param(
        Row(
            ("build", "rem_queries", "--teacher-url", "{not_found}"),
            exit=2,
            error="error: --teacher-url: {not_found}/models answered HTTP 404 without an OpenAI model list; "
            "point it at the server's OpenAI-compatible base (often ending in /v1)",
        ),
        id="teacher-url-answers-404",
    ),
    pytest.param(
        Row(
            ("build", "rem_queries", "--teacher-url", "{html}"),
            exit=2,
            error="error: --teacher-url: {html}/models answered HTTP 200 without an OpenAI model list; "
            "point it at the server's OpenAI-compatible base (often ending in /v1)",
        ),
        id="teacher-url-answers-html",
    ),
    pytest.param(
        Row(
            ("build", "rem_queries", "--teacher-url", "{closed}"),
            exit=2,
            error="error: --teacher-url: cannot reach {closed}/models (ConnectError); start the server or fix the URL",
        ),
        id="teacher-url-closed-port",
    ),
    # --- flags
    pytest.param(
        Row(
            ("build", "rem_queries", "--teacher-url", "{teacher}", "--limit", "0"),
            exit=2,
            error="error: --limit must be at least 1, got 0",
        ),
        id="flag-limit-0",
    ),
    pytest.param(
        Row(
            (*BUILD_REM, "--max-rps", "0"),
            exit=2,
            error="error: --max-rps must be above 0, got 0.0",
        ),
        id="flag-max-rps-0",
    ),
    pytest.param(
        Row(
            ("export", "rem_queries", "--split", "80/30"),
            exit=2,
            given_build=True,
            error="error: --split '80/30': parts sum to 110; they must sum to 100 (or to 1)",
        ),
        id="export-split-80-30",
    ),
    pytest.param(
        Row(
            ("export", "rem_queries", "--format", "xml"),
            exit=2,
            given_build=True,
            error="error: --format 'xml': expected one of messages, sharegpt, alpaca",
        ),
        id="export-format-xml",
    ),
]


# ---------------------------------------------------------------------------------------------------
# servers and a finished build


class _Server(ThreadingHTTPServer):
    daemon_threads = True


def _answering(status: int, content_type: str, body: bytes):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:
            pass

        def _answer(self) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = _answer

    return Handler


@pytest.fixture(scope="module")
def not_openai_servers():
    """{not_found}: answers 404 to everything; {html}: a web page with 200; {closed}: a port nobody listens on."""
    servers = {
        "not_found": _Server(
            ("127.0.0.1", 0), _answering(404, "text/plain", b"404 page not found")
        ),
        "html": _Server(
            ("127.0.0.1", 0), _answering(200, "text/html", b"<!doctype html><title>Home</title>")
        ),
    }
    threads = [threading.Thread(target=s.serve_forever, daemon=True) for s in servers.values()]
    for thread in threads:
        thread.start()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    urls = {name: f"http://127.0.0.1:{s.server_address[1]}/v1" for name, s in servers.items()}
    yield {**urls, "closed": f"http://127.0.0.1:{closed_port}/v1"}
    for server in servers.values():
        server.shutdown()
        server.server_close()


def _finished_build(out: Path) -> None:
    """A rem_queries run as `factory build` leaves it (dataset.jsonl, latest), from six grammar seeds."""
    from pipelines.rem_queries import grammar
    from pipelines.rem_queries.recipe import build_output, labels

    run_dir = out / "rem_queries" / "r1"
    run_dir.mkdir(parents=True)
    with open(run_dir / "dataset.jsonl", "w", encoding="utf-8") as handle:
        for pair in grammar.generate(6, 3):
            output = build_output(pair["rem"])
            record = Record(
                recipe="rem_queries",
                kind="rem_query",
                schema_version=1,
                seed_id="",
                input=pair["text"],
                output=output,
                labels=labels(output),
                provenance={"origin": "grammar"},
            )
            record.seed_id = record.id
            handle.write(json.dumps(record.to_dict()) + "\n")
    (run_dir.parent / "latest").symlink_to("r1")


# ---------------------------------------------------------------------------------------------------
# running a row

_PLACEHOLDER = re.compile(r"\{([\w./-]+)\}")


def fill(text: str, values: dict[str, str]) -> str:
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text)


def write_input(path: Path, content) -> None:
    if callable(content):
        content(path)
    elif isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")


def copy_recipe(recipes: Path, old: str, new: str) -> Path:
    """pipelines/rem_queries copied under `recipes`, with `old` replaced by `new` in its recipe.yaml."""
    shutil.copytree(ROOT / "pipelines" / "rem_queries", recipes / "rem_queries")
    path = recipes / "rem_queries" / "recipe.yaml"
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} should appear once in {path}"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


_CLI_WITH_RECIPES = (
    "import pathlib, sys; import factory.recipes as recipes; "
    "recipes.PIPELINES_DIR = pathlib.Path(sys.argv.pop(1)); "
    "from factory.cli import app; app()"
)


def run_cli_with_recipes(recipes: Path, *args: str) -> subprocess.CompletedProcess:
    """The CLI (factory.cli.app) with the recipes read from `recipes` instead of the installed pipelines/."""
    env = {**os.environ, "COLUMNS": "100", "NO_COLOR": "1"}
    return subprocess.run(
        [sys.executable, "-c", _CLI_WITH_RECIPES, str(recipes), *args],
        check=False,
        capture_output=True,
        text=True,
        env=env,
        timeout=TIMEOUT_S,
        cwd=ROOT,
    )


def tree(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")}


def temporary_files(root: Path) -> list[Path]:
    """What an interrupted atomic write would leave: *.tmp, *.partial, hidden temp names (the run's .lock stays)."""
    return [
        p
        for p in root.rglob("*")
        if p.is_file()
        and (
            p.name.endswith((".tmp", ".partial")) or (p.name.startswith(".") and p.name != ".lock")
        )
    ]


def assert_refused(row: Row, result, values: dict, before: set[str], case: Path, loopback) -> None:
    lines = result.stderr.strip().splitlines()
    if (
        row.run_may_remain
    ):  # the stages' progress lines come first; the error is the last line, and the only one
        assert (
            "Traceback" not in result.stderr
            and [n for n in lines if n.startswith("error")] == lines[-1:]
        ), result.stderr[-3000:]
        lines = lines[-1:]
    assert len(lines) == 1, f"expected one line on stderr, got:\n{result.stderr[-3000:]}"
    line = lines[0]
    assert line.startswith("error: ") and "Traceback" not in line and "<class '" not in line, line
    if row.error:
        assert line == fill(row.error, values)
    for part in row.error_has:
        assert fill(part, values) in line, line
    if row.run_may_remain:
        out = Path(values["out"])
        assert not list(out.rglob("dataset.jsonl")) and not list(out.rglob("latest"))
        assert temporary_files(case) == []
    else:
        assert loopback.requests == 0  # refused before any teacher work
        assert tree(case) == before, f"left behind: {sorted(tree(case) - before)}"


def assert_built(row: Row, result, values: dict, case: Path) -> None:
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    recipe = row.args[1]
    run_dir = Path(values["out"]) / recipe / "r"
    report = json.loads((run_dir / "report.json").read_text())
    assert report["records"] == len(records(run_dir / "dataset.jsonl")) > 0
    seeds_row = report["stages"][0]
    rejected_seeds = records(run_dir / "rejected" / "seeds.jsonl")
    assert seeds_row["in"] == seeds_row["out"] + len(rejected_seeds)  # every input accounted for
    if row.rejected:
        stage, reason, detail = row.rejected
        found = [
            (r["reason"], r["detail"]) for r in records(run_dir / "rejected" / f"{stage}.jsonl")
        ]
        assert (reason, fill(detail, values)) in found, found
        stage_row = next(s for s in report["stages"] if s["name"] == stage)
        assert stage_row["rejected"][reason] == sum(
            1 for r, _ in found if r == reason
        )  # counted in the report
    if row.rejected_where:
        where = fill(row.rejected_where, values)
        rejections = [r for path in (run_dir / "rejected").glob("*.jsonl") for r in records(path)]
        assert any(
            r["record"].get("provenance", {}).get("source", "").startswith(where)
            or where in r["detail"]
            for r in rejections
        ), rejections
    seeded = {r["provenance"].get("source") for r in records(run_dir / "stages" / "seeds.jsonl")}
    built = {r["provenance"].get("source") for r in records(run_dir / "dataset.jsonl")}
    for source in row.kept:  # the good inputs beside the bad one became seeds, and records
        assert fill(source, values) in seeded & built, (seeded, built)
    if row.note:
        parts = [fill(part, values) for part in row.note]
        assert any(all(part in line for part in parts) for line in result.stderr.splitlines()), (
            result.stderr[-3000:]
        )
    assert temporary_files(case) == []


@pytest.mark.parametrize("row", ROWS)
def test_bad_input(row: Row, tmp_path: Path, loopback, not_openai_servers):
    case = tmp_path / "case"
    case.mkdir()
    values = {"out": str(case / "data"), "teacher": loopback.base_url, **not_openai_servers}
    for name, content in row.files.items():
        write_input(case / name, content)
        values[name] = str(case / name)
    if row.given_build:
        _finished_build(case / "data")
    recipes = None
    if row.recipe_edit:
        recipes = (
            tmp_path / "recipes"
        )  # outside the case folder: part of the set-up, not of what the run leaves
        old, new = row.recipe_edit
        values["recipe.yaml"] = str(copy_recipe(recipes, old, fill(new, values)))
    args = [fill(arg, values) for arg in row.args]
    if "--out" not in args:
        args += ["--out", values["out"]]
    before = tree(case)

    result = run_cli_with_recipes(recipes, *args) if recipes else run_cli(*args, timeout=TIMEOUT_S)

    assert result.returncode == row.exit, (
        f"exit {result.returncode}; stderr:\n{result.stderr[-3000:]}"
    )
    if row.exit == 0:
        assert_built(row, result, values, case)
    else:
        assert_refused(row, result, values, before, case, loopback)
