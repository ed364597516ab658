"""People's names that spaCy's small English model misses or mistakes, and task words it takes for names.

spaCy's small model knows English names in English sentences. It tags "Oluwaseun Adeyemi" as an
organisation, "Nguyễn Thị Mai" as nothing, and `runbook-db-failover` or a method `simpson` as a
person. Two pieces, both working on the spaCy document presidio already made:

- `NameRecognizer` (PERSON): a first name from a list of about 48,000 given names of 50-odd
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
from functools import lru_cache
from importlib import resources

from presidio_analyzer import AnalysisExplanation, EntityRecognizer, RecognizerResult

CUES = {"hi", "hello", "hey", "dear", "thanks", "thank", "thx", "ty", "cc", "from", "by", "ask", "tell", "ping",
        "contact", "assigned", "assignee", "owner", "user", "customer", "client", "patient", "name", "named",
        "called", "call", "email", "emailed", "mail", "met", "meet", "with", "regards", "cheers", "sincerely",
        "signed", "reporter", "author", "employee", "manager", "agent", "colleague", "@", "attn", "to", "for",
        "bonjour", "hallo", "hola", "ciao", "olá", "hej", "merci", "danke", "gracias", "grazie", "obrigado"}
STRONG_CUES = {"hi", "hello", "hey", "dear", "thanks", "thank", "thx", "ty", "cc", "ping", "attn", "@", "bonjour",
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
                        names.add(part.casefold())
    return frozenset(names)


def is_first_name(word: str) -> bool:
    return word.casefold() in first_names()


def plausible_person(value: str) -> bool:
    """False for what cannot be a person's name: an identifier or slug (lowercase with -, _, :, digits,
    dots) or a single lowercase word, unless it begins with a known given name."""
    value = value.strip()
    if not value or any(char.isdigit() for char in value) or "_" in value or "/" in value or "=" in value:
        return False
    words = _WORD.findall(value)
    if not words:
        return False
    if any(char.isupper() for char in value) and not value.isupper():
        return True
    return is_first_name(words[0].split("-")[0]) and words[0].casefold() not in COMMON_WORDS


def _titled(token) -> bool:
    text = token.text
    return text[:1].isupper() and not text.isupper() and _WORD.fullmatch(text) is not None


def _surname_end(doc, index: int, limit: int = 3) -> int:
    """Index after the capitalised surname words (and particles between them) that follow doc[index - 1]."""
    end, taken = index, 0
    while end < len(doc) and taken < limit:
        token = doc[end]
        if _titled(token) and token.text.casefold() not in COMMON_WORDS | CUES:
            end, taken = end + 1, taken + 1
        elif token.text.casefold() in PARTICLES and end + 1 < len(doc) and _titled(doc[end + 1]):
            end += 1
        else:
            break
    while end > index and doc[end - 1].text.casefold() in PARTICLES:
        end -= 1
    return end


def _after_cue(doc, index: int, strong: bool = False) -> bool:
    """Whether doc[index] follows a cue word (with `strong`, only a greeting, thanks or address: a
    lowercase word after "for" or "with" is rarely a name)."""
    cues = STRONG_CUES if strong else CUES
    previous = [t for t in doc[max(0, index - 2):index] if not t.is_punct or t.text in ("@",)]
    if index == 0 or doc[index - 1].text == "\n" or doc[index - 1].is_space:
        following = doc[index + 1] if index + 1 < len(doc) else None
        return following is not None and following.text == ":"  # "Anna: see you" opening a chat line
    return any(t.text.casefold().rstrip(".") in cues for t in previous)


class NameRecognizer(EntityRecognizer):
    """PERSON from given names, surnames' shape, cues and titles (see the module docstring)."""

    def __init__(self):
        super().__init__(supported_entities=["PERSON"], name="given_name_recognizer")

    def load(self) -> None:
        first_names()

    def analyze(self, text, entities, nlp_artifacts=None):
        doc = getattr(nlp_artifacts, "tokens", None)
        if doc is None:
            return []
        results, index = [], 0
        while index < len(doc):
            token = doc[index]
            word = token.text
            end, score = index, 0.0
            if word.casefold().rstrip(".") in TITLES and index + 1 < len(doc):
                start = index + 1 + (doc[index + 1].text == ".")
                end = _surname_end(doc, start)
                if end > start:
                    results.append(self._result(doc, start, end, 0.8))
                    index = end
                    continue
            if _WORD.fullmatch(word) and is_first_name(word) and word.casefold() not in COMMON_WORDS:
                if _titled(token):
                    end = _surname_end(doc, index + 1)
                    score = 0.75 if end > index + 1 else 0.0
                if not score and not token.is_stop and _after_cue(doc, index, strong=word.islower()) \
                        and (_titled(token) or word.islower()):
                    end, score = _surname_end(doc, index + 1), 0.65
            if score:
                results.append(self._result(doc, index, end, score))
                index = end
            else:
                index += 1
        for ent in doc.ents:
            if ent.label_ in ("ORG", "GPE", "NORP", "LOC", "FAC", "PRODUCT", "WORK_OF_ART") and len(ent) <= 4 \
                    and is_first_name(ent[0].text) and ent[0].text.casefold() not in COMMON_WORDS \
                    and all(_titled(t) or t.text.casefold() in PARTICLES for t in ent):
                results.append(self._result(doc, ent.start, ent.end, 0.7))
        return results

    def _result(self, doc, start: int, end: int, score: float) -> RecognizerResult:
        span = doc[start:end]
        return RecognizerResult("PERSON", span.start_char, span.end_char, score,
                                analysis_explanation=AnalysisExplanation(self.name, score))
