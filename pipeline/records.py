"""Typed records passed between stages, with `to_dict`/`from_dict` for their JSONL form."""

from __future__ import annotations

import dataclasses
import functools
import json
import types
import typing
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Self

from .errors import RecordError

BLOCK_KINDS = ("title", "heading", "paragraph", "list-item")
SEGMENT_KINDS = ("title", "heading", "paragraph-sentence", "list-item")


# What a JSON value of each type is called in messages.
_JSON_NAMES: dict[type, str] = {
    bool: "true or false",
    int: "an integer",
    float: "a number",
    str: "a string",
    list: "a list",
    dict: "an object",
}
Convert = Callable[[Any, str], Any]


def _json_name(value: Any) -> str:
    """How a JSON value is named in a message: `a string ("5")`, `null`."""
    if value is None:
        return "null"
    name = next((n for t, n in _JSON_NAMES.items() if isinstance(value, t)), type(value).__name__)
    if isinstance(value, bool):
        return json.dumps(value)
    shown = json.dumps(value, ensure_ascii=False)
    shown = shown if len(shown) <= 20 else shown[:17] + "..."
    return f"{name} ({shown})" if isinstance(value, (int, float, str)) else name


@functools.cache
def _converter(hint: Any) -> Convert:
    """A function that checks a JSON value against a field's type (and builds nested records);
    a value of the wrong type is a RecordError naming the field."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (types.UnionType, typing.Union):
        inner = [_converter(a) for a in args if a is not type(None)]
        allows_none = type(None) in args

        def union(value: Any, field: str) -> Any:
            if value is None and allows_none:
                return None
            return inner[0](value, field) if len(inner) == 1 else value

        return union
    if isinstance(hint, type) and issubclass(hint, Record):
        record_type = hint

        def record(value: Any, field: str) -> Any:
            if not isinstance(value, dict):
                raise RecordError(field, f"expected an object, got {_json_name(value)}")
            try:
                return record_type.from_dict(value)
            except RecordError as exc:
                raise RecordError(f"{field}.{exc.field}", exc.problem) from None

        return record
    base = origin or hint
    if base not in _JSON_NAMES:
        return lambda value, field: value  # Any and the like: nothing to check
    item = _converter(args[-1]) if args else None

    def plain(value: Any, field: str) -> Any:
        # bool is an int in Python, but not in a record; an integer is a fine float.
        ok = isinstance(value, base) and not (base is not bool and isinstance(value, bool))
        if not ok and not (base is float and isinstance(value, int) and not isinstance(value, bool)):
            raise RecordError(field, f"expected {_JSON_NAMES[base]}, got {_json_name(value)}")
        if item is not None and isinstance(value, list):
            return [item(v, f"{field}[{i}]") for i, v in enumerate(value)]
        if item is not None and isinstance(value, dict):
            return {k: item(v, f"{field}.{k}") for k, v in value.items()}
        return value

    return plain


class Record:
    """Mixin: a dataclass record that converts to and from a plain dict."""

    # The field that holds the text of the record's `start`:`end` span of the document, if any.
    span_text_field: ClassVar[str | None] = None

    def to_dict(self) -> dict[str, Any]:
        """The record as a JSON-ready dict, fields in declaration order."""
        return dataclasses.asdict(self)  # type: ignore[call-overload, no-any-return]

    @classmethod
    def _fields(cls) -> list[tuple[str, bool, Convert]]:
        """(name, required, converter) of each field, in declaration order (worked out once a class)."""
        fields = _FIELDS.get(cls)
        if fields is None:
            hints = typing.get_type_hints(cls)
            fields = _FIELDS[cls] = [
                (
                    f.name,
                    f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING,
                    _converter(hints[f.name]),
                )
                for f in dataclasses.fields(cls)  # type: ignore[arg-type]
            ]
        return fields

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Self:
        """Build the record from a dict, ignoring keys it does not know.

        A missing field, a value of the wrong type or offsets that cannot hold the span's text
        raise RecordError naming the field (nested records and lists included: `words[3].head`).
        """
        values: dict[str, Any] = {}
        for name, required, convert in cls._fields():
            if name in data:
                values[name] = convert(data[name], name)
            elif required:
                raise RecordError(name, "missing")
        record = cls(**values)
        problem = record.span_problem()
        if problem is not None:
            raise RecordError(*problem)
        return record

    def span_problem(self) -> tuple[str, str] | None:
        """(field, problem) when the record's offsets are negative, reversed or of another length
        than its text; None when fine."""
        if self.span_text_field is None:
            return None
        start, end, text = self.start, self.end, getattr(self, self.span_text_field)  # type: ignore[attr-defined]
        if start < 0 or end < start:
            return "start", f"offsets {start}..{end} out of range"
        if end - start != len(text):
            return (
                "end",
                f"offsets {start}..{end} do not hold the {len(text)} characters of {self.span_text_field!r}",
            )
        return None


_FIELDS: dict[type[Record], list[tuple[str, bool, Convert]]] = {}


@dataclass(frozen=True)
class Block(Record):
    """A block of the document: the title, a heading, a paragraph or a list item."""

    index: int
    kind: str
    start: int
    end: int


@dataclass(frozen=True)
class Segment(Record):
    """A sentence (or a whole title or heading) with exact document offsets.

    `text == document_text[start:end]` always; `heading` is the text of the heading the
    segment sits under (None before the first heading), `heading_block` its block index.
    """

    span_text_field: ClassVar[str | None] = "text"

    id: str
    doc: str
    block: int
    sentence: int
    kind: str
    heading: str | None
    heading_block: int | None
    start: int
    end: int
    text: str


def segment_id(doc: str, block: int, sentence: int) -> str:
    """The stable id of a segment: document, block index and sentence index in the block."""
    return f"{doc}:b{block:03d}:s{sentence:02d}"


SEVERITIES = ("error", "warning", "info")


@dataclass(frozen=True)
class Issue(Record):
    """A problem found in a segment: document offsets of the flagged span, what is wrong, how sure we are.

    `severity` is error (certainly wrong), warning (probably wrong) or info (worth a look).
    """

    span_text_field: ClassVar[str | None] = "text"

    doc: str
    segment: str
    start: int
    end: int
    category: str
    rule: str
    severity: str
    message: str
    suggestions: list[str]
    source: str
    text: str


# The severities that make a segment one that "has errors or warnings"; info issues do not.
FLAGGED_SEVERITIES = ("error", "warning")


@dataclass(frozen=True)
class CheckCounts(Record):
    """One check of a document in numbers: segments, those with errors or warnings, issues by severity.

    `flagged` counts the segments with at least one error or warning; `with_errors` and
    `with_warnings` break it down (a segment with both is in both, so they can add up to more
    than `flagged`). `issues` maps every severity to its number of issues.
    """

    segments: int
    flagged: int
    with_errors: int
    with_warnings: int
    issues: dict[str, int]

    @classmethod
    def of(cls, segments: Sequence[Segment], issues: Iterable[Issue]) -> CheckCounts:
        """The counts of a check: the segments checked and the issues found in them."""
        issues = list(issues)
        by_severity: dict[str, set[str]] = {s: set() for s in SEVERITIES}
        counts = dict.fromkeys(SEVERITIES, 0)
        for i in issues:
            by_severity.setdefault(i.severity, set()).add(i.segment)
            counts[i.severity] = counts.get(i.severity, 0) + 1
        flagged = set().union(*(by_severity[s] for s in FLAGGED_SEVERITIES))
        return cls(
            segments=len(segments),
            flagged=len(flagged),
            with_errors=len(by_severity["error"]),
            with_warnings=len(by_severity["warning"]),
            issues=counts,
        )


@dataclass(frozen=True)
class Recheck(Record):
    """The check of the original text (issues.jsonl) beside the re-check of the cleaned text
    (issues.cleaned.jsonl)."""

    before: CheckCounts
    after: CheckCounts

    def line(self) -> str:
        """One line for the report and the publisher's copy:
        `After cleaning: 12 of 31 segments still have errors or warnings (before: 30)`."""
        a, b = self.after, self.before
        before = f"{b.flagged}" if b.segments == a.segments else f"{b.flagged} of {b.segments}"
        one = a.segments == 1 or a.flagged == 1  # "1 of 31 segments still has", "0 of 1 segment still has"
        return (
            f"After cleaning: {a.flagged} of {a.segments} segment{'' if a.segments == 1 else 's'} "
            f"still {'has' if one else 'have'} errors or warnings (before: {before})"
        )


# A translation's status (and its round trip's): TRANSLATION_OK, or `skipped: <why>` with one of these.
TRANSLATION_OK = "ok"
SKIPPED_NO_FI_EN = "skipped: no fi→en model (run make models)"
SKIPPED_NO_EN_FI = "skipped: no en→fi model (run make models)"
SKIPPED_NO_TRANSLATION = "skipped: no fi→en translation"
SKIPPED_DISABLED = "skipped: round trip disabled"
SKIPPED_NOT_RUN = "skipped: the translate stage has not run"  # there is no translations.jsonl
# The English of a segment the reviewer removed or replaced (`<doc>.review.yaml`), in the align
# stage's `translation_status`: the retranslation was made of the original Finnish, so it does not
# belong to the reviewer's text (issue 13, item 4).
EN_REMOVED = "removed: the reviewer removed the segment"
EN_STALE_REPLACED = "stale: the reviewer replaced the Finnish"


@dataclass(frozen=True)
class Translation(Record):
    """A segment's retranslation: fi→en with its score, and the en→fi round trip with its chrF.

    `status` is `ok` or `skipped: <why>`; when skipped, `text`, `score` and the round-trip fields
    are null (never an empty or made-up translation). `score` is the model's mean log-probability
    per output token (end token included); `chrf` is sacrebleu's chrF (0-100) of `roundtrip`
    against `source`. `model` and `roundtrip_model` name the packages (`translate-fi_en 1.9`).
    """

    span_text_field: ClassVar[str | None] = "source"

    doc: str
    segment: str
    kind: str
    start: int
    end: int
    source: str
    status: str
    text: str | None
    score: float | None
    model: str | None
    roundtrip_status: str
    roundtrip: str | None
    roundtrip_score: float | None
    roundtrip_model: str | None
    chrf: float | None


# Why a change is or is not applied, where another step reads the reason back.
REASON_SAFE_FIX = "safe fix"
REASON_OVERLAPS = "overlaps an earlier change"


def merged_into(change_id: str) -> str:
    """The reason of a casing fix merged into the change `change_id` (a rejection of that change frees it)."""
    return f"merged into {change_id}"


# The reviewer's decisions (`<doc>.review.yaml`): accept or reject a change; replace or remove a segment.
REVIEWER_ACCEPT, REVIEWER_REJECT = "accept", "reject"
REVIEWER_REPLACE, REVIEWER_REMOVE = "replace", "remove"
# What became of a reviewer's decision (review.jsonl). A decision on an id that matches nothing is
# stale when it names the text it was made on (`was`: the id existed then), else unknown (as far as
# the file shows, the id never existed: a mistyped one); issue 14.
REVIEW_APPLIED, REVIEW_STALE, REVIEW_CONFLICT = "applied", "stale", "conflict"
REVIEW_UNKNOWN = "unknown"
# Triage decisions of the align stage, in order of severity.
TRIAGE_PUBLISH, TRIAGE_REVIEW, TRIAGE_REJECT = "publish", "review", "reject"
# The triage reasons of a segment the reviewer removed (never published) or replaced with new text
# (reviewed: nothing scores the new text, and its English is still to be made).
REASON_REMOVED = "removed by the reviewer"
REASON_REPLACED = "replaced by the reviewer: no retranslation of the new text"


@dataclass(frozen=True)
class Change(Record):
    """One fix: the span of the original text, what replaces it, and the issue it comes from."""

    span_text_field: ClassVar[str | None] = "original"

    id: str
    doc: str
    segment: str
    rule: str
    category: str
    start: int
    end: int
    original: str
    replacement: str
    applied: bool
    reason: str
    decision: str | None = None  # the reviewer's: accept, reject, replace or remove (None: not reviewed)

    @classmethod
    def from_issue(
        cls, issue: Issue, id: str, replacement: str, *, reason: str, applied: bool = True
    ) -> Change:
        """The change that replaces an issue's span (`issue.text`) with `replacement`."""
        return cls(
            id=id,
            doc=issue.doc,
            segment=issue.segment,
            rule=issue.rule,
            category=issue.category,
            start=issue.start,
            end=issue.end,
            original=issue.text,
            replacement=replacement,
            applied=applied,
            reason=reason,
        )


@dataclass(frozen=True)
class Word(Record):
    """A word of the parser's analysis of a segment, with document offsets.

    `i` is its index in the segment's parse, `head` the index of its head (its own index for a
    root), `deprel` the UD relation (`root` for a root), `feats` the UD features.
    """

    i: int
    text: str
    start: int
    end: int
    lemma: str
    upos: str
    feats: dict[str, str]
    head: int
    deprel: str

    @property
    def case(self) -> str | None:
        """The UD case ("Nom", "Ine" …), if the word has one."""
        return self.feats.get("Case")

    @property
    def number(self) -> str | None:
        """The UD number ("Sing", "Plur"), if the word has one."""
        return self.feats.get("Number")

    @property
    def relation(self) -> str:
        """The relation without its subtype ("nsubj" for "nsubj:cop")."""
        return self.deprel.split(":")[0]


@dataclass(frozen=True)
class ParsedSegment(Record):
    """The parse of one segment: its words in order, with their heads and relations."""

    segment: str
    words: list[Word]
    # The parser's context vector of each word (its tok2vec row, indexed by `Word.i`) when the parse
    # comes straight from the parser: the case model reads them. Not part of the record's dict.
    vectors: Any = dataclasses.field(default=None, compare=False, repr=False)

    def to_dict(self) -> dict[str, Any]:
        """The parse as a JSON-ready dict (without the vectors)."""
        return {"segment": self.segment, "words": [w.to_dict() for w in self.words]}

    def head(self, word: Word) -> Word | None:
        """The head of `word` (None for a root)."""
        return None if word.head == word.i else self.words[word.head]

    def children(self, word: Word) -> list[Word]:
        """The words whose head is `word`."""
        return [w for w in self.words if w.head == word.i and w.i != word.i]


@dataclass(frozen=True)
class Bead(Record):
    """Aligned sentences: Finnish and English line numbers (non-blank lines from 0) and the bead's cost."""

    fi: list[int]
    en: list[int]
    score: float


@dataclass(frozen=True)
class AlignedSegment(Record):
    """One Finnish segment with its English, the scores of earlier stages and the triage decision."""

    doc: str
    segment: str
    block: int
    kind: str
    fi: str
    fi_clean: str
    en: str | None
    translation_status: str
    logprob: float | None
    roundtrip: str | None
    chrf: float | None
    errors: int
    warnings: int
    infos: int
    fixed: int
    en_reference: str | None
    reference_bead: str | None
    decision: str
    reasons: list[str]


@dataclass(frozen=True)
class ReferenceBead(Record):
    """A bead of the English reference against the document's segments (reference.jsonl): the
    segment ids (none for a 0:1 bead), the English sentences' span of the reference file (`text ==
    reference[start:end]`, None for a 1:0 bead), the bead's kind and score, and why a translation
    memory must not take it as it is (empty: a trusted pair)."""

    segments: list[str]
    kind: str
    score: float
    start: int | None
    end: int | None
    text: str | None
    review: list[str]
