"""seeds: the user's seed file, then the recipe's grammar or source, as records.

Reads: `--seeds FILE` (JSON Lines), then either the recipe's `grammar_seeds` or its
`source_seeds` (real material: man pages, logs, a repo; `source:` in recipe.yaml, with
`--source PATH` as `paths`). Writes records with provenance.origin `user` (source
`file:line`), `grammar`, or the source's (`man`, `log`, `repo`), seed_id = the record id,
and a seed's `context` (what the teacher is shown) in provenance.context. A source seed
marked `unlabeled` (user material with no output yet, for teacher.mode answer or pairs)
carries provenance.unlabeled: generate asks the teacher about it and does not pass it on.
A user line the recipe cannot use is rejected with the reason of the `SeedError` its
`user_seed` raised (factory.record; e.g. `rem_unknown_table`), or `bad_seed` for a plain
ValueError, KeyError or TypeError; a line that is not JSON stops the build before work (file:line).
What a source could not use (a binary file, a malformed line, a page without NAME...) is
rejected with the source's reason and where it was, so the report counts it; a `--source` that
names nothing at all (a missing path, a glob matching no file) is an error before any work.
`--limit N` caps the kept seeds (user seeds first, then the grammar's or source's) at N.
An empty `--seeds` file is said in one line on stderr (a warning of logger factory.stages.seeds).

No raw text reaches disk: everything this stage yields passes through the recipe's PII policy
first (factory.stages.scrub.Redactor, as the scrub stage does): kept seeds are redacted (and
kept or rejected by the policy, e.g. `pii_broke_schema`), and so are the raw line of a rejected
user seed, a rejection's message (a schema error quotes the value) and what a source skipped;
file:line locations are kept as they are. A seed's id and seed_id are those of its redacted
content. Counts by type go to the report (`entities`, as the scrub stage's).
"""

from __future__ import annotations

import glob
import logging
import os
from typing import Iterable, Iterator

from factory.errors import ConfigError, InputError
from factory.jsonl import read_jsonl
from factory.record import Record, Rejected, SeedError, content_hash
from factory.stages.base import Stage
from factory.stages.scrub import Redactor

log = logging.getLogger(__name__)

UNLABELED_WITHOUT_TEACHER = (
    "a seed with no output needs teacher.mode answer or pairs and a generate stage"
)


def _check_source(given: str) -> None:
    """A `--source` the user typed names something: a file or folder that exists, or a glob that matches.
    (What is inside is judged later, file by file, as rejections; a typo is an error before any work.)"""
    if glob.has_magic(given):
        if not glob.glob(given, recursive=True):
            raise InputError(f"--source {given}: the pattern matches no file; check the path")
    elif not os.path.exists(given):
        what = "a broken link" if os.path.islink(given) else "no such file or folder"
        raise InputError(f"--source {given}: {what}; check the path")


class SeedsStage(Stage):
    name = "seeds"
    _user_count: int | None = (
        None  # lines of the user's seed file, counted (and checked) by check_inputs
    )

    def _limit(self) -> int:
        recipe, limit = self.context.recipe, self.context.options.limit
        return recipe.seed_count if limit is None else limit

    def expected_input(self) -> int:
        return self._limit()

    def check_inputs(self) -> None:
        """Read the user seed file through once up front: a bad line is an error before any work.
        Nothing is kept: process reads it again, line by line (a seed file may be larger than memory)."""
        recipe = self.context.recipe
        if self.context.options.source_paths and not recipe.hooks.reads_sources:
            raise ConfigError(
                f"--source: recipe {recipe.name} reads no source (its seeds come from a grammar); "
                "give your own seeds with --seeds FILE"
            )
        for given in self.context.options.source_paths:
            _check_source(given)
        path = self.context.options.seeds_file
        self._user_count = sum(1 for _ in read_jsonl(path)) if path else 0
        if path and not self._user_count:
            log.warning(
                "note: --seeds %s is empty (no seed lines); the build goes on with the recipe's own seeds",
                path,
            )

    def process(self, records: Iterable[dict]) -> Iterator[dict | Rejected]:
        if self._user_count is None:  # a caller that skipped check_inputs
            self.check_inputs()
        recipe = self.context.recipe
        redactor = Redactor(recipe, self.context.options.pii_policy or recipe.pii_policy)
        for item in redactor.stream(self._limited()):
            if isinstance(item, Rejected):
                item.detail = _shown_detail(item)
            record = item.record if isinstance(item, Rejected) else item
            if (
                "recipe" in record and "id" in record
            ):  # a seed is its own seed, as written (redacted)
                record["id"] = record["seed_id"] = content_hash(
                    record["recipe"], record["input"], record["output"]
                )
            yield item
        if redactor.policy != "off":
            self.extras["entities"] = dict(sorted(redactor.totals.items()))

    def _limited(self) -> Iterator[dict | Rejected]:
        kept, limit = 0, self._limit()
        path = self.context.options.seeds_file
        for item in self._all(read_jsonl(path) if path else iter(())):
            if not isinstance(item, Rejected):
                if kept == limit:
                    return
                kept += 1
            yield item

    def _all(self, user_lines: Iterable[tuple[int, dict]]) -> Iterator[dict | Rejected]:
        """User seeds, then the recipe's; what cannot be used as a Rejected whose record and detail
        may still hold raw text (the redactor sees them before anything is written)."""
        recipe = self.context.recipe
        path = self.context.options.seeds_file
        for lineno, obj in user_lines:
            provenance = {"origin": "user", "source": f"{path}:{lineno}"}
            try:
                seed = recipe.hooks.user_seed(obj)
            except (ValueError, KeyError, TypeError) as exc:  # a line the recipe cannot use
                reason = exc.reason if isinstance(exc, SeedError) else "bad_seed"
                detail = str(exc) if isinstance(exc, ValueError) else f"{type(exc).__name__}: {exc}"
                payload = {"input": obj, "provenance": provenance}
                yield Rejected(payload, reason, detail, where=f"{path}:{lineno}")
                continue
            yield self._seed_record(seed, provenance)
        config = dict(recipe.source)
        if self.context.options.source_paths:
            config["paths"] = list(self.context.options.source_paths)
        # source_seeds reads up to the limit; grammar_seeds makes the recipe's count (_limited stops early)
        count = self._limit() if recipe.hooks.reads_sources else recipe.seed_count
        for seed in recipe.hooks.seeds(config, count, recipe.random_seed):
            if isinstance(seed, Rejected):  # what a source could not use, kept as its location
                yield seed
                continue
            record = self._seed_record(seed, seed["provenance"])
            if seed.get("unlabeled") and not self._teacher_answers():
                yield Rejected(record, "unlabeled_without_teacher")
                continue
            yield record

    def _teacher_answers(self) -> bool:
        recipe = self.context.recipe
        return recipe.teacher_mode in ("answer", "pairs") and "generate" in recipe.stages

    def _seed_record(self, seed: dict, provenance: dict) -> dict:
        provenance = dict(provenance)
        if seed.get(
            "context"
        ):  # what the teacher is shown, and every record made from the seed carries
            provenance["context"] = seed["context"]
        if seed.get("unlabeled"):  # a prompt for the teacher, not a record (see generate)
            provenance["unlabeled"] = True
        return self._record(seed["input"], seed["output"], seed["labels"], provenance)

    def _record(self, text, output, labels: dict, provenance: dict) -> dict:
        recipe = self.context.recipe
        record = Record(
            recipe=recipe.name,
            kind=recipe.kind,
            schema_version=recipe.schema_version,
            seed_id="",
            input=text,
            output=output,
            labels=labels,
            provenance=provenance,
        )
        record.seed_id = record.id
        return record.to_dict()


def _shown_detail(rejected: Rejected) -> str:
    """The detail a seeds rejection is written with, once the redactor has read its detail: the
    location first, as it is (`file:line: why` for a user line; `where: reason (why)` for what a
    source skipped); our own sentence for an unlabeled seed that nobody would answer."""
    if rejected.reason == "unlabeled_without_teacher":
        return UNLABELED_WITHOUT_TEACHER
    if not rejected.where:
        return rejected.detail
    if rejected.record.get("provenance", {}).get("origin") == "user":
        return f"{rejected.where}: {rejected.detail}"
    return rejected.line()
