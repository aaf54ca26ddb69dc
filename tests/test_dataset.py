"""The align stage: the bilingual dataset with scores and triage, reference alignment, TMX and XLIFF."""

from __future__ import annotations

import shutil
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from translate.storage import tmx, xliff

from pipeline import align, io, segment, triage
from pipeline.errors import InputError
from pipeline.records import SKIPPED_NO_FI_EN

from .conftest import ROOT
from .test_cli import run_cli

SEED = ROOT / "corpus" / "personal-vs-virtual-assistants.fi.txt"


def read_tmx(path: Path) -> Any:
    """A TMX file read back by translate-toolkit."""
    return tmx.tmxfile.parsestring(path.read_bytes())  # type: ignore[no-untyped-call]


def run_seed(tmp_path: Path, reference: str | None = None) -> Path:
    shutil.copyfile(SEED, tmp_path / "seed.fi.txt")
    if reference is not None:
        (tmp_path / "seed.en.txt").write_text(reference, encoding="utf-8")
    out = tmp_path / "out"
    proc = run_cli("-q", "run", str(tmp_path / "seed.fi.txt"), "--out-dir", str(out))
    assert proc.returncode == 0, proc.stderr
    return out


def test_without_a_model_every_segment_is_reviewed(argos_home: Path, tmp_path: Path) -> None:
    out = run_seed(tmp_path)
    rows = io.read_jsonl(out / "aligned.jsonl")
    assert len(rows) == 31
    assert {r["decision"] for r in rows} == {"review"}
    assert all("no translation scores" in r["reasons"] for r in rows)
    assert all(r["en"] is None and r["translation_status"] == SKIPPED_NO_FI_EN for r in rows)
    agreement = next(r for r in rows if r["segment"].endswith("b001:s01"))
    assert agreement["errors"] == 1 and agreement["fixed"] == 1
    assert "virtuaalisten avustajien" in agreement["fi_clean"]
    assert len(read_tmx(out / "aligned.tmx").units) == 0


def test_with_a_model_scores_triage_and_exports(installed: Path, tmp_path: Path) -> None:
    out = run_seed(tmp_path)
    frame = pd.read_parquet(out / "aligned.parquet")
    assert len(frame) == 31
    assert frame.en.notna().all() and frame.chrf.notna().all() and frame.logprob.notna().all()
    # The tiny test model copies its input: the round trip equals the source, chrF 100.
    assert (frame.chrf == 100.0).all()
    assert set(frame.decision) <= set(triage.DECISIONS)
    title = frame[frame.segment.str.endswith("b000:s00")].iloc[0]
    assert title.decision == "review" and "1 open errors > 0" in title.reasons
    csv = pd.read_csv(out / "aligned.csv", keep_default_na=False)
    assert list(csv.segment) == list(frame.segment)
    # TMX read back by translate-toolkit: one unit per translated segment, Finnish to English.
    store = read_tmx(out / "aligned.tmx")
    assert len(store.units) == 31
    assert store.units[1].source == frame.fi_clean.iloc[1]
    assert store.units[1].target == frame.en.iloc[1]
    xlf: Any = xliff.xlifffile.parsestring((out / "aligned.xlf").read_bytes())  # type: ignore[no-untyped-call]
    assert [u.getid().split("\x04")[-1] for u in xlf.units] == list(frame.segment)


REFERENCE = """Distinguishing Personal Assistant and Virtual Assistant

The swing of virtual offices has easily made it one of the fastest growing businesses today.
"""


def test_reference_alignment_from_an_english_original(argos_home: Path, tmp_path: Path) -> None:
    out = run_seed(tmp_path, reference=REFERENCE)
    rows = {r["segment"].split(":", 1)[1]: r for r in io.read_jsonl(out / "aligned.jsonl")}
    assert rows["b000:s00"]["en_reference"] == "Distinguishing Personal Assistant and Virtual Assistant"
    assert rows["b000:s00"]["reference_bead"] == "1:1"
    assert rows["b001:s00"]["en_reference"].startswith("The swing of virtual offices")
    assert rows["b004:s00"]["en_reference"] is None  # no English for most of the article: 1:0
    store = read_tmx(out / "aligned.tmx")
    assert len(store.units) == 2  # the reference pairs


def test_triage_thresholds_from_the_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    scores = triage.Scores(open_errors=0, warnings=0, logprob=-0.2, chrf=80.0)
    assert triage.decide(scores) == ("publish", [])
    assert triage.decide(triage.Scores(3, 0, -0.2, 80.0))[0] == "reject"
    assert triage.decide(triage.Scores(0, 0, -0.2, 10.0)) == ("reject", ["round-trip chrF 10.0 < 20.0"])
    assert triage.decide(triage.Scores(0, 2, -2.0, 80.0)) == (
        "review",
        ["2 warnings > 1", "model log-probability -2.00 < -1.5"],
    )
    config = tmp_path / "strict.toml"
    config.write_text("[review]\nmax_warnings = 0\n", encoding="utf-8")
    assert triage.decide(triage.Scores(0, 1, -0.2, 80.0), config) == ("review", ["1 warnings > 0"])


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("[review\n", "not valid TOML"),
        ("[review]\nmax_warning = 1\n", "unknown setting 'max_warning'"),
        ("[reject]\nmin_chrf = 'low'\n", "min_chrf: expected a number"),
        ("review = 3\n", r"\[review\]: expected a table"),
        (
            "[reference]\nmin_bead_score = 25.0\n",
            r"min_bead_score: 25.0 is out of range \(expected a number ≤ 20\)",
        ),
        ("[reference]\nmin_bead_score = true\n", "min_bead_score: expected a number"),
        ("[reference]\nmin_score = 1\n", "unknown setting 'min_score'; known: min_bead_score"),
        ("[reject]\nmin_bead_score = 1\n", "unknown setting 'min_bead_score'"),
    ],
)
def test_bad_triage_config(tmp_path: Path, content: str, message: str) -> None:
    config = tmp_path / "triage.toml"
    config.write_text(content, encoding="utf-8")
    with pytest.raises(InputError, match=message):
        triage.load(config)


# --- the English reference: beads held for review, the TMX --------------------------------------------

# A deliberate 2:1 bead across a paragraph boundary: the reference's second paragraph says what the
# Finnish says in two (the first sentence of its third paragraph included).
PETS_FI = (
    "Kissat ja koirat\n\n"
    "Kissa nukkuu paljon päivällä.\n\n"
    "Koira haukkuu kovaa illalla. Koira juoksee puistossa aamulla.\n"
)
PETS_EN = (
    "Cats and dogs\n\n"
    "The cat sleeps a lot during the day, and the dog barks loudly in the evening.\n\n"
    "The dog runs in the park in the morning.\n"
)
ALIGN_STAGES = ("segment", "check", "clean", "translate", "align")


def run_pets(tmp_path: Path, reference: str | None) -> tuple[Path, str]:
    """The stages up to align on the pets article (and its reference, if any): the output directory
    and what the run logged."""
    (tmp_path / "pets.fi.txt").write_text(PETS_FI, encoding="utf-8")
    if reference is not None:
        (tmp_path / "pets.en.txt").write_text(reference, encoding="utf-8")
    out = tmp_path / "out"
    stages = [a for s in ALIGN_STAGES for a in ("--stage", s)]
    proc = run_cli("run", str(tmp_path / "pets.fi.txt"), "--out-dir", str(out), *stages)
    assert proc.returncode == 0, proc.stderr
    return out, proc.stderr


@pytest.mark.parametrize(
    ("kind", "score", "across", "min_score", "expected"),
    [
        ("1:1", 9.0, False, 0.0, []),
        ("1:1", 9.0, False, None, []),
        ("1:1", -1.5, False, 0.0, ["bead score -1.50 < 0"]),
        ("2:1", 9.0, False, 0.0, ["bead 2:1, not 1:1"]),
        ("2:1", 9.0, True, 0.0, ["bead 2:1, not 1:1", "across a paragraph boundary"]),
        (
            "1:2",
            -3.0,
            True,
            -2.5,
            ["bead 1:2, not 1:1", "across a paragraph boundary", "bead score -3.00 < -2.5"],
        ),
    ],
)
def test_reference_review(
    kind: str, score: float, across: bool, min_score: float | None, expected: list[str]
) -> None:
    assert align.reference_review(kind, score, across, min_score) == expected


@pytest.mark.parametrize(
    ("fi", "en", "expected"),
    [
        # (segments, kind, English, held for review)
        (
            PETS_FI,
            PETS_EN,
            [
                (["b000:s00"], "1:1", "Cats and dogs", False),
                (["b001:s00", "b002:s00"], "2:1", PETS_EN.split("\n\n")[1].strip(), True),
                (["b002:s01"], "1:1", "The dog runs in the park in the morning.", False),
            ],
        ),
        # Nothing in English: every Finnish segment is a 1:0 bead, none held.
        ("Kissa nukkuu.\n", "", [(["b000:s00"], "1:0", None, False)]),
        # Words the dictionaries do not know: a 1:1 bead, but its score is below 0, so it is held.
        ("Kissat ja koirat\n", "Cäts and dögs\n", [(["b000:s00"], "1:1", "Cäts and dögs", True)]),
    ],
)
def test_reference_alignment_holds_beads_for_review(
    fi: str, en: str, expected: list[tuple[list[str], str, str | None, bool]]
) -> None:
    segments = segment.segment_text("pets", fi)
    beads = align.reference_alignment(segments, en, min_score=0.0)
    got = [([s.split(":", 1)[1] for s in b.segments], b.kind, b.text, bool(b.review)) for b in beads]
    assert got == expected
    for b in beads:
        assert b.text is None or en[b.start : b.end] == b.text


@pytest.mark.parametrize("model", [False, True])
def test_a_2_1_bead_across_a_paragraph_is_kept_out_of_the_tmx(
    request: pytest.FixtureRequest, tmp_path: Path, model: bool
) -> None:
    request.getfixturevalue("installed" if model else "argos_home")
    out, _ = run_pets(tmp_path, PETS_EN)
    beads = io.read_jsonl(out / "reference.jsonl")
    held = next(b for b in beads if b["kind"] == "2:1")
    assert held["review"] == ["bead 2:1, not 1:1", "across a paragraph boundary"]
    rows = {r["segment"].split(":", 1)[1]: r for r in io.read_jsonl(out / "aligned.jsonl")}
    assert rows["b001:s00"]["reference_bead"] == rows["b002:s00"]["reference_bead"] == "2:1"
    units = read_tmx(out / "aligned.tmx").units
    targets = {u.source: u.target for u in units}
    # The reference's 2:1 English pairs with neither Finnish sentence; the tiny model's retranslation
    # (a copy of the Finnish) stands in where there is one, with a note saying why.
    assert all("during the day" not in t for t in targets.values())
    assert targets["Koira juoksee puistossa aamulla."] == "The dog runs in the park in the morning."
    if model:
        assert len(units) == 4
        assert targets["Kissa nukkuu paljon päivällä."] == "Kissa nukkuu paljon päivällä."
        note = next(u for u in units if u.source == "Kissa nukkuu paljon päivällä.").getnotes()
        assert "reference not used (2:1: bead 2:1, not 1:1; across a paragraph boundary)" in note
    else:
        assert sorted(targets) == ["Kissat ja koirat", "Koira juoksee puistossa aamulla."]
    xlf: Any = xliff.xlifffile.parsestring((out / "aligned.xlf").read_bytes())  # type: ignore[no-untyped-call]
    unit = next(u for u in xlf.units if u.source == "Kissa nukkuu paljon päivällä.")
    assert "reference not used (2:1" in unit.getnotes()


@pytest.mark.parametrize(
    ("reference", "note"),
    [
        (
            None,
            "no units: neither a retranslation (skipped: no fi→en model (run make models)) nor an English "
            "reference (pets.en.txt) gives a segment English",
        ),
        (PETS_EN, None),  # the reference's 1:1 pairs
    ],
)
def test_an_empty_tmx_says_why(
    argos_home: Path, tmp_path: Path, reference: str | None, note: str | None
) -> None:
    out, logged = run_pets(tmp_path, reference)
    header = ET.parse(out / "aligned.tmx").getroot().find("header")
    assert header is not None
    assert [n.text for n in header.findall("note")] == ([note] if note else [])
    assert logged.count("no units:") == (1 if note else 0)
    assert (len(read_tmx(out / "aligned.tmx").units) == 0) == (note is not None)
    assert (out / "reference.jsonl").exists() == (reference is not None)
