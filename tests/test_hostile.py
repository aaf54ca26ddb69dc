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

# (imports here, in this section, so that the sections of this file merge without conflicts)
import http.server  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import shutil  # noqa: E402
import stat  # noqa: E402
import struct  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
import zipfile  # noqa: E402
from collections.abc import Iterator  # noqa: E402

import pytest  # noqa: E402

from pipeline import argos  # noqa: E402

MiB = 1 << 20


def repack(src: Path, out: Path, extra: dict[str, bytes] | None = None, link: str | None = None) -> Path:
    """The `.argosmodel` `src` again at `out`, with `extra` members (names inside its top directory,
    or absolute/`..` names as they are) and a symbolic link member `link`."""
    with (
        zipfile.ZipFile(src) as zin,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zout,
    ):
        root = zin.namelist()[0].split("/")[0]
        for info in zin.infolist():
            zout.writestr(info, zin.read(info))
        for name, data in (extra or {}).items():
            zout.writestr(name if name.startswith(("/", "..")) else f"{root}/{name}", data)
        if link is not None:
            info = zipfile.ZipInfo(f"{root}/{link}")
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            zout.writestr(info, "/etc/passwd")
    return out


def declare(path: Path, member: str, size: int) -> Path:
    """Make the zip's central directory claim `size` unpacked bytes for `member` (a lying header)."""
    data = bytearray(path.read_bytes())
    name = next(n for n in zipfile.ZipFile(path).namelist() if n.endswith(member)).encode()
    header = data.rindex(name) - 46  # the central directory's entry comes last; its name at +46
    assert data[header : header + 4] == b"PK\x01\x02"
    struct.pack_into("<I", data, header + 24, size)
    path.write_bytes(bytes(data))
    return path


def noise(size: int) -> bytes:
    """`size` bytes that do not compress (deterministic)."""
    import hashlib  # noqa: PLC0415

    blocks = (hashlib.sha256(i.to_bytes(8, "big")).digest() for i in range(size // 32 + 1))
    return b"".join(blocks)[:size]


def bomb(base: Path, out: Path, kind: str) -> Path:
    """A hostile variant of the tiny package `base`."""
    if kind == "zeros-16m":
        return repack(base, out, {"model/zeros.bin": bytes(16 * MiB)})
    if kind == "zeros-8m":
        return repack(base, out, {"model/zeros.bin": bytes(8 * MiB)})
    if kind == "claims-4g":  # 4.5 MB that says it unpacks to 4 GiB
        return declare(repack(base, out, {"model/big.bin": noise(4 * MiB)}), "model/big.bin", 0xFFFFFFF0)
    if kind == "hides-3m":  # says 1,000 bytes and holds 3 MiB
        return declare(repack(base, out, {"model/big.bin": noise(3 * MiB)}), "model/big.bin", 1000)
    if kind == "absolute":
        return repack(base, out, {"/tmp/evil.txt": b"x"})
    if kind == "dotdot":
        return repack(base, out, {"../evil.txt": b"x"})
    if kind == "symlink":
        return repack(base, out, link="model/evil")
    return repack(base, out)


ARCHIVE_CASES = [
    pytest.param(
        "claims-4g",
        {},
        ("refused: the archive unpacks to 4.0 GiB, over the limit of 2.0 GiB", argos.ENV_MAX_SIZE),
        id="declares-4GiB-default-limit",
    ),
    pytest.param(
        "zeros-16m",
        {argos.ENV_MAX_SIZE: "8M"},
        ("refused: the archive unpacks to 19.4 MiB, over the limit of 8.0 MiB",),
        id="size-limit-from-env",
    ),
    pytest.param(
        "zeros-8m",
        {},
        (
            "refused: 'translate-fi_en-0_0_1/model/zeros.bin' unpacks to 8.0 MiB",
            "ratio over 20:1",
            argos.ENV_MAX_RATIO,
        ),
        id="zip-bomb-ratio",
    ),
    pytest.param("plain", {argos.ENV_MAX_RATIO: "5"}, ("ratio over 5:1",), id="ratio-limit-from-env"),
    pytest.param(
        "hides-3m", {argos.ENV_MAX_SIZE: "4M"}, ("corrupt archive: bad CRC",), id="declared-size-lies"
    ),
    pytest.param("absolute", {}, ("unsafe archive: absolute path",), id="absolute-path"),
    pytest.param("dotdot", {}, ("leaves the package directory",), id="dotdot-path"),
    pytest.param("symlink", {}, ("is a symbolic link",), id="symlink"),
    pytest.param(
        "plain", {argos.ENV_MAX_SIZE: "lots"}, ("PIPELINE_MODEL_MAX_SIZE='lots'",), id="bad-size-setting"
    ),
    pytest.param(
        "plain", {argos.ENV_MAX_RATIO: "0"}, ("PIPELINE_MODEL_MAX_RATIO='0'",), id="bad-ratio-setting"
    ),
]


@pytest.mark.parametrize(("kind", "env", "fragments"), ARCHIVE_CASES)
def test_hostile_model_archive_is_refused(  # noqa: PLR0917 - the case's three and three fixtures
    kind: str,
    env: dict[str, str],
    fragments: tuple[str, ...],
    installed: Path,
    tiny_packages: dict[str, Path],
    tmp_path: Path,
) -> None:
    archive = bomb(tiny_packages["fi_en"], tmp_path / "bomb.argosmodel", kind)
    assert archive.stat().st_size < 5 * MiB
    before = snapshot(installed.parent)  # the packages, and no staging directory left beside them
    proc = run_cli("models", "install", str(archive), env={**os.environ, **env})
    assert proc.returncode == 1
    line = assert_one_line_error(proc, "pipeline: error:", *fragments)
    assert line.startswith("pipeline: error: ") and (str(archive) in line or "=" in line)
    assert snapshot(installed.parent) == before


def test_model_digest_is_stored_at_install_and_computed_once_for_older_installs(
    argos_home: Path, tiny_packages: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    proc = run_cli("models", "install", str(tiny_packages["fi_en"]))  # the limits' defaults pass it
    assert proc.returncode == 0, proc.stderr
    [package] = argos.installed_packages()
    stored = package.path / argos.DIGEST_FILE
    assert stored.is_file()
    argos._fingerprint.cache_clear()

    def no_reading(*args: object) -> str:
        raise AssertionError("the digest was computed again")

    with monkeypatch.context() as m:
        m.setattr(argos, "_compute_digest", no_reading)
        digest = package.fingerprint()  # read from the stored file
    assert digest == argos._compute_digest(package.path, argos._files_signature(package.path))
    stored.unlink()  # an install from before the digest was stored
    argos._fingerprint.cache_clear()
    assert package.fingerprint() == digest and stored.is_file()  # computed once, and stored
    (package.path / "model" / "config.json").write_text("{}", encoding="utf-8")  # a changed package
    argos._fingerprint.cache_clear()
    assert package.fingerprint() != digest


# A LanguageTool that misbehaves: its health check, languages and check replies per mode.
LANGUAGES = [{"name": "English (US)", "code": "en", "longCode": "en-US"}]
MATCH = {
    "message": "Possible typo",
    "replacements": [{"value": "day"}],
    "offset": 10_000,  # far outside any paragraph
    "length": 4,
    "context": {"text": "days", "offset": 0, "length": 4},
    "rule": {"id": "X", "issueType": "misspelling", "category": {"id": "TYPOS"}},
}
CHECK_REPLIES: dict[str, tuple[int, bytes]] = {
    "not-json": (200, b"<html><body>Service temporarily busy</body></html>"),
    "not-utf8": (200, b'{"matches": [], "note": "caf\xe9"}'),
    "no-matches": (200, json.dumps({"software": {"name": "LanguageTool"}}).encode()),
    "bad-offset": (200, json.dumps({"matches": [MATCH]}).encode()),
    "http-503": (503, b"Service Unavailable"),
    "http-413": (413, b"Error: text too long"),
}


class FakeLanguageTool(http.server.ThreadingHTTPServer):
    """A server on 127.0.0.1 that answers as `mode` says (see CHECK_REPLIES; `hangs`: never answers
    a check; `*-everywhere`: the health check too)."""

    daemon_threads = True

    def __init__(self, mode: str) -> None:
        super().__init__(("127.0.0.1", 0), FakeHandler)
        self.mode = mode
        self.stopping = threading.Event()
        self.checks = 0  # check requests answered

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/"


class FakeHandler(http.server.BaseHTTPRequestHandler):
    server: FakeLanguageTool

    def log_message(self, format: str, *args: object) -> None:
        pass

    def reply(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def answer(self, normal: tuple[int, bytes]) -> None:
        mode = self.server.mode
        if mode.startswith("hangs") and (mode.endswith("everywhere") or self.path.startswith("/v2/check")):
            self.server.stopping.wait(30)
        elif mode == "http-500-everywhere":
            self.reply(500, b"Internal Server Error")
        else:
            self.reply(*normal)

    def do_GET(self) -> None:
        self.answer((200, json.dumps(LANGUAGES).encode()) if "languages" in self.path else (200, b"OK"))

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.server.checks += 1  # (one client at a time)
        if self.server.mode == "http-503-after-first" and self.server.checks > 1:
            self.reply(503, b"Service Unavailable")
            return
        self.answer(CHECK_REPLIES.get(self.server.mode, (200, b'{"matches": []}')))


@pytest.fixture
def fake_lt(request: pytest.FixtureRequest) -> Iterator[FakeLanguageTool]:
    server = FakeLanguageTool(request.param)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.stopping.set()
        server.shutdown()
        server.server_close()
        thread.join(10)


@pytest.fixture(scope="module")
def translated(tiny_packages: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seed's segments and translations (the tiny packages), then earlier check-en outputs."""
    base = tmp_path_factory.mktemp("translated")
    packages = base / "packages"
    for name in ("fi_en", "en_fi"):
        argos.install_archive(tiny_packages[name], packages)
    out = base / "out"
    env = {**os.environ, "ARGOS_PACKAGES_DIR": str(packages), "PIPELINE_CACHE_DIR": str(base / "cache")}
    proc = run_cli(
        "run", str(SEED), "--out-dir", str(out), "--stage", "segment", "--stage", "translate", env=env
    )
    assert proc.returncode == 0, proc.stderr
    assert any(json.loads(line)["status"] == "ok" for line in (out / "translations.jsonl").open())
    for name in ("issues.en.jsonl", "cleaned.en.txt", "changes.en.jsonl"):
        (out / name).write_text("earlier output\n", encoding="utf-8")
    return out


SEED = ROOT / "corpus" / "personal-vs-virtual-assistants.fi.txt"
FAST = {"LT_REQUEST_TIMEOUT": "0.5", "LT_REQUEST_RETRIES": "1"}
LT_CASES = [
    pytest.param("not-json", FAST, ("a reply that is not JSON",), id="not-json"),
    pytest.param("not-utf8", FAST, ("a reply that is not UTF-8",), id="not-utf8"),
    pytest.param("no-matches", FAST, ("a reply without the field 'matches'",), id="no-matches"),
    pytest.param(
        "bad-offset", FAST, ("a match at offset 10000, length 4: outside the",), id="offset-out-of-range"
    ),
    pytest.param("http-503", FAST, ("HTTP 503 on each of 2 tries", "0 of"), id="http-5xx-on-checks"),
    pytest.param(
        "http-500-everywhere",
        FAST,
        ("no LanguageTool server answers there (HTTP Error 500",),
        id="http-5xx-everywhere",
    ),
    pytest.param(
        "hangs",
        FAST,
        ("stopped answering", "no answer within 0.5 s on each of 2 tries"),
        id="never-answers-a-check",
    ),
    pytest.param("hangs-everywhere", FAST, ("no answer within 0.5 s",), id="never-answers"),
    pytest.param(
        "ok", {"LT_REQUEST_TIMEOUT": "soon"}, ("LT_REQUEST_TIMEOUT='soon'",), id="bad-timeout-setting"
    ),
    pytest.param(
        "ok", {"LT_REQUEST_RETRIES": "100"}, ("LT_REQUEST_RETRIES='100'",), id="bad-retries-setting"
    ),
]


@pytest.mark.parametrize(("fake_lt", "env", "fragments"), LT_CASES, indirect=["fake_lt"])
def test_misbehaving_languagetool_ends_check_en_with_one_line(
    fake_lt: FakeLanguageTool,
    env: dict[str, str],
    fragments: tuple[str, ...],
    translated: Path,
    tmp_path: Path,
) -> None:
    out = tmp_path / "out"
    shutil.copytree(translated, out)
    before = snapshot(out)
    started = time.monotonic()
    proc = run_cli(
        "run",
        str(SEED),
        "--out-dir",
        str(out),
        "--stage",
        "check-en",
        env={**os.environ, "LT_SERVER_URL": fake_lt.url, **env},
    )
    assert time.monotonic() - started < 30
    assert proc.returncode == 1
    url = "" if "setting" in str(fragments) or "=" in fragments[0] else fake_lt.url
    assert_one_line_error(proc, "pipeline: error: ", url, *fragments)
    assert snapshot(out) == before


@pytest.mark.parametrize(
    ("fake_lt", "code", "fragments"),
    [
        # 5xx after a good answer: three paragraphs become internal-error issues, the fourth ends it.
        pytest.param(
            "http-503-after-first",
            1,
            ("HTTP 503 on each of 2 tries", "4 of 16 paragraphs were checked", "issues.en.jsonl.partial"),
            id="http-5xx-mid-run",
        ),
        pytest.param("http-413", 0, (), id="http-4xx-is-an-issue-of-the-paragraph"),
    ],
    indirect=["fake_lt"],
)
def test_languagetool_failing_on_some_paragraphs(
    fake_lt: FakeLanguageTool, code: int, fragments: tuple[str, ...], translated: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    shutil.copytree(translated, out)
    before = snapshot(out)
    env = {**os.environ, "LT_SERVER_URL": fake_lt.url, **FAST}
    proc = run_cli("run", str(SEED), "--out-dir", str(out), "--stage", "check-en", env=env)
    assert proc.returncode == code, proc.stderr
    after = snapshot(out)
    if code:
        assert_one_line_error(proc, "pipeline: error: ", fake_lt.url, *fragments)
        assert {k: after[k] for k in before} == before  # the outputs as they were, beside .partial files
        partial = [json.loads(line) for line in after["issues.en.jsonl.partial"].decode().splitlines()]
        assert [i["rule"] for i in partial] == ["languagetool:failed"] * 3
    else:
        issues = [json.loads(line) for line in after["issues.en.jsonl"].decode().splitlines()]
        assert issues and {(i["category"], i["rule"]) for i in issues} == {
            ("internal-error", "languagetool:failed")
        }
        assert "HTTP 413" in issues[0]["message"]


# --- items 8 and 9: output paths, malformed intermediate files, signals; long sentences --------------
