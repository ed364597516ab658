"""sysadmin_bash metrics (seed 001): score one predicted command line against the expected record.

The student replies with the bare command (recipe.student_answer); a reply that is JSON with a
"command" field, a fenced code block or a "$ " prompt is read too (first command line only).
`score(reply, record, validator)` -> per-example values in [0, 1]:
- syntax: `bash -n` accepts the command
- valid: the whole validator passes (syntax, known commands, documented options, schema)
- command_name: the commands (first word of every pipeline/list segment and substitution), in
  order, are the expected ones; a bare `sudo` (no options) is left out on both sides, since it
  changes who runs a command, not what it does (`sudo systemctl restart nginx` for "restart
  nginx"); `sudo -u postgres` stays, as it names whom
- options: F1 of the (command, option) pairs against the expected ones, options named by their
  man page's first flag (--all = -a), `-la` = `-l -a`; 1.0 when neither has options
- intent: the command passes the validator and does what the expected one does by the measure above:
  the same programs in order and the same options (valid, command_name 1, options 1); the issue-16
  goal on hand-written requests (bench/distill_rem_queries.py --recipe sysadmin_bash)
- exact: the same command line once whitespace, quoting and option order within a command are
  normalised (values stay with their options); a bare `sudo` counts here
MAIN is the metric the deploy decision uses. It does not run the commands: two command lines that
do the same thing in different ways (find -delete vs find | xargs rm) only share what they share.
"""

from __future__ import annotations

import re
from collections import Counter

from factory.teacher.extract import extract_json
from pipelines.sysadmin_bash import bash_check
from pipelines.sysadmin_bash.shell import split

MAIN = "command_name"
METRICS = ("syntax", "valid", "command_name", "options", "intent", "exact")
_FENCE = re.compile(r"```[a-zA-Z]*\n?(.*?)```", re.S)


def reply_command(reply: str | None) -> str:
    """The command line a reply holds ("" if none)."""
    if not reply or not reply.strip():
        return ""
    try:
        data = extract_json(reply)
    except ValueError:
        data = None
    if isinstance(data, dict) and isinstance(data.get("command"), str):
        return data["command"].strip()
    fenced = _FENCE.search(reply)
    text = fenced.group(1) if fenced else reply
    line = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
    return line.removeprefix("$ ").strip().strip("`").strip()


def normal_form(command: str) -> tuple:
    """What `exact` compares: operators, and per command its name, sorted (option, value) pairs,
    operands and redirections, all without quotes or extra whitespace."""
    _, operators = split(command)
    shape = tuple(
        (
            c.name,
            tuple(sorted(c.options, key=lambda o: (o[0], o[1] or ""))),
            tuple(c.operands),
            tuple(c.redirects),
        )
        for c in bash_check.commands(command)
    )
    return tuple(operators), shape


def _option_pairs(found: list) -> Counter:
    """(command, option) pairs; an undocumented flag counts too (a wrong prediction)."""
    pairs = [(c.name, flag) for c in found for flag, _ in c.options]
    return Counter(pairs + [(c.name, flag) for c in found for _, flag in c.unknown])


def _what_runs(command: str) -> list:
    """The commands of a line without a bare `sudo` (one with options, e.g. -u USER, stays)."""
    return [c for c in bash_check.commands(command) if c.name != "sudo" or c.options or c.unknown]


def _f1(predicted: Counter, expected: Counter) -> float:
    if not predicted and not expected:
        return 1.0
    overlap = sum((predicted & expected).values())
    if not overlap:
        return 0.0
    precision, recall = overlap / sum(predicted.values()), overlap / sum(expected.values())
    return 2 * precision * recall / (precision + recall)


def score(reply: str | None, record: dict, validator) -> dict[str, float]:
    expected = record["output"]["command"]
    command = reply_command(reply)
    if not command:
        return dict.fromkeys(METRICS, 0.0)
    syntax = bash_check.syntax_error(command) is None
    output = {"command": command, "explanation": record["output"]["explanation"]}
    valid = syntax and bash_check.check(command) is None and not list(validator.iter_errors(output))
    predicted_commands, expected_commands = _what_runs(command), _what_runs(expected)
    same_programs = [c.name for c in predicted_commands] == [c.name for c in expected_commands]
    options = _f1(_option_pairs(predicted_commands), _option_pairs(expected_commands))
    return {
        "syntax": float(syntax),
        "valid": float(valid),
        "command_name": float(same_programs),
        "options": options,
        "intent": float(valid and same_programs and options == 1.0),
        "exact": float(normal_form(command) == normal_form(expected)),
    }
