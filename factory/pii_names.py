"""People's names: what a given name is and what can be a name at all.

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

The word lists and cue tables are data in factory.pii_words; whether a span is an identifier in
code is factory.pii_code.

It finds nothing in a text itself and decides nothing about redaction.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from importlib import resources

from factory.pii_words import COMMON_WORDS, STOP_WORD_LANGUAGES

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
