"""Where recipes come from: built-in folders, a folder given by path, installed packages' entry points.

A recipe reference is what the user types after `factory build`:
- a path (it has a `/`, or starts with `.` or `~`): any folder with recipe.yaml and recipe.py. Its
  recipe.py is imported under a module name of its own (`factory_recipe_<name>_<hash of the path>`)
  with the folder as that package's path, so `from . import helpers` reaches its sibling modules;
- a name: a built-in recipe (pipelines/<name>/), else an entry point of the group
  `factory.recipes` (name = the recipe's name, value = a package whose folder holds recipe.yaml, or
  `module:attribute` naming such a folder), else a folder ./<name>/ with recipe.yaml in the current
  directory (what `factory new NAME` writes), so that the name of a path recipe built there works too.

A recipe's name is its folder's name (its runs go to data/<name>/); two recipes of one name are an
error. Nothing here reads recipe.yaml beyond finding it (factory.recipes does).
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.machinery
import importlib.metadata
import importlib.util
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from factory.errors import ConfigError

ENTRY_POINT_GROUP = "factory.recipes"
NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")


@dataclass(frozen=True)
class RecipeSource:
    name: str
    folder: Path
    origin: str  # built-in | path | entry point
    detail: str = ""  # path: the folder; entry point: its value and distribution
    module_name: str = (
        ""  # the importable package of recipe.py ("" for a path recipe: made on load)
    )

    def describe(self) -> str:
        return self.origin + (f" ({self.detail})" if self.detail else "")


def looks_like_path(ref: str) -> bool:
    return "/" in ref or "\\" in ref or ref.startswith((".", "~"))


def builtin_sources(pipelines_dir: Path) -> dict[str, RecipeSource]:
    return {
        p.parent.name: RecipeSource(
            p.parent.name, p.parent, "built-in", module_name=f"pipelines.{p.parent.name}"
        )
        for p in sorted(pipelines_dir.glob("*/recipe.yaml"))
    }


def entry_point_sources(builtin: dict[str, RecipeSource]) -> dict[str, RecipeSource]:
    """The recipes of installed packages; a name taken twice is an error naming both."""
    found: dict[str, RecipeSource] = {}
    for entry in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        dist = f"{entry.dist.name} {entry.dist.version}" if entry.dist else "unknown distribution"
        where = f"{entry.value} from {dist}"
        if entry.name in builtin or entry.name in found:
            other = builtin.get(entry.name) or found[entry.name]
            raise ConfigError(
                f"recipe name {entry.name!r}: the entry point {where} clashes with the "
                f"{other.describe()} recipe of that name; uninstall or rename one"
            )
        folder, module_name = _entry_point_folder(entry, where)
        found[entry.name] = RecipeSource(entry.name, folder, "entry point", where, module_name)
    return found


def _entry_point_folder(entry, where: str) -> tuple[Path, str]:
    try:
        loaded = entry.load()
    except Exception as exc:  # noqa: BLE001 - any error of someone else's package is one line
        raise ConfigError(
            f"entry point {entry.name} = {where} cannot be loaded ({type(exc).__name__}: {exc})"
        ) from exc
    if isinstance(loaded, ModuleType):
        if not hasattr(loaded, "__path__"):
            raise ConfigError(
                f"entry point {entry.name} = {where}: {loaded.__name__} is a module, not a package "
                "folder holding recipe.yaml and recipe.py"
            )
        folder = Path(next(iter(loaded.__path__)))
        module_name = loaded.__name__
    elif isinstance(loaded, (str, Path)):
        folder, module_name = Path(loaded), ""
    else:
        raise ConfigError(
            f"entry point {entry.name} = {where}: expected a package or a folder path, "
            f"got {type(loaded).__name__}"
        )
    if not (folder / "recipe.yaml").is_file():
        raise ConfigError(f"entry point {entry.name} = {where}: no recipe.yaml in {folder}")
    return folder, module_name


def path_source(ref: str | Path) -> RecipeSource:
    folder = Path(ref).expanduser()
    if not folder.is_dir():
        raise ConfigError(
            f"recipe folder {ref} does not exist (give a folder with recipe.yaml and recipe.py, "
            "or a name from `factory recipes`)"
        )
    if not (folder / "recipe.yaml").is_file():
        raise ConfigError(
            f"{folder}: no recipe.yaml in this folder (`factory new NAME` writes a working one)"
        )
    folder = folder.resolve()
    if not NAME.match(folder.name):
        raise ConfigError(
            f"{folder}: a recipe's name is its folder's name and must be letters, digits, _ or - "
            f"(starting with a letter), got {folder.name!r}; rename the folder"
        )
    return RecipeSource(folder.name, folder, "path", str(folder))


def local_sources(directory: Path) -> dict[str, RecipeSource]:
    """Recipe folders right under `directory` (the current one): what `factory new` writes."""
    found = {}
    for path in sorted(directory.glob("*/recipe.yaml")):
        if NAME.match(path.parent.name):
            found[path.parent.name] = RecipeSource(
                path.parent.name, path.parent.resolve(), "path", str(path.parent.resolve())
            )
    return found


def find(ref: str, pipelines_dir: Path) -> RecipeSource:
    """The recipe `ref` names (see the module docstring); ConfigError naming what is known otherwise."""
    builtin = builtin_sources(pipelines_dir)
    if looks_like_path(str(ref)):
        source = path_source(ref)
        taken = builtin.get(source.name)
        if taken is not None and taken.folder.resolve() == source.folder:
            return taken  # a built-in recipe given by its path
        taken = taken or entry_point_sources(builtin).get(source.name)
        if taken is not None:
            raise ConfigError(
                f"recipe name {source.name!r} of {source.folder} clashes with the {taken.describe()} "
                "recipe of that name (runs go to data/NAME/); rename the folder"
            )
        return source
    if ref in builtin:
        return builtin[ref]
    installed = entry_point_sources(builtin)
    if ref in installed:
        return installed[ref]
    local = Path.cwd() / ref
    if NAME.match(ref) and (local / "recipe.yaml").is_file():
        return path_source(local)
    known = sorted({*builtin, *installed, *local_sources(Path.cwd())})
    raise ConfigError(
        f"unknown recipe {ref!r}; known recipes: {', '.join(known) or 'none'} "
        "(see `factory recipes`; a recipe folder elsewhere: give its path, e.g. ./my_recipe)"
    )


def all_sources(pipelines_dir: Path) -> list[RecipeSource]:
    """Every recipe `factory recipes` lists: built-in, installed, and folders in the current directory
    (a local folder named like a known recipe is left out: building it by path is refused)."""
    builtin = builtin_sources(pipelines_dir)
    known = {**builtin, **entry_point_sources(builtin)}
    local = {
        name: source for name, source in local_sources(Path.cwd()).items() if name not in known
    }
    return sorted([*known.values(), *local.values()], key=lambda source: source.name)


def import_recipe_module(source: RecipeSource) -> ModuleType:
    """recipe.py of the recipe, imported; any error on import is one ConfigError naming the file."""
    path = source.folder / "recipe.py"
    if not path.is_file():
        raise ConfigError(f"{path}: no recipe.py; every recipe needs one (see docs/recipes.md)")
    package = source.module_name or _path_package(source)
    try:
        return importlib.import_module(f"{package}.recipe")
    except ConfigError:
        raise
    except Exception as exc:  # noqa: BLE001 - a recipe that imports badly is the user's to fix, in one line
        raise ConfigError(
            f"{path} cannot be imported ({_where(exc, source.folder)}{type(exc).__name__}: {exc})"
        ) from exc


def _path_package(source: RecipeSource) -> str:
    """A package of its own for a folder recipe: `factory_recipe_<name>_<hash>`, its path the folder."""
    digest = hashlib.sha256(str(source.folder).encode()).hexdigest()[:10]
    name = f"factory_recipe_{re.sub(r'[^A-Za-z0-9_]', '_', source.name)}_{digest}"
    if name in sys.modules:
        return name
    init = source.folder / "__init__.py"
    if init.is_file():
        spec = importlib.util.spec_from_file_location(
            name, init, submodule_search_locations=[str(source.folder)]
        )
    else:  # a folder without __init__.py: a package of the folder alone
        spec = importlib.machinery.ModuleSpec(name, None, is_package=True)
        spec.submodule_search_locations = [str(source.folder)]
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        if spec.loader is not None:
            spec.loader.exec_module(module)
    except Exception as exc:  # noqa: BLE001
        del sys.modules[name]
        raise ConfigError(
            f"{init} cannot be imported ({_where(exc, source.folder)}{type(exc).__name__}: {exc})"
        ) from exc
    return name


def _where(exc: BaseException, folder: Path) -> str:
    """`file:line: ` of the deepest frame inside the recipe folder (a syntax error: its own line)."""
    if isinstance(exc, SyntaxError) and exc.filename:
        return f"{exc.filename}:{exc.lineno}: "
    frames = []
    tb = exc.__traceback__
    while tb is not None:
        frames.append(tb)
        tb = tb.tb_next
    for frame in reversed(frames):
        filename = frame.tb_frame.f_code.co_filename
        if filename.startswith(str(folder)):
            return f"{filename}:{frame.tb_lineno}: "
    return ""
