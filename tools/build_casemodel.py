"""Train the case model (pipeline/data/casemodel.tsv) on parsed professional Finnish.

Machine translation leaves governed nouns in the nominative. This script makes such errors in
clean sentences: a singular noun in a governed position (an adverbial, an adposition's
complement, a partitive object or a negated existential subject) is put back into its lemma,
with its agreeing modifiers half of the time. Each broken sentence is parsed, and the features of
the broken noun (pipeline.casemodel.features) are an example labelled with the case the noun had;
the nominative nouns of the untouched sentences are examples labelled "Nom". A multinomial
logistic regression (numpy, Adagrad, L2) is trained on them, and a tenth of the sentences is held
out to print its figures.

Sources: CoNLL-U treebanks (gold trees; the tree only picks the positions, the features always
come from the pipeline's parser) and plain-text files, one paragraph per line.
Usage: python tools/build_casemodel.py OUT.tsv [--conllu F ...] [--text F ...] [--epochs N]
"""

from __future__ import annotations

import argparse
import collections
import hashlib
import json
import random
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline import casemodel, conllu, parse  # noqa: E402
from pipeline.check import syntax  # noqa: E402
from pipeline.records import ParsedSegment  # noqa: E402

GOVERNED = {"Ela", "Ill", "Ine", "Ade", "All", "Abl", "Ess", "Tra", "Par", "Gen", "Abe", "Com", "Ins"}
AGREEING = {"amod", "det", "nummod"}


@dataclass
class Tok:
    """A token of a clean sentence."""

    form: str
    lemma: str
    upos: str
    feats: dict[str, str]
    head: int  # 1-based, 0 root
    deprel: str
    space_after: bool


def gold_sentences(path: Path) -> Iterator[list[Tok]]:
    """The sentences of a treebank."""
    for s in conllu.read(path):
        yield [Tok(t.form, t.lemma, t.upos, t.feats, t.head, t.deprel, t.space_after) for t in s.tokens]


def parsed_sentences(path: Path) -> Iterator[list[Tok]]:
    """The sentences of a text file, as the pipeline's parser reads them."""
    lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    for doc in parse.nlp().pipe(lines, batch_size=64):
        for sent in doc.sents:
            toks = [t for t in sent if not t.is_space]
            index = {t.i: n + 1 for n, t in enumerate(toks)}
            yield [
                Tok(
                    t.text,
                    t.lemma_,
                    t.pos_,
                    dict(t.morph.to_dict()),
                    0 if t.head.i == t.i else index.get(t.head.i, 0),
                    "root" if t.dep_ == "ROOT" else t.dep_,
                    bool(t.whitespace_),
                )
                for t in toks
            ]


def governed_position(toks: list[Tok], i: int) -> bool:
    """Whether token i is a singular noun in a governed position (as machine translation breaks them)."""
    t = toks[i]
    case = t.feats.get("Case")
    if t.upos != "NOUN" or case not in GOVERNED or t.feats.get("Number") != "Sing":
        return False
    if "Person[psor]" in t.feats or "Clitic" in t.feats or not t.form[:1].isalpha():
        return False
    lemma = t.lemma.replace("#", "")
    if t.form.lower() == lemma.lower() or not (lemma.isalpha() or "-" in lemma):
        return False
    children = [c for c in toks if c.head == i + 1]
    has_adp = any(c.deprel == "case" and c.upos == "ADP" for c in children)
    rel = t.deprel.split(":")[0]
    if case == "Gen":
        return has_adp
    if case == "Par":
        neg = any(c.head == t.head and c.feats.get("Polarity") == "Neg" for c in toks)
        return rel == "obj" or (neg and rel == "nsubj")
    return rel in {"obl", "nmod"} or has_adp


def nominative(t: Tok) -> str:
    """The lemma spelt as the token was (capitalised when it was)."""
    lemma = t.lemma.replace("#", "")
    return lemma[:1].upper() + lemma[1:] if t.form[:1].isupper() and t.upos != "PROPN" else lemma


def render(toks: list[Tok], forms: dict[int, str]) -> tuple[str, list[int]]:
    """The sentence text with some forms replaced, and each token's start offset."""
    text, starts = "", []
    for i, t in enumerate(toks):
        starts.append(len(text))
        text += forms.get(i, t.form) + (" " if t.space_after else "")
    return text.rstrip(), starts


@dataclass
class Example:
    """A text to parse, and the case each judged noun (by its offset) should have."""

    text: str
    labels: dict[int, str]
    held_out: bool


def _nominatives(toks: list[Tok], starts: list[int], skip: set[int]) -> dict[int, str]:
    """The offsets of the untouched nominative singular nouns: controls labelled "Nom"."""
    return {
        starts[i]: "Nom"
        for i, t in enumerate(toks)
        if i not in skip
        and t.upos == "NOUN"
        and t.feats.get("Case") == "Nom"
        and t.feats.get("Number") == "Sing"
    }


def examples(sentences: list[list[Tok]], rng: random.Random, per_sentence: int) -> Iterator[Example]:
    """Broken and untouched examples from clean sentences."""
    for toks in sentences:
        if not 4 <= len(toks) <= 60:
            continue
        clean, starts = render(toks, {})
        held_out = hashlib.sha1(clean.encode()).digest()[0] < 26  # about a tenth
        yield Example(clean, _nominatives(toks, starts, set()), held_out)
        cands = [i for i in range(len(toks)) if governed_position(toks, i)]
        for i in rng.sample(cands, min(per_sentence, len(cands))):
            case = toks[i].feats["Case"]
            forms = {i: nominative(toks[i])}
            if case != "Par" and rng.random() < 0.5:
                mods = [
                    j
                    for j, c in enumerate(toks)
                    if c.head == i + 1
                    and c.deprel in AGREEING
                    and c.feats.get("Case") == case
                    and c.upos in {"ADJ", "NUM", "PRON"}
                ]
                forms.update({j: nominative(toks[j]) for j in mods})
            text, new_starts = render(toks, forms)
            labels = _nominatives(toks, new_starts, set(forms))
            labels[new_starts[i]] = case
            yield Example(text, labels, held_out)


Parsed = list[tuple[ParsedSegment, dict[int, str], bool]]


def parse_examples(exs: list[Example], cache: Path | None) -> Parsed:
    """Every example's text parsed once; with `cache`, the parses are kept in (and read from) a JSONL
    file, so that training again with other features or settings needs no parsing."""
    if cache is not None and cache.exists():
        rows = [json.loads(line) for line in cache.read_text(encoding="utf-8").splitlines()]
        if len(rows) == len(exs) and all(r["text"] == e.text for r, e in zip(rows, exs, strict=True)):
            return [
                (ParsedSegment.from_dict(r["parse"]), {int(k): v for k, v in e.labels.items()}, e.held_out)
                for r, e in zip(rows, exs, strict=True)
            ]
        print(f"  {cache}: made from other sentences, parsing again", file=sys.stderr)
    out: Parsed = []
    texts = [e.text for e in exs]
    for n, doc in enumerate(parse.nlp().pipe(texts, batch_size=128)):
        out.append((ParsedSegment("x", parse.words_of(doc, 0)), exs[n].labels, exs[n].held_out))
        if n % 2000 == 0:
            print(f"  parsed {n}/{len(texts)}", file=sys.stderr)
    if cache is not None:
        tmp = cache.with_suffix(".tmp")
        with open(tmp, "w", encoding="utf-8") as f:
            for (parsed, _, _), e in zip(out, exs, strict=True):
                f.write(json.dumps({"text": e.text, "parse": parsed.to_dict()}, ensure_ascii=False) + "\n")
        tmp.replace(cache)
    return out


def featurise(parsed_examples: Parsed) -> list[tuple[list[str], str, bool]]:
    """The features of every judged noun (the candidates) and the case it should have."""
    out: list[tuple[list[str], str, bool]] = []
    for parsed, labels, held_out in parsed_examples:
        at = {w.start: w for w in parsed.words}
        for start, label in labels.items():
            w = at.get(start)
            if w is not None and syntax.candidate(parsed, w):
                out.append((casemodel.features(parsed, w), label, held_out))
    return out


def train(
    data: list[tuple[list[str], str]], epochs: int, l2: float, rate: float
) -> tuple[list[str], np.ndarray]:
    """Multinomial logistic regression by Adagrad over sparse binary features."""
    index: dict[str, int] = {}
    rows = [[index.setdefault(f, len(index)) for f in dict.fromkeys(feats)] for feats, _ in data]
    labels = [casemodel.CASES.index(label) for _, label in data]
    w = np.zeros((len(index), len(casemodel.CASES)))
    g2 = np.full_like(w, 1e-8)
    order = list(range(len(rows)))
    rng = random.Random(1)
    for epoch in range(epochs):
        rng.shuffle(order)
        loss = 0.0
        for k in order:
            r = rows[k]
            scores = w[r].sum(axis=0)
            scores -= scores.max()
            p = np.exp(scores)
            p /= p.sum()
            loss -= float(np.log(p[labels[k]] + 1e-12))
            grad = p.copy()
            grad[labels[k]] -= 1.0
            g = grad[None, :] + l2 * w[r]
            g2[r] += g * g
            w[r] -= rate * g / np.sqrt(g2[r])
        print(f"  epoch {epoch + 1}: loss {loss / len(rows):.4f}", file=sys.stderr)
    names = [""] * len(index)
    for name, i in index.items():
        names[i] = name
    return names, w


def evaluate(model: casemodel.CaseModel, data: list[tuple[list[str], str]], sentences: int = 0) -> None:
    """Held-out figures at a few thresholds on the nominative's probability. With the number of
    untouched held-out sentences, the alarms are also given per 100 of them (the unit of the
    project's false-alarm target) and the precision as if each sentence had one broken noun."""
    probs = [(model.probabilities(f), label) for f, label in data]
    broken = [(p, label) for p, label in probs if label != "Nom"]
    controls = [p for p, label in probs if label == "Nom"]
    for threshold in (0.5, 0.3, 0.25, 0.2, 0.15, 0.1, 0.05):
        found = [(p, label) for p, label in broken if p["Nom"] < threshold]
        right = sum(1 for p, label in found if max((c for c in p if c != "Nom"), key=p.__getitem__) == label)
        alarms = sum(1 for p in controls if p["Nom"] < threshold)
        recall = len(found) / max(1, len(broken))
        per_sentence = ""
        if sentences:
            rate = alarms / sentences
            per_sentence = f" ({100 * rate:.2f} per 100 sentences, precision {recall / (recall + rate):.3f})"
        print(
            f"held out, P(Nom) < {threshold}: found {recall:.3f}, "
            f"right case {right / max(1, len(broken)):.3f} of {len(broken)} broken nouns; "
            f"alarms {alarms / max(1, len(controls)):.4f} of {len(controls)} nominative nouns{per_sentence}"
        )
    for sure in (0.5, 0.6, 0.7, 0.8):
        picked = [(p, label) for p, label in probs if p["Nom"] < 0.2 and max(p.values()) >= sure]
        right = sum(1 for p, label in picked if max(p, key=p.__getitem__) == label)
        print(f"held out, sure at {sure}: {len(picked)} fixes, {right / max(1, len(picked)):.3f} right")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--conllu", type=Path, nargs="*", default=[])
    ap.add_argument("--text", type=Path, nargs="*", default=[])
    ap.add_argument("--epochs", type=int, default=6)
    ap.add_argument("--l2", type=float, default=1e-3)
    ap.add_argument("--rate", type=float, default=0.1)
    ap.add_argument("--per-sentence", type=int, default=4)
    ap.add_argument("--parses", type=Path, default=None, help="a JSONL cache of the parses (kept)")
    ap.add_argument("--min-count", type=int, default=3, help="drop features seen fewer times in training")
    ap.add_argument("--prune", type=float, default=0.05, help="drop weights smaller than this")
    ap.add_argument(
        "--evaluate",
        action="store_true",
        help="only print the held-out figures of the model at OUT (parses the held-out tenth alone)",
    )
    args = ap.parse_args()
    rng = random.Random(20261201)
    sentences = [s for p in args.conllu for s in gold_sentences(p)]
    sentences += [s for p in args.text for s in parsed_sentences(p)]
    exs = list(examples(sentences, rng, args.per_sentence))
    print(f"{len(sentences)} sentences, {len(exs)} examples", file=sys.stderr)
    # The untouched sentences: a broken one has a label other than "Nom".
    clean_held_out = sum(1 for e in exs if e.held_out and all(c == "Nom" for c in e.labels.values()))
    if args.evaluate:
        held = [e for e in exs if e.held_out]
        model = casemodel.model(args.out)
        evaluate(model, [(f, c) for f, c, _ in featurise(parse_examples(held, None))], clean_held_out)
        return
    data = featurise(parse_examples(exs, args.parses))
    if args.min_count > 1:
        seen = collections.Counter(f for feats, _, held_out in data if not held_out for f in set(feats))
        data = [([f for f in feats if seen[f] >= args.min_count], c, h) for feats, c, h in data]
    names, w = train([(f, c) for f, c, h in data if not h], args.epochs, args.l2, args.rate)
    weights = {
        name: {casemodel.CASES[j]: float(w[i, j]) for j in range(w.shape[1]) if abs(w[i, j]) >= args.prune}
        for i, name in enumerate(names)
    }
    model = casemodel.CaseModel({k: v for k, v in weights.items() if v})
    evaluate(model, [(f, c) for f, c, h in data if h], clean_held_out)
    tmp = args.out.with_suffix(".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        sources = ", ".join(p.name for p in [*args.conllu, *args.text])
        f.write(f"# case model: feature, case, weight; trained on {sources}\n")
        for name in sorted(model.weights):
            for case, weight in sorted(model.weights[name].items()):
                f.write(f"{name}\t{case}\t{weight:.4f}\n")
    tmp.replace(args.out)
    print(f"{args.out}: {sum(len(v) for v in model.weights.values())} weights")


if __name__ == "__main__":
    main()
