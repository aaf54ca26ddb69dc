"""The Finnish dependency parser: spaCy with `spacy-fi-experimental-web-md` (trained on UD Finnish-TDT).

The model is loaded once per process and shared by every document the process handles. Each
segment is parsed as a document of its own, so the parser's tokens never cross our segment
boundaries, and every word maps back to exact document offsets.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterable
from typing import Any

import numpy as np

from .errors import PipelineError
from .finnish import analyses
from .inflect import UD_CASE_OF, UD_NUMBERS
from .records import ParsedSegment, Segment, Word

log = logging.getLogger(__name__)

MODEL = "spacy_fi_experimental_web_md"
MODEL_PACKAGE = "spacy-fi-experimental-web-md"
# Segments per batch handed to spaCy's nlp.pipe.
BATCH_SIZE = 64


class ParserUnavailable(PipelineError):
    """spaCy or its Finnish model is not installed."""


@functools.cache
def nlp() -> Any:
    """The process-wide spaCy pipeline for Finnish (loaded on first use, under a second)."""
    try:
        import spacy  # noqa: PLC0415  (lazy: only the syntax checks pay for spaCy)
    except ImportError:
        raise ParserUnavailable("spaCy is not installed (run: make setup)") from None
    try:
        # Without its named-entity recogniser (a third of the parse time; it changed none of the
        # syntax checks' findings on the development sets: names are told by the PROPN tag and
        # Voikko's name classes) and its tagger of treebank-specific tags (UPOS and the features
        # come from the morphologizer).
        # Nor its vocabulary's lookup tables (500,000 entries the pipes here never read: two
        # thirds of the load time; the parses are the same without them).
        pipeline = spacy.load(MODEL, exclude=["ner", "tagger", "lookups"])
    except OSError:
        raise ParserUnavailable(
            f"the Finnish parser model {MODEL_PACKAGE} is not installed (run: make setup)"
        ) from None
    lemmatizer: Any = pipeline.get_pipe("lemmatizer") if "lemmatizer" in pipeline.pipe_names else None
    if hasattr(lemmatizer, "voikko"):
        # The model's lemmatiser asks Voikko about every token; the checkers ask again about the
        # same words. One cache serves both (8 % of the check stage's CPU time, same lemmas).
        lemmatizer.voikko = _CachedVoikko()
    return pipeline


class _CachedVoikko:
    """Voikko's analyze() for the model's lemmatiser, from the process-wide cache (fresh dicts:
    the lemmatiser edits the analysis it picks)."""

    def analyze(self, word: str) -> list[dict[str, str]]:
        """Voikko's analyses of `word`."""
        return [dict(a) for a in analyses(word)]


def model_version() -> str:
    """The parser's name and version, for report signatures."""
    meta = nlp().meta
    return f"{meta.get('lang', 'fi')}_{meta.get('name', MODEL)} {meta.get('version', '?')}"


def words_of(doc: Any, offset: int) -> list[Word]:
    """The words of a spaCy Doc, offsets shifted by `offset` (where the Doc's text starts)."""
    # Whitespace tokens (a double space) are left out, and the others renumbered.
    tokens = [t for t in doc if not t.is_space]
    index = {t.i: n for n, t in enumerate(tokens)}
    return [
        Word(
            i=n,
            text=t.text,
            start=offset + t.idx,
            end=offset + t.idx + len(t.text),
            lemma=t.lemma_,
            upos=t.pos_,
            feats=dict(t.morph.to_dict()),
            head=index.get(t.head.i, n),
            deprel="root" if t.dep_ == "ROOT" else t.dep_,
        )
        for n, t in enumerate(tokens)
    ]


def vectors_of(doc: Any) -> Any:
    """The context vectors of a Doc's words (the rows of its tok2vec tensor, whitespace tokens left
    out as in `words_of`): a float32 array, one row per word."""
    keep = [t.i for t in doc if not t.is_space]
    return np.asarray(doc.tensor, dtype=np.float32)[keep]


def base_form(word: Word) -> str:
    """The word's lemma from Voikko's reading in the parser's case and number (the parser's own
    lemmatiser errs on compounds and rare nouns: "tilanne" → "tila", "vuosi" → "vuo")."""
    number = UD_NUMBERS.get(word.number or "", "")
    if word.case == "Nom" and word.number in ("Sing", None) and word.text.lower().endswith("minen"):
        return word.text.lower()  # a MINEN noun: Voikko's base form is the verb ("käyttäminen" → "käyttää")
    found = [
        a.get("BASEFORM", "")
        for a in analyses(word.text) or analyses(word.text.lower())
        if a.get("MOOD") != "MINEN-infinitive"
        if UD_CASE_OF.get(a.get("SIJAMUOTO", "")) == word.case
        and (not number or a.get("NUMBER") == number)
        and not a.get("POSSESSIVE")
    ]
    if not found:
        return word.lemma
    return word.lemma if word.lemma in found else found[0]


def parse_segments(segments: Iterable[Segment]) -> dict[str, ParsedSegment]:
    """Every segment parsed once, by segment id; word offsets are document offsets."""
    segments = list(segments)
    docs = nlp().pipe((s.text for s in segments), batch_size=BATCH_SIZE)
    return {
        s.id: ParsedSegment(s.id, words_of(doc, s.start), vectors_of(doc))
        for s, doc in zip(segments, docs, strict=True)
    }


def parse_segment(seg: Segment) -> ParsedSegment:
    """One segment's parse."""
    return parse_segments([seg])[seg.id]
