"""Train the case model (pipeline/data/casemodel.tsv) on parsed professional Finnish.

Machine translation leaves governed nouns in the nominative. This script makes such errors in
clean sentences: a singular noun in a governed position (an adverbial, an adposition's
complement, a partitive object or a negated existential subject) is put back into its lemma,
with its agreeing modifiers half of the time. Each broken sentence is parsed, and the features of
the broken noun (pipeline.casemodel.features) are an example labelled with the case the noun had;
the nominative nouns of the untouched sentences are examples labelled "Nom". A multinomial
logistic regression (numpy, Adagrad, L2) is trained on them, over the sparse features and the
parser's context vectors of the noun and its head (pipeline.casemodel.vector), and a tenth of the
sentences is held out to print its figures.

Sources: CoNLL-U treebanks (gold trees; the tree only picks the positions, the features always
come from the pipeline's parser) and plain-text files, one paragraph per line.
Usage: python tools/build_casemodel.py OUT.tsv [--conllu F ...] [--text F ...] [--epochs N]
       [--passes N] [--parses CACHE.jsonl] [--evaluate]
"""

from __future__ import annotations

import argparse
import base64
import collections
import hashlib
import importlib.metadata
import json
import random
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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


def examples(
    sentences: list[list[Tok]], rng: random.Random, per_sentence: int, controls: bool = True
) -> Iterator[Example]:
    """Broken examples from clean sentences, and (with `controls`) the untouched sentences."""
    for toks in sentences:
        if not 4 <= len(toks) <= 60:
            continue
        clean, starts = render(toks, {})
        held_out = hashlib.sha1(clean.encode()).digest()[0] < 26  # about a tenth
        if controls:
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


def _judged_vectors(parsed: ParsedSegment, labels: dict[int, str]) -> dict[str, str]:
    """The context vectors the model reads for the judged nouns (theirs and their heads'), as
    base64 float16 rows by word index: what the cache keeps of the parser's tensor."""
    keep: set[int] = set()
    for w in parsed.words:
        if w.start in labels:
            head = parsed.head(w)
            keep |= {w.i} | ({head.i} if head is not None else set())
    return {
        str(i): base64.b64encode(np.asarray(parsed.vectors[i], dtype=np.float16).tobytes()).decode()
        for i in sorted(keep)
    }


def _read_vectors(rows: dict[str, str]) -> dict[int, np.ndarray]:
    """The rows `_judged_vectors` wrote."""
    return {
        int(i): np.frombuffer(base64.b64decode(b), dtype=np.float16).astype(np.float32)
        for i, b in rows.items()
    }


def _cached_parse(row: dict[str, Any]) -> ParsedSegment:
    """A parse as the cache keeps it, with the vectors of its judged nouns."""
    return ParsedSegment("x", ParsedSegment.from_dict(row["parse"]).words, _read_vectors(row["vectors"]))


def parse_examples(exs: list[Example], cache: Path | None) -> Parsed:
    """Every example's text parsed once; with `cache`, the parses (and the context vectors of the
    judged nouns) are kept in (and read from) a JSONL file, so that training again with other
    features or settings needs no parsing."""
    if cache is not None and cache.exists():
        rows = [json.loads(line) for line in cache.read_text(encoding="utf-8").splitlines()]
        if len(rows) == len(exs) and all(
            r["text"] == e.text and "vectors" in r for r, e in zip(rows, exs, strict=True)
        ):
            return [
                (
                    _cached_parse(r),
                    e.labels,
                    e.held_out,
                )
                for r, e in zip(rows, exs, strict=True)
            ]
        print(f"  {cache}: made from other sentences or without vectors, parsing again", file=sys.stderr)
    out: Parsed = []
    texts = [e.text for e in exs]
    for n, doc in enumerate(parse.nlp().pipe(texts, batch_size=128)):
        # (rounded as the cache keeps them, so that a rebuild from the cache trains the same model)
        vectors = parse.vectors_of(doc).astype(np.float16).astype(np.float32)
        parsed = ParsedSegment("x", parse.words_of(doc, 0), vectors)
        out.append((parsed, exs[n].labels, exs[n].held_out))
        if n % 2000 == 0:
            print(f"  parsed {n}/{len(texts)}", file=sys.stderr)
    if cache is not None:
        tmp = cache.with_suffix(".tmp")
        with open(tmp, "w", encoding="utf-8") as f:
            for (parsed, labels, _), e in zip(out, exs, strict=True):
                row = {"text": e.text, "parse": parsed.to_dict(), "vectors": _judged_vectors(parsed, labels)}
                f.write(json.dumps(row, ensure_ascii=False) + "\n")
        tmp.replace(cache)
    return out


# One judged noun: its sparse features, its dense input (casemodel.vector), its case, held out or not.
Row = tuple[list[str], np.ndarray, str, bool]


def featurise(parsed_examples: Parsed) -> list[Row]:
    """The features of every judged noun (the candidates) and the case it should have."""
    out: list[Row] = []
    for parsed, labels, held_out in parsed_examples:
        at = {w.start: w for w in parsed.words}
        for start, label in labels.items():
            w = at.get(start)
            if w is not None and syntax.candidate(parsed, w):
                out.append((casemodel.features(parsed, w), casemodel.vector(parsed, w), label, held_out))
    return out


@dataclass
class Settings:
    """Training settings: epochs, and the Adagrad rate and L2 of the sparse and the dense weights."""

    epochs: int = 6
    l2: float = 1e-3
    rate: float = 0.1
    dense_l2: float = 1e-2
    dense_rate: float = 0.01


def train(data: list[Row], settings: Settings) -> casemodel.CaseModel:
    """Multinomial logistic regression by Adagrad over sparse binary features and the dense input
    (standardised by its training mean and spread, which the written weights fold back in)."""
    index: dict[str, int] = {}
    rows = [[index.setdefault(f, len(index)) for f in dict.fromkeys(feats)] for feats, *_ in data]
    labels = [casemodel.CASES.index(label) for _, _, label, _ in data]
    x = np.stack([vec for _, vec, _, _ in data]).astype(np.float32)
    mean, spread = x.mean(axis=0), x.std(axis=0) + 1e-6
    x = (x - mean) / spread
    w = np.zeros((len(index), len(casemodel.CASES)))
    g2 = np.full_like(w, 1e-8)
    d = np.zeros((x.shape[1], len(casemodel.CASES)))
    d2 = np.full_like(d, 1e-8)
    order = list(range(len(rows)))
    rng = random.Random(1)
    for epoch in range(settings.epochs):
        rng.shuffle(order)
        loss = 0.0
        for k in order:
            r = rows[k]
            scores = w[r].sum(axis=0) + x[k] @ d
            scores -= scores.max()
            p = np.exp(scores)
            p /= p.sum()
            loss -= float(np.log(p[labels[k]] + 1e-12))
            grad = p.copy()
            grad[labels[k]] -= 1.0
            g = grad[None, :] + settings.l2 * w[r]
            g2[r] += g * g
            w[r] -= settings.rate * g / np.sqrt(g2[r])
            gd = np.outer(x[k], grad) + settings.dense_l2 * d
            d2 += gd * gd
            d -= settings.dense_rate * gd / np.sqrt(d2)
        print(f"  epoch {epoch + 1}: loss {loss / len(rows):.4f}", file=sys.stderr)
    names = [""] * len(index)
    for name, i in index.items():
        names[i] = name
    # Fold the standardisation into the dense weights: (v - mean) / spread @ d = v @ d' - mean @ d'.
    folded = d / spread[:, None]
    bias = index.get("bias")
    if bias is not None:
        w[bias] -= mean @ folded
    weights = {name: dict(zip(casemodel.CASES, w[i].tolist(), strict=True)) for i, name in enumerate(names)}
    return casemodel.CaseModel(weights, folded.astype(np.float32), mean.astype(np.float32))


def pruned(model: casemodel.CaseModel, prune: float) -> casemodel.CaseModel:
    """The model without its sparse weights smaller than `prune` (the dense part is kept whole)."""
    weights = {
        name: {case: weight for case, weight in cases.items() if abs(weight) >= prune}
        for name, cases in model.weights.items()
    }
    return casemodel.CaseModel({k: v for k, v in weights.items() if v}, model.dense, model.mean)


def write_model(model: casemodel.CaseModel, path: Path, sources: str) -> None:
    """The model as feature, case, weight rows (the dense part as ctx<k> rows, with its mean)."""
    tmp = path.with_suffix(".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(f"# case model: feature, case, weight; trained on {sources}\n")
        dense = f"{casemodel.DENSE_PREFIX}<k>"
        version = importlib.metadata.version(parse.MODEL_PACKAGE)
        f.write(f"# dense part ({dense} rows): context vectors of {parse.MODEL_PACKAGE} {version}\n")
        for name in sorted(model.weights):
            for case, weight in sorted(model.weights[name].items()):
                f.write(f"{name}\t{case}\t{weight:.4f}\n")
        if model.dense is not None:
            for k, row in enumerate(model.dense.tolist()):
                name = f"{casemodel.DENSE_PREFIX}{k}"
                f.write(f"{name}\tmean\t{float(model.mean[k]):.5g}\n")
                for case, weight in zip(casemodel.CASES, row, strict=True):
                    f.write(f"{name}\t{case}\t{weight:.5g}\n")
    tmp.replace(path)


def evaluate(model: casemodel.CaseModel, data: list[Row], sentences: int = 0) -> None:
    """Held-out figures at a few thresholds on the nominative's probability. With the number of
    untouched held-out sentences, the alarms are also given per 100 of them (the unit of the
    project's false-alarm target) and the precision as if each sentence had one broken noun."""
    probs = [(model.probabilities(f, vec), label) for f, vec, label, _ in data]
    broken = [(p, label) for p, label in probs if label != "Nom"]
    controls = [p for p, label in probs if label == "Nom"]
    for threshold in (0.5, 0.3, 0.25, 0.2, 0.175, 0.15, 0.125, 0.1, 0.05):
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
    defaults = Settings()
    ap.add_argument("--epochs", type=int, default=defaults.epochs)
    ap.add_argument("--l2", type=float, default=defaults.l2)
    ap.add_argument("--rate", type=float, default=defaults.rate)
    ap.add_argument("--dense-l2", type=float, default=defaults.dense_l2)
    ap.add_argument("--dense-rate", type=float, default=defaults.dense_rate)
    ap.add_argument("--per-sentence", type=int, default=4)
    ap.add_argument(
        "--passes",
        type=int,
        default=1,
        help="break the treebank sentences (--conllu) this many times, with fresh choices each time",
    )
    ap.add_argument("--parses", type=Path, default=None, help="a JSONL cache of the parses (kept)")
    ap.add_argument("--min-count", type=int, default=3, help="drop features seen fewer times in training")
    ap.add_argument("--prune", type=float, default=0.05, help="drop sparse weights smaller than this")
    ap.add_argument(
        "--evaluate",
        action="store_true",
        help="only print the held-out figures of the model at OUT (parses the held-out tenth alone)",
    )
    args = ap.parse_args()
    rng = random.Random(20261201)
    treebank = [s for p in args.conllu for s in gold_sentences(p)]
    text = [s for p in args.text for s in parsed_sentences(p)]
    exs = list(examples(treebank + text, rng, args.per_sentence))
    for _ in range(args.passes - 1):
        exs += examples(treebank, rng, args.per_sentence, controls=False)
    print(f"{len(treebank) + len(text)} sentences, {len(exs)} examples", file=sys.stderr)
    # The untouched sentences: a broken one has a label other than "Nom".
    clean_held_out = sum(1 for e in exs if e.held_out and all(c == "Nom" for c in e.labels.values()))
    if args.evaluate:
        held = [e for e in exs if e.held_out]
        evaluate(casemodel.model(args.out), featurise(parse_examples(held, None)), clean_held_out)
        return
    data = featurise(parse_examples(exs, args.parses))
    if args.min_count > 1:
        seen = collections.Counter(f for feats, _, _, held_out in data if not held_out for f in set(feats))
        data = [([f for f in feats if seen[f] >= args.min_count], v, c, h) for feats, v, c, h in data]
    settings = Settings(args.epochs, args.l2, args.rate, args.dense_l2, args.dense_rate)
    model = pruned(train([row for row in data if not row[3]], settings), args.prune)
    evaluate(model, [row for row in data if row[3]], clean_held_out)
    write_model(model, args.out, ", ".join(p.name for p in [*args.conllu, *args.text]))
    dense = model.dense.size if model.dense is not None else 0
    print(f"{args.out}: {sum(len(v) for v in model.weights.values())} weights and {dense} dense ones")


if __name__ == "__main__":
    main()
