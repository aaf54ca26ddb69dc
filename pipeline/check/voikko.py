"""Voikko's grammar checker (every error code) and speller, with Voikko's suggestions."""

from __future__ import annotations

from collections.abc import Iterator

from ..finnish import voikko
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
    6: ("casing", "warning"),  # write first letter lowercase
    7: ("casing", "error"),  # write first letter uppercase (a lowercase sentence start)
    8: ("repetition", "error"),  # repeated word
    9: ("punctuation", "warning"),  # terminating punctuation missing
    10: ("punctuation", "warning"),  # invalid punctuation at end of quotation
    12: ("punctuation", "warning"),  # misplaced closing parenthesis
    13: ("grammar", "warning"),  # negative verb mismatch
    14: ("grammar", "warning"),  # a-infinitive required
    15: ("grammar", "warning"),  # ma-infinitive required
    16: ("grammar", "warning"),  # misplaced conjunction
    17: ("grammar", "info"),  # missing main verb: often headings and fragments
    18: ("grammar", "info"),  # extra main verb: often a missing comma
}
# Headings and titles have no terminal punctuation by design.
NO_FINAL_PUNCTUATION_KINDS = ("title", "heading")
MAX_SUGGESTIONS = 5


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


class VoikkoSpeller(Checker):
    """Voikko's speller on every word; unknown capitalised words (likely names) are info, not errors."""

    name = "voikko-spell"
    source = "voikko"

    def check(self, seg: Segment) -> Iterator[Issue]:
        """Words Voikko does not know, with its suggestions."""
        v = voikko()
        pos = 0
        for token in v.tokens(seg.text):
            text = token.tokenText
            start, pos = pos, pos + len(text)
            if token.tokenType != 1 or v.spell(text):  # 1: a word
                continue
            name_like = text[0].isupper()
            yield self.issue(
                seg,
                start,
                pos,
                category="unknown-name" if name_like else "spelling",
                rule="voikko:spell",
                severity="info" if name_like else "error",
                message=f"Voikko does not know the word “{text}”",
                # Suggestions for names are noise, and Voikko's suggest() is the slow part.
                suggestions=[] if name_like else v.suggest(text)[:MAX_SUGGESTIONS],
            )
