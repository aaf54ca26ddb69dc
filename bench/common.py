"""Helpers shared by the benchmarks: the shared development data and its scripts, timing."""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")
DEFAULT_SHARED = Path(__file__).resolve().parents[1] / ".." / "shared"


def parser(description: str) -> argparse.ArgumentParser:
    """The options every benchmark takes: where the shared data is, where to work, how many runs."""
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--shared", type=Path, default=DEFAULT_SHARED, help="the shared data (default ../shared)")
    ap.add_argument("--work", type=Path, default=None, help="where to build the set (default: a temp dir)")
    ap.add_argument("--runs", type=int, default=5, help="timed runs (the median is reported)")
    return ap


def shared_script(shared: Path, name: str, *args: str | Path) -> str:
    """Run one of ../shared/bench's scripts; its standard output."""
    out = subprocess.run(
        [sys.executable, str(shared.resolve() / "bench" / name), *map(str, args)],
        check=True,
        capture_output=True,
        text=True,
    )
    return out.stdout


def last_line(output: str) -> str:
    """The summary line of a scorer's output."""
    return output.strip().splitlines()[-1]


def timed(fn: Callable[[], T], runs: int, clock: Callable[[], float] = time.perf_counter) -> tuple[float, T]:
    """The median time of `runs` calls of `fn` by `clock` (wall time unless told), and its last result."""
    times: list[float] = []
    result: T | None = None
    for _ in range(max(1, runs)):
        t0 = clock()
        result = fn()
        times.append(clock() - t0)
    assert result is not None
    return statistics.median(times), result


def sandbox_argos(work: Path) -> None:
    """Point Argos's data, config, cache and package directories into `work`. Argos reads them from
    the environment when first imported (by pipeline.argos, lazily), so call this before any use."""
    for var in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "ARGOS_PACKAGES_DIR"):
        os.environ[var] = str(work / var.lower())
