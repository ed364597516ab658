"""Will llama.cpp accept this JSON Schema as a grammar? Checked before any request is sent.

llama-cpp-python's server turns a `response_format` schema into GBNF in Python, and
llama.cpp's C++ parser then reads it when the request arrives; a regex `pattern` such as
`\\d{4}` becomes a GBNF literal with an escape the C++ parser does not know, and the
server dies mid-build. `grammar_problem(schema)` converts the schema the same way and
looks for such escapes (GBNF knows \\x \\u \\U \\t \\r \\n \\\\ \\" \\[ \\]). It does not run
llama.cpp; other grammar errors still surface as failed teacher calls.
`one_type_each(schema)` is the schema as that converter needs it: llama-cpp-python 0.3.16 reads
`"type": [A, B]` alone and drops the keywords beside it (a pattern on a nullable string would
constrain nothing), so each type becomes an anyOf alternative that keeps them; and it has no
integer ranges, so a small one becomes the enum of its values.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache

_ESCAPE = re.compile(r"\\(.)")
_KNOWN = set('xuUtrn\\"[]')


MAX_ENUMERATED_RANGE = 1000  # an integer range up to this many values becomes an enum
# A free string in a student's constrained answer holds at most this many characters: a small
# model under a grammar can repeat one character until max_tokens, and the cut reply is no JSON.
FREE_STRING_CAP = 100
_BOUNDED = ("maxLength", "enum", "const", "pattern", "format")


def one_type_each(node):
    """The schema with every `"type": [A, B, ...]` written as anyOf [{..., "type": A}, ...], and every
    integer with a small `minimum`..`maximum` range as the enum of its values (the converter has no
    integer ranges: `minutes` of 5..480 would take 1530)."""
    if isinstance(node, list):
        return [one_type_each(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: one_type_each(value) for key, value in node.items()}
    if isinstance(node.get("type"), list):
        rest = {key: value for key, value in node.items() if key != "type"}
        return {"anyOf": [{**rest, "type": kind} for kind in node["type"]]}
    low, high = node.get("minimum"), node.get("maximum")
    if (
        node.get("type") == "integer"
        and isinstance(low, int)
        and isinstance(high, int)
        and 0 <= high - low < MAX_ENUMERATED_RANGE
        and "enum" not in node
    ):
        return {"enum": list(range(low, high + 1))}
    return node


def _converted(schema_json: str) -> tuple[str | None, str | None]:
    """(the GBNF llama.cpp's converter makes of the schema, None) or (None, what is wrong with it)."""
    from llama_cpp.llama_grammar import json_schema_to_gbnf

    try:
        gbnf = json_schema_to_gbnf(schema_json)
    except Exception as exc:  # the converter raises plain Exceptions for unsupported keywords
        return None, f"llama.cpp cannot turn it into a grammar ({exc})"
    for line in gbnf.splitlines():
        for escape in _ESCAPE.finditer(line):
            if escape.group(1) not in _KNOWN:
                return None, (
                    f"llama.cpp's grammar would hold the escape \\{escape.group(1)} (rule `{line.strip()[:80]}`), "
                    "which its parser rejects; write a character class such as [0-9] instead of \\d"
                )
    return gbnf, None


def grammar_problem(schema: dict) -> str | None:
    """None if the schema converts to a grammar llama.cpp can parse, else what is wrong."""
    try:
        import llama_cpp.llama_grammar  # noqa: F401
    except ImportError:  # no llama.cpp here: nothing will use the grammar
        return None
    return _converted(json.dumps(schema))[1]


def capped_strings(node, cap: int = FREE_STRING_CAP):
    """The schema with every string that nothing else bounds (no maxLength, enum, const, pattern
    or format) given maxLength `cap`."""
    if isinstance(node, list):
        return [capped_strings(item, cap) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: capped_strings(value, cap) for key, value in node.items()}
    if node.get("type") == "string" and not any(key in node for key in _BOUNDED):
        node["maxLength"] = cap
    return node


def llama_grammar(schema: dict):
    """llama.cpp's grammar for replies that are one JSON value matching `schema` (llama.cpp's own
    json-schema-to-grammar: an object's required keys first, then the optional ones, each in the
    schema's order), after one_type_each, its free strings capped at FREE_STRING_CAP characters
    (a longer value is cut there: the price of a reply that always ends as JSON); ConfigError
    when the converter fails or makes a grammar llama.cpp's parser would refuse, raised before
    any request. Made once per distinct schema."""
    return _llama_grammar(json.dumps(capped_strings(one_type_each(schema))))


@lru_cache(maxsize=64)
def _llama_grammar(schema_json: str):
    from llama_cpp.llama_grammar import LlamaGrammar

    from factory.errors import ConfigError

    gbnf, problem = _converted(schema_json)
    if problem is not None:
        raise ConfigError(f"cannot decode under this answer schema: {problem}")
    return LlamaGrammar.from_string(gbnf, verbose=False)
