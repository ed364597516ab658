"""A man page's rendered text -> its parts: NAME's summary, synopsis, description and options.

- `parse_page(text)`: {"summary", "synopsis", "description", "options", "mentioned"}, or None
  for a page without NAME; options come from every section but NAME, SYNOPSIS, SEE ALSO...
- `parse_tag(text)`: the flags, argument and optional-ness of one option's tag line
  ("-l, --long=FILE"), or None if the line is not one.
- `parse_options(lines)`: the options (flags, argument, description) listed in a section.
- `synopsis_flags(text)`: the flags (and their arguments) a synopsis line names.
It reads plain text as groff renders it (no hyphenation, no adjustment: manpages.py renders it so)
and runs no program; finding and rendering pages is manpages.py's.
"""

from __future__ import annotations

import re

ANY_NUMBER = "-NUM"  # stands for a page's `-<signal>` / `-NUM` option: `kill -9`, `kill -HUP`
_NOT_OPTIONS = {
    "NAME",
    "SYNOPSIS",
    "SEE ALSO",
    "AUTHOR",
    "AUTHORS",
    "COPYRIGHT",
    "REPORTING BUGS",
    "BUGS",
    "HISTORY",
    "EXAMPLE",
    "EXAMPLES",
}
_FLAG = re.compile(r"(--?[A-Za-z0-9?@#][\w?@#+-]*)(.*)$")
_PLACEHOLDER = re.compile(r"-(<\w+>|NUM|number|sigspec|signal)$")
_MENTION = re.compile(r"(?<![\w/.\-])(--?[A-Za-z0-9][\w-]*)")
_SYNOPSIS_FLAG = re.compile(
    r"(?<![\w\-])(--?[A-Za-z0-9?@<][\w<>-]*)(=|\s+(?=[A-Za-z<]))?([A-Za-z<][\w<>:.-]*)?"
)
_CLUSTER = re.compile(r"\[-([A-Za-z0-9@]{2,})\]")


def parse_page(text: str) -> dict | None:
    """summary, synopsis, description and options of a rendered page; None without NAME."""
    sections = _sections(text.splitlines())
    name_lines = sections.get("NAME")
    if not name_lines:
        return None
    name_text = " ".join(" ".join(name_lines).split())
    summary = re.split(r"\s+[-\u2014\u2013]+\s+", name_text, maxsplit=1)[-1]
    synopsis = _synopsis(sections.get("SYNOPSIS", []))
    description = _first_paragraph(sections.get("DESCRIPTION", [])) or summary
    options: list[dict] = []
    seen: set[str] = set()
    for heading, lines in sections.items():
        if heading not in _NOT_OPTIONS:
            for option in parse_options(lines):
                if not seen.intersection(option["flags"]):
                    options.append(option)
                    seen.update(option["flags"])
    mentioned = sorted(
        {m for lines in sections.values() for m in _MENTION.findall("\n".join(lines))}
    )
    return {
        "summary": summary,
        "synopsis": synopsis,
        "description": description,
        "options": options,
        "mentioned": mentioned,
    }


def _sections(lines: list[str]) -> dict[str, list[str]]:
    """Heading (a line at column 0) -> its lines; title and footer lines (spaced columns) are left out."""
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in lines:
        if line and not line[0].isspace():
            if "   " in line.strip():  # "LS(1)    User Commands    LS(1)" and the footer
                continue
            current = sections.setdefault(line.strip(), [])
        elif current is not None:
            current.append(line.rstrip())
    return sections


def _synopsis(lines: list[str], cap: int = 1000) -> str:
    return "\n".join(" ".join(line.split()) for line in lines if line.strip())[:cap]


def _first_paragraph(lines: list[str]) -> str:
    words: list[str] = []
    for line in lines:
        if not line.strip():
            if words:
                break
            continue
        words += line.split()
    return " ".join(words)


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def parse_tag(text: str) -> list[tuple[str, str | None, bool]] | None:
    """ "-f, --file=ARCHIVE" -> [("-f", None, False), ("--file", "ARCHIVE", False)]: (flag, argument,
    optional). None when the text is not a list of flags (a sentence that starts with a dash)."""
    items, depth, start = [], 0, 0
    for i, char in enumerate(text):
        depth += (char in "[<{") - (char in "]>}")
        if char == "," and depth == 0:
            items.append(text[start:i])
            start = i + 1
    items.append(text[start:])
    items = [
        part
        for item in items
        for part in re.split(r"(?<=^-[A-Za-z0-9])\s+(?=--[A-Za-z])", item.strip())
    ]
    result = []  # "-c  --format=FORMAT" (no comma) is two flags
    for item in (i.strip() for i in items):
        if _PLACEHOLDER.match(item.split(" ", 1)[0]):
            result.append((ANY_NUMBER, None, False))
            continue
        match = _FLAG.match(item)
        if not match or item in ("-", "--"):
            return None
        flag, rest = match.groups()
        spaced, rest = rest[:1].isspace(), rest.strip()
        if len(rest.split()) > 3 or rest.endswith((".", ":")):
            return None
        optional = (
            rest.startswith("[") and rest.endswith("]") and not spaced
        )  # -i[SUFFIX], --color[=WHEN]
        argument = (rest[1:-1] if optional else rest).removeprefix("=").strip()
        argument = argument or ("VALUE" if rest.startswith("=") else None)  # systemctl's "--type="
        result.append((flag, argument, optional))
    return result


def parse_options(lines: list[str]) -> list[dict]:
    """Options listed as tags (`-a, --all` on a line, the description indented deeper below or
    beside it); stacked tags without a blank line between share the description below."""
    options: list[dict] = []
    i, previous_tag = 0, -2
    while i < len(lines):
        line, indent = lines[i], _indent(lines[i])
        before = lines[i - 1] if i else ""
        inside_text = (
            before.strip() and _indent(before) == indent and previous_tag != i - 1
        )  # a wrapped sentence
        if not line.lstrip().startswith("-") or inside_text:
            i += 1
            continue
        found = _tag_at(lines, i)
        if found is None:
            i += 1
            continue
        tags, text, end = found
        previous_tag = end - 1
        description = _description(lines, end, indent, text)
        bare = [flag for flag, arg, _ in tags if not arg and not flag.startswith("--")]
        if bare and any(
            arg and not flag.startswith("--") for flag, arg, _ in tags
        ):  # "-u, -U NUM": -u takes none
            options.append({"flags": bare, "argument": None, "description": description})
            tags = [tag for tag in tags if tag[0] not in bare]
        flags = list(dict.fromkeys(flag for flag, _, _ in tags))
        argument = next(
            (arg if not optional else f"[{arg}]" for _, arg, optional in tags if arg), None
        )
        options.append({"flags": flags, "argument": argument, "description": description})
        i = end
    return options


def _tag_at(lines: list[str], i: int) -> tuple[list, str, int] | None:
    """(tags, description text on the tag's own line, index after the tag lines) or None."""
    line, indent = lines[i], _indent(lines[i])
    tags: list = []
    j = i
    while (
        j < len(lines)
        and _indent(lines[j]) == indent
        and "  " not in _tag_text(lines[j])
        and (parsed := parse_tag(_tag_text(lines[j])))
    ):
        tags += parsed  # stacked tags ("-<signal>" / "-s <signal>" / "--signal <signal>") share one description
        j += 1
    below = (
        j + 1 if j + 1 < len(lines) and not lines[j].strip() else j
    )  # one blank line may come between
    if tags and below < len(lines) and lines[below].strip() and _indent(lines[below]) > indent:
        return tags, "", j  # "-mtime n" alone, its description indented below
    after = lines[i + 1] if i + 1 < len(lines) else ""
    column = _indent(after) if after.strip() and _indent(after) > indent else 0
    if (
        column
        and len(line) > column
        and line[column - 1] == " "
        and (parsed := parse_tag(line[indent:column].strip()))
    ):
        return (
            parsed,
            line[column:],
            i + 1,
        )  # "-a     do not ignore..." continued below at the same column
    split = re.match(r"(\S.*?)\s{2,}(\S.*)$", line.strip())
    if split and (parsed := parse_tag(split[1])):
        return (
            parsed,
            split[2],
            i + 1,
        )  # "-F     same as --follow=name --retry", a one-line description
    return None


def _tag_text(line: str) -> str:
    """A tag line with "-c  --format=FORMAT" (two flags, no comma) joined to "-c --format=FORMAT"."""
    return re.sub(r"^(-[A-Za-z0-9])\s{2,}(?=--[A-Za-z])", r"\1 ", line.strip())


def _description(lines: list[str], start: int, indent: int, first: str) -> str:
    words = first.split()
    for line in lines[start:]:
        if not line.strip():
            if words:
                break
            continue
        if _indent(line) <= indent:
            break
        words += line.split()
    return " ".join(words)


def synopsis_flags(text: str) -> dict[str, str | None]:
    """Flags a synopsis names, with the argument each takes: "[-B bind_interface]" -> {"-B": "bind_interface"};
    a cluster "[-46Aa]" names each letter; "-<signal>" and "-sigspec" become ANY_NUMBER."""
    flags: dict[str, str | None] = {}
    for flag, _, argument in _SYNOPSIS_FLAG.findall(text):
        if _PLACEHOLDER.match(flag):
            flags[ANY_NUMBER] = None
        elif not flag.startswith("-<"):
            flags.setdefault(flag, argument or None)
    for cluster in _CLUSTER.findall(text):
        for letter in cluster:
            flags.setdefault(f"-{letter}", None)
    return flags
