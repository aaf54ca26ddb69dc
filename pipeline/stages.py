"""The stage registry: what `python -m pipeline run` executes for one document, in order."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from . import attributes, check, clean, dataset, english_check, io, publish, report, segment, translate
from .errors import ConfigError


@dataclass(frozen=True)
class Stage:
    """One stage: the files it writes into a document's output directory and how it builds them."""

    name: str
    outputs: tuple[str, ...]  # relative to the output directory; "{doc}" is the document name
    build: Callable[[Path, Path], object]  # (corpus file, document output directory)
    help: str


STAGES: dict[str, Stage] = {
    "segment": Stage(
        name="segment",
        outputs=("segments.jsonl",),
        build=lambda source, out_dir: segment.run(source, out_dir / "segments.jsonl"),
        help="blocks and sentences with exact offsets",
    ),
    "check": Stage(
        name="check",
        outputs=("issues.jsonl",),
        build=lambda source, out_dir: check.run(out_dir / "segments.jsonl", out_dir / "issues.jsonl"),
        help="Finnish checks: Voikko and MT-artifact rules (reads segments.jsonl)",
    ),
    "clean": Stage(
        name="clean",
        outputs=clean.OUTPUTS,
        build=clean.run,
        help="safe fixes and the reviewer's decisions applied to the Finnish text, which is then "
        "checked again (reads segments.jsonl, issues.jsonl, glossary.tsv, <doc>.review.yaml)",
    ),
    "translate": Stage(
        name="translate",
        outputs=("translations.jsonl",),
        build=lambda source, out_dir: translate.run(
            out_dir / "segments.jsonl", out_dir / "translations.jsonl"
        ),
        help="fi→en retranslation and en→fi round trip with Argos packages (reads segments.jsonl)",
    ),
    "align": Stage(
        name="align",
        outputs=dataset.ALIGN_OUTPUTS,
        build=dataset.run_stage,
        help="bilingual dataset with scores, triage, TMX and XLIFF (reads earlier outputs, <doc>.en.txt)",
    ),
    "attributes": Stage(
        name="attributes",
        outputs=attributes.OUTPUTS,
        build=attributes.run,
        help="role-attribute table and comparison (reads <doc>.schema.yaml, segments, changes, translations)",
    ),
    "check-en": Stage(
        name="check-en",
        outputs=english_check.STAGE_OUTPUTS,
        build=lambda source, out_dir: english_check.run_stage(out_dir / "translations.jsonl", out_dir),
        help="English checks: LanguageTool on translations.jsonl (skipped, with a warning, until it exists)",
    ),
    "publish": Stage(
        name="publish",
        outputs=publish.outputs_for("{doc}"),
        build=publish.run,
        help="the cleaned Finnish for publishers: publish/<doc>.fi.txt and .md, rejected segments marked "
        "(the .md ends with how many segments still have errors or warnings)",
    ),
    # Last: it presents the outputs of every stage above.
    "report": Stage(
        name="report",
        outputs=(report.REPORT,),
        build=report.run,
        help="the reviewer's self-contained HTML report (reads every output above; comparison.csv if any)",
    ),
}


def get_stage(name: str) -> Stage:
    """The stage called `name`; an unknown name fails listing the valid ones."""
    try:
        return STAGES[name]
    except KeyError:
        raise ConfigError(f"unknown stage {name!r}; valid stages: {', '.join(STAGES)}") from None


def run_document(source: Path, out_dir: Path, names: list[str] | None = None) -> list[Path]:
    """Run the named stages (all by default, in registry order) for one document; return what was written."""
    written: list[Path] = []
    for stage in [get_stage(n) for n in names] if names else STAGES.values():
        stage.build(source, out_dir)
        outputs = (out_dir / o.format(doc=io.doc_name(source)) for o in stage.outputs)
        written.extend(o for o in outputs if o.exists())
    return written
