"""Voikko's grammar checker (every error code) and speller, with Voikko's suggestions."""

from __future__ import annotations

from collections.abc import Iterator

from ..english import is_common_word
from ..finnish import NAME_CLASSES, analyses, spell, suggest, tokenize, voikko
from ..records import Issue, Segment
from . import Checker

# libvoikko's grammar error codes (grammar/error.hpp) -> (category, severity). Codes not listed
# here are reported as category "grammar", severity warning.
VOIKKO_CODES: dict[int, tuple[str, str]] = {
    1: ("spelling", "error"),  # invalid spelling
    2: ("spacing", "error"),  # extra whitespace
    3: ("spacing", "error"),  # space before punctuation
    4: ("punctuation", "warning"),  # extra comma
    5: ("grammar", "warning"),  # invalid sentence starter
    7: ("casing", "error"),  # write first letter uppercase (a lowercase sentence start)
    8: ("repetition", "error"),  # repeated word
    9: ("punctuation", "warning"),  # terminating punctuation missing
    10: ("punctuation", "warning"),  # invalid punctuation at end of quotation
    12: ("punctuation", "warning"),  # misplaced closing parenthesis
    13: ("grammar", "warning"),  # negative verb mismatch
    14: ("grammar", "warning"),  # a-infinitive required
    15: ("grammar", "warning"),  # ma-infinitive required
    16: ("grammar", "warning"),  # misplaced conjunction
    6: ("casing", "info"),  # write first letter lowercase: mostly names Voikko reads as common words
    17: ("grammar", "info"),  # missing main verb: often headings and fragments
    18: ("grammar", "info"),  # extra main verb: often a missing comma
}
# Headings and titles have no terminal punctuation by design.
NO_FINAL_PUNCTUATION_KINDS = ("title", "heading")
MAX_SUGGESTIONS = 5
# Unknown words longer than this are rare compounds rather than typos: no suggestions (they cost
# about 2 ms a word, a fifth of the check stage's time).
MAX_SUGGEST_LENGTH = 10


class VoikkoGrammar(Checker):
    """Voikko's grammar checker on each segment; its message and suggestions as they are."""

    name = "voikko-grammar"
    source = "voikko"

    def check(self, seg: Segment) -> Iterator[Issue]:
        """Grammar errors Voikko reports in the segment."""
        for err in voikko().grammarErrors(seg.text, "fi"):
            code = int(err.errorCode)
            if code in (9, 17) and seg.kind in NO_FINAL_PUNCTUATION_KINDS:
                continue
            category, severity = VOIKKO_CODES.get(code, ("grammar", "warning"))
            yield self.issue(
                seg,
                err.startPos,
                err.startPos + err.errorLen,
                category=category,
                rule=f"voikko:{code}",
                severity=severity,
                message=err.shortDescription,
                suggestions=err.suggestions[:MAX_SUGGESTIONS],
            )


def _known_common(word: str) -> bool:
    """A lowercase word Voikko analyses as a common word is spelt right: the analyses, which the
    other checkers need anyway, spare a spell() call (a lowercased name, "euroopan", is left to it)."""
    return word.islower() and any(a.get("CLASS") not in NAME_CLASSES for a in analyses(word))


class VoikkoSpeller(Checker):
    """Voikko's speller on every word, with Voikko's suggestions, at severity info.

    Machine translation does not misspell: the words it gets wrong are real words in the wrong form
    (the agreement rule) or English left as it is (the untranslated rule). What Voikko does not know
    in MT output is mostly rare compounds, colloquial forms and names, so unknown words are worth a
    look (info), not errors. On the development set an error or warning here was a false alarm on
    38 of 600 clean sentences. Left to other rules: words with digits ("v2", "3D"), abbreviations
    whose dot the tokenizer split off ("eKr."), and English words.
    """

    name = "voikko-spell"
    source = "voikko"

    def check(self, seg: Segment) -> Iterator[Issue]:
        """Words Voikko does not know, with its suggestions."""
        tokens = tokenize(seg.text)
        for k, tok in enumerate(tokens):
            word = tok.text
            if not tok.is_word or any(ch.isdigit() for ch in word) or _known_common(word) or spell(word):
                continue
            if k + 1 < len(tokens) and tokens[k + 1].text == "." and spell(word + "."):
                continue
            if word.isascii() and is_common_word(word):
                continue
            name_like = word[0].isupper()
            # Suggestions for names are noise, and Voikko's suggest() is the slow part of the check
            # stage: for long unknown words (rare compounds, not typos) they are left out.
            wanted = not name_like and len(word) <= MAX_SUGGEST_LENGTH
            suggestions = list(suggest(word)[:MAX_SUGGESTIONS]) if wanted else []
            yield self.issue(
                seg,
                tok.start,
                tok.end,
                category="unknown-name" if name_like else "spelling",
                rule="voikko:spell",
                severity="info",
                message=f"Voikko ei tunne sanaa “{word}”.",
                suggestions=suggestions,
            )
