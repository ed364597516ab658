"""sysadmin_bash (seed 001): natural-language sysadmin tasks -> one bash command line, from real man pages.

- `source_seeds(config, count, random_seed)`: template seeds from the man pages of the commands in
  `source.commands` (recipe.yaml), or of every page under `paths` (`--source`/`--man-path`); see
  man_seeds.py. Commands without a page here are Rejected (`man_not_found`). With the curated
  commands, a share `source.tasks` of the seeds comes from the task grammar instead (tasks/:
  everyday requests as people type them, typed casually by factory.surface), origin "grammar".
- `make_pair(item, seed)` (teacher.mode pairs): one {"input", "output": {"command", "explanation"}}
  item of the teacher's reply, shape-checked; ValueError says what is wrong.
- `user_seed(obj)`: a `--seeds` line {"input", "command", "explanation"?} or {"input", "output"}.
- `labels(output)`: command_name (the first command that is not a prefix such as sudo or env) and
  option_count ("0", "1", "2", "3+").
- `keep_values(text, output)` (variations mode): operands and option values the task spells out.
- `validate(record)`: one command line, a non-blank explanation, no PII placeholder (`<EMAIL_ADDRESS_1>`),
  then bash_check.check (syntax, garbage, dangerous commands, known commands, documented options,
  required arguments).
- `student_answer(record)`: the bare command line, which is what the student learns to reply.
It does not run any command; what "known" means comes from the committed tables of known.py, and
only for programs outside them from the machine's PATH and man pages.
"""

from __future__ import annotations

import math
import random
from typing import Any, Iterator

from factory.errors import ConfigError
from factory.pii_secrets import PLACEHOLDER  # what the PII scrubber puts in place of a value
from factory.record import Rejected
from factory.sources.manpages import page_of, read_man_pages
from factory.surface import casual
from pipelines.sysadmin_bash import bash_check, tasks
from pipelines.sysadmin_bash.man_seeds import seeds_from_page

DEFAULT_PER_COMMAND = 8
PREFIXES = set(bash_check.WRAPPERS) - {
    "xargs",
    "watch",
}  # "sudo systemctl ..." is labelled systemctl


def labels(output: dict) -> dict:
    found = bash_check.commands(output["command"])
    main = next(
        (c for c in found if c.name.rsplit("/", 1)[-1] not in PREFIXES), found[0] if found else None
    )
    count = sum(len(c.options) for c in found)
    return {
        "command_name": main.name.rsplit("/", 1)[-1] if main else "",
        "option_count": str(count) if count < 3 else "3+",
    }


def source_seeds(config: dict, count: int, random_seed: int) -> Iterator[dict[str, Any] | Rejected]:
    """Man-page seeds, then (curated commands only) `round(count * tasks)` task-grammar seeds."""
    share = 0.0 if config.get("paths") else config.get("tasks", 0)
    if not isinstance(share, (int, float)) or not 0 <= share <= 1:
        raise ConfigError(f"recipe.yaml source.tasks must be a share between 0 and 1, got {share}")
    from_tasks = round(count * share)
    if count - from_tasks > 0:
        yield from _man_seeds(config, count - from_tasks, random_seed)
    yield from task_seeds(from_tasks, random_seed)


def task_seeds(count: int, random_seed: int) -> Iterator[dict[str, Any]]:
    """The task grammar's pairs, each request typed casually (its paths, names and values untouched)."""
    typing = random.Random(random_seed + 1)
    for task in tasks.generate(count, random_seed):
        output = {"command": task["command"], "explanation": task["explanation"]}
        yield {
            "input": casual(task["text"], typing, keep=keep_values(task["text"], output)),
            "output": output,
            "labels": labels(output),
            "provenance": {"origin": "grammar", "source": f"grammar:{task['family']}"},
        }


def _man_seeds(config: dict, count: int, random_seed: int) -> Iterator[dict[str, Any] | Rejected]:
    commands = config.get("commands")
    templates = commands if isinstance(commands, dict) else {}
    names = list(commands) if commands and not config.get("paths") else None
    per_command = int(config.get("per_command", DEFAULT_PER_COMMAND))
    remaining = (
        len(names) if names else 0
    )  # named commands still to come: a small count spreads over them
    made = 0
    for page in read_man_pages(
        config.get("paths"), sections=config.get("sections", ["1", "8"]), names=names
    ):
        if isinstance(page, Rejected):
            remaining -= page.reason == "man_not_found"
            yield page
            continue
        share = (
            min(per_command, math.ceil((count - made) / max(remaining, 1)))
            if names
            else per_command
        )
        remaining -= 1
        rng = random.Random(f"{random_seed}:{page['command']}:{page['section']}")
        seeds = seeds_from_page(page, templates.get(page["command"]), min(share, count - made), rng)
        if not seeds:  # counted, not silently passed over
            yield Rejected.at(
                page["where"], "man_no_options", "no option of this page makes a task"
            )
        for seed in seeds:
            yield {**seed, "labels": labels(seed["output"])}
            made += 1
        if made >= count:
            return


def make_pair(item: Any, seed: dict) -> dict:
    """One teacher pair as {"input", "output", "labels"}; ValueError when it is unusable."""
    if not isinstance(item, dict):
        raise ValueError(f"a pair must be an object, got {type(item).__name__}")
    task, output = item.get("input"), item.get("output")
    if not isinstance(task, str) or len(task.strip()) < 8:
        raise ValueError("input must be a task of at least 8 characters")
    if not isinstance(output, dict):
        raise ValueError('output must be {"command": ..., "explanation": ...}')
    command, explanation = output.get("command"), output.get("explanation")
    if not isinstance(command, str) or not command.strip():
        raise ValueError("output.command must be a non-empty string")
    if not isinstance(explanation, str) or not explanation.strip():
        raise ValueError("output.explanation must be a non-empty string")
    command = command.strip().removeprefix("$ ").strip()
    if "\n" in command:
        raise ValueError("output.command spans several lines; one command line is expected")
    result = {"command": command, "explanation": " ".join(explanation.split())}
    return {"input": " ".join(task.split()), "output": result, "labels": labels(result)}


def user_seed(obj: Any) -> dict[str, Any]:
    """A seed from a user file line; raises ValueError naming what is missing."""
    if not isinstance(obj, dict) or not isinstance(obj.get("input"), str):
        raise ValueError(
            'each line needs {"input": "<task>", "command": "<bash>", "explanation"?: "..."}'
        )
    output = (
        obj.get("output")
        if isinstance(obj.get("output"), dict)
        else {"command": obj.get("command")}
    )
    command = output.get("command")
    if not isinstance(command, str) or not command.strip():
        raise ValueError(
            'each line needs "command" (or "output": {"command": ...}) with a bash command line'
        )
    explanation = (
        output.get("explanation") or obj.get("explanation") or _default_explanation(command)
    )
    result = {"command": command.strip(), "explanation": explanation}
    return {"input": obj["input"], "output": result, "labels": labels(result)}


def _default_explanation(command: str) -> str:
    name = labels({"command": command})["command_name"]
    page = page_of(name) if name else None
    return f"{name} ({page['summary'].rstrip('.')})." if page else f"Runs {name or 'the command'}."


def keep_values(text: str, output: dict) -> list[str]:
    """Operands and option values of the command that the task writes out; a rewrite must keep them."""
    lowered, kept = text.lower(), []
    for cmd in bash_check.commands(output["command"]):
        for value in [*cmd.operands, *(v for _, v in cmd.options if v)]:
            if len(value) > 1 and value.lower() in lowered and value not in kept:
                kept.append(value)
    return kept


def validate(record: dict) -> tuple[str, str] | None:
    if not isinstance(record.get("input"), str) or not record["input"].strip():
        return "bash_empty_task", "the input must be a non-empty task"
    output = record["output"]
    if "\n" in output["command"].strip():
        return (
            "bash_multiline_command",
            "the command spans several lines; one command line is expected",
        )
    if not output["explanation"].strip():
        return "bash_empty_explanation", "the explanation is blank"
    placeholder = PLACEHOLDER.search(output["command"])
    if placeholder:  # "cat <PERSON_1> /etc/hosts" parses, as two redirections: a different command
        return (
            "bash_redacted_value",
            f"the command holds {placeholder.group()} where the scrubber removed a value",
        )
    return bash_check.check(output["command"])


def student_answer(record: dict) -> str:
    return record["output"]["command"]
