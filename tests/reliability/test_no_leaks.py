"""Guarantee 5: secrets and personal data never leak, proven by planting them and scanning everything.

Distinct, recognisable values are planted where a user's secrets and personal data come from:

- the environment of every command: OpenAI keys (`OPENAI_API_KEY`, and `FACTORY_TEACHER_API_KEY`,
  which the build sends to the teacher), an AWS access key id and secret, a GitHub and a Hugging Face
  token: none of them may be written anywhere;
- a `--seeds` file: keys (OpenAI, AWS id + secret, `Authorization: Bearer ...`) and PII in good seed
  lines, in a line the recipe cannot use (kept in rejected/ with the raw line) and in a line whose
  call fails its tool schema with a message that quotes the value;
- a `--source` log: PII of every type the scrubber handles (person, e-mail, phone, credit card, IBAN,
  IP, US SSN, URL with credentials, private key), also in lines a source skips with a detail that
  quotes the value (a speaker's name, a schema error);
- the teacher's replies (the fault-free faulty teacher on 127.0.0.1): rewrites that carry keys of
  every kind, and one unparseable reply with a key (kept as the rejection's raw reply);
- a workflow traced with factory.sources.tracer: PII, a key and the client's own API key.

Then `factory build toolcalls`, `factory export`, `factory annotate push` (the embedded Argilla, real
server) and a second build on the same caches run, and an independent scanner (the planted strings
themselves and plain regexes of secret shapes, not factory.pii) reads every file under the data root
(SQLite caches as bytes and through sqlite3, JSON Lines, Arrow, the export, the card), the commands'
output, files written under ~/.cache meanwhile, the tracer's log, the Argilla records (through the SDK)
and the Argilla server's folder (its SQLite database as bytes and through sqlite3, its logs). A finding
names the file, the offset and the planted value. The test also checks that every planted kind did go
through (the report counts every entity type; the teacher was sent the environment's key), that the
teacher never saw planted PII or seed keys, and that the rerun asked the teacher nothing and built
the same records.

A teacher URL with credentials (`--teacher-url http://user:password@host/v1`) is not written
either: the command line in report.json and the export has its secrets replaced. Two fast
tests check the pieces without a build: the secret pass on teacher replies, and that the
tracer's unnumbered `<API_KEY>` is a placeholder (factory.pii_secrets.PLACEHOLDER) like `<API_KEY_1>`.
"""

from __future__ import annotations

import gzip
import json
import re
import shutil
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from factory_cli import ROOT, records, run_cli

from factory.pii_secrets import PLACEHOLDER
from factory.testing.faulty import FaultyTeacher
from factory.testing.loopback import LoopbackTeacher, _reply

slow = pytest.mark.slow  # starts the Argilla server, loads spaCy and the embedding model

RECIPE, RUN = "toolcalls", "leak"
TIMEOUT_S = 600

# --- the planted values ---------------------------------------------------------------------------

PRIVATE_KEY_BODY = "MIIEpAIBAAKCAQEAsourcePlantedKeyBody0x7Qx2Wv9Lm4Rt8Zz"
PRIVATE_KEY = f"-----BEGIN RSA PRIVATE KEY-----\n{PRIVATE_KEY_BODY}\nq9Zk2PlantedTail\n-----END RSA PRIVATE KEY-----"
TEACHER_KEY_BODY = "MIIEvQIBADANBgkqTeacherPlantedKeyBody5Tg7Yh1Uj3Ik"
TEACHER_PRIVATE_KEY = f"-----BEGIN PRIVATE KEY-----\n{TEACHER_KEY_BODY}\n-----END PRIVATE KEY-----"

ENV = {
    "OPENAI_API_KEY": "sk-proj-EnvPlantedOpenAiKey0x7Qx2Wv9Lm4Rt8",
    "FACTORY_TEACHER_API_KEY": "sk-EnvPlantedTeacherKey3Hj8Kd2Pz6Nb5Yc1",  # the build sends this one to the teacher
    "AWS_ACCESS_KEY_ID": "AKIAENVPLANTED7Q2W8E",
    "AWS_SECRET_ACCESS_KEY": "EnvPlantedAwsSecret/k7MDENGbPxRfiCYz0Q9w",
    "GITHUB_TOKEN": "ghp_EnvPlantedGithubToken0123456789abcdefgh",
    "HF_TOKEN": "hf_EnvPlantedHubTokenQw8Er4Ty6Ui2Op0As",
}
SEED = {  # in the --seeds file
    "openai": "sk-proj-SeedPlantedOpenAiKey5Tg7Yh1Uj3Ik9",
    "aws_id": "AKIASEEDPLANTED4K8M2",
    "aws_secret": "SeedPlantedAwsSecret/9Lm4Rt8Zz0x7Qx2Wv3H",
    "bearer": "SeedPlantedBearer.eyJzZWVkIjoicGxhbnRlZCJ9.c2ln",
    "person": "Maria Garcia",
    "email": "maria.garcia@example.com",
    "card": "5555 5555 5555 4444",
    "rejected_person": "Anna Schmidt",
    "rejected_phone": "+44 20 7946 0958",
    "rejected_iban": "DE89 3704 0044 0532 0130 00",
    "quoted_ssn": "219-09-9999",
}
SOURCE = {  # in the --source log
    "person": "Peter Novak",
    "email": "peter.novak@example.org",
    "phone": "(415) 867-5309",
    "ip": "192.168.10.24",
    "url_with_credentials": "https://deploy:s3cr3tpass@git.example.com",
    "person_2": "Olivia Bennett",
    "iban": "GB82 WEST 1234 5698 7654 32",
    "card": "4111 1111 1111 1111",
    "ssn": "536-90-4399",
    "private_key": PRIVATE_KEY,
    "speaker": "Liam Walsh",
    "quoted_phone": "(646) 555-0143",
    # beyond presidio's defaults: a name spaCy's small model misses, a German mobile, a Maestro card, a Czech IBAN
    "intl_person": "Oluwaseun Adeyemi",
    "intl_phone": "+49 151 23456789",
    "intl_card": "6759 6498 2643 8453",
    "intl_iban": "CZ09 7390 6031 2502 3949 1845",
}
TEACHER = {  # in the teacher's replies
    "openai": "sk-TeacherPlantedOpenAiKey8Kd2Pz6Nb5Yc1Hj3",
    "aws_id": "AKIATEACHERPLANT3D7Q",
    "aws_secret": "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",
    "bearer": "TeacherPlantedBearer.eyJ0ZWFjaGVyIjoxfQ.c2ln",
    "private_key": TEACHER_PRIVATE_KEY,
    "prose_key": "sk-TeacherProsePlantedKey2Wv9Lm4Rt8Zz0x7Q",
}
FLAGS = {
    "teacher_url_password": "PlantedUrlPass99x"
}  # in --teacher-url http://user:PASSWORD@host/v1
TRACER = {  # in the traced workflow
    "client_key": "tracer-client-key-PlantedZq8Xw3Vb",  # no known shape: only the tracer's own rule removes it
    "openai": "sk-TracerPlantedOpenAiKey4Rt8Zz0x7Qx2Wv9L",
    "person": "Hannah Kim",
    "email": "hannah.kim@example.net",
    "phone": "212-555-0187",
    "card": "4012 8888 8888 1881",
}
PLANTED = {
    f"{group}.{name}": value
    for group, values in (
        ("env", ENV),
        ("seed", SEED),
        ("source", SOURCE),
        ("teacher", TEACHER),
        ("flag", FLAGS),
        ("tracer", TRACER),
    )
    for name, value in values.items()
}
# what the teacher must never be sent: it sees seeds after the scrub
SEED_AND_SOURCE_VALUES = {k: v for k, v in PLANTED.items() if k.startswith(("seed.", "source."))}

assert all(
    re.fullmatch(r"AKIA[0-9A-Z]{16}", v)
    for v in (ENV["AWS_ACCESS_KEY_ID"], SEED["aws_id"], TEACHER["aws_id"])
)
assert all(
    len(v) == 40 for v in (ENV["AWS_SECRET_ACCESS_KEY"], SEED["aws_secret"], TEACHER["aws_secret"])
)


def needles(value: str) -> set[bytes]:
    """What to look for: the value, its JSON-escaped form, and for a private key each line of its body."""
    forms = {value, json.dumps(value)[1:-1], json.dumps(value).replace("/", "\\/")[1:-1]}
    if "PRIVATE KEY" in value:
        forms |= {line for line in value.splitlines()[1:-1]}
    return {form.encode() for form in forms}


NEEDLES = {name: needles(value) for name, value in PLANTED.items()}
# Secret shapes, whatever their value (the scanner's own regexes, not factory.pii's)
SHAPES = {
    "shape:openai_key": re.compile(rb"sk-(?:proj-)?[A-Za-z0-9_-]{20,}"),
    "shape:aws_access_key": re.compile(rb"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"),
    "shape:github_token": re.compile(rb"\bgh[pousr]_[A-Za-z0-9]{30,}"),
    "shape:hf_token": re.compile(rb"\bhf_[A-Za-z0-9]{30,}"),
    "shape:bearer_token": re.compile(rb"Bearer [A-Za-z0-9._~+/-]{16,}"),
    "shape:private_key": re.compile(rb"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
    "shape:url_with_credentials": re.compile(rb"\b[a-z][a-z0-9+.-]*://[^\s/:@\"']+:[^\s/@\"']+@"),
}


@dataclass
class Finding:
    where: str
    offset: int
    what: str

    def __str__(self) -> str:
        return f"{self.where} @ {self.offset}: {self.what}"


def scan(data: bytes, where: str, allowed: tuple[bytes, ...] = ()) -> list[Finding]:
    found = []
    for name, forms in NEEDLES.items():
        for form in forms:
            start = data.find(form)
            while start != -1:
                found.append(Finding(where, start, f"{name} = {form.decode()[:60]!r}"))
                start = data.find(form, start + 1)
    for name, shape in SHAPES.items():
        for match in shape.finditer(data):
            if not any(match.group() in value for value in allowed):
                found.append(Finding(where, match.start(), f"{name}: {match.group()[:60]!r}"))
    return found


def sqlite_text(path: Path, scratch: Path) -> bytes:
    """Every table's rows as text, read through sqlite3 from a copy (with its -wal file) of the database."""
    copy = scratch / f"{path.name}.{time.monotonic_ns()}"
    copy.mkdir(parents=True)
    for suffix in ("", "-wal"):
        if path.with_name(path.name + suffix).exists():
            shutil.copy(path.with_name(path.name + suffix), copy / (path.name + suffix))
    connection = sqlite3.connect(copy / path.name)
    try:
        lines = list(connection.iterdump())  # values as SQL literals: text as text, blobs as hex
        for (table,) in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'"
        ).fetchall():
            for row in connection.execute(f'SELECT * FROM "{table}"'):  # blobs as raw bytes too
                lines += [
                    value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
                    for value in row
                ]
        return "\n".join(lines).encode("utf-8", "replace")
    finally:
        connection.close()


def scan_tree(
    root: Path, scratch: Path, allowed: tuple[bytes, ...] = (), newer_than: float | None = None
) -> tuple[list[Finding], int]:
    """Every file under `root`: bytes, gunzipped bytes for .gz, and rows through sqlite3 for SQLite
    databases. With `newer_than` (a folder others write too, ~/.cache): only files modified since,
    up to 256 MiB each, and a database another process holds is read as bytes only. Returns findings
    and the number of files read."""
    findings, files = [], 0
    for path in sorted(root.rglob("*")):
        if path.is_symlink() or not path.is_file():
            continue
        try:
            if newer_than is not None and (
                path.stat().st_mtime < newer_than or path.stat().st_size > 2**28
            ):
                continue
            data = path.read_bytes()
        except OSError:  # a file another process removed meanwhile
            continue
        files += 1
        where = str(path)
        findings += scan(data, where, allowed)
        if path.name.endswith(".gz"):
            try:
                findings += scan(gzip.decompress(data), where + " (gunzipped)", allowed)
            except (OSError, EOFError):
                pass
        if data.startswith(b"SQLite format 3\x00"):
            try:
                findings += scan(sqlite_text(path, scratch), where + " (through sqlite3)", allowed)
            except sqlite3.DatabaseError:
                if newer_than is None:
                    raise
    return findings, files


# --- the inputs -----------------------------------------------------------------------------------


def example_tools() -> dict[str, dict]:
    tools = {}
    for line in (
        (ROOT / "pipelines" / "toolcalls" / "examples" / "conversations.jsonl")
        .read_text()
        .splitlines()
    ):
        for tool in json.loads(line).get("tools", []):
            tools[tool["function"]["name"]] = tool
    return tools


TOOLS = example_tools()


def call(name: str, arguments: dict, number: int = 1) -> dict:
    return {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {
                "id": f"call_{number}",
                "type": "function",
                "function": {"name": name, "arguments": json.dumps(arguments)},
            }
        ],
    }


def seeds_file() -> str:
    s = SEED
    lines = [
        {
            "input": f"Email {s['person']} at {s['email']} that the card {s['card']} was charged",
            "output": {
                "name": "send_email",
                "arguments": {
                    "to": [s["email"]],
                    "subject": "Card charge",
                    "body": f"The card {s['card']} was charged",
                },
            },
            "tools": [TOOLS["send_email"]],
        },
        {
            "input": f"Remind me at 9 on March 2 to rotate {s['openai']}, {s['aws_id']} with aws_secret_access_key="
            f"{s['aws_secret']} and the header Authorization: Bearer {s['bearer']}",
            "output": {
                "name": "set_reminder",
                "arguments": {
                    "text": f"rotate {s['openai']} and {s['aws_id']}",
                    "remind_at": "2026-03-02T09:00",
                },
            },
            "tools": [TOOLS["set_reminder"]],
        },
        # the recipe cannot use it: rejected with the raw line
        {
            "input": f"Call {s['rejected_person']} on {s['rejected_phone']} about IBAN {s['rejected_iban']}",
            "output": "not a call",
        },
        # its call fails the tool's schema: the rejection's detail quotes the value
        {
            "input": "Weather in Lisbon for the next days",
            "tools": [TOOLS["get_weather"]],
            "output": {
                "name": "get_weather",
                "arguments": {"location": "Lisbon", "days": f"SSN {s['quoted_ssn']}"},
            },
        },
    ]
    return "".join(json.dumps(line) + "\n" for line in lines)


def source_log() -> str:
    s = SOURCE
    conversations = [
        {
            "messages": [
                {
                    "role": "user",
                    "content": f"Send {s['person']} ({s['email']}, phone {s['phone']}) the note: server {s['ip']} "
                    f"is down, clone {s['url_with_credentials']}/team/repo.git",
                },
                call(
                    "send_email",
                    {
                        "to": [s["email"]],
                        "subject": "Server down",
                        "body": f"Server {s['ip']} is down",
                    },
                ),
            ],
            "tools": [TOOLS["send_email"]],
        },
        {
            "messages": [
                {
                    "role": "user",
                    "content": f"Translate for {s['person_2']}: wire 300 EUR to IBAN {s['iban']} and "
                    f"charge card {s['card']}; my SSN is {s['ssn']}",
                },
                call(
                    "translate_text",
                    {"text": f"wire 300 EUR to IBAN {s['iban']}", "target_language": "de"},
                ),
            ],
            "tools": [TOOLS["translate_text"]],
        },
        {
            "messages": [
                {
                    "role": "user",
                    "content": f"Translate for {s['intl_person']} (Handy {s['intl_phone']}): pay with card "
                    f"{s['intl_card']} to IBAN {s['intl_iban']} tomorrow",
                },
                call(
                    "translate_text",
                    {"text": f"pay with card {s['intl_card']} tomorrow", "target_language": "fr"},
                ),
            ],
            "tools": [TOOLS["translate_text"]],
        },
        {
            "messages": [
                {"role": "user", "content": f"Search my files for this key: {s['private_key']}"},
                call("search_files", {"query": s["private_key"]}),
            ],
            "tools": [TOOLS["search_files"]],
        },
        # skipped: the logged call fails its schema, and the detail quotes the value
        {
            "messages": [
                {"role": "user", "content": "Weather in Oslo please"},
                call("get_weather", {"location": "Oslo", "days": f"call {s['quoted_phone']}"}),
            ],
            "tools": [TOOLS["get_weather"]],
        },
        # skipped: a ShareGPT speaker the reader does not know, named in the detail
        {
            "conversations": [
                {"from": s["speaker"], "value": "hello"},
                {"from": "gpt", "value": "hi"},
            ]
        },
    ]
    lines = [json.dumps(c) + "\n" for c in conversations]
    lines.insert(
        2, '{"messages": [oops ' + f"{s['person']} {s['email']}\n"
    )  # malformed: source_bad_json
    return "".join(lines)


class PlantingTeacher:
    """The teacher's replies: the loopback's rewrites plus one that carries planted keys; an
    unparseable prose reply (with a key) for the reminder seed. Keeps every prompt it was sent."""

    def __init__(self):
        self.prompts: list[str] = []

    def __call__(self, messages: list[dict]) -> str:
        self.prompts.append(json.dumps(messages))
        user = next((m["content"] for m in reversed(messages) if m.get("role") == "user"), "")
        if "Remind me" in user:
            return f"Sorry, I cannot rewrite that. Try again with {TEACHER['prose_key']}."
        if (
            '{"pairs"' in user
        ):  # the invent stage: the loopback's new examples, from the seed it shows
            return _reply(messages, 2)
        t = TEACHER
        rewrites = json.loads(_reply(messages, 2))["variations"]
        rewrites.append(
            f"{rewrites[0]} (use {t['openai']} or {t['aws_id']}, aws_secret_access_key={t['aws_secret']}, "
            f"Authorization: Bearer {t['bearer']}, key {t['private_key']})"
        )
        return json.dumps({"variations": rewrites})


# --- the run --------------------------------------------------------------------------------------


@dataclass
class Leaks:
    root: Path  # the data root
    inputs: Path
    tracer_log: Path
    argilla_dir: Path
    started: float
    results: dict = field(default_factory=dict)  # command name -> CompletedProcess
    teacher_prompts: list[str] = field(default_factory=list)
    authorization: set = field(default_factory=set)
    requests_first_build: int = 0
    requests_after_rerun: int = 0
    argilla_records: list[dict] = field(default_factory=list)
    allowed: tuple[bytes, ...] = ()  # the Argilla server's own credentials (not planted)

    @property
    def run_dir(self) -> Path:
        return self.root / RECIPE / RUN


def run_tracer(log: Path) -> None:
    import openai

    from factory.sources.tracer import trace

    t = TRACER
    with LoopbackTeacher() as server:
        client = trace(
            openai.OpenAI(api_key=t["client_key"], base_url=server.base_url, max_retries=0), log
        )
        client.chat.completions.create(
            model="loopback",
            user=t["email"],
            metadata={"customer": t["person"]},
            messages=[
                {
                    "role": "user",
                    "content": f"Request: book a table for {t['person']} ({t['email']}, {t['phone']}), "
                    f"pay with {t['card']}, my keys are {t['openai']} and {t['client_key']}",
                }
            ],
        )


@pytest.fixture(scope="module")
def leaks(tmp_path_factory) -> Leaks:
    from annotation.server import EmbeddedArgilla

    base = tmp_path_factory.mktemp("leaks")
    state = Leaks(
        root=base / "data",
        inputs=base / "inputs",
        tracer_log=base / "traces" / "calls.jsonl",
        argilla_dir=base / "argilla",
        started=time.time() - 1,
    )
    state.inputs.mkdir()
    (state.inputs / "seeds.jsonl").write_text(seeds_file())
    (state.inputs / "log.jsonl").write_text(source_log())
    run_tracer(state.tracer_log)

    planting = PlantingTeacher()
    with FaultyTeacher({}, reply=planting) as teacher:
        build = (
            "build",
            RECIPE,
            "--teacher-url",
            teacher.base_url,
            "--seeds",
            str(state.inputs / "seeds.jsonl"),
            "--source",
            str(state.inputs / "log.jsonl"),
            "--source",
            str(state.tracer_log),
            "--variations",
            "2",
            "--out",
            str(state.root),
        )
        state.results["build"] = run_cli(*build, "--run", RUN, env=ENV, timeout=TIMEOUT_S)
        state.requests_first_build = len(teacher.log)
        state.results["rerun"] = run_cli(*build, "--run", "again", env=ENV, timeout=TIMEOUT_S)
        state.requests_after_rerun = len(teacher.log)
        state.authorization = set(teacher.authorization)
    state.teacher_prompts = planting.prompts
    state.results["export"] = run_cli(
        "export", RECIPE, "--run", RUN, "--out", str(state.root), env=ENV, timeout=TIMEOUT_S
    )

    with EmbeddedArgilla(state.argilla_dir) as argilla:
        owner_key = argilla.credentials["owner"]["api_key"]
        state.allowed = tuple(
            str(v).encode() for user in [argilla.credentials["owner"]] for v in user.values()
        )
        state.results["annotate push"] = run_cli(
            "annotate",
            "push",
            RECIPE,
            "--run",
            RUN,
            "--out",
            str(state.root),
            "--api-url",
            argilla.api_url,
            "--api-key",
            owner_key,
            env=ENV,
            timeout=TIMEOUT_S,
        )
        import argilla as rg

        client = rg.Argilla(api_url=argilla.api_url, api_key=owner_key)
        dataset = client.datasets(RECIPE, workspace="factory")
        if dataset is not None:
            state.argilla_records = [
                model.model_dump(mode="json")
                for model in client.api.records.list(
                    dataset.id, limit=1000, with_suggestions=True, with_responses=True
                )
            ]
    return state


def _ok(result) -> None:
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stderr, result.stderr[-3000:]


@slow
def test_every_command_ran_and_every_planted_kind_went_through(leaks):
    for result in leaks.results.values():
        _ok(result)
    report = json.loads((leaks.run_dir / "report.json").read_text())
    assert report["records"] > 0
    assert set(report["pii"]) == {
        "PERSON",
        "EMAIL_ADDRESS",
        "PHONE_NUMBER",
        "CREDIT_CARD",
        "IBAN_CODE",
        "IP_ADDRESS",
        "US_SSN",
        "URL_WITH_CREDENTIALS",
        "API_KEY",
        "PRIVATE_KEY",
    }, report["pii"]
    reasons = {
        r["reason"] for path in (leaks.run_dir / "rejected").glob("*.jsonl") for r in records(path)
    }
    assert {
        "bad_seed",
        "toolcall_bad_arguments",
        "source_bad_json",
        "source_bad_shape",
        "teacher_unparseable",
    } <= reasons, reasons
    assert (
        f"Bearer {ENV['FACTORY_TEACHER_API_KEY']}" in leaks.authorization
    )  # the environment's key was used
    assert leaks.argilla_records and len(leaks.argilla_records) == report["records"]
    assert (leaks.run_dir / "export" / "README.md").is_file()


@slow
def test_no_planted_value_under_the_data_root(leaks):
    findings, files = scan_tree(leaks.root, leaks.root.parent / "scratch")
    assert files > 20 and (leaks.root / "_cache" / "teacher.sqlite").is_file()
    assert (leaks.root / "_cache" / "embeddings.sqlite").is_file()
    assert [str(f) for f in findings] == []


@slow
def test_no_planted_value_in_the_commands_output(leaks):
    findings = []
    for name, result in leaks.results.items():
        findings += scan(result.stdout.encode(), f"{name} stdout") + scan(
            result.stderr.encode(), f"{name} stderr"
        )
    assert [str(f) for f in findings] == []


@slow
def test_no_planted_value_in_argilla(leaks):
    records_json = json.dumps(leaks.argilla_records, ensure_ascii=False).encode()
    findings = scan(records_json, "Argilla records (SDK)", leaks.allowed)
    tree, files = scan_tree(leaks.argilla_dir, leaks.root.parent / "scratch", leaks.allowed)
    assert files > 3 and (leaks.argilla_dir / "argilla.db").is_file()
    assert [str(f) for f in findings + tree] == []


@slow
def test_no_planted_value_in_the_tracer_log_and_its_key_mark_is_a_placeholder(leaks):
    data = leaks.tracer_log.read_bytes()
    assert [str(f) for f in scan(data, str(leaks.tracer_log))] == []
    text = data.decode()
    assert "<API_KEY>" in text  # the client's own key, marked by the tracer
    assert {m.group(1) for m in PLACEHOLDER.finditer(text)} >= {
        "API_KEY",
        "PERSON",
        "EMAIL_ADDRESS",
        "CREDIT_CARD",
    }


@slow
def test_nothing_written_under_the_user_cache_holds_a_planted_value(leaks):
    cache = Path.home() / ".cache"
    if not cache.is_dir():
        pytest.skip("no ~/.cache")
    findings, _ = scan_tree(cache, leaks.root.parent / "scratch", newer_than=leaks.started)
    assert [str(f) for f in findings] == []


@slow
def test_the_teacher_never_saw_planted_personal_data_or_seed_keys(leaks):
    prompts = "\n".join(leaks.teacher_prompts).encode()
    assert leaks.teacher_prompts
    found = [
        f
        for f in scan(prompts, "teacher prompts")
        if f.what.split(" ")[0] in SEED_AND_SOURCE_VALUES
    ]
    assert [str(f) for f in found] == []


@slow
def test_a_rerun_on_the_same_caches_asks_the_teacher_nothing_and_builds_the_same(leaks):
    _ok(leaks.results["rerun"])
    assert leaks.requests_first_build > 0
    assert leaks.requests_after_rerun == leaks.requests_first_build
    first, again = (leaks.root / RECIPE / run / "dataset.jsonl" for run in (RUN, "again"))
    # the same records (redaction before caching is deterministic); their order is the dedup stage's business
    assert sorted(first.read_text().splitlines()) == sorted(again.read_text().splitlines())


@slow
def test_a_teacher_url_with_credentials_is_not_written(tmp_path):
    with FaultyTeacher({}) as teacher:
        url = teacher.base_url.replace(
            "http://", f"http://planted-user:{FLAGS['teacher_url_password']}@"
        )
        _ok(
            run_cli(
                "build",
                "rem_queries",
                "--limit",
                "2",
                "--variations",
                "1",
                "--teacher-url",
                url,
                "--out",
                str(tmp_path / "data"),
                "--run",
                "r",
                env=ENV,
                timeout=TIMEOUT_S,
            )
        )
    _ok(
        run_cli(
            "export",
            "rem_queries",
            "--run",
            "r",
            "--out",
            str(tmp_path / "data"),
            env=ENV,
            timeout=TIMEOUT_S,
        )
    )
    findings, _ = scan_tree(tmp_path / "data", tmp_path / "scratch")
    assert [str(f) for f in findings] == []


# --- the pieces, without a build ------------------------------------------------------------------


def test_the_secret_pass_on_teacher_replies_finds_every_shape_keeps_json_and_numbers_after_the_prompt():
    from factory.pii_secrets import redact_secrets

    reply = PlantingTeacher()([{"role": "user", "content": "Request: rotate <API_KEY_1> today"}])
    text, counts = redact_secrets(reply, after=["Request: rotate <API_KEY_1> today"])
    assert [str(f) for f in scan(text.encode(), "reply")] == []
    assert counts == {"API_KEY": 4, "PRIVATE_KEY": 1}
    rewrites = json.loads(text)["variations"]  # still the JSON the parser reads
    assert (
        "<API_KEY_1>" in rewrites[0]
        and "<API_KEY_2>" in rewrites[-1]
        and "<API_KEY_5>" in rewrites[-1]
    )
    assert redact_secrets(text) == (
        text,
        {},
    )  # placeholders are not secrets: a second pass changes nothing
    assert (
        redact_secrets("aws_secret_access_key = " + SEED["aws_secret"])[0]
        == "aws_secret_access_key = <API_KEY_1>"
    )
    assert redact_secrets("git rev-parse HEAD -> 3f786850e387550fdab836ed7e6dc881de23001b") == (
        "git rev-parse HEAD -> 3f786850e387550fdab836ed7e6dc881de23001b",
        {},
    )  # 40 hex characters: no secret


def test_the_tracers_key_mark_is_a_placeholder_and_other_tags_are_not():
    from factory.pii_secrets import placeholders_in

    text = "use <API_KEY> and <API_KEY_2> for <PERSON_1>; sed 's/<BR>//' and <FOO>"
    assert PLACEHOLDER.findall(text) == [("API_KEY", ""), ("API_KEY", "2"), ("PERSON", "1")]
    assert placeholders_in([text]) == {"API_KEY": 2, "PERSON": 1}
