"""LanguageTool benchmark: the server's start-up time, and checks per second per paragraph vs per sentence.

English sentences are the `# text = ` lines of ../shared/data/pud_dev.en.conllu (read with
../shared/bench/conllu.py); a paragraph is the sentences of one PUD document. Both ways check the
same sentences on the same warmed-up server; the figure is sentences checked per second.
Usage: python bench/bench_languagetool.py [--shared ../shared] [--sentences N] [--runs N]
"""

from __future__ import annotations

import importlib.util
import statistics
import sys
import time
from pathlib import Path
from types import ModuleType

from common import parser, timed

from pipeline.check import languagetool as lt


def load_conllu(shared: Path) -> ModuleType:
    """../shared/bench/conllu.py as a module."""
    spec = importlib.util.spec_from_file_location("conllu", shared / "bench" / "conllu.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def sentence_pairs(shared: Path, limit: int) -> list[tuple[str, str]]:
    """(segment id, sentence) pairs, one PUD document per block, in file order."""
    conllu = load_conllu(shared)
    sentences = conllu.read(shared / "data" / "pud_dev.en.conllu")[:limit]
    blocks: dict[str, int] = {}
    pairs = []
    for number, sent in enumerate(sentences):
        block = blocks.setdefault(conllu.doc_id(sent.sent_id), len(blocks))
        pairs.append((f"pud:b{block:03d}:s{number:03d}", sent.text))
    return pairs


def main() -> None:
    ap = parser(__doc__.splitlines()[0])
    ap.add_argument("--sentences", type=int, default=300, help="how many sentences (default 300)")
    ap.add_argument(
        "--no-pipeline-caching",
        action="store_true",
        help="start the server without pipelineCaching (to see what it saves per request)",
    )
    ap.set_defaults(runs=5)
    args = ap.parse_args()
    pairs = sentence_pairs(args.shared.resolve(), args.sentences)
    per_paragraph = lt.pair_batches(pairs)
    per_sentence = lt.pair_batches(pairs, per="segment")
    # For comparison: consecutive paragraphs merged into requests of up to about 2,000 characters.
    per_2000: list[list[lt.Piece]] = []
    for batch in per_paragraph:
        size = sum(len(p.text) + 1 for p in per_2000[-1]) if per_2000 else 2000
        if size + sum(len(p.text) + 1 for p in batch) > 2000:
            per_2000.append([])
        per_2000[-1].extend(batch)

    t0 = time.perf_counter()
    with lt.LanguageToolServer(pipeline_caching=not args.no_pipeline_caching) as server:
        ready = time.perf_counter() - t0
        caching = "off" if args.no_pipeline_caching else "on"
        options = " ".join(server.jvm_options) or "(none)"
        print(f"LanguageTool {lt.LT_VERSION} server, JVM options: {options}, pipeline caching {caching}")
        print(f"start-up: {server.startup_seconds:.2f} s to answer /v2/healthcheck,")
        print(f"          {server.warmup_seconds:.2f} s more for the first check (rule loading)")
        print(f"          {ready:.2f} s in all until ready to check")
        # One untimed pass of each, so both timed ways run on a JIT-warmed server; then the two ways
        # alternate, so a busy machine slows both alike.
        ways = {"per paragraph": per_paragraph, "per sentence": per_sentence, "per 2000 chars": per_2000}
        for batches in ways.values():
            lt.check_english(server, "pud", batches)
        times: dict[str, list[float]] = {name: [] for name in ways}
        issues: dict[str, int] = {}
        for _ in range(args.runs):
            for name, batches in ways.items():
                seconds, result = timed(lambda b=batches: lt.check_english(server, "pud", b), 1)  # type: ignore[misc]
                times[name].append(seconds)
                issues[name] = len(result.issues)
        rates = {}
        for name, batches in ways.items():
            seconds = statistics.median(times[name])
            rates[name] = len(pairs) / seconds
            print(
                f"{name:>14}: {len(batches):4d} requests, {len(pairs)} sentences in {seconds:.2f} s "
                f"= {rates[name]:.1f} sentences/s ({issues[name]} issues), median of {args.runs}"
            )
    for name in ("per paragraph", "per 2000 chars"):
        ratio = rates[name] / rates["per sentence"]
        print(f"batching {name}: {ratio:.2f}x the checks per second of one request per sentence")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
