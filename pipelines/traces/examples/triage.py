"""The example log's ticket triage call site: its system prompt, answer schema and tickets.

A made-up helpdesk step of "Northwind Traders" that classifies a customer's message (category,
priority, order id, refund) with structured output (`response_format` json_schema). `TICKETS` are
the requests, written by hand, with the answer the workflow logged. It holds data only: the log's
lines are written by write_log.py.
"""

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
