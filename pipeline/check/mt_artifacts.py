"""Detectors of what machine translation breaks in Finnish, beyond Voikko's own checks.

Each detector is a named rule with its own tests (tests/test_check.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ..english import is_common_word, is_name
from ..finnish import Token, analyses, spell, tokenize
from ..records import Issue, Segment
from . import Checker

# A space before a comma, full stop, colon, semicolon, question or exclamation mark
# ("suosituksia ."), but not before an ellipsis or an emoticon (" :)").
_SPACE_BEFORE = re.compile(r"(?<=\S)([ \t\u00a0]+)([,.;:!?])(?![.)(DP])(?=\s|$|[\"”»])")
# A slash spaced on one side only: "tilauksesta /hankekohtaisesti", "ja/ tai".
_LOPSIDED_SLASH = re.compile(r"(?<=\w)( /)(?=\w)|(?<=\w)(/ )(?=\w)")


class Spacing(Checker):
    """Spacing and punctuation slips: a space before punctuation, a slash spaced on one side."""

    name = "mt-spacing"
    source = "pipeline"

    def check(self, seg: Segment) -> Iterator[Issue]:
        """Spacing issues in the segment."""
        for m in _SPACE_BEFORE.finditer(seg.text):
            yield self.issue(
                seg,
                m.start(1) - 1 if m.start(1) > 0 else 0,
                m.end(2),
                category="spacing",
                rule="space-before-punctuation",
                severity="error",
                message=f"Ylimääräinen välilyönti ennen merkkiä “{m.group(2)}”.",
                suggestions=[seg.text[m.start(1) - 1 : m.start(1)] + m.group(2)] if m.start(1) > 0 else [],
            )
        for m in _LOPSIDED_SLASH.finditer(seg.text):
            a, b = m.span(1) if m.group(1) else m.span(2)
            yield self.issue(
                seg,
                a - 1,
                b + 1,
                category="spacing",
                rule="lopsided-slash",
                severity="warning",
                message="Vinoviivan välilyönnit ovat epäsymmetriset.",
                suggestions=[seg.text[a - 1] + "/" + seg.text[b]],
            )


# --- untranslated English ------------------------------------------------------------------------------

_ASCII_WORD = re.compile(r"^[A-Za-z]{2,}$|^[AI]$")
_NAME_CLASSES = {"nimi", "etunimi", "sukunimi", "paikannimi"}
_NP_CLASSES = {"nimisana", "laatusana", "nimisana_laatusana"}
# English function words: a capitalised phrase with one of these is a title or a name
# ("Royal Academy of Music", "Walking in the Air"), not a term left untranslated.
ENGLISH_FUNCTION_WORDS = frozenset(
    "a an the of in on at to for and or with from by as into onto over under about is are was be been "
    "it its you your i me my we our he she they his her their this that not do does no so if up out".split()
)
_QUOTES_BEFORE = "”“\"'«»‘’("


def _finnish_common_word(word: str) -> bool:
    """Voikko knows `word` as a Finnish word other than a proper name."""
    return spell(word) and any(a.get("CLASS") not in _NAME_CLASSES for a in analyses(word))


def _english_mark(tok: Token, first: bool) -> str | None:
    """How `tok` looks English.

    "word": a lowercase English word Voikko does not know; "capitalised": a capitalised English
    word Voikko does not know as a Finnish common word; "loan": a capitalised English word that
    Voikko knows only as an uninflected loan ("Design", "Business"), mid-sentence; else None.
    """
    word = tok.text
    if not _ASCII_WORD.match(word) or not is_common_word(word):
        return None
    if word.islower():
        return None if _finnish_common_word(word) else "word"
    if not (word[1:].islower() or (word.isupper() and len(word) > 3)):
        return None
    if not _finnish_common_word(word):
        return "capitalised"
    return "loan" if not first and _finnish_common_word(word.lower()) else None


def _name_like(word: str) -> bool:
    """A capitalised word that Voikko does not know at all, or an English given name: part of a name."""
    return word[:1].isupper() and (not spell(word) or (word.isascii() and is_name(word)))


class Untranslated(Checker):
    """English words and phrases left untranslated, told apart from proper names and titles.

    A word is English when the English lexicon lists it as a common word and Voikko does not know
    it as a Finnish common word. Adjacent English words make one phrase ("Virtual Assistant").
    A capitalised phrase is taken as a name or a title, and not reported, when it has an English
    function word, stands in quotes, is followed by a hyphenated Finnish classifier
    ("Golden Gate Park -puisto"), or sits beside a foreign name ("Hoxton Mix", "Mountain View Summitin").
    """

    name = "mt-untranslated"
    source = "pipeline"

    def check(self, seg: Segment) -> Iterator[Issue]:
        """Untranslated English words and phrases in the segment."""
        words = [t for t in tokenize(seg.text) if t.is_word]
        marks = [_english_mark(w, i == 0) for i, w in enumerate(words)]
        for i, j in _runs(seg.text, words, marks):
            run = marks[i : j + 1]
            if run == ["loan"] or (words[i].text[0].isupper() and self._name_or_title(seg.text, words, i, j)):
                continue
            phrase = seg.text[words[i].start : words[j].end]
            yield self.issue(
                seg,
                words[i].start,
                words[j].end,
                category="untranslated",
                rule="untranslated-english",
                severity="error" if "word" in run or j > i else "warning",
                message=f"Kääntämätöntä englantia: “{phrase}”.",
            )

    @staticmethod
    def _name_or_title(text: str, words: list[Token], i: int, j: int) -> bool:
        """Whether the capitalised run words[i..j] reads as a name or a title rather than a term."""
        if any(w.text.lower() in ENGLISH_FUNCTION_WORDS for w in words[i : j + 1]):
            return True
        before = text[: words[i].start].rstrip(" ")
        after = text[words[j].end :]
        if (before and before[-1] in _QUOTES_BEFORE) or after.lstrip(" ").startswith("-"):
            return True
        prev = words[i - 1] if i > 0 and _adjacent(text, words[i - 1], words[i]) else None
        nxt = words[j + 1] if j + 1 < len(words) and _adjacent(text, words[j], words[j + 1]) else None
        # A name goes on after a given name ("Louis Post Dispatch", "Hoxton Mix"), or ends in a
        # foreign word with a Finnish ending ("Mountain View Summitin"); a byline after a term
        # ("Virtual Assistant Steve Jen") does not make the term a name.
        if prev and _name_like(prev.text):
            return True
        if nxt and nxt.text[0].isupper() and not spell(nxt.text) and not is_name(nxt.text):
            return True
        if i == 0 and i == j:
            # A single capitalised word opening a sentence is English only as a modifier of a
            # Finnish noun phrase ("Virtual Avustajat"); otherwise it is likely a name ("Cotton syntyi").
            return not (nxt and any(a.get("CLASS") in _NP_CLASSES for a in analyses(nxt.text)))
        return False


def _runs(text: str, words: list[Token], marks: list[str | None]) -> Iterator[tuple[int, int]]:
    """(first, last) indices of runs of marked words separated only by spaces."""
    i = 0
    while i < len(words):
        if marks[i] is None:
            i += 1
            continue
        j = i
        while j + 1 < len(words) and marks[j + 1] and _adjacent(text, words[j], words[j + 1]):
            j += 1
        yield i, j
        i = j + 1


def _adjacent(text: str, a: Token, b: Token) -> bool:
    """Two words separated only by spaces."""
    first, second = (a, b) if a.start < b.start else (b, a)
    return not text[first.end : second.start].strip()
