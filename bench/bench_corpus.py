"""Corpus benchmark: documents per second of one process per stage and document (`make -j2
documents`) beside the corpus runner (`make`: `pipeline batch` on a local Dask cluster), on one corpus.

The corpus is --docs short documents cut from the seed article and the test article (their title and
two consecutive paragraphs), under varied names. No translation model is installed (a temporary Argos
directory), as on a machine where `make models` has not run. Printed: the wall time and documents per
second of both cold runs side by side and their ratio; a cold run of the runner on one document and
the marginal wall time per document of the full run beyond it; the time of a rerun with nothing
changed (the median of three); and how many documents' outputs are byte-identical between the two ways.
Usage: python bench/bench_corpus.py [--docs 200] [--workers 2] [--work DIR] [--runner-only]
(--runner-only skips the per-process make, which takes most of the time: the runner's figures alone.)
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ARTICLES = (
    ROOT / "corpus" / "personal-vs-virtual-assistants.fi.txt",
    ROOT / "tests" / "data" / "cats-and-dogs.fi.txt",
)
NAMES = ("{a}-{n:03d}", "{a}_{n}", "{a}.v{n}", "N{n}-{a}", "{A}{n}")
MANIFEST = ".manifest.json"


def blocks(path: Path) -> list[str]:
    """The blank-line separated blocks of an article."""
    return [b.strip() for b in path.read_text(encoding="utf-8").split("\n\n") if b.strip()]


def build_corpus(corpus: Path, docs: int) -> int:
    """`docs` short documents in `corpus`; the number of paragraphs written."""
    corpus.mkdir(parents=True)
    articles = [(p.name.split(".")[0], blocks(p)) for p in ARTICLES]
    written = 0
    for n in range(docs):
        stem, parts = articles[n % len(articles)]
        body = parts[1:]
        start = (n // len(articles)) % max(1, len(body) - 1)
        text = [parts[0], *body[start : start + 2]]
        short = stem.split("-")[0]
        name = NAMES[n % len(NAMES)].format(a=short, A=short.capitalize(), n=n)
        (corpus / f"{name}.fi.txt").write_text("\n\n".join(text) + "\n", encoding="utf-8")
        written += len(text)
    return written


def make(*args: str) -> float:
    """Run make in the repository; its wall time (a failure stops the benchmark with its output)."""
    t0 = time.perf_counter()
    proc = subprocess.run(
        ["make", "--no-print-directory", "-C", str(ROOT), *args], capture_output=True, text=True, check=False
    )
    seconds = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"bench_corpus: make {' '.join(args)} failed:\n{proc.stderr[-2000:]}")
    return seconds


def tree(root: Path) -> dict[str, bytes]:
    """A document's outputs (relative path -> bytes), the runner's manifest left out."""
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in root.rglob("*")
        if p.is_file() and p.name != MANIFEST
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=200, help="documents in the corpus (default 200)")
    ap.add_argument("--workers", type=int, default=2, help="the runner's worker processes (default 2)")
    ap.add_argument("--work", type=Path, default=None, help="where to build (default: a temp dir)")
    ap.add_argument(
        "--runner-only", action="store_true", help="skip the per-process make (the runner's figures alone)"
    )
    args = ap.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="bench-corpus-"))
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    for var in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "ARGOS_PACKAGES_DIR", "PIPELINE_CACHE_DIR"):
        os.environ[var] = str(work / var.lower())
    os.environ["SOURCE_DATE_EPOCH"] = "1700000000"

    corpus = work / "corpus"
    paragraphs = build_corpus(corpus, args.docs)
    one = work / "one"
    one.mkdir()
    first = sorted(corpus.iterdir())[0]
    shutil.copyfile(first, one / first.name)
    print(f"corpus: {args.docs} documents ({paragraphs} blocks) from {len(ARTICLES)} articles")

    per_process = None
    if not args.runner_only:
        per_process = make("-j2", "documents", f"CORPUS={corpus}", f"OUT={work / 'make'}")
    workers = f"WORKERS={args.workers}"
    runner = make(f"CORPUS={corpus}", f"OUT={work / 'batch'}", workers)
    single = make(f"CORPUS={one}", f"OUT={work / 'single'}", workers)
    reruns = sorted(make(f"CORPUS={corpus}", f"OUT={work / 'batch'}", workers) for _ in range(3))

    runner_rate = args.docs / runner
    print(f"{'':32} {'wall s':>9} {'docs/s':>8}")
    if per_process is not None:
        print(f"{'per-process make -j2 documents':32} {per_process:9.1f} {args.docs / per_process:8.2f}")
    print(f"{f'runner, make WORKERS={args.workers}':32} {runner:9.1f} {runner_rate:8.2f}")
    if per_process is not None:
        ratio = runner_rate / (args.docs / per_process)
        print(f"runner / per-process make: {ratio:.1f}x the documents per second (target >= 5x)")
    marginal = (runner - single) / max(1, args.docs - 1)
    print(
        f"one-document cold run (runner): {single:.1f} s; marginal wall time per document: {marginal:.3f} s "
        f"= {marginal / single:.3f} of a cold run (target <= 0.1)"
    )
    print(
        f"rerun with nothing changed ({args.docs} documents): median {reruns[1]:.2f} s of 3 "
        f"({reruns[0]:.2f} to {reruns[2]:.2f}; target < 1 s)"
    )
    if per_process is None:
        return
    same = sum(
        tree(work / "make" / d.name) == tree(work / "batch" / d.name)
        for d in sorted((work / "batch").iterdir())
        if d.is_dir()
    )
    print(f"outputs byte-identical between the two: {same} of {args.docs} documents")


if __name__ == "__main__":
    main()
