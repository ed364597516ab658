"""docs/recipes.md stays true: its hook reference and recipe.yaml key table are the code's, both ways.

The two blocks are generated (factory.recipe_docs); a hook or key added, removed, renamed or
re-documented in the code without `python -m factory.recipe_docs` fails here, and so does a hand
edit of the blocks. The rest checks that the table is what the loader really reads and the hooks
are what the build really calls.
"""

import re
from pathlib import Path

import yaml

from factory import recipe_docs
from factory.recipe_api import (
    MODE_HOOKS,
    OPTIONAL,
    REQUIRED,
    SEED_HOOKS,
    Hooks,
    hook_names,
    hook_signature,
)
from factory.recipe_keys import KEYS, unknown_keys
from factory.recipe_keys import REQUIRED as REQUIRED_KEY
from factory.recipes import load_recipe, recipe_names

ROOT = Path(__file__).resolve().parent.parent
DOC = (ROOT / "docs" / "recipes.md").read_text(encoding="utf-8")


def test_the_hook_reference_is_the_protocol():
    documented = re.findall(r"^#### `(.+)`$", recipe_docs.block(DOC, "hooks"), re.M)
    assert documented == [hook_signature(name) for name in hook_names()]
    assert recipe_docs.block(DOC, "hooks") == recipe_docs.hooks_markdown(), (
        "run `python -m factory.recipe_docs`"
    )


def test_the_key_table_is_the_loaders():
    rows = re.findall(r"^\| `([a-z_.]+)` \| (.+?) \| ", recipe_docs.block(DOC, "keys"), re.M)
    assert [name for name, _ in rows] == [key.name for key in KEYS]
    assert [default.strip("`") for _, default in rows] == [key.shown_default for key in KEYS]
    assert recipe_docs.block(DOC, "keys") == recipe_docs.keys_markdown(), (
        "run `python -m factory.recipe_docs`"
    )


def test_every_documented_key_is_read_and_every_read_key_is_documented():
    every = {}
    for key in KEYS:
        section, _, name = key.name.rpartition(".")
        (every.setdefault(section, {}) if section else every)[name or key.name] = None
    assert unknown_keys(every) == []
    for name in recipe_names():  # what the built-in recipes write is in the table
        data = yaml.safe_load((ROOT / "pipelines" / name / "recipe.yaml").read_text())
        assert unknown_keys(data) == [], name
    # every default the table gives is the loaded recipe's value where a recipe leaves the key out
    recipe = load_recipe("rem_queries")
    assert recipe.annotation_overlap == 1 and recipe.teacher_reply == "text"
    assert {key.name for key in KEYS if key.default is REQUIRED_KEY} == {
        "kind",
        "schema",
        "teacher.system",
        "teacher.prompt",
    }


def test_the_hooks_are_what_the_core_calls():
    assert set(hook_names()) == {
        *REQUIRED,
        *SEED_HOOKS,
        *(h for hooks in MODE_HOOKS.values() for h in hooks),
        *OPTIONAL,
    }
    called = set()
    for folder in ("factory", "annotation", "train"):
        for path in (ROOT / folder).rglob("*.py"):
            called |= set(re.findall(r"\.hooks\.([a-z_]+)", path.read_text(encoding="utf-8")))
    assert called and called <= {name for name in dir(Hooks) if not name.startswith("_")}
    assert called - {"defines", "seeds", "reads_sources"} <= set(hook_names())
