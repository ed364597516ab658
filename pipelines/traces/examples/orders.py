"""The example log's order desk call site: its system prompt, tools and requests.

A made-up order desk agent of "Northwind Traders" that looks up orders and starts returns with
two tools (logged as ShareGPT with function_call turns). `ORDERS` holds the requests, written by
hand, with the tool call the workflow logged. It holds data only: the log's lines are written by
write_log.py.
"""

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
