"""Reading corpus files with strict encoding checks, and atomic writers for every output."""

from __future__ import annotations

import codecs
import contextlib
import errno
import functools
import json
import logging
import os
import re
import stat
import tempfile
import tomllib
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import IO, Any, TypeVar

from .errors import InputError, OutputError, RecordError
from .records import Record

R = TypeVar("R", bound=Record)

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


# Byte-order marks of the encodings a text editor may save in instead of UTF-8 (UTF-32 first: its
# little-endian mark starts with UTF-16's).
_WIDE_BOMS = (
    (codecs.BOM_UTF32_LE, "UTF-32", "little-endian"),
    (codecs.BOM_UTF32_BE, "UTF-32", "big-endian"),
    (codecs.BOM_UTF16_LE, "UTF-16", "little-endian"),
    (codecs.BOM_UTF16_BE, "UTF-16", "big-endian"),
)
# Without a mark, UTF-16 text in a Latin script has a zero high byte in most code units: at odd
# offsets (little-endian) or even ones (big-endian), hardly ever at the other parity.
_UTF16_MIN_ZERO_SHARE = 0.5


def _control_count(text: str) -> int:
    """How many characters of `text` are control characters no article has (NUL included)."""
    return sum(1 for ch in text if ch in _CONTROL)


def _wide_encoding(data: bytes) -> str | None:
    """`UTF-16 (little-endian, with a byte-order mark)` and the like when the bytes are UTF-16 or
    UTF-32 text rather than UTF-8; None otherwise."""
    for bom, name, order in _WIDE_BOMS:
        if data.startswith(bom):
            return f"{name} ({order}, with a byte-order mark)"
    if len(data) < 2 or len(data) % 2:
        return None
    units = len(data) // 2
    zeros_even, zeros_odd = data[0::2].count(0), data[1::2].count(0)
    for zeros, others, codec, order in (
        (zeros_odd, zeros_even, "utf-16-le", "little-endian"),
        (zeros_even, zeros_odd, "utf-16-be", "big-endian"),
    ):
        if zeros >= _UTF16_MIN_ZERO_SHARE * units and others * 10 <= zeros:
            try:
                text = data.decode(codec)
            except UnicodeDecodeError:
                continue
            if not _control_count(text) > _MAX_CONTROL_SHARE * len(text):  # else binary after all
                return f"UTF-16 ({order}, no byte-order mark)"
    return None


def decode_text(data: bytes, path: str | Path) -> str:
    """Decode UTF-8 bytes into document text: BOM dropped, CRLF and CR turned into LF.

    Raises InputError naming the file for undecodable bytes, NUL bytes and other binary content;
    UTF-16 (or UTF-32) text is named as such, with what to do about it.
    """
    # Only NUL bytes or a UTF-16 mark (invalid in UTF-8 either way) make it worth a look.
    wide = _wide_encoding(data) if b"\x00" in data or data[:2] in (b"\xff\xfe", b"\xfe\xff") else None
    if wide is not None:
        raise InputError(path, f"is {wide}: save it as UTF-8")
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
    controls = _control_count(text)
    if controls and controls > _MAX_CONTROL_SHARE * len(text):
        first = next(i for i, ch in enumerate(text) if ch in _CONTROL)
        raise InputError(
            path, f"binary content: {controls} control characters (first at character offset {first})"
        )
    return text


# The empty inputs already warned about, as (absolute path, modification time): every stage of a
# run reads the source again, and the warning is said once per input.
_warned_empty: set[tuple[str, int]] = set()


def _warn_empty_once(path: str | Path) -> None:
    try:
        key = (os.path.abspath(path), os.stat(path).st_mtime_ns)
    except OSError:
        key = (os.path.abspath(path), 0)
    if key not in _warned_empty:
        _warned_empty.add(key)
        log.warning("%s: empty or blank file; no segments", path)


def read_text(path: str | Path, *, warn_empty: bool = True) -> str:
    """Read a corpus text file strictly (see `decode_text`); warn, once per file, when it is blank."""
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
        _warn_empty_once(path)
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


def _jsonl_rows(path: str | Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, object) of each non-blank line of a JSONL file.

    An empty file is no rows and no warning: the intermediate files of an empty input (or the
    issues of a clean text) are empty, and the input itself has been warned about already.
    """
    text = read_text(path, warn_empty=False)
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(path, f"line {number}: not valid JSON ({exc.msg})") from None
        if not isinstance(row, dict):
            raise InputError(path, f"line {number}: expected a JSON object")
        yield number, row


def read_jsonl(path: str | Path) -> list[dict[str, Any]]:
    """Read a JSONL file of objects; a malformed line is an InputError naming the line."""
    return [row for _, row in _jsonl_rows(path)]


def read_records(path: str | Path, cls: type[R]) -> list[R]:
    """Read a JSONL file of `cls` records. A row that is not one (bad JSON, a field missing or of the
    wrong type, offsets that do not fit its text) is an InputError naming the file, the line and the
    field. Whether the offsets hold in the document is consistency.check_inputs' question."""
    records: list[R] = []
    for number, row in _jsonl_rows(path):
        try:
            records.append(cls.from_dict(row))
        except RecordError as exc:
            raise InputError(path, f"line {number}: {exc}") from None
    return records


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


# Temporary files of atomic writes: `.<name>.pipeline-<pid>.<random>.tmp` beside the target. SIGINT
# and SIGTERM unwind through atomic_write, which removes its file; a process killed outright
# (SIGKILL, the OOM killer, a power cut) cannot, so the next write into the directory removes the
# files of processes that are gone (or whose id a newer process has taken). The pid in the name
# keeps a concurrent run's file in flight (make -j2, the runner's client) from being taken for one.
_TMP_MARK = ".pipeline-"
_TMP_NAME = re.compile(r"^\..+\.pipeline-(\d+)\.[^.]+\.tmp$")
_swept: set[str] = set()
# Errors of writing rather than of the caller's code inside `with atomic_write(...)`.
_WRITE_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS, errno.EIO}


def _process_start(pid: int) -> float | None:
    """When process `pid` started (seconds since the epoch), None when there is no such process.
    Where /proc cannot tell, a running process counts as started at the epoch (nothing is removed)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        pass  # it exists, run by another user
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        lines = Path("/proc/stat").read_text().splitlines()
        boot = next(float(line.split()[1]) for line in lines if line.startswith("btime"))
        return boot + int(fields[19]) / os.sysconf("SC_CLK_TCK")
    except (OSError, StopIteration, IndexError, ValueError):
        return 0.0


def remove_stale_temp_files(directory: str | Path) -> list[Path]:
    """Remove the temporary files that killed runs left in `directory`; return them."""
    removed: list[Path] = []
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return removed
    for entry in entries:
        match = _TMP_NAME.match(entry.name)
        if match is None or int(match[1]) == os.getpid():
            continue
        started = _process_start(int(match[1]))
        with contextlib.suppress(OSError):
            # Only a process that started after the file was written can have taken its id; the
            # second of slack allows for the clock tick /proc counts in.
            if started is None or entry.stat(follow_symlinks=False).st_mtime < started - 1:
                os.unlink(entry.path)
                removed.append(Path(entry.path))
    return removed


def _prepare_directory(target: Path) -> None:
    """Make the target's directory and clear it of stale temporary files (once per process)."""
    for parent in reversed([target.parent, *target.parent.parents]):
        if parent.exists() and not parent.is_dir():
            raise OutputError(target, f"cannot write under {parent}: it is a file, not a directory")
    if target.is_dir():
        raise OutputError(target, "is a directory")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(target, f"cannot create its directory: {exc.strerror or exc}") from None
    key = os.path.abspath(target.parent)
    if key not in _swept:
        _swept.add(key)
        for stale in remove_stale_temp_files(target.parent):
            log.debug("removed %s, left by a run that was killed", stale)


def _open_flags(mode: str) -> tuple[str | None, str | None]:
    """(encoding, newline) of an output opened in `mode`: UTF-8 and LF for text."""
    return (None, None) if "b" in mode else ("utf-8", "\n")


@contextlib.contextmanager
def _write_errors(target: Path, *, body: bool = False) -> Iterator[None]:
    """Turn an OSError of writing `target` into an OutputError naming it. In the `with` body of
    atomic_write (`body`) only errors of writing count: others are the caller's own."""
    try:
        yield
    except OSError as exc:
        if body and exc.errno not in _WRITE_ERRNOS:
            raise
        raise OutputError(target, f"cannot write: {exc.strerror or exc}") from None


def _is_special(target: Path) -> bool:
    """Whether the target is a device, pipe or socket (`-o /dev/stdout`): written in place, as a
    rename would put a file in its place (and, run as root, replace /dev/null)."""
    try:
        mode = target.stat().st_mode
    except OSError:
        return False
    return not stat.S_ISREG(mode) and not stat.S_ISDIR(mode)


@contextlib.contextmanager
def atomic_write(path: str | Path, mode: str = "w") -> Iterator[IO[Any]]:
    """Write a file through a temporary file in the same directory, renamed into place on success.

    On any error (a full disk, SIGINT or SIGTERM included) the temporary file is removed and the
    target is left as it was. An output that cannot be written (a directory in its place, a file
    where its directory should be, no permission, no space) is an OutputError naming it.
    """
    target = Path(path)
    encoding, newline = _open_flags(mode)
    if _is_special(target):
        with _write_errors(target):
            handle = open(target, mode, encoding=encoding, newline=newline)  # noqa: SIM115
        with _write_errors(target), handle:
            with _write_errors(target, body=True):
                yield handle
            handle.flush()
        return
    _prepare_directory(target)
    with _write_errors(target):
        fd, tmp = tempfile.mkstemp(
            prefix=f".{target.name}{_TMP_MARK}{os.getpid()}.", suffix=".tmp", dir=target.parent
        )
    try:
        with _write_errors(target):
            # mkstemp makes the file private (0600); an output gets the mode a plain open() would give.
            os.fchmod(fd, 0o666 & ~_umask())
            handle = os.fdopen(fd, mode, encoding=encoding, newline=newline)
        with _write_errors(target), handle:
            with _write_errors(target, body=True):
                yield handle
            handle.flush()
            os.fsync(handle.fileno())
        with _write_errors(target):
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
