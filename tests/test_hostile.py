"""Hostile inputs and faults (issue 13): each case a row of a table, each asserting the exit code,
the one-line message, that no traceback is printed, and that earlier outputs are unchanged.

Sections follow the issue's items; each has its own case table.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, NamedTuple
from xml.etree import ElementTree

import pytest
import yaml

from pipeline import argos, io
from pipeline.dataset import REFERENCE_KEPT, RETRANSLATION_DROPPED
from pipeline.records import (
    EN_REMOVED,
    EN_STALE_REPLACED,
    REASON_REMOVED,
    REASON_REPLACED,
    TRANSLATION_OK,
    TRIAGE_REJECT,
    TRIAGE_REVIEW,
)

ROOT = Path(__file__).resolve().parents[1]


def run_cli(*args: str, cwd: Path | None = None, **kwargs: object) -> subprocess.CompletedProcess[str]:
    """`python -m pipeline ARGS` in a new process."""
    return subprocess.run(
        [sys.executable, "-m", "pipeline", *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=cwd,
        **kwargs,  # type: ignore[call-overload]
    )


def assert_one_line_error(proc: subprocess.CompletedProcess[str], *fragments: str) -> str:
    """The process failed with one error line on stderr, no traceback, naming every fragment."""
    assert proc.returncode != 0, proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr
    lines = [line for line in proc.stderr.splitlines() if "error" in line]
    assert len(lines) == 1, proc.stderr
    for fragment in fragments:
        assert fragment in lines[0], proc.stderr
    return lines[0]


def snapshot(directory: Path) -> dict[str, bytes]:
    """Every file under `directory` (relative path -> bytes)."""
    files = sorted(p for p in directory.rglob("*") if p.is_file())
    return {str(p.relative_to(directory)): p.read_bytes() for p in files}


# --- items 1-3 and 11: document names, consistency between stages, failing stages, messages ---------


# --- item 4: reviewer's removed or replaced segments in the bilingual dataset ------------------------

ITEM4_REFERENCE = (
    "Distinguishing Personal Assistant and Virtual Assistant\n\n"
    "The swing of virtual offices has easily made it one of the fastest growing businesses today.\n"
)
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
XLIFF_NS = "urn:oasis:names:tc:xliff:document:1.1"
ITEM4_STAGES = ("segment", "check", "clean", "translate", "align")
FI, BEFORE = "=fi", "=before"  # expected: the row's original Finnish; as without a review file


def _tmx_units(path: Path) -> dict[str, dict[str, Any]]:
    """A TMX file's units by segment id (the first note): notes, props, Finnish and English."""
    units: dict[str, dict[str, Any]] = {}
    for tu in ElementTree.parse(path).getroot().iter("tu"):
        notes = [n.text for n in tu.iter("note")]
        segs = {str(tuv.get(XML_LANG)): tuv.findtext("seg") for tuv in tu.iter("tuv")}
        props = {p.get("type"): p.text for p in tu.iter("prop")}
        units[str(notes[0]).split(": ")[0]] = {"notes": notes, "props": props, **segs}
    return units


def _xliff_units(path: Path) -> dict[str, dict[str, Any]]:
    """An XLIFF file's units by id: source, target text and state, notes."""
    units: dict[str, dict[str, Any]] = {}
    for unit in ElementTree.parse(path).getroot().iter(f"{{{XLIFF_NS}}}trans-unit"):
        target = unit.find(f"{{{XLIFF_NS}}}target")
        units[str(unit.get("id"))] = {
            "source": unit.findtext(f"{{{XLIFF_NS}}}source"),
            "target": None if target is None else (target.text or "", target.get("state")),
            "notes": [n.text for n in unit.iter(f"{{{XLIFF_NS}}}note")],
        }
    return units


def _outputs(out: Path) -> dict[str, dict[str, Any]]:
    rows = {r["segment"].split(":", 1)[1]: r for r in io.read_jsonl(out / "aligned.jsonl")}
    return {"rows": rows, "tmx": _tmx_units(out / "aligned.tmx"), "xliff": _xliff_units(out / "aligned.xlf")}


@pytest.fixture(scope="module")
def item4_runs(
    tmp_path_factory: pytest.TempPathFactory, tiny_packages: dict[str, Path]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The seed (with an English reference) aligned with the tiny models, before and after a review
    file that removes, replaces, and replaces with its own text one segment each."""
    tmp = tmp_path_factory.mktemp("item4")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("ARGOS_PACKAGES_DIR", str(tmp / "argos"))
        env.setenv("PIPELINE_CACHE_DIR", str(tmp / "cache"))
        for name in ("fi_en", "en_fi"):
            argos.install_archive(tiny_packages[name])
        source = tmp / "seed.fi.txt"
        shutil.copyfile(ROOT / "corpus" / "personal-vs-virtual-assistants.fi.txt", source)
        (tmp / "seed.en.txt").write_text(ITEM4_REFERENCE, encoding="utf-8")
        out = tmp / "out"
        stages = [a for s in ITEM4_STAGES for a in ("--stage", s)]
        proc = run_cli("-q", "run", str(source), "--out-dir", str(out), *stages)
        assert proc.returncode == 0, proc.stderr
        before = _outputs(out)
        decisions = {
            "seed:b001:s02": {"remove": True},
            "seed:b001:s01": "Uusi lause.",
            "seed:b000:s00": "Uusi otsikko",  # it has the reference's English
            "seed:b002:s00": before["rows"]["b002:s00"]["fi"],  # its own text: its safe fix is dropped
        }
        review_yaml = yaml.safe_dump({"segments": decisions}, allow_unicode=True)
        (tmp / "seed.review.yaml").write_text(review_yaml, encoding="utf-8")
        proc = run_cli("run", str(source), "--out-dir", str(out), "--stage", "clean", "--stage", "align")
        assert proc.returncode == 0 and "warning" not in proc.stderr, proc.stderr
        return before, _outputs(out)


def test_item4_the_review_drops_units_only_for_removed_and_retranslation_less_segments(
    item4_runs: tuple[dict[str, Any], dict[str, Any]],
) -> None:
    before, after = item4_runs
    assert list(after["rows"]) == list(before["rows"])  # a row per segment still: ids join
    assert set(before["tmx"]) - set(after["tmx"]) == {"seed:b001:s01", "seed:b001:s02"}
    assert set(before["xliff"]) - set(after["xliff"]) == {"seed:b001:s02"}
    assert set(after["tmx"]) <= set(before["tmx"]) and set(after["xliff"]) <= set(before["xliff"])


class Reviewed(NamedTuple):
    """A case: one segment's row, TMX unit and XLIFF unit after the review (FI: the row's original
    Finnish; BEFORE: as without the review file; a unit of None: no unit)."""

    segment: str
    fi_clean: str
    en: str | None
    status: str
    triage: tuple[str, list[str]] | str
    tmx: dict[str, Any] | str | None  # en, props, notes after the first
    xliff: dict[str, Any] | str | None  # target (text, state), notes after the first


TITLE_EN = "Distinguishing Personal Assistant and Virtual Assistant"
REPLACED_TRIAGE = (TRIAGE_REVIEW, [REASON_REPLACED])
ITEM4_CASES = [
    # Removed: a row that says so, with no Finnish and no English; no unit in the TMX or XLIFF.
    pytest.param(
        Reviewed("b001:s02", "", None, EN_REMOVED, (TRIAGE_REJECT, [REASON_REMOVED]), None, None),
        id="removed",
    ),
    # Replaced: the reviewer's Finnish; the English of the old text dropped: to be translated.
    pytest.param(
        Reviewed(
            "b001:s01",
            "Uusi lause.",
            None,
            EN_STALE_REPLACED,
            REPLACED_TRIAGE,
            None,
            {"target": ("", "needs-translation"), "notes": [RETRANSLATION_DROPPED]},
        ),
        id="replaced",
    ),
    # Replaced where the reference has English for it: that English stays, and the note says why.
    pytest.param(
        Reviewed(
            "b000:s00",
            "Uusi otsikko",
            None,
            EN_STALE_REPLACED,
            REPLACED_TRIAGE,
            {"en": TITLE_EN, "props": {"x-reviewer-decision": "replace"}, "notes": [REFERENCE_KEPT]},
            {"target": (TITLE_EN, "translated"), "notes": [REFERENCE_KEPT]},
        ),
        id="replaced-with-a-reference",
    ),
    # Replaced with the very text that was translated: its English still belongs to it.
    pytest.param(
        Reviewed(
            "b002:s00",
            FI,
            BEFORE,
            TRANSLATION_OK,
            (TRIAGE_REVIEW, ["1 open errors > 0"]),  # its safe fix is no longer applied
            {"en": BEFORE, "props": {}, "notes": []},
            {"target": (BEFORE, "translated"), "notes": []},
        ),
        id="replaced-with-the-same-text",
    ),
    pytest.param(
        Reviewed("b001:s03", BEFORE, BEFORE, TRANSLATION_OK, BEFORE, BEFORE, BEFORE), id="untouched"
    ),
]


@pytest.mark.parametrize("case", ITEM4_CASES)
def test_item4_reviewed_segments_in_the_dataset(
    item4_runs: tuple[dict[str, Any], dict[str, Any]], case: Reviewed
) -> None:
    before, after = item4_runs
    old, row = before["rows"][case.segment], after["rows"][case.segment]
    seg_id = f"seed:{case.segment}"

    def expected(value: object, was: object) -> object:
        return {FI: row["fi"], BEFORE: was}.get(value, value) if isinstance(value, str) else value

    assert old["en"] is not None and old["translation_status"] == TRANSLATION_OK  # the models ran
    assert row["fi"] == old["fi"]  # the MT sentence as it was
    assert row["fi_clean"] == expected(case.fi_clean, old["fi_clean"])
    assert row["en"] == expected(case.en, old["en"]) and row["translation_status"] == case.status
    if case.status != TRANSLATION_OK:  # nor the scores of the old text's English
        assert row["logprob"] is row["roundtrip"] is row["chrf"] is None
    assert row["en_reference"] == old["en_reference"]  # the reference's alignment is the same
    assert (row["decision"], row["reasons"]) == expected(case.triage, (old["decision"], old["reasons"]))

    tmx = after["tmx"].get(seg_id)
    if case.tmx is None or case.tmx == BEFORE:
        assert tmx == (None if case.tmx is None else before["tmx"][seg_id])
    else:
        assert isinstance(case.tmx, dict) and tmx is not None
        assert tmx["fi"] == row["fi_clean"] and tmx["props"] == case.tmx["props"]
        assert tmx["en"] == expected(case.tmx["en"], before["tmx"][seg_id]["en"])
        assert tmx["notes"] == [f"{seg_id}: {row['decision']}", *case.tmx["notes"]]

    xlf = after["xliff"].get(seg_id)
    if case.xliff is None or case.xliff == BEFORE:
        assert xlf == (None if case.xliff is None else before["xliff"][seg_id])
    else:
        assert isinstance(case.xliff, dict) and xlf is not None
        text, state = case.xliff["target"]
        assert xlf["source"] == row["fi_clean"]
        assert xlf["target"] == (expected(text, before["xliff"][seg_id]["target"][0]), state)
        assert xlf["notes"] == [
            f"triage: {row['decision']} ({'; '.join(row['reasons'])})",
            *case.xliff["notes"],
        ]


# --- items 5 and 10: YAML and TOML inputs; Markdown escaping -----------------------------------------


# --- items 6 and 7: model archives; a misbehaving LanguageTool ---------------------------------------


# --- items 8 and 9: output paths, malformed intermediate files, signals; long sentences --------------
