"""toolcalls metrics (seed 003): score one predicted reply against the expected call.

The reply is read by hermes.parse_calls (`<tool_call>` blocks, or bare JSON); its first call
is scored. `score(reply, record, validator)` -> per-example values in [0, 1]:
- valid: the reply holds a call and that call passes schemas/tool_call.schema.json (`validator`)
- function: the call's name is the expected one
- arguments: argument F1 (below), whatever the name
- callable: the call passes recipe.check_call against the record's tools (known function,
  arguments valid against its parameters' JSON Schema, no unknown parameter)
- exact: the call equals the expected one in canonical form (`canonical_call`: the name and the
  arguments as parsed JSON, key order, spacing and 5.0 vs 5 aside), i.e. the name is right and
  argument F1 is 1
A reply without a call scores 0 on all five. MAIN is the metric the deploy decision uses.

Argument F1. Flatten arguments into a multiset of (path, value) pairs: a dict's keys extend
the path with ".key", a list's items share the path "key[]" (order ignored), every other value
is a leaf, written as canonical JSON (an integral float as the int: 5.0 == 5; true != 1); an
empty dict or list inside the arguments is itself a leaf ({} / []), while no arguments at all
give no pairs. With P the predicted pairs and E the expected:
matched = |P ∩ E| (multiset intersection), precision = matched/|P|, recall = matched/|E|,
F1 = 2·matched / (|P| + |E|) (= 2PR/(P+R)); two empty argument sets give F1 = 1.
Example: expected {"city": "Paris", "unit": "celsius"}, predicted {"city": "Paris"} ->
matched 1, P 1, E 2, F1 = 2/3.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any, Iterator

from pipelines.toolcalls import hermes
from pipelines.toolcalls.recipe import check_call

MAIN = "function"
METRICS = ("valid", "function", "arguments", "callable", "exact")


def _leaf(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def flatten(value: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """(path, canonical value) pairs of an argument object; see the module docstring."""
    if isinstance(value, dict) and value:
        for key, item in value.items():
            yield from flatten(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list) and value:
        for item in value:
            yield from flatten(item, f"{path}[]")
    else:
        yield path, _leaf(value)


def argument_f1(predicted: dict, expected: dict) -> float:
    mine = Counter(flatten(predicted)) if predicted else Counter()
    wanted = Counter(flatten(expected)) if expected else Counter()
    total = sum(mine.values()) + sum(wanted.values())
    if total == 0:
        return 1.0
    return 2 * sum((mine & wanted).values()) / total


def canonical_call(call: dict) -> tuple[str, tuple]:
    """What `exact` compares: the function's name and its arguments as parsed JSON (a JSON string of
    arguments is parsed first), as the sorted (path, canonical value) pairs of `flatten`: key order,
    whitespace, quote escapes and 5.0 vs 5 do not matter; list order does not either (as in F1).
        canonical_call({"name": "f", "arguments": '{"b": 5.0, "a": "x"}'})
            == canonical_call({"name": "f", "arguments": {"a": "x", "b": 5}})
    """
    arguments = call.get("arguments")
    if isinstance(arguments, str):
        try:
            arguments = json.loads(arguments)
        except json.JSONDecodeError:
            return call.get("name"), (("", arguments),)
    return call.get("name"), tuple(sorted(flatten(arguments))) if arguments else ()


def score(reply: str | None, record: dict, validator) -> dict[str, float]:
    calls = hermes.parse_calls(reply)
    if not calls:
        return dict.fromkeys(METRICS, 0.0)
    call, expected = calls[0], record["output"]
    tools = ((record.get("provenance") or {}).get("context") or {}).get("tools") or []
    function = float(call["name"] == expected["name"])
    arguments = argument_f1(call["arguments"], expected["arguments"])
    return {
        "valid": float(not list(validator.iter_errors(call))),
        "function": function,
        "arguments": arguments,
        "callable": float(check_call(call, tools) is None),
        "exact": float(canonical_call(call) == canonical_call(expected)),
    }
