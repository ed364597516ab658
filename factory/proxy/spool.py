"""The proxy's crash journal: exchanges answered but not yet scrubbed into the log, encrypted, in segment files.

Scrubbing personal data (spaCy + presidio) costs tens of milliseconds an exchange on a small CPU,
too much to pay before every answer. So the proxy appends each exchange here first (one
`os.write` to a file opened O_APPEND, before the answer leaves: a killed process loses nothing
it answered), and the log writer scrubs it into the exchange log afterwards, in batches.

Lines are Fernet tokens (AES-128-CBC + HMAC, `cryptography`), one a line, under a key generated
once into DIR/.proxy/spool.key (mode 0600): raw personal data never sits in plain text on disk,
and nothing that reads the log folder (`factory build --source DIR` skips dot-folders) sees it.
Segments are DIR/.proxy/spool/<n>.spool with SEGMENT lines each; a segment is deleted once every
line in it is in the log. A background thread fsyncs the open segment every SYNC_EVERY seconds
(a power cut loses at most that much). `leftovers()` reads the segments a previous, killed
process left, for the log writer to finish at start-up. One proxy per log directory.
It does not scrub, and it does not decide what is logged (logwriter.py does).
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

SEGMENT = 2000
SYNC_EVERY = 0.1


def _key(path: Path) -> bytes:
    from cryptography.fernet import Fernet

    if path.is_file():
        return path.read_bytes().strip()
    key = Fernet.generate_key()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(key + b"\n")
    return key


class Spool:
    def __init__(self, log_dir: Path):
        from cryptography.fernet import Fernet

        private = Path(log_dir) / ".proxy"
        self.folder = private / "spool"
        self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.fernet = Fernet(_key(private / "spool.key"))
        self._old = sorted(self.folder.glob("*.spool"), key=lambda p: int(p.stem))
        self.segment = int(self._old[-1].stem) + 1 if self._old else 0
        self.fd, self.lines, self.dirty = None, 0, False
        self.waiting: dict[int, int] = {}  # segment -> its lines not yet in the log
        self._lock = threading.Lock()
        self._closed = threading.Event()
        self._syncer = threading.Thread(
            target=self._sync_loop, name="proxy-spool-sync", daemon=True
        )
        self._syncer.start()

    def leftovers(self) -> list[tuple[Path, list[bytes]]]:
        """(segment, its decrypted lines) of every segment a previous process left; a line cut by the kill is left out."""
        from cryptography.fernet import InvalidToken

        found = []
        for path in self._old:
            lines = []
            for token in path.read_bytes().splitlines():
                try:
                    lines.append(self.fernet.decrypt(token))
                except (InvalidToken, ValueError):
                    continue
            found.append((path, lines))
        return found

    def append(self, data: bytes) -> int:
        """Journal one exchange (JSON bytes); returns its segment, for `done`."""
        token = self.fernet.encrypt(data) + b"\n"
        with self._lock:
            if self.fd is None or self.lines >= SEGMENT:
                self._rotate()
            view = memoryview(token)
            while view:
                view = view[os.write(self.fd, view) :]
            self.lines += 1
            self.waiting[self.segment] = self.waiting.get(self.segment, 0) + 1
            self.dirty = True
            return self.segment

    def done(self, segment: int, count: int = 1) -> None:
        """`count` lines of `segment` are in the log; a finished, closed segment is deleted."""
        with self._lock:
            self.waiting[segment] -= count
            if self.waiting[segment] == 0 and segment != self.segment:
                del self.waiting[segment]
                (self.folder / f"{segment}.spool").unlink(missing_ok=True)

    def close(self) -> None:
        self._closed.set()
        self._syncer.join(timeout=5)
        with self._lock:
            if self.fd is not None:
                os.close(self.fd)
                self.fd = None
            if not any(self.waiting.values()):  # all in the log: nothing to recover
                for path in self.folder.glob("*.spool"):
                    path.unlink(missing_ok=True)

    def _rotate(self) -> None:
        if self.fd is not None:
            os.fsync(self.fd)
            os.close(self.fd)
            if self.waiting.get(self.segment) == 0:
                del self.waiting[self.segment]
                (self.folder / f"{self.segment}.spool").unlink(missing_ok=True)
            self.segment += 1
        self.fd = os.open(
            self.folder / f"{self.segment}.spool", os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600
        )
        self.lines = 0

    def _sync_loop(self) -> None:
        while not self._closed.wait(SYNC_EVERY):
            with (
                self._lock
            ):  # fsync a duplicate outside the lock: appending never waits for the disk
                fd = os.dup(self.fd) if self.fd is not None and self.dirty else None
                self.dirty = False
            if fd is not None:
                try:
                    os.fsync(fd)
                finally:
                    os.close(fd)
