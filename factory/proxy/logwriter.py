"""The proxy's exchange log: append-only JSON Lines, journaled before the answer leaves, scrubbed after.

Each exchange is one line in the interaction-log format factory.sources.tracer writes and
factory.sources.logs reads as `openai` (so `factory build RECIPE --source DIR` reads it):

    {"timestamp", "request": <the caller's body>, "response": <chat.completion the caller got>,
     "latency_s", "pii": {type: count}, "proxy": {"id", "recipe", "answered_by", "fallback",
     "student": {...} | null, "teacher": {...} | null, "stream", "shadow"}}

plus `"error": {"type", "message", "status_code"}` when no model answered (read_logs skips
such a line as a failed call). Files are DIR/exchanges-<UTC start>-<pid>-<n>.jsonl; a new file
starts once one passes `max_bytes` (rotation; old files are never rewritten).

`record(line)` (on the request path, before the answer leaves) journals the exchange in the spool
(spool.py: encrypted, one os.write; a killed proxy loses nothing it answered) and queues it. One
writer thread takes every queued line at once and has them scrubbed in one presidio batch by a
scrubber process of its own (spawned, niced: spaCy never holds the proxy's interpreter lock;
factory.pii.Scrubber with the recipe's entities, thresholds and allow list, through the tracer's
choice of fields: message contents, tool-call arguments value by value, names, refusals,
end-user ids, metadata; plus the proxy's own `detail` strings), replaces the teacher's and the
proxy's keys by <API_KEY>, appends them with one os.write, fsyncs, and marks them done in the
spool. At start-up, exchanges a killed proxy left in the spool are scrubbed into the log first
(skipping any already there, by `proxy.id`); `close()` drains the queue. With the recipe's
`pii.policy: off`, only secrets are redacted (factory.pii_secrets.redact_secrets). The scrubber
ends by itself when its proxy is gone, SIGKILL included. A log line is
therefore written some milliseconds after its answer (`flush()` waits for the queue); traffic
above the scrubber's rate (about 20-40 exchanges/s a core on this project's 2-core machine)
grows the backlog, in the spool and in memory, until it calms down.
It does not read the logs back (status.py does) and does not compress rotated files.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import queue
import threading
import time
import warnings
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

from factory.proxy.spool import Spool
from factory.sources.tracer import put_texts, text_slots

MAX_BYTES = 64 * 2**20
BATCH = 256


class ExchangeLog:
    def __init__(
        self,
        folder: str | os.PathLike,
        *,
        recipe=None,
        secrets: tuple[str, ...] = (),
        max_bytes: int = MAX_BYTES,
    ):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.max_bytes, self.secrets = max_bytes, tuple(s for s in secrets if s and len(s) >= 8)
        self._pool = None
        if recipe is not None and recipe.pii_policy != "off":
            self._pool = ProcessPoolExecutor(
                1,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_start_scrubber,
                initargs=(
                    self.secrets,
                    tuple(recipe.pii_entities),
                    dict(recipe.pii_thresholds),
                    tuple(recipe.pii_allow),
                ),
            )
            self._pool.submit(
                _lines_here, []
            ).result()  # spaCy loaded and warm before the first exchange
        self.stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        self.part, self.fd, self.size = 0, None, 0
        self.written = 0
        self.spool = Spool(self.folder)
        self._recover()
        self._queue: queue.Queue = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="proxy-log", daemon=True)
        self._thread.start()

    @property
    def path(self) -> Path:
        return self.folder / f"exchanges-{self.stamp}-{os.getpid()}-{self.part:04d}.jsonl"

    def record(self, line: dict) -> None:
        """Journal the exchange (durable against a kill when this returns) and queue it for the log."""
        data = json.dumps(line, ensure_ascii=False).encode(
            "utf-8"
        )  # also the writer's own copy of the line
        self._queue.put((data, self.spool.append(data)))

    def flush(self) -> None:
        """Wait until every recorded exchange is in the log."""
        self._queue.join()

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join()
        self.spool.close()
        if self._pool is not None:
            self._pool.shutdown()
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None

    def _recover(self) -> None:
        leftovers = self.spool.leftovers()
        if not leftovers:
            return
        logged = {
            line.get("proxy", {}).get("id")
            for path in self.folder.glob("exchanges-*.jsonl")
            for line in _read(path)
        }
        for path, lines in leftovers:
            todo = [
                data
                for data in lines
                if (json.loads(data).get("proxy") or {}).get("id") not in logged
            ]
            for start in range(0, len(todo), BATCH):
                self._append(self._lines(todo[start : start + BATCH]))
            self.written += len(todo)
            path.unlink()

    # the writer thread

    def _run(self) -> None:
        stop = False
        while not stop:
            item = self._queue.get()
            batch = [] if item is None else [item]
            stop = item is None
            while not stop and len(batch) < BATCH:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                stop = item is None
                batch += [] if stop else [item]
            if batch:
                self._write_batch(batch)
            for _ in range(len(batch) + stop):
                self._queue.task_done()

    def _write_batch(self, batch: list[tuple[bytes, int]]) -> None:
        try:
            self._append(self._lines([data for data, _ in batch]))
        except Exception as exc:  # noqa: BLE001 - the lines stay in the spool, recovered at the next start
            warnings.warn(
                f"factory proxy: could not write {len(batch)} exchanges to {self.path}: {exc}; "
                "they stay in the spool",
                RuntimeWarning,
                stacklevel=1,
            )
            return
        self.written += len(batch)
        for segment, count in Counter(segment for _, segment in batch).items():
            self.spool.done(segment, count)

    def _lines(self, datas: list[bytes]) -> list[bytes]:
        """The log lines of journaled exchanges: parsed, scrubbed and encoded in the scrubber process (or here,
        secrets only, without one)."""
        if self._pool is None:
            return encode(scrub([json.loads(data) for data in datas], None), self.secrets)
        return self._pool.submit(_lines_here, datas).result()

    def _append(self, lines: list[bytes]) -> None:
        """Write the lines, starting a new file before one that would take the current past max_bytes."""
        chunk: list[bytes] = []
        for line in lines:
            if self.fd is not None and self.size and self.size + len(line) > self.max_bytes:
                self._write(b"".join(chunk))
                chunk = []
                os.close(self.fd)
                self.fd, self.part = None, self.part + 1
            if self.fd is None:
                self.fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
                self.size = os.fstat(self.fd).st_size
            chunk.append(line)
            self.size += len(line)
        self._write(b"".join(chunk))

    def _write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:  # a short write happens only on a full disk or a signal: finish the lines
            view = view[os.write(self.fd, view) :]
        os.fsync(self.fd)


def scrub(lines: list[dict], scrubber) -> list[dict]:
    """The lines with their texts redacted (factory.pii.Scrubber, or only secrets without one) and `pii` counts."""
    prepared = []
    for line in lines:
        slots, arguments = text_slots(line)
        student = (line.get("proxy") or {}).get("student")
        if isinstance(student, dict) and isinstance(student.get("detail"), str):
            slots.append((student, "detail"))  # a validator's message may quote the reply
        prepared.append((slots, arguments))
    if scrubber is not None:
        results = scrubber.redact_groups(
            [[holder[key] for holder, key in slots] for slots, _ in prepared]
        )
    else:
        from factory.pii_secrets import redact_secrets

        results = []
        for slots, _ in prepared:
            texts, counts = [], Counter()
            for holder, key in slots:
                text, found = redact_secrets(holder[key])
                texts.append(text)
                counts.update(found)
            results.append((texts, dict(counts)))
    for line, (slots, arguments), (texts, counts) in zip(lines, prepared, results, strict=True):
        put_texts(slots, arguments, texts)
        line["pii"] = counts
    return lines


def encode(lines: list[dict], secrets: tuple[str, ...]) -> list[bytes]:
    """JSON lines with every occurrence of a secret (a key) replaced by <API_KEY>."""
    out = []
    for line in lines:
        text = json.dumps(line, ensure_ascii=False)
        for secret in secrets:
            text = text.replace(secret, "<API_KEY>").replace(json.dumps(secret)[1:-1], "<API_KEY>")
        out.append((text + "\n").encode("utf-8"))
    return out


_SCRUBBER, _SECRETS = None, ()  # in the scrubber process


def _start_scrubber(secrets: tuple, entities: tuple, thresholds: dict, allow: tuple) -> None:
    global _SCRUBBER, _SECRETS
    _SECRETS = secrets
    from factory.pii import Scrubber

    parent = os.getppid()
    threading.Thread(target=_end_with, args=(parent,), name="end-with-proxy", daemon=True).start()

    try:
        os.nice(19)  # the request path comes first
    except OSError:
        pass
    _SCRUBBER = Scrubber(entities, thresholds, allow)
    _SCRUBBER.redact(["warm-up"])


def _end_with(parent: int, every: float = 1.0) -> None:
    """End this scrubber once its proxy is gone: a SIGKILLed proxy cannot shut its pool down, and
    the worker would wait on the pool's queue for ever (half a GiB of spaCy and presidio)."""
    while os.getppid() == parent:
        time.sleep(every)
    os._exit(0)


def _lines_here(datas: list[bytes]) -> list[bytes]:
    return encode(scrub([json.loads(data) for data in datas], _SCRUBBER), _SECRETS)


def _read(path: Path):
    for text in path.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            line = json.loads(text)
        except json.JSONDecodeError:
            continue
        if isinstance(line, dict):
            yield line


def now() -> tuple[str, float]:
    """(ISO 8601 UTC timestamp, perf_counter) of the start of an exchange."""
    return datetime.now(UTC).isoformat(), time.perf_counter()
