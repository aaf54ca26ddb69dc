"""Translation benchmark: the pipeline's batched CTranslate2 path against an Argos-style loop, and the cache.

Translates the seed article and the Finnish sentences of ../shared/data/pud_dev.fi.conllu with the
tiny test package (pipeline/testing/tiny_argos.py, built here as the tests build it) through
  1. the pipeline: every segment of the corpus, length-sorted, in batches of 32 segments, and
  2. an Argos-style loop: one `translate_batch` call per paragraph, with the arguments
     `argostranslate.translate` passes (max_batch_size=32, batch_type="tokens"),
at equal decoding settings on the same loaded model, and prints both throughputs and their ratio.
A third row (per-paragraph calls batched by examples) separates the cost of the paragraph loop from
that of Argos's token batching. All rows run with the thread setting of --threads (default: let
CTranslate2 decide, as the pipeline does) and again single-threaded. Then a cold and a warm run
through the cache.
(`argostranslate.translate` itself is not run: it needs stanza and torch, which we do not install.)
Usage: python bench/bench_translate.py [--shared ../shared] [--work DIR] [--runs N]
"""

from __future__ import annotations

import importlib.util
import itertools
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from common import parser, sandbox_argos

from pipeline import argos, segment, translate
from pipeline.testing.tiny_argos import TinyPackage
from pipeline.translation_cache import TranslationCache


def pud_paragraphs(path: Path, conllu_py: Path) -> list[list[str]]:
    """PUD's Finnish sentences grouped by document (PUD has no paragraphs; a document stands for one)."""
    spec = importlib.util.spec_from_file_location("conllu", conllu_py)
    assert spec is not None and spec.loader is not None
    conllu = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(conllu)
    sentences = conllu.read(path)
    return [
        [s.text for s in group]
        for _, group in itertools.groupby(sentences, key=lambda s: conllu.doc_id(s.sent_id))
    ]


def median_times(fn: Callable[[], list[str]], runs: int) -> tuple[float, float, list[str]]:
    """Median wall and CPU seconds (all threads) of `runs` calls of `fn`, and its last output."""
    walls, cpus = [], []
    out: list[str] = []
    for _ in range(max(1, runs)):
        w, c = time.perf_counter(), time.process_time()
        out = fn()
        walls.append(time.perf_counter() - w)
        cpus.append(time.process_time() - c)
    return statistics.median(walls), statistics.median(cpus), out


def compare(
    package: argos.InstalledPackage, threads: int, paragraphs: list[list[str]], runs: int
) -> translate.PackageTranslator:
    """Time the three ways of calling the model at one thread setting; print a row for each."""
    texts = [t for p in paragraphs for t in p]
    ours = translate.PackageTranslator(package, translate.TranslateConfig(threads=threads))
    ours.load()

    def batched() -> list[str]:
        return [t for t, _ in ours.translate(texts)]

    def per_paragraph(**batching: object) -> list[str]:
        out: list[str] = []
        for paragraph in paragraphs:
            out += [t for t, _ in ours.translate_tokens([ours.encode(s) for s in paragraph], **batching)]
        return out

    rows: list[tuple[str, Callable[[], list[str]]]] = [
        ("pipeline: document-wide, length-sorted, 32 segments a call", batched),
        (
            "Argos-style: a call per paragraph, max_batch_size=32 tokens",
            lambda: per_paragraph(max_batch_size=32, batch_type="tokens"),
        ),
        ("a call per paragraph, max_batch_size=32 examples", lambda: per_paragraph(max_batch_size=32)),
    ]
    print(f"threads {threads or 'auto (CTranslate2 decides)'}:")
    walls: list[float] = []
    outputs: list[list[str]] = []
    for name, fn in rows:
        wall, cpu, out = median_times(fn, runs)
        walls.append(wall)
        outputs.append(out)
        print(f"  {name:<60} {wall:6.2f} s  {len(texts) / wall:7.1f} segments/s  (CPU {cpu:6.2f} s)")
    print(
        f"  speed-up over the Argos-style loop {walls[1] / walls[0]:.2f}x, over per-paragraph calls "
        f"{walls[2] / walls[0]:.2f}x; outputs identical: {outputs[0] == outputs[1] == outputs[2]}"
    )
    return ours


def main() -> None:
    ap = parser(__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=0, help="CTranslate2 threads (default 0: it decides)")
    ap.set_defaults(runs=3)
    args = ap.parse_args()
    shared = args.shared.resolve()
    with tempfile.TemporaryDirectory() as tmp:
        work = args.work or Path(tmp)
        sandbox_argos(work)

        seed = Path(__file__).resolve().parents[1] / "corpus" / "personal-vs-virtual-assistants.fi.txt"
        seed_segments = segment.segment_file(seed)
        paragraphs = [
            [s.text for s in group] for _, group in itertools.groupby(seed_segments, key=lambda s: s.block)
        ]
        paragraphs += pud_paragraphs(shared / "data" / "pud_dev.fi.conllu", shared / "bench" / "conllu.py")
        texts = [t for p in paragraphs for t in p]

        # The tests' builder; its SentencePiece model also learns this text, so that segments are
        # cut into word pieces (about 30 a sentence) as a real model's are, not into characters.
        t0 = time.perf_counter()
        package = TinyPackage("fi", "en", lines=tuple(texts), vocab_size=4000).write(
            work / "fi_en.argosmodel"
        )
        fi_en = argos.install_archive(package)
        built = time.perf_counter() - t0
        d = translate.DecodingOptions()
        print(f"corpus: {len(texts)} segments in {len(paragraphs)} paragraphs (seed + PUD dev fi)")
        print(
            f"model: tiny test package {fi_en.label}, built and installed in {built:.2f} s; decoding: "
            f"beam {d.beam_size}, length penalty {d.length_penalty}, {d.compute_type}; "
            f"median of {args.runs} runs"
        )
        ours = None
        for threads in dict.fromkeys([args.threads, 1]):
            ours = compare(fi_en, threads, paragraphs, args.runs)
        assert ours is not None
        print(f"tokens: {sum(len(ours.encode(t)) for t in texts)} SentencePiece tokens in all")

        cache = TranslationCache(work / "cache")
        config = translate.TranslateConfig(threads=args.threads)
        cold = translate.PackageTranslator(fi_en, config, cache)
        t0 = time.perf_counter()
        cold.translate(texts)
        cold_s = time.perf_counter() - t0
        warm = translate.PackageTranslator(fi_en, config, cache)
        t0 = time.perf_counter()
        warm.translate(texts)
        warm_s = time.perf_counter() - t0
        print(
            f"cache: cold run {cold.inferred} segments inferred in {cold_s:.2f} s; "
            f"warm run {warm.inferred} inferred, {warm.cached} from the cache in {warm_s:.3f} s "
            f"(model loaded: {warm._model is not None})"
        )


if __name__ == "__main__":
    main()
