"""__NAME__ metrics: what `factory eval` scores a student's reply with.

`score(reply, record, validator)` -> per-example values in [0, 1]; METRICS names them, MAIN is the
one a deploy decision looks at. `validator` is the JSON Schema validator of the recipe's schema.
- valid: the reply is a JSON object that passes the schema
- category: the predicted category is the expected one
- exact: the whole output is the expected one
"""

from __future__ import annotations

from factory.teacher.extract import extract_json

MAIN = "category"
METRICS = ("valid", "category", "exact")


def score(reply: str, record: dict, validator) -> dict:
    try:
        predicted = extract_json(reply)
    except ValueError:
        predicted = None
    if not isinstance(predicted, dict):
        return {name: 0.0 for name in METRICS}
    expected = record["output"]
    return {
        "valid": float(not any(validator.iter_errors(predicted))),
        "category": float(predicted.get("category") == expected["category"]),
        "exact": float(predicted == expected),
    }
