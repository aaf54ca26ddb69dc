"""Finnish segmentation: blocks (title, headings, paragraphs, list items) and sentences, exact offsets.

Blocks come from the line structure; sentences from rules over candidate boundaries
(terminal punctuation, optionally followed by closing quotes, brackets or an emoticon).
The rules know Finnish abbreviations (a curated list plus Voikko's lexicon), ordinals and
dates ("26. marraskuuta"), times and decimals, initials, enumerators and ellipses, and they
accept a new sentence that starts with a digit or, as in bad machine translation, with a
lowercase letter.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from . import io
from .finnish import analyses, is_dotted_abbreviation
from .records import Block, Segment, segment_id
from .workspace import Workspace

# --- abbreviations -------------------------------------------------------------------------------

# Abbreviations that, followed by a capitalised word, still do not end the sentence: they stand
# before what they qualify (titles, "esim.", "ks.", language names before a foreign word).
NON_FINAL_ABBREVIATIONS = frozenset(
    """
    esim mm ns ks kts vrt prof tri dos fil lic maist kand yo ins dipl ekon agr arkkit kapt luutn ylil
    evl kenr rva hra nti s synt k kuol n v klo nro puh p os o.s ent ts l lk ko ao em huom vs
    mr mrs dr st jr sr ss vt ed toim kirj suom
    lat engl ransk ruots saks ven ital esp port jap kiin ar kreik hepr unk vir norj tansk isl hol
    ukr puol tšek ind vanh
    """.split()
)
# Abbreviations that often end a sentence: a following capital letter starts a new one.
FINAL_ABBREVIATIONS = frozenset("jne yms tms ym ymv ine etc mrd milj kpl ekr jkr".split())

# Terminal punctuation, closing quotes/brackets, and an emoticon glued to or just after it.
_CLOSERS = "”\"’'»)]}"
_OPENERS = "“”\"‘’'«»([{-–—*"
_EMOTICON = r"[:;=]-?[)(DPp]+"
_CANDIDATE = re.compile(
    # Every alternative starts with one of these characters: the lookahead lets the scan skip fast.
    r"(?=[.!?…:;=])"
    rf"(?:(?P<punct>\.{{2,}}|…|[.!?][.!?…]*)(?P<close>[{re.escape(_CLOSERS)}]*)"
    rf"(?P<emo>\s?{_EMOTICON})?(?=\s|$)"
    rf"|(?<=\s)(?P<solo>{_EMOTICON})(?=\s|$)|(?<=\w)(?P<glued>[:;]-?[)(])(?=\s|$)"
    # A colon that opens a numbered list: "seuraavasti: 1. Lisätään ..."
    r"|(?P<colon>:)(?=\s+\d{1,3}\.\s+[A-ZÅÄÖ]))"
)
_NUMBER = re.compile(r"^\d+(?:[.,:/-]\d+)*\.?$")
_ROMAN = re.compile(r"^[IVXLCDM]+$")
_DOTTED = re.compile(r"^(?:\w{1,4}\.-?)+\w{1,4}$")
# A web address ending a sentence ("osoitteessa www.yle.fi. Seuraava ...") is not an abbreviation.
_WEB_ADDRESS = re.compile(r"(?:^www\.|\.(?:fi|com|org|net|eu|info|io|se|de|uk|ee)$)", re.IGNORECASE)
_LIST_MARKER = re.compile(r"^\s*(?:[-*•–·▪►◦]|\d{1,3}[.)]|[a-z][)])\s+\S")
_BULLET = re.compile(r"^\s*[-*•–·▪►◦]\s+\S")
_TERMINAL_LINE_END = re.compile(rf"[.!?…:;,][{re.escape(_CLOSERS)}]*\s*$|{_EMOTICON}\s*$")
_TITLE_END_OK = re.compile(rf"[?!][{re.escape(_CLOSERS)}]*\s*$")

# A heading is a short line: at most this many words and characters.
HEADING_MAX_WORDS = 12
HEADING_MAX_CHARS = 100
# Hard-wrapped text: the longest line has WRAP_MIN_WIDTH to WRAP_MAX_WIDTH characters, and at least
# WRAP_MIN_LINES lines (and WRAP_SHARE of the lines followed by another) reach WRAP_NEAR_WIDTH of it.
WRAP_MIN_WIDTH = 50
WRAP_MAX_WIDTH = 100
WRAP_MIN_LINES = 3
WRAP_NEAR_WIDTH = 0.8
WRAP_SHARE = 0.5


@dataclass(frozen=True)
class _Line:
    start: int
    end: int  # without trailing whitespace
    text: str


def _first_alnum(s: str) -> str:
    """The first letter or digit of `s` after opening quotes, brackets and dashes ('' if none)."""
    for ch in s:
        if ch.isalnum():
            return ch
        if ch not in _OPENERS:
            return ch
    return ""


# Voikko's dotted abbreviations are short ("esim", "ruots", "kansainv"); longer words skip the lookup.
ABBREVIATION_MAX_CHARS = 9


def _is_abbreviation(word: str) -> bool:
    low = word.lower()
    return (
        low in NON_FINAL_ABBREVIATIONS
        or low in FINAL_ABBREVIATIONS
        or bool(_DOTTED.match(word) and not word[0].isdigit() and not _WEB_ADDRESS.search(word))
        or (len(word) <= ABBREVIATION_MAX_CHARS and is_dotted_abbreviation(word))
    )


def _is_boundary(text: str, m: re.Match[str], sentence_start: int) -> bool:
    """Decide whether the candidate `m` in a block ends a sentence."""
    rest = text[m.end() :].lstrip()
    if not rest:
        return True
    nxt = _first_alnum(rest)
    if not nxt:
        return True
    if rest[0] in ")]}":
        return False
    lower, upper = nxt.islower(), nxt.isupper()
    if m.group("colon"):
        return True
    if rest[0] in ".?!…":  # more punctuation follows: it belongs to this sentence
        return False
    if m.group("solo") or m.group("emo") or m.group("glued"):
        return not lower
    punct, close = m.group("punct"), m.group("close")
    if "?" in punct or "!" in punct:
        # Quoted speech or a title goes on in lowercase ("Do You Know? debytoi").
        return not lower
    if punct == "…" or punct.startswith(".."):
        return not lower
    if close:
        return not (lower and ")" in close)
    # A single full stop: what does it follow?
    before = text[sentence_start : m.start()]
    word = before.rsplit(None, 1)[-1] if before.strip() else ""
    word = word.lstrip(_OPENERS)
    if not word:
        return True
    if len(word) == 1 and word.isupper():  # an initial: "Maija S. Peltola", "Markku I. Nurminen"
        return not upper
    if _NUMBER.match(word) or _ROMAN.match(word):
        if lower:
            return _sentence_after_number(word, rest)
        # An enumerator that starts a sentence ("1. Tässä direktiivissä") is not a sentence itself.
        return text[sentence_start : m.start()].strip() != word
    if _is_abbreviation(word):
        if nxt.isdigit():
            return False
        if lower:  # "..., jne. sieltä ne siirretään": bad MT starts a sentence in lowercase
            return word.lower() in FINAL_ABBREVIATIONS and _starts_clause(_next_word(rest), verbs=True)
        return word.lower() in FINAL_ABBREVIATIONS
    return True


_YEAR_LIKE = re.compile(r"^(?:\d{1,2}\.\d{1,2}\.\d{4}|\d+[-–]\d+|1\d{3}|20\d{2})$")
_DAY_MONTH = re.compile(r"^\d{1,2}\.\d{1,2}\.?$")
# Word classes that can follow an ordinal ("26. marraskuuta", "1. luku", "2. suurin").
_NOMINAL_CLASSES = {
    "nimisana",
    "laatusana",
    "nimisana_laatusana",
    "lukusana",
    "nimi",
    "etunimi",
    "sukunimi",
    "paikannimi",
    "lyhenne",
}


def _next_word(rest: str) -> str:
    return re.split(r"[\s.,;:!?()\"”»]", rest.lstrip(_OPENERS), maxsplit=1)[0]


def _starts_clause(word: str, verbs: bool) -> bool:
    """A known lowercase word that cannot be modified by an ordinal: a pronoun, an adverb, a
    conjunction, or (when `verbs`) a verb. Unknown words do not count."""
    found = analyses(word) if word else ()
    if not found or any(a.get("CLASS") in _NOMINAL_CLASSES for a in found):
        return False
    return verbs or not any(a.get("CLASS") in ("teonsana", "kieltosana") for a in found)


def _sentence_after_number(word: str, rest: str) -> bool:
    """After "<number>." a lowercase word goes on the sentence ("26. marraskuuta", "Tänään 4.5. on juhla"),
    unless the number cannot be an ordinal (a year, a range, a full date) or the word cannot follow
    one ("sijan 21. se oli", "5.3. tuo on"): then bad MT started a sentence in lowercase."""
    number = word.rstrip(".")
    if _YEAR_LIKE.match(number):
        return True
    if _ROMAN.match(number):
        return False
    # After a day-and-month date a verb goes on the sentence ("4.5. on juhla"); a pronoun does not.
    return _starts_clause(_next_word(rest), verbs=not _DAY_MONTH.match(word))


def split_sentences(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Sentence spans (start, end) in `text[start:end]`, trimmed of surrounding whitespace."""
    end = len(text) if end is None else end
    block = text[start:end]
    spans: list[tuple[int, int]] = []
    sentence_start = 0
    for m in _CANDIDATE.finditer(block):
        if m.end() <= sentence_start:
            continue
        if _is_boundary(block, m, sentence_start):
            spans.append((sentence_start, m.end()))
            sentence_start = m.end()
    spans.append((sentence_start, len(block)))
    trimmed = (_trim(block, s, e) for s, e in spans)
    return [(start + s, start + e) for s, e in trimmed if s < e]


def _trim(text: str, s: int, e: int) -> tuple[int, int]:
    while s < e and text[s].isspace():
        s += 1
    while e > s and text[e - 1].isspace():
        e -= 1
    return s, e


# --- blocks ----------------------------------------------------------------------------------------


def _lines(text: str) -> Iterator[_Line | None]:
    """Non-blank lines with their trimmed offsets; None for a blank line."""
    pos = 0
    for raw in text.split("\n"):
        s, e = _trim(text, pos, pos + len(raw))
        yield _Line(s, e, text[s:e]) if s < e else None
        pos += len(raw) + 1


def _ends_sentence(line: str) -> bool:
    return bool(_TERMINAL_LINE_END.search(line))


def _heading_like(line: str) -> bool:
    return (
        not _ends_sentence(line)
        and len(line) <= HEADING_MAX_CHARS
        and len(line.split()) <= HEADING_MAX_WORDS
        and not _LIST_MARKER.match(line)
    )


def _chunks(text: str) -> list[list[_Line]]:
    chunks: list[list[_Line]] = [[]]
    for line in _lines(text):
        if line is None:
            if chunks[-1]:
                chunks.append([])
        else:
            chunks[-1].append(line)
    return [c for c in chunks if c]


def _is_list_item(chunk: list[_Line], i: int) -> bool:
    line = chunk[i].text
    if _BULLET.match(line):
        return True
    if not _LIST_MARKER.match(line):
        return False
    # A numbered line is a list item only beside another numbered line ("1. luku alkaa" is a sentence).
    neighbours = [chunk[j].text for j in (i - 1, i + 1) if 0 <= j < len(chunk)]
    return any(_LIST_MARKER.match(n) for n in neighbours)


def _continues(prev: str, line: str) -> bool:
    """Whether `line` continues the paragraph of `prev` in a hard-wrapped text."""
    if _ends_sentence(prev) and not prev.rstrip().endswith(","):
        return False
    first = _first_alnum(line)
    return first.islower() or prev.rstrip().endswith((",", "-"))


def is_hard_wrapped(chunks: list[list[_Line]]) -> bool:
    """Whether the text is hard-wrapped at a fixed width, so that a line break inside a paragraph is a space.

    Most machine-translated articles keep a paragraph on one line (the line break ends a block);
    a wrapped text has no long lines, and many lines that run on into the next end near the width.
    """
    inner = [line for chunk in chunks for line in chunk[:-1]]
    lengths = [len(line.text) for chunk in chunks for line in chunk]
    width = max(lengths, default=0)
    if len(inner) < WRAP_MIN_LINES or not WRAP_MIN_WIDTH <= width <= WRAP_MAX_WIDTH:
        return False
    near = sum(1 for line in inner if len(line.text) >= WRAP_NEAR_WIDTH * width)
    return near >= WRAP_MIN_LINES and near >= WRAP_SHARE * len(inner)


def find_blocks(text: str) -> list[Block]:
    """Blocks of a document: chunks between blank lines, split into headings, list items and paragraphs.

    A line break ends a block, unless the text is hard-wrapped (`is_hard_wrapped`) and the line
    does not end a sentence and the next goes on in lowercase or after a comma.
    """
    chunks = _chunks(text)
    wrapped = is_hard_wrapped(chunks)
    units: list[tuple[int, int, str]] = []  # start, end, provisional kind
    for chunk in chunks:
        current: list[int] | None = None
        kind = ""
        for i, line in enumerate(chunk):
            is_item = _is_list_item(chunk, i)
            if wrapped and current is not None and not is_item and _continues(chunk[i - 1].text, line.text):
                current[1] = line.end
                continue
            if current is not None:
                units.append((current[0], current[1], kind))
            current = [line.start, line.end]
            kind = "list-item" if is_item else "paragraph"
        if current is not None:
            units.append((current[0], current[1], kind))

    blocks: list[Block] = []
    for index, (s, e, provisional) in enumerate(units):
        body = text[s:e]
        kind = provisional
        # A title or heading is one short line without terminal punctuation, followed by more text.
        if provisional == "paragraph" and "\n" not in body and index + 1 < len(units):
            if index == 0 and (_heading_like(body) or (_TITLE_END_OK.search(body) and _short(body))):
                kind = "title"
            elif _heading_like(body):
                kind = "heading"
        blocks.append(Block(index=index, kind=kind, start=s, end=e))
    return blocks


def _short(line: str) -> bool:
    return len(line) <= HEADING_MAX_CHARS and len(line.split()) <= HEADING_MAX_WORDS


# --- documents -------------------------------------------------------------------------------------

_SEGMENT_KIND = {
    "title": "title",
    "heading": "heading",
    "paragraph": "paragraph-sentence",
    "list-item": "list-item",
}


def segment_text(doc: str, text: str) -> list[Segment]:
    """Segment a document's text into blocks and sentences; `text[s.start:s.end] == s.text`."""
    segments: list[Segment] = []
    heading: str | None = None
    heading_block: int | None = None
    for block in find_blocks(text):
        if block.kind == "heading":
            heading, heading_block = text[block.start : block.end], block.index
        if block.kind in ("title", "heading"):
            spans = [(block.start, block.end)]
        else:
            spans = split_sentences(text, block.start, block.end)
        for i, (s, e) in enumerate(spans):
            segments.append(
                Segment(
                    id=segment_id(doc, block.index, i),
                    doc=doc,
                    block=block.index,
                    sentence=i,
                    kind=_SEGMENT_KIND[block.kind],
                    heading=heading,
                    heading_block=heading_block,
                    start=s,
                    end=e,
                    text=text[s:e],
                )
            )
    return segments


def segment_file(path: str | Path) -> list[Segment]:
    """Read a corpus file strictly and segment it."""
    return segment_text(io.doc_name(path), io.read_text(path))


def load_segments(path: str | Path) -> list[Segment]:
    """Segments from a segments JSONL file, or a text file segmented on the fly."""
    if str(path).endswith(".jsonl"):
        return io.read_records(path, Segment)
    return segment_file(path)


def run(in_path: str | Path, out_path: str | Path) -> list[Segment]:
    """Segment a corpus text into `out_path` (JSONL, written atomically)."""
    segments = segment_file(in_path)
    io.write_jsonl(out_path, (s.to_dict() for s in segments))
    return segments


INPUTS = ("source",)
OUTPUTS = ("segments",)


def run_stage(ws: Workspace) -> list[Segment]:
    """The segment stage: the corpus text in, `segments.jsonl` out."""
    return run(ws.source, ws.path("segments"))
