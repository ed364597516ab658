"""roundtrip: a teacher rewrite must still ask what its seed asked. The teacher, asked separately
to answer the rewrite, must reach the seed's answer.

A rewrite (provenance.origin `teacher`, teacher.mode `variations`: the seed's request reworded,
its output kept; factory.report.origin_group says `teacher_rewrite`) can ask something else and
still pass the faithfulness band ("Is 'kubernets' spelled correctly? ... confirm if the score is
exactly 0.6" kept as a FUZZY query). For each rewrite this stage asks the teacher the question
the student will be asked (factory.teacher.modes.AnswerRewrite: the recipe's student system
prompt, the seed as a one-shot example, then the rewrite; the reply constrained to the recipe's
schema where the server can) and scores the reply against the record's output with the recipe's
own metric (metrics.py `score`; recipe.yaml teacher.roundtrip names it, default `exact` where the
recipe has it, else MAIN). It must be 1: the record is kept with checks.roundtrip
{metric, score}. Rejects, keeping the record and the teacher's raw reply:
`variation_roundtrip_differs` (the detail names the fields that differ: expected, then the
teacher's), `roundtrip_unparseable` (no JSON in the reply, or an answer the metric does not
accept that also breaks the recipe's schema: no evidence either way; an answer the metric
accepts is agreement, even where a field the metric ignores breaks the schema),
`teacher_failed` (the call failed after the client's retries).
Every other record (seeds, new examples, pairs) passes unchanged, in its place; a recipe whose
teacher writes no rewrites asks nothing. Asked at temperature 0: a check wants the teacher's best
answer, not a sample. The teacher client, its cache, --max-concurrency / --max-rps, the build's
one budget and the token and cache counts are generate's (this is a GenerateStage running
another Task, as invent is).
Not here: judging what a rewrite says about literals (the recipe's validator) or how close it is
to its seed (faithfulness).
"""

from __future__ import annotations

import json
from collections import deque
from typing import Callable, Iterable, Iterator

from factory.errors import ConfigError
from factory.record import Rejected
from factory.stages.base import StageSettings
from factory.stages.generate import GenerateStage

DIFFERS = "variation_roundtrip_differs"
UNPARSEABLE = "roundtrip_unparseable"
SHOWN = 60  # characters of a value in a rejection's detail
FIELDS = 3  # differing fields a detail names at most


def is_rewrite(record: dict) -> bool:
    """A teacher rewrite of a seed's request (the seed's output kept), with the seed's text."""
    from factory.report import origin_group

    provenance = record.get("provenance") or {}
    return origin_group(provenance) == "teacher_rewrite" and bool(provenance.get("seed_text"))


def roundtrip_metric(recipe) -> str:
    """recipe.yaml teacher.roundtrip, else `exact` where the recipe's metrics.py has it, else its
    MAIN; ConfigError naming recipe.yaml when metrics.py does not score that metric."""
    metrics = recipe.metrics()
    known = tuple(getattr(metrics, "METRICS", ()))
    chosen = recipe.roundtrip_metric or (
        "exact" if "exact" in known else getattr(metrics, "MAIN", "")
    )
    if chosen not in known:
        raise ConfigError(
            f"{recipe.folder / 'recipe.yaml'}: teacher.roundtrip: {chosen!r} is not a metric of "
            f"{recipe.folder / 'metrics.py'} (METRICS: {', '.join(known) or 'none'})"
        )
    return chosen


def _short(value) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return repr(text if len(text) <= SHOWN else text[: SHOWN - 3] + "...")


def _prose(value) -> bool:
    return isinstance(value, str) and len(value.split()) > 6


def difference(
    expected, answer, labels: Iterable[str] = (), matters: Callable[[str], bool] = lambda key: True
) -> str:
    """What differs between the expected output and the teacher's, short: for objects the
    differing fields, at most FIELDS of them, each `key: expected X, teacher Y`; first those the
    metric cares about (`matters`: the expected output with that one field the teacher's fails
    it), then the others, labels and prose (explanations) last."""
    if not (isinstance(expected, dict) and isinstance(answer, dict)):
        return f"expected {_short(expected)}, teacher {_short(answer)}"
    labels = set(labels)
    keys = [k for k in dict.fromkeys([*expected, *answer]) if expected.get(k) != answer.get(k)]

    def rank(key: str) -> tuple:
        values = (expected.get(key), answer.get(key))
        prose = any(_prose(v) for v in values)
        structured = any(isinstance(v, (dict, list)) for v in values)
        return (not matters(key), prose, key in labels, structured)

    keys.sort(key=rank)
    return "; ".join(
        f"{key}: expected {_short(left)}, teacher {_short(right)}"
        for key in keys[:FIELDS]
        for left, right in [_from_difference(expected.get(key), answer.get(key))]
    ) + ("; ..." if len(keys) > FIELDS else "")


def _from_difference(left, right) -> tuple:
    """Two strings from a little before where they first differ (a long shared start cut to
    "..."), so that a short detail shows the difference; other values as they are."""
    if not (isinstance(left, str) and isinstance(right, str)):
        return left, right
    same = next(
        (i for i, (a, b) in enumerate(zip(left, right)) if a != b), min(len(left), len(right))
    )
    start = same - 12 if same > 24 else 0
    return (left, right) if not start else ("..." + left[start:], "..." + right[start:])


class RoundtripStage(GenerateStage):
    """GenerateStage running the round-trip question (factory.teacher.modes.AnswerRewrite) on
    the teacher's rewrites only, and judging each reply with the recipe's metric."""

    name = "roundtrip"

    def __init__(self, context: StageSettings):
        super().__init__(context)
        self.metric = roundtrip_metric(context.recipe)  # an unknown metric: say so now

    def task_class(self) -> type:
        from factory.teacher.modes import AnswerRewrite

        return AnswerRewrite

    def asks_teacher(self) -> bool:
        """Whether rewrites can reach this stage: the recipe's generate writes them (its teacher
        mode is `variations`) and asks for some."""
        recipe = self.context.recipe
        if "generate" not in recipe.stages or recipe.teacher_task.mode != "variations":
            return False
        return recipe.teacher_task.count(recipe, self.context.options) != 0

    def dry_run_prompts(self, seeds: list[dict]) -> list[list[dict]]:
        """What `factory build --dry-run` counts: at most one question per rewrite generate may
        write (its count per seed), each with the seed's own request standing in for the rewrite."""
        if not self.asks_teacher():
            return []
        recipe = self.context.recipe
        per_seed = recipe.teacher_task.count(recipe, self.context.options)
        stand_ins = [
            {**seed, "provenance": {**seed["provenance"], "seed_text": seed["input"]}}
            for seed in seeds
        ]
        return super().dry_run_prompts([r for r in stand_ins for _ in range(per_seed)])

    def _task(self):
        from factory.stages.validate import schema_validator

        task, llm = super()._task()
        recipe = self.context.recipe
        llm.generation_kwargs = {**llm.generation_kwargs, "temperature": 0.0}
        self.provenance["params"] = {**self.provenance["params"], "temperature": 0.0}
        validator, score = schema_validator(recipe), recipe.metrics().score
        keys = tuple(recipe.schema().get("required", ()))

        def judge(record: dict, reply: str) -> dict | Rejected:
            return self._judged(record, reply, validator, score, keys)

        task.configure(recipe.student_prompt, keys, judge)
        return task, llm

    def _judged(self, record: dict, reply: str, validator, score, keys) -> dict | Rejected:
        from factory.teacher.extract import extract_json

        try:
            answer = extract_json(reply)
        except ValueError as exc:
            kept = {**record, "raw_reply": reply}
            return Rejected(kept, UNPARSEABLE, f"no JSON in the teacher's answer ({exc})")
        value = float(score(reply, record, validator)[self.metric])
        check = {"metric": self.metric, "score": value}
        if value >= 1.0:  # the metric finds the seed's answer: agreement, however it is written
            return {**record, "checks": {**record["checks"], "roundtrip": check}}
        error = next(iter(validator.iter_errors(answer)), None)
        if error is not None:  # a broken answer: no evidence that the rewrite asks something else
            path = "/".join(str(p) for p in error.absolute_path) or "(root)"
            kept = {**record, "raw_reply": reply}
            detail = f"the teacher's answer breaks the schema: output/{path}: {error.message}"
            return Rejected(kept, UNPARSEABLE, detail[:300])
        judged = {
            **record,
            "checks": {**record["checks"], "roundtrip": {**check, "answer": answer}},
        }
        expected = record["output"]

        def matters(key: str) -> bool:  # the expected output with this one field the teacher's
            if not isinstance(expected, dict) or not isinstance(answer, dict):
                return True
            swapped = json.dumps({**expected, key: answer.get(key)}, ensure_ascii=False)
            return float(score(swapped, record, validator)[self.metric]) < 1.0

        shown = difference(expected, answer, self.context.recipe.labels, matters)
        detail = f"{self.metric} {value:g}: {shown}"
        return Rejected({**judged, "raw_reply": reply}, DIFFERS, detail)

    def process(self, records: Iterable[dict]) -> Iterator[dict | Rejected]:
        """Rewrites go to the teacher (generate's batches, one ahead); every other record waits
        in its place and leaves before the next rewrite's verdict, so the order is the input's."""
        if not self.asks_teacher():
            for record in records:
                self.advance(1)
                yield record
            return
        waiting: deque[dict] = deque()  # what was read and not yet written, in order
        asked: deque[dict] = deque()  # the rewrites among them

        def rewrites() -> Iterator[dict]:
            for record in records:
                waiting.append(record)
                if is_rewrite(record):
                    asked.append(record)
                    yield record

        def passed_before(rewrite: dict) -> Iterator[dict]:
            while waiting[0] is not rewrite:
                self.advance(1)
                yield waiting.popleft()
            waiting.popleft()

        # generate yields each record it asked about unchanged (the same object), then its verdict
        for item in super().process(rewrites()):
            if asked and item is asked[0]:
                yield from passed_before(asked.popleft())
            elif isinstance(item, Rejected) and item.reason == "teacher_unparseable":
                yield Rejected(item.record, UNPARSEABLE, item.detail)
            else:
                yield item
        while waiting:
            self.advance(1)
            yield waiting.popleft()
