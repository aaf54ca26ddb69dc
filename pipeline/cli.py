"""Command line: thin subcommands over the library; user errors end as one line and exit code 1.

Usage errors (a bad option, a missing argument) exit with code 2, as argparse does.
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from . import (
    __version__,
    align,
    argos,
    batch,
    check,
    clean,
    english_check,
    io,
    report,
    segment,
    stages,
    translate,
)
from .errors import PipelineError, Stopped, end_of_signal, install_stop_handler
from .workspace import Workspace

log = logging.getLogger("pipeline")
PROG = "pipeline"


class _OneLineFormatter(logging.Formatter):
    """`pipeline: warning: message`, one line per record."""

    def format(self, record: logging.LogRecord) -> str:
        return f"{PROG}: {record.levelname.lower()}: {record.getMessage()}"


def _configure_logging(quiet: bool, verbose: bool) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_OneLineFormatter())
    root = logging.getLogger("pipeline")
    root.handlers[:] = [handler]
    root.setLevel(logging.ERROR if quiet else logging.DEBUG if verbose else logging.INFO)


def _emit_jsonl(rows: list[dict[str, object]], out: Path | None) -> None:
    if out is None:
        sys.stdout.write(io.dumps_jsonl(rows))
        sys.stdout.flush()
    else:
        io.write_jsonl(out, rows)


def cmd_segment(args: argparse.Namespace) -> int:
    """Segment a Finnish text into blocks and sentences (JSONL)."""
    segments = segment.segment_file(args.file)
    _emit_jsonl([s.to_dict() for s in segments], args.out)
    if args.out is not None:
        log.info("%s: %d segments -> %s", args.file, len(segments), args.out)
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    """Check a Finnish text (segmented on the fly) or a segments file; write issues (JSONL)."""
    issues = check.check_file(args.file, args.checker or check.DEFAULT_CHECKERS)
    _emit_jsonl([i.to_dict() for i in issues], args.out)
    if args.out is not None:
        log.info("%s: %d issues -> %s", args.file, len(issues), args.out)
    return 0


def cmd_clean(args: argparse.Namespace) -> int:
    """Apply the safe fixes to a Finnish text; print or write the cleaned text and its changes."""
    segments = segment.segment_file(args.file)
    issues = check.check_segments(segments, [check.get_checker(n) for n in check.DEFAULT_CHECKERS])
    ws = Workspace.of(args.file)
    cleaned, changes, _ = clean.clean_document(
        args.file, segments, issues, args.glossary or ws.path("glossary"), args.review or ws.path("review")
    )
    if args.changes is not None:
        io.write_jsonl(args.changes, (c.to_dict() for c in changes))
    if args.out is None:
        sys.stdout.write(cleaned)
    else:
        io.write_text(args.out, cleaned)
        log.info("%s: %d changes applied -> %s", args.file, sum(c.applied for c in changes), args.out)
    return 0


def cmd_align_ref(args: argparse.Namespace) -> int:
    """Align a Finnish text with an English reference (JSONL beads, hunalign-style ladder)."""
    beads = align.run_reference(args.fi, args.en, None, presegmented=args.presegmented)
    _emit_jsonl([b.to_dict() for b in beads], args.out)
    if args.out is not None:
        log.info("%s + %s: %d beads -> %s", args.fi, args.en, len(beads), args.out)
    return 0


def cmd_check_en(args: argparse.Namespace) -> int:
    """Check English with LanguageTool: a text (blank lines separate paragraphs) or translations JSONL."""
    outputs = english_check.Outputs(issues=args.out, cleaned=args.clean, changes=args.changes)
    if args.out is None:
        # Issues go to stdout; the cleaned text and changes only where asked for.
        result = english_check.run(args.file, dataclasses.replace(outputs, issues=None))
        _emit_jsonl([i.to_dict() for i in english_check.sorted_issues(result.issues)], None)
    else:
        result = english_check.run(args.file, outputs)
        log.info("%s: %d issues -> %s", args.file, len(result.issues), args.out)
    if args.clean is not None:
        log.info("%s: %d safe corrections -> %s", args.file, len(result.changes), args.clean)
    return 0


def cmd_translate(args: argparse.Namespace) -> int:
    """Translate a Finnish text (segmented on the fly) or a segments file fi→en, with round trip (JSONL)."""
    config = translate.TranslateConfig(
        decoding=translate.DecodingOptions(
            beam_size=args.beam_size,
            compute_type=args.compute_type,
            max_decoding_length=args.max_decoding_length,
        ),
        batch_size=args.batch_size,
        threads=args.threads,
        use_cache=not args.no_cache,
        cache_dir=args.cache_dir,
        roundtrip=not args.no_roundtrip,
    )
    strict = True if args.strict else None  # None: the STRICT environment variable decides
    progress = not args.quiet and translate.stderr_is_terminal()
    rows = translate.translate_file(args.file, config, strict=strict, progress=progress)
    _emit_jsonl([r.to_dict() for r in rows], args.out)
    if args.out is not None:
        log.info("%s: %d segments -> %s", args.file, len(rows), args.out)
    return 0


def cmd_models(args: argparse.Namespace) -> int:
    """Manage the Argos translation packages: list, install."""
    return 0  # argparse requires an action, so this is never reached


def cmd_models_list(args: argparse.Namespace) -> int:
    """List the installed Argos packages and whether the pipeline's language pairs are covered."""
    for pair in argos.PAIRS:
        pkg = argos.find_package(pair)
        where = f"{pkg.label} ({pkg.path})" if pkg else "missing (run make models)"
        print(f"{argos.arrow(pair)}: {where}")
    others = [p for p in argos.installed_packages() if p.pair not in argos.PAIRS]
    for pkg in others:
        print(f"{argos.arrow(pkg.pair)}: {pkg.label} ({pkg.path}) [not used]")
    if args.available:
        for available in argos.available_packages():
            if (available.from_code, available.to_code) in argos.PAIRS:
                print(f"available: {available.from_code}→{available.to_code} {available.package_version}")
    return 0


def cmd_models_install(args: argparse.Namespace) -> int:
    """Install the fi→en and en→fi Argos packages: from .argosmodel files, or from the package index."""
    installed = argos.install_models(args.files, upgrade=args.upgrade)
    for pkg in installed:
        print(f"{argos.arrow(pkg.pair)}: installed {pkg.label} ({pkg.path})")
    return 0


def cmd_report_index(args: argparse.Namespace) -> int:
    """Write DIR/index.html: every document under DIR that has a report.html (with --corpus, only
    the documents still in that corpus), with its counts."""
    docs = None
    if args.corpus is not None:
        docs = [io.doc_name(p) for p in batch.corpus_documents(args.corpus)[0]]
    path = report.write_index(args.dir, docs)
    log.info("%s: index of the reports -> %s", args.dir, path)
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    """Run every stage built so far on one document."""
    source: Path = args.file
    io.read_text(source)  # fail early, with the file named, before any stage writes
    written = stages.run_document(Workspace.of(source, args.out_dir), args.stage or None)
    for path in written:
        log.info("wrote %s", path)
    return 0


def cmd_batch(args: argparse.Namespace) -> int:
    """Run every document of a corpus directory (<doc>.fi.txt) that is not up to date, on Dask."""
    summary = batch.run_corpus(
        args.corpus, args.out_dir, workers=args.workers, scheduler=args.scheduler, only=args.doc or ()
    )
    return 1 if summary.failed else 0


def add_jsonl_out(p: argparse.ArgumentParser) -> None:
    """The `-o/--out` option of the commands that print JSONL."""
    p.add_argument(
        "-o", "--out", type=Path, metavar="OUT", help="write JSONL here (atomically); default stdout"
    )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with one subcommand per stage."""
    parser = argparse.ArgumentParser(
        prog=PROG, description="Translation-quality cleanup pipeline for machine-translated Finnish."
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("-q", "--quiet", action="store_true", help="only errors on stderr")
    parser.add_argument("-v", "--verbose", action="store_true", help="more detail on stderr")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str, func: Callable[[argparse.Namespace], int]) -> argparse.ArgumentParser:
        doc = (func.__doc__ or "").strip()
        p = sub.add_parser(name, help=doc, description=doc)
        p.set_defaults(func=func)
        return p

    p = add("segment", cmd_segment)
    p.add_argument("file", type=Path, metavar="FILE", help="a UTF-8 text file")
    add_jsonl_out(p)

    p = add("check", cmd_check)
    p.add_argument("file", type=Path, metavar="FILE", help="a UTF-8 text file or a segments .jsonl file")
    add_jsonl_out(p)
    p.add_argument(
        "--checker",
        action="append",
        metavar="NAME",
        help=f"use only this checker (repeatable); one of: {', '.join(check.CHECKERS)}",
    )

    p = add("clean", cmd_clean)
    p.add_argument("file", type=Path, metavar="FILE", help="a UTF-8 Finnish text")
    p.add_argument(
        "-o", "--out", type=Path, metavar="OUT", help="write the cleaned text here; default stdout"
    )
    p.add_argument("--changes", type=Path, metavar="PATH", help="also write the changes (JSONL) here")
    p.add_argument(
        "--glossary",
        type=Path,
        metavar="TSV",
        help="English<TAB>Finnish terms (default: glossary.tsv beside FILE)",
    )
    p.add_argument(
        "--review",
        type=Path,
        metavar="YAML",
        help="the reviewer's decisions (default: <doc>.review.yaml beside FILE)",
    )

    p = add("align-ref", cmd_align_ref)
    p.add_argument("fi", type=Path, metavar="FI", help="the Finnish text")
    p.add_argument("en", type=Path, metavar="EN", help="the English reference")
    p.add_argument(
        "--presegmented",
        action="store_true",
        help="one sentence per line, a blank line ends a document; beads give line numbers "
        "(non-blank lines from 0). Without it both texts are segmented and beads give sentence numbers.",
    )
    add_jsonl_out(p)
    p = add("check-en", cmd_check_en)
    p.add_argument(
        "file", type=Path, metavar="FILE", help="an English text file, or a translations .jsonl file"
    )
    p.add_argument(
        "-o",
        "--out",
        type=Path,
        metavar="OUT",
        help="write issues as JSONL here (atomically); default stdout",
    )
    p.add_argument(
        "--clean", type=Path, metavar="OUT", help="write the English with safe corrections applied here"
    )
    p.add_argument("--changes", type=Path, metavar="OUT", help="write every applied correction here (JSONL)")

    p = add("translate", cmd_translate)
    p.add_argument("file", type=Path, metavar="FILE", help="a UTF-8 text file or a segments .jsonl file")
    add_jsonl_out(p)
    p.add_argument(
        "--strict", action="store_true", help="a missing model is an error (also STRICT=1 in the environment)"
    )
    defaults = translate.TranslateConfig()
    p.add_argument("--beam-size", type=int, default=defaults.decoding.beam_size, metavar="N")
    p.add_argument(
        "--batch-size", type=int, default=defaults.batch_size, metavar="N", help="segments per model call"
    )
    p.add_argument(
        "--threads",
        type=int,
        default=defaults.threads,
        metavar="N",
        help="CPU threads (0: CTranslate2 decides)",
    )
    p.add_argument(
        "--compute-type",
        default=defaults.decoding.compute_type,
        choices=translate.COMPUTE_TYPES,
        help="CTranslate2 compute type (default int8)",
    )
    p.add_argument(
        "--max-decoding-length", type=int, default=defaults.decoding.max_decoding_length, metavar="N"
    )
    p.add_argument("--no-roundtrip", action="store_true", help="skip the en→fi round trip")
    p.add_argument("--no-cache", action="store_true", help="neither read nor write the translation cache")
    p.add_argument("--cache-dir", type=Path, metavar="DIR", help="default: $PIPELINE_CACHE_DIR or XDG cache")

    p = add("models", cmd_models)
    models = p.add_subparsers(dest="models_command", required=True, metavar="ACTION")
    m = models.add_parser("list", help=cmd_models_list.__doc__, description=cmd_models_list.__doc__)
    m.set_defaults(func=cmd_models_list)
    m.add_argument("--available", action="store_true", help="also list the package index (needs internet)")
    m = models.add_parser("install", help=cmd_models_install.__doc__, description=cmd_models_install.__doc__)
    m.set_defaults(func=cmd_models_install)
    m.add_argument(
        "files", nargs="*", type=Path, metavar="FILE", help=".argosmodel files (default: the index)"
    )
    m.add_argument("--upgrade", action="store_true", help="reinstall from the index even if installed")

    p = add("report-index", cmd_report_index)
    p.add_argument(
        "dir", type=Path, nargs="?", default=Path("outputs"), metavar="DIR", help="default: outputs"
    )
    p.add_argument(
        "--corpus", type=Path, metavar="CORPUS", help="list only the documents of this corpus directory"
    )

    p = add("run", cmd_run)
    add_run_arguments(p)
    p.add_argument(
        "--stage",
        action="append",
        metavar="NAME",
        help=f"run only this stage (repeatable); one of: {', '.join(stages.STAGES)}",
    )

    p = add("batch", cmd_batch)
    p.add_argument("corpus", type=Path, metavar="CORPUS_DIR", help="a directory of <doc>.fi.txt files")
    p.add_argument(
        "--out-dir", type=Path, default=Path("outputs"), metavar="OUT", help="default: outputs (OUT/<doc>/)"
    )
    p.add_argument(
        "--workers",
        type=int,
        metavar="N",
        help="worker processes of the local Dask cluster (default: one per CPU; 0: run in this process)",
    )
    p.add_argument(
        "--scheduler", metavar="ADDRESS", help="run on this Dask cluster instead (tcp://host:8786)"
    )
    p.add_argument("--doc", action="append", metavar="NAME", help="only this document (repeatable)")

    # Every other stage of the registry is a command too: `pipeline publish FILE` is
    # `pipeline run FILE --stage publish` (its inputs are the earlier outputs in the output directory).
    for stage in stages.STAGES.values():
        if stage.name not in sub.choices:
            p = sub.add_parser(
                stage.name, help=stage.help, description=f"The {stage.name} stage: {stage.help}."
            )
            p.set_defaults(func=cmd_run, stage=[stage.name])
            add_run_arguments(p)
    return parser


def add_run_arguments(p: argparse.ArgumentParser) -> None:
    """The corpus file and the output directory of `run` and the stage commands."""
    p.add_argument("file", type=Path, metavar="FILE", help="a corpus file such as corpus/<doc>.fi.txt")
    p.add_argument("--out-dir", type=Path, metavar="DIR", help="output directory (default outputs/<doc>/)")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `pipeline` command and of `python -m pipeline`."""
    restore = install_stop_handler()
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        _configure_logging(args.quiet, args.verbose)
        return int(args.func(args))
    except PipelineError as exc:
        log.error("%s", exc)
        return 1
    except (KeyboardInterrupt, Stopped) as exc:
        return end_of_signal(exc)
    except BrokenPipeError:
        # The reader of stdout went away (`... | head`): not an error of ours.
        sys.stderr.close()
        return 0
    finally:
        restore()
