"""What every source shares: finding files, reading them safely, and saying what was skipped.

A source is a generator that yields what it read (a dict) or a `Skipped` (where, why), and
never raises for one bad input: an unreadable file, a binary file, text that is not UTF-8,
a malformed JSON line, a file or line over the size cap, a broken link. The seeds stage
turns each `Skipped` into a rejected record with its reason, so the build report counts them.

- `expand(patterns)`: files, folders (walked, sorted) and globs -> paths | Skipped.
- `read_lines(path)`: (line number, text) | Skipped, streamed; `.gz` read transparently.
- `read_json_lines(path)`: (line number, object) | Skipped.
- `read_text(path)`: the whole text of a small file, or a Skipped.
Memory is constant in the size of the input: nothing here holds more than one line.
It does not parse any format beyond JSON Lines; that is each source's job.
"""

from __future__ import annotations

import glob
import gzip
import json
import os
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Iterable, Iterator

MAX_FILE_BYTES = 256 * 1024 * 1024  # a single file over this is skipped (source_too_large)
MAX_LINE_BYTES = 4 * 1024 * 1024  # a JSON line over this is skipped (source_line_too_large)
_SNIFF = 8192  # bytes looked at to tell binary from text


@dataclass(frozen=True)
class Skipped:
    """An input a source could not use: `where` (path or path:line), a machine-readable `reason`
    (source_missing, source_broken_link, source_unreadable, source_binary_file, source_not_utf8,
    source_too_large, source_line_too_large, source_bad_json, source_bad_shape), and a detail."""

    where: str
    reason: str
    detail: str = ""

    def line(self) -> str:
        return f"{self.where}: {self.reason}" + (f" ({self.detail})" if self.detail else "")


def expand(
    patterns: Iterable[str | os.PathLike] | str | os.PathLike, *, suffixes: tuple[str, ...] = ()
) -> Iterator[Path | Skipped]:
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
                yield Skipped(text, "source_missing", "the pattern matches no file")
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


def _walk(path: Path, suffixes: tuple[str, ...], direct: bool) -> Iterator[Path | Skipped]:
    if path.is_symlink() and not path.exists():
        yield Skipped(str(path), "source_broken_link", f"points to {os.readlink(path)}")
    elif not path.exists():
        yield Skipped(str(path), "source_missing", "no such file or folder")
    elif path.is_dir():
        for root, dirs, files in os.walk(path, followlinks=False):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for name in sorted(files):
                child = Path(root) / name
                if child.is_symlink() and not child.exists():
                    yield Skipped(
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


def check_file(path: Path, max_bytes: int = MAX_FILE_BYTES) -> Skipped | None:
    """None if the file can be read as text; else why not. Looks at its size and first bytes."""
    try:
        size = path.stat().st_size
        if size > max_bytes:
            return Skipped(str(path), "source_too_large", f"{size:,} bytes > cap of {max_bytes:,}")
        with _open_binary(path) as handle:
            head = handle.read(_SNIFF)
    except (OSError, EOFError, zlib.error) as exc:  # permissions, a truncated or corrupt .gz
        return Skipped(str(path), "source_unreadable", getattr(exc, "strerror", None) or str(exc))
    if b"\x00" in head:
        return Skipped(str(path), "source_binary_file", "NUL bytes in the first 8 KiB")
    return None


def read_lines(
    path: Path, *, max_line_bytes: int = MAX_LINE_BYTES, max_bytes: int = MAX_FILE_BYTES
) -> Iterator[tuple[int, str] | Skipped]:
    """(line number from 1, text without the newline) for each line; one Skipped per bad line
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
                    yield Skipped(
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
                    yield Skipped(
                        f"{path}:{lineno}",
                        "source_line_too_large",
                        f"over {max_line_bytes:,} bytes",
                    )
                    continue
                try:
                    yield lineno, raw.decode("utf-8").rstrip("\r\n")
                except UnicodeDecodeError as exc:
                    yield Skipped(
                        f"{path}:{lineno}", "source_not_utf8", f"byte {exc.start}: {exc.reason}"
                    )
    except (OSError, EOFError, zlib.error) as exc:
        yield Skipped(str(path), "source_unreadable", getattr(exc, "strerror", None) or str(exc))


def read_json_lines(path: Path, **caps) -> Iterator[tuple[int, object] | Skipped]:
    """(line number, parsed object) per non-blank line; malformed lines are Skipped with file:line."""
    for item in read_lines(path, **caps):
        if isinstance(item, Skipped):
            yield item
            continue
        lineno, text = item
        if not text.strip():
            continue
        try:
            yield lineno, json.loads(text)
        except json.JSONDecodeError as exc:
            yield Skipped(f"{path}:{lineno}", "source_bad_json", f"column {exc.colno}: {exc.msg}")
        except RecursionError:
            yield Skipped(f"{path}:{lineno}", "source_bad_json", "nested too deeply")


def read_text(path: Path, max_bytes: int = 4 * 1024 * 1024) -> str | Skipped:
    """The whole file as text (for source code and similar small files)."""
    problem = check_file(path, max_bytes)
    if problem:
        return problem
    try:
        with _open_binary(path) as handle:
            data = handle.read(max_bytes + 1)
        if len(data) > max_bytes:
            return Skipped(
                str(path), "source_too_large", f"over the cap of {max_bytes:,} bytes unpacked"
            )
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return Skipped(str(path), "source_not_utf8", f"byte {exc.start}: {exc.reason}")
    except (OSError, EOFError, zlib.error) as exc:
        return Skipped(str(path), "source_unreadable", getattr(exc, "strerror", None) or str(exc))
