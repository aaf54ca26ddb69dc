"""The valency lexicon: which case a head takes for its nominal dependents, counted from data.

`pipeline/data/valency.tsv` is built by `tools/build_valency.py` (see bench/README.md for the
sources). Three kinds of rows: `gov` (head lemma, head UPOS, relation → case), `adp` (adposition
lemma, post/pre → case of its noun) and `noun` (noun lemma, UPOS, relation → case).
"""

from __future__ import annotations

import collections
import functools
from pathlib import Path

from .errors import InputError

LEXICON = Path(__file__).with_name("data") / "valency.tsv"
# Hand-written rows, added to the built ones: only where the data is thin (see the file's header).
HAND = Path(__file__).with_name("data") / "valency_hand.tsv"
# Dependents counted: nouns and proper nouns (pronouns and adjectives follow other rules).
NOMINAL = frozenset({"NOUN", "PROPN"})
RELATIONS = frozenset({"obj", "obl", "nmod", "nsubj", "xcomp"})

Key = tuple[str, str, str, str]
Lexicon = dict[Key, collections.Counter[str]]


def row_key(kind: str, lemma: str, pos: str, relation: str, case: str) -> tuple[str, str, str, str, str]:
    """A row of the lexicon file without its count."""
    return (kind, lemma, pos, relation, case)


@functools.cache
def lexicon(path: Path = LEXICON, hand: Path | None = HAND) -> Lexicon:
    """(kind, lemma, pos, relation) → counts per case, read once per process: the built rows and
    the hand-written ones added."""
    table: Lexicon = collections.defaultdict(collections.Counter)
    for source in (path, hand) if hand is not None else (path,):
        try:
            lines = source.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise InputError(source, f"cannot read the valency lexicon ({exc.strerror})") from None
        for number, line in enumerate(lines, start=1):
            if not line or line.startswith("#"):
                continue
            cols = line.split("\t")
            if len(cols) != 6 or not cols[5].isdigit():
                raise InputError(source, f"line {number}: expected kind, lemma, pos, relation, case, count")
            table[(cols[0], cols[1], cols[2], cols[3])][cols[4]] += int(cols[5])
    return dict(table)


def cases(kind: str, lemma: str, pos: str, relation: str) -> collections.Counter[str]:
    """How often each case was seen in this position (empty when never)."""
    return lexicon().get((kind, lemma.lower(), pos, relation), collections.Counter())


def governed(lemma: str, pos: str, relations: tuple[str, ...]) -> collections.Counter[str]:
    """The cases a head takes over several relations (its subtypes included: "obl" counts "obl:arg")."""
    total: collections.Counter[str] = collections.Counter()
    for (kind, _lemma, _pos, rel), counts in _by_head().get((lemma.lower(), pos), {}).items():
        if kind == "gov" and rel.split(":")[0] in relations:
            total.update(counts)
    return total


@functools.cache
def _by_head() -> dict[tuple[str, str], dict[Key, collections.Counter[str]]]:
    index: dict[tuple[str, str], dict[Key, collections.Counter[str]]] = collections.defaultdict(dict)
    for key, counts in lexicon().items():
        index[(key[1], key[2])][key] = counts
    return dict(index)


def irresultative(lemma: str) -> bool:
    """A verb the hand-written rows give a partitive object: its object is partitive in every
    clause, passive and imperative ones too ("arvostaa työtä", "työtä arvostetaan")."""
    return lexicon(HAND, None).get(("gov", lemma.lower(), "VERB", "obj"), collections.Counter())["Par"] > 0
