"""The publish stage: structure kept, Markdown headings and escaping, rejected segments marked."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from pipeline import publish, review
from pipeline.records import Change
from pipeline.segment import segment_text

from .test_cli import run_cli

TEXT = (
    "Otsikko tässä\n\nEka on tässä. Toinen on tässä.\n\nVäliotsikko\n\n"
    "- kohta yksi\n- kohta kaksi\n\nLoppu *on* tässä.\n"
)


def published(
    text: str, triage: dict[str, str] | None = None, changes: list[Change] | None = None
) -> publish.Published:
    return publish.publish_text(text, segment_text("doc", text), changes or [], triage or {})


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
