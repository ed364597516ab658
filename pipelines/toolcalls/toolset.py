"""Tool sets as people write them -> what the output format and JSON Schema accept, decided at seed time.

Real tool sets (the Berkeley Function Calling Leaderboard's, many agents' registries) name functions
with dots (`math.factorial`) and write parameter types the Python way (`"type": "dict"`, `"float"`,
`"tuple"`). The record's output format (factory/schemas/tool_call.schema.json: OpenAI's rule for function
names, `^[A-Za-z0-9_-]{1,64}$`) refuses the dot, and JSON Schema does not know `dict`. Both are
settled here, before any teacher call, so a seed is either usable or rejected with its reason:

- `python_types(schema)`: (schema, notes): `dict` -> object, `float`/`double` -> number,
  `int`/`long` -> integer, `bool` -> boolean, `str` -> string, `list`/`tuple`/`set` -> array,
  `any` -> no type constraint; recursively through properties, items, anyOf/oneOf/allOf, $defs
  and every other keyword that holds schemas (a parameter *named* "type" is left alone).
- `output_name(name)`: the name as the output format allows it: itself, or with each `.` as `_`
  (`math.factorial` -> `math_factorial`); None where no such mapping is enough (a space, 65 chars).
- `prepare(call, tools)`: the call and tools with names mapped and types converted, plus
  {"tool_names": {mapped: original}, "tool_changes": [notes]}; raises ToolsetError (reason,
  detail) for a seed that can never pass: `toolcall_bad_name` (a name the format refuses even
  mapped), `toolcall_name_collision` (two tools that map to one name: the mapping would not be
  reversible), `toolcall_bad_tool_schema` (a required parameter the schema does not define).
  Whether the gold call passes the converted schema is recipe.check_call's to say.
- `original_call(call, tool_names)`: a call with its function's name as the tool set wrote it.
- `announce(kind, line)`: says a kind of change once per process (logger pipelines.toolcalls), so
  the build tells the user at seed time, in one line, what it renamed or converted.
It does not read logs or files other than the output schema, and does not validate calls.
"""

from __future__ import annotations

import copy
import json
import logging
import re
from functools import lru_cache
from typing import Any

from factory import SCHEMAS_DIR
from factory.record import SeedError
from pipelines.toolcalls.conversations import tool_name

OUTPUT_SCHEMA = SCHEMAS_DIR / "tool_call.schema.json"
PYTHON_TYPES = {
    "dict": "object",
    "float": "number",
    "double": "number",
    "int": "integer",
    "long": "integer",
    "bool": "boolean",
    "str": "string",
    "list": "array",
    "tuple": "array",
    "set": "array",
    "any": None,
}
# keywords whose value is a schema / a list of schemas / a map of name -> schema
_ONE = (
    "items",
    "additionalProperties",
    "additionalItems",
    "contains",
    "not",
    "if",
    "then",
    "else",
    "propertyNames",
    "unevaluatedProperties",
    "unevaluatedItems",
)
_MANY = ("anyOf", "oneOf", "allOf", "prefixItems")
_NAMED = ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas")

log = logging.getLogger("pipelines.toolcalls")
_ANNOUNCED: set[str] = set()


class ToolsetError(SeedError):
    """A seed whose tools can never give a passing call; `reason` is the rejection's."""


@lru_cache(maxsize=1)
def name_pattern() -> re.Pattern:
    """The output format's rule for function names (from factory/schemas/tool_call.schema.json)."""
    schema = json.loads(OUTPUT_SCHEMA.read_text(encoding="utf-8"))
    return re.compile(schema["properties"]["name"]["pattern"])


def _type(value: Any, where: str, notes: list[str]) -> tuple[bool, Any]:
    """(keep the key, new value) of one `type` keyword."""
    if isinstance(value, str) and value in PYTHON_TYPES:
        notes.append(f"{where}: {value} -> {PYTHON_TYPES[value] or 'any type'}")
        return PYTHON_TYPES[value] is not None, PYTHON_TYPES[value]
    if isinstance(value, list) and any(isinstance(v, str) and v in PYTHON_TYPES for v in value):
        mapped = [PYTHON_TYPES.get(v, v) if isinstance(v, str) else v for v in value]
        notes.append(
            f"{where}: {value} -> {[m for m in mapped if m] if None not in mapped else 'any type'}"
        )
        if None in mapped:
            return False, None
        return True, list(dict.fromkeys(mapped))
    return True, value


def _convert(node: Any, where: str, notes: list[str]) -> Any:
    if not isinstance(node, dict):
        return node
    out = {}
    for key, value in node.items():
        if key == "type":
            keep, value = _type(value, f"{where}.type", notes)
            if not keep:
                continue
        elif key in _ONE and isinstance(value, dict):
            value = _convert(value, f"{where}.{key}", notes)
        elif key in _ONE + _MANY and isinstance(
            value, list
        ):  # items as a list: draft-4 tuple validation
            value = [_convert(item, f"{where}.{key}[{i}]", notes) for i, item in enumerate(value)]
        elif key in _NAMED and isinstance(value, dict):
            value = {
                name: _convert(sub, f"{where}.{key}.{name}", notes) for name, sub in value.items()
            }
        out[key] = value
    return out


def python_types(schema: Any, where: str = "parameters") -> tuple[Any, list[str]]:
    notes: list[str] = []
    return _convert(copy.deepcopy(schema), where, notes), notes


def output_name(name: str) -> str | None:
    pattern = name_pattern()
    for candidate in (name, name.replace(".", "_")):
        if pattern.fullmatch(candidate):
            return candidate
    return None


def _spec(tool: dict) -> dict:
    return tool.get("function", tool)


def prepare(call: dict, tools: list[dict]) -> tuple[dict, list[dict], dict]:
    names: dict[str, str] = {}
    changes: list[str] = []
    prepared = []
    for number, tool in enumerate(tools, start=1):
        original = tool_name(tool)
        if original is None:
            raise ToolsetError("toolcall_bad_tool_schema", f"tool {number} has no function name")
        mapped = output_name(original)
        if mapped is None:
            raise ToolsetError(
                "toolcall_bad_name",
                f"{original!r}: the output format allows only names matching "
                f"{name_pattern().pattern}, even with '.' as '_'",
            )
        if mapped in names:
            raise ToolsetError(
                "toolcall_name_collision",
                f"{names[mapped]!r} and {original!r} are both {mapped!r} "
                "once '.' is '_'; rename one",
            )
        names[mapped] = original
        spec = copy.deepcopy(_spec(tool))
        spec["name"] = mapped
        if mapped != original:
            changes.append(f"{original}: name -> {mapped}")
        if "parameters" in spec:
            spec["parameters"], notes = python_types(spec["parameters"], f"{original}.parameters")
            changes += notes
        prepared.append({**tool, "function": spec} if "function" in tool else spec)
    call_name = next(
        (mapped for mapped, original in names.items() if original == call["name"]), call["name"]
    )
    spec = next((_spec(t) for t in prepared if _spec(t)["name"] == call_name), None)
    parameters = (spec or {}).get("parameters")
    if (
        isinstance(parameters, dict)
        and isinstance(parameters.get("required"), list)
        and isinstance(parameters.get("properties"), dict)
        and "additionalProperties" not in parameters
    ):
        undefined = [p for p in parameters["required"] if p not in parameters["properties"]]
        if undefined:
            raise ToolsetError(
                "toolcall_bad_tool_schema",
                f"{call['name']}: required parameter {undefined[0]!r} is not among its properties "
                f"({', '.join(parameters['properties'])}); no call can pass",
            )
    mapped_call = {"name": call_name, "arguments": call["arguments"]}
    renamed = {mapped: original for mapped, original in names.items() if mapped != original}
    return mapped_call, prepared, {"tool_names": renamed, "tool_changes": changes}


def original_call(call: dict, tool_names: dict[str, str]) -> dict:
    return {"name": tool_names.get(call["name"], call["name"]), "arguments": call["arguments"]}


def announce(changes: dict) -> None:
    """One line per kind of change, the first time this process meets it (the seeds stage runs before any teacher call)."""
    if changes["tool_names"] and "names" not in _ANNOUNCED:
        _ANNOUNCED.add("names")
        mapped, original = next(iter(changes["tool_names"].items()))
        log.warning(
            "note: toolcalls: function names with '.' are renamed for the output format (%s -> %s, ...); "
            "each record's provenance.context.tool_names maps them back",
            original,
            mapped,
        )
    converted = [note for note in changes["tool_changes"] if ": name -> " not in note]
    if converted and "types" not in _ANNOUNCED:
        _ANNOUNCED.add("types")
        log.warning(
            "note: toolcalls: Python type names in tool schemas are converted to JSON Schema's (%s, ...); "
            "each record's provenance.context.tool_changes lists them",
            converted[0],
        )
