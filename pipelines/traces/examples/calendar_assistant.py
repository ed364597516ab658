"""The example log's calendar assistant call site: its system prompt, tools and requests.

A made-up office calendar assistant of "Northwind Traders" that books, finds and cancels
meetings with three tools (logged in the OpenAI fine-tuning shape). `CALENDAR` holds the
requests, written by hand, with the tool call the workflow logged. It holds data only: the log's
lines are written by write_log.py (not `calendar.py`: a script's folder comes first on sys.path,
and that name would hide the standard library's module).
"""

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
