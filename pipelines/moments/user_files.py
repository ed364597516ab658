"""Your own transcripts for the moments recipe (`factory build moments --source PATH`), as unlabeled seeds.

What it reads (files, folders, globs; `.gz` too):
- a text file (any name but `.jsonl`/`.ndjson`): one transcript, lines `[2024-11-17 09:00] text`
  (other ISO spellings of the stamp are accepted and rewritten, see transcript.normalise; a
  line without a stamp continues the one above);
- JSON Lines (`.jsonl`, `.ndjson`): a line {"transcript": "<text as above>"} is one transcript
  (source `file:line`); lines {"time": "2024-11-17T09:00:00Z", "speaker": "Sarah", "text": "..."}
  (`timestamp` for `time`; `speaker` optional) are the turns of one transcript per file.
Each transcript becomes a seed {"input": canonical text, "output": None, "unlabeled": True,
"labels": {}, "provenance": {"origin": "user", "source": where}}: it has no answer yet, so the
teacher (teacher.mode answer) writes its moments and only that answer becomes a record.
What it cannot use is a `Rejected` naming file:line and why: the base reasons (missing, binary,
not UTF-8, bad JSON...), `source_bad_shape`, and moments_untimed_text, moments_bad_time,
moments_empty_entry, moments_unordered_times (the transcript is dropped), moments_no_timestamps,
moments_too_short (fewer than two distinct times), moments_too_long (over transcript.MAX_CHARS).
It does not scrub personal data: the build's scrub stage does, before the teacher sees it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable, Iterator

from factory.record import Rejected
from factory.sources.base import expand, read_json_lines, read_lines
from pipelines.moments.transcript import MAX_CHARS, normalise, render

JSON_SUFFIXES = (".jsonl", ".ndjson", ".jsonl.gz", ".ndjson.gz")
SUFFIXES = (".txt", ".md", ".log", ".txt.gz", *JSON_SUFFIXES)  # what a folder or glob contributes


def _seed(
    where: str, numbered_lines: Iterable[tuple[int, str]], line_where
) -> Iterator[dict | Rejected]:
    """One transcript's seed (or why not), after the problems of its lines."""
    entries, problems = normalise(numbered_lines)
    for line, reason, detail in problems:
        yield Rejected.at(line_where(line), reason, detail)
    if any(reason == "moments_unordered_times" for _, reason, _ in problems):
        return
    if not entries:
        yield Rejected.at(
            where, "moments_no_timestamps", "no line starts with a [YYYY-MM-DD HH:MM] stamp"
        )
        return
    if len({entry.time for entry in entries}) < 2:
        yield Rejected.at(
            where, "moments_too_short", "a transcript needs lines at two different times at least"
        )
        return
    text = render(entries)
    if len(text) > MAX_CHARS:
        yield Rejected.at(
            where,
            "moments_too_long",
            f"{len(text):,} characters > {MAX_CHARS:,}; split the transcript",
        )
        return
    yield {
        "input": text,
        "output": None,
        "unlabeled": True,
        "labels": {},
        "provenance": {"origin": "user", "source": where},
    }


def _text_file(path: Path) -> Iterator[dict | Rejected]:
    lines: list[tuple[int, str]] = []
    for item in read_lines(path):
        if isinstance(item, Rejected):
            yield item
        else:
            lines.append(item)
    if lines:
        yield from _seed(str(path), lines, lambda line: f"{path}:{line}")


def _turn(obj: dict) -> str | None:
    """'[time] speaker: text' of a JSON turn, or None if it is not one."""
    time = obj.get("time", obj.get("timestamp"))
    text, speaker = obj.get("text"), obj.get("speaker")
    if (
        not isinstance(time, str)
        or not isinstance(text, str)
        or not (speaker is None or isinstance(speaker, str))
    ):
        return None
    return (
        f"[{time}] {speaker.strip()}: {text}" if speaker and speaker.strip() else f"[{time}] {text}"
    )


def _json_file(path: Path) -> Iterator[dict | Rejected]:
    turns: list[tuple[int, str]] = []
    for item in read_json_lines(path):
        if isinstance(item, Rejected):
            yield item
            continue
        number, obj = item
        where = f"{path}:{number}"
        if isinstance(obj, dict) and isinstance(obj.get("transcript"), str):
            numbered = list(enumerate(obj["transcript"].splitlines(), 1))
            yield from _seed(
                where, numbered, lambda line, where=where: f"{where} (transcript line {line})"
            )
        elif isinstance(obj, dict) and (turn := _turn(obj)) is not None:
            turns.append((number, turn))
        else:
            yield Rejected.at(
                where,
                "source_bad_shape",
                'expected {"transcript": "..."} or {"time": "...", "speaker": "...", "text": "..."}',
            )
    if turns:
        yield from _seed(str(path), turns, lambda line: f"{path}:{line}")


def read_transcripts(paths: Iterable[str | Path]) -> Iterator[dict | Rejected]:
    """Unlabeled seeds from every transcript at `paths`, in file order; Rejected for what was not usable."""
    for path in expand(list(paths), suffixes=SUFFIXES):
        if isinstance(path, Rejected):
            yield path
        elif path.name.endswith(JSON_SUFFIXES):
            yield from _json_file(path)
        else:
            yield from _text_file(path)
