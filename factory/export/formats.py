"""Training formats of a record: OpenAI chat `messages`, ShareGPT `conversations`, Alpaca.

The assistant's answer is the record's output as JSON (or the text itself when the output is
a string), its keys in the order the schema lists as `required` (for rem_queries: intent and
query_type first, so the student decides the operation before it writes the details), then
the rest. The system prompt is the recipe's `export.system_prompt`. A recipe module can
override both per record: `student_system(record, default)` (e.g. the tools a tool-call
student may use) and `student_answer(record)` (e.g. a bare bash command, a Hermes
`<tool_call>` block). `student_turns` is the one place export, train's GGUF check and
eval get the student's (system, user, answer) from.
"""

from __future__ import annotations

import json


def in_order(obj: dict, order) -> dict:
    """`obj` with the keys of `order` first, in that order, then its other keys as they were."""
    ordered = {key: obj[key] for key in order if key in obj}
    ordered.update((key, value) for key, value in obj.items() if key not in ordered)
    return ordered


def answer(record: dict, order: tuple[str, ...] = ()) -> str:
    output = record["output"]
    if isinstance(output, str):
        return output
    return json.dumps(in_order(output, order), ensure_ascii=False)


def student_turns(recipe, record: dict) -> tuple[str, str, str]:
    """(system prompt, user message, expected answer) of a record, as the student sees them."""
    system = recipe.hooks.student_system(record, recipe.student_prompt)
    reply = recipe.hooks.student_answer(record)
    if reply is None:
        reply = answer(record, tuple(recipe.schema().get("required", ())))
    return system, str(record["input"]), reply


def messages(record_id: str, system: str, user: str, reply: str) -> dict:
    return {
        "id": record_id,
        "messages": [
            {"role": "system", "content": system},
            {"role": "user", "content": user},
            {"role": "assistant", "content": reply},
        ],
    }


def sharegpt(record_id: str, system: str, user: str, reply: str) -> dict:
    return {
        "id": record_id,
        "conversations": [
            {"from": "system", "value": system},
            {"from": "human", "value": user},
            {"from": "gpt", "value": reply},
        ],
    }


def alpaca(record_id: str, system: str, user: str, reply: str) -> dict:
    return {"id": record_id, "instruction": system, "input": user, "output": reply}


FORMATS = {"messages": messages, "sharegpt": sharegpt, "alpaca": alpaca}
