"""Finnish–English sentence alignment against a reference text: dynamic programming over beads.

A bead joins 1:1, 1:2, 2:1, 1:0 or 0:1 sentences. Its cost adds the Gale–Church length cost and a
lexical term: how much of each side the other covers through the FreeDict Finnish–English
dictionaries (Finnish words lemmatised with Voikko, compounds split into their parts), shared
numbers and shared names. Documents (blank-line separated in `--presegmented` input) are aligned
one by one; beads never cross a document boundary.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from . import io
from .dictionary import EN_TOKEN, dictionary, stem
from .english import ENGLISH_FUNCTION_WORDS
from .errors import InputError
from .finnish import analyses, lemmas_with_parts, tokenize
from .records import Bead, ReferenceBead, Segment
from .segment import segment_text

# Bead priors (Gale & Church 1993, as in ../shared/bench/gale_church.py) and the length model.
PRIORS: dict[tuple[int, int], float] = {
    (1, 1): 0.89,
    (1, 0): 0.0099,
    (0, 1): 0.0099,
    (2, 1): 0.089,
    (1, 2): 0.089,
}
LENGTH_RATIO = 1.0  # characters of English per character of Finnish
LENGTH_VARIANCE = 6.8
# Weight of the lexical term against the length cost, and the similarity that counts as neutral.
LEXICAL_WEIGHT = 8.0
NEUTRAL_SIMILARITY = 0.2

_FUNCTION_CLASSES = {"sidesana", "asemosana", "kieltosana", "suhdesana", "huudahdussana"}
# A number with thousands spaced ("5 000"), separated ("5,000", "3.5") or plain.
_NUMBER = re.compile(r"\d{1,3}(?:[ \u00a0]\d{3})+(?![\d])|\d[\d.,]*\d|\d")


# --- sentence keys ----------------------------------------------------------------------------------------


def _number(token: str) -> str:
    return re.sub(r"[^\d]", "", token)


@dataclass(frozen=True)
class _Keys:
    """What a sentence offers for matching: per content word, the keys it can match on the other side."""

    words: tuple[frozenset[str], ...]
    length: int


@functools.lru_cache(maxsize=100_000)
def _fi_word_keys(word: str) -> frozenset[str] | None:
    """English stems a Finnish word may translate to, plus itself for names and numbers; None for
    function words."""
    found = analyses(word) or analyses(word.lower())
    if found and all(a.get("CLASS") in _FUNCTION_CLASSES for a in found):
        return None
    table = dictionary()
    keys = {"=" + word.lower()}
    for lemma, parts in lemmas_with_parts(word):
        keys.add("=" + lemma)
        keys |= table.get(lemma, frozenset())
        for part in parts:
            keys |= table.get(part, frozenset())
    return frozenset(keys)


def fi_keys(sentence: str) -> _Keys:
    """Keys of a Finnish sentence: its numbers, then its words."""
    numbers = [frozenset({"#" + _number(n)}) for n in _NUMBER.findall(sentence)]
    words = [_fi_word_keys(t.text) for t in tokenize(sentence) if t.is_word and not t.text[:1].isdigit()]
    return _Keys(tuple(numbers) + tuple(w for w in words if w), len(sentence))


def en_keys(sentence: str) -> _Keys:
    """Keys of an English sentence: each content word's stem, itself (for names), or its digits."""
    words: list[frozenset[str]] = []
    for token in EN_TOKEN.findall(sentence):
        if token[0].isdigit():
            words.append(frozenset({"#" + _number(token)}))
        elif token.lower() not in ENGLISH_FUNCTION_WORDS:
            words.append(frozenset({stem(token), "=" + token.lower()}))
    return _Keys(tuple(words), len(sentence))


def _coverage(sentence: _Keys, other: frozenset[str]) -> float:
    """The share of a sentence's content words that the other side's keys match."""
    if not sentence.words:
        return NEUTRAL_SIMILARITY
    return sum(1 for w in sentence.words if w & other) / len(sentence.words)


def _all_keys(side: Sequence[_Keys]) -> frozenset[str]:
    return frozenset().union(*(w for k in side for w in k.words))


def lexical_reward(fi: Sequence[_Keys], en: Sequence[_Keys]) -> float:
    """Per sentence of the bead, how far the other side covers it beyond the neutral share.

    Scoring each sentence on its own keeps an unrelated sentence out of a 2:1 or 1:2 bead: it
    earns less than nothing there, and is better left as a 1:0 or 0:1 bead.
    """
    fi_all, en_all = _all_keys(fi), _all_keys(en)
    return sum(_coverage(k, en_all) - NEUTRAL_SIMILARITY for k in fi) + sum(
        _coverage(k, fi_all) - NEUTRAL_SIMILARITY for k in en
    )


def similarity(fi: Sequence[_Keys], en: Sequence[_Keys]) -> float:
    """How much of each side the other covers (0..1), averaged over all sentences of both sides."""
    fi_all, en_all = _all_keys(fi), _all_keys(en)
    shares = [_coverage(k, en_all) for k in fi] + [_coverage(k, fi_all) for k in en]
    return sum(shares) / len(shares) if shares and fi and en else 0.0


# --- dynamic programming ------------------------------------------------------------------------------------


def _length_cost(fi_len: int, en_len: int) -> float:
    if fi_len == 0 and en_len == 0:
        return 0.0
    mean = (fi_len + en_len / LENGTH_RATIO) / 2
    z = (LENGTH_RATIO * fi_len - en_len) / math.sqrt(LENGTH_VARIANCE * max(mean, 1e-9))
    return -math.log(max(1e-300, math.erfc(abs(z) / math.sqrt(2))))


def bead_cost(fi: Sequence[_Keys], en: Sequence[_Keys]) -> float:
    """The cost of one bead: prior, length, and (for beads with both sides) the lexical term."""
    cost = -math.log(PRIORS[(len(fi), len(en))])
    if fi and en:
        # A sentence left out (1:0, 0:1) has no length to compare: only its prior counts. Gale and
        # Church charge it the length cost of a sentence against nothing, which makes omissions
        # nearly impossible and merges unrelated sentences into 2:1 beads instead.
        cost += _length_cost(sum(k.length for k in fi), sum(k.length for k in en))
        cost -= LEXICAL_WEIGHT * lexical_reward(fi, en)
    return cost


def align_document(fi: Sequence[str], en: Sequence[str]) -> list[tuple[list[int], list[int], float]]:
    """Beads (Finnish indices, English indices, cost) aligning one document's sentences."""
    fk = [fi_keys(s) for s in fi]
    ek = [en_keys(s) for s in en]
    n, m = len(fk), len(ek)
    inf = float("inf")
    best = [[inf] * (m + 1) for _ in range(n + 1)]
    back: list[list[tuple[int, int, float] | None]] = [[None] * (m + 1) for _ in range(n + 1)]
    best[0][0] = 0.0
    for i in range(n + 1):
        for j in range(m + 1):
            if best[i][j] == inf:
                continue
            for di, dj in PRIORS:
                ii, jj = i + di, j + dj
                if ii > n or jj > m:
                    continue
                c = bead_cost(fk[i:ii], ek[j:jj])
                if best[i][j] + c < best[ii][jj]:
                    best[ii][jj] = best[i][j] + c
                    back[ii][jj] = (i, j, c)
    beads: list[tuple[list[int], list[int], float]] = []
    i, j = n, m
    while (i, j) != (0, 0):
        step = back[i][j]
        assert step is not None
        pi, pj, c = step
        beads.append((list(range(pi, i)), list(range(pj, j)), c))
        i, j = pi, pj
    return beads[::-1]


def documents(text: str) -> list[list[str]]:
    """Documents of one-sentence-per-line text: every blank line ends one, so a document that has
    no sentences on this side (all its sentences are 0:1 beads) is an empty document here."""
    docs: list[list[str]] = []
    current: list[str] = []
    for line in text.split("\n"):
        if line.strip():
            current.append(line.strip())
        else:
            docs.append(current)
            current = []
    if current:
        docs.append(current)
    return docs


def align_presegmented(fi_text: str, en_text: str, fi_name: str = "FI", en_name: str = "EN") -> list[Bead]:
    """Align two one-sentence-per-line texts document by document (blank lines separate documents)."""
    fi_docs, en_docs = documents(fi_text), documents(en_text)
    if len(fi_docs) != len(en_docs):
        raise InputError(
            en_name, f"{len(en_docs)} documents (blank-line separated) but {fi_name} has {len(fi_docs)}"
        )
    beads: list[Bead] = []
    fo = eo = 0
    for fd, ed in zip(fi_docs, en_docs, strict=True):
        for f, e, cost in align_document(fd, ed):
            beads.append(Bead(fi=[fo + k for k in f], en=[eo + k for k in e], score=round(-cost, 4)))
        fo += len(fd)
        eo += len(ed)
    return beads


def align_texts(fi_text: str, en_text: str) -> list[Bead]:
    """Align two running texts: each is segmented into sentences (titles and headings included) and
    treated as one document; bead numbers index the segments in order."""
    fi = [s.text for s in segment_text("fi", fi_text)]
    en = [s.text for s in segment_text("en", en_text)]
    return [Bead(fi=f, en=e, score=round(-c, 4)) for f, e, c in align_document(fi, en)]


def run_reference(
    fi_path: str | Path, en_path: str | Path, out_path: str | Path | None, presegmented: bool = True
) -> list[Bead]:
    """`align-ref`: read both files strictly, align, write JSONL beads (atomically) when `out_path`."""
    fi_text, en_text = io.read_text(fi_path), io.read_text(en_path)
    if presegmented:
        beads = align_presegmented(fi_text, en_text, str(fi_path), str(en_path))
    else:
        beads = align_texts(fi_text, en_text)
    if out_path is not None:
        io.write_jsonl(out_path, (b.to_dict() for b in beads))
    return beads


def reference_review(kind: str, score: float, across: bool, min_score: float | None) -> list[str]:
    """Why a bead of both sides is not a pair a translation memory may take as it is (empty: it is).

    Only a 1:1 bead pairs one Finnish segment with its own English; a 2:1 bead gives both segments
    the same English, and one across a paragraph boundary is almost always a misalignment.
    """
    reasons = []
    if kind != "1:1":
        reasons.append(f"bead {kind}, not 1:1")
    if across:
        reasons.append("across a paragraph boundary")
    if min_score is not None and score < min_score:
        reasons.append(f"bead score {score:.2f} < {min_score:g}")
    return reasons


def reference_alignment(
    segments: Sequence[Segment], en_text: str, min_score: float | None = None
) -> list[ReferenceBead]:
    """The beads of the segments against a running English text (segmented as one document), in
    order, 1:0 and 0:1 beads included; beads of both sides not 1:1, across a paragraph boundary (of
    either side) or scoring below `min_score` say so in `review`."""
    en = segment_text("en", en_text)
    beads = []
    for fi_idx, en_idx, cost in align_document([s.text for s in segments], [s.text for s in en]):
        kind, score = f"{len(fi_idx)}:{len(en_idx)}", round(-cost, 4)
        start = en[en_idx[0]].start if en_idx else None
        end = en[en_idx[-1]].end if en_idx else None
        across = len({segments[i].block for i in fi_idx}) > 1 or len({en[j].block for j in en_idx}) > 1
        review = reference_review(kind, score, across, min_score) if fi_idx and en_idx else []
        beads.append(
            ReferenceBead(
                segments=[segments[i].id for i in fi_idx],
                kind=kind,
                score=score,
                start=start,
                end=end,
                text=en_text[start:end] if start is not None else None,
                review=review,
            )
        )
    return beads


def bead_map(beads: Sequence[ReferenceBead]) -> dict[str, tuple[str, str]]:
    """Segment id -> (English reference text, bead kind) of the beads that give a segment English:
    the bead's sentences with every run of white space (a line break of hard-wrapped text, the
    blank line between paragraphs) as one space, as a translation memory's segment wants."""
    out: dict[str, tuple[str, str]] = {}
    for bead in beads:
        if bead.text is None:
            continue  # 1:0, no English for this segment
        text = " ".join(bead.text.split())
        for seg in bead.segments:
            out[seg] = (text, bead.kind)
    return out
