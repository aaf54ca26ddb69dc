"""The publish stage: structure kept, Markdown headings and escaping, rejected segments marked."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from pipeline import io, publish, review
from pipeline.records import Change, CheckCounts, Recheck
from pipeline.segment import segment_text
from pipeline.workspace import Workspace

from .test_cli import run_cli

TEXT = (
    "Otsikko tässä\n\nEka on tässä. Toinen on tässä.\n\nVäliotsikko\n\n"
    "- kohta yksi\n- kohta kaksi\n\nLoppu *on* tässä.\n"
)


def published(
    text: str,
    triage: dict[str, str] | None = None,
    changes: list[Change] | None = None,
    recheck: Recheck | None = None,
) -> publish.Published:
    return publish.publish_text(text, segment_text("doc", text), changes or [], triage or {}, recheck)


def recheck(before: int, after: int, segments: int = 5, segments_before: int = 5) -> Recheck:
    """A re-check summary: `before` and `after` segments with errors (no warnings or infos)."""
    return Recheck(
        CheckCounts(segments_before, before, before, 0, {"error": before, "warning": 0, "info": 0}),
        CheckCounts(segments, after, after, 0, {"error": after, "warning": 0, "info": 0}),
    )


def test_structure_and_markdown() -> None:
    result = published(TEXT)
    assert result.text == TEXT
    assert result.markdown == (
        "# Otsikko tässä\n\nEka on tässä. Toinen on tässä.\n\n## Väliotsikko\n\n"
        "- kohta yksi\n- kohta kaksi\n\nLoppu \\*on\\* tässä.\n"
    )


def test_rejected_segments_are_marked() -> None:
    result = published(TEXT, {"doc:b001:s01": "reject", "doc:b001:s00": "review", "doc:b000:s00": "reject"})
    assert result.text.startswith("[HYLÄTTY] Otsikko tässä\n\nEka on tässä. [HYLÄTTY] Toinen on tässä.\n")
    assert result.markdown.startswith("# **[HYLÄTTY]** Otsikko tässä\n\nEka on tässä. **[HYLÄTTY]** Toinen")


def test_a_segment_the_reviewer_removed_or_replaced_is_not_marked() -> None:
    segments = segment_text("doc", TEXT)
    decisions = [
        review.Decision("doc:b001:s01", "segment", "remove"),
        review.Decision("doc:b005:s00", "segment", "replace", text="Loppu on uusi."),
    ]
    changes, _ = review.apply_review(TEXT, segments, [], decisions)
    triage = {"doc:b001:s01": "reject", "doc:b005:s00": "reject", "doc:b001:s00": "reject"}
    result = publish.publish_text(TEXT, segments, changes, triage)
    assert "Toinen" not in result.text and "[HYLÄTTY] Eka on tässä.\n\n" in result.text
    assert result.text.endswith("Loppu on uusi.\n")
    assert "**[HYLÄTTY]** Eka on tässä.\n\n## Väliotsikko" in result.markdown


def test_a_whole_removed_block_leaves_no_gap() -> None:
    segments = segment_text("doc", TEXT)
    decisions = [review.Decision(s.id, "segment", "remove") for s in segments if s.block == 1]
    changes, _ = review.apply_review(TEXT, segments, [], decisions)
    result = publish.publish_text(TEXT, segments, changes, {})
    assert result.text.startswith("Otsikko tässä\n\nVäliotsikko\n\n")
    assert result.markdown.startswith("# Otsikko tässä\n\n## Väliotsikko\n\n")


@pytest.mark.parametrize(
    ("text", "markdown"),
    [
        ("", ""),
        (
            "# ei otsikko vaan 1. kohta [linkki](x) <b>\n",
            "\\# ei otsikko vaan 1. kohta \\[linkki\\](x) \\<b\\>\n",
        ),
        ("Kissa 🐈 nukkuu.\n", "Kissa 🐈 nukkuu.\n"),
        ("1. Ensin tehdään näin.\n", "1\\. Ensin tehdään näin.\n"),
        ("Pitkä lause. " * 2000 + "\n", ("Pitkä lause. " * 2000).strip() + "\n"),
    ],
)
def test_markdown_escaping(text: str, markdown: str) -> None:
    assert published(text).markdown == markdown


@pytest.mark.parametrize(
    ("text", "summary", "note"),
    [
        (TEXT, recheck(4, 2), "After cleaning: 2 of 5 segments still have errors or warnings (before: 4)."),
        (TEXT, recheck(4, 0), "After cleaning: 0 of 5 segments still have errors or warnings (before: 4)."),
        (
            TEXT,
            recheck(2, 1, segments=4),
            "After cleaning: 1 of 4 segments still has errors or warnings (before: 2 of 5).",
        ),
        ("- yksi\n- kaksi\n", recheck(0, 0, 2, 2), "After cleaning: 0 of 2 segments still have"),
    ],
)
def test_the_markdown_ends_with_the_recheck(text: str, summary: Recheck, note: str) -> None:
    plain = published(text)
    result = published(text, recheck=summary)
    # The plain text is what a publisher pastes: no note there.
    assert result.text == plain.text
    # A rule after a blank line (not a setext heading or a list item), then the note as a paragraph.
    assert result.markdown.startswith(plain.markdown + "\n---\n\n")
    assert note in result.markdown and result.markdown.endswith(".\n")
    assert result.markdown.count("After cleaning") == 1


def test_an_empty_document_gets_no_note() -> None:
    assert published("", recheck=recheck(0, 0, 0, 0)) == publish.Published("", "")


def test_cleaned_changes_are_published(tmp_path: Path, seed_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copyfile(seed_path, corpus / "seed.fi.txt")
    out = tmp_path / "out"
    for stage in ("segment", "check", "clean", "translate", "align", "publish"):
        assert (
            run_cli(
                "-q", "run", str(corpus / "seed.fi.txt"), "--out-dir", str(out), "--stage", stage
            ).returncode
            == 0
        )
    text = (out / "publish" / "seed.fi.txt").read_text(encoding="utf-8")
    # No model here: every segment is triaged "review", so nothing is marked.
    assert text == (out / "cleaned.fi.txt").read_text(encoding="utf-8")
    markdown = (out / "publish" / "seed.md").read_text(encoding="utf-8")
    assert (
        markdown.startswith("# Erotella henkilökohtainen avustaja")
        and "\n## Henkilökohtaiset avustajat\n" in markdown
    )
    # The re-check of the clean stage, counted as the report counts it.
    flagged = {r["segment"] for r in io.read_jsonl(out / "issues.cleaned.jsonl") if r["severity"] != "info"}
    before = {r["segment"] for r in io.read_jsonl(out / "issues.jsonl") if r["severity"] != "info"}
    assert markdown.endswith(
        f"\n\n---\n\nAfter cleaning: {len(flagged)} of 31 segments still have errors or warnings"
        f" (before: {len(before)}).\n"
    )


def test_outputs_without_a_recheck_get_no_note(tmp_path: Path) -> None:
    """Outputs of an older clean stage (no issues.cleaned.jsonl): the Markdown as it was."""
    src = tmp_path / "doc.fi.txt"
    src.write_text(TEXT, encoding="utf-8")
    segments = segment_text("doc", TEXT)
    io.write_jsonl(tmp_path / "segments.jsonl", [s.to_dict() for s in segments])
    io.write_jsonl(tmp_path / "changes.jsonl", [])
    io.write_jsonl(tmp_path / "aligned.jsonl", [{"segment": s.id, "decision": "publish"} for s in segments])
    assert publish.run_stage(Workspace(src, tmp_path)).markdown == published(TEXT).markdown


def test_a_missing_aligned_file_is_one_clear_error(tmp_path: Path) -> None:
    src = tmp_path / "doc.fi.txt"
    src.write_text("Kissa nukkuu.\n", encoding="utf-8")
    out = tmp_path / "out"
    assert (
        run_cli(
            "-q", "run", str(src), "--out-dir", str(out), "--stage", "segment", "--stage", "clean"
        ).returncode
        == 1
    )
    assert run_cli("-q", "run", str(src), "--out-dir", str(out), "--stage", "segment").returncode == 0
    result = run_cli("-q", "run", str(src), "--out-dir", str(out), "--stage", "publish")
    assert result.returncode == 1 and result.stderr.count("\n") == 1 and "changes.jsonl" in result.stderr
    assert not (out / "publish").exists()
