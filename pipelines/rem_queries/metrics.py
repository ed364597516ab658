"""rem_queries metrics (seed 002): score one predicted reply against the expected record.

The reply is read by recipe.student_output: the bare REM query the student writes, with the
fields it implies, or a JSON object as it is (a teacher's reply). `score(reply, record)` ->
per-example values in [0, 1]:
- intent: the predicted `intent` and `query_type` are the expected ones
- valid: the reply passes the schema and the REM validator (query parses, fields agree; a bare
  query's fields agree by construction)
- parameters: share of the expected parameter fields predicted with the same value
- executes: the predicted REM query runs: SQL compiles on the SQLite fixture of the three
  tables, the other operations parse with known tables and in-range values
- exact: the predicted REM string equals the expected one in canonical form (`canonical`: the SQL
  as sqlglot writes it back, the other operations token by token), so `category = 'x'` and
  `category='x'` are the same query
MAIN is the metric the deploy decision uses.
"""

from __future__ import annotations

import re

import sqlglot
from sqlglot.errors import SqlglotError
from sqlglot.optimizer.normalize_identifiers import normalize_identifiers

from pipelines.rem_queries import rem
from pipelines.rem_queries.recipe import build_output, student_output

MAIN = "intent"
METRICS = ("intent", "valid", "parameters", "executes", "exact")
_WORDS = {
    *rem.INTENTS,
    "IN",
    "AFTER",
    "BEFORE",
    "LIMIT",
    "THRESHOLD",
    "DEPTH",
    "TYPE",
    *rem.EDGE_TYPES,
}
_TOKEN = re.compile(r"\"[^\"]*\"|'[^']*'|,|[^\s,]+")
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


def canonical(query: str) -> str:
    """One spelling of a REM query, what `exact` compares. SQL (SELECT/WITH) is parsed by sqlglot (SQLite
    dialect) and written back: keyword case, spacing, unquoted identifiers' case and a trailing ';' go.
    Other operations are compared token by token: keywords and edge types upper-cased, table names
    lower-cased, quoted text in double quotes whatever the quote style (its content kept as
    written), numbers as numbers (0.70 = 0.7), spacing around commas and whitespace as one space; keys
    stay verbatim.
        canonical("select * from resources where category='x'") == "SELECT * FROM resources WHERE category = 'x'"
        canonical("fuzzy 'kubernets' in Resources threshold 0.70") == 'FUZZY "kubernets" IN resources THRESHOLD 0.7'
    """
    text = query.strip().rstrip(";").strip()
    if text[:6].upper() == "SELECT" or text[:4].upper() == "WITH":
        try:
            return normalize_identifiers(
                sqlglot.parse_one(text, read="sqlite"), dialect="sqlite"
            ).sql(dialect="sqlite")
        except (SqlglotError, ValueError, RecursionError):
            return re.sub(r"\s+", " ", text).casefold()  # not SQL sqlglot reads: compare it loosely
    return " ".join(_canonical_token(token) for token in _TOKEN.findall(text)).replace(" , ", ", ")


def _canonical_token(token: str) -> str:
    if token[0] in "\"'":
        return f'"{token[1:-1]}"'
    if _NUMBER.fullmatch(token):
        number = float(token)
        return str(int(number)) if number.is_integer() and "." not in token else repr(number)
    if token.lower() in rem.TABLES:
        return token.lower()
    return token.upper() if token.upper() in _WORDS else token


def score(reply: str | None, record: dict, validator) -> dict[str, float]:
    expected = record["output"]
    try:
        predicted = student_output(reply or "")
    except ValueError:
        predicted = None
    if not isinstance(predicted, dict):
        return dict.fromkeys(METRICS, 0.0)
    query = predicted.get("rem") if isinstance(predicted.get("rem"), str) else ""
    try:
        rem.parse(query)
        executes = 1.0
    except rem.RemError:
        executes = 0.0
    valid = 0.0
    if not list(validator.iter_errors(predicted)) and executes:
        truth = build_output(query, predicted.get("explanation"))
        valid = float(
            all(predicted.get(k) == truth[k] for k in ("intent", "query_type", "parameters"))
        )
    params = predicted.get("parameters") if isinstance(predicted.get("parameters"), dict) else {}
    wanted = expected["parameters"]
    return {
        "intent": float(
            predicted.get("intent") == expected["intent"]
            and predicted.get("query_type") == expected["query_type"]
        ),
        "valid": valid,
        "parameters": sum(params.get(k) == v for k, v in wanted.items()) / len(wanted)
        if wanted
        else 1.0,
        "executes": executes,
        "exact": float(bool(query.strip()) and canonical(query) == canonical(expected["rem"])),
    }
