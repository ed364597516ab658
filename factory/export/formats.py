"""Training formats of a record: OpenAI chat `messages`, ShareGPT `conversations`, Alpaca.

The assistant's answer is the record's output as compact JSON (or the text itself when the
output is a string); the system prompt is the recipe's `export.system_prompt`.
"""

from __future__ import annotations

import json


def answer(record: dict) -> str:
    output = record["output"]
    return output if isinstance(output, str) else json.dumps(output, ensure_ascii=False)


def messages(record: dict, system: str) -> dict:
    return {"id": record["id"], "messages": [{"role": "system", "content": system},
                                             {"role": "user", "content": str(record["input"])},
                                             {"role": "assistant", "content": answer(record)}]}


def sharegpt(record: dict, system: str) -> dict:
    return {"id": record["id"], "conversations": [{"from": "system", "value": system},
                                                  {"from": "human", "value": str(record["input"])},
                                                  {"from": "gpt", "value": answer(record)}]}


def alpaca(record: dict, system: str) -> dict:
    return {"id": record["id"], "instruction": system, "input": str(record["input"]), "output": answer(record)}


FORMATS = {"messages": messages, "sharegpt": sharegpt, "alpaca": alpaca}
