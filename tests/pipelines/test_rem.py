"""The REM dialect: known-good queries parse to exact parameters; known-bad ones fail with exact reasons."""

import pytest

from pipelines.rem_queries import rem

GOOD = [
    ("LOOKUP test-resource-1", "LOOKUP", {"key": "test-resource-1"}),
    ("LOOKUP sarah-123 IN entities", "LOOKUP", {"key": "sarah-123", "table_name": "entities"}),
    (
        'SEARCH "morning activities" IN resources LIMIT 10',
        "SEARCH",
        {"query_text": "morning activities", "table_name": "resources", "limit": 10},
    ),
    (
        "SEARCH \"machine learning\" IN resources AFTER '2024-11-10' LIMIT 10",
        "SEARCH",
        {
            "query_text": "machine learning",
            "table_name": "resources",
            "time_filter": {"after": "2024-11-10"},
            "limit": 10,
        },
    ),
    (
        "SEARCH 'x' IN moments AFTER '2024-01-01' BEFORE '2024-02-01'",
        "SEARCH",
        {
            "query_text": "x",
            "table_name": "moments",
            "time_filter": {"after": "2024-01-01", "before": "2024-02-01"},
        },
    ),
    (
        "SELECT * FROM resources WHERE category='diary' ORDER BY created_at DESC LIMIT 5",
        "SQL",
        {
            "sql": "SELECT * FROM resources WHERE category='diary' ORDER BY created_at DESC LIMIT 5",
            "table_name": "resources",
            "limit": 5,
        },
    ),
    (
        "SELECT name FROM entities WHERE entity_type='person'",
        "SQL",
        {"sql": "SELECT name FROM entities WHERE entity_type='person'", "table_name": "entities"},
    ),
    (
        "FUZZY 'machin lerning' IN resources THRESHOLD 0.7",
        "FUZZY",
        {"query_text": "machin lerning", "table_name": "resources", "threshold": 0.7},
    ),
    (
        "FUZZY 'kubernets' IN resources",
        "FUZZY",
        {"query_text": "kubernets", "table_name": "resources", "threshold": 0.7},
    ),
    (
        "TRAVERSE res-123 DEPTH 2 TYPE SEE_ALSO",
        "TRAVERSE",
        {"key": "res-123", "depth": 2, "edge_types": ["SEE_ALSO"]},
    ),
    (
        "TRAVERSE res-123",
        "TRAVERSE",
        {"key": "res-123", "depth": 1, "edge_types": ["SEE_ALSO", "PREREQUISITE", "CONTINUATION"]},
    ),
]

BAD = [
    ("", "rem_parse_error"),
    ("DELETE FROM resources", "rem_parse_error"),
    ("LOOKUP", "rem_parse_error"),
    ('SEARCH "x" resources', "rem_parse_error"),
    ('SEARCH "x" IN notes', "rem_unknown_table"),
    ('SEARCH "x" IN resources LIMIT 0', "rem_limit_not_positive"),
    ('SEARCH "x" IN resources LIMIT -3', "rem_limit_not_positive"),
    ("SEARCH \"x\" IN resources AFTER '2024-13-01'", "rem_bad_date"),
    ("SEARCH \"x\" IN resources AFTER '2024-02-01' BEFORE '2024-01-01'", "rem_bad_time_range"),
    ("SELECT foo FROM resources", "rem_unknown_field"),
    ("SELECT * FROM people", "rem_unknown_table"),
    ("SELECT * FROM resources LIMIT 0", "rem_limit_not_positive"),
    ("SELECT * FROM resources; SELECT 1", "rem_sql_error"),
    ("SELECT * FRM resources", "rem_sql_error"),
    ("WITH x AS (SELECT 1) INSERT INTO resources(id) SELECT * FROM x", "rem_sql_not_readonly"),
    ("FUZZY 'x' IN resources THRESHOLD 1.5", "rem_threshold_out_of_range"),
    ("TRAVERSE res-1 DEPTH 9", "rem_depth_out_of_range"),
    ("TRAVERSE res-1 DEPTH 0", "rem_depth_out_of_range"),
    ("TRAVERSE res-1 TYPE LIKES", "rem_unknown_edge_type"),
]


@pytest.mark.parametrize("query, query_type, params", GOOD)
def test_good_queries_parse_to_exact_parameters(query, query_type, params):
    assert rem.parse(query) == (query_type, params)


@pytest.mark.parametrize("query, reason", BAD)
def test_bad_queries_fail_with_exact_reason(query, reason):
    with pytest.raises(rem.RemError) as caught:
        rem.parse(query)
    assert caught.value.reason == reason
