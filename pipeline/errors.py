"""The project's own exceptions: errors a user can cause end as one line, never a traceback."""

from __future__ import annotations

from pathlib import Path


class PipelineError(Exception):
    """An error the user can act on; the CLI prints it as one line and exits 1."""


class InputError(PipelineError):
    """An input file that cannot be used (missing, undecodable, binary, malformed)."""

    def __init__(self, path: str | Path, problem: str) -> None:
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")


class ConfigError(PipelineError):
    """A bad option or setting (an unknown stage name, a bad value)."""


class ModelError(PipelineError):
    """A translation model that cannot be found, installed or loaded."""


class LanguageToolError(PipelineError):
    """LanguageTool is missing, cannot start, or its server failed during a run."""
