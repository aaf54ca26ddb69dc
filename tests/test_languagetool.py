"""English checks against a real LanguageTool server: matches, offsets, batching, safe fixes, lifecycle.

One server serves the whole session (a JVM takes seconds to start and load its rules); the
lifecycle tests that kill or stop a JVM start their own.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline import english_check, io
from pipeline.cli import main
from pipeline.errors import InputError, LanguageToolError
from pipeline.languagetool.client import (
    Piece,
    check_batches,
    check_english,
    corrections,
    pair_batches,
    paragraph_pieces,
)
from pipeline.languagetool.install import find_classpath
from pipeline.languagetool.server import (
    ENV_URL,
    LanguageToolServer,
    ServerDied,
    _keep_alive_client,
    free_port,
    use_server,
)
from pipeline.records import Issue
from pipeline.stages import STAGES, run_document
from pipeline.workspace import Workspace

KNOWN = "He go to office every days."
PARAGRAPHS = [
    KNOWN,
    "This is a sentence. She have two cat and a dogs.",
    "Nothing is wrong with this paragraph at all.",
    "Their is a problem here. He go there every days.",
]


@pytest.fixture(scope="session")
def server() -> Iterator[LanguageToolServer]:
    """The session's LanguageTool server (provisioned by `make setup`)."""
    try:
        find_classpath()
    except LanguageToolError as exc:  # a broken set-up must fail the run, not skip the tests
        pytest.fail(str(exc))
    with LanguageToolServer() as srv:
        yield srv


@pytest.fixture
def shared(server: LanguageToolServer) -> Iterator[LanguageToolServer]:
    """The session server as the run's shared server (in-process commands use it)."""
    with use_server(server):
        yield server


def pid_alive(pid: int) -> bool:
    """True while a process with this id exists and is not a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8")
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def wait_gone(pid: int, seconds: float = 15) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not pid_alive(pid):
            return True
        time.sleep(0.1)
    return False


def listening_addresses(port: int) -> set[str]:
    """Hex local addresses (from /proc/net/tcp*) that listen on `port`."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text(encoding="utf-8").splitlines()[1:]:
            fields = line.split()
            addr, _, hex_port = fields[1].partition(":")
            if int(hex_port, 16) == port and fields[3] == "0A":
                found.add(addr)
    return found


def write_text_file(tmp_path: Path, paragraphs: list[str], name: str = "doc.en.txt") -> Path:
    path = tmp_path / name
    path.write_text("\n\n".join(paragraphs) + "\n", encoding="utf-8")
    return path


# --- real matches ---------------------------------------------------------------------------------


def test_known_errors_real_matches(server: LanguageToolServer) -> None:
    issues = next(check_batches(server, "d", [[Piece("d:p000", KNOWN)]]))
    by_rule = {i.rule: i for i in issues}
    assert by_rule["HE_VERB_AGR"].text == "go"
    assert "goes" in by_rule["HE_VERB_AGR"].suggestions
    days = by_rule["EVERY_EACH_SINGULAR"]
    assert (days.start, days.end, days.text, days.suggestions) == (22, 26, "days", ["day"])
    assert days.category == "GRAMMAR" and days.severity == "error" and days.source == "languagetool"
    assert KNOWN[days.start : days.end] == "days"


@pytest.mark.parametrize(
    ("prefix", "expected"),
    [
        ("", "go"),
        ("😀 ", "go"),  # astral characters count twice in LanguageTool's UTF-16 offsets
        ("Ääkköset ja 😀😀 emoji. ", "go"),
    ],
)
def test_offsets_after_unicode(server: LanguageToolServer, prefix: str, expected: str) -> None:
    text = prefix + KNOWN
    issues = next(check_batches(server, "d", [[Piece("d:p000", text, offset=100)]]))
    verb = next(i for i in issues if i.rule == "HE_VERB_AGR")
    assert text[verb.start - 100 : verb.end - 100] == verb.text == expected


def test_pairs_batched_per_paragraph_with_segment_offsets(server: LanguageToolServer) -> None:
    pairs = [("d:b001:s00", "This is fine."), ("d:b001:s01", KNOWN), ("d:b002:s00", "All good here.")]
    batches = pair_batches(pairs)
    assert [[p.segment for p in b] for b in batches] == [["d:b001:s00", "d:b001:s01"], ["d:b002:s00"]]
    result = check_english(server, "d", batches)
    days = next(i for i in result.issues if i.rule == "EVERY_EACH_SINGULAR")
    assert (days.segment, days.start, days.end, days.text) == ("d:b001:s01", 22, 26, "days")
    assert result.cleaned == {
        "d:b001:s00": "This is fine.",
        "d:b001:s01": "He go to office every day.",
        "d:b002:s00": "All good here.",
    }
    assert english_check.cleaned_pairs_text(batches, result.cleaned) == (
        "This is fine. He go to office every day.\n\nAll good here.\n"
    )


def test_paragraph_and_sentence_batches_agree(server: LanguageToolServer) -> None:
    pairs = [(f"d:b{n:03d}:s00", text) for n, text in enumerate(PARAGRAPHS)]
    per_paragraph = check_english(server, "d", pair_batches(pairs))
    per_segment = check_english(server, "d", pair_batches(pairs, per="segment"))
    assert per_paragraph.issues == per_segment.issues


def test_own_server_one_kept_alive_connection_and_a_quiet_log(server: LanguageToolServer) -> None:
    tool = server.tool()
    assert isinstance(tool, _keep_alive_client())
    for _ in range(3):
        assert [m.rule_id for m in server.check(KNOWN)] == ["HE_VERB_AGR", "EVERY_EACH_SINGULAR"]
    session = tool._session  # type: ignore[attr-defined]
    assert session is not None
    pools = session.get_adapter(server.url).poolmanager.pools
    keys = pools.keys()  # urllib3's pool container refuses plain iteration
    used = [(pools[key].num_connections, pools[key].num_requests) for key in keys]
    assert len(used) == 1 and used[0][0] == 1 and used[0][1] >= 3  # one connection, reused
    assert server._workdir is not None
    log_text = (server._workdir / "server.log").read_text(encoding="utf-8", errors="replace")
    assert "Check done" not in log_text and " INFO " not in log_text  # warnings and errors only


def test_existing_server_gets_a_connection_per_request(server: LanguageToolServer) -> None:
    with LanguageToolServer(url=server.url) as external:  # it may not have TCP_NODELAY
        assert not isinstance(external.tool(), _keep_alive_client())
        assert [m.rule_id for m in external.check(KNOWN)] == ["HE_VERB_AGR", "EVERY_EACH_SINGULAR"]


# --- inputs ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", []),
        ("\n \n\t\n", []),
        ("One.", [(0, "One.")]),
        ("One.\nstill one.\n\n\nTwo.  \n", [(0, "One.\nstill one."), (18, "Two.")]),
        ("  Indented.\n \nNext 😀.", [(2, "Indented."), (14, "Next 😀.")]),
        ("x" * 50_000, [(0, "x" * 50_000)]),
    ],
)
def test_paragraph_pieces(text: str, expected: list[tuple[int, str]]) -> None:
    pieces = paragraph_pieces("d", text)
    assert [(p.offset, p.text) for p in pieces] == expected
    assert all(text[p.offset : p.offset + len(p.text)] == p.text for p in pieces)
    assert [p.segment for p in pieces] == [f"d:p{n:03d}" for n in range(len(expected))]


@pytest.mark.parametrize(
    ("ids", "per", "expected"),
    [
        ([], "paragraph", []),
        (["d:b001:s00", "d:b001:s01", "d:b002:s00"], "paragraph", [2, 1]),
        (["d:b001:s00", "d:b001:s01", "d:b002:s00"], "segment", [1, 1, 1]),
        (["x", "x", "y"], "paragraph", [2, 1]),  # ids of no known form: equal ids group
        (["d:b001:s00", "d:b002:s00", "d:b001:s01"], "paragraph", [1, 1, 1]),  # only consecutive
    ],
)
def test_pair_batches(ids: list[str], per: str, expected: list[int]) -> None:
    batches = pair_batches(((i, "text") for i in ids), per=per)
    assert [len(b) for b in batches] == expected


def test_translation_pairs_fields_and_bad_rows(tmp_path: Path) -> None:
    good = tmp_path / "translations.jsonl"
    io.write_jsonl(
        good, [{"segment": "d:b001:s00", "fi": "Hei.", "en": "Hi."}, {"id": "d:b002:s00", "text_en": "Yo."}]
    )
    assert english_check.translation_pairs(good) == [("d:b001:s00", "Hi."), ("d:b002:s00", "Yo.")]
    bad = tmp_path / "bad.jsonl"
    io.write_jsonl(bad, [{"segment": "d:b001:s00", "fi": "Hei."}])
    with pytest.raises(InputError, match=r"bad.jsonl: row 1: needs a segment id"):
        english_check.translation_pairs(bad)


# --- safe corrections ------------------------------------------------------------------------------


def issue(start: int, end: int, category: str, suggestions: list[str], text: str = "") -> Issue:
    return Issue("d", "d:p000", start, end, category, "R", "error", "m", suggestions, "languagetool", text)


@pytest.mark.parametrize(
    ("issues", "expected"),
    [
        ([], "He go to office every days."),
        ([issue(22, 26, "GRAMMAR", ["day"], "days")], "He go to office every day."),
        ([issue(3, 5, "GRAMMAR", ["goes", "went"], "go")], "He go to office every days."),  # two choices
        ([issue(22, 26, "STYLE", ["day"], "days")], "He go to office every days."),  # not allowed
        ([issue(22, 26, "TYPOS", [], "days")], "He go to office every days."),  # nothing to apply
        (  # overlapping: the first wins
            [issue(16, 26, "GRAMMAR", ["each day"], "every days"), issue(22, 26, "GRAMMAR", ["day"], "days")],
            "He go to office each day.",
        ),
        (
            [issue(0, 2, "CASING", ["She"], "He"), issue(22, 26, "TYPOS", ["day"])],
            "She go to office every day.",
        ),
    ],
)
def test_corrections(issues: list[Issue], expected: str) -> None:
    piece = Piece("d:p000", KNOWN)
    cleaned, changes = corrections(piece, issues)
    assert cleaned == expected
    for change in changes:
        assert KNOWN[change.start : change.end] == change.original or not change.original


# --- the command and the stage --------------------------------------------------------------------


def test_check_en_command_writes_issues_cleaned_text_and_changes(
    shared: LanguageToolServer, tmp_path: Path
) -> None:
    src = write_text_file(tmp_path, ["Title line", KNOWN, "Nothing wrong here."])
    out, clean, changes = tmp_path / "issues.jsonl", tmp_path / "clean.txt", tmp_path / "changes.jsonl"
    args = ["-q", "check-en", str(src), "-o", str(out), "--clean", str(clean), "--changes", str(changes)]
    assert main(args) == 0
    text = src.read_text(encoding="utf-8")
    rows = io.read_jsonl(out)
    assert {"HE_VERB_AGR", "EVERY_EACH_SINGULAR"} <= {r["rule"] for r in rows}
    for row in rows:
        assert text[row["start"] : row["end"]] == row["text"]
        assert row["doc"] == "doc" and row["source"] == "languagetool"
    assert clean.read_text(encoding="utf-8") == text.replace("every days", "every day")
    [change] = io.read_jsonl(changes)
    assert (change["original"], change["replacement"], change["rule"]) == (
        "days",
        "day",
        "EVERY_EACH_SINGULAR",
    )
    assert change["segment"] == "doc:p001" and text[change["start"] : change["end"]] == "days"


def test_check_en_subprocess_uses_lt_server_url(server: LanguageToolServer, tmp_path: Path) -> None:
    src = write_text_file(tmp_path, [KNOWN])
    env = {**os.environ, ENV_URL: server.url}
    proc = subprocess.run(
        [sys.executable, "-m", "pipeline", "check-en", str(src)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    rules = [json.loads(line)["rule"] for line in proc.stdout.splitlines()]
    assert "EVERY_EACH_SINGULAR" in rules
    assert server.alive()  # an existing server is used, not stopped


@pytest.mark.parametrize(
    ("make_input", "message"),
    [
        (lambda d: d / "missing.en.txt", "missing.en.txt: no such file"),
        (lambda d: (d / "bad.en.txt", (d / "bad.en.txt").write_bytes(b"caf\xe9"))[0], "not valid UTF-8"),
    ],
)
def test_check_en_bad_input_one_line(tmp_path: Path, make_input: object, message: str) -> None:
    src = make_input(tmp_path)  # type: ignore[operator]
    out = tmp_path / "out.jsonl"
    proc = subprocess.run(
        [sys.executable, "-m", "pipeline", "check-en", str(src), "-o", str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 1
    assert proc.stderr.startswith("pipeline: error: ") and proc.stderr.count("\n") == 1
    assert message in proc.stderr and "Traceback" not in proc.stderr
    assert not out.exists()


def test_dead_lt_server_url_is_one_line(tmp_path: Path) -> None:
    src = write_text_file(tmp_path, [KNOWN])
    out = tmp_path / "out.jsonl"
    env = {**os.environ, ENV_URL: f"http://127.0.0.1:{free_port()}"}
    proc = subprocess.run(
        [sys.executable, "-m", "pipeline", "check-en", str(src), "-o", str(out)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert proc.returncode == 1
    assert proc.stderr.count("\n") == 1 and "no LanguageTool server answers there" in proc.stderr
    assert not out.exists()


def test_stage_skips_without_translations(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="pipeline")
    ws = Workspace(tmp_path / "seed.fi.txt", tmp_path)
    assert english_check.run_stage(ws) is None
    for key in STAGES["check-en"].outputs:
        if key == "issues-ref":  # only with a reference
            assert not ws.path(key).exists()
        else:
            assert ws.path(key).read_text(encoding="utf-8") == ""
    assert "check-en skipped" in caplog.text


REFERENCE = "Cats and dogs\n\nThe cat sleeps. " + KNOWN + "\n"


@pytest.mark.parametrize(
    ("reference", "translations", "expected"),
    [
        # A reference is checked even before the translate stage has run; offsets into its file.
        (REFERENCE, False, [("HE_VERB_AGR", "go"), ("EVERY_EACH_SINGULAR", "days")]),
        (REFERENCE, True, [("HE_VERB_AGR", "go"), ("EVERY_EACH_SINGULAR", "days")]),
        ("Nothing is wrong with this paragraph at all.\n", True, []),
        ("", True, []),  # an empty reference: an empty file, no server needed
        (None, True, None),  # no reference, no issues.ref.jsonl (an old one is removed)
    ],
)
def test_stage_checks_the_reference(
    shared: LanguageToolServer,
    tmp_path: Path,
    reference: str | None,
    translations: bool,
    expected: list[tuple[str, str]] | None,
) -> None:
    ws = Workspace(tmp_path / "seed.fi.txt", tmp_path)
    if reference is not None:
        ws.path("reference").write_text(reference, encoding="utf-8")
    else:
        ws.path("issues-ref").write_text("{}\n", encoding="utf-8")  # from a run with a reference
    if translations:
        io.write_jsonl(ws.path("translations"), [{"segment": "seed:b001:s00", "en": "All good here."}])
    english_check.run_stage(ws)
    if expected is None:
        assert not ws.path("issues-ref").exists()
        return
    issues = [Issue.from_dict(r) for r in io.read_jsonl(ws.path("issues-ref"))]
    assert sorted((i.rule, i.text) for i in issues) == sorted(expected)
    assert all(reference is not None and reference[i.start : i.end] == i.text for i in issues)
    assert io.read_jsonl(ws.path("issues-en")) == []  # the retranslation's issues are its own


def test_stage_on_translations(shared: LanguageToolServer, tmp_path: Path) -> None:
    rows = [
        {"segment": "seed:b001:s00", "en": "This is fine."},
        {"segment": "seed:b001:s01", "en": KNOWN},
        {"segment": "seed:b002:s00", "en": "Second paragraph."},
    ]
    io.write_jsonl(tmp_path / "translations.jsonl", rows)
    english_check.run_stage(Workspace(tmp_path / "seed.fi.txt", tmp_path))
    issues = io.read_jsonl(tmp_path / "issues.en.jsonl")
    assert {(i["doc"], i["segment"]) for i in issues} == {("seed", "seed:b001:s01")}
    cleaned = (tmp_path / "cleaned.en.txt").read_text(encoding="utf-8")
    assert cleaned == "This is fine. He go to office every day.\n\nSecond paragraph.\n"
    assert len(io.read_jsonl(tmp_path / "changes.en.jsonl")) == 1


# --- lifecycle -------------------------------------------------------------------------------------


def run_server_then_raise(exc: type[BaseException], pids: list[int]) -> None:
    """Start a server, check it listens on the loopback address only, then fail inside its block."""
    with LanguageToolServer(warm_up=False) as srv:
        assert srv.pid is not None and pid_alive(srv.pid)
        pids.append(srv.pid)
        port = int(srv.url.rsplit(":", 1)[1].strip("/"))
        # 127.0.0.1, possibly shown as an IPv4-mapped IPv6 address; never a public address.
        assert listening_addresses(port)
        assert listening_addresses(port) <= {"0100007F", "0000000000000000FFFF00000100007F"}
        raise exc


@pytest.mark.parametrize("exc", [KeyboardInterrupt, RuntimeError])
def test_server_stops_on_interrupt_and_error(exc: type[BaseException]) -> None:
    pids: list[int] = []
    with pytest.raises(exc):
        run_server_then_raise(exc, pids)
    assert len(pids) == 1 and not pid_alive(pids[0])


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL])
def test_no_orphan_jvm_when_the_pipeline_is_killed(sig: signal.Signals, tmp_path: Path) -> None:
    script = (
        "import sys, time\n"
        "from pipeline.languagetool.server import LanguageToolServer\n"
        "with LanguageToolServer(warm_up=False) as srv:\n"
        "    print(srv.pid, flush=True)\n"
        "    time.sleep(600)\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    jvm = int(proc.stdout.readline())
    assert pid_alive(jvm)
    proc.send_signal(sig)
    proc.wait(timeout=30)
    assert wait_gone(jvm), f"JVM {jvm} outlived the pipeline after {sig.name}"


def test_server_killed_mid_run_is_restarted_once(server: LanguageToolServer, tmp_path: Path) -> None:
    src = write_text_file(tmp_path, PARAGRAPHS)
    expected_dir = tmp_path / "expected"
    with use_server(server):
        english_check.run(
            src, english_check.Outputs(expected_dir / "issues.jsonl", expected_dir / "clean.txt")
        )

    with LanguageToolServer(warm_up=False) as own, use_server(own):
        first_pid = own.pid

        def kill_once(done: int) -> None:
            if done == 0:
                os.kill(first_pid, signal.SIGKILL)  # type: ignore[arg-type]

        out = tmp_path / "issues.jsonl"
        english_check.run(src, english_check.Outputs(out, tmp_path / "clean.txt"), after_batch=kill_once)
        assert own.restarts == 1 and own.pid != first_pid
    assert out.read_bytes() == (expected_dir / "issues.jsonl").read_bytes()
    assert (tmp_path / "clean.txt").read_bytes() == (expected_dir / "clean.txt").read_bytes()
    assert {r["segment"] for r in io.read_jsonl(out)} == {"doc:p000", "doc:p001", "doc:p003"}


def test_second_server_death_ends_the_run_and_keeps_finished_work(tmp_path: Path) -> None:
    src = write_text_file(tmp_path, PARAGRAPHS)
    out = tmp_path / "issues.jsonl"
    out.write_text("previous\n", encoding="utf-8")
    with LanguageToolServer(warm_up=False) as own, use_server(own):
        assert own.pid is not None
        os.kill(own.pid, signal.SIGKILL)  # dies before the first paragraph: restarted

        def kill(done: int) -> None:  # and dies again after it
            assert own.pid is not None
            os.kill(own.pid, signal.SIGKILL)

        with pytest.raises(ServerDied) as info:
            english_check.run(src, english_check.Outputs(out), after_batch=kill)
        assert own.restarts == 1
    message = str(info.value)
    assert "\n" not in message
    assert "failed again after a restart" in message and "1 of 4 paragraphs were checked" in message
    assert f"results so far in {out}.partial" in message
    assert out.read_text(encoding="utf-8") == "previous\n"  # the output is not half-written
    partial = io.read_jsonl(f"{out}.partial")
    assert {r["segment"] for r in partial} == {"doc:p000"}


def test_existing_server_that_dies_is_not_restarted(tmp_path: Path) -> None:
    src = write_text_file(tmp_path, PARAGRAPHS)
    with LanguageToolServer(warm_up=False) as own, LanguageToolServer(url=own.url) as external:
        assert not external.owned and external.pid is None

        def kill(done: int) -> None:
            assert own.pid is not None
            os.kill(own.pid, signal.SIGKILL)

        with use_server(external), pytest.raises(ServerDied, match="LT_SERVER_URL: the server stopped"):
            english_check.run(src, english_check.Outputs(tmp_path / "issues.jsonl"), after_batch=kill)
        assert external.restarts == 0
    assert not (tmp_path / "issues.jsonl").exists()
    assert {r["segment"] for r in io.read_jsonl(tmp_path / "issues.jsonl.partial")} == {"doc:p000"}


# --- the English reference in the report ---------------------------------------------------------------

PETS_FI = (
    "Kissat ja koirat\n\n"
    "Kissa nukkuu paljon päivällä.\n\n"
    "Koira haukkuu kovaa illalla. Koira juoksee puistossa joka päivä.\n"
)
# A deliberate 2:1 bead across a paragraph boundary, and a known LanguageTool error in a 1:1 bead.
PETS_EN = (
    "Cats and dogs\n\n"
    "The cat sleeps a lot during the day, and the dog barks loudly in the evening.\n\n"
    "The dog runs in the park every days.\n"
)


@pytest.mark.parametrize("model", [False, True])
def test_report_shows_the_reference_its_issues_and_held_beads(
    shared: LanguageToolServer, request: pytest.FixtureRequest, tmp_path: Path, model: bool
) -> None:
    request.getfixturevalue("installed" if model else "argos_home")
    (tmp_path / "pets.fi.txt").write_text(PETS_FI, encoding="utf-8")
    (tmp_path / "pets.en.txt").write_text(PETS_EN, encoding="utf-8")
    ws = Workspace(tmp_path / "pets.fi.txt", tmp_path / "out")
    run_document(ws)
    ref_issues = [Issue.from_dict(r) for r in io.read_jsonl(ws.path("issues-ref"))]
    days = next(i for i in ref_issues if i.rule == "EVERY_EACH_SINGULAR")
    assert PETS_EN[days.start : days.end] == "days"
    html = ws.path("report").read_text(encoding="utf-8")
    assert html.count('class="reference') == 4  # every Finnish segment has English of the reference
    assert html.count('class="reference held"') == 2  # the 2:1 bead, beside both its segments
    assert 'data-reference-review="bead 2:1, not 1:1; across a paragraph boundary"' in html
    assert "The dog runs in the park every" in html
    assert '<ul class="issues issues-ref">' in html and "EVERY_EACH_SINGULAR" in html
    tmx = ws.path("aligned-tmx").read_text(encoding="utf-8")
    assert "<seg>The dog runs in the park every days.</seg>" in tmx
    assert "<seg>The cat sleeps" not in tmx  # the 2:1 bead's English is no unit's (a note at most)
