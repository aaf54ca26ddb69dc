"""The check-en command and stage: LanguageTool on an English text or on the translate stage's output.

An English input (a text file, or a JSONL file of translations) is checked with the run's shared
LanguageTool server; the issues, the English with its safe fixes applied and the changes are
written atomically.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from . import io
from .edits import apply_changes
from .errors import InputError
from .languagetool.client import (
    PIECE_SEPARATOR,
    EnglishCheck,
    Piece,
    check_english,
    pair_batches,
    paragraph_pieces,
)
from .languagetool.server import ServerFailed, shared_server
from .records import Issue
from .translate import read_translations
from .workspace import Workspace

log = logging.getLogger(__name__)


# Fields of the translate stage's rows that hold the segment id and its English text, in order of
# preference (the translate stage's format was not fixed when this was written: see README).
ID_FIELDS = ("segment", "id")
EN_FIELDS = ("en", "text_en", "translation", "mt_en")


def translation_pairs(path: str | Path) -> list[tuple[str, str]]:
    """(segment id, English text) pairs from a JSONL file of translations; a row without them is an error.

    Rows of the translate stage (with a `status`) give their `text` when the status is `ok`; skipped
    segments (no model) have nothing to check and are left out, with one warning.
    """
    pairs: list[tuple[str, str]] = []
    rows = io.read_jsonl(path)
    if rows and all("status" in row for row in rows):
        texts, why_not = read_translations(path)
        if why_not:
            log.warning(
                "%s: %d segments not translated (%s); check-en checks the rest",
                path,
                len(rows) - len(texts),
                why_not,
            )
        return list(texts.items())
    for number, row in enumerate(rows, start=1):
        seg = next((row[k] for k in ID_FIELDS if isinstance(row.get(k), str)), None)
        en = next((row[k] for k in EN_FIELDS if isinstance(row.get(k), str)), None)
        if seg is None or en is None:
            raise InputError(
                path,
                f"row {number}: needs a segment id ({' or '.join(ID_FIELDS)}) "
                f"and English text ({' or '.join(EN_FIELDS)})",
            )
        pairs.append((seg, en))
    return pairs


def cleaned_pairs_text(batches: Sequence[Sequence[Piece]], cleaned: dict[str, str]) -> str:
    """Cleaned segments as a text: a paragraph's segments joined by a space, paragraphs by a blank line."""
    paragraphs = [
        PIECE_SEPARATOR.join(cleaned.get(p.segment, p.text) for p in batch if p.text.strip())
        for batch in batches
    ]
    return "".join(p + "\n\n" for p in paragraphs if p).rstrip("\n") + ("\n" if any(paragraphs) else "")


# --- file wrappers: the check-en command and stage ------------------------------------------------


@dataclass(frozen=True)
class Outputs:
    """Where check-en writes: issues (JSONL), the cleaned English text and the changes (JSONL)."""

    issues: Path | None = None
    cleaned: Path | None = None
    changes: Path | None = None


def sorted_issues(issues: Iterable[Issue]) -> list[Issue]:
    """Issues in output order: by segment, then position, then rule."""
    return sorted(issues, key=lambda i: (i.segment, i.start, i.end, i.rule))


def _write(outputs: Outputs, result: EnglishCheck, cleaned_text: str, suffix: str = "") -> None:
    if outputs.issues is not None:
        io.write_jsonl(f"{outputs.issues}{suffix}", (i.to_dict() for i in sorted_issues(result.issues)))
    if outputs.cleaned is not None:
        io.write_text(f"{outputs.cleaned}{suffix}", cleaned_text)
    if outputs.changes is not None:
        io.write_jsonl(f"{outputs.changes}{suffix}", (c.to_dict() for c in result.changes))


def load_english(path: str | Path) -> tuple[str, list[list[Piece]], Callable[[EnglishCheck], str]]:
    """An English input as (doc, batches, cleaned-text builder): a text file (one batch per paragraph,
    file offsets) or a translations JSONL file (one batch per block, segment-relative offsets)."""
    if str(path).endswith(".jsonl"):
        pairs = translation_pairs(path)
        # Segment ids are `<doc>:b<block>:s<sentence>`; outputs/<doc>/translations.jsonl otherwise.
        doc = pairs[0][0].split(":")[0] if pairs and ":" in pairs[0][0] else Path(path).resolve().parent.name
        batches = pair_batches(pairs)
        return doc, batches, lambda r: cleaned_pairs_text(batches, r.cleaned)
    doc = io.doc_name(path)
    text = io.read_text(path)
    paragraphs = paragraph_pieces(doc, text)
    return doc, [[p] for p in paragraphs], lambda r: apply_changes(text, r.changes)


def run(
    in_path: str | Path,
    outputs: Outputs,
    *,
    after_batch: Callable[[int], None] | None = None,
) -> EnglishCheck:
    """check-en: check an English input with the run's shared server and write the outputs atomically.

    If the server dies twice or fails otherwise (ServerFailed), what was finished (if anything) is
    written next to each output with a `.partial` suffix (the outputs themselves are left as they
    were), and the error is raised again with the input named.
    """
    doc, batches, cleaned_text = load_english(in_path)
    result = EnglishCheck()
    if any(p.text.strip() for batch in batches for p in batch):
        with shared_server() as server:
            try:
                check_english(server, doc, batches, after_batch=after_batch, result=result)
            except ServerFailed as exc:
                where = (outputs.issues or outputs.cleaned or outputs.changes) if exc.done else None
                if where is not None:
                    _write(outputs, result, cleaned_text(result), suffix=".partial")
                kept = f"; results so far in {where}.partial" if where else ""
                raise type(exc)(f"{in_path}: {exc}{kept}", done=exc.done) from None
    _write(outputs, result, cleaned_text(result))
    return result


INPUTS = ("translations", "reference")
OUTPUTS = ("issues-en", "cleaned-en", "changes-en", "issues-ref")


def run_stage(ws: Workspace) -> EnglishCheck | None:
    """The check-en stage for one document: translations.jsonl in; issues, cleaned text, changes out.
    An English reference (`<doc>.en.txt`), when there is one, is checked too: its issues, with
    offsets into the reference file, go to issues.ref.jsonl (nothing of it is fixed).

    Until the translate stage has written translations.jsonl, it writes empty outputs and warns.
    """
    translations = ws.path("translations")
    outputs = Outputs(*(ws.path(key) for key in OUTPUTS[:3]))
    reference = ws.optional("reference")
    if reference is not None:
        run(reference, Outputs(issues=ws.path("issues-ref")))
    else:
        ws.path("issues-ref").unlink(missing_ok=True)  # a reference removed since the last run
    if not translations.exists():
        log.warning("%s: not there (the translate stage has not run); check-en skipped", translations)
        _write(outputs, EnglishCheck(), "")
        return None
    return run(translations, outputs)
