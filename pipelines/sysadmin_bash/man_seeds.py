"""man_seeds: template seeds from a parsed man page — real options of a command made into a task and its command.

`seeds_from_page(page, template, count, rng)` picks up to `count` of the page's options (one,
sometimes two per seed), fills an option's argument with a plausible value by its placeholder
(FILE -> a path, PATTERN -> a word, N -> a number...; options whose argument cannot be filled
are not used) and writes:
    input:  "<template task>, <option description> (<command>)"
    output: {"command": <template line with the options>, "explanation": "<command> (<summary>) with <flag>: ..."}
    context: the command, its summary, synopsis and a compact option list, for the teacher.
A template is {"task": "Show the disk usage of /var/log", "line": "du {options} /var/log",
"skip": [flags not to use]}; without one, the page's summary is the task and the line
"<command> {options}". It does not check the commands (the recipe's validator does).
"""

from __future__ import annotations

import random
import re

from factory.sources.man_text import ANY_NUMBER

CONTEXT_OPTIONS = 30  # option lines shown to the teacher
CONTEXT_LINE_CHARS = 110
MAX_DESCRIPTION = 140  # an option whose first sentence is longer makes an unreadable task: not used
_USABLE_FLAG = re.compile(r"^--?[A-Za-z0-9][\w-]*$")
_NEVER = {
    "--help",
    "--version",
    "-?",
    "-help",
    "-version",
    "-Version",
    "--usage",
    "--no-preserve-root",
    ANY_NUMBER,
}
_SKIP_DESCRIPTION = re.compile(
    r"^(likewise|same as|equivalent|synonym|alias|deprecated|obsolete|ignored?(,| for)|"
    r"do not use|don't use|this option is ignored|see |\(?default\)?$)",
    re.I,
)
# placeholder words -> (value in the command, value in the task); the first rule that matches wins
_FILLERS = [
    (r"archive", ("backup.tar", "backup.tar")),
    (r"file|filename|logfile|path", ("/tmp/report.txt", "/tmp/report.txt")),
    (r"dir|directory|folder", ("/srv/backup", "/srv/backup")),
    (r"patterns|regex|regexp", ("error", "error")),
    (r"pattern|glob", ("'*.log'", "*.log")),
    (r"size", ("1M", "1M")),
    (
        r"n|num|number|count|lines|bytes|levels|depth|max|min|seconds|secs|sec|interval|delay|days|width|nchars|cols",
        ("5", "5"),
    ),
    (r"user|owner|login|uname|username", ("www-data", "www-data")),
    (r"group|gname|grp", ("adm", "adm")),
    (r"pid|pidlist", ("1234", "1234")),
    (r"mode|perms?", ("644", "644")),
    (r"signal|sig", ("HUP", "HUP")),
    (r"port", ("2222", "2222")),
    (r"unit", ("nginx.service", "nginx.service")),
    (r"shell", ("/bin/bash", "/bin/bash")),
]


def fill(argument: str) -> tuple[str, str] | None:
    """(shell text, plain text) of a value for an option argument placeholder, or None."""
    words = re.split(r"[_\s-]+", re.sub(r"[^a-z_\s-]", " ", argument.lower()).strip())
    for pattern, value in _FILLERS:
        if any(re.fullmatch(pattern, word) for word in words):
            return value
    return None


def first_sentence(text: str) -> str:
    """The description's first sentence, without a leading "(HTTP)"-style tag or the final period."""
    text = re.sub(r"^\([A-Z0-9 /]+\)\s*", "", text.strip())
    return re.split(r"(?<=\S)\.\s+(?=[A-Z(])|;\s", text, maxsplit=1)[0].strip().rstrip(".")


def _lower_first(text: str) -> str:
    first = text.split(" ", 1)[0]
    return text if len(first) > 1 and first.isupper() else text[:1].lower() + text[1:]


def usable_options(page: dict, skip: set[str]) -> list[dict]:
    """The page's options a template can use: a plain flag, a description, an argument we can fill."""
    choices = []
    for option in page["options"]:
        flags = [f for f in option["flags"] if _USABLE_FLAG.match(f)]
        description = first_sentence(option["description"])
        if not flags or _NEVER.intersection(option["flags"]) or skip.intersection(option["flags"]):
            continue
        if not 8 <= len(description) <= MAX_DESCRIPTION or _SKIP_DESCRIPTION.match(description):
            continue
        short = [f for f in flags if re.fullmatch(r"-[A-Za-z0-9]", f)]
        flag = short[0] if short else flags[0]
        argument = option["argument"]
        value = None
        if argument and not (
            argument.startswith("[") and argument.endswith("]")
        ):  # "[WHEN]" is optional
            value = fill(argument)
            if value is None or argument.endswith(";"):
                continue
            placeholder = argument.strip("<>")
            if placeholder in description:  # "scale sizes by SIZE" -> "scale sizes by 1M"
                head, _, tail = description.rpartition(placeholder)
                description = f"{head}{value[1]}{tail}"
            else:
                description = f"{description} ({value[1]})"
        choices.append(
            {
                "flag": flag,
                "value": value[0] if value else None,
                "description": description,
                "flags": option["flags"],
            }
        )
    return choices


def _render(template_line: str, chosen: list[dict]) -> str:
    plain = [
        c["flag"] for c in chosen if c["value"] is None and re.fullmatch(r"-[A-Za-z0-9]", c["flag"])
    ]
    if (
        len(chosen) == 2 and len(plain) == 2
    ):  # two short flags without values: one cluster, as people write them
        words = ["-" + "".join(flag[1] for flag in plain)]
    else:
        words = [c["flag"] if c["value"] is None else f"{c['flag']} {c['value']}" for c in chosen]
    return " ".join(template_line.replace("{options}", " ".join(words)).split())


def context(page: dict, chosen: list[dict], usable: list[dict]) -> dict:
    lines, seen = [], set()
    for choice in [*chosen, *usable]:
        if choice["flag"] not in seen and len(lines) < CONTEXT_OPTIONS:
            seen.add(choice["flag"])
            line = f"{', '.join(choice['flags'])}: {choice['description']}"
            lines.append(
                line if len(line) <= CONTEXT_LINE_CHARS else line[: CONTEXT_LINE_CHARS - 3] + "..."
            )
    return {
        "command": page["command"],
        "summary": page["summary"],
        "synopsis": page["synopsis"][:300],
        "options": lines,
        "source": page["where"],
    }


def seeds_from_page(
    page: dict, template: dict | None, count: int, rng: random.Random
) -> list[dict]:
    """Up to `count` seeds (dicts with input, output, context, provenance; labels are the recipe's)."""
    command = page["command"]
    template = template or {}
    line = template.get("line") or f"{command} {{options}}"
    task = template.get("task") or page["summary"][:1].upper() + page["summary"][1:]
    skip = set(template.get("skip", [])) | set(
        re.findall(r"(?<!\S)--?[A-Za-z][\w-]*", line.replace("{options}", ""))
    )
    usable = usable_options(page, skip)
    order = rng.sample(usable, len(usable))
    seeds = []
    while order and len(seeds) < count:
        chosen = [order.pop()]
        if order and rng.random() < 0.3:
            chosen.append(order.pop())
        descriptions = [_lower_first(c["description"]) for c in chosen]
        explained = "; ".join(
            f"{c['flag']}: {d}" for c, d in zip(chosen, descriptions, strict=True)
        )
        explanation = f"{command} ({page['summary'].rstrip('.')}) with {explained}."
        seeds.append(
            {
                "input": f"{task.rstrip('.')}, {' and '.join(descriptions)} ({command})",
                "output": {"command": _render(line, chosen), "explanation": explanation},
                "provenance": {"origin": "man", "source": page["where"]},
                "context": context(page, chosen, usable),
            }
        )
    return seeds
