"""A small CoNLL-U reader: the UD treebanks that the valency lexicon, the inflector's evaluation and
the parser benchmarks are built from."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .errors import InputError


@dataclass(frozen=True)
class Token:
    """One syntactic word of a UD sentence (multiword-token lines and empty nodes are skipped)."""

    id: int
    form: str
    lemma: str
    upos: str
    feats: dict[str, str]
    head: int  # 0 for the root
    deprel: str
    space_after: bool


@dataclass
class Sentence:
    """A UD sentence: its id, its text and its tokens."""

    sent_id: str
    text: str
    tokens: list[Token] = field(default_factory=list)

    def children(self, token: Token) -> list[Token]:
        """The tokens whose head is `token`."""
        return [t for t in self.tokens if t.head == token.id]

    def head_of(self, token: Token) -> Token | None:
        """The head token of `token` (None for the root)."""
        return self.tokens[token.head - 1] if token.head else None


def parse_feats(value: str) -> dict[str, str]:
    """UD FEATS (`Case=Nom|Number=Sing`) as a dict; `_` is empty."""
    return dict(f.split("=", 1) for f in value.split("|")) if value not in ("", "_") else {}


def read(path: str | Path) -> Iterator[Sentence]:
    """The sentences of a CoNLL-U file; a malformed line is an error naming the file and the line."""
    current: Sentence | None = None
    with open(path, encoding="utf-8") as f:
        for number, raw in enumerate(f, start=1):
            line = raw.rstrip("\n")
            if not line:
                if current is not None and current.tokens:
                    yield current
                current = None
                continue
            if current is None:
                current = Sentence("", "")
            if line.startswith("#"):
                key, _, value = line[1:].partition("=")
                if key.strip() == "sent_id":
                    current.sent_id = value.strip()
                elif key.strip() == "text":
                    current.text = value.strip()
                continue
            cols = line.split("\t")
            if len(cols) != 10:
                raise InputError(path, f"line {number}: expected 10 tab-separated columns, got {len(cols)}")
            if "-" in cols[0] or "." in cols[0]:
                continue
            try:
                current.tokens.append(
                    Token(
                        int(cols[0]),
                        cols[1],
                        cols[2],
                        cols[3],
                        parse_feats(cols[5]),
                        int(cols[6]),
                        cols[7],
                        "SpaceAfter=No" not in cols[9],
                    )
                )
            except ValueError as exc:
                raise InputError(path, f"line {number}: {exc}") from None
    if current is not None and current.tokens:
        yield current
