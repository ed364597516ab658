"""Writes calls.jsonl: the example log of the traces recipe (run it again to regenerate the file as it is).

A made-up helpdesk workflow of "Northwind Traders" with four call sites, logged the ways the
logs source reads: a ticket triage step (structured output, `response_format` json_schema, traced
calls), a calendar assistant (tools, OpenAI fine-tuning shape), an invoice extraction step
(`.parse(response_format=Model)` as the tracer logs it) and an order desk agent (tools, ShareGPT
with function_call turns). The requests are written by hand below, one per line, with the answer
the workflow logged; no real person, address or account is in them. The malformed lines at the end
are what real logs hold (see README.md).
"""

from __future__ import annotations

import json
from pathlib import Path

OUT = Path(__file__).resolve().parent / "calls.jsonl"
MODEL = "gpt-4o-2024-08-06"

TRIAGE_SYSTEM = (
    "You triage support tickets for the Northwind Traders helpdesk. Read the customer's message and "
    "classify it: category, priority, the order number if one is given (NW- and five digits), and "
    "whether the customer asks for a refund."
)
TRIAGE_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "required": ["category", "priority", "order_id", "refund_requested"],
    "properties": {
        "category": {
            "type": "string",
            "enum": ["billing", "shipping", "account", "product_defect", "other"],
        },
        "priority": {"type": "string", "enum": ["low", "normal", "high", "urgent"]},
        "order_id": {"type": ["string", "null"], "pattern": "^NW-[0-9]{5}$"},
        "refund_requested": {"type": "boolean"},
    },
}
# (ticket text, category, priority, order id or None, refund requested)
TICKETS = [
    (
        "I was charged twice for order NW-10482, please refund the second charge.",
        "billing",
        "high",
        "NW-10482",
        True,
    ),
    (
        "My package for NW-20931 has been stuck in transit for nine days.",
        "shipping",
        "normal",
        "NW-20931",
        False,
    ),
    ("How do I change the email address on my account?", "account", "low", None, False),
    (
        "The kettle from order NW-33107 leaks from the base after two uses. I want my money back.",
        "product_defect",
        "high",
        "NW-33107",
        True,
    ),
    ("can't log in, password reset link never arrives", "account", "normal", None, False),
    (
        "URGENT: the blender sparked and smoked when I switched it on. Order NW-41876.",
        "product_defect",
        "urgent",
        "NW-41876",
        False,
    ),
    ("Do you ship to Iceland?", "shipping", "low", None, False),
    (
        "Invoice for NW-52214 shows the wrong VAT rate, can you send a corrected one",
        "billing",
        "normal",
        "NW-52214",
        False,
    ),
    (
        "I cancelled NW-60399 an hour after ordering but was still charged. Refund please.",
        "billing",
        "high",
        "NW-60399",
        True,
    ),
    (
        "The tracking page says delivered but nothing arrived. NW-71520",
        "shipping",
        "high",
        "NW-71520",
        False,
    ),
    ("Please delete my account and all my data.", "account", "normal", None, False),
    ("Love the new catalogue! Any plans for a loyalty program?", "other", "low", None, False),
    (
        "Toaster NW-80045 only heats one side. Would like a replacement, not a refund.",
        "product_defect",
        "normal",
        "NW-80045",
        False,
    ),
    (
        "You billed my card for a subscription I never signed up for!! Refund it now",
        "billing",
        "urgent",
        None,
        True,
    ),
    (
        "order NW-91273 arrived with a cracked glass lid",
        "product_defect",
        "normal",
        "NW-91273",
        False,
    ),
    (
        "Can I change the delivery address for NW-12058? It hasn't shipped yet.",
        "shipping",
        "normal",
        "NW-12058",
        False,
    ),
    ("two-factor codes go to my old phone number, I'm locked out", "account", "high", None, False),
    ("Is the espresso machine compatible with 110 V?", "other", "low", None, False),
    (
        "Package NW-23764 was left in the rain and everything inside is soaked. I'd like a refund.",
        "shipping",
        "high",
        "NW-23764",
        True,
    ),
    (
        "The discount code SPRING10 wasn't applied to NW-34489",
        "billing",
        "normal",
        "NW-34489",
        False,
    ),
    ("My account shows someone else's orders. Is my data safe?", "account", "urgent", None, False),
    (
        "the mixer from NW-45903 makes a grinding noise, return and refund please",
        "product_defect",
        "normal",
        "NW-45903",
        True,
    ),
    ("When will the cast iron pans be back in stock?", "other", "low", None, False),
    (
        "Courier says the address for NW-56018 doesn't exist, but it's the same one I always use.",
        "shipping",
        "normal",
        "NW-56018",
        False,
    ),
    ("I'd like a receipt with my company name for NW-67142.", "billing", "low", "NW-67142", False),
    (
        "Received the wrong colour for NW-78235, wanted blue got red",
        "shipping",
        "normal",
        "NW-78235",
        False,
    ),
    ("my loyalty points disappeared after the app update", "account", "normal", None, False),
    (
        "Microwave NW-89361 door handle snapped off. Not happy, refund me.",
        "product_defect",
        "high",
        "NW-89361",
        True,
    ),
    ("Can you gift wrap orders?", "other", "low", None, False),
    (
        "Charged in dollars instead of euros on NW-90417, please fix the price difference",
        "billing",
        "normal",
        "NW-90417",
        False,
    ),
]

CALENDAR_SYSTEM = (
    "You are the calendar assistant of the Northwind Traders office. Book, find and cancel meetings "
    "with the tools. Dates are ISO (2025-03-14), times 24-hour (15:00)."
)
CALENDAR_TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "create_event",
            "description": "Book a meeting in the shared calendar.",
            "parameters": {
                "type": "object",
                "additionalProperties": False,
                "required": ["title", "date", "start", "minutes"],
                "properties": {
                    "title": {"type": "string"},
                    "date": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"},
                    "start": {"type": "string", "pattern": "^[0-9]{2}:[0-9]{2}$"},
                    "minutes": {"type": "integer", "minimum": 5, "maximum": 480},
                    "room": {"type": "string"},
                },
            },
        },
    },
    {
        "type": "function",
        "function": {
            "name": "find_free_slots",
            "description": "Free slots of a team on a day.",
            "parameters": {
                "type": "object",
                "additionalProperties": False,
                "required": ["team", "date", "minutes"],
                "properties": {
                    "team": {"type": "string"},
                    "date": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"},
                    "minutes": {"type": "integer", "minimum": 5, "maximum": 480},
                },
            },
        },
    },
    {
        "type": "function",
        "function": {
            "name": "cancel_event",
            "description": "Cancel a meeting by its title and date.",
            "parameters": {
                "type": "object",
                "additionalProperties": False,
                "required": ["title", "date"],
                "properties": {
                    "title": {"type": "string"},
                    "date": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"},
                },
            },
        },
    },
]
# (request, tool, arguments)
CALENDAR = [
    (
        "Book a 30 minute budget review on 2025-03-14 at 15:00.",
        "create_event",
        {"title": "budget review", "date": "2025-03-14", "start": "15:00", "minutes": 30},
    ),
    (
        "When is the design team free for an hour on 2025-03-17?",
        "find_free_slots",
        {"team": "design", "date": "2025-03-17", "minutes": 60},
    ),
    (
        "cancel the supplier call on 2025-03-12",
        "cancel_event",
        {"title": "supplier call", "date": "2025-03-12"},
    ),
    (
        "Set up a 45 minute onboarding session on 2025-04-02 at 09:30 in room Fjord.",
        "create_event",
        {
            "title": "onboarding session",
            "date": "2025-04-02",
            "start": "09:30",
            "minutes": 45,
            "room": "Fjord",
        },
    ),
    (
        "find 15 free minutes for the sales team on 2025-03-20",
        "find_free_slots",
        {"team": "sales", "date": "2025-03-20", "minutes": 15},
    ),
    (
        "Please cancel the quarterly planning meeting on 2025-03-28.",
        "cancel_event",
        {"title": "quarterly planning", "date": "2025-03-28"},
    ),
    (
        "Book the retro for 2025-03-21 at 16:00, 60 minutes.",
        "create_event",
        {"title": "retro", "date": "2025-03-21", "start": "16:00", "minutes": 60},
    ),
    (
        "Does the warehouse team have a 2 hour slot on 2025-05-06?",
        "find_free_slots",
        {"team": "warehouse", "date": "2025-05-06", "minutes": 120},
    ),
    (
        "Drop the vendor demo on 2025-04-11, it's been called off.",
        "cancel_event",
        {"title": "vendor demo", "date": "2025-04-11"},
    ),
    (
        "Schedule a 20-minute standup on 2025-03-18 at 08:45.",
        "create_event",
        {"title": "standup", "date": "2025-03-18", "start": "08:45", "minutes": 20},
    ),
    (
        "Any free half hour for the finance team on 2025-03-25?",
        "find_free_slots",
        {"team": "finance", "date": "2025-03-25", "minutes": 30},
    ),
    (
        "cancel 'lunch and learn' on 2025-04-03",
        "cancel_event",
        {"title": "lunch and learn", "date": "2025-04-03"},
    ),
    (
        "Put a 90 minute product workshop in room Harbour on 2025-04-15 at 13:00.",
        "create_event",
        {
            "title": "product workshop",
            "date": "2025-04-15",
            "start": "13:00",
            "minutes": 90,
            "room": "Harbour",
        },
    ),
    (
        "I need 45 minutes with the support team on 2025-03-19, when are they free?",
        "find_free_slots",
        {"team": "support", "date": "2025-03-19", "minutes": 45},
    ),
    (
        "Cancel the security training on 2025-05-02.",
        "cancel_event",
        {"title": "security training", "date": "2025-05-02"},
    ),
    (
        "book an interview debrief, 2025-03-26 at 11:15, 25 min",
        "create_event",
        {"title": "interview debrief", "date": "2025-03-26", "start": "11:15", "minutes": 25},
    ),
    (
        "Find a 60 minute slot for the marketing team on 2025-04-08.",
        "find_free_slots",
        {"team": "marketing", "date": "2025-04-08", "minutes": 60},
    ),
    (
        "The office move briefing on 2025-04-22 is cancelled, remove it please.",
        "cancel_event",
        {"title": "office move briefing", "date": "2025-04-22"},
    ),
    (
        "Create a 40 minute pricing sync on 2025-03-31 at 14:20.",
        "create_event",
        {"title": "pricing sync", "date": "2025-03-31", "start": "14:20", "minutes": 40},
    ),
    (
        "when can the logistics team meet for 30 minutes on 2025-04-01",
        "find_free_slots",
        {"team": "logistics", "date": "2025-04-01", "minutes": 30},
    ),
    (
        "Please cancel the board prep on 2025-03-27.",
        "cancel_event",
        {"title": "board prep", "date": "2025-03-27"},
    ),
    (
        "Book 'catalogue shoot planning' on 2025-04-09 at 10:00 for 2 hours in room Dock.",
        "create_event",
        {
            "title": "catalogue shoot planning",
            "date": "2025-04-09",
            "start": "10:00",
            "minutes": 120,
            "room": "Dock",
        },
    ),
    (
        "Is there a free 15 minute slot for the legal team on 2025-04-14?",
        "find_free_slots",
        {"team": "legal", "date": "2025-04-14", "minutes": 15},
    ),
    (
        "cancel the fire drill on 2025-05-09",
        "cancel_event",
        {"title": "fire drill", "date": "2025-05-09"},
    ),
    (
        "Schedule the hiring committee for 2025-04-17 at 15:30, 50 minutes.",
        "create_event",
        {"title": "hiring committee", "date": "2025-04-17", "start": "15:30", "minutes": 50},
    ),
    (
        "Check when the IT team has 90 free minutes on 2025-04-23.",
        "find_free_slots",
        {"team": "IT", "date": "2025-04-23", "minutes": 90},
    ),
    (
        "We no longer need the packaging review on 2025-04-04, cancel it.",
        "cancel_event",
        {"title": "packaging review", "date": "2025-04-04"},
    ),
    (
        "Add a 35 minute customer feedback session on 2025-05-13 at 12:30.",
        "create_event",
        {
            "title": "customer feedback session",
            "date": "2025-05-13",
            "start": "12:30",
            "minutes": 35,
        },
    ),
]

INVOICE_SYSTEM = (
    "Extract the fields of a supplier invoice from the e-mail text. Amounts as numbers, dates ISO, "
    "currency as a three-letter code; null when the text does not say."
)
INVOICE_SCHEMA = {
    "title": "InvoiceFields",
    "type": "object",
    "additionalProperties": False,
    "required": ["vendor", "invoice_number", "total", "currency", "due_date"],
    "properties": {
        "vendor": {"title": "Vendor", "type": "string"},
        "invoice_number": {"title": "Invoice Number", "type": "string"},
        "total": {"title": "Total", "type": "number"},
        "currency": {"title": "Currency", "type": "string", "pattern": "^[A-Z]{3}$"},
        "due_date": {
            "title": "Due Date",
            "anyOf": [
                {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"},
                {"type": "null"},
            ],
        },
    },
}
# (e-mail text, vendor, invoice number, total, currency, due date)
INVOICES = [
    (
        "Please find attached invoice INV-2291 from Baltic Ceramics for 1,240.50 EUR, payable by 2025-04-15.",
        "Baltic Ceramics",
        "INV-2291",
        1240.5,
        "EUR",
        "2025-04-15",
    ),
    (
        "Invoice 88-1042 (Harbor Freight Lines): total due USD 3,980.00 on 2025-03-30.",
        "Harbor Freight Lines",
        "88-1042",
        3980.0,
        "USD",
        "2025-03-30",
    ),
    (
        "Hi, our invoice no. A7731 for the March cleaning comes to 450 GBP. Due 2025-04-01. Regards, Tidy Office Ltd",
        "Tidy Office Ltd",
        "A7731",
        450,
        "GBP",
        "2025-04-01",
    ),
    (
        "Greenleaf Packaging invoice GP-5521, amount 12,600 SEK, due date 2025-05-10.",
        "Greenleaf Packaging",
        "GP-5521",
        12600,
        "SEK",
        "2025-05-10",
    ),
    (
        "Attached: invoice 2025-0193 from Nordic Spice Co. Total 785.20 EUR. Net 30 from the invoice date.",
        "Nordic Spice Co.",
        "2025-0193",
        785.2,
        "EUR",
        None,
    ),
    (
        "Invoice #4410 - Copper Kettle Imports - 2,150.00 USD - due 2025-04-20",
        "Copper Kettle Imports",
        "4410",
        2150.0,
        "USD",
        "2025-04-20",
    ),
    (
        "Dear customer, invoice SV-0087 for server hosting: CHF 1,099.00, please pay by 2025-03-31. Alpine Hosting AG",
        "Alpine Hosting AG",
        "SV-0087",
        1099.0,
        "CHF",
        "2025-03-31",
    ),
    (
        "Invoice F-20931 from Brightline Printing, 320 EUR for the spring flyers, due 2025-04-05.",
        "Brightline Printing",
        "F-20931",
        320,
        "EUR",
        "2025-04-05",
    ),
    (
        "Our invoice 7781 for pallet rental totals 960.00 GBP. Due on 2025-04-30. — Midlands Pallet Hire",
        "Midlands Pallet Hire",
        "7781",
        960.0,
        "GBP",
        "2025-04-30",
    ),
    (
        "Invoice KT-118 (Kestrel Translations): 1,875 NOK, due 2025-05-02.",
        "Kestrel Translations",
        "KT-118",
        1875,
        "NOK",
        "2025-05-02",
    ),
    (
        "Please pay invoice 55012 of Sunridge Dairy, 2,304.75 EUR, by 2025-04-12.",
        "Sunridge Dairy",
        "55012",
        2304.75,
        "EUR",
        "2025-04-12",
    ),
    (
        "Westgate Electrical sends invoice WE-3390 for 5,420.00 USD. Payment terms: due upon receipt.",
        "Westgate Electrical",
        "WE-3390",
        5420.0,
        "USD",
        None,
    ),
    (
        "invoice no 2025/044 from Oakridge Timber, total 18,900 DKK, due 2025-05-15",
        "Oakridge Timber",
        "2025/044",
        18900,
        "DKK",
        "2025-05-15",
    ),
    (
        "Attached invoice LX-7002 (Lumex Lighting) for 640.00 EUR. Due date: 2025-04-08.",
        "Lumex Lighting",
        "LX-7002",
        640.0,
        "EUR",
        "2025-04-08",
    ),
    (
        "Invoice 9032 for courier services, Rapid Route Couriers, 212.40 GBP due 2025-03-29.",
        "Rapid Route Couriers",
        "9032",
        212.4,
        "GBP",
        "2025-03-29",
    ),
    (
        "From Clearwater Bottling: invoice CB-1207, 3,310 CAD, payable 2025-04-25.",
        "Clearwater Bottling",
        "CB-1207",
        3310,
        "CAD",
        "2025-04-25",
    ),
    (
        "Invoice 601-B from Granite Peak Software, annual licence, 4,999.00 USD, due 2025-06-01.",
        "Granite Peak Software",
        "601-B",
        4999.0,
        "USD",
        "2025-06-01",
    ),
    (
        "Here is invoice MT-4458 from Mosaic Tiles for 1,560 EUR, due 2025-04-18.",
        "Mosaic Tiles",
        "MT-4458",
        1560,
        "EUR",
        "2025-04-18",
    ),
    (
        "invoice 31177, Silverline Security, monthly monitoring 189.00 GBP, due 2025-04-03",
        "Silverline Security",
        "31177",
        189.0,
        "GBP",
        "2025-04-03",
    ),
    (
        "Invoice HB-2025-12 from Honeybee Catering: 2,780.00 EUR. Please settle by 2025-04-22.",
        "Honeybee Catering",
        "HB-2025-12",
        2780.0,
        "EUR",
        "2025-04-22",
    ),
    (
        "Redwood Office Supply, invoice RO-9921, total 734.60 USD, no due date stated.",
        "Redwood Office Supply",
        "RO-9921",
        734.6,
        "USD",
        None,
    ),
    (
        "Invoice 4-0556 (Fjordline Freight) for 27,300 NOK, due 2025-05-20.",
        "Fjordline Freight",
        "4-0556",
        27300,
        "NOK",
        "2025-05-20",
    ),
    (
        "Attached is invoice PC-314 from Pinecone Cleaning, 395 GBP, due 2025-04-11.",
        "Pinecone Cleaning",
        "PC-314",
        395,
        "GBP",
        "2025-04-11",
    ),
    (
        "Invoice 12-7781 from Atlas Forklifts: service visit, 1,120.00 EUR, due 2025-04-29.",
        "Atlas Forklifts",
        "12-7781",
        1120.0,
        "EUR",
        "2025-04-29",
    ),
    (
        "Marble Arch Legal invoice MAL-052 for 6,000.00 GBP due 2025-05-31.",
        "Marble Arch Legal",
        "MAL-052",
        6000.0,
        "GBP",
        "2025-05-31",
    ),
    (
        "Invoice 7702-C, Evergreen Plants, office plant care, 145.00 EUR, due 2025-04-07.",
        "Evergreen Plants",
        "7702-C",
        145.0,
        "EUR",
        "2025-04-07",
    ),
]

ORDERS_SYSTEM = "You are the order desk agent of Northwind Traders. Look up orders and start returns with the tools."
ORDERS_TOOLS = [
    {
        "name": "get_order_status",
        "description": "Status and tracking of an order.",
        "parameters": {
            "type": "object",
            "additionalProperties": False,
            "required": ["order_id"],
            "properties": {"order_id": {"type": "string", "pattern": "^NW-[0-9]{5}$"}},
        },
    },
    {
        "name": "start_return",
        "description": "Open a return for items of an order.",
        "parameters": {
            "type": "object",
            "additionalProperties": False,
            "required": ["order_id", "reason"],
            "properties": {
                "order_id": {"type": "string", "pattern": "^NW-[0-9]{5}$"},
                "reason": {
                    "type": "string",
                    "enum": ["damaged", "wrong_item", "not_needed", "late"],
                },
                "refund": {"type": "boolean"},
            },
        },
    },
]
# (request, tool, arguments)
ORDERS = [
    ("Where is my order NW-10233?", "get_order_status", {"order_id": "NW-10233"}),
    (
        "I want to return NW-20417, the vase arrived broken. Refund please.",
        "start_return",
        {"order_id": "NW-20417", "reason": "damaged", "refund": True},
    ),
    ("status of NW-31562 pls", "get_order_status", {"order_id": "NW-31562"}),
    (
        "You sent me the wrong lamp in NW-42788, I'd like to send it back.",
        "start_return",
        {"order_id": "NW-42788", "reason": "wrong_item"},
    ),
    ("Has NW-53019 shipped yet?", "get_order_status", {"order_id": "NW-53019"}),
    (
        "Return NW-64130, I don't need the chairs any more, refund to my card.",
        "start_return",
        {"order_id": "NW-64130", "reason": "not_needed", "refund": True},
    ),
    ("Can you track order NW-75241 for me?", "get_order_status", {"order_id": "NW-75241"}),
    (
        "NW-86352 came two weeks late, the event is over. I'm returning it for a refund.",
        "start_return",
        {"order_id": "NW-86352", "reason": "late", "refund": True},
    ),
    ("what's happening with NW-97463", "get_order_status", {"order_id": "NW-97463"}),
    (
        "The plates in NW-18574 are chipped, please start a return (exchange, no refund).",
        "start_return",
        {"order_id": "NW-18574", "reason": "damaged", "refund": False},
    ),
    ("Is NW-29685 out for delivery today?", "get_order_status", {"order_id": "NW-29685"}),
    (
        "Got someone else's parcel in NW-30796, how do I return it?",
        "start_return",
        {"order_id": "NW-30796", "reason": "wrong_item"},
    ),
    ("check NW-41807 please", "get_order_status", {"order_id": "NW-41807"}),
    (
        "I'd like to return order NW-52918, changed my mind. Refund please.",
        "start_return",
        {"order_id": "NW-52918", "reason": "not_needed", "refund": True},
    ),
    ("When will NW-63029 arrive?", "get_order_status", {"order_id": "NW-63029"}),
    (
        "The rug from NW-74130 arrived torn. Return it and refund me.",
        "start_return",
        {"order_id": "NW-74130", "reason": "damaged", "refund": True},
    ),
    ("Tracking for NW-85241?", "get_order_status", {"order_id": "NW-85241"}),
    (
        "NW-96352 is not what I ordered, I want to send it back",
        "start_return",
        {"order_id": "NW-96352", "reason": "wrong_item"},
    ),
    ("did NW-17463 leave the warehouse", "get_order_status", {"order_id": "NW-17463"}),
    (
        "Please open a return for NW-28574, it arrived after the date you promised. Refund.",
        "start_return",
        {"order_id": "NW-28574", "reason": "late", "refund": True},
    ),
    ("Order NW-39685 - where is it?", "get_order_status", {"order_id": "NW-39685"}),
    (
        "Return NW-40796 please, the glasses were smashed in the box.",
        "start_return",
        {"order_id": "NW-40796", "reason": "damaged"},
    ),
    ("Any news on NW-51807?", "get_order_status", {"order_id": "NW-51807"}),
    (
        "I no longer need NW-62918. Return, store credit is fine, no refund.",
        "start_return",
        {"order_id": "NW-62918", "reason": "not_needed", "refund": False},
    ),
    ("track NW-73029", "get_order_status", {"order_id": "NW-73029"}),
    (
        "NW-84130 has the wrong size duvet, return it for a refund",
        "start_return",
        {"order_id": "NW-84130", "reason": "wrong_item", "refund": True},
    ),
]


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
