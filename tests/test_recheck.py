"""The re-check of the cleaned text: issues.cleaned.jsonl, its offsets, and the before/after counts."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from pipeline import check, clean, io, segment, stages
from pipeline.errors import InputError
from pipeline.records import FLAGGED_SEVERITIES, CheckCounts, Issue, Recheck, Segment
from pipeline.segment import segment_text
from pipeline.workspace import Workspace


def run_clean(text: str, tmp_path: Path, review_yaml: str | None = None) -> Path:
    """segment, check and clean on `text` as doc.fi.txt, in-process; the output directory."""
    src = tmp_path / "doc.fi.txt"
    src.write_text(text, encoding="utf-8")
    if review_yaml is not None:
        (tmp_path / "doc.review.yaml").write_text(review_yaml, encoding="utf-8")
    out = tmp_path / "out"
    stages.run_document(Workspace(src, out), ["segment", "check", "clean"])
    return out


def flagged(issues: list[Issue]) -> int:
    return len({i.segment for i in issues if i.severity in FLAGGED_SEVERITIES})


def issue(segment_id: str, severity: str) -> Issue:
    return Issue("doc", segment_id, 0, 1, "spelling", "rule", severity, "viesti", [], "pipeline", "x")


def counts(segments: int, flagged: int, with_errors: int, with_warnings: int, **issues: int) -> CheckCounts:
    return CheckCounts(
        segments, flagged, with_errors, with_warnings, {"error": 0, "warning": 0, "info": 0} | issues
    )


def test_seed_recheck(seed_path: Path, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copyfile(seed_path, corpus / "seed.fi.txt")
    out = tmp_path / "out"
    written = stages.run_document(Workspace(corpus / "seed.fi.txt", out), ["segment", "check", "clean"])
    assert out / "issues.cleaned.jsonl" in written
    text = (out / "cleaned.fi.txt").read_text(encoding="utf-8")
    after = [Issue.from_dict(r) for r in io.read_jsonl(out / "issues.cleaned.jsonl")]
    assert after
    # Offsets index the cleaned text exactly, and the ids are those of its own segments.
    assert all(text[i.start : i.end] == i.text for i in after)
    ids = {s.id for s in segment_text("seed", text)}
    assert {i.segment for i in after} <= ids and all(i.doc == "seed" for i in after)
    # The same record, in the same order, as the check stage writes.
    assert after == sorted(after, key=lambda i: (i.start, i.end, i.rule))
    before = [Issue.from_dict(r) for r in io.read_jsonl(out / "issues.jsonl")]
    segments = [Segment.from_dict(r) for r in io.read_jsonl(out / "segments.jsonl")]
    summary = clean.read_recheck(Workspace.for_outputs(out), segments, before)
    assert summary is not None
    assert summary.before.segments == summary.after.segments == 31
    assert summary.before.flagged == flagged(before) and summary.after.flagged == flagged(after)
    assert summary.after.flagged < summary.before.flagged  # the safe fixes fix something
    assert summary.after.issues["error"] == sum(i.severity == "error" for i in after)
    assert summary.line() == (
        f"After cleaning: {flagged(after)} of 31 segments still have errors or warnings"
        f" (before: {flagged(before)})"
    )


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("", "After cleaning: 0 of 0 segments still have errors or warnings (before: 0)"),
        (
            "Kissa nukkuu sohvalla.\n",
            "After cleaning: 0 of 1 segment still has errors or warnings (before: 0)",
        ),
        # A repeated word and a space before a comma: both fixed, nothing left.
        (
            "Hän meni meni kotiin , ja kissa jäi.\n",
            "After cleaning: 0 of 1 segment still has errors or warnings (before: 1)",
        ),
        # No glossary: the English term stays, and so does its error.
        (
            "Ne hoitavat Design Business asioita.\n",
            "After cleaning: 1 of 1 segment still has errors or warnings (before: 1)",
        ),
        (
            "Otsikko\n\nKissa 🐈 nukkuu sohvalla. Koira on ulkona.\n",
            "After cleaning: 0 of 3 segments still have errors or warnings (before: 0)",
        ),
        (
            "Kissa nukkuu sohvalla. " * 300 + "\n",
            "After cleaning: 0 of 300 segments still have errors or warnings (before: 0)",
        ),
    ],
)
def test_recheck_counts(tmp_path: Path, text: str, line: str) -> None:
    out = run_clean(text, tmp_path)
    cleaned = (out / "cleaned.fi.txt").read_text(encoding="utf-8")
    rows = io.read_jsonl(out / "issues.cleaned.jsonl") if cleaned.strip() else []
    assert all(cleaned[r["start"] : r["end"]] == r["text"] for r in rows)
    segments = [Segment.from_dict(r) for r in io.read_jsonl(out / "segments.jsonl")] if text else []
    issues = [Issue.from_dict(r) for r in io.read_jsonl(out / "issues.jsonl")] if text else []
    summary = clean.read_recheck(Workspace.for_outputs(out), segments, issues)
    assert summary is not None and summary.line() == line


def test_a_removed_block_changes_the_segment_count(tmp_path: Path) -> None:
    text = "Otsikko\n\nHän meni meni kotiin.\n\nNe hoitavat Design Business asioita.\n"
    out = run_clean(text, tmp_path, "segments:\n  doc:b001:s00: {remove: true}\n")
    cleaned = (out / "cleaned.fi.txt").read_text(encoding="utf-8")
    assert "kotiin" not in cleaned
    after = [Issue.from_dict(r) for r in io.read_jsonl(out / "issues.cleaned.jsonl")]
    # The cleaned text has a block fewer: its segments are numbered afresh, as the original's were.
    assert {i.segment for i in after if i.severity == "error"} == {"doc:b001:s00"}
    assert all(cleaned[i.start : i.end] == i.text for i in after)
    segments = [Segment.from_dict(r) for r in io.read_jsonl(out / "segments.jsonl")]
    issues = [Issue.from_dict(r) for r in io.read_jsonl(out / "issues.jsonl")]
    summary = clean.read_recheck(Workspace.for_outputs(out), segments, issues)
    assert summary is not None
    assert summary.line() == "After cleaning: 1 of 2 segments still has errors or warnings (before: 2 of 3)"


@pytest.mark.parametrize(
    ("issues", "expected"),
    [
        ([], counts(3, 0, 0, 0)),
        ([issue("a", "info"), issue("a", "info")], counts(3, 0, 0, 0, info=2)),
        # A segment with an error and a warning is one flagged segment, in both breakdowns.
        (
            [issue("a", "error"), issue("a", "warning"), issue("b", "warning")],
            counts(3, 2, 1, 2, error=1, warning=2),
        ),
        ([issue("a", "error")] * 1000, counts(3, 1, 1, 0, error=1000)),
        # An unknown severity is counted as issues, never as a flagged segment.
        ([issue("ä🐈", "fatal")], counts(3, 0, 0, 0, fatal=1)),
    ],
)
def test_check_counts(issues: list[Issue], expected: CheckCounts) -> None:
    segments = segment_text("doc", "Yksi. Kaksi. Kolme.\n")
    assert CheckCounts.of(segments, issues) == expected


@pytest.mark.parametrize(
    ("before", "after", "line"),
    [
        (
            counts(31, 30, 1, 1),
            counts(31, 12, 1, 1),
            "12 of 31 segments still have errors or warnings (before: 30)",
        ),
        (
            counts(31, 30, 1, 1),
            counts(31, 1, 1, 1),
            "1 of 31 segments still has errors or warnings (before: 30)",
        ),
        (
            counts(2, 2, 1, 1),
            counts(1, 0, 0, 0),
            "0 of 1 segment still has errors or warnings (before: 2 of 2)",
        ),
    ],
)
def test_recheck_line_and_round_trip(before: CheckCounts, after: CheckCounts, line: str) -> None:
    recheck = Recheck(before, after)
    assert recheck.line() == f"After cleaning: {line}"
    assert Recheck.from_dict(recheck.to_dict()) == recheck


def test_missing_recheck_is_none(tmp_path: Path) -> None:
    assert clean.read_recheck(Workspace.for_outputs(tmp_path), [], []) is None


@pytest.mark.parametrize(
    ("content", "problem"),
    [('{"doc": "doc"}\n', "line 1: field 'segment': missing"), ("not json\n", "line 1: not valid JSON")],
)
def test_bad_recheck_file_is_one_clear_error(tmp_path: Path, content: str, problem: str) -> None:
    (tmp_path / "cleaned.fi.txt").write_text("Kissa.\n", encoding="utf-8")
    (tmp_path / "issues.cleaned.jsonl").write_text(content, encoding="utf-8")
    with pytest.raises(InputError, match=problem):
        clean.read_recheck(Workspace.for_outputs(tmp_path), [], [])


def test_recheck_text_uses_the_default_checkers(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[list[str]] = []
    real = check.check_segments

    def spy(segments: list[Segment], checkers: list[check.Checker]) -> list[Issue]:
        seen.append([c.name for c in checkers])
        return real(segments, checkers)

    monkeypatch.setattr(check, "check_segments", spy)
    segments, issues = clean.recheck_text("doc", "Hän meni meni kotiin.\n")
    assert [s.id for s in segments] == [s.id for s in segment.segment_text("doc", "Hän meni meni kotiin.\n")]
    assert len(seen) == 1 and len(seen[0]) == len(check.DEFAULT_CHECKERS)
    assert any(i.rule == "voikko:8" for i in issues)
