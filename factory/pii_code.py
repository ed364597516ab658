"""Code identifiers are not people: whether a span of a text is an identifier in code.

spaCy tags a method `simpson`, a class `Gonzalez` or a tool call's function name as a person.
`code_identifier(text, start, end)` says whether a span is used as an identifier in code: an
attribute, a call, a def/class name, camelCase, a JSON key, a tool call's function name, or any
word in a fenced/inline code span or a text that is code, outside its comments and string
literals (`# written by Maria Gonzalez` and `author = "Maria Gonzalez"` stay prose);
`code_spans(text)` gives those code spans.

It finds no names and decides nothing about redaction (factory.pii does, with this check and
factory.pii_names' others).
"""

from __future__ import annotations

import re
from functools import lru_cache

from factory.pii_words import TITLES

# Prose inside code: comments (#, //) and string literals (triple-quoted first); a name there is still a name.
_CODE_PROSE = re.compile(
    r'"""[\s\S]*?(?:"""|$)|\'\'\'[\s\S]*?(?:\'\'\'|$)|#[^\n]*|//[^\n]*'
    r'|"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\''
)
_FENCE = re.compile(r"```[^\n`]*\n([\s\S]*?)(?:```|$)")
_INLINE = re.compile(r"(?<!`)`([^`\n]+)`(?!`)")
_CODE_LINE = re.compile(
    r"^\s*(?:def |class |async def |import |from \S+ import |@\w|return\b|if .*:$|for .*:$|"
    r"[A-Za-z_][\w.]*(?:\[[^\]]*\])?\s*[-+*/]?=[^=]|[A-Za-z_][\w.]*\(.*\)\s*$)"
)
_JSON_KEY_AFTER = re.compile(r'"\s*:')
_TOOL_NAME_BEFORE = re.compile(r'"name"\s*:\s*"$')
_TOOL_NAME_AFTER = re.compile(r'"\s*,\s*"(?:arguments|parameters|description)"\s*:')
_IDENTIFIER = re.compile(r"[A-Za-z_][\w.]*")


def _bare_code(text: str) -> bool:
    """Whether a text with no fences is itself code: most of its non-blank lines read as statements."""
    lines = [line for line in text.splitlines() if line.strip()]
    return len(lines) >= 2 and sum(1 for line in lines if _CODE_LINE.match(line)) * 2 >= len(lines)


@lru_cache(maxsize=256)
def code_spans(text: str) -> tuple[tuple[int, int], ...]:
    """The spans of `text` that are code outside its comments and string literals: fenced blocks, inline
    `code`, or the whole text where its lines read as code."""
    if "```" in text:
        regions = [m.span(1) for m in _FENCE.finditer(text)]
        regions += [
            m.span(1)
            for m in _INLINE.finditer(text)
            if not any(s <= m.start() < e for s, e in regions)
        ]
    else:
        regions = (
            [(0, len(text))] if _bare_code(text) else [m.span(1) for m in _INLINE.finditer(text)]
        )
    spans = []
    for start, end in regions:
        last = start
        for prose in _CODE_PROSE.finditer(text, start, end):
            spans.append((last, prose.start()))
            last = prose.end()
        spans.append((last, end))
    return tuple((s, e) for s, e in spans if e > s)


def code_identifier(text: str, start: int, end: int) -> bool:
    """Whether text[start:end] is used as a code identifier, not as a name: inside code (outside its
    comments and strings), an attribute or call (`integrate.simpson`, `simpson(`), a def/class name,
    camelCase starting lowercase, a JSON key (`"simpson":`), or a tool call's function name
    (`"name": "simpson", "arguments": ...`)."""
    value = text[start:end]
    before, after = text[max(0, start - 40) : start], text[end : end + 40]
    if not _IDENTIFIER.fullmatch(value):
        return any(s <= start and end <= e for s, e in code_spans(text)) and "\n" not in value
    attribute = re.search(r"(\w+)\.$", before)
    if (
        attribute
        and attribute.group(1).casefold() not in TITLES
        or after.startswith("(")
        or re.match(r"\.[A-Za-z_]", after)
        or re.search(r"\bdef\s+$", before)
        or re.search(r"\bclass\s+$", before)
        and re.match(r"\s*[:(]", after)
        or value[:1].islower()
        and re.search(r"[a-z][A-Z]", value)
    ):
        return True
    if before.endswith('"') and (
        _JSON_KEY_AFTER.match(after)
        or _TOOL_NAME_BEFORE.search(before)
        and _TOOL_NAME_AFTER.match(after)
    ):
        return True
    return any(s <= start and end <= e for s, e in code_spans(text))
