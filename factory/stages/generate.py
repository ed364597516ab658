"""generate: the teacher writes new records from each seed (a distilabel Task the recipe picks).

The recipe's `teacher_task` (factory.teacher.modes, by teacher.mode: `variations` rewrites
of a seed's input, `pairs` new input/output pairs through the recipe's make_pair, `answer` the
output for a seed's input through make_answer; or the recipe's own Task) says what is asked,
how a seed becomes its input row, the JSON Schema a reply is constrained to where the server
can (llama.cpp) and how a parsed reply becomes records; this stage only runs it. It reads seed
records; yields each seed unchanged (except `unlabeled` ones: user material with no output,
which only prompts the teacher), then the task's records with provenance.origin `teacher`
(seed text, teacher model and URL, prompt hash, generation params, and the seed's context).
Rejects, keeping the seed and the raw reply: `teacher_failed` (the call failed after the
client's retries), `teacher_unparseable` (nothing usable in the reply); the task's own
rejections (factory.teacher.modes) pass through. At most `max_concurrency` requests are in
flight; every reply passes through the cache.
With --max-tokens / --max-cost, calls stop being sent once the budget is spent and the stage
raises BudgetExhausted before it writes the seeds of that batch (its output is not marked done,
so a rerun resumes here, from the cache).
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Iterable, Iterator

from factory.errors import ConfigError
from factory.record import Rejected, content_hash
from factory.stages.base import Stage, batches

MAX_RETRIES = 3  # the openai client's own retries of a failed request (backoff; Retry-After)


class GenerateStage(Stage):
    name = "generate"
    per_record = True
    needs_teacher = True
    reports_progress = True  # it reads ahead; progress counts the teacher's replies

    def batch_size(self) -> int:
        """Seeds handed to the teacher at once: many times the concurrency, so that requests flow
        and the batch boundaries (where in-flight requests drain) are rare."""
        return 16 * self.context.options.max_concurrency

    def task_class(self) -> type:
        """The teacher mode this stage runs: the recipe's (resolved when the recipe loaded)."""
        return self.context.recipe.teacher_task

    def count(self) -> int:
        """Things asked per seed, as the task counts them (--variations, --new-examples, ...)."""
        return self.task_class().count(self.context.recipe, self.context.options)

    def asks_teacher(self) -> bool:
        """Whether the teacher is asked anything (0 per seed asks nothing)."""
        return self.count() != 0

    def dry_run_prompts(self, seeds: list[dict]) -> list[list[dict]]:
        """The messages `factory build --dry-run` counts: one call per seed, as it would be sent."""
        task, llm = self._task()
        try:
            hooks = self.context.recipe.hooks
            return [task.format_input(task.row(seed, hooks)) for seed in seeds]
        finally:
            llm.close()

    def _task(self):
        from factory.teacher.grammar import grammar_problem, one_type_each
        from factory.teacher.llm import CachedOpenAILLM

        logging.getLogger("distilabel").setLevel(logging.ERROR)
        recipe, spec, options = self.context.recipe, self.context.teacher, self.context.options
        task_class = self.task_class()
        system_file, user_file = task_class.prompt_files(recipe)
        n = task_class.count(recipe, options)
        params: dict = {"max_new_tokens": recipe.max_tokens, "temperature": recipe.temperature}
        json_reply = task_class.json_reply(recipe)
        if json_reply and spec.structured == "llamacpp_schema":  # the server constrains the reply
            schema = one_type_each(task_class.reply_schema(recipe, n))
            if (problem := grammar_problem(schema)) is not None:
                raise ConfigError(f"{task_class.schema_file(recipe)}: {problem}")
            params["extra_body"] = {"response_format": {"type": "json_object", "schema": schema}}
        elif json_reply and spec.structured == "json_object":
            params["extra_body"] = {"response_format": {"type": "json_object"}}
        llm = CachedOpenAILLM(
            model=spec.model,
            base_url=spec.base_url,
            api_key=spec.api_key,
            max_retries=MAX_RETRIES,
            max_rps=options.max_rps,
            timeout=options.teacher_timeout,
            cache_path=str(self.context.cache_path),
            generation_kwargs=params,
            max_concurrency=spec.concurrency(options.max_concurrency),
        )
        system = system_file.read_text(encoding="utf-8")
        user = user_file.read_text(encoding="utf-8")
        task = task_class(
            name=f"write_{task_class.mode}",
            llm=llm,
            system_template=system,
            user_template=user,
            num_variations=n,
            input_batch_size=self.batch_size(),
        )
        task.load()
        if options.max_tokens is not None or options.max_cost is not None:
            from factory.budget import Budget, price_of

            # one budget for the build's teacher stages (generate, invent): --max-tokens counts both
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
            **task_class.provenance(),
        }
        return task, llm

    def process(self, records: Iterable[dict]) -> Iterator[dict | Rejected]:
        """Batches go to the teacher in a worker thread, one batch ahead of the records written here."""
        if not self.asks_teacher():  # --variations 0: nothing asked, the seeds pass as they are
            yield from records
            return
        task, llm = self._task()
        hooks = self.context.recipe.hooks
        llm.on_reply(lambda: self.advance(1))
        pending = None
        try:
            with ThreadPoolExecutor(max_workers=1, thread_name_prefix="teacher") as pool:
                for batch in batches(records, self.batch_size()):
                    rows = [task.row(seed, hooks) for seed in batch]
                    future = pool.submit(lambda rows=rows: next(task.process(rows)))
                    if pending is not None:
                        yield from self._emit(task, llm, hooks, *pending)
                    pending = (batch, rows, future)
                if pending is not None:
                    yield from self._emit(task, llm, hooks, *pending)
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

    def _emit(
        self, task, llm, hooks, batch: list[dict], rows: list[dict], future
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
            if not seed["provenance"].get("unlabeled"):  # else it lives on in the teacher's records
                yield seed
            result = out[task.outputs[0]]
            if result is None:
                failure = llm.failures.get(messages_key(task.format_input(row)))
                raw = (out.get("distilabel_metadata") or {}).get(f"raw_output_{task.name}")
                reason = "teacher_failed" if failure else "teacher_unparseable"
                yield Rejected({**seed, "raw_reply": raw}, reason, failure or out["parse_error"])
            else:
                yield from task.records(seed, row, result, self.provenance, hooks)
