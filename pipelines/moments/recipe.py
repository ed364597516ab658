"""moments: what the core needs from this recipe — seeds, the teacher's answers as records, the validator.

A record's input is a timestamped transcript (transcript.py); its output is the moment
collection {"moments": [...]} of seed 002 task 3 (schemas/moments.schema.json).
- `source_seeds(config, count, random_seed)`: your transcripts first (`config["paths"]`, from
  `--source PATH`; unlabeled seeds, see user_files.py), then generated transcripts with known
  moments (generator.py; origin `grammar`) up to `count`, unless `config["generated"]` is false.
  A generated seed's context holds its known plan: {"moments": [{"start", "end", "type",
  "persons"}]} (times, types and head counts only: no names, so redaction cannot break it).
- `user_seed(obj)`: one line of `--seeds FILE`: {"input": "<transcript>", "output": {"moments": [...]}}.
- `make_answer(reply, seed)` (teacher.mode answer): the teacher's JSON -> a record, tidied (times
  to `...T09:00:00Z`, tags to lowercase-with-hyphens, types to snake_case, keys in MOMENT_KEYS order).
- `student_answer(record)`: the moments as the student writes them (keys in MOMENT_KEYS order).
- `validate(record)`: None or (reason, detail), checked in this order:
  moments_bad_transcript (the input is not transcript.py's format), moments_unknown_type,
  moments_bad_timestamps (not a real time; an end not after its start; outside the transcript's
  first..last time; starting before the previous moment ends, i.e. out of order or overlapping),
  moments_disagree_with_labels (a record made from a generated seed whose moments differ from the
  plan in count, start, end, type or number of people), moments_unknown_person (a present person
  not named in the transcript's lines between the moment's start and end; after PII redaction the
  name and the transcript must hold the same placeholder), moments_person_not_redacted (a record
  from a generated seed that went through PII redaction still holds one of generator.NAMES).
Schema validation of the output is done by the core first.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from typing import Any, Iterator

from factory.record import Rejected, SeedError
from factory.teacher.extract import extract_json
from pipelines.moments import generator
from pipelines.moments.generator import MOMENT_TYPES, NAMES
from pipelines.moments.transcript import (
    TranscriptError,
    iso,
    mentions,
    normalise,
    parse,
    parse_iso,
    render,
)
from pipelines.moments.user_files import read_transcripts

LABELS = ("main_type", "moment_count")
# Times and type first: the student fixes a moment's boundaries and kind before it writes about it.
MOMENT_KEYS = (
    "resource_timestamp",
    "resource_ends_timestamp",
    "moment_type",
    "name",
    "summary",
    "content",
    "emotion_tags",
    "topic_tags",
    "present_persons",
)
_LOOSE_TIME = re.compile(
    r"^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2})(?::\d{2}(?:\.\d+)?)?\s*(Z|[+-]\d{2}:?\d{2})?$"
)


def labels(output: Any) -> dict:
    """main_type: the type of the longest moment (the first on ties); moment_count."""
    moments = output.get("moments") if isinstance(output, dict) else None
    moments = [m for m in moments if isinstance(m, dict)] if isinstance(moments, list) else []
    if not moments:
        return {"main_type": "none", "moment_count": 0}

    def minutes(moment: dict) -> float:
        start, end = (
            parse_iso(moment.get("resource_timestamp")),
            parse_iso(moment.get("resource_ends_timestamp")),
        )
        return (end - start).total_seconds() / 60 if start and end else 0.0

    return {
        "main_type": str(max(moments, key=minutes).get("moment_type")),
        "moment_count": len(moments),
    }


def generated_seeds(count: int, random_seed: int) -> Iterator[dict]:
    for item in generator.generate(count, random_seed):
        output = {"moments": item["moments"]}
        plan = [
            {
                "start": m["resource_timestamp"],
                "end": m["resource_ends_timestamp"],
                "type": m["moment_type"],
                "persons": len(m["present_persons"]),
            }
            for m in item["moments"]
        ]
        yield {
            "input": item["transcript"],
            "output": output,
            "labels": labels(output),
            "provenance": {
                "origin": "grammar",
                "source": "templates:" + "+".join(item["templates"]),
            },
            "context": {"moments": plan},
        }


def source_seeds(config: dict, count: int, random_seed: int) -> Iterator[dict | Rejected]:
    """Your transcripts (config["paths"]), then generated ones, `count` seeds in all (Rejected do not count)."""
    made = 0
    for item in read_transcripts(config.get("paths") or []):
        if not isinstance(item, Rejected):
            if made == count:
                return
            made += 1
        yield item
    if config.get("generated", True) and made < count:
        yield from generated_seeds(count - made, random_seed)


def _time(value: Any) -> Any:
    """A moment time in the canonical `2024-11-17T09:00:00Z` if it is any ISO spelling of one; else as given."""
    match = _LOOSE_TIME.match(value.strip()) if isinstance(value, str) else None
    if not match:
        return value
    date, clock, zone = match.groups()
    zone = "+00:00" if zone in (None, "Z") else zone if ":" in zone else f"{zone[:3]}:{zone[3:]}"
    try:
        moment = datetime.fromisoformat(f"{date}T{clock}:00{zone}")
    except ValueError:
        return value
    return iso(moment.astimezone(timezone.utc).replace(tzinfo=None))


def _tag(value: Any) -> Any:
    return re.sub(r"[^a-z0-9]+", "-", value.lower()).strip("-") if isinstance(value, str) else value


def tidy(moment: dict) -> dict:
    """A moment in canonical form: times, tags and type spelled the schema's way, keys in MOMENT_KEYS order."""
    moment = {
        key: value.strip() if isinstance(value, str) else value for key, value in moment.items()
    }
    for key in ("resource_timestamp", "resource_ends_timestamp"):
        if key in moment:
            moment[key] = _time(moment[key])
    if isinstance(moment.get("moment_type"), str):
        moment["moment_type"] = re.sub(r"[\s-]+", "_", moment["moment_type"].lower())
    for key in ("emotion_tags", "topic_tags"):
        if isinstance(moment.get(key), list):
            moment[key] = list(dict.fromkeys(t for t in map(_tag, moment[key]) if t))
    ordered = {key: moment[key] for key in MOMENT_KEYS if key in moment}
    return {**ordered, **{key: value for key, value in moment.items() if key not in ordered}}


def _moments(data: Any) -> dict:
    moments = data.get("moments") if isinstance(data, dict) else data
    if (
        not isinstance(moments, list)
        or not moments
        or not all(isinstance(m, dict) for m in moments)
    ):
        raise ValueError('expected {"moments": [{...}, ...]} with one object per moment')
    return {"moments": [tidy(m) for m in moments]}


def make_answer(reply: str, seed: dict) -> dict:
    """The teacher's moments for the seed's transcript; ValueError if the reply holds none."""
    output = _moments(extract_json(reply))
    return {"input": seed["input"], "output": output, "labels": labels(output)}


def student_answer(record: dict) -> str:
    """What the student must write: the moments as JSON, each one's keys in MOMENT_KEYS order and each
    person's as id, name, comment (records on disk have sorted keys: content first, the end before the start)."""
    moments = []
    for moment in record["output"]["moments"]:
        ordered = {key: moment[key] for key in MOMENT_KEYS if key in moment}
        ordered["present_persons"] = [
            {key: person[key] for key in ("id", "name", "comment") if key in person}
            for person in moment.get("present_persons", [])
        ]
        moments.append(
            {**ordered, **{key: value for key, value in moment.items() if key not in ordered}}
        )
    return json.dumps({"moments": moments}, ensure_ascii=False)


def user_seed(obj: Any) -> dict:
    """A labeled seed from a --seeds line; ValueError names what is wrong (a SeedError with the
    transcript's reason when a line of it cannot be read)."""
    if (
        not isinstance(obj, dict)
        or not isinstance(obj.get("input"), str)
        or not isinstance(obj.get("output"), dict)
    ):
        raise ValueError('each line needs {"input": "<transcript>", "output": {"moments": [...]}}')
    entries, problems = normalise(enumerate(obj["input"].splitlines(), 1))
    if problems:
        line, reason, detail = problems[0]
        raise SeedError(reason, f"transcript line {line}: {detail}")
    if not entries:
        raise SeedError("moments_no_timestamps", "the transcript has no [YYYY-MM-DD HH:MM] line")
    output = _moments(obj["output"])
    return {"input": render(entries), "output": output, "labels": labels(output)}


def _times(moments: list[dict], first: datetime, last: datetime) -> tuple[str, str] | None:
    previous_end = None
    for number, moment in enumerate(moments, 1):
        if moment["moment_type"] not in MOMENT_TYPES:
            return "moments_unknown_type", (
                f"moment {number}: {moment['moment_type']!r} is not one of "
                f"{', '.join(MOMENT_TYPES)}"
            )
        start, end = (
            parse_iso(moment["resource_timestamp"]),
            parse_iso(moment["resource_ends_timestamp"]),
        )
        if start is None or end is None:
            return (
                "moments_bad_timestamps",
                f"moment {number}: not a real time in YYYY-MM-DDTHH:MM:SSZ",
            )
        if end <= start:
            return (
                "moments_bad_timestamps",
                f"moment {number}: ends at {iso(end)}, not after its start {iso(start)}",
            )
        if start < first or end > last:
            return "moments_bad_timestamps", (
                f"moment {number}: {iso(start)}..{iso(end)} is outside the transcript's "
                f"span {iso(first)}..{iso(last)}"
            )
        if previous_end is not None and start < previous_end:
            return "moments_bad_timestamps", (
                f"moment {number}: starts at {iso(start)}, before moment {number - 1} "
                f"ends ({iso(previous_end)}): out of order or overlapping"
            )
        previous_end = end
    return None


def _disagreement(moments: list[dict], plan: list[dict]) -> tuple[str, str] | None:
    if len(moments) != len(plan):
        return (
            "moments_disagree_with_labels",
            f"{len(moments)} moments, the transcript's known plan has {len(plan)}",
        )
    for number, (moment, known) in enumerate(zip(moments, plan), 1):
        said = (
            moment["resource_timestamp"],
            moment["resource_ends_timestamp"],
            moment["moment_type"],
            len(moment.get("present_persons", [])),
        )
        if said != (known["start"], known["end"], known["type"], known["persons"]):
            return "moments_disagree_with_labels", (
                f"moment {number}: {said[0]}..{said[1]} {said[2]} with {said[3]} "
                f"people; known: {known['start']}..{known['end']} {known['type']} "
                f"with {known['persons']}"
            )
    return None


def validate(record: dict) -> tuple[str, str] | None:
    try:
        entries = parse(record["input"]) if isinstance(record["input"], str) else parse("")
    except TranscriptError as exc:
        return exc.reason, f"input {exc}"
    moments = record["output"]["moments"]
    provenance = record.get("provenance") or {}
    plan = (provenance.get("context") or {}).get("moments")
    problem = _times(moments, entries[0].time, entries[-1].time)
    if problem is None and plan:
        problem = _disagreement(moments, plan)
    if problem is not None:
        return problem
    for number, moment in enumerate(moments, 1):
        start, end = (
            parse_iso(moment["resource_timestamp"]),
            parse_iso(moment["resource_ends_timestamp"]),
        )
        lines = "\n".join(entry.text for entry in entries if start <= entry.time <= end)
        for person in moment.get("present_persons", []):
            if not mentions(lines, person["name"]):
                return "moments_unknown_person", (
                    f"moment {number}: {person['name']!r} is not named in the transcript "
                    f"between {iso(start)} and {iso(end)}"
                )
    if plan and isinstance((record.get("checks") or {}).get("pii"), dict):
        text = record["input"] + "\n" + json.dumps(record["output"], ensure_ascii=False)
        if any(mentions(text, name) for name in NAMES):
            return "moments_person_not_redacted", (
                "a generated person's name survived PII redaction somewhere "
                "in the record (the scrubber missed one of its mentions)"
            )
    return None
