"""The text a recipe puts in every input (its prompt template), found in the data, so leakage checks compare what varies.

A templated recipe (code_tests: "Write pytest tests for the function `f` of module `m`. ... use
plain pytest (tmp_path is the only fixture you may use), no network ...") shares long runs of
words across all its inputs. Those runs say nothing about whether one record was copied from
another, yet a 13-gram or an embedding of the whole input sees them first.

- `Template.of(records)`: the word 6-grams (TEMPLATE_GRAM) present in at least TEMPLATE_SHARE of
  the seed groups (records of one `seed_id` count once; a record without one is its own group)
  and in at least TEMPLATE_MIN_GROUPS of them. Derived from the data, no recipe hook: a text two
  or three records share is a copy, a text a fifth of all seed groups share is the recipe's.
  Past TEMPLATE_SAMPLE groups, an evenly spaced sample of them (by sorted group id) is counted.
- `template.covered(text)`: per word (`\\w+`, case-folded), whether a template 6-gram covers it.
- `template.content(text)`: the text with every template run cut out (what the embedding compares).
- `template.ngrams(text, n)`: the n-grams of words none of which is template (what the n-gram check compares).
It does not decide what a leak is (factory.export.split.find_leaks does) and reads no recipe.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Iterable

TEMPLATE_GRAM = (
    6  # a run shorter than this is a phrase, not a template (and may carry the request's intent)
)
TEMPLATE_SHARE = (
    0.2  # of the seed groups: two prompt templates (code_tests' tester and coder) each pass it
)
TEMPLATE_MIN_GROUPS = 3  # two groups sharing a text is a copy, never a template
TEMPLATE_SAMPLE = 5000  # seed groups counted at most

_WORD = re.compile(r"\w+")


def _words(text: str) -> list[re.Match]:
    return list(_WORD.finditer(text))


def _grams(words: list[str], n: int) -> set[tuple[str, ...]]:
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


class Template:
    def __init__(self, grams: Iterable[tuple[str, ...]] = (), groups: int = 0):
        self.grams = frozenset(grams)
        self.groups = groups  # seed groups it was counted over

    @classmethod
    def of(cls, records: Iterable[dict]) -> "Template":
        texts: dict[str, list[str]] = {}
        for record in records:
            texts.setdefault(str(record.get("seed_id") or record["id"]), []).append(
                str(record["input"])
            )
        groups = sorted(texts)
        if len(groups) > TEMPLATE_SAMPLE:
            step = len(groups) / TEMPLATE_SAMPLE
            groups = [groups[int(i * step)] for i in range(TEMPLATE_SAMPLE)]
        counts: Counter = Counter()
        for group in groups:
            seen: set[tuple[str, ...]] = set()
            for text in texts[group]:
                seen |= _grams([m.group().casefold() for m in _words(text)], TEMPLATE_GRAM)
            counts.update(seen)
        needed = max(TEMPLATE_MIN_GROUPS, TEMPLATE_SHARE * len(groups))
        return cls((gram for gram, count in counts.items() if count >= needed), len(groups))

    def __bool__(self) -> bool:
        return bool(self.grams)

    def covered(self, text: str) -> list[bool]:
        words = [m.group().casefold() for m in _words(text)]
        flags = [False] * len(words)
        if self.grams:
            for i in range(len(words) - TEMPLATE_GRAM + 1):
                if tuple(words[i : i + TEMPLATE_GRAM]) in self.grams:
                    flags[i : i + TEMPLATE_GRAM] = [True] * TEMPLATE_GRAM
        return flags

    def content(self, text: str) -> str:
        """`text` less its template runs (each run, from its first word to its last, becomes one space)."""
        if not self.grams:
            return text
        spans = [m.span() for m in _words(text)]
        runs: list[list[int]] = []  # [first char, last char] of each run of template words
        in_run = False
        for (start, end), flag in zip(spans, self.covered(text), strict=True):
            if flag and in_run:
                runs[-1][1] = end
            elif flag:
                runs.append([start, end])
            in_run = flag
        parts, last = [], 0
        for start, end in runs:
            parts += [text[last:start], " "]
            last = end
        return re.sub(r"[ \t]{2,}", " ", "".join(parts) + text[last:]).strip()

    def ngrams(self, text: str, n: int) -> set[tuple[str, ...]]:
        """The word n-grams of `text` (case-folded) that hold no template word."""
        words = [m.group().casefold() for m in _words(text)]
        flags = self.covered(text)
        grams, run = set(), []
        for word, flag in zip([*words, ""], [*flags, True], strict=True):
            if flag:
                grams |= _grams(run, n)
                run = []
            else:
                run.append(word)
        return grams
