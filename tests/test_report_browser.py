"""The seed's report.html in headless Chromium: no console errors, no outside request, the diff and the
issue highlights there, the filters working; a screenshot is saved under outputs/ for people to look at."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from pipeline import stages
from pipeline.testing.browser import inspect_page
from pipeline.workspace import Workspace

from .conftest import ROOT

pytestmark = pytest.mark.slow

SCREENSHOTS = ROOT / "outputs" / "screenshots"

# Filters: hiding the error severity turns the error highlights off; hiding every triage decision
# hides every segment. Both run the page's own script, then put the filters back for the screenshot.
UNCHECK_ERRORS = """(() => {
  const box = document.querySelector('input[name="severity"][value="error"]');
  box.checked = false;
  box.dispatchEvent(new Event('change', {bubbles: true}));
  const off = document.querySelectorAll('mark.issue.off').length;
  box.checked = true;
  box.dispatchEvent(new Event('change', {bubbles: true}));
  return off;
})()"""
HIDE_ALL_TRIAGE = """(() => {
  const boxes = document.querySelectorAll('input[name="triage"]');
  const form = document.getElementById('filter-form');
  boxes.forEach(box => { box.checked = false; });
  form.dispatchEvent(new Event('change'));
  const shown = document.querySelectorAll('.segment:not([hidden])').length;
  boxes.forEach(box => { box.checked = true; });
  form.dispatchEvent(new Event('change'));
  return shown;
})()"""


def build_report(source: Path, out: Path) -> Path:
    stages.run_document(Workspace(source, out))
    return out / "report.html"


def test_seed_report_in_chromium(seed_path: Path, installed: Path, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for path in seed_path.parent.glob(f"{seed_path.name.removesuffix('.fi.txt')}.*"):
        shutil.copyfile(path, corpus / path.name)
    report = build_report(corpus / seed_path.name, tmp_path / "out")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shot = SCREENSHOTS / "personal-vs-virtual-assistants.report.png"
    result = inspect_page(
        report,
        screenshot=shot,
        expressions={
            "title": "document.title",
            "segments": "document.querySelectorAll('.segment').length",
            "inserted": "[...document.querySelectorAll('.diff ins')].map(e => e.textContent)",
            "deleted": "[...document.querySelectorAll('.diff del')].map(e => e.textContent)",
            "marks": "document.querySelectorAll('mark.issue').length",
            "error_marks": "[...document.querySelectorAll('mark.issue')].map(m => m.textContent)",
            "english": "document.querySelectorAll('.english').length",
            "comparison_rows": "document.querySelectorAll('.comparison tbody tr').length",
            "svg_charts": "document.querySelectorAll('svg').length",
            "errors_off": UNCHECK_ERRORS,
            "shown_after_hiding_all": HIDE_ALL_TRIAGE,
            "shown_after_restoring": "document.querySelectorAll('.segment:not([hidden])').length",
        },
    )
    assert result.errors == ()
    assert result.requests == ()
    values = result.values
    assert "personal-vs-virtual-assistants" in values["title"] or "Erotella" in values["title"]
    assert values["segments"] == 31
    assert any("virtuaalisten" in text for text in values["inserted"])
    assert any("virtuaalinen" in text for text in values["deleted"])
    assert values["marks"] >= 20
    assert any("virtuaalinen avustajien" in text for text in values["error_marks"])
    assert values["english"] >= 1 and values["svg_charts"] >= 1
    assert values["comparison_rows"] >= 10
    assert values["errors_off"] >= 9
    assert values["shown_after_hiding_all"] == 0 and values["shown_after_restoring"] == 31
    assert shot.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


def test_article_markup_stays_text_in_chromium(tmp_path: Path) -> None:
    source = tmp_path / "evil.fi.txt"
    source.write_text(
        "Otsikko <script>document.title = 'pwned'</script>\n\n"
        'Kissa <img src="http://example.invalid/x.png" onerror="document.title = \'pwned\'"> nukkuu. '
        'Hän meni meni kotiin <b>heti</b> & "nopeasti".\n',
        encoding="utf-8",
    )
    report = build_report(source, tmp_path / "out")
    result = inspect_page(
        report,
        expressions={
            "title": "document.title",
            "scripts": "document.querySelectorAll('main script, .segment script').length",
            "images": "document.querySelectorAll('img').length",
            "bold": "document.querySelectorAll('.segment b').length",
            "text": "document.body.textContent.includes('<script>document.title')",
        },
    )
    assert result.errors == () and result.requests == ()
    assert result.values["title"] != "pwned"
    assert [result.values[k] for k in ("scripts", "images", "bold", "text")] == [0, 0, 0, True]
