"""The transcript format of the moments recipe: timestamped lines, read, normalised and written.

A record's input is plain text, one entry per line, in time order:

    [2024-11-17 09:00] Sarah: Morning all. The API deployment is ready on my side.
    [2024-11-17 09:04] You: Good catch. I'll review the migration script today.
    [2024-11-17 10:30] Started digging into the token refresh bug.

`[YYYY-MM-DD HH:MM]` in UTC at minute resolution, a space, then the text: a speaker turn
(`Name: ...`, `You` is the diarist) or narration. Moments carry ISO 8601 UTC timestamps,
`2024-11-17T09:00:00Z`. The transcript's span is its first to its last entry's time.

- `parse(text)`: the entries of a record's input; raises TranscriptError (line, why) unless
  every non-blank line is a canonical entry and the times never go back.
- `normalise(numbered_lines)`: a user's lines -> entries, leniently: other ISO spellings of the
  stamp (`2024-11-17T09:00:00Z`, offsets converted to UTC, seconds dropped) and lines without
  a stamp joined to the entry above; returns the entries and the problems (line, reason, detail).
- `render(entries)`, `iso(time)`, `parse_iso(text)`, `mentions(text, name)`.
It does not decide where moments begin or end (the generator and the teacher do).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Iterable

from factory.record import SeedError

CANONICAL = re.compile(r"^\[(\d{4}-\d{2}-\d{2} \d{2}:\d{2})\] (\S.*)$")
# What user files may write: a date, T or space, HH:MM, optional seconds and fraction, optional zone.
LENIENT = re.compile(
    r"^\[\s*(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2})(?::\d{2}(?:\.\d+)?)?\s*"
    r"(Z|[+-]\d{2}:?\d{2})?\s*\]\s*(.*)$"
)
ISO = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
STAMP_FORMAT = "%Y-%m-%d %H:%M"
MAX_CHARS = 12_000  # a longer transcript does not fit the teacher's or the student's context


class TranscriptError(SeedError):
    """A transcript line that cannot be read; shown as `line N: detail`."""

    def __init__(self, line: int, reason: str, detail: str):
        super().__init__(reason, detail)
        self.line = line

    def __str__(self) -> str:
        return f"line {self.line}: {self.detail}"


@dataclass
class Entry:
    time: datetime  # naive, UTC
    text: str
    line: int = 0

    def render(self) -> str:
        return f"[{self.time.strftime(STAMP_FORMAT)}] {self.text}"


def iso(time: datetime) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(text: object) -> datetime | None:
    """A moment timestamp (`2024-11-17T09:00:00Z`) as a naive UTC datetime, or None."""
    if not isinstance(text, str) or not ISO.match(text):
        return None
    try:
        return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ")
    except ValueError:  # e.g. month 13
        return None


def parse(text: str) -> list[Entry]:
    entries: list[Entry] = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        match = CANONICAL.match(line)
        if not match:
            raise TranscriptError(
                number,
                "moments_bad_transcript",
                f"expected '[YYYY-MM-DD HH:MM] text', got {line[:60]!r}",
            )
        try:
            time = datetime.strptime(match.group(1), STAMP_FORMAT)
        except ValueError:
            raise TranscriptError(
                number, "moments_bad_transcript", f"{match.group(1)!r} is not a real date and time"
            ) from None
        if entries and time < entries[-1].time:
            raise TranscriptError(
                number,
                "moments_bad_transcript",
                f"{match.group(1)} comes after {entries[-1].time.strftime(STAMP_FORMAT)}",
            )
        entries.append(Entry(time, match.group(2), number))
    if not entries:
        raise TranscriptError(1, "moments_bad_transcript", "no timestamped line")
    return entries


def _lenient_time(match: re.Match) -> datetime:
    """The UTC time of a lenient stamp; raises ValueError for impossible dates or zones."""
    date, clock, zone = match.group(1), match.group(2), match.group(3)
    zone = "+00:00" if zone in (None, "Z") else zone if ":" in zone else f"{zone[:3]}:{zone[3:]}"
    moment = datetime.fromisoformat(f"{date}T{clock}:00{zone}")
    return moment.astimezone(timezone.utc).replace(tzinfo=None)


def normalise(lines: Iterable[tuple[int, str]]) -> tuple[list[Entry], list[tuple[int, str, str]]]:
    """Entries from numbered user lines, and the problems (line, reason, detail) of the ones not used.

    A line without a stamp continues the entry above; the lines before the first stamp are
    reported once (moments_untimed_text; not at all when no line has a stamp). A stamp that is
    not a real time (moments_bad_time) or has no text (moments_empty_entry) is reported. A time
    earlier than the line above is reported (moments_unordered_times) and ends the reading: a
    transcript out of order cannot be segmented."""
    entries: list[Entry] = []
    problems: list[tuple[int, str, str]] = []
    untimed: list[int] = []
    for number, raw in lines:
        line = raw.strip()
        if not line:
            continue
        match = LENIENT.match(line)
        if not match:
            if entries:
                entries[-1].text = f"{entries[-1].text} {line}".strip()
            else:
                untimed.append(number)
            continue
        try:
            time = _lenient_time(match)
        except ValueError as exc:
            problems.append((number, "moments_bad_time", str(exc)))
            continue
        if entries and time < entries[-1].time:
            earlier = entries[-1].time.strftime(STAMP_FORMAT)
            problems.append(
                (
                    number,
                    "moments_unordered_times",
                    f"{time.strftime(STAMP_FORMAT)} is earlier than {earlier} above",
                )
            )
            break
        entries.append(Entry(time, " ".join(match.group(4).split()), number))
    if (
        untimed and entries
    ):  # a file with no stamp at all is one problem for the caller, not one per line
        span = f"line {untimed[0]}" if len(untimed) == 1 else f"lines {untimed[0]}-{untimed[-1]}"
        problems.insert(
            0,
            (
                untimed[0],
                "moments_untimed_text",
                f"{span}: text before the first '[YYYY-MM-DD HH:MM]' stamp (a time needs its date)",
            ),
        )
    problems += [
        (e.line, "moments_empty_entry", "a stamp with no text") for e in entries if not e.text
    ]
    return [e for e in entries if e.text], problems


def render(entries: list[Entry]) -> str:
    return "\n".join(entry.render() for entry in entries)


def mentions(text: str, name: str) -> bool:
    """Whether `name` occurs in `text` as a whole word (case aside); placeholders like <PERSON_1> count."""
    name = name.strip()
    return (
        bool(name)
        and re.search(rf"(?<!\w){re.escape(name)}(?!\w)", text, re.IGNORECASE) is not None
    )
