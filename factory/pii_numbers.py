"""Phone numbers and payment-card numbers of every country and brand, as presidio recognizers.

presidio's own recognizers miss what real logs hold: its card pattern knows a few brands and
lengths (no 12-, 15- or 19-digit Maestro, JCB, UnionPay or long Visa numbers), and its phone
recognizer asks `phonenumbers` for a handful of regions. These two find candidates with one
cheap regex each and let well-kept code decide:

- `WorldPhoneRecognizer`: a run of digits with the separators people use (spaces, dots, dashes,
  slashes, parentheses, a leading `+` or `00`, an extension) is parsed by `phonenumbers`: with
  its own country code when it has one, else for each of REGIONS. A number valid there is a
  PHONE_NUMBER: 0.75 with a country code, 0.6 when written with phone-like grouping, 0.3 as a
  bare run of digits (an order number looks the same), which context words ("call", "phone",
  "tel", ...) lift above the threshold. Dates, times, versions, IPv4 addresses and card numbers
  are never taken for phones.
- `AnyCardRecognizer`: 12 to 19 digits, in groups or not, that pass the Luhn check and start with
  an issuer prefix that exists (Visa, Mastercard, Amex, Discover, Diners, JCB, UnionPay,
  Maestro, Mir, RuPay, ...; not UATP's 1: every epoch time in milliseconds starts with it): 0.8 when grouped like a card, 0.55 as bare digits, more with
  context words. Luhn-valid digits with no known prefix are not cards.

- `AnyIbanRecognizer`: IBANs of every country, validated by python-stdnum (presidio's pattern lets a
  following word join the number and then rejects the whole: "the IBAN CZ09 7390 ... must be").

It finds no other entity and does not redact (factory.pii does both).
"""

from __future__ import annotations

import re

from presidio_analyzer import AnalysisExplanation, EntityRecognizer, RecognizerResult

# Countries whose national formats are tried for a number written without a country code: the
# regions of the languages and markets a team is likely to log, not one locale.
REGIONS = (
    "US",
    "GB",
    "DE",
    "FR",
    "ES",
    "IT",
    "NL",
    "BE",
    "CH",
    "AT",
    "SE",
    "NO",
    "DK",
    "FI",
    "PL",
    "PT",
    "BR",
    "MX",
    "AR",
    "CO",
    "IN",
    "AU",
    "NZ",
    "IE",
    "ZA",
    "NG",
    "KE",
    "JP",
    "KR",
    "CN",
    "SG",
    "PH",
    "VN",
    "TR",
    "RU",
    "UA",
    "CZ",
    "RO",
    "GR",
    "IL",
    "AE",
    "SA",
    "EG",
    "CA",
)

PHONE_CONTEXT = [
    "phone",
    "telephone",
    "tel",
    "mobile",
    "cell",
    "call",
    "called",
    "calling",
    "text",
    "sms",
    "whatsapp",
    "contact",
    "reach",
    "fax",
    "hotline",
    "dial",
    "ring",
    "landline",
    "telefon",
    "telefono",
    "téléphone",
    "handy",
    "portable",
    "móvil",
    "celular",
]
CARD_CONTEXT = [
    "card",
    "credit",
    "debit",
    "visa",
    "mastercard",
    "amex",
    "maestro",
    "jcb",
    "unionpay",
    "discover",
    "diners",
    "payment",
    "pay",
    "paid",
    "charge",
    "charged",
    "cc",
    "pan",
    "billing",
    "expiry",
    "cvv",
    "karte",
    "carte",
    "tarjeta",
]

_PHONE_CANDIDATE = re.compile(
    r"(?<![\w+/.@#-])(?<!\d:)"
    r"(?:\+|00)?\(?\d(?:[\d().-]| (?=[\d(])|/(?=\d)){5,24}\d"
    r"(?:[ ,]*(?i:ext\.?|extension|x|#) ?\d{1,6})?"
    r"(?![\w/@-]|\.\d|:\d)"
)
_EXTENSION = re.compile(r"[ ,]*(?i:ext\.?|extension|x|#) ?\d{1,6}$")
_DATE_OR_TIME = re.compile(
    r"^\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|^\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}$|\d{1,2}:\d{2}"
)
# an IPv4 address (alone, or beside a count or port: "ping -c 5 10.0.0.5"), a decimal, a year-prefixed id
# (2024-098985), a US SSN's shape, an access log's status and size, a day and a year ("Jan 15 2025")
_NOT_A_PHONE = re.compile(
    r"^(?:\d+ )?\d{1,3}(?:\.\d{1,3}){3}(?:$| )|^\d+[.,]\d{1,2}$|^(?:19|20)\d\d-\d+$"
    r"|^\d{3}([- ])\d\d\1\d{4}$|^[1-5]\d\d \d+$|^[0-3]?\d (?:19|20)\d\d$"
)
_SEPARATED = re.compile(r"[\s().\-/]")

_CARD_CANDIDATE = re.compile(r"(?<![\w.+/-])\d(?:[ -]?\d){11,18}(?![\w/]|[.-]\d)")
# (prefix range low, high, digits of the prefix) per issuer, from the brands' published IIN ranges.
_ISSUER_PREFIXES = [
    ("4", "4"),  # Visa (13, 16, 19 digits)
    ("51", "55"),
    ("2221", "2720"),  # Mastercard
    ("34", "34"),
    ("37", "37"),  # American Express (15)
    ("6011", "6011"),
    ("644", "649"),
    ("65", "65"),  # Discover
    ("300", "305"),
    ("36", "36"),
    ("38", "39"),  # Diners Club
    ("35", "35"),
    ("2131", "2131"),
    ("1800", "1800"),  # JCB (16-19; 15 digits under 2131 and 1800)
    ("62", "62"),
    ("81", "81"),  # UnionPay
    ("50", "50"),
    ("56", "69"),
    ("0604", "0604"),  # Maestro (12-19)
    ("2200", "2204"),  # Mir
    ("60", "60"),
    ("652", "652"),  # RuPay
]


def _result(recognizer, entity: str, start: int, end: int, score: float) -> RecognizerResult:
    """A finding with the explanation presidio's context enhancer writes its supporting word into."""
    return RecognizerResult(
        entity, start, end, score, analysis_explanation=AnalysisExplanation(recognizer.name, score)
    )


def luhn_ok(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def card_issuer_known(digits: str) -> bool:
    return any(low <= digits[: len(low)] <= high for low, high in _ISSUER_PREFIXES)


def _is_card(digits: str) -> bool:
    return 12 <= len(digits) <= 19 and luhn_ok(digits) and card_issuer_known(digits)


def _grouped_like_a_card(text: str) -> bool:
    groups = re.split(r"[ -]", text)
    return len(groups) >= 3 and all(3 <= len(g) <= 6 for g in groups)


class AnyCardRecognizer(EntityRecognizer):
    """CREDIT_CARD: Luhn-valid 12-19 digit numbers with a real issuer prefix (see module docstring)."""

    def __init__(self):
        super().__init__(
            supported_entities=["CREDIT_CARD"], name="card_number_recognizer", context=CARD_CONTEXT
        )

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


def _phone_kind(candidate: str) -> tuple[str, bool]:
    """("valid" | "possible" | "", written with a country code). A number with its country code
    needs only a possible length for that country (real numbers outrun the library's ranges)."""
    import phonenumbers

    number = _EXTENSION.sub("", candidate).replace("(0)", "")
    international = number.startswith(("+", "00"))
    regions = (None,) if international else REGIONS
    if number.startswith("00"):
        number = "+" + number[2:]
    possible = False
    for region in regions:
        try:
            parsed = phonenumbers.parse(number, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(parsed):
            return "valid", international
        possible = possible or phonenumbers.is_possible_number(parsed)
    return ("possible" if possible else ""), international


def _phone_score(candidate: str) -> float:
    """0 for what is no phone number; else the confidence (see the module docstring)."""
    kind, international = _phone_kind(candidate)
    separated = bool(_SEPARATED.search(_EXTENSION.sub("", candidate)))
    if international:
        return 0.75 if kind else 0.0
    if kind == "valid":
        return 0.6 if separated else 0.5 if candidate.startswith("0") else 0.3
    return 0.45 if kind == "possible" and separated else 0.0


def _looks_like_something_else(candidate: str) -> bool:
    bare = _EXTENSION.sub("", candidate).strip()
    digits = re.sub(r"\D", "", bare)
    if bare.startswith(("+", "00")):
        return len(digits) < 7
    if re.fullmatch(r"\d+(?:\.\d+)+", bare) and any(len(group) > 4 for group in bare.split(".")):
        return True  # a version or build number (10.0.20171.2427): dotted phone groups are short
    return bool(
        _DATE_OR_TIME.search(bare)
        or _NOT_A_PHONE.match(bare)
        or _is_card(digits)
        or len(digits) < 6
        or bare.count("(") != bare.count(")")
    )


class WorldPhoneRecognizer(EntityRecognizer):
    """PHONE_NUMBER: numbers valid in their own or one of REGIONS' numbering plans (module docstring)."""

    def __init__(self):
        super().__init__(
            supported_entities=["PHONE_NUMBER"],
            name="phone_number_recognizer",
            context=PHONE_CONTEXT,
        )

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
            score = _phone_score(candidate)
            if score:
                results.append(_result(self, "PHONE_NUMBER", start, start + len(candidate), score))
        return results


_IBAN_CANDIDATE = re.compile(
    r"(?<![\w-])[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?(?![\w-])"
    r"|(?<![\w-])[A-Z]{2}\d{2}(?: ?[A-Z0-9]{1,4}){3,9}"
)


class AnyIbanRecognizer(EntityRecognizer):
    """IBAN_CODE: a country code, check digits and groups, the longest run of them that python-stdnum
    validates (the country's length and format, the mod-97 checksum); spaced or not, any country."""

    def __init__(self):
        super().__init__(supported_entities=["IBAN_CODE"], name="iban_recognizer")

    def load(self) -> None:
        pass

    def analyze(self, text, entities, nlp_artifacts=None):
        from stdnum import iban

        results, taken_until = [], -1
        for match in _IBAN_CANDIDATE.finditer(text):
            if match.start() < taken_until:
                continue
            groups = match.group().split(" ")
            for count in range(
                len(groups), 0, -1
            ):  # "DE89 3704 0044 0532 0130 00 2 days": the checksum decides
                candidate = " ".join(groups[:count])
                if len(candidate.replace(" ", "")) >= 15 and iban.is_valid(candidate):
                    results.append(
                        _result(
                            self, "IBAN_CODE", match.start(), match.start() + len(candidate), 1.0
                        )
                    )
                    taken_until = match.start() + len(candidate)
                    break
        return results
