"""Inflector benchmark: regenerate treebank word forms from (lemma, Case, Number, UPOS) with pipeline.inflect.

Takes every NOUN, PROPN, ADJ and NUM token (and VERB participles) of the TDT, PUD and FTB development
sets that has Case and Number, no possessive suffix, no clitic, no colloquial Style, no comparative
or superlative Degree (the API has no degree), and an alphabetic form (hyphens allowed). Prints per
set, per UPOS and per case: n, coverage (a form produced), top-1 (the first form is the treebank
form, first letter case ignored), any-match (the treebank form is among the forms), and the same
over the tokens whose form Voikko itself reads as that lemma, case and number ("reachable").
Rules are tuned on TDT + PUD; FTB is the held-out check.
A VERB participle's lemma in UD is the verb ("tehdä"); the inflector takes the participle's own base
form ("tehty"), which the benchmark reads from Voikko's analysis of the treebank form (an oracle for
that base form only).
Usage: python bench/bench_inflect.py [--shared ../shared] [--runs N] [--errors N]
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

from common import parser

from pipeline import conllu, finnish
from pipeline.finnish import analyses
from pipeline.inflect import UD_CASES, UD_NUMBERS, clear_caches, inflect

SETS = {"TDT": "fi_tdt-ud-dev.conllu", "PUD": "pud_dev.fi.conllu", "FTB": "fi_ftb-ud-dev.conllu"}
TUNED = ("TDT", "PUD")
UPOS = ("NOUN", "PROPN", "ADJ", "NUM", "VERB")


@dataclass(frozen=True)
class Item:
    """One treebank token to regenerate."""

    form: str
    lemma: str
    case: str
    number: str
    upos: str


def participle_lemma(form: str) -> str | None:
    """The participle's base form ("tehty") in Voikko's analysis of a participle form, if any."""
    for a in analyses(form) or analyses(form.lower()):
        if a.get("PARTICIPLE") and a.get("BASEFORM"):
            return a["BASEFORM"]
    return None


def items(path: Path) -> list[Item]:
    """The benchmark's tokens of one CoNLL-U file."""
    out: list[Item] = []
    for sentence in conllu.read(path):
        for t in sentence.tokens:
            f = t.feats
            if t.upos not in UPOS or "Case" not in f or "Number" not in f or f["Case"] not in UD_CASES:
                continue
            if "Person[psor]" in f or "Clitic" in f or "Style" in f or f.get("Degree", "Pos") != "Pos":
                continue
            if not t.form.replace("-", "").isalpha() or t.form.startswith("-") or t.form.endswith("-"):
                continue
            lemma = t.lemma
            if t.upos == "VERB" and (
                f.get("VerbForm") != "Part" or not (lemma := participle_lemma(t.form) or "")
            ):
                continue
            out.append(Item(t.form, lemma, f["Case"], f["Number"], t.upos))
    return out


def reachable(item: Item) -> bool:
    """Voikko reads the treebank form as the lemma in that case and number (no possessive)."""
    lemma = item.lemma.replace("#", "").lower()
    case, number = UD_CASES[item.case], UD_NUMBERS[item.number]
    return any(
        a.get("SIJAMUOTO") == case
        and a.get("NUMBER") == number
        and not a.get("POSSESSIVE")
        and (a.get("BASEFORM", "").lower() == lemma or a.get("MOOD") == "MINEN-infinitive")
        for a in analyses(item.form) or analyses(item.form.lower())
    )


def same(a: str, b: str) -> bool:
    """Equal but for the case of the first letter."""
    return a[:1].lower() + a[1:] == b[:1].lower() + b[1:]


class Score:
    """Counts for one group of tokens."""

    def __init__(self) -> None:
        self.n = self.covered = self.top1 = self.any = 0
        self.rn = self.rtop1 = self.rany = 0

    def add(self, forms: tuple[str, ...], item: Item, reach: bool) -> None:
        """Count one token's result."""
        top = bool(forms) and same(forms[0], item.form)
        hit = any(same(f, item.form) for f in forms)
        self.n += 1
        self.covered += bool(forms)
        self.top1 += top
        self.any += hit
        if reach:
            self.rn += 1
            self.rtop1 += top
            self.rany += hit

    def line(self, name: str) -> str:
        """The figures as one line."""

        def r(a: int, b: int) -> str:
            return f"{a / b:.3f}" if b else "  -  "

        return (
            f"  {name:<22} n={self.n:<6} coverage={r(self.covered, self.n)} top1={r(self.top1, self.n)} "
            f"any={r(self.any, self.n)} | reachable n={self.rn:<6} top1={r(self.rtop1, self.rn)} "
            f"any={r(self.rany, self.rn)} (unreachable {self.n - self.rn})"
        )


def run(batch: list[Item]) -> list[tuple[str, ...]]:
    """Inflect every item with cold caches."""
    clear_caches()
    finnish.clear_caches()
    return [inflect(i.lemma, i.case, i.number, i.upos) for i in batch]


def report(name: str, batch: list[Item], results: list[tuple[str, ...]], errors: int) -> None:
    """Print the figures of one group of sets."""
    overall, sing_oblique = Score(), Score()
    by_pos: dict[str, Score] = defaultdict(Score)
    by_case: dict[str, Score] = defaultdict(Score)
    misses: Counter[tuple[str, str, str, str, str, str]] = Counter()
    for item, forms in zip(batch, results, strict=True):
        reach = reachable(item)
        by_pos[item.upos].add(forms, item, reach)
        if item.upos == "VERB":
            continue  # participles have an oracle lemma: reported on their own line only
        overall.add(forms, item, reach)
        by_case[f"{item.case} {item.number}"].add(forms, item, reach)
        if item.upos == "NOUN" and item.number == "Sing" and item.case != "Nom":
            sing_oblique.add(forms, item, reach)
        if reach and not (forms and same(forms[0], item.form)):
            misses[(item.lemma, item.case, item.number, item.upos, item.form, " ".join(forms[:3]))] += 1
    print(f"{name}")
    print(overall.line("all (without VERB)"))
    print(sing_oblique.line("NOUN Sing, not Nom"))
    for pos in UPOS:
        if pos in by_pos:
            print(by_pos[pos].line(pos))
    for key in sorted(by_case, key=lambda k: -by_case[k].n):
        print(by_case[key].line(key))
    for (lemma, case, number, upos, form, got), count in misses.most_common(errors):
        print(f"    miss x{count}: {lemma} {case} {number} {upos}: {form} <- {got or '()'}")


def main() -> None:
    ap = parser(__doc__.splitlines()[0])
    ap.add_argument("--errors", type=int, default=0, help="print the N commonest reachable top-1 misses")
    args = ap.parse_args()
    data = args.shared.resolve() / "data"
    sets = {name: items(data / file) for name, file in SETS.items()}
    for group in (TUNED, ("FTB",)):
        batch = [item for name in group for item in sets[name]]
        times = []
        results: list[tuple[str, ...]] = []
        for _ in range(max(1, args.runs)):
            t0 = time.perf_counter()
            results = run(batch)
            times.append(time.perf_counter() - t0)
        best = sorted(times)[len(times) // 2]
        report(
            f"{' + '.join(group)} dev ({'tuned' if group == TUNED else 'held out'})",
            batch,
            results,
            args.errors,
        )
        distinct = len({(i.lemma, i.case, i.number, i.upos) for i in batch})
        print(
            f"  speed: {len(batch) / best:,.0f} tokens/s, {best / distinct * 1000:.2f} ms per distinct "
            f"(lemma, case, number, UPOS) ({distinct}), cold caches, median of {args.runs} runs"
        )


if __name__ == "__main__":
    main()
