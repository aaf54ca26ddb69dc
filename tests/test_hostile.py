"""Hostile inputs and faults (issue 13): each case a row of a table, each asserting the exit code,
the one-line message, that no traceback is printed, and that earlier outputs are unchanged.

Sections follow the issue's items; each has its own case table.
"""

from __future__ import annotations

import codecs
import contextlib
import errno
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple
from xml.etree import ElementTree

import pytest
import yaml

from pipeline import argos, attributes, io, publish, triage
from pipeline import io as pipeline_io
from pipeline.check.voikko import VOIKKO_MAX_TOKENS
from pipeline.check.voikko import pieces as voikko_pieces
from pipeline.cli import main
from pipeline.dataset import REFERENCE_KEPT, RETRANSLATION_DROPPED
from pipeline.errors import InputError
from pipeline.finnish import tokenize, voikko
from pipeline.records import (
    EN_REMOVED,
    EN_STALE_REPLACED,
    REASON_REMOVED,
    REASON_REPLACED,
    TRANSLATION_OK,
    TRIAGE_REJECT,
    TRIAGE_REVIEW,
)
from pipeline.segment import segment_file, segment_text

from .test_cli import run_cli

ROOT = Path(__file__).resolve().parents[1]


def make(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """`make ARGS` in the repository (`cwd` is where the process starts; -C points make at it)."""
    return subprocess.run(
        ["make", "--no-print-directory", "-C", str(ROOT), *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=cwd,
    )


def assert_one_line_error(proc: subprocess.CompletedProcess[str], *fragments: str) -> str:
    """The process failed with one error line on stderr, no traceback, naming every fragment."""
    assert proc.returncode != 0, proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr
    lines = [line for line in proc.stderr.splitlines() if "error:" in line]
    assert len(lines) == 1, proc.stderr
    for fragment in fragments:
        assert fragment in lines[0], proc.stderr
    return lines[0]


def snapshot(directory: Path) -> dict[str, bytes]:
    """Every file under `directory` (relative path -> bytes)."""
    files = sorted(p for p in directory.rglob("*") if p.is_file())
    return {str(p.relative_to(directory)): p.read_bytes() for p in files}


# --- items 1-3 and 11: document names, consistency between stages, failing stages, messages ---------

SEED = ROOT / "corpus" / "personal-vs-virtual-assistants.fi.txt"
EDITS = {
    # An article edited after its segments were made: a word of the first paragraph changed ...
    "word-changed": ("virtuaalinen avustajien on saada", "virtuaalinen avustaja on saada"),
    # ... or text inserted before everything, which moves every offset.
    "text-inserted": ("Erotella", "Johdanto.\n\nErotella"),
}


@pytest.fixture(scope="module")
def seed_outputs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every stage's outputs for a copy of the seed (no translation model): corpus/ and out/."""
    root = tmp_path_factory.mktemp("seed")
    (root / "corpus").mkdir()
    shutil.copyfile(SEED, root / "corpus" / "seed.fi.txt")
    shutil.copyfile(
        SEED.with_name(SEED.name.replace(".fi.txt", ".schema.yaml")), root / "corpus" / "seed.schema.yaml"
    )
    proc = run_cli("-q", "run", str(root / "corpus" / "seed.fi.txt"), "--out-dir", str(root / "out"))
    assert proc.returncode == 0, proc.stderr
    return root


def copy_run(seed_outputs: Path, tmp_path: Path) -> tuple[Path, Path]:
    """A private copy of the seed's corpus file and outputs."""
    shutil.copytree(seed_outputs, tmp_path / "run")
    return tmp_path / "run" / "corpus" / "seed.fi.txt", tmp_path / "run" / "out"


@pytest.mark.parametrize("stage", ["clean", "publish"])
@pytest.mark.parametrize("edit", list(EDITS), ids=list(EDITS))
def test_a_stage_refuses_segments_of_another_version_of_the_source(
    seed_outputs: Path, tmp_path: Path, edit: str, stage: str
) -> None:
    source, out = copy_run(seed_outputs, tmp_path)
    old, new = EDITS[edit]
    source.write_text(source.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")
    before = snapshot(out)
    proc = run_cli("-q", "run", str(source), "--out-dir", str(out), "--stage", stage)
    assert_one_line_error(
        proc,
        f"{out / 'segments.jsonl'}: made from another version of {source}",
        "run its earlier stages again",
    )
    assert snapshot(out) == before
    assert "avustajienn" not in (out / "cleaned.fi.txt").read_text(encoding="utf-8")


# Two runs of different versions into one output directory: a file of the other version's run
# beside the segments of this one. (file, the stage that reads it)
MIXED = [("issues.jsonl", "clean"), ("changes.jsonl", "align"), ("changes.jsonl", "attributes")]


@pytest.mark.parametrize(("name", "stage"), MIXED, ids=[f"{n}-{s}" for n, s in MIXED])
def test_a_stage_refuses_files_of_another_run_beside_its_segments(
    seed_outputs: Path, tmp_path: Path, name: str, stage: str
) -> None:
    source, out = copy_run(seed_outputs, tmp_path)
    other = tmp_path / "other"
    edited = other / "corpus" / "seed.fi.txt"
    edited.parent.mkdir(parents=True)
    edited.write_text(source.read_text(encoding="utf-8").replace("Erotella", "Johdanto.\n\nErotella"))
    assert (
        run_cli(
            "-q",
            "run",
            str(edited),
            "--out-dir",
            str(other / "out"),
            "--stage",
            "segment",
            "--stage",
            "check",
            "--stage",
            "clean",
        ).returncode
        == 0
    )
    shutil.copyfile(other / "out" / name, out / name)
    before = snapshot(out)
    proc = run_cli("-q", "run", str(source), "--out-dir", str(out), "--stage", stage)
    assert_one_line_error(proc, f"{out / name}: made from another version of {out / 'segments.jsonl'}")
    assert snapshot(out) == before


def test_a_failing_stage_keeps_its_own_and_its_siblings_outputs(tmp_path: Path) -> None:
    """make documents with a bad review file: clean fails, and changes.jsonl, review.jsonl and
    cleaned.fi.txt of the run before stay as they were (make used to delete two of them)."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copyfile(SEED, corpus / "seed.fi.txt")
    out = tmp_path / "out"
    args = [f"CORPUS={corpus}", f"OUT={out}"]
    first = make(*args, f"{out}/seed/cleaned.fi.txt")
    assert first.returncode == 0, first.stderr
    before = snapshot(out)
    (corpus / "seed.review.yaml").write_text("decisions: [not, a, mapping\n", encoding="utf-8")
    proc = make(*args, f"{out}/seed/cleaned.fi.txt")
    assert_one_line_error(proc, str(corpus / "seed.review.yaml"))
    assert snapshot(out) == before


def test_the_index_lists_only_the_documents_still_in_the_corpus(seed_outputs: Path, tmp_path: Path) -> None:
    """`make documents` writes the index with --corpus: a removed document's old outputs are not listed."""
    root = tmp_path / "outputs"
    shutil.copytree(seed_outputs / "out", root / "seed")
    shutil.copytree(seed_outputs / "out", root / "removed")
    proc = run_cli("-q", "report-index", str(root), "--corpus", str(seed_outputs / "corpus"))
    assert proc.returncode == 0, proc.stderr
    index = (root / "index.html").read_text(encoding="utf-8")
    assert 'href="seed/report.html"' in index and "removed/report.html" not in index


def test_make_builds_every_other_document_beside_a_hostile_name_and_bad_bytes(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "good.fi.txt").write_text("Hyvä otsikko\n\nTämä on lyhyt kappale.\n", encoding="utf-8")
    (corpus / "x`id>PWNED`.fi.txt").write_text("Yksi lause.\n", encoding="utf-8")
    (corpus / "broken.fi.txt").write_bytes(b"Hyv\xe4 teksti")
    out = tmp_path / "out"
    proc = make(f"CORPUS={corpus}", f"OUT={out}", "WORKERS=0", cwd=tmp_path)
    assert proc.returncode != 0 and "Traceback" not in proc.stderr
    errors = [line for line in proc.stderr.splitlines() if "error:" in line]
    assert len(errors) == 2, proc.stderr
    assert "x`id>PWNED`" in errors[0] and "refused" in errors[0]
    assert f"{corpus / 'broken.fi.txt'}: not valid UTF-8" in errors[1]
    assert (out / "good" / "report.html").is_file()
    assert not list(tmp_path.rglob("PWNED")) and not (ROOT / "PWNED").exists()


def test_make_documents_quotes_the_paths_it_passes_to_the_shell(tmp_path: Path) -> None:
    # Spaces and ';' cannot be in a make target at all; these characters can, and a shell would run them.
    corpus = tmp_path / "c`id>PWNED`"
    corpus.mkdir()
    (corpus / "good.fi.txt").write_text("Hyvä otsikko\n\nTämä on lyhyt kappale.\n", encoding="utf-8")
    out = tmp_path / "o`id>PWNED`"
    proc = make(f"CORPUS={corpus}", f"OUT={out}", f"{out}/good/segments.jsonl", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert (out / "good" / "segments.jsonl").is_file()
    assert not list(tmp_path.rglob("PWNED")) and not (ROOT / "PWNED").exists()


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


# What the seed run below reads from where: the stage that reads the file, and its name beside the seed
# (the triage config is named by PIPELINE_TRIAGE instead).
CONFIG_FILES = {
    "review": ("clean", "seed.review.yaml"),
    "glossary": ("clean", "glossary.tsv"),
    "schema": ("attributes", "seed.schema.yaml"),
    "triage": ("align", "strict-triage.toml"),
}


def billion_laughs(levels: int = 10, width: int = 10) -> str:
    """A review file of nested aliases: about a kilobyte that expands to width ** levels strings."""
    lines = ["changes:", f"  a0: &a0 [{', '.join(['lol'] * width)}]"]
    lines += [f"  a{k}: &a{k} [{', '.join([f'*a{k - 1}'] * width)}]" for k in range(1, levels)]
    return "\n".join(lines) + "\n"


ROLES = (
    "roles:\n"
    "  - {id: a, fi: a, en: a, cues_fi: [avustaja]}\n"
    "  - {id: b, fi: b, en: b, cues_fi: [virtuaalinen]}\n"
)
ATTRIBUTES = "attributes:\n  - {id: c, fi: c, en: c, cues_fi: [toimistotila]}\n"
# (id, config file, its bytes, what the one error line must say besides the file name)
CONFIG_CASES = [
    (
        "review-billion-laughs",
        "review",
        billion_laughs(),
        ["line 2: anchors (&) and aliases (*) are not accepted"],
    ),
    ("review-alias", "review", "segments:\n  x: *y\n", ["line 2: anchors (&) and aliases (*)"]),
    ("review-merge-key", "review", "changes:\n  x: {<<: *base}\n", ["line 2: anchors"]),
    ("review-duplicate-key", "review", "changes:\n  x: reject\n  x: accept\n", ["line 3: duplicate key 'x'"]),
    (
        "review-duplicate-section",
        "review",
        "changes: {}\nsegments: {}\nchanges: {}\n",
        ["line 3: duplicate key"],
    ),
    (
        "review-unknown-key",
        "review",
        "decisions: {}\n",
        ["unknown key 'decisions' (valid: changes, segments)"],
    ),
    (
        "review-unknown-entry-key",
        "review",
        "changes:\n  x: {decision: reject, because: y}\n",
        ["changes.x: unknown key 'because' (valid: decision, was)"],
    ),
    (
        "review-deep-nesting",
        "review",
        "changes: " + "[" * 5000 + "\n",
        ["line 1: nested deeper than 50 levels"],
    ),
    ("review-long-value", "review", "changes:\n  x: " + "A" * 5000 + "\n", ["decision must be one of", "…"]),
    ("review-python-tag", "review", "changes: !!python/object/apply:os.system [ls]\n", ["not valid YAML"]),
    ("review-not-utf8", "review", b"changes:\n  x: reject \xe4\n", ["not valid UTF-8", "byte offset 21"]),
    (
        "schema-unknown-key",
        "schema",
        ROLES + ATTRIBUTES + "notes: x\n",
        ["unknown key 'notes' (valid: roles"],
    ),
    (
        "schema-unknown-entry-key",
        "schema",
        ROLES.replace("cues_fi: [avustaja]", "cue_fi: [avustaja]") + ATTRIBUTES,
        ["roles[0]: unknown key 'cue_fi' (valid: id, fi, en, cues_fi, cues_en)"],
    ),
    (
        "schema-anchor",
        "schema",
        ROLES + "attributes: &x\n  - {id: c, fi: c, en: c, cues_fi: [c]}\n",
        ["line 4: anchors"],
    ),
    ("schema-duplicate-key", "schema", ROLES + ATTRIBUTES + "roles: []\n", ["line 6: duplicate key 'roles'"]),
    ("schema-not-utf8", "schema", ROLES.encode() + b"attributes: \xff\n", ["not valid UTF-8"]),
    (
        "triage-unknown-section",
        "triage",
        "[review]\nmax_warnings = 1\n[publish]\nmin_chrf = 80\n",
        ["unknown section 'publish'; known: reject, review"],
    ),
    (
        "triage-unknown-key",
        "triage",
        "[review]\nmax_warning = 1\n",
        ["[review]: unknown setting 'max_warning'"],
    ),
    (
        "triage-chrf-range",
        "triage",
        "[reject]\nmin_chrf = 120\n",
        ["[reject] min_chrf: 120 is out of range (expected a number from 0 to 100)"],
    ),
    ("triage-chrf-nan", "triage", "[review]\nmin_chrf = nan\n", ["min_chrf: nan is out of range"]),
    (
        "triage-logprob-range",
        "triage",
        "[review]\nmin_logprob = 0.5\n",
        ["min_logprob: 0.5 is out of range (expected a number ≤ 0)"],
    ),
    (
        "triage-negative-count",
        "triage",
        "[review]\nmax_warnings = -1\n",
        ["max_warnings: expected a whole number ≥ 0, not -1"],
    ),
    (
        "triage-fractional-count",
        "triage",
        "[reject]\nmax_open_errors = 1.5\n",
        ["expected a whole number ≥ 0, not 1.5"],
    ),
    (
        "triage-duplicate-key",
        "triage",
        "[review]\nmax_warnings = 1\nmax_warnings = 2\n",
        ["not valid TOML", "line 3"],
    ),
    ("triage-not-utf8", "triage", b"# \xe4\n[review]\n", ["not valid UTF-8", "byte offset 2"]),
    (
        "glossary-not-utf8",
        "glossary",
        b"en\tfi\nvirtual assistant\tvirtuaaliavustaja \xe4\n",
        ["not valid UTF-8"],
    ),
]


@pytest.mark.parametrize(
    ("kind", "content", "fragments"), [c[1:] for c in CONFIG_CASES], ids=[c[0] for c in CONFIG_CASES]
)
def test_a_bad_config_file_is_one_line_and_changes_nothing(
    seed_outputs: Path, tmp_path: Path, kind: str, content: str | bytes, fragments: list[str]
) -> None:
    shutil.copytree(seed_outputs, tmp_path, dirs_exist_ok=True)
    stage, name = CONFIG_FILES[kind]
    config = tmp_path / "corpus" / name
    config.write_bytes(content.encode() if isinstance(content, str) else content)
    before = snapshot(tmp_path / "out")
    env = {**os.environ, "PIPELINE_TRIAGE": str(config)} if kind == "triage" else None
    proc = run_cli(
        "run",
        str(tmp_path / "corpus" / "seed.fi.txt"),
        "--out-dir",
        str(tmp_path / "out"),
        "--stage",
        stage,
        env=env,
    )
    assert proc.returncode == 1
    line = assert_one_line_error(proc, f"pipeline: error: {config}: ", *fragments)
    assert proc.stderr == line + "\n"
    assert len(line) < len(str(config)) + 200  # no expanded or long value in the message
    assert snapshot(tmp_path / "out") == before


def test_a_billion_laughs_review_fails_fast(tmp_path: Path) -> None:
    path = tmp_path / "doc.review.yaml"
    path.write_text(billion_laughs(), encoding="utf-8")
    assert path.stat().st_size < 1400  # under the 1.3 KB of the issue; 10 ** 10 strings once expanded
    t0 = time.perf_counter()
    with pytest.raises(InputError) as caught:
        io.read_yaml(path)
    assert time.perf_counter() - t0 < 0.5
    assert caught.value.problem == "line 2: anchors (&) and aliases (*) are not accepted"


def test_the_seed_schema_and_default_triage_are_accepted() -> None:
    schema = attributes.load_schema(ROOT / "corpus" / "personal-vs-virtual-assistants.schema.yaml")
    assert len(schema.roles) == 2
    reject, review, name = triage.load(triage.DEFAULT_CONFIG)
    assert name == "triage.toml" and reject.min_chrf == 20.0 and review.require_scores


# Text that Markdown would read as markup or HTML; each must render as itself (a cell on one line).
MARKDOWN_CASES = [
    ("pipe", "a | b ja \\| c"),
    ("script", "<script>alert(1)</script> ja <b>lihava</b>"),
    ("emphasis", "*tähti*, **kaksi** ja _alaviiva_ sekä __kaksi__"),
    ("link", "[x](y) ja ![kuva](k.png) ja [viite][1]"),
    ("autolink", "<http://example.com> ja <a@b.fi>"),
    ("backticks", "`koodi` ja ``kaksi``"),
    ("heading", "# ei otsikko"),
    ("entities", "&lt;b&gt; &amp; &#42; &copy;"),
    ("quote-and-lists", "> ei lainaus"),
    ("ordered", "1. ei lista"),
    ("plus", "+ ei lista"),
    ("strike-and-backslash", "~~yli~~ \\* \\"),
    ("unicode", "Kissa 🐈 ÄÖÅ – «lainaus»"),
]


def rendered_text(markdown_text: str, link_prefix: str | None = None) -> list[str]:
    """The text of each inline run of a Markdown document; an AssertionError where any is markup
    (but links to `link_prefix…`, when given: the text of one is kept, its target dropped)."""
    from markdown_it import MarkdownIt  # noqa: PLC0415

    out = []
    for token in MarkdownIt("commonmark").enable("table").parse(markdown_text):
        assert token.type != "html_block", markdown_text
        if token.type == "inline":
            children = token.children or []
            links = [c for c in children if c.type == "link_open"]
            assert link_prefix is not None or not links, markdown_text
            assert all(str(c.attrs.get("href", "")).startswith(link_prefix or "") for c in links)
            kinds = {c.type for c in children} - ({"link_open", "link_close"} if link_prefix else set())
            assert kinds <= {"text", "softbreak"}, (markdown_text, kinds)
            out.append(
                "".join(
                    c.content if c.type == "text" else "" if c.type.startswith("link") else "\n"
                    for c in children
                )
            )
    return out


@pytest.mark.parametrize("text", [t for _, t in MARKDOWN_CASES], ids=[i for i, _ in MARKDOWN_CASES])
def test_published_markdown_renders_article_text_as_text(text: str) -> None:
    source = f"Otsikko\n\nTavallinen kappale.\n\n{text}\n"
    result = publish.publish_text(source, segment_text("doc", source), [], {})
    assert rendered_text(result.markdown) == ["Otsikko", "Tavallinen kappale.", text]


@pytest.mark.parametrize(
    "text",
    [t for _, t in MARKDOWN_CASES] + ["kaksi\nriviä\r\nkolme", ""],
    ids=[i for i, _ in MARKDOWN_CASES] + ["newlines", "empty"],
)
def test_comparison_cells_and_labels_render_as_text(text: str) -> None:
    label = text or "tyhjä"
    cue = (attributes.Cue("x", (frozenset({"x"}),)),)
    schema = attributes.Schema(
        (attributes.Role("a", label, "a", cue), attributes.Role("b", "b", "b", cue)),
        (attributes.Attribute("c", label + " ominaisuus", label, cue),),
    )
    row = attributes.RoleAttribute(
        "doc", "a", "c", "positive", text, "", "", "doc:b001:s00", "s-1-0", text, 0.9, "mention"
    )
    table = attributes.comparison_markdown(schema, [row] if text else [])
    one_line = " ".join(label.splitlines())
    cell = " ".join(text.splitlines()) + " (yes)" if text else "–"
    # One table: a header of three cells and one row of three, each cell its text (the value a link
    # to its segment in the report, then its direction).
    assert rendered_text(table, "report.html#s-1-0") == [
        "ominaisuus (attribute)",
        f"{one_line} (a)",
        "b",
        f"{one_line} ominaisuus ({one_line})",
        cell,
        "–",
    ]
    assert len(table.splitlines()) == 3


# --- items 6 and 7: model archives; a misbehaving LanguageTool ---------------------------------------

# (imports here, in this section, so that the sections of this file merge without conflicts)
import http.server  # noqa: E402
import stat  # noqa: E402
import struct  # noqa: E402
import threading  # noqa: E402
import zipfile  # noqa: E402
from collections.abc import Iterator  # noqa: E402

import pytest  # noqa: E402

MiB = 1 << 20


def repack(src: Path, out: Path, extra: dict[str, bytes] | None = None, link: str | None = None) -> Path:
    """The `.argosmodel` `src` again at `out`, with `extra` members (names inside its top directory,
    or absolute/`..` names as they are) and a symbolic link member `link`."""
    with (
        zipfile.ZipFile(src) as zin,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zout,
    ):
        root = zin.namelist()[0].split("/")[0]
        for info in zin.infolist():
            zout.writestr(info, zin.read(info))
        for name, data in (extra or {}).items():
            zout.writestr(name if name.startswith(("/", "..")) else f"{root}/{name}", data)
        if link is not None:
            info = zipfile.ZipInfo(f"{root}/{link}")
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            zout.writestr(info, "/etc/passwd")
    return out


def declare(path: Path, member: str, size: int) -> Path:
    """Make the zip's central directory claim `size` unpacked bytes for `member` (a lying header)."""
    data = bytearray(path.read_bytes())
    name = next(n for n in zipfile.ZipFile(path).namelist() if n.endswith(member)).encode()
    header = data.rindex(name) - 46  # the central directory's entry comes last; its name at +46
    assert data[header : header + 4] == b"PK\x01\x02"
    struct.pack_into("<I", data, header + 24, size)
    path.write_bytes(bytes(data))
    return path


def noise(size: int) -> bytes:
    """`size` bytes that do not compress (deterministic)."""
    import hashlib  # noqa: PLC0415

    blocks = (hashlib.sha256(i.to_bytes(8, "big")).digest() for i in range(size // 32 + 1))
    return b"".join(blocks)[:size]


def bomb(base: Path, out: Path, kind: str) -> Path:
    """A hostile variant of the tiny package `base`."""
    if kind == "zeros-16m":
        return repack(base, out, {"model/zeros.bin": bytes(16 * MiB)})
    if kind == "zeros-8m":
        return repack(base, out, {"model/zeros.bin": bytes(8 * MiB)})
    if kind == "claims-4g":  # 4.5 MB that says it unpacks to 4 GiB
        return declare(repack(base, out, {"model/big.bin": noise(4 * MiB)}), "model/big.bin", 0xFFFFFFF0)
    if kind == "hides-3m":  # says 1,000 bytes and holds 3 MiB
        return declare(repack(base, out, {"model/big.bin": noise(3 * MiB)}), "model/big.bin", 1000)
    if kind == "absolute":
        return repack(base, out, {"/tmp/evil.txt": b"x"})
    if kind == "dotdot":
        return repack(base, out, {"../evil.txt": b"x"})
    if kind == "symlink":
        return repack(base, out, link="model/evil")
    return repack(base, out)


ARCHIVE_CASES = [
    pytest.param(
        "claims-4g",
        {},
        ("refused: the archive unpacks to 4.0 GiB, over the limit of 2.0 GiB", argos.ENV_MAX_SIZE),
        id="declares-4GiB-default-limit",
    ),
    pytest.param(
        "zeros-16m",
        {argos.ENV_MAX_SIZE: "8M"},
        ("refused: the archive unpacks to 19.4 MiB, over the limit of 8.0 MiB",),
        id="size-limit-from-env",
    ),
    pytest.param(
        "zeros-8m",
        {},
        (
            "refused: 'translate-fi_en-0_0_1/model/zeros.bin' unpacks to 8.0 MiB",
            "ratio over 20:1",
            argos.ENV_MAX_RATIO,
        ),
        id="zip-bomb-ratio",
    ),
    pytest.param("plain", {argos.ENV_MAX_RATIO: "5"}, ("ratio over 5:1",), id="ratio-limit-from-env"),
    pytest.param(
        "hides-3m", {argos.ENV_MAX_SIZE: "4M"}, ("corrupt archive: bad CRC",), id="declared-size-lies"
    ),
    pytest.param("absolute", {}, ("unsafe archive: absolute path",), id="absolute-path"),
    pytest.param("dotdot", {}, ("leaves the package directory",), id="dotdot-path"),
    pytest.param("symlink", {}, ("is a symbolic link",), id="symlink"),
    pytest.param(
        "plain", {argos.ENV_MAX_SIZE: "lots"}, ("PIPELINE_MODEL_MAX_SIZE='lots'",), id="bad-size-setting"
    ),
    pytest.param(
        "plain", {argos.ENV_MAX_RATIO: "0"}, ("PIPELINE_MODEL_MAX_RATIO='0'",), id="bad-ratio-setting"
    ),
]


@pytest.mark.parametrize(("kind", "env", "fragments"), ARCHIVE_CASES)
def test_hostile_model_archive_is_refused(  # noqa: PLR0917 - the case's three and three fixtures
    kind: str,
    env: dict[str, str],
    fragments: tuple[str, ...],
    installed: Path,
    tiny_packages: dict[str, Path],
    tmp_path: Path,
) -> None:
    archive = bomb(tiny_packages["fi_en"], tmp_path / "bomb.argosmodel", kind)
    assert archive.stat().st_size < 5 * MiB
    before = snapshot(installed.parent)  # the packages, and no staging directory left beside them
    proc = run_cli("models", "install", str(archive), env={**os.environ, **env})
    assert proc.returncode == 1
    line = assert_one_line_error(proc, "pipeline: error:", *fragments)
    assert line.startswith("pipeline: error: ") and (str(archive) in line or "=" in line)
    assert snapshot(installed.parent) == before


def test_model_digest_is_stored_at_install_and_computed_once_for_older_installs(
    argos_home: Path, tiny_packages: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    proc = run_cli("models", "install", str(tiny_packages["fi_en"]))  # the limits' defaults pass it
    assert proc.returncode == 0, proc.stderr
    [package] = argos.installed_packages()
    stored = package.path / argos.DIGEST_FILE
    assert stored.is_file()
    argos._fingerprint.cache_clear()

    def no_reading(*args: object) -> str:
        raise AssertionError("the digest was computed again")

    with monkeypatch.context() as m:
        m.setattr(argos, "_compute_digest", no_reading)
        digest = package.fingerprint()  # read from the stored file
    assert digest == argos._compute_digest(package.path, argos._files_signature(package.path))
    stored.unlink()  # an install from before the digest was stored
    argos._fingerprint.cache_clear()
    assert package.fingerprint() == digest and stored.is_file()  # computed once, and stored
    (package.path / "model" / "config.json").write_text("{}", encoding="utf-8")  # a changed package
    argos._fingerprint.cache_clear()
    assert package.fingerprint() != digest


# A LanguageTool that misbehaves: its health check, languages and check replies per mode.
LANGUAGES = [{"name": "English (US)", "code": "en", "longCode": "en-US"}]
MATCH = {
    "message": "Possible typo",
    "replacements": [{"value": "day"}],
    "offset": 10_000,  # far outside any paragraph
    "length": 4,
    "context": {"text": "days", "offset": 0, "length": 4},
    "rule": {"id": "X", "issueType": "misspelling", "category": {"id": "TYPOS"}},
}
CHECK_REPLIES: dict[str, tuple[int, bytes]] = {
    "not-json": (200, b"<html><body>Service temporarily busy</body></html>"),
    "not-utf8": (200, b'{"matches": [], "note": "caf\xe9"}'),
    "no-matches": (200, json.dumps({"software": {"name": "LanguageTool"}}).encode()),
    "bad-offset": (200, json.dumps({"matches": [MATCH]}).encode()),
    "http-503": (503, b"Service Unavailable"),
    "http-413": (413, b"Error: text too long"),
}


class FakeLanguageTool(http.server.ThreadingHTTPServer):
    """A server on 127.0.0.1 that answers as `mode` says (see CHECK_REPLIES; `hangs`: never answers
    a check; `*-everywhere`: the health check too)."""

    daemon_threads = True

    def __init__(self, mode: str) -> None:
        super().__init__(("127.0.0.1", 0), FakeHandler)
        self.mode = mode
        self.stopping = threading.Event()
        self.checks = 0  # check requests answered

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/"


class FakeHandler(http.server.BaseHTTPRequestHandler):
    server: FakeLanguageTool

    def log_message(self, format: str, *args: object) -> None:
        pass

    def reply(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def answer(self, normal: tuple[int, bytes]) -> None:
        mode = self.server.mode
        if mode.startswith("hangs") and (mode.endswith("everywhere") or self.path.startswith("/v2/check")):
            self.server.stopping.wait(30)
        elif mode == "http-500-everywhere":
            self.reply(500, b"Internal Server Error")
        else:
            self.reply(*normal)

    def do_GET(self) -> None:
        self.answer((200, json.dumps(LANGUAGES).encode()) if "languages" in self.path else (200, b"OK"))

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.server.checks += 1  # (one client at a time)
        if self.server.mode == "http-503-after-first" and self.server.checks > 1:
            self.reply(503, b"Service Unavailable")
            return
        self.answer(CHECK_REPLIES.get(self.server.mode, (200, b'{"matches": []}')))


@pytest.fixture
def fake_lt(request: pytest.FixtureRequest) -> Iterator[FakeLanguageTool]:
    server = FakeLanguageTool(request.param)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.stopping.set()
        server.shutdown()
        server.server_close()
        thread.join(10)


@pytest.fixture(scope="module")
def translated(tiny_packages: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seed's segments and translations (the tiny packages), then earlier check-en outputs."""
    base = tmp_path_factory.mktemp("translated")
    packages = base / "packages"
    for name in ("fi_en", "en_fi"):
        argos.install_archive(tiny_packages[name], packages)
    out = base / "out"
    env = {**os.environ, "ARGOS_PACKAGES_DIR": str(packages), "PIPELINE_CACHE_DIR": str(base / "cache")}
    proc = run_cli(
        "run", str(SEED), "--out-dir", str(out), "--stage", "segment", "--stage", "translate", env=env
    )
    assert proc.returncode == 0, proc.stderr
    assert any(json.loads(line)["status"] == "ok" for line in (out / "translations.jsonl").open())
    for name in ("issues.en.jsonl", "cleaned.en.txt", "changes.en.jsonl"):
        (out / name).write_text("earlier output\n", encoding="utf-8")
    return out


SEED = ROOT / "corpus" / "personal-vs-virtual-assistants.fi.txt"
FAST = {"LT_REQUEST_TIMEOUT": "0.5", "LT_REQUEST_RETRIES": "1"}
LT_CASES = [
    pytest.param("not-json", FAST, ("a reply that is not JSON",), id="not-json"),
    pytest.param("not-utf8", FAST, ("a reply that is not UTF-8",), id="not-utf8"),
    pytest.param("no-matches", FAST, ("a reply without the field 'matches'",), id="no-matches"),
    pytest.param(
        "bad-offset", FAST, ("a match at offset 10000, length 4: outside the",), id="offset-out-of-range"
    ),
    pytest.param("http-503", FAST, ("HTTP 503 on each of 2 tries", "0 of"), id="http-5xx-on-checks"),
    pytest.param(
        "http-500-everywhere",
        FAST,
        ("no LanguageTool server answers there (HTTP Error 500",),
        id="http-5xx-everywhere",
    ),
    pytest.param(
        "hangs",
        FAST,
        ("stopped answering", "no answer within 0.5 s on each of 2 tries"),
        id="never-answers-a-check",
    ),
    pytest.param("hangs-everywhere", FAST, ("no answer within 0.5 s",), id="never-answers"),
    pytest.param(
        "ok", {"LT_REQUEST_TIMEOUT": "soon"}, ("LT_REQUEST_TIMEOUT='soon'",), id="bad-timeout-setting"
    ),
    pytest.param(
        "ok", {"LT_REQUEST_RETRIES": "100"}, ("LT_REQUEST_RETRIES='100'",), id="bad-retries-setting"
    ),
]


@pytest.mark.parametrize(("fake_lt", "env", "fragments"), LT_CASES, indirect=["fake_lt"])
def test_misbehaving_languagetool_ends_check_en_with_one_line(
    fake_lt: FakeLanguageTool,
    env: dict[str, str],
    fragments: tuple[str, ...],
    translated: Path,
    tmp_path: Path,
) -> None:
    out = tmp_path / "out"
    shutil.copytree(translated, out)
    before = snapshot(out)
    started = time.monotonic()
    proc = run_cli(
        "run",
        str(SEED),
        "--out-dir",
        str(out),
        "--stage",
        "check-en",
        env={**os.environ, "LT_SERVER_URL": fake_lt.url, **env},
    )
    assert time.monotonic() - started < 30
    assert proc.returncode == 1
    url = "" if "setting" in str(fragments) or "=" in fragments[0] else fake_lt.url
    assert_one_line_error(proc, "pipeline: error: ", url, *fragments)
    assert snapshot(out) == before


@pytest.mark.parametrize(
    ("fake_lt", "code", "fragments"),
    [
        # 5xx after a good answer: three paragraphs become internal-error issues, the fourth ends it.
        pytest.param(
            "http-503-after-first",
            1,
            ("HTTP 503 on each of 2 tries", "4 of 16 paragraphs were checked", "issues.en.jsonl.partial"),
            id="http-5xx-mid-run",
        ),
        pytest.param("http-413", 0, (), id="http-4xx-is-an-issue-of-the-paragraph"),
    ],
    indirect=["fake_lt"],
)
def test_languagetool_failing_on_some_paragraphs(
    fake_lt: FakeLanguageTool, code: int, fragments: tuple[str, ...], translated: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    shutil.copytree(translated, out)
    before = snapshot(out)
    env = {**os.environ, "LT_SERVER_URL": fake_lt.url, **FAST}
    proc = run_cli("run", str(SEED), "--out-dir", str(out), "--stage", "check-en", env=env)
    assert proc.returncode == code, proc.stderr
    after = snapshot(out)
    if code:
        assert_one_line_error(proc, "pipeline: error: ", fake_lt.url, *fragments)
        assert {k: after[k] for k in before} == before  # the outputs as they were, beside .partial files
        partial = [json.loads(line) for line in after["issues.en.jsonl.partial"].decode().splitlines()]
        assert [i["rule"] for i in partial] == ["languagetool:failed"] * 3
    else:
        issues = [json.loads(line) for line in after["issues.en.jsonl"].decode().splitlines()]
        assert issues and {(i["category"], i["rule"]) for i in issues} == {
            ("internal-error", "languagetool:failed")
        }
        assert "HTTP 413" in issues[0]["message"]


# --- items 8 and 9: output paths, malformed intermediate files, signals; long sentences --------------

SEED = ROOT / "corpus" / "personal-vs-virtual-assistants.fi.txt"


def main_in_process(capsys: pytest.CaptureFixture[str], *args: str) -> subprocess.CompletedProcess[str]:
    """`pipeline ARGS` run by cli.main in this process, as a finished process for the assertions."""
    code = main(list(args))
    out, err = capsys.readouterr()
    return subprocess.CompletedProcess(list(args), code, out, err)


def temp_files(directory: Path) -> list[Path]:
    """Temporary files of atomic writes left under `directory`."""
    return [p for p in directory.rglob("*") if p.name.endswith(".tmp")]


# Output paths that cannot be written: (id, arguments after the seed, fragments of the message).
# `{tmp}` is the test's directory, which holds `a-dir/`, `a-file` and `previous.jsonl`.
OUTPUT_CASES = [
    ("out-is-a-directory", ["segment", "{seed}", "-o", "{tmp}/a-dir"], ["a-dir: is a directory"]),
    ("out-under-a-file", ["segment", "{seed}", "-o", "{tmp}/a-file/x.jsonl"], ["it is a file"]),
    (
        "out-dir-under-a-file",
        ["run", "{seed}", "--out-dir", "{tmp}/a-file/out", "--stage", "segment"],
        ["a-file"],
    ),
    ("full-device", ["segment", "{seed}", "-o", "/dev/full"], ["/dev/full: cannot write: No space left"]),
]


@pytest.mark.parametrize(
    ("args", "fragments"), [c[1:] for c in OUTPUT_CASES], ids=[c[0] for c in OUTPUT_CASES]
)
def test_unwritable_output_is_one_line(tmp_path: Path, args: list[str], fragments: list[str]) -> None:
    (tmp_path / "a-dir").mkdir()
    (tmp_path / "a-dir" / "kept.txt").write_text("kept\n", encoding="utf-8")
    (tmp_path / "a-file").write_text("a file\n", encoding="utf-8")
    (tmp_path / "previous.jsonl").write_text("previous\n", encoding="utf-8")
    before = snapshot(tmp_path)
    proc = run_cli(*(a.format(seed=SEED, tmp=tmp_path) for a in args))
    assert proc.returncode == 1
    assert_one_line_error(proc, "pipeline: error: ", *fragments)
    assert snapshot(tmp_path) == before


def _fail_with(error: OSError) -> Callable[..., Any]:
    def fail(*args: object, **kwargs: object) -> Any:
        raise error

    return fail


# Faults of the file system, made in-process: (id, what to patch in pipeline.io's os/tempfile, error).
FAULT_CASES = [
    ("disk-full-on-fsync", "os.fsync", OSError(errno.ENOSPC, "No space left on device")),
    ("quota-on-fsync", "os.fsync", OSError(errno.EDQUOT, "Disk quota exceeded")),
    ("unwritable-directory", "tempfile.mkstemp", PermissionError(errno.EACCES, "Permission denied", "x")),
    ("rename-fails", "os.replace", OSError(errno.EXDEV, "Invalid cross-device link", "x", None, "y")),
]


@pytest.mark.parametrize(("target", "error"), [c[1:] for c in FAULT_CASES], ids=[c[0] for c in FAULT_CASES])
def test_write_fault_is_one_line_and_keeps_the_old_output(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    target: str,
    error: OSError,
) -> None:
    out = tmp_path / "segments.jsonl"
    out.write_text("previous\n", encoding="utf-8")
    before = snapshot(tmp_path)
    module, name = target.split(".")
    monkeypatch.setattr(getattr(pipeline_io, module), name, _fail_with(error))
    proc = main_in_process(capsys, "segment", str(SEED), "-o", str(out))
    assert proc.returncode == 1
    assert_one_line_error(proc, f"pipeline: error: {out}: cannot write: {error.strerror}")
    assert snapshot(tmp_path) == before


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write into any directory")
def test_read_only_directory(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        proc = run_cli("segment", str(SEED), "-o", str(locked / "segments.jsonl"))
    finally:
        locked.chmod(0o700)
    assert_one_line_error(proc, "segments.jsonl: cannot write: Permission denied")
    assert not list(locked.iterdir())


@pytest.fixture(scope="module")
def seed_workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An output directory with the seed's segments.jsonl and a hand-made issues.jsonl."""
    out = tmp_path_factory.mktemp("seed-out")
    assert main(["-q", "segment", str(SEED), "-o", str(out / "segments.jsonl")]) == 0
    seg = json.loads((out / "segments.jsonl").read_text(encoding="utf-8").splitlines()[2])
    issue = {
        "doc": seg["doc"],
        "segment": seg["id"],
        "start": seg["start"],
        "end": seg["start"] + 4,
        "category": "spelling",
        "rule": "voikko:spell",
        "severity": "info",
        "message": "m",
        "suggestions": [],
        "source": "voikko",
        "text": seg["text"][:4],
    }
    (out / "issues.jsonl").write_text(json.dumps(issue) + "\n" + json.dumps(issue) + "\n", encoding="utf-8")
    return out


Edit = str | Callable[[dict[str, Any]], object]


def _edit_row(path: Path, line: int, edit: Edit) -> None:
    """Change row `line` (from 1) of a JSONL file: `edit` is the new line, or changes the row's dict."""
    lines = path.read_text(encoding="utf-8").splitlines()
    row = json.loads(lines[line - 1])
    if isinstance(edit, str):
        lines[line - 1] = edit
    else:
        edit(row)
        lines[line - 1] = json.dumps(row, ensure_ascii=False)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


# Malformed intermediate files: (id, file, line, edit, fragments of the message after `file: `).
MALFORMED_CASES = [
    ("segments-bad-json", "segments.jsonl", 2, '{"id": ', ["line 2: not valid JSON"]),
    ("segments-not-an-object", "segments.jsonl", 4, "[1, 2]", ["line 4: expected a JSON object"]),
    (
        "segments-missing-field",
        "segments.jsonl",
        3,
        lambda r: r.pop("text"),
        ["line 3: field 'text': missing"],
    ),
    (
        "segments-wrong-type",
        "segments.jsonl",
        3,
        lambda r: r.update(start=str(r["start"])),
        ["line 3: field 'start': expected an integer, got a string"],
    ),
    (
        "segments-null",
        "segments.jsonl",
        5,
        lambda r: r.update(block=None),
        ["line 5: field 'block': expected an integer, got null"],
    ),
    (
        "segments-offsets-reversed",
        "segments.jsonl",
        3,
        lambda r: r.update(start=r["end"] + 1),
        ["line 3: field 'start': offsets"],
    ),
    (
        "segments-offsets-vs-text",
        "segments.jsonl",
        3,
        lambda r: r.update(end=r["end"] + 5),
        ["line 3: field 'end': offsets", "do not hold"],
    ),
    ("issues-bad-json", "issues.jsonl", 2, "{oops}", ["line 2: not valid JSON"]),
    (
        "issues-missing-field",
        "issues.jsonl",
        1,
        lambda r: r.pop("severity"),
        ["line 1: field 'severity': missing"],
    ),
    (
        "issues-wrong-list",
        "issues.jsonl",
        2,
        lambda r: r.update(suggestions="x"),
        ["line 2: field 'suggestions': expected a list"],
    ),
    (
        "issues-list-item",
        "issues.jsonl",
        2,
        lambda r: r.update(suggestions=["a", 3]),
        ["line 2: field 'suggestions[1]': expected a string"],
    ),
    (
        "issues-out-of-document",
        "issues.jsonl",
        2,
        lambda r: r.update(start=10**6, end=10**6 + 4),
        ["made from another version of", "segments.jsonl: line 2: its span 1000000-1000004 is not in"],
    ),
    (
        "issues-not-the-document-text",
        "issues.jsonl",
        1,
        lambda r: r.update(text="XXXX"),
        ["made from another version of", "segments.jsonl: line 1: its span"],
    ),
]


@pytest.mark.parametrize("case", [c[1:] for c in MALFORMED_CASES], ids=[c[0] for c in MALFORMED_CASES])
def test_malformed_intermediate_file(
    seed_workspace: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    case: tuple[str, int, Edit, list[str]],
) -> None:
    name, line, edit, fragments = case
    out = tmp_path / "out"
    shutil.copytree(seed_workspace, out)
    _edit_row(out / name, line, edit)
    before = snapshot(out)
    path = out / name
    # A stage given the file (check a segments file), or the clean stage finding it in its out-dir.
    if name == "segments.jsonl":
        proc = main_in_process(capsys, "check", str(path), "-o", str(out / "issues.jsonl"))
    else:
        proc = main_in_process(capsys, "run", str(SEED), "--out-dir", str(out), "--stage", "clean")
    assert proc.returncode == 1
    assert_one_line_error(proc, f"pipeline: error: {path}: ", *fragments)
    assert snapshot(out) == before


SIGNAL_CASES = [
    ("sigint", signal.SIGINT, 130, "pipeline: error: interrupted"),
    ("sigterm", signal.SIGTERM, 143, "pipeline: error: stopped (SIGTERM)"),
]


def wait_for_library(pid: int, fragment: str, timeout: float = 60) -> None:
    """Wait until process `pid` has mapped a shared library whose path holds `fragment`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError):
            if fragment in Path(f"/proc/{pid}/maps").read_text(encoding="utf-8", errors="replace"):
                return
        time.sleep(0.02)
    raise AssertionError(f"process {pid} never loaded {fragment}")


# When to send the signal: once the imports reach the venv's first C extension (the handler is set
# before them), or once Voikko is loaded and the parser is loading. Waiting on what the process has
# loaded, not on a time, keeps the case where it was meant to be on a busy machine.
START_UP = {"importing": ("site-packages", 0.0), "loading": ("libvoikko", 0.3)}


@pytest.mark.parametrize(
    ("sig", "code", "message"), [c[1:] for c in SIGNAL_CASES], ids=[c[0] for c in SIGNAL_CASES]
)
@pytest.mark.parametrize("phase", list(START_UP))
def test_signal_during_start_up(
    tmp_path: Path, sig: signal.Signals, code: int, message: str, phase: str
) -> None:
    out = tmp_path / "issues.jsonl"
    out.write_text("previous\n", encoding="utf-8")
    before = snapshot(tmp_path)
    proc = subprocess.Popen(
        [sys.executable, "-m", "pipeline", "check", str(SEED), "-o", str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    library, delay = START_UP[phase]
    wait_for_library(proc.pid, library)
    time.sleep(delay)
    proc.send_signal(sig)
    stdout, stderr = proc.communicate(timeout=60)
    done = subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr)
    assert done.returncode == code, stderr
    assert assert_one_line_error(done) == message
    assert stderr.strip() == message
    assert snapshot(tmp_path) == before


def test_sigterm_while_writing_leaves_no_temp_file(tmp_path: Path) -> None:
    """SIGTERM while an output is being written: the temporary file goes, the old output stays."""
    out = tmp_path / "out.txt"
    out.write_text("previous\n", encoding="utf-8")
    script = (
        "import os, signal, sys\n"
        "from pipeline import io\n"
        "from pipeline.cli import main\n"
        "from pipeline.errors import install_stop_handler, Stopped, end_of_signal\n"
        "install_stop_handler()\n"
        "try:\n"
        f"    with io.atomic_write({str(out)!r}) as handle:\n"
        "        handle.write('half')\n"
        "        os.kill(os.getpid(), signal.SIGTERM)\n"
        "        signal.pause()\n"
        "except Stopped as exc:\n"
        "    sys.exit(end_of_signal(exc))\n"
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=False)
    assert proc.returncode == 143
    assert_one_line_error(proc, "stopped (SIGTERM)")
    assert out.read_text(encoding="utf-8") == "previous\n"
    assert temp_files(tmp_path) == []


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


# Temporary files found in an output directory: (id, owner, age in seconds, removed?).
STALE_CASES = [
    ("killed-run", "dead", 60, True),
    ("running-writer", "alive", 0, False),
    ("pid-taken-by-a-newer-process", "alive", 10**6, True),
    ("not-ours", "none", 60, False),
]


@pytest.mark.parametrize(
    ("owner", "age", "removed"), [c[1:] for c in STALE_CASES], ids=[c[0] for c in STALE_CASES]
)
def test_stale_temp_files_removed_on_next_start(tmp_path: Path, owner: str, age: int, removed: bool) -> None:
    pid = {"dead": _dead_pid(), "alive": os.getppid(), "none": 0}[owner]
    name = f".segments.jsonl.pipeline-{pid}.k3j2h1g0.tmp" if owner != "none" else ".segments.jsonl.x1y2.tmp"
    stale = tmp_path / name
    stale.write_text("half", encoding="utf-8")
    then = time.time() - age
    os.utime(stale, (then, then))
    proc = run_cli("segment", str(SEED), "-o", str(tmp_path / "segments.jsonl"))
    assert proc.returncode == 0, proc.stderr
    assert stale.exists() is not removed


# Inputs in another encoding than UTF-8: (id, bytes, fragment of the message).
_TEXT = "Hyvää päivää. Tämä on suomea.\n"
ENCODING_CASES = [
    (
        "utf16-le-bom",
        _TEXT.encode("utf-16"),
        "is UTF-16 (little-endian, with a byte-order mark): save it as UTF-8",
    ),
    (
        "utf16-be-bom",
        codecs.BOM_UTF16_BE + _TEXT.encode("utf-16-be"),
        "is UTF-16 (big-endian, with a byte-order mark)",
    ),
    (
        "utf16-le",
        _TEXT.encode("utf-16-le"),
        "is UTF-16 (little-endian, no byte-order mark): save it as UTF-8",
    ),
    ("utf16-be", _TEXT.encode("utf-16-be"), "is UTF-16 (big-endian, no byte-order mark): save it as UTF-8"),
    ("utf32-bom", _TEXT.encode("utf-32"), "is UTF-32 (little-endian, with a byte-order mark)"),
    ("binary-is-still-binary", b"\x00\x01\x02\x03text\x00\xff", "binary content"),
    ("latin-1", _TEXT.encode("latin-1"), "not valid UTF-8"),
]


@pytest.mark.parametrize(
    ("data", "fragment"), [c[1:] for c in ENCODING_CASES], ids=[c[0] for c in ENCODING_CASES]
)
def test_other_encodings_are_named(tmp_path: Path, data: bytes, fragment: str) -> None:
    src = tmp_path / "doc.fi.txt"
    src.write_bytes(data)
    before = snapshot(tmp_path)
    proc = run_cli("segment", str(src), "-o", str(tmp_path / "segments.jsonl"))
    assert proc.returncode == 1
    assert_one_line_error(proc, f"pipeline: error: {src}: {fragment}")
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize(
    "stages",
    [["segment", "check"], ["segment", "check", "clean"]],
    ids=["segment-check", "segment-check-clean"],
)
def test_empty_input_warned_once(tmp_path: Path, stages: list[str]) -> None:
    src = tmp_path / "blank.fi.txt"
    src.write_text("\n  \n", encoding="utf-8")
    proc = run_cli(
        "run", str(src), "--out-dir", str(tmp_path / "out"), *(a for s in stages for a in ("--stage", s))
    )
    assert proc.returncode == 0, proc.stderr
    warnings = [line for line in proc.stderr.splitlines() if "empty or blank" in line]
    assert warnings == [f"pipeline: warning: {src}: empty or blank file; no segments"]


def _long_sentence(joiner: str, sentences: int) -> str:
    """One sentence of the seed's sentences joined by `joiner`, ending in a repeated word."""
    parts = [s.text.rstrip(".!?") for s in segment_file(SEED) if s.kind == "paragraph-sentence"]
    body = joiner.join(parts[:sentences])
    return f"{body}{joiner}se se toimii hyvin.\n"


# Sentences over libvoikko's limit: (id, text).
LONG_CASES = [
    ("clauses", _long_sentence(", ja ", 20)),
    ("no-punctuation", _long_sentence(" ja ", 20)),
    ("three-pieces", _long_sentence(", ja ", 31) + ""),
]


@pytest.mark.parametrize("text", [c[1] for c in LONG_CASES], ids=[c[0] for c in LONG_CASES])
def test_long_sentence_checked_in_pieces(tmp_path: Path, text: str) -> None:
    assert len(tokenize(text)) > VOIKKO_MAX_TOKENS
    # The limit is real: in one piece the installed libvoikko reports nothing, not even the repetition.
    assert list(voikko().grammarErrors(text.strip(), "fi")) == []
    src = tmp_path / "long.fi.txt"
    src.write_text(text, encoding="utf-8")
    proc = run_cli("check", str(src), "--checker", "voikko-grammar")
    assert proc.returncode == 0, proc.stderr
    issues = [json.loads(line) for line in proc.stdout.splitlines()]
    segments = {i["segment"] for i in issues}
    assert len(segments) == 1  # one sentence
    repeated = [i for i in issues if i["rule"] == "voikko:8"]
    assert [(i["start"], i["end"], i["text"]) for i in repeated] == [
        (text.index("se se"), text.index("se se") + 5, "se se")
    ]
    long = [i for i in issues if i["rule"] == "voikko:long-sentence"]
    assert len(long) == 1 and long[0]["severity"] == "info"
    assert all(text[i["start"] : i["end"]] == i["text"] for i in issues)
    # No issue about where the sentence was cut: a lowercase start or a missing full stop.
    pieces = voikko_pieces(text.strip())
    assert len(pieces) >= 2
    cut_starts = {p.start for p in pieces[1:]}
    assert not [i for i in issues if i["rule"] == "voikko:7" and i["start"] in cut_starts]
    assert all(text[p.end] == " " for p in pieces[:-1])
