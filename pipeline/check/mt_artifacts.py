"""Detectors of what machine translation breaks in Finnish, beyond Voikko's own checks.

Each detector is a named rule with its own tests (tests/test_check.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ..records import Issue, Segment
from . import Checker

# A space before a comma, full stop, colon, semicolon, question or exclamation mark
# ("suosituksia ."), but not before an ellipsis or an emoticon (" :)").
_SPACE_BEFORE = re.compile(r"(?<=\S)([ \t\u00a0]+)([,.;:!?])(?![.)(DP])(?=\s|$|[\"”»])")
# A slash spaced on one side only: "tilauksesta /hankekohtaisesti", "ja/ tai".
_LOPSIDED_SLASH = re.compile(r"(?<=\w)( /)(?=\w)|(?<=\w)(/ )(?=\w)")


class Spacing(Checker):
    """Spacing and punctuation slips: a space before punctuation, a slash spaced on one side."""

    name = "mt-spacing"
    source = "pipeline"

    def check(self, seg: Segment) -> Iterator[Issue]:
        """Spacing issues in the segment."""
        for m in _SPACE_BEFORE.finditer(seg.text):
            yield self.issue(
                seg,
                m.start(1) - 1 if m.start(1) > 0 else 0,
                m.end(2),
                category="spacing",
                rule="space-before-punctuation",
                severity="error",
                message=f"Ylimääräinen välilyönti ennen merkkiä “{m.group(2)}”.",
                suggestions=[seg.text[m.start(1) - 1 : m.start(1)] + m.group(2)] if m.start(1) > 0 else [],
            )
        for m in _LOPSIDED_SLASH.finditer(seg.text):
            a, b = m.span(1) if m.group(1) else m.span(2)
            yield self.issue(
                seg,
                a - 1,
                b + 1,
                category="spacing",
                rule="lopsided-slash",
                severity="warning",
                message="Vinoviivan välilyönnit ovat epäsymmetriset.",
                suggestions=[seg.text[a - 1] + "/" + seg.text[b]],
            )
