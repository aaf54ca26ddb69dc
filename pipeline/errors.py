"""The project's own exceptions: errors a user can cause end as one line, never a traceback."""

from __future__ import annotations

import contextlib
import signal
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from types import FrameType


class PipelineError(Exception):
    """An error the user can act on; the CLI prints it as one line and exits 1."""


class PathError(PipelineError):
    """A problem with one file, said as `<path>: <problem>`."""

    def __init__(self, path: str | Path, problem: str) -> None:
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")


class InputError(PathError):
    """An input file that cannot be used (missing, undecodable, binary, malformed)."""


class ConfigError(PipelineError):
    """A bad option or setting (an unknown stage name, a bad value)."""


class ModelError(PipelineError):
    """A translation model that cannot be found, installed or loaded."""


class LanguageToolError(PipelineError):
    """LanguageTool is missing, cannot start, or its server failed during a run."""


class OutputError(PathError):
    """An output that cannot be written (a directory in its place, no permission, a full disk)."""


class RecordError(PipelineError):
    """A JSONL row that is not the record a stage expects: a field missing, of the wrong type or
    out of range. The reader of the file adds its name and line (`io.read_records`)."""

    def __init__(self, field: str, problem: str) -> None:
        self.field = field
        self.problem = problem
        super().__init__(f"field {field!r}: {problem}")


class Stopped(BaseException):
    """SIGTERM arrived: unwinds like KeyboardInterrupt (temporary files are removed on the way),
    and the CLI ends with one line and exit code 143."""


# Exit codes of a run ended by a signal: 128 + the signal's number, as a shell reports it.
EXIT_INTERRUPTED = 128 + signal.SIGINT
EXIT_STOPPED = 128 + signal.SIGTERM


def _raise_stopped(signum: int, frame: FrameType | None) -> None:
    raise Stopped


def install_stop_handler() -> Callable[[], None]:
    """Make SIGTERM raise Stopped (in the main thread); return what restores the SIGTERM and SIGINT
    handlers as they were (`end_of_signal` changes both)."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    signal.signal(signal.SIGTERM, _raise_stopped)

    def restore() -> None:
        for sig, handler in previous.items():
            signal.signal(sig, signal.SIG_DFL if handler is None else handler)

    return restore


def end_of_signal(exc: KeyboardInterrupt | Stopped) -> int:
    """Say in one line on stderr that SIGINT or SIGTERM ended the run; return the exit code.

    A second signal while the process winds down kills it at once, without a traceback.
    """
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
    stopped = isinstance(exc, Stopped)
    with contextlib.suppress(OSError, ValueError):  # stderr closed: the exit code still says it
        sys.stderr.write(f"pipeline: error: {'stopped (SIGTERM)' if stopped else 'interrupted'}\n")
        sys.stderr.flush()
    return EXIT_STOPPED if stopped else EXIT_INTERRUPTED
