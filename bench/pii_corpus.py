"""A labelled PII evaluation corpus, generated deterministically from a seed (Faker + templates here).

`generate(n, n_clean, seed)` returns `n` texts with planted personal data and `n_clean` texts
that hold none but look like it, each a dict
`{"id", "text", "entities": [{"type", "start", "end", "value", "detail"}], "genre", "locale", "clean"}`
where `text[start:end] == value`. Planted types: PERSON, PHONE_NUMBER, CREDIT_CARD, IBAN_CODE,
IP_ADDRESS, EMAIL_ADDRESS, US_SSN and LOCATION (street addresses and cities; optional for a
scrubber). `detail` says which variant was planted (the name style, the phone format, the card
brand and length, v4/v6...). Personal texts come from templates of nine genres (chat, log, ticket,
shell, tool_json, code_comment, email, csv, form) filled by Faker in LOCALES; phone numbers come
from our own per-country formats (not from `phonenumbers`, which a recognizer may use) and from
Faker; cards from Faker and from our own Luhn generator for every length 12-19. Clean texts
(REM keys and queries, bash, code, tool-call JSON, versions, hashes, UUIDs, dates, IDs, hosts,
method names like `simpson`) measure false positives. It does not run any scrubber
(bench/pii_recall.py does). The corpus is written to a file only when asked:

    .venv/bin/python bench/pii_corpus.py [--n 2000] [--n-clean 500] [--seed 0] [--write corpus.jsonl]
"""

from __future__ import annotations

import argparse
import hashlib
import ipaddress
import json
import random
import re
import sys
import unicodedata
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from pii_corpus_templates import CLEAN_TEMPLATES, PII_TEMPLATES, WORDS  # noqa: E402

# locale -> (phone region key in PHONE_FORMATS, names romanized)
LOCALES = {
    "en_US": "US",
    "en_GB": "GB",
    "de_DE": "DE",
    "fr_FR": "FR",
    "es_ES": "ES",
    "it_IT": "IT",
    "pt_BR": "BR",
    "nl_NL": "NL",
    "pl_PL": "PL",
    "sv_SE": "SE",
    "tr_TR": "TR",
    "vi_VN": "VN",
    "en_IN": "IN",
    "cs_CZ": "CZ",
    "fi_FI": "FI",
    "da_DK": "DK",
    "ro_RO": "RO",
    "pt_PT": "PT",
    "en_AU": "AU",
    "en_IE": "IE",
    "ja_JP": "JP",
}
ROMANIZED = {"ja_JP"}  # names through first_romanized_name / last_romanized_name
# Faker locales whose iban() is of their own country; the others borrow one of these
IBAN_LOCALES = [
    "de_DE",
    "fr_FR",
    "es_ES",
    "it_IT",
    "nl_NL",
    "pl_PL",
    "pt_PT",
    "cs_CZ",
    "fi_FI",
    "da_DK",
    "ro_RO",
    "en_GB",
    "tr_TR",
    "no_NO",
    "en_IE",
    "pt_BR",
]

# region -> (country code, trunk prefix, national patterns: groups split by spaces; N = 2-9, X = 0-9)
PHONE_FORMATS = {
    "US": ("1", "", ["NXX NXX XXXX"]),
    "GB": (
        "44",
        "0",
        [
            "20 7XXX XXXX",
            "20 8XXX XXXX",
            "7NXX XXXXXX",
            "161 NXX XXXX",
            "131 NXX XXXX",
            "117 NXX XXXX",
        ],
    ),
    "DE": (
        "49",
        "0",
        ["30 NXXXXXXX", "89 NXXXXXX", "15N XXXXXXXX", "17N XXXXXXX", "40 NXXXXXXX", "221 NXXXXXX"],
    ),
    "FR": ("33", "0", ["1 XX XX XX XX", "6 XX XX XX XX", "7 XX XX XX XX", "4 XX XX XX XX"]),
    "ES": ("34", "", ["6XX XXX XXX", "91X XXX XXX", "93X XXX XXX"]),
    "IT": ("39", "", ["3NX XXX XXXX", "02 NXXX XXXX", "06 NXXX XXXX"]),
    "BR": ("55", "0", ["11 9XXXX XXXX", "21 9XXXX XXXX", "11 3XXX XXXX", "31 NXXX XXXX"]),
    "NL": ("31", "0", ["6 NXXXXXXX", "20 NXX XXXX", "10 NXX XXXX"]),
    "PL": ("48", "", ["50X XXX XXX", "60X XXX XXX", "79X XXX XXX", "22 NXX XX XX"]),
    "SE": ("46", "0", ["8 NXX XXX XX", "70 NXX XX XX", "73 NXX XX XX", "31 NXX XX XX"]),
    "TR": ("90", "0", ["53X XXX XX XX", "54X XXX XX XX", "212 NXX XX XX", "312 NXX XX XX"]),
    "VN": ("84", "0", ["9X XXX XX XX", "3X XXX XXXX", "28 NXXX XXXX"]),
    "IN": ("91", "0", ["9XXXX XXXXX", "8XXXX XXXXX", "7XXXX XXXXX", "11 NXXX XXXX"]),
    "CZ": ("420", "", ["60X XXX XXX", "77X XXX XXX", "2NX XXX XXX"]),
    "FI": ("358", "0", ["40 NXX XXXX", "50 NXX XXXX", "9 NXXX XXXX"]),
    "DK": ("45", "", ["2X XX XX XX", "3X XX XX XX", "4X XX XX XX"]),
    "RO": ("40", "0", ["72X XXX XXX", "74X XXX XXX", "21 NXX XXXX"]),
    "PT": ("351", "", ["91X XXX XXX", "93X XXX XXX", "21X XXX XXX"]),
    "AU": ("61", "0", ["4XX XXX XXX", "2 NXXX XXXX", "3 NXXX XXXX"]),
    "IE": ("353", "0", ["8N XXX XXXX", "1 NXX XXXX"]),
    "JP": ("81", "0", ["90 XXXX XXXX", "80 XXXX XXXX", "3 NXXX XXXX"]),
}
# length -> issuer prefixes (Maestro, Visa, Diners, Amex/JCB 15, Mastercard/Discover/JCB, UnionPay)
CARD_PREFIXES = {
    12: ["6759", "5018", "6304"],
    13: ["4"],
    14: ["36", "38", "300", "305"],
    15: ["34", "37", "2131", "1800"],
    16: ["51", "53", "55", "2221", "2720", "6011", "65", "3528", "4", "62"],
    17: ["6759", "5018", "6304"],
    18: ["6759", "5020", "6304"],
    19: ["4", "6011", "62", "6759", "3528"],
}
FAKER_CARDS = [
    "visa13",
    "visa16",
    "visa19",
    "mastercard",
    "amex",
    "discover",
    "jcb15",
    "jcb16",
    "diners",
    "maestro",
]
SLOT = re.compile(r"\{([a-z][a-z0-9_]*)\}")
LITERAL = {"http_code"}  # `{word}` in a template that is text, not a slot (curl -w '%{http_code}')


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, d in enumerate(reversed(digits)):
        n = int(d) * (2 if i % 2 else 1)
        total += n - 9 if n > 9 else n
    return total % 10 == 0


def luhn_card(rng: random.Random, length: int, prefix: str) -> str:
    body = prefix + "".join(rng.choice("0123456789") for _ in range(length - len(prefix) - 1))
    return next(body + d for d in "0123456789" if luhn_ok(body + d))


def format_card(digits: str, rng: random.Random) -> str:
    sep = rng.choice([" ", "-", "", " "])
    if len(digits) == 15 and digits[:2] in ("34", "37"):
        groups = [digits[:4], digits[4:10], digits[10:]]
    elif len(digits) == 14:
        groups = [digits[:4], digits[4:10], digits[10:]]
    else:
        groups = [digits[i : i + 4] for i in range(0, len(digits), 4)]
    return sep.join(groups)


def ascii_fold(text: str) -> str:
    text = (
        text.replace("ł", "l")
        .replace("Ł", "L")
        .replace("ß", "ss")
        .replace("đ", "d")
        .replace("Đ", "D")
    )
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


class Filler:
    """Slot values for one text: personal ones return (type, value, detail), the rest a plain string."""

    def __init__(self, fakers: dict, rng: random.Random, locale: str):
        self.fakers, self.rng, self.locale, self.fake = fakers, rng, locale, fakers[locale]
        self.person = None  # (first, last) of this text, so an e-mail can match the name

    def _name(self) -> tuple[str, str]:
        if self.person is None:
            fake = self.fake
            if self.locale in ROMANIZED:
                self.person = (fake.first_romanized_name(), fake.last_romanized_name())
            else:
                self.person = (fake.first_name(), fake.last_name())
        return self.person

    def _new_name(self) -> tuple[str, str]:
        self.person = None
        return self._name()

    # --- personal data ---------------------------------------------------------------------------
    def name(self):
        first, last = self._new_name()
        return "PERSON", f"{first} {last}", "first_last"

    def name_any(self):
        first, last = self._new_name()
        style = self.rng.choice(
            ["first_last", "first_last", "last_comma_first", "first", "last", "lower", "upper_last"]
        )
        value = {
            "first_last": f"{first} {last}",
            "last_comma_first": f"{last}, {first}",
            "first": first,
            "last": last,
            "lower": f"{first} {last}".lower(),
            "upper_last": f"{first} {last.upper()}",
        }[style]
        return "PERSON", value, style

    def first(self):
        return "PERSON", self._new_name()[0], "first"

    def first_lc(self):
        return "PERSON", self._new_name()[0].lower(), "first_lower"

    def last(self):
        return "PERSON", self._name()[1], "last"

    def same_first(self):
        return "PERSON", self._name()[0], "first"

    def title(self):  # a title before a last name; the title is not part of the span
        return self.rng.choice(
            [
                "Dr.",
                "Mr.",
                "Ms.",
                "Mrs.",
                "Prof.",
                "Herr",
                "Frau",
                "Mme",
                "Sr.",
                "Sra.",
                "Dott.",
                "Pan",
            ]
        )

    def email(self):
        first, last = self._name()
        kind = self.rng.choice(["faker", "faker_free", "faker_company", "dotted", "initial"])
        if kind == "faker":
            value = self.fake.email()
        elif kind == "faker_free":
            value = self.fake.free_email()
        elif kind == "faker_company":
            value = self.fake.company_email()
        else:
            given, family = (
                ascii_fold(first).lower().replace(" ", ""),
                ascii_fold(last).lower().replace(" ", "").replace("'", ""),
            )
            local = (
                f"{given}.{family}"
                if kind == "dotted"
                else f"{given[:1]}{family}{self.rng.randint(1, 99)}"
            )
            value = f"{local}@{self.rng.choice(WORDS['mail_domains'])}"
        return "EMAIL_ADDRESS", ascii_fold(value), kind

    def phone(self):
        if self.rng.random() < 0.3:
            return "PHONE_NUMBER", self.fake.phone_number(), "faker"
        region = (
            LOCALES[self.locale]
            if self.rng.random() < 0.8
            else self.rng.choice(list(PHONE_FORMATS))
        )
        cc, trunk, patterns = PHONE_FORMATS[region]
        groups = [
            "".join(
                self.rng.choice("23456789")
                if c == "N"
                else self.rng.choice("0123456789")
                if c == "X"
                else c
                for c in group
            )
            for group in self.rng.choice(patterns).split()
        ]
        sep = self.rng.choice([" ", " ", "-", "."])
        style = self.rng.choice(
            ["intl", "intl", "intl_compact", "intl00", "national", "national", "national_compact"]
            + (["intl_trunk"] if trunk else [])
            + (["national_paren"] if trunk or region in ("US", "ES", "IT") else [])
        )
        if style == "intl":
            value = f"+{cc} " + sep.join(groups)
        elif style == "intl_compact":
            value = f"+{cc}" + "".join(groups)
        elif style == "intl00":
            value = f"00{cc} " + " ".join(groups)
        elif style == "intl_trunk":
            value = f"+{cc} (0){groups[0]} " + " ".join(groups[1:])
        elif style == "national_paren":
            value = f"({trunk}{groups[0]}) " + (sep if sep != "." else " ").join(groups[1:])
        elif style == "national_compact":
            value = trunk + "".join(groups)
        else:
            value = trunk + sep.join(groups)
        if self.rng.random() < 0.12:
            value += self.rng.choice([" ext. ", " ext ", " x", " Ext. ", "x"]) + str(
                self.rng.randint(2, 9999)
            )
            style += "+ext"
        return "PHONE_NUMBER", value, f"{region}:{style}"

    def card(self):
        if self.rng.random() < 0.4:
            brand = self.rng.choice(FAKER_CARDS)
            digits = self.fakers["en_US"].credit_card_number(card_type=brand)
        else:
            length = self.rng.randint(12, 19)
            brand = "luhn"
            digits = luhn_card(self.rng, length, self.rng.choice(CARD_PREFIXES[length]))
        return "CREDIT_CARD", format_card(digits, self.rng), f"{brand}:{len(digits)}"

    def iban(self):
        own = self.locale in IBAN_LOCALES and self.rng.random() < 0.7
        locale = self.locale if own else self.rng.choice(IBAN_LOCALES)
        value = self.fakers[locale].iban()
        if self.rng.random() < 0.5:
            value = " ".join(value[i : i + 4] for i in range(0, len(value), 4))
            return "IBAN_CODE", value, f"{value[:2]}:spaced"
        return "IBAN_CODE", value, f"{value[:2]}:compact"

    def ip(self):
        return self.rng.choice([self.ip4, self.ip4, self.ip6])()

    def ip4(self):
        private = self.rng.random() < 0.3
        return "IP_ADDRESS", self.fake.ipv4_private() if private else self.fake.ipv4_public(), "v4"

    def ip6(self):
        value = self.fake.ipv6()
        if self.rng.random() < 0.5:  # the compressed form with ::
            words = value.split(":")
            words[2:5] = ["0", "0", "0"]
            value = str(ipaddress.IPv6Address(":".join(words)))
            return "IP_ADDRESS", value, "v6:compressed"
        return "IP_ADDRESS", value, "v6"

    def ssn(self):
        value = self.fakers["en_US"].ssn()
        if self.rng.random() < 0.2:
            return "US_SSN", value.replace("-", " "), "spaced"
        return "US_SSN", value, "dashed"

    def address(self):
        return "LOCATION", re.sub(r"\s*\n\s*", ", ", self.fake.address()), "address"

    def street(self):
        return "LOCATION", re.sub(r"\s*\n\s*", ", ", self.fake.street_address()), "street"

    def city(self):
        return "LOCATION", self.fake.city(), "city"

    # --- plain fillers (never personal) ------------------------------------------------------------
    def plain(self, slot: str) -> str:
        r = self.rng
        if slot in WORDS:
            return r.choice(WORDS[slot])
        if slot == "num":
            return str(r.randint(2, 99999))
        if slot == "small":
            return str(r.choice([1, 3, 5, 10, 20, 50]))
        if slot == "digit":
            return str(r.randint(1, 5))
        if slot == "port":
            return str(
                r.choice(
                    [22, 80, 443, 5432, 6379, 8000, 8080, 8443, 9090, 27017, r.randint(1024, 65535)]
                )
            )
        if slot == "status":
            return str(
                r.choice(
                    [200, 201, 204, 301, 302, 400, 401, 403, 404, 409, 422, 429, 500, 502, 503, 504]
                )
            )
        if slot == "ver":
            return f"{r.randint(0, 12)}.{r.randint(0, 30)}.{r.randint(0, 40)}"
        if slot == "winver":  # four parts, one above 255: not an IPv4 address
            return f"10.0.{r.randint(10240, 26100)}.{r.randint(1, 4000)}"
        if slot == "date":
            return f"20{r.randint(19, 26)}-{r.randint(1, 12):02d}-{r.randint(1, 28):02d}"
        if slot == "time":
            return f"{r.randint(0, 23):02d}:{r.randint(0, 59):02d}:{r.randint(0, 59):02d}"
        if slot == "ts":
            return f"{self.plain('date')}T{self.plain('time')}.{r.randint(0, 999):03d}Z"
        if slot == "epoch":
            return str(r.randint(1_500_000_000, 1_800_000_000) * (1000 if r.random() < 0.4 else 1))
        if slot == "uuid":
            return "%08x-%04x-4%03x-%04x-%012x" % (
                r.getrandbits(32),
                r.getrandbits(16),
                r.getrandbits(12),
                0x8000 | r.getrandbits(14),
                r.getrandbits(48),
            )
        if slot == "sha":
            return "%07x" % r.getrandbits(28) if r.random() < 0.6 else "%040x" % r.getrandbits(160)
        if slot == "sha256":
            return "%064x" % r.getrandbits(256)
        if slot == "hex":
            return "%x" % r.getrandbits(r.choice([16, 24, 32]))
        if slot == "order":
            return r.choice(["ORD-{}-{:06d}", "PO-{}-{:06d}", "INV-{}-{:05d}", "#{}{:05d}"]).format(
                r.randint(2019, 2026), r.randint(1, 99999)
            )
        if slot == "longid":  # 12-19 digits that fail the Luhn check: an ID, not a card
            digits = str(r.randint(1, 9)) + "".join(
                r.choice("0123456789") for _ in range(r.randint(11, 18))
            )
            return digits if not luhn_ok(digits) else digits[:-1] + str((int(digits[-1]) + 1) % 10)
        if slot == "size":
            return r.choice(
                [
                    f"{r.randint(1, 999)}{u}"
                    for u in ("K", "M", "G", "KB", "MB", "GB", " MiB", " bytes")
                ]
            )
        if slot == "ms":
            return str(r.randint(1, 5000))
        if slot == "pct":
            return str(r.randint(1, 100))
        if slot == "mode":
            return r.choice(["755", "644", "600", "700", "+x", "u+rw", "0440"])
        if slot == "host":
            return f"{r.choice(WORDS['svc'])}-{r.randint(1, 12):02d}.{r.choice(['internal', 'prod.local', 'eu-west-1', 'lan', 'corp'])}"
        if slot == "key":
            return r.choice(["{}-{}-{}", "{}:{}-{}", "{}-{}-{}", "{}-{}"]).format(
                *r.sample(WORDS["keyword"], 3)
            )
        if slot == "pid":
            return str(r.randint(100, 65000))
        raise KeyError(f"unknown slot {{{slot}}}")


def fill(template: str, filler: Filler) -> tuple[str, list[dict]]:
    """The template with its slots filled; personal values become entity spans."""
    parts, entities, position, last = [], [], 0, 0
    for match in SLOT.finditer(template):
        if match.group(1) in LITERAL:
            continue
        parts.append(template[last : match.start()])
        position += match.start() - last
        method = getattr(filler, match.group(1), None)
        value = method() if callable(method) else filler.plain(match.group(1))
        if isinstance(value, tuple):
            kind, value, detail = value
            value = value.strip()
            entities.append(
                {
                    "type": kind,
                    "start": position,
                    "end": position + len(value),
                    "value": value,
                    "detail": detail,
                }
            )
        parts.append(value)
        position += len(value)
        last = match.end()
    parts.append(template[last:])
    return "".join(parts), entities


def make_fakers(seed: int) -> dict:
    from faker import Faker

    fakers = {}
    for i, locale in enumerate(sorted(set(LOCALES) | set(IBAN_LOCALES))):
        fakers[locale] = Faker(locale)
        fakers[locale].seed_instance(seed * 1000 + i)
    return fakers


def generate(n: int = 2000, n_clean: int = 500, seed: int = 0) -> list[dict]:
    """`n` personal texts (locales and genres in turn) then `n_clean` clean ones, the same for the same seed."""
    rng, fakers, locales = random.Random(seed), make_fakers(seed), list(LOCALES)
    genres, clean_genres = sorted(PII_TEMPLATES), sorted(CLEAN_TEMPLATES)
    corpus = []
    for i in range(n + n_clean):
        clean = i >= n
        locale = locales[i % len(locales)]
        genre = (
            clean_genres[i % len(clean_genres)]
            if clean
            else genres[(i // len(locales)) % len(genres)]
        )
        template = rng.choice((CLEAN_TEMPLATES if clean else PII_TEMPLATES)[genre])
        text, entities = fill(template, Filler(fakers, rng, locale))
        if clean:
            assert not entities, template
            locale = "-"
        corpus.append(
            {
                "id": hashlib.sha1(f"{seed}:{i}:{text}".encode()).hexdigest()[:12],
                "text": text,
                "entities": entities,
                "genre": genre,
                "locale": locale,
                "clean": clean,
            }
        )
    return corpus


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000, help="texts with personal data")
    parser.add_argument("--n-clean", type=int, default=500, help="texts without personal data")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--write", type=Path, help="write the corpus here as JSON Lines")
    parser.add_argument("--show", type=int, default=0, help="print this many texts of each genre")
    args = parser.parse_args()
    corpus = generate(args.n, args.n_clean, args.seed)
    counts: dict[str, int] = {}
    for item in corpus:
        for entity in item["entities"]:
            counts[entity["type"]] = counts.get(entity["type"], 0) + 1
    print(
        f"{sum(not c['clean'] for c in corpus)} personal texts, {sum(c['clean'] for c in corpus)} clean; planted: "
        + ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
    )
    shown: dict[str, int] = {}
    for item in corpus:
        if shown.get(item["genre"], 0) < args.show:
            shown[item["genre"]] = shown.get(item["genre"], 0) + 1
            print(f"[{item['genre']}/{item['locale']}] {item['text']!r}")
    if args.write:
        args.write.write_text(
            "".join(json.dumps(item, ensure_ascii=False) + "\n" for item in corpus)
        )
        print(f"wrote {args.write}")


if __name__ == "__main__":
    main()
