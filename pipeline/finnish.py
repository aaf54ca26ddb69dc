"""Shared access to Voikko (libvoikko with the voikko-fi dictionary) and small Finnish word facts."""

from __future__ import annotations

import functools
import itertools
from dataclasses import dataclass
from typing import Any

from .errors import PipelineError


class VoikkoUnavailable(PipelineError):
    """libvoikko or its Finnish dictionary is not installed."""


@functools.cache
def voikko() -> Any:
    """The process-wide Voikko handle for Finnish (libvoikko is not thread-safe: one thread uses it)."""
    try:
        import libvoikko  # noqa: PLC0415  (imported lazily: only stages that need Voikko pay for it)
    except ImportError:
        raise VoikkoUnavailable("the libvoikko Python binding is not installed (run: make setup)") from None
    try:
        return libvoikko.Voikko("fi")
    except (OSError, libvoikko.VoikkoException) as exc:
        raise VoikkoUnavailable(
            f"Voikko cannot start for Finnish ({exc}); install the Debian packages "
            "libvoikko1 and voikko-fi (run: make setup)"
        ) from None


@functools.lru_cache(maxsize=65536)
def is_dotted_abbreviation(word: str) -> bool:
    """True when Voikko knows `word.` as an abbreviation that needs its dot (`esim.`, `jne.`, `milj.`)."""
    v = voikko()
    if not word or not word.isalpha() or v.spell(word):
        return False
    return v.spell(word + ".") and any(a.get("CLASS") == "lyhenne" for a in v.analyze(word + "."))


WORD, PUNCTUATION, WHITESPACE, UNKNOWN = 1, 2, 3, 4  # libvoikko token types
# Voikko's case names (SIJAMUOTO) → the names a Finnish reader knows, for messages.
CASE_NAMES = {
    "nimento": "nominatiivi",
    "omanto": "genetiivi",
    "osanto": "partitiivi",
    "sisaolento": "inessiivi",
    "sisaeronto": "elatiivi",
    "sisatulento": "illatiivi",
    "ulkoolento": "adessiivi",
    "ulkoeronto": "ablatiivi",
    "ulkotulento": "allatiivi",
    "olento": "essiivi",
    "tulento": "translatiivi",
    "keinonto": "instruktiivi",
    "vajanto": "abessiivi",
    "seuranto": "komitatiivi",
}
# Voikko's classes of proper names.
NAME_CLASSES = frozenset({"nimi", "etunimi", "sukunimi", "paikannimi"})


@dataclass(frozen=True)
class Token:
    """A Voikko token with its offsets in the analysed text."""

    text: str
    kind: int
    start: int
    end: int

    @property
    def is_word(self) -> bool:
        """Whether the token is a word."""
        return self.kind == WORD


@functools.lru_cache(maxsize=4096)
def tokenize(text: str) -> tuple[Token, ...]:
    """Voikko's tokens of `text` with character offsets (cached: every checker tokenizes each segment)."""
    out: list[Token] = []
    pos = 0
    for token in voikko().tokens(text):
        n = len(token.tokenText)
        out.append(Token(token.tokenText, int(token.tokenType), pos, pos + n))
        pos += n
    return tuple(out)


@functools.lru_cache(maxsize=65536)
def suggest(word: str) -> tuple[str, ...]:
    """Voikko's spelling suggestions for `word` (cached: suggest() is Voikko's slowest call)."""
    return tuple(voikko().suggest(word))


@functools.lru_cache(maxsize=200_000)
def analyses(word: str) -> tuple[dict[str, str], ...]:
    """Voikko's morphological analyses of `word` (cached; treat the dicts as read-only)."""
    return tuple(dict(a) for a in voikko().analyze(word))


@functools.lru_cache(maxsize=200_000)
def spell(word: str) -> bool:
    """Whether Voikko accepts `word`."""
    return bool(voikko().spell(word))


def cased_like(form: str, original: str) -> str:
    """`form` with its first letter upper case when `original` has it so."""
    return form[:1].upper() + form[1:] if original[:1].isupper() else form


def compound_parts(lemma: str, structure: str) -> list[str]:
    """The parts of a compound lemma, cut where Voikko's STRUCTURE starts a new word part.

    "virtuaaliavustaja" with "=ppppppppp=ppppppppp" gives "virtuaali", "avustaja": the earlier
    parts are spelt in the lemma as in the word form, so the cut positions carry over.
    """
    cuts: list[int] = []
    position = 0
    for ch in structure:
        if ch == "=":
            cuts.append(position)
        else:
            position += 1
    cuts = [c for c in cuts if 0 < c < len(lemma)]
    if not cuts:
        return []
    bounds = [0, *cuts, len(lemma)]
    return [lemma[a:b].strip("-") for a, b in itertools.pairwise(bounds) if b - a > 1]


@functools.lru_cache(maxsize=200_000)
def lemmas_with_parts(word: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """(lowercase base form, its compound parts) for each of Voikko's analyses of the word (or of
    its lowercase form, when the word as written has none)."""
    return tuple(
        (lemma, tuple(compound_parts(lemma, a.get("STRUCTURE", ""))))
        for a in analyses(word) or analyses(word.lower())
        for lemma in [a.get("BASEFORM", "").lower()]
    )


def clear_caches() -> None:
    """Forget every cached Voikko answer (for benchmarks that time a cold start)."""
    for cached in (is_dotted_abbreviation, tokenize, analyses, spell, suggest, lemmas_with_parts):
        cached.cache_clear()
