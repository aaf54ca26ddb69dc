"""The command line, driven in-process and as `python -m pipeline`: output, exit codes, one-line errors."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.cli import build_parser, main
from pipeline.stages import STAGES
from pipeline.workspace import Workspace

BAD_INPUTS = [
    (b"caf\xe9", "not valid UTF-8: undecodable byte 0xe9 at byte offset 3"),
    (b"abc\x00def", "binary content: NUL byte at byte offset 3"),
]


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


def test_segment_to_stdout(seed_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["segment", str(seed_path)]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(rows) == 31
    assert {"id", "doc", "block", "kind", "heading", "start", "end", "text"} <= rows[0].keys()
    assert rows[0]["doc"] == "personal-vs-virtual-assistants"


def test_segment_to_file(seed_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "sub" / "segments.jsonl"
    assert main(["-q", "segment", str(seed_path), "-o", str(out)]) == 0
    text = seed_path.read_text(encoding="utf-8")
    for line in out.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        assert text[row["start"] : row["end"]] == row["text"]


@pytest.mark.parametrize(("data", "message"), BAD_INPUTS)
def test_bad_input_is_one_line_and_writes_nothing(tmp_path: Path, data: bytes, message: str) -> None:
    src = tmp_path / "bad.fi.txt"
    src.write_bytes(data)
    out = tmp_path / "out.jsonl"
    proc = run_cli("segment", str(src), "-o", str(out))
    assert proc.returncode == 1
    assert proc.stderr.count("\n") == 1
    assert proc.stderr == f"pipeline: error: {src}: {message}\n"
    assert "Traceback" not in proc.stderr
    assert not out.exists()


def test_bad_input_keeps_previous_output(tmp_path: Path) -> None:
    src = tmp_path / "bad.fi.txt"
    src.write_bytes(b"\xff\xfe")
    out = tmp_path / "segments.jsonl"
    out.write_text("previous\n", encoding="utf-8")
    assert run_cli("segment", str(src), "-o", str(out)).returncode == 1
    assert out.read_text(encoding="utf-8") == "previous\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.fi.txt", "segments.jsonl"]


def test_missing_file(tmp_path: Path) -> None:
    proc = run_cli("segment", str(tmp_path / "nope.fi.txt"))
    assert proc.returncode == 1
    assert proc.stderr == f"pipeline: error: {tmp_path / 'nope.fi.txt'}: no such file\n"


def test_empty_file_warns_and_writes_no_segments(tmp_path: Path) -> None:
    src = tmp_path / "empty.fi.txt"
    src.write_bytes(b"\n\n")
    out = tmp_path / "segments.jsonl"
    proc = run_cli("segment", str(src), "-o", str(out))
    assert proc.returncode == 0
    assert f"pipeline: warning: {src}: empty or blank file; no segments" in proc.stderr
    assert out.read_text(encoding="utf-8") == ""


@pytest.mark.parametrize("args", [[], ["segment"], ["nosuchcommand"], ["segment", "a", "--bogus"]])
def test_usage_errors_exit_2(args: list[str]) -> None:
    proc = run_cli(*args)
    assert proc.returncode == 2
    assert "usage:" in proc.stderr and "Traceback" not in proc.stderr


def test_every_command_has_help() -> None:
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    commands = list(sub.choices)
    assert set(commands) >= {"segment", "run"}
    for name in commands:
        proc = run_cli(name, "--help")
        assert proc.returncode == 0, name
        assert proc.stdout.startswith("usage: pipeline " + name)


def test_run_writes_every_stage(seed_path: Path, tmp_path: Path) -> None:
    out_dir = tmp_path / "doc"
    assert main(["-q", "run", str(seed_path), "--out-dir", str(out_dir)]) == 0
    ws = Workspace.of(seed_path, out_dir)
    reference_only = ("reference-beads", "issues-ref")  # the seed has no English reference
    expected = sorted(
        ws.name(key) for stage in STAGES.values() for key in stage.outputs if key not in reference_only
    )
    written = sorted(str(p.relative_to(out_dir)) for p in out_dir.rglob("*") if p.is_file())
    assert written == expected
    assert len((out_dir / "segments.jsonl").read_text(encoding="utf-8").splitlines()) == 31


def test_run_unknown_stage(seed_path: Path, tmp_path: Path) -> None:
    proc = run_cli("run", str(seed_path), "--out-dir", str(tmp_path), "--stage", "bogus")
    assert proc.returncode == 1
    assert proc.stderr == f"pipeline: error: unknown stage 'bogus'; valid stages: {', '.join(STAGES)}\n"
    assert list(tmp_path.iterdir()) == []


def test_run_bad_input_writes_nothing(tmp_path: Path) -> None:
    src = tmp_path / "bin.fi.txt"
    src.write_bytes(b"\x00\x01\x02")
    proc = run_cli("run", str(src), "--out-dir", str(tmp_path / "out"))
    assert proc.returncode == 1
    assert not (tmp_path / "out").exists()


def test_every_stage_is_a_command(seed_path: Path, tmp_path: Path) -> None:
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    assert set(STAGES) <= set(sub.choices)
    out = tmp_path / "doc"
    for name in ("segment", "check", "clean", "translate"):  # commands of their own, own options
        assert main(["-q", "run", str(seed_path), "--out-dir", str(out), "--stage", name]) == 0
    for name in ("align", "publish"):  # commands made from the stage registry
        assert main(["-q", name, str(seed_path), "--out-dir", str(out)]) == 0, name
    assert (
        (out / "publish" / "personal-vs-virtual-assistants.md").read_text(encoding="utf-8").startswith("# ")
    )
