"""Segmentation benchmark: accuracy on the TDT development set and throughput, beside Voikko's splitter.

Builds the set with ../shared/bench/make_segset.py, segments `text.txt` with the pipeline and with
Voikko's `sentences()` (line by line, the baseline of ../shared/README.md), scores both with
../shared/bench/score_seg.py and times both on the same text.
Usage: python bench/bench_segment.py [--shared ../shared] [--work DIR] [--runs N]
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from common import last_line, parser, shared_script, timed

from pipeline import io
from pipeline.finnish import clear_caches, voikko
from pipeline.segment import segment_text

Spans = list[tuple[int, int]]


def voikko_spans(text: str) -> Spans:
    """The baseline: Voikko's sentence splitter run on each line, offsets accumulated."""
    v = voikko()
    spans: Spans = []
    pos = 0
    for line in text.split("\n"):
        off = pos
        for sentence in v.sentences(line):
            n = len(sentence.sentenceText)
            spans.append((off, off + n))
            off += n
        pos += len(line) + 1
    return spans


def pipeline_spans(text: str) -> Spans:
    """The pipeline's segmenter on the whole text, with cold Voikko caches."""
    clear_caches()
    return [(s.start, s.end) for s in segment_text("bench", text)]


def score(shared: Path, work: Path, spans: Spans, name: str) -> str:
    pred = work / f"{name}.jsonl"
    io.write_jsonl(pred, ({"start": s, "end": e} for s, e in spans))
    return last_line(shared_script(shared, "score_seg.py", work, pred))


def main() -> None:
    args = parser(__doc__.splitlines()[0]).parse_args()
    shared = args.shared.resolve()
    with tempfile.TemporaryDirectory() as tmp:
        work = args.work or Path(tmp)
        shared_script(shared, "make_segset.py", work, shared / "data" / "fi_tdt-ud-dev.conllu")
        text = (work / "text.txt").read_text(encoding="utf-8")
        t_pipe, pipe = timed(lambda: pipeline_spans(text), args.runs)
        t_voik, base = timed(lambda: voikko_spans(text), args.runs)
        print(f"segmentation, TDT dev ({len(text)} chars), median of {args.runs} runs")
        print(f"  pipeline  {score(shared, work, pipe, 'pipeline')}")
        print(f"  voikko    {score(shared, work, base, 'voikko')}")
        print(
            f"  throughput: pipeline {len(pipe) / t_pipe:,.0f} sentences/s ({t_pipe * 1000:.1f} ms), "
            f"voikko {len(base) / t_voik:,.0f} sentences/s ({t_voik * 1000:.1f} ms), "
            f"time ratio pipeline/voikko {t_pipe / t_voik:.2f}x"
        )


if __name__ == "__main__":
    main()
