"""The stage registry: what every document goes through, in order, and the files each stage reads
and writes (keys of `workspace.FILES`).

`python -m pipeline run`, the corpus runner (`pipeline batch`) and the Makefile all follow this
registry; a test checks the Makefile's rules against it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from . import attributes, check, clean, dataset, english_check, publish, report, segment, translate
from .errors import ConfigError
from .languagetool.server import ENV_URL
from .workspace import Workspace

# What a stage may depend on besides files: the installed translation models.
MODELS = "models"


@dataclass(frozen=True)
class Stage:
    """One stage: the workspace files it reads and writes and the function that builds them.

    `run` reads its inputs from the workspace and writes every output atomically; `environment`
    names the environment variables that change its outputs, `uses` what else does (MODELS).
    """

    name: str
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    run: Callable[[Workspace], object]
    help: str
    environment: tuple[str, ...] = ()
    uses: tuple[str, ...] = ()


STAGES: dict[str, Stage] = {
    "segment": Stage(
        name="segment",
        inputs=segment.INPUTS,
        outputs=segment.OUTPUTS,
        run=segment.run_stage,
        help="blocks and sentences with exact offsets",
    ),
    "check": Stage(
        name="check",
        inputs=check.INPUTS,
        outputs=check.OUTPUTS,
        run=check.run_stage,
        help="Finnish checks: Voikko, syntax checks on the parse, MT-artifact rules (reads segments.jsonl)",
    ),
    "clean": Stage(
        name="clean",
        inputs=clean.INPUTS,
        outputs=clean.OUTPUTS,
        run=clean.run_stage,
        help="safe fixes and the reviewer's decisions applied to the Finnish text, which is then "
        "checked again (reads segments.jsonl, issues.jsonl, glossary.tsv, <doc>.review.yaml)",
    ),
    "translate": Stage(
        name="translate",
        inputs=translate.INPUTS,
        outputs=translate.OUTPUTS,
        run=translate.run_stage,
        help="fi→en retranslation and en→fi round trip with Argos packages (reads segments.jsonl)",
        environment=("STRICT",),
        uses=(MODELS,),
    ),
    "align": Stage(
        name="align",
        inputs=dataset.INPUTS,
        outputs=dataset.OUTPUTS,
        run=dataset.run_stage,
        help="bilingual dataset with scores, triage, TMX and XLIFF, and the English reference's beads "
        "(reads earlier outputs, <doc>.en.txt)",
    ),
    "attributes": Stage(
        name="attributes",
        inputs=attributes.INPUTS,
        outputs=attributes.OUTPUTS,
        run=attributes.run_stage,
        help="role-attribute table and comparison (reads <doc>.schema.yaml, segments, changes, translations, "
        "the aligned reference)",
    ),
    "check-en": Stage(
        name="check-en",
        inputs=english_check.INPUTS,
        outputs=english_check.OUTPUTS,
        run=english_check.run_stage,
        help="English checks: LanguageTool on translations.jsonl (skipped, with a warning, until it exists) "
        "and on <doc>.en.txt",
        environment=(ENV_URL,),
    ),
    "publish": Stage(
        name="publish",
        inputs=publish.INPUTS,
        outputs=publish.OUTPUTS,
        run=publish.run_stage,
        help="the cleaned Finnish for publishers: publish/<doc>.fi.txt and .md, rejected segments marked "
        "(the .md ends with how many segments still have errors or warnings)",
    ),
    # Last: it presents the outputs of every stage above.
    "report": Stage(
        name="report",
        inputs=report.INPUTS,
        outputs=report.OUTPUTS,
        run=report.run_stage,
        help="the reviewer's self-contained HTML report (reads every output above; comparison.csv if any)",
        environment=("SOURCE_DATE_EPOCH",),
    ),
}


def get_stage(name: str) -> Stage:
    """The stage called `name`; an unknown name fails listing the valid ones."""
    try:
        return STAGES[name]
    except KeyError:
        raise ConfigError(f"unknown stage {name!r}; valid stages: {', '.join(STAGES)}") from None


def producers() -> dict[str, str]:
    """Workspace key -> the stage that writes it."""
    return {key: stage.name for stage in STAGES.values() for key in stage.outputs}


def run_document(ws: Workspace, names: list[str] | None = None) -> list[Path]:
    """Run the named stages (all by default, in registry order) for one document; return what was written."""
    written: list[Path] = []
    for stage in [get_stage(n) for n in names] if names else STAGES.values():
        stage.run(ws)
        written.extend(ws.outputs(stage.outputs))
    return written
