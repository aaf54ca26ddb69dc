"""The English lexicon: common English words from the Debian word lists (wamerican, wbritish)."""

from __future__ import annotations

import functools
import os
from pathlib import Path

from .errors import PipelineError

WORD_LISTS = ("/usr/share/dict/american-english", "/usr/share/dict/british-english")
ENV_VAR = "PIPELINE_ENGLISH_WORDS"
# English function words: a capitalised phrase with one of these is a title or a name
# ("Royal Academy of Music"); the aligner ignores them.
ENGLISH_FUNCTION_WORDS = frozenset(
    "a an the of in on at to for and or with from by as into onto over under about is are was be been "
    "it its you your i me my we our he she they his her their this that not do does no so if up out".split()
)


class LexiconUnavailable(PipelineError):
    """No English word list is installed."""


@functools.cache
def lexicon() -> tuple[frozenset[str], frozenset[str]]:
    """(common words, proper names) of English, lowercased.

    A word listed in lowercase is common ("mix", "water"); one listed only capitalised is a
    name ("Steve", "Santa"). Possessive entries ("water's") are skipped.
    `PIPELINE_ENGLISH_WORDS` may name other word lists, separated by the path separator.
    """
    paths = [p for p in os.environ.get(ENV_VAR, "").split(os.pathsep) if p] or list(WORD_LISTS)
    common: set[str] = set()
    names: set[str] = set()
    found = False
    for path in paths:
        try:
            text = Path(path).read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        found = True
        for word in text.split("\n"):
            if not word or "'" in word:
                continue
            (common if word.islower() else names).add(word.lower())
    if not found:
        raise LexiconUnavailable(
            f"no English word list found at {', '.join(paths)}; install the Debian packages "
            "wamerican and wbritish (run: make setup)"
        )
    return frozenset(common), frozenset(names - common)


def is_common_word(word: str) -> bool:
    """Whether `word` (any case) is a common English word."""
    return word.lower() in lexicon()[0]


def is_name(word: str) -> bool:
    """Whether `word` is listed only as an English proper name ("Steve")."""
    return word.lower() in lexicon()[1]
