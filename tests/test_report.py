"""The report stage: the word diff, issue highlights, the model, escaping, determinism, inputs, the index."""

from __future__ import annotations

import dataclasses
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from pipeline import io, report, stages
from pipeline.errors import ConfigError, InputError
from pipeline.records import (
    AlignedSegment,
    Change,
    CheckCounts,
    Issue,
    Recheck,
    ReferenceBead,
    Segment,
    Translation,
)
from pipeline.report import DiffPiece, IssueView, ReportInputs, Span
from pipeline.review import Decision
from pipeline.workspace import Workspace

from .conftest import ROOT, SEED

DOC = "doc"
SCRIPT = "<script>alert(1)</script>"
TAGS = '"quotes" & <b>tags</b>'


# --- helpers ---------------------------------------------------------------------------------------------


def seg(
    text: str, start: int = 0, block: int = 1, sentence: int = 0, kind: str = "paragraph-sentence"
) -> Segment:
    return Segment(
        id=f"{DOC}:b{block:03d}:s{sentence:02d}",
        doc=DOC,
        block=block,
        sentence=sentence,
        kind=kind,
        heading=None,
        heading_block=None,
        start=start,
        end=start + len(text),
        text=text,
    )


def issue(s: Segment, start: int, end: int, **kw: Any) -> Issue:
    """An issue of segment `s` at segment-relative offsets (stored as document offsets)."""
    fields: dict[str, Any] = {
        "doc": DOC,
        "segment": s.id,
        "start": s.start + start,
        "end": s.start + end,
        "category": "spelling",
        "rule": "voikko:spell",
        "severity": "warning",
        "message": "viesti",
        "suggestions": [],
        "source": "voikko",
        "text": s.text[start:end],
    }
    return Issue(**{**fields, **kw})


def en_issue(s: Segment, start: int, end: int, **kw: Any) -> Issue:
    """An issue of the English of segment `s` (LanguageTool's offsets are relative to the English)."""
    return dataclasses.replace(issue(s, 0, 0, **kw), start=start, end=end)


def translation(s: Segment, text: str | None, **kw: Any) -> Translation:
    ok = text is not None
    fields: dict[str, Any] = {
        "doc": DOC,
        "segment": s.id,
        "kind": s.kind,
        "start": s.start,
        "end": s.end,
        "source": s.text,
        "status": "ok" if ok else "skipped: no fi→en model (run make models)",
        "text": text,
        "score": -0.25 if ok else None,
        "model": "translate-fi_en 1.0" if ok else None,
        "roundtrip_status": "ok" if ok else "skipped: no fi→en translation",
        "roundtrip": s.text if ok else None,
        "roundtrip_score": -0.5 if ok else None,
        "roundtrip_model": "translate-en_fi 1.0" if ok else None,
        "chrf": 88.5 if ok else None,
    }
    return Translation(**{**fields, **kw})


def aligned(s: Segment, decision: str, reasons: list[str] | None = None) -> AlignedSegment:
    return AlignedSegment(
        doc=DOC,
        segment=s.id,
        block=s.block,
        kind=s.kind,
        fi=s.text,
        fi_clean=s.text,
        en=None,
        translation_status="ok",
        logprob=None,
        roundtrip=None,
        chrf=None,
        errors=0,
        warnings=0,
        infos=0,
        fixed=0,
        en_reference=None,
        reference_bead=None,
        decision=decision,
        reasons=reasons or [],
    )


def change(s: Segment, start: int, end: int, replacement: str, **kw: Any) -> Change:
    row: dict[str, Any] = {
        "id": f"{s.id}:rule:{start}",
        "doc": DOC,
        "segment": s.id,
        "rule": "rule",
        "category": "casing",
        "start": s.start + start,
        "end": s.start + end,
        "original": s.text[start:end],
        "replacement": replacement,
        "applied": True,
        "reason": "safe fix",
    }
    return Change(**{**row, **kw})


SIG = report.Signature("0.1.0", "none", "none", "not run", "abc", (), "2024-01-01")


def render(inputs: ReportInputs) -> str:
    return report.render_report(report.build_report(DOC, inputs, SIG))


def view(start: int, end: int, key: str = "k", severity: str = "warning", category: str = "c") -> IssueView:
    s = seg("x" * max(end, 1))
    return IssueView(key, start, end, issue(s, 0, 0, severity=severity, category=category))


# --- the word diff ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("", "", []),
        ("sama teksti", "sama teksti", [("equal", "sama teksti")]),
        (
            "heilahduksen on",
            "Heilahduksen on",
            [("delete", "heilahduksen"), ("insert", "Heilahduksen"), ("equal", " on")],
        ),
        ("avustaja .", "avustaja.", [("equal", "avustaja"), ("delete", " "), ("equal", ".")]),
        ("yksi yksi kaksi", "yksi kaksi", [("equal", "yksi "), ("delete", "yksi "), ("equal", "kaksi")]),
        ("poistettu lause", "", [("delete", "poistettu lause")]),
        ("", "uusi", [("insert", "uusi")]),
        (
            "Hyvää päivää 🙂!",
            "Hyvää yötä 🙂!",
            [("equal", "Hyvää "), ("delete", "päivää"), ("insert", "yötä"), ("equal", " 🙂!")],
        ),
    ],
)
def test_word_diff(old: str, new: str, expected: list[tuple[str, str]]) -> None:
    assert report.word_diff(old, new) == [DiffPiece(op, text) for op, text in expected]


def long_edit() -> tuple[str, str]:
    """The seed ten times over (8,000 tokens) and the same with 30 words upper-cased here and there."""
    old = (SEED.read_text(encoding="utf-8") + "\n") * 10
    words = old.split(" ")
    for i in range(7, len(words), len(words) // 30):
        words[i] = words[i].upper()
    return old, " ".join(words)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("a b c " * 3000, ("a b c " * 3000).replace("b", "B", 7)),  # very long, common tokens everywhere
        long_edit(),
        ("Ääkköset ja   välilyönnit\tsekä rivit", "ääkköset  ja välilyönnit sekä\trivit"),
    ],
)
def test_word_diff_rebuilds_both_texts(old: str, new: str) -> None:
    pieces = report.word_diff(old, new)
    assert "".join(p.text for p in pieces if p.op != "insert") == old
    assert "".join(p.text for p in pieces if p.op != "delete") == new
    if len(old) > 1000:  # a long text with a few changed words is not rewritten whole
        assert sum(len(p.text) for p in pieces if p.op == "delete") < len(old) // 5


# --- highlights ------------------------------------------------------------------------------------------


def shape(spans: list[Span]) -> list[tuple[str, str, bool]]:
    return [(s.text, s.keys, s.point) for s in spans]


@pytest.mark.parametrize(
    ("text", "issues", "expected"),
    [
        ("", [], []),
        ("abc", [], [("abc", "", False)]),
        ("abcdef", [view(1, 3, "a")], [("a", "", False), ("bc", "a", False), ("def", "", False)]),
        # overlapping: the shared part is covered by both, nothing nests or repeats
        (
            "abcdef",
            [view(0, 4, "a"), view(2, 6, "b")],
            [("ab", "a", False), ("cd", "a b", False), ("ef", "b", False)],
        ),
        # one inside another, and the same span twice
        (
            "abcdef",
            [view(0, 6, "a"), view(2, 3, "b"), view(2, 3, "c")],
            [("ab", "a", False), ("c", "a b c", False), ("def", "a", False)],
        ),
        # zero-width issue: a point marker; offsets past the end are clamped
        (
            "abc",
            [view(1, 1, "p"), view(2, 99, "z")],
            [("a", "", False), ("", "p", True), ("b", "", False), ("c", "z", False)],
        ),
        ("äö🙂x", [view(2, 3, "e")], [("äö", "", False), ("🙂", "e", False), ("x", "", False)]),
    ],
)
def test_highlight(text: str, issues: list[IssueView], expected: list[tuple[str, str, bool]]) -> None:
    spans = report.highlight(text, issues)
    assert shape(spans) == expected
    assert "".join(s.text for s in spans) == text


def test_highlight_worst_severity_and_categories() -> None:
    issues = [view(0, 3, "a", "info", "x"), view(0, 3, "b", "error", "y"), view(0, 3, "c", "warning", "x")]
    (span,) = report.highlight("abc", issues)
    assert span.severity == "error"
    assert span.categories == "x y"
    assert span.title.count("\n") == 2


def test_highlight_many_issues_on_long_text() -> None:
    text = "sana " * 5000
    issues = [view(i, i + 12, f"k{i}") for i in range(0, len(text) - 12, 7)]
    spans = report.highlight(text, issues)
    assert "".join(s.text for s in spans) == text
    assert all(len(s.issues) <= 2 for s in spans)


# --- the model -------------------------------------------------------------------------------------------


def test_empty_document() -> None:
    model = report.build_report(DOC, ReportInputs(segments=[]), SIG)
    assert model.blocks == ()
    assert model.summary.segments == 0
    assert all(not c.bars for c in model.summary.charts)
    html = report.render_report(model)
    assert '<span id="shown-count">0</span> of 0 segments shown' in html


def test_model_of_a_small_document() -> None:
    title = seg("Otsikko", 0, block=0, kind="title")
    a = seg("heilahduksen on hyvä .", 9)
    b = seg("Toinen lause.", 32, block=2)
    inputs = ReportInputs(
        segments=[title, a, b],
        issues=[
            issue(a, 0, 12, severity="error", category="casing", suggestions=["Heilahduksen"]),
            issue(a, 0, 15, severity="info"),
            issue(a, 20, 22, severity="warning", category="spacing"),
        ],
        changes=[
            change(a, 0, 12, "Heilahduksen", decision="accept"),
            change(a, 20, 22, ".", applied=False, reason="overlaps an earlier change", decision="reject"),
        ],
        translations=[translation(title, None), translation(a, "swing is good ."), translation(b, "Second.")],
        issues_en=[en_issue(a, 0, 5, category="TYPOS", severity="error")],
        aligned=[
            aligned(title, "review", ["no translation scores"]),
            aligned(a, "review"),
            aligned(b, "publish"),
        ],
        review=[
            Decision(f"{a.id}:rule:0", "change", "accept", status="applied"),
            Decision("doc:b009:s00:gone:0", "change", "reject", status="stale", message="no such change"),
            Decision(b.id, "segment", "replace", text="Uusi.", status="conflict", message="overlaps"),
        ],
    )
    model = report.build_report(DOC, inputs, SIG)
    s = model.summary
    assert (s.segments, s.translated, s.issues, s.issues_en) == (3, 2, 3, 1)
    assert (s.changes_applied, s.changes_not_applied, s.accepted, s.rejected) == (1, 1, 1, 1)
    assert s.triage == (("publish", 1), ("review", 2))
    assert s.severities == (("error", 1), ("warning", 1), ("info", 1))
    assert [r.target for r in s.unapplied] == ["doc:b009:s00:gone:0", b.id]
    assert [b.index for b in model.blocks] == [0, 1, 2]
    sv = model.blocks[1].segments[0]
    assert sv.changed and not sv.removed
    assert "".join(p.text for p in sv.diff if p.op != "delete") == "Heilahduksen on hyvä ."
    assert [c.change.decision for c in sv.changes] == ["accept", "reject"]
    assert sv.changes[0].review is not None and sv.changes[0].review.status == "applied"
    assert sv.translation is not None and sv.translation.ok
    assert [i.issue.category for i in sv.translation.issues] == ["TYPOS"]
    assert model.blocks[0].segments[0].translation is not None
    assert not model.blocks[0].segments[0].translation.ok
    assert model.filters.categories == (("TYPOS", 1), ("casing", 1), ("spacing", 1), ("spelling", 1))
    html = report.render_report(model)
    assert 'class="stale"' in html and "doc:b009:s00:gone:0" in html and "2 reviewer decisions were" in html
    assert model.blocks[2].segments[0].reviews[0].status == "conflict"
    assert "reviewer: accept" in html and "reviewer: reject" in html


REF_TEXT = "Title\n\nOne thing and another. He go to office every days.\n"


@pytest.mark.parametrize(
    ("bead", "issues", "expected"),
    [
        # (segment -> (kind, English, issue texts, shared with, held)); an issue outside a bead is nobody's
        (
            [
                ReferenceBead(
                    ["doc:b001:s00", "doc:b002:s00"], "2:1", 9.0, 7, 29, "One thing and another.", ["x"]
                )
            ],
            [(7, 10), (0, 5)],
            {
                "b001": ("2:1", "One thing and another.", ["One"], ["doc:b002:s00"], True),
                "b002": ("2:1", "One thing and another.", ["One"], ["doc:b001:s00"], True),
            },
        ),
        (
            [ReferenceBead(["doc:b001:s00"], "1:1", 9.0, 30, 57, "He go to office every days.", [])],
            [(33, 35), (52, 56)],
            {"b001": ("1:1", "He go to office every days.", ["go", "days"], [], False), "b002": None},
        ),
        # A 1:0 bead (no English) and a 0:1 bead (no segment): nothing beside a segment.
        (
            [
                ReferenceBead(["doc:b001:s00"], "1:0", -4.6, None, None, None, []),
                ReferenceBead([], "0:1", -4.6, 0, 5, "Title", []),
            ],
            [(0, 5)],
            {"b001": None, "b002": None},
        ),
        ([], [], {"b001": None, "b002": None}),
    ],
)
def test_reference_beside_each_segment(
    bead: list[ReferenceBead], issues: list[tuple[int, int]], expected: dict[str, Any]
) -> None:
    a, b = seg("Yksi asia.", 0, block=1), seg("Toinen asia.", 12, block=2)
    issues_ref = [
        Issue(
            "doc.en", "doc.en:p001", s, e, "GRAMMAR", "RULE", "error", "m", [], "languagetool", REF_TEXT[s:e]
        )
        for s, e in issues
    ]
    model = report.build_report(
        DOC, ReportInputs(segments=[a, b], reference=bead, issues_ref=issues_ref), SIG
    )
    html = report.render_report(model)
    for block in model.blocks:
        r = block.segments[0].reference
        want = expected[f"b{block.index:03d}"]
        if want is None:
            assert r is None
            continue
        kind, text, flagged, shared, held = want
        assert r is not None and (r.kind, "".join(sp.text for sp in r.spans)) == (kind, text)
        assert [text[i.start : i.end] for i in r.issues] == flagged == [i.issue.text for i in r.issues]
        assert (list(r.shared), bool(r.review)) == (shared, held)
    assert html.count('class="reference') == sum(1 for w in expected.values() if w)
    assert ('data-reference-review="x"' in html) == any(w and w[4] for w in expected.values())


def test_reviewer_removed_segment() -> None:
    a = seg("Poistettava lause.", 0)
    replace = change(a, 0, len(a.text), "", rule="review-replace", id=f"{a.id}:review-replace:0")
    model = report.build_report(DOC, ReportInputs(segments=[a], changes=[replace]), SIG)
    sv = model.blocks[0].segments[0]
    assert sv.removed and sv.diff == (DiffPiece("delete", a.text),)
    assert "removed by the reviewer" in report.render_report(model)


def counts(segments: int, flagged: int, errors: int = 0, warnings: int = 0) -> CheckCounts:
    """Counts of a check with `errors` and `warnings` in as many segments, 3 info issues."""
    return CheckCounts(segments, flagged, errors, warnings, {"error": errors, "warning": warnings, "info": 3})


@pytest.mark.parametrize(
    ("recheck", "expected"),
    [
        (None, None),
        (
            Recheck(counts(31, 30, 20, 15), counts(31, 12, 5, 9)),
            "After cleaning: 12 of 31 segments still have errors or warnings (before: 30).\n"
            " Segments with errors: 5 (before: 20), with warnings: 9 (before: 15).\n"
            " Issues of the cleaned text: 5 error (before: 20), 9 warning (before: 15), 3 info (before: 3).",
        ),
        (
            Recheck(counts(3, 1, 1, 0), counts(2, 0)),
            "After cleaning: 0 of 2 segments still have errors or warnings (before: 1 of 3).",
        ),
        (Recheck(counts(0, 0), counts(0, 0)), "After cleaning: 0 of 0 segments still have errors"),
    ],
)
def test_recheck_line_in_the_summary(recheck: Recheck | None, expected: str | None) -> None:
    a = seg("Yksi lause.", 0)
    model = report.build_report(DOC, ReportInputs(segments=[a], recheck=recheck), SIG)
    assert model.summary.recheck == recheck
    html = report.render_report(model)
    if expected is None:
        assert 'id="recheck"' not in html and "After cleaning" not in html
    else:
        assert 'id="recheck"' in html and expected in html


def test_recheck_through_the_stage(tmp_path: Path) -> None:
    """The report reads issues.cleaned.jsonl and cleaned.fi.txt and counts the cleaned text's segments."""
    write_minimal(tmp_path)  # one segment with a warning
    (tmp_path / "cleaned.fi.txt").write_text("Yksi lause. Toinen lause.\n", encoding="utf-8")
    b = seg("Toinen lause.", 12, sentence=1)
    io.write_jsonl(
        tmp_path / "issues.cleaned.jsonl",
        [issue(b, 0, 6, severity="error").to_dict(), issue(b, 7, 12, severity="info").to_dict()],
    )
    html = report.run_stage(Workspace(tmp_path / "doc.fi.txt", tmp_path)).read_text(encoding="utf-8")
    assert "After cleaning: 1 of 2 segments still has errors or warnings (before: 1 of 1)." in html
    assert "Segments with errors: 1 (before: 0), with warnings: 0 (before: 1)." in html
    # A clean re-check is an empty file: 0 of N, and no warning about an empty file.
    (tmp_path / "issues.cleaned.jsonl").write_text("", encoding="utf-8")
    html = report.run_stage(Workspace(tmp_path / "doc.fi.txt", tmp_path)).read_text(encoding="utf-8")
    assert "After cleaning: 0 of 2 segments still have errors or warnings (before: 1 of 1)." in html


# --- escaping (issue 7, item 5) --------------------------------------------------------------------------


PAYLOADS = [SCRIPT, TAGS, "</textarea><img src=x onerror=alert(1)>", "{{ 7*7 }} {% raw %}"]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_article_text_is_escaped_everywhere(payload: str) -> None:
    a = seg(f"Alku {payload} loppu.", 0)
    inputs = ReportInputs(
        segments=[a],
        issues=[
            issue(
                a, 5, 5 + len(payload), message=payload, suggestions=[payload], rule=payload, category=payload
            )
        ],
        changes=[change(a, 0, 4, payload, decision=payload)],
        translations=[translation(a, f"Start {payload} end.", roundtrip=payload)],
        issues_en=[en_issue(a, 0, 5, message=payload, suggestions=[payload], category=payload)],
        aligned=[aligned(a, payload, [payload])],
        comparison=[[payload, "b"], [payload, payload]],
        review=[Decision(payload, "change", payload, text=payload, status="stale", message=payload)],
        reference=[ReferenceBead([a.id], payload, 1.0, 0, len(payload) + 4, f"Ref {payload}", [payload])],
        issues_ref=[Issue(**{**en_issue(a, 0, 3).to_dict(), "message": payload, "category": payload})],
    )
    html = render(inputs)
    if any(c in payload for c in '<>&"'):
        assert payload not in html
    assert html.count("<script>") == 1  # ours: the filters
    assert "<b>" not in html and "<img" not in html and "alert(1)</script>" not in html
    assert "49" not in html.replace(payload, "")  # no template evaluated from the data ({{ 7*7 }})
    if payload == SCRIPT:
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    if payload == TAGS:
        assert "&#34;quotes&#34; &amp; &lt;b&gt;tags&lt;/b&gt;" in html


def test_escaping_through_the_stage(tmp_path: Path) -> None:
    """A real article with markup in it, through segment, check, clean and the report stage."""
    source = tmp_path / "markup.fi.txt"
    source.write_text(f"Otsikko {SCRIPT}\n\nTeksti sisältää {TAGS} ja muuta.\n", encoding="utf-8")
    out = tmp_path / "out"
    stages.run_document(Workspace(source, out), ["segment", "check", "clean", "report"])
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;b&gt;tags&lt;/b&gt;" in html
    assert html.count("<script>") == 1 and "<b>" not in html


# --- self-contained, deterministic ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def seed_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seed's outputs of every stage but check-en (no model here: translations are skipped)."""
    out = tmp_path_factory.mktemp("seed") / "personal-vs-virtual-assistants"
    names = [n for n in stages.STAGES if n not in ("check-en", "report")]
    stages.run_document(Workspace(SEED, out), names)
    return out


def test_report_is_self_contained(seed_out: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    html = report.run_stage(Workspace(SEED, seed_out)).read_text(encoding="utf-8")
    assert not re.search(r"https?:|//[a-z]|\bsrc=|<link|@import|url\(", html, re.IGNORECASE)
    assert html.count("<style>") == 1 and html.count("<script>") == 1
    assert "<svg" in html and 'class="diff"' in html and "<del>" in html and "<ins>" in html
    assert 'class="issue' in html and 'data-severity="error"' in html
    assert 'data-triage="review"' in html
    assert 'id="comparison"' in html  # the seed has a schema
    # Each comparison value links to its segment (comparison.csv's anchor column).
    comparison = html[html.index('id="comparison"') :]
    assert "<th>direction</th>" in comparison and "<th>attribute_en</th>" in comparison
    assert '<a href="#s-13-0">s-13-0</a>' in comparison and 'id="s-13-0"' in html
    assert "date:2023-11-14" in html
    assert re.search(r'id="recheck"[^>]*>After cleaning: \d+ of 31 segments still', html)
    assert "languagetool:not run" in html and "fi-en:none" in html


def test_report_is_deterministic(seed_out: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "0")
    first = report.run_stage(Workspace(SEED, seed_out)).read_bytes()
    report.environment.cache_clear()
    second = report.run_stage(Workspace(SEED, seed_out)).read_bytes()
    assert first == second
    assert b"date:1970-01-01" in first


@pytest.mark.parametrize(
    ("value", "expected"),
    [("0", "1970-01-01"), ("1700000000", "2023-11-14"), (" ", None), (None, None)],
)
def test_report_date(value: str | None, expected: str | None) -> None:
    env = {} if value is None else {"SOURCE_DATE_EPOCH": value}
    date = report.report_date(env)
    assert date == expected if expected else re.fullmatch(r"\d{4}-\d\d-\d\d", date)


@pytest.mark.parametrize("value", ["yesterday", "1e9", "99999999999999999999"])
def test_bad_source_date_epoch(value: str) -> None:
    with pytest.raises(ConfigError, match="SOURCE_DATE_EPOCH"):
        report.report_date({"SOURCE_DATE_EPOCH": value})


def test_config_hash_follows_the_config_files(tmp_path: Path) -> None:
    source = tmp_path / "d.fi.txt"
    source.write_text("Teksti.\n", encoding="utf-8")
    inputs = ReportInputs(segments=[])
    before = report.signature(Workspace.of(source), inputs, {})
    (tmp_path / "glossary.tsv").write_text("en\tfi\n", encoding="utf-8")
    after = report.signature(Workspace.of(source), inputs, {})
    assert before.config_hash != after.config_hash
    assert after.config_files == ("triage.toml", "glossary.tsv")
    assert report.signature(Workspace.of(source), inputs, {}).config_hash == after.config_hash
    assert re.fullmatch(r"[0-9a-f]{12}", after.config_hash)


def test_signature_names_models_and_languagetool() -> None:
    a = seg("Lause.", 0)
    inputs = ReportInputs(segments=[a], translations=[translation(a, "Sentence.")], issues_en=[])
    sig = report.signature(Workspace.of(SEED), inputs, {"SOURCE_DATE_EPOCH": "0"})
    assert (sig.translation, sig.roundtrip) == ("translate-fi_en 1.0", "translate-en_fi 1.0")
    assert sig.languagetool != "not run"
    assert sig.line().startswith("pipeline:") and "|config:" in sig.line()


REF_BEAD = ReferenceBead(["doc:b001:s00"], "1:1", 9.0, 0, 9, "Sentence.", [])


@pytest.mark.parametrize(
    ("reference", "issues_ref", "ran"),
    [
        ([REF_BEAD], [], True),  # LanguageTool checked the reference (and found nothing)
        ([REF_BEAD], None, False),  # check-en has not run on it
        ([], [], False),
    ],
)
def test_signature_languagetool_on_the_reference(
    reference: list[ReferenceBead], issues_ref: list[Issue] | None, ran: bool
) -> None:
    a = seg("Lause.", 0)
    inputs = ReportInputs(
        segments=[a], translations=[translation(a, None)], reference=reference, issues_ref=issues_ref
    )
    sig = report.signature(Workspace.of(SEED), inputs, {"SOURCE_DATE_EPOCH": "0"})
    assert (sig.languagetool != "not run") == ran


# --- inputs: optional, missing, malformed ---------------------------------------------------------------


def write_minimal(out: Path) -> None:
    a = seg("Yksi lause.", 0)
    io.write_jsonl(out / "segments.jsonl", [a.to_dict()])
    io.write_jsonl(out / "issues.jsonl", [issue(a, 0, 4).to_dict()])
    io.write_jsonl(out / "changes.jsonl", [])


def test_missing_optional_inputs(tmp_path: Path) -> None:
    """Without translations, English issues, triage, comparison or review the report still renders."""
    write_minimal(tmp_path)
    html = report.run_stage(Workspace(tmp_path / "doc.fi.txt", tmp_path)).read_text(encoding="utf-8")
    # One notice for the page, not one per card.
    assert "No English retranslation for any segment: skipped: the translate stage has not run" in html
    assert "no translation record" not in html
    assert "languagetool:not run" in html
    assert 'id="comparison"' not in html and 'class="stale"' not in html
    assert 'data-triage="none"' in html
    assert 'id="recheck"' not in html  # no issues.cleaned.jsonl (older outputs): nothing said


def test_skipped_translations_and_empty_english_issues(tmp_path: Path) -> None:
    write_minimal(tmp_path)
    a = seg("Yksi lause.", 0)
    io.write_jsonl(tmp_path / "translations.jsonl", [translation(a, None).to_dict()])
    (tmp_path / "issues.en.jsonl").write_text("", encoding="utf-8")
    html = report.run_stage(Workspace(tmp_path / "doc.fi.txt", tmp_path)).read_text(encoding="utf-8")
    assert "skipped: no fi→en model (run make models)" in html
    assert "languagetool:not run" in html


@pytest.mark.parametrize(
    ("name", "content", "problem"),
    [
        ("issues.jsonl", '{"doc": "doc"\n', "issues.jsonl: line 1: not valid JSON"),
        ("segments.jsonl", "[1, 2]\n", "segments.jsonl: line 1: expected a JSON object"),
        ("changes.jsonl", '{"id": "x"}\n', "changes.jsonl: line 1: field 'doc': missing"),
        ("translations.jsonl", '{"segment": "x"}\n', "translations.jsonl: line 1: field 'doc': missing"),
        ("aligned.jsonl", b"caf\xe9", "aligned.jsonl: not valid UTF-8"),
        ("comparison.csv", '"a,b\n', "comparison.csv: not valid CSV"),
        (
            "issues.cleaned.jsonl",
            '{"doc": "doc"}\n',
            "issues.cleaned.jsonl: line 1: field 'segment': missing",
        ),
    ],
)
def test_bad_input_is_one_clear_error(tmp_path: Path, name: str, content: str | bytes, problem: str) -> None:
    write_minimal(tmp_path)
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError, match=re.escape(problem)):
        report.run_stage(Workspace(tmp_path / "doc.fi.txt", tmp_path))
    assert not (tmp_path / "report.html").exists()
    assert not list(tmp_path.glob(".report.html*"))


def test_missing_required_input(tmp_path: Path) -> None:
    write_minimal(tmp_path)
    (tmp_path / "changes.jsonl").unlink()
    with pytest.raises(InputError, match=r"changes\.jsonl: no such file"):
        report.run_stage(Workspace(tmp_path / "doc.fi.txt", tmp_path))


# --- the stage, the CLI and the index ---------------------------------------------------------------------


def test_report_is_the_last_stage() -> None:
    assert list(stages.STAGES)[-1] == "report"


def cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pipeline", *map(str, args)],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
        env={**os.environ, "SOURCE_DATE_EPOCH": "0"},
    )


def test_cli_report_stage_on_the_seed(seed_out: Path) -> None:
    done = cli("-q", "run", SEED, "--out-dir", seed_out, "--stage", "report")
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    html = (seed_out / "report.html").read_text(encoding="utf-8")
    assert html.count('<article class="segment') == 31
    assert "Virtual Assistant" in html


def test_cli_bad_input(tmp_path: Path) -> None:
    write_minimal(tmp_path)
    (tmp_path / "issues.jsonl").write_text("not json\n", encoding="utf-8")
    source = tmp_path / "doc.fi.txt"
    source.write_text("Yksi lause.\n", encoding="utf-8")
    done = cli("run", source, "--out-dir", tmp_path, "--stage", "report")
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        f"pipeline: error: {tmp_path / 'issues.jsonl'}: line 1: not valid JSON (Expecting value)"
    ]
    assert not (tmp_path / "report.html").exists()


def test_index_lists_every_report(tmp_path: Path, seed_out: Path) -> None:
    for name in ("b-doc", "a-doc"):
        write_minimal(tmp_path / name)
        report.run_stage(Workspace(tmp_path / f"{name}.fi.txt", tmp_path / name))
    write_minimal(tmp_path / "no-report")  # outputs without a report are not listed
    done = cli("-q", "report-index", tmp_path)
    assert done.returncode == 0, done.stderr
    html = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert re.findall(r'<a href="([^"]+)">', html) == ["a-doc/report.html", "b-doc/report.html"]
    assert "no-report" not in html
    entries = report.build_index(tmp_path)
    assert [(e.doc, e.summary.segments, e.summary.issues) for e in entries] == [
        ("a-doc", 1, 1),
        ("b-doc", 1, 1),
    ]


def test_index_of_nothing(tmp_path: Path) -> None:
    path = report.write_index(tmp_path)
    assert "0 documents" in path.read_text(encoding="utf-8")


def test_report_with_tiny_model(installed: Path, tmp_path: Path) -> None:
    """With the tiny copying model, the English and its scores are in the report and the signature."""
    out = tmp_path / "out"
    stages.run_document(Workspace(SEED, out), ["segment", "check", "clean", "translate", "align", "report"])
    html = (out / "report.html").read_text(encoding="utf-8")
    rows = [
        json.loads(line) for line in (out / "translations.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    model = rows[0]["model"]
    assert model.startswith("translate-fi_en") and f"fi-en:{model}" in html
    assert 'class="english"' in html and "chrF 100.0" in html
    assert "skipped:" not in html


def test_report_shows_the_reviewer_decisions(tmp_path: Path) -> None:
    """A review file (a rejected change, a removed segment, an unknown id) through clean and report."""
    source = tmp_path / "doc.fi.txt"
    source.write_text("Otsikko\n\nKissa nukkuu . Toinen lause on tässä.\n", encoding="utf-8")
    out = tmp_path / "out"
    stages.run_document(Workspace(source, out), ["segment", "check", "clean"])
    (rejected,) = [c["id"] for c in io.read_jsonl(out / "changes.jsonl")]
    Workspace.of(source).path("review").write_text(
        f"changes:\n  {rejected}: reject\n  doc:b001:s00:gone:3: accept\nsegments:\n  doc:b001:s01: ''\n",
        encoding="utf-8",
    )
    stages.run_document(Workspace(source, out), ["clean", "report"])
    html = (out / "report.html").read_text(encoding="utf-8")
    assert f'data-change="{rejected}" data-decision="reject"' in html
    assert "reviewer: reject" in html
    assert 'id="stale"' in html and "1 reviewer decision was not applied" in html
    assert '<span class="review-unknown">unknown</span> <code>doc:b001:s00:gone:3</code>' in html
    assert "removed by the reviewer" in html
    model = report.build_report(DOC, report.load_inputs(Workspace.for_outputs(out)), SIG)
    assert model.summary.rejected == 1
    assert [d.target for d in model.summary.unapplied] == ["doc:b001:s00:gone:3"]


# --- the layout for deciding and the review on the page (issue 14) --------------------------------------


def test_segments_that_need_a_decision_come_first_and_each_fix_shows_once() -> None:
    title = seg("Otsikko", 0, block=0, kind="title")
    a = seg("heilahduksen on hyvä.", 9)
    b = seg("Hylätty lause.", 31, block=2)
    c = seg("Varoituksia on.", 46, block=3)
    d = seg("Kaikki hyvin.", 62, block=4)
    fixed = issue(a, 0, 12, rule="rule", severity="error", suggestions=["Heilahduksen"])
    inputs = ReportInputs(
        segments=[title, a, b, c, d],
        issues=[fixed, issue(a, 16, 20, severity="info")],
        changes=[change(a, 0, 12, "Heilahduksen")],
        aligned=[
            aligned(title, "review", ["no translation scores"]),
            aligned(a, "review", ["no translation scores"]),
            aligned(b, "reject", ["3 open errors > 2"]),
            aligned(c, "review", ["2 warnings > 1", "no translation scores"]),
            aligned(d, "review", ["no translation scores"]),
        ],
    )
    model = report.build_report(DOC, inputs, SIG)
    assert [g.id for bl in model.attention for g in bl.segments] == [a.id, b.id, c.id]
    assert [g.id for bl in model.rest for g in bl.segments] == [title.id, d.id]
    assert model.flagged == 3
    sv = model.attention[0].segments[0]
    assert sv.changes[0].issue is not None and sv.changes[0].issue.issue == fixed
    assert [i.issue.severity for i in sv.open_issues] == ["info"]
    html = report.render_report(model)
    key = sv.changes[0].issue.key
    assert html.count(f'data-issue="{key}"') == 1  # the fixed issue: once, with its change
    change_li = html[html.index(f'data-change="{a.id}:rule:0"') :]
    assert change_li.index(f'data-issue="{key}"') < change_li.index("</li>\n</ul>\n</li>")
    assert html.index('id="attention"') < html.index(f'data-segment="{a.id}"') < html.index('id="rest"')
    assert html.index('id="rest"') < html.index(f'data-segment="{title.id}"')
    assert f'<code class="id">{a.id}:rule:0</code>' in html
    # No model: one notice for the page; "no translation scores" is not repeated on the cards.
    assert 'id="english-notice"' in html and "no translation scores" not in html


def test_content_key_follows_the_text_and_the_changes_only() -> None:
    a = seg("Kissa nukkuu .", 0)
    fix = change(a, 12, 14, ".")
    key = report.content_key(DOC, [a], [fix])
    assert key == report.content_key(DOC, [a], [fix])
    assert key == report.content_key(DOC, [a], [dataclasses.replace(fix, decision="reject", applied=False)])
    replaced = dataclasses.replace(fix, id=f"{a.id}:review-replace:0", rule="review-replace")
    assert key == report.content_key(DOC, [a], [fix, replaced])  # the reviewer's own edit
    assert key != report.content_key(DOC, [seg("Kissa nukkui .", 0)], [fix])
    assert key != report.content_key(DOC, [a], [dataclasses.replace(fix, replacement="!")])
    assert key != report.content_key("other", [a], [fix])


@pytest.mark.parametrize(
    ("texts", "expected"),
    [
        ([], None),
        (None, "skipped: the translate stage has not run"),
        ([None, None], "skipped: no fi→en model (run make models)"),
        (["One.", None], None),
        (["One.", "Two."], None),
    ],
)
def test_english_notice(texts: list[str | None] | None, expected: str | None) -> None:
    segments = [seg("Yksi.", 0), seg("Kaksi.", 6, sentence=1)] if texts != [] else []
    translations = [translation(s, t) for s, t in zip(segments, texts or [], strict=False)]
    assert report.english_notice(segments, translations) == expected


def test_reviewer_decisions_seed_the_page() -> None:
    """The page starts from the review file: a decided change and a replaced segment carry it."""
    a = seg("Kissa nukkuu .", 0)
    b = seg("Vanha lause.", 15, sentence=1)
    inputs = ReportInputs(
        segments=[a, b],
        changes=[
            change(a, 12, 14, ".", applied=False, decision="reject"),
            change(b, 0, 12, "Uusi lause.", rule="review-replace", decision="replace"),
        ],
        review=[Decision(b.id, "segment", "replace", text="Uusi lause.", status="applied")],
    )
    html = report.render_report(report.build_report(DOC, inputs, SIG))
    assert 'data-change="doc:b001:s00:rule:12" data-decision="reject" data-was=" ."' in html
    assert 'data-reviewer-text="Uusi lause." data-reviewer-remove="0"' in html
    assert html.count('<button type="button" data-act="reject">') == 1  # none on the reviewer's own edit
