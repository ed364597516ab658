"""The hand-written natural dev sets under evals/ (issue 16 item 6): every gold passes its recipe's own checks.

Each line goes through the recipe's `user_seed` (what `--seeds FILE` reads), becomes a record the way the
seeds stage makes one, and must pass the core's schema check and the recipe's `validate` (first_problem,
as the validate stage does). Also: the minimum sizes, no request twice, and for rem_queries that every
query type and every form DIALECT.md allows is there (including those the grammar never writes).
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from factory.jsonl import read_jsonl
from factory.recipes import load_recipe
from factory.record import Record
from factory.stages.validate import first_problem, schema_validator

EVALS = Path(__file__).resolve().parent.parent / "evals"
MINIMUM = {"rem_queries": 110, "sysadmin_bash": 110, "toolcalls": 55}


def _records(name: str) -> list[dict]:
    """(line number, record) per line, built as factory.stages.seeds builds a user seed's record."""
    recipe = load_recipe(name)
    path = EVALS / name / "natural.jsonl"
    records = []
    for lineno, obj in read_jsonl(path):
        try:
            seed = recipe.module.user_seed(obj)
        except ValueError as exc:
            pytest.fail(
                f"{path}:{lineno}: user_seed refuses the line: {getattr(exc, 'reason', '')} {exc}"
            )
        provenance = {"origin": "user", "source": f"{path}:{lineno}"}
        if seed.get("context"):
            provenance["context"] = seed["context"]
        record = Record(
            recipe=recipe.name,
            kind=recipe.kind,
            schema_version=recipe.schema_version,
            seed_id="",
            input=seed["input"],
            output=seed["output"],
            labels=seed["labels"],
            provenance=provenance,
        )
        records.append((lineno, record.to_dict()))
    return records


@pytest.fixture(scope="module", params=sorted(MINIMUM))
def natural(request):
    return request.param, _records(request.param)


@pytest.fixture(scope="module")
def rem_outputs():
    return [(record["input"], record["output"]) for _, record in _records("rem_queries")]


def test_every_gold_passes_the_recipe_checks(natural):
    name, records = natural
    recipe = load_recipe(name)
    validator = schema_validator(recipe)
    problems = [
        f"{lineno}: {problem}"
        for lineno, record in records
        if (problem := first_problem(recipe, validator, record)) is not None
    ]
    assert problems == [], f"evals/{name}/natural.jsonl: " + "; ".join(problems)


def test_size_and_no_request_twice(natural):
    name, records = natural
    assert len(records) >= MINIMUM[name]
    texts = Counter(" ".join(record["input"].casefold().split()) for _, record in records)
    assert [text for text, n in texts.items() if n > 1] == []


def test_rem_every_query_type_in_a_realistic_mix(rem_outputs):
    types = Counter(output["query_type"] for _, output in rem_outputs)
    assert set(types) == {"LOOKUP", "SEARCH", "SQL", "FUZZY", "TRAVERSE"}
    assert all(n >= 0.1 * len(rem_outputs) for n in types.values()), types
    assert max(types.values()) <= 0.4 * len(rem_outputs), types


FORMS = {  # form of DIALECT.md -> does this (query_type, parameters, rem) use it
    "LOOKUP in a named table": lambda t, p, q: t == "LOOKUP" and "table_name" in p,
    "LOOKUP without a table": lambda t, p, q: t == "LOOKUP" and "table_name" not in p,
    "SEARCH without LIMIT": lambda t, p, q: t == "SEARCH" and "limit" not in p,
    "SEARCH with LIMIT": lambda t, p, q: t == "SEARCH" and "limit" in p,
    "SEARCH AFTER": lambda t, p, q: t == "SEARCH" and "after" in p.get("time_filter", {}),
    "SEARCH BEFORE": lambda t, p, q: t == "SEARCH" and "before" in p.get("time_filter", {}),
    "SEARCH AFTER and BEFORE": lambda t, p, q: t == "SEARCH" and len(p.get("time_filter", {})) == 2,
    "SEARCH in moments": lambda t, p, q: t == "SEARCH" and p["table_name"] == "moments",
    "SEARCH in entities": lambda t, p, q: t == "SEARCH" and p["table_name"] == "entities",
    "SQL COUNT": lambda t, p, q: t == "SQL" and re.search(r"\bCOUNT\(", q, re.I),
    "SQL other aggregate": lambda t, p, q: (
        t == "SQL" and re.search(r"\b(MIN|MAX|AVG|SUM)\(", q, re.I)
    ),
    "SQL GROUP BY": lambda t, p, q: t == "SQL" and re.search(r"\bGROUP BY\b", q, re.I),
    "SQL HAVING": lambda t, p, q: t == "SQL" and re.search(r"\bHAVING\b", q, re.I),
    "SQL LIKE": lambda t, p, q: t == "SQL" and re.search(r"\bLIKE\b", q, re.I),
    "SQL oldest (ORDER BY ASC + LIMIT)": lambda t, p, q: (
        t == "SQL" and re.search(r"\bASC LIMIT\b", q, re.I)
    ),
    "SQL newest (ORDER BY DESC + LIMIT)": lambda t, p, q: (
        t == "SQL" and re.search(r"\bDESC LIMIT\b", q, re.I)
    ),
    "SQL WITH": lambda t, p, q: t == "SQL" and q.upper().startswith("WITH"),
    "SQL over moments": lambda t, p, q: t == "SQL" and p["table_name"] == "moments",
    "SQL over entities": lambda t, p, q: t == "SQL" and p["table_name"] == "entities",
    "FUZZY default threshold": lambda t, p, q: t == "FUZZY" and "THRESHOLD" not in q.upper(),
    "FUZZY THRESHOLD": lambda t, p, q: t == "FUZZY" and "THRESHOLD" in q.upper(),
    "FUZZY LIMIT": lambda t, p, q: t == "FUZZY" and "limit" in p,
    "FUZZY in entities": lambda t, p, q: t == "FUZZY" and p["table_name"] == "entities",
    "TRAVERSE defaults": lambda t, p, q: t == "TRAVERSE" and q.split() == ["TRAVERSE", p["key"]],
    "TRAVERSE DEPTH": lambda t, p, q: t == "TRAVERSE" and "DEPTH" in q.upper(),
    "TRAVERSE one edge type": lambda t, p, q: (
        t == "TRAVERSE" and "TYPE" in q.upper() and len(p["edge_types"]) == 1
    ),
    "TRAVERSE several edge types": lambda t, p, q: (
        t == "TRAVERSE" and "TYPE" in q.upper() and len(p["edge_types"]) > 1
    ),
}


@pytest.mark.parametrize("form", sorted(FORMS))
def test_rem_every_dialect_form_appears(rem_outputs, form):
    used = [
        text
        for text, out in rem_outputs
        if FORMS[form](out["query_type"], out["parameters"], out["rem"])
    ]
    assert used, f"no line of evals/rem_queries/natural.jsonl uses {form}"


def test_rem_keys_and_misspellings_come_from_the_request(rem_outputs):
    """No invented keys: a LOOKUP/TRAVERSE key and a FUZZY text are written in the request as they are."""
    invented = [
        (text, out["rem"])
        for text, out in rem_outputs
        if (
            value := out["parameters"].get("key")
            or (out["query_type"] == "FUZZY" and out["parameters"]["query_text"])
        )
        and value.casefold() not in text.casefold()
    ]
    assert invented == []


def test_toolcalls_the_model_must_choose():
    records = [record for _, record in _records("toolcalls")]
    tool_sets = Counter(
        tuple(sorted(t["function"]["name"] for t in r["provenance"]["context"]["tools"]))
        for r in records
    )
    assert all(2 <= len(names) <= 5 for names in tool_sets), tool_sets
    assert len(tool_sets) >= 6
    called = Counter(record["output"]["name"] for record in records)
    assert len(called) >= 15 and max(called.values()) <= 0.15 * len(records), called


def test_sysadmin_bash_many_programs():
    programs = Counter(record["labels"]["command_name"] for _, record in _records("sysadmin_bash"))
    assert len(programs) >= 30 and max(programs.values()) <= 0.15 * sum(programs.values()), programs
