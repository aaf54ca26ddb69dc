"""Reviewer decisions: accepted and rejected changes, replaced and removed segments, stale decisions."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from pipeline import check, clean, io, review
from pipeline.errors import InputError
from pipeline.records import Change
from pipeline.segment import segment_text
from pipeline.workspace import Workspace

from .test_cli import run_cli


def reviewed(text: str, tmp_path: Path, yaml_text: str) -> clean.Cleaned:
    src = tmp_path / "doc.fi.txt"
    src.write_text(text, encoding="utf-8")
    path = Workspace.of(src).path("review")
    path.write_text(yaml_text, encoding="utf-8")
    segments = segment_text("doc", text)
    issues = check.check_segments(segments, [check.get_checker(n) for n in check.DEFAULT_CHECKERS])
    return clean.clean_document(src, segments, issues, None, path)


@pytest.fixture
def seed_run(seed_path: Path, tmp_path: Path) -> tuple[Path, Path]:
    """The seed copied as corpus/seed.fi.txt, and its output directory (segments and issues made)."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copyfile(seed_path, corpus / "seed.fi.txt")
    out = tmp_path / "out"
    args = ["-q", "run", str(corpus / "seed.fi.txt"), "--out-dir", str(out), "--stage", "segment"]
    assert run_cli(*args, "--stage", "check").returncode == 0
    return corpus / "seed.fi.txt", out


def test_a_rejected_change_is_not_in_the_cleaned_text(seed_run: tuple[Path, Path]) -> None:
    source, out = seed_run
    rejected = "seed:b001:s01:adjective-noun-agreement:43"
    Workspace.of(source).path("review").write_text(f"changes:\n  {rejected}: reject\n", encoding="utf-8")
    result = run_cli("run", str(source), "--out-dir", str(out), "--stage", "clean")
    assert result.returncode == 0, result.stderr
    assert "warning" not in result.stderr
    text = (out / "cleaned.fi.txt").read_text(encoding="utf-8")
    original = source.read_text(encoding="utf-8")
    changes = {c["id"]: c for c in io.read_jsonl(out / "changes.jsonl")}
    kept = changes[rejected]
    assert (
        not kept["applied"] and kept["decision"] == "reject" and kept["reason"] == "rejected by the reviewer"
    )
    # Exactly this one stays as it was; the other three genitives are made to agree, and the five
    # subjects and objects get the case their clause needs (the syntax checks).
    assert text.count("virtuaalinen avustajien") == 1
    assert text.count("irtuaalisten avustajien") == 3
    assert text.count("irtuaaliset avustajat") + text.count("irtuaalisia avustajia") == 5
    s = original.index("virtuaalinen avustajien")
    assert text[: kept["start"] + 23].endswith("virtuaalinen avustajien") and s <= kept["start"]
    assert io.read_jsonl(out / "review.jsonl") == [
        {"target": rejected, "kind": "change", "decision": "reject", "text": None, "was": None}
        | {"status": "applied", "message": ""}
    ]


def test_no_review_file_gives_an_empty_review_log(seed_run: tuple[Path, Path]) -> None:
    source, out = seed_run
    assert run_cli("-q", "run", str(source), "--out-dir", str(out), "--stage", "clean").returncode == 0
    assert io.read_jsonl(out / "review.jsonl") == []
    assert all(c["decision"] is None for c in io.read_jsonl(out / "changes.jsonl"))


def test_stale_and_unknown_decisions_are_reported_not_dropped(seed_run: tuple[Path, Path]) -> None:
    source, out = seed_run
    Workspace.of(source).path("review").write_text(
        "changes:\n"
        "  seed:b001:s01:adjective-noun-agreement:44: reject\n"  # mistyped: the offset is 43
        "  seed:b001:s02:adjective-noun-agreement:52: {decision: reject, was: luotettava ihmisiä}\n"
        "  seed:b001:s09:agreement:7: {decision: reject, was: jotain}\n"  # existed once (it has a was)
        "segments:\n"
        "  seed:b099:s00: Ei ole.\n"
        "  seed:b001:s00: {text: Uusi lause., was: Vanha lause.}\n",
        encoding="utf-8",
    )
    result = run_cli("run", str(source), "--out-dir", str(out), "--stage", "clean")
    assert result.returncode == 0
    warnings = [line for line in result.stderr.splitlines() if "review.yaml" in line]
    assert len(warnings) == 5
    log = io.read_jsonl(out / "review.jsonl")
    assert [d["status"] for d in log] == ["unknown", "stale", "stale", "unknown", "stale"]
    assert log[0]["message"].endswith("; did you mean seed:b001:s01:adjective-noun-agreement:43?")
    assert log[2]["message"] == "no change has this id any more (the text or the rules changed)"
    assert log[3]["message"] == "no segment has this id; did you mean seed:b009:s00?"
    assert "is unknown: no change has this id" in warnings[0] and "is stale" in warnings[1]
    # Nothing was applied: the cleaned text is the one without a review file.
    assert (out / "cleaned.fi.txt").read_text(encoding="utf-8").count("virtuaalinen avustajien") == 0


def test_rejecting_a_merged_fix_brings_back_the_casing(tmp_path: Path) -> None:
    text = "Kissa nukkuu. virtuaalinen avustajien pidetään kalliina.\n"
    assert reviewed(text, tmp_path, "").text == "Kissa nukkuu. Virtuaalisia avustajia pidetään kalliina.\n"
    result = reviewed(text, tmp_path, "changes:\n  doc:b000:s01:object-case:0: reject\n")
    assert result.text == "Kissa nukkuu. Virtuaalinen avustajien pidetään kalliina.\n"


def test_accepting_a_change_blocked_by_another(tmp_path: Path) -> None:
    text = "Kissa nukkuu. virtuaalinen avustajien pidetään kalliina.\n"
    casing = "doc:b000:s01:voikko:7:0"
    result = reviewed(text, tmp_path, f"changes:\n  {casing}: accept\n")
    assert [d.status for d in result.decisions] == ["conflict"]
    assert "doc:b000:s01:object-case:0" in result.decisions[0].message
    assert result.text == "Kissa nukkuu. Virtuaalisia avustajia pidetään kalliina.\n"


@pytest.mark.parametrize(
    ("decisions", "expected"),
    [
        (
            "b001:s01: Toinen on uusi.",
            "Otsikko\n\nEka on tässä. Toinen on uusi. Kolmas on tässä.\n\nViimeinen kappale.\n",
        ),
        ("b001:s01: {remove: true}", "Otsikko\n\nEka on tässä. Kolmas on tässä.\n\nViimeinen kappale.\n"),
        ("b001:s02: {remove: true}", "Otsikko\n\nEka on tässä. Toinen on tässä.\n\nViimeinen kappale.\n"),
        ("b001:s00: {remove: true}", "Otsikko\n\nToinen on tässä. Kolmas on tässä.\n\nViimeinen kappale.\n"),
        (
            "b001:s01: {remove: true}\n  doc:b001:s02: {remove: true}",
            "Otsikko\n\nEka on tässä.\n\nViimeinen kappale.\n",
        ),
        (
            "b001:s00: {remove: true}\n  doc:b001:s01: {remove: true}\n  doc:b001:s02: {remove: true}",
            "Otsikko\n\nViimeinen kappale.\n",
        ),
        ("b002:s00: {remove: true}", "Otsikko\n\nEka on tässä. Toinen on tässä. Kolmas on tässä.\n"),
        (
            "b001:s01: Kissa 🐈 <script>",
            "Otsikko\n\nEka on tässä. Kissa 🐈 <script> Kolmas on tässä.\n\nViimeinen kappale.\n",
        ),
    ],
)
def test_segments_replaced_and_removed(tmp_path: Path, decisions: str, expected: str) -> None:
    text = "Otsikko\n\nEka on tässä. Toinen on tässä. Kolmas on tässä.\n\nViimeinen kappale.\n"
    result = reviewed(text, tmp_path, f"segments:\n  doc:{decisions}\n")
    assert result.text == expected
    assert {d.status for d in result.decisions} == {"applied"}
    replaced = [c for c in result.changes if c.rule == review.REPLACE_RULE]
    assert all(c.applied and c.original == text[c.start : c.end] for c in replaced)


def test_a_replaced_segment_drops_its_own_fixes(tmp_path: Path) -> None:
    text = "Hän meni meni kotiin. Kissa nukkuu.\n"
    result = reviewed(text, tmp_path, "segments:\n  doc:b000:s00: Hän lähti kotiin.\n")
    assert result.text == "Hän lähti kotiin. Kissa nukkuu.\n"
    repeated = next(c for c in result.changes if c.rule == "voikko:8")
    assert not repeated.applied and repeated.reason == "segment replaced by the reviewer"


def test_a_review_of_an_empty_document(tmp_path: Path) -> None:
    result = reviewed("", tmp_path, "segments:\n  doc:b000:s00: Ei mitään.\n")
    assert result.text == "" and [d.status for d in result.decisions] == ["unknown"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("changes: [a, b]\n", "'changes' must map ids to decisions"),
        ("changes:\n  x:y:1: maybe\n", "changes.x:y:1: decision must be one of accept, reject, not 'maybe'"),
        ("changes:\n  x: {decision: reject, why: no}\n", "unknown key 'why'"),
        ("segments:\n  x: 3\n", "segments.x: expected the new text"),
        ("segments:\n  x: {remove: true, text: a}\n", "give either 'text' or 'remove: true'"),
        ("segments:\n  x: {remove: yes please}\n", "segments.x.remove: expected true or false"),
        ("segments:\n  x: {text: [a]}\n", "segments.x.text: expected text"),
        ("decisions: {}\n", "unknown key 'decisions'"),
        ("- a\n- b\n", "expected a mapping"),
        ("changes: {a: reject\n", "not valid YAML"),
    ],
)
def test_bad_review_files(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "doc.review.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError, match=message.replace("[", r"\[")):
        review.load_review(path)


def test_a_bad_review_file_stops_the_stage_and_writes_nothing(seed_run: tuple[Path, Path]) -> None:
    source, out = seed_run
    Workspace.of(source).path("review").write_bytes(b"changes:\n  \xff: reject\n")
    result = run_cli("run", str(source), "--out-dir", str(out), "--stage", "clean")
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and "seed.review.yaml" in result.stderr
    assert not (out / "cleaned.fi.txt").exists() and not (out / "review.jsonl").exists()


def test_change_records_round_trip() -> None:
    change = Change("i", "d", "s", "r", "c", 0, 1, "a", "b", True, "safe fix")
    assert change.decision is None and Change.from_dict(change.to_dict()) == change
