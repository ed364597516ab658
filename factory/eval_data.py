"""`factory eval --data FILE.jsonl`: a file of requests with gold answers, read as eval records.

Its lines are the recipe's `--seeds` lines (rem_queries: {"input", "rem"}; sysadmin_bash:
{"input", "command"}; toolcalls: {"input", "output", "tools"}), so one file serves
`factory build --seeds` and `factory eval --data`. Each line becomes a record through the
recipe's `user_seed(obj)` hook, then must pass the recipe's schema and validator, as a seed
must. The whole file is checked before any model is loaded or called: a line it cannot use
(not JSON, a missing field, a gold answer the recipe refuses) stops the command with one line,
`FILE:LINE: why`, naming the first bad line and where the next ones are. Nothing here calls
a model or scores a reply (factory.evaluate does).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from factory.errors import InputError
from factory.jsonl import read_jsonl
from factory.record import Record
from factory.stages.validate import first_problem, schema_validator

SHOWN = 3  # bad lines named after the first


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def load(recipe, path: Path) -> list[dict]:
    """Every line of `path` as an eval record (provenance.source FILE:LINE), or InputError for the first bad line."""
    records, problems = [], []
    validator = schema_validator(recipe)
    try:
        for lineno, obj in read_jsonl(path):
            where = f"{path}:{lineno}"
            problem = _problem(recipe, validator, obj, where, records)
            if problem:
                problems.append(f"{where}: {problem}")
    except InputError as exc:  # not JSON, not UTF-8, a line too long: reading stops there
        problems.append(str(exc))
    if len(problems) == 1 and problems[0].endswith(
        "fix or remove that line"
    ):  # the reader's own words
        raise InputError(f"{problems[0]} (nothing was evaluated)")
    if problems:
        later = [p.split(": ", 1)[0].rsplit(":", 1)[-1] for p in problems[1:]]
        more = (
            f" (bad lines after it: {', '.join(later[:SHOWN])}{', ...' if len(later) > SHOWN else ''})"
            if later
            else ""
        )
        raise InputError(
            f"{problems[0]}{more}; fix or remove the line{'s' if later else ''} (nothing was evaluated)"
        )
    if not records:
        raise InputError(
            f"{path}: no lines; give a JSON Lines file of requests with gold answers "
            f"(the `factory build {recipe.name} --seeds` format)"
        )
    return records


def _problem(recipe, validator, obj, where: str, records: list[dict]) -> str | None:
    """Why this line cannot be scored, or None (its record appended to `records`)."""
    try:
        seed = recipe.hooks.user_seed(obj)
    except (
        ValueError,
        KeyError,
        TypeError,
    ) as exc:  # the recipe's words for a wrong shape or a refused gold
        return str(exc) or type(exc).__name__
    provenance = {"origin": "eval", "source": where}
    if seed.get("context"):
        provenance["context"] = seed["context"]
    record = Record(
        recipe=recipe.name,
        kind=recipe.kind,
        schema_version=recipe.schema_version,
        seed_id="",
        input=seed["input"],
        output=seed["output"],
        labels=seed["labels"],
        provenance=provenance,
    )
    record.seed_id = record.id
    record = record.to_dict()
    refused = first_problem(recipe, validator, record)
    if refused:
        return f"the recipe refuses the gold answer ({refused[0]}: {refused[1]})"
    records.append(record)
    return None
