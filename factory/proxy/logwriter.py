"""The proxy's exchange log: append-only JSON Lines, scrubbed, on disk before the caller gets its answer.

Each exchange is one line in the interaction-log format factory.sources.tracer writes and
factory.sources.logs reads as `openai` (so `factory build RECIPE --source DIR` reads it):

    {"timestamp", "request": <the caller's body>, "response": <chat.completion the caller got>,
     "latency_s", "pii": {type: count}, "proxy": {"id", "recipe", "answered_by", "fallback",
     "student": {...} | null, "teacher": {...} | null, "stream", "shadow"}}

plus `"error": {"type", "message", "status_code"}` when no model answered (read_logs skips
such a line as a failed call). Files are DIR/exchanges-<UTC start>-<pid>-<n>.jsonl; a new file
starts once one passes `max_bytes` (rotation; old files are never rewritten).

`submit(line)` queues a line and returns a Future; one writer thread takes every queued line at
once, scrubs their texts in one presidio batch (factory.pii.Scrubber with the recipe's entities,
thresholds and allow list, through the tracer's choice of fields: message contents, tool-call
arguments value by value, names, refusals, end-user ids, metadata; plus the proxy's own
`detail` strings), replaces the teacher's and the proxy's keys by <API_KEY>, writes them with one
os.write to a file opened O_APPEND, fsyncs, and only then resolves the Futures. The proxy
answers a caller after its Future resolves: a killed proxy (SIGKILL) loses only exchanges not
yet answered, and a power cut only those not yet fsynced (none that were answered).
With the recipe's `pii.policy: off`, only secrets are redacted (factory.pii.redact_secrets).
It does not read the logs back (status.py does) and does not compress rotated files.
"""

from __future__ import annotations

import json
import os
import queue
import threading
import time
from concurrent.futures import Future
from datetime import UTC, datetime
from pathlib import Path

from factory.sources.tracer import _text_slots

MAX_BYTES = 64 * 2**20
BATCH = 256


class ExchangeLog:
    def __init__(self, folder: str | os.PathLike, *, recipe=None, secrets: tuple[str, ...] = (),
                 max_bytes: int = MAX_BYTES):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.max_bytes, self.secrets = max_bytes, tuple(s for s in secrets if s and len(s) >= 8)
        self.scrubber = None
        if recipe is not None and recipe.pii_policy != "off":
            from factory.pii import Scrubber

            self.scrubber = Scrubber(recipe.pii_entities, recipe.pii_thresholds, recipe.pii_allow)
            self.scrubber.redact(["warm-up"])  # spaCy's first call is slow: not on a caller's time
        self.stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        self.part, self.fd, self.size = 0, None, 0
        self.written = 0
        self._queue: queue.Queue = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="proxy-log", daemon=True)
        self._thread.start()

    @property
    def path(self) -> Path:
        return self.folder / f"exchanges-{self.stamp}-{os.getpid()}-{self.part:04d}.jsonl"

    def submit(self, line: dict) -> Future:
        future: Future = Future()
        self._queue.put((line, future))
        return future

    def write(self, line: dict) -> None:
        """Blocking: the line is on disk when this returns."""
        self.submit(line).result()

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join(timeout=30)
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None

    # the writer thread

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            batch = [item]
            while len(batch) < BATCH:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    self._queue.put(None)  # stop after this batch
                    break
                batch.append(item)
            try:
                self._append(b"".join(self._encode(line) for line in self._scrub([line for line, _ in batch])))
            except Exception as exc:  # noqa: BLE001 - each waiting request learns that its log line failed
                for _, future in batch:
                    future.set_exception(exc)
                continue
            self.written += len(batch)
            for _, future in batch:
                future.set_result(None)

    def _scrub(self, lines: list[dict]) -> list[dict]:
        prepared = []
        for line in lines:
            slots, arguments = _text_slots(line)
            student = (line.get("proxy") or {}).get("student")
            if isinstance(student, dict) and isinstance(student.get("detail"), str):
                slots.append((student, "detail"))  # a validator's message may quote the reply
            prepared.append((slots, arguments))
        if self.scrubber is not None:
            results = self.scrubber.redact_groups([[holder[key] for holder, key in slots] for slots, _ in prepared])
        else:
            from factory.pii import redact_secrets

            results = []
            for slots, _ in prepared:
                texts, counts = [], {}
                for holder, key in slots:
                    text, found = redact_secrets(holder[key])
                    texts.append(text)
                    for entity, n in found.items():
                        counts[entity] = counts.get(entity, 0) + n
                results.append((texts, counts))
        for line, (slots, arguments), (texts, counts) in zip(lines, prepared, results, strict=True):
            for (holder, key), text in zip(slots, texts, strict=True):
                holder[key] = text
            for function, wrapper, before in arguments:
                after = json.dumps(wrapper[0], ensure_ascii=False)
                if after != before:
                    function["arguments"] = after
            line["pii"] = counts
        return lines

    def _encode(self, line: dict) -> bytes:
        text = json.dumps(line, ensure_ascii=False)
        for secret in self.secrets:
            text = text.replace(secret, "<API_KEY>").replace(json.dumps(secret)[1:-1], "<API_KEY>")
        return (text + "\n").encode("utf-8")

    def _append(self, data: bytes) -> None:
        if self.fd is not None and self.size and self.size + len(data) > self.max_bytes:
            os.close(self.fd)
            self.fd, self.part = None, self.part + 1
        if self.fd is None:
            self.fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            self.size = os.fstat(self.fd).st_size
        view = memoryview(data)
        while view:  # a short write happens only on a full disk or a signal: finish the lines
            view = view[os.write(self.fd, view):]
        os.fsync(self.fd)
        self.size += len(data)


def now() -> tuple[str, float]:
    """(ISO 8601 UTC timestamp, perf_counter) of the start of an exchange."""
    return datetime.now(UTC).isoformat(), time.perf_counter()
