"""Sources: real material a recipe's seeds come from (see base.py for what they share).

Each source module streams what it reads as dicts and `Rejected` items, never raising for
one bad input: logs.py (interaction logs), tracer.py (records a workflow's OpenAI calls),
manpages.py (the machine's man pages), repo.py (code and tests of a git checkout).
"""

from factory.record import Rejected

__all__ = ["Rejected"]
