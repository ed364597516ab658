"""invent: the teacher writes new examples, request and answer, beside its rewrites of the seeds.

A recipe whose teacher rewrites seeds (teacher.mode `variations`: rem_queries, toolcalls) lists
`invent` after `generate` to also get examples no seed spelled: other operations, values and
phrasings. Each seed prompts the teacher once with the recipe's `prompts/new.jinja` (and
`prompts/new_system.jinja` where the recipe has one, else its system prompt), shown the seed as
an example; the reply is `{"pairs": [...]}`, each item's output constrained (where the server can)
to `prompts/new.schema.json` where the recipe has one (e.g. just the query, cheaper for the
teacher than the whole structured output), else to the recipe's schema; each
item becomes a record through the recipe's `make_pair` hook, exactly as teacher.mode `pairs`
does (`generate.py`): ValueError -> `teacher_bad_pair`. Its records carry provenance.origin
`teacher` and provenance.mode `new` (the report counts them as `teacher_new`); the recipe's
validator, later in the build, keeps only those whose answer passes (e.g. a REM query that
parses and executes).

It asks `teacher.new_examples` per seed (`--new-examples`; 0 asks nothing and passes every record).
Records the teacher already wrote (the rewrites) pass through untouched, each seed passes once.
Not here: rewriting seeds (generate), the faithfulness band (a new example is not a rewrite
of its seed, so the faithfulness stage scores rewrites only).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Iterable, Iterator

from factory.errors import ConfigError
from factory.record import Rejected
from factory.stages.base import BuildContext
from factory.stages.generate import GenerateStage

PROMPT = "prompts/new.jinja"
SYSTEM = "prompts/new_system.jinja"
SCHEMA = "prompts/new.schema.json"


class _Inventing:
    """The build's context as the invent stage sees it: the recipe in teacher.mode `pairs` with the invent
    prompts; everything else (the teacher, resolved only once the build starts it) read from the build's."""

    def __init__(self, context: BuildContext, recipe):
        self._context, self.recipe = context, recipe

    @property
    def options(self):
        """The build's options, with `variations` (what generate asks per seed) the new examples asked:
        --new-examples, else the recipe's teacher.new_examples."""
        real = self._context.options
        return replace(
            real,
            variations=real.new_examples
            if real.new_examples is not None
            else self.recipe.new_examples,
        )

    def __getattr__(self, name: str):
        return getattr(self._context, name)

    def __setattr__(
        self, name: str, value
    ) -> None:  # e.g. the teacher budget both teacher stages share
        if name in ("_context", "recipe"):
            object.__setattr__(self, name, value)
        else:
            setattr(self._context, name, value)


class InventStage(GenerateStage):
    name = "invent"

    def __init__(self, context: BuildContext):
        recipe = context.recipe
        prompt, system, schema = (
            recipe.folder / PROMPT,
            recipe.folder / SYSTEM,
            recipe.folder / SCHEMA,
        )
        if not prompt.is_file():
            raise ConfigError(
                f"{recipe.folder / 'recipe.yaml'}: stages: `invent` needs the teacher's prompt {prompt}"
            )
        inventing = replace(
            recipe,
            teacher_mode="pairs",
            prompt=prompt,
            system_prompt=system if system.is_file() else recipe.system_prompt,
            schema_path=schema if schema.is_file() else recipe.schema_path,
        )
        super().__init__(_Inventing(context, inventing))

    @property
    def count(self) -> int:
        """New examples asked per seed (see _Inventing.options)."""
        return self.context.options.variations

    def _task(self):
        task, llm = super()._task()
        self.provenance = {**self.provenance, "mode": "new"}
        return task, llm

    def process(self, records: Iterable[dict]) -> Iterator[dict | Rejected]:
        """Seeds go to the teacher; each leaves with its rewrites, then its new examples."""
        if self.count == 0:  # --new-examples 0: nothing asked, everything passes
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
