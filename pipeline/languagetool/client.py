"""Checking English on a LanguageTool server: batches of pieces, their matches as issues, safe fixes.

Text is checked one paragraph per request (a batch of pieces joined by a space), which is much
faster than one request per sentence (`make bench-languagetool`). A server of ours that dies
during a run is restarted once and the run goes on; a second failure raises ServerDied. A reply
LanguageTool does not send (no `matches`, offsets outside the text) ends the run (ServerFailed).
"""

from __future__ import annotations

import dataclasses
import logging
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from ..edits import apply_changes
from ..errors import LanguageToolError
from ..records import Change, Issue
from .server import ENV_URL, BadReply, LanguageToolServer, Rejected, ServerDied, ServerFailed, TimedOut

log = logging.getLogger(__name__)

SOURCE = "languagetool"
# Rule categories whose single suggestion we apply to make the cleaned English.
SAFE_CATEGORIES = frozenset({"TYPOS", "GRAMMAR", "PUNCTUATION", "CASING"})
# LanguageTool's issue types -> our severities.
SEVERITIES = {
    "misspelling": "error",
    "grammar": "error",
    "typographical": "warning",
    "whitespace": "warning",
    "duplication": "warning",
    "inconsistency": "warning",
}
MAX_SUGGESTIONS = 5  # kept per issue; at least 2, so "exactly one suggestion" still means one
PIECE_SEPARATOR = " "  # pieces of one batch (the sentences of a paragraph) are joined with this
# A healthy server's HTTP 5xx on one paragraph is taken for a text it cannot handle (an issue of that
# paragraph) only after it has answered a check, and not more than this many paragraphs in a row.
MAX_FAILED_IN_A_ROW = 3
_BLOCK_ID = re.compile(r"^(.*:b\d+):s\d+$")


@dataclass(frozen=True)
class Piece:
    """English text checked as part of one request: its segment id, its text, and `offset`, where that
    text starts in the text that issue offsets refer to (the file, or 0 for a segment's own text)."""

    segment: str
    text: str
    offset: int = 0


def _python_end(text: str, start: int, utf16_length: int) -> int:
    """The end offset in `text` of a span that starts at `start` and is `utf16_length` UTF-16 units long.

    LanguageTool counts in UTF-16 units; language-tool-python corrects the start but not the length.
    """
    end, units = start, 0
    while end < len(text) and units < utf16_length:
        units += 2 if ord(text[end]) > 0xFFFF else 1
        end += 1
    return end


def match_issues(doc: str, pieces: Sequence[Piece], joined: str, matches: Iterable[Any]) -> list[Issue]:
    """LanguageTool's matches on `joined` (the pieces joined by PIECE_SEPARATOR) as issues of the pieces."""
    starts: list[int] = []
    pos = 0
    for piece in pieces:
        starts.append(pos)
        pos += len(piece.text) + len(PIECE_SEPARATOR)
    issues: list[Issue] = []
    for m in matches:
        start, length = m.offset, m.error_length
        # (start counts code points, length UTF-16 units: start + length never exceeds the UTF-16 length)
        valid = isinstance(start, int) and isinstance(length, int) and start >= 0 and length >= 0
        if not valid or start + length > len(joined.encode("utf-16-le")) // 2:
            raise BadReply(
                f"a match at offset {start!r}, length {length!r}: outside the {len(joined)}-character text"
            )
        end = _python_end(joined, start, length)
        index = max(i for i, s in enumerate(starts) if s <= start) if starts else 0
        piece = pieces[index]
        local_start, local_end = start - starts[index], min(end - starts[index], len(piece.text))
        if local_start >= len(piece.text):
            continue  # a match on the separator we added between two pieces
        issues.append(
            Issue(
                doc=doc,
                segment=piece.segment,
                start=piece.offset + local_start,
                end=piece.offset + local_end,
                category=str(m.category),
                rule=str(m.rule_id),
                severity=SEVERITIES.get(str(m.rule_issue_type), "info"),
                message=str(m.message),
                suggestions=[str(r) for r in m.replacements[:MAX_SUGGESTIONS]],
                source=SOURCE,
                text=piece.text[local_start:local_end],
            )
        )
    return issues


def check_batches(
    server: LanguageToolServer,
    doc: str,
    batches: Sequence[Sequence[Piece]],
    *,
    after_batch: Callable[[int], None] | None = None,
) -> Iterator[list[Issue]]:
    """Check each batch in one request; yield its issues. A dead server is restarted once per run.

    A request the server refuses (HTTP 4xx: a text it cannot handle) gives an `internal-error` issue
    for that batch and the run goes on, and so does an HTTP 5xx of a healthy server that has answered
    before (at most MAX_FAILED_IN_A_ROW in a row); a server that dies a second time raises
    ServerDied, and a reply LanguageTool does not send or a server that fails from the start
    ServerFailed, saying how many batches were done.
    """
    failed_in_a_row = 0
    for number, batch in enumerate(batches):
        pieces = [p for p in batch if p.text.strip()]
        if not pieces:
            yield []
            continue
        joined = PIECE_SEPARATOR.join(p.text for p in pieces)
        issues: list[Issue] | None = None
        while issues is None:
            done = f"{number} of {len(batches)} paragraphs were checked"
            try:
                issues = _check_batch(server, doc, pieces, joined)
                failed_in_a_row = 0
            except BadReply as exc:
                raise ServerFailed(f"{exc}; {done}", number) from None
            except Rejected as exc:
                issues = _failed_batch(doc, pieces[0], exc)
            except LanguageToolError as exc:
                if not isinstance(exc, TimedOut) and server.alive():
                    failed_in_a_row += 1
                    if server.checks_ok == 0 or failed_in_a_row > MAX_FAILED_IN_A_ROW:
                        raise ServerFailed(f"{exc}; {done}", number) from None
                    issues = _failed_batch(doc, pieces[0], exc)
                    break
                if not server.owned:  # not ours to restart
                    raise ServerDied(
                        f"{ENV_URL}: the server stopped answering ({exc}); {done}", number
                    ) from None
                if server.restarts >= 1:
                    raise ServerDied(
                        f"LanguageTool server failed again after a restart ({exc}); {done}", number
                    ) from None
                try:
                    server.restart()
                except LanguageToolError as again:
                    raise ServerDied(
                        f"LanguageTool server could not be restarted ({again}); {done}", number
                    ) from None
        if after_batch is not None:
            after_batch(number)
        yield issues


def _check_batch(server: LanguageToolServer, doc: str, pieces: Sequence[Piece], joined: str) -> list[Issue]:
    """The issues of one batch; BadReply (naming the server) when its matches do not fit the text."""
    matches = server.check(joined)
    try:
        return match_issues(doc, pieces, joined, matches)
    except BadReply as exc:
        raise BadReply(f"LanguageTool server on {server.url}: {exc}") from None


def _failed_batch(doc: str, piece: Piece, exc: Exception) -> list[Issue]:
    """A batch LanguageTool failed on: one `internal-error` issue, and a warning."""
    log.warning("%s: LanguageTool failed on %s: %s", doc, piece.segment, exc)
    return [_crash_issue(doc, piece, exc)]


def _crash_issue(doc: str, piece: Piece, exc: Exception) -> Issue:
    return Issue(
        doc=doc,
        segment=piece.segment,
        start=piece.offset,
        end=piece.offset + len(piece.text),
        category="internal-error",
        rule=f"{SOURCE}:failed",
        severity="info",
        message=f"LanguageTool failed on this text: {exc}",
        suggestions=[],
        source=SOURCE,
        text=piece.text,
    )


# --- inputs: an English text file, or (segment id, English text) pairs ------------------------------


def paragraph_pieces(doc: str, text: str) -> list[Piece]:
    """The paragraphs of an English text (blank lines separate them), with their offsets in the text."""
    pieces: list[Piece] = []
    for m in re.finditer(r"\S(?:.*\S)?(?:\n[ \t\f\r]*\S.*)*", text):
        start, end = m.start(), m.end()
        while end > start and text[end - 1].isspace():
            end -= 1
        pieces.append(Piece(segment=f"{doc}:p{len(pieces):03d}", text=text[start:end], offset=start))
    return pieces


def paragraph_key(segment: str) -> str:
    """The paragraph a segment belongs to: its block (`doc:b004` of `doc:b004:s01`), or itself."""
    m = _BLOCK_ID.match(segment)
    return m.group(1) if m else segment


def pair_batches(pairs: Iterable[tuple[str, str]], per: str = "paragraph") -> list[list[Piece]]:
    """(segment id, English text) pairs as batches: consecutive segments of one block together
    (`per="paragraph"`), or one segment per batch (`per="segment"`). Offsets are segment-relative."""
    if per not in ("paragraph", "segment"):
        raise ValueError(f"per must be 'paragraph' or 'segment', not {per!r}")
    batches: list[list[Piece]] = []
    last_key: str | None = None
    for segment, text in pairs:
        key = paragraph_key(segment)
        if per == "segment" or key != last_key or not batches:
            batches.append([])
        batches[-1].append(Piece(segment=segment, text=text))
        last_key = key
    return batches


# --- safe corrections -----------------------------------------------------------------------------


def is_safe(issue: Issue) -> bool:
    """A correction we apply without review: one suggestion, in a typo/grammar/punctuation/casing category."""
    return issue.category in SAFE_CATEGORIES and len(issue.suggestions) == 1 and issue.start < issue.end


def corrections(piece: Piece, issues: Iterable[Issue]) -> tuple[str, list[Change]]:
    """The piece's text with its safe corrections applied, and the changes (overlaps: the first wins)."""
    changes: list[Change] = []
    last_end = piece.offset
    for issue in sorted(issues, key=lambda i: (i.start, i.end)):
        if issue.segment != piece.segment or not is_safe(issue) or issue.start < last_end:
            continue
        change_id = f"{issue.segment}:{issue.rule}:{issue.start - piece.offset}"
        changes.append(Change.from_issue(issue, change_id, issue.suggestions[0], reason=issue.message))
        last_end = issue.end
    return apply_changes(piece.text, changes, piece.offset), changes


@dataclass
class EnglishCheck:
    """What checking an English text gives: issues, the cleaned pieces and the changes made."""

    issues: list[Issue] = dataclasses.field(default_factory=list)
    cleaned: dict[str, str] = dataclasses.field(default_factory=dict)  # segment id -> cleaned text
    changes: list[Change] = dataclasses.field(default_factory=list)
    batches_done: int = 0


def check_english(
    server: LanguageToolServer,
    doc: str,
    batches: Sequence[Sequence[Piece]],
    *,
    after_batch: Callable[[int], None] | None = None,
    result: EnglishCheck | None = None,
) -> EnglishCheck:
    """Check every batch; collect issues, cleaned texts and changes. On ServerDied, `result` (if given)
    holds everything finished before the failure."""
    result = result if result is not None else EnglishCheck()
    checked = check_batches(server, doc, batches, after_batch=after_batch)
    for batch in batches:
        issues = next(checked)
        result.issues.extend(issues)
        for piece in batch:
            cleaned, changes = corrections(piece, issues)
            result.cleaned[piece.segment] = cleaned
            result.changes.extend(changes)
        result.batches_done += 1
    return result
