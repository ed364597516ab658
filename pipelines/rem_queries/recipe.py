"""rem_queries: what the core needs from this recipe — seeds, records' outputs, the task validator.

- `grammar_seeds(count, random_seed)`: the grammar's pairs as seed dicts (origin grammar).
- `user_seed(obj)`: one line of a user seed file ({"input": ..., "rem": ..., "explanation"?}).
- `keep_values(text, output)`: literal values a rewrite of `text` must keep: keys, quoted terms and
  edge types verbatim; dates, numbers and thresholds by their meaning (factory.literals: "September
  1, 2024", "three", "70%" keep 2024-09-01, 3 and 0.7).
- `pii_vocabulary()`: the task's own words (tables, operations, edge types, the grammar's keys and
  topics), which the PII scrub never takes for personal data.
- `make_pair(item, seed)`: a new example the teacher wrote (stage `invent`, prompts/new.jinja) as a
  record's input, output and labels; the validator then parses and executes its query.
- `validate(record)`: None, or (reason, detail) — the REM query parses and executes, the
  structured output agrees with it, and a teacher variation kept every literal value (by meaning).
- `student_answer(record)` / `student_output(reply)`: the student learns to write the REM query
  alone; intent, query type, parameters and explanation follow from it (build_output), so a
  student spends no tokens, and makes no mistakes, on fields that only restate the query. A JSON
  reply (a teacher's, an older student's) is read as it is.
Schema validation is done by the core against schemas/rem_query.schema.json.
"""

from __future__ import annotations

import random
import re
from typing import Any, Iterator

from factory.literals import said_in, spelled_out
from factory.surface import casual
from factory.teacher.extract import extract_json
from pipelines.rem_queries import grammar, rem, vocabulary

LABELS = ("intent", "query_type")


def explain(query_type: str, params: dict) -> str:
    table = params.get("table_name") or "all tables"
    if query_type == "LOOKUP":
        return f"Using LOOKUP to fetch the item stored under key {params['key']} directly."
    if query_type == "SEARCH":
        extra = "".join(f", {k} {v}" for k, v in params.get("time_filter", {}).items())
        return f"Using SEARCH for semantic similarity over {table}{extra}, top {params.get('limit', 'all')} results."
    if query_type == "SQL":
        return f"Using SQL because the request filters, sorts or counts by exact fields of {table}."
    if query_type == "FUZZY":
        return f"Using FUZZY because the text looks misspelled; matches in {table} above similarity {params['threshold']}."
    return f"Using TRAVERSE to follow {', '.join(params['edge_types'])} edges from {params['key']} up to depth {params['depth']}."


def build_output(rem_query: str, explanation: str | None = None) -> dict:
    """The structured target of a REM string; raises rem.RemError if it does not parse."""
    query_type, params = rem.parse(rem_query)
    return {
        "intent": rem.INTENTS[query_type],
        "query_type": query_type,
        "parameters": params,
        "explanation": explanation or explain(query_type, params),
        "rem": rem_query.strip(),
    }


def student_answer(record: dict) -> str:
    """The REM query alone: what the student writes."""
    return record["output"]["rem"]


_FENCE = re.compile(r"```[a-zA-Z]*\s*(.*?)\s*```", re.S)


def student_output(reply: str) -> dict:
    """The output a reply stands for: a JSON object as it is, else its query (the first line, a
    ``` fence or a "REM:" label around it allowed) with the fields build_output derives from it.
    ValueError when the reply is neither."""
    try:
        found = extract_json(reply)
    except ValueError:
        found = None
    if isinstance(found, dict):
        return found
    text = reply.strip()
    fenced = _FENCE.search(text)
    lines = [line.strip() for line in (fenced.group(1) if fenced else text).splitlines()]
    query = next((line for line in lines if line), "")
    query = re.sub(r"^(?:REM(?: query)?\s*:\s*)", "", query, flags=re.I).strip("`").strip()
    try:
        return build_output(query)
    except rem.RemError as exc:
        raise ValueError(f"the reply is no JSON and no REM query ({exc})") from None


def pii_vocabulary() -> list[str]:
    """Words of the task itself: never personal data, whatever a name finder thinks of them."""
    columns = {column for fields in rem.TABLES.values() for column in fields}  # `uri` is no person
    return sorted(
        {
            *rem.INTENTS,
            *vocabulary.EDGES,
            *rem.TABLES,
            *columns,
            *vocabulary.CATEGORIES,
            *vocabulary.MOMENT_TYPES,
            *vocabulary.ENTITY_TYPES,
            *vocabulary.TOPICS,
            *vocabulary.MISSPELLED,
            *vocabulary.RESOURCE_KEYS,
            *vocabulary.ENTITY_KEYS,
            *vocabulary.MOMENT_KEYS,
            *vocabulary.EMOTIONS,
            *vocabulary.TOPIC_TAGS,
            *(name for names in vocabulary.EDGE_NAMES.values() for name in names),
        }
    )


def labels(output: dict) -> dict:
    return {name: output[name] for name in LABELS}


def grammar_seeds(count: int, random_seed: int) -> Iterator[dict[str, Any]]:
    """The grammar's pairs, each request typed the casual ways people type it (factory.surface:
    lowercase, "pls", a typo in an ordinary word), its keys, quoted terms and values untouched."""
    typing = random.Random(random_seed + 1)
    for pair in grammar.generate(count, random_seed):
        output = build_output(pair["rem"])
        text = casual(pair["text"], typing, keep=keep_values(pair["text"], output))
        yield {
            "input": text,
            "output": output,
            "labels": labels(output),
            "provenance": {"origin": "grammar", "source": f"grammar:{pair['template']}"},
        }


def user_seed(obj: Any) -> dict[str, Any]:
    """A seed from a user file line; raises ValueError (missing fields) or rem.RemError."""
    if (
        not isinstance(obj, dict)
        or not isinstance(obj.get("input"), str)
        or not isinstance(obj.get("rem"), str)
    ):
        raise ValueError('each line needs {"input": "<request>", "rem": "<REM query>"}')
    output = build_output(obj["rem"], obj.get("explanation"))
    return {"input": obj["input"], "output": output, "labels": labels(output)}


def _literals(output: dict) -> list[str]:
    params = output["parameters"]
    values = [params.get("key"), params.get("query_text"), *params.get("time_filter", {}).values()]
    if "sql" in params:
        values += re.findall(r"'([^']*)'", params["sql"])
    values += [str(params[name]) for name in ("limit", "threshold", "depth") if name in params]
    values += params.get("edge_types", [])
    return [v for v in values if v]


def keep_values(text: str, output: dict) -> list[str]:
    """The literal values of the query that the request spells out; a rewrite must keep them."""
    seen: list[str] = []
    for value in _literals(output):
        if spelled_out(value, text) and value not in seen:
            seen.append(value)
    return seen


def make_pair(item: Any, seed: dict) -> dict:
    """One teacher-written example ({"input": request, "output": {"rem": query}}, prompts/new.schema.json)
    as {"input", "output", "labels"}; ValueError (a rem.RemError names its reason) when it is unusable.
    The structured output is built from the query, which must parse; `validate` then executes it."""
    if not isinstance(item, dict):
        raise ValueError(f"an example must be an object, got {type(item).__name__}")
    request, output = item.get("input"), item.get("output")
    if not isinstance(request, str) or len(request.split()) < 2:
        raise ValueError("input must be a request of at least two words")
    if not isinstance(output, dict) or not isinstance(output.get("rem"), str):
        raise ValueError('output must be {"rem": "<REM query>"}')
    built = build_output(output["rem"])
    return {"input": " ".join(request.split()), "output": built, "labels": labels(built)}


def validate(record: dict) -> tuple[str, str] | None:
    output = record["output"]
    try:
        expected = build_output(output["rem"], output["explanation"])
    except rem.RemError as exc:
        return exc.reason, exc.detail
    for name in ("query_type", "intent", "parameters"):
        if output[name] != expected[name]:
            return (
                "output_mismatch",
                f"{name} is {output[name]!r} but the REM query says {expected[name]!r}",
            )
    lost = [
        v for v in record["provenance"].get("keep_values", []) if not said_in(v, record["input"])
    ]
    if lost:
        return "variation_lost_value", f"the rewrite dropped {lost[0]!r}"
    return None
