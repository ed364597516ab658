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
# Labels of fields that hold a person's name, in the languages of the name list's main countries.
FIELD_LABELS = {"name", "full_name", "fullname", "first_name", "firstname", "last_name", "lastname", "surname",
                "given_name", "family_name", "display_name", "customer_name", "contact_name", "reporter", "assignee",
                "author", "owner", "customer", "contact", "applicant", "patient", "employee", "recipient", "sender",
                "requester", "requested_by", "approver", "approved_by", "created_by", "signed_by", "holder",
                "cardholder", "account_holder", "passenger", "guest", "student", "nombre", "apellido", "apellidos",
                "nom", "prénom", "prenom", "vorname", "nachname", "cognome", "nome", "sobrenome", "naam",
                "voornaam", "achternaam", "imię", "imie", "nazwisko", "namn", "efternavn", "fornavn", "ad", "soyad",
                "jméno", "příjmení", "nume", "prenume", "etunimi", "sukunimi"}
_FIELD = re.compile(r"(?P<label>[^\W\d][\w -]{0,24}?)[\"']?\s*[:=]\s*[\"']?$")
STOP_CUES = {"best", "kind", "regards", "cheers", "thanks", "dear", "hi", "hello", "hey"}
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
_WORD = re.compile(r"[^\W\d_](?:[^\W\d_]|-[^\W\d_]|['’](?![sS]\b)[^\W\d_])*")  # O'Brien, Anne-Marie; not Anna's


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
    if not value or any(char.isdigit() for char in value) or "_" in value or "/" in value or "=" in value:
        return False
    words = _WORD.findall(value)
    if not words or re.search(r"(?:^|\s)-", value):  # a command's flag: "ping -c"
        return False
    first_is_stop = words[0].casefold() in stop_words()
    if first_is_stop and (not is_first_name(words[0]) or words[0].islower()
                          or len(words) > 1 and words[1].casefold() in stop_words()):
        return False
    if any(char.isupper() for char in value) and not value.isupper():
        return True
    parts = words[0].casefold().split("-")
    return is_first_name(parts[0]) and parts[0] not in COMMON_WORDS \
        and not any(part in _ENGLISH[0] for part in parts[1:])  # maria-gonzalez, not apollo-office


class _Words:
    """The words of a text with their offsets (a regex, not spaCy's tokens: `"Neves","Quadra` is two
    words), each with spaCy's part of speech where a spaCy token starts at the same character."""

    def __init__(self, text: str, doc, english: frozenset[str] = frozenset()):
        self.text, self.english_words = text, english
        self.spans = [(m.start(), m.end()) for m in _WORD.finditer(text)]
        self.pos = {token.idx: token.pos_ for token in doc} if doc is not None else {}
        self.stop = {token.idx for token in doc if token.is_stop} if doc is not None else set()
        self.lemma = {(token.idx, token.text): token.lemma_.casefold() for token in doc} if doc is not None else {}

    def __len__(self) -> int:
        return len(self.spans)

    def word(self, i: int) -> str:
        return self.text[slice(*self.spans[i])]

    def gap(self, i: int) -> str:
        """The characters between word i - 1 and word i."""
        return self.text[self.spans[i - 1][1]:self.spans[i][0]] if i > 0 else self.text[:self.spans[0][0]]

    def propn(self, i: int) -> bool:
        return self.pos.get(self.spans[i][0]) == "PROPN"

    def english(self, i: int) -> bool:
        """Whether word i is an English word, as written or as spaCy's lemma of it ("retries")."""
        word = self.word(i)
        lemma = self.lemma.get((self.spans[i][0], word), "")  # where spaCy's token is this very word
        folded = word.casefold()
        plural = folded[:-3] + "y" if folded.endswith("ies") else folded[:-1] if folded.endswith("s") else ""
        return bool({folded, lemma, plural} & self.english_words)

    def glued(self, i: int) -> bool:
        """Whether word i is part of an identifier: next to a digit or _, after a dot or before "(" or a dot
        and a letter (sha256, np.hamming, simpson(f), user_id)."""
        start, end = self.spans[i]
        before, after = self.text[start - 1:start], self.text[end:end + 2]
        return before.isdigit() or before in ("_", ".", "$", "%") or after[:1].isdigit() or after[:1] in ("_", "(") \
            or after[:1] == "." and after[1:2].isalpha()

    def is_stop(self, i: int) -> bool:
        return self.spans[i][0] in self.stop or self.word(i).casefold() in COMMON_WORDS


def _titled(word: str) -> bool:
    return word[:1].isupper() and not word.isupper()


def _surname_end(words: _Words, i: int, lowercase: bool = False, limit: int = 3, first_gap: str = " ") -> int:
    """Index after the surname words (and particles between them) that follow word i - 1 with a space
    (`first_gap` before the first): capitalised words (an all-caps one of 3+ letters too), or with
    `lowercase`, lowercase words that are no English or function word."""
    end, taken = i, 0
    while end < len(words) and taken < limit and words.gap(end) == (first_gap if end == i else " "):
        word = words.word(end)
        folded = word.casefold()
        if folded in PARTICLES and end + 1 < len(words) and words.gap(end + 1) == " " \
                and (_titled(words.word(end + 1)) or lowercase):
            end += 1
            continue
        if folded in CUES or words.is_stop(end):
            break
        if lowercase and word.islower() and len(word) >= 3 and not words.english(end) \
                or not lowercase and (_titled(word) or word.isupper() and len(word) >= 3):
            end, taken = end + 1, taken + 1
        else:
            break
    while end > i and words.word(end - 1).casefold() in PARTICLES:
        end -= 1
    return end


def _after_cue(words: _Words, i: int, strong: bool = False) -> bool:
    """Whether word i follows a cue word (with `strong`, only a greeting, thanks or address: a
    lowercase word after "for" or "with" is rarely a name), opens a chat line ("Anna: ...") or is
    a chat nick ("<anna>")."""
    line_start = i == 0 or "\n" in words.gap(i)
    after = words.text[words.spans[i][1]:words.spans[i][1] + 1]
    if line_start and after == ":" or words.gap(i).endswith("<") and after == ">":
        return True
    cues = STRONG_CUES if strong else CUES
    previous = [words.word(j).casefold() for j in range(max(0, i - 2), i)]
    return "@" in words.gap(i) or any(word in cues for word in previous)


def _after_field_label(words: _Words, i: int) -> bool:
    """Whether word i is the value of a field that holds a name: `Last name: `, `"last_name": "`, `owner=`."""
    before = words.text[max(0, words.spans[i][0] - 40):words.spans[i][0]]
    match = _FIELD.search(before)
    return bool(match) and re.sub(r"[\s_-]+", "_", match.group("label").casefold()) in FIELD_LABELS


def _given_name(words: _Words, i: int) -> bool:
    word = words.word(i)
    return is_first_name(word) and word.casefold() not in COMMON_WORDS and not words.is_stop(i)


class GivenNameRecognizer(EntityRecognizer):
    """PERSON from given names, surnames' shape, cues, field labels and titles (see the module docstring).
    `english`: English words in lowercase (spaCy's lemmatizer index), which a lone name must not be."""

    def __init__(self, english: frozenset[str] = frozenset()):
        super().__init__(supported_entities=["PERSON"], name="given_name_recognizer")
        self.english = english

    def load(self) -> None:
        first_names()

    def analyze(self, text, entities, nlp_artifacts=None):
        doc = getattr(nlp_artifacts, "tokens", None)
        words = _Words(text, doc, self.english)
        results, i = [], 0
        while i < len(words):
            found = self._name_at(words, i)
            if found:
                start, end, score = found
                results.append(self._result(words.spans[start][0], words.spans[end - 1][1], score))
                i = end
            else:
                i += 1
        for ent in doc.ents if doc is not None else ():
            if ent.label_ in ("ORG", "GPE", "NORP", "LOC", "FAC", "PRODUCT", "WORK_OF_ART") and len(ent) <= 4 \
                    and is_first_name(ent[0].text) and ent[0].text.casefold() not in COMMON_WORDS \
                    and all(_titled(t.text) and _WORD.fullmatch(t.text) or t.text.casefold() in PARTICLES for t in ent):
                results.append(self._result(ent.start_char, ent.end_char, 0.7))
        return results

    def _name_at(self, words: _Words, i: int) -> tuple[int, int, float] | None:
        """(start, end, score) of a name that starts at word i, or None."""
        word = words.word(i)
        if word.casefold() in TITLES and i + 1 < len(words):
            end = _surname_end(words, i + 1, limit=4, first_gap=words.gap(i + 1) if words.gap(i + 1) in (" ", ". ") else " ")
            if end > i + 1:
                return i + 1, end, 0.8
        if _titled(word) and _after_field_label(words, i):
            return i, _surname_end(words, i + 1), 0.75
        if i + 1 < len(words) and words.gap(i + 1) == ", " and _titled(word) and not _given_name(words, i) \
                and not words.english(i) and word.casefold() not in CUES | STOP_CUES \
                and _titled(words.word(i + 1)) and _given_name(words, i + 1):
            return i, _surname_end(words, i + 2), 0.7  # "Conway, Bronach"
        if _titled(word) and not words.glued(i) and _after_cue(words, i):
            end = _surname_end(words, i + 1)
            if end > i + 1 and not any(words.english(j) or words.is_stop(j) for j in range(i, end)):
                return i, end, 0.65  # "for Oluwaseun Adeyemi": a name from anywhere, after a cue
        if not _given_name(words, i) or words.glued(i):
            return None
        if _titled(word):
            end = _surname_end(words, i + 1)
            if end > i + 1 and not (words.english(i) and all(words.english(j) for j in range(i + 1, end))):
                return i, end, 0.75  # not "Max Retries", "Grace Period"
            if _after_cue(words, i):
                return i, i + 1, 0.65
            if not words.english(i) and words.propn(i):
                return i, i + 1, 0.55
            return None
        if word.islower() and len(word) >= 3 and not words.english(i):
            end = _surname_end(words, i + 1, lowercase=True)
            if end > i + 1 or words.propn(i) or _after_cue(words, i, strong=True) or _after_field_label(words, i):
                return i, end, 0.6
        return None

    def _result(self, start: int, end: int, score: float) -> RecognizerResult:
        return RecognizerResult("PERSON", start, end, score, analysis_explanation=AnalysisExplanation(self.name, score))


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
        start, value = start + lead.end(), value[lead.end():]
    value = value.rstrip(" \t.,;:)]}>\"'")
    return (start, start + len(value)) if value and plausible_person(value) else None


def spacy_name(words: _Words, start: int, end: int) -> tuple[int, int] | None:
    """A spaCy PERSON span checked against the words around it: trimmed (trimmed_name), without the
    English words it opens with ("Release Nimbus", "INFO db"), and dropped when what is left is one
    English word that is no given name, outside a name's context (a product: "Nomad", "Sphinx")."""
    span = trimmed_name(words.text, start, end)
    if span is None:
        return None
    inside = [i for i, (s, e) in enumerate(words.spans) if span[0] <= s and e <= span[1]]
    while len(inside) > 1 and words.english(inside[0]) and not is_first_name(words.word(inside[0])):
        inside.pop(0)
    if not inside:
        return None
    first = inside[0]
    in_context = _after_cue(words, first) or _after_field_label(words, first) \
        or first > 0 and words.word(first - 1).casefold() in TITLES
    if not in_context and all(words.english(i) for i in inside) \
            and (len(inside) > 1 or not is_first_name(words.word(first))):
        return None  # English words only: "Max Retries", a product "Nomad"
    return words.spans[first][0], span[1]


def checked_spacy_recognizer(english: frozenset[str] = frozenset()):
    """presidio's spaCy recognizer with each PERSON checked by spacy_name (`english`: see english_words)."""
    from presidio_analyzer.predefined_recognizers import SpacyRecognizer

    class CheckedSpacyRecognizer(SpacyRecognizer):
        def analyze(self, text, entities, nlp_artifacts=None):
            results, words = [], None
            for result in super().analyze(text, entities, nlp_artifacts):
                if result.entity_type == "PERSON":
                    words = words or _Words(text, getattr(nlp_artifacts, "tokens", None), english)
                    span = spacy_name(words, result.start, result.end)
                    if span is None:
                        continue
                    result.start, result.end = span
                results.append(result)
            return results

    return CheckedSpacyRecognizer()


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
