"""generate: the teacher writes new records from each seed (distilabel Tasks), by teacher.mode:

- `variations`: N natural-language rewrites of the seed's input, each with the seed's output
  and labels (provenance keeps the seed text and the values to keep);
- `pairs`: N new (input, output) pairs written from the seed and its context, each turned
  into a record by the recipe's `make_pair` (ValueError -> `teacher_bad_pair`);
- `answer`: the output for the seed's input, turned into a record by the recipe's
  `make_answer` (ValueError -> `teacher_bad_answer`); with `teacher.reply: json` the reply
  is constrained to the recipe's schema where the server can (llama.cpp), as pairs are.
Reads seed records; yields each seed unchanged (except `unlabeled` ones: user material
with no output, which only prompts the teacher), then the teacher's records with
provenance.origin `teacher` (seed text, teacher model and URL, prompt hash, generation
params, and the seed's context). Rejects, keeping the seed and the raw reply:
`teacher_failed` (the call failed after the client's retries), `teacher_unparseable`
(nothing usable in the reply), `variation_duplicate` (same input as the seed or an earlier
record of it), `variation_bad_text` (invalid Unicode, e.g. a lone "\\ud8a3" escape, shown as
U+FFFD). At most `max_concurrency` requests are in flight; every reply passes through the cache.
With --max-tokens / --max-cost, calls stop being sent once the budget is spent and the stage
raises BudgetExhausted before it writes the seeds of that batch (its output is not marked done,
so a rerun resumes here, from the cache).
"""

from __future__ import annotations

import json
import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Iterable, Iterator

from factory.errors import ConfigError
from factory.record import Record, Rejected, content_hash
from factory.stages.base import Stage, batches

MAX_RETRIES = (
    3  # the openai client's own retries of a failed request (backoff; it honours Retry-After)
)


class GenerateStage(Stage):
    name = "generate"
    per_record = True
    needs_teacher = True
    reports_progress = True  # it reads ahead; progress counts the teacher's replies

    def batch_size(self) -> int:
        """Seeds handed to the teacher at once: many times the concurrency, so that requests flow
        and the batch boundaries (where in-flight requests drain) are rare."""
        return 16 * self.context.options.max_concurrency

    def _task(self):
        from factory.teacher.grammar import grammar_problem
        from factory.teacher.llm import CachedOpenAILLM
        from factory.teacher.task import (
            WriteAnswer,
            WritePairs,
            WriteVariations,
            pairs_schema,
            reply_schema,
        )

        logging.getLogger("distilabel").setLevel(logging.ERROR)
        recipe, spec = self.context.recipe, self.context.teacher
        mode = recipe.teacher_mode
        n = 1 if mode == "answer" else self.context.options.variations or recipe.variations
        params: dict = {"max_new_tokens": recipe.max_tokens, "temperature": recipe.temperature}
        json_reply = mode != "answer" or recipe.teacher_reply == "json"
        if (
            json_reply and spec.structured == "llamacpp_schema"
        ):  # the server constrains its reply to the schema
            schema = {
                "variations": lambda: reply_schema(n),
                "answer": lambda: _plain_schema(recipe.schema()),
                "pairs": lambda: pairs_schema(n, _plain_schema(recipe.schema())),
            }[mode]()
            if (problem := grammar_problem(schema)) is not None:
                raise ConfigError(f"{recipe.schema_path}: {problem}")
            params["extra_body"] = {"response_format": {"type": "json_object", "schema": schema}}
        elif json_reply and spec.structured == "json_object":
            params["extra_body"] = {"response_format": {"type": "json_object"}}
        options = self.context.options
        llm = CachedOpenAILLM(
            model=spec.model,
            base_url=spec.base_url,
            api_key=spec.api_key,
            max_retries=MAX_RETRIES,
            max_rps=options.max_rps,
            timeout=options.teacher_timeout,
            cache_path=str(self.context.cache_path),
            generation_kwargs=params,
            max_concurrency=spec.concurrency(self.context.options.max_concurrency),
        )
        system, user = (
            recipe.system_prompt.read_text(encoding="utf-8"),
            recipe.prompt.read_text(encoding="utf-8"),
        )
        task_class = {"variations": WriteVariations, "pairs": WritePairs, "answer": WriteAnswer}[
            mode
        ]
        task = task_class(
            name=f"write_{mode}",
            llm=llm,
            system_template=system,
            user_template=user,
            num_variations=n,
            input_batch_size=self.batch_size(),
        )
        task.load()
        if options.max_tokens is not None or options.max_cost is not None:
            from factory.budget import Budget, price_of

            # one budget for the build's teacher stages (generate, invent): --max-tokens counts them together
            budget = getattr(self.context, "teacher_budget", None) or Budget(
                options.max_tokens,
                options.max_cost,
                price_of(spec.model, options.price_in, options.price_out),
            )
            self.context.teacher_budget = budget
            llm.set_budget(budget)
        self.provenance = {
            "origin": "teacher",
            "teacher": spec.provenance(),
            "prompt_hash": content_hash(system, user),
            "params": {k: v for k, v in params.items() if k != "extra_body"},
        }
        return task, llm

    def process(self, records: Iterable[dict]) -> Iterator[dict | Rejected]:
        """Batches go to the teacher in a worker thread, one batch ahead of the records written here."""
        task, llm = self._task()
        llm.on_reply(lambda: self.advance(1))
        pending = None
        try:
            with ThreadPoolExecutor(max_workers=1, thread_name_prefix="teacher") as pool:
                for batch in batches(records, self.batch_size()):
                    rows = [self._row(seed) for seed in batch]
                    future = pool.submit(lambda rows=rows: next(task.process(rows)))
                    if pending is not None:
                        yield from self._emit(task, llm, *pending)
                    pending = (batch, rows, future)
                if pending is not None:
                    yield from self._emit(task, llm, *pending)
        finally:
            self.extras["tokens"] = {
                "prompt": llm.prompt_tokens,
                "completion": llm.completion_tokens,
            }
            self.extras["cache"] = {
                "hits": llm.cache.hits,
                "misses": llm.cache.misses,
                "failed_calls": len(llm.failures),
            }
            llm.close()

    def _row(self, seed: dict) -> dict:
        recipe = self.context.recipe
        if recipe.teacher_mode == "variations":
            return {
                "text": seed["input"],
                "keep": recipe.hooks.keep_values(seed["input"], seed["output"]),
            }
        return {
            "seed": {
                "input": seed["input"],
                "output": seed["output"],
                "labels": seed["labels"],
                "context": seed["provenance"].get("context") or {},
            }
        }

    def _emit(
        self, task, llm, batch: list[dict], rows: list[dict], future
    ) -> Iterator[dict | Rejected]:
        from factory.teacher.llm import messages_key

        results = future.result()
        if llm.budget is not None and llm.budget.refused:
            from factory.budget import BudgetExhausted

            raise BudgetExhausted(
                f"teacher budget reached: {llm.budget.summary()}; every reply so far is kept in "
                "the cache, so a rerun with the same --run and a higher limit pays only for the rest"
            )
        for seed, row, out in zip(batch, rows, results, strict=True):
            if not seed["provenance"].get(
                "unlabeled"
            ):  # an unlabeled seed lives on in the teacher's records
                yield seed
            result = out[task.outputs[0]]
            if result is None:
                failure = llm.failures.get(messages_key(task.format_input(row)))
                raw = (out.get("distilabel_metadata") or {}).get(f"raw_output_{task.name}")
                reason = "teacher_failed" if failure else "teacher_unparseable"
                yield Rejected({**seed, "raw_reply": raw}, reason, failure or out["parse_error"])
            elif "keep" in row:
                yield from self._variations(seed, row["keep"], result)
            else:
                yield from self._written(
                    seed, row["seed"], result if isinstance(result, list) else [result]
                )

    def _variations(
        self, seed: dict, keep: list[str], variations: list[str]
    ) -> Iterator[dict | Rejected]:
        seen = {seed["input"].strip().lower()}
        for index, text in enumerate(variations):
            provenance = {
                **self.provenance,
                "source": seed["provenance"]["source"],
                "seed_text": seed["input"],
                "keep_values": keep,
                "variation_index": index,
                **_context(seed),
            }
            record = Record(
                recipe=seed["recipe"],
                kind=seed["kind"],
                schema_version=seed["schema_version"],
                seed_id=seed["seed_id"],
                input=text,
                output=seed["output"],
                labels=seed["labels"],
                provenance=provenance,
            ).to_dict()
            if "\ufffd" in text:
                yield Rejected(
                    record,
                    "variation_bad_text",
                    "invalid Unicode in the teacher's text (shown as U+FFFD)",
                )
                continue
            if text.strip().lower() in seen:
                yield Rejected(
                    record, "variation_duplicate", "same text as the seed or an earlier variation"
                )
                continue
            seen.add(text.strip().lower())
            yield record

    def _written(self, seed: dict, shown: dict, items: list) -> Iterator[dict | Rejected]:
        """Records from the teacher's pairs (or its one answer), each judged by the recipe's hook."""
        recipe = self.context.recipe
        make = (
            recipe.hooks.make_pair if recipe.teacher_mode == "pairs" else recipe.hooks.make_answer
        )
        reason = "teacher_bad_pair" if recipe.teacher_mode == "pairs" else "teacher_bad_answer"
        seen = {(_key(seed["input"]), _key(seed["output"]))}
        for index, item in enumerate(items):
            provenance = {
                **self.provenance,
                "source": seed["provenance"]["source"],
                "seed_text": seed["input"],
                "variation_index": index,
                **_context(seed),
            }
            try:
                made = make(item, shown)
                made = {**made, "input": made["input"], "output": made["output"]}
            except (
                ValueError,
                KeyError,
                TypeError,
            ) as exc:  # the teacher's item is not what the recipe needs
                yield Rejected(
                    {
                        "input": None,
                        "output": None,
                        "seed_id": seed["seed_id"],
                        "provenance": provenance,
                        "raw_item": item,
                    },
                    reason,
                    str(exc) or type(exc).__name__,
                )
                continue
            record = Record(
                recipe=seed["recipe"],
                kind=seed["kind"],
                schema_version=seed["schema_version"],
                seed_id=seed["seed_id"],
                input=made["input"],
                output=made["output"],
                labels=made.get("labels") or recipe.hooks.labels(made["output"]),
                provenance=provenance,
            ).to_dict()
            if "\ufffd" in json.dumps([made["input"], made["output"]], ensure_ascii=False):
                yield Rejected(
                    record,
                    "variation_bad_text",
                    "invalid Unicode in the teacher's text (shown as U+FFFD)",
                )
                continue
            key = (_key(made["input"]), _key(made["output"]))
            if key in seen:
                yield Rejected(
                    record,
                    "variation_duplicate",
                    "same input and output as the seed or an earlier one",
                )
                continue
            seen.add(key)
            yield record


def _key(value) -> str:
    return value.strip().lower() if isinstance(value, str) else json.dumps(value, sort_keys=True)


def _context(seed: dict) -> dict:
    """The seed's context travels with every record made from it (e.g. the tools a call may use)."""
    context = seed["provenance"].get("context")
    return {"context": context} if context else {}


def _plain_schema(schema: dict) -> dict:
    """The recipe's schema without the annotations llama.cpp's grammar converter does not need."""
    return {
        key: value
        for key, value in schema.items()
        if key not in ("$schema", "$id", "title", "description")
    }
