"""Markdown escaping for the Markdown outputs (`publish/<doc>.md`, `comparison.md`): article text and
schema labels render as themselves, never as markup or HTML, and a table cell never breaks its table.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# Characters that Markdown reads as markup inside a line (`&` starts an HTML entity, `<` raw HTML or
# an autolink), and line starts that make a block: a heading, a quote, a list item, a setext rule.
_INLINE = re.compile(r"([\\`*_\[\]<>|~&])")
_LINE_START = re.compile(r"^(\s*)([#>+=-])", re.MULTILINE)
_ORDERED = re.compile(r"^(\s*\d+)([.)])", re.MULTILINE)
# A line ending inside a table cell would end the table's row.
_NEWLINE = re.compile(r"\r\n|\r|\n")
EMPTY_CELL = "–"


def escape(text: str) -> str:
    """Text that Markdown renders as itself (CommonMark escapes every ASCII punctuation mark)."""
    escaped = _INLINE.sub(r"\\\1", text)
    return _ORDERED.sub(r"\1\\\2", _LINE_START.sub(r"\1\\\2", escaped))


def table_row(cells: Iterable[str]) -> str:
    """One row of a Markdown table: each cell escaped on one line (an empty one shows a dash)."""
    return "| " + " | ".join(escape(_NEWLINE.sub(" ", c)) or EMPTY_CELL for c in cells) + " |"


def escaped_row(cells: Iterable[str]) -> str:
    """One row of a Markdown table from cells already escaped (links built around escaped text)."""
    return "| " + " | ".join(_NEWLINE.sub(" ", c) or EMPTY_CELL for c in cells) + " |"
