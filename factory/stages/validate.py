"""validate: every record's output against the recipe's JSON Schema, then the recipe's validator.

Reads records; writes checks.schema = "ok" and checks.validator = "ok" unless the recipe's
validator wrote its own evidence there (code_tests: the tests and checks that ran). Rejects with
`schema_invalid` (detail: the JSON path and message), the validator's own reason
(e.g. `rem_unknown_field`, `variation_lost_value`), or `duplicate_id` for a second
record with the same content. The schema validator is built once per build.
"""

from __future__ import annotations

from typing import Iterable, Iterator

from factory.errors import ConfigError
from factory.record import Rejected
from factory.stages.base import Stage


def schema_validator(recipe):
    import jsonschema

    schema = recipe.schema()
    cls = jsonschema.validators.validator_for(schema)
    try:
        cls.check_schema(schema)
    except jsonschema.SchemaError as exc:
        raise ConfigError(
            f"{recipe.schema_path}: not a valid JSON Schema ({exc.message}); fix the schema"
        ) from exc
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def first_problem(recipe, validator, record: dict) -> tuple[str, str] | None:
    """(reason, detail) of the first schema or recipe-validator failure, or None."""
    error = next(iter(validator.iter_errors(record["output"])), None)
    if error is not None:
        path = "/".join(str(p) for p in error.absolute_path) or "(root)"
        return "schema_invalid", f"output/{path}: {error.message}"
    return recipe.hooks.validate(record)


class ValidateStage(Stage):
    name = "validate"
    # not per_record: a duplicate id is found across all records

    def process(self, records: Iterable[dict]) -> Iterator[dict | Rejected]:
        recipe = self.context.recipe
        validator = schema_validator(recipe)
        seen: set[str] = set()
        for record in records:
            problem = first_problem(recipe, validator, record)
            if problem is not None:
                yield Rejected(record, *problem)
                continue
            record["checks"]["schema"] = "ok"
            record["checks"].setdefault(
                "validator", "ok"
            )  # a recipe's validate may have written its evidence
            if record["id"] in seen:
                yield Rejected(record, "duplicate_id", "an identical record was already kept")
                continue
            seen.add(record["id"])
            yield record
