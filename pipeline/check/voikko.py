"""Voikko's grammar checker (every error code) and speller, with Voikko's suggestions."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from ..english import is_common_word
from ..finnish import NAME_CLASSES, WHITESPACE, analyses, spell, suggest, tokenize, voikko
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
# libvoikko's grammar checker gives up on a whole paragraph when one of its sentences has more than
# 500 tokens (words, spaces and punctuation marks each count: Sentence::MAX_TOKENS_IN_SENTENCE in
# libvoikko's grammar/Sentence.hpp); it returns no errors, as for a correct text. Tried with the
# installed libvoikko: 500 tokens are checked, 504 are not. Longer text is checked in pieces of at
# most PIECE_TOKENS tokens (a margin for any difference between our count and the checker's).
VOIKKO_MAX_TOKENS = 500
PIECE_TOKENS = 450
# Where a long sentence is best cut: after a sentence end, after a clause mark, at any space.
_SENTENCE_END = frozenset(".!?…")
_CLAUSE_END = frozenset(",;:–—")
# Voikko's rules about a whole sentence: on a piece cut out of a sentence they speak of the cut.
_STARTS_SENTENCE = (5, 7)  # invalid sentence starter; lowercase start
_ENDS_SENTENCE = (9,)  # terminating punctuation missing
_WHOLE_SENTENCE = (17, 18)  # missing main verb; extra main verb


@dataclass(frozen=True)
class Piece:
    """A span of a segment's text checked on its own; an edge is `cut` where it is not a sentence's."""

    start: int
    end: int
    cut_start: bool = False
    cut_end: bool = False

    def cut_rule(self, code: int, start: int) -> bool:
        """Whether Voikko's error `code` at `start` (in the piece) is about where the piece was cut."""
        return (
            (code in _STARTS_SENTENCE and self.cut_start and start == 0)
            or (code in _ENDS_SENTENCE and self.cut_end)
            or (code in _WHOLE_SENTENCE and (self.cut_start or self.cut_end))
        )


def pieces(text: str, limit: int = PIECE_TOKENS) -> list[Piece]:
    """`text` as spans of at most `limit` Voikko tokens (the whole text when it is short enough).

    A cut drops one whitespace token between two pieces, so offsets stay exact. In the second half
    of each window the cut is made at the last sentence end, else the last clause mark (comma,
    semicolon, colon, dash), else the last single space; a window without any space is cut at its end.
    """
    tokens = tokenize(text)
    if len(tokens) <= limit:
        return [Piece(0, len(text))]

    def rank(j: int) -> tuple[int, bool, int]:
        """How good a cut at whitespace token `j` is: the larger the better."""
        last = tokens[j - 1].text[-1:]
        return (0 if last in _SENTENCE_END else -1 if last in _CLAUSE_END else -2, tokens[j].text == " ", j)

    out: list[Piece] = []
    i, cut_start = 0, False
    while len(tokens) - i > limit:
        spaces = [j for j in range(i + 1, i + limit) if tokens[j].kind == WHITESPACE]
        late = [j for j in spaces if j >= i + limit // 2] or spaces
        if late:
            j = max(late, key=rank)
            end, next_i, cut_end = tokens[j].start, j + 1, rank(j)[0] != 0
        else:  # no space at all: cut between two tokens
            end, next_i, cut_end = tokens[i + limit - 1].end, i + limit, True
        out.append(Piece(tokens[i].start, end, cut_start, cut_end))
        i, cut_start = next_i, cut_end
    out.append(Piece(tokens[i].start, len(text), cut_start, False))
    return out


class VoikkoGrammar(Checker):
    """Voikko's grammar checker on each segment; its message and suggestions as they are.

    A segment too long for the checker (VOIKKO_MAX_TOKENS) is checked in pieces, with an info issue
    saying so: never left unchecked without a word.
    """

    name = "voikko-grammar"
    source = "voikko"

    def check(self, seg: Segment) -> Iterator[Issue]:
        """Grammar errors Voikko reports in the segment."""
        parts = pieces(seg.text)
        for piece in parts:
            for err in voikko().grammarErrors(seg.text[piece.start : piece.end], "fi"):
                code = int(err.errorCode)
                if code in (9, 17) and seg.kind in NO_FINAL_PUNCTUATION_KINDS:
                    continue
                if piece.cut_rule(code, err.startPos):
                    continue
                category, severity = VOIKKO_CODES.get(code, ("grammar", "warning"))
                yield self.issue(
                    seg,
                    piece.start + err.startPos,
                    piece.start + err.startPos + err.errorLen,
                    category=category,
                    rule=f"voikko:{code}",
                    severity=severity,
                    message=err.shortDescription,
                    suggestions=err.suggestions[:MAX_SUGGESTIONS],
                )
        if len(parts) > 1:
            yield self.issue(
                seg,
                0,
                len(seg.text),
                category="grammar",
                rule="voikko:long-sentence",
                severity="info",
                message=(
                    f"Virke on liian pitkä Voikon kielioppitarkistukselle ({len(tokenize(seg.text))} "
                    f"sanetta, enintään {VOIKKO_MAX_TOKENS}): se tarkistettiin {len(parts)} osana, "
                    "joten koko virkettä koskevia huomautuksia voi puuttua."
                ),
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
