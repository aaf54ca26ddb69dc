"""Reading corpus files with strict encoding checks, and atomic writers for every output."""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import os
import tempfile
import tomllib
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


# A YAML settings file may not use anchors or aliases: a kilobyte of nested aliases (a "billion
# laughs" file) expands to gigabytes, and a reader cannot see what a value says without expanding it.
# Duplicate keys are refused (PyYAML lets the last one win silently), and so is nesting deeper than
# this: PyYAML composes nodes recursively, so a few thousand '[' would end in a RecursionError.
YAML_MAX_DEPTH = 50
# Values quoted in an error message are cut to this many characters.
BRIEF_CHARS = 40


def brief(value: object) -> str:
    """A value for an error message: its repr, cut short."""
    text = repr(value)
    return text if len(text) <= BRIEF_CHARS else text[: BRIEF_CHARS - 1] + "…"


def refuse_unknown_keys(path: str | Path, where: str, data: Mapping[Any, Any], known: Iterable[str]) -> None:
    """An InputError naming the first key of a settings mapping that is not one of `known`."""
    valid = list(known)
    unknown = sorted(str(k) for k in data if k not in valid)
    if unknown:
        prefix = f"{where}: " if where else ""
        raise InputError(path, f"{prefix}unknown key {brief(unknown[0])} (valid: {', '.join(valid)})")


@functools.cache
def _yaml_loader() -> tuple[type[Any], type[Exception]]:
    """The strict safe loader of YAML settings files, and the error it raises for what it refuses."""
    import yaml  # noqa: PLC0415  (only the stages with YAML settings need it)

    class Refused(yaml.MarkedYAMLError):  # type: ignore[misc]
        """A YAML feature a settings file may not use."""

    class StrictLoader(yaml.SafeLoader):  # type: ignore[misc]
        """yaml.SafeLoader without anchors, aliases, duplicate keys or deep nesting."""

        depth = 0

        def compose_node(self, parent: Any, index: Any) -> Any:
            event = self.peek_event()
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
                raise Refused(
                    problem="anchors (&) and aliases (*) are not accepted", problem_mark=event.start_mark
                )
            if self.depth >= YAML_MAX_DEPTH:
                raise Refused(
                    problem=f"nested deeper than {YAML_MAX_DEPTH} levels", problem_mark=event.start_mark
                )
            self.depth += 1
            try:
                return super().compose_node(parent, index)
            finally:
                self.depth -= 1

        def construct_mapping(self, node: Any, deep: bool = False) -> Any:
            seen: set[Any] = set()
            for key_node, _ in node.value:
                key = self.construct_object(key_node, deep=deep)
                try:
                    duplicate = key in seen
                except TypeError:  # an unhashable key: SafeLoader's own check refuses it below
                    continue
                if duplicate:
                    raise Refused(problem=f"duplicate key {brief(key)}", problem_mark=key_node.start_mark)
                seen.add(key)
            return super().construct_mapping(node, deep)

    return StrictLoader, Refused


def read_yaml(path: str | Path) -> Any:
    """Read a YAML settings file with the strict safe loader; bad YAML, anchors, aliases and duplicate
    keys are an InputError giving the line."""
    import yaml  # noqa: PLC0415

    loader, refused = _yaml_loader()
    try:
        return yaml.load(read_text(path, warn_empty=False), Loader=loader)  # a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark is not None else ""
        problem = getattr(exc, "problem", None) or exc
        if isinstance(exc, refused):
            raise InputError(path, f"{where}{problem}") from None
        raise InputError(path, f"{where}not valid YAML ({problem})") from None
    except ValueError as exc:  # a value PyYAML cannot convert: a 5,000-digit number, the 13th month
        raise InputError(path, f"not valid YAML ({exc})") from None


def read_toml(path: str | Path) -> dict[str, Any]:
    """Read a TOML settings file strictly (UTF-8, see `read_text`); bad TOML (duplicate keys too) is an
    InputError giving the line."""
    text = read_text(path, warn_empty=False)
    try:
        return tomllib.loads(text)
    except ValueError as exc:  # TOMLDecodeError, or a number too long to convert
        raise InputError(path, f"not valid TOML ({exc})") from None
    except RecursionError:
        raise InputError(path, "not valid TOML (nested too deeply)") from None


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
