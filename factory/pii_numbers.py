"""Phone numbers and payment-card numbers of every country and brand, as presidio recognizers.

presidio's own recognizers miss what real logs hold: its card pattern knows a few brands and
lengths (no 12-, 15- or 19-digit Maestro, JCB, UnionPay or long Visa numbers), and its phone
recognizer asks `phonenumbers` for a handful of regions. These two find candidates with one
cheap regex each and let well-kept code decide:

- `PhoneRecognizer`: a run of digits with the separators people use (spaces, dots, dashes,
  slashes, parentheses, a leading `+` or `00`, an extension) is parsed by `phonenumbers`: with
  its own country code when it has one, else for each of REGIONS. A number valid there is a
  PHONE_NUMBER: 0.75 with a country code, 0.6 when written with phone-like grouping, 0.3 as a
  bare run of digits (an order number looks the same), which context words ("call", "phone",
  "tel", ...) lift above the threshold. Dates, times, versions, IPv4 addresses and card numbers
  are never taken for phones.
- `CardRecognizer`: 12 to 19 digits, in groups or not, that pass the Luhn check and start with
  an issuer prefix that exists (Visa, Mastercard, Amex, Discover, Diners, JCB, UnionPay,
  Maestro, Mir, RuPay, ...): 0.8 when grouped like a card, 0.55 as bare digits, more with
  context words. Luhn-valid digits with no known prefix are not cards.

It finds no other entity and does not redact (factory.pii does both).
"""

from __future__ import annotations

import re

from presidio_analyzer import AnalysisExplanation, EntityRecognizer, RecognizerResult

# Countries whose national formats are tried for a number written without a country code: the
# regions of the languages and markets a team is likely to log, not one locale.
REGIONS = ("US", "GB", "DE", "FR", "ES", "IT", "NL", "BE", "CH", "AT", "SE", "NO", "DK", "FI", "PL",
           "PT", "BR", "MX", "AR", "CO", "IN", "AU", "NZ", "IE", "ZA", "NG", "KE", "JP", "KR", "CN",
           "SG", "PH", "VN", "TR", "RU", "UA", "CZ", "RO", "GR", "IL", "AE", "SA", "EG", "CA")

PHONE_CONTEXT = ["phone", "telephone", "tel", "mobile", "cell", "call", "called", "calling", "text", "sms",
                 "whatsapp", "contact", "reach", "number", "fax", "hotline", "dial", "ring", "landline",
                 "telefon", "telefono", "téléphone", "handy", "portable", "móvil", "celular"]
CARD_CONTEXT = ["card", "credit", "debit", "visa", "mastercard", "amex", "maestro", "jcb", "unionpay",
                "discover", "diners", "payment", "pay", "paid", "charge", "charged", "cc", "pan", "billing",
                "expiry", "cvv", "karte", "carte", "tarjeta"]

_PHONE_CANDIDATE = re.compile(
    r"(?<![\w+/.:@#-])"
    r"(?:\+|00)?\(?\d(?:[\d().-]| (?=[\d(])|/(?=\d)){5,24}\d"
    r"(?:[ ,]*(?:ext\.?|extension|x|#) ?\d{1,6})?"
    r"(?![\w/@-]|\.\d|:\d)")
_EXTENSION = re.compile(r"[ ,]*(?:ext\.?|extension|x|#) ?\d{1,6}$")
_DATE_OR_TIME = re.compile(r"^\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|^\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}$|\d{1,2}:\d{2}")
_VERSION_OR_IP = re.compile(r"^\d{1,3}(?:\.\d{1,3}){2,3}$")
_SEPARATED = re.compile(r"[\s().\-/]")

_CARD_CANDIDATE = re.compile(r"(?<![\w.+/-])\d(?:[ -]?\d){11,18}(?![\w/]|[.-]\d)")
# (prefix range low, high, digits of the prefix) per issuer, from the brands' published IIN ranges.
_ISSUER_PREFIXES = [
    ("4", "4"),                       # Visa (13, 16, 19 digits)
    ("51", "55"), ("2221", "2720"),   # Mastercard
    ("34", "34"), ("37", "37"),       # American Express (15)
    ("6011", "6011"), ("644", "649"), ("65", "65"),  # Discover
    ("300", "305"), ("36", "36"), ("38", "39"),      # Diners Club
    ("3528", "3589"),                 # JCB
    ("62", "62"), ("81", "81"),       # UnionPay
    ("50", "50"), ("56", "69"),       # Maestro (12-19)
    ("2200", "2204"),                 # Mir
    ("60", "60"), ("652", "652"),     # RuPay
    ("1", "1"),                       # UATP (15)
]


def _result(recognizer, entity: str, start: int, end: int, score: float) -> RecognizerResult:
    """A finding with the explanation presidio's context enhancer writes its supporting word into."""
    return RecognizerResult(entity, start, end, score,
                            analysis_explanation=AnalysisExplanation(recognizer.name, score))


def luhn_ok(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def card_issuer_known(digits: str) -> bool:
    return any(low <= digits[:len(low)] <= high for low, high in _ISSUER_PREFIXES)


def _is_card(digits: str) -> bool:
    return 12 <= len(digits) <= 19 and luhn_ok(digits) and card_issuer_known(digits)


def _grouped_like_a_card(text: str) -> bool:
    groups = re.split(r"[ -]", text)
    return len(groups) >= 3 and all(3 <= len(g) <= 6 for g in groups)


class CardRecognizer(EntityRecognizer):
    """CREDIT_CARD: Luhn-valid 12-19 digit numbers with a real issuer prefix (see module docstring)."""

    def __init__(self):
        super().__init__(supported_entities=["CREDIT_CARD"], name="card_number_recognizer", context=CARD_CONTEXT)

    def load(self) -> None:
        pass

    def analyze(self, text, entities, nlp_artifacts=None):
        results = []
        for match in _CARD_CANDIDATE.finditer(text):
            digits = re.sub(r"\D", "", match.group())
            if _is_card(digits):
                score = 0.8 if _grouped_like_a_card(match.group()) else 0.55
                results.append(_result(self, "CREDIT_CARD", match.start(), match.end(), score))
        return results


def _phone_valid(candidate: str) -> tuple[bool, bool]:
    """(valid somewhere, written with its country code)."""
    import phonenumbers

    number = _EXTENSION.sub("", candidate)
    international = number.startswith(("+", "00"))
    if international:
        number = "+" + number[2:] if number.startswith("00") else number
        try:
            return phonenumbers.is_valid_number(phonenumbers.parse(number, None)), True
        except phonenumbers.NumberParseException:
            return False, True
    for region in REGIONS:
        try:
            if phonenumbers.is_valid_number(phonenumbers.parse(number, region)):
                return True, False
        except phonenumbers.NumberParseException:
            continue
    return False, False


def _looks_like_something_else(candidate: str) -> bool:
    bare = _EXTENSION.sub("", candidate).strip()
    digits = re.sub(r"\D", "", bare)
    return bool(_DATE_OR_TIME.search(bare) or _VERSION_OR_IP.match(bare) or _is_card(digits)
                or len(digits) < 6 or bare.count("(") != bare.count(")"))


class PhoneRecognizer(EntityRecognizer):
    """PHONE_NUMBER: numbers valid in their own or one of REGIONS' numbering plans (module docstring)."""

    def __init__(self):
        super().__init__(supported_entities=["PHONE_NUMBER"], name="phone_number_recognizer", context=PHONE_CONTEXT)

    def load(self) -> None:
        pass

    def analyze(self, text, entities, nlp_artifacts=None):
        results = []
        for match in _PHONE_CANDIDATE.finditer(text):
            candidate = match.group().rstrip(" .-/")
            start = match.start()
            if candidate.startswith("(") and candidate.count("(") > candidate.count(")"):
                candidate, start = candidate[1:], start + 1
            if _looks_like_something_else(candidate):
                continue
            valid, international = _phone_valid(candidate)
            if not valid:
                continue
            score = 0.75 if international else 0.6 if _SEPARATED.search(candidate) else 0.3
            results.append(_result(self, "PHONE_NUMBER", start, start + len(candidate), score))
        return results
