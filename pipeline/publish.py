"""The publish stage: the cleaned Finnish for a publisher, as plain text and as Markdown.

Segments the triage rejected stay in, behind a visible marker, unless the reviewer replaced or
removed them (`<doc>.review.yaml`): a publisher sees what still needs a translator's eye. The
Markdown ends with a note of how many segments the re-check of the cleaned text still flags; the
plain text is what a publisher pastes, so it gets no note.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from . import io, markdown
from .clean import read_recheck
from .consistency import check_inputs
from .edits import apply_changes
from .records import TRIAGE_REJECT, Block, Change, Issue, Recheck, Segment
from .review import REPLACE_RULE
from .segment import find_blocks
from .workspace import Workspace

REJECT_MARKER = "[HYLÄTTY] "
MARKDOWN_REJECT_MARKER = "**[HYLÄTTY]** "
MARKER_RULE = "publish-marker"

_BULLET = re.compile(r"^\s*[-*•–·▪►◦]\s+")


@dataclass(frozen=True)
class Published:
    """A published document: its plain text and its Markdown."""

    text: str
    markdown: str


def _markers(
    segments: Iterable[Segment], changes: Sequence[Change], triage: Mapping[str, str]
) -> list[Change]:
    reviewed = {c.segment for c in changes if c.applied and c.rule == REPLACE_RULE}
    return [
        Change(
            id=f"{s.id}:{MARKER_RULE}:0",
            doc=s.doc,
            segment=s.id,
            rule=MARKER_RULE,
            category="triage",
            start=s.start,
            end=s.start,
            original="",
            replacement=REJECT_MARKER,
            applied=True,
            reason="triaged reject",
        )
        for s in segments
        if triage.get(s.id) == TRIAGE_REJECT and s.id not in reviewed
    ]


def _new_offset(p: int, changes: Sequence[Change]) -> int:
    """Where original offset `p` (a block boundary) lands in the changed text.

    A change ending at or before `p` has moved it, except an insertion exactly at `p`, which
    belongs to the block that starts there; a `p` inside a change lands after its replacement.
    """
    p = max([p] + [c.end for c in changes if c.start < p < c.end])
    return p + sum(
        len(c.replacement) - (c.end - c.start) for c in changes if c.end <= p and not (c.start == c.end == p)
    )


def _markdown_block(kind: str, body: str) -> str:
    if kind == "list-item":
        body = _BULLET.sub("", body, count=1)
    escaped = markdown.escape(body.replace(REJECT_MARKER, "\0"))
    escaped = escaped.replace("\0", MARKDOWN_REJECT_MARKER)
    prefix = {"title": "# ", "heading": "## ", "list-item": "- "}.get(kind, "")
    return prefix + escaped


def recheck_note(recheck: Recheck) -> str:
    """The Markdown note that ends the publisher's copy: a rule, then the re-check's line."""
    return f"---\n\n{markdown.escape(recheck.line())}.\n"


def publish_text(
    text: str,
    segments: Sequence[Segment],
    changes: Sequence[Change],
    triage: Mapping[str, str],
    recheck: Recheck | None = None,
) -> Published:
    """The published plain text and Markdown of a document (`triage`: segment id -> decision);
    with a `recheck`, the Markdown of a non-empty document ends with its note."""
    applied = [c for c in changes if c.applied] + _markers(segments, changes, triage)
    plain = apply_changes(text, applied)
    blocks: list[Block] = find_blocks(text)
    markdown = ""
    previous = ""
    for block in blocks:
        body = plain[_new_offset(block.start, applied) : _new_offset(block.end, applied)].strip()
        if body:
            # A list stays one list: its items are not separated by blank lines.
            gap = "" if not markdown else "\n" if previous == block.kind == "list-item" else "\n\n"
            markdown += gap + _markdown_block(block.kind, body)
            previous = block.kind
    markdown += "\n" if markdown else ""
    if markdown and recheck is not None:
        markdown += "\n" + recheck_note(recheck)
    return Published(plain, markdown)


def triage_of(aligned: Iterable[Mapping[str, object]]) -> dict[str, str]:
    """Segment id -> triage decision, from the align stage's rows."""
    return {str(r["segment"]): str(r.get("decision")) for r in aligned if r.get("segment")}


INPUTS = ("source", "segments", "issues", "changes", "cleaned", "recheck", "aligned")
OUTPUTS = ("publish-text", "publish-md")


def run_stage(ws: Workspace) -> Published:
    """The publish stage: the source, segments.jsonl, changes.jsonl and aligned.jsonl in (and, when
    the clean stage wrote them, issues.jsonl, cleaned.fi.txt and issues.cleaned.jsonl for the
    re-check note); publish/<doc>.fi.txt and publish/<doc>.md out (both atomically)."""
    text = io.read_text(ws.source)
    segments = [Segment.from_dict(r) for r in io.read_jsonl(ws.path("segments"))]
    changes = [Change.from_dict(r) for r in io.read_jsonl(ws.path("changes"))]
    check_inputs(ws, segments, text, {"changes": changes})
    triage = triage_of(io.read_jsonl(ws.path("aligned")))
    recheck = None
    if ws.path("recheck").exists():
        issues = [Issue.from_dict(r) for r in io.read_jsonl(ws.path("issues"))]
        check_inputs(ws, segments, None, {"issues": issues})
        recheck = read_recheck(ws, segments, issues)
    result = publish_text(text, segments, changes, triage, recheck)
    io.write_text(ws.path("publish-text"), result.text)
    io.write_text(ws.path("publish-md"), result.markdown)
    return result
