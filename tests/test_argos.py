"""Argos package management: install from files and from an index, validation, atomicity, light install."""

from __future__ import annotations

import http.server
import importlib.metadata
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import threading
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from pipeline import argos
from pipeline.cli import main


def tree(root: Path) -> dict[str, bytes]:
    """Every file under `root` with its content: what 'unchanged' is checked against."""
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def rewrite(src: Path, dst: Path, edit: Callable[[str, bytes], list[tuple[str, bytes]]]) -> Path:
    """A copy of the zip `src` at `dst`, every member passed through `edit` (name, data) -> members."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for info in zin.infolist():
            for name, data in edit(info.filename, zin.read(info)):
                zout.writestr(name, data)
    return dst


def traversal(src: Path, dst: Path) -> Path:
    return rewrite(
        src, dst, lambda n, d: [(n, d), ("../evil.txt", b"x")] if n.endswith("metadata.json") else [(n, d)]
    )


def absolute(src: Path, dst: Path) -> Path:
    return rewrite(
        src, dst, lambda n, d: [(n, d), ("/tmp/evil.txt", b"x")] if n.endswith("metadata.json") else [(n, d)]
    )


def truncated(src: Path, dst: Path) -> Path:
    data = src.read_bytes()
    dst.write_bytes(data[: len(data) // 2])
    return dst


def no_model(src: Path, dst: Path) -> Path:
    return rewrite(src, dst, lambda n, d: [] if n.endswith("model.bin") else [(n, d)])


def bad_crc(src: Path, dst: Path) -> Path:
    # Flip a byte inside the stored data of the (uncompressed) metadata.json.
    rewrite(src, dst, lambda n, d: [(n, d)])
    data = bytearray(dst.read_bytes())
    at = data.find(b'"package_version"')
    data[at + 2] ^= 0x01
    dst.write_bytes(bytes(data))
    return dst


def symlink(src: Path, dst: Path) -> Path:
    rewrite(src, dst, lambda n, d: [(n, d)])
    with zipfile.ZipFile(dst, "a") as zf:
        info = zipfile.ZipInfo("translate-fi_en-0_0_1/link")
        info.external_attr = 0o120777 << 16
        zf.writestr(info, "/etc/passwd")
    return dst


BAD_ARCHIVES = [
    (traversal, "unsafe archive: path '../evil.txt' leaves the package directory"),
    (absolute, "unsafe archive: absolute path '/tmp/evil.txt'"),
    (truncated, "not a valid .argosmodel (zip) archive: File is not a zip file"),
    (no_model, "not an Argos package: missing model/model.bin"),
    (bad_crc, "corrupt archive"),
    (symlink, "unsafe archive: 'translate-fi_en-0_0_1/link' is a symbolic link"),
]


def test_install_and_list(installed: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert sorted(p.name for p in installed.iterdir()) == ["translate-en_fi-0_0_1", "translate-fi_en-0_0_1"]
    fi_en = argos.find_package(argos.FI_EN)
    assert fi_en is not None and fi_en.label == "translate-fi_en 0.0.1"
    assert main(["models", "list"]) == 0
    out = capsys.readouterr().out
    assert f"fi→en: translate-fi_en 0.0.1 ({installed / 'translate-fi_en-0_0_1'})" in out
    assert "en→fi: translate-en_fi 0.0.1" in out


def test_list_without_models(argos_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["models", "list"]) == 0
    assert capsys.readouterr().out == "fi→en: missing (run make models)\nen→fi: missing (run make models)\n"


@pytest.mark.parametrize(("make_bad", "problem"), BAD_ARCHIVES, ids=lambda v: getattr(v, "__name__", ""))
def test_bad_archive_fails_and_leaves_packages_unchanged(
    *,
    installed: Path,
    tiny_packages: dict[str, Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    make_bad: Callable[[Path, Path], Path],
    problem: str,
) -> None:
    before = tree(installed.parent)
    bad = make_bad(tiny_packages["fi_en"], tmp_path / "bad.argosmodel")
    assert main(["models", "install", str(bad)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"pipeline: error: {bad}: {problem}")
    assert err.count("\n") == 1
    assert tree(installed.parent) == before
    assert not (installed.parent.parent / "evil.txt").exists()


def test_wrong_languages(
    installed: Path, tiny_packages: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    before = tree(installed.parent)
    assert main(["models", "install", str(tiny_packages["de_en"])]) == 1
    assert capsys.readouterr().err == (
        f"pipeline: error: {tiny_packages['de_en']}: wrong languages: the package translates de→en, "
        "expected fi→en or en→fi\n"
    )
    assert tree(installed.parent) == before


@pytest.mark.parametrize("content", [b"", b"not a zip at all"])
def test_not_a_zip(
    argos_home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes
) -> None:
    bad = tmp_path / "x.argosmodel"
    bad.write_bytes(content)
    assert main(["models", "install", str(bad)]) == 1
    assert capsys.readouterr().err.startswith(
        f"pipeline: error: {bad}: not a valid .argosmodel (zip) archive"
    )
    assert not argos_home.exists() or list(argos_home.iterdir()) == []


def test_missing_file(argos_home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["models", "install", str(tmp_path / "nope.argosmodel")]) == 1
    assert capsys.readouterr().err == f"pipeline: error: {tmp_path / 'nope.argosmodel'}: no such file\n"


def test_reinstall_replaces_the_package(installed: Path, tiny_packages: dict[str, Path]) -> None:
    target = installed / "translate-fi_en-0_0_1"
    (target / "stale-file").write_text("old", encoding="utf-8")
    argos.install_archive(tiny_packages["fi_en"])
    assert not (target / "stale-file").exists()
    assert (target / "model" / "model.bin").is_file()
    assert [p.name for p in installed.parent.iterdir() if "staging" in p.name] == []


def test_flat_archive_installs_under_its_pair_name(
    argos_home: Path, tiny_packages: dict[str, Path], tmp_path: Path
) -> None:
    flat = rewrite(
        tiny_packages["fi_en"], tmp_path / "flat.argosmodel", lambda n, d: [(n.split("/", 1)[1], d)]
    )
    pkg = argos.install_archive(flat)
    assert pkg.path == argos_home / "translate-fi_en"


def test_broken_package_directory_is_skipped(installed: Path) -> None:
    (installed / "junk").mkdir()
    assert argos.find_package(argos.FI_EN) is not None


@pytest.fixture
def index_server(tiny_packages: dict[str, Path], tmp_path: Path) -> Iterator[str]:
    """An Argos package index served over HTTP on 127.0.0.1 (index.json and the two packages)."""
    root = tmp_path / "index"
    root.mkdir()
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0),
        lambda *a: http.server.SimpleHTTPRequestHandler(*a, directory=str(root)),
    )
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    index = []
    for name in ("fi_en", "en_fi", "de_en"):
        shutil.copy(tiny_packages[name], root / f"{name}.argosmodel")
        meta = json.loads(zipfile.ZipFile(tiny_packages[name]).read(f"translate-{name}-0_0_1/metadata.json"))
        index.append({**meta, "type": "translate", "links": [f"{url}{name}.argosmodel"]})
    (root / "index.json").write_text(json.dumps(index), encoding="utf-8")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield url
    server.shutdown()
    server.server_close()


def run_cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pipeline", *args],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, **env},
    )


def test_install_from_the_index(index_server: str, tmp_path: Path) -> None:
    env = {
        "ARGOS_PACKAGE_INDEX": index_server,
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "ARGOS_PACKAGES_DIR": str(tmp_path / "packages"),
    }
    proc = run_cli(env, "models", "install")
    assert proc.returncode == 0, proc.stderr
    assert "fi→en: installed translate-fi_en 0.0.1" in proc.stdout
    assert "en→fi: installed translate-en_fi 0.0.1" in proc.stdout
    assert sorted(p.name for p in (tmp_path / "packages").iterdir()) == [
        "translate-en_fi-0_0_1",
        "translate-fi_en-0_0_1",
    ]
    again = run_cli(env, "models", "install")  # already installed: nothing downloaded
    assert again.returncode == 0 and again.stdout == ""
    listed = run_cli(env, "models", "list", "--available")
    assert "available: fi→en 0.0.1\navailable: en→fi 0.0.1\n" in listed.stdout


def test_index_unreachable_is_one_line(tmp_path: Path) -> None:
    env = {
        "ARGOS_PACKAGE_INDEX": "http://127.0.0.1:9/",  # the discard port: nothing listens
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "ARGOS_PACKAGES_DIR": str(tmp_path / "packages"),
    }
    proc = run_cli(env, "models", "install")
    assert proc.returncode == 1
    assert proc.stderr.startswith("pipeline: error: cannot fetch the Argos package index http://127.0.0.1:9/")
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr


@pytest.mark.parametrize("heavy", ["torch", "stanza"])  # spaCy is the Finnish parser (issue 11)
def test_install_is_light(heavy: str) -> None:
    assert importlib.util.find_spec(heavy) is None
    with pytest.raises(importlib.metadata.PackageNotFoundError):
        importlib.metadata.distribution(heavy)


def test_argos_translate_module_is_never_imported(installed: Path, seed_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "o.jsonl"
    code = (
        "import sys; from pipeline.cli import main; main(['-q', 'models', 'list']); "
        f"main(['-q', 'translate', {str(seed_path)!r}, '-o', {str(out)!r}]); "
        "heavy = ('argostranslate.translate', 'stanza', 'torch'); "
        "print(sorted(m for m in sys.modules if m.startswith(heavy)))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.strip().endswith("[]")
