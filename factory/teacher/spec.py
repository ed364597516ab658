"""Resolve `--teacher` / `--teacher-url` into a TeacherSpec and check it before any work starts.

- `--teacher NAME` alone: the OpenAI API, needs OPENAI_API_KEY.
- `--teacher-url URL [--teacher NAME]`: any OpenAI-compatible server; the key comes from
  FACTORY_TEACHER_API_KEY or OPENAI_API_KEY if set (local servers need none).
- neither, or `--teacher embedded[:NAME]`: an embedded teacher (factory.teacher.embedded picks
  which), resolved when it starts; resolve() answers None for it.
The preflight asks GET {base_url}/models; an error names the flag and what to do.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from factory.errors import TeacherError

OPENAI_BASE_URL = "https://api.openai.com/v1"


@dataclass
class TeacherSpec:
    model: str
    base_url: str
    api_key: str
    # how to ask for JSON: "llamacpp_schema" (json_object + schema), "json_object", or "none"
    structured: str = "none"
    embedded: bool = False
    model_sha256: str = (
        ""  # the weights' sha256, when the file is ours to hash (an embedded teacher)
    )
    slots: int = 0  # requests the server computes at once (0: unknown); more in flight only wait in its queue

    def concurrency(self, wanted: int) -> int:
        """Requests to keep in flight: --max-concurrency, but no more than the server's slots. Requests
        queued behind a one-slot server each wait for all those ahead, and past --teacher-timeout fail."""
        return min(wanted, self.slots) if self.slots else wanted

    def public(self) -> dict:
        """What the report may show: never the key, never credentials in the URL."""
        parts = urlsplit(self.base_url)
        netloc = parts.hostname or ""
        if parts.port:
            netloc += f":{parts.port}"
        seen = {
            "model": self.model,
            "base_url": urlunsplit((parts.scheme, netloc, parts.path, "", "")),
            "embedded": self.embedded,
            "structured_output": self.structured,
        }
        if self.model_sha256:
            seen["model_sha256"] = self.model_sha256
        if self.embedded:
            seen["slots"] = self.slots  # requests its server decoded side by side
        return seen

    def provenance(self) -> dict:
        """What a record says of its teacher: public(), but an embedded teacher's URL (a free port of
        this build's own server) is no part of it, so a rebuild from the cache writes the same records."""
        seen = self.public()
        if self.embedded:
            seen["base_url"] = "embedded"
            del seen["slots"]  # how fast it was served, not what wrote the record
        return seen


def resolve(teacher: str | None, teacher_url: str | None) -> TeacherSpec | None:
    """The spec for the flags, or None for an embedded teacher. Raises TeacherError."""
    embedded = teacher is not None and (teacher == "embedded" or teacher.startswith("embedded:"))
    if embedded and teacher_url:
        raise TeacherError(
            f"--teacher {teacher} names an embedded teacher, which runs here; drop --teacher-url {teacher_url}"
        )
    if embedded:
        return None
    if teacher_url:
        if urlsplit(teacher_url).scheme not in ("http", "https"):
            raise TeacherError(
                f"--teacher-url {teacher_url!r} is not an http(s) URL; e.g. http://localhost:11434/v1"
            )
        key = (
            os.environ.get("FACTORY_TEACHER_API_KEY") or os.environ.get("OPENAI_API_KEY") or "none"
        )
        spec = TeacherSpec(model=teacher or "", base_url=teacher_url.rstrip("/"), api_key=key)
        models = preflight(spec)
        if not spec.model:
            if not models:
                raise TeacherError(
                    f"--teacher-url {teacher_url} lists no models; name one with --teacher NAME"
                )
            spec.model = models[0]
        return spec
    if teacher:
        key = os.environ.get("OPENAI_API_KEY")
        if not key:
            raise TeacherError(
                f"--teacher {teacher} uses the OpenAI API and needs OPENAI_API_KEY; export it, "
                "or use --teacher-url for another server, or drop --teacher for the embedded one"
            )
        base_url = os.environ.get("OPENAI_BASE_URL", OPENAI_BASE_URL).rstrip("/")
        return TeacherSpec(model=teacher, base_url=base_url, api_key=key, structured="json_object")
    return None


def preflight(spec: TeacherSpec, timeout: float = 10.0) -> list[str]:
    """GET /models: proves the server is up and speaks the OpenAI API. Returns model ids."""
    import httpx

    url = f"{spec.base_url}/models"
    try:
        response = httpx.get(
            url, headers={"Authorization": f"Bearer {spec.api_key}"}, timeout=timeout
        )
    except httpx.HTTPError as exc:
        raise TeacherError(
            f"--teacher-url: cannot reach {url} ({type(exc).__name__}); start the server or fix the URL"
        ) from exc
    if response.status_code in (401, 403):
        raise TeacherError(
            f"--teacher-url: {url} refused the API key (HTTP {response.status_code}); set FACTORY_TEACHER_API_KEY"
        )
    try:
        data = response.json()["data"]
        return [str(item["id"]) for item in data]
    except (ValueError, KeyError, TypeError):
        raise TeacherError(
            f"--teacher-url: {url} answered HTTP {response.status_code} without an OpenAI model list; "
            "point it at the server's OpenAI-compatible base (often ending in /v1)"
        ) from None
