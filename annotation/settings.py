"""Argilla dataset settings for a recipe, and the mapping between a factory record and an Argilla record.

What a reviewer sees: the request (`input`) and the generated output (`output`, JSON in a
code block). What they answer: `verdict` (accept | reject, required), `corrected_output`
(the output fixed by hand, optional; the teacher's output is its suggestion, so fixing
means editing, not retyping) and `issues` (the recipe's issue tags, optional). Metadata:
the recipe's label fields, origin, source and teacher, so that the UI filters by stratum.
A recipe can ask more (its recipe.py's `annotation_questions()`: ratings and labels, e.g.
rem_edges' affinity and relationship of each edge), prefilled from the output by
`annotation_suggestions(record)`; pull applies the answers with `apply_annotation`.
One vector (`input_vector`, all-MiniLM-L6-v2, 384-d) powers "find similar" in the UI.
The Argilla record id is the record's `id`: logging the same record twice updates it.
It does not talk to a server (push.py and pull.py do).
"""

from __future__ import annotations

import json

import argilla as rg

from factory.errors import ConfigError
from factory.recipes import Recipe

VERDICTS = ("accept", "reject")
VECTOR = "input_vector"
VECTOR_DIMENSIONS = 384


def dataset_settings(recipe: Recipe) -> rg.Settings:
    metadata = [rg.TermsMetadataProperty(name=label, title=label) for label in recipe.labels]
    metadata += [
        rg.TermsMetadataProperty(name=name, title=name) for name in ("origin", "source", "teacher")
    ]
    return rg.Settings(
        guidelines=recipe.annotation_guidelines or recipe.description or recipe.name,
        fields=[
            rg.TextField(name="input", title="Request", use_markdown=False),
            rg.TextField(name="output", title="Generated output", use_markdown=True),
        ],
        questions=[
            rg.LabelQuestion(
                name="verdict", title="Is the output right for the request?", labels=list(VERDICTS)
            ),
            rg.TextQuestion(
                name="corrected_output",
                title="Corrected output (JSON), if you fixed it",
                required=False,
                use_markdown=False,
            ),
            rg.MultiLabelQuestion(
                name="issues",
                title="What is wrong?",
                labels=list(recipe.annotation_issues),
                required=False,
            ),
            *recipe_questions(recipe),
        ],
        metadata=metadata,
        vectors=[
            rg.VectorField(name=VECTOR, dimensions=VECTOR_DIMENSIONS, title="Similar requests")
        ],
        distribution=rg.TaskDistribution(min_submitted=recipe.annotation_overlap),
    )


BUILT_IN = ("verdict", "corrected_output", "issues")


def recipe_questions(recipe: Recipe) -> list:
    """The recipe's own questions (optional), all optional to answer: rating (values 0-10) or label."""
    declared = recipe.hooks.annotation_questions()
    questions = []
    for spec in declared:
        if spec["name"] in BUILT_IN:
            raise ConfigError(
                f"{recipe.folder}/recipe.py: annotation question {spec['name']!r} clashes with a built-in one"
            )
        if spec["kind"] == "rating":
            questions.append(
                rg.RatingQuestion(
                    name=spec["name"],
                    title=spec["title"],
                    values=list(spec["values"]),
                    required=False,
                )
            )
        elif spec["kind"] == "label":
            questions.append(
                rg.LabelQuestion(
                    name=spec["name"],
                    title=spec["title"],
                    labels=list(spec["labels"]),
                    required=False,
                )
            )
        else:
            raise ConfigError(
                f"{recipe.folder}/recipe.py: annotation question {spec['name']!r} has kind "
                f"{spec['kind']!r}; expected rating or label"
            )
    return questions


def _shape(settings: rg.Settings) -> dict:
    """What must match for records and responses to mean the same thing: names and kinds (and labels)."""
    questions = {}
    for question in settings.questions:
        labels = getattr(question, "labels", None)
        questions[question.name] = (type(question).__name__, sorted(labels) if labels else None)
    return {
        "fields": sorted(field.name for field in settings.fields),
        "questions": questions,
        "vectors": sorted((vector.name, vector.dimensions) for vector in settings.vectors),
    }


def check_compatible(existing: rg.Settings, wanted: rg.Settings, dataset_name: str) -> None:
    """Raise ConfigError naming the first difference that would make old responses meaningless."""
    have, want = _shape(existing), _shape(wanted)
    for part in ("fields", "questions", "vectors"):
        if have[part] != want[part]:
            raise ConfigError(
                f"Argilla dataset {dataset_name!r} has other {part} than the recipe now defines "
                f"({have[part]} vs {want[part]}); pull its labels, then push with --dataset NEW_NAME"
            )


def show_output(output) -> str:
    return "```json\n" + json.dumps(output, indent=2, ensure_ascii=False) + "\n```"


def to_argilla(record: dict, recipe: Recipe, vector: list[float] | None) -> rg.Record:
    provenance = record.get("provenance") or {}
    teacher = (
        (provenance.get("teacher") or {}).get("model")
        if isinstance(provenance.get("teacher"), dict)
        else None
    )
    metadata = {
        label: str(record.get("labels", {}).get(label))
        for label in recipe.labels
        if record.get("labels", {}).get(label) is not None
    }
    metadata.update(
        {
            key: str(value)
            for key, value in (
                ("origin", provenance.get("origin")),
                ("source", provenance.get("source")),
                ("teacher", teacher),
            )
            if value
        }
    )
    return rg.Record(
        id=record["id"],
        fields={"input": str(record["input"]), "output": show_output(record["output"])},
        metadata=metadata,
        suggestions=[
            rg.Suggestion(
                question_name="corrected_output",
                value=json.dumps(record["output"], indent=2, ensure_ascii=False),
                agent="teacher",
            ),
            *(
                rg.Suggestion(question_name=name, value=value, agent="teacher")
                for name, value in _prefilled(record, recipe).items()
            ),
        ],
        vectors={VECTOR: vector} if vector is not None else {},
    )


def _prefilled(record: dict, recipe: Recipe) -> dict:
    return {
        name: value
        for name, value in recipe.hooks.annotation_suggestions(record).items()
        if value is not None
    }
