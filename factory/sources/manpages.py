"""Man pages as data: each page rendered by groff, parsed into synopsis, description and options.

- `read_man_pages(paths=None, sections=("1", "8"), names=None)`: the machine's pages (every
  `man<section>` folder of `manpath`) or the given folders/files (`--source`/`--man-path`),
  `.gz` too, sorted by name, streamed; only the pages asked for are rendered. Yields
  `{"command", "section", "summary" (NAME's text after the dash), "synopsis", "description"
  (DESCRIPTION's first paragraph), "options": [{"flags": ["-l", "--long"], "argument": "FILE" |
  "[WHEN]" (optional) | None, "description"}], "mentioned" (every flag the text names), "where":
  "man:ls(1)", "path"}` or a `Rejected`: `man_not_a_page`
  (no NAME.SECTION file name), `man_so_link` (a `.so` stub naming another page),
  `man_render_failed`, `man_render_timeout`, `man_no_name` (no NAME section), `man_not_found`
  (a name asked for that has no page), and base.py's reasons (binary, not UTF-8, unreadable...).
- `options_of(command)`: every flag the command's page (found by `man -w`) documents: its
  option list, its synopsis and the flags its text mentions; None if there is no page. Cached.
- `option_table(command)`: flag -> the argument it takes ("FILE", "[WHEN]" if optional, None).
- `page_of(command)`: that page, parsed (cached).
The rendered text is parsed by man_text.py (`parse_page`, `parse_tag`, `synopsis_flags`).
Rendering uses groff with hyphenation and adjustment switched off, so the text parses.
It does not follow `.so` stubs, read pages compressed other than with gzip, or judge options.
"""

from __future__ import annotations

import copy
import functools
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Iterable, Iterator

from factory.errors import MissingDependency
from factory.processes import stop_group
from factory.record import Rejected
from factory.sources.base import expand, read_text
from factory.sources.man_text import parse_page, synopsis_flags

RENDER_TIMEOUT_S = 20
WIDTH = 100
_PAGE_FILE = re.compile(r"^(?P<name>.+)\.(?P<section>[0-9][A-Za-z0-9]*)(?:\.gz)?$")
# Prepended to every page: no hyphenation, no justification (requests renamed to no-ops).
_PRELUDE = ".nh\n.na\n.rn hy factory-hy\n.de hy\n..\n.rn ad factory-ad\n.de ad\n..\n"
_ASCII = str.maketrans(
    {
        "\u2010": "-",
        "\u2011": "-",
        "\u2212": "-",
        "\u2018": "'",
        "\u2019": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u00a0": " ",
    }
)


def read_man_pages(
    paths: Iterable[str | os.PathLike] | None = None,
    *,
    sections: Iterable[str] = ("1", "8"),
    names: Iterable[str] | None = None,
) -> Iterator[dict | Rejected]:
    """Parsed pages, sorted by (name, section); see the module docstring for the shape."""
    if shutil.which("groff") is None:
        raise MissingDependency("man pages need groff: apt-get install groff-base man-db")
    sections = tuple(str(s) for s in sections)
    wanted = list(dict.fromkeys(names)) if names is not None else None
    pages: dict[tuple[str, str], Path] = {}
    for item in _candidates(paths, sections, wanted):
        if isinstance(item, Rejected):
            yield item
            continue
        name, section, path = item
        pages.setdefault((name, section), path)  # the first root of manpath wins, as for man
    found = {name for name, _ in pages}
    for name in wanted or ():
        if name not in found:
            yield Rejected.at(
                f"man:{name}", "man_not_found", f"no page in section(s) {', '.join(sections)}"
            )
    for (name, section), path in sorted(pages.items()):
        yield read_page(path, name, section)


def _candidates(
    paths, sections: tuple[str, ...], wanted: list[str] | None
) -> Iterator[tuple[str, str, Path] | Rejected]:
    """(name, section, path) of every page file; files inside folders are filtered by section (and by
    name when names are asked for, before any file is looked at: man1 holds thousands)."""
    if paths is None:
        folders = [root / f"man{s}" for root in man_roots() for s in sections]
        paths = [f for f in folders if f.is_dir()]
    elif isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    for given in paths:
        if not Path(given).is_dir():
            for path in expand(given):  # a file named directly is read whatever its section
                match = None if isinstance(path, Rejected) else _PAGE_FILE.match(path.name)
                if isinstance(path, Rejected) or not match:
                    yield path if isinstance(path, Rejected) else _not_a_page(str(path))
                elif wanted is None or match["name"] in wanted:
                    yield match["name"], match["section"], path
            continue
        for root, dirs, files in os.walk(
            given
        ):  # unlike base.expand, two links to one page are two pages
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for file in sorted(files):
                match = _PAGE_FILE.match(file)
                if match and (
                    wanted is not None
                    and match["name"] not in wanted
                    or not _in_sections(match["section"], sections)
                ):
                    continue
                path = os.path.join(root, file)
                if os.path.islink(path) and not os.path.exists(path):
                    yield Rejected.at(path, "source_broken_link", f"points to {os.readlink(path)}")
                elif not match:
                    if wanted is None:
                        yield _not_a_page(path)
                else:
                    yield match["name"], match["section"], Path(path)


def _not_a_page(where: str) -> Rejected:
    return Rejected.at(
        where, "man_not_a_page", "expected a file named NAME.SECTION or NAME.SECTION.gz"
    )


def _in_sections(section: str, sections: tuple[str, ...]) -> bool:
    return any(
        section == s or section.startswith(s) and section[len(s) :].isalpha() for s in sections
    )


@functools.lru_cache(maxsize=1)
def man_roots() -> tuple[Path, ...]:
    """The folders of `manpath` (man-db), or the usual two when it is not installed."""
    try:
        out = subprocess.run(
            ["manpath", "-q"], capture_output=True, text=True, timeout=10
        ).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        out = ""
    roots = [Path(p) for p in out.split(":") if p] or [
        Path("/usr/local/share/man"),
        Path("/usr/share/man"),
    ]
    return tuple(dict.fromkeys(roots))


def read_page(path: Path, name: str | None = None, section: str | None = None) -> dict | Rejected:
    """One page file, rendered and parsed; name and section default to the file name's."""
    match = _PAGE_FILE.match(path.name)
    name = name or (match["name"] if match else path.name)
    section = section or (match["section"] if match else "")
    try:
        stamp = path.stat().st_mtime_ns
    except OSError:
        stamp = -1
    parsed = _parse_file(str(path), stamp)
    if isinstance(parsed, Rejected):
        return parsed
    return {
        "command": name,
        "section": section,
        **copy.deepcopy(parsed),
        "where": f"man:{name}({section})",
        "path": str(path),
    }


@functools.lru_cache(maxsize=256)
def _parse_file(path: str, stamp: int) -> dict | Rejected:
    """Read, render and parse one file (cached by path and mtime: the validator asks for the same pages)."""
    source = read_text(Path(path))
    if isinstance(source, Rejected):
        return source
    first = next(
        (ln for ln in source.splitlines() if ln.strip() and not ln.startswith(('.\\"', "'\\\""))),
        "",
    )
    if first.startswith(".so "):
        return Rejected.at(path, "man_so_link", f"a stub that sources {first[4:].strip()}")
    rendered = render(source, path)
    if isinstance(rendered, Rejected):
        return rendered
    page = parse_page(rendered)
    if page is None:
        return Rejected.at(path, "man_no_name", "the rendered page has no NAME section")
    return page


def render(source: str, where: str) -> str | Rejected:
    """The page as plain text, WIDTH columns wide (groff -mandoc reads man and mdoc pages)."""
    command = [
        "groff",
        "-k",
        "-Kutf-8",
        *_preprocessors(source),
        "-mandoc",
        "-Tutf8",
        "-P-cbou",
        f"-rLL={WIDTH}n",
        "-rHY=0",
    ]
    env = {**os.environ, "LC_ALL": "C.UTF-8"}
    try:  # groff runs troff, preconv and grotty as its children: its own group, so a timeout ends them all
        process = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            start_new_session=True,
        )
    except FileNotFoundError as exc:
        raise MissingDependency("man pages need groff: apt-get install groff-base man-db") from exc
    try:
        stdout, stderr = process.communicate(
            (_PRELUDE + source).encode("utf-8"), timeout=RENDER_TIMEOUT_S
        )
    except subprocess.TimeoutExpired:
        stop_group(process, grace=0)  # a troff left behind would spin on a core forever
        process.communicate()
        return Rejected.at(where, "man_render_timeout", f"groff took over {RENDER_TIMEOUT_S} s")
    text = stdout.decode("utf-8", errors="replace")
    if process.returncode != 0 or not text.strip():
        error = stderr.decode("utf-8", errors="replace").strip().splitlines()
        last = error[-1] if error else "no output"
        return Rejected.at(where, "man_render_failed", f"groff exit {process.returncode}: {last}")
    return text.translate(_ASCII)


def _preprocessors(source: str) -> list[str]:
    """tbl always; eqn and pic when the page's first line asks for them ('\\" te)."""
    words = source.split("\n", 1)[0][3:].split() if source.startswith(("'\\\"", '.\\"')) else []
    letters = words[0] if words and re.fullmatch("[egprtv]+", words[0]) else ""
    return ["-t"] + [f"-{p}" for p in "ep" if p in letters]


@functools.lru_cache(maxsize=64)
def page_path(command: str) -> Path | None:
    """The page `man -w` finds for a command in sections 1 and 8, or None."""
    if not command or "/" in command or shutil.which("man") is None:
        return None
    try:
        done = subprocess.run(
            ["man", "-w", "-s", "1,8", "--", command], capture_output=True, text=True, timeout=10
        )
    except subprocess.TimeoutExpired:
        return None
    first = done.stdout.strip().splitlines()[:1]
    return Path(first[0]) if done.returncode == 0 and first else None


@functools.lru_cache(maxsize=256)
def page_of(command: str) -> dict | None:
    """The parsed page `man -w` finds for a command (sections 1, 8), or None."""
    path = page_path(command)
    page = read_page(path) if path else None
    return page if isinstance(page, dict) else None


@functools.lru_cache(maxsize=256)
def option_table(command: str) -> dict[str, str | None] | None:
    """flag -> the argument it takes as the page writes it ("FILE", "[WHEN]" when optional, None when
    none), for every flag in the command's option list and synopsis; None if the command has no page."""
    page = page_of(command)
    if page is None:
        return None
    table = synopsis_flags(page["synopsis"])
    for option in page["options"]:
        argument = option["argument"]
        for flag in option["flags"]:
            table[flag] = argument
    return table


@functools.lru_cache(maxsize=256)
def options_of(command: str) -> frozenset[str] | None:
    """Every flag the command's man page documents (listed, in the synopsis, or named in its text);
    None if it has no page."""
    table = option_table(command)
    if table is None:
        return None
    return frozenset(table) | frozenset(page_of(command)["mentioned"])
