"""People's names that spaCy's small English model misses or mistakes, and task words it takes for names.

spaCy's small model knows English names in English sentences. It tags "Oluwaseun Adeyemi" as an
organisation, "Nguyễn Thị Mai" as nothing, and `runbook-db-failover` or a method `simpson` as a
person. Two pieces, both working on the spaCy document presidio already made:

- `GivenNameRecognizer` (PERSON): a first name from a list of about 48,000 given names of 50-odd
  countries (the data file of the `gender-guesser` package, GNU FDL, read as data) written as a
  name (capitalised, or a whole-word match right after a cue word), followed by capitalised
  surname words (with particles: van der, de la, bin, ...), is a person: 0.75. A first name alone
  is a person only after a cue ("Hi Anna", "thanks, Anna", "cc Anna", "Anna:" opening a chat
  line), 0.65. A title (Mr, Dr, Frau, Sra, ...) before capitalised words makes them a name, 0.8.
  spaCy's organisation or place spans that start with a known first name become persons too.
- `plausible_person(value)`: whether a PERSON finding can be a name at all. A slug or identifier
  (`runbook-db-failover`, `simpson`, `user_id`) is not, unless it starts with a known first name
  (`maria-gonzalez` is). factory.pii drops the findings that fail it, whichever recognizer made them.

It does not find surnames alone, names in scripts other than Latin, or lowercase full names with
no cue; it decides nothing about redaction (factory.pii does).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from importlib import resources

from presidio_analyzer import AnalysisExplanation, EntityRecognizer, RecognizerResult

CUES = {"todo", "fixme", "xxx", "hack", "hi", "hello", "hey", "dear", "thanks", "thank", "thx", "ty", "cc", "from", "by", "ask", "tell", "ping",
        "contact", "assigned", "assignee", "owner", "user", "customer", "client", "patient", "name", "named",
        "called", "call", "email", "emailed", "mail", "met", "meet", "with", "regards", "cheers", "sincerely",
        "signed", "reporter", "author", "employee", "manager", "agent", "colleague", "@", "attn", "to", "for",
        "bonjour", "hallo", "hola", "ciao", "olá", "hej", "merci", "danke", "gracias", "grazie", "obrigado"}
STRONG_CUES = {"hi", "hello", "hey", "dear", "thanks", "thank", "thx", "ty", "cc", "ping", "attn", "@", "todo", "fixme",
               "xxx", "hack", "bonjour",
               "hallo", "hola", "ciao", "olá", "hej", "merci", "danke", "gracias", "grazie", "obrigado"}
TITLES = {"mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sir", "madam", "herr", "frau", "sr", "sra", "srta",
          "mme", "mlle", "m", "sig", "sig.ra", "dott", "dott.ssa", "pan", "pani", "dhr", "mevr", "fru", "hr"}
PARTICLES = {"van", "von", "der", "den", "de", "del", "della", "di", "da", "das", "dos", "du", "la", "le",
             "bin", "binti", "ibn", "al", "el", "ter", "ten", "zu", "y", "e", "af", "mac", "st"}
# Given names that are far more often a word in tech text than a name; a cue alone does not make them one.
COMMON_WORDS = {"will", "may", "june", "april", "august", "mark", "grant", "max", "page", "bill", "rose", "joy",
                "chase", "faith", "hope", "summer", "autumn", "dawn", "sky", "river", "art", "miles", "ray",
                "gene", "major", "king", "queen", "sunny", "storm", "lane", "don", "jean", "pat", "sandy", "ivy",
                "angel", "crystal", "amber", "pearl", "ruby", "jade", "cash", "bob", "jack", "sue", "penny",
                "frank", "earl", "guy", "hunter", "glen", "dale", "rich", "ben", "art", "tom", "said", "long",
                "young", "lee", "can", "an", "so", "ha", "ki", "in", "to", "is", "be", "do", "go", "no", "on", "or",
                "as", "at", "by", "it", "me", "my", "of", "up", "us", "we", "he", "al", "el", "la", "le", "de"}
STOP_WORD_LANGUAGES = ("en", "de", "fr", "es", "it", "pt", "nl", "sv", "da", "pl", "tr", "cs", "ro", "fi")
_WORD = re.compile(r"[^\W\d_](?:[^\W\d_]|['’-][^\W\d_])*")


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
    return "".join(char for char in unicodedata.normalize("NFKD", word.casefold()) if not unicodedata.combining(char))


def is_first_name(word: str) -> bool:
    return _folded(word) in first_names()


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
    if not value or any(char.isdigit() for char in value) or "_" in value or "/" in value or "=" in value:
        return False
    words = _WORD.findall(value)
    if not words or re.search(r"(?:^|\s)-", value):  # a command's flag: "ping -c"
        return False
    first_is_stop = words[0].casefold() in stop_words()
    if first_is_stop and (not is_first_name(words[0]) or len(words) == 1 and words[0].islower()
                          or len(words) > 1 and words[1].casefold() in stop_words()):
        return False
    if any(char.isupper() for char in value) and not value.isupper():
        return True
    return is_first_name(words[0].split("-")[0]) and words[0].casefold() not in COMMON_WORDS


class _Words:
    """The words of a text with their offsets (a regex, not spaCy's tokens: `"Neves","Quadra` is two
    words), each with spaCy's part of speech where a spaCy token starts at the same character."""

    def __init__(self, text: str, doc):
        self.text = text
        self.spans = [(m.start(), m.end()) for m in _WORD.finditer(text)]
        self.pos = {token.idx: token.pos_ for token in doc} if doc is not None else {}
        self.stop = {token.idx for token in doc if token.is_stop} if doc is not None else set()

    def __len__(self) -> int:
        return len(self.spans)

    def word(self, i: int) -> str:
        return self.text[slice(*self.spans[i])]

    def gap(self, i: int) -> str:
        """The characters between word i - 1 and word i."""
        return self.text[self.spans[i - 1][1]:self.spans[i][0]] if i > 0 else self.text[:self.spans[0][0]]

    def propn(self, i: int) -> bool:
        return self.pos.get(self.spans[i][0]) == "PROPN"

    def is_stop(self, i: int) -> bool:
        return self.spans[i][0] in self.stop or self.word(i).casefold() in COMMON_WORDS


def _titled(word: str) -> bool:
    return word[:1].isupper() and not word.isupper()


def _surname_end(words: _Words, i: int, lowercase: bool = False, limit: int = 3) -> int:
    """Index after the surname words (and particles between them) that follow word i - 1 with a space:
    capitalised words (an all-caps one of 3+ letters too), or with `lowercase`, lowercase proper nouns."""
    end, taken = i, 0
    while end < len(words) and taken < limit and words.gap(end) == " ":
        word = words.word(end)
        folded = word.casefold()
        if folded in PARTICLES and end + 1 < len(words) and words.gap(end + 1) == " " \
                and (_titled(words.word(end + 1)) or lowercase):
            end += 1
            continue
        if folded in CUES or words.is_stop(end):
            break
        if lowercase and word.islower() and words.propn(end) \
                or not lowercase and (_titled(word) or word.isupper() and len(word) >= 3):
            end, taken = end + 1, taken + 1
        else:
            break
    while end > i and words.word(end - 1).casefold() in PARTICLES:
        end -= 1
    return end


def _after_cue(words: _Words, i: int, strong: bool = False) -> bool:
    """Whether word i follows a cue word (with `strong`, only a greeting, thanks or address: a
    lowercase word after "for" or "with" is rarely a name), or opens a chat line ("Anna: ...")."""
    line_start = i == 0 or "\n" in words.gap(i)
    if line_start and words.text[words.spans[i][1]:words.spans[i][1] + 1] == ":":
        return True
    cues = STRONG_CUES if strong else CUES
    previous = [words.word(j).casefold() for j in range(max(0, i - 2), i)]
    return "@" in words.gap(i) or any(word in cues for word in previous)


def _given_name(words: _Words, i: int) -> bool:
    word = words.word(i)
    return is_first_name(word) and word.casefold() not in COMMON_WORDS and not words.is_stop(i)


class GivenNameRecognizer(EntityRecognizer):
    """PERSON from given names, surnames' shape, cues and titles (see the module docstring)."""

    def __init__(self):
        super().__init__(supported_entities=["PERSON"], name="given_name_recognizer")

    def load(self) -> None:
        first_names()

    def analyze(self, text, entities, nlp_artifacts=None):
        doc = getattr(nlp_artifacts, "tokens", None)
        words = _Words(text, doc)
        results, i = [], 0
        while i < len(words):
            found = self._name_at(words, i)
            if found:
                end, score = found
                results.append(self._result(words.spans[i][0], words.spans[end - 1][1], score))
                i = end
            else:
                i += 1
        for ent in doc.ents if doc is not None else ():
            if ent.label_ in ("ORG", "GPE", "NORP", "LOC", "FAC", "PRODUCT", "WORK_OF_ART") and len(ent) <= 4 \
                    and is_first_name(ent[0].text) and ent[0].text.casefold() not in COMMON_WORDS \
                    and all(_titled(t.text) and _WORD.fullmatch(t.text) or t.text.casefold() in PARTICLES for t in ent):
                results.append(self._result(ent.start_char, ent.end_char, 0.7))
        return results

    def _name_at(self, words: _Words, i: int) -> tuple[int, float] | None:
        """(end, score) of a name starting at word i, or None."""
        word = words.word(i)
        if word.casefold() in TITLES and i + 1 < len(words) and words.gap(i + 1) in (" ", ". "):
            end = _surname_end(words, i + 1, limit=4)
            if end > i + 1:
                return end, 0.8  # the title itself is redacted with the name: "Dr <PERSON_1>" would do too
        if not _given_name(words, i):
            return None
        if _titled(word):
            end = _surname_end(words, i + 1)
            if end > i + 1:
                return end, 0.75
            if i >= 1 and words.gap(i) == ", " and _titled(words.word(i - 1)) and not is_first_name(words.word(i - 1)):
                return None  # "Conway, Bronach": the surname first; spaCy or the cue rule may still take it
            return (i + 1, 0.65) if _after_cue(words, i) else None
        if word.islower():
            end = _surname_end(words, i + 1, lowercase=True) if len(word) >= 4 and words.propn(i) else i + 1
            if end > i + 1 or _after_cue(words, i, strong=True):
                return end, 0.6
        return None

    def _result(self, start: int, end: int, score: float) -> RecognizerResult:
        return RecognizerResult("PERSON", start, end, score, analysis_explanation=AnalysisExplanation(self.name, score))


def trimmed_name(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The part of a PERSON span that can be a name, or None: spaCy runs spans over a CSV comma
    ("81128,David Johnson") and across a line break ("Anne Holopainen\n+358"); both are cut off."""
    value = text[start:end]
    cut = value.find("\n")
    if cut >= 0:
        value = value[:cut]
    lead = re.match(r"[^\s]*[\d,;:=@#(\[{<\"'|/\\]+(?=[^\W\d_])", value)
    if lead:
        start, value = start + lead.end(), value[lead.end():]
    value = value.rstrip(" \t.,;:)]}>\"'")
    return (start, start + len(value)) if value and plausible_person(value) else None


def checked_spacy_recognizer():
    """presidio's spaCy recognizer with each PERSON trimmed to its name and dropped where it cannot be one."""
    from presidio_analyzer.predefined_recognizers import SpacyRecognizer

    class CheckedSpacyRecognizer(SpacyRecognizer):
        def analyze(self, text, entities, nlp_artifacts=None):
            results = []
            for result in super().analyze(text, entities, nlp_artifacts):
                if result.entity_type == "PERSON":
                    span = trimmed_name(text, result.start, result.end)
                    if span is None:
                        continue
                    result.start, result.end = span
                results.append(result)
            return results

    return CheckedSpacyRecognizer()
