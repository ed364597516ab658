"""The REM query dialect: parse a REM string into its structured form and check it.

Five operations over three tables (resources, moments, entities); DIALECT.md beside this
file is the user-facing description. `parse(rem)` returns `(query_type, parameters)` or
raises `RemError(reason, detail)` with a machine-readable reason. SQL is checked by
SQLite itself (EXPLAIN against an empty database with the three tables, read-only).
This module does not generate queries (grammar.py does) and knows nothing of records.
"""

from __future__ import annotations

import re
import sqlite3
import threading
from datetime import date

from factory.record import SeedError

TABLES: dict[str, tuple[str, ...]] = {
    "resources": (
        "id",
        "name",
        "category",
        "content",
        "summary",
        "uri",
        "created_at",
        "updated_at",
    ),
    "moments": (
        "id",
        "name",
        "summary",
        "content",
        "moment_type",
        "resource_timestamp",
        "resource_ends_timestamp",
        "emotion_tags",
        "topic_tags",
        "present_persons",
        "created_at",
    ),
    "entities": ("id", "name", "entity_type", "description", "created_at"),
}
EDGE_TYPES = ("SEE_ALSO", "PREREQUISITE", "CONTINUATION")
INTENTS = {
    "LOOKUP": "lookup",
    "SEARCH": "semantic_search",
    "SQL": "structured_query",
    "FUZZY": "fuzzy_search",
    "TRAVERSE": "graph_traversal",
}
MAX_DEPTH = 5
DEFAULT_THRESHOLD = 0.7

_KEY = r"(?P<key>[A-Za-z0-9][A-Za-z0-9_.:-]*)"
_TEXT = r"(?P<q>[\"'])(?P<text>.+?)(?P=q)"
_NUM = r"-?\d+(?:\.\d+)?"
_PATTERNS = {
    "LOOKUP": re.compile(rf"LOOKUP\s+{_KEY}(?:\s+IN\s+(?P<table>\w+))?", re.I),
    "SEARCH": re.compile(
        rf"SEARCH\s+{_TEXT}\s+IN\s+(?P<table>\w+)"
        rf"(?:\s+AFTER\s+'(?P<after>[^']*)')?(?:\s+BEFORE\s+'(?P<before>[^']*)')?"
        rf"(?:\s+LIMIT\s+(?P<limit>{_NUM}))?",
        re.I,
    ),
    "FUZZY": re.compile(
        rf"FUZZY\s+{_TEXT}\s+IN\s+(?P<table>\w+)"
        rf"(?:\s+THRESHOLD\s+(?P<threshold>{_NUM}))?(?:\s+LIMIT\s+(?P<limit>{_NUM}))?",
        re.I,
    ),
    "TRAVERSE": re.compile(
        rf"TRAVERSE\s+{_KEY}(?:\s+DEPTH\s+(?P<depth>{_NUM}))?(?:\s+TYPE\s+(?P<types>[\w,\s]+?))?",
        re.I,
    ),
}


class RemError(SeedError):
    """A REM query that does not parse or run; shown as `reason: detail`."""

    def __str__(self) -> str:
        return f"{self.reason}: {self.detail}"


def parse(rem: str) -> tuple[str, dict]:
    """Parse one REM query; return (query_type, parameters)."""
    if not isinstance(rem, str) or not rem.strip():
        raise RemError("rem_parse_error", "empty query")
    text = rem.strip().rstrip(";").strip()
    head = text.split(None, 1)[0].upper()
    if head in ("SELECT", "WITH"):
        return "SQL", _check_sql(text)
    pattern = _PATTERNS.get(head)
    if pattern is None:
        raise RemError(
            "rem_parse_error",
            f"unknown operation {head!r}; expected LOOKUP, SEARCH, SELECT, FUZZY or TRAVERSE",
        )
    match = pattern.fullmatch(text)
    if match is None:
        raise RemError("rem_parse_error", f"{head} query does not follow the dialect: {text!r}")
    return head, _PARAMETERS[head](match.groupdict())


def _table(name: str | None) -> str | None:
    if name is None:
        return None
    if name.lower() not in TABLES:
        raise RemError("rem_unknown_table", f"table {name!r} is not one of {', '.join(TABLES)}")
    return name.lower()


def _limit(value: str | None) -> int | None:
    if value is None:
        return None
    if "." in value or int(value) <= 0:
        raise RemError("rem_limit_not_positive", f"LIMIT must be a positive integer, got {value}")
    return int(value)


def _date(value: str, label: str) -> str:
    try:
        date.fromisoformat(value)
    except ValueError:
        raise RemError("rem_bad_date", f"{label} needs a YYYY-MM-DD date, got {value!r}") from None
    return value


def _lookup(g: dict) -> dict:
    params = {"key": g["key"]}
    if g["table"]:
        params["table_name"] = _table(g["table"])
    return params


def _search(g: dict) -> dict:
    params: dict = {"query_text": g["text"], "table_name": _table(g["table"])}
    time_filter = {}
    if g["after"] is not None:
        time_filter["after"] = _date(g["after"], "AFTER")
    if g["before"] is not None:
        time_filter["before"] = _date(g["before"], "BEFORE")
    if len(time_filter) == 2 and time_filter["after"] >= time_filter["before"]:
        raise RemError(
            "rem_bad_time_range",
            f"AFTER {time_filter['after']} is not before BEFORE {time_filter['before']}",
        )
    if time_filter:
        params["time_filter"] = time_filter
    if (limit := _limit(g["limit"])) is not None:
        params["limit"] = limit
    return params


def _fuzzy(g: dict) -> dict:
    threshold = DEFAULT_THRESHOLD if g["threshold"] is None else float(g["threshold"])
    if not 0.0 <= threshold <= 1.0:
        raise RemError(
            "rem_threshold_out_of_range", f"THRESHOLD must be in [0, 1], got {g['threshold']}"
        )
    params: dict = {
        "query_text": g["text"],
        "table_name": _table(g["table"]),
        "threshold": threshold,
    }
    if (limit := _limit(g["limit"])) is not None:
        params["limit"] = limit
    return params


def _traverse(g: dict) -> dict:
    depth = 1 if g["depth"] is None else g["depth"]
    if "." in str(depth) or not 1 <= int(depth) <= MAX_DEPTH:
        raise RemError(
            "rem_depth_out_of_range", f"DEPTH must be an integer from 1 to {MAX_DEPTH}, got {depth}"
        )
    types = [
        t.strip().upper() for t in (g["types"] or ",".join(EDGE_TYPES)).split(",") if t.strip()
    ]
    unknown = [t for t in types if t not in EDGE_TYPES]
    if unknown:
        raise RemError(
            "rem_unknown_edge_type", f"edge type {unknown[0]} is not one of {', '.join(EDGE_TYPES)}"
        )
    return {"key": g["key"], "depth": int(depth), "edge_types": types}


_PARAMETERS = {"LOOKUP": _lookup, "SEARCH": _search, "FUZZY": _fuzzy, "TRAVERSE": _traverse}

# -- SQL: checked by SQLite against the real table definitions, read-only -------------

_ALLOWED_ACTIONS = {
    sqlite3.SQLITE_SELECT,
    sqlite3.SQLITE_READ,
    sqlite3.SQLITE_FUNCTION,
    sqlite3.SQLITE_RECURSIVE,
}
_local = threading.local()


def _connection() -> sqlite3.Connection:
    conn = getattr(_local, "conn", None)
    if conn is None:
        conn = sqlite3.connect(":memory:")
        for table, columns in TABLES.items():
            conn.execute(f"CREATE TABLE {table} ({', '.join(columns)})")
        conn.set_authorizer(
            lambda action, *_: (
                sqlite3.SQLITE_OK if action in _ALLOWED_ACTIONS else sqlite3.SQLITE_DENY
            )
        )
        _local.conn = conn
    return conn


def _check_sql(sql: str) -> dict:
    try:
        _connection().execute("EXPLAIN " + sql)
    except sqlite3.Warning as exc:  # more than one statement
        raise RemError("rem_sql_error", str(exc)) from None
    except sqlite3.DatabaseError as exc:
        message = str(exc)
        if "no such table" in message:
            raise RemError("rem_unknown_table", message) from None
        if "no such column" in message:
            raise RemError("rem_unknown_field", message) from None
        if "not authorized" in message:
            raise RemError(
                "rem_sql_not_readonly", "only read-only SELECT queries are allowed"
            ) from None
        raise RemError("rem_sql_error", message) from None
    limits = re.findall(r"\bLIMIT\s+(-?\d+)", sql, re.I)
    for value in limits:
        _limit(value)
    tables = [t.lower() for t in re.findall(r"\bFROM\s+(\w+)", sql, re.I) if t.lower() in TABLES]
    params: dict = {"sql": sql, "table_name": tables[0] if tables else None}
    if limits:
        params["limit"] = int(limits[-1])
    return params
