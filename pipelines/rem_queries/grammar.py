"""Seed grammar for rem_queries: slot values x templates -> (natural language, REM query) pairs.

`generate(count, random_seed)` is deterministic and cycles through the five operations,
so any 5 consecutive pairs cover LOOKUP, SEARCH, SQL, FUZZY and TRAVERSE until the smallest
operation runs out of distinct pairs; the grammar holds over a million
distinct pairs (LOOKUP about 2,000, SQL about 10,000, most of them SEARCH). Each pair
is a dict {"text", "rem", "template"}; turning it into a record is recipe.py's job. The slot
values (topics, keys, dates, limits...) are in vocabulary.py; numbers, dates and thresholds are
spelled the ways people spell them (factory.surface: "five", "Sept 1st 2024", "70%"), while the
query keeps their canonical form.
"""

from __future__ import annotations

import random
from typing import Callable, Iterator

from factory.surface import day, fraction, number
from pipelines.rem_queries.vocabulary import (
    CATEGORIES,
    DATES,
    EDGE_NAMES,
    EDGES,
    EMOTIONS,
    ENTITY_KEYS,
    ENTITY_TYPES,
    LIMITS,
    MISSPELLED,
    MOMENT_KEYS,
    MOMENT_TYPES,
    RESOURCE_KEYS,
    TABLE_NOUNS,
    THRESHOLDS,
    TOPIC_TAGS,
    TOPICS,
)


def _lookup(r: random.Random) -> tuple[str, str, str]:
    table, keys = r.choice(
        [("resources", RESOURCE_KEYS), ("entities", ENTITY_KEYS), ("moments", MOMENT_KEYS)]
    )
    key = r.choice(keys)
    if r.random() < 0.3:  # the table named: LOOKUP key IN table
        text = r.choice(
            [
                "Look up {k} in {t}",
                "get the {t} entry {k}",
                "Fetch {k} from {t}",
                "in {t}, what's under {k}?",
                "open {k}, it's one of my {t}",
                "{k} from the {t} table",
            ]
        )
        return text.format(k=key, t=table), f"LOOKUP {key} IN {table}", "lookup_table"
    text = r.choice(
        [
            "Get {k}",
            "Look up {k}",
            "Show me the item with key {k}",
            "Open {k}",
            "What is stored under {k}?",
            "Fetch {k} for me",
            "Pull up the record {k}",
            "I need the entry called {k}",
            "can you open {k}",
            "{k} please",
            "what does {k} say?",
            "bring up {k}",
            "display {k}",
            "retrieve the {k} entry",
            "what's in {k}?",
            "I'd like to read {k}",
            "show {k}",
        ]
    )
    return text.format(k=key), f"LOOKUP {key}", "lookup"


def _search(r: random.Random) -> tuple[str, str, str]:
    topic, table = r.choice(TOPICS), r.choice(["resources", "resources", "moments", "entities"])
    noun = r.choice(TABLE_NOUNS[table])
    form = r.random()
    if form < 0.35:
        limit = r.choice(LIMITS)
        text = r.choice(
            [
                "Find {n} {noun} about {t}",
                "Show the top {n} {noun} related to {t}",
                "Give me {n} {noun} that discuss {t}",
                "just {n} {noun} on {t} please",
                "what are the {n} best {noun} about {t}?",
                "up to {n} {noun} on {t}",
                "top {n} hits for {t} in my {noun}",
                "{t}: give me {n} {noun}",
            ]
        )
        return (
            text.format(n=number(limit, r), noun=noun, t=topic),
            f'SEARCH "{topic}" IN {table} LIMIT {limit}',
            "search_limit",
        )
    if form < 0.55:  # no LIMIT: every match
        text = r.choice(
            [
                "Find {noun} about {t}",
                "anything on {t} in my {noun}?",
                "Search my {noun} for {t}",
                "which {noun} talk about {t}",
                "everything I saved about {t}",
                "what do I have on {t}?",
                "{noun} mentioning {t}",
                "did I write anything about {t}?",
                "look for {noun} on {t}",
            ]
        )
        if "{noun}" not in text:  # no table named: the default one
            table = "resources"
        return text.format(noun=noun, t=topic), f'SEARCH "{topic}" IN {table}', "search_all"
    dates = sorted(r.sample(DATES, 2))
    if form < 0.75:  # a LIMIT only where the request gives a number
        limit = r.choice([None, None, r.choice(LIMITS)])
        if limit is None:
            text = r.choice(
                [
                    "Find {noun} about {t} since {d}",
                    "What {noun} mention {t} after {d}?",
                    "Anything in my {noun} on {t} newer than {d}?",
                    "{t} {noun} written after {d}",
                ]
            )
        else:
            text = r.choice(
                ["Find {n} {noun} about {t} since {d}", "{n} {noun} on {t} written after {d}"]
            )
        return (
            text.format(noun=noun, t=topic, d=day(dates[0], r), n=number(limit or 0, r)),
            f"SEARCH \"{topic}\" IN {table} AFTER '{dates[0]}'"
            + (f" LIMIT {limit}" if limit else ""),
            "search_time",
        )
    if form < 0.88:
        text = r.choice(
            [
                "{noun} about {t} from before {d}",
                "What {noun} did I have on {t} before {d}?",
                "Find {noun} on {t} older than {d}",
                "{t}, only {noun} from before {d}",
            ]
        )
        return (
            text.format(noun=noun, t=topic, d=day(dates[1], r)),
            f"SEARCH \"{topic}\" IN {table} BEFORE '{dates[1]}'",
            "search_before",
        )
    text = r.choice(
        ["Find {noun} about {t} between {a} and {b}", "{t} {noun} from {a} to {b}, top 5"]
    )
    limit = " LIMIT 5" if "top 5" in text else ""
    return (
        text.format(noun=noun, t=topic, a=day(dates[0], r), b=day(dates[1], r)),
        f"SEARCH \"{topic}\" IN {table} AFTER '{dates[0]}' BEFORE '{dates[1]}'{limit}",
        "search_range",
    )


def _sql_recent(r: random.Random) -> tuple[str, str, str]:
    cat, n = r.choice(CATEGORIES), r.choice(LIMITS)
    text = r.choice(
        [
            "Show the {n} most recent {c} resources",
            "List my last {n} {c} resources by date",
            "latest {n} {c} notes",
            "my {n} newest {c} resources",
        ]
    )
    return (
        text.format(n=number(n, r), c=cat),
        f"SELECT * FROM resources WHERE category='{cat}' ORDER BY created_at DESC LIMIT {n}",
        "sql_recent",
    )


def _sql_count(r: random.Random) -> tuple[str, str, str]:
    mt, d = r.choice(MOMENT_TYPES), r.choice(DATES)
    text = r.choice(
        [
            "How many {m} moments happened since {d}?",
            "count the {m} moments after {d}",
            "number of {m} moments from {d} on",
            "since {d}, how many {m} moments were there",
        ]
    )
    return (
        text.format(m=mt, d=day(d, r)),
        f"SELECT COUNT(*) FROM moments WHERE moment_type='{mt}' AND resource_timestamp >= '{d}'",
        "sql_count",
    )


def _sql_names(r: random.Random) -> tuple[str, str, str]:
    et = r.choice(ENTITY_TYPES)
    text = r.choice(
        [
            "List the names of all {e} entities",
            "which {e} entities do I have? names only",
            "just the names of my {e} entities, alphabetical",
        ]
    )
    return (
        text.format(e=et),
        f"SELECT name FROM entities WHERE entity_type='{et}' ORDER BY name",
        "sql_names",
    )


def _sql_group(r: random.Random) -> tuple[str, str, str]:
    table, column = r.choice(LABEL_COLUMNS)
    text = r.choice(
        [
            "Count {t} per {c}",
            "how many {t} are there for each {c}?",
            "{t} grouped by {c}, with counts",
        ]
    )
    return (
        text.format(t=table, c=column.replace("_", " ")),
        f"SELECT {column}, COUNT(*) AS n FROM {table} GROUP BY {column} ORDER BY n DESC",
        "sql_group",
    )


def _sql_between(r: random.Random) -> tuple[str, str, str]:
    mt, (start, end) = r.choice(MOMENT_TYPES), sorted(r.sample(DATES, 2))
    return (
        f"List {mt} moments between {day(start, r)} and {day(end, r)}",
        f"SELECT name, resource_timestamp FROM moments WHERE moment_type='{mt}' "
        f"AND resource_timestamp >= '{start}' AND resource_timestamp < '{end}' ORDER BY resource_timestamp",
        "sql_between",
    )


def _sql_like(r: random.Random) -> tuple[str, str, str]:
    word = r.choice(["plan", "review", "notes", "draft", "budget", "trip", "api", "meeting"])
    table = r.choice(["resources", "entities"])
    text = r.choice(["{t} whose name contains '{w}'", "list {t} with '{w}' in the name"])
    return (
        text.format(t=table, w=word),
        f"SELECT * FROM {table} WHERE name LIKE '%{word}%'",
        "sql_like",
    )


def _sql_oldest(r: random.Random) -> tuple[str, str, str]:
    cat, n = r.choice(CATEGORIES), r.choice(LIMITS)
    text = r.choice(
        [
            "the {n} oldest {c} resources",
            "show my first {n} {c} resources ever",
            "earliest {n} {c} resources",
        ]
    )
    return (
        text.format(n=number(n, r), c=cat),
        f"SELECT * FROM resources WHERE category='{cat}' ORDER BY created_at ASC LIMIT {n}",
        "sql_oldest",
    )


def _sql_total(r: random.Random) -> tuple[str, str, str]:
    cat = r.choice(CATEGORIES)
    text = r.choice(
        [
            "How many {c} resources do I have in total?",
            "total number of {c} resources",
            "count my {c} resources",
            "how many {c} entries have I got",
        ]
    )
    return text.format(c=cat), f"SELECT COUNT(*) FROM resources WHERE category='{cat}'", "sql_total"


LABEL_COLUMNS = [("resources", "category"), ("moments", "moment_type"), ("entities", "entity_type")]
TIMESTAMP = {"resources": "created_at", "moments": "resource_timestamp", "entities": "created_at"}


def _sql_count_all(r: random.Random) -> tuple[str, str, str]:
    table = r.choice(list(TIMESTAMP))
    text = r.choice(["how many {t} do I have", "total count of my {t}", "count all {t}"])
    return text.format(t=table), f"SELECT COUNT(*) FROM {table}", "sql_count_all"


def _sql_latest_any(r: random.Random) -> tuple[str, str, str]:
    table, n = r.choice(list(TIMESTAMP)), r.choice(LIMITS)
    newest = r.random() < 0.6
    text = r.choice(
        ["my {n} most recent {t}", "the {n} newest {t}, any kind"]
        if newest
        else ["my {n} oldest {t}", "the first {n} {t} I ever added"]
    )
    order = "DESC" if newest else "ASC"
    return (
        text.format(n=number(n, r), t=table),
        f"SELECT * FROM {table} ORDER BY {TIMESTAMP[table]} {order} LIMIT {n}",
        "sql_latest_any",
    )


def _sql_count_type(r: random.Random) -> tuple[str, str, str]:
    et = r.choice(ENTITY_TYPES)
    text = r.choice(["how many {e} entities are there", "number of {e} entities"])
    return (
        text.format(e=et),
        f"SELECT COUNT(*) FROM entities WHERE entity_type='{et}'",
        "sql_count_type",
    )


def _sql_changed(r: random.Random) -> tuple[str, str, str]:
    d = r.choice(DATES)
    text = r.choice(["resources edited since {d}", "which resources were updated after {d}?"])
    return (
        text.format(d=day(d, r)),
        f"SELECT * FROM resources WHERE updated_at >= '{d}'",
        "sql_updated",
    )


def _sql_created_before(r: random.Random) -> tuple[str, str, str]:
    table, d = r.choice(["resources", "entities"]), r.choice(DATES)
    text = r.choice(["{t} created before {d}", "list {t} added earlier than {d}"])
    return (
        text.format(t=table, d=day(d, r)),
        f"SELECT * FROM {table} WHERE created_at < '{d}'",
        "sql_created_before",
    )


def _sql_tagged(r: random.Random) -> tuple[str, str, str]:
    if r.random() < 0.5:
        tag = r.choice(EMOTIONS)
        text = r.choice(["moments where I felt {g}", "moments carrying the {g} emotion tag"])
        column = "emotion_tags"
    else:
        tag = r.choice(TOPIC_TAGS)
        text = r.choice(["moments with the topic tag {g}", "moments tagged {g}"])
        column = "topic_tags"
    return (
        text.format(g=tag),
        f"SELECT * FROM moments WHERE {column} LIKE '%{tag}%'",
        "sql_tagged",
    )


def _sql_last_time(r: random.Random) -> tuple[str, str, str]:
    mt = r.choice(MOMENT_TYPES)
    first = r.random() < 0.4
    text = r.choice(
        ["when was my first {m} moment?", "date of the earliest {m} moment"]
        if first
        else ["when was my last {m} moment?", "date of the most recent {m} moment"]
    )
    return (
        text.format(m=mt),
        f"SELECT {'MIN' if first else 'MAX'}(resource_timestamp) FROM moments WHERE moment_type='{mt}'",
        "sql_last_time",
    )


def _sql_distinct(r: random.Random) -> tuple[str, str, str]:
    table, column = r.choice(LABEL_COLUMNS)
    text = r.choice(["which {c} values do my {t} use?", "list the distinct {c}s of {t}"])
    return (
        text.format(t=table, c=column.replace("_", " ")),
        f"SELECT DISTINCT {column} FROM {table}",
        "sql_distinct",
    )


def _sql_categories(r: random.Random) -> tuple[str, str, str]:
    a, b = sorted(r.sample(CATEGORIES, 2), key=CATEGORIES.index)
    text = r.choice(
        [
            "list resource names where the category is {a} or {b}",
            "{a} and {b} resources, names only",
        ]
    )
    return (
        text.format(a=a, b=b),
        f"SELECT name FROM resources WHERE category IN ('{a}', '{b}')",
        "sql_in",
    )


def _sql_most_common(r: random.Random) -> tuple[str, str, str]:
    table, column = r.choice(LABEL_COLUMNS)
    text = r.choice(["what {c} shows up most among my {t}?", "most common {c} among my {t}"])
    return (
        text.format(t=table, c=column.replace("_", " ")),
        f"SELECT {column}, COUNT(*) AS n FROM {table} GROUP BY {column} ORDER BY n DESC LIMIT 1",
        "sql_most_common",
    )


def _sql_year(r: random.Random) -> tuple[str, str, str]:
    table, year = r.choice(["resources", "entities"]), r.choice([2022, 2023, 2024, 2025])
    text = r.choice(["how many {t} did I add in {y}?", "count of {t} created during {y}"])
    return (
        text.format(t=table, y=year),
        f"SELECT COUNT(*) FROM {table} WHERE created_at >= '{year}-01-01' "
        f"AND created_at < '{year + 1}-01-01'",
        "sql_year",
    )


def _sql_content(r: random.Random) -> tuple[str, str, str]:
    cat = r.choice(CATEGORIES)
    word = r.choice(["deadline", "refund", "password", "invoice", "latency", "roadmap", "visa"])
    text = r.choice(
        ["{c} resources whose text mentions '{w}'", "{c} resources containing the word '{w}'"]
    )
    return (
        text.format(c=cat, w=word),
        f"SELECT * FROM resources WHERE category='{cat}' AND content LIKE '%{word}%'",
        "sql_content",
    )


SQL_FORMS: list[Callable[[random.Random], tuple[str, str, str]]] = [
    _sql_recent,
    _sql_count,
    _sql_names,
    _sql_group,
    _sql_between,
    _sql_like,
    _sql_oldest,
    _sql_total,
    _sql_count_all,
    _sql_latest_any,
    _sql_count_type,
    _sql_changed,
    _sql_created_before,
    _sql_tagged,
    _sql_last_time,
    _sql_distinct,
    _sql_categories,
    _sql_most_common,
    _sql_year,
    _sql_content,
]


def _sql(r: random.Random) -> tuple[str, str, str]:
    return SQL_FORMS[r.randrange(len(SQL_FORMS))](r)


def _fuzzy(r: random.Random) -> tuple[str, str, str]:
    typo, threshold = r.choice(MISSPELLED), r.choice(THRESHOLDS)
    table = r.choice(["resources", "resources", "moments", "entities"])
    if r.random() < 0.3:  # the default threshold
        text = r.choice(
            [
                "I think I misspelled it: '{q}' in {t}",
                "something like '{q}' in my {t}, spelling may be off",
                "'{q}' in {t} - not sure how it's spelled",
                "loose match for '{q}' in {t}",
            ]
        )
        limit = r.choice([None, None, r.choice(LIMITS)])
        shown = text.format(q=typo, t=table) + (f", {number(limit, r)} results" if limit else "")
        return (
            shown,
            f"FUZZY '{typo}' IN {table}" + (f" LIMIT {limit}" if limit else ""),
            "fuzzy_default",
        )
    text = r.choice(
        [
            "Find {t} roughly matching '{q}' with similarity {th}",
            "I think I misspelled it: '{q}' in {t}, match at threshold {th}",
            "Fuzzy match '{q}' in my {t}, at least {th} similar",
            "typo-tolerant search of my {t} for '{q}', similarity {th} or more",
        ]
    )
    limit = r.choice(["", "", f" LIMIT {r.choice(LIMITS)}"])
    shown = text.format(q=typo, th=fraction(threshold, r), t=table) + (
        f", top {number(int(limit.split()[-1]), r)}" if limit else ""
    )
    return shown, f"FUZZY '{typo}' IN {table} THRESHOLD {threshold}{limit}", "fuzzy"


def _traverse(r: random.Random) -> tuple[str, str, str]:
    key, depth = r.choice(RESOURCE_KEYS + ENTITY_KEYS), r.choice([1, 2, 2, 3, 3, 4, 5])
    edges = sorted(r.sample(EDGES, r.choice([1, 1, 2])), key=EDGES.index)
    plural = "s" if depth > 1 else ""
    form = r.random()
    if form < 0.15:  # every edge type, default depth
        text = r.choice(
            [
                "What is connected to {k}?",
                "show everything linked from {k}",
                "all links of {k}",
            ]
        )
        return text.format(k=key), f"TRAVERSE {key}", "traverse_all"
    shown_depth = number(depth, r, words=0.5)
    if form < 0.3:  # every edge type, a depth
        text = r.choice(
            [
                "walk the graph out from {k}, {d} level{s}",
                "everything connected to {k} up to {d} hop{s} away",
                "follow all edges from {k}, depth {d}",
            ]
        )
        return (
            text.format(k=key, d=shown_depth, s=plural),
            f"TRAVERSE {key} DEPTH {depth}",
            "traverse_depth",
        )
    named = " and ".join(r.choice(EDGE_NAMES[edge]) for edge in edges)
    if form < 0.5:  # some edge types, default depth
        text = r.choice(["the {e} links of {k}", "what is linked to {k} as {e}?"])
        return (
            text.format(k=key, e=named),
            f"TRAVERSE {key} TYPE {','.join(edges)}",
            "traverse_type",
        )
    text = r.choice(
        [
            "What is linked to {k} as {e}, up to {d} hop{s}?",
            "Follow {e} edges from {k} for {d} level{s}",
            "{e} links of {k}, {d} deep",
        ]
    )
    return (
        text.format(k=key, e=named, d=shown_depth, s=plural),
        f"TRAVERSE {key} DEPTH {depth} TYPE {','.join(edges)}",
        "traverse",
    )


OPERATIONS: list[Callable[[random.Random], tuple[str, str, str]]] = [
    _lookup,
    _search,
    _sql,
    _fuzzy,
    _traverse,
]


GIVE_UP_AFTER = 200  # draws in a row without a new pair: that operation's space is used up


def generate(count: int, random_seed: int = 0) -> Iterator[dict]:
    """Yield up to `count` distinct pairs, cycling through the operations; an operation whose
    slot space is used up drops out of the cycle and the others go on."""
    rng = random.Random(random_seed)
    seen: set[tuple[str, str]] = set()
    live, misses = list(OPERATIONS), 0
    while len(seen) < count and live:
        make = live[len(seen) % len(live)]
        text, rem, template = make(rng)
        if (text, rem) in seen:
            misses += 1
            if misses >= GIVE_UP_AFTER:
                live.remove(make)
                misses = 0
            continue
        misses = 0
        seen.add((text, rem))
        yield {"text": text, "rem": rem, "template": template}
