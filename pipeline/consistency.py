"""Consistency between a document's files: a stage refuses inputs made from another version of it.

Every derived record carries the text it was made from: a segment its sentence, an issue its flagged
span, a change its original, a translation its Finnish. A stage that reads the source checks the
segments against it, and every stage checks the rows that point into segments against them, before
anything is written. An article edited while it was being processed, or two runs of different
versions into one output directory, then end as an error naming both files instead of edits applied
at offsets that no longer hold (issue 13: "avustajienn").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from .errors import InputError
from .records import Change, Issue, Segment, Translation
from .workspace import Workspace

RERUN = "run its earlier stages again"

Spanned = Issue | Change | Translation


def _mismatch(path: Path, other: Path, line: int, what: str) -> InputError:
    return InputError(path, f"made from another version of {other}: line {line}: {what}; {RERUN}")


def check_segments(segments: Sequence[Segment], text: str, path: Path, source: Path) -> None:
    """Every segment of `path` is `text[start:end]` of the source file `source`."""
    for line, seg in enumerate(segments, start=1):
        if not 0 <= seg.start <= seg.end <= len(text) or text[seg.start : seg.end] != seg.text:
            raise _mismatch(path, source, line, f"segment {seg.id} does not match the text at {seg.start}")


def check_spans(
    records: Iterable[Spanned], segments: Sequence[Segment], path: Path, segments_path: Path
) -> None:
    """Every record of `path` points into a segment of `segments_path`, and its span's text is there
    (where the span reaches past the segment, as a removed segment's change takes the space after
    it, the part inside the segment)."""
    by_id = {s.id: s for s in segments}
    for line, record in enumerate(records, start=1):
        seg = by_id.get(record.segment)
        if seg is None:
            raise _mismatch(path, segments_path, line, f"no segment {record.segment}")
        lo, hi = max(record.start, seg.start), min(record.end, seg.end)
        text: str = getattr(record, str(record.span_text_field))
        if (
            lo > hi
            or text[lo - record.start : hi - record.start] != seg.text[lo - seg.start : hi - seg.start]
        ):
            raise _mismatch(
                path, segments_path, line, f"its span {record.start}-{record.end} is not in segment {seg.id}"
            )


def check_inputs(
    ws: Workspace, segments: Sequence[Segment], text: str | None, rows: Mapping[str, Iterable[Spanned]]
) -> None:
    """A stage's inputs agree: the segments with the source `text` (when the stage reads it), and
    each file of `rows` (workspace key -> its records) with the segments."""
    segments_path = ws.path("segments")
    if text is not None:
        check_segments(segments, text, segments_path, ws.source)
    for key, records in rows.items():
        check_spans(records, segments, ws.path(key), segments_path)
