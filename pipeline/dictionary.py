"""The FreeDict Finnish–English dictionaries (dictd files, Debian's dict-freedict-* packages).

`dictionary()` maps a Finnish lemma to the English word stems of its glosses, from both directions
(the aligner's lexical term); `finnish_for` gives an English word's one-word Finnish translations
(the untranslated-English check). `PIPELINE_FREEDICT_DIR` points at other dictd files.
"""

from __future__ import annotations

import functools
import gzip
import os
import re
from collections.abc import Iterable
from pathlib import Path

from .english import ENGLISH_FUNCTION_WORDS
from .errors import PipelineError

FREEDICT_DIR = "/usr/share/dictd"
FREEDICT_ENV = "PIPELINE_FREEDICT_DIR"
DICTIONARIES = ("freedict-fin-eng", "freedict-eng-fin")
EN_TOKEN = re.compile(r"[A-Za-z][A-Za-z'’-]*|\d[\d.,]*")


class DictionaryUnavailable(PipelineError):
    """The FreeDict Finnish–English dictionary is not installed."""


def stem(word: str) -> str:
    """A crude English stem, enough to meet dictionary glosses ("transitions" ~ "transition")."""
    word = word.lower().strip("'’-")
    for suffix in ("ies", "ing", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)] + ("y" if suffix == "ies" else "")
    return word


def _b64(value: str) -> int:
    """A dictd index number (base64 digits)."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    n = 0
    for ch in value:
        n = n * 64 + alphabet.index(ch)
    return n


def _entries(directory: Path, name: str) -> Iterable[tuple[str, list[str]]]:
    """(headword, translations) of a dictd FreeDict dictionary."""
    index = directory / f"{name}.index"
    with gzip.open(directory / f"{name}.dict.dz") as handle:  # dictzip files are gzip files
        data = handle.read()
    for line in index.read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if len(parts) != 3 or parts[0].startswith("00database"):
            continue
        start, length = _b64(parts[1]), _b64(parts[2])
        lines = data[start : start + length].decode("utf-8", errors="replace").split("\n")
        translations = lines[1:2] + [re.sub(r"^\d+\.\s*", "", x) for x in lines[2:] if re.match(r"^\d+\.", x)]
        yield parts[0], [t.strip() for x in translations for t in x.split(",") if t.strip()]


@functools.cache
def dictionary() -> dict[str, frozenset[str]]:
    """Finnish lemma -> English word stems, from both FreeDict directions."""
    directory = Path(os.environ.get(FREEDICT_ENV, FREEDICT_DIR))
    missing = [n for n in DICTIONARIES if not (directory / f"{n}.index").is_file()]
    if len(missing) == len(DICTIONARIES):
        raise DictionaryUnavailable(
            f"no FreeDict Finnish–English dictionary in {directory}; install the Debian packages "
            "dict-freedict-fin-eng and dict-freedict-eng-fin (run: make setup)"
        )
    table: dict[str, set[str]] = {}
    for name in DICTIONARIES:
        if name in missing:
            continue
        for head, translations in _entries(directory, name):
            if name == "freedict-fin-eng":
                pairs = [(head, t) for t in translations]
            else:
                pairs = [(t, head) for t in translations]
            for fi_word, en in pairs:
                lemma = fi_word.lower().strip()
                if " " in lemma or not lemma:
                    continue
                words = {stem(w) for w in EN_TOKEN.findall(en.lower()) if w not in ENGLISH_FUNCTION_WORDS}
                table.setdefault(lemma, set()).update(w for w in words if w)
    return {k: frozenset(v) for k, v in table.items()}


@functools.cache
def _eng_fin_index() -> tuple[dict[str, list[tuple[str, str]]], bytes]:
    """The English–Finnish dictionary's index (headword -> entry offsets) and its data."""
    directory = Path(os.environ.get(FREEDICT_ENV, FREEDICT_DIR))
    index = directory / "freedict-eng-fin.index"
    if not index.is_file():
        return {}, b""
    with gzip.open(directory / "freedict-eng-fin.dict.dz") as handle:
        data = handle.read()
    # Offsets stay base64 until a word is looked up: decoding all 68,000 took a third of a second.
    table: dict[str, list[tuple[str, str]]] = {}
    for line in index.read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if len(parts) == 3 and not parts[0].startswith("00database"):
            table.setdefault(parts[0].lower(), []).append((parts[1], parts[2]))
    return table, data


@functools.lru_cache(maxsize=4096)
def finnish_for(english: str) -> tuple[str, ...]:
    """The one-word Finnish translations of an English word, in the dictionary's order (FreeDict
    eng-fin; none when it is not installed). Only the word's own entries are read."""
    table, data = _eng_fin_index()
    words: list[str] = []
    for offset, size in table.get(english.lower(), []):
        start, length = _b64(offset), _b64(size)
        lines = data[start : start + length].decode("utf-8", errors="replace").split("\n")
        entries = lines[1:2] + [re.sub(r"^\d+\.\s*", "", x) for x in lines[2:] if re.match(r"^\d+\.", x)]
        for entry in entries:
            for raw in entry.split(","):
                t = re.sub(r"\s*\d+\.$", "", re.sub(r"^\d+\.\s*", "", raw.strip())).strip()
                if t and " " not in t and not t.endswith("-") and t not in words:
                    words.append(t)
    return tuple(words)
