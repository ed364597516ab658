"""invent: the teacher writes new examples, request and answer, beside its rewrites of the seeds.

A recipe whose teacher rewrites seeds (teacher.mode `variations`: rem_queries, toolcalls) lists
`invent` after `generate` to also get examples no seed spelled: other operations, values and
phrasings. Each seed prompts the teacher once with the recipe's `prompts/new.jinja` (and
`prompts/new_system.jinja` where the recipe has one, else its system prompt), shown the seed as
an example; the reply is `{"pairs": [...]}`, each item's output constrained (where the server can)
to `prompts/new.schema.json` where the recipe has one (e.g. just the query, cheaper for the
teacher than the whole structured output), else to the recipe's schema; each
item becomes a record through the recipe's `make_pair` hook, as in teacher.mode `pairs`:
ValueError -> `teacher_bad_pair`. The teacher mode is the `new` Task
(factory.teacher.modes.WriteNewExamples); this stage runs it as generate runs the recipe's. Its records carry provenance.origin
`teacher` and provenance.mode `new` (the report counts them as `teacher_new`); the recipe's
validator, later in the build, keeps only those whose answer passes (e.g. a REM query that
parses and executes).

It asks `teacher.new_examples` per seed (`--new-examples`; 0 asks nothing and passes every record).
Records the teacher already wrote (the rewrites) pass through untouched, each seed passes once.
Not here: rewriting seeds (generate), the faithfulness band (a new example is not a rewrite
of its seed, so the faithfulness stage scores rewrites only).
"""

from __future__ import annotations

from typing import Iterable, Iterator

from factory.record import Rejected
from factory.stages.base import StageSettings
from factory.stages.generate import GenerateStage


class InventStage(GenerateStage):
    """GenerateStage running the `new` teacher mode (factory.teacher.modes.WriteNewExamples)."""

    name = "invent"

    def __init__(self, context: StageSettings):
        super().__init__(context)
        self.task_class().prompt_files(context.recipe)  # a missing prompts/new.jinja: say so now

    def task_class(self) -> type:
        from factory.teacher.modes import WriteNewExamples

        return WriteNewExamples

    def process(self, records: Iterable[dict]) -> Iterator[dict | Rejected]:
        """Seeds go to the teacher; each leaves with its rewrites, then its new examples."""
        if not self.asks_teacher():  # --new-examples 0: nothing asked, everything passes
            yield from records
            return
        rewrites: dict[str, list[dict]] = {}  # a seed's rewrites follow it in generate's output

        def seeds() -> Iterator[dict]:
            for record in records:
                if record["provenance"].get("origin") == "teacher":
                    rewrites.setdefault(record["seed_id"], []).append(record)
                else:
                    yield record

        # Each seed leaves with its rewrites, then its new examples: the same order however the records
        # are batched or chunked (local or Ray). A seed's batch is emitted only once the next batch, and
        # so every rewrite of the seed, has been read.
        for item in super().process(seeds()):
            yield item
            if not isinstance(item, Rejected) and item["provenance"].get("origin") != "teacher":
                yield from rewrites.pop(item["seed_id"], [])
        for left in rewrites.values():  # rewrites whose seed did not come back (not expected)
            yield from left
