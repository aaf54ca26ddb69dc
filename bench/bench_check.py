"""Finnish-check benchmark: MT-artifact and case-government figures beside plain Voikko, and throughput.

1. Builds the MT-artifact development set with ../shared/bench/make_mtcheck.py, checks `injected.txt`
   and `clean.txt` with the pipeline's check stage and with the plain-Voikko baseline (grammar and
   spelling, every hit counted), scores both with ../shared/bench/score_mtcheck.py, and times both.
2. Builds the case-government set with ../shared/bench/make_govcheck.py (PUD and TDT development
   data), checks both texts with the check stage and with plain Voikko, and scores them with
   ../shared/bench/score_govcheck.py.
3. Throughput: words per second of the check stage (the parse included, the parser loaded once
   before timing, as a worker process does) beside plain Voikko on the same text, one process: by
   wall time, and per core by the process's CPU time (which other processes' load does not inflate).
Usage: python bench/bench_check.py [--shared ../shared] [--work DIR] [--runs N]
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

from common import parser, shared_script, timed

from pipeline import check, finnish, inflect, io, parse
from pipeline.check import mt_artifacts
from pipeline.finnish import voikko

Rows = list[dict[str, Any]]


def plain_voikko(path: Path) -> Rows:
    """The baseline: Voikko's grammar checker and speller over each line, every hit an issue."""
    v = voikko()
    rows: Rows = []
    pos = 0
    for line in io.read_text(path).split("\n"):
        for err in v.grammarErrors(line, "fi"):
            rows.append({"start": pos + err.startPos, "end": pos + err.startPos + err.errorLen})
        off = pos
        for token in v.tokens(line):
            n = len(token.tokenText)
            if token.tokenType == 1 and not v.spell(token.tokenText):
                rows.append({"start": off, "end": off + n})
            off += n
        pos += len(line) + 1
    return rows


def pipeline_check(path: Path) -> Rows:
    """The pipeline's check stage with its default checkers, every cache cold as in a fresh process
    (the parser model stays loaded: a worker loads it once for all its documents)."""
    finnish.clear_caches()
    mt_artifacts.clear_caches()
    inflect.clear_caches()
    return [i.to_dict() for i in check.check_file(path)]


def words(path: Path) -> tuple[int, int]:
    """The number of words (Voikko's word tokens) and of tokens (words and punctuation) in a text."""
    tokens = [t for t in finnish.tokenize(io.read_text(path)) if t.text.strip()]
    return sum(1 for t in tokens if t.is_word), len(tokens)


def score_set(shared: Path, work: Path, scorer: str, runs: int, label: str) -> dict[str, float]:
    """Check a set's injected and clean texts with the pipeline and with plain Voikko, score and time both."""
    totals: dict[str, float] = {}
    for name, fn in (("pipeline", pipeline_check), ("voikko", plain_voikko)):
        total = 0.0
        for part in ("injected", "clean"):
            t, rows = timed(lambda part=part, fn=fn: fn(work / f"{part}.txt"), runs)  # type: ignore[misc]
            total += t
            io.write_jsonl(work / f"{name}_{part}.jsonl", rows)
        scores = shared_script(
            shared, scorer, work, work / f"{name}_injected.jsonl", work / f"{name}_clean.jsonl"
        )
        totals[name] = total
        what = "check stage" if name == "pipeline" else "plain Voikko (grammar + spelling, every hit)"
        print(f"== {label}, {name}: {what}, {total:.2f} s for both texts")
        print("  " + scores.strip().replace("\n", "\n  "))
    return totals


def main() -> None:
    ap = parser(__doc__.splitlines()[0])
    ap.add_argument("--seed", default="7", help="make_mtcheck.py's random seed (default 7, its own default)")
    args = ap.parse_args()
    shared = args.shared.resolve()
    data = shared / "data"
    with tempfile.TemporaryDirectory() as tmp:
        work = args.work or Path(tmp)
        shared_script(
            shared,
            "make_mtcheck.py",
            work,
            data / "pud_dev.fi.conllu",
            data / "pud_dev.en.conllu",
            data / "fi_tdt-ud-dev.conllu",
            args.seed,
        )
        print(f"MT-artifact detection, development set (seed {args.seed}), median of {args.runs} cold runs")
        parse.nlp()  # loaded once, before timing: a worker process loads it once for all documents
        totals = score_set(shared, work, "score_mtcheck.py", args.runs, "MT artifacts")
        print(f"time ratio check stage / plain Voikko: {totals['pipeline'] / totals['voikko']:.2f}x")
        gov = work / "gov"
        shared_script(
            shared, "make_govcheck.py", gov, data / "pud_dev.fi.conllu", data / "fi_tdt-ud-dev.conllu"
        )
        print("Case government, development set (make_govcheck.py's default seed)")
        score_set(shared, gov, "score_govcheck.py", 1, "case government")
        (w1, t1), (w2, t2) = words(gov / "clean.txt"), words(gov / "injected.txt")
        n, tokens = w1 + w2, t1 + t2
        print(
            f"Throughput on the government set's two texts ({n} words, {tokens} tokens with punctuation), "
            f"median of {args.runs} cold runs, one process:"
        )
        for name, (t, cpu) in totals_on(gov, args.runs).items():
            print(
                f"  {name}: {n / t:,.0f} words/s, {tokens / t:,.0f} tokens/s ({t:.2f} s); "
                f"per core (CPU time): {tokens / cpu:,.0f} tokens/s ({cpu:.2f} s)"
            )


def totals_on(work: Path, runs: int) -> dict[str, tuple[float, float]]:
    """Wall and CPU seconds (medians) the check stage and plain Voikko take for a set's two texts.
    CPU time is the per-core figure: wall time on a shared machine counts other processes' load."""
    out: dict[str, tuple[float, float]] = {}
    for name, fn in (("check stage, parse included", pipeline_check), ("plain Voikko", plain_voikko)):
        wall = cpu = 0.0
        for part in ("injected", "clean"):
            path = work / f"{part}.txt"
            wall += timed(lambda path=path, fn=fn: fn(path), runs)[0]  # type: ignore[misc]
            cpu += timed(lambda path=path, fn=fn: fn(path), runs, clock=time.process_time)[0]  # type: ignore[misc]
        out[name] = (wall, cpu)
    return out


if __name__ == "__main__":
    main()
