"""rem_queries metrics against hand-written expected values, exact match on canonical forms, and eval through
an OpenAI-compatible URL: on the test split, and on a --data file through the CLI (bad lines refused up front)."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from factory_cli import run_cli

from factory.evaluate import compare, evaluate
from factory.recipes import load_recipe
from factory.stages.validate import schema_validator
from factory.testing.loopback import LoopbackTeacher
from pipelines.rem_queries.metrics import canonical, score
from pipelines.rem_queries.recipe import build_output

EXPECTED = {
    "output": build_output(
        "SELECT * FROM resources WHERE category='diary' ORDER BY created_at DESC LIMIT 5"
    )
}


@pytest.fixture(scope="module")
def validator():
    return schema_validator(load_recipe("rem_queries"))


def _reply(rem: str, **changes) -> str:
    return json.dumps({**build_output(rem), **changes})


@pytest.mark.parametrize(
    "reply, expected",
    [
        (
            _reply(
                "SELECT * FROM resources WHERE category='diary' ORDER BY created_at DESC LIMIT 5"
            ),
            {"intent": 1.0, "valid": 1.0, "parameters": 1.0, "executes": 1.0, "exact": 1.0},
        ),
        (
            "Sure! "
            + _reply(
                "select *  from resources WHERE category='diary' ORDER BY created_at DESC LIMIT 5;"
            ),
            {"intent": 1.0, "valid": 1.0, "parameters": 2 / 3, "executes": 1.0, "exact": 1.0},
        ),
        (
            _reply(
                "SELECT * FROM resources WHERE category='diary' ORDER BY created_at DESC LIMIT 10"
            ),  # sql and limit wrong
            {"intent": 1.0, "valid": 1.0, "parameters": 1 / 3, "executes": 1.0, "exact": 0.0},
        ),
        (
            _reply('SEARCH "diary" IN resources LIMIT 5'),
            {"intent": 0.0, "valid": 1.0, "parameters": 2 / 3, "executes": 1.0, "exact": 0.0},
        ),
        (
            json.dumps(
                {
                    "intent": "structured_query",
                    "query_type": "SQL",
                    "parameters": {},
                    "explanation": "x",
                    "rem": "SELECT nope FROM resources",
                }
            ),
            {"intent": 1.0, "valid": 0.0, "parameters": 0.0, "executes": 0.0, "exact": 0.0},
        ),
        (
            _reply("LOOKUP res-1", intent="structured_query"),
            {"intent": 0.0, "valid": 0.0, "parameters": 0.0, "executes": 1.0, "exact": 0.0},
        ),
        (
            "I'm glad you asked!",
            {"intent": 0.0, "valid": 0.0, "parameters": 0.0, "executes": 0.0, "exact": 0.0},
        ),
        (  # the student's own form: the bare query, its fields derived from it
            "SELECT * FROM resources WHERE category = 'diary' ORDER BY created_at DESC LIMIT 5",
            {"intent": 1.0, "valid": 1.0, "parameters": 2 / 3, "executes": 1.0, "exact": 1.0},
        ),
        (
            '```\nSEARCH "diary" IN resources LIMIT 5\n```',
            {"intent": 0.0, "valid": 1.0, "parameters": 2 / 3, "executes": 1.0, "exact": 0.0},
        ),
        (
            "SELECT nope FROM resources",
            {"intent": 0.0, "valid": 0.0, "parameters": 0.0, "executes": 0.0, "exact": 0.0},
        ),
    ],
)
def test_score_by_hand(reply, expected, validator):
    assert score(reply, EXPECTED, validator) == pytest.approx(expected)


def _export(root, records):
    folder = root / "rem_queries" / "r" / "export" / "records"
    folder.mkdir(parents=True)
    (folder / "test.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    (root / "rem_queries" / "latest").symlink_to("r")


def test_eval_through_an_openai_compatible_url_and_compare(tmp_path):
    records = [
        {
            "id": "a",
            "input": "Show the 5 most recent diary resources",
            "output": EXPECTED["output"],
        },
        {"id": "b", "input": "Look up res-1", "output": build_output("LOOKUP res-1")},
    ]
    answers = {
        "Show the 5 most recent diary resources": json.dumps(EXPECTED["output"]),
        "Look up res-1": "no idea",
    }
    _export(tmp_path, records)

    class Handler(BaseHTTPRequestHandler):
        def _send(self, body):
            data = json.dumps(body).encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            self._send({"data": [{"id": "oracle"}]})

        def do_POST(self):
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            content = answers[body["messages"][-1]["content"]]
            self._send(
                {
                    "id": "x",
                    "object": "chat.completion",
                    "created": 0,
                    "model": "oracle",
                    "choices": [
                        {
                            "index": 0,
                            "finish_reason": "stop",
                            "message": {"role": "assistant", "content": content},
                        }
                    ],
                    "usage": {"prompt_tokens": 10, "completion_tokens": 7, "total_tokens": 17},
                }
            )

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        summary = evaluate(
            "rem_queries",
            f"http://127.0.0.1:{server.server_address[1]}/v1",
            out=tmp_path,
            label="oracle",
        )
    finally:
        server.shutdown()
    assert summary["examples"] == 2 and summary["metrics"] == {
        "intent": 50.0,
        "valid": 50.0,
        "parameters": 50.0,
        "executes": 50.0,
        "exact": 50.0,
    }
    assert summary["intervals"]["intent"] == [9.5, 90.5]  # Wilson, 1 of 2
    assert summary["runtime"] == "endpoint"
    assert summary["warnings"] == [
        "the test split has 2 records: too few to judge a model (judge from 30; here one "
        "record moves a score by 50 points, and a 95% interval on a score near 50% is over "
        "30 points wide)"
    ]
    base = {
        **summary,
        "label": "base",
        "metrics": dict.fromkeys(summary["metrics"], 0.0),
        "intervals": dict.fromkeys(summary["metrics"], [0.0, 65.8]),
    }
    (tmp_path / "rem_queries" / "evals" / "base.json").write_text(json.dumps(base))
    table, decisions = compare("rem_queries", ["base", "oracle"], out=tmp_path)
    assert (
        table.splitlines()[0]
        == "| model | n | intent | valid | parameters | executes | exact | p50 s | p95 s | tok/s |"
    )
    assert table.splitlines()[3].startswith("| oracle | 2 | 50.0 [9.5-90.5] | ")
    # +50 points on 2 records is no ground for deploying anything
    assert decisions == [
        "oracle vs base: intent +50.0 points -> no verdict: 2 test examples are too few to judge "
        "(needs >= 30; export a larger test split)"
    ]
    assert (tmp_path / "rem_queries" / "evals" / "compare.png").read_bytes()[:4] == b"\x89PNG"


def _summary(label: str, right: int, n: int) -> dict:
    from factory.stats import interval

    scores = [1.0] * right + [0.0] * (n - right)
    return {
        "label": label,
        "examples": n,
        "metrics": {"intent": round(100 * right / n, 1)},
        "intervals": {"intent": interval(scores)},
    }


@pytest.mark.parametrize(
    "base, student, verdict",
    [
        (
            (0, 48),
            (47, 48),
            "intent +97.9 points, 95% interval [+86.4, +99.6] -> deploy (needs >= 5)",
        ),
        (
            (30, 40),
            (31, 40),
            "intent +2.5 points, 95% interval [-16.0, +20.8] -> inconclusive: the gain may or may not "
            "reach 5; evaluate on more test examples",
        ),
        (
            (38, 40),
            (20, 40),
            "intent -45.0 points, 95% interval [-60.2, -26.3] -> do not deploy (needs >= 5)",
        ),
        (
            (0, 3),
            (3, 3),
            "intent +100.0 points -> no verdict: 3 test examples are too few to judge (needs >= 30; "
            "export a larger test split)",
        ),
    ],
)
def test_the_deploy_verdict_is_never_stronger_than_the_numbers(base, student, verdict):
    from factory.evaluate import decision

    assert (
        decision(_summary("base", *base), _summary("student", *student), "intent")
        == f"student vs base: {verdict}"
    )


def test_wilson_intervals_match_known_values():
    from factory.stats import interval, wilson

    assert interval([1.0, 1.0, 1.0]) == [43.9, 100.0]
    assert interval([0.0] * 10) == [0.0, 27.8]
    assert wilson(0, 0) == (0.0, 1.0)
    assert interval([0.5, 1.0, 0.0, 0.5]) == interval(
        [0.5, 1.0, 0.0, 0.5]
    )  # partial scores: a seeded bootstrap


@pytest.mark.parametrize(
    "one, other",
    [
        (
            "SELECT * FROM resources WHERE category = 'x'",
            "select * from resources where category='x'",
        ),
        (
            "SELECT name FROM moments ORDER BY created_at DESC LIMIT 5;",
            "select  name\nfrom Moments order by created_at desc limit 5",
        ),
        (
            "SELECT COUNT(*) FROM entities WHERE entity_type = 'person'",
            "SELECT count(*) FROM entities WHERE entity_type='person'",
        ),
        ('SEARCH "kubernetes" IN resources LIMIT 5', "search 'kubernetes' in Resources limit 5"),
        (
            'FUZZY "kubernets" IN resources THRESHOLD 0.7',
            "fuzzy  'kubernets' IN resources THRESHOLD 0.70",
        ),
        (
            "TRAVERSE res-1 DEPTH 2 TYPE SEE_ALSO,PREREQUISITE",
            "traverse res-1 depth 2 type see_also, prerequisite",
        ),
        ("LOOKUP res-1", "lookup res-1;"),
    ],
)
def test_canonical_forms_that_are_the_same_query(one, other):
    assert canonical(one) == canonical(other)


@pytest.mark.parametrize(
    "one, other",
    [
        (
            "SELECT * FROM resources WHERE category = 'x'",
            "SELECT * FROM resources WHERE category = 'X'",
        ),  # values keep case
        ("SELECT * FROM resources LIMIT 5", "SELECT * FROM resources LIMIT 10"),
        ('SEARCH "Kubernetes" IN resources', 'SEARCH "kubernetes" IN resources'),
        ("LOOKUP res-1", "LOOKUP Res-1"),  # keys are verbatim
        ("TRAVERSE res-1 TYPE SEE_ALSO,PREREQUISITE", "TRAVERSE res-1 TYPE PREREQUISITE,SEE_ALSO"),
    ],
)
def test_canonical_forms_that_differ(one, other):
    assert canonical(one) != canonical(other)


def test_canonical_known_values():
    assert (
        canonical("select * from resources where category='x'")
        == "SELECT * FROM resources WHERE category = 'x'"
    )
    assert (
        canonical("fuzzy 'kubernets' in Resources threshold 0.70")
        == 'FUZZY "kubernets" IN resources THRESHOLD 0.7'
    )
    assert (
        canonical("SELECT * FROM") == "select * from"
    )  # not SQL sqlglot reads: compared loosely, never a crash


DATA = [  # request, gold REM, what the model answers (None: no answer)
    (
        "show my diary resources",
        "SELECT * FROM resources WHERE category = 'diary'",
        "select * from resources where category='diary'",
    ),  # the same query spelled otherwise: exact
    ("look up res-1", "LOOKUP res-1", "LOOKUP res-1"),
    ("notes about kubernetes, top 5", 'SEARCH "kubernetes" IN resources LIMIT 5', None),
    (
        "i think i misspelled kubernets",
        'FUZZY "kubernets" IN resources THRESHOLD 0.7',
        "LOOKUP kubernets",
    ),
]


def _data_file(path, lines=DATA):
    path.write_text(
        "".join(json.dumps({"input": text, "rem": gold}) + "\n" for text, gold, _ in lines)
    )
    return path


def _answers(messages):
    answer = {text: reply for text, _, reply in DATA}[messages[-1]["content"]]
    return json.dumps(build_output(answer)) if answer else "I am not sure what you mean."


def test_eval_data_file_through_the_cli_scores_and_compares(tmp_path):
    data = _data_file(tmp_path / "dev.jsonl")
    with LoopbackTeacher(reply=_answers) as model:
        result = run_cli(
            "eval",
            "rem_queries",
            "--data",
            str(data),
            "--model",
            model.base_url,
            "--teacher",
            "loopback",
            "--out",
            str(tmp_path / "d"),
        )
        assert model.requests == 4
    assert result.returncode == 0, result.stderr
    summary = json.loads(
        (tmp_path / "d" / "rem_queries" / "evals" / "loopback@dev.json").read_text()
    )
    # 1: right, exact in canonical form, its SQL text differs (parameters 1/2); 2: all right; 3: no answer;
    # 4: a valid LOOKUP where a FUZZY was wanted
    assert summary["metrics"] == {
        "intent": 50.0,
        "valid": 75.0,
        "parameters": 37.5,
        "executes": 75.0,
        "exact": 50.0,
    }
    assert (
        summary["label"] == "loopback@dev"
        and summary["examples"] == 4
        and summary["runtime"] == "endpoint"
    )
    assert summary["data"] == str(data)
    assert summary["data_sha256"] == __import__("hashlib").sha256(data.read_bytes()).hexdigest()
    assert summary["warnings"][0].startswith("dev.jsonl has 4 records: too few to judge a model")
    assert result.stdout.startswith(
        f"loopback@dev: 4 examples of {data}; intent 50.0 [15.0-85.0], valid 75.0 "
    )
    predictions = [
        json.loads(line)
        for line in (tmp_path / "d" / "rem_queries" / "evals" / "loopback@dev.predictions.jsonl")
        .read_text()
        .splitlines()
    ]
    assert [p["source"] for p in predictions] == [f"{data}:{n}" for n in range(1, 5)]
    assert [p["scores"]["exact"] for p in predictions] == [1.0, 1.0, 0.0, 0.0]

    test_split = {
        **summary,
        "label": "student",
        "data": "d/rem_queries/r/export/records/test.jsonl",
        "data_sha256": "0" * 64,
    }
    (tmp_path / "d" / "rem_queries" / "evals" / "student.json").write_text(json.dumps(test_split))
    compared = run_cli(
        "eval", "rem_queries", "--compare", "loopback@dev,student", "--out", str(tmp_path / "d")
    )
    assert compared.returncode == 0, compared.stderr
    assert compared.stdout.splitlines()[-1] == (
        f"student vs loopback@dev: no verdict: they scored different data ({data} vs "
        "d/rem_queries/r/export/records/test.jsonl); compare evals of the same requests"
    )


@pytest.mark.parametrize(
    "lines, message",
    [
        (
            [
                '{"input": "a", "rem": "LOOKUP a"}',
                '{"input": "b"}',
                '{"input": "c", "rem": "SELECT nope FROM resources"}',
                "{oops",
            ],
            '{path}:2: each line needs {{"input": "<request>", "rem": "<REM query>"}} (bad lines after it: 3, 4); '
            "fix or remove the lines (nothing was evaluated)",
        ),
        (
            ['{"input": "a", "rem": "SEARCH \\"x\\" IN notes"}'],
            "{path}:1: rem_unknown_table: table 'notes' is not one of resources, moments, entities; fix or remove the line "
            "(nothing was evaluated)",
        ),
        (
            ['{"input": "a", "rem": "LOOKUP a"}', "not json"],
            "{path}:2: not valid JSON (Expecting value); fix or remove that line (nothing was evaluated)",
        ),
        (
            [],
            "{path}: no lines; give a JSON Lines file of requests with gold answers (the `factory build rem_queries "
            "--seeds` format)",
        ),
    ],
)
def test_eval_data_refuses_a_bad_line_before_any_model_call(tmp_path, lines, message):
    data = tmp_path / "bad.jsonl"
    data.write_text("".join(line + "\n" for line in lines))
    with LoopbackTeacher(reply=_answers) as model:
        result = run_cli(
            "eval",
            "rem_queries",
            "--data",
            str(data),
            "--model",
            model.base_url,
            "--out",
            str(tmp_path),
        )
        assert model.requests == 0
    assert result.returncode == 2
    assert result.stderr.strip() == "error: " + message.format(path=data)  # one line
    assert not (tmp_path / "rem_queries" / "evals").exists()


def test_eval_system_file_replaces_the_student_prompt_and_is_recorded(tmp_path):
    """--system FILE: the teacher as a reference row, asked with the task's full instructions."""
    data = _data_file(tmp_path / "dev.jsonl", DATA[1:2])
    system = tmp_path / "reference.txt"
    system.write_text("You write REM queries. LOOKUP key reads one item.\n")
    seen = []

    def answers(messages):
        seen.append([m["role"] for m in messages] + [messages[0]["content"]])
        return _answers(messages)

    with LoopbackTeacher(reply=answers) as model:
        args = [
            "eval",
            "rem_queries",
            "--data",
            str(data),
            "--model",
            model.base_url,
            "--label",
            "ref",
        ]
        result = run_cli(*args, "--system", str(system), "--out", str(tmp_path / "d"))
        missing = run_cli(
            *args, "--system", str(tmp_path / "nope.txt"), "--out", str(tmp_path / "e")
        )
        assert model.requests == 1
    assert result.returncode == 0, result.stderr
    assert seen == [["system", "user", "You write REM queries. LOOKUP key reads one item."]]
    summary = json.loads((tmp_path / "d" / "rem_queries" / "evals" / "ref.json").read_text())
    assert summary["metrics"]["exact"] == 100.0
    assert summary["system_prompt"] == str(system)
    assert (
        summary["system_prompt_sha256"]
        == __import__("hashlib").sha256(system.read_bytes()).hexdigest()
    )
    assert missing.returncode == 2
    assert missing.stderr.strip().startswith(
        f"error: --system {tmp_path / 'nope.txt'}: cannot read it"
    )
    assert not (tmp_path / "e" / "rem_queries" / "evals").exists()


def test_the_student_writes_the_query_and_its_reading_gives_back_the_output():
    """student_answer is the REM query alone; student_output reads it back to the whole output (and
    a JSON reply as it is), so export, eval and the proxy agree on what a reply means."""
    from factory.export.formats import student_turns
    from pipelines.rem_queries import recipe as rem_recipe

    recipe = load_recipe("rem_queries")
    for seed in rem_recipe.grammar_seeds(40, 3):
        record = {**seed, "provenance": {}}
        system, user, answer = student_turns(recipe, record)
        assert answer == seed["output"]["rem"] and "REM query only" in system
        read = rem_recipe.student_output(answer)
        assert {k: read[k] for k in ("intent", "query_type", "parameters", "rem")} == {
            k: seed["output"][k] for k in ("intent", "query_type", "parameters", "rem")
        }
    as_json = json.dumps(EXPECTED["output"])
    assert rem_recipe.student_output(f"Here it is: {as_json}") == EXPECTED["output"]
    assert rem_recipe.student_output("REM: LOOKUP res-1")["query_type"] == "LOOKUP"
    with pytest.raises(ValueError, match="no JSON and no REM query"):
        rem_recipe.student_output("I'm glad you asked!")
