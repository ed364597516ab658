"""Run a composition script in a child process and read back the MIDI file it writes.

The contract a code answer follows: a Python script (music21 is importable) that writes one
MIDI file to the path given as its first argument (`sys.argv[1]`). `run_script(code)` runs
it with this interpreter in a fresh temporary folder (its cwd and HOME) confined by
factory.sandbox (offline, everything but that folder read-only where namespaces work) under
limits: wall clock `timeout` (the process group is killed), CPU seconds, 2 GiB of address
space and 16 MiB per file written. Then music21 parses the MIDI file back; the notes in time
order (a chord low to high) are the result.

Outcomes (`Run.reason`): None (it worked), `composer_code_failed` (non-zero exit; detail: the
last line of stderr, e.g. "ZeroDivisionError: division by zero"), `composer_code_timeout`,
`composer_no_score` (no MIDI file, one music21 cannot read, or one without notes).
Results are cached per script text, so a record checked by scrub and validate runs once.
"""

from __future__ import annotations

import shutil
import signal
import sys
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from factory.sandbox import base_env, run_confined

TIMEOUT_S = 30.0  # wall clock per script (music21's import alone takes ~0.5 s on an idle core)
MEMORY_BYTES = 2 << 30
FILE_BYTES = 16 << 20
MAX_NOTES = 256  # a score longer than this is not a training answer

_WRAPPER = """\
import resource, runpy, sys
resource.setrlimit(resource.RLIMIT_CPU, ({cpu}, {cpu}))
resource.setrlimit(resource.RLIMIT_AS, ({memory}, {memory}))
resource.setrlimit(resource.RLIMIT_FSIZE, ({fsize}, {fsize}))
sys.argv = ["script.py", "out.mid"]
runpy.run_path("script.py", run_name="__main__")
"""


@dataclass(frozen=True)
class Run:
    reason: str | None  # None: the script wrote a MIDI file music21 reads back
    detail: str = ""
    pitches: tuple[str, ...] = ()  # names with octave ("Eb4"), in time order, a chord low to high
    midi: tuple[int, ...] = ()  # the same notes as MIDI key numbers


def run_script(code: str, timeout: float | None = None) -> Run:
    return _run(code, TIMEOUT_S if timeout is None else timeout)


@lru_cache(maxsize=512)
def _run(code: str, timeout: float) -> Run:
    folder = Path(tempfile.mkdtemp(prefix="composer-run-"))
    try:
        (folder / "script.py").write_text(code, encoding="utf-8")
        wrapper = _WRAPPER.format(cpu=int(timeout) + 1, memory=MEMORY_BYTES, fsize=FILE_BYTES)
        env = {**base_env(folder), "HOME": str(folder), "MPLBACKEND": "Agg"}
        log = folder / "stderr.txt"
        run = run_confined(
            [sys.executable, "-s", "-c", wrapper],
            folder,
            cwd=folder,
            env=env,
            log=log,
            timeout=timeout,
            limits=(int(timeout) + 1, MEMORY_BYTES, FILE_BYTES),
        )
        if not run.in_time:
            return Run(
                "composer_code_timeout", f"still running after {timeout:g} s (killed); no MIDI file"
            )
        if run.returncode != 0:
            return Run("composer_code_failed", _failure(run.returncode, log))
        return read_midi(folder / "out.mid")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _failure(returncode: int, stderr_path: Path) -> str:
    lines = [
        line.strip()
        for line in stderr_path.read_text(encoding="utf-8", errors="replace").splitlines()
    ]
    last = next((line for line in reversed(lines) if line), "")
    if returncode < 0:
        name = signal.Signals(-returncode).name
        limit = {
            "SIGXCPU": "CPU time limit",
            "SIGXFSZ": f"a file over {FILE_BYTES >> 20} MiB",
            "SIGKILL": "killed",
        }.get(name, "killed by a signal")
        return f"{name} ({limit})" + (f": {last[:200]}" if last else "")
    return last[:300] or f"exit status {returncode}, nothing on stderr"


def read_midi(path: Path) -> Run:
    """The notes of a MIDI file, by music21 (in this process)."""
    from music21 import converter

    from pipelines.composer.theory import TheoryError, from_m21

    if not path.is_file() or path.stat().st_size == 0:
        return Run("composer_no_score", "the script wrote no MIDI file at sys.argv[1]")
    try:
        score = converter.parse(str(path), format="midi")
    except Exception as exc:  # music21 raises many types for a broken file
        return Run(
            "composer_no_score",
            f"music21 cannot read the MIDI file: {type(exc).__name__}: {exc}"[:300],
        )
    notes = sorted(
        (
            (float(element.offset), p.midi, p.nameWithOctave)
            for element in score.flatten().notes
            for p in element.pitches
        ),
        key=lambda item: item[:2],
    )
    if not notes:
        return Run("composer_no_score", "the MIDI file holds no notes")
    if len(notes) > MAX_NOTES:
        return Run(
            "composer_no_score",
            f"the MIDI file holds {len(notes)} notes, over the cap of {MAX_NOTES}",
        )
    try:
        pitches = tuple(from_m21(name) for _, _, name in notes)
    except TheoryError as exc:
        return Run("composer_no_score", str(exc))
    return Run(None, "", pitches, tuple(midi for _, midi, _ in notes))
