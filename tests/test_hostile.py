"""Hostile inputs and faults (issue 13): each case a row of a table, each asserting the exit code,
the one-line message, that no traceback is printed, and that earlier outputs are unchanged.

Sections follow the issue's items; each has its own case table.
"""

from __future__ import annotations

import codecs
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
from typing import Any

import pytest

from pipeline import io as pipeline_io
from pipeline.check.voikko import VOIKKO_MAX_TOKENS
from pipeline.check.voikko import pieces as voikko_pieces
from pipeline.cli import main
from pipeline.finnish import tokenize, voikko
from pipeline.segment import segment_file

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


# --- items 5 and 10: YAML and TOML inputs; Markdown escaping -----------------------------------------


# --- items 6 and 7: model archives; a misbehaving LanguageTool ---------------------------------------


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
        ["line 2: field 'end': offsets 1000000..1000004 out of range (the document has"],
    ),
    (
        "issues-not-the-document-text",
        "issues.jsonl",
        1,
        lambda r: r.update(text="XXXX"),
        ["line 1: field 'text': does not match the document"],
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


@pytest.mark.parametrize(
    ("sig", "code", "message"), [c[1:] for c in SIGNAL_CASES], ids=[c[0] for c in SIGNAL_CASES]
)
@pytest.mark.parametrize("delay", [0.3, 1.5], ids=["importing", "loading"])
def test_signal_during_start_up(
    tmp_path: Path, sig: signal.Signals, code: int, message: str, delay: float
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
    # The check of the seed takes seconds (Voikko, then the parser load): the signal lands in start-up.
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
