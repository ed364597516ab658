"""Whether a request still says a literal value, by its meaning where people spell it their own way.

Real people write 3 as "three", 2024-09-01 as "September 1, 2024" or "Sept 1st 2024", 0.7 as
"70%". A teacher's rewrite that spells a literal that way is a good rewrite: the student must
learn to map it to the canonical form. `said_in(value, text)` is True when `text` holds `value`
verbatim (any case, as a whole word) or holds its meaning:

- an ISO date (YYYY-MM-DD): a date with day, month and year that `dateparser` finds in the text;
- a whole number: the number after `text2num` turned number words into digits ("the first three");
- a decimal between 0 and 1 (a similarity threshold): that number (".7" too), or its percentage
  ("70%", "70 percent", "seventy percent").

Anything else (keys, identifiers, quoted search terms, paths, flags, edge types) must stay
verbatim. It compares one value with one text; which values a recipe keeps is the recipe's.
"""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_NUMBER = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?|\.\d+)(\s*(?:%|percent\b|per cent\b))?")


def spelled_out(value: str, text: str) -> bool:
    """Whether `text` holds `value` verbatim: any case, as a whole word (not inside res-1234 or v1.5)."""
    return re.search(rf"(?<![\w.-]){re.escape(value.lower())}(?![\w-])", text.lower()) is not None


def said_in(value: str, text: str) -> bool:
    """Whether `text` holds `value` verbatim or by its meaning (see the module docstring)."""
    if spelled_out(value, text):
        return True
    if _ISO_DATE.match(value):
        return _date(value) in _dates_in(text)
    if re.fullmatch(r"\d+", value):
        return any(
            not percent and float(number) == int(value) for number, percent in _numbers_in(text)
        )
    if re.fullmatch(r"0?\.\d+|1\.0+", value):
        wanted = float(value)
        return any(
            abs((float(number) / 100 if percent else float(number)) - wanted) < 1e-9
            for number, percent in _numbers_in(text)
        )
    return False


def _date(value: str) -> date | None:
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


@lru_cache(maxsize=4096)
def _dates_in(text: str) -> frozenset[date]:
    from dateparser.search import search_dates

    found = (
        search_dates(text, languages=["en"], settings={"REQUIRE_PARTS": ["day", "month", "year"]})
        or []
    )
    return frozenset(moment.date() for _, moment in found)


@lru_cache(maxsize=4096)
def _numbers_in(text: str) -> tuple[tuple[str, bool], ...]:
    """(number, written as a percentage) for every number in the text, number words included."""
    from text_to_num import alpha2digit

    digits = alpha2digit(text, "en", threshold=0)  # "depth two", not only numbers above 3
    return tuple((number, bool(percent)) for number, percent in _NUMBER.findall(digits))
