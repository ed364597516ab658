"""The PII evaluation corpus generator (bench/pii_corpus.py): spans, coverage, determinism, clean texts. No spaCy."""

import importlib.util
import re
import sys

import pytest
from factory_cli import ROOT

pytest.importorskip("faker")
sys.path.insert(0, str(ROOT / "bench"))
_spec = importlib.util.spec_from_file_location("pii_corpus", ROOT / "bench" / "pii_corpus.py")
pii_corpus = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(pii_corpus)

TYPES = {
    "PERSON",
    "PHONE_NUMBER",
    "CREDIT_CARD",
    "IBAN_CODE",
    "IP_ADDRESS",
    "EMAIL_ADDRESS",
    "US_SSN",
    "LOCATION",
}


@pytest.fixture(scope="module")
def corpus():
    return pii_corpus.generate(2000, 500, seed=0)


def test_counts_and_spans_point_at_the_values(corpus):
    personal = [item for item in corpus if not item["clean"]]
    clean = [item for item in corpus if item["clean"]]
    assert len(personal) == 2000 and len(clean) == 500
    assert all(item["entities"] for item in personal) and not any(
        item["entities"] for item in clean
    )
    for item in personal:
        for entity in item["entities"]:
            assert item["text"][entity["start"] : entity["end"]] == entity["value"], (item, entity)
            assert entity["value"] == entity["value"].strip() and entity["value"]


def test_every_locale_genre_and_type_is_present(corpus):
    personal = [item for item in corpus if not item["clean"]]
    assert {item["locale"] for item in personal} == set(pii_corpus.LOCALES) and len(
        pii_corpus.LOCALES
    ) >= 8
    assert {item["genre"] for item in personal} == set(pii_corpus.PII_TEMPLATES)
    assert {e["type"] for item in personal for e in item["entities"]} == TYPES
    for locale in pii_corpus.LOCALES:
        kinds = {
            e["type"] for item in personal if item["locale"] == locale for e in item["entities"]
        }
        assert {"PERSON", "PHONE_NUMBER", "EMAIL_ADDRESS"} <= kinds, locale
    details = {e["detail"] for item in personal for e in item["entities"]}
    assert {
        "v4",
        "v6",
        "v6:compressed",
        "dashed",
        "spaced",
        "last_comma_first",
        "lower",
        "first",
        "last",
    } <= details
    assert any(d.endswith("+ext") for d in details) and any(":intl" in d for d in details)


def test_deterministic_for_a_seed():
    assert pii_corpus.generate(60, 20, seed=3) == pii_corpus.generate(60, 20, seed=3)
    assert pii_corpus.generate(60, 20, seed=3) != pii_corpus.generate(60, 20, seed=4)


def test_luhn_valid_cards_of_every_length(corpus):
    cards = [e["value"] for item in corpus for e in item["entities"] if e["type"] == "CREDIT_CARD"]
    digits = [re.sub(r"[ -]", "", card) for card in cards]
    assert all(d.isdigit() and pii_corpus.luhn_ok(d) for d in digits)
    assert {len(d) for d in digits} == set(range(12, 20))
    assert (
        any(" " in c for c in cards)
        and any("-" in c for c in cards)
        and any(c.isdigit() for c in cards)
    )


def test_ibans_have_valid_check_digits_and_several_countries(corpus):
    ibans = [
        e["value"].replace(" ", "")
        for item in corpus
        for e in item["entities"]
        if e["type"] == "IBAN_CODE"
    ]
    for iban in ibans:
        moved = iban[4:] + iban[:4]
        assert int("".join(str(int(c, 36)) for c in moved)) % 97 == 1, iban
    assert len({iban[:2] for iban in ibans}) >= 8


def test_clean_texts_hold_nothing_that_looks_like_an_email_or_iban(corpus):
    email = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
    iban = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,}")
    for item in corpus:
        if item["clean"]:
            assert not email.search(item["text"]) and not iban.search(item["text"]), item["text"]
            assert not pii_corpus.SLOT.search(item["text"].replace("{http_code}", "")), item["text"]


def test_every_template_slot_is_known():
    filler = pii_corpus.Filler(pii_corpus.make_fakers(0), __import__("random").Random(0), "en_US")
    for templates in (pii_corpus.PII_TEMPLATES, pii_corpus.CLEAN_TEMPLATES):
        for template in (t for group in templates.values() for t in group):
            pii_corpus.fill(template, filler)  # an unknown slot raises KeyError
