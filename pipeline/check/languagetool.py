"""LanguageTool on English text: a local server the pipeline starts and stops, batched checks, safe fixes.

The server is LanguageTool 6.x's own HTTP server (`java -cp DIR/* org.languagetool.server.HTTPServer`),
bound to 127.0.0.1 on a port checked to be free, with pipeline caching on. We start it ourselves
rather than let language-tool-python do it: its client assumes a download, waits only 15 s for the
server and picks ports without checking them (its issues #5, #53, #63, #66). We still talk to the
server through language-tool-python, in its `remote_server` mode, which never downloads anything.
`LT_SERVER_URL` points the pipeline at a server that is already running instead.

Text is checked one paragraph per request (a batch of pieces joined by a space), which is much
faster than one request per sentence (`make bench-languagetool`). If our server dies during a run,
it is restarted once and the run goes on; a second failure ends the run with a clear error.
"""

from __future__ import annotations

import atexit
import contextlib
import dataclasses
import functools
import http.client
import logging
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any, Literal

from .. import io
from ..clean import apply_changes
from ..errors import InputError, PipelineError
from ..records import Change, Issue
from ..translate import read_translations

if TYPE_CHECKING:
    import language_tool_python

log = logging.getLogger(__name__)

LT_VERSION = "6.8"  # the newest LanguageTool that runs on Java 17; tools/languagetool/pom.xml pins the same
LANGUAGE = "en-US"
SOURCE = "languagetool"
SERVER_CLASS = "org.languagetool.server.HTTPServer"
ENV_URL = "LT_SERVER_URL"  # use this running server instead of starting one
ENV_DIR = "PIPELINE_LT_DIR"  # where `make languagetool` puts (and we look for) the Maven-assembled jars
ENV_STARTUP_TIMEOUT = "LT_STARTUP_TIMEOUT"
ENV_JAVA_OPTS = "LT_JAVA_OPTS"  # JVM options for our server (space-separated), replacing the default
# The client compiler only: LanguageTool loads its English rules about twice as fast (`make
# bench-languagetool` prints the start-up), which matters more for a pipeline run than peak speed.
DEFAULT_JAVA_OPTS = ("-XX:TieredStopAtLevel=1",)
# Always given to our server (before the options above, so LT_JAVA_OPTS can override them):
# - TCP_NODELAY on the server's sockets. Java's HTTP server writes a response's headers and body
#   separately; on a kept-alive connection Nagle's algorithm then holds the body back until the
#   client's delayed ACK (40 ms on Linux), which made a request ten times slower than on a fresh one.
# - A log configuration with warnings and errors only: by default the server logs three INFO lines
#   per request, which costs CPU time per request and fills the log.
NODELAY_PROPERTY = "-Dsun.net.httpserver.nodelay=true"
LOGBACK_XML = """<?xml version="1.0" encoding="UTF-8"?>
<configuration>
  <appender name="STDOUT" class="ch.qos.logback.core.ConsoleAppender">
    <encoder><pattern>%d{yyyy-MM-dd HH:mm:ss.SSS ZZZZ} %-5level %logger %msg%n</pattern></encoder>
  </appender>
  <root level="warn"><appender-ref ref="STDOUT" /></root>
</configuration>
"""
DEFAULT_STARTUP_TIMEOUT = 180.0  # seconds: a cold JVM on a busy 2-core machine can be slow
MANIFEST = "jars.txt"  # written last by the provisioning: the jar set is complete when it is there
# Jars the server cannot start without. The es/ca/pt modules are there because LanguageTool 6.x's
# language identifier looks those three languages up by code at start-up (CommonWordsDetector).
REQUIRED_JARS = (
    "languagetool-server",
    "languagetool-core",
    "language-en",
    "language-es",
    "language-ca",
    "language-pt",
)
# Rule categories whose single suggestion we apply to make the cleaned English.
SAFE_CATEGORIES = frozenset({"TYPOS", "GRAMMAR", "PUNCTUATION", "CASING"})
# LanguageTool's issue types -> our severities.
SEVERITIES = {
    "misspelling": "error",
    "grammar": "error",
    "typographical": "warning",
    "whitespace": "warning",
    "duplication": "warning",
    "inconsistency": "warning",
}
MAX_SUGGESTIONS = 5  # kept per issue; at least 2, so "exactly one suggestion" still means one
PIECE_SEPARATOR = " "  # pieces of one batch (the sentences of a paragraph) are joined with this
_BLOCK_ID = re.compile(r"^(.*:b\d+):s\d+$")


class LanguageToolError(PipelineError):
    """LanguageTool is missing, cannot start, or its server failed during a run."""


class ServerDied(LanguageToolError):
    """The server stopped answering during a run and could not be brought back."""

    def __init__(self, message: str, done: int) -> None:
        super().__init__(message)
        self.done = done  # batches finished before the failure


# --- where LanguageTool is ------------------------------------------------------------------------


def cache_dir() -> Path:
    """Where the Maven-assembled jars live: $PIPELINE_LT_DIR, or ~/.cache/pipeline/languagetool-<version>."""
    env = os.environ.get(ENV_DIR)
    if env:
        return Path(env)
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "pipeline" / f"languagetool-{LT_VERSION}"


def download_dir() -> Path:
    """Where language-tool-python's own download puts LanguageTool ($LTP_PATH or its cache)."""
    base = os.environ.get("LTP_PATH") or str(Path.home() / ".cache" / "language_tool_python")
    return Path(base) / f"LanguageTool-{LT_VERSION}"


def jar_set_complete(directory: Path) -> bool:
    """True when `directory` holds every jar its manifest lists, at the listed sizes."""
    manifest = directory / MANIFEST
    if not manifest.is_file():
        return False
    for line in manifest.read_text(encoding="utf-8").splitlines():
        name, _, size = line.partition("\t")
        jar = directory / name
        if not jar.is_file() or (size and jar.stat().st_size != int(size)):
            return False
    return True


def find_classpath() -> str:
    """The Java class path of an installed LanguageTool server; an error says how to install one.

    language-tool-python's download (the default where it works) wins; otherwise the jar set that
    `make languagetool` assembled from the Maven repository.
    """
    downloaded = download_dir() / "languagetool-server.jar"
    if downloaded.is_file() and not os.environ.get(ENV_DIR):
        return str(downloaded)  # its manifest's Class-Path names the rest of the distribution
    assembled = cache_dir()
    if jar_set_complete(assembled):
        return str(assembled / "*")
    raise LanguageToolError(
        f"LanguageTool {LT_VERSION} is not installed (looked in {download_dir()} and {assembled}): "
        "run 'make languagetool'"
    )


# --- the server -----------------------------------------------------------------------------------


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port on `host` that nothing listens on right now (the kernel's choice)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def _die_with_parent() -> None:
    """In the child before exec: ask Linux to SIGTERM the JVM if the pipeline dies without cleaning up."""
    import ctypes  # noqa: PLC0415 - only in the forked child, only on Linux

    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def _get(url: str, timeout: float) -> bool:
    """True when a GET of `url` answers 200."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return int(response.status) == 200
    except (OSError, ValueError):
        return False


class LanguageToolServer:
    """A LanguageTool HTTP server on 127.0.0.1 that we start and stop, or an existing one (`url=`).

    Use it as a context manager: the JVM is stopped when the block ends, also on Ctrl-C, on SIGTERM
    and on errors; Linux's parent-death signal covers the pipeline being killed outright.
    """

    def __init__(
        self,
        *,
        url: str | None = None,
        classpath: str | None = None,
        java: str = "java",
        startup_timeout: float | None = None,
        warm_up: bool = True,
        jvm_options: Sequence[str] | None = None,
        pipeline_caching: bool = True,
    ) -> None:
        self.owned = url is None
        self._url = url.rstrip("/") + "/" if url else ""
        self._classpath = classpath
        self.java = java
        env_timeout = os.environ.get(ENV_STARTUP_TIMEOUT)
        self.startup_timeout = startup_timeout or (
            float(env_timeout) if env_timeout else DEFAULT_STARTUP_TIMEOUT
        )
        self.warm_up = warm_up
        self.pipeline_caching = pipeline_caching
        env_opts = os.environ.get(ENV_JAVA_OPTS)
        self.jvm_options = tuple(
            jvm_options if jvm_options is not None else env_opts.split() if env_opts else DEFAULT_JAVA_OPTS
        )
        self.proc: subprocess.Popen[bytes] | None = None
        self.restarts = 0
        self.startup_seconds = 0.0  # until /v2/healthcheck answered
        self.warmup_seconds = 0.0  # the first check after that (LanguageTool loads its rules)
        self._workdir: Path | None = None
        self._tool: language_tool_python.LanguageTool | None = None
        self._old_sigterm: Any = None

    @classmethod
    def from_env(cls, **kwargs: Any) -> LanguageToolServer:
        """The server `LT_SERVER_URL` names, or a new local one."""
        return cls(url=os.environ.get(ENV_URL) or None, **kwargs)

    @property
    def url(self) -> str:
        """The server's base address, ending in a slash (`http://127.0.0.1:PORT/`)."""
        return self._url

    @property
    def pid(self) -> int | None:
        """The JVM's process id while we run one."""
        return self.proc.pid if self.proc is not None else None

    def __enter__(self) -> LanguageToolServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        """Start the JVM and wait until it answers (or check that the existing server answers)."""
        if not self.owned:
            if not _get(self._url + "v2/healthcheck", timeout=10):
                raise LanguageToolError(f"{ENV_URL}={self._url}: no LanguageTool server answers there")
            return
        if self.proc is not None:
            return
        classpath = self._classpath or find_classpath()
        if shutil.which(self.java) is None:
            raise LanguageToolError(
                f"{self.java}: Java not found (LanguageTool needs Java >= 17): run 'make setup'"
            )
        self._workdir = Path(tempfile.mkdtemp(prefix="pipeline-languagetool-"))
        config = self._workdir / "server.properties"
        # pipelineCaching keeps LanguageTool's per-language rule pipelines between requests.
        caching = "pipelineCaching=true\nmaxPipelinePoolSize=4\n" if self.pipeline_caching else ""
        config.write_text(caching, encoding="utf-8")
        (self._workdir / "logback.xml").write_text(LOGBACK_XML, encoding="utf-8")
        self._install_signal_handler()
        atexit.register(self.stop)
        for attempt in range(3):  # another process may take the free port before the JVM binds it
            try:
                self._spawn(classpath, config)
                break
            except LanguageToolError:
                self._kill()
                if attempt == 2 or "Address already in use" not in self._log_tail():
                    self.stop()
                    raise
        if self.warm_up:
            t0 = time.perf_counter()
            self.check("This is a short warm-up text.")
            self.warmup_seconds = time.perf_counter() - t0

    def _spawn(self, classpath: str, config: Path) -> None:
        assert self._workdir is not None
        port = free_port()
        self._url = f"http://127.0.0.1:{port}/"
        self._tool = None
        # Never --public: without it the server accepts connections from this machine only.
        cmd = [
            self.java,
            NODELAY_PROPERTY,
            f"-Dlogback.configurationFile={self._workdir / 'logback.xml'}",
            *self.jvm_options,
            "-cp",
            classpath,
            SERVER_CLASS,
            "--port",
            str(port),
            "--config",
            str(config),
        ]
        log.debug("starting LanguageTool: %s", " ".join(cmd))
        t0 = time.perf_counter()
        with open(self._workdir / "server.log", "ab") as server_log:
            self.proc = subprocess.Popen(
                cmd,
                stdin=subprocess.DEVNULL,
                stdout=server_log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # Ctrl-C reaches us, and we stop the JVM in order
                preexec_fn=_die_with_parent if sys.platform == "linux" else None,  # noqa: PLW1509
            )
        deadline = t0 + self.startup_timeout
        while time.perf_counter() < deadline:
            code = self.proc.poll()
            if code is not None:
                raise LanguageToolError(
                    f"LanguageTool server exited with code {code} while starting: {self._log_tail()}"
                )
            if _get(self._url + "v2/healthcheck", timeout=2):
                self.startup_seconds = time.perf_counter() - t0
                log.debug("LanguageTool up on %s after %.1f s", self._url, self.startup_seconds)
                return
            time.sleep(0.2)
        raise LanguageToolError(
            f"LanguageTool server on {self._url} did not answer within {self.startup_timeout:.0f} s "
            f"(set {ENV_STARTUP_TIMEOUT} to wait longer)"
        )

    def _log_tail(self) -> str:
        """The last informative line of the server's log, for error messages."""
        if self._workdir is None:
            return "no log"
        path = self._workdir / "server.log"
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines() if path.exists() else []
        for line in reversed(lines):
            if line.strip() and not line.lstrip().startswith("at ") and "***" not in line:
                return line.strip()
        return "no output"

    def _kill(self) -> None:
        """Stop the JVM: SIGTERM, then SIGKILL if it lingers; reap it so no zombie is left."""
        proc, self.proc = self.proc, None
        self._tool = None
        if proc is None:
            return
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    def stop(self) -> None:
        """Stop the JVM we started (nothing for an existing server) and remove its work files."""
        self._kill()
        if self._workdir is not None:
            shutil.rmtree(self._workdir, ignore_errors=True)
            self._workdir = None
        self._restore_signal_handler()
        atexit.unregister(self.stop)

    def restart(self) -> None:
        """Start a fresh JVM after ours died."""
        if not self.owned:
            raise LanguageToolError(f"{ENV_URL}={self._url}: the server stopped answering")
        log.warning("LanguageTool server on %s died (%s); restarting it", self._url, self._log_tail())
        self.restarts += 1
        workdir, self._workdir = self._workdir, None
        self._kill()
        if workdir is not None:
            shutil.rmtree(workdir, ignore_errors=True)
        self.start()

    def alive(self) -> bool:
        """True while the server answers its health check."""
        if self.owned and (self.proc is None or self.proc.poll() is not None):
            return False
        return _get(self._url + "v2/healthcheck", timeout=10)

    def _install_signal_handler(self) -> None:
        """Turn SIGTERM into SystemExit while the JVM runs, so `with` blocks and atexit stop it."""
        if threading.current_thread() is not threading.main_thread() or self._old_sigterm is not None:
            return

        def on_sigterm(signum: int, frame: FrameType | None) -> None:
            raise SystemExit(128 + signum)

        self._old_sigterm = signal.signal(signal.SIGTERM, on_sigterm)

    def _restore_signal_handler(self) -> None:
        if self._old_sigterm is not None and threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, self._old_sigterm)
        self._old_sigterm = None

    def tool(self) -> language_tool_python.LanguageTool:
        """language-tool-python's client on this server (remote mode: it downloads and starts nothing).

        On our own server (started with TCP_NODELAY) it keeps one HTTP connection open instead of
        opening one per request; a server we did not start may not have TCP_NODELAY, and kept-alive
        connections to it can wait 40 ms per request, so those get a connection per request.
        """
        if self._tool is None:
            import language_tool_python  # noqa: PLC0415 - its import pulls in requests; only when checking

            if self.owned:
                self._tool = _keep_alive_client()(LANGUAGE, remote_server=self._url)
            else:
                self._tool = language_tool_python.LanguageTool(LANGUAGE, remote_server=self._url)
        return self._tool

    def check(self, text: str) -> list[Any]:
        """LanguageTool's matches for `text` (language_tool_python.Match objects)."""
        from language_tool_python.exceptions import LanguageToolError as ClientError  # noqa: PLC0415

        try:
            return list(self.tool().check(text))
        except (ClientError, OSError) as exc:
            raise LanguageToolError(f"LanguageTool server on {self._url}: {exc}") from exc


@functools.cache
def _keep_alive_client() -> type[language_tool_python.LanguageTool]:
    """language-tool-python's client class with one kept-alive HTTP connection (a requests Session).

    language-tool-python 3.x sends every request with `requests.post`, a new TCP connection (and a
    new Session) each time. This subclass sends them on one Session, with the same retry and error
    behaviour as its `_query_server`: two tries, then its LanguageToolError.
    """
    import language_tool_python  # noqa: PLC0415
    import requests  # noqa: PLC0415
    from language_tool_python.exceptions import LanguageToolError as ClientError  # noqa: PLC0415

    class KeepAliveLanguageTool(language_tool_python.LanguageTool):
        _session: requests.Session | None = None

        def _query_server(
            self,
            url: str,
            params: dict[str, str] | None = None,
            num_tries: int = 2,
            method: Literal["get", "post"] = "get",
        ) -> Any:
            if self._session is None:
                self._session = requests.Session()
                # Our server is on 127.0.0.1: no proxy from the environment applies (and looking
                # them up in os.environ on every request cost more client time than parsing).
                self._session.trust_env = False
            for attempt in range(num_tries):
                try:
                    if method == "post":
                        response = self._session.post(url, data=params, timeout=self._TIMEOUT)
                    else:
                        response = self._session.get(url, params=params, timeout=self._TIMEOUT)
                    with response:
                        try:
                            return response.json()
                        except ValueError as exc:
                            raise ClientError(response.content.decode(errors="replace")) from exc
                except (OSError, http.client.HTTPException) as exc:
                    self._session.close()  # a dead server leaves a dead connection in the pool
                    if attempt + 1 >= num_tries:
                        raise ClientError(f"{self._url}: {exc}") from exc
            return None

        def close(self) -> None:
            if self._session is not None:
                self._session.close()
            super().close()

    return KeepAliveLanguageTool


_ACTIVE: LanguageToolServer | None = None
_HELD: contextlib.ExitStack | None = None


@contextlib.contextmanager
def shared_server() -> Iterator[LanguageToolServer]:
    """The pipeline run's one server: the active one if a caller opened it, otherwise a new one
    (inside `hold_server()`, kept for every check after this one)."""
    global _ACTIVE  # noqa: PLW0603 - one server per process, shared by every English check
    if _ACTIVE is not None:
        yield _ACTIVE
        return
    if _HELD is not None:
        _ACTIVE = _HELD.enter_context(LanguageToolServer.from_env())
        yield _ACTIVE
        return
    with LanguageToolServer.from_env() as server:
        _ACTIVE = server
        try:
            yield server
        finally:
            _ACTIVE = None


@contextlib.contextmanager
def hold_server() -> Iterator[None]:
    """Inside this block, the server the first English check starts stays up for every check after
    it (a process that runs many documents starts one JVM); it is stopped when the block ends."""
    global _ACTIVE, _HELD  # noqa: PLW0603
    if _HELD is not None:
        yield
        return
    with contextlib.ExitStack() as stack:
        _HELD = stack
        try:
            yield
        finally:
            _HELD = None
            _ACTIVE = None


@contextlib.contextmanager
def use_server(server: LanguageToolServer) -> Iterator[LanguageToolServer]:
    """Make `server` the one `shared_server()` hands out inside this block (tests, benchmarks)."""
    global _ACTIVE  # noqa: PLW0603
    previous, _ACTIVE = _ACTIVE, server
    try:
        yield server
    finally:
        _ACTIVE = previous


# --- checking -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Piece:
    """English text checked as part of one request: its segment id, its text, and `offset`, where that
    text starts in the text that issue offsets refer to (the file, or 0 for a segment's own text)."""

    segment: str
    text: str
    offset: int = 0


def _python_end(text: str, start: int, utf16_length: int) -> int:
    """The end offset in `text` of a span that starts at `start` and is `utf16_length` UTF-16 units long.

    LanguageTool counts in UTF-16 units; language-tool-python corrects the start but not the length.
    """
    end, units = start, 0
    while end < len(text) and units < utf16_length:
        units += 2 if ord(text[end]) > 0xFFFF else 1
        end += 1
    return end


def match_issues(doc: str, pieces: Sequence[Piece], joined: str, matches: Iterable[Any]) -> list[Issue]:
    """LanguageTool's matches on `joined` (the pieces joined by PIECE_SEPARATOR) as issues of the pieces."""
    starts: list[int] = []
    pos = 0
    for piece in pieces:
        starts.append(pos)
        pos += len(piece.text) + len(PIECE_SEPARATOR)
    issues: list[Issue] = []
    for m in matches:
        start = int(m.offset)
        end = _python_end(joined, start, int(m.error_length))
        index = max(i for i, s in enumerate(starts) if s <= start) if starts else 0
        piece = pieces[index]
        local_start, local_end = start - starts[index], min(end - starts[index], len(piece.text))
        if local_start >= len(piece.text):
            continue  # a match on the separator we added between two pieces
        issues.append(
            Issue(
                doc=doc,
                segment=piece.segment,
                start=piece.offset + local_start,
                end=piece.offset + local_end,
                category=str(m.category),
                rule=str(m.rule_id),
                severity=SEVERITIES.get(str(m.rule_issue_type), "info"),
                message=str(m.message),
                suggestions=[str(r) for r in m.replacements[:MAX_SUGGESTIONS]],
                source=SOURCE,
                text=piece.text[local_start:local_end],
            )
        )
    return issues


def check_batches(
    server: LanguageToolServer,
    doc: str,
    batches: Sequence[Sequence[Piece]],
    *,
    after_batch: Callable[[int], None] | None = None,
) -> Iterator[list[Issue]]:
    """Check each batch in one request; yield its issues. A dead server is restarted once per run.

    A request that fails while the server stays healthy (a text it cannot handle) gives an
    `internal-error` issue for that batch and the run goes on; a server that dies a second
    time raises ServerDied, saying how many batches were done.
    """
    for number, batch in enumerate(batches):
        pieces = [p for p in batch if p.text.strip()]
        if not pieces:
            yield []
            continue
        joined = PIECE_SEPARATOR.join(p.text for p in pieces)
        issues: list[Issue] | None = None
        while issues is None:
            try:
                issues = match_issues(doc, pieces, joined, server.check(joined))
            except LanguageToolError as exc:
                if server.alive():
                    log.warning("%s: LanguageTool failed on %s: %s", doc, pieces[0].segment, exc)
                    issues = [_crash_issue(doc, pieces[0], exc)]
                    break
                done = f"{number} of {len(batches)} paragraphs were checked"
                if not server.owned:  # not ours to restart
                    raise ServerDied(
                        f"{ENV_URL}: the server stopped answering ({exc}); {done}", number
                    ) from None
                if server.restarts >= 1:
                    raise ServerDied(
                        f"LanguageTool server failed again after a restart ({exc}); {done}", number
                    ) from None
                try:
                    server.restart()
                except LanguageToolError as again:
                    raise ServerDied(
                        f"LanguageTool server could not be restarted ({again}); {done}", number
                    ) from None
        if after_batch is not None:
            after_batch(number)
        yield issues


def _crash_issue(doc: str, piece: Piece, exc: Exception) -> Issue:
    return Issue(
        doc=doc,
        segment=piece.segment,
        start=piece.offset,
        end=piece.offset + len(piece.text),
        category="internal-error",
        rule=f"{SOURCE}:failed",
        severity="info",
        message=f"LanguageTool failed on this text: {exc}",
        suggestions=[],
        source=SOURCE,
        text=piece.text,
    )


# --- inputs: an English text file, or (segment id, English text) pairs ------------------------------


def paragraph_pieces(doc: str, text: str) -> list[Piece]:
    """The paragraphs of an English text (blank lines separate them), with their offsets in the text."""
    pieces: list[Piece] = []
    for m in re.finditer(r"\S(?:.*\S)?(?:\n[ \t\f\r]*\S.*)*", text):
        start, end = m.start(), m.end()
        while end > start and text[end - 1].isspace():
            end -= 1
        pieces.append(Piece(segment=f"{doc}:p{len(pieces):03d}", text=text[start:end], offset=start))
    return pieces


def paragraph_key(segment: str) -> str:
    """The paragraph a segment belongs to: its block (`doc:b004` of `doc:b004:s01`), or itself."""
    m = _BLOCK_ID.match(segment)
    return m.group(1) if m else segment


def pair_batches(pairs: Iterable[tuple[str, str]], per: str = "paragraph") -> list[list[Piece]]:
    """(segment id, English text) pairs as batches: consecutive segments of one block together
    (`per="paragraph"`), or one segment per batch (`per="segment"`). Offsets are segment-relative."""
    if per not in ("paragraph", "segment"):
        raise ValueError(f"per must be 'paragraph' or 'segment', not {per!r}")
    batches: list[list[Piece]] = []
    last_key: str | None = None
    for segment, text in pairs:
        key = paragraph_key(segment)
        if per == "segment" or key != last_key or not batches:
            batches.append([])
        batches[-1].append(Piece(segment=segment, text=text))
        last_key = key
    return batches


# Fields of the translate stage's rows that hold the segment id and its English text, in order of
# preference (the translate stage's format was not fixed when this was written: see README).
ID_FIELDS = ("segment", "id")
EN_FIELDS = ("en", "text_en", "translation", "mt_en")


def translation_pairs(path: str | Path) -> list[tuple[str, str]]:
    """(segment id, English text) pairs from a JSONL file of translations; a row without them is an error.

    Rows of the translate stage (with a `status`) give their `text` when the status is `ok`; skipped
    segments (no model) have nothing to check and are left out, with one warning.
    """
    pairs: list[tuple[str, str]] = []
    rows = io.read_jsonl(path)
    if rows and all("status" in row for row in rows):
        texts, why_not = read_translations(path)
        if why_not:
            log.warning(
                "%s: %d segments not translated (%s); check-en checks the rest",
                path,
                len(rows) - len(texts),
                why_not,
            )
        return list(texts.items())
    for number, row in enumerate(rows, start=1):
        seg = next((row[k] for k in ID_FIELDS if isinstance(row.get(k), str)), None)
        en = next((row[k] for k in EN_FIELDS if isinstance(row.get(k), str)), None)
        if seg is None or en is None:
            raise InputError(
                path,
                f"row {number}: needs a segment id ({' or '.join(ID_FIELDS)}) "
                f"and English text ({' or '.join(EN_FIELDS)})",
            )
        pairs.append((seg, en))
    return pairs


# --- safe corrections -----------------------------------------------------------------------------


def is_safe(issue: Issue) -> bool:
    """A correction we apply without review: one suggestion, in a typo/grammar/punctuation/casing category."""
    return issue.category in SAFE_CATEGORIES and len(issue.suggestions) == 1 and issue.start < issue.end


def corrections(piece: Piece, issues: Iterable[Issue]) -> tuple[str, list[Change]]:
    """The piece's text with its safe corrections applied, and the changes (overlaps: the first wins)."""
    changes: list[Change] = []
    last_end = piece.offset
    for issue in sorted(issues, key=lambda i: (i.start, i.end)):
        if issue.segment != piece.segment or not is_safe(issue) or issue.start < last_end:
            continue
        change_id = f"{issue.segment}:{issue.rule}:{issue.start - piece.offset}"
        changes.append(Change.from_issue(issue, change_id, issue.suggestions[0], reason=issue.message))
        last_end = issue.end
    return apply_changes(piece.text, changes, piece.offset), changes


@dataclass
class EnglishCheck:
    """What checking an English text gives: issues, the cleaned pieces and the changes made."""

    issues: list[Issue] = dataclasses.field(default_factory=list)
    cleaned: dict[str, str] = dataclasses.field(default_factory=dict)  # segment id -> cleaned text
    changes: list[Change] = dataclasses.field(default_factory=list)
    batches_done: int = 0


def check_english(
    server: LanguageToolServer,
    doc: str,
    batches: Sequence[Sequence[Piece]],
    *,
    after_batch: Callable[[int], None] | None = None,
    result: EnglishCheck | None = None,
) -> EnglishCheck:
    """Check every batch; collect issues, cleaned texts and changes. On ServerDied, `result` (if given)
    holds everything finished before the failure."""
    result = result if result is not None else EnglishCheck()
    checked = check_batches(server, doc, batches, after_batch=after_batch)
    for batch in batches:
        issues = next(checked)
        result.issues.extend(issues)
        for piece in batch:
            cleaned, changes = corrections(piece, issues)
            result.cleaned[piece.segment] = cleaned
            result.changes.extend(changes)
        result.batches_done += 1
    return result


def cleaned_pairs_text(batches: Sequence[Sequence[Piece]], cleaned: dict[str, str]) -> str:
    """Cleaned segments as a text: a paragraph's segments joined by a space, paragraphs by a blank line."""
    paragraphs = [
        PIECE_SEPARATOR.join(cleaned.get(p.segment, p.text) for p in batch if p.text.strip())
        for batch in batches
    ]
    return "".join(p + "\n\n" for p in paragraphs if p).rstrip("\n") + ("\n" if any(paragraphs) else "")


# --- file wrappers: the check-en command and stage ------------------------------------------------


@dataclass(frozen=True)
class Outputs:
    """Where check-en writes: issues (JSONL), the cleaned English text and the changes (JSONL)."""

    issues: Path | None = None
    cleaned: Path | None = None
    changes: Path | None = None


def sorted_issues(issues: Iterable[Issue]) -> list[Issue]:
    """Issues in output order: by segment, then position, then rule."""
    return sorted(issues, key=lambda i: (i.segment, i.start, i.end, i.rule))


def _write(outputs: Outputs, result: EnglishCheck, cleaned_text: str, suffix: str = "") -> None:
    if outputs.issues is not None:
        io.write_jsonl(f"{outputs.issues}{suffix}", (i.to_dict() for i in sorted_issues(result.issues)))
    if outputs.cleaned is not None:
        io.write_text(f"{outputs.cleaned}{suffix}", cleaned_text)
    if outputs.changes is not None:
        io.write_jsonl(f"{outputs.changes}{suffix}", (c.to_dict() for c in result.changes))


def load_english(path: str | Path) -> tuple[str, list[list[Piece]], Callable[[EnglishCheck], str]]:
    """An English input as (doc, batches, cleaned-text builder): a text file (one batch per paragraph,
    file offsets) or a translations JSONL file (one batch per block, segment-relative offsets)."""
    if str(path).endswith(".jsonl"):
        pairs = translation_pairs(path)
        # Segment ids are `<doc>:b<block>:s<sentence>`; outputs/<doc>/translations.jsonl otherwise.
        doc = pairs[0][0].split(":")[0] if pairs and ":" in pairs[0][0] else Path(path).resolve().parent.name
        batches = pair_batches(pairs)
        return doc, batches, lambda r: cleaned_pairs_text(batches, r.cleaned)
    doc = io.doc_name(path)
    text = io.read_text(path)
    paragraphs = paragraph_pieces(doc, text)
    return doc, [[p] for p in paragraphs], lambda r: apply_changes(text, r.changes)


def run(
    in_path: str | Path,
    outputs: Outputs,
    *,
    after_batch: Callable[[int], None] | None = None,
) -> EnglishCheck:
    """check-en: check an English input with the run's shared server and write the outputs atomically.

    If the server dies twice, what was finished is written next to each output with a `.partial`
    suffix (the outputs themselves are left as they were), and ServerDied is raised.
    """
    doc, batches, cleaned_text = load_english(in_path)
    result = EnglishCheck()
    if any(p.text.strip() for batch in batches for p in batch):
        with shared_server() as server:
            try:
                check_english(server, doc, batches, after_batch=after_batch, result=result)
            except ServerDied as exc:
                _write(outputs, result, cleaned_text(result), suffix=".partial")
                where = outputs.issues or outputs.cleaned or outputs.changes
                kept = f"; results so far in {where}.partial" if where else ""
                raise ServerDied(f"{in_path}: {exc}{kept}", done=exc.done) from None
    _write(outputs, result, cleaned_text(result))
    return result


STAGE_OUTPUTS = ("issues.en.jsonl", "cleaned.en.txt", "changes.en.jsonl")


def run_stage(translations: Path, out_dir: Path) -> EnglishCheck | None:
    """The check-en stage for one document: translations.jsonl in; issues, cleaned text, changes out.

    Until the translate stage has written translations.jsonl, it writes empty outputs and warns.
    """
    outputs = Outputs(*(out_dir / name for name in STAGE_OUTPUTS))
    if not translations.exists():
        log.warning("%s: not there (the translate stage has not run); check-en skipped", translations)
        _write(outputs, EnglishCheck(), "")
        return None
    return run(translations, outputs)
