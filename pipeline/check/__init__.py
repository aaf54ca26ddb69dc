"""Checkers over segments, an explicit registry of them, and the check stage.

A checker is a small class: `check(segment)` yields issues with document offsets. A checker that
reads the dependency parse (`needs_parse`) has `check_parsed(segment, parse)` instead: the stage
parses each document once and hands the same parse to every such checker. The runner turns a
checker's crash on one segment into an `internal-error` issue for that segment and goes on.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Iterable, Iterator
from pathlib import Path

from .. import io, parse, segment
from ..errors import ConfigError
from ..records import Issue, ParsedSegment, Segment
from ..workspace import Workspace

log = logging.getLogger(__name__)

# name -> "module:Class"; imported lazily, so a checker's dependencies load only when it is used.
CHECKERS: dict[str, str] = {
    "voikko-grammar": "pipeline.check.voikko:VoikkoGrammar",
    "voikko-spell": "pipeline.check.voikko:VoikkoSpeller",
    "mt-spacing": "pipeline.check.mt_artifacts:Spacing",
    "mt-untranslated": "pipeline.check.mt_artifacts:Untranslated",
    "mt-agreement": "pipeline.check.mt_artifacts:Agreement",
    "mt-title-case": "pipeline.check.mt_artifacts:TitleCase",
    "mt-double-finite": "pipeline.check.mt_artifacts:DoubleFinite",
    "syntax-object": "pipeline.check.syntax:ObjectCase",
    "syntax-subject": "pipeline.check.syntax:Subject",
    "syntax-agreement": "pipeline.check.syntax:Agreement",
    "syntax-case": "pipeline.check.syntax:CaseModelChecker",
    "syntax-verb": "pipeline.check.syntax:Verb",
}
DEFAULT_CHECKERS = tuple(CHECKERS)


class Checker:
    """Base class of checkers: `name`, `source`, and `check(segment)` yielding issues."""

    name = "checker"
    source = "pipeline"
    needs_parse = False

    def check(self, seg: Segment) -> Iterator[Issue]:
        """Issues found in one segment."""
        raise NotImplementedError

    def check_parsed(self, seg: Segment, parsed: ParsedSegment) -> Iterator[Issue]:
        """Issues found in one segment, given its parse (checkers with `needs_parse`)."""
        raise NotImplementedError

    def issue(
        self,
        seg: Segment,
        start: int,
        end: int,
        *,
        category: str,
        rule: str,
        severity: str,
        message: str,
        suggestions: Iterable[str] = (),
    ) -> Issue:
        """An issue for `seg`; `start` and `end` are offsets into the segment text."""
        return Issue(
            doc=seg.doc,
            segment=seg.id,
            start=seg.start + start,
            end=seg.start + end,
            category=category,
            rule=rule,
            severity=severity,
            message=message,
            suggestions=list(suggestions),
            source=self.source,
            text=seg.text[start:end],
        )


def get_checker(name: str) -> Checker:
    """An instance of the checker called `name`; an unknown name fails listing the valid ones."""
    try:
        module_name, cls_name = CHECKERS[name].split(":")
    except KeyError:
        raise ConfigError(f"unknown checker {name!r}; valid checkers: {', '.join(CHECKERS)}") from None
    checker: Checker = getattr(importlib.import_module(module_name), cls_name)()
    return checker


def check_segments(segments: Iterable[Segment], checkers: Iterable[Checker]) -> list[Issue]:
    """Run every checker on every segment; issues sorted by position, then rule."""
    checkers = list(checkers)
    segments = list(segments)
    # One parse per document, shared by every checker that reads it.
    parses = parse.parse_segments(segments) if any(c.needs_parse for c in checkers) else {}
    issues: list[Issue] = []
    for seg in segments:
        for checker in checkers:
            try:
                found = (
                    checker.check_parsed(seg, parses[seg.id]) if checker.needs_parse else checker.check(seg)
                )
                issues.extend(found)
            except Exception as exc:  # one bad segment must not stop the run (issue #3)
                log.warning("%s: checker %s failed: %s", seg.id, checker.name, exc)
                issues.append(
                    checker.issue(
                        seg,
                        0,
                        len(seg.text),
                        category="internal-error",
                        rule=f"{checker.name}:crash",
                        severity="info",
                        message=f"checker {checker.name} failed: {type(exc).__name__}: {exc}",
                    )
                )
    return sorted(issues, key=lambda i: (i.start, i.end, i.rule))


def check_file(path: str | Path, names: Iterable[str] = DEFAULT_CHECKERS) -> list[Issue]:
    """Check a text or segments file with the named checkers."""
    checkers = [get_checker(n) for n in names]
    return check_segments(segment.load_segments(path), checkers)


INPUTS = ("segments",)
OUTPUTS = ("issues",)


def run_stage(ws: Workspace) -> list[Issue]:
    """The check stage: segments.jsonl in, `issues.jsonl` out (written atomically)."""
    issues = check_file(ws.path("segments"))
    io.write_jsonl(ws.path("issues"), (i.to_dict() for i in issues))
    return issues
