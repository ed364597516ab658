"""The generated parts of docs/recipes.md: the hook reference and the recipe.yaml key table.

Both are made from the code (factory.recipe_api's Protocol, factory.recipe_keys' table) and sit in
docs/recipes.md between `<!-- begin NAME -->` and `<!-- end NAME -->` markers;
tests/test_recipe_docs.py fails when the file and the code disagree.
`python -m factory.recipe_docs` rewrites those blocks in place after a change to either.
"""

from __future__ import annotations

import inspect
import re
import sys
from pathlib import Path

from factory.recipe_api import (
    MODE_HOOKS,
    OPTIONAL,
    REQUIRED,
    SEED_HOOKS,
    RecipeModule,
    hook_names,
    hook_signature,
)
from factory.recipe_keys import KEYS

DOC = Path(__file__).resolve().parent.parent / "docs" / "recipes.md"


def _needed(name: str) -> str:
    if name in REQUIRED:
        return "required"
    if name in SEED_HOOKS:
        return "required: one of " + " or ".join(SEED_HOOKS)
    for mode, hooks in MODE_HOOKS.items():
        if name in hooks:
            return f"required with teacher.mode {mode}"
    assert name in OPTIONAL, name
    return "optional"


def hooks_markdown() -> str:
    parts = []
    for name in hook_names():
        doc = " ".join(inspect.cleandoc(getattr(RecipeModule, name).__doc__ or "").split())
        parts.append(f"#### `{hook_signature(name)}`\n\n*{_needed(name)}.* {doc}\n")
    return "\n".join(parts)


def keys_markdown() -> str:
    rows = ["| key | default | meaning |", "|---|---|---|"]
    for key in KEYS:
        default = key.shown_default if key.shown_default == "required" else f"`{key.shown_default}`"
        rows.append(f"| `{key.name}` | {default} | {key.meaning.replace('|', '&#124;')} |")
    return "\n".join(rows) + "\n"


GENERATED = {"hooks": hooks_markdown, "keys": keys_markdown}


def block(text: str, name: str) -> str:
    """The text between the `name` markers of `text` ('' where they are missing)."""
    found = re.search(rf"<!-- begin {name} [^>]*-->\n(.*?)<!-- end {name} -->", text, re.S)
    return found.group(1) if found else ""


def rewrite(path: Path = DOC) -> None:
    text = path.read_text(encoding="utf-8")
    for name, make in GENERATED.items():
        text = re.sub(
            rf"(<!-- begin {name} [^>]*-->\n)(.*?)(<!-- end {name} -->)",
            lambda m, make=make: m.group(1) + make() + m.group(3),
            text,
            flags=re.S,
        )
    path.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    rewrite(Path(sys.argv[1]) if len(sys.argv) > 1 else DOC)
