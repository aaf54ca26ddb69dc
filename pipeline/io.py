"""Reading corpus files with strict encoding checks, and atomic writers for every output."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import IO, Any

from .errors import InputError

log = logging.getLogger(__name__)

BOM = "\ufeff"
# C0 controls that never occur in a text article; tab, LF, CR and form feed are fine.
_CONTROL = {chr(c) for c in range(32)} - {"\t", "\n", "\r", "\f"}
# A decoded file with more than this share of control characters is binary, not text.
_MAX_CONTROL_SHARE = 0.01
DOC_SUFFIXES = (".fi.txt", ".en.txt", ".txt")


def doc_name(path: str | Path) -> str:
    """The document name of a corpus file: its file name without `.fi.txt` (or `.txt`)."""
    name = Path(path).name
    for suffix in DOC_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return Path(name).stem or name


def decode_text(data: bytes, path: str | Path) -> str:
    """Decode UTF-8 bytes into document text: BOM dropped, CRLF and CR turned into LF.

    Raises InputError naming the file for undecodable bytes, NUL bytes and other binary content.
    """
    nul = data.find(b"\x00")
    if nul >= 0:
        raise InputError(path, f"binary content: NUL byte at byte offset {nul}")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        bad = data[exc.start : exc.start + 1].hex()
        raise InputError(
            path, f"not valid UTF-8: undecodable byte 0x{bad} at byte offset {exc.start}"
        ) from None
    if text.startswith(BOM):
        text = text[1:]
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    controls = sum(1 for ch in text if ch in _CONTROL)
    if controls and controls > _MAX_CONTROL_SHARE * len(text):
        first = next(i for i, ch in enumerate(text) if ch in _CONTROL)
        raise InputError(
            path, f"binary content: {controls} control characters (first at character offset {first})"
        )
    return text


def read_text(path: str | Path, *, warn_empty: bool = True) -> str:
    """Read a corpus text file strictly (see `decode_text`); warn when it is empty or blank."""
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise InputError(path, "no such file") from None
    except IsADirectoryError:
        raise InputError(path, "is a directory, not a text file") from None
    except OSError as exc:
        raise InputError(path, f"cannot read: {exc.strerror or exc}") from None
    text = decode_text(data, path)
    if warn_empty and not text.strip():
        log.warning("%s: empty or blank file; no segments", path)
    return text


def read_yaml(path: str | Path) -> Any:
    """Read a YAML settings file (safe loader); bad YAML is an InputError giving the line."""
    import yaml  # noqa: PLC0415  (only the stages with YAML settings need it)

    try:
        return yaml.safe_load(read_text(path, warn_empty=False))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark is not None else ""
        raise InputError(path, f"{where}not valid YAML ({getattr(exc, 'problem', exc)})") from None


def read_jsonl(path: str | Path) -> list[dict[str, Any]]:
    """Read a JSONL file of objects; a malformed line is an InputError naming the line."""
    text = read_text(path)
    rows: list[dict[str, Any]] = []
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(path, f"line {number}: not valid JSON ({exc.msg})") from None
        if not isinstance(row, dict):
            raise InputError(path, f"line {number}: expected a JSON object")
        rows.append(row)
    return rows


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_write(path: str | Path, mode: str = "w") -> Iterator[IO[Any]]:
    """Write a file through a temporary file in the same directory, renamed into place on success.

    On any error the temporary file is removed and the target is left as it was.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        # mkstemp makes the file private (0600); an output gets the mode a plain open() would give.
        os.fchmod(fd, 0o666 & ~_umask())
        encoding = None if "b" in mode else "utf-8"
        newline = None if "b" in mode else "\n"
        with os.fdopen(fd, mode, encoding=encoding, newline=newline) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def dumps_jsonl(rows: Iterable[Mapping[str, Any]]) -> str:
    """Serialise rows as JSONL: one compact object per line, non-ASCII kept as is."""
    return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)


def write_text(path: str | Path, text: str) -> None:
    """Write a UTF-8 text file atomically."""
    with atomic_write(path) as handle:
        handle.write(text)


def write_jsonl(path: str | Path, rows: Iterable[Mapping[str, Any]]) -> None:
    """Write rows as a JSONL file atomically."""
    write_text(path, dumps_jsonl(rows))
