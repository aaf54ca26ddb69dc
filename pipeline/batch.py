"""The corpus runner: every document of a corpus through the stage registry, on Dask distributed.

Documents are the tasks. Each worker process keeps what is expensive to start (Voikko, the Finnish
parser, the translation models, one LanguageTool server) for every document it handles. Workers
need no shared file system: the client sends a task the files its stages read, and writes the
files that come back, each atomically, into `<out>/<doc>/`.

The runner is incremental: a stage's key is a digest of what its outputs depend on (its input
files, or the keys of the stages that wrote them; the environment variables and models it uses;
the pipeline's code and data), kept in `<out>/<doc>/.manifest.json`. A stage reruns when its key
changed or an output is missing, so a removed review file reruns the clean stage and everything
after it. A document that fails is reported with its name and reason; its earlier outputs stay
as they were, and the other documents complete.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import importlib.metadata
import json
import logging
import os
import re
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import __version__, io, stages, triage
from .errors import ConfigError, InputError, PipelineError
from .records import AlignedSegment, Issue
from .workspace import CORPUS, FILES, INDEX, Workspace

log = logging.getLogger(__name__)

# Document names the runner accepts: nothing a shell or make could read as syntax.
NAME_OK = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]*\Z")
NAME_RULE = "letters, digits, '-', '_' and '.' (not first)"
MANIFEST = ".manifest.json"  # in each document's output directory, and one for the index
MANIFEST_VERSION = 1
# Libraries whose version changes outputs (beside the pipeline's own code and data).
LIBRARIES = ("spacy", "spacy-fi-experimental-web-md", "ctranslate2", "sentencepiece", "libvoikko")
# The workspace keys a task is sent from the corpus side (the triage config too).
CORPUS_KEYS = (*(k for k, f in FILES.items() if f.where == CORPUS), "triage")


# --- records between the client and the workers ----------------------------------------------------


@dataclass(frozen=True)
class Job:
    """One document's task: the files it reads (workspace key -> bytes), the stages to run, and the
    client's values of the environment variables the stages depend on (None: unset)."""

    doc: str
    source_name: str
    files: Mapping[str, bytes]
    stages: tuple[str, ...]
    environment: Mapping[str, str | None]


@dataclass
class Outcome:
    """What a task sends back: each finished stage's outputs (path under the document's output
    directory -> bytes), its time, the log messages, and the stage that failed with why."""

    doc: str
    outputs: dict[str, dict[str, bytes]] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    messages: list[tuple[int, str]] = field(default_factory=list)
    failed: str | None = None
    reason: str | None = None


# --- the worker side ---------------------------------------------------------------------------------


class _Collect(logging.Handler):
    """Keeps the pipeline's log records of one task, to send them back to the client."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[tuple[int, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append((record.levelno, record.getMessage()))


@contextlib.contextmanager
def _environment(values: Mapping[str, str | None]) -> Iterator[None]:
    """Set (or unset) environment variables for the block; restore them after it."""
    saved = {k: os.environ.get(k) for k in values}

    def apply(settings: Mapping[str, str | None]) -> None:
        for key, value in settings.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value

    apply(values)
    try:
        yield
    finally:
        apply(saved)


@contextlib.contextmanager
def _capture() -> Iterator[_Collect]:
    """Collect the pipeline's log records (INFO and up) for the block, instead of printing them:
    the client prints them, with its own paths."""
    logger = logging.getLogger("pipeline")
    collect = _Collect()
    saved = logger.handlers[:], logger.level, logger.propagate
    logger.handlers[:] = [collect]
    logger.setLevel(logging.INFO)
    logger.propagate = False
    try:
        yield collect
    finally:
        logger.handlers[:], level, logger.propagate = saved
        logger.setLevel(level)


def build_document(job: Job) -> Outcome:
    """Run a job's stages in a private directory; every stage's outputs, time and messages back.

    A user error (PipelineError) or a crash ends the document at that stage, with one line of
    reason; the stages before it still send their outputs.
    """
    from .triage import ENV_CONFIG  # noqa: PLC0415

    outcome = Outcome(job.doc)
    with tempfile.TemporaryDirectory(prefix="pipeline-batch-") as tmp:
        root = Path(tmp)
        ws = Workspace(root / "corpus" / job.source_name, root / "out" / job.doc)
        config = root / "config" / FILES["triage"].pattern
        environment = {**job.environment, ENV_CONFIG: str(config)}
        with _environment(environment):
            for key, data in job.files.items():
                path = config if key == "triage" else ws.path(key)
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(data)
            ws.out_dir.mkdir(parents=True, exist_ok=True)
            with _capture() as messages:
                _run_stages(ws, job.stages, outcome)
        outcome.messages = messages.records
        outcome = _local_paths(outcome, root, job)
    return outcome


def _run_stages(ws: Workspace, names: Sequence[str], outcome: Outcome) -> None:
    for name in names:
        stage = stages.get_stage(name)
        t0 = time.perf_counter()
        try:
            stage.run(ws)
        except PipelineError as exc:
            outcome.failed, outcome.reason = name, str(exc)
            return
        except Exception as exc:  # a crashed stage fails its document, not the run
            log.debug("%s", traceback.format_exc())
            outcome.failed, outcome.reason = name, f"the {name} stage crashed: {type(exc).__name__}: {exc}"
            return
        finally:
            outcome.seconds[name] = time.perf_counter() - t0
        outcome.outputs[name] = {
            ws.name(k): ws.path(k).read_bytes() for k in stage.outputs if ws.path(k).exists()
        }


def _local_paths(outcome: Outcome, root: Path, job: Job) -> Outcome:
    """The outcome with the task's private paths in messages written as the client's corpus and
    output directories (`job.environment` carries them as _CORPUS_DIR and _OUT_DIR)."""
    corpus, out = job.environment.get("_CORPUS_DIR"), job.environment.get("_OUT_DIR")

    def local(text: str) -> str:
        if corpus is not None:
            text = text.replace(str(root / "corpus"), corpus)
        if out is not None:
            text = text.replace(str(root / "out"), out)
        return text

    return dataclasses.replace(
        outcome,
        messages=[(level, local(m)) for level, m in outcome.messages],
        reason=local(outcome.reason) if outcome.reason is not None else None,
    )


def _held_resources() -> contextlib.AbstractContextManager[None]:
    """What a process keeps open across documents: the LanguageTool server (Voikko, the parser
    and the translation models are cached per process by their modules)."""
    from .languagetool.server import hold_server  # noqa: PLC0415

    return hold_server()


def worker_plugin() -> Any:
    """A Dask worker plugin that holds a worker's resources from its start to its close."""
    from distributed.diagnostics.plugin import WorkerPlugin  # noqa: PLC0415

    class HoldResources(WorkerPlugin):
        name = "pipeline-resources"

        def setup(self, worker: Any) -> None:
            self._stack = contextlib.ExitStack()
            self._stack.enter_context(_held_resources())

        def teardown(self, worker: Any) -> None:
            self._stack.close()

    return HoldResources()


# --- the client side: plans and digests ------------------------------------------------------------


def _digest(*parts: object) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(part if isinstance(part, bytes) else str(part).encode())
        h.update(b"\0")
    return h.hexdigest()[:20]


def pipeline_digest() -> str:
    """A digest of the pipeline's code and data and of the libraries that shape its outputs."""
    package = Path(__file__).parent
    h = hashlib.sha256(f"pipeline {__version__}\0".encode())
    for path in sorted(p for p in package.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        h.update(f"{path.relative_to(package)}\0".encode())
        h.update(path.read_bytes())
    for name in LIBRARIES:
        try:
            h.update(f"{name} {importlib.metadata.version(name)}\0".encode())
        except importlib.metadata.PackageNotFoundError:
            h.update(f"{name} -\0".encode())
    return h.hexdigest()[:20]


def models_digest() -> str:
    """A digest of the installed Argos packages: their names, metadata and file sizes and times."""
    from . import argos  # noqa: PLC0415

    root = argos.packages_dir()
    parts: list[object] = [root]
    if root.is_dir():
        # A package's stored digest (written by its first run, for older installs) is not a change.
        for path in sorted(p for p in root.rglob("*") if p.is_file() and p.name != argos.DIGEST_FILE):
            stat = path.stat()
            parts += [path.relative_to(root), stat.st_size, stat.st_mtime_ns]
    return _digest(*parts)


def _file_digest(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()[:20]
    except FileNotFoundError:
        return "-"
    except IsADirectoryError:
        raise InputError(path, "is a directory, not a file") from None
    except OSError as exc:
        raise InputError(path, f"cannot read: {exc.strerror or exc}") from None


def stage_keys(
    ws: Workspace, base: str, environment: Mapping[str, str | None], models: Callable[[], str]
) -> dict[str, str]:
    """Each stage's key for this document: its inputs' digests (the key of the stage that writes
    an input, the bytes of a corpus file), its environment variables and models, and `base`."""
    writer = stages.producers()
    files: dict[str, str] = {}
    keys: dict[str, str] = {}
    for stage in stages.STAGES.values():
        parts: list[object] = [base, stage.name]
        for key in stage.inputs:
            if key in writer:
                parts += [key, keys[writer[key]]]
            else:
                if key not in files:
                    files[key] = _file_digest(ws.path(key))
                parts += [key, files[key]]
        parts += [f"{var}={environment.get(var)}" for var in stage.environment]
        if stages.MODELS in stage.uses:
            parts.append(models())
        keys[stage.name] = _digest(*parts)
    return keys


def read_manifest(path: Path) -> dict[str, Any]:
    """A manifest's stages (name -> {"key", "outputs"}); a missing or unreadable one is empty."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("version") != MANIFEST_VERSION:
        return {}
    entries = data.get("stages")
    return entries if isinstance(entries, dict) else {}


def write_manifest(path: Path, entries: Mapping[str, Any]) -> None:
    """Write a manifest atomically."""
    io.write_text(path, json.dumps({"version": MANIFEST_VERSION, "stages": entries}, indent=1) + "\n")


@dataclass
class Plan:
    """One document of the corpus: its workspace, stage keys, manifest, and the stages to run."""

    ws: Workspace
    keys: dict[str, str]
    manifest: dict[str, Any]
    todo: tuple[str, ...]

    @property
    def doc(self) -> str:
        """The document name."""
        return self.ws.doc


def _is_current(entry: Any, key: str, out_dir: Path) -> bool:
    if not isinstance(entry, dict) or entry.get("key") != key:
        return False
    outputs = entry.get("outputs")
    return isinstance(outputs, list) and all((out_dir / str(o)).exists() for o in outputs)


def plan_document(
    ws: Workspace, base: str, environment: Mapping[str, str | None], models: Callable[[], str]
) -> Plan:
    """What to run for one document: every stage whose key changed or whose outputs are missing."""
    keys = stage_keys(ws, base, environment, models)
    manifest = read_manifest(ws.out_dir / MANIFEST)
    todo = tuple(n for n, k in keys.items() if not _is_current(manifest.get(n), k, ws.out_dir))
    return Plan(ws, keys, manifest, todo)


def corpus_documents(corpus: Path) -> tuple[list[Path], list[str]]:
    """The corpus files (`*.fi.txt`) with names the runner accepts, and one error line for each other."""
    if not corpus.is_dir():
        raise InputError(corpus, "not a directory (the corpus is a directory of <doc>.fi.txt files)")
    good: list[Path] = []
    bad: list[str] = []
    suffix = FILES["source"].pattern.format(doc="")
    for path in sorted(corpus.iterdir()):
        if not path.name.endswith(suffix) or len(path.name) == len(suffix):
            continue
        doc = io.doc_name(path)
        if not NAME_OK.match(doc):
            bad.append(f"{path}: document name {doc!r} refused: a name may have only {NAME_RULE}")
        elif not path.is_file():
            bad.append(f"{path}: not a file")
        else:
            good.append(path)
    return good, bad


def job_for(plan: Plan, environment: Mapping[str, str | None]) -> Job:
    """The task of a plan: the corpus files and the outputs its stages read but do not write."""
    ws = plan.ws
    writer = stages.producers()
    will_write = {k for n in plan.todo for k in stages.get_stage(n).outputs}
    files: dict[str, bytes] = {}
    for key in CORPUS_KEYS:
        path = ws.path(key)
        if path.is_file():
            files[key] = path.read_bytes()
    for name in plan.todo:
        for key in stages.get_stage(name).inputs:
            path = ws.path(key)
            if key in writer and key not in will_write and key not in files and path.is_file():
                files[key] = path.read_bytes()
    return Job(plan.doc, ws.source.name, files, plan.todo, environment)


# --- the client side: running and writing ------------------------------------------------------------


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


@dataclass
class Summary:
    """The counts and times of a run."""

    documents: int = 0
    built: int = 0
    current: int = 0
    failed: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)
    errors_left: int = 0
    to_review: int = 0
    index: Path | None = None

    def line(self, wall: float) -> str:
        """The one-line summary that ends every run: documents, what is left to do, where to look."""
        parts = [_count(self.documents, "document"), f"{self.built} built", f"{self.current} up to date"]
        parts.append(f"{len(self.failed)} failed")
        stage_time = ", ".join(f"{n} {s:.1f} s" for n, s in self.seconds.items())
        left = (
            f"{_count(self.errors_left, 'error')} left after cleaning, "
            f"{_count(self.to_review, 'segment')} to decide on"
        )
        return (
            f"batch: {', '.join(parts)} in {wall:.1f} s; {left}"
            + (f"; open {self.index}" if self.index is not None else "")
            + (f" (stage time: {stage_time})" if stage_time else "")
        )


def document_counts(ws: Workspace) -> tuple[int, int]:
    """A document's errors left in its cleaned text and its segments that need a decision, as the
    report counts them (0 for an output that is missing or unreadable: its own run said why)."""

    def records(key: str, cls: type[io.R]) -> list[io.R]:
        try:
            return io.read_records(ws.path(key), cls)
        except PipelineError:
            return []

    errors = sum(1 for i in records("recheck", Issue) if i.severity == "error")
    review = sum(1 for r in records("aligned", AlignedSegment) if triage.needs_decision(r))
    return errors, review


def _remove(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        path.unlink()


def store(plan: Plan, outcome: Outcome) -> None:
    """Write an outcome's outputs atomically, stage by stage, and the manifest after them.

    A stage's outputs it wrote before and not this time are removed (a removed schema leaves no
    comparison behind); the failed stage and those after it keep their old outputs and entries.
    """
    out = plan.ws.out_dir
    entries = dict(plan.manifest)
    for name in plan.todo:
        if name not in outcome.outputs:
            break
        written = outcome.outputs[name]
        for rel, data in written.items():
            with io.atomic_write(out / rel, "wb") as handle:
                handle.write(data)
        old = entries.get(name, {}).get("outputs", []) if isinstance(entries.get(name), dict) else []
        for rel in set(old) - set(written):
            _remove(out / str(rel))
        entries[name] = {"key": plan.keys[name], "outputs": sorted(written)}
    write_manifest(out / MANIFEST, entries)


def _report(outcome: Outcome, summary: Summary) -> None:
    for level, message in outcome.messages:
        log.log(level, "%s", message)
    for name, seconds in outcome.seconds.items():
        summary.seconds[name] = summary.seconds.get(name, 0.0) + seconds
    if outcome.failed is not None:
        summary.failed.append(outcome.doc)
        log.error("%s", outcome.reason)
    else:
        summary.built += 1


def _environment_of_stages() -> dict[str, str | None]:
    names = sorted({v for s in stages.STAGES.values() for v in s.environment})
    return {name: os.environ.get(name) for name in names}


def _run_here(jobs: Sequence[Job], done: Callable[[Outcome], None]) -> None:
    """Run the jobs one after another in this process (its resources held for all of them)."""
    with _held_resources():
        for job in jobs:
            done(build_document(job))


def _run_on_dask(
    jobs: Sequence[Job], done: Callable[[Outcome], None], workers: int, scheduler: str | None
) -> None:
    """Run the jobs on a Dask cluster: the one at `scheduler`, or a local one of `workers` processes."""
    try:
        from distributed import Client, LocalCluster, as_completed  # noqa: PLC0415
    except ImportError:
        raise ConfigError("the corpus runner needs Dask distributed (run: make setup)") from None
    with contextlib.ExitStack() as stack:
        if scheduler:
            try:
                client = stack.enter_context(Client(scheduler, timeout="20s"))
            except (OSError, TimeoutError) as exc:
                raise ConfigError(
                    f"--scheduler {scheduler}: no Dask scheduler answers there ({exc})"
                ) from None
        else:
            cluster = stack.enter_context(
                LocalCluster(
                    n_workers=workers,
                    threads_per_worker=1,
                    processes=True,
                    host="127.0.0.1",
                    dashboard_address=None,
                    silence_logs=logging.ERROR,
                )
            )
            client = stack.enter_context(Client(cluster))
        client.register_plugin(worker_plugin())
        futures = {client.submit(build_document, job, pure=False, key=f"doc-{job.doc}"): job for job in jobs}
        for future in as_completed(futures):
            job = futures[future]
            try:
                outcome = future.result()
            except Exception as exc:  # e.g. KilledWorker: the document failed, not the run
                outcome = Outcome(job.doc, failed="worker", reason=f"{job.doc}: its worker failed: {exc}")
            done(outcome)


def run_corpus(
    corpus: Path,
    out_root: Path,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    only: Iterable[str] = (),
    progress: bool | None = None,
) -> Summary:
    """Run every document of `corpus` (or the `only` ones) that is not up to date; write the index.

    `workers` 0 runs the documents in this process; otherwise on Dask (a local cluster of
    `workers` processes, default the CPU count, or the cluster at `scheduler`).
    """
    t0 = time.perf_counter()
    paths, refused = corpus_documents(corpus)
    wanted = set(only)
    if wanted:
        unknown = sorted(wanted - {io.doc_name(p) for p in paths})
        if unknown:
            raise ConfigError(f"{corpus}: no document {unknown[0]!r} (no {unknown[0]}.fi.txt there)")
        paths = [p for p in paths if io.doc_name(p) in wanted]
    summary = Summary(documents=len(paths) + len(refused))
    summary.failed.extend(refused)
    for line in refused:
        log.error("%s", line)
    environment = _environment_of_stages()
    base = pipeline_digest()
    models_cache: list[str] = []

    def models() -> str:
        if not models_cache:
            models_cache.append(models_digest())
        return models_cache[0]

    plans = [
        plan_document(Workspace.of(p, out_root / io.doc_name(p)), base, environment, models) for p in paths
    ]
    todo = [p for p in plans if p.todo]
    summary.current = len(plans) - len(todo)
    by_doc = {p.doc: p for p in todo}
    context = {**environment, "_CORPUS_DIR": str(corpus), "_OUT_DIR": str(out_root)}
    jobs = [job_for(p, context) for p in todo]
    show = sys.stderr.isatty() if progress is None else progress

    from tqdm import tqdm  # noqa: PLC0415

    with tqdm(
        total=len(jobs), desc="batch", unit="doc", file=sys.stderr, disable=not show or not jobs
    ) as bar:

        def done(outcome: Outcome) -> None:
            store(by_doc[outcome.doc], outcome)
            bar.clear()
            _report(outcome, summary)
            bar.update(1)
            bar.set_postfix(failed=len(summary.failed), refresh=False)

        if jobs:
            count = (os.cpu_count() or 1) if workers is None else workers
            if count == 0 and scheduler is None:
                _run_here(jobs, done)
            else:
                _run_on_dask(jobs, done, max(count, 1), scheduler)
    _write_index(out_root, plans)
    for plan in plans:
        errors, review = document_counts(plan.ws)
        summary.errors_left += errors
        summary.to_review += review
    if (out_root / INDEX).exists():
        summary.index = out_root / INDEX
    log.info("%s", summary.line(time.perf_counter() - t0))
    return summary


def _write_index(out_root: Path, plans: Sequence[Plan]) -> None:
    """`<out>/index.html` of the corpus's documents, rewritten when a report or the set changed."""
    index_manifest = out_root / MANIFEST
    reports = {p.doc: read_manifest(p.ws.out_dir / MANIFEST).get("report", {}).get("key") for p in plans}
    key = _digest(*(f"{doc}:{k}" for doc, k in sorted(reports.items())))
    if (out_root / INDEX).exists() and read_manifest(index_manifest).get("index", {}).get("key") == key:
        return
    from . import report  # noqa: PLC0415  (jinja2: only when the index changes)

    report.write_index(out_root, [p.doc for p in plans])
    write_manifest(index_manifest, {"index": {"key": key, "outputs": [INDEX]}})
