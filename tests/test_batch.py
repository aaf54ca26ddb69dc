"""The corpus runner: the same outputs as one-document runs, incremental reruns, bad documents and
names, and real Dask clusters on 127.0.0.1 (a scheduler and worker processes of the project's venv,
a worker killed mid-run, one LanguageTool server per worker)."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from distributed import Client

from pipeline import batch, stages
from pipeline.cli import main
from pipeline.workspace import Workspace

from .conftest import ROOT

pytestmark = pytest.mark.slow

SHORT = {
    "alpha": "Otsikko\n\nYksi lause. Toinen lause.\n",
    "beta-2": "Kissat ovat itsenäisiä. Koirat tarvitsee paljon liikuntaa.\n\nHe osallistui kokous eilen.\n",
    "gamma_3": "Käyttäjät voi muuttaa asetukset. Tämä on hyvä asia.\n",
    "delta.4": "Virtuaalinen avustajien työ on tärkeä.\n",
}
EPOCH = {"SOURCE_DATE_EPOCH": "1700000000"}


@pytest.fixture(autouse=True)
def pinned_date(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH["SOURCE_DATE_EPOCH"])


def short_corpus(root: Path, docs: dict[str, str] = SHORT) -> Path:
    corpus = root / "corpus"
    corpus.mkdir()
    for name, text in docs.items():
        (corpus / f"{name}.fi.txt").write_text(text, encoding="utf-8")
    return corpus


def tree(root: Path) -> dict[str, bytes]:
    """Every output file under `root` (relative path -> bytes), manifests left out."""
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name != batch.MANIFEST
    }


def test_batch_outputs_are_those_of_one_document_runs(seed_path: Path, tmp_path: Path) -> None:
    corpus = short_corpus(tmp_path, {"alpha": SHORT["alpha"]})
    shutil.copyfile(seed_path, corpus / "seed.fi.txt")
    shutil.copyfile(
        seed_path.with_name(seed_path.name.replace(".fi.txt", ".schema.yaml")), corpus / "seed.schema.yaml"
    )
    out = tmp_path / "out"
    summary = batch.run_corpus(corpus, out, workers=0)
    assert (summary.built, summary.failed) == (2, [])
    for doc in ("alpha", "seed"):
        one = tmp_path / "one" / doc
        stages.run_document(Workspace(corpus / f"{doc}.fi.txt", one))
        assert tree(out / doc) == tree(one), doc
    assert (out / "seed" / "comparison.md").exists()
    assert 'href="seed/report.html"' in (out / "index.html").read_text(encoding="utf-8")
    # The summary line says what is left to do and where to look.
    # The segments to decide on are those the report puts first ("Needs a decision").
    reports = [(out / doc / "report.html").read_text(encoding="utf-8") for doc in ("alpha", "seed")]
    counts = [re.search(r"Needs a decision: (\d+) of", html) for html in reports]
    review = sum(int(m[1]) for m in counts if m is not None)
    assert len(counts) == 2 and None not in counts
    errors = sum(
        '"severity": "error"' in line
        for d in ("alpha", "seed")
        for line in (out / d / "issues.cleaned.jsonl").open()
    )
    assert (summary.errors_left, summary.to_review, summary.index) == (errors, review, out / "index.html")
    assert (
        f"{errors} errors left after cleaning, {review} segments to decide on; open {out / 'index.html'}"
        in (summary.line(1.0))
    )


def test_batch_reruns_only_what_changed(tmp_path: Path) -> None:
    corpus = short_corpus(tmp_path, {"alpha": SHORT["alpha"], "beta-2": SHORT["beta-2"]})
    out = tmp_path / "out"
    assert batch.run_corpus(corpus, out, workers=0).built == 2
    before = tree(out)

    again = batch.run_corpus(corpus, out, workers=0)
    assert (again.built, again.current, again.seconds) == (0, 2, {})
    assert tree(out) == before

    # A review file reruns the clean stage of that document and everything after it.
    (corpus / "beta-2.review.yaml").write_text("segments:\n  beta-2:b001:s00: remove\n", encoding="utf-8")
    reviewed = batch.run_corpus(corpus, out, workers=0)
    after_clean = ["clean", "align", "attributes", "publish", "report"]  # not check-en: it reads translations
    assert reviewed.built == 1 and list(reviewed.seconds) == after_clean
    assert "osallistui" not in (out / "beta-2" / "cleaned.fi.txt").read_text(encoding="utf-8")

    # Removing it is a change too: the outputs are those from before it existed.
    (corpus / "beta-2.review.yaml").unlink()
    removed = batch.run_corpus(corpus, out, workers=0)
    assert removed.built == 1 and list(removed.seconds) == after_clean
    assert tree(out) == before

    # An output deleted by hand is made again; a removed document leaves the index.
    (out / "alpha" / "aligned.tmx").unlink()
    assert list(batch.run_corpus(corpus, out, workers=0).seconds) == ["align"]
    (corpus / "alpha.fi.txt").unlink()
    batch.run_corpus(corpus, out, workers=0)
    index = (out / "index.html").read_text(encoding="utf-8")
    assert 'href="beta-2/report.html"' in index and "alpha/report.html" not in index


def test_batch_reports_bad_documents_and_names_and_builds_the_rest(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    corpus = short_corpus(tmp_path, {"alpha": SHORT["alpha"]})
    (corpus / "broken.fi.txt").write_bytes(b"Hyv\xe4 teksti")
    hostile = corpus / "x`touch PWNED`.fi.txt"
    hostile.write_text("Yksi lause.\n", encoding="utf-8")
    out = tmp_path / "out"
    previous = out / "broken" / "segments.jsonl"
    previous.parent.mkdir(parents=True)
    previous.write_text("kept\n", encoding="utf-8")

    code = main(["batch", str(corpus), "--out-dir", str(out), "--workers", "0"])
    err = capfd.readouterr().err
    assert code == 1
    lines = [line for line in err.splitlines() if "error:" in line]
    assert lines == [
        f"pipeline: error: {hostile}: document name 'x`touch PWNED`' refused: a name may have only "
        f"{batch.NAME_RULE}",
        f"pipeline: error: {corpus / 'broken.fi.txt'}: not valid UTF-8: undecodable byte 0xe4 "
        "at byte offset 3",
    ]
    assert "Traceback" not in err and "batch: 3 documents, 1 built, 0 up to date, 2 failed" in err
    assert previous.read_text(encoding="utf-8") == "kept\n"  # a failed stage leaves its old output
    assert (out / "alpha" / "report.html").exists()
    assert not list(tmp_path.rglob("PWNED")) and not (ROOT / "PWNED").exists()


# --- real Dask clusters -------------------------------------------------------------------------------


def _dask(*args: str, log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as handle:
        return subprocess.Popen(
            [str(Path(sys.executable).with_name("dask")), *args],
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[tuple[str, list[subprocess.Popen[bytes]]]]:
    """A Dask scheduler and two single-threaded worker processes (no nanny) on 127.0.0.1."""
    file = tmp_path / "scheduler.json"
    log = tmp_path / "dask.log"
    procs = [
        _dask(
            "scheduler",
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            "--no-dashboard",
            "--scheduler-file",
            str(file),
            log=log,
        )
    ]
    try:
        deadline = time.monotonic() + 60
        while not file.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert file.exists(), log.read_text(errors="replace")
        for _ in range(2):
            procs.append(
                _dask(
                    "worker",
                    "--scheduler-file",
                    str(file),
                    "--host",
                    "127.0.0.1",
                    "--nthreads",
                    "1",
                    "--no-nanny",
                    "--no-dashboard",
                    log=log,
                )
            )
        with Client(scheduler_file=str(file), timeout="30s") as client:
            client.wait_for_workers(2, timeout=60)
            address = client.scheduler.address
        yield address, procs[1:]
    finally:
        for proc in reversed(procs):
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


def run_batch(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pipeline", "batch", *args],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, **EPOCH, **(env or {})},
        timeout=600,
    )


def test_batch_on_a_dask_cluster_matches_a_local_run(
    tmp_path: Path, cluster: tuple[str, list[subprocess.Popen[bytes]]]
) -> None:
    address, _ = cluster
    corpus = short_corpus(tmp_path)
    remote = run_batch(str(corpus), "--out-dir", str(tmp_path / "remote"), "--scheduler", address)
    assert remote.returncode == 0, remote.stderr
    assert f"batch: {len(SHORT)} documents, {len(SHORT)} built" in remote.stderr
    local = run_batch(str(corpus), "--out-dir", str(tmp_path / "local"), "--workers", "0")
    assert local.returncode == 0, local.stderr
    assert tree(tmp_path / "remote") == tree(tmp_path / "local")
    assert len(tree(tmp_path / "local")) > len(SHORT) * 10


def test_a_killed_worker_has_its_documents_retried(
    tmp_path: Path, cluster: tuple[str, list[subprocess.Popen[bytes]]]
) -> None:
    address, workers = cluster
    corpus = short_corpus(tmp_path)
    out = tmp_path / "out"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pipeline",
            "batch",
            str(corpus),
            "--out-dir",
            str(out),
            "--scheduler",
            address,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **EPOCH},
    )
    with Client(address, timeout="30s") as client:
        deadline = time.monotonic() + 120
        busy: list[str] = []
        while not busy and time.monotonic() < deadline:
            busy = [w for w, tasks in client.processing().items() if tasks]
            time.sleep(0.05)
        assert busy, "no document ever started"
        pids = client.run(os.getpid, workers=[busy[0]])
    os.kill(pids[busy[0]], signal.SIGKILL)
    _, stderr = proc.communicate(timeout=600)
    assert proc.returncode == 0, stderr
    assert f"batch: {len(SHORT)} documents, {len(SHORT)} built, 0 up to date, 0 failed" in stderr
    for doc in SHORT:
        assert (out / doc / "report.html").exists(), doc
    assert any(w.poll() is not None for w in workers)


def test_one_languagetool_server_per_worker(
    tmp_path: Path, installed: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Four documents with English on a local cluster of two workers start at most two JVMs, and
    none is left running afterwards."""
    java = shutil.which("java")
    assert java is not None
    shim = tmp_path / "bin" / "java"
    shim.parent.mkdir()
    started = tmp_path / "jvms.txt"
    shim.write_text(f'#!/bin/sh\necho $$ >> "{started}"\nexec "{java}" "$@"\n', encoding="utf-8")
    shim.chmod(0o755)
    monkeypatch.setenv("PATH", f"{shim.parent}{os.pathsep}{os.environ['PATH']}")
    corpus = short_corpus(tmp_path)
    summary = batch.run_corpus(corpus, tmp_path / "out", workers=2)
    assert (summary.built, summary.failed) == (len(SHORT), [])
    for doc in SHORT:
        assert (tmp_path / "out" / doc / "issues.en.jsonl").stat().st_size > 0, doc
    pids = started.read_text(encoding="utf-8").split()
    assert 1 <= len(pids) <= 2
    time.sleep(1)
    assert not [pid for pid in pids if Path(f"/proc/{pid}").exists()]
