"""Finnish-check benchmark: MT-artifact recall and false alarms, beside plain Voikko, and the time taken.

Builds the MT-artifact development set with ../shared/bench/make_mtcheck.py, checks `injected.txt`
and `clean.txt` with the pipeline's check stage and with the plain-Voikko baseline (grammar and
spelling, every hit counted), scores both with ../shared/bench/score_mtcheck.py, and times both.
Usage: python bench/bench_check.py [--shared ../shared] [--work DIR] [--runs N]
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from common import parser, shared_script, timed

from pipeline import check, finnish, io
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
    """The pipeline's check stage with its default checkers, every cache cold as in a fresh process."""
    finnish.clear_caches()
    mt_artifacts.clear_caches()
    return [i.to_dict() for i in check.check_file(path)]


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
        totals: dict[str, float] = {}
        for name, fn in (("pipeline", pipeline_check), ("voikko", plain_voikko)):
            total = 0.0
            for part in ("injected", "clean"):
                t, rows = timed(lambda part=part, fn=fn: fn(work / f"{part}.txt"), args.runs)  # type: ignore[misc]
                total += t
                io.write_jsonl(work / f"{name}_{part}.jsonl", rows)
            scores = shared_script(
                shared,
                "score_mtcheck.py",
                work,
                work / f"{name}_injected.jsonl",
                work / f"{name}_clean.jsonl",
            )
            totals[name] = total
            label = "check stage" if name == "pipeline" else "plain Voikko (grammar + spelling, every hit)"
            print(f"== {name}: {label}, {total:.2f} s for both texts")
            print("  " + scores.strip().replace("\n", "\n  "))
        print(f"time ratio check stage / plain Voikko: {totals['pipeline'] / totals['voikko']:.2f}x")


if __name__ == "__main__":
    main()
