"""LanguageTool benchmark: the server's start-up time, and checks per second per paragraph vs per sentence.

English sentences are the `# text = ` lines of ../shared/data/pud_dev.en.conllu (read with
../shared/bench/conllu.py); a paragraph is the sentences of one PUD document. Every way checks the
same sentences on the same warmed-up server through the same client; the figure is sentences
checked per second. Beside the wall time it prints the CPU time the JVM and this client spent (the
machine may be busy with other work), and splits the time into a cost per request and a cost per
sentence (a straight line through the three ways' times against their numbers of requests), which
bounds what batching can give.
Usage: python bench/bench_languagetool.py [--shared ../shared] [--sentences N] [--runs N]
"""

from __future__ import annotations

import importlib.util
import os
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import TypeVar

from common import parser

from pipeline.languagetool.client import Piece, check_english, pair_batches
from pipeline.languagetool.install import LT_VERSION
from pipeline.languagetool.server import LanguageToolServer

T = TypeVar("T")


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
    per_paragraph = pair_batches(pairs)
    per_sentence = pair_batches(pairs, per="segment")
    # For comparison: consecutive paragraphs merged into requests of up to about 2,000 characters.
    per_2000: list[list[Piece]] = []
    for batch in per_paragraph:
        size = sum(len(p.text) + 1 for p in per_2000[-1]) if per_2000 else 2000
        if size + sum(len(p.text) + 1 for p in batch) > 2000:
            per_2000.append([])
        per_2000[-1].extend(batch)

    t0 = time.perf_counter()
    with LanguageToolServer(pipeline_caching=not args.no_pipeline_caching) as server:
        ready = time.perf_counter() - t0
        caching = "off" if args.no_pipeline_caching else "on"
        options = " ".join(server.jvm_options) or "(none)"
        print(f"LanguageTool {LT_VERSION} server, JVM options: {options}, pipeline caching {caching}")
        print(f"start-up: {server.startup_seconds:.2f} s to answer /v2/healthcheck,")
        print(f"          {server.warmup_seconds:.2f} s more for the first check (rule loading)")
        print(f"          {ready:.2f} s in all until ready to check")
        # One untimed pass of each, so both timed ways run on a JIT-warmed server; then the ways
        # alternate, so a busy machine slows them alike.
        ways = {"per paragraph": per_paragraph, "per sentence": per_sentence, "per 2000 chars": per_2000}
        for batches in ways.values():
            check_english(server, "pud", batches)
        costs: dict[str, list[Costs]] = {name: [] for name in ways}
        issues: dict[str, int] = {}
        for _ in range(args.runs):
            for name, batches in ways.items():
                cost, result = measured(lambda b=batches: check_english(server, "pud", b), server.pid)  # type: ignore[misc]
                costs[name].append(cost)
                issues[name] = len(result.issues)
        seconds = {name: statistics.median(c.wall for c in costs[name]) for name in ways}
        rates = {name: len(pairs) / seconds[name] for name in ways}
        for name, batches in ways.items():
            jvm = statistics.median(c.jvm for c in costs[name])
            client = statistics.median(c.client for c in costs[name])
            print(
                f"{name:>14}: {len(batches):4d} requests, {len(pairs)} sentences in {seconds[name]:.2f} s "
                f"= {rates[name]:.1f} sentences/s ({issues[name]} issues; CPU: JVM {jvm:.2f} s, "
                f"client {client:.2f} s), median of {args.runs}"
            )
    for name in ("per paragraph", "per 2000 chars"):
        ratio = rates[name] / rates["per sentence"]
        print(f"batching {name}: {ratio:.2f}x the checks per second of one request per sentence")
    # time = per_request * requests + per_sentence * sentences (the same sentences every way)
    requests = {name: len(batches) for name, batches in ways.items()}
    cpu = {name: statistics.median(c.jvm + c.client for c in costs[name]) for name in ways}
    for label, figures in (("wall time", seconds), ("CPU time (JVM + client)", cpu)):
        per_request, per_sentence_ms = cost_split(requests, figures, len(pairs))
        paragraph = len(pairs) / len(per_paragraph)
        ceiling = (per_sentence_ms + per_request) / (per_sentence_ms + per_request / paragraph)
        print(
            f"{label}: {per_request:.1f} ms per request + {per_sentence_ms:.1f} ms per sentence; "
            f"with {paragraph:.2f} sentences per paragraph, one request per paragraph "
            f"can give at most {ceiling:.2f}x"
        )
    sys.stdout.flush()


def cost_split(requests: dict[str, int], seconds: dict[str, float], sentences: int) -> tuple[float, float]:
    """Milliseconds per request and per sentence: a straight line through (requests, seconds)."""
    slope, intercept = statistics.linear_regression(
        [float(requests[name]) for name in requests], [seconds[name] for name in requests]
    )
    return slope * 1000, intercept / sentences * 1000


@dataclass(frozen=True)
class Costs:
    """One timed call: wall seconds, CPU seconds of the JVM (all its threads) and of this process."""

    wall: float
    jvm: float
    client: float


def jvm_cpu(pid: int | None) -> float:
    """CPU seconds (user + system) a process has used so far; 0 when it is not ours to see."""
    if pid is None:
        return 0.0
    try:
        fields = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8").rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measured(fn: Callable[[], T], pid: int | None) -> tuple[Costs, T]:
    """Call `fn` once; what it cost, and its result."""
    jvm0, client0, t0 = jvm_cpu(pid), time.process_time(), time.perf_counter()
    result = fn()
    wall = time.perf_counter() - t0
    return Costs(wall, jvm_cpu(pid) - jvm0, time.process_time() - client0), result


if __name__ == "__main__":
    main()
