"""The templates of rem_edges' resources: per area, a topic's thread (three stages in time order)
and its side notes (notes that belong to no stage).

A template is a (name, text) pair with {Name}/{name} (the topic's name, capitalised or not) and
{goal}/{issue}/{step}/{result} (the topic's phrases, topics.py). No template holds a topic's
keyword (tests check it). It holds data only; generator.py writes resources from it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Stage:
    """One kind of resource about a topic: its label (`design`), resource type and wordings."""

    label: str
    type: str
    wordings: tuple[tuple[str, str], ...]  # (name template, text template)


_WORK_THREAD = {
    "engineering": (
        Stage(
            "design doc",
            "technical",
            (
                ("Design doc: {Name}", "Proposal to {goal}. Main risk: {issue}."),
                ("{Name} design", "We want to {goal}; the open problem is {issue}."),
            ),
        ),
        Stage(
            "implementation notes",
            "technical",
            (
                ("Implementation notes: {Name}", "Following the design, we {step}."),
                ("{Name}: implementation log", "As designed, we {step}. Watching {issue}."),
            ),
        ),
        Stage(
            "retro",
            "meeting",
            (
                ("Retro: {Name}", "Looked back on the plan to {goal}: {result}."),
                ("{Name} retrospective", "Outcome: {result}. Next time, raise {issue} earlier."),
            ),
        ),
    ),
    "planning": (
        Stage(
            "kickoff",
            "meeting",
            (
                ("Kickoff: {Name}", "Agreed to {goal}. Open point: {issue}."),
                ("{Name} kickoff meeting", "Goal for the quarter: {goal}. Concern: {issue}."),
            ),
        ),
        Stage(
            "draft plan",
            "note",
            (
                ("Draft plan: {Name}", "After the kickoff I {step}."),
                ("{Name}: first draft", "First version of the plan: we {step}."),
            ),
        ),
        Stage(
            "review",
            "meeting",
            (
                ("Review: {Name}", "Reviewed the plan to {goal}: {result}."),
                ("{Name} review meeting", "Final review: {result}."),
            ),
        ),
    ),
}
_PERSONAL_THREAD = (
    Stage(
        "plan",
        "note",
        (
            ("Plan: {Name}", "I want to {goal}. Worried about {issue}."),
            ("{Name} plan", "Goal: {goal}. Watch out for {issue}."),
        ),
    ),
    Stage(
        "progress entry",
        "diary",
        (
            ("Diary: {name} progress", "Today I {step}."),
            ("{Name}, week two", "Good day: I {step}. Still {issue}, a little."),
        ),
    ),
    Stage(
        "looking-back entry",
        "diary",
        (
            ("Diary: looking back on {name}", "{Result}."),
            ("{Name}, looking back", "I set out to {goal}, and {result}."),
        ),
    ),
)
_WORK_SIDES = (
    Stage(
        "standup note",
        "meeting",
        (
            ("Standup notes", "Quick update on {name}: {issue} is still open."),
            ("Team sync", "Someone asked about {name} and {issue}."),
        ),
    ),
    Stage(
        "reading note",
        "note",
        (
            ("Bookmarked article", "An article on how to {goal}; worth sharing."),
            ("Saved link", "A talk about {issue} from a conference."),
        ),
    ),
    Stage(
        "diary entry",
        "diary",
        (
            ("Diary", "Long day. Kept thinking about {issue}."),
            ("Evening thoughts", "Not sure we will {goal} in time."),
        ),
    ),
)
_PERSONAL_SIDES = (
    Stage(
        "diary entry",
        "diary",
        (
            ("Diary", "Talked with a friend about {name}; {issue} came up again."),
            ("Sunday thoughts", "Thinking about {issue} again."),
        ),
    ),
    Stage(
        "reading note",
        "note",
        (
            ("Bookmarked guide", "A guide on how to {goal}."),
            ("Saved video", "A short video about {issue}."),
        ),
    ),
    Stage(
        "question",
        "note",
        (
            ("Note to self", "Ask around how others deal with {issue}."),
            ("Questions", "Is it realistic to {goal}?"),
        ),
    ),
)


def thread(area: str) -> tuple[Stage, ...]:
    """The three stages of a topic of this area, in time order."""
    return _WORK_THREAD.get(area, _PERSONAL_THREAD)


def sides(area: str) -> tuple[Stage, ...]:
    """Notes about a topic that belong to no stage of its thread."""
    return _WORK_SIDES if area in _WORK_THREAD else _PERSONAL_SIDES


def all_stages() -> list[Stage]:
    stages = [*_PERSONAL_THREAD, *_WORK_SIDES, *_PERSONAL_SIDES]
    for work in _WORK_THREAD.values():
        stages += work
    return stages
