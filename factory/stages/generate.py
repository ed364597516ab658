"""generate: the teacher writes N natural-language variations of each seed (distilabel Task).

Reads seed records; yields each seed unchanged, then one record per variation with the
seed's output and labels and provenance.origin `teacher` (seed text, values to keep,
teacher model and URL, prompt hash, generation params). Rejects, keeping the seed and
the raw reply: `teacher_failed` (the call failed after the client's retries),
`teacher_unparseable` (no variations in the reply), `variation_duplicate`, `variation_bad_text`
(invalid Unicode, e.g. a lone "\\ud8a3" escape, shown as U+FFFD).
At most `max_concurrency` requests are in flight; every reply passes through the cache.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Iterable, Iterator

from factory.record import Record, Rejected, content_hash
from factory.stages.base import Stage, batches


class GenerateStage(Stage):
    name = "generate"
    needs_teacher = True
    reports_progress = True  # it reads ahead; progress counts the teacher's replies

    def batch_size(self) -> int:
        """Seeds handed to the teacher at once: many times the concurrency, so that requests flow
        and the batch boundaries (where in-flight requests drain) are rare."""
        return 16 * self.context.options.max_concurrency

    def _task(self):
        from factory.teacher.llm import CachedOpenAILLM
        from factory.teacher.task import WriteVariations, reply_schema

        logging.getLogger("distilabel").setLevel(logging.ERROR)
        recipe, spec = self.context.recipe, self.context.teacher
        n = self.context.options.variations or recipe.variations
        params: dict = {"max_new_tokens": recipe.max_tokens, "temperature": recipe.temperature}
        if spec.structured == "llamacpp_schema":
            params["extra_body"] = {"response_format": {"type": "json_object", "schema": reply_schema(n)}}
        elif spec.structured == "json_object":
            params["extra_body"] = {"response_format": {"type": "json_object"}}
        llm = CachedOpenAILLM(model=spec.model, base_url=spec.base_url, api_key=spec.api_key, max_retries=3,
                              cache_path=str(self.context.cache_path), generation_kwargs=params,
                              max_concurrency=self.context.options.max_concurrency)
        system, user = recipe.system_prompt.read_text(encoding="utf-8"), recipe.prompt.read_text(encoding="utf-8")
        task = WriteVariations(name="write_variations", llm=llm, system_template=system, user_template=user,
                               num_variations=n, input_batch_size=self.batch_size())
        task.load()
        self.provenance = {"origin": "teacher", "teacher": spec.public(), "prompt_hash": content_hash(system, user),
                           "params": {k: v for k, v in params.items() if k != "extra_body"}}
        return task, llm

    def process(self, records: Iterable[dict]) -> Iterator[dict | Rejected]:
        """Batches go to the teacher in a worker thread, one batch ahead of the records written here."""
        task, llm = self._task()
        llm.on_reply(lambda: self.advance(1))
        keep_values = self.context.recipe.module.keep_values
        pending = None
        try:
            with ThreadPoolExecutor(max_workers=1, thread_name_prefix="teacher") as pool:
                for batch in batches(records, self.batch_size()):
                    rows = [{"text": seed["input"], "keep": keep_values(seed["input"], seed["output"])} for seed in batch]
                    future = pool.submit(lambda rows=rows: next(task.process(rows)))
                    if pending is not None:
                        yield from self._emit(task, llm, *pending)
                    pending = (batch, rows, future)
                if pending is not None:
                    yield from self._emit(task, llm, *pending)
        finally:
            self.extras["tokens"] = {"prompt": llm.prompt_tokens, "completion": llm.completion_tokens}
            self.extras["cache"] = {"hits": llm.cache.hits, "misses": llm.cache.misses, "failed_calls": len(llm.failures)}
            llm.close()

    def _emit(self, task, llm, batch: list[dict], rows: list[dict], future) -> Iterator[dict | Rejected]:
        from factory.teacher.llm import messages_key

        for seed, row, out in zip(batch, rows, future.result(), strict=True):
            yield seed
            if out["variations"] is None:
                failure = llm.failures.get(messages_key(task.format_input(row)))
                raw = (out.get("distilabel_metadata") or {}).get("raw_output_write_variations")
                reason = "teacher_failed" if failure else "teacher_unparseable"
                yield Rejected({**seed, "raw_reply": raw}, reason, failure or out["parse_error"])
                continue
            yield from self._variations(seed, row["keep"], out["variations"])

    def _variations(self, seed: dict, keep: list[str], variations: list[str]) -> Iterator[dict | Rejected]:
        seen = {seed["input"].strip().lower()}
        for index, text in enumerate(variations):
            provenance = {**self.provenance, "source": seed["provenance"]["source"], "seed_text": seed["input"],
                          "keep_values": keep, "variation_index": index}
            record = Record(recipe=seed["recipe"], kind=seed["kind"], schema_version=seed["schema_version"],
                            seed_id=seed["seed_id"], input=text, output=seed["output"], labels=seed["labels"],
                            provenance=provenance).to_dict()
            if "\ufffd" in text:
                yield Rejected(record, "variation_bad_text", "invalid Unicode in the teacher's text (shown as U+FFFD)")
                continue
            if text.strip().lower() in seen:
                yield Rejected(record, "variation_duplicate", "same text as the seed or an earlier variation")
                continue
            seen.add(text.strip().lower())
            yield record
