"""A document's workspace: every file a stage reads or writes, each named once.

A document `<doc>` is the corpus file `<doc>.fi.txt`; beside it may be its optional inputs (the
reviewer's decisions, a comparison schema, an English reference, the corpus glossary), and its
outputs go into one output directory. Stages, the corpus runner, the CLI and the Makefile name
files by the keys of `FILES`; only this module knows the file names.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from . import io, triage

CORPUS, OUT, CONFIG = "corpus", "out", "config"


@dataclass(frozen=True)
class File:
    """One file of a workspace: where it lives, its name ("{doc}" is the document name), and
    whether a document may do without it (optional inputs; outputs a stage may not write)."""

    where: str  # CORPUS (beside the source), OUT (the output directory) or CONFIG
    pattern: str
    optional: bool = False


FILES: dict[str, File] = {
    # Inputs from the corpus directory.
    "source": File(CORPUS, "{doc}.fi.txt"),
    "glossary": File(CORPUS, "glossary.tsv", optional=True),
    "review": File(CORPUS, "{doc}.review.yaml", optional=True),
    "schema": File(CORPUS, "{doc}.schema.yaml", optional=True),
    "reference": File(CORPUS, "{doc}.en.txt", optional=True),
    # The triage thresholds: $PIPELINE_TRIAGE, else the package's triage.toml.
    "triage": File(CONFIG, "triage.toml"),
    # Outputs, in the document's output directory.
    "segments": File(OUT, "segments.jsonl"),
    "issues": File(OUT, "issues.jsonl"),
    "cleaned": File(OUT, "cleaned.fi.txt"),
    "changes": File(OUT, "changes.jsonl"),
    "review-log": File(OUT, "review.jsonl"),
    "recheck": File(OUT, "issues.cleaned.jsonl"),
    "translations": File(OUT, "translations.jsonl"),
    "issues-en": File(OUT, "issues.en.jsonl"),
    "cleaned-en": File(OUT, "cleaned.en.txt"),
    "changes-en": File(OUT, "changes.en.jsonl"),
    "issues-ref": File(OUT, "issues.ref.jsonl", optional=True),
    "aligned": File(OUT, "aligned.jsonl"),
    "aligned-csv": File(OUT, "aligned.csv"),
    "aligned-parquet": File(OUT, "aligned.parquet"),
    "aligned-tmx": File(OUT, "aligned.tmx"),
    "aligned-xliff": File(OUT, "aligned.xlf"),
    "reference-beads": File(OUT, "reference.jsonl", optional=True),
    "role-attributes": File(OUT, "role_attributes.csv", optional=True),
    "role-attributes-parquet": File(OUT, "role_attributes.parquet", optional=True),
    "comparison": File(OUT, "comparison.csv", optional=True),
    "comparison-md": File(OUT, "comparison.md", optional=True),
    "publish-text": File(OUT, "publish/{doc}.fi.txt"),
    "publish-md": File(OUT, "publish/{doc}.md"),
    "report": File(OUT, "report.html"),
}
# The index of every document's report, in the root of the output directories.
INDEX = "index.html"


def triage_config() -> Path:
    """The triage thresholds in use: the file $PIPELINE_TRIAGE names, else the package's."""
    return Path(os.environ.get(triage.ENV_CONFIG) or triage.DEFAULT_CONFIG)


@dataclass(frozen=True)
class Workspace:
    """The files of one document: its corpus file and its output directory."""

    source: Path
    out_dir: Path

    @classmethod
    def of(cls, source: str | Path, out_dir: str | Path | None = None) -> Workspace:
        """The workspace of a corpus file; outputs in `out_dir` (default outputs/<doc>/)."""
        src = Path(source)
        return cls(src, Path(out_dir) if out_dir is not None else Path("outputs") / io.doc_name(src))

    @classmethod
    def for_outputs(cls, out_dir: str | Path) -> Workspace:
        """The workspace of the outputs in `out_dir`, for reading them (its corpus side is not known:
        the document is named after the directory)."""
        out = Path(out_dir)
        return cls(out / FILES["source"].pattern.format(doc=out.name), out)

    @property
    def doc(self) -> str:
        """The document name."""
        return io.doc_name(self.source)

    def name(self, key: str) -> str:
        """The file name of `key`, relative to where it lives (the output directory for outputs)."""
        return FILES[key].pattern.format(doc=self.doc)

    def path(self, key: str) -> Path:
        """The path of the file `key` (see FILES)."""
        spec = FILES[key]
        if key == "source":
            return self.source
        if spec.where == CONFIG:
            return triage_config()
        base = self.source.parent if spec.where == CORPUS else self.out_dir
        return base / self.name(key)

    def optional(self, key: str) -> Path | None:
        """The path of `key` if that file exists, else None."""
        path = self.path(key)
        return path if path.exists() else None

    def outputs(self, keys: tuple[str, ...]) -> Iterator[Path]:
        """The paths of the files `keys` that exist."""
        return (p for p in (self.path(k) for k in keys) if p.exists())
