"""The align stage: the bilingual, scored dataset of a document and its exports.

One row per Finnish segment: its cleaned text, its retranslation and round trip with their scores,
issue counts, the English reference where `<doc>.en.txt` is beside the corpus file (aligned with
align.reference_beads) and the triage decision; written as JSONL, CSV, Parquet, TMX and XLIFF.

A segment the reviewer removed or replaced (`<doc>.review.yaml`) keeps its row, so the dataset
still joins with segments.jsonl by id, but its retranslation, made of the original Finnish, is
dropped and `translation_status` says why (records.EN_REMOVED, records.EN_STALE_REPLACED); a
removed segment is left out of the TMX and XLIFF. Columns do not change, so the files of documents
without a review file stay as they were.

The reference's beads go to reference.jsonl. A bead that is not 1:1, crosses a paragraph boundary
or scores low (triage.toml, [reference]) is not a pair a translation memory may take: its English
stays out of the TMX (the retranslation, where there is one, stands in, with a note saying why) and
its XLIFF unit carries a note; the report marks it for review. We keep such pairs out of the TMX
rather than mark them with a `<prop>`, because CAT tools match units without reading properties: a
marked 2:1 pair would still be offered as the translation of half of it.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterable, Sequence
from typing import Any

from . import io, triage
from .align import bead_map, reference_alignment
from .consistency import check_inputs
from .edits import cleaned_segment
from .records import (
    EN_REMOVED,
    EN_STALE_REPLACED,
    REASON_REMOVED,
    REASON_REPLACED,
    REVIEWER_REMOVE,
    REVIEWER_REPLACE,
    SKIPPED_NOT_RUN,
    TRANSLATION_OK,
    TRIAGE_REJECT,
    TRIAGE_REVIEW,
    AlignedSegment,
    Change,
    Issue,
    ReferenceBead,
    Segment,
    Translation,
)
from .workspace import Workspace

log = logging.getLogger(__name__)

INPUTS = ("segments", "issues", "changes", "translations", "reference", "triage")
OUTPUTS = ("aligned", "aligned-csv", "aligned-parquet", "aligned-tmx", "aligned-xliff", "reference-beads")

# The reviewer's decisions on whole segments (the others accept or reject a single fix).
SEGMENT_DECISIONS = (REVIEWER_REMOVE, REVIEWER_REPLACE)
# The triage of a segment the reviewer removed or replaced, by the status of its English: the
# scores and issue counts are of the original Finnish, so they do not decide.
REVIEWED_TRIAGE = {
    EN_REMOVED: (TRIAGE_REJECT, REASON_REMOVED),
    EN_STALE_REPLACED: (TRIAGE_REVIEW, REASON_REPLACED),
}
# Why a replaced segment keeps the reference's English in the TMX and XLIFF.
REFERENCE_KEPT = (
    f"{EN_STALE_REPLACED}; the English is the reference's, which does not depend on the Finnish wording"
)
# The TMX property (user-defined types start with "x-") that marks a unit whose Finnish the reviewer wrote.
TMX_REVIEWER_PROP = "x-reviewer-decision"
# Why a replaced segment without a reference has no English in the XLIFF.
RETRANSLATION_DROPPED = f"{EN_STALE_REPLACED}; the retranslation was made of the old text"
# Why a TMX has no units (a note in its header, TMX 1.4 allowing <note> there).
TMX_EMPTY_NO_ENGLISH = (
    "no units: neither a retranslation ({why}) nor an English reference ({name}) gives a segment English"
)
TMX_EMPTY_KEPT_OUT = "no units: every pair was removed by the reviewer or kept out for review"


def english_status(seg: Segment, t: Translation | None, reviewed: Change | None) -> str:
    """The status of a segment's retranslation: the translate stage's, unless the reviewer removed
    the segment or replaced its text (a replacement with the very text translated keeps it)."""
    if reviewed is not None and reviewed.decision == REVIEWER_REMOVE:
        return EN_REMOVED
    if reviewed is not None and reviewed.replacement != (t.source if t else seg.text):
        return EN_STALE_REPLACED
    return t.status if t else SKIPPED_NOT_RUN


def build_dataset(
    segments: Sequence[Segment],
    issues: Iterable[Issue],
    changes: Sequence[Change],
    translations: Sequence[Translation],
    reference: dict[str, tuple[str, str]] | None = None,
) -> list[AlignedSegment]:
    """One row per Finnish segment: English, scores, triage."""
    counts: dict[str, dict[str, int]] = {}
    for issue in issues:
        counts.setdefault(issue.segment, {}).setdefault(issue.severity, 0)
        counts[issue.segment][issue.severity] += 1
    fixed: dict[str, int] = {}
    reviewed: dict[str, Change] = {}
    for change in changes:
        if change.applied and change.decision in SEGMENT_DECISIONS:
            reviewed[change.segment] = change  # not a fix: the reviewer's own text, or none
        elif change.applied:
            fixed[change.segment] = fixed.get(change.segment, 0) + 1
    by_segment = {t.segment: t for t in translations}
    reference = reference or {}
    rows = []
    for seg in segments:
        c = counts.get(seg.id, {})
        t = by_segment.get(seg.id)
        status = english_status(seg, t, reviewed.get(seg.id))
        ok = t is not None and status == TRANSLATION_OK
        # An error a safe fix removed is no longer open (a fix may also answer a warning: never below 0).
        open_errors = max(0, c.get("error", 0) - fixed.get(seg.id, 0))
        scores = triage.Scores(
            open_errors=open_errors,
            warnings=c.get("warning", 0),
            logprob=t.score if ok and t else None,
            chrf=t.chrf if ok and t else None,
        )
        decision, reasons = triage.decide(scores)
        if status in REVIEWED_TRIAGE:
            decision, reason = REVIEWED_TRIAGE[status]
            reasons = [reason]
        ref = reference.get(seg.id)
        rows.append(
            AlignedSegment(
                doc=seg.doc,
                segment=seg.id,
                block=seg.block,
                kind=seg.kind,
                fi=seg.text,
                # A removal reaches into the whitespace around the segment: not a change inside it.
                fi_clean="" if status == EN_REMOVED else cleaned_segment(seg, changes),
                en=t.text if ok and t else None,
                translation_status=status,
                logprob=scores.logprob,
                roundtrip=t.roundtrip if ok and t else None,
                chrf=scores.chrf,
                errors=c.get("error", 0),
                warnings=c.get("warning", 0),
                infos=c.get("info", 0),
                fixed=fixed.get(seg.id, 0),
                en_reference=ref[0] if ref else None,
                reference_bead=ref[1] if ref else None,
                decision=decision,
                reasons=reasons,
            )
        )
    return rows


def _english(row: AlignedSegment, held: dict[str, list[str]]) -> str | None:
    """The English of a pair for translation memories: the reference if any and its bead is not
    held for review (`held`: segment id -> why), else the retranslation."""
    if row.en_reference and row.segment not in held:
        return row.en_reference
    return row.en


def held_for_review(beads: Sequence[ReferenceBead]) -> dict[str, list[str]]:
    """Segment id -> why its reference bead is not a pair a translation memory may take."""
    return {seg: bead.review for bead in beads if bead.review for seg in bead.segments}


def held_note(row: AlignedSegment, held: dict[str, list[str]]) -> str:
    """The note of a unit whose reference is held for review."""
    return f"reference not used ({row.reference_bead}: {'; '.join(held[row.segment])}): {row.en_reference}"


def _mark_tmx(unit: Any, decision: str) -> None:
    """The reviewer's decision on a unit's Finnish as a TMX 1.4 `<prop type="x-reviewer-decision">`
    (after the unit's notes, before its tuvs, as the DTD orders them)."""
    prop = unit.xmlelement.makeelement(unit.namespaced("prop"), {"type": TMX_REVIEWER_PROP})
    prop.text = decision
    unit.xmlelement.insert(unit.xmlelement.index(unit.xmlelement.find(unit.namespaced("tuv"))), prop)


def _header_note(store: Any, text: str) -> None:
    """A `<note>` in the TMX header (TMX 1.4: the header holds notes, user data and properties)."""
    header = store.document.getroot().find(store.namespaced("header"))
    note = header.makeelement(store.namespaced("note"), {})
    note.text = text
    header.append(note)


def to_tmx(
    rows: Sequence[AlignedSegment],
    held: dict[str, list[str]] | None = None,
    reference_name: str = "<doc>.en.txt",
) -> bytes:
    """A TMX 1.4 translation memory (translate-toolkit) of the cleaned Finnish and its English; a
    reference held for review is not paired (the retranslation stands in where there is one), and
    a TMX without units says why in its header."""
    from translate.storage import tmx  # noqa: PLC0415  (only this stage needs translate-toolkit)

    held = held or {}
    store: Any = tmx.tmxfile(sourcelanguage="fi")  # translate-toolkit is only partly typed
    for row in rows:
        english = _english(row, held)
        if english and row.translation_status != EN_REMOVED:
            unit = store.addsourceunit(row.fi_clean)
            unit.settarget(english, "en")
            unit.addnote(f"{row.segment}: {row.decision}", origin="pipeline")
            if row.en_reference and row.segment in held:
                unit.addnote(held_note(row, held))
            if row.translation_status == EN_STALE_REPLACED:  # only a reference's English is left
                unit.addnote(REFERENCE_KEPT)
                _mark_tmx(unit, REVIEWER_REPLACE)
    if not store.units:
        _header_note(store, empty_reason(rows, reference_name))
    return bytes(store)


def empty_reason(rows: Sequence[AlignedSegment], reference_name: str) -> str:
    """Why a TMX of these rows has no units."""
    if any(row.en or row.en_reference for row in rows):
        return TMX_EMPTY_KEPT_OUT
    statuses = sorted({row.translation_status for row in rows if row.translation_status != TRANSLATION_OK})
    return TMX_EMPTY_NO_ENGLISH.format(why="; ".join(statuses) or "no segments", name=reference_name)


def to_xliff(rows: Sequence[AlignedSegment], held: dict[str, list[str]] | None = None) -> bytes:
    """An XLIFF 1.1 file (translate-toolkit): every segment the reviewer did not remove, with its
    English where there is one (as in the TMX; a reference held for review is in a note)."""
    from translate.storage import xliff  # noqa: PLC0415

    held = held or {}
    store: Any = xliff.xlifffile(sourcelanguage="fi", targetlanguage="en")
    for row in rows:
        if row.translation_status == EN_REMOVED:
            continue
        unit = store.addsourceunit(row.fi_clean)
        unit.setid(row.segment)
        english = _english(row, held)
        if english:
            unit.target = english
        unit.addnote(f"triage: {row.decision}" + (f" ({'; '.join(row.reasons)})" if row.reasons else ""))
        if row.en_reference and row.segment in held:
            unit.addnote(held_note(row, held))
        if row.translation_status == EN_STALE_REPLACED and english:
            unit.addnote(REFERENCE_KEPT)
        elif row.translation_status == EN_STALE_REPLACED:
            unit.settarget("")  # an empty <target> to carry the state
            unit.set_state_n(unit.S_NEEDS_TRANSLATION)
            unit.addnote(RETRANSLATION_DROPPED)
    return bytes(store)


def run_stage(ws: Workspace) -> list[AlignedSegment]:
    """The align stage: segments, issues, changes, translations (and `<doc>.en.txt`, when there is
    one) in; aligned.jsonl, .csv, .parquet, .tmx and .xlf (and the reference's beads,
    reference.jsonl) out, all written atomically."""
    import pandas as pd  # noqa: PLC0415  (pandas takes a second to import: only this stage pays)

    segments = io.read_records(ws.path("segments"), Segment)
    issues = io.read_records(ws.path("issues"), Issue)
    changes = io.read_records(ws.path("changes"), Change)
    path = ws.optional("translations")
    translations = io.read_records(path, Translation) if path else []
    check_inputs(ws, segments, None, {"issues": issues, "changes": changes, "translations": translations})
    ref_path = ws.optional("reference")
    limits = triage.reference_limits()
    beads = reference_alignment(segments, io.read_text(ref_path), limits.min_bead_score) if ref_path else []
    rows = build_dataset(segments, issues, changes, translations, bead_map(beads) if ref_path else None)
    held = held_for_review(beads)
    io.write_jsonl(ws.path("aligned"), (r.to_dict() for r in rows))
    frame = pd.DataFrame(
        [{**r.to_dict(), "reasons": "; ".join(r.reasons)} for r in rows],
        columns=[f.name for f in dataclasses.fields(AlignedSegment)],
    )
    with io.atomic_write(ws.path("aligned-csv")) as handle:
        frame.to_csv(handle, index=False)
    with io.atomic_write(ws.path("aligned-parquet"), "wb") as handle:
        frame.to_parquet(handle, index=False)
    tmx = to_tmx(rows, held, ws.name("reference"))
    if all(row.en is None and row.en_reference is None for row in rows):
        log.info("%s: %s", ws.path("aligned-tmx"), empty_reason(rows, ws.name("reference")))
    with io.atomic_write(ws.path("aligned-tmx"), "wb") as handle:
        handle.write(tmx)
    with io.atomic_write(ws.path("aligned-xliff"), "wb") as handle:
        handle.write(to_xliff(rows, held))
    if ref_path:
        io.write_jsonl(ws.path("reference-beads"), (b.to_dict() for b in beads))
    else:
        ws.path("reference-beads").unlink(missing_ok=True)  # a reference removed since the last run
    return rows
