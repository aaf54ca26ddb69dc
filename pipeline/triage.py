"""Triage: publish, review or reject a segment, with reasons, from thresholds in one config file."""

from __future__ import annotations

import functools
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import io
from .errors import InputError
from .records import TRIAGE_PUBLISH, TRIAGE_REJECT, TRIAGE_REVIEW, AlignedSegment

DEFAULT_CONFIG = Path(__file__).with_name("triage.toml")
ENV_CONFIG = "PIPELINE_TRIAGE"
DECISIONS = (TRIAGE_PUBLISH, TRIAGE_REVIEW, TRIAGE_REJECT)


@dataclass(frozen=True)
class Thresholds:
    """The limits of one decision level."""

    max_open_errors: int | None = None
    max_warnings: int | None = None
    min_logprob: float | None = None
    min_chrf: float | None = None
    require_scores: bool = False


@dataclass(frozen=True)
class Scores:
    """What triage decides on: issue counts and translation scores (None when not measured)."""

    open_errors: int
    warnings: int
    logprob: float | None
    chrf: float | None


# The range of each threshold: counts are whole numbers, chrF is a percentage, the model's mean
# log-probability per token is never above 0.
RANGES: dict[str, tuple[float, float]] = {
    "max_open_errors": (0, math.inf),
    "max_warnings": (0, math.inf),
    "min_logprob": (-math.inf, 0.0),
    "min_chrf": (0.0, 100.0),
}
COUNTS = ("max_open_errors", "max_warnings")
SECTIONS = ("reject", "review", "reference")
# The reference's beads: a bead's score is minus its cost in the aligner (pipeline/align.py), about
# 5 to 17 for a good pair and below 0 for a poor one; no bead scores above 20.
REFERENCE_RANGES: dict[str, tuple[float, float]] = {"min_bead_score": (-math.inf, 20.0)}


@dataclass(frozen=True)
class ReferenceLimits:
    """When a bead of the English reference is not a pair for a translation memory (besides not
    being 1:1 or crossing a paragraph boundary, which always count)."""

    min_bead_score: float | None = None


def _check(
    path: Path, where: str, key: str, value: object, ranges: dict[str, tuple[float, float]] = RANGES
) -> None:
    if key == "require_scores":
        if not isinstance(value, bool):
            raise InputError(path, f"{where} {key}: expected true or false, not {io.brief(value)}")
        return
    low, high = ranges[key]
    if key in COUNTS:
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise InputError(path, f"{where} {key}: expected a whole number ≥ 0, not {io.brief(value)}")
    elif isinstance(value, bool) or not isinstance(value, int | float):
        raise InputError(path, f"{where} {key}: expected a number, not {io.brief(value)}")
    elif not low <= value <= high:  # NaN too
        span = f"≤ {high:g}" if low == -math.inf else f"from {low:g} to {high:g}"
        raise InputError(path, f"{where} {key}: {value!r} is out of range (expected a number {span})")


def _table(
    path: Path, table: object, name: str, known: set[str], ranges: dict[str, tuple[float, float]]
) -> None:
    where = f"[{name}]"
    if not isinstance(table, dict):
        raise InputError(path, f"{where}: expected a table of thresholds")
    unknown = sorted(set(table) - known)
    if unknown:
        raise InputError(
            path, f"{where}: unknown setting {io.brief(unknown[0])}; known: {', '.join(sorted(known))}"
        )
    for key, value in table.items():
        _check(path, where, key, value, ranges)


@functools.cache
def _read(path: Path | None) -> tuple[dict[str, dict[str, Any]], Path]:
    """The config's sections, every one checked, and its path (PIPELINE_TRIAGE or the default)."""
    path = path or Path(os.environ.get(ENV_CONFIG) or DEFAULT_CONFIG)
    if not path.exists():
        raise InputError(path, "no such triage config")
    data = io.read_toml(path)
    unknown = sorted(set(data) - set(SECTIONS))
    if unknown:
        raise InputError(path, f"unknown section {io.brief(unknown[0])}; known: {', '.join(SECTIONS)}")
    for name in ("reject", "review"):
        _table(path, data.get(name, {}), name, set(Thresholds.__dataclass_fields__), RANGES)
    _table(path, data.get("reference", {}), "reference", set(REFERENCE_RANGES), REFERENCE_RANGES)
    return {name: dict(data.get(name, {})) for name in SECTIONS}, path


def load(path: Path | None = None) -> tuple[Thresholds, Thresholds, str]:
    """(reject, review) thresholds and the config's file name, from PIPELINE_TRIAGE or the default."""
    data, path = _read(path)
    reject, review = (Thresholds(**data[name]) for name in ("reject", "review"))
    return reject, review, path.name


def reference_limits(path: Path | None = None) -> ReferenceLimits:
    """The limits on the reference's beads, from the same config as the thresholds."""
    data, _ = _read(path)
    return ReferenceLimits(**data["reference"])


# The reason of a review with no model or reference behind it (`require_scores`): the report does not
# count it as needing attention, since it holds for every segment alike (issue 14, item 3).
REASON_NO_SCORES = "no translation scores"


def needs_decision(row: AlignedSegment) -> bool:
    """A segment the reviewer must decide on: issues or fixes of its own, a rejection, or a triage
    reason of its own (not the missing scores that every segment shares without a model)."""
    if row.errors or row.warnings or row.infos or row.fixed or row.decision == TRIAGE_REJECT:
        return True
    return any(r != REASON_NO_SCORES for r in row.reasons)


def _reasons(scores: Scores, limits: Thresholds) -> list[str]:
    reasons = []
    if limits.max_open_errors is not None and scores.open_errors > limits.max_open_errors:
        reasons.append(f"{scores.open_errors} open errors > {limits.max_open_errors}")
    if limits.max_warnings is not None and scores.warnings > limits.max_warnings:
        reasons.append(f"{scores.warnings} warnings > {limits.max_warnings}")
    if limits.min_logprob is not None and scores.logprob is not None and scores.logprob < limits.min_logprob:
        reasons.append(f"model log-probability {scores.logprob:.2f} < {limits.min_logprob}")
    if limits.min_chrf is not None and scores.chrf is not None and scores.chrf < limits.min_chrf:
        reasons.append(f"round-trip chrF {scores.chrf:.1f} < {limits.min_chrf}")
    if limits.require_scores and scores.logprob is None and scores.chrf is None:
        reasons.append(REASON_NO_SCORES)
    return reasons


def decide(scores: Scores, config: Path | None = None) -> tuple[str, list[str]]:
    """The decision and its reasons: reject if a reject threshold is crossed, else review if a review
    threshold is, else publish."""
    reject, review, _ = load(config)
    if reasons := _reasons(scores, reject):
        return TRIAGE_REJECT, reasons
    if reasons := _reasons(scores, review):
        return TRIAGE_REVIEW, reasons
    return TRIAGE_PUBLISH, []
