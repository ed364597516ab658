"""Recipe configs are checked up front: every bad key is named, all at once."""

import shutil

import pytest

import factory.recipes as recipes
from factory.errors import ConfigError


@pytest.fixture
def pipelines(tmp_path, monkeypatch):
    shutil.copytree(recipes.PIPELINES_DIR / "rem_queries", tmp_path / "rem_queries")
    monkeypatch.setattr(recipes, "PIPELINES_DIR", tmp_path)
    return tmp_path


def test_every_bad_key_is_named_at_once(pipelines):
    path = pipelines / "rem_queries" / "recipe.yaml"
    text = (
        path.read_text()
        .replace("variations: 3", "variatons: 3")
        .replace("policy: redact", "policy: scrub-it")
    )
    path.write_text(text.replace("threshold: 0.87", "threshold: 1.5") + "stages: [seeds, polish]\n")
    with pytest.raises(ConfigError) as caught:
        recipes.load_recipe("rem_queries")
    message = str(caught.value)
    assert message.startswith(f"{path}: ")
    for expected in (
        "teacher.variatons: unknown key",
        "pii.policy: expected one of redact, drop, off, got 'scrub-it'",
        "dedup.threshold: need 0 < threshold <= 1, got 1.5",
        "stages: unknown stage 'polish'",
    ):
        assert expected in message


def test_invalid_yaml_and_missing_prompt(pipelines):
    folder = pipelines / "rem_queries"
    (folder / "prompts" / "system.jinja").unlink()
    with pytest.raises(ConfigError, match="teacher.system: file .* does not exist"):
        recipes.load_recipe("rem_queries")
    (folder / "recipe.yaml").write_text("kind: [unclosed\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        recipes.load_recipe("rem_queries")


def test_unknown_recipe_lists_the_known_ones():
    with pytest.raises(ConfigError, match="unknown recipe 'nope'; known recipes: .*rem_queries"):
        recipes.load_recipe("nope")


def test_teacher_mode_is_checked_and_needs_its_hook(pipelines):
    path = pipelines / "rem_queries" / "recipe.yaml"
    text = path.read_text()
    path.write_text(text.replace("  variations: 3", "  mode: rewrite\n  variations: 3"))
    with pytest.raises(
        ConfigError, match="teacher.mode: expected one of variations, pairs, answer, got 'rewrite'"
    ):
        recipes.load_recipe("rem_queries")
    path.write_text(text.replace("  variations: 3", "  mode: answer\n  variations: 3"))
    with pytest.raises(
        ConfigError, match=r"recipe.py: missing make_answer \(needed by teacher.mode answer\)"
    ):
        recipes.load_recipe("rem_queries")


# --- the recipe interface, recipes from a path and from entry points (issue 17) --------------------------

import os  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import types  # noqa: E402
from pathlib import Path  # noqa: E402

from factory import PIPELINES_DIR  # noqa: E402
from factory.recipe_api import OPTIONAL, Hooks, hook_names  # noqa: E402
from factory.scaffold import new_recipe  # noqa: E402


@pytest.fixture
def made(tmp_path):
    """A recipe written by `factory new` (the template) in a folder outside the checkout."""
    return new_recipe("triage", tmp_path, PIPELINES_DIR)


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new))


def test_every_builtin_recipe_loads_through_the_interface():
    for name in recipes.recipe_names():
        recipe = recipes.load_recipe(name)
        assert recipe.origin == "built-in" and recipe.module.__name__ == f"pipelines.{name}.recipe"
        assert recipe.schema_path.is_file() and recipe.hooks.module is recipe.module


def test_a_recipe_folder_loads_by_path_with_its_own_module_and_schema(made):
    recipe = recipes.load_recipe(str(made))
    assert recipe.name == "triage" and recipe.origin == f"path ({made})"
    assert recipe.schema_path == made / "ticket.schema.json"
    assert recipe.module.__name__.startswith(
        "factory_recipe_triage_"
    ) and recipe.module.__file__ == str(made / "recipe.py")
    assert recipe.metrics().MAIN == "category"
    seeds = list(recipe.hooks.seeds(recipe.source, 3, 0))
    assert len(seeds) == 3 and seeds[0]["labels"] == {"category": "billing", "priority": "normal"}
    assert recipe.hooks.keep_values(seeds[0]["input"], seeds[0]["output"]) == ["AB-10234"]


def test_sibling_modules_import_relatively(made):
    (made / "helpers.py").write_text("CATEGORY = 'billing'\n")
    _edit(made / "recipe.py", "HERE = Path", "from . import helpers  # noqa: E402\n\nHERE = Path")
    recipe = recipes.load_recipe(str(made))
    assert recipe.module.helpers.CATEGORY == "billing"


def test_a_bare_name_finds_the_folder_in_the_current_directory(made, monkeypatch):
    monkeypatch.chdir(made.parent)
    assert recipes.load_recipe("triage").folder == made
    assert "triage" in recipes.recipe_names()


@pytest.mark.parametrize(
    "edit, message",
    [
        (
            ("def user_seed(", "def _user_seed("),
            r"recipe.py: missing user_seed \(needed by teacher.mode variations\)",
        ),
        (
            ("def keep_values(", "def _keep_values("),
            r"recipe.py: missing keep_values \(needed by teacher.mode variations\)",
        ),
        (
            ("def source_seeds(", "def _source_seeds("),
            r"recipe.py: missing grammar_seeds or source_seeds",
        ),
        (
            ("LABELS = (", "import no_such_module  # noqa\nLABELS = ("),
            r"recipe.py cannot be imported \(.*recipe.py:\d+: ModuleNotFoundError: No module named 'no_such_module'\)",
        ),
        (
            ("LABELS = (", "LABELS = ((\n"),
            r"recipe.py cannot be imported \(.*recipe.py:\d+: SyntaxError: ",
        ),
    ],
)
def test_a_broken_recipe_py_is_one_line_naming_the_file(made, edit, message):
    _edit(made / "recipe.py", *edit)
    with pytest.raises(ConfigError, match=message) as caught:
        recipes.load_recipe(str(made))
    assert "\n" not in str(caught.value) and str(made) in str(caught.value)


@pytest.mark.parametrize(
    "edit, message",
    [
        (("kind: triage_ticket", "kind: triage_ticket\ncolour: blue"), "colour: unknown key"),
        (
            ("  count: 100", "  count: 100\n  size: 3"),
            "seeds.size: unknown key (known: count, random_seed)",
        ),
        (
            ("faithfulness:", "faithfulness: 0.5\nunused:"),
            "faithfulness: expected a mapping of keys, got 0.5",
        ),
    ],
)
def test_bad_keys_of_a_path_recipe_are_named(made, edit, message):
    _edit(made / "recipe.yaml", *edit)
    with pytest.raises(ConfigError) as caught:
        recipes.load_recipe(str(made))
    assert str(caught.value).startswith(f"{made / 'recipe.yaml'}: ") and message in str(
        caught.value
    )


def test_a_schema_that_does_not_parse_is_named(made):
    (made / "ticket.schema.json").write_text('{"type": "object",\n')
    with pytest.raises(ConfigError, match=r"recipe.yaml: schema: .*ticket.schema.json is not JSON"):
        recipes.load_recipe(str(made))
    (made / "ticket.schema.json").write_text('{"type": "objekt"}')
    with pytest.raises(ConfigError, match=r"ticket.schema.json is not a valid JSON Schema"):
        recipes.load_recipe(str(made))
    _edit(made / "recipe.yaml", "schema: ticket.schema.json", "schema: gone.schema.json")
    with pytest.raises(
        ConfigError, match=r"schema: file .*gone.schema.json does not exist \(nor in .*schemas"
    ):
        recipes.load_recipe(str(made))


def test_missing_folders_and_name_clashes_are_one_line(tmp_path):
    with pytest.raises(ConfigError, match=r"recipe folder .*nowhere does not exist"):
        recipes.load_recipe(str(tmp_path / "nowhere"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(
        ConfigError, match=r"empty: no recipe.yaml in this folder \(`factory new NAME`"
    ):
        recipes.load_recipe(str(tmp_path / "empty"))
    shutil.copytree(PIPELINES_DIR / "rem_queries", tmp_path / "rem_queries")
    with pytest.raises(
        ConfigError, match=r"recipe name 'rem_queries' of .* clashes with the built-in recipe"
    ):
        recipes.load_recipe(str(tmp_path / "rem_queries"))
    assert (
        recipes.load_recipe(str(PIPELINES_DIR / "rem_queries")).origin == "built-in"
    )  # itself, by path
    with pytest.raises(ConfigError, match="is taken by the built-in recipe"):
        new_recipe("rem_queries", tmp_path / "elsewhere", PIPELINES_DIR)
    with pytest.raises(ConfigError, match="already exists"):
        new_recipe("empty", tmp_path, PIPELINES_DIR)


def _install_entry_points(site: Path, entries: dict[str, str], dist: str = "acme_recipes") -> None:
    """A distribution as pip leaves it: dist-info with entry_points.txt, on a sys.path entry."""
    info = site / f"{dist}-1.2.dist-info"
    info.mkdir(parents=True, exist_ok=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 1.2\n")
    (info / "entry_points.txt").write_text(
        "[factory.recipes]\n" + "".join(f"{k} = {v}\n" for k, v in entries.items())
    )


def test_entry_point_recipes_load_and_clash(tmp_path, monkeypatch):
    site = tmp_path / "site"
    new_recipe("triage", site / "acme", PIPELINES_DIR)
    (site / "acme" / "__init__.py").write_text("")
    (site / "acme" / "triage" / "__init__.py").write_text("")
    _install_entry_points(site, {"triage": "acme.triage"})
    monkeypatch.syspath_prepend(str(site))
    recipe = recipes.load_recipe("triage")
    assert recipe.origin == "entry point (acme.triage from acme_recipes 1.2)"
    assert recipe.module.__name__ == "acme.triage.recipe" and recipe.metrics().METRICS == (
        "valid",
        "category",
        "exact",
    )
    assert ("triage", recipe.origin, recipe.description) in recipes.describe_all()
    _install_entry_points(site, {"triage": "acme.triage", "rem_queries": "acme.triage"})
    with pytest.raises(
        ConfigError,
        match=r"recipe name 'rem_queries': the entry point acme.triage from acme_recipes "
        r"1.2 clashes with the built-in recipe of that name",
    ):
        recipes.load_recipe("triage")


def test_factory_recipes_lists_where_each_recipe_comes_from(made):
    env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1"}
    result = subprocess.run(
        [str(Path(sys.executable).with_name("factory")), "recipes"],
        capture_output=True,
        text=True,
        env=env,
        cwd=made.parent,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    lines = {line.split()[0]: line for line in result.stdout.splitlines()}
    assert set(lines) == {*(p.parent.name for p in PIPELINES_DIR.glob("*/recipe.yaml")), "triage"}
    assert lines["rem_queries"].split()[1] == "built-in"
    assert lines["triage"].split()[1] == "path" and lines["triage"].endswith(f"[{made}]")


def test_hooks_give_the_defaults_of_the_optional_hooks():
    bare = Hooks(types.ModuleType("bare"))
    record = {"input": "x", "output": {"a": 1}}
    assert (
        bare.pii_vocabulary() == []
        and bare.annotation_questions() == []
        and bare.annotation_suggestions(record) == {}
    )
    assert (
        bare.student_system(record, "the prompt") == "the prompt"
        and bare.student_answer(record) is None
    )
    assert bare.apply_annotation({"a": 1}, {"q": 2}) == {"a": 1}
    module = types.ModuleType("full")
    module.student_system = lambda record, default: default + "!"
    module.pii_vocabulary = lambda: ("SELECT",)
    full = Hooks(module)
    assert full.student_system(record, "hi") == "hi!" and full.pii_vocabulary() == ["SELECT"]
    assert set(OPTIONAL) < set(hook_names())
