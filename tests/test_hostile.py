"""Hostile inputs and faults (issue 13): each case a row of a table, each asserting the exit code,
the one-line message, that no traceback is printed, and that earlier outputs are unchanged.

Sections follow the issue's items; each has its own case table.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

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
