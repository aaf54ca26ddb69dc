"""The seed's report.html in headless Chromium: no console errors, no outside request, the diff and the
issue highlights there, the filters working; review on the page (decide, export the review file, rerun
the clean stage with it); screenshots are saved under outputs/ for people to look at."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from pipeline import io, review, stages
from pipeline.testing.browser import inspect_page
from pipeline.workspace import Workspace

from .conftest import ROOT
from .test_cli import run_cli

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


DOC = "personal-vs-virtual-assistants"
REJECTED = f"{DOC}:b001:s01:adjective-noun-agreement:43"  # virtuaalinen avustajien -> virtuaalisten ...
EDITED = f"{DOC}:b005:s02"
NEW_TEXT = 'Lisäksi johto odottaa heiltä luovuutta: "aina" #1.'


def seed_corpus(seed_path: Path, tmp_path: Path) -> Path:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for path in seed_path.parent.glob(f"{seed_path.name.removesuffix('.fi.txt')}.*"):
        shutil.copyfile(path, corpus / path.name)
    return corpus / seed_path.name


def click(selector: str) -> str:
    """A click on the first element the selector finds (the page's own handlers run)."""
    return f"(() => {{ document.querySelector({selector!r}).click(); return true; }})()"


def type_into(selector: str, text: str) -> str:
    """Text typed into a text box: its value set, then the input event a keyboard would send."""
    return (
        f"(() => {{ const box = document.querySelector({selector!r}); box.closest('details').open = true;"
        f" box.focus(); box.value = {json.dumps(text)};"
        " box.dispatchEvent(new Event('input', {bubbles: true})); box.blur(); return true; })()"
    )


YAML = "document.getElementById('review-yaml').value"
# A key pressed on the page; the value is the id of the element that has the focus after it.
PRESS = (
    "(key => {{ document.dispatchEvent(new KeyboardEvent('keydown', {{key}}));"
    " return document.activeElement.id; }})({})"
)


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


def test_review_on_the_page_then_rerun(seed_path: Path, tmp_path: Path) -> None:
    """Reject one change and edit one segment on the page, export the review file, rerun the clean
    stage with it: the cleaned text is without that change and with the edit (issue 14)."""
    source = seed_corpus(seed_path, tmp_path)
    out = tmp_path / "out"
    report = build_report(source, out)
    change = f'li.change[data-change="{REJECTED}"]'
    downloads = tmp_path / "downloads"
    result = inspect_page(
        report,
        downloads=downloads,
        expect_downloads=1,
        expressions={
            "before": YAML,
            "reject": click(f'{change} button[data-act="reject"]'),
            "edit": type_into(f'.segment[data-segment="{EDITED}"] textarea.edit-text', NEW_TEXT),
            "pressed": f"document.querySelector('{change} [data-act=reject]').getAttribute('aria-pressed')",
            "count": "document.getElementById('decision-count').textContent",
            "yaml": YAML,
            "saved": "Object.keys(localStorage).filter(k => k.startsWith('pipeline-review:'))",
            "stored": "JSON.parse(localStorage.getItem(Object.keys(localStorage)[0]))",
            "download": "document.getElementById('review-download').textContent",
            "click_download": click("#review-download"),
        },
    )
    assert result.errors == () and result.requests == ()
    values = result.values
    assert "changes:" not in values["before"] and "segments:" not in values["before"]
    assert values["pressed"] == "true" and values["count"] == "2"
    assert values["download"] == f"download {DOC}.review.yaml"
    assert len(values["saved"]) == 1 and values["saved"][0].startswith(f"pipeline-review:{DOC}:")
    assert values["stored"]["changes"] == {REJECTED: "reject"}
    assert values["stored"]["segments"] == {EDITED: {"text": NEW_TEXT}}
    # The downloaded file, saved where the clean stage reads it; it is what the page shows.
    assert list(result.downloads) == [f"{DOC}.review.yaml"]
    exported = result.downloads[f"{DOC}.review.yaml"].read_text(encoding="utf-8")
    assert exported == values["yaml"]
    review_file = Workspace.of(source).path("review")
    assert review_file.name == f"{DOC}.review.yaml"
    shutil.copyfile(result.downloads[f"{DOC}.review.yaml"], review_file)
    decisions = review.load_review(review_file)
    assert [(d.target, d.decision, d.text) for d in decisions] == [
        (REJECTED, "reject", None),
        (EDITED, "replace", NEW_TEXT),
    ]
    assert decisions[0].was == "virtuaalinen avustajien"

    done = run_cli("run", str(source), "--out-dir", str(out), "--stage", "clean")
    assert done.returncode == 0, done.stderr
    assert "warning" not in done.stderr
    assert [d["status"] for d in io.read_jsonl(out / "review.jsonl")] == ["applied", "applied"]
    cleaned = (out / "cleaned.fi.txt").read_text(encoding="utf-8")
    assert cleaned.count("virtuaalinen avustajien") == 1  # the rejected change, and only it, is undone
    assert NEW_TEXT in cleaned and "arvioi heitä näyttämään" not in cleaned

    # The rebuilt report starts from the review file: the same decisions, the same export (its
    # signature comment aside: the config hash now covers the review file).
    assert run_cli("-q", "run", str(source), "--out-dir", str(out), "--stage", "report").returncode == 0
    again = inspect_page(report, expressions={"yaml": YAML})

    def decisions_of(text: str) -> list[str]:
        return [line for line in text.splitlines() if not line.startswith("#")]

    assert again.errors == () and decisions_of(again.values["yaml"]) == decisions_of(exported)


def test_saved_decisions_come_back_only_for_the_same_content(tmp_path: Path) -> None:
    """Reopening the report brings back the decisions kept in the browser under its content key;
    those kept for another version of the document (other text) are not applied, and the page says so."""
    source = tmp_path / "doc.fi.txt"
    source.write_text("Otsikko\n\nKissa nukkuu . Koira haukkuu.\n", encoding="utf-8")
    report = build_report(source, tmp_path / "out")
    html = report.read_text(encoding="utf-8")
    match = re.search(r'data-content-key="([0-9a-f]+)"', html)
    assert match is not None
    (fix,) = [c["id"] for c in io.read_jsonl(tmp_path / "out" / "changes.jsonl")]
    mine = {"changes": {fix: "reject"}, "segments": {}, "dismissed": {}}
    other = {"changes": {}, "segments": {"doc:b001:s01": {"remove": True}}, "dismissed": {}}
    before_load = (
        f"localStorage.setItem('pipeline-review:doc:{match[1]}', {json.dumps(json.dumps(mine))});"
        f"localStorage.setItem('pipeline-review:doc:0123456789abcdef', {json.dumps(json.dumps(other))});"
    )
    result = inspect_page(
        report,
        before_load=before_load,
        expressions={"yaml": YAML, "note": "document.getElementById('review-storage').textContent"},
    )
    assert result.errors == ()
    path = tmp_path / "doc.review.yaml"
    path.write_text(result.values["yaml"], encoding="utf-8")
    assert [(d.target, d.decision) for d in review.load_review(path)] == [(fix, "reject")]
    assert "earlier version of this report" in result.values["note"]


NASTY = [
    'lainaus "sitaatti" ja \\ kenoviiva',
    "kaksoispiste: risuaita # ja [hakasulku] {aaltosulku}, & * ! | > % @ `",
    "rivi\ntoinen rivi\ttabulaattori",
    "  välilyönnit alussa ja lopussa  ",
    "yes",
    "null",
    "123",
    "- viiva",
    "erotin\u2028rivi\u2029kappale\u0085seuraava\u00a0nbsp\ufeffbom",
    "ohjausmerkki \u0007 \u001b ja emoji 🙂 ja ñ",
    "",
]


def test_exported_review_file_reads_back_exactly(tmp_path: Path) -> None:
    """Whatever a reviewer types, the exported YAML reads back (through review.py) as typed."""
    source = tmp_path / "doc.fi.txt"
    lines = [f"Lause {n} on tässä.\n\n" for n in range(len(NASTY))]
    source.write_text("".join(lines) + "Viimeinen.\n", encoding="utf-8")
    report = build_report(source, tmp_path / "out")
    boxes = {f"doc:b{n:03d}:s00": text for n, text in enumerate(NASTY)}
    expressions = {
        f"edit {n}": type_into(f'.segment[data-segment="{seg}"] textarea.edit-text', text)
        for n, (seg, text) in enumerate(boxes.items())
    }
    removed = f"doc:b{len(NASTY):03d}:s00"
    remove = (
        f"(() => {{ const box = document.querySelector('.segment[data-segment=\"{removed}\"] .edit-remove');"
        " box.checked = true; box.dispatchEvent(new Event('input', {bubbles: true})); return true; })()"
    )
    result = inspect_page(report, expressions={**expressions, "remove": remove, "yaml": YAML})
    assert result.errors == ()
    path = tmp_path / "doc.review.yaml"
    path.write_text(result.values["yaml"], encoding="utf-8")
    decisions = review.load_review(path)
    assert {d.target: d.text for d in decisions if d.decision == "replace"} == boxes
    assert [(d.target, d.was) for d in decisions if d.decision == "remove"] == [(removed, "Viimeinen.")]


def test_first_screen_of_the_seed_shows_flagged_segments(seed_path: Path, tmp_path: Path) -> None:
    """At 1400x1200 the first screen shows the segments that need a decision; j/k moves between them."""
    report = build_report(seed_corpus(seed_path, tmp_path), tmp_path / "out")
    shot = ROOT / "outputs" / "report-seed.png"
    shot.parent.mkdir(exist_ok=True)
    result = inspect_page(
        report,
        screenshot=shot,
        viewport=(1400, 1200),
        full_page=False,
        expressions={
            "flagged_on_screen": "[...document.querySelectorAll('.segment.flagged')]"
            ".filter(s => s.getBoundingClientRect().top < window.innerHeight).length",
            "header_height": "document.getElementById('top').getBoundingClientRect().height",
            "first": "document.querySelector('.segment.flagged').id",
            "second": "document.querySelectorAll('.segment.flagged')[1].id",
            "j": PRESS.format("'j'"),
            "n": PRESS.format("'n'"),
            "k": PRESS.format("'k'"),
            "p": PRESS.format("'p'"),
            "keys_documented": "document.querySelector('nav.jump').textContent.includes('next flagged')",
            "comparison_link": "document.querySelector('nav.jump a[href=\"#comparison\"]') !== null",
            "rest_collapsed": "!document.getElementById('rest').open",
            "notices": "document.querySelectorAll('#english-notice').length",
            "skipped_on_cards": "document.querySelectorAll('.segment .skipped').length",
            "back_to_top": "window.scrollTo(0, 0) || window.scrollY",
        },
    )
    assert result.errors == () and result.requests == ()
    v = result.values
    assert v["flagged_on_screen"] >= 2 and v["header_height"] < 150
    assert [v["j"], v["n"], v["k"], v["p"]] == [v["first"], v["second"], v["first"], v["first"]]
    assert v["keys_documented"] and v["comparison_link"] and v["rest_collapsed"]
    assert v["notices"] == 1 and v["skipped_on_cards"] == 0
    assert shot.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
