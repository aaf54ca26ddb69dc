"""The headless-Chromium harness (pipeline/testing/browser.py) against real Chromium.

Every test checks afterwards that no process Chromium started is still running: its session and
anything naming its work directory (Chromium's crash handler leaves the session).
"""

from __future__ import annotations

import os
import stat
import struct
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline.errors import InputError
from pipeline.testing import browser
from pipeline.testing.browser import BrowserError, BrowserUnavailable, inspect_page

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
OUTSIDE = "http://example.invalid/x.png"


@pytest.fixture(autouse=True)
def no_leftovers(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[int, Path]]]:
    """Every Chromium started in the test, as (pid, work directory); none may outlive its call."""
    started: list[tuple[int, Path]] = []
    close = browser._Browser.close

    def spy(self: browser._Browser) -> None:
        close(self)
        started.append((self.process.pid, self.workdir))

    monkeypatch.setattr(browser._Browser, "close", spy)
    yield started
    for pid, workdir in started:
        assert browser.live_processes(pid, workdir) == [], f"Chromium {pid} left processes behind"
        assert not workdir.exists()


def page(tmp_path: Path, body: str, name: str = "page.html") -> Path:
    """A small HTML file with `body` in it."""
    path = tmp_path / name
    path.write_text(f"<!doctype html><html><head><title>T</title></head><body>{body}</body></html>\n")
    return path


@pytest.mark.parametrize(
    ("body", "errors", "requests"),
    [
        ("<p>Ei virheitä: äö €.</p>", [], []),
        (
            '<p>x</p><script>console.error("deliberate", 42); console.log("fine")</script>'
            '<script>throw new Error("boom")</script>',
            [("console", "deliberate 42"), ("exception", "Error: boom")],
            [],
        ),
        ('<script>console.assert(1 === 2, "asserted")</script>', [("console", "asserted")], []),
        # Outside requests are recorded and blocked (Chromium logs the blocked load as an error).
        (f'<img src="{OUTSIDE}">', [("log", "ERR_BLOCKED_BY_CLIENT")], [OUTSIDE]),
        ('<link rel="stylesheet" href="other.css">', [("log", "ERR_BLOCKED_BY_CLIENT")], ["other.css"]),
        # Inline data is part of the page.
        ('<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">', [], []),
    ],
    ids=["clean", "error-and-exception", "assert", "outside-image", "sibling-file", "data-url"],
)
def test_errors_and_requests(
    tmp_path: Path, body: str, errors: list[tuple[str, str]], requests: list[str]
) -> None:
    # A space and a non-ASCII letter in the name: the page's own URL is still not an outside request.
    result = inspect_page(page(tmp_path, body, name="raportti ä.html"), timeout=30)
    assert len(result.errors) == len(errors), result.errors
    for error, (source, text) in zip(result.errors, errors, strict=True):
        assert error.source == source and text in error.text
    assert [url.rsplit("/", 1)[-1] for url in result.requests] == [r.rsplit("/", 1)[-1] for r in requests]
    assert all(not url.startswith(result.url) for url in result.requests)


def test_error_location(tmp_path: Path) -> None:
    result = inspect_page(page(tmp_path, '\n<script>\nconsole.error("on line 3")</script>'), timeout=30)
    (error,) = result.errors
    assert (error.url, error.line) == (result.url, 3)
    assert str(error) == f"console: on line 3 ({result.url}:3)"


def test_values_and_full_page_screenshot(tmp_path: Path) -> None:
    body = "<p style='height: 1500px'>pitkä</p><p>toinen</p>"
    shot = tmp_path / "shots" / "page.png"
    expressions = {
        "paragraphs": "document.querySelectorAll('p').length",
        "title": "document.title",
        "object": "({text: document.querySelector('p').textContent, list: [1, null]})",
        "undefined": "undefined",
        "awaited": "new Promise(resolve => setTimeout(() => resolve('later'), 10))",
    }
    result = inspect_page(page(tmp_path, body), screenshot=shot, expressions=expressions, timeout=30)
    assert result.errors == () and result.requests == ()
    assert result.values == {
        "paragraphs": 2,
        "title": "T",
        "object": {"text": "pitkä", "list": [1, None]},
        "undefined": None,
        "awaited": "later",
    }
    assert result.screenshot == shot
    data = shot.read_bytes()
    assert data.startswith(PNG_SIGNATURE)
    width, height = struct.unpack(">II", data[16:24])  # the IHDR chunk
    assert width == browser.VIEWPORT["width"] and height > 1500  # the whole page, not the viewport
    assert [p.name for p in shot.parent.iterdir()] == ["page.png"]  # no temporary file left


def test_viewport_and_first_screen_screenshot(tmp_path: Path) -> None:
    body = "<p style='height: 3000px'>pitkä</p>"
    shot = tmp_path / "first.png"
    size = "[window.innerWidth, window.innerHeight]"
    result = inspect_page(
        page(tmp_path, body),
        screenshot=shot,
        viewport=(1400, 1200),
        full_page=False,
        expressions={"size": size},
        timeout=30,
    )
    assert result.errors == () and result.values["size"] == [1400, 1200]
    assert struct.unpack(">II", shot.read_bytes()[16:24]) == (1400, 1200)  # the first screen only


DOWNLOAD = """(() => {
  const link = document.createElement('a');
  link.href = window.URL.createObjectURL(new Blob(['päätös: hylkää\\n'], {type: 'text/plain'}));
  link.download = 'tiedosto.yaml';
  document.body.appendChild(link);
  link.click();
  return true;
})()"""


def test_a_blob_download_is_saved_and_waited_for(tmp_path: Path) -> None:
    result = inspect_page(
        page(tmp_path, "<p>x</p>"),
        downloads=tmp_path / "down",
        expect_downloads=1,
        expressions={"click": DOWNLOAD},
        timeout=30,
    )
    assert result.errors == () and result.requests == ()
    assert list(result.downloads) == ["tiedosto.yaml"]
    assert result.downloads["tiedosto.yaml"].read_text(encoding="utf-8") == "päätös: hylkää\n"


def test_without_a_download_directory_nothing_is_saved(tmp_path: Path) -> None:
    result = inspect_page(page(tmp_path, "<p>x</p>"), expressions={"click": DOWNLOAD}, timeout=30)
    assert result.errors == () and result.downloads == {}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["page.html"]


def test_a_script_before_the_page(tmp_path: Path) -> None:
    body = "<script>document.title = localStorage.getItem('k') || 'none'</script>"
    result = inspect_page(
        page(tmp_path, body),
        before_load="localStorage.setItem('k', 'asetettu')",
        expressions={"title": "document.title"},
        timeout=30,
    )
    assert result.errors == () and result.values["title"] == "asetettu"


def test_flags_and_pipe_fds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Chromium gets exactly the agreed flags, and the DevTools pipe on fds 3 and 4."""
    fake = tmp_path / "chromium"
    fake.write_text(
        f'#!/bin/sh\nprintf "%s\\n" "$@" > {tmp_path}/argv\n'
        f"test -p /dev/fd/3 && test -p /dev/fd/4 && echo pipes > {tmp_path}/fds\n"
    )
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv(browser.ENV_BINARY, str(fake))
    with pytest.raises(BrowserError, match=r"^\S*page\.html: .*chromium: Chromium closed its DevTools pipe"):
        inspect_page(page(tmp_path, "<p>x</p>"), timeout=30)
    argv = (tmp_path / "argv").read_text().splitlines()
    # Issue 7's wording, kept apart from browser.FLAGS on purpose.
    agreed = (
        "--headless --no-sandbox --disable-gpu --disable-background-networking"
        " --disable-component-update --no-first-run"
    ).split()
    assert argv[: len(agreed)] == agreed
    rest = argv[len(agreed) :]
    assert rest[0].startswith("--user-data-dir=") and rest[1:] == ["--remote-debugging-pipe", "about:blank"]
    assert not Path(rest[0].split("=", 1)[1]).exists()  # the fresh profile is gone
    assert (tmp_path / "fds").read_text() == "pipes\n"


def test_timeout_kills_chromium(tmp_path: Path, no_leftovers: list[tuple[int, Path]]) -> None:
    with pytest.raises(BrowserError, match=r"did not finish within 2 s \(waiting for the load event\)$"):
        inspect_page(page(tmp_path, "<script>while (true) {}</script>"), timeout=2)
    assert len(no_leftovers) == 1  # checked by the fixture


def test_failing_expression(tmp_path: Path) -> None:
    path = page(tmp_path, "<p>x</p>")
    failed = r"page\.html: expression 'broken' failed: ReferenceError: nope is not defined$"
    with pytest.raises(BrowserError, match=failed):
        inspect_page(path, expressions={"broken": "nope.x"}, timeout=30)


def test_missing_page(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"missing\.html: no such file$"):
        inspect_page(tmp_path / "missing.html")


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ("/nonexistent/chromium", r"^\$CHROMIUM=/nonexistent/chromium: no such executable$"),
        (None, r"^Chromium not found \(.*chromium-browser on PATH\): install .* \(run: make setup\)$"),
    ],
)
def test_missing_chromium(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, env: str | None, message: str
) -> None:
    if env is None:
        monkeypatch.delenv(browser.ENV_BINARY, raising=False)
        monkeypatch.setattr(browser, "DEBIAN_BINARY", tmp_path / "no-chromium")
        monkeypatch.setenv("PATH", str(tmp_path))
    else:
        monkeypatch.setenv(browser.ENV_BINARY, env)
    with pytest.raises(BrowserUnavailable, match=message):
        inspect_page(page(tmp_path, "<p>x</p>"))


def test_found_chromium_is_executable() -> None:
    """`make setup` installed Chromium (the report test needs it)."""
    assert os.access(browser.find_chromium(), os.X_OK)
