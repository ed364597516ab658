"""seeds: the recipe's grammar pairs and the user's seed file, as records.

Reads: nothing (the recipe's grammar; `--seeds FILE`, JSON Lines). Writes records with
provenance.origin `grammar` or `user` (source `file:line`) and seed_id = the record id.
A user line whose query is invalid is rejected with the validator's reason (e.g.
`rem_unknown_table`); a line that is not JSON stops the build before work (file:line).
`--limit N` caps the kept seeds (user seeds first, then the grammar's) at N.
"""

from __future__ import annotations

from typing import Iterable, Iterator

from factory.jsonl import read_jsonl
from factory.record import Record, Rejected
from factory.stages.base import Stage


class SeedsStage(Stage):
    name = "seeds"
    _user_lines: list | None = None  # the user's seed file, read once by check_inputs

    def _limit(self) -> int:
        recipe, limit = self.context.recipe, self.context.options.limit
        return recipe.seed_count if limit is None else limit

    def expected_input(self) -> int:
        return self._limit()

    def check_inputs(self) -> None:
        """Read the user seed file up front (once): a bad line is an error before any work."""
        path = self.context.options.seeds_file
        self._user_lines = list(read_jsonl(path)) if path else []

    def process(self, records: Iterable[dict]) -> Iterator[dict | Rejected]:
        if self._user_lines is None:  # a caller that skipped check_inputs
            self.check_inputs()
        kept, limit = 0, self._limit()
        for item in self._all(self._user_lines):
            if not isinstance(item, Rejected):
                if kept == limit:
                    return
                kept += 1
            yield item

    def _all(self, user_lines: list) -> Iterator[dict | Rejected]:
        recipe = self.context.recipe
        path = self.context.options.seeds_file
        for lineno, obj in user_lines:
            provenance = {"origin": "user", "source": f"{path}:{lineno}"}
            try:
                seed = recipe.module.user_seed(obj)
            except ValueError as exc:
                reason = getattr(exc, "reason", "bad_seed")
                yield Rejected({"input": obj, "provenance": provenance}, reason, f"{path}:{lineno}: {exc}")
                continue
            yield self._record(seed["input"], seed["output"], seed["labels"], provenance)
        for seed in recipe.module.grammar_seeds(recipe.seed_count, recipe.random_seed):
            yield self._record(seed["input"], seed["output"], seed["labels"], seed["provenance"])

    def _record(self, text: str, output: dict, labels: dict, provenance: dict) -> dict:
        recipe = self.context.recipe
        record = Record(recipe=recipe.name, kind=recipe.kind, schema_version=recipe.schema_version, seed_id="",
                        input=text, output=output, labels=labels, provenance=provenance)
        record.seed_id = record.id
        return record.to_dict()
