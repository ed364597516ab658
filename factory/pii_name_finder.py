"""Find people's names in a text, as presidio recognizers (PERSON), with factory.pii_names' knowledge
and factory.pii_words' cue tables.

- `GivenNameRecognizer`: a given name written as a name and followed by surname-shaped words
  (capitalised, or all-caps, with particles: van der, de la, bin, ...) is a person: 0.75. Also
  a name after a cue ("Hi Anna", "thanks, Anna", "cc", "for", `TODO(anna)`, "Anna:" opening a chat
  line, a `<nick>`), 0.65; the value of a field that holds a name (`Last name:`, `"last_name": "`,
  `Reporter:`), 0.75; capitalised words after a title (Mr, Dr, Frau, Sra, Dott, ...), 0.8;
  "Conway, Bronach", 0.7; two capitalised words after a cue with no English word among them, from
  any origin ("for Oluwaseun Adeyemi"), 0.65; a lowercase given name that is no English word in
  chat ("hey jakub", "valeria or dirk caspar"), 0.6; a lone capitalised given name that spaCy
  tags as a proper noun and is no English word, 0.55. spaCy's organisation or place spans that
  start with a given name become persons too.
- `checked_spacy_recognizer`: presidio's spaCy recognizer whose PERSON spans are trimmed to the
  name and dropped where no name can be (see `spacy_name`).

Words are read with a regex (`"Neves","Quadra` is two words), with spaCy's part of speech and
lemma where a spaCy token is the same word. It does not find surnames alone with no cue, names
in scripts other than Latin, or addresses; it decides nothing about redaction (factory.pii does).
"""

from __future__ import annotations

import re

from presidio_analyzer import AnalysisExplanation, EntityRecognizer, RecognizerResult

from factory.pii_names import WORD, first_names, is_first_name, trimmed_name
from factory.pii_words import (
    COMMON_WORDS,
    CUES,
    FIELD_LABELS,
    FIELD_VALUE_BEFORE,
    PARTICLES,
    STOP_CUES,
    STRONG_CUES,
    TITLES,
)


class _Words:
    """The words of a text with their offsets (a regex, not spaCy's tokens: `"Neves","Quadra` is two
    words), each with spaCy's part of speech where a spaCy token starts at the same character."""

    def __init__(self, text: str, doc, english: frozenset[str] = frozenset()):
        self.text, self.english_words = text, english
        self.spans = [(m.start(), m.end()) for m in WORD.finditer(text)]
        self.pos = {token.idx: token.pos_ for token in doc} if doc is not None else {}
        self.stop = {token.idx for token in doc if token.is_stop} if doc is not None else set()
        self.lemma = (
            {(token.idx, token.text): token.lemma_.casefold() for token in doc}
            if doc is not None
            else {}
        )

    def __len__(self) -> int:
        return len(self.spans)

    def word(self, i: int) -> str:
        return self.text[slice(*self.spans[i])]

    def gap(self, i: int) -> str:
        """The characters between word i - 1 and word i."""
        return (
            self.text[self.spans[i - 1][1] : self.spans[i][0]]
            if i > 0
            else self.text[: self.spans[0][0]]
        )

    def propn(self, i: int) -> bool:
        return self.pos.get(self.spans[i][0]) == "PROPN"

    def english(self, i: int) -> bool:
        """Whether word i is an English word, as written or as spaCy's lemma of it ("retries")."""
        word = self.word(i)
        lemma = self.lemma.get(
            (self.spans[i][0], word), ""
        )  # where spaCy's token is this very word
        folded = word.casefold()
        plural = (
            folded[:-3] + "y"
            if folded.endswith("ies")
            else folded[:-1]
            if folded.endswith("s")
            else ""
        )
        return bool({folded, lemma, plural} & self.english_words)

    def glued(self, i: int) -> bool:
        """Whether word i is part of an identifier: next to a digit or _, after a dot or before "(" or a dot
        and a letter (sha256, np.hamming, simpson(f), user_id)."""
        start, end = self.spans[i]
        before, after = self.text[start - 1 : start], self.text[end : end + 2]
        return (
            before.isdigit()
            or before in ("_", ".", "$", "%")
            or after[:1].isdigit()
            or after[:1] in ("_", "(")
            or after[:1] == "."
            and after[1:2].isalpha()
        )

    def is_stop(self, i: int) -> bool:
        return self.spans[i][0] in self.stop or self.word(i).casefold() in COMMON_WORDS


def _titled(word: str) -> bool:
    return word[:1].isupper() and not word.isupper()


def _surname_end(
    words: _Words, i: int, lowercase: bool = False, limit: int = 3, first_gap: str = " "
) -> int:
    """Index after the surname words (and particles between them) that follow word i - 1 with a space
    (`first_gap` before the first): capitalised words (an all-caps one of 3+ letters too), or with
    `lowercase`, lowercase words that are no English or function word."""
    end, taken = i, 0
    while end < len(words) and taken < limit and words.gap(end) == (first_gap if end == i else " "):
        word = words.word(end)
        folded = word.casefold()
        if (
            folded in PARTICLES
            and end + 1 < len(words)
            and words.gap(end + 1) == " "
            and (_titled(words.word(end + 1)) or lowercase)
        ):
            end += 1
            continue
        if folded in CUES or words.is_stop(end):
            break
        if (
            lowercase
            and word.islower()
            and len(word) >= 3
            and not words.english(end)
            or not lowercase
            and (_titled(word) or word.isupper() and len(word) >= 3)
        ):
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
    after = words.text[words.spans[i][1] : words.spans[i][1] + 1]
    if line_start and after == ":" or words.gap(i).endswith("<") and after == ">":
        return True
    cues = STRONG_CUES if strong else CUES
    previous = [words.word(j).casefold() for j in range(max(0, i - 2), i)]
    return "@" in words.gap(i) or any(word in cues for word in previous)


def _after_field_label(words: _Words, i: int) -> bool:
    """Whether word i is the value of a field that holds a name: `Last name: `, `"last_name": "`, `owner=`."""
    before = words.text[max(0, words.spans[i][0] - 40) : words.spans[i][0]]
    match = FIELD_VALUE_BEFORE.search(before)
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
            if (
                ent.label_ in ("ORG", "GPE", "NORP", "LOC", "FAC", "PRODUCT", "WORK_OF_ART")
                and len(ent) <= 4
                and is_first_name(ent[0].text)
                and ent[0].text.casefold() not in COMMON_WORDS
                and all(
                    _titled(t.text) and WORD.fullmatch(t.text) or t.text.casefold() in PARTICLES
                    for t in ent
                )
            ):
                results.append(self._result(ent.start_char, ent.end_char, 0.7))
        return results

    def _name_at(self, words: _Words, i: int) -> tuple[int, int, float] | None:
        """(start, end, score) of a name that starts at word i, or None."""
        word = words.word(i)
        if word.casefold() in TITLES and i + 1 < len(words):
            end = _surname_end(
                words,
                i + 1,
                limit=4,
                first_gap=words.gap(i + 1) if words.gap(i + 1) in (" ", ". ") else " ",
            )
            if end > i + 1:
                return i + 1, end, 0.8
        if _titled(word) and _after_field_label(words, i):
            return i, _surname_end(words, i + 1), 0.75
        if (
            i + 1 < len(words)
            and words.gap(i + 1) == ", "
            and _titled(word)
            and not _given_name(words, i)
            and not words.english(i)
            and word.casefold() not in CUES | STOP_CUES
            and _titled(words.word(i + 1))
            and _given_name(words, i + 1)
        ):
            return i, _surname_end(words, i + 2), 0.7  # "Conway, Bronach"
        if _titled(word) and not words.glued(i) and _after_cue(words, i):
            end = _surname_end(words, i + 1)
            if end > i + 1 and not any(words.english(j) or words.is_stop(j) for j in range(i, end)):
                return i, end, 0.65  # "for Oluwaseun Adeyemi": a name from anywhere, after a cue
        if not _given_name(words, i) or words.glued(i):
            return None
        if _titled(word):
            end = _surname_end(words, i + 1)
            if end > i + 1 and not (
                words.english(i) and all(words.english(j) for j in range(i + 1, end))
            ):
                return i, end, 0.75  # not "Max Retries", "Grace Period"
            if _after_cue(words, i):
                return i, i + 1, 0.65
            if not words.english(i) and words.propn(i):
                return i, i + 1, 0.55
            return None
        if word.islower() and len(word) >= 3 and not words.english(i):
            end = _surname_end(words, i + 1, lowercase=True)
            if (
                end > i + 1
                or words.propn(i)
                or _after_cue(words, i, strong=True)
                or _after_field_label(words, i)
            ):
                return i, end, 0.6
        return None

    def _result(self, start: int, end: int, score: float) -> RecognizerResult:
        return RecognizerResult(
            "PERSON", start, end, score, analysis_explanation=AnalysisExplanation(self.name, score)
        )


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
    in_context = (
        _after_cue(words, first)
        or _after_field_label(words, first)
        or first > 0
        and words.word(first - 1).casefold() in TITLES
    )
    if (
        not in_context
        and all(words.english(i) for i in inside)
        and (len(inside) > 1 or not is_first_name(words.word(first)))
    ):
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
