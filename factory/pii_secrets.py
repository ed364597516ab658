"""Secrets in a text, by regex: find them, redact them, and the placeholders redaction writes.

`SECRET_PATTERNS` (API_KEY: OpenAI `sk-...`, AWS access key ids and secret access keys (after
their name), GitHub and Slack tokens, bearer tokens; PRIVATE_KEY blocks; URL_WITH_CREDENTIALS).
`secret_spans(text)` finds them; `secret_recognizers(entities)` makes them presidio recognizers
for factory.pii.Scrubber. `redact_secrets(text)` replaces them with typed placeholders without
spaCy or presidio: cheap enough for every teacher reply before it is cached (factory.teacher.llm).
`PLACEHOLDER` matches what this and the Scrubber write, and the unnumbered `<API_KEY>` with which
factory.sources.tracer marks a client's own key; `placeholders_in` the highest number per type.

It finds no personal data (names, e-mails, phones: factory.pii and its recognizers do) and does
not decide what to do with a record (the scrub stage does).
"""

from __future__ import annotations

import re
from typing import Iterable

# (name, regex, score) per entity. Where a regex has a group named `secret`, only that group is
# the finding (the name before an AWS secret is context, not the secret).
SECRET_PATTERNS = {
    "API_KEY": [
        ("openai_key", r"\bsk-(?:proj-|svcacct-)?[A-Za-z0-9_-]{20,}", 0.95),
        ("aws_access_key", r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b", 0.95),
        (
            "aws_secret_key",
            r"(?i:aws_?secret(?:_?access)?_?key|secret_?access_?key|aws secret(?: access)? key)"
            r"[^A-Za-z0-9/+]{1,6}(?P<secret>[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])",
            0.95,
        ),
        ("github_token", r"\bgh[pousr]_[A-Za-z0-9]{36,}\b", 0.95),
        ("slack_token", r"\bxox[abprs]-[A-Za-z0-9-]{10,}", 0.95),
        ("bearer_token", r"Bearer (?P<secret>[A-Za-z0-9\-._~+/]{16,}=*)", 0.9),
    ],
    "PRIVATE_KEY": [
        (
            "pem_private_key",
            r"-----BEGIN (?:[A-Z]+ )*PRIVATE KEY-----[\s\S]+?-----END (?:[A-Z]+ )*PRIVATE KEY-----",
            0.99,
        ),
    ],
    "URL_WITH_CREDENTIALS": [
        (
            "url_userinfo",
            r"\b[a-z][a-z0-9+.-]*://[^\s/:@\"'\\]+:[^\s/@\"'\\]+@[^\s/?#\"'\\]+",
            0.95,
        ),
    ],
}
_COMPILED = {
    entity: [(name, re.compile(regex), score) for name, regex, score in patterns]
    for entity, patterns in SECRET_PATTERNS.items()
}


def secret_spans(
    text: str, entities: Iterable[str] = tuple(SECRET_PATTERNS)
) -> list[tuple[str, int, int, float]]:
    """(entity, start, end, score) of every secret pattern's match in `text`, for the given entities."""
    spans = []
    for entity in entities:
        for _, regex, score in _COMPILED.get(entity, ()):
            for match in regex.finditer(text):
                group = "secret" if "secret" in regex.groupindex else 0
                spans.append((entity, match.start(group), match.end(group), score))
    return spans


def redact_secrets(text: str, after: Iterable[str] = ()) -> tuple[str, dict[str, int]]:
    """`text` with every secret (SECRET_PATTERNS, all entities) replaced by a typed placeholder, numbered
    after the placeholders of that type already in the text or in `after` (e.g. the prompt a reply
    answers), the same one for the same value; and the count per type. A regex pass, no NLP:
    overlapping matches keep the one that starts first (the longest)."""
    chosen: list[tuple[str, int, int]] = []
    for entity, start, end, _ in sorted(secret_spans(text), key=lambda s: (s[1], -(s[2] - s[1]))):
        if not chosen or start >= chosen[-1][2]:
            chosen.append((entity, start, end))
    if not chosen:
        return text, {}
    taken = placeholders_in([text, *after])
    placeholders: dict[tuple[str, str], str] = {}
    counts: dict[str, int] = {}
    parts, last = [], 0
    for entity, start, end in chosen:
        key = (entity, text[start:end])
        if key not in placeholders:
            taken[entity] = taken.get(entity, 0) + 1
            placeholders[key] = f"<{entity}_{taken[entity]}>"
        counts[entity] = counts.get(entity, 0) + 1
        parts += [text[last:start], placeholders[key]]
        last = end
    return "".join(parts) + text[last:], dict(sorted(counts.items()))


def secret_recognizers(entities: Iterable[str]):
    """A presidio recognizer per secret entity among `entities` (one for each SECRET_PATTERNS key)."""
    from presidio_analyzer import EntityRecognizer, RecognizerResult

    class SecretRecognizer(EntityRecognizer):
        """One entity's SECRET_PATTERNS as a presidio recognizer (a `secret` group narrows the finding)."""

        def load(self) -> None:
            pass

        def analyze(self, text, entities, nlp_artifacts=None):
            return [
                RecognizerResult(entity, start, end, score)
                for entity, start, end, score in secret_spans(text, self.supported_entities)
            ]

    return [
        SecretRecognizer(supported_entities=[entity], name=f"{entity.lower()}_recognizer")
        for entity in entities
        if entity in SECRET_PATTERNS
    ]


# What redaction writes: <PERSON_1>; and the tracer's unnumbered <API_KEY> (a client's own key). Groups: type,
# number ("" for the unnumbered mark). Other unnumbered <WORDS> are not placeholders (`sed 's/<BR>//'` is a command).
PLACEHOLDER = re.compile(r"<([A-Z][A-Z_]*?)(?:_(\d+)|(?<=<API_KEY))>")


def placeholders_in(texts: list[str]) -> dict[str, int]:
    """The highest placeholder number per entity type already in the texts."""
    highest: dict[str, int] = {}
    for text in texts:
        for entity, number in PLACEHOLDER.findall(text):
            highest[entity] = max(highest.get(entity, 0), int(number or 0))
    return highest
