"""LanguageTool's HTTP server: one the pipeline starts and stops, or one already running.

The server is LanguageTool 6.x's own HTTP server (`java -cp DIR/* org.languagetool.server.HTTPServer`),
bound to 127.0.0.1 on a port checked to be free, with pipeline caching on. We start it ourselves
rather than let language-tool-python do it: its client assumes a download, waits only 15 s for the
server and picks ports without checking them (its issues #5, #53, #63, #66). We still talk to the
server through language-tool-python, in its `remote_server` mode, which never downloads anything.
`LT_SERVER_URL` points the pipeline at a server that is already running instead.

If our server dies during a run, the checker (client.py) restarts it once and the run goes on; a
second failure ends the run with a clear error (ServerDied). Every request has a time-out and a
bounded number of tries (LT_REQUEST_TIMEOUT, LT_REQUEST_RETRIES), and a reply that is not what
LanguageTool sends (not UTF-8 JSON, no `matches`) is a BadReply, so a misbehaving server ends a run
in bounded time with one line instead of hanging it or filling the outputs with made-up issues.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import http.client
import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any, Literal

from ..errors import LanguageToolError
from ..settings import env_float, env_int
from .install import find_classpath

if TYPE_CHECKING:
    import language_tool_python

log = logging.getLogger(__name__)

LANGUAGE = "en-US"
SERVER_CLASS = "org.languagetool.server.HTTPServer"
ENV_URL = "LT_SERVER_URL"  # use this running server instead of starting one
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
ENV_REQUEST_TIMEOUT = "LT_REQUEST_TIMEOUT"
ENV_REQUEST_RETRIES = "LT_REQUEST_RETRIES"
# A paragraph takes well under a second and a cold server's first check a few seconds; a minute
# means a hung server. language-tool-python waits 300 s, twice.
DEFAULT_REQUEST_TIMEOUT = 60.0
DEFAULT_REQUEST_RETRIES = 1  # tries after the first, on a time-out, a refused connection or HTTP 5xx
MAX_REQUEST_RETRIES = 5
HEALTH_TIMEOUT = 10.0  # seconds for a health check (at most the request time-out)


class ServerFailed(LanguageToolError):
    """The server failed during a run in a way that ends it; `done` batches were finished before."""

    def __init__(self, message: str, done: int) -> None:
        super().__init__(message)
        self.done = done  # batches finished before the failure


class ServerDied(ServerFailed):
    """The server stopped answering during a run and could not be brought back."""


class BadReply(LanguageToolError):
    """The server answered with something LanguageTool does not send (the server is not trusted on)."""


class NoAnswer(LanguageToolError):
    """No usable answer after every try: time-outs, refused connections or HTTP 5xx."""


class TimedOut(NoAnswer):
    """No answer within the request time-out, on every try (a hung server: not asked again)."""


class Rejected(LanguageToolError):
    """The server refused this request (HTTP 4xx: a text too long, a bad parameter)."""


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


def _health(url: str, timeout: float) -> str | None:
    """None when a GET of `url` answers 200, else what went wrong."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return None if int(response.status) == 200 else f"HTTP {response.status}"
    except TimeoutError:
        return f"no answer within {timeout:g} s"
    except (OSError, ValueError, http.client.HTTPException) as exc:
        reason = getattr(exc, "reason", None)
        return f"no answer within {timeout:g} s" if isinstance(reason, TimeoutError) else str(exc)


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
        self.startup_timeout = startup_timeout or env_float(ENV_STARTUP_TIMEOUT, DEFAULT_STARTUP_TIMEOUT)
        self.request_timeout = env_float(ENV_REQUEST_TIMEOUT, DEFAULT_REQUEST_TIMEOUT, maximum=3600)
        self.request_retries = env_int(
            ENV_REQUEST_RETRIES, DEFAULT_REQUEST_RETRIES, maximum=MAX_REQUEST_RETRIES
        )
        self.checks_ok = 0  # checks this server answered (the warm-up included)
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
            problem = _health(self._url + "v2/healthcheck", self.health_timeout)
            if problem is not None:
                raise LanguageToolError(
                    f"{ENV_URL}={self._url}: no LanguageTool server answers there ({problem})"
                )
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
            if _health(self._url + "v2/healthcheck", min(2.0, self.health_timeout)) is None:
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
        return _health(self._url + "v2/healthcheck", self.health_timeout) is None

    @property
    def health_timeout(self) -> float:
        """Seconds a health check waits: HEALTH_TIMEOUT, or the request time-out if that is shorter."""
        return min(HEALTH_TIMEOUT, self.request_timeout)

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
            # (imported here: language-tool-python pulls in requests; only when checking)
            cls: Any = _keep_alive_client() if self.owned else _bounded_client()
            # The constructor asks the server for its languages: a first request, bounded as all are.
            self._tool = cls(
                LANGUAGE, remote_server=self._url, timeout=self.request_timeout, retries=self.request_retries
            )
        return self._tool

    def check(self, text: str) -> list[Any]:
        """LanguageTool's matches for `text` (language_tool_python.Match objects)."""
        from language_tool_python.exceptions import LanguageToolError as ClientError  # noqa: PLC0415

        where = f"LanguageTool server on {self._url}"
        try:
            matches = list(self.tool().check(text))
        except (BadReply, TimedOut, NoAnswer, Rejected) as exc:
            raise type(exc)(f"{where}: {exc}") from None
        except (ClientError, OSError) as exc:
            raise LanguageToolError(f"{where}: {exc}") from exc
        except KeyError as exc:
            raise BadReply(f"{where}: a reply without the field {exc}") from None
        except (TypeError, ValueError, AttributeError) as exc:
            raise BadReply(f"{where}: a reply LanguageTool does not send ({exc})") from None
        self.checks_ok += 1
        return matches


def _reply(response: Any, tries: int) -> Any:
    """The JSON of a LanguageTool reply; NoAnswer for HTTP 5xx, Rejected for 4xx, BadReply otherwise."""
    status = int(response.status_code)
    body = response.content
    if status >= 500:
        raise NoAnswer(f"HTTP {status} on {_tries(tries)} ({_first_line(body)})")
    if status >= 400:
        raise Rejected(f"HTTP {status} ({_first_line(body)})")
    try:
        return json.loads(body.decode("utf-8"))
    except UnicodeDecodeError:
        raise BadReply(f"HTTP {status}: a reply that is not UTF-8 ({_first_line(body)})") from None
    except json.JSONDecodeError as exc:
        raise BadReply(f"HTTP {status}: a reply that is not JSON ({exc.msg}: {_first_line(body)})") from None


def _first_line(body: bytes, limit: int = 80) -> str:
    """The start of a reply's body, for messages: one line, printable."""
    line = body.decode("utf-8", errors="replace").strip().split("\n", 1)[0]
    line = "".join(c if c.isprintable() else "?" for c in line)
    return repr(line[:limit] + ("…" if len(line) > limit else "")) if line else "empty body"


def _tries(n: int) -> str:
    return "1 try" if n == 1 else f"each of {n} tries"


@functools.cache
def _bounded_client() -> type[language_tool_python.LanguageTool]:
    """language-tool-python's client with our time-out, tries and reply checks (a connection per request).

    language-tool-python 3.x waits 300 s per request and tries twice, and reads any reply as
    JSON without looking at its status; this subclass waits `timeout` seconds, tries `retries + 1`
    times on a time-out, a refused connection or HTTP 5xx, and raises NoAnswer, Rejected or BadReply.
    """
    import language_tool_python  # noqa: PLC0415
    import requests  # noqa: PLC0415

    class BoundedLanguageTool(language_tool_python.LanguageTool):
        def __init__(self, *args: Any, timeout: float, retries: int, **kwargs: Any) -> None:
            self._timeout, self._retries = timeout, retries
            super().__init__(*args, **kwargs)

        def _send(self, method: str, url: str, params: dict[str, str] | None) -> requests.Response:
            if method == "post":
                return requests.post(url, data=params, timeout=self._timeout, proxies=self._proxies)
            return requests.get(url, params=params, timeout=self._timeout, proxies=self._proxies)

        def _query_server(
            self,
            url: str,
            params: dict[str, str] | None = None,
            num_tries: int = 2,  # ours come from the constructor
            method: Literal["get", "post"] = "get",
        ) -> Any:
            tries = self._retries + 1
            failure: NoAnswer
            for attempt in range(tries):
                try:
                    with self._send(method, url, params) as response:
                        return _reply(response, tries)
                except requests.Timeout:
                    failure = TimedOut(f"no answer within {self._timeout:g} s on {_tries(tries)}")
                except NoAnswer as exc:
                    failure = exc
                except (OSError, http.client.HTTPException) as exc:
                    self._lost_connection()
                    failure = NoAnswer(f"{exc} (on {_tries(tries)})")
                if attempt + 1 < tries:
                    time.sleep(min(1.0, 0.1 * 2**attempt))  # a short pause before trying again
            raise failure

        def _lost_connection(self) -> None:
            """A dead server leaves a dead connection: the kept-alive client drops it."""

    return BoundedLanguageTool


@functools.cache
def _keep_alive_client() -> type[language_tool_python.LanguageTool]:
    """The bounded client (above) with one kept-alive HTTP connection (a requests Session).

    language-tool-python 3.x sends every request with `requests.post`, a new TCP connection (and a
    new Session) each time. This subclass sends them on one Session.
    """
    import requests  # noqa: PLC0415

    base: Any = _bounded_client()

    class KeepAliveLanguageTool(base):  # type: ignore[misc]
        _session: requests.Session | None = None

        def _send(self, method: str, url: str, params: dict[str, str] | None) -> requests.Response:
            if self._session is None:
                self._session = requests.Session()
                # Our server is on 127.0.0.1: no proxy from the environment applies (and looking
                # them up in os.environ on every request cost more client time than parsing).
                self._session.trust_env = False
            if method == "post":
                return self._session.post(url, data=params, timeout=self._timeout)
            return self._session.get(url, params=params, timeout=self._timeout)

        def _lost_connection(self) -> None:
            if self._session is not None:
                self._session.close()

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
