"""factory.proxy.checks: the student is asked the way it was trained and judged by the recipe's own checks,
for a JSON recipe (rem_queries) and a tool-call one (toolcalls). No server."""

from __future__ import annotations

import json

from proxy_helpers import TOOLS, ask

from factory.proxy.checks import RecipeChecks, request_tools
from factory.recipes import load_recipe
from pipelines.toolcalls import hermes

LOOKUP = {
    "intent": "lookup",
    "query_type": "LOOKUP",
    "parameters": {"key": "notes-q4-planning"},
    "explanation": "Using LOOKUP to fetch the item stored under key notes-q4-planning directly.",
    "rem": "LOOKUP notes-q4-planning",
}
REQUEST = {
    "model": "gpt-4o",
    "messages": [
        {"role": "system", "content": "You help with notes."},
        {"role": "user", "content": "Look up notes-q4-planning"},
    ],
}


def test_rem_queries_student_prompt_and_the_recipes_checks():
    recipe = load_recipe("rem_queries")
    checks = RecipeChecks(recipe)
    assert checks.student_messages(REQUEST) == [
        {"role": "system", "content": recipe.student_prompt},
        {"role": "user", "content": "Look up notes-q4-planning"},
    ]
    verdict = checks.judge(
        REQUEST, {"role": "assistant", "content": "```json\n" + json.dumps(LOOKUP) + "\n```"}
    )
    assert verdict.ok and verdict.output == LOOKUP
    assert (
        checks.judge(REQUEST, {"role": "assistant", "content": "Sure! Here is your query."}).reason
        == "reply_not_parsed"
    )
    assert (
        checks.judge(
            REQUEST, {"role": "assistant", "content": json.dumps({**LOOKUP, "intent": 7})}
        ).reason
        == "schema_invalid"
    )
    wrong = {
        **LOOKUP,
        "intent": "search",
        "query_type": "SEARCH",
    }  # valid JSON, but not what the REM query says
    assert not checks.judge(REQUEST, {"role": "assistant", "content": json.dumps(wrong)}).ok
    # the student's answer stays text when the caller asked without tools
    answer, finish = checks.answer(
        REQUEST, LOOKUP, {"role": "assistant", "content": json.dumps(LOOKUP)}
    )
    assert answer == {"role": "assistant", "content": json.dumps(LOOKUP)} and finish == "stop"
    scores = checks.compare(
        REQUEST, {"role": "assistant", "content": json.dumps(LOOKUP)}, json.dumps(LOOKUP)
    )
    assert scores["main"] == "intent" and scores["scores"]["exact"] == 1.0


def test_rem_queries_student_writes_the_bare_query_and_the_caller_gets_the_whole_output():
    """The student's own form (student_answer: the REM query alone) is judged as the output it
    stands for, and the caller gets that output as JSON, as the teacher would have answered."""
    checks = RecipeChecks(load_recipe("rem_queries"))
    message = {"role": "assistant", "content": "LOOKUP notes-q4-planning"}
    verdict = checks.judge(REQUEST, message)
    assert verdict.ok and verdict.output == LOOKUP
    answer, finish = checks.answer(REQUEST, verdict.output, message)
    assert json.loads(answer["content"]) == LOOKUP and finish == "stop"
    assert checks.judge(REQUEST, {"role": "assistant", "content": "LOOKUP"}).reason == (
        "reply_not_parsed"
    )
    scores = checks.compare(
        REQUEST, {"role": "assistant", "content": json.dumps(LOOKUP)}, "LOOKUP notes-q4-planning"
    )
    assert scores["scores"]["intent"] == scores["scores"]["exact"] == 1.0


def test_toolcalls_student_sees_hermes_tools_and_its_call_becomes_a_native_one():
    checks = RecipeChecks(load_recipe("toolcalls"))
    body = ask("Lisbon")
    system, user = checks.student_messages(body)
    assert system["content"] == hermes.render_system(TOOLS, load_recipe("toolcalls").student_prompt)
    assert user == {"role": "user", "content": "What's the weather in Lisbon?"}
    # a request that already carries the Hermes prompt (no `tools`) is read back to the same tools
    assert [t["function"]["name"] for t in request_tools({"messages": [system, user]})] == [
        "get_weather",
        "convert_units",
    ]
    reply = {
        "role": "assistant",
        "content": hermes.render_call("get_weather", {"location": "Lisbon"}),
    }
    verdict = checks.judge(body, reply)
    assert verdict.ok and verdict.output == {
        "name": "get_weather",
        "arguments": {"location": "Lisbon"},
    }
    answer, finish = checks.answer(body, verdict.output, reply)
    assert finish == "tool_calls" and answer["content"] is None
    assert json.loads(answer["tool_calls"][0]["function"]["arguments"]) == {"location": "Lisbon"}
    bad = checks.judge(
        body,
        {"role": "assistant", "content": hermes.render_call("get_weather", {"city": "Lisbon"})},
    )
    assert (bad.ok, bad.reason) == (False, "toolcall_missing_argument")
