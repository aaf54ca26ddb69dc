"""Translation benchmark: the pipeline's batched CTranslate2 path against an Argos-style loop, and the cache.

Translates the seed article and the Finnish sentences of ../shared/data/pud_dev.fi.conllu with the
tiny test package (pipeline/testing/tiny_argos.py, built here as the tests build it) through
  1. the pipeline: every segment of the corpus, length-sorted, in batches of 32 segments, and
  2. an Argos-style loop: one `translate_batch` call per paragraph, with the arguments
     `argostranslate.translate` passes (max_batch_size=32, batch_type="tokens"),
at equal decoding settings on the same loaded model, and prints both throughputs and their ratio.
A third row (per-paragraph calls batched by examples) separates the cost of the paragraph loop from
that of Argos's token batching. Then a cold and a warm run through the cache.
(`argostranslate.translate` itself is not run: it needs stanza and torch, which we do not install.)
Usage: python bench/bench_translate.py [--shared ../shared] [--work DIR] [--runs N]
"""

from __future__ import annotations

import importlib.util
import itertools
import os
import tempfile
import time
from pathlib import Path

from common import parser, timed

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


def main() -> None:
    ap = parser(__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=0, help="CTranslate2 threads (default 0: it decides)")
    ap.set_defaults(runs=3)
    args = ap.parse_args()
    shared = args.shared.resolve()
    with tempfile.TemporaryDirectory() as tmp:
        work = args.work or Path(tmp)
        # Argos reads its directories from the environment when first imported (by pipeline.argos,
        # lazily): point them here.
        for var in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "ARGOS_PACKAGES_DIR"):
            os.environ[var] = str(work / var.lower())

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

        config = translate.TranslateConfig(threads=args.threads)
        ours = translate.PackageTranslator(fi_en, config)
        ours.load()
        tokens = sum(len(ours.encode(t)) for t in texts)
        d = config.decoding

        def batched() -> list[str]:
            return [t for t, _ in ours.translate(texts)]

        def argos_loop(**batching: object) -> list[str]:
            out: list[str] = []
            for paragraph in paragraphs:
                out += [t for t, _ in ours.translate_tokens([ours.encode(s) for s in paragraph], **batching)]
            return out

        print(
            f"corpus: {len(texts)} segments in {len(paragraphs)} paragraphs (seed + PUD dev fi), "
            f"{tokens} SentencePiece tokens"
        )
        print(
            f"model: tiny test package {fi_en.label} (built and installed in {built:.2f} s); decoding: "
            f"beam {d.beam_size}, length penalty {d.length_penalty}, {d.compute_type}, "
            f"threads {config.threads or 'auto'}; median of {args.runs} runs"
        )
        rows = [
            ("pipeline: document-wide, length-sorted, 32 segments per call", batched),
            (
                "Argos-style: one call per paragraph, max_batch_size=32 tokens",
                lambda: argos_loop(max_batch_size=32, batch_type="tokens"),
            ),
            ("per-paragraph calls, max_batch_size=32 examples", lambda: argos_loop(max_batch_size=32)),
        ]
        times: list[float] = []
        outputs: list[list[str]] = []
        for name, fn in rows:
            seconds, out = timed(fn, args.runs)
            times.append(seconds)
            outputs.append(out)
            print(f"  {name:<64} {seconds:7.2f} s  {len(texts) / seconds:8.1f} segments/s")
        print(f"speed-up of the pipeline over the Argos-style loop: {times[1] / times[0]:.2f}x")
        print(f"speed-up of the pipeline over per-paragraph calls: {times[2] / times[0]:.2f}x")
        print(f"outputs identical across the three: {outputs[0] == outputs[1] == outputs[2]}")

        cache = TranslationCache(work / "cache")
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
