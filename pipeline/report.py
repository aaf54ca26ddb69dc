"""The report stage: one self-contained HTML page per document for the reviewer, and an index of them.

`build_report` turns the records of the earlier stages into a report model (pure: no files, no
clock); `render_report` renders it with the Jinja2 templates of `pipeline/templates/`, with
autoescaping on and no article text ever marked safe, so an article containing `<script>` shows it
as text. `run` reads a document's outputs and writes `report.html` atomically.

The page is self-contained (inline CSS, JS and SVG; no URL of any kind) and deterministic: the same
inputs give the same bytes, the date included when SOURCE_DATE_EPOCH pins it (reproducible-builds).
It puts the segments that need a decision first, and lets the reviewer decide on them and export
`<doc>.review.yaml` (report.js; the model gives it each decision's `was` and the content key).
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import functools
import hashlib
import os
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from io import StringIO
from pathlib import Path

import jinja2

from . import __version__, io, triage
from .clean import change_id, read_recheck
from .consistency import check_inputs
from .edits import cleaned_segment
from .errors import ConfigError, InputError
from .languagetool.install import LT_VERSION
from .records import (
    REVIEW_APPLIED,
    REVIEWER_ACCEPT,
    REVIEWER_REJECT,
    REVIEWER_REMOVE,
    REVIEWER_REPLACE,
    SEVERITIES,
    SKIPPED_NOT_RUN,
    TRANSLATION_OK,
    AlignedSegment,
    Change,
    Issue,
    Recheck,
    ReferenceBead,
    Segment,
    Translation,
)
from .review import REPLACE_RULE, Decision
from .workspace import INDEX, Workspace

INPUTS = (
    "segments",
    "issues",
    "changes",
    "cleaned",
    "recheck",
    "review-log",
    "translations",
    "issues-en",
    "aligned",
    "reference-beads",
    "issues-ref",
    "comparison",
    "triage",
    "glossary",
    "schema",
    "review",
)
OUTPUTS = ("report",)
# The config files that affect a document's outputs (those that exist are hashed into the signature).
CONFIG_FILES = ("triage", "glossary", "schema", "review")
NO_TRIAGE = "none"  # a segment without a row in aligned.jsonl
TRIAGE_VALUES = (*triage.DECISIONS, NO_TRIAGE)
_SEVERITY_RANK = {s: i for i, s in enumerate(SEVERITIES)}
# Words, runs of white space and single other characters: the units of the word-level diff.
_TOKEN = re.compile(r"\w+|\s+|[^\w\s]")
EXACT_DIFF_TOKENS = 2000  # above this, the word diff uses difflib's autojunk (see word_diff)


# --- the model -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Signature:
    """Everything a reader needs to reproduce the report, as sacrebleu's signature records a score's."""

    pipeline: str
    translation: str  # the fi→en model(s), or "none"
    roundtrip: str  # the en→fi model(s), or "none"
    languagetool: str  # its version, or "not run"
    config_hash: str
    config_files: tuple[str, ...]  # the files the hash covers (beside the pipeline version)
    date: str

    def line(self) -> str:
        """The signature as one line: `pipeline:0.1.0|fi-en:…|en-fi:…|languagetool:6.8|config:…|date:…`."""
        return (
            f"pipeline:{self.pipeline}|fi-en:{self.translation}|en-fi:{self.roundtrip}"
            f"|languagetool:{self.languagetool}|config:{self.config_hash}|date:{self.date}"
        )


@dataclass(frozen=True)
class IssueView:
    """An issue as the report shows it: a page-wide key and offsets relative to the text it is in."""

    key: str
    start: int
    end: int
    issue: Issue

    @property
    def title(self) -> str:
        """One line for a tooltip: severity, rule, message and the suggestions."""
        i = self.issue
        suggested = f" → {', '.join(i.suggestions)}" if i.suggestions else ""
        return f"{i.severity} · {i.rule}: {i.message}{suggested}"


@dataclass(frozen=True)
class Span:
    """A run of text covered by the same issues (none: plain text); `point` marks a zero-width issue."""

    text: str
    issues: tuple[IssueView, ...] = ()
    point: bool = False

    @property
    def keys(self) -> str:
        """The keys of the covering issues, space-separated."""
        return " ".join(i.key for i in self.issues)

    @property
    def severity(self) -> str:
        """The worst severity of the covering issues."""
        severities = (i.issue.severity for i in self.issues)
        return min(severities, key=lambda s: _SEVERITY_RANK.get(s, len(SEVERITIES)))

    @property
    def categories(self) -> str:
        """The categories of the covering issues, space-separated, each once."""
        return " ".join(dict.fromkeys(i.issue.category for i in self.issues))

    @property
    def title(self) -> str:
        """The covering issues' tooltips, one per line."""
        return "\n".join(i.title for i in self.issues)


@dataclass(frozen=True)
class DiffPiece:
    """A piece of the word-level diff: `op` is `equal`, `delete` or `insert`."""

    op: str
    text: str


@dataclass(frozen=True)
class ChangeView:
    """A change of the clean stage (or a reviewer's replacement), with what became of the decision on it
    and the issue it fixes (shown with the change, not again in the issue list)."""

    change: Change
    review: Decision | None
    issue: IssueView | None = None

    @property
    def reviewable(self) -> bool:
        """Whether the page offers accept/reject (a reviewer's own replacement is edited on its segment)."""
        return self.change.rule != REPLACE_RULE


@dataclass(frozen=True)
class TranslationView:
    """A segment's retranslation: the English (with its LanguageTool issues) and scores, or why not."""

    status: str
    ok: bool
    spans: tuple[Span, ...]
    issues: tuple[IssueView, ...]
    score: float | None
    chrf: float | None
    roundtrip: str | None
    roundtrip_status: str


@dataclass(frozen=True)
class ReferenceView:
    """A segment's English reference: its bead's English (with its LanguageTool issues), the bead's
    kind and score, the other segments that share it, and why it is held for review (if it is)."""

    kind: str
    score: float
    spans: tuple[Span, ...]
    issues: tuple[IssueView, ...]
    shared: tuple[str, ...]
    review: tuple[str, ...]


@dataclass(frozen=True)
class SegmentView:
    """One segment: original with its issues, the diff against the cleaned text, English, triage."""

    id: str
    anchor: str
    kind: str
    spans: tuple[Span, ...]
    issues: tuple[IssueView, ...]
    diff: tuple[DiffPiece, ...]
    changed: bool
    removed: bool
    changes: tuple[ChangeView, ...]
    reviews: tuple[Decision, ...]
    translation: TranslationView | None
    triage: str
    reasons: tuple[str, ...]
    reference: ReferenceView | None = None  # None: no reference, or none of it aligned with this segment
    text: str = ""  # the original text (the `was` of a decision on the segment)
    cleaned: str = ""  # the cleaned text, the reviewer's decisions applied
    flagged: bool = False  # needs the reviewer: issues, changes, or a triage reason of its own

    @property
    def open_issues(self) -> tuple[IssueView, ...]:
        """The issues no change fixes (those a change fixes are shown with it)."""
        fixed = {c.issue.key for c in self.changes if c.issue is not None}
        return tuple(i for i in self.issues if i.key not in fixed)

    @property
    def reviewer_text(self) -> str | None:
        """The text a reviewer's applied replacement gave the segment ("" when removed), else None."""
        for r in self.reviews:
            if r.status == REVIEW_APPLIED and r.decision in (REVIEWER_REPLACE, REVIEWER_REMOVE):
                return r.text or ""
        return None


@dataclass(frozen=True)
class BlockView:
    """A block of the article (title, heading, paragraph, list item) and its segments."""

    index: int
    kind: str
    segments: tuple[SegmentView, ...]


@dataclass(frozen=True)
class Bar:
    """One bar of a chart."""

    label: str
    count: int
    share: float  # of the chart's largest count, 0..1


@dataclass(frozen=True)
class Chart:
    """A small horizontal bar chart (drawn as inline SVG)."""

    title: str
    bars: tuple[Bar, ...]


@dataclass(frozen=True)
class Summary:
    """The document's counts: segments, issues, triage, changes, reviewer decisions not applied."""

    segments: int
    translated: int
    issues: int
    issues_en: int
    changes_applied: int
    changes_not_applied: int
    accepted: int
    rejected: int
    charts: tuple[Chart, ...]
    triage: tuple[tuple[str, int], ...]
    severities: tuple[tuple[str, int], ...]
    unapplied: tuple[Decision, ...]  # stale or in conflict
    recheck: Recheck | None = None  # the cleaned text checked again (None: no issues.cleaned.jsonl)


@dataclass(frozen=True)
class Filters:
    """The values the page's filters offer, with how many items each has."""

    severities: tuple[tuple[str, int], ...]
    categories: tuple[tuple[str, int], ...]
    triage: tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class Comparison:
    """The role-attribute comparison table (comparison.csv): a header row and the rows."""

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class ReportModel:
    """Everything report.html shows."""

    doc: str
    signature: Signature
    summary: Summary
    filters: Filters
    blocks: tuple[BlockView, ...]
    comparison: Comparison | None
    content_key: str = ""  # the article and its changes (see content_key): the page's saved decisions
    english_notice: str | None = None  # the status every segment's retranslation shares when skipped

    def _blocks(self, flagged: bool) -> tuple[BlockView, ...]:
        out = []
        for b in self.blocks:
            segments = tuple(g for g in b.segments if g.flagged == flagged)
            if segments:
                out.append(dataclasses.replace(b, segments=segments))
        return tuple(out)

    @property
    def attention(self) -> tuple[BlockView, ...]:
        """The blocks with their segments that need the reviewer, in document order."""
        return self._blocks(True)

    @property
    def rest(self) -> tuple[BlockView, ...]:
        """The blocks with their segments that need nothing (no issue, no change), in document order."""
        return self._blocks(False)

    @property
    def flagged(self) -> int:
        """How many segments need the reviewer."""
        return sum(g.flagged for b in self.blocks for g in b.segments)


@dataclass(frozen=True)
class ReportInputs:
    """The records the report is built from; everything but the segments may be empty."""

    segments: Sequence[Segment]
    issues: Sequence[Issue] = ()
    changes: Sequence[Change] = ()
    translations: Sequence[Translation] = ()
    issues_en: Sequence[Issue] | None = None  # None: check-en has not run
    aligned: Sequence[AlignedSegment] = ()
    comparison: Sequence[Sequence[str]] | None = None
    review: Sequence[Decision] = ()  # review.jsonl: every reviewer decision and its status
    recheck: Recheck | None = None  # issues.cleaned.jsonl against issues.jsonl (None: older outputs)
    reference: Sequence[ReferenceBead] = ()  # reference.jsonl: the English reference's beads
    issues_ref: Sequence[Issue] | None = (
        None  # issues.ref.jsonl: LanguageTool on the reference (None: not run)
    )


# --- pure functions ------------------------------------------------------------------------------------


def tokens(text: str) -> list[str]:
    """The units of the word-level diff: words, white-space runs and single other characters."""
    return _TOKEN.findall(text)


def word_diff(old: str, new: str) -> list[DiffPiece]:
    """A word-level diff of two texts: equal, deleted and inserted pieces that rebuild both texts."""
    import difflib  # noqa: PLC0415  (only the report needs it)

    a, b = tokens(old), tokens(new)
    pieces: list[DiffPiece] = []

    def add(op: str, parts: Sequence[str]) -> None:
        text = "".join(parts)
        if not text:
            return
        if pieces and pieces[-1].op == op:
            pieces[-1] = DiffPiece(op, pieces[-1].text + text)
        else:
            pieces.append(DiffPiece(op, text))

    # The common head and tail first: most segments change in a few places. SequenceMatcher is
    # quadratic on repeated tokens (white space, common words): an exact diff for a sentence, and
    # difflib's popularity heuristic (autojunk) only for a very long run-on segment, to stay fast.
    head = 0
    while head < min(len(a), len(b)) and a[head] == b[head]:
        head += 1
    tail = 0
    while tail < min(len(a), len(b)) - head and a[-1 - tail] == b[-1 - tail]:
        tail += 1
    add("equal", a[:head])
    mid_a, mid_b = a[head : len(a) - tail], b[head : len(b) - tail]
    autojunk = len(mid_a) + len(mid_b) > EXACT_DIFF_TOKENS
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, mid_a, mid_b, autojunk).get_opcodes():
        if tag == "equal":
            add("equal", mid_a[i1:i2])
        else:
            add("delete", mid_a[i1:i2])
            add("insert", mid_b[j1:j2])
    add("equal", a[len(a) - tail :])
    return pieces


def highlight(text: str, issues: Sequence[IssueView]) -> list[Span]:
    """The text cut into spans at every issue boundary, each with the issues covering it.

    Overlapping issues need no nesting: a span covered by two issues lists both. Offsets are
    clamped to the text; a zero-width issue becomes a point marker before the text at its offset.
    """
    size = len(text)
    ranges = [(max(0, min(i.start, size)), max(0, min(i.end, size)), i) for i in issues]
    points: dict[int, list[IssueView]] = {}
    opening: dict[int, list[int]] = {}
    closing: dict[int, list[int]] = {}
    for n, (start, end, issue) in enumerate(ranges):
        if start >= end:
            points.setdefault(start, []).append(issue)
        else:
            opening.setdefault(start, []).append(n)
            closing.setdefault(end, []).append(n)
    cuts = sorted({0, size, *opening, *closing, *points})
    spans: list[Span] = []
    active: set[int] = set()  # a sweep over the cuts: the issues open at each
    for a, b in zip(cuts, [*cuts[1:], size], strict=True):
        active.difference_update(closing.get(a, ()))
        active.update(opening.get(a, ()))
        if a in points:
            spans.append(Span("", tuple(points[a]), point=True))
        if a < b:
            spans.append(Span(text[a:b], tuple(ranges[n][2] for n in sorted(active))))
    return spans


def _issue_view(issue: Issue, key: str, offset: int) -> IssueView:
    return IssueView(key=key, start=issue.start - offset, end=issue.end - offset, issue=issue)


def _chart(title: str, counts: Iterable[tuple[str, int]]) -> Chart:
    items = [(label, n) for label, n in counts if n]
    top = max((n for _, n in items), default=0)
    return Chart(title, tuple(Bar(label, n, n / top if top else 0.0) for label, n in items))


def _by_severity(issues: Iterable[Issue]) -> list[tuple[str, int]]:
    counts = Counter(i.severity for i in issues)
    order = [*SEVERITIES, *sorted(set(counts) - set(SEVERITIES))]
    return [(s, counts[s]) for s in order]


def _by_category(issues: Iterable[Issue]) -> list[tuple[str, int]]:
    counts = Counter(i.category for i in issues)
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))


def content_key(doc: str, segments: Iterable[Segment], changes: Iterable[Change]) -> str:
    """A short SHA-256 of the article and its changes: the page keeps a reviewer's unsaved decisions
    under it, so a report rebuilt on another text or other rules does not apply them (issue 14)."""
    digest = hashlib.sha256(f"{doc}\0".encode())
    for s in segments:
        digest.update(f"s\0{s.id}\0{s.text}\0".encode())
    for c in changes:
        if c.rule != REPLACE_RULE:  # the reviewer's own replacements come from the review file
            digest.update(f"c\0{c.id}\0{c.original}\0{c.replacement}\0".encode())
    return digest.hexdigest()[:16]


def _needs_review(
    issues: Sequence[IssueView], changes: Sequence[ChangeView], row: AlignedSegment | None
) -> bool:
    """Issues or changes to decide on, or a triage reason of the segment's own (not the missing scores
    every segment shares without a model)."""
    return bool(issues or changes) or (row is not None and triage.needs_decision(row))


def _translation_view(t: Translation, issues: Sequence[IssueView]) -> TranslationView:
    ok = t.status == TRANSLATION_OK and t.text is not None
    return TranslationView(
        status=t.status,
        ok=ok,
        spans=tuple(highlight(t.text or "", issues)) if ok else (),
        issues=tuple(issues) if ok else (),
        score=t.score,
        chrf=t.chrf,
        roundtrip=t.roundtrip,
        roundtrip_status=t.roundtrip_status,
    )


def _reference_view(bead: ReferenceBead, seg: str, issues: Sequence[IssueView]) -> ReferenceView:
    return ReferenceView(
        kind=bead.kind,
        score=bead.score,
        spans=tuple(highlight(bead.text or "", issues)),
        issues=tuple(issues),
        shared=tuple(s for s in bead.segments if s != seg),
        review=tuple(bead.review),
    )


def reference_issues(bead: ReferenceBead, issues: Sequence[Issue]) -> list[Issue]:
    """The reference's issues inside a bead's English, in order (a bead without English has none)."""
    if bead.start is None or bead.end is None:
        return []
    inside = [i for i in issues if bead.start <= i.start and i.end <= bead.end]
    return sorted(inside, key=lambda i: (i.start, i.end, i.rule))


def build_report(doc: str, inputs: ReportInputs, signature: Signature) -> ReportModel:
    """The report model of one document from the records of the earlier stages."""
    changes = inputs.changes
    review_by_target = {r.target: r for r in inputs.review if r.kind == "change"}
    issues_en = inputs.issues_en or ()
    translations = {t.segment: t for t in inputs.translations}
    aligned = {a.segment: a for a in inputs.aligned}
    beads = {seg: bead for bead in inputs.reference if bead.text is not None for seg in bead.segments}

    fi_by_segment: dict[str, list[Issue]] = {}
    for issue in inputs.issues:
        fi_by_segment.setdefault(issue.segment, []).append(issue)
    en_by_segment: dict[str, list[Issue]] = {}
    for issue in issues_en:
        en_by_segment.setdefault(issue.segment, []).append(issue)
    changes_by_segment: dict[str, list[Change]] = {}
    for change in changes:
        changes_by_segment.setdefault(change.segment, []).append(change)

    blocks: list[BlockView] = []
    counter = 0
    for seg in inputs.segments:
        fi = []
        for issue in sorted(fi_by_segment.get(seg.id, []), key=lambda i: (i.start, i.end, i.rule)):
            counter += 1
            fi.append(_issue_view(issue, f"f{counter}", seg.start))
        en = []
        for issue in sorted(en_by_segment.get(seg.id, []), key=lambda i: (i.start, i.end, i.rule)):
            counter += 1
            en.append(_issue_view(issue, f"e{counter}", 0))
        bead = beads.get(seg.id)
        ref = []
        if bead is not None:
            for issue in reference_issues(bead, inputs.issues_ref or ()):
                counter += 1
                ref.append(_issue_view(issue, f"r{counter}", bead.start or 0))
        cleaned = cleaned_segment(seg, changes)
        t = translations.get(seg.id)
        row = aligned.get(seg.id)
        fixes = {change_id(i.issue, seg): i for i in fi}
        change_views = tuple(
            ChangeView(change=c, review=review_by_target.get(c.id), issue=fixes.get(c.id))
            for c in changes_by_segment.get(seg.id, ())
        )
        reference = _reference_view(bead, seg.id, ref) if bead is not None else None
        view = SegmentView(
            id=seg.id,
            anchor=f"s-{seg.block}-{seg.sentence}",
            kind=seg.kind,
            spans=tuple(highlight(seg.text, fi)),
            issues=tuple(fi),
            diff=tuple(word_diff(seg.text, cleaned)),
            changed=cleaned != seg.text,
            removed=bool(seg.text) and not cleaned,
            changes=change_views,
            reviews=tuple(r for r in inputs.review if r.kind == "segment" and r.target == seg.id),
            translation=_translation_view(t, en) if t is not None else None,
            triage=row.decision if row is not None else NO_TRIAGE,
            reasons=tuple(row.reasons) if row is not None else (),
            reference=reference,
            text=seg.text,
            cleaned=cleaned,
            # A reference bead held for review needs the reviewer too (issue 14, item 2).
            flagged=_needs_review(fi, change_views, row)
            or (reference is not None and bool(reference.review)),
        )
        if blocks and blocks[-1].index == seg.block:
            blocks[-1] = dataclasses.replace(blocks[-1], segments=(*blocks[-1].segments, view))
        else:
            blocks.append(BlockView(seg.block, seg.kind, (view,)))

    summary = summarise(inputs)
    all_issues = [*inputs.issues, *issues_en, *(inputs.issues_ref or ())]
    filters = Filters(
        severities=tuple(_by_severity(all_issues)),
        categories=tuple(sorted(Counter(i.category for i in all_issues).items())),
        triage=summary.triage,
    )
    comparison = None
    if inputs.comparison:
        header, *rows = (tuple(r) for r in inputs.comparison)
        comparison = Comparison(header, tuple(rows))
    return ReportModel(
        doc,
        signature,
        summary,
        filters,
        tuple(blocks),
        comparison,
        content_key=content_key(doc, inputs.segments, changes),
        english_notice=english_notice(inputs.segments, inputs.translations),
    )


def english_notice(segments: Sequence[Segment], translations: Sequence[Translation]) -> str | None:
    """Why no segment has a retranslation, when it is the same for all (said once, not on every card)."""
    if not segments:
        return None
    if not translations:
        return SKIPPED_NOT_RUN
    statuses = {t.status for t in translations}
    if len(statuses) > 1 or len(translations) != len(segments) or TRANSLATION_OK in statuses:
        return None
    return statuses.pop()


def summarise(inputs: ReportInputs) -> Summary:
    """The document's counts and charts."""
    changes = inputs.changes
    decisions = [c.decision for c in changes]
    issues_en = inputs.issues_en or ()
    aligned = {a.segment: a.decision for a in inputs.aligned}
    triage_counts = Counter(aligned.get(s.id, NO_TRIAGE) for s in inputs.segments)
    triage_items = [(d, triage_counts[d]) for d in TRIAGE_VALUES if triage_counts[d]]
    triage_items += sorted((d, n) for d, n in triage_counts.items() if d not in TRIAGE_VALUES)
    applied = sum(c.applied for c in changes)
    accepted, rejected = decisions.count(REVIEWER_ACCEPT), decisions.count(REVIEWER_REJECT)
    charts = [
        _chart("Finnish issues by severity", _by_severity(inputs.issues)),
        _chart("Finnish issues by category", _by_category(inputs.issues)),
        _chart("Triage", triage_items),
        _chart(
            "Changes",
            [
                ("applied", applied),
                ("not applied", len(changes) - applied),
                ("accepted by the reviewer", accepted),
                ("rejected by the reviewer", rejected),
            ],
        ),
    ]
    if issues_en:
        charts.append(_chart("English issues by category", _by_category(issues_en)))
    return Summary(
        segments=len(inputs.segments),
        translated=sum(1 for t in inputs.translations if t.status == TRANSLATION_OK),
        issues=len(inputs.issues),
        issues_en=len(issues_en),
        changes_applied=applied,
        changes_not_applied=len(changes) - applied,
        accepted=accepted,
        rejected=rejected,
        charts=tuple(charts),
        triage=tuple(triage_items),
        severities=tuple(_by_severity(inputs.issues)),
        unapplied=tuple(r for r in inputs.review if r.status != REVIEW_APPLIED),
        recheck=inputs.recheck,
    )


def config_hash(version: str, files: Iterable[tuple[str, bytes]]) -> str:
    """A short SHA-256 over the pipeline version and the (name, bytes) of each config file."""
    digest = hashlib.sha256(f"pipeline {version}\0".encode())
    for name, data in files:
        digest.update(f"{name}\0{len(data)}\0".encode())
        digest.update(data)
    return digest.hexdigest()[:12]


def _models(values: Iterable[str | None]) -> str:
    names = sorted({v for v in values if v})
    return ", ".join(names) if names else "none"


def report_date(environ: Mapping[str, str] | None = None) -> str:
    """Today's UTC date, or the date SOURCE_DATE_EPOCH pins (so that outputs can be byte-identical)."""
    env = os.environ if environ is None else environ
    pinned = env.get("SOURCE_DATE_EPOCH")
    if pinned is None or not pinned.strip():
        return dt.datetime.now(dt.UTC).date().isoformat()
    try:
        return dt.datetime.fromtimestamp(int(pinned), dt.UTC).date().isoformat()
    except (ValueError, OverflowError, OSError):
        raise ConfigError(
            f"SOURCE_DATE_EPOCH={pinned!r}: expected a whole number of seconds since 1970"
        ) from None


def signature(ws: Workspace, inputs: ReportInputs, environ: Mapping[str, str] | None = None) -> Signature:
    """The report's signature: versions, models, config hash (of the files that exist) and date."""
    files = [p for p in (ws.path(k) for k in CONFIG_FILES) if p.is_file()]
    ran_languagetool = inputs.issues_en is not None and any(
        t.status == TRANSLATION_OK for t in inputs.translations
    )
    ran_languagetool |= inputs.issues_ref is not None and any(b.text for b in inputs.reference)
    return Signature(
        pipeline=__version__,
        translation=_models(t.model for t in inputs.translations),
        roundtrip=_models(t.roundtrip_model for t in inputs.translations),
        languagetool=LT_VERSION if ran_languagetool else "not run",
        config_hash=config_hash(__version__, ((p.name, p.read_bytes()) for p in files)),
        config_files=tuple(p.name for p in files),
        date=report_date(environ),
    )


# --- rendering -----------------------------------------------------------------------------------------


@functools.cache
def environment() -> jinja2.Environment:
    """The template environment: package templates, autoescaping always on, undefined names fail."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("pipeline", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["num"] = lambda v, digits=2: "–" if v is None else f"{v:.{digits}f}"
    return env


def render_report(model: ReportModel) -> str:
    """report.html of a report model."""
    return (
        environment()
        .get_template("report.html.j2")
        .render(m=model, triage_values=TRIAGE_VALUES, no_scores=triage.REASON_NO_SCORES)
    )


# --- files ---------------------------------------------------------------------------------------------


def read_csv_rows(path: Path) -> list[list[str]]:
    """The rows of a CSV file (UTF-8, strict reading)."""
    try:
        return [row for row in csv.reader(StringIO(io.read_text(path), newline=""), strict=True) if row]
    except csv.Error as exc:
        raise InputError(path, f"not valid CSV ({exc})") from None


def load_inputs(ws: Workspace) -> ReportInputs:
    """A document's outputs: segments, issues and changes are required; the others are optional
    (without issues.cleaned.jsonl, from an older pipeline, the report says nothing of a re-check)."""

    issues_en = ws.optional("issues-en")
    translations = ws.optional("translations")
    aligned = ws.optional("aligned")
    comparison = ws.optional("comparison")
    review_path = ws.optional("review-log")
    beads = ws.optional("reference-beads")
    issues_ref = ws.optional("issues-ref")
    segments = io.read_records(ws.path("segments"), Segment)
    issues = io.read_records(ws.path("issues"), Issue)
    changes = io.read_records(ws.path("changes"), Change)
    translated = io.read_records(translations, Translation) if translations else []
    check_inputs(ws, segments, None, {"issues": issues, "changes": changes, "translations": translated})
    return ReportInputs(
        segments=segments,
        issues=issues,
        changes=changes,
        translations=translated,
        issues_en=io.read_records(issues_en, Issue) if issues_en else None,
        aligned=io.read_records(aligned, AlignedSegment) if aligned else [],
        comparison=read_csv_rows(comparison) if comparison else None,
        review=io.read_records(review_path, Decision) if review_path else [],
        recheck=read_recheck(ws, segments, issues),
        reference=io.read_records(beads, ReferenceBead) if beads else [],
        issues_ref=io.read_records(issues_ref, Issue) if issues_ref else None,
    )


def run_stage(ws: Workspace) -> Path:
    """The report stage: the document's outputs in, `report.html` out (atomically)."""
    inputs = load_inputs(ws)
    model = build_report(ws.doc, inputs, signature(ws, inputs))
    path = ws.path("report")
    io.write_text(path, render_report(model))
    return path


# --- the index of reports ------------------------------------------------------------------------------


@dataclass(frozen=True)
class IndexEntry:
    """One document of the index: its report's relative link and its counts."""

    doc: str
    link: str
    summary: Summary


def build_index(out_root: str | Path, docs: Iterable[str] | None = None) -> list[IndexEntry]:
    """Every document under `out_root` that has a report.html (only `docs`, when given), by name,
    with its counts."""
    root = Path(out_root)
    wanted = None if docs is None else set(docs)
    name = Workspace.for_outputs(root).name("report")
    entries = []
    for report in sorted(root.glob(f"*/{name}")):
        doc = report.parent.name
        if wanted is not None and doc not in wanted:
            continue
        ws = Workspace.for_outputs(report.parent)
        entries.append(IndexEntry(doc, f"{doc}/{name}", summarise(load_inputs(ws))))
    return entries


def write_index(out_root: str | Path, docs: Iterable[str] | None = None) -> Path:
    """`<out_root>/index.html`, listing every document's report (only `docs`, when given), atomically."""
    root = Path(out_root)
    html = (
        environment()
        .get_template("index.html.j2")
        .render(
            entries=build_index(root, docs),
            version=__version__,
            date=report_date(),
            triage_values=TRIAGE_VALUES,
        )
    )
    path = root / INDEX
    io.write_text(path, html)
    return path
