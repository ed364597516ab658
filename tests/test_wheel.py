"""The wheel works outside the repository: built, listed, installed into a fresh venv, and it builds.

The wheel is built from a copy of the sources (no network: --no-build-isolation uses this venv's
setuptools), must hold every file the built-in recipes read besides their modules (recipe.yaml,
prompts, schemas, example data, tables, train.yaml) and the `factory new` template, and installed
with --no-deps --no-index into a new venv that sees this venv's site-packages for its dependencies
through a .pth line (a plain path: the editable install of the checkout there is not activated, and
the test checks that `factory` is imported from the new venv). `factory build rem_queries --limit 5`
then runs with the embedded teacher from an empty directory outside the checkout.
"""

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest
from factory_cli import ROOT

PACKAGES = ("factory", "pipelines", "train", "annotation")


def _run(
    *args, cwd: Path, timeout: float = 300, env: dict | None = None
) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [str(a) for a in args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=timeout,
        env={**os.environ, "COLUMNS": "100", "NO_COLOR": "1", **(env or {})},
    )
    assert result.returncode == 0, (
        f"{' '.join(map(str, args))}:\n{result.stdout[-2000:]}\n{result.stderr[-3000:]}"
    )
    return result


def _data_files() -> list[str]:
    """Every file of the packages that is not Python: what the code reads from beside its modules."""
    ignore = ("__pycache__",)
    return sorted(
        str(p.relative_to(ROOT))
        for package in PACKAGES
        for p in (ROOT / package).rglob("*")
        if p.is_file() and p.suffix not in (".py", ".pyc") and not set(p.parts) & set(ignore)
    )


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    source = tmp_path_factory.mktemp("src")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    for package in PACKAGES:
        shutil.copytree(
            ROOT / package,
            source / package,
            ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"),
        )
    out = tmp_path_factory.mktemp("wheel")
    _run(
        sys.executable,
        "-m",
        "pip",
        "wheel",
        "--no-deps",
        "--no-build-isolation",
        "--no-index",
        "-q",
        "-w",
        out,
        source,
        cwd=source,
    )
    (built,) = out.glob("factory-*.whl")
    return built


def test_the_wheel_holds_every_file_the_recipes_read(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    wanted = _data_files()
    assert (
        "pipelines/rem_queries/recipe.yaml" in wanted
        and "factory/schemas/rem_query.schema.json" in wanted
    )
    assert (
        "pipelines/sysadmin_bash/commands.json" in wanted
        and "factory/scaffold/template/recipe.yaml" in wanted
    )
    assert [name for name in wanted if name not in names] == []
    for package in PACKAGES:
        assert f"{package}/__init__.py" in names


@pytest.mark.slow
def test_the_installed_wheel_builds_a_recipe_from_an_empty_directory(wheel, tmp_path):
    venv = tmp_path / "venv"
    _run(sys.executable, "-m", "venv", "--without-pip", venv, cwd=tmp_path)
    python = venv / "bin" / "python"
    site = Path(
        _run(
            python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))", cwd=tmp_path
        ).stdout.strip()
    )
    (site / "dependencies.pth").write_text(
        sysconfig.get_path("purelib") + "\n"
    )  # a path line: no .pth run from there
    _run(
        sys.executable,
        "-m",
        "pip",
        "--python",
        python,
        "install",
        "--no-deps",
        "--no-index",
        "-q",
        wheel,
        cwd=tmp_path,
    )
    empty = tmp_path / "work"
    empty.mkdir()
    where = _run(
        python,
        "-c",
        "import factory, pipelines; print(factory.__file__); print(pipelines.__file__)",
        cwd=empty,
    ).stdout.split()
    assert all(Path(path).is_relative_to(venv) for path in where), where
    listing = _run(venv / "bin" / "factory", "recipes", cwd=empty).stdout
    assert "rem_queries" in listing and "built-in" in listing
    _run(
        venv / "bin" / "factory",
        "build",
        "rem_queries",
        "--limit",
        "5",
        "--run",
        "w",
        cwd=empty,
        timeout=600,
    )
    run_dir = empty / "data" / "rem_queries" / "w"
    report = json.loads((run_dir / "report.json").read_text())
    assert report["teacher"]["embedded"] is True and report["records"] >= 5
    assert len((run_dir / "dataset.jsonl").read_text().splitlines()) == report["records"]
    assert not (ROOT / "data" / "rem_queries" / "w").exists()
