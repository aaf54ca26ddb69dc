"""Alignment benchmark: `align-ref --presegmented` on the PUD development set, beside Gale–Church.

Builds the set with ../shared/bench/make_alignset.py, aligns it with the pipeline's command line
(as a user would run it) and with ../shared/bench/gale_church.py (length only), and scores both
with ../shared/bench/score_align.py.
Usage: python bench/bench_align.py [--shared ../shared] [--work DIR] [--runs N] [--seed N]
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import last_line, parser, shared_script


def main() -> None:
    ap = parser(__doc__.splitlines()[0])
    ap.add_argument(
        "--seed", default="11", help="make_alignset.py's random seed (default 11, its own default)"
    )
    args = ap.parse_args()
    shared = args.shared.resolve()
    data = shared / "data"
    with tempfile.TemporaryDirectory() as tmp:
        work = args.work or Path(tmp)
        made = shared_script(
            shared,
            "make_alignset.py",
            work,
            data / "pud_dev.fi.conllu",
            data / "pud_dev.en.conllu",
            args.seed,
        )
        fi, en = work / "fi.txt", work / "en.txt"
        t0 = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pipeline",
                "-q",
                "align-ref",
                str(fi),
                str(en),
                "--presegmented",
                "-o",
                str(work / "pipeline.jsonl"),
            ],
            check=True,
        )
        elapsed = time.perf_counter() - t0
        shared_script(shared, "gale_church.py", fi, en, work / "gale_church.jsonl")
        print(f"sentence alignment, PUD development set (seed {args.seed}): {made.strip()}")
        for label, name in (("align-ref", "pipeline"), ("Gale-Church", "gale_church")):
            scores = last_line(shared_script(shared, "score_align.py", work, work / f"{name}.jsonl"))
            print(f"  {label:13s} {scores}")
        print(f"  align-ref took {elapsed:.2f} s as a command (dictionary loading included)")


if __name__ == "__main__":
    main()
