"""Seed generator for rem_edges: small collections of resources whose relations are known by construction.

A collection is built around one topic (topics.py). Its thread is three resources in time order
(engineering: design -> implementation -> retro; planning: kickoff -> draft -> review; personal
areas: plan -> progress diary -> looking-back diary); its side notes (a standup note, a diary
entry, a bookmarked article) are about the topic but no step of the thread. The source is a
thread stage or a side note; the candidates are some other resources of the topic and one to
three of other topics, shuffled. The relation of each candidate to the source, and its affinity:

- same thread, earlier: PREREQUISITE (0.85 the stage just before, 0.75 two before)
- same thread, later: CONTINUATION (0.90 the stage just after, 0.80 two after)
- same topic otherwise: SEE_ALSO, 0.55 + 0.05 per shared keyword (at most 4): 0.55 to 0.75
- another topic of the same area: NONE, 0.15; of another area: NONE, 0.05
`topic_overlap` is the topic's keywords found in both texts (name and text); none across topics.

`generate(count, random_seed)` yields up to `count` distinct collections, deterministic for the
seed: {"source", "candidates", "edges", "template"} (edges: one per candidate, in candidate order).
30 topics x stages x wordings x candidate choices x dates give far more than 10,000 distinct ones.
It does not make records (recipe.py does).
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Iterator

from pipelines.rem_edges.edges import render_input
from pipelines.rem_edges.templates import Stage, sides, thread
from pipelines.rem_edges.topics import AREAS, TOPICS, Topic

FIRST_DAY = date(2023, 1, 2)
DAYS = 900  # thread starts spread over this many days
MAX_CANDIDATES = 6
# res-0100..res-0999: spaCy's small model takes some bare "res-939" for a name and presidio some "res-1680"
# for a phone number; none of these (checked once over all 900, alone and in the seeds)
ID_NUMBERS = range(100, 1000)
GIVE_UP_AFTER = 500  # draws in a row without a new collection: the space is used up
_WORD = re.compile(r"[a-z0-9][a-z0-9-]*")


@dataclass(frozen=True)
class Doc:
    topic: Topic
    stage: Stage
    step: int | None  # index in the topic's thread; None for a side note
    day: date
    wording: int

    def render(self, rid: str) -> dict:
        name_t, text_t = self.stage.wordings[self.wording]
        t = self.topic
        values = {
            "name": t.name,
            "Name": t.name[0].upper() + t.name[1:],
            "goal": t.goal,
            "issue": t.issue,
            "step": t.step,
            "result": t.result,
            "Result": t.result[0].upper() + t.result[1:],
        }
        return {
            "id": rid,
            "type": self.stage.type,
            "timestamp": self.day.isoformat(),
            "name": name_t.format(**values),
            "text": text_t.format(**values),
        }


def overlap(topic: Topic, a: dict, b: dict) -> list[str]:
    """The topic's keywords that both resources (name and text) contain, in the topic's order."""
    words_a = set(_WORD.findall(f"{a['name']} {a['text']}".lower()))
    words_b = set(_WORD.findall(f"{b['name']} {b['text']}".lower()))
    return [k for k in topic.keywords if k in words_a and k in words_b]


def relation(src: Doc, cand: Doc, shared: list[str]) -> tuple[str, float, str]:
    """(type, affinity, reason) of the edge from src to cand."""
    topic = src.topic.name
    if cand.topic != src.topic:
        if cand.topic.area == src.topic.area:
            return (
                "NONE",
                0.15,
                f"Also about {AREAS[src.topic.area]}, but on {cand.topic.name}, not {topic}",
            )
        return "NONE", 0.05, f"About {cand.topic.name}, unrelated to {topic}"
    if src.step is not None and cand.step is not None:
        gap = cand.step - src.step
        if gap < 0:
            return (
                "PREREQUISITE",
                0.85 if gap == -1 else 0.75,
                f"The {cand.stage.label} on {topic} ({cand.day}) comes before this {src.stage.label}; "
                "read it first",
            )
        return (
            "CONTINUATION",
            0.90 if gap == 1 else 0.80,
            f"The {cand.stage.label} on {topic} ({cand.day}) follows up on this {src.stage.label}",
        )
    score = round(0.55 + 0.05 * min(len(shared), 4), 2)
    return (
        "SEE_ALSO",
        score,
        f"Both are about {topic}, but neither is a step that continues the other",
    )


def _docs_of(topic: Topic, rng: random.Random) -> tuple[list[Doc], list[Doc]]:
    """The topic's thread (dated in order) and its side notes (dated around it)."""
    start = FIRST_DAY + timedelta(days=rng.randrange(DAYS))
    stages, day, threaded = thread(topic.area), start, []
    for step, stage in enumerate(stages):
        threaded.append(Doc(topic, stage, step, day, rng.randrange(len(stage.wordings))))
        day += timedelta(days=rng.randint(3, 21))
    side = [
        Doc(
            topic,
            stage,
            None,
            start + timedelta(days=rng.randint(-5, 45)),
            rng.randrange(len(stage.wordings)),
        )
        for stage in sides(topic.area)
    ]
    return threaded, side


def _unrelated(topic: Topic, rng: random.Random) -> list[Doc]:
    same_area = [t for t in TOPICS if t.area == topic.area and t != topic]
    other_area = [t for t in TOPICS if t.area != topic.area]
    wanted = rng.choice([1, 1, 2, 2, 3])
    picked = [rng.choice(same_area)] if rng.random() < 0.6 else []
    picked += rng.sample(other_area, wanted - len(picked))
    docs = []
    for other in picked:
        threaded, side = _docs_of(other, rng)
        docs.append(rng.choice(threaded + side))
    return docs


def collection(rng: random.Random) -> dict:
    topic = rng.choice(TOPICS)
    threaded, side = _docs_of(topic, rng)
    src = rng.choice(threaded) if rng.random() < 0.75 else rng.choice(side)
    related = [d for d in threaded if d is not src and rng.random() < 0.7]
    related += rng.sample([d for d in side if d is not src], rng.choice([0, 0, 1, 1, 2]))
    candidates = related + _unrelated(topic, rng)
    rng.shuffle(candidates)
    candidates = candidates[:MAX_CANDIDATES]
    ids = [f"res-{n:04d}" for n in rng.sample(ID_NUMBERS, len(candidates) + 1)]
    source = src.render(ids[0])
    shown = [doc.render(rid) for doc, rid in zip(candidates, ids[1:])]
    edges = []
    for doc, resource in zip(candidates, shown):
        shared = overlap(topic, source, resource) if doc.topic == topic else []
        kind, affinity, reason = relation(src, doc, shared)
        edges.append(
            {
                "from": source["id"],
                "to": resource["id"],
                "type": kind,
                "score": affinity,
                "reason": reason,
                "metadata": {"topic_overlap": shared},
            }
        )
    template = f"{topic.area}:{src.stage.label}"
    return {"source": source, "candidates": shown, "edges": edges, "template": template}


def generate(count: int, random_seed: int = 0) -> Iterator[dict]:
    """Up to `count` distinct collections (by their rendered input), deterministic for `random_seed`."""
    rng = random.Random(random_seed)
    seen: set[str] = set()
    misses = 0
    while len(seen) < count and misses < GIVE_UP_AFTER:
        made = collection(rng)
        key = render_input(made["source"], made["candidates"])
        if key in seen:
            misses += 1
            continue
        misses = 0
        seen.add(key)
        yield made
