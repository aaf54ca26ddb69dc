"""Input reading (encoding checks) and atomic writers."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest

from pipeline import io
from pipeline.errors import InputError

GOOD = [
    (b"Hei maailma.\n", "Hei maailma.\n"),
    (b"\xef\xbb\xbfHei.", "Hei."),  # BOM dropped
    (b"Yksi.\r\nKaksi.\r\n", "Yksi.\nKaksi.\n"),  # CRLF
    (b"Yksi.\rKaksi.", "Yksi.\nKaksi."),  # CR
    ("Ääkköset ja ”lainausmerkit” 🙂".encode(), "Ääkköset ja ”lainausmerkit” 🙂"),
    (b"Sarkain\tja\fsivunvaihto.", "Sarkain\tja\fsivunvaihto."),
]


@pytest.mark.parametrize(("data", "text"), GOOD)
def test_read_text_normalises(tmp_path: Path, data: bytes, text: str) -> None:
    path = tmp_path / "doc.fi.txt"
    path.write_bytes(data)
    assert io.read_text(path) == text


BAD = [
    (b"Hyv\xe4 p\xe4iv\xe4", "not valid UTF-8: undecodable byte 0xe4 at byte offset 3"),
    (b"abc\xffdef", "byte offset 3"),
    ("Hyvä".encode() + b"\x80", "undecodable byte 0x80 at byte offset 5"),
    (b"text\x00more", "binary content: NUL byte at byte offset 4"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary content"),
    (bytes(range(1, 9)) * 20, "binary content"),
]


@pytest.mark.parametrize(("data", "message"), BAD)
def test_read_text_rejects(tmp_path: Path, data: bytes, message: str) -> None:
    path = tmp_path / "bad.fi.txt"
    path.write_bytes(data)
    with pytest.raises(InputError) as err:
        io.read_text(path)
    assert message in str(err.value)
    assert str(err.value).startswith(str(path))


@pytest.mark.parametrize("data", [b"", b"   \n\n\t  \r\n", b"\xef\xbb\xbf"])
def test_empty_or_blank_warns(tmp_path: Path, data: bytes, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "empty.fi.txt"
    path.write_bytes(data)
    with caplog.at_level(logging.WARNING, logger="pipeline"):
        text = io.read_text(path)
    assert not text.strip()
    assert "empty or blank file" in caplog.text and str(path) in caplog.text


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        io.read_text(tmp_path / "missing.fi.txt")
    with pytest.raises(InputError, match="is a directory"):
        io.read_text(tmp_path)


@pytest.mark.parametrize(
    ("name", "doc"),
    [("corpus/a-b.fi.txt", "a-b"), ("x.en.txt", "x"), ("notes.txt", "notes"), ("raw", "raw")],
)
def test_doc_name(name: str, doc: str) -> None:
    assert io.doc_name(name) == doc


def test_atomic_write_replaces_only_on_success(tmp_path: Path) -> None:
    target = tmp_path / "out" / "segments.jsonl"
    io.write_jsonl(target, [{"a": "ä"}])
    assert target.read_text(encoding="utf-8") == '{"a": "ä"}\n'

    def rows() -> list[dict[str, int]]:
        raise RuntimeError("stage failed half-way")

    with pytest.raises(RuntimeError), io.atomic_write(target) as handle:  # noqa: PT012 (a failing write)
        handle.write('{"partial": true}\n')
        rows()
    assert target.read_text(encoding="utf-8") == '{"a": "ä"}\n'
    assert sorted(p.name for p in target.parent.iterdir()) == ["segments.jsonl"]


def test_read_jsonl_names_the_bad_line(tmp_path: Path) -> None:
    path = tmp_path / "segments.jsonl"
    path.write_text('{"id": 1}\n\n{"id": 2\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"line 3: not valid JSON"):
        io.read_jsonl(path)
    path.write_text('{"id": 1}\n[1, 2]\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"line 2: expected a JSON object"):
        io.read_jsonl(path)


def test_outputs_get_the_usual_file_mode(tmp_path: Path) -> None:
    mask = os.umask(0o022)
    try:
        io.write_text(tmp_path / "report.html", "x")
    finally:
        os.umask(mask)
    assert (tmp_path / "report.html").stat().st_mode & 0o777 == 0o644
