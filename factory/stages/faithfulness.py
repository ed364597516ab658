"""faithfulness: a teacher variation must stay close to its seed's text, but not copy it.

Reads records; for the teacher's rewrites (provenance.origin `teacher`; not the new examples of
the invent stage, provenance.mode `new`, which are no rewrite of their seed), computes the cosine
similarity of input and provenance.seed_text (all-MiniLM-L6-v2, vectors cached by text
for the dedup stage) and keeps it in
checks.faithfulness. Outside the recipe's band [min, max] it rejects:
`variation_drifted` (below min) or `variation_copied` (above max). Other records pass.
"""

from __future__ import annotations

from typing import Iterable, Iterator

from factory.embeddings import EmbeddingCache, embed
from factory.record import Rejected
from factory.stages.base import Stage, batches


class FaithfulnessStage(Stage):
    name = "faithfulness"
    per_record = True
    batch_size = 256

    def process(self, records: Iterable[dict]) -> Iterator[dict | Rejected]:
        cache = EmbeddingCache(self.context.embedding_cache_path)
        try:
            yield from self._scored(records, cache)
        finally:
            cache.close()

    def _scored(self, records: Iterable[dict], cache: EmbeddingCache) -> Iterator[dict | Rejected]:
        low, high = self.context.recipe.faithfulness
        for batch in batches(records, self.batch_size):
            teacher = [
                r
                for r in batch
                if r["provenance"].get("origin") == "teacher"
                and r["provenance"].get("mode") != "new"
            ]
            scores = {}
            if teacher:
                left = embed([r["input"] for r in teacher], cache)
                right = embed([r["provenance"]["seed_text"] for r in teacher], cache)
                scores = {
                    id(r): round(float(s), 4)
                    for r, s in zip(teacher, (left * right).sum(axis=1), strict=True)
                }
            for record in batch:
                if id(record) not in scores:
                    yield record
                    continue
                score = scores[id(record)]
                record["checks"]["faithfulness"] = score
                if score < low:
                    yield Rejected(record, "variation_drifted", f"similarity {score} < {low}")
                elif score > high:
                    yield Rejected(record, "variation_copied", f"similarity {score} > {high}")
                else:
                    yield record
