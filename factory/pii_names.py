"""People's names: what a given name is, what can be a name at all, and the words around them.

spaCy's small English model knows English names in English sentences. It tags "Oluwaseun
Adeyemi" as an organisation, "Nguyễn Thị Mai" as nothing, and `runbook-db-failover` or a method
`simpson` as a person. This module holds the knowledge the name finder (factory.pii_name_finder)
and the scrubber (factory.pii) judge with:

- `is_first_name(word)`: one of about 48,000 given names of 50-odd countries (the data file of
  the `gender-guesser` package, GNU FDL, read as data; compared without case or diacritics).
- `plausible_person(value)`: whether a PERSON finding can be a name at all. A slug or identifier
  (`runbook-db-failover`, `simpson`, `user_id`), a flag (`ping -c`) or words that open with a
  function word of one of 14 languages ("Il mio") are not, unless a slug starts with a given name
  and goes on with no English word (`maria-gonzalez`, not `apollo-office`).
- `english_words(nlp_engine)`: English words (spaCy's lemmatizer index, WordNet's), which a lone
  word must not be to count as a name; `named_version`: a product before its version number;
  `trimmed_name`: a spaCy span cut to the name (a CSV comma, a line break).
- The cue words, titles, field labels and name particles the finder reads.
- `code_identifier(text, start, end)`: whether a span is an identifier in code (an attribute, a
  call, a def/class name, camelCase, a JSON key, a tool call's function name, or any word in a
  fenced/inline code span or a text that is code, outside its comments and string literals:
  `# written by Maria Gonzalez` and `author = "Maria Gonzalez"` stay prose).

It finds nothing in a text itself and decides nothing about redaction.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from importlib import resources

CUES = {
    "todo",
    "fixme",
    "xxx",
    "hack",
    "hi",
    "hello",
    "hey",
    "dear",
    "thanks",
    "thank",
    "thx",
    "ty",
    "cc",
    "from",
    "by",
    "ask",
    "tell",
    "ping",
    "contact",
    "assigned",
    "assignee",
    "owner",
    "user",
    "customer",
    "client",
    "patient",
    "name",
    "named",
    "called",
    "call",
    "email",
    "emailed",
    "mail",
    "met",
    "meet",
    "with",
    "regards",
    "cheers",
    "sincerely",
    "signed",
    "reporter",
    "author",
    "employee",
    "manager",
    "agent",
    "colleague",
    "@",
    "attn",
    "to",
    "for",
    "bonjour",
    "hallo",
    "hola",
    "ciao",
    "olá",
    "hej",
    "merci",
    "danke",
    "gracias",
    "grazie",
    "obrigado",
}
STRONG_CUES = {
    "hi",
    "hello",
    "hey",
    "dear",
    "thanks",
    "thank",
    "thx",
    "ty",
    "cc",
    "ping",
    "attn",
    "@",
    "todo",
    "fixme",
    "xxx",
    "hack",
    "bonjour",
    "hallo",
    "hola",
    "ciao",
    "olá",
    "hej",
    "merci",
    "danke",
    "gracias",
    "grazie",
    "obrigado",
}
TITLES = {
    "mr",
    "mrs",
    "ms",
    "miss",
    "mx",
    "dr",
    "prof",
    "sir",
    "madam",
    "herr",
    "frau",
    "sr",
    "sra",
    "srta",
    "mme",
    "mlle",
    "m",
    "sig",
    "sig.ra",
    "dott",
    "dott.ssa",
    "pan",
    "pani",
    "dhr",
    "mevr",
    "fru",
    "hr",
}
# Labels of fields that hold a person's name, in the languages of the name list's main countries.
FIELD_LABELS = {
    "name",
    "full_name",
    "fullname",
    "first_name",
    "firstname",
    "last_name",
    "lastname",
    "surname",
    "given_name",
    "family_name",
    "display_name",
    "customer_name",
    "contact_name",
    "reporter",
    "assignee",
    "author",
    "owner",
    "customer",
    "contact",
    "applicant",
    "patient",
    "employee",
    "recipient",
    "sender",
    "requester",
    "requested_by",
    "approver",
    "approved_by",
    "created_by",
    "signed_by",
    "holder",
    "cardholder",
    "account_holder",
    "passenger",
    "guest",
    "student",
    "nombre",
    "apellido",
    "apellidos",
    "nom",
    "prénom",
    "prenom",
    "vorname",
    "nachname",
    "cognome",
    "nome",
    "sobrenome",
    "naam",
    "voornaam",
    "achternaam",
    "imię",
    "imie",
    "nazwisko",
    "namn",
    "efternavn",
    "fornavn",
    "ad",
    "soyad",
    "jméno",
    "příjmení",
    "nume",
    "prenume",
    "etunimi",
    "sukunimi",
}
FIELD_VALUE_BEFORE = re.compile(r"(?P<label>[^\W\d][\w -]{0,24}?)[\"']?\s*[:=]\s*[\"']?$")
STOP_CUES = {"best", "kind", "regards", "cheers", "thanks", "dear", "hi", "hello", "hey"}
PARTICLES = {
    "van",
    "von",
    "der",
    "den",
    "de",
    "del",
    "della",
    "di",
    "da",
    "das",
    "dos",
    "du",
    "la",
    "le",
    "bin",
    "binti",
    "ibn",
    "al",
    "el",
    "ter",
    "ten",
    "zu",
    "y",
    "e",
    "af",
    "mac",
    "st",
}
# Given names that are far more often a word in tech text than a name; a cue alone does not make them one.
COMMON_WORDS = {
    "will",
    "may",
    "june",
    "april",
    "august",
    "mark",
    "grant",
    "max",
    "page",
    "bill",
    "rose",
    "joy",
    "chase",
    "faith",
    "hope",
    "summer",
    "autumn",
    "dawn",
    "sky",
    "river",
    "art",
    "miles",
    "ray",
    "gene",
    "major",
    "king",
    "queen",
    "sunny",
    "storm",
    "lane",
    "don",
    "jean",
    "pat",
    "sandy",
    "ivy",
    "angel",
    "crystal",
    "amber",
    "pearl",
    "ruby",
    "jade",
    "cash",
    "bob",
    "jack",
    "sue",
    "penny",
    "frank",
    "earl",
    "guy",
    "hunter",
    "glen",
    "dale",
    "rich",
    "ben",
    "art",
    "tom",
    "said",
    "long",
    "young",
    "lee",
    "can",
    "an",
    "so",
    "ha",
    "ki",
    "in",
    "to",
    "is",
    "be",
    "do",
    "go",
    "no",
    "on",
    "or",
    "as",
    "at",
    "by",
    "it",
    "me",
    "my",
    "of",
    "up",
    "us",
    "we",
    "he",
    "al",
    "el",
    "la",
    "le",
    "de",
}
STOP_WORD_LANGUAGES = (
    "en",
    "de",
    "fr",
    "es",
    "it",
    "pt",
    "nl",
    "sv",
    "da",
    "pl",
    "tr",
    "cs",
    "ro",
    "fi",
)
WORD = re.compile(
    r"[^\W\d_](?:[^\W\d_]|-[^\W\d_]|['’](?![sS]\b)[^\W\d_])*"
)  # O'Brien, Anne-Marie; not Anna's


@lru_cache(maxsize=1)
def first_names() -> frozenset[str]:
    """The given names of gender-guesser's data file, casefolded (compound names as their first part)."""
    path = resources.files("gender_guesser") / "data" / "nam_dict.txt"
    names = set()
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            if line[:1] in "#=" or len(line) < 4:
                continue
            parts = line.split()
            if len(parts) >= 2:
                for part in parts[1].split("+"):
                    if len(part) >= 2:
                        names.add(_folded(part))
    return frozenset(names)


def _folded(word: str) -> str:
    """Casefolded without diacritics: the list writes Penélope, people write Pénélope or Penelope."""
    return "".join(
        char
        for char in unicodedata.normalize("NFKD", word.casefold())
        if not unicodedata.combining(char)
    )


def is_first_name(word: str) -> bool:
    """Whether `word` (or the first part of a hyphenated one: maria-gonzalez, Anne-Marie) is a given name."""
    folded = _folded(word)
    return folded in first_names() or "-" in folded and folded.split("-")[0] in first_names()


@lru_cache(maxsize=1)
def stop_words() -> frozenset[str]:
    """Function words of the languages whose names the finder knows (spaCy's lists, no model needed)."""
    import importlib

    words = set()
    for lang in STOP_WORD_LANGUAGES:
        words |= importlib.import_module(f"spacy.lang.{lang}.stop_words").STOP_WORDS
    return frozenset(word.casefold() for word in words)


def plausible_person(value: str) -> bool:
    """False for what cannot be a person's name: an identifier or slug (lowercase with -, _, :, digits,
    dots) or a single lowercase word, unless it begins with a known given name; words that open with a
    function word of some language ("Il mio", "Sie den Betrag", "te paso")."""
    value = value.strip()
    if (
        not value
        or any(char.isdigit() for char in value)
        or "_" in value
        or "/" in value
        or "=" in value
    ):
        return False
    words = WORD.findall(value)
    if not words or re.search(r"(?:^|\s)-", value):  # a command's flag: "ping -c"
        return False
    first_is_stop = words[0].casefold() in stop_words()
    if first_is_stop and (
        not is_first_name(words[0])
        or words[0].islower()
        or len(words) > 1
        and words[1].casefold() in stop_words()
    ):
        return False
    if any(char.isupper() for char in value) and not value.isupper():
        return True
    parts = words[0].casefold().split("-")
    return (
        is_first_name(parts[0])
        and parts[0] not in COMMON_WORDS
        and not any(part in _ENGLISH[0] for part in parts[1:])
    )  # maria-gonzalez, not apollo-office


_VERSION_AFTER = re.compile(r"[ \t]+v?\d+(?:\.\d+)+\b")


def named_version(text: str, end: int) -> bool:
    """Whether a version number follows: "Athena 8.22.21", "Jenkins v5.30" name software, not people."""
    return _VERSION_AFTER.match(text, end) is not None


def trimmed_name(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The part of a PERSON span that can be a name, or None: spaCy runs spans over a CSV comma
    ("81128,David Johnson") and across a line break ("Anne Holopainen\n+358"); both are cut off."""
    value = text[start:end]
    cut = value.find("\n")
    if cut >= 0:
        value = value[:cut]
    lead = re.match(r"[^\s]*[\d,;:=@#(\[{<\"'|/\\]+(?=[^\W\d_])", value)
    if lead:
        start, value = start + lead.end(), value[lead.end() :]
    value = value.rstrip(" \t.,;:)]}>\"'")
    return (start, start + len(value)) if value and plausible_person(value) else None


def english_words(nlp_engine) -> frozenset[str]:
    """English words in lowercase from the lemmatizer tables of presidio's spaCy model (WordNet's
    index: about 90,000 nouns, verbs, adjectives and adverbs); empty where the model has none."""
    try:
        index = nlp_engine.nlp["en"].get_pipe("lemmatizer").lookups.get_table("lemma_index")
    except (KeyError, ValueError, AttributeError):
        return frozenset()
    _ENGLISH[0] = frozenset(word for key in index.keys() for word in index[key])
    return _ENGLISH[0]


_ENGLISH: list[frozenset[str]] = [frozenset()]  # the last english_words(), for plausible_person


# --- code: identifiers are not people ------------------------------------------------------------------------------
# Prose inside code: comments (#, //) and string literals (triple-quoted first); a name there is still a name.
_CODE_PROSE = re.compile(
    r'"""[\s\S]*?(?:"""|$)|\'\'\'[\s\S]*?(?:\'\'\'|$)|#[^\n]*|//[^\n]*'
    r'|"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\''
)
_FENCE = re.compile(r"```[^\n`]*\n([\s\S]*?)(?:```|$)")
_INLINE = re.compile(r"(?<!`)`([^`\n]+)`(?!`)")
_CODE_LINE = re.compile(
    r"^\s*(?:def |class |async def |import |from \S+ import |@\w|return\b|if .*:$|for .*:$|"
    r"[A-Za-z_][\w.]*(?:\[[^\]]*\])?\s*[-+*/]?=[^=]|[A-Za-z_][\w.]*\(.*\)\s*$)"
)
_JSON_KEY_AFTER = re.compile(r'"\s*:')
_TOOL_NAME_BEFORE = re.compile(r'"name"\s*:\s*"$')
_TOOL_NAME_AFTER = re.compile(r'"\s*,\s*"(?:arguments|parameters|description)"\s*:')
_IDENTIFIER = re.compile(r"[A-Za-z_][\w.]*")


def _bare_code(text: str) -> bool:
    """Whether a text with no fences is itself code: most of its non-blank lines read as statements."""
    lines = [line for line in text.splitlines() if line.strip()]
    return len(lines) >= 2 and sum(1 for line in lines if _CODE_LINE.match(line)) * 2 >= len(lines)


@lru_cache(maxsize=256)
def code_spans(text: str) -> tuple[tuple[int, int], ...]:
    """The spans of `text` that are code outside its comments and string literals: fenced blocks, inline
    `code`, or the whole text where its lines read as code."""
    if "```" in text:
        regions = [m.span(1) for m in _FENCE.finditer(text)]
        regions += [
            m.span(1)
            for m in _INLINE.finditer(text)
            if not any(s <= m.start() < e for s, e in regions)
        ]
    else:
        regions = (
            [(0, len(text))] if _bare_code(text) else [m.span(1) for m in _INLINE.finditer(text)]
        )
    spans = []
    for start, end in regions:
        last = start
        for prose in _CODE_PROSE.finditer(text, start, end):
            spans.append((last, prose.start()))
            last = prose.end()
        spans.append((last, end))
    return tuple((s, e) for s, e in spans if e > s)


def code_identifier(text: str, start: int, end: int) -> bool:
    """Whether text[start:end] is used as a code identifier, not as a name: inside code (outside its
    comments and strings), an attribute or call (`integrate.simpson`, `simpson(`), a def/class name,
    camelCase starting lowercase, a JSON key (`"simpson":`), or a tool call's function name
    (`"name": "simpson", "arguments": ...`)."""
    value = text[start:end]
    before, after = text[max(0, start - 40) : start], text[end : end + 40]
    if not _IDENTIFIER.fullmatch(value):
        return any(s <= start and end <= e for s, e in code_spans(text)) and "\n" not in value
    attribute = re.search(r"(\w+)\.$", before)
    if (
        attribute
        and attribute.group(1).casefold() not in TITLES
        or after.startswith("(")
        or re.match(r"\.[A-Za-z_]", after)
        or re.search(r"\bdef\s+$", before)
        or re.search(r"\bclass\s+$", before)
        and re.match(r"\s*[:(]", after)
        or value[:1].islower()
        and re.search(r"[a-z][A-Z]", value)
    ):
        return True
    if before.endswith('"') and (
        _JSON_KEY_AFTER.match(after)
        or _TOOL_NAME_BEFORE.search(before)
        and _TOOL_NAME_AFTER.match(after)
    ):
        return True
    return any(s <= start and end <= e for s, e in code_spans(text))
