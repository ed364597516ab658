"""`factory new NAME`: write a working recipe folder (template/) into a directory.

The template is a complete, commented recipe (customer-message triage, teacher.mode variations,
seeds from examples.jsonl): `factory build ./NAME --limit 5` builds it as written, and export,
train and eval accept it. `__NAME__` in its files becomes the recipe's name. Nothing here
builds or checks the recipe beyond its name (factory.recipes loads it like any other).
"""

from __future__ import annotations

import shutil
from pathlib import Path

from factory.errors import ConfigError

TEMPLATE = Path(__file__).resolve().parent / "template"
PLACEHOLDER = "__NAME__"


def new_recipe(name: str, directory: Path, pipelines_dir: Path) -> Path:
    """Write the template as `directory/name`; ConfigError for a bad or taken name or an existing folder."""
    from factory.recipe_loading import NAME, builtin_sources, entry_point_sources

    if not NAME.match(name):
        raise ConfigError(
            f"recipe name {name!r}: use letters, digits, _ or -, starting with a letter "
            "(it names the folder and data/NAME/)"
        )
    builtin = builtin_sources(pipelines_dir)
    taken = builtin.get(name) or entry_point_sources(builtin).get(name)
    if taken is not None:
        raise ConfigError(
            f"recipe name {name!r} is taken by the {taken.describe()} recipe; choose another name"
        )
    target = Path(directory) / name
    if target.exists():
        raise ConfigError(f"{target} already exists; choose another name or remove it")
    staging = target.with_name(f".{name}.partial")
    shutil.rmtree(staging, ignore_errors=True)
    try:
        for source in sorted(TEMPLATE.rglob("*")):
            if source.is_dir() or "__pycache__" in source.parts:
                continue
            path = staging / source.relative_to(TEMPLATE)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(
                source.read_text(encoding="utf-8").replace(PLACEHOLDER, name), encoding="utf-8"
            )
        staging.rename(target)  # the whole folder or nothing
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise ConfigError(
            f"cannot write {target} ({exc.strerror or exc}); check the directory"
        ) from exc
    return target
