"""JSON Lines in and out: streamed reads with file:line errors, atomic writes (temp + rename).

Does not know about records; `factory.record` builds on it.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any, Iterator

from factory.errors import InputError

MAX_LINE_BYTES = (
    4 * 1024 * 1024
)  # a line over this is refused (a JSON Lines file of seeds, labels, records)


def read_jsonl(path: Path, max_line_bytes: int = MAX_LINE_BYTES) -> Iterator[tuple[int, Any]]:
    """Yield (line number, object) for each non-blank line; a bad line raises InputError naming it.
    Lines are read and decoded one at a time, never more than `max_line_bytes` of one."""
    try:
        handle = open(path, "rb")
    except OSError as exc:
        raise InputError(
            f"{path}: cannot read ({exc.strerror}); check the path and permissions"
        ) from exc
    with handle:
        lineno = 0
        while True:
            try:
                raw = handle.readline(max_line_bytes + 1)
            except OSError as exc:  # e.g. a folder
                raise InputError(
                    f"{path}: cannot read ({exc.strerror}); check the path and permissions"
                ) from exc
            if not raw:
                return
            lineno += 1
            if len(raw) > max_line_bytes:
                raise InputError(
                    f"{path}:{lineno}: line longer than {max_line_bytes:,} bytes; split or shorten it"
                )
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise InputError(
                    f"{path}:{lineno}: not UTF-8 text; convert the file to UTF-8"
                ) from exc
            if not line.strip():
                continue
            try:
                yield lineno, json.loads(line)
            except (json.JSONDecodeError, RecursionError) as exc:
                why = exc.msg if isinstance(exc, json.JSONDecodeError) else "nested too deeply"
                raise InputError(
                    f"{path}:{lineno}: not valid JSON ({why}); fix or remove that line"
                ) from exc


def dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, sort_keys=True)


PARTIAL = ".partial"  # the temporary names end so: what a killed process left is recognisable


class AtomicWriter:
    """Write a file under a temporary name (`.NAME.XXXXXXXX.partial`) and rename it into place on
    success only. A process killed mid-write leaves the temporary file; `remove_partials` clears them."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.count = 0

    def __enter__(self) -> "AtomicWriter":
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, self._tmp = tempfile.mkstemp(
            prefix=f".{self.path.name}.", suffix=PARTIAL, dir=self.path.parent
        )
        self._handle = os.fdopen(fd, "w", encoding="utf-8")
        return self

    def write_json(self, obj: Any) -> None:
        self._handle.write(dumps(obj) + "\n")
        self.count += 1

    def write_text(self, text: str) -> None:
        self._handle.write(text)

    def __exit__(self, exc_type, exc, tb) -> None:
        self._handle.flush()
        os.fsync(self._handle.fileno())
        self._handle.close()
        if exc_type is None:
            os.replace(self._tmp, self.path)
        else:
            os.unlink(self._tmp)


def write_json_file(path: Path, obj: Any) -> None:
    with AtomicWriter(path) as out:
        out.write_text(json.dumps(obj, ensure_ascii=False, indent=2) + "\n")


def copy_atomically(source: Path, target: Path) -> None:
    """Copy to a temporary name beside the target, then rename: readers see the old file or the new one."""
    tmp = target.with_name(f".{target.name}.tmp")
    shutil.copyfile(source, tmp)
    os.replace(tmp, target)


def remove_partials(folder: Path) -> int:
    """Delete the temporary files of AtomicWriters killed mid-write under `folder`; returns how many.
    Only call it while holding the folder's lock (nobody else is writing there)."""
    removed = 0
    for path in Path(folder).rglob(f".*{PARTIAL}"):
        if path.is_file():
            path.unlink()
            removed += 1
    return removed
