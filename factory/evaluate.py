"""`factory eval`: generate on an export's test split with a model and score it with the recipe's metrics.

A model is `base` (the packaged student base), a trained run's folder or its merged/, a
local transformers folder, a GGUF file, or an OpenAI-compatible URL (how the teacher itself
is scored; `--teacher` names its model). Local models run through llama.cpp in process on
a GGUF whenever one exists or can be made (factory.models), else through transformers; the
summary says which runtime and file. Greedy decoding, one request at a time, so latency is per query.
With `constrain` (`factory eval --constrain`) each reply is decoded under the recipe's
answer_schema for its record: llama.cpp turns the JSON Schema into a grammar (its own
json-schema-to-grammar), an endpoint gets it as response_format json_schema; transformers has no
such decoder here, so --constrain with that runtime is an error before any request.
With `data` (`factory eval --data FILE.jsonl`) it scores a file of requests with gold answers
instead (factory.eval_data reads it, every line checked before any model runs), labelled
`<model>@<file stem>` by default so that it never overwrites a test-split eval (and
`<model>+constrained` with --constrain).
Writes data/<recipe>/evals/<label>.json (summary, with the data scored and its sha256) and
<label>.predictions.jsonl.
Each metric comes with a 95% interval (factory.stats: Wilson, or bootstrap for partial
scores), and a test split under factory.stats.MIN_JUDGE records is warned about.
`compare(labels)` puts summaries side by side (markdown + PNG) with seed 004's decision
(factory.model_card.decision; none between evals of different data):
deploy when a model beats the first (its base) by >= 5 points on the recipe's main metric,
and only where the numbers support it: no verdict on a split too small to judge, "deploy"
only when the whole 95% interval of the gain is >= 5 points, "do not deploy" when all of it
is below, "inconclusive" in between.
"""

from __future__ import annotations

import json
import math
import statistics
import time
from pathlib import Path

from factory import stats
from factory.errors import ConfigError, command_hint
from factory.export.formats import student_turns
from factory.jsonl import AtomicWriter, read_jsonl, write_json_file
from factory.model_card import decision, metric_cell, refresh_cards
from factory.recipes import load_recipe
from factory.stages.validate import schema_validator
from factory.teacher.extract import valid_unicode


class LocalModel:
    def __init__(self, path: str, max_new_tokens: int = 256):
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        self.torch, self.max_new_tokens = torch, max_new_tokens
        self.tokenizer = AutoTokenizer.from_pretrained(path)
        self.model = AutoModelForCausalLM.from_pretrained(path)
        self.model.eval()

    def __call__(self, messages: list[dict], schema: dict | None = None) -> tuple[str, int]:
        inputs = self.tokenizer.apply_chat_template(
            messages, add_generation_prompt=True, return_tensors="pt", return_dict=True
        )
        with self.torch.no_grad():
            output = self.model.generate(
                **inputs,
                max_new_tokens=self.max_new_tokens,
                do_sample=False,
                pad_token_id=self.tokenizer.eos_token_id,
            )
        new = output[0, inputs["input_ids"].shape[1] :]
        return self.tokenizer.decode(new, skip_special_tokens=True), int(new.shape[0])


class GGUFModel:
    def __init__(self, path: str, max_new_tokens: int = 256):
        from train.gguf import GGUFChat

        self.max_new_tokens, self.model = max_new_tokens, GGUFChat(Path(path))

    def __call__(self, messages: list[dict], schema: dict | None = None) -> tuple[str, int]:
        from factory.teacher.grammar import llama_grammar

        grammar = llama_grammar(schema) if schema is not None else None
        return self.model.chat(messages, self.max_new_tokens, grammar)


class Endpoint:
    def __init__(self, base_url: str, model: str | None, max_new_tokens: int = 256):
        from openai import OpenAI

        from factory.teacher.spec import resolve

        spec = resolve(model, base_url)
        self.model, self.max_new_tokens = spec.model, max_new_tokens
        self.client = OpenAI(base_url=spec.base_url, api_key=spec.api_key)

    def __call__(self, messages: list[dict], schema: dict | None = None) -> tuple[str, int]:
        form = {"type": "json_schema", "json_schema": {"name": "answer", "schema": schema}}
        reply = self.client.chat.completions.create(
            model=self.model,
            messages=messages,
            temperature=0,
            max_tokens=self.max_new_tokens,
            **({"response_format": form} if schema is not None else {}),
        )
        usage = reply.usage.completion_tokens if reply.usage else 0
        return reply.choices[0].message.content or "", usage


def _generator(model: str, teacher: str | None, max_new_tokens: int = 256, runtime: str = "auto"):
    """(generate, default label, what runs it: runtime, file, note)."""
    if model.startswith(("http://", "https://")):
        endpoint = Endpoint(
            model, teacher, max_new_tokens
        )  # named by the server's model where --teacher is not given
        return (
            endpoint,
            teacher or endpoint.model.replace("/", "--"),
            {"runtime": "endpoint", "file": model},
        )
    from factory.models import resolve

    resolved = resolve(model, runtime)
    engine = GGUFModel if resolved.runtime == "llama.cpp" else LocalModel
    return (
        engine(str(resolved.path), max_new_tokens),
        resolved.label,
        {"runtime": resolved.runtime, "file": str(resolved.path), "note": resolved.note},
    )


def reply_budget(recipe, records: list[dict]) -> int:
    """New tokens a model may write: room for the longest expected answer (about 2 characters a
    token, generous for JSON and code), never less than 256."""
    longest = max((len(student_turns(recipe, record)[2]) for record in records), default=0)
    return max(256, math.ceil(longest / 2))


def _eval_records(
    recipe, out: Path, run: str, data: Path | None, limit: int | None
) -> tuple[list[dict], dict, str]:
    """(records, what the summary says about them, how a warning names them): the export's test split,
    or with `data` a JSON Lines file of requests with gold answers, checked whole before any model runs."""
    from factory.eval_data import load, sha256_of

    if data is not None:
        records = load(recipe, Path(data))[:limit]
        return records, {"data": str(data), "data_sha256": sha256_of(Path(data))}, Path(data).name
    test = Path(out) / recipe.name / run / "export" / "records" / "test.jsonl"
    if not test.is_file():
        raise ConfigError(
            f"no test split at {test}; run {command_hint(f'factory export {recipe.name}', out, run)} first"
        )
    records = [obj for _, obj in read_jsonl(test)][:limit]
    if not records:
        raise ConfigError(f"{test} is empty; export with a larger test split")
    return records, {"data": str(test), "data_sha256": sha256_of(test)}, "the test split"


def _system_prompt(path: Path | None) -> tuple[str | None, dict]:
    """(the text of --system FILE, what the summary says about it), or (None, {}) for the student's prompt."""
    if path is None:
        return None, {}
    from factory.eval_data import sha256_of

    try:
        text = Path(path).read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"--system {path}: cannot read it ({exc.__class__.__name__})") from None
    if not text:
        raise ConfigError(f"--system {path}: the file is empty")
    return text, {"system_prompt": str(path), "system_prompt_sha256": sha256_of(Path(path))}


def _check_constrain(recipe, runs: dict | None = None) -> None:
    """--constrain needs a recipe that defines answer_schema (checked first, before a model loads) and
    a runtime that decodes under a schema (`runs`: checked once the model is resolved)."""
    if not recipe.hooks.defines("answer_schema"):
        raise ConfigError(
            f"--constrain: the {recipe.name} recipe defines no answer_schema hook (docs/recipes.md), "
            "so there is no schema to decode under"
        )
    if runs and runs["runtime"] == "transformers":
        raise ConfigError(
            "--constrain decodes with llama.cpp (a GGUF) or an endpoint; this model runs with "
            "transformers: drop --runtime transformers or give a .gguf"
        )


def evaluate(
    recipe_name: str,
    model: str,
    *,
    out: Path = Path("data"),
    run: str = "latest",
    limit: int | None = None,
    teacher: str | None = None,
    label: str | None = None,
    runtime: str = "auto",
    progress=None,
    announce=None,
    data: Path | None = None,
    system: Path | None = None,
    constrain: bool = False,
) -> dict:
    """Score `model` on the test split, or on the requests and gold answers of `data` (default label
    `<model>@<file stem>`, so that it never overwrites a test-split eval). `announce(dict)` hears the
    runtime and file before the first request; `progress(done, total)` after each one. `system`: a
    text file asked as the system prompt instead of the student's (a teacher given the task's full
    instructions, as a reference row); the summary records its path and hash. `constrain`: decode
    each reply under the recipe's answer_schema for its record (see the module docstring)."""
    recipe = load_recipe(recipe_name)
    instructions, about_system = _system_prompt(system)
    metrics = recipe.metrics()
    records, about, named = _eval_records(recipe, out, run, data, limit)
    if constrain:
        _check_constrain(recipe)
    generate, default_label, runs = _generator(
        model, teacher, reply_budget(recipe, records), runtime
    )
    default_label += "+constrained" if constrain else ""  # never overwrites the free eval
    label = label or (f"{default_label}@{Path(data).stem}" if data is not None else default_label)
    if constrain:
        _check_constrain(recipe, runs)
        runs = {**runs, "constrained": "answer_schema"}
    if announce:
        announce(runs)
    validator = schema_validator(recipe)
    scores, latencies, tokens = [], [], 0
    target = Path(out) / recipe.name / "evals"
    with AtomicWriter(target / f"{label}.predictions.jsonl") as predictions:
        for record in records:
            student_system, user, _ = student_turns(recipe, record)
            messages = [
                {"role": "system", "content": instructions or student_system},
                {"role": "user", "content": user},
            ]
            started = time.perf_counter()
            schema = recipe.hooks.answer_schema(record) if constrain else None
            reply, new_tokens = generate(messages, schema)
            reply = valid_unicode(
                reply
            )  # a lone surrogate from a model must not break predictions.jsonl
            latencies.append(time.perf_counter() - started)
            tokens += new_tokens
            scores.append(metrics.score(reply, record, validator))
            predictions.write_json(
                {
                    "id": record["id"],
                    "source": record.get("provenance", {}).get("source"),
                    "input": record["input"],
                    "reply": reply,
                    "scores": scores[-1],
                }
            )
            if progress:
                progress(len(scores), len(records))
    summary = {
        "recipe": recipe.name,
        "model": model,
        "label": label,
        **runs,
        **about,
        **about_system,
        "examples": len(records),
        "main_metric": metrics.MAIN,
        "metrics": {
            name: round(100 * statistics.fmean(s[name] for s in scores), 1)
            for name in metrics.METRICS
        },
        "intervals": {
            name: stats.interval([float(s[name]) for s in scores]) for name in metrics.METRICS
        },
        "warnings": [
            w for w in [stats.too_few(len(records), f"{named}{' (--limit)' if limit else ''}")] if w
        ],
        "latency_p50_s": round(statistics.median(latencies), 3),
        "latency_p95_s": round(
            sorted(latencies)[math.ceil(0.95 * len(latencies)) - 1], 3
        ),  # nearest rank
        "tokens_per_s": round(tokens / sum(latencies), 1) if sum(latencies) else 0.0,
    }
    write_json_file(target / f"{label}.json", summary)

    refresh_cards(Path(out) / recipe.name / "models")  # the students' cards show the new numbers
    return summary


def compare(
    recipe_name: str, labels: list[str], *, out: Path = Path("data")
) -> tuple[str, list[str]]:
    """A markdown table of the evals named by `labels` (the first is the baseline) and the decisions."""
    target = Path(out) / recipe_name / "evals"
    summaries = []
    for label in labels:
        path = target / f"{label}.json"
        if not path.is_file():
            raise ConfigError(
                f"no eval named {label!r} in {target}; run "
                f"{command_hint(f'factory eval {recipe_name} --label {label} --model MODEL', out)} first"
            )
        summaries.append(json.loads(path.read_text()))
    names = list(summaries[0]["metrics"])
    lines = [
        "| model | n | " + " | ".join(names) + " | p50 s | p95 s | tok/s |",
        "|---" * (len(names) + 5) + "|",
    ]
    for s in summaries:
        lines.append(
            f"| {s['label']} | {s['examples']} | "
            + " | ".join(metric_cell(s, n) for n in names)
            + f" | {s['latency_p50_s']} | {s['latency_p95_s']} | {s['tokens_per_s']} |"
        )
    main, base = summaries[0]["main_metric"], summaries[0]
    decisions = [_other_data(base, s) or decision(base, s, main) for s in summaries[1:]]
    table = "\n".join(lines)
    (target / "compare.md").write_text(
        table + "\n\n" + "\n".join(f"- {d}" for d in decisions) + "\n"
    )
    _chart(summaries, names, target / "compare.png")
    return table, decisions


def _other_data(base: dict, other: dict) -> str | None:
    """No verdict between evals of different requests (a test split and a --data file, two files, two
    exports); evals written before the data was recorded are taken as they are."""
    if (
        not base.get("data_sha256")
        or not other.get("data_sha256")
        or base["data_sha256"] == other["data_sha256"]
    ):
        return None
    return (
        f"{other['label']} vs {base['label']}: no verdict: they scored different data ({base['data']} vs "
        f"{other['data']}); compare evals of the same requests"
    )


def _chart(summaries: list[dict], names: list[str], path: Path) -> None:
    from factory.charts import grouped_bars

    grouped_bars(
        {s["label"]: s["metrics"] for s in summaries}, names, path, ylabel="%", ylim=(0, 100)
    )
