"""Writes calls.jsonl: the example log of the traces recipe (run it again to regenerate the file as it is).

A made-up helpdesk workflow of "Northwind Traders" with four call sites, logged the ways the
logs source reads: a ticket triage step (structured output, `response_format` json_schema, traced
calls), a calendar assistant (tools, OpenAI fine-tuning shape), an invoice extraction step
(`.parse(response_format=Model)` as the tracer logs it) and an order desk agent (tools, ShareGPT
with function_call turns). The requests are written by hand, with the answer the workflow logged,
in a module per call site (triage.py, calendar_assistant.py, invoices.py, orders.py: system prompt,
schema or tools, requests); no real person, address or account is in them. This script turns them
into log lines, interleaved as a workflow logs them, and adds the malformed lines real logs hold
(see README.md).
"""

from __future__ import annotations

import json
from pathlib import Path

from pipelines.traces.examples.calendar_assistant import CALENDAR, CALENDAR_SYSTEM, CALENDAR_TOOLS
from pipelines.traces.examples.invoices import INVOICE_SCHEMA, INVOICE_SYSTEM, INVOICES
from pipelines.traces.examples.orders import ORDERS, ORDERS_SYSTEM, ORDERS_TOOLS
from pipelines.traces.examples.triage import TICKETS, TRIAGE_SCHEMA, TRIAGE_SYSTEM

OUT = Path(__file__).resolve().parent / "calls.jsonl"
MODEL = "gpt-4o-2024-08-06"


def _stamp(n: int) -> str:
    return f"2025-03-{1 + n % 28:02d}T{8 + n % 10:02d}:{(7 * n) % 60:02d}:00Z"


def _completion(n: int, message: dict) -> dict:
    return {
        "id": f"chatcmpl-{n:04d}",
        "object": "chat.completion",
        "created": 1740816000 + 3600 * n,
        "model": MODEL,
        "choices": [
            {"index": 0, "message": {"role": "assistant", **message}, "finish_reason": "stop"}
        ],
        "usage": {"prompt_tokens": 180, "completion_tokens": 40, "total_tokens": 220},
    }


def _traced(
    n: int, system: str, user: str, response_format: dict, reply: str | dict, **extra
) -> dict:
    request = {
        "model": MODEL,
        "messages": [{"role": "system", "content": system}, {"role": "user", "content": user}],
        "response_format": response_format,
        "temperature": 0,
    }
    content = reply if isinstance(reply, str) else json.dumps(reply, ensure_ascii=False)
    return {
        "timestamp": _stamp(n),
        "request": request,
        "response": _completion(n, {"content": content, **extra}),
        "latency_s": round(0.6 + (n % 7) / 10, 2),
    }


def triage(
    n: int, text: str, category: str, priority: str, order: str | None, refund: bool
) -> dict:
    answer = {
        "category": category,
        "priority": priority,
        "order_id": order,
        "refund_requested": refund,
    }
    form = {
        "type": "json_schema",
        "json_schema": {"name": "ticket_triage", "strict": True, "schema": TRIAGE_SCHEMA},
    }
    return _traced(n, TRIAGE_SYSTEM, text, form, answer)


def invoice(
    n: int, text: str, vendor: str, number: str, total: float, currency: str, due: str | None
) -> dict:
    answer = {
        "vendor": vendor,
        "invoice_number": number,
        "total": total,
        "currency": currency,
        "due_date": due,
    }
    form = {
        "pydantic_model": "InvoiceFields",
        "schema": INVOICE_SCHEMA,
    }  # the tracer's form of .parse(Model)
    return _traced(
        n, INVOICE_SYSTEM, f"Extract the invoice fields:\n\n{text}", form, answer, parsed=answer
    )


def calendar(n: int, text: str, tool: str, arguments: dict | str) -> dict:
    call = {
        "id": f"call_{n:04d}",
        "type": "function",
        "function": {
            "name": tool,
            "arguments": arguments if isinstance(arguments, str) else json.dumps(arguments),
        },
    }
    return {
        "messages": [
            {"role": "system", "content": CALENDAR_SYSTEM},
            {"role": "user", "content": text},
            {"role": "assistant", "content": None, "tool_calls": [call]},
            {"role": "tool", "tool_call_id": call["id"], "content": '{"ok": true}'},
            {"role": "assistant", "content": "Done."},
        ],
        "tools": CALENDAR_TOOLS,
        "metadata": {"timestamp": _stamp(n), "model": MODEL, "agent": "calendar"},
    }


def orders(n: int, text: str, tool: str, arguments: dict) -> dict:
    return {
        "system": ORDERS_SYSTEM,
        "tools": json.dumps(ORDERS_TOOLS),
        "conversations": [
            {"from": "human", "value": text},
            {"from": "function_call", "value": json.dumps({"name": tool, "arguments": arguments})},
            {"from": "observation", "value": '{"status": "ok"}'},
            {"from": "gpt", "value": "All set."},
        ],
        "metadata": {"timestamp": _stamp(n), "agent": "order_desk"},
    }


def malformed(n: int) -> list[str]:
    """What real logs hold beside good calls; each becomes a rejection with its reason (README.md)."""
    rows = [
        triage(n, "The app keeps crashing when I open my basket.", "other", "normal", None, False),
        triage(n + 1, "Refund my order NW-11111 now!", "billing", "high", "NW-11111", True),
        calendar(
            n + 2,
            "Book a 30 minute sync on 2025-03-14 at 10:00.",
            "create_event",
            '{"title": "sync", "date": "2025-03-14", "start": "10:00", "minutes": 30',
        ),
        calendar(n + 3, "Send the agenda to the design team.", "send_invite", {"team": "design"}),
        calendar(
            n + 4,
            "Book the all-hands on 2025-04-01 at 09:00.",
            "create_event",
            {"title": "all-hands", "date": "2025-04-01", "start": "09:00"},
        ),
        {
            "messages": [
                {"role": "system", "content": CALENDAR_SYSTEM},
                {
                    "role": "assistant",
                    "content": None,
                    "tool_calls": [
                        {
                            "id": "call_x",
                            "type": "function",
                            "function": {
                                "name": "find_free_slots",
                                "arguments": '{"team": "sales", "date": "2025-03-20", "minutes": 15}',
                            },
                        }
                    ],
                },
            ],
            "tools": CALENDAR_TOOLS,
        },
        {
            "timestamp": _stamp(n + 6),
            "request": {
                "model": MODEL,
                "messages": [
                    {"role": "system", "content": TRIAGE_SYSTEM},
                    {"role": "user", "content": "Where is NW-22222?"},
                ],
            },
            "response": None,
            "error": {
                "type": "RateLimitError",
                "message": "Rate limit reached",
                "status_code": 429,
            },
        },
        {"prompt": "Classify: my parcel is late", "completion": "shipping"},
        {
            "timestamp": _stamp(n + 8),
            "request": {
                "model": MODEL,
                "messages": [
                    {"role": "system", "content": "You are a friendly assistant."},
                    {"role": "user", "content": "Write a haiku about tea."},
                ],
            },
            "response": _completion(n + 8, {"content": "Steam over the cup / ..."}),
        },
        {
            "messages": [
                {"role": "system", "content": CALENDAR_SYSTEM},
                {"role": "user", "content": "What can you do?"},
                {"role": "assistant", "content": "I can book, find and cancel meetings."},
            ],
            "tools": CALENDAR_TOOLS,
        },
    ]
    rows[0]["response"]["choices"][0]["message"]["content"] = (
        "Sure! This looks like a bug report, priority normal."
    )
    bad = json.loads(rows[1]["response"]["choices"][0]["message"]["content"])
    del bad["priority"]
    rows[1]["response"]["choices"][0]["message"]["content"] = json.dumps(bad)
    lines = [json.dumps(row, ensure_ascii=False) for row in rows]
    lines.insert(
        8, '{"timestamp": "2025-03-09T10:00:00Z", "request": {"model": "gpt-4o", "messages": ['
    )  # cut off
    return lines


def main() -> None:
    sites = [
        [triage(i, *row) for i, row in enumerate(TICKETS)],
        [calendar(100 + i, *row) for i, row in enumerate(CALENDAR)],
        [invoice(200 + i, *row) for i, row in enumerate(INVOICES)],
        [orders(300 + i, *row) for i, row in enumerate(ORDERS)],
    ]
    lines, longest = [], max(len(site) for site in sites)
    for i in range(longest):  # interleaved, as a workflow's log is
        lines += [json.dumps(site[i], ensure_ascii=False) for site in sites if i < len(site)]
    lines += malformed(400)
    OUT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{OUT}: {len(lines)} lines")


if __name__ == "__main__":
    main()
