"""The clean stage: safe fixes from the Finnish issues applied to the text, every change traceable.

Only fixes that cannot change the meaning are applied: spacing, casing, repeated words, agreement
corrections whose form Voikko confirmed (the agreement rule's errors), and untranslated English
terms for which `corpus/glossary.tsv` gives a Finnish term. Each change has a stable id
(`<segment id>:<rule>:<offset in the segment>`), so a reviewer's decision can refer to it.
"""

from __future__ import annotations

import csv
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import NamedTuple

from . import check, io, review, segment
from .consistency import check_inputs
from .edits import apply_changes
from .errors import InputError
from .records import (
    REASON_OVERLAPS,
    REASON_SAFE_FIX,
    REVIEW_APPLIED,
    Change,
    CheckCounts,
    Issue,
    Recheck,
    Segment,
    merged_into,
)
from .workspace import Workspace

log = logging.getLogger(__name__)


Glossary = Mapping[str, str]

# The stage's files (workspace keys). The re-check of the cleaned text ("recheck") is the same
# record as issues.jsonl, offsets into cleaned.fi.txt.
INPUTS = ("source", "segments", "issues", "glossary", "review")
OUTPUTS = ("cleaned", "changes", "review-log", "recheck")


def _first_suggestion(issue: Issue, glossary: Glossary) -> str | None:
    return issue.suggestions[0] if issue.suggestions else None


def _glossary_term(issue: Issue, glossary: Glossary) -> str | None:
    return glossary.get(issue.text.lower())


def _confirmed_suggestion(issue: Issue, glossary: Glossary) -> str | None:
    # The agreement rule and the syntax checks say "error" only when Voikko confirmed the forms.
    return issue.suggestions[0] if issue.severity == "error" and issue.suggestions else None


# Rules read off the parse know the case the clause needs; on the same span they win over the rules
# that look only at neighbouring words ("virtuaalinen avustajien hoitaa": the subject's nominative
# "virtuaaliset avustajat", not the noun's genitive copied onto the adjective).
SYNTAX_RULES = frozenset(
    {
        "object-case",
        "negation-partitive",
        "adposition-case",
        "case-government",
        "modifier-agreement",
        "genitive-subject",
        "numeral-partitive",
    }
)


# rule -> how to get its safe replacement (None: no safe fix for this issue)
SAFE_FIXES: dict[str, Callable[[Issue, Glossary], str | None]] = {
    "space-before-punctuation": _first_suggestion,
    "lopsided-slash": _first_suggestion,
    "voikko:2": _first_suggestion,  # extra whitespace
    "voikko:3": _first_suggestion,  # space before punctuation
    "voikko:7": _first_suggestion,  # lowercase sentence start
    "voikko:8": _first_suggestion,  # repeated word
    "title-case": _first_suggestion,
    "adjective-noun-agreement": _confirmed_suggestion,
    "untranslated-english": _glossary_term,
    # The syntax checks say "error" only when the parse (and the case model) are sure and every word
    # of the suggested phrase is a form Voikko confirms.
    **dict.fromkeys(sorted(SYNTAX_RULES), _confirmed_suggestion),
}


# Rules that capitalise a sentence start.
CASING_RULES = {"voikko:7"}


def read_glossary(path: str | Path) -> dict[str, str]:
    """English term -> Finnish term, from a two-column TSV (header `en<TAB>fi` optional)."""
    glossary: dict[str, str] = {}
    text = io.read_text(path)
    for number, row in enumerate(csv.reader(text.splitlines(), delimiter="\t"), start=1):
        if not row or not "".join(row).strip() or row[0].startswith("#"):
            continue
        if len(row) != 2 or not row[0].strip() or not row[1].strip():
            raise InputError(path, f"line {number}: expected two tab-separated columns, English and Finnish")
        if number == 1 and [c.strip().lower() for c in row] == ["en", "fi"]:
            continue
        glossary[row[0].strip().lower()] = row[1].strip()
    return glossary


def change_id(issue: Issue, segment: Segment) -> str:
    """The stable id of the change an issue would make."""
    return f"{issue.segment}:{issue.rule}:{issue.start - segment.start}"


def plan_changes(
    text: str, segments: Iterable[Segment], issues: Iterable[Issue], glossary: Glossary | None = None
) -> list[Change]:
    """Changes for every issue with a safe fix, in text order; overlapping ones are kept, not applied."""
    by_id = {s.id: s for s in segments}
    changes: list[Change] = []
    last_end = -1
    for issue in sorted(issues, key=lambda i: (i.start, -i.end, i.rule not in SYNTAX_RULES, i.rule)):
        fix = SAFE_FIXES.get(issue.rule)
        replacement = fix(issue, glossary or {}) if fix else None
        segment = by_id.get(issue.segment)
        if replacement is None or segment is None or replacement == text[issue.start : issue.end]:
            continue
        overlaps = issue.start < last_end
        reason = REASON_OVERLAPS if overlaps else REASON_SAFE_FIX
        previous = next((c for c in reversed(changes) if c.applied), None)
        if overlaps and previous and issue.rule in CASING_RULES and previous.start == issue.start:
            # A sentence start that is both lowercase and part of another fix ("virtuaalinen
            # avustajien pidetään"): the casing goes into the other change's replacement.
            merged = previous.replacement[:1].upper() + previous.replacement[1:]
            changes[changes.index(previous)] = Change.from_dict({**previous.to_dict(), "replacement": merged})
            reason = merged_into(previous.id)
        changes.append(
            Change.from_issue(
                issue, change_id(issue, segment), replacement, reason=reason, applied=not overlaps
            )
        )
        if not overlaps:
            last_end = issue.end
    return changes


class Cleaned(NamedTuple):
    """A cleaned document: its text, every change (applied or not) and the reviewer's decisions."""

    text: str
    changes: list[Change]
    decisions: list[review.Decision]


def clean_document(
    source: str | Path,
    segments: list[Segment],
    issues: list[Issue],
    glossary_path: str | Path | None = None,
    review_path: str | Path | None = None,
) -> Cleaned:
    """The cleaned text of a corpus file, its changes and, when a review file exists, its decisions."""
    text = io.read_text(source)
    glossary = read_glossary(glossary_path) if glossary_path and Path(glossary_path).exists() else {}
    changes = plan_changes(text, segments, issues, glossary)
    decisions: list[review.Decision] = []
    if review_path is not None and Path(review_path).exists():
        changes, decisions = review.apply_review(text, segments, changes, review.load_review(review_path))
        for d in decisions:
            if d.status != REVIEW_APPLIED:
                log.warning("%s: the decision on %s is %s: %s", review_path, d.target, d.status, d.message)
    return Cleaned(apply_changes(text, changes), changes, decisions)


def recheck_text(doc: str, text: str) -> tuple[list[Segment], list[Issue]]:
    """The cleaned text segmented as the original was and checked with the default checkers.

    The same document name keeps the ids `<doc>:bNNN:sNN`; offsets are into the cleaned text.
    """
    segments = segment.segment_text(doc, text)
    checkers = [check.get_checker(n) for n in check.DEFAULT_CHECKERS]
    return segments, check.check_segments(segments, checkers)


def recheck_summary(
    segments: Sequence[Segment], issues: Iterable[Issue], cleaned_text: str, cleaned_issues: Iterable[Issue]
) -> Recheck:
    """The counts before cleaning and after, from the original's segments and issues, the cleaned
    text and its issues (the cleaned text is segmented again: a reviewer may have removed some)."""
    doc = segments[0].doc if segments else ""
    return Recheck(
        before=CheckCounts.of(segments, issues),
        after=CheckCounts.of(segment.segment_text(doc, cleaned_text), cleaned_issues),
    )


def read_recheck(ws: Workspace, segments: Sequence[Segment], issues: Iterable[Issue]) -> Recheck | None:
    """The re-check summary of a document's outputs, or None where there is no issues.cleaned.jsonl
    (outputs of an older pipeline). A row that is not an issue is an InputError naming it."""
    path = ws.path("recheck")
    if not path.exists():
        return None
    cleaned_issues = io.read_records(path, Issue)
    return recheck_summary(
        segments, issues, io.read_text(ws.path("cleaned"), warn_empty=False), cleaned_issues
    )


def run_stage(ws: Workspace) -> list[Change]:
    """The clean stage: segments.jsonl and issues.jsonl in (with glossary.tsv and <doc>.review.yaml
    beside the source); cleaned.fi.txt, changes.jsonl, review.jsonl and issues.cleaned.jsonl (the
    cleaned text checked again) out, each atomically."""
    # Offsets checked against the source: the fixes are made at them.
    text = io.read_text(ws.source)
    segments = io.read_records(ws.path("segments"), Segment)
    issues = io.read_records(ws.path("issues"), Issue)
    check_inputs(ws, segments, text, {"issues": issues})
    result = clean_document(ws.source, segments, issues, ws.path("glossary"), ws.path("review"))
    # Checked before anything is written: a parser that fails leaves the old outputs as they were.
    _, cleaned_issues = recheck_text(ws.doc, result.text)
    io.write_jsonl(ws.path("changes"), (c.to_dict() for c in result.changes))
    io.write_jsonl(ws.path("review-log"), (d.to_dict() for d in result.decisions))
    io.write_text(ws.path("cleaned"), result.text)
    io.write_jsonl(ws.path("recheck"), (i.to_dict() for i in cleaned_issues))
    return result.changes
