"""Generated transcripts with known moments: the templates of templates.yaml strung together on one day.

`generate(count, random_seed)` -> up to `count` dicts {"transcript", "moments", "templates"}:
the transcript text (transcript.py's format), its moments exactly as the record's output
wants them, and the template keys in order. Deterministic for a `random_seed`. Transcript i
opens with template i mod T, so any T consecutive transcripts cover every template (and so
every moment type); then 1-3 other templates in random order. Each gets a random day of
2024-2025, a first start between 07:00 and 10:59, gaps of 5-60 minutes between moments, one
subject per moment, one alternative per line and distinct names from NAMES. A moment starts
at its first line and ends at its last. A transcript made twice is skipped: inputs are distinct.
Persons' ids are `person-1`, `person-2`... in order of first mention in the transcript (the
order in which PII redaction numbers <PERSON_1>, <PERSON_2>).
It does not make records (recipe.py does) and knows nothing of the teacher.
"""

from __future__ import annotations

import random
import re
import string
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path

import yaml

from pipelines.moments.transcript import Entry, iso, render

TEMPLATES_PATH = Path(__file__).with_name("templates.yaml")
# The allowed moment types (schemas/moments.schema.json's enum holds the same list; a test checks).
MOMENT_TYPES = (
    "meeting",
    "problem_solving",
    "coding",
    "planning",
    "learning",
    "reflection",
    "conversation",
    "exercise",
    "break",
)
# First names that the PII scrubber (presidio on spaCy's small English model) finds wherever the templates
# put them, so that the transcript and present_persons get the same placeholder. Chosen by running 400
# transcripts with 40 common names through factory.pii.Scrubber: the first four were redacted everywhere
# every time, the last four missed once in 6-13 records (such a record is rejected by recipe.validate,
# moments_person_not_redacted); most others were missed in most records (e.g. Priya, Sofia, Nina always).
NAMES = ("Sarah", "Fatima", "Paul", "Linda", "Hannah", "Chen", "Laura", "Kevin")
TAG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
GAPS = (5, 10, 15, 20, 30, 45, 60)
MOMENTS_PER_TRANSCRIPT = (2, 3, 3, 4)


@dataclass(frozen=True)
class Template:
    key: str
    type: str
    roles: tuple[str, ...]
    subjects: tuple[tuple[str, str], ...]
    topics: tuple[str, ...]
    emotions: tuple[str, ...]
    name: str
    summary: str
    content: str
    lines: tuple[tuple[int, int | None, tuple[str, ...]], ...]


def _problems(item: dict) -> list[str]:
    roles, lines = item.get("roles", []), item.get("lines", [])
    slots = {"subject", "Subject", *(f"p{k}" for k in range(1, len(roles) + 1))}
    problems = (
        []
        if item.get("type") in MOMENT_TYPES
        else [f"type {item.get('type')!r} not in {MOMENT_TYPES}"]
    )
    tags = [
        *item.get("topics", []),
        *item.get("emotions", []),
        *(tag for _, tag in item.get("subjects", [])),
    ]
    problems += [
        f"tag {tag!r} is not lowercase-with-hyphens" for tag in tags if not TAG.match(str(tag))
    ]
    topics = item.get("topics", [])
    problems += [
        f"subject tag {tag!r} repeats a topic"
        for _, tag in item.get("subjects", [])
        if tag in topics
    ]
    offsets = [line[0] for line in lines]
    if len(lines) < 2 or offsets[0] != 0 or offsets != sorted(set(offsets)):
        problems.append("needs 2+ lines with increasing minute offsets from 0")
    speakers = {line[1] for line in lines}
    problems += [f"role {k} never speaks" for k in range(1, len(roles) + 1) if k not in speakers]
    problems += [
        f"speaker {s} has no role"
        for s in speakers
        if s not in (None, 0, *range(1, len(roles) + 1))
    ]
    texts = [item.get("name", ""), item.get("summary", ""), item.get("content", "")]
    texts += [text for line in lines for text in line[2]]
    for text in texts:
        used = {field for _, field, _, _ in string.Formatter().parse(text) if field}
        problems += [f"unknown slot {{{field}}} in {text!r}" for field in used - slots]
    return problems


@lru_cache(maxsize=1)
def templates() -> tuple[Template, ...]:
    """The templates, checked; raises ValueError naming every bad template and why."""
    raw = yaml.safe_load(TEMPLATES_PATH.read_text(encoding="utf-8"))
    errors = [
        f"{item.get('key', f'#{i}')}: {p}" for i, item in enumerate(raw) for p in _problems(item)
    ]
    if len({item["key"] for item in raw}) != len(raw):
        errors.append("template keys are not unique")
    if errors:
        raise ValueError(f"{TEMPLATES_PATH}: " + "; ".join(errors))
    return tuple(
        Template(
            key=item["key"],
            type=item["type"],
            roles=tuple(item["roles"]),
            subjects=tuple(tuple(s) for s in item["subjects"]),
            topics=tuple(item["topics"]),
            emotions=tuple(item["emotions"]),
            name=item["name"],
            summary=item["summary"],
            content=item["content"],
            lines=tuple((line[0], line[1], tuple(line[2])) for line in item["lines"]),
        )
        for item in raw
    )


def _moment(
    template: Template, start: datetime, names: list[str], rng: random.Random
) -> tuple[list[Entry], dict]:
    subject, subject_tag = rng.choice(template.subjects)
    slots = {
        "subject": subject,
        "Subject": subject[:1].upper() + subject[1:],
        **{f"p{k}": name for k, name in enumerate(names, 1)},
    }
    entries = []
    for offset, speaker, alternatives in template.lines:
        text = rng.choice(alternatives).format(**slots)
        who = "" if speaker is None else "You: " if speaker == 0 else f"{names[speaker - 1]}: "
        entries.append(Entry(start + timedelta(minutes=offset), who + text))
    moment = {
        "resource_timestamp": iso(entries[0].time),
        "resource_ends_timestamp": iso(entries[-1].time),
        "moment_type": template.type,
        "name": template.name.format(**slots),
        "summary": template.summary.format(**slots),
        "content": template.content.format(**slots),
        "emotion_tags": list(template.emotions),
        "topic_tags": [*template.topics, subject_tag],
        "present_persons": [
            {"id": "", "name": name, "comment": role[:1].upper() + role[1:]}
            for name, role in zip(names, template.roles, strict=True)
        ],
    }
    return entries, moment


def _transcript(index: int, rng: random.Random) -> dict:
    pool = templates()
    first = pool[index % len(pool)]
    chosen = [
        first,
        *rng.sample([t for t in pool if t is not first], rng.choice(MOMENTS_PER_TRANSCRIPT) - 1),
    ]
    names = rng.sample(NAMES, sum(len(t.roles) for t in chosen))
    day = datetime(2024, 1, 1) + timedelta(days=rng.randrange(731))
    start = day.replace(hour=rng.randrange(7, 11), minute=rng.randrange(60))
    entries, moments = [], []
    for template in chosen:
        own, names = names[: len(template.roles)], names[len(template.roles) :]
        lines, moment = _moment(template, start, own, rng)
        entries += lines
        moments.append(moment)
        start = lines[-1].time + timedelta(minutes=rng.choice(GAPS))
    text = render(entries)
    people = sorted(
        {p["name"] for m in moments for p in m["present_persons"]},
        key=lambda name: re.search(rf"\b{re.escape(name)}\b", text).start(),
    )
    for moment in moments:
        for person in moment["present_persons"]:
            person["id"] = f"person-{people.index(person['name']) + 1}"
    return {"transcript": text, "moments": moments, "templates": [t.key for t in chosen]}


def generate(count: int, random_seed: int) -> list[dict]:
    rng = random.Random(random_seed)
    made, seen, index = [], set(), 0
    while len(made) < count and index < 20 * count + 100:
        item = _transcript(index, rng)
        index += 1
        if item["transcript"] not in seen:
            seen.add(item["transcript"])
            made.append(item)
    return made
