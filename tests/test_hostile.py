"""Hostile inputs and faults (issue 13): each case a row of a table, each asserting the exit code,
the one-line message, that no traceback is printed, and that earlier outputs are unchanged.

Sections follow the issue's items; each has its own case table.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def run_cli(
    *args: str, cwd: Path | None = None, env: dict[str, str] | None = None, timeout: float | None = None
) -> subprocess.CompletedProcess[str]:
    """`python -m pipeline ARGS` in a new process."""
    return subprocess.run(
        [sys.executable, "-m", "pipeline", *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=cwd,
        env=env,
        timeout=timeout,
    )


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
    errors = [line for line in proc.stderr.splitlines() if "error" in line]
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


# --- items 5 and 10: YAML and TOML inputs; Markdown escaping -----------------------------------------


# --- items 6 and 7: model archives; a misbehaving LanguageTool ---------------------------------------


# --- items 8 and 9: output paths, malformed intermediate files, signals; long sentences --------------
