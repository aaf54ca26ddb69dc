"""The case model: which case a noun in the nominative should be in, from its place in the parse.

A multinomial logistic regression over features of the parse (the noun's relation and lemma,
its head's lemma, voice, mood and person, its adposition, its modifiers' cases, negation, its
neighbours) and of the valency lexicon (pipeline.valency). It is trained by
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


class CaseModel:
    """Weights of the case model: feature → weight per case."""

    def __init__(self, weights: dict[str, dict[str, float]]) -> None:
        self.weights = weights

    def probabilities(self, feats: Iterable[str]) -> dict[str, float]:
        """The probability of each case given the features."""
        scores = dict.fromkeys(CASES, 0.0)
        for feat in feats:
            for case, weight in self.weights.get(feat, {}).items():
                scores[case] += weight
        top = max(scores.values())
        exp = {c: math.exp(s - top) for c, s in scores.items()}
        total = sum(exp.values())
        return {c: e / total for c, e in exp.items()}


@functools.cache
def model(path: Path = MODEL) -> CaseModel:
    """The shipped case model, read once per process."""
    weights: dict[str, dict[str, float]] = {}
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
            weights.setdefault(cols[0], {})[cols[1]] = float(cols[2])
        except (IndexError, ValueError):
            raise InputError(path, f"line {number}: expected feature, case, weight") from None
    return CaseModel(weights)
