"""Tolerant JSON extraction from a model's reply: fences, prose around it, trailing commas,
raw control characters inside strings.

`extract_json(text)` returns the first JSON object or array found, or raises ValueError.
It does not check the shape; the task's parser does.
"""

from __future__ import annotations

import json
import re
from typing import Any

_FENCE = re.compile(r"```(?:json|JSON)?\s*(.*?)```", re.S)
_TRAILING_COMMA = re.compile(r",\s*([}\]])")


def _candidates(text: str) -> list[str]:
    blocks = [m.group(1) for m in _FENCE.finditer(text)]
    return blocks + [text]


def extract_json(text: str | None) -> Any:
    if not text or not text.strip():
        raise ValueError("empty reply")
    decoder = json.JSONDecoder(strict=False)  # models put raw newlines and tabs inside strings
    for candidate in _candidates(text):
        has_trailing_comma = _TRAILING_COMMA.search(candidate) is not None
        for start, char in enumerate(candidate):
            if char not in "{[":
                continue
            # the outermost value first, with trailing commas forgiven, before any value inside it
            variants = (
                (candidate[start:], _TRAILING_COMMA.sub(r"\1", candidate[start:]))
                if has_trailing_comma
                else (candidate[start:],)
            )
            for variant in variants:
                try:
                    value, _ = decoder.raw_decode(variant, 0)
                except json.JSONDecodeError:
                    continue
                if isinstance(value, (dict, list)) and value:
                    return value
    raise ValueError("no JSON object or array in the reply")


def valid_unicode(text: str | None) -> str | None:
    """The text with lone UTF-16 surrogates (a JSON reply may escape them: "\\ud8a3") made U+FFFD.

    Such a string cannot be written as UTF-8 or hashed; a small teacher does produce them."""
    if text is None:
        return None
    return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
