"""Finnish–English sentence alignment against a reference text: dynamic programming over beads.

A bead joins 1:1, 1:2, 2:1, 1:0 or 0:1 sentences. Its cost adds the Gale–Church length cost and a
lexical term: how much of each side the other covers through the FreeDict Finnish–English
dictionaries (Finnish words lemmatised with Voikko, compounds split into their parts), shared
numbers and shared names. Documents (blank-line separated in `--presegmented` input) are aligned
one by one; beads never cross a document boundary.
"""

from __future__ import annotations

import dataclasses
import functools
import gzip
import math
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import io, triage
from .edits import cleaned_segment
from .english import ENGLISH_FUNCTION_WORDS
from .errors import InputError, PipelineError
from .finnish import analyses, lemmas_with_parts, tokenize
from .records import TRANSLATION_OK, Change, Issue, Record, Segment, Translation
from .segment import segment_text

FREEDICT_DIR = "/usr/share/dictd"
FREEDICT_ENV = "PIPELINE_FREEDICT_DIR"
DICTIONARIES = ("freedict-fin-eng", "freedict-eng-fin")

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
_EN_TOKEN = re.compile(r"[A-Za-z][A-Za-z'’-]*|\d[\d.,]*")
# A number with thousands spaced ("5 000"), separated ("5,000", "3.5") or plain.
_NUMBER = re.compile(r"\d{1,3}(?:[ \u00a0]\d{3})+(?![\d])|\d[\d.,]*\d|\d")


class DictionaryUnavailable(PipelineError):
    """The FreeDict Finnish–English dictionary is not installed."""


@dataclass(frozen=True)
class Bead(Record):
    """Aligned sentences: Finnish and English line numbers (non-blank lines from 0) and the bead's cost."""

    fi: list[int]
    en: list[int]
    score: float


# --- the dictionary --------------------------------------------------------------------------------------


def _b64(value: str) -> int:
    """A dictd index number (base64 digits)."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    n = 0
    for ch in value:
        n = n * 64 + alphabet.index(ch)
    return n


def _entries(directory: Path, name: str) -> Iterable[tuple[str, list[str]]]:
    """(headword, translations) of a dictd FreeDict dictionary."""
    index = directory / f"{name}.index"
    with gzip.open(directory / f"{name}.dict.dz") as handle:  # dictzip files are gzip files
        data = handle.read()
    for line in index.read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if len(parts) != 3 or parts[0].startswith("00database"):
            continue
        start, length = _b64(parts[1]), _b64(parts[2])
        lines = data[start : start + length].decode("utf-8", errors="replace").split("\n")
        translations = lines[1:2] + [re.sub(r"^\d+\.\s*", "", x) for x in lines[2:] if re.match(r"^\d+\.", x)]
        yield parts[0], [t.strip() for x in translations for t in x.split(",") if t.strip()]


@functools.cache
def dictionary() -> dict[str, frozenset[str]]:
    """Finnish lemma -> English word stems, from both FreeDict directions."""
    directory = Path(os.environ.get(FREEDICT_ENV, FREEDICT_DIR))
    missing = [n for n in DICTIONARIES if not (directory / f"{n}.index").is_file()]
    if len(missing) == len(DICTIONARIES):
        raise DictionaryUnavailable(
            f"no FreeDict Finnish–English dictionary in {directory}; install the Debian packages "
            "dict-freedict-fin-eng and dict-freedict-eng-fin (run: make setup)"
        )
    table: dict[str, set[str]] = {}
    for name in DICTIONARIES:
        if name in missing:
            continue
        for head, translations in _entries(directory, name):
            if name == "freedict-fin-eng":
                pairs = [(head, t) for t in translations]
            else:
                pairs = [(t, head) for t in translations]
            for fi_word, en in pairs:
                lemma = fi_word.lower().strip()
                if " " in lemma or not lemma:
                    continue
                words = {_stem(w) for w in _EN_TOKEN.findall(en.lower()) if w not in ENGLISH_FUNCTION_WORDS}
                table.setdefault(lemma, set()).update(w for w in words if w)
    return {k: frozenset(v) for k, v in table.items()}


@functools.cache
def _eng_fin_index() -> tuple[dict[str, list[tuple[str, str]]], bytes]:
    """The English–Finnish dictionary's index (headword -> entry offsets) and its data."""
    directory = Path(os.environ.get(FREEDICT_ENV, FREEDICT_DIR))
    index = directory / "freedict-eng-fin.index"
    if not index.is_file():
        return {}, b""
    with gzip.open(directory / "freedict-eng-fin.dict.dz") as handle:
        data = handle.read()
    # Offsets stay base64 until a word is looked up: decoding all 68,000 took a third of a second.
    table: dict[str, list[tuple[str, str]]] = {}
    for line in index.read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if len(parts) == 3 and not parts[0].startswith("00database"):
            table.setdefault(parts[0].lower(), []).append((parts[1], parts[2]))
    return table, data


@functools.lru_cache(maxsize=4096)
def finnish_for(english: str) -> tuple[str, ...]:
    """The one-word Finnish translations of an English word, in the dictionary's order (FreeDict
    eng-fin; none when it is not installed). Only the word's own entries are read."""
    table, data = _eng_fin_index()
    words: list[str] = []
    for offset, size in table.get(english.lower(), []):
        start, length = _b64(offset), _b64(size)
        lines = data[start : start + length].decode("utf-8", errors="replace").split("\n")
        entries = lines[1:2] + [re.sub(r"^\d+\.\s*", "", x) for x in lines[2:] if re.match(r"^\d+\.", x)]
        for entry in entries:
            for raw in entry.split(","):
                t = re.sub(r"\s*\d+\.$", "", re.sub(r"^\d+\.\s*", "", raw.strip())).strip()
                if t and " " not in t and not t.endswith("-") and t not in words:
                    words.append(t)
    return tuple(words)


# --- sentence keys ----------------------------------------------------------------------------------------


def _stem(word: str) -> str:
    """A crude English stem, enough to meet dictionary glosses ("transitions" ~ "transition")."""
    word = word.lower().strip("'’-")
    for suffix in ("ies", "ing", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)] + ("y" if suffix == "ies" else "")
    return word


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
    for token in _EN_TOKEN.findall(sentence):
        if token[0].isdigit():
            words.append(frozenset({"#" + _number(token)}))
        elif token.lower() not in ENGLISH_FUNCTION_WORDS:
            words.append(frozenset({_stem(token), "=" + token.lower()}))
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


# --- the align stage: the bilingual, scored dataset ----------------------------------------------------


@dataclass(frozen=True)
class AlignedSegment(Record):
    """One Finnish segment with its English, the scores of earlier stages and the triage decision."""

    doc: str
    segment: str
    block: int
    kind: str
    fi: str
    fi_clean: str
    en: str | None
    translation_status: str
    logprob: float | None
    roundtrip: str | None
    chrf: float | None
    errors: int
    warnings: int
    infos: int
    fixed: int
    en_reference: str | None
    reference_bead: str | None
    decision: str
    reasons: list[str]


ALIGN_OUTPUTS = ("aligned.jsonl", "aligned.csv", "aligned.parquet", "aligned.tmx", "aligned.xlf")


def reference_for(source: str | Path) -> Path:
    """The English reference of a corpus file: `<doc>.en.txt` beside it."""
    return Path(source).parent / f"{io.doc_name(source)}.en.txt"


def reference_beads(segments: Sequence[Segment], en_text: str) -> dict[str, tuple[str, str]]:
    """Segment id -> (English reference text, bead kind) from aligning the segments with a running
    English text (segmented as one document)."""
    en = [s.text for s in segment_text("en", en_text)]
    out: dict[str, tuple[str, str]] = {}
    for fi_idx, en_idx, _ in align_document([s.text for s in segments], en):
        if not en_idx:
            continue  # 1:0, no English for this segment
        text = " ".join(en[j] for j in en_idx)
        for i in fi_idx:
            out[segments[i].id] = (text, f"{len(fi_idx)}:{len(en_idx)}")
    return out


def build_dataset(
    segments: Sequence[Segment],
    issues: Iterable[Issue],
    changes: Sequence[Change],
    translations: Sequence[Translation],
    reference: dict[str, tuple[str, str]] | None = None,
) -> list[AlignedSegment]:
    """One row per Finnish segment: English, scores, triage."""
    counts: dict[str, dict[str, int]] = {}
    for issue in issues:
        counts.setdefault(issue.segment, {}).setdefault(issue.severity, 0)
        counts[issue.segment][issue.severity] += 1
    fixed: dict[str, int] = {}
    for change in changes:
        if change.applied:
            fixed[change.segment] = fixed.get(change.segment, 0) + 1
    by_segment = {t.segment: t for t in translations}
    reference = reference or {}
    rows = []
    for seg in segments:
        c = counts.get(seg.id, {})
        t = by_segment.get(seg.id)
        ok = t is not None and t.status == TRANSLATION_OK
        # An error a safe fix removed is no longer open (a fix may also answer a warning: never below 0).
        open_errors = max(0, c.get("error", 0) - fixed.get(seg.id, 0))
        scores = triage.Scores(
            open_errors=open_errors,
            warnings=c.get("warning", 0),
            logprob=t.score if ok and t else None,
            chrf=t.chrf if ok and t else None,
        )
        decision, reasons = triage.decide(scores)
        ref = reference.get(seg.id)
        rows.append(
            AlignedSegment(
                doc=seg.doc,
                segment=seg.id,
                block=seg.block,
                kind=seg.kind,
                fi=seg.text,
                fi_clean=cleaned_segment(seg, changes),
                en=t.text if ok and t else None,
                translation_status=t.status if t else "skipped: the translate stage has not run",
                logprob=scores.logprob,
                roundtrip=t.roundtrip if ok and t else None,
                chrf=scores.chrf,
                errors=c.get("error", 0),
                warnings=c.get("warning", 0),
                infos=c.get("info", 0),
                fixed=fixed.get(seg.id, 0),
                en_reference=ref[0] if ref else None,
                reference_bead=ref[1] if ref else None,
                decision=decision,
                reasons=reasons,
            )
        )
    return rows


def _english(row: AlignedSegment) -> str | None:
    """The English of a pair for translation memories: the reference if any, else the retranslation."""
    return row.en_reference or row.en


def to_tmx(rows: Sequence[AlignedSegment]) -> bytes:
    """A TMX 1.4 translation memory (translate-toolkit) of the cleaned Finnish and its English."""
    from translate.storage import tmx  # noqa: PLC0415  (only this stage needs translate-toolkit)

    store: Any = tmx.tmxfile(sourcelanguage="fi")  # translate-toolkit is only partly typed
    for row in rows:
        english = _english(row)
        if english:
            unit = store.addsourceunit(row.fi_clean)
            unit.settarget(english, "en")
            unit.addnote(f"{row.segment}: {row.decision}", origin="pipeline")
    return bytes(store)


def to_xliff(rows: Sequence[AlignedSegment]) -> bytes:
    """An XLIFF 1.1 file (translate-toolkit): every segment, with its English where there is one."""
    from translate.storage import xliff  # noqa: PLC0415

    store: Any = xliff.xlifffile(sourcelanguage="fi", targetlanguage="en")
    for row in rows:
        unit = store.addsourceunit(row.fi_clean)
        unit.setid(row.segment)
        english = _english(row)
        if english:
            unit.target = english
        unit.addnote(f"triage: {row.decision}" + (f" ({'; '.join(row.reasons)})" if row.reasons else ""))
    return bytes(store)


def run_stage(source: str | Path, out_dir: str | Path) -> list[AlignedSegment]:
    """The align stage: segments, issues, changes, translations (and `<doc>.en.txt`, when there is
    one) in; aligned.jsonl, .csv, .parquet, .tmx and .xlf out, all written atomically."""
    import pandas as pd  # noqa: PLC0415  (pandas takes a second to import: only this stage pays)

    out = Path(out_dir)
    segments = [Segment.from_dict(r) for r in io.read_jsonl(out / "segments.jsonl")]
    issues = [Issue.from_dict(r) for r in io.read_jsonl(out / "issues.jsonl")]
    changes = [Change.from_dict(r) for r in io.read_jsonl(out / "changes.jsonl")]
    path = out / "translations.jsonl"
    translations = [Translation.from_dict(r) for r in io.read_jsonl(path)] if path.exists() else []
    ref_path = reference_for(source)
    reference = reference_beads(segments, io.read_text(ref_path)) if ref_path.exists() else None
    rows = build_dataset(segments, issues, changes, translations, reference)
    io.write_jsonl(out / "aligned.jsonl", (r.to_dict() for r in rows))
    frame = pd.DataFrame(
        [{**r.to_dict(), "reasons": "; ".join(r.reasons)} for r in rows],
        columns=[f.name for f in dataclasses.fields(AlignedSegment)],
    )
    with io.atomic_write(out / "aligned.csv") as handle:
        frame.to_csv(handle, index=False)
    with io.atomic_write(out / "aligned.parquet", "wb") as handle:
        frame.to_parquet(handle, index=False)
    with io.atomic_write(out / "aligned.tmx", "wb") as handle:
        handle.write(to_tmx(rows))
    with io.atomic_write(out / "aligned.xlf", "wb") as handle:
        handle.write(to_xliff(rows))
    return rows
