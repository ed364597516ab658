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
a text over 1,000,000 characters (what spaCy reads at once) is rejected as `text_too_long`.
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
    if isinstance(last, _Key):  # rename the key in place, keeping the order (values were set before)
        items = [(value if k == last else k, v) for k, v in node.items()]
        node.clear()
        node.update(items)
    else:
        node[last] = value


def text_fields(record: dict, context: bool = True) -> list[tuple[tuple, str]]:
    provenance = record.get("provenance", {})
    fields = list(_strings(record["input"], ("input",))) + list(_strings(record["output"], ("output",)))
    for key in ("seed_text", "keep_values", "context") if context else ("seed_text", "keep_values"):
        if key in provenance:
            fields += list(_strings(provenance[key], ("provenance", key), keys=key == "context"))
    return fields


MAX_TEXT_CHARS = 1_000_000  # spaCy's nlp.max_length: a longer text cannot be scanned, so cannot be trusted


def _too_long(fields: list[tuple[tuple, str]]) -> str | None:
    """Why a record's longest text cannot be scanned (over spaCy's limit), or None."""
    path, text = max(fields, key=lambda field: len(field[1]), default=((), ""))
    if len(text) <= MAX_TEXT_CHARS:
        return None
    where = "/".join(str(part) for part in path)
    return f"{where}: {len(text):,} characters, over the {MAX_TEXT_CHARS:,} the PII scanner reads; shorten it"


class ScrubStage(Stage):
    name = "scrub"
    per_record = True
    batch_size = 64

    def process(self, records: Iterable[dict]) -> Iterator[dict | Rejected]:
        recipe = self.context.recipe
        policy = self.context.options.pii_policy or recipe.pii_policy
        if policy == "off":
            for record in records:
                record["checks"]["pii"] = "off"
                yield record
            return
        from factory.pii import Scrubber

        scrubber = Scrubber(recipe.pii_entities, recipe.pii_thresholds, recipe.pii_allow)
        validator = schema_validator(recipe)
        totals: Counter = Counter()
        for batch in batches(records, self.batch_size):
            readable = []
            for record in batch:
                group = text_fields(record, recipe.pii_context)
                if (problem := _too_long(group)) is not None:
                    yield Rejected(record, "text_too_long", problem)
                else:
                    readable.append((record, group))
            batch, fields = [record for record, _ in readable], [group for _, group in readable]
            redacted = scrubber.redact_groups([[text for _, text in group] for group in fields])
            for record, group, (texts, found) in zip(batch, fields, redacted, strict=True):
                record["checks"]["pii"] = found
                totals.update(found)
                if not found:
                    yield record
                    continue
                for (path, _), text in zip(group, texts, strict=True):
                    set_text(record, path, text)
                rebuilt = Record.from_dict(record)
                rebuilt.rehash()
                record["id"] = rebuilt.id
                summary = ", ".join(f"{kind}: {count}" for kind, count in found.items())
                if policy == "drop":
                    yield Rejected(record, "pii_found", summary)
                elif record["provenance"].get("unlabeled"):
                    yield record
                elif (problem := first_problem(recipe, validator, record)) is not None:
                    yield Rejected(record, "pii_broke_schema", f"after redacting {summary}: {problem[0]}: {problem[1]}")
                else:
                    yield record
        self.extras["entities"] = dict(sorted(totals.items()))
