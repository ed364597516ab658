"""What every source shares: finding files, reading them safely, and saying what was skipped.

A source is a generator that yields what it read (a dict) or a `Rejected` (factory.record: built
with `Rejected.at(where, reason, detail)`; `where` is the path or path:line) and
never raises for one bad input: an unreadable file, a binary file, text that is not UTF-8,
a malformed JSON line, a file or line over the size cap, a broken link. The seeds stage
turns each into a rejected record with its reason, so the build report counts them. The reasons
here: source_missing, source_broken_link, source_unreadable, source_binary_file, source_not_utf8,
source_too_large, source_line_too_large, source_bad_json (and each source's own, e.g.
source_bad_shape).

- `expand(patterns)`: files, folders (walked, sorted) and globs -> paths | Rejected.
- `read_lines(path)`: (line number, text) | Rejected, streamed; `.gz` read transparently.
- `read_json_lines(path)`: (line number, object) | Rejected.
- `read_text(path)`: the whole text of a small file, or a Rejected.
Memory is constant in the size of the input: nothing here holds more than one line.
It does not parse any format beyond JSON Lines; that is each source's job.
"""

from __future__ import annotations

import glob
import gzip
import json
import os
import zlib
from pathlib import Path
from typing import IO, Iterable, Iterator

from factory.record import Rejected

MAX_FILE_BYTES = 256 * 1024 * 1024  # a single file over this is skipped (source_too_large)
MAX_LINE_BYTES = 4 * 1024 * 1024  # a JSON line over this is skipped (source_line_too_large)
_SNIFF = 8192  # bytes looked at to tell binary from text


def expand(
    patterns: Iterable[str | os.PathLike] | str | os.PathLike, *, suffixes: tuple[str, ...] = ()
) -> Iterator[Path | Rejected]:
    """Every file named by `patterns` (files, folders walked in sorted order, globs), once each.
    `suffixes` (e.g. (".jsonl", ".json", ".gz")) filters files found inside folders and globs;
    a file named directly is always read."""
    if isinstance(patterns, (str, os.PathLike)):
        patterns = [patterns]
    seen: set[Path] = set()
    for pattern in patterns:
        text = os.fspath(pattern)
        if glob.has_magic(text):
            matches = sorted(glob.glob(text, recursive=True))
            if not matches:
                yield Rejected.at(text, "source_missing", "the pattern matches no file")
            candidates: Iterable[Path] = (Path(m) for m in matches)
            direct = False
        else:
            candidates, direct = [Path(text)], True
        for path in candidates:
            for item in _walk(path, suffixes, direct):
                if isinstance(item, Path):
                    key = item.resolve()
                    if key in seen:
                        continue
                    seen.add(key)
                yield item


def _walk(path: Path, suffixes: tuple[str, ...], direct: bool) -> Iterator[Path | Rejected]:
    if path.is_symlink() and not path.exists():
        yield Rejected.at(str(path), "source_broken_link", f"points to {os.readlink(path)}")
    elif not path.exists():
        yield Rejected.at(str(path), "source_missing", "no such file or folder")
    elif path.is_dir():
        for root, dirs, files in os.walk(path, followlinks=False):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for name in sorted(files):
                child = Path(root) / name
                if child.is_symlink() and not child.exists():
                    yield Rejected.at(
                        str(child), "source_broken_link", f"points to {os.readlink(child)}"
                    )
                elif not suffixes or name.endswith(suffixes):
                    yield child
    elif direct or not suffixes or path.name.endswith(suffixes):
        yield path


def _open_binary(path: Path) -> IO[bytes]:
    if path.name.endswith(".gz"):
        return gzip.open(path, "rb")
    return open(path, "rb")


def check_file(path: Path, max_bytes: int = MAX_FILE_BYTES) -> Rejected | None:
    """None if the file can be read as text; else why not. Looks at its size and first bytes."""
    try:
        size = path.stat().st_size
        if size > max_bytes:
            return Rejected.at(
                str(path), "source_too_large", f"{size:,} bytes > cap of {max_bytes:,}"
            )
        with _open_binary(path) as handle:
            head = handle.read(_SNIFF)
    except (OSError, EOFError, zlib.error) as exc:  # permissions, a truncated or corrupt .gz
        return Rejected.at(
            str(path), "source_unreadable", getattr(exc, "strerror", None) or str(exc)
        )
    if b"\x00" in head:
        return Rejected.at(str(path), "source_binary_file", "NUL bytes in the first 8 KiB")
    return None


def read_lines(
    path: Path, *, max_line_bytes: int = MAX_LINE_BYTES, max_bytes: int = MAX_FILE_BYTES
) -> Iterator[tuple[int, str] | Rejected]:
    """(line number from 1, text without the newline) for each line; one Rejected per bad line
    (too long, not UTF-8), or one for the whole file (unreadable, binary, too large)."""
    problem = check_file(path, max_bytes)
    if problem:
        yield problem
        return
    try:
        with _open_binary(path) as handle:
            lineno, seen = 0, 0
            while True:
                raw = handle.readline(max_line_bytes + 1)
                if not raw:
                    return
                lineno += 1
                seen += len(raw)
                if seen > max_bytes:  # a .gz that unpacks past the cap (a compression bomb)
                    yield Rejected.at(
                        str(path),
                        "source_too_large",
                        f"over the cap of {max_bytes:,} bytes unpacked, at line {lineno}",
                    )
                    return
                if len(raw) > max_line_bytes and not raw.endswith(b"\n"):
                    while raw and not raw.endswith(
                        b"\n"
                    ):  # drop the rest of the line, in bounded reads
                        raw = handle.readline(max_line_bytes)
                    yield Rejected.at(
                        f"{path}:{lineno}",
                        "source_line_too_large",
                        f"over {max_line_bytes:,} bytes",
                    )
                    continue
                try:
                    yield lineno, raw.decode("utf-8").rstrip("\r\n")
                except UnicodeDecodeError as exc:
                    yield Rejected.at(
                        f"{path}:{lineno}", "source_not_utf8", f"byte {exc.start}: {exc.reason}"
                    )
    except (OSError, EOFError, zlib.error) as exc:
        yield Rejected.at(
            str(path), "source_unreadable", getattr(exc, "strerror", None) or str(exc)
        )


def read_json_lines(path: Path, **caps) -> Iterator[tuple[int, object] | Rejected]:
    """(line number, parsed object) per non-blank line; malformed lines are rejected with file:line."""
    for item in read_lines(path, **caps):
        if isinstance(item, Rejected):
            yield item
            continue
        lineno, text = item
        if not text.strip():
            continue
        try:
            yield lineno, json.loads(text)
        except json.JSONDecodeError as exc:
            yield Rejected.at(
                f"{path}:{lineno}", "source_bad_json", f"column {exc.colno}: {exc.msg}"
            )
        except RecursionError:
            yield Rejected.at(f"{path}:{lineno}", "source_bad_json", "nested too deeply")


def read_text(path: Path, max_bytes: int = 4 * 1024 * 1024) -> str | Rejected:
    """The whole file as text (for source code and similar small files)."""
    problem = check_file(path, max_bytes)
    if problem:
        return problem
    try:
        with _open_binary(path) as handle:
            data = handle.read(max_bytes + 1)
        if len(data) > max_bytes:
            return Rejected.at(
                str(path), "source_too_large", f"over the cap of {max_bytes:,} bytes unpacked"
            )
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return Rejected.at(str(path), "source_not_utf8", f"byte {exc.start}: {exc.reason}")
    except (OSError, EOFError, zlib.error) as exc:
        return Rejected.at(
            str(path), "source_unreadable", getattr(exc, "strerror", None) or str(exc)
        )
