"""Rebuild the valency lexicon (pipeline/data/valency.tsv) from parsed professional Finnish.

Counts, over dependency trees, which case each head takes for its nominal dependents:
- `gov`: head lemma × head UPOS × relation (obj, obl, nmod, xcomp, nsubj) × dependent case;
- `adp`: adposition lemma × the case of the noun it goes with (and whether it stands after the noun:
  `post`/`pre`), so "avulla" → Gen, "huolimatta" → Ela, "ilman" → Par;
- `noun`: noun lemma × relation × case, for nouns whose case depends on the noun itself more than
  on its head (time words: "keskiviikkona", "vuonna").
Sources are CoNLL-U treebanks (gold trees) and plain-text files, one paragraph per line, which are
parsed with the pipeline's parser. Rows seen fewer than --min-count times are left out.
Usage: python tools/build_valency.py OUT.tsv [--conllu F.conllu ...] [--text F.txt ...]
"""

from __future__ import annotations

import argparse
import collections
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline import conllu  # noqa: E402
from pipeline.valency import NOMINAL, RELATIONS, row_key  # noqa: E402

Tree = list[tuple[int, str, str, dict[str, str], int, str]]  # (index, lemma, upos, feats, head, deprel)


def gold_trees(path: Path) -> Iterator[Tree]:
    """The trees of a treebank, 0-based heads (-1: root)."""
    for sent in conllu.read(path):
        yield [
            (t.id - 1, t.lemma.replace("#", "").lower(), t.upos, t.feats, t.head - 1, t.deprel)
            for t in sent.tokens
        ]


def parsed_trees(path: Path) -> Iterator[Tree]:
    """The trees the pipeline's parser gives the paragraphs of a text file."""
    from pipeline import parse  # noqa: PLC0415  (spaCy only when there is text to parse)

    lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    for doc in parse.nlp().pipe(lines, batch_size=64):
        for sent in doc.sents:
            yield [
                (
                    t.i - sent.start,
                    t.lemma_.lower(),
                    t.pos_,
                    dict(t.morph.to_dict()),
                    -1 if t.head.i == t.i else t.head.i - sent.start,
                    "root" if t.dep_ == "ROOT" else t.dep_,
                )
                for t in sent
            ]


def count(trees: Iterable[Tree]) -> collections.Counter[tuple[str, ...]]:
    """Counts of the lexicon's rows over the trees."""
    counts: collections.Counter[tuple[str, ...]] = collections.Counter()
    for tree in trees:
        for i, lemma, upos, feats, head, deprel in tree:
            case = feats.get("Case")
            if upos not in NOMINAL or not case or "Person[psor]" in feats:
                continue
            rel = deprel.split(":")[0]
            adps = [t for t in tree if t[4] == i and t[5] == "case" and t[2] == "ADP"]
            for adp in adps:
                counts[row_key("adp", adp[1], "post" if adp[0] > i else "pre", "case", case)] += 1
            if rel in RELATIONS and not adps and 0 <= head < len(tree):
                h = tree[head]
                counts[row_key("gov", h[1], h[2], deprel, case)] += 1
                counts[row_key("noun", lemma, upos, rel, case)] += 1
    return counts


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--conllu", type=Path, nargs="*", default=[])
    ap.add_argument("--text", type=Path, nargs="*", default=[])
    ap.add_argument("--min-count", type=int, default=2)
    args = ap.parse_args()
    counts: collections.Counter[tuple[str, ...]] = collections.Counter()
    for path in args.conllu:
        counts.update(count(gold_trees(path)))
    for path in args.text:
        counts.update(count(parsed_trees(path)))
    rows = sorted((k, n) for k, n in counts.items() if n >= args.min_count)
    tmp = args.out.with_suffix(".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        sources = ", ".join(p.name for p in [*args.conllu, *args.text])
        f.write(f"# valency lexicon: kind, head/lemma, pos, relation, case, count; from {sources}\n")
        for key, n in rows:
            f.write("\t".join((*key, str(n))) + "\n")
    tmp.replace(args.out)
    print(f"{args.out}: {len(rows)} rows from {sum(counts.values())} dependents")


if __name__ == "__main__":
    main()
