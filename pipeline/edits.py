"""Changes applied to text: pure functions shared by the clean stage, the publisher and the English check."""

from __future__ import annotations

from collections.abc import Iterable

from .records import Change, Segment


def apply_changes(text: str, changes: Iterable[Change], offset: int = 0) -> str:
    """The text with every applied change made (changes must not overlap); `offset` is where `text`
    starts in the document the changes' offsets refer to."""
    out: list[str] = []
    pos = 0
    for change in sorted((c for c in changes if c.applied), key=lambda c: c.start):
        out.append(text[pos : change.start - offset])
        out.append(change.replacement)
        pos = change.end - offset
    out.append(text[pos:])
    return "".join(out)


def cleaned_segment(segment: Segment, changes: Iterable[Change]) -> str:
    """A segment's text with the applied changes that fall inside it."""
    inside = [c for c in changes if c.applied and segment.start <= c.start and c.end <= segment.end]
    return apply_changes(segment.text, inside, segment.start)
