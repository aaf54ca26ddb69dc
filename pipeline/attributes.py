"""Schema-driven extraction of the attributes an article gives the roles it compares.

The schema (`corpus/<doc>.schema.yaml`) names the roles and the attributes with Finnish cue lemmas.
Each body sentence gets its role(s) from explicit mentions (matched on Voikko lemmas, so broken
agreement does not hide them) or, for a sentence that mentions no role, from the heading of its
section; contrast ("toisin kuin X", "suurempi … kuin X") gives the other role a row too, with the
opposite polarity; negation ("ei ole kiinteä") makes a row negative. Sentences that address the
reader (promotion: "Jos olet etsimässä …") and sentences without a role give nothing.
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

from . import io, markdown
from .consistency import check_inputs
from .edits import cleaned_segment
from .errors import InputError
from .finnish import Token, analyses, lemmas_with_parts, tokenize
from .records import SKIPPED_NO_TRANSLATION, Change, Record, Segment
from .translate import read_translations
from .workspace import Workspace

if TYPE_CHECKING:
    import pandas as pd

log = logging.getLogger(__name__)
BODY_KINDS = ("paragraph-sentence", "list-item")
# Confidence by how the role was found.
CONFIDENCE = {"mention": 0.9, "section": 0.7, "contrast": 0.6}
OPPOSITE = {"positive": "negative", "negative": "positive", "more": "less", "less": "more"}


@dataclass(frozen=True)
class Role:
    """A role the article compares, with cue lemma sequences that mention it."""

    id: str
    fi: str
    en: str
    cues: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Attribute:
    """An attribute the article gives the roles, with Finnish cue lemma sequences."""

    id: str
    fi: str
    en: str
    cues: tuple[tuple[str, ...], ...]


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
    fi_source: str
    confidence: float
    method: str


# --- the schema -----------------------------------------------------------------------------------------


def _cues(path: Path, where: str, value: Any) -> tuple[tuple[str, ...], ...]:
    if not isinstance(value, list) or not value or not all(isinstance(c, str) and c.strip() for c in value):
        raise InputError(path, f"{where}: expected a non-empty list of cue strings")
    return tuple(tuple(c.lower().split()) for c in value)


# The keys of a schema and of its entries. `cues_en` (English cue words) is documented and kept,
# though nothing reads it yet.
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
        parsed_roles.append(Role(entry["id"], entry["fi"], entry["en"], cues))
    parsed_attributes = []
    for k, item in enumerate(attributes):
        entry = _entry(path, f"attributes[{k}]", item)
        cues = _cues(path, f"attributes[{k}].cues_fi", entry.get("cues_fi"))
        parsed_attributes.append(Attribute(entry["id"], entry["fi"], entry["en"], cues))
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


def _matches(words: Sequence[Token], cues: Iterable[tuple[str, ...]]) -> list[int]:
    """Word indices where one of the cue lemma sequences starts."""
    lemmas = [_lemmas(w.text) for w in words]
    found = []
    for i in range(len(words)):
        for cue in cues:
            if i + len(cue) <= len(words) and all(cue[k] in lemmas[i + k] for k in range(len(cue))):
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


def _comparative(words: Sequence[Token]) -> bool:
    return any(a.get("COMPARISON") == "comparative" for w in words for a in analyses(w.text.lower()))


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
    """The value of a cue: the text between the nearest ';' or ':' on either side."""
    start, end = _clause_span(text, cue_word, (";", ":"))
    return text[start:end].strip()


# --- extraction -------------------------------------------------------------------------------------------


def _section_roles(segments: Sequence[Segment], schema: Schema) -> dict[int | None, list[str]]:
    """Roles each heading names (by heading block), from Finnish cues or English words in it."""
    out: dict[int | None, list[str]] = {None: []}
    for seg in segments:
        if seg.kind == "heading":
            out[seg.block] = sorted(_mentions(_words(seg.text), schema))
    return out


def extract(
    schema: Schema,
    segments: Sequence[Segment],
    changes: Sequence[Change] = (),
    translations: dict[str, str] | None = None,
    no_translation: str = "",
) -> list[RoleAttribute]:
    """Rows of (role, attribute, evidence segment) for every body sentence that states one.

    `value_en` is the segment's retranslation; where there is none, `value_en_status` says why
    (`no_translation`, e.g. "skipped: no fi→en model (run make models)")."""
    sections = _section_roles(segments, schema)
    translations = translations or {}
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
            )
        )
    return rows


def _sentence_rows(  # noqa: PLR0917  (a private helper of extract)
    schema: Schema,
    seg: Segment,
    cleaned: str,
    sections: dict[int | None, list[str]],
    translations: dict[str, str],
    no_translation: str,
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
        if contrast and contrast[1] == "comparative" and _comparative(in_clause):
            polarity = "more"
        value = _clause(cleaned, cue)

        facts = [(role, polarity, how) for role in roles]
        if contrasted and contrasted not in roles:
            facts.append((contrasted, OPPOSITE[polarity], "contrast"))
        rows.extend(
            RoleAttribute(
                doc=seg.doc,
                role=role,
                attribute=attribute.id,
                polarity=pol,
                value_fi=value,
                value_en=english,
                value_en_status="" if english else no_translation,
                segment=seg.id,
                fi_source=seg.text,
                confidence=CONFIDENCE[method],
                method=method,
            )
            for role, pol, method in facts
        )
    return rows


# --- outputs ---------------------------------------------------------------------------------------------

COLUMNS = [f.name for f in dataclasses.fields(RoleAttribute)]
# Negation is marked in the comparison; "more"/"less" (which side of a comparative) the sentence shows.
POLARITY_MARK = {"negative": " (ei)"}


def to_frame(rows: Sequence[RoleAttribute]) -> pd.DataFrame:
    """The rows as a DataFrame with a fixed column order."""
    import pandas as pd  # noqa: PLC0415  (pandas takes a second to import: only this stage pays)

    return pd.DataFrame([r.to_dict() for r in rows], columns=COLUMNS)


def comparison(schema: Schema, rows: Sequence[RoleAttribute]) -> pd.DataFrame:
    """Attributes × roles: each cell lists the Finnish values the article gives, with their polarity."""
    import pandas as pd  # noqa: PLC0415

    table: dict[str, dict[str, str]] = {}
    for attribute in schema.attributes:
        table[attribute.fi] = {}
        for role in schema.roles:
            values = [
                ("vastakohta: " if r.method == "contrast" else "")
                + r.value_fi
                + POLARITY_MARK.get(r.polarity, "")
                for r in rows
                if r.attribute == attribute.id and r.role == role.id
            ]
            table[attribute.fi][role.fi] = " | ".join(dict.fromkeys(values))
    frame = pd.DataFrame.from_dict(table, orient="index", columns=[r.fi for r in schema.roles])
    frame.index.name = "ominaisuus"
    return frame


def comparison_markdown(schema: Schema, rows: Sequence[RoleAttribute]) -> str:
    """The comparison as a Markdown table (labels and values escaped, each cell on one line)."""
    frame = comparison(schema, rows)
    header = ["ominaisuus", *frame.columns]
    lines = [markdown.table_row(header), "|" + " --- |" * len(header)]
    lines.extend(markdown.table_row([str(a), *(str(c) for c in cells)]) for a, cells in frame.iterrows())
    return "\n".join(lines) + "\n"


INPUTS = ("schema", "segments", "changes", "translations")
OUTPUTS = ("role-attributes", "role-attributes-parquet", "comparison", "comparison-md")


def run_stage(ws: Workspace) -> list[RoleAttribute]:
    """The attributes stage: schema, segments, changes (and translations, when there are) in; the
    role-attribute table (CSV, Parquet) and the comparison (CSV, Markdown) out, all atomically.

    A document without a schema has no comparison: the stage writes nothing and says so."""
    schema_path = ws.path("schema")
    if not schema_path.exists():
        log.info("%s: no schema (%s): no role attributes", ws.source, schema_path.name)
        return []
    schema = load_schema(schema_path)
    segments = [Segment.from_dict(r) for r in io.read_jsonl(ws.path("segments"))]
    changes = [Change.from_dict(r) for r in io.read_jsonl(ws.path("changes"))]
    check_inputs(ws, segments, None, {"changes": changes})
    translations, why_not = read_translations(ws.path("translations"))
    rows = extract(schema, segments, changes, translations, why_not or SKIPPED_NO_TRANSLATION)
    frame = to_frame(rows)
    with io.atomic_write(ws.path("role-attributes")) as handle:
        frame.to_csv(handle, index=False)
    with io.atomic_write(ws.path("role-attributes-parquet"), "wb") as handle:
        frame.to_parquet(handle, index=False)
    with io.atomic_write(ws.path("comparison")) as handle:
        comparison(schema, rows).to_csv(handle)
    io.write_text(ws.path("comparison-md"), comparison_markdown(schema, rows))
    return rows
