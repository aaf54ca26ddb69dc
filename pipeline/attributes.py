"""Schema-driven extraction of the attributes an article gives the roles it compares.

The schema (`corpus/<doc>.schema.yaml`) names the roles and the attributes with Finnish cue lemmas.
Each body sentence gets its role(s) from explicit mentions (matched on Voikko lemmas, so broken
agreement does not hide them) or, for a sentence that mentions no role, from the heading of its
section; contrast ("toisin kuin X", "suurempi … kuin X") gives the other role a row too, with the
opposite polarity; negation ("ei ole kiinteä") makes a row negative. Sentences that address the
reader (promotion: "Jos olet etsimässä …") and sentences without a role give nothing.

A row's value is short: the clause or phrase around the cue, cut from the Finnish parse (the
cue's clause with the other clauses hanging off it left out), or, without the parser, the clause
between punctuation and conjunctions. The schema is checked against the article: cues that match
nothing and roles or attributes that get no row are warnings.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import io, markdown, parse
from .consistency import check_inputs
from .edits import cleaned_segment
from .errors import InputError
from .finnish import Token, analyses, lemmas_with_parts, tokenize
from .records import SKIPPED_NO_TRANSLATION, AlignedSegment, Change, ParsedSegment, Record, Segment, Word
from .translate import read_translations
from .workspace import Workspace

if TYPE_CHECKING:
    import pandas as pd

log = logging.getLogger(__name__)
BODY_KINDS = ("paragraph-sentence", "list-item")
# Confidence by how the role was found.
CONFIDENCE = {"mention": 0.9, "section": 0.7, "contrast": 0.6}
OPPOSITE = {"positive": "negative", "negative": "positive", "more": "less", "less": "more"}
# The direction the comparison shows for a polarity: what the article says of the role.
DIRECTION = {"positive": "yes", "negative": "not", "more": "more", "less": "less"}
# Comparatives that say "less" of what they compare ("X:n riski on pienempi kuin Y:n": X less, Y more),
# by Voikko's base form; any other comparative says "more".
LESS_COMPARATIVES = frozenset(
    "pieni vähä vähäinen matala alhainen lyhyt halpa heikko hidas harva kevyt kapea ohut huono".split()
)


@dataclass(frozen=True)
class Cue:
    """A cue as the schema writes it and, per word, the forms a word of the text may match."""

    text: str
    forms: tuple[frozenset[str], ...]


@dataclass(frozen=True)
class Role:
    """A role the article compares, with Finnish cues that mention it and English cue words."""

    id: str
    fi: str
    en: str
    cues: tuple[Cue, ...]
    cues_en: tuple[str, ...] = ()


@dataclass(frozen=True)
class Attribute:
    """An attribute the article gives the roles, with Finnish cues and English cue words."""

    id: str
    fi: str
    en: str
    cues: tuple[Cue, ...]
    cues_en: tuple[str, ...] = ()


@dataclass(frozen=True)
class Schema:
    """Roles and attributes of one comparison."""

    roles: tuple[Role, ...]
    attributes: tuple[Attribute, ...]


@dataclass(frozen=True)
class RoleAttribute(Record):
    """One fact: a role has an attribute, as a sentence of the article states it."""

    doc: str
    role: str
    attribute: str
    polarity: str
    value_fi: str
    value_en: str
    value_en_status: str
    segment: str
    anchor: str
    fi_source: str
    confidence: float
    method: str


# --- the schema -----------------------------------------------------------------------------------------


def _cue_forms(word: str) -> frozenset[str]:
    """The forms a cue word matches: itself and, when it is inflected ("avustajien"), its base forms."""
    word = word.lower()
    bases = {lemma for lemma, _ in lemmas_with_parts(word) if lemma}
    # A cue already in a base form keeps only that one: "tehtävä" is also a participle of "tehdä",
    # which would make every "tehdä" a cue.
    return frozenset({word} if word in bases or not bases else {word, *bases})


def _cue_strings(path: Path, where: str, value: Any) -> list[str]:
    if not isinstance(value, list) or not value or not all(isinstance(c, str) and c.strip() for c in value):
        raise InputError(path, f"{where}: expected a non-empty list of cue strings")
    return [" ".join(c.split()) for c in value]


def _cues(path: Path, where: str, value: Any) -> tuple[Cue, ...]:
    return tuple(Cue(c, tuple(_cue_forms(w) for w in c.split())) for c in _cue_strings(path, where, value))


# The keys of a schema and of its entries; `cues_en` is optional (English cue words: they pick the
# short English value out of the segment's English, see _english_value).
SCHEMA_KEYS = ("roles", "attributes")
ENTRY_KEYS = ("id", "fi", "en", "cues_fi", "cues_en")


def _entry(path: Path, where: str, item: Any) -> dict[str, Any]:
    if not isinstance(item, dict):
        raise InputError(path, f"{where}: expected a mapping with id, fi, en and cues_fi")
    io.refuse_unknown_keys(path, where, item, ENTRY_KEYS)
    for key in ("id", "fi", "en"):
        if not isinstance(item.get(key), str) or not item[key].strip():
            raise InputError(path, f"{where}: missing or empty '{key}'")
    if not re.fullmatch(r"[a-z][a-z0-9_]*", item["id"]):
        raise InputError(path, f"{where}: id {io.brief(item['id'])} must be lowercase letters, digits and _")
    return item


def _cues_en(path: Path, where: str, entry: dict[str, Any]) -> tuple[str, ...]:
    if "cues_en" not in entry:
        return ()
    return tuple(c.lower() for c in _cue_strings(path, f"{where}.cues_en", entry["cues_en"]))


def load_schema(path: str | Path) -> Schema:
    """Read and validate a comparison schema; a problem is an InputError naming the entry."""
    path = Path(path)
    data = io.read_yaml(path)
    if not isinstance(data, dict):
        raise InputError(path, "expected a mapping with 'roles' and 'attributes'")
    io.refuse_unknown_keys(path, "", data, SCHEMA_KEYS)
    roles, attributes = data.get("roles"), data.get("attributes")
    if not isinstance(roles, list) or len(roles) < 2:
        raise InputError(path, "'roles' must list at least two roles")
    if not isinstance(attributes, list) or not attributes:
        raise InputError(path, "'attributes' must list at least one attribute")
    parsed_roles = []
    for k, item in enumerate(roles):
        entry = _entry(path, f"roles[{k}]", item)
        cues = _cues(path, f"roles[{k}].cues_fi", entry.get("cues_fi"))
        parsed_roles.append(
            Role(entry["id"], entry["fi"], entry["en"], cues, _cues_en(path, f"roles[{k}]", entry))
        )
    parsed_attributes = []
    for k, item in enumerate(attributes):
        entry = _entry(path, f"attributes[{k}]", item)
        cues = _cues(path, f"attributes[{k}].cues_fi", entry.get("cues_fi"))
        parsed_attributes.append(
            Attribute(entry["id"], entry["fi"], entry["en"], cues, _cues_en(path, f"attributes[{k}]", entry))
        )
    ids = [r.id for r in parsed_roles] + [a.id for a in parsed_attributes]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise InputError(path, f"duplicate ids: {', '.join(duplicates)}")
    return Schema(tuple(parsed_roles), tuple(parsed_attributes))


# --- matching -------------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=100_000)
def _lemmas(word: str) -> frozenset[str]:
    """What a word can match: its lowercase form, its base forms and their compound parts."""
    out = {word.lower()}
    for lemma, parts in lemmas_with_parts(word):
        out.add(lemma)
        out.update(parts)
    return frozenset(out)


def _words(text: str) -> list[Token]:
    return [t for t in tokenize(text) if t.is_word]


def _matches(words: Sequence[Token], cues: Iterable[Cue]) -> list[int]:
    """Word indices where one of the cues starts."""
    lemmas = [_lemmas(w.text) for w in words]
    found = []
    for i in range(len(words)):
        for cue in cues:
            n = len(cue.forms)
            if i + n <= len(words) and all(cue.forms[k] & lemmas[i + k] for k in range(n)):
                found.append(i)
                break
    return found


def _mentions(words: Sequence[Token], schema: Schema) -> dict[str, list[int]]:
    return {r.id: hits for r in schema.roles if (hits := _matches(words, r.cues))}


def _addresses_reader(words: Sequence[Token]) -> bool:
    """The reader addressed: promotion ("Jos olet etsimässä …, Hoxton Mix on valintasi").

    A word that can only be an indicative second person ("olet", "haluat") or only carry a
    second-person possessive suffix ("valintasi") counts. Imperative readings do not: after "ei"
    the connegative ("ei tarvitse") reads as one, and "palkkasi" is "hired" as well as "your pay".
    """
    for w in words:
        found = analyses(w.text.lower())
        if found and all(
            (a.get("PERSON") == "2" and a.get("MOOD") == "indicative") or a.get("POSSESSIVE") == "2s"
            for a in found
        ):
            return True
    return False


def _negated(words: Sequence[Token]) -> bool:
    """A negation verb in the words, but not the "vai ei" (or not) of a question."""
    return any(
        any(a.get("CLASS") == "kieltosana" for a in analyses(w.text.lower()))
        and not (k > 0 and words[k - 1].text.lower() == "vai")
        for k, w in enumerate(words)
    )


def _comparative(words: Sequence[Token]) -> str | None:
    """ "more" or "less" by the first comparative among the words ("suurempi", "enemmän" more;
    "pienempi", "vähemmän" less), None without one."""
    for w in words:
        bases = [
            a.get("BASEFORM", "") for a in analyses(w.text.lower()) if a.get("COMPARISON") == "comparative"
        ]
        if bases:
            return "less" if any(b in LESS_COMPARATIVES for b in bases) else "more"
    return None


# "jälkimmäinen" (the latter) and "edellinen" (the former) point at the last or the first role named.
_LATTER, _FORMER = "jälkimmäinen", "edellinen"


# What ends a clause for scoping roles and negation: punctuation and coordinating conjunctions
# ("toimivat tilauksesta ja ei sidottu …": the negation is not the first clause's).
_CLAUSE_BREAKS = (",", ";", ":", " ja ", " mutta ", " vaan ", " sekä ")


def _clause_span(text: str, word: Token, breaks: Sequence[str] = _CLAUSE_BREAKS) -> tuple[int, int]:
    """The clause around a word, between the nearest breaks on either side."""
    start = max(
        text.rfind(b, 0, word.start) + len(b) if text.rfind(b, 0, word.start) >= 0 else 0 for b in breaks
    )
    ends = [i for i in (text.find(b, word.end) for b in breaks) if i >= 0]
    return start, min(ends) if ends else len(text)


def _contrast(words: Sequence[Token], mentions: dict[str, list[int]]) -> tuple[str, str] | None:
    """(contrasted role, kind) when a role follows "toisin kuin" or a comparative's "kuin"."""
    lowered = [w.text.lower() for w in words]
    comparative = any(a.get("COMPARISON") == "comparative" for w in words for a in analyses(w.text.lower()))
    for k, word in enumerate(lowered):
        if word != "kuin":
            continue
        after = [(role, i) for role, hits in mentions.items() for i in hits if k < i <= k + 3]
        if not after:
            continue
        role = min(after, key=lambda x: x[1])[0]
        if k > 0 and lowered[k - 1] == "toisin":
            return role, "unlike"
        if comparative:
            return role, "comparative"
    return None


def _clause(text: str, cue_word: Token) -> str:
    """The value of a cue without a parse: its clause, between punctuation and conjunctions."""
    start, end = _clause_span(text, cue_word)
    return text[start:end].strip(" .!?")


# Relations that hang another clause off a word: left out of a value unless the cue is in them.
# (A complement clause, ccomp, stays: it is what the main verb says: "palkkiot he saavat ei ole kiinteä".)
_OTHER_CLAUSES = frozenset({"advcl", "parataxis", "acl:relcl"})
# Relations of a word that heads a clause: the walk up from the cue stops at one.
_CLAUSE_HEADS = frozenset({"root", "ccomp", "advcl", "csubj", "parataxis", "acl", "acl:relcl"})
# What a value does not start with: a sentence adverb ("Lisäksi"), a conjunction, a subordinator.
_LEADING = frozenset({"advmod", "discourse", "cc", "mark", "punct"})


def _is_clause(parsed: ParsedSegment, w: Word) -> bool:
    """Whether a coordinated word is a clause of its own (a verb, or a predicate with a subject or copula)."""
    return w.upos in ("VERB", "AUX") or any(c.relation in ("nsubj", "cop") for c in parsed.children(w))


def _subtree(parsed: ParsedSegment, top: Word, cue: Word) -> list[Word]:
    """`top` and its dependents, without the other clauses hanging off them (unless the cue is in one)."""
    kept: list[Word] = []
    stack = [top]
    while stack:
        w = stack.pop()
        kept.append(w)
        for c in parsed.children(w):
            other = c.deprel in _OTHER_CLAUSES or (c.relation == "conj" and _is_clause(parsed, c))
            if other and not _dominates(parsed, c, cue) and not _standard(parsed, w, c):
                continue
            stack.append(c)
    return sorted(kept, key=lambda w: w.i)


def _standard(parsed: ParsedSegment, head: Word, clause: Word) -> bool:
    """Whether `clause` is the "kuin Y" of a comparative ("pienemmät kuin koiran kulut"): it stays."""
    return head.feats.get("Degree") == "Cmp" and any(
        c.relation == "mark" and c.text.lower() == "kuin" for c in parsed.children(clause)
    )


def _dominates(parsed: ParsedSegment, top: Word, w: Word) -> bool:
    """Whether `w` is `top` or below it."""
    seen: set[int] = set()
    node: Word | None = w
    while node is not None and node.i not in seen:
        if node.i == top.i:
            return True
        seen.add(node.i)
        node = parsed.head(node)
    return False


def parsed_value(text: str, parsed: ParsedSegment, cue_word: Token) -> str | None:
    """The value of a cue from the parse: the clause or phrase containing it (a relative clause gives
    the noun phrase it belongs to), without the other clauses hanging off it, as the stretch of
    text around the cue; None when the parse has no word at the cue."""
    cue = next((w for w in parsed.words if w.start <= cue_word.start < w.end), None)
    if cue is None:
        return None
    top = cue
    seen = {top.i}
    while top.deprel not in _CLAUSE_HEADS and not (top.relation == "conj" and _is_clause(parsed, top)):
        head = parsed.head(top)
        if head is None or head.i in seen:
            break
        seen.add(head.i)
        top = head
    noun = parsed.head(top)
    if top.relation == "acl" and noun is not None and noun.upos in ("NOUN", "PROPN", "PRON"):
        top = noun  # "… yrityksen johtamiseen, joka palkkasi heidät": the phrase, not "joka palkkasi heidät"
    words = _subtree(parsed, top, cue)
    # The stretch of consecutive words around the cue (a word left out splits it).
    k = next(n for n, w in enumerate(words) if w.i == cue.i)
    lo = k
    while lo > 0 and words[lo - 1].i == words[lo].i - 1:
        lo -= 1
    hi = k
    while hi + 1 < len(words) and words[hi + 1].i == words[hi].i + 1:
        hi += 1
    run = words[lo : hi + 1]
    while (
        len(run) > 1
        and run[0] is not cue
        and run[0].relation in _LEADING
        and all(c.relation == "punct" for c in parsed.children(run[0]))  # "Ensinnäkin,"
    ):
        run = run[1:]
    while len(run) > 1 and run[-1] is not cue and run[-1].relation == "punct":
        run = run[:-1]
    return text[run[0].start : run[-1].end]


# English cue words match at the start of an English word ("report" matches "reports", "reporting").
_EN_CLAUSE = re.compile(r"[,;:]\s+|\s+(?:and|but|while|whereas|because)\s+", re.IGNORECASE)


def _english_value(english: str, cues_en: Sequence[str]) -> str:
    """The clause of the English that carries an English cue; the whole English without one."""
    for clause in _EN_CLAUSE.split(english):
        if _english_hit(clause, cues_en):
            return clause.strip(" .!?")
    return english


def _english_hit(text: str, cues_en: Iterable[str]) -> bool:
    return any(re.search(rf"\b{re.escape(c)}", text, re.IGNORECASE) for c in cues_en)


# --- extraction -------------------------------------------------------------------------------------------


def _section_roles(segments: Sequence[Segment], schema: Schema) -> dict[int | None, list[str]]:
    """Roles each heading names (by heading block), from Finnish cues or English words in it."""
    out: dict[int | None, list[str]] = {None: []}
    for seg in segments:
        if seg.kind == "heading":
            out[seg.block] = sorted(_mentions(_words(seg.text), schema))
    return out


def extract(  # noqa: PLR0917  (the records of one document, each optional but the first two)
    schema: Schema,
    segments: Sequence[Segment],
    changes: Sequence[Change] = (),
    translations: dict[str, str] | None = None,
    no_translation: str = "",
    parses: dict[str, ParsedSegment] | None = None,
) -> list[RoleAttribute]:
    """Rows of (role, attribute, evidence segment) for every body sentence that states one.

    `parses` are the parses of the cleaned segments (offsets into the cleaned text), by segment id;
    a segment without one gets the clause cut at punctuation as its value. `translations` is each
    segment's English (the reference, else the retranslation); `value_en` is the clause of it with
    an English cue, and where there is no English `value_en_status` says why (`no_translation`,
    e.g. "skipped: no fi→en model (run make models)")."""
    sections = _section_roles(segments, schema)
    translations = translations or {}
    parses = parses or {}
    promotion = {s.block for s in segments if s.kind in BODY_KINDS and _addresses_reader(_words(s.text))}
    rows: list[RoleAttribute] = []
    for seg in segments:
        if seg.kind not in BODY_KINDS or seg.block in promotion:
            continue
        rows.extend(
            _sentence_rows(
                schema,
                seg,
                cleaned_segment(seg, changes),
                sections,
                translations,
                no_translation or SKIPPED_NO_TRANSLATION,
                parses.get(seg.id),
            )
        )
    return rows


def anchor(seg: Segment) -> str:
    """The segment's anchor in report.html (the report's `id="s-<block>-<sentence>"`)."""
    return f"s-{seg.block}-{seg.sentence}"


def _sentence_rows(  # noqa: PLR0917  (a private helper of extract)
    schema: Schema,
    seg: Segment,
    cleaned: str,
    sections: dict[int | None, list[str]],
    translations: dict[str, str],
    no_translation: str,
    parsed: ParsedSegment | None,
) -> list[RoleAttribute]:
    """The rows one sentence gives: per attribute cue, the role of its clause (or of the sentence)."""
    words = _words(cleaned)
    mentions = _mentions(words, schema)
    contrast = _contrast(words, mentions)
    contrasted = contrast[0] if contrast else None
    named = [r for r in mentions if r != contrasted]
    section = sections.get(seg.heading_block, [])
    if named:
        sentence_roles, method = named, "mention"
    elif len(section) == 1:
        sentence_roles, method = section, "section"
    else:
        return []  # no role: an introduction, a generic sentence
    order = sorted((i, r) for r, hits in mentions.items() for i in hits)
    english = translations.get(seg.id, "")
    rows: list[RoleAttribute] = []
    for attribute in schema.attributes:
        hits = _matches(words, attribute.cues)
        if not hits:
            continue
        cue = words[hits[0]]
        lo, hi = _clause_span(cleaned, cue)
        in_clause = [w for w in words if lo <= w.start < hi]
        clause_roles = [r for i, r in order if lo <= words[i].start < hi and r != contrasted]
        lowered = {w.text.lower() for w in in_clause}
        roles, how = sentence_roles, method
        if clause_roles:
            roles, how = sorted(set(clause_roles)), "mention"
        elif _LATTER in lowered and order:
            roles, how = [order[-1][1]], "mention"
        elif _FORMER in lowered and order:
            roles, how = [order[0][1]], "mention"
        polarity = "negative" if _negated(in_clause) else "positive"
        said_of_other = True
        if contrast and contrast[1] == "comparative" and (degree := _comparative(in_clause)):
            if polarity == "positive":
                polarity = degree  # the side before "kuin"; the side after it gets the opposite below
            else:
                said_of_other = False  # "ei ole pienempi kuin Y": X not less; of Y nothing certain
        value = (parsed_value(cleaned, parsed, cue) if parsed else None) or _clause(cleaned, cue)
        value_en = _english_value(english, attribute.cues_en) if english else ""

        facts = [(role, polarity, how) for role in roles]
        if contrasted and contrasted not in roles and said_of_other:
            facts.append((contrasted, OPPOSITE[polarity], "contrast"))
        rows.extend(
            RoleAttribute(
                doc=seg.doc,
                role=role,
                attribute=attribute.id,
                polarity=pol,
                value_fi=value,
                value_en=value_en,
                value_en_status="" if english else no_translation,
                segment=seg.id,
                anchor=anchor(seg),
                fi_source=seg.text,
                confidence=CONFIDENCE[method],
                method=method,
            )
            for role, pol, method in facts
        )
    return rows


# --- schema diagnostics -----------------------------------------------------------------------------------


def _entries(schema: Schema) -> list[tuple[str, Role | Attribute]]:
    return [*(("role", r) for r in schema.roles), *(("attribute", a) for a in schema.attributes)]


def schema_warnings(
    schema: Schema, texts: Sequence[str], rows: Sequence[RoleAttribute], english: Sequence[str] = ()
) -> list[str]:
    """What in the schema the article never uses, one line per kind: Finnish cues that match nothing
    in `texts` (the cleaned segments), English cues that match nothing in `english` (only when there
    is English), and roles and attributes that get no row."""
    found: set[tuple[str, str]] = set()
    for text in texts:
        words = _words(text)
        for _, entry in _entries(schema):
            found.update((entry.id, cue.text) for cue in entry.cues if _matches(words, [cue]))
    dead = [
        f"{kind} {entry.id}: {cue.text!r}"
        for kind, entry in _entries(schema)
        for cue in entry.cues
        if (entry.id, cue.text) not in found
    ]
    lines = []
    if dead:
        lines.append(f"cues_fi that match nothing in the article: {'; '.join(dead)}")
    joined = "\n".join(english)
    dead_en = [
        f"{kind} {entry.id}: {cue!r}"
        for kind, entry in _entries(schema)
        for cue in entry.cues_en
        if joined and not _english_hit(joined, [cue])
    ]
    if dead_en:
        lines.append(f"cues_en that match nothing in the English: {'; '.join(dead_en)}")
    used = {r.role for r in rows} | {r.attribute for r in rows}
    unused = [f"{kind} {entry.id}" for kind, entry in _entries(schema) if entry.id not in used]
    if unused:
        lines.append(f"no row for: {', '.join(unused)}")
    return lines


# --- outputs ---------------------------------------------------------------------------------------------

COLUMNS = [f.name for f in dataclasses.fields(RoleAttribute)]
# comparison.csv: one row per (attribute, role, value), in schema order; a pair the article says
# nothing of has one row with an empty value, so the grid can be rebuilt from the file.
COMPARISON_COLUMNS = [
    "attribute_fi",
    "attribute_en",
    "role_fi",
    "role_en",
    "direction",
    "evidence",
    "value_fi",
    "value_en",
    "segment",
    "anchor",
]
# Where comparison.md links a value: the segment in the report beside it.
REPORT_LINK = "report.html#"


def to_frame(rows: Sequence[RoleAttribute]) -> pd.DataFrame:
    """The rows as a DataFrame with a fixed column order."""
    import pandas as pd  # noqa: PLC0415  (pandas takes a second to import: only this stage pays)

    return pd.DataFrame([r.to_dict() for r in rows], columns=COLUMNS)


def _cells(schema: Schema, rows: Sequence[RoleAttribute]) -> dict[tuple[str, str], list[RoleAttribute]]:
    """The rows of each (attribute id, role id), one per distinct value, direction and segment."""
    cells: dict[tuple[str, str], list[RoleAttribute]] = {
        (a.id, r.id): [] for a in schema.attributes for r in schema.roles
    }
    seen: set[tuple[str, str, str, str, str]] = set()
    for row in rows:
        key = (row.attribute, row.role, row.value_fi, row.polarity, row.segment)
        if key not in seen and (row.attribute, row.role) in cells:
            seen.add(key)
            cells[row.attribute, row.role].append(row)
    return cells


def comparison_rows(schema: Schema, rows: Sequence[RoleAttribute]) -> list[dict[str, str]]:
    """The comparison as records of COMPARISON_COLUMNS: per attribute and role, each short value
    with its direction (`yes`, `not`, `more`, `less`), how it was found (`stated`, or `by contrast`
    when the sentence is about the other role) and the segment's anchor in the report."""
    cells = _cells(schema, rows)
    out: list[dict[str, str]] = []
    for a in schema.attributes:
        for r in schema.roles:
            labels = {"attribute_fi": a.fi, "attribute_en": a.en, "role_fi": r.fi, "role_en": r.en}
            found = cells[a.id, r.id]
            out.extend(
                {
                    **labels,
                    "direction": DIRECTION[f.polarity],
                    "evidence": "by contrast" if f.method == "contrast" else "stated",
                    "value_fi": f.value_fi,
                    "value_en": f.value_en,
                    "segment": f.segment,
                    "anchor": f.anchor,
                }
                for f in found
            )
            if not found:
                out.append({**labels, **dict.fromkeys(COMPARISON_COLUMNS[4:], "")})
    return out


def comparison(schema: Schema, rows: Sequence[RoleAttribute]) -> pd.DataFrame:
    """comparison.csv as a DataFrame (see comparison_rows)."""
    import pandas as pd  # noqa: PLC0415

    return pd.DataFrame(comparison_rows(schema, rows), columns=COMPARISON_COLUMNS)


def _label(fi: str, en: str) -> str:
    return markdown.escape(fi if fi == en else f"{fi} ({en})")


def comparison_markdown(schema: Schema, rows: Sequence[RoleAttribute]) -> str:
    """Attributes against roles as a Markdown table, Finnish labels with the English ones beside;
    each value links to its segment in the report and says its direction ("(less)", "(not, by
    contrast)"). Labels and values are escaped, each cell on one line."""
    cells = _cells(schema, rows)
    header = [markdown.escape("ominaisuus (attribute)"), *(_label(r.fi, r.en) for r in schema.roles)]
    lines = [markdown.escaped_row(header), "|" + " --- |" * len(header)]
    for a in schema.attributes:
        values = [
            "; ".join(
                f"[{markdown.escape(f.value_fi)}]({REPORT_LINK}{f.anchor}) ({DIRECTION[f.polarity]}"
                + (", by contrast)" if f.method == "contrast" else ")")
                for f in cells[a.id, r.id]
            )
            for r in schema.roles
        ]
        lines.append(markdown.escaped_row([_label(a.fi, a.en), *values]))
    return "\n".join(lines) + "\n"


INPUTS = ("schema", "segments", "changes", "translations", "aligned")
OUTPUTS = ("role-attributes", "role-attributes-parquet", "comparison", "comparison-md")


def parse_cleaned(segments: Sequence[Segment], changes: Sequence[Change]) -> dict[str, ParsedSegment]:
    """The parses of the cleaned body segments (offsets into the cleaned text), by segment id; none
    (with a warning: values are then clauses cut at punctuation) when the parser is not installed."""
    body = [
        dataclasses.replace(s, text=text, start=0, end=len(text))
        for s in segments
        if s.kind in BODY_KINDS
        for text in [cleaned_segment(s, changes)]
    ]
    try:
        return parse.parse_segments(body)
    except parse.ParserUnavailable as exc:
        log.warning("%s; comparison values are clauses cut at punctuation", exc)
        return {}


def english_texts(ws: Workspace) -> tuple[dict[str, str], str | None]:
    """Each segment's English: the aligned reference where there is one, else the retranslation;
    and why a segment has no retranslation (see translate.read_translations)."""
    english, why_not = read_translations(ws.path("translations"))
    aligned = ws.optional("aligned")
    for row in io.read_records(aligned, AlignedSegment) if aligned else []:
        if row.en_reference:
            english[row.segment] = row.en_reference
    return english, why_not


def run_stage(ws: Workspace) -> list[RoleAttribute]:
    """The attributes stage: schema, segments, changes (and translations and the aligned reference,
    when there are) in; the role-attribute table (CSV, Parquet) and the comparison (CSV, Markdown)
    out, all atomically; what of the schema the article never uses is logged as warnings.

    A document without a schema has no comparison: the stage writes nothing and says so."""
    schema_path = ws.path("schema")
    if not schema_path.exists():
        log.info("%s: no schema (%s): no role attributes", ws.source, schema_path.name)
        return []
    schema = load_schema(schema_path)
    segments = [Segment.from_dict(r) for r in io.read_jsonl(ws.path("segments"))]
    changes = [Change.from_dict(r) for r in io.read_jsonl(ws.path("changes"))]
    check_inputs(ws, segments, None, {"changes": changes})
    english, why_not = english_texts(ws)
    parses = parse_cleaned(segments, changes)
    rows = extract(schema, segments, changes, english, why_not or SKIPPED_NO_TRANSLATION, parses)
    texts = [cleaned_segment(s, changes) for s in segments]
    for line in schema_warnings(schema, texts, rows, list(english.values())):
        log.warning("%s: %s", schema_path, line)
    frame = to_frame(rows)
    with io.atomic_write(ws.path("role-attributes")) as handle:
        frame.to_csv(handle, index=False)
    with io.atomic_write(ws.path("role-attributes-parquet"), "wb") as handle:
        frame.to_parquet(handle, index=False)
    with io.atomic_write(ws.path("comparison")) as handle:
        comparison(schema, rows).to_csv(handle, index=False)
    io.write_text(ws.path("comparison-md"), comparison_markdown(schema, rows))
    return rows
