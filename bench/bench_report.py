"""Report benchmark: the time and size of report.html for a document of about 1,000 sentences.

The document is built from the MT-artifact development set (../shared/bench/make_mtcheck.py): real
Finnish sentences of UD Finnish-PUD and -TDT, in paragraphs, those of `injected.txt` with one
machine-translation error each (agreement, untranslated word, casing, spacing, repetition) and those
of `clean.txt` untouched, alternating, under a title and a heading every 25 paragraphs. The segment,
check, clean, translate (the tiny test package, pipeline/testing/tiny_argos.py, installed into a
temporary Argos directory, so that English and scores exist) and align stages run once; then the
report stage is timed (the median of --runs runs), and the size of report.html is printed.
check-en is not run: LanguageTool on the tiny model's "English" (a copy of the Finnish) would flag
nearly every word, which says nothing about real reports.
Usage: python bench/bench_report.py [--shared ../shared] [--work DIR] [--runs N] [--sentences N]
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from pathlib import Path

from common import parser, sandbox_argos, shared_script

from pipeline import argos, io, report, stages
from pipeline.records import TRANSLATION_OK
from pipeline.testing.tiny_argos import TinyPackage
from pipeline.workspace import Workspace

PARAGRAPHS_PER_SECTION = 25


def paragraphs(path: Path) -> list[str]:
    """The blank-line separated paragraphs of a make_mtcheck.py text."""
    return [p.strip() for p in path.read_text(encoding="utf-8").split("\n\n") if p.strip()]


def build_document(work: Path, shared: Path, sentences: int) -> str:
    """About `sentences` sentences: injected and clean paragraphs alternating, with headings."""
    shared_script(
        shared,
        "make_mtcheck.py",
        work,
        shared / "data" / "pud_dev.fi.conllu",
        shared / "data" / "pud_dev.en.conllu",
        shared / "data" / "fi_tdt-ud-dev.conllu",
    )
    injected, clean = paragraphs(work / "injected.txt"), paragraphs(work / "clean.txt")
    mixed = [p for pair in zip(injected, clean, strict=False) for p in pair]
    mixed += injected[len(clean) :] + clean[len(injected) :]
    lines = ["Koneella käännetty artikkeli: vertailuaineisto"]
    # make_mtcheck.py's paragraphs hold about four sentences each.
    for number, paragraph in enumerate(mixed[: max(1, sentences // 4)]):
        if number % PARAGRAPHS_PER_SECTION == 0:
            lines.append(f"Osa {number // PARAGRAPHS_PER_SECTION + 1}")
        lines.append(paragraph)
    return "\n\n".join(lines) + "\n"


def main() -> None:
    ap = parser(__doc__.splitlines()[0])
    ap.add_argument("--sentences", type=int, default=1000, help="about this many sentences (default 1000)")
    args = ap.parse_args()
    shared = args.shared.resolve()
    with tempfile.TemporaryDirectory() as tmp:
        work = args.work or Path(tmp)
        sandbox_argos(work)
        os.environ["PIPELINE_CACHE_DIR"] = str(work / "translation-cache")
        os.environ.setdefault("SOURCE_DATE_EPOCH", "0")

        source = work / "corpus" / "bench-report.fi.txt"
        source.parent.mkdir(parents=True, exist_ok=True)
        source.write_text(build_document(work / "mtcheck", shared, args.sentences), encoding="utf-8")
        texts = [line for line in io.read_text(source).split("\n") if line.strip()]
        for src, dst in (("fi", "en"), ("en", "fi")):
            package = TinyPackage(src, dst, lines=tuple(texts), vocab_size=4000)
            argos.install_archive(package.write(work / f"{src}_{dst}.argosmodel"))

        out = work / "out"
        spent = []
        for name in ("segment", "check", "clean", "translate", "align"):
            t0 = time.perf_counter()
            stages.run_document(Workspace(source, out), [name])
            spent.append(f"{name} {time.perf_counter() - t0:.1f} s")
        inputs = report.load_inputs(Workspace.for_outputs(out))
        translated = sum(1 for t in inputs.translations if t.status == TRANSLATION_OK)
        print(
            f"document: {len(inputs.segments)} segments ({translated} translated by the tiny test package), "
            f"{len(inputs.issues)} issues, {len(inputs.changes)} changes; earlier stages: {', '.join(spent)}"
        )

        walls, reads, builds, renders = [], [], [], []
        path = out / "report.html"
        for _ in range(max(1, args.runs)):
            t0 = time.perf_counter()
            report.run_stage(Workspace(source, out))
            walls.append(time.perf_counter() - t0)
            # The parts of one run, measured apart.
            t0 = time.perf_counter()
            inputs = report.load_inputs(Workspace.for_outputs(out))
            t1 = time.perf_counter()
            model = report.build_report(source.name, inputs, report.signature(Workspace.of(source), inputs))
            t2 = time.perf_counter()
            report.render_report(model)
            t3 = time.perf_counter()
            reads.append(t1 - t0)
            builds.append(t2 - t1)
            renders.append(t3 - t2)
        size = path.stat().st_size
        print(
            f"report stage: median {statistics.median(walls):.2f} s of {len(walls)} runs "
            f"(reading {statistics.median(reads):.2f} s, model {statistics.median(builds):.2f} s, "
            f"rendering {statistics.median(renders):.2f} s)"
        )
        print(f"report.html: {size / 1e6:.2f} MB ({size / len(inputs.segments) / 1e3:.1f} kB a segment)")


if __name__ == "__main__":
    main()
