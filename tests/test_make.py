"""End-to-end: `make` on a corpus, incremental rebuilds, parallel documents, `make help`, CI entry point."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from pipeline.stages import STAGES
from pipeline.workspace import FILES, Workspace

from .conftest import ROOT

pytestmark = pytest.mark.slow


def make(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["make", "--no-print-directory", "-C", str(ROOT), *args],
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture
def corpus(tmp_path: Path, seed_path: Path) -> Path:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copyfile(seed_path, corpus / "seed.fi.txt")
    (corpus / "second.fi.txt").write_text("Otsikko\n\nYksi lause. Toinen lause.\n", encoding="utf-8")
    return corpus


def test_make_runs_every_document_and_is_incremental(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    vars_ = [f"CORPUS={corpus}", f"OUT={out}"]
    first = make("-j2", *vars_)
    assert first.returncode == 0, first.stderr
    assert first.stdout.count("pipeline batch") == 1
    assert "batch: 2 documents, 2 built, 0 up to date, 0 failed" in first.stderr
    seed_segments = out / "seed" / "segments.jsonl"
    assert len(seed_segments.read_text(encoding="utf-8").splitlines()) == 31
    assert len((out / "second" / "segments.jsonl").read_text(encoding="utf-8").splitlines()) == 3
    assert (out / "seed" / "issues.jsonl").read_text(encoding="utf-8").count("adjective-noun-agreement") >= 9
    assert (out / "seed" / "report.html").read_text(encoding="utf-8").count('<article class="segment') == 31
    index = (out / "index.html").read_text(encoding="utf-8")
    assert 'href="second/report.html"' in index and 'href="seed/report.html"' in index

    second = make(*vars_)
    assert second.returncode == 0
    assert "batch: 2 documents, 0 built, 2 up to date, 0 failed" in second.stderr

    # A changed input reruns only what depends on it.
    (corpus / "second.fi.txt").write_text("Otsikko\n\nYksi lause.\n", encoding="utf-8")
    third = make(*vars_)
    assert (
        "batch: 2 documents, 1 built, 1 up to date" in third.stderr and "stage time: segment" in third.stderr
    )
    assert len((out / "second" / "segments.jsonl").read_text(encoding="utf-8").splitlines()) == 2

    for name in ("cleaned.fi.txt", "review.jsonl", "publish/seed.fi.txt", "publish/seed.md"):
        assert (out / "seed" / name).exists(), name
    # A reviewer's file is picked up by the next make: the rejected change is not in the cleaned text.
    rejected = "seed:b001:s01:adjective-noun-agreement:43"
    review = f"changes:\n  {rejected}: reject\n  seed:b001:s01:gone:1: accept\n"
    (corpus / "seed.review.yaml").write_text(review, encoding="utf-8")
    fourth = make(*vars_)
    assert fourth.returncode == 0, fourth.stderr
    assert "seed.review.yaml: the decision on seed:b001:s01:gone:1 is unknown" in fourth.stderr
    # (The summary line also counts "segments to decide on": only its stage times are looked at.)
    stage_times = fourth.stderr.rsplit("stage time:", 1)[-1]
    assert "clean" in stage_times and "segment" not in stage_times
    for name in ("cleaned.fi.txt", "publish/seed.fi.txt"):
        assert (out / "seed" / name).read_text(encoding="utf-8").count("virtuaalinen avustajien") == 1, name


def test_make_one_document_file_by_file(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    vars_ = [f"CORPUS={corpus}", f"OUT={out}"]
    first = make("-j2", f"{out}/second/report.html", *vars_)
    assert first.returncode == 0, first.stderr
    assert first.stdout.count("pipeline -q segment") == 1 and "--stage report" in first.stdout
    assert not (out / "seed").exists()
    assert make("-q", f"{out}/second/report.html", *vars_).returncode == 0  # up to date
    later = (out / "second" / "segments.jsonl").stat().st_mtime + 5
    os.utime(corpus / "second.fi.txt", (later, later))
    again = make(f"{out}/second/issues.jsonl", *vars_)
    assert again.stdout.count("pipeline -q segment") == 1 and "--stage clean" not in again.stdout


def test_makefile_rules_follow_the_stage_registry() -> None:
    """Each stage's per-document rule names every output and input file of the stage's registry entry."""
    text = (ROOT / "Makefile").read_text(encoding="utf-8").replace("\\\n", " ")
    ws = Workspace(Path("$(CORPUS)/%.fi.txt"), Path("$(OUT)/%"))
    rules = [line for line in text.splitlines() if "&:" in line or re.match(r"^\$\(OUT\)/", line)]
    for stage in STAGES.values():
        names = [ws.name(k).replace("%", "$(1)") for k in stage.outputs]
        rule = next((r for r in rules if all(f"/{n}" in r.split(":")[0] for n in names)), None)
        assert rule is not None, f"no rule makes the {stage.name} stage's outputs {names}"
        prerequisites = rule.split(":", 1)[1]
        for key in stage.inputs:
            spec = FILES[key]
            name = "triage.toml" if key == "triage" else spec.pattern.replace("{doc}", "")
            assert name in prerequisites, f"{stage.name}: {key} ({name}) is not a prerequisite"


def test_make_bad_document_fails_cleanly(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "broken.fi.txt").write_bytes(b"Hyv\xe4 teksti")
    result = make(f"CORPUS={corpus}", f"OUT={tmp_path / 'out'}")
    assert result.returncode != 0
    assert f"pipeline: error: {corpus / 'broken.fi.txt'}: not valid UTF-8" in result.stderr
    assert not (tmp_path / "out" / "broken" / "segments.jsonl").exists()


def test_make_help_lists_every_target() -> None:
    result = make("help")
    assert result.returncode == 0
    listed = {line.split()[0] for line in result.stdout.splitlines() if line.strip()}
    expected = "all setup models test lint bench bench-segment bench-translate clean help".split()
    assert set(expected) <= listed
    assert all(len(line.split(None, 1)) == 2 for line in result.stdout.splitlines() if line.strip())


def test_ci_runs_the_readme_commands() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    commands = [line.strip() for line in ci.splitlines() if line.strip().startswith("make")]
    assert commands == ["make setup", "make test"]
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for command in commands:
        assert command in readme


def test_make_translates_and_redoes_it_when_models_arrive(
    corpus: Path, tmp_path: Path, tiny_packages: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ARGOS_PACKAGES_DIR", str(tmp_path / "packages"))
    monkeypatch.setenv("PIPELINE_CACHE_DIR", str(tmp_path / "cache"))
    out = tmp_path / "out"
    vars_ = [f"CORPUS={corpus}", f"OUT={out}"]
    first = make(*vars_)
    assert first.returncode == 0, first.stderr
    assert "no fi→en Argos model installed; translations skipped (run make models)" in first.stderr
    rows = (out / "seed" / "translations.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(rows) == 31 and all('"status": "skipped: no fi→en model (run make models)"' in r for r in rows)

    models = make("models", f"ARGOS_MODELS={tiny_packages['fi_en']} {tiny_packages['en_fi']}")
    assert models.returncode == 0, models.stderr
    later = (out / "seed" / "translations.jsonl").stat().st_mtime + 5
    os.utime(tmp_path / "packages", (later, later))  # mtimes are coarse on some file systems

    second = make(*vars_)
    assert second.returncode == 0, second.stderr
    assert "batch: 2 documents, 2 built" in second.stderr and "stage time: translate" in second.stderr
    assert "segment" not in second.stderr.split("stage time:")[1]
    rows = (out / "seed" / "translations.jsonl").read_text(encoding="utf-8").splitlines()
    assert all('"status": "ok"' in r and '"chrf": 100.0' in r for r in rows)
