"""scrub: personal data and secrets out of every text field of a record (presidio, see factory.pii).

Reads records; walks every string of `input`, `output` (every message of a chat record)
and of provenance `seed_text` / `keep_values` / `context` (what a source seed shows the
teacher: known labels keyed by ids, a function's source; `pii.context: false` leaves it
alone where it is developer-written, like a conversation's tool schemas), and
replaces each finding with a typed placeholder, the same one for the same value everywhere
in the record. Writes
checks.pii = {type: count} (never the values) and a new `id` when the content changed.
Policies (recipe `pii.policy`, `--pii-policy`): `redact` keeps the redacted record if it
still passes the schema and the recipe's validator, else rejects it as `pii_broke_schema`
(an `unlabeled` seed has no output to check yet: the teacher's answer is checked later);
`drop` rejects every record with findings as `pii_found` (stored already redacted); `off`
passes records through with checks.pii = "off". Counts by type go to the report. A record with
a text over 1,000,000 characters (what spaCy reads at once) is rejected as `text_too_long`, with
that text left out (it could not be read, so it cannot be written) and the rest redacted.
A record scrubbed before (checks.pii already counts) is read again, and the counts add up.

The work is `Redactor` (the recipe's policy over a stream of records), which the seeds stage
runs too, on everything it yields: no raw seed text reaches stages/seeds.jsonl or
rejected/seeds.jsonl. What the seeds stage rejects before a record exists (a seed line the
recipe cannot use, what a source skipped) comes as a `Rejected`: what it kept of the input and
its detail (which may quote a value: a schema error) are redacted like a record's texts; its
`where` (file:line) is not. It does not decide which records a recipe keeps beyond PII.
"""

from __future__ import annotations

from collections import Counter
from typing import Any, Iterable, Iterator

from factory.record import Record, Rejected
from factory.stages.base import Stage, batches
from factory.stages.validate import first_problem, schema_validator

SKIPPED_KEYS = {"role"}  # chat message roles are not text


class _Key(str):
    """A path step naming a dict key itself (not its value) as the text to redact."""


def _strings(node: Any, path: tuple = (), keys: bool = False) -> Iterator[tuple[tuple, str]]:
    """Every string in `node` with its path; with `keys`, dict keys too (a context's labels keyed by ids)."""
    if isinstance(node, str):
        yield path, node
    elif isinstance(node, dict):
        for key, value in node.items():
            if key not in SKIPPED_KEYS:
                yield from _strings(value, (*path, key), keys)
        if keys:
            yield from (((*path, _Key(key)), key) for key in node)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _strings(value, (*path, index), keys)


def set_text(record: dict, path: tuple, value: str) -> None:
    node = record
    for key in path[:-1]:
        node = node[key]
    last = path[-1]
    if isinstance(
        last, _Key
    ):  # rename the key in place, keeping the order (values were set before)
        items = [(value if k == last else k, v) for k, v in node.items()]
        node.clear()
        node.update(items)
    else:
        node[last] = value


def text_fields(record: dict, context: bool = True) -> list[tuple[tuple, str]]:
    provenance = record.get("provenance", {})
    fields = list(_strings(record["input"], ("input",))) + list(
        _strings(record["output"], ("output",))
    )
    for key in ("seed_text", "keep_values", "context") if context else ("seed_text", "keep_values"):
        if key in provenance:
            fields += list(_strings(provenance[key], ("provenance", key), keys=key == "context"))
    return fields


MAX_TEXT_CHARS = (
    1_000_000  # spaCy's nlp.max_length: a longer text cannot be scanned, so cannot be trusted
)


def _drop_too_long(
    item: dict, fields: list[tuple[tuple, str]]
) -> tuple[list[tuple[tuple, str]], str | None]:
    """The fields spaCy can read; a text over its limit is replaced in `item` by a note (unread, it
    cannot be kept). Returns the readable fields and why the longest text was dropped, or None."""
    too_long = [(path, text) for path, text in fields if len(text) > MAX_TEXT_CHARS]
    if not too_long:
        return fields, None
    path, text = max(too_long, key=lambda field: len(field[1]))
    where = "/".join(str(part) for part in path)
    for long_path, long_text in too_long:
        set_text(
            item,
            long_path,
            f"[{len(long_text):,} characters left out: over the PII scanner's limit]",
        )
    readable = [(p, t) for p, t in fields if len(t) <= MAX_TEXT_CHARS]
    return (
        readable,
        f"{where}: {len(text):,} characters, over the {MAX_TEXT_CHARS:,} the PII scanner reads; shorten it",
    )


def _rejection_fields(holder: dict, context: bool) -> list[tuple[tuple, str]]:
    """The texts of a rejection held as {"message", "record"}: the detail, every string (and dict
    key) of what it kept of the input and output, and the provenance texts a record's scrub reads."""
    record = holder["record"]
    fields = [(("message",), holder["message"])] if holder["message"] else []
    for key in ("input", "output"):
        fields += list(_strings(record.get(key), ("record", key), keys=True))
    provenance = record.get("provenance") or {}
    for key in ("seed_text", "keep_values", "context") if context else ("seed_text", "keep_values"):
        if key in provenance:
            fields += list(
                _strings(provenance[key], ("record", "provenance", key), keys=key == "context")
            )
    return fields


def allow_list(recipe) -> list[str]:
    """What the scrub never redacts: the recipe's `pii.allow` and its own vocabulary (the optional
    `pii_vocabulary()` hook: table names, commands, keys of its grammar)."""
    vocabulary = recipe.hooks.pii_vocabulary()
    return sorted({*recipe.pii_allow, *vocabulary})


def _added(previous: Any, found: dict[str, int]) -> dict[str, int]:
    """checks.pii after another pass: the counts of an earlier scrub and this one's, added."""
    if not isinstance(previous, dict):
        return found
    return dict(sorted((Counter(previous) + Counter(found)).items()))


class Redactor:
    """A recipe's PII policy over a stream of records and rejections (their kept input and detail
    redacted, passed on), in batches of `batch_size`; `totals` counts the entities found by type."""

    batch_size = 64

    def __init__(self, recipe, policy: str):
        self.recipe, self.policy = recipe, policy
        self.totals: Counter = Counter()
        self._scrubber = self._validator = None

    def stream(self, items: Iterable[dict | Rejected]) -> Iterator[dict | Rejected]:
        if self.policy == "off":
            for item in items:
                if isinstance(item, Rejected):
                    yield item
                else:
                    item["checks"]["pii"] = "off"
                    yield item
            return
        for batch in batches(items, self.batch_size):
            yield from self._batch(batch)

    def _batch(self, batch: list) -> Iterator[dict | Rejected]:
        """Every text of the batch through presidio at once (one group per item), then each item judged."""
        targets, groups, problems = [], [], []
        context = self.recipe.pii_context
        for item in batch:
            if isinstance(item, Rejected):
                target = {"message": item.detail, "record": item.record}
                fields = _rejection_fields(target, context)
            else:
                target, fields = item, text_fields(item, context)
            fields, problem = _drop_too_long(target, fields)
            targets.append(target)
            groups.append(fields)
            problems.append(problem)
        redacted = (
            self._scrub().redact_groups([[text for _, text in group] for group in groups])
            if any(groups)
            else [([], {}) for _ in groups]
        )
        for item, target, fields, problem, (texts, found) in zip(
            batch, targets, groups, problems, redacted, strict=True
        ):
            self.totals.update(found)
            for (path, _), text in zip(fields, texts, strict=True):
                set_text(target, path, text)
            if isinstance(item, Rejected):
                item.detail = target["message"]
                yield item
            else:
                yield from self._judged(item, found, problem)

    def _judged(self, record: dict, found: dict, problem: str | None) -> Iterator[dict | Rejected]:
        """The redacted record kept or rejected by the policy (its texts are already replaced)."""
        record["checks"]["pii"] = _added(record["checks"].get("pii"), found)
        if found or problem:
            rebuilt = Record.from_dict(record)
            rebuilt.rehash()
            record["id"] = rebuilt.id
        if problem is not None:
            yield Rejected(record, "text_too_long", problem)
            return
        if not found:
            yield record
            return
        summary = ", ".join(f"{kind}: {count}" for kind, count in found.items())
        if self.policy == "drop":
            yield Rejected(record, "pii_found", summary)
        elif record["provenance"].get("unlabeled"):
            yield record
        elif (problem := first_problem(self.recipe, self._schema(), record)) is not None:
            yield Rejected(
                record, "pii_broke_schema", f"after redacting {summary}: {problem[0]}: {problem[1]}"
            )
        else:
            yield record

    def _scrub(self):
        if self._scrubber is None:  # spaCy loads on the first text to read, not before
            from factory.pii import Scrubber

            recipe = self.recipe
            model = {"spacy_model": recipe.pii_ner_model} if recipe.pii_ner_model else {}
            self._scrubber = Scrubber(
                recipe.pii_entities, recipe.pii_thresholds, allow_list(recipe), **model
            )
        return self._scrubber

    def _schema(self):
        if self._validator is None:
            self._validator = schema_validator(self.recipe)
        return self._validator


class ScrubStage(Stage):
    name = "scrub"
    per_record = True
    batch_size = 64

    def process(self, records: Iterable[dict]) -> Iterator[dict | Rejected]:
        recipe = self.context.recipe
        redactor = Redactor(recipe, self.context.options.pii_policy or recipe.pii_policy)
        redactor.batch_size = self.batch_size
        yield from redactor.stream(records)
        if redactor.policy != "off":
            self.extras["entities"] = dict(sorted(redactor.totals.items()))
