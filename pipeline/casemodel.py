"""The case model: which case a noun in the nominative should be in, from its place in the parse.

A multinomial logistic regression over features of the parse (the noun's relation and lemma,
its head's lemma, voice, mood and person, its adposition, its modifiers' cases, negation, its
neighbours), of the valency lexicon (pipeline.valency), and over the parser's context vectors of
the noun and its head (the rows of the parser's tok2vec tensor: what the parser, trained on
news, wiki and fiction, makes of the words around the noun). It is trained by
`tools/build_casemodel.py` on parsed professional Finnish in which governed nouns were put back
into the nominative, the way machine translation leaves them, and untouched nominatives were kept
as controls; the weights ship as `pipeline/data/casemodel.tsv`. For a nominative noun it gives the
probability of each case: a low probability of the nominative is an error, the most probable
other case its correction.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from . import valency
from .errors import InputError
from .inflect import UD_CASES
from .parse import base_form
from .records import ParsedSegment, Word

MODEL = Path(__file__).with_name("data") / "casemodel.tsv"
CASES = tuple(UD_CASES)  # the model's classes: every UD case, the nominative first
# Features of the head verb that decide an object's case and a clause's type.
VERB_FEATS = ("Voice", "Mood", "VerbForm", "Person", "Number", "PartForm", "InfForm", "Polarity")
_OBLIQUE = frozenset({"Ine", "Ela", "Ill", "Ade", "Abl", "All", "Ess", "Tra"})
# The model file's rows of the dense part: feature "ctx<k>" (component k of `vector`), then a case
# and its weight, or "mean" and the component's mean in training (what a parse without vectors gets).
DENSE_PREFIX = "ctx"


def _top(counts: Iterable[tuple[str, int]], min_count: int = 3) -> str | None:
    """The most frequent case of a lexicon row, if it was seen often enough."""
    items = sorted(counts, key=lambda kv: (-kv[1], kv[0]))
    return items[0][0] if items and items[0][1] >= min_count else None


# Necessive and impersonal verbs: in the third person singular without a nominative subject, their
# infinitive's total object is in the nominative ("täytyy ostaa auto", "kannattaa ostaa auto").
NECESSIVE_VERBS = frozenset("täytyä pitää tarvita kannattaa kuulua".split())
# Quantity words that make an object partitive whatever the clause ("käytti paljon dataa").
QUANTIFIERS = frozenset("paljon vähän lisää enemmän vähemmän runsaasti riittävästi tarpeeksi liikaa".split())


def verb_chain_top(parsed: ParsedSegment, verb: Word) -> Word:
    """The finite verb an infinitive or participle chain hangs from ("haluaa ostaa" → "haluaa")."""
    seen = {verb.i}
    while verb.feats.get("VerbForm") in ("Inf", "Part") and verb.deprel == "xcomp":
        head = parsed.head(verb)
        if head is None or head.i in seen or head.upos not in ("VERB", "AUX"):
            break
        seen.add(head.i)
        verb = head
    return verb


def negated(parsed: ParsedSegment, verb: Word) -> bool:
    """The verb has the negation verb "ei" among its dependents."""
    return any(
        c.feats.get("Polarity") == "Neg" or c.lemma == "ei"
        for c in parsed.children(verb)
        if c.upos in ("AUX", "VERB")
    )


def nominative_object_allowed(parsed: ParsedSegment, verb: Word) -> bool:
    """Clauses whose total object is in the nominative: passive, imperative, necessive, impersonal."""
    top = verb_chain_top(parsed, verb)
    for v in {verb.i: verb, top.i: top}.values():
        if v.feats.get("Voice") == "Pass" or v.feats.get("Mood") == "Imp":
            return True
        if v.feats.get("PartForm") == "Pres" and v.feats.get("Voice") == "Pass":
            return True  # "on tehtävä työ"
    subjects = [c for c in parsed.children(top) if c.relation == "nsubj"]
    if any(c.case == "Gen" for c in subjects):
        return True  # "minun täytyy ostaa auto"
    if (
        top.lemma in NECESSIVE_VERBS
        and top.feats.get("Person") in ("3", None)
        and top.feats.get("Number") in ("Sing", None)
        and not any(c.case == "Nom" for c in subjects)
    ):
        return True
    if top.lemma == "olla":
        return True  # "on helppo ostaa auto"
    # Only a finite verb with a personal ending (or the zero person) has a nominative subject.
    return not (top.feats.get("VerbForm") == "Fin" and top.feats.get("Person") in ("0", "1", "2", "3"))


def features(parsed: ParsedSegment, w: Word) -> list[str]:
    """The model's features of word `w` in its parse."""
    words = parsed.words
    head = parsed.head(w)
    lemma = base_form(w).lower()
    f = ["bias", f"rel={w.deprel}", f"lemma={lemma}", f"suf={lemma[-4:]}", f"upos={w.upos}"]
    if w.text[:1].isupper():
        f.append("cap" if w.i else "cap-first")
    top = _top(valency.cases("noun", lemma, w.upos, "obl").items())
    if top:
        f.append(f"noun.obl={top}")
    if head is None:
        f.append("root")
    else:
        hl = head.lemma.lower()
        side = "before" if w.i < head.i else "after"
        f += [
            f"h.lemma={hl}",
            f"h.upos={head.upos}",
            f"h.lemma+rel={hl}|{w.relation}",
            f"h.upos+rel={head.upos}|{w.deprel}",
            f"side={side}",
            f"h.upos+side={head.upos}|{side}",
        ]
        f += [f"h.{k}={head.feats[k]}" for k in VERB_FEATS if k in head.feats]
        if head.case:
            f.append(f"h.case={head.case}")
        for rel in ("obl", "obj"):
            gov = valency.governed(hl, head.upos, (rel,))
            top = _top(kv for kv in gov.items() if rel == "obj" or kv[0] in _OBLIQUE)
            if top:
                f.append(f"h.{rel}={top}")
        grand = parsed.head(head)
        if negated(parsed, head) or (grand is not None and negated(parsed, grand)):
            f.append("neg")
        if w.deprel == "obj" and head.upos in ("VERB", "AUX"):
            f.append(f"objnom={nominative_object_allowed(parsed, head)}")
        if any(c.lemma.lower() in QUANTIFIERS for c in [*parsed.children(w), *parsed.children(head)]):
            f.append("quant")
        for s in parsed.children(head):
            if s.i == w.i:
                continue
            f.append(f"sib={s.deprel}")
            if s.relation in ("nsubj", "obj") and s.case:
                f.append(f"sib.{s.relation}={s.upos}|{s.case}")
            if s.relation == "cop":
                f.append(f"cop={s.lemma.lower()}")
    for c in parsed.children(w):
        f.append(f"child={c.deprel}")
        if c.deprel == "case":
            side = "post" if c.i > w.i else "pre"
            f.append(f"adp={c.lemma.lower()}|{side}")
            top = _top(valency.cases("adp", c.lemma.lower(), side, "case").items())
            if top:
                f.append(f"adp.lex={top}")
        elif c.deprel in ("amod", "det", "nummod") and c.case:
            f += [f"mod.case={c.case}", f"mod.case+upos={c.case}|{c.upos}"]
        elif c.deprel.startswith("nmod") and c.case:
            f.append(f"nmod.case={c.case}")
    for offset, name in ((-1, "prev"), (1, "next"), (-2, "prev2"), (2, "next2")):
        k = w.i + offset
        if 0 <= k < len(words):
            n = words[k]
            f.append(f"{name}.upos={n.upos}")
            if abs(offset) == 1:
                f += [f"{name}.lemma={n.lemma.lower()}", f"{name}.case={n.case or '-'}"]
                if n.upos == "ADP":
                    f.append(f"{name}.adp={n.text.lower()}")
        else:
            f.append(f"{name}=none")
    return [x.replace("\t", " ").replace("\n", " ") for x in f]


def vector(parsed: ParsedSegment, w: Word) -> Any:
    """The dense input of the model for word `w`: its context vector and its head's (zeros for a
    root), or None when the parse has no vectors (a parse read from a file)."""
    if parsed.vectors is None:
        return None
    own = np.asarray(parsed.vectors[w.i], dtype=np.float32)
    head = parsed.head(w)
    other = np.asarray(parsed.vectors[head.i], dtype=np.float32) if head is not None else np.zeros_like(own)
    return np.concatenate([own, other])


class CaseModel:
    """Weights of the case model: feature → weight per case, and the weights of the dense input
    (`vector`) as a matrix, with the training mean that stands in for a missing vector."""

    def __init__(self, weights: dict[str, dict[str, float]], dense: Any = None, mean: Any = None) -> None:
        self.weights = weights
        self.dense = dense  # (dimensions × cases) or None
        self.mean = mean

    def probabilities(self, feats: Iterable[str], vector: Any = None) -> dict[str, float]:
        """The probability of each case given the features (and the dense input, if the model has
        a dense part)."""
        scores = dict.fromkeys(CASES, 0.0)
        for feat in feats:
            for case, weight in self.weights.get(feat, {}).items():
                scores[case] += weight
        if self.dense is not None:
            x = self.mean if vector is None or len(vector) != len(self.mean) else vector
            for case, score in zip(CASES, (x @ self.dense).tolist(), strict=True):
                scores[case] += score
        top = max(scores.values())
        exp = {c: math.exp(s - top) for c, s in scores.items()}
        total = sum(exp.values())
        return {c: e / total for c, e in exp.items()}


@functools.cache
def model(path: Path = MODEL) -> CaseModel:
    """The shipped case model, read once per process."""
    weights: dict[str, dict[str, float]] = {}
    dense: dict[int, dict[str, float]] = {}
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise InputError(
            path, f"cannot read the case model ({exc.strerror}); rebuild it: make casemodel"
        ) from None
    for number, line in enumerate(lines, start=1):
        if not line or line.startswith("#"):
            continue
        cols = line.split("\t")
        try:
            if cols[0].startswith(DENSE_PREFIX) and cols[0][len(DENSE_PREFIX) :].isdigit():
                dense.setdefault(int(cols[0][len(DENSE_PREFIX) :]), {})[cols[1]] = float(cols[2])
            else:
                weights.setdefault(cols[0], {})[cols[1]] = float(cols[2])
        except (IndexError, ValueError):
            raise InputError(path, f"line {number}: expected feature, case, weight") from None
    if not dense:
        return CaseModel(weights)
    if sorted(dense) != list(range(len(dense))):
        raise InputError(path, f"the dense rows ({DENSE_PREFIX}<k>) skip a component")
    matrix = np.array([[dense[k].get(c, 0.0) for c in CASES] for k in range(len(dense))], dtype=np.float32)
    mean = np.array([dense[k].get("mean", 0.0) for k in range(len(dense))], dtype=np.float32)
    return CaseModel(weights, matrix, mean)
