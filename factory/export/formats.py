"""Training formats of a record: OpenAI chat `messages`, ShareGPT `conversations`, Alpaca.

The assistant's answer is the record's output as JSON (or the text itself when the output is
a string), its keys in the order the schema lists as `required` (for rem_queries: intent and
query_type first, so the student decides the operation before it writes the details), then
the rest. The system prompt is the recipe's `export.system_prompt`.
"""

from __future__ import annotations

import json


def answer(record: dict, order: tuple[str, ...] = ()) -> str:
    output = record["output"]
    if isinstance(output, str):
        return output
    ordered = {key: output[key] for key in order if key in output}
    ordered.update((key, value) for key, value in output.items() if key not in ordered)
    return json.dumps(ordered, ensure_ascii=False)


def messages(record: dict, system: str, order: tuple[str, ...] = ()) -> dict:
    return {"id": record["id"], "messages": [{"role": "system", "content": system},
                                             {"role": "user", "content": str(record["input"])},
                                             {"role": "assistant", "content": answer(record, order)}]}


def sharegpt(record: dict, system: str, order: tuple[str, ...] = ()) -> dict:
    return {"id": record["id"], "conversations": [{"from": "system", "value": system},
                                                  {"from": "human", "value": str(record["input"])},
                                                  {"from": "gpt", "value": answer(record, order)}]}


def alpaca(record: dict, system: str, order: tuple[str, ...] = ()) -> dict:
    return {"id": record["id"], "instruction": system, "input": str(record["input"]), "output": answer(record, order)}


FORMATS = {"messages": messages, "sharegpt": sharegpt, "alpaca": alpaca}
