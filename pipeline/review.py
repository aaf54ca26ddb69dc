"""Reviewer decisions (`corpus/<doc>.review.yaml`) applied to the clean stage's changes.

A reviewer accepts or rejects single changes by their stable ids, and may replace or remove a
segment's text:

    changes:
      <change id>: reject            # or accept; or {decision: reject, was: <original span>}
    segments:
      <segment id>: Uusi lause.      # the segment's new text; or {text: ..., was: <old text>}
      <segment id>: {remove: true}   # the segment is left out of the cleaned text

`was` (optional) is the text the decision was made on: when the article changed, a decision whose
`was` no longer matches is stale. An id that matches nothing is stale when the decision has a `was`
(the id existed when it was made; the report page always writes `was`), else unknown: a mistyped id
is not reported as a changed text. Every decision gets a status (applied, stale, unknown or
conflict) in `outputs/<doc>/review.jsonl` and a warning when it is not applied, so none is silently
dropped.
"""

from __future__ import annotations

import difflib
import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from . import io
from .errors import InputError
from .records import (
    REASON_SAFE_FIX,
    REVIEW_APPLIED,
    REVIEW_CONFLICT,
    REVIEW_STALE,
    REVIEW_UNKNOWN,
    REVIEWER_ACCEPT,
    REVIEWER_REJECT,
    REVIEWER_REMOVE,
    REVIEWER_REPLACE,
    Change,
    Record,
    Segment,
    merged_into,
)

CHANGE_DECISIONS = (REVIEWER_ACCEPT, REVIEWER_REJECT)
REPLACE_RULE = "review-replace"


@dataclass(frozen=True)
class Decision(Record):
    """One reviewer decision and what became of it (`status`: applied, stale, unknown or conflict)."""

    target: str  # a change id or a segment id
    kind: str  # change | segment
    decision: str  # accept | reject | replace | remove
    text: str | None = None  # the new text of a replaced segment
    was: str | None = None  # the text the decision was made on, when the reviewer gave it
    status: str = ""
    message: str = ""


def _optional_text(path: Path, where: str, value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise InputError(path, f"{where}: expected text, got {type(value).__name__}")


def _change_decision(path: Path, target: str, value: Any) -> Decision:
    where = f"changes.{target}"
    if isinstance(value, dict):
        io.refuse_unknown_keys(path, where, value, ("decision", "was"))
        decision, was = value.get("decision"), _optional_text(path, f"{where}.was", value.get("was"))
    else:
        decision, was = value, None
    if decision not in CHANGE_DECISIONS:
        raise InputError(
            path, f"{where}: decision must be one of {', '.join(CHANGE_DECISIONS)}, not {io.brief(decision)}"
        )
    return Decision(target=target, kind="change", decision=decision, was=was)


def _segment_decision(path: Path, target: str, value: Any) -> Decision:
    where = f"segments.{target}"
    if isinstance(value, str):
        return Decision(target=target, kind="segment", decision=REVIEWER_REPLACE, text=value)
    if not isinstance(value, dict):
        raise InputError(path, f"{where}: expected the new text, or a mapping with 'text' or 'remove: true'")
    io.refuse_unknown_keys(path, where, value, ("text", "remove", "was"))
    was = _optional_text(path, f"{where}.was", value.get("was"))
    text = _optional_text(path, f"{where}.text", value.get("text"))
    remove = value.get("remove", False)
    if not isinstance(remove, bool):
        raise InputError(path, f"{where}.remove: expected true or false")
    if remove == (text is not None):
        raise InputError(path, f"{where}: give either 'text' or 'remove: true'")
    if remove:
        return Decision(target=target, kind="segment", decision=REVIEWER_REMOVE, was=was)
    return Decision(target=target, kind="segment", decision=REVIEWER_REPLACE, text=text, was=was)


def load_review(path: str | Path) -> list[Decision]:
    """Read and validate a review file; a problem is an InputError naming the entry."""
    path = Path(path)
    data = io.read_yaml(path)
    if data is None:
        return []
    if not isinstance(data, dict):
        raise InputError(path, "expected a mapping with 'changes' and/or 'segments'")
    io.refuse_unknown_keys(path, "", data, ("changes", "segments"))
    decisions: list[Decision] = []
    for section, parse in (("changes", _change_decision), ("segments", _segment_decision)):
        entries = data.get(section) or {}
        if not isinstance(entries, dict):
            raise InputError(path, f"'{section}' must map ids to decisions")
        decisions.extend(parse(path, str(target), value) for target, value in entries.items())
    return decisions


def _overlaps(a: Change, b: Change) -> bool:
    return a.start < b.end and b.start < a.end


def _removal_spans(segments: Sequence[Segment], removed: set[str]) -> dict[str, tuple[int, int]]:
    """Spans that remove segments together with the whitespace that joined them to their neighbours.

    A run of removed segments reaches to the start of the segment after it; a run that ends its
    block reaches back to the end of the segment before it instead, except that a block whose every
    segment is removed reaches to the next block (so its blank line goes too). Consecutive removed
    segments get touching spans, never overlapping ones.
    """
    spans: dict[str, tuple[int, int]] = {}
    blocks: dict[int, list[Segment]] = {}
    for s in segments:
        blocks.setdefault(s.block, []).append(s)
    order = [blocks[b] for b in sorted(blocks)]
    for b_pos, segs in enumerate(order):
        end = 0
        for gone, group in itertools.groupby(segs, key=lambda s: s.id in removed):
            run = list(group)
            first, end = end, end + len(run)  # the run is segs[first:end]
            if not gone:
                continue
            after = segs[end].start if end < len(segs) else None
            if after is None and first == 0 and b_pos + 1 < len(order):
                after = order[b_pos + 1][0].start
            if after is not None:
                bounds = [s.start for s in run] + [after]
            else:
                before = segs[first - 1].end if first else order[b_pos - 1][-1].end if b_pos else 0
                bounds = [before] + [s.end for s in run]
            spans.update({s.id: (bounds[k], bounds[k + 1]) for k, s in enumerate(run)})
    return spans


def _missing(d: Decision, kind: str, ids: Iterable[str]) -> Decision:
    """A decision on an id that matches nothing: stale when it has a `was`, else unknown."""
    if d.was is not None:
        gone = f"no {kind} has this id any more (the text or the rules changed)"
        return replace(d, status=REVIEW_STALE, message=gone)
    close = difflib.get_close_matches(d.target, list(ids), n=1, cutoff=0.9)
    hint = f"; did you mean {close[0]}?" if close else " (the report shows every id)"
    return replace(d, status=REVIEW_UNKNOWN, message=f"no {kind} has this id{hint}")


def _decide_change(changes: list[Change], d: Decision) -> Decision:
    index = next((k for k, c in enumerate(changes) if c.id == d.target), None)
    if index is None:
        return _missing(d, "change", (c.id for c in changes))
    change = changes[index]
    if d.was is not None and d.was != change.original:
        return replace(
            d, status=REVIEW_STALE, message=f"the change is now to {change.original!r}, not {d.was!r}"
        )
    if d.decision == REVIEWER_REJECT:
        changes[index] = replace(
            change, applied=False, decision=REVIEWER_REJECT, reason="rejected by the reviewer"
        )
        # A fix that was merged into the rejected one (a sentence start's casing) stands on its own again.
        for k, c in enumerate(changes):
            if c.reason == merged_into(change.id) and not any(
                _overlaps(c, o) for o in changes if o.applied and o.id != c.id
            ):
                changes[k] = replace(c, applied=True, reason=f"{REASON_SAFE_FIX} ({change.id} was rejected)")
        return replace(d, status=REVIEW_APPLIED)
    blocker = next((o for o in changes if o.applied and o.id != change.id and _overlaps(o, change)), None)
    if not change.applied and blocker is not None:
        changes[index] = replace(change, decision=REVIEWER_ACCEPT)
        return replace(
            d, status=REVIEW_CONFLICT, message=f"overlaps the applied change {blocker.id}; reject that one"
        )
    changes[index] = replace(
        change,
        applied=True,
        decision=REVIEWER_ACCEPT,
        reason=change.reason if change.applied else "accepted by the reviewer",
    )
    return replace(d, status=REVIEW_APPLIED)


def apply_review(
    text: str, segments: Sequence[Segment], changes: Iterable[Change], decisions: Iterable[Decision]
) -> tuple[list[Change], list[Decision]]:
    """The changes with the reviewer's decisions applied, and every decision with its status."""
    out = list(changes)
    results: list[Decision] = []
    by_id = {s.id: s for s in segments}
    segment_decisions: list[Decision] = []
    for d in decisions:
        if d.kind == "change":
            results.append(_decide_change(out, d))
            continue
        segment = by_id.get(d.target)
        if segment is None:
            results.append(_missing(d, "segment", by_id))
        elif d.was is not None and d.was != segment.text:
            results.append(replace(d, status=REVIEW_STALE, message=f"the segment now reads {segment.text!r}"))
        else:
            segment_decisions.append(d)
    removals = _removal_spans(
        segments, {d.target for d in segment_decisions if d.decision == REVIEWER_REMOVE}
    )
    for d in segment_decisions:
        segment = by_id[d.target]
        start, end = removals.get(d.target, (segment.start, segment.end))
        for k, c in enumerate(out):
            if c.applied and c.start < end and start < c.end:
                out[k] = replace(c, applied=False, reason=f"segment {d.decision}d by the reviewer")
        out.append(
            Change(
                id=f"{segment.id}:{REPLACE_RULE}:0",
                doc=segment.doc,
                segment=segment.id,
                rule=REPLACE_RULE,
                category="review",
                start=start,
                end=end,
                original=text[start:end],
                replacement=d.text or "",
                applied=True,
                reason=f"{d.decision}d by the reviewer",
                decision=d.decision,
            )
        )
        results.append(replace(d, status=REVIEW_APPLIED))
    out.sort(key=lambda c: (c.start, c.end, c.id))
    return out, results
