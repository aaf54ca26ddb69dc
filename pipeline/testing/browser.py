"""Open a local HTML file in headless Chromium and report what a reader's browser would see.

Chromium is driven over the DevTools protocol through `--remote-debugging-pipe` (commands on its
fd 3, replies and events on its fd 4, each message JSON ending in a NUL byte), so no port is opened
and nothing beyond the standard library is needed. Used by the report test (issue 7): the report
must load without console errors and without any request besides the file itself (it is meant to
be self-contained), and a screenshot is kept for people to look at.

Every request other than the page itself is recorded and then blocked (Fetch domain), so a page
that tries to reach the network neither does nor waits for it. Chromium and every process it
started are killed when `inspect_page` returns or raises, timeouts included: Chromium runs in a
session of its own whose process group is killed, and its crash handler (which leaves that session)
is found by the temporary work directory its command line names.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import json
import math
import os
import queue
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.errors import InputError, PipelineError
from pipeline.io import atomic_write

ENV_BINARY = "CHROMIUM"
BINARY_NAMES = ("chromium", "chromium-browser")
# Debian's /usr/bin/chromium is a launcher script that adds its own default flags (GPU
# rasterisation, extension loading, ...); the binary it runs is started directly, so the flags
# below are exactly the ones used.
DEBIAN_BINARY = Path("/usr/lib/chromium/chromium")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
)
VIEWPORT = {"width": 1280, "height": 800}
# Taller captures fail or come out blank in Chromium (texture size limits); the rest is cut off.
MAX_SCREENSHOT_HEIGHT = 16384
# URL schemes that load nothing from outside the page.
_INLINE_SCHEMES = ("data:", "blob:", "about:", "javascript:")
# Moves the two pipe ends to fds 3 and 4 and becomes Chromium: subprocess keeps passed fds at their
# own numbers, and a preexec_fn is unsafe when threads run (the caller's or our reader's).
_TRAMPOLINE = (
    "import os, sys\n"
    "commands, replies = int(sys.argv[1]), int(sys.argv[2])\n"
    "os.dup2(commands, 3)\n"
    "os.dup2(replies, 4)\n"
    "os.close(commands)\n"
    "os.close(replies)\n"
    "os.execv(sys.argv[3], sys.argv[3:])\n"
)
_CLOSE_GRACE = 5.0  # seconds to wait for the killed process group to be reaped


class BrowserUnavailable(PipelineError):
    """Chromium is not installed (or $CHROMIUM does not name an executable)."""


class BrowserError(PipelineError):
    """Chromium crashed, timed out, or refused a command while inspecting a page."""


@dataclass(frozen=True)
class ConsoleError:
    """One error the page produced: a console.error/assert, an uncaught exception, or a log entry."""

    source: str  # "console", "exception" or "log"
    text: str
    url: str = ""
    line: int | None = None

    def __str__(self) -> str:
        where = f" ({self.url}{'' if self.line is None else f':{self.line}'})" if self.url else ""
        return f"{self.source}: {self.text}{where}"


@dataclass(frozen=True)
class PageResult:
    """What inspecting one page gave: its errors, outside requests, expression values, screenshot."""

    url: str
    errors: tuple[ConsoleError, ...]
    requests: tuple[str, ...]  # every URL requested besides the page itself (all were blocked)
    values: Mapping[str, Any] = field(default_factory=dict)
    screenshot: Path | None = None
    # Chromium's process (and session) id and its removed work directory: `live_processes` of
    # them is empty once the result is returned.
    browser_pid: int = 0
    workdir: Path | None = None
    # The files the page downloaded (with `downloads=DIR`): the name the page gave each, its path.
    downloads: Mapping[str, Path] = field(default_factory=dict)


def find_chromium() -> str:
    """The Chromium binary to run: $CHROMIUM, Debian's binary, or `chromium`/`chromium-browser` on PATH."""
    explicit = os.environ.get(ENV_BINARY)
    if explicit:
        found = shutil.which(explicit)
        if found is None:
            raise BrowserUnavailable(f"${ENV_BINARY}={explicit}: no such executable")
        return found
    if os.access(DEBIAN_BINARY, os.X_OK):
        return str(DEBIAN_BINARY)
    for name in BINARY_NAMES:
        found = shutil.which(name)
        if found is not None:
            return found
    raise BrowserUnavailable(
        f"Chromium not found (looked for ${ENV_BINARY}, {DEBIAN_BINARY}, "
        f"{' and '.join(BINARY_NAMES)} on PATH): install Debian package chromium (run: make setup)"
    )


class _Timeout(Exception):
    """The deadline passed while waiting for Chromium."""


class _Browser:
    """One Chromium process and its DevTools pipe; `close` kills its whole process group."""

    def __init__(self, binary: str, workdir: Path) -> None:
        self.workdir = workdir
        profile = workdir / "profile"
        profile.mkdir()
        self.stderr_path = workdir / "stderr.log"
        commands_read, commands_write = os.pipe()
        replies_read, replies_write = os.pipe()
        # Out of the way of 3 and 4, so the trampoline's dup2 calls cannot overwrite each other.
        child_commands = fcntl.fcntl(commands_read, fcntl.F_DUPFD_CLOEXEC, 10)
        child_replies = fcntl.fcntl(replies_write, fcntl.F_DUPFD_CLOEXEC, 10)
        os.close(commands_read)
        os.close(replies_write)
        argv = [
            sys.executable,
            "-c",
            _TRAMPOLINE,
            str(child_commands),
            str(child_replies),
            binary,
            *FLAGS,
            f"--user-data-dir={profile}",
            "--remote-debugging-pipe",
            "about:blank",
        ]
        # Chromium's crash handler keeps its database under the configuration directory, whatever
        # --user-data-dir says: in the work directory it leaves the user's own alone, and its
        # command line names the work directory, which is how `close` finds it (it runs in a
        # session of its own, out of the process group).
        env = {**os.environ, "XDG_CONFIG_HOME": str(workdir / "config")}
        try:
            with open(self.stderr_path, "wb") as stderr:
                self.process = subprocess.Popen(
                    argv,
                    stdin=subprocess.DEVNULL,
                    stdout=stderr,
                    stderr=stderr,
                    pass_fds=(child_commands, child_replies),
                    start_new_session=True,
                    env=env,
                )
        except OSError as exc:
            os.close(commands_write)
            os.close(replies_read)
            raise BrowserError(f"{binary}: cannot start Chromium: {exc}") from exc
        finally:
            os.close(child_commands)
            os.close(child_replies)
        self.binary = binary
        self._commands = commands_write
        self._replies = replies_read
        self._inbox: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self._reader = threading.Thread(target=self._read, name="chromium-devtools", daemon=True)
        self._reader.start()
        self._next_id = 0
        self.on_event: Callable[[dict[str, Any]], None] = lambda message: None

    def _read(self) -> None:
        """Split the reply pipe into messages until Chromium closes it (then queue None)."""
        pending: list[bytes] = []  # pieces of the message being received (screenshots are large)
        try:
            while chunk := os.read(self._replies, 1 << 20):
                *ends, rest = chunk.split(b"\0")
                for end in ends:
                    pending.append(end)
                    self._inbox.put(json.loads(b"".join(pending)))
                    pending.clear()
                pending.append(rest)
        except (OSError, ValueError):
            pass
        finally:
            self._inbox.put(None)

    def send(self, method: str, params: Mapping[str, Any] | None = None, session: str | None = None) -> int:
        """Send a command without waiting; its id."""
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": dict(params or {})}
        if session is not None:
            message["sessionId"] = session
        data = json.dumps(message).encode() + b"\0"
        try:
            while data:
                data = data[os.write(self._commands, data) :]
        except OSError as exc:
            raise BrowserError(self._died(f"sending {method}")) from exc
        return self._next_id

    def call(
        self,
        method: str,
        params: Mapping[str, Any] | None = None,
        session: str | None = None,
        *,
        deadline: float,
    ) -> dict[str, Any]:
        """Send a command and wait for its reply, handing events to `on_event` meanwhile."""
        wanted = self.send(method, params, session)
        while True:
            message = self._next(deadline, f"waiting for its reply to {method}")
            if message.get("id") == wanted:
                if "error" in message:
                    error = message["error"]
                    raise BrowserError(f"Chromium refused {method}: {error.get('message', error)}")
                result: dict[str, Any] = message.get("result", {})
                return result

    def wait_until(self, done: Callable[[], bool], doing: str, *, deadline: float) -> None:
        """Hand messages to `on_event` until `done()` holds."""
        while not done():
            self._next(deadline, doing)

    def _next(self, deadline: float, doing: str) -> dict[str, Any]:
        """The next message (events are passed to `on_event` first)."""
        try:
            message = self._inbox.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            raise _Timeout(doing) from None
        if message is None:
            self._inbox.put(None)  # stays closed for later calls
            raise BrowserError(self._died(doing))
        if "method" in message:
            self.on_event(message)
        return message

    def _died(self, doing: str) -> str:
        """A one-line description of Chromium closing its pipe, with the last line it printed."""
        try:
            lines = self.stderr_path.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            lines = []
        last = next((line.strip() for line in reversed(lines) if line.strip()), "")
        said = f"; it said: {last}" if last else ""
        return f"{self.binary}: Chromium closed its DevTools pipe while {doing}{said}"

    def close(self) -> None:
        """Kill every process Chromium started, reap Chromium, and close the pipe."""
        # The leader is not reaped before this, so its id cannot have been reused for another group.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)
        give_up = time.monotonic() + _CLOSE_GRACE
        while (stray := live_processes(self.process.pid, self.workdir)) and time.monotonic() < give_up:
            for pid in stray:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(pid, signal.SIGKILL)
            time.sleep(0.02)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=_CLOSE_GRACE)
        os.close(self._commands)
        self._reader.join(timeout=_CLOSE_GRACE)
        if not self._reader.is_alive():
            os.close(self._replies)


def live_processes(session: int, workdir: Path) -> list[int]:
    """Processes still running (not zombies) in Chromium's session or naming its work directory."""
    marker = str(workdir).encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text(encoding="utf-8", errors="replace")
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:  # gone meanwhile
            continue
        # After the command name in parentheses: state, ppid, process group, session.
        state, _ppid, _group, sid = stat[stat.rindex(")") + 2 :].split()[:4]
        if state not in ("Z", "X") and (int(sid) == session or marker in cmdline):
            found.append(int(entry.name))
    return found


class _Collector:
    """Records a page's errors and outside requests from DevTools events; blocks those requests."""

    def __init__(self, browser: _Browser, page_url: str) -> None:
        self.browser = browser
        self.page_url = page_url
        self.session: str | None = None
        self.errors: list[ConsoleError] = []
        self.requests: list[str] = []
        self._main_loader = ""  # the document now in the main frame (DevTools loader id)
        self.loaded: set[str] = set()  # loader ids whose load event fired
        self.downloads: dict[str, str] = {}  # download guid -> the file name the page suggested
        self.downloaded: dict[str, str] = {}  # download guid -> its end: completed or canceled

    def is_outside(self, url: str) -> bool:
        """Whether loading `url` reaches beyond the page itself."""
        return url.split("#", 1)[0] != self.page_url and not url.startswith(_INLINE_SCHEMES)

    def __call__(self, message: dict[str, Any]) -> None:
        method = message["method"]
        params = message.get("params", {})
        if method == "Browser.downloadWillBegin":  # browser-wide events: no session
            self.downloads[params["guid"]] = params.get("suggestedFilename", "")
        elif method == "Browser.downloadProgress" and params.get("state") in ("completed", "canceled"):
            self.downloaded[params["guid"]] = params["state"]
        if message.get("sessionId") != self.session:
            return
        if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            text = " ".join(_describe(arg) for arg in params.get("args", []))
            frame = (params.get("stackTrace") or {}).get("callFrames") or [{}]
            self._error(
                "console", text or params["type"], frame[0].get("url", ""), frame[0].get("lineNumber")
            )
        elif method == "Runtime.exceptionThrown":
            details = params.get("exceptionDetails", {})
            text = (details.get("exception") or {}).get("description") or details.get("text", "exception")
            self._error("exception", text, details.get("url", ""), details.get("lineNumber"))
        elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
            entry = params["entry"]
            self._error("log", entry.get("text", ""), entry.get("url", ""), entry.get("lineNumber"))
        elif method == "Page.frameNavigated" and "parentId" not in params.get("frame", {}):
            self._main_loader = params["frame"].get("loaderId", "")
        elif method == "Page.loadEventFired":
            self.loaded.add(self._main_loader)
        elif method == "Network.requestWillBeSent":
            url = params.get("request", {}).get("url", "")
            if self.is_outside(url) and url not in self.requests:
                self.requests.append(url)
        elif method == "Fetch.requestPaused":
            request_id = params["requestId"]
            if self.is_outside(params.get("request", {}).get("url", "")):
                self.browser.send(
                    "Fetch.failRequest",
                    {"requestId": request_id, "errorReason": "BlockedByClient"},
                    self.session,
                )
            else:
                self.browser.send("Fetch.continueRequest", {"requestId": request_id}, self.session)

    def _error(self, source: str, text: str, url: str, line: int | None) -> None:
        # DevTools lines are 0-based; people count from 1.
        self.errors.append(ConsoleError(source, text, url, None if line is None else line + 1))


def _describe(value: Mapping[str, Any]) -> str:
    """A console argument (a DevTools RemoteObject) as text."""
    if "value" in value:
        return str(value["value"])
    return str(value.get("description") or value.get("type", ""))


def inspect_page(
    html: Path,
    *,
    screenshot: Path | None = None,
    expressions: Mapping[str, str] | None = None,
    timeout: float = 60,
    viewport: tuple[int, int] | None = None,
    full_page: bool = True,
    downloads: Path | None = None,
    expect_downloads: int = 0,
    before_load: str | None = None,
) -> PageResult:
    """Load `html` in headless Chromium; its errors, outside requests, expression values, screenshot.

    `expressions` maps names to JavaScript expressions evaluated after the load event (promises
    are awaited; results come back by value, so they must be JSON-like). A screenshot, when asked
    for, is a PNG of the whole page (up to MAX_SCREENSHOT_HEIGHT pixels tall), or with `full_page`
    false of the first screen. `viewport` is the window's (width, height), VIEWPORT by default.
    With `downloads`, files the page downloads (a Blob behind `<a download>`, say) are saved in
    that directory; after the expressions, `expect_downloads` of them are waited for (a download's
    events come after the click that starts it), and every one begun is waited for to end.
    Without `downloads`, none is saved. `before_load` is a script run in the page before its own
    (to put something in its local storage, say: each page starts with a fresh profile).
    """
    path = Path(html)
    if not path.is_file():
        raise InputError(path, "no such file")
    binary = find_chromium()
    url = path.resolve().as_uri()
    deadline = time.monotonic() + timeout
    with tempfile.TemporaryDirectory(prefix="pipeline-chromium-", ignore_cleanup_errors=True) as workdir:
        browser = _Browser(binary, Path(workdir))
        try:
            return _inspect(
                browser,
                url=url,
                screenshot=screenshot,
                expressions=expressions or {},
                deadline=deadline,
                viewport=VIEWPORT if viewport is None else {"width": viewport[0], "height": viewport[1]},
                full_page=full_page,
                downloads=downloads,
                expect_downloads=expect_downloads,
                before_load=before_load,
            )
        except _Timeout as exc:
            raise BrowserError(f"{path}: Chromium did not finish within {timeout:g} s ({exc})") from None
        except BrowserError as exc:
            raise BrowserError(f"{path}: {exc}") from None
        finally:
            browser.close()


def _inspect(
    browser: _Browser,
    *,
    url: str,
    screenshot: Path | None,
    expressions: Mapping[str, str],
    deadline: float,
    viewport: Mapping[str, int] = VIEWPORT,
    full_page: bool = True,
    downloads: Path | None = None,
    expect_downloads: int = 0,
    before_load: str | None = None,
) -> PageResult:
    """Drive one page in a started browser (see `inspect_page`)."""
    collector = _Collector(browser, url)
    browser.on_event = collector
    behaviour: dict[str, Any] = {"behavior": "deny"}
    if downloads is not None:
        downloads.mkdir(parents=True, exist_ok=True)
        # Saved under the download's guid (known from its events), so no name is guessed.
        behaviour = {
            "behavior": "allowAndName",
            "downloadPath": str(downloads.resolve()),
            "eventsEnabled": True,
        }
    browser.call("Browser.setDownloadBehavior", behaviour, deadline=deadline)
    target = browser.call("Target.createTarget", {"url": "about:blank"}, deadline=deadline)["targetId"]
    attached = browser.call("Target.attachToTarget", {"targetId": target, "flatten": True}, deadline=deadline)
    session: str = attached["sessionId"]
    collector.session = session
    for method, params in (
        ("Runtime.enable", {}),
        ("Log.enable", {}),
        ("Network.enable", {}),
        ("Page.enable", {}),
        ("Fetch.enable", {"patterns": [{"urlPattern": "*"}]}),
        ("Emulation.setDeviceMetricsOverride", {**viewport, "deviceScaleFactor": 1, "mobile": False}),
    ):
        browser.call(method, params, session, deadline=deadline)
    if before_load is not None:
        browser.call(
            "Page.addScriptToEvaluateOnNewDocument", {"source": before_load}, session, deadline=deadline
        )
    navigated = browser.call("Page.navigate", {"url": url}, session, deadline=deadline)
    if navigated.get("errorText"):
        raise BrowserError(f"Chromium could not open it: {navigated['errorText']}")
    # The load event of this navigation (not of the blank page before it), whichever comes first.
    loader = navigated.get("loaderId", "")
    browser.wait_until(lambda: loader in collector.loaded, "waiting for the load event", deadline=deadline)
    # One rendered frame and one turn of the event loop, so errors from load handlers' timers are in.
    _evaluate(
        browser, session, "new Promise(r => requestAnimationFrame(() => setTimeout(r, 0)))", deadline=deadline
    )
    values = {
        name: _evaluate(browser, session, expression, deadline=deadline, name=name)
        for name, expression in expressions.items()
    }
    browser.wait_until(
        lambda: (
            len(collector.downloads) >= expect_downloads
            and set(collector.downloads) <= set(collector.downloaded)
        ),
        "waiting for downloads",
        deadline=deadline,
    )
    saved = {}
    if downloads is not None:
        saved = {
            name: downloads / guid
            for guid, name in collector.downloads.items()
            if collector.downloaded[guid] == "completed"
        }
    if screenshot is not None:
        _screenshot(browser, session, screenshot, deadline=deadline, viewport=viewport, full_page=full_page)
    return PageResult(
        url=url,
        errors=tuple(collector.errors),
        requests=tuple(collector.requests),
        values=values,
        screenshot=screenshot,
        browser_pid=browser.process.pid,
        workdir=browser.workdir,
        downloads=saved,
    )


def _evaluate(
    browser: _Browser,
    session: str,
    expression: str,
    *,
    deadline: float,
    name: str = "",
) -> Any:
    """The value of a JavaScript expression in the page (promises awaited)."""
    reply = browser.call(
        "Runtime.evaluate",
        {"expression": expression, "returnByValue": True, "awaitPromise": True},
        session,
        deadline=deadline,
    )
    if "exceptionDetails" in reply:
        details = reply["exceptionDetails"]
        text = (details.get("exception") or {}).get("description") or details.get("text", "exception")
        raise BrowserError(f"expression {name or expression!r} failed: {text.splitlines()[0]}")
    return reply.get("result", {}).get("value")


def _screenshot(
    browser: _Browser,
    session: str,
    out: Path,
    *,
    deadline: float,
    viewport: Mapping[str, int] = VIEWPORT,
    full_page: bool = True,
) -> None:
    """Save a PNG of the whole page (cut at MAX_SCREENSHOT_HEIGHT), or of the first screen."""
    width, height = viewport["width"], viewport["height"]
    if full_page:
        metrics = browser.call("Page.getLayoutMetrics", {}, session, deadline=deadline)
        size = metrics.get("cssContentSize") or metrics.get("contentSize") or {}
        width = max(width, math.ceil(size.get("width", 0)))
        height = min(MAX_SCREENSHOT_HEIGHT, max(height, math.ceil(size.get("height", 0))))
    clip = {"x": 0, "y": 0, "width": width, "height": height, "scale": 1}
    reply = browser.call(
        "Page.captureScreenshot",
        {"format": "png", "captureBeyondViewport": True, "clip": clip},
        session,
        deadline=deadline,
    )
    with atomic_write(out, "wb") as handle:
        handle.write(base64.b64decode(reply["data"]))
