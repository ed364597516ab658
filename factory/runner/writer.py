"""The one code path that writes a stage's results, whichever executor ran it.

    stages/<stage>.jsonl    what it kept, in input order
    rejected/<stage>.jsonl  what it rejected, with reason and detail
    stages/<stage>.done     its stats row: in, out, rejected (counts by reason), seconds, extras

Files are written atomically (temp file + rename), and the .done row last: a stage whose .done
exists is finished (resume skips it). The local executor feeds a `StageWriter` the stage's items
as it yields them; the Ray executor feeds it the chunks its workers wrote, in file order.
Not here: running stages, progress, which stages run together.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from factory.jsonl import AtomicWriter, write_json_file
from factory.record import Rejected


def output_path(run_dir: Path, name: str) -> Path:
    return run_dir / "stages" / f"{name}.jsonl"


def is_done(run_dir: Path, name: str) -> bool:
    """Whether the stage `name` finished in this run (its output and its .done row exist)."""
    out = output_path(run_dir, name)
    return out.is_file() and out.with_suffix(".done").is_file()


class StageWriter:
    """`with StageWriter(run_dir, name) as out:` keep / reject each item; after the block (both
    files renamed into place) `out.finish(...)` writes the .done row and returns it. A block left
    by an exception leaves neither file nor row."""

    def __init__(self, run_dir: Path, name: str):
        self.run_dir, self.name = Path(run_dir), name
        self.rejected: Counter = Counter()
        self._kept = AtomicWriter(output_path(self.run_dir, name))
        self._dropped = AtomicWriter(self.run_dir / "rejected" / f"{name}.jsonl")
        self._written = False

    def __enter__(self) -> "StageWriter":
        self._kept.__enter__()
        try:
            self._dropped.__enter__()
        except BaseException as exc:
            self._kept.__exit__(type(exc), exc, exc.__traceback__)
            raise
        return self

    def __exit__(self, *exc) -> None:
        try:
            self._dropped.__exit__(*exc)
        finally:
            self._kept.__exit__(*exc)
        self._written = exc[0] is None

    @property
    def kept(self) -> int:
        return self._kept.count

    def add(self, item: dict | Rejected) -> None:
        """What a stage yielded: a kept record or a Rejected."""
        if isinstance(item, Rejected):
            self.reject(item.to_dict(self.name))
        else:
            self.keep(item)

    def keep(self, record: dict) -> None:
        self._kept.write_json(record)

    def reject(self, rejection: dict) -> None:
        """A rejection as `Rejected.to_dict` wrote it (its `reason` is counted)."""
        self._dropped.write_json(rejection)
        self.rejected[rejection["reason"]] += 1

    def finish(self, records_in: int | None, seconds: float, extras: dict, **more: Any) -> dict:
        """Close both files and write the .done row: `records_in` None counts what came out
        (a stage that produces its own input); `more` (e.g. engine) goes before the extras."""
        if not self._written:
            raise RuntimeError(f"{self.name}: finish() before its files were written")
        row = {
            "name": self.name,
            "in": self.kept + sum(self.rejected.values()) if records_in is None else records_in,
            "out": self.kept,
            "rejected": dict(sorted(self.rejected.items())),
            "seconds": round(seconds, 2),
            **more,
            **extras,
        }
        write_json_file(output_path(self.run_dir, self.name).with_suffix(".done"), row)
        return row
