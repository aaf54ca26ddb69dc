"""Syntax checks on the Finnish parse: the case errors machine translation makes (issue 11).

Machine translation into Finnish leaves noun phrases in the nominative where their head wants
another case ("osallistui kokous" for "kokoukseen", "kone avulla" for "koneen avulla"), puts objects
in the wrong case ("eikä hänellä ole auto" for "autoa"), and inflects only one word of a phrase
("kaikille käyttäjät"). The checkers here read the dependency tree of each segment (pipeline.parse),
decide from it which word is wrong and which case it needs (the valency lexicon, counted from
parsed professional Finnish), and suggest the phrase inflected into that case, every form
confirmed by Voikko (pipeline.inflect).

Every word the checkers call wrong must also be read so by Voikko (a nominative singular noun is
nominative singular in every Voikko analysis): the parser's morphology is a guess on broken text,
Voikko's is not.
"""

from __future__ import annotations

import collections
from collections.abc import Iterator
from dataclasses import dataclass

from .. import parse, valency
from ..finnish import NAME_CLASSES, analyses
from ..inflect import UD_CASES, inflect_like
from ..records import Issue, ParsedSegment, Segment, Word
from . import Checker

# UD case → the Finnish name used in messages.
CASE_NAMES = {
    "Nom": "nominatiivi",
    "Gen": "genetiivi",
    "Par": "partitiivi",
    "Ine": "inessiivi",
    "Ela": "elatiivi",
    "Ill": "illatiivi",
    "Ade": "adessiivi",
    "Abl": "ablatiivi",
    "All": "allatiivi",
    "Ess": "essiivi",
    "Tra": "translatiivi",
    "Abe": "abessiivi",
    "Ins": "instruktiivi",
    "Com": "komitatiivi",
}
NOUNS = frozenset({"NOUN", "PROPN"})
# Children that agree with their noun in case and number.
AGREEING = frozenset({"amod", "det", "nummod"})
# Necessive and impersonal verbs: in the third person singular without a nominative subject, their
# infinitive's total object is in the nominative ("täytyy ostaa auto", "kannattaa ostaa auto").
NECESSIVE_VERBS = frozenset("täytyä pitää tarvita kannattaa kuulua".split())
# Quantity words that make an object partitive whatever the clause ("käytti paljon dataa").
QUANTIFIERS = frozenset("paljon vähän lisää enemmän vähemmän runsaasti riittävästi tarpeeksi liikaa".split())
# Named-entity types that mark a name (not dates, money or numbers, which are common nouns here).
NAME_ENTITIES = frozenset({"PERSON", "ORG", "GPE", "LOC", "NORP", "FAC", "PRODUCT", "EVENT", "WORK_OF_ART"})
# A governed case must have been seen at least this often with the head, and hold this share of
# the head's cases, before a nominative is called wrong on the lexicon's word alone.
MIN_COUNT = 5
MIN_SHARE = 0.6


@dataclass(frozen=True)
class Finding:
    """A noun phrase in the wrong case: its words (in order), the case and number it needs, why."""

    words: list[Word]
    case: str
    number: str
    rule: str
    category: str
    message: str
    confident: bool


def _voikko_cases(word: str) -> set[tuple[str, str]]:
    """(UD case, UD number) of every Voikko reading of a common noun or adjective."""
    out: set[tuple[str, str]] = set()
    reverse = {v: k for k, v in UD_CASES.items()}
    for a in analyses(word) or analyses(word.lower()):
        case = reverse.get(a.get("SIJAMUOTO", ""))
        number = {"singular": "Sing", "plural": "Plur"}.get(a.get("NUMBER", ""))
        if case and number and not a.get("POSSESSIVE"):
            out.add((case, number))
        elif a.get("CLASS") not in ("nimisana", "laatusana", "nimisana_laatusana", *NAME_CLASSES):
            out.add(("?", "?"))  # a verb, an adverb …: not only a noun
    return out


def _nominative(word: Word) -> bool:
    """The parser and Voikko both read the word as a nominative singular."""
    return (
        word.case == "Nom" and word.number in ("Sing", None) and ("Nom", "Sing") in _voikko_cases(word.text)
    )


def _is_name(word: Word) -> bool:
    """A named entity or a capitalised word Voikko knows only as a name: not ours to inflect."""
    if word.ent in NAME_ENTITIES and word.text[:1].isupper():
        return True
    if word.text[:1].isupper() and (word.ent in NAME_ENTITIES or word.upos == "PROPN"):
        return True
    found = analyses(word.text)
    return bool(found) and all(a.get("CLASS") in NAME_CLASSES for a in found)


def _fixed_form(parsed: ParsedSegment, word: Word) -> bool:
    """A noun whose nominative is right whatever its position: the first part of a hyphenated
    coordination ("kysyntä- ja tarjontasuhteisiin", "Vuosisadan auto -palkinto") or a title before
    a name ("kuvanveistäjä Pygmalionista")."""
    nxt = parsed.words[word.i + 1] if word.i + 1 < len(parsed.words) else None
    if word.text.endswith("-") or (nxt is not None and nxt.text.startswith(("-", "–"))):
        return True
    return nxt is not None and nxt.upos == "PROPN" and nxt.text[:1].isupper()


def _agreeing(parsed: ParsedSegment, noun: Word) -> list[Word]:
    """The noun's modifiers that agree with it in case and number (parser and Voikko both say so)."""
    return [
        m
        for m in parsed.children(noun)
        if m.deprel in AGREEING
        and m.i < noun.i
        and m.case == noun.case
        and (m.number or noun.number) == noun.number
        and m.upos in ("ADJ", "NUM", "PRON", "DET", "VERB")
    ]


def _phrase(parsed: ParsedSegment, noun: Word) -> list[Word]:
    """The noun with its agreeing modifiers, and the modifiers' own agreeing modifiers."""
    words = [noun]
    for m in _agreeing(parsed, noun):
        words.extend(w for w in _phrase(parsed, m) if w not in words)
    return sorted(words, key=lambda w: w.i)


def _verb_chain_top(parsed: ParsedSegment, verb: Word) -> Word:
    """The finite verb an infinitive or participle chain hangs from ("haluaa ostaa" → "haluaa")."""
    seen = {verb.i}
    while verb.feats.get("VerbForm") in ("Inf", "Part") and verb.deprel == "xcomp":
        head = parsed.head(verb)
        if head is None or head.i in seen or head.upos not in ("VERB", "AUX"):
            break
        seen.add(head.i)
        verb = head
    return verb


def _negated(parsed: ParsedSegment, verb: Word) -> bool:
    """The verb has the negation verb "ei" among its dependents."""
    return any(
        c.feats.get("Polarity") == "Neg" or c.lemma == "ei"
        for c in parsed.children(verb)
        if c.upos in ("AUX", "VERB")
    )


def _nominative_object_allowed(parsed: ParsedSegment, verb: Word) -> bool:
    """Clauses whose total object is in the nominative: passive, imperative, necessive, impersonal."""
    top = _verb_chain_top(parsed, verb)
    for v in {verb.i: verb, top.i: top}.values():
        if v.feats.get("Voice") == "Pass" or v.feats.get("Mood") == "Imp":
            return True
        if v.feats.get("PartForm") == "Pres" and v.feats.get("Voice") == "Pass":
            return True  # "on tehtävä työ"
    subjects = [c for c in parsed.children(top) if c.relation == "nsubj"]
    if any(c.case == "Gen" for c in subjects):
        return True  # "minun täytyy ostaa auto"
    if (
        top.lemma in NECESSIVE_VERBS
        and top.feats.get("Person") in ("3", None)
        and top.feats.get("Number") in ("Sing", None)
        and not any(c.case == "Nom" for c in subjects)
    ):
        return True
    if top.lemma == "olla":
        return True  # "on helppo ostaa auto"
    # Only a finite verb with a personal ending (or the zero person) has a nominative subject.
    return not (top.feats.get("VerbForm") == "Fin" and top.feats.get("Person") in ("0", "1", "2", "3"))


def _best(counts: collections.Counter[str], allowed: set[str]) -> tuple[str, int, float] | None:
    """The most frequent allowed case, its count and its share of the allowed cases."""
    wanted = {c: n for c, n in counts.items() if c in allowed}
    total = sum(wanted.values())
    if not total:
        return None
    case = max(sorted(wanted), key=lambda c: wanted[c])
    return case, wanted[case], wanted[case] / total


OBLIQUE = {"Ine", "Ela", "Ill", "Ade", "Abl", "All", "Ess", "Tra"}


def _object_case(parsed: ParsedSegment, verb: Word) -> tuple[str, bool]:
    """The case a singular object of `verb` needs (partitive or genitive), and whether that is sure."""
    if _negated(parsed, _verb_chain_top(parsed, verb)) or _negated(parsed, verb):
        return "Par", True
    counts = valency.cases("gov", verb.lemma, "VERB", "obj")
    par, gen = counts.get("Par", 0), counts.get("Gen", 0)
    if par + gen >= MIN_COUNT:
        return ("Par", par >= 3 * gen) if par >= gen else ("Gen", gen >= 3 * par)
    return "Par", False


class SyntaxChecker(Checker):
    """Base class of the checkers that read the parse: `check_parsed(seg, parsed)` yields issues."""

    needs_parse = True

    def check(self, seg: Segment) -> Iterator[Issue]:
        """Issues in one segment, parsed on its own."""
        yield from self.check_parsed(seg, parse.parse_segment(seg))

    def check_parsed(self, seg: Segment, parsed: ParsedSegment) -> Iterator[Issue]:
        """Issues in one segment, from its parse."""
        for finding in self.findings(parsed):
            issue = self.issue_for(seg, finding)
            if issue is not None:
                yield issue

    def findings(self, parsed: ParsedSegment) -> Iterator[Finding]:
        """The phrases in the wrong case."""
        raise NotImplementedError

    def issue_for(self, seg: Segment, f: Finding) -> Issue | None:
        """The issue for a finding: the phrase inflected into the needed case as the suggestion."""
        start, end = f.words[0].start - seg.start, f.words[-1].end - seg.start
        text = seg.text[start:end]
        out, pos = [], start
        for w in f.words:
            forms = inflect_like(w.text, w.lemma, f.case, f.number, w.upos)
            if not forms:
                out = []
                break
            out.append(seg.text[pos : w.start - seg.start] + forms[0])
            pos = w.end - seg.start
        suggestion = "".join(out) if out else None
        severity = "error" if f.confident and suggestion else "warning"
        return self.issue(
            seg,
            start,
            end,
            category=f.category,
            rule=f.rule,
            severity=severity,
            message=f.message.format(text=text, case=CASE_NAMES.get(f.case, f.case)),
            suggestions=[suggestion] if suggestion and suggestion != text else [],
        )


class ObjectCase(SyntaxChecker):
    """A singular object in the nominative where the clause has a nominative subject.

    In an active clause with a personal verb the total object is genitive and the partial object
    partitive ("hän osti auton", "hän ei ostanut autoa"); only passive, imperative and necessive
    clauses take a nominative object ("auto ostettiin", "osta auto", "minun täytyy ostaa auto").
    Negation always takes the partitive.
    """

    name = "syntax-object"

    def findings(self, parsed: ParsedSegment) -> Iterator[Finding]:
        """Nominative singular objects of personal active verbs."""
        for w in parsed.words:
            if w.deprel != "obj" or w.upos not in NOUNS or _is_name(w) or not _nominative(w):
                continue
            if _fixed_form(parsed, w):
                continue
            verb = parsed.head(w)
            if (
                verb is None
                or verb.upos not in ("VERB", "AUX")
                or any(c.upos == "NUM" for c in parsed.children(w))
            ):
                continue
            quantified = any(c.lemma in QUANTIFIERS for c in [*parsed.children(w), *parsed.children(verb)])
            negated = _negated(parsed, verb) or _negated(parsed, _verb_chain_top(parsed, verb))
            if not (quantified or negated) and _nominative_object_allowed(parsed, verb):
                continue
            oblique = _best(valency.governed(verb.lemma, "VERB", ("obl",)), OBLIQUE)
            objects = sum(valency.cases("gov", verb.lemma, "VERB", "obj").values())
            if quantified or negated:
                case, sure = "Par", True
            elif oblique and oblique[1] >= MIN_COUNT and oblique[1] > 2 * objects and oblique[2] >= MIN_SHARE:
                case, sure = oblique[0], False  # "osallistui kokous": the verb takes no object
            else:
                case, sure = _object_case(parsed, verb)
            yield Finding(
                _phrase(parsed, w),
                case,
                "Sing",
                rule="object-case",
                category="case",
                message="Objekti “{text}” on nominatiivissa, vaikka lauseessa on subjekti: tarvitaan {case}.",
                confident=sure,
            )


# Postpositions that take the genitive, where the lexicon has too few examples of its own.
GENITIVE_POSTPOSITIONS = frozenset(
    "avulla kanssa takia vuoksi jälkeen aikana ansiosta perusteella puolesta sijaan johdosta "
    "välityksellä myötä ohella luona luokse luota kautta mukaan alla alle alta päällä päälle "
    "sisällä sisälle edessä eteen takana taakse vieressä viereen keskellä lähellä ympärillä "
    "aikaan jäljessä välillä välissä osalta toimesta tähden vuoksi varten kesken".split()
)
# Prepositions that take the partitive ("ilman rahaa", "ennen sotaa").
PARTITIVE_PREPOSITIONS = frozenset("ilman ennen kohti vastoin pitkin".split())


def _adposition_case(adp: Word, after: bool) -> tuple[str, bool] | None:
    """The case an adposition wants of its noun, and whether the lexicon is sure of it."""
    side = "post" if after else "pre"
    for lemma in dict.fromkeys((adp.lemma.lower(), adp.text.lower())):
        best = _best(valency.cases("adp", lemma, side, "case"), set(CASE_NAMES))
        if best and best[1] >= 3 and best[2] >= MIN_SHARE:
            return best[0], best[1] >= MIN_COUNT and best[2] >= 0.8
        word = adp.text.lower()
        if after and word in GENITIVE_POSTPOSITIONS:
            return "Gen", True
        if not after and word in PARTITIVE_PREPOSITIONS:
            return "Par", True
    return None


class Government(SyntaxChecker):
    """A noun left in the nominative where its head governs another case.

    An adposition's complement ("kone avulla" for "koneen avulla", "finaalitappio huolimatta" for
    "finaalitappiosta"), and an adverbial of a verb ("osallistui kokous" for "kokoukseen"). The case
    comes from the valency lexicon: what the adposition, the verb or the noun itself takes in parsed
    professional Finnish.
    """

    name = "syntax-government"

    def findings(self, parsed: ParsedSegment) -> Iterator[Finding]:
        """Nominative nouns under an adposition or in an adverbial position."""
        for w in parsed.words:
            if w.upos not in NOUNS or _is_name(w) or not _nominative(w) or _fixed_form(parsed, w):
                continue
            adps = [c for c in parsed.children(w) if c.deprel == "case" and c.upos == "ADP"]
            if adps:
                wanted = _adposition_case(adps[0], adps[0].i > w.i)
                if wanted and wanted[0] != "Nom":
                    yield Finding(
                        _phrase(parsed, w),
                        wanted[0],
                        "Sing",
                        rule="adposition-case",
                        category="case",
                        message=f"“{adps[0].text}” vaatii {{case}}n: “{{text}}” on nominatiivissa.",
                        confident=wanted[1],
                    )
                continue
            if w.relation != "obl" or any(c.deprel in ("det", "nummod") for c in parsed.children(w)):
                continue  # "joka päivä", "kaksi kertaa": nominative adverbials of time and measure
            head = parsed.head(w)
            if head is None or head.upos not in ("VERB", "AUX", "ADJ"):
                continue
            wanted_case = self._oblique_case(w, head)
            if wanted_case:
                yield Finding(
                    _phrase(parsed, w),
                    wanted_case[0],
                    "Sing",
                    rule="case-government",
                    category="case",
                    message="“{text}” on nominatiivissa adverbiaalin paikalla: tarvitaan {case}.",
                    confident=wanted_case[1],
                )

    @staticmethod
    def _oblique_case(noun: Word, head: Word) -> tuple[str, bool] | None:
        """The case of an adverbial: what the noun itself takes there (time words), else what its head takes."""
        own = _best(valency.cases("noun", noun.lemma, noun.upos, "obl"), OBLIQUE | {"Gen", "Par"})
        if own and own[1] >= MIN_COUNT and own[2] >= MIN_SHARE:
            return own[0], False
        governed = _best(valency.governed(head.lemma, head.upos, ("obl",)), OBLIQUE)
        if governed and governed[1] >= MIN_COUNT and governed[2] >= MIN_SHARE:
            return governed[0], False
        return None


def _olla_predicate(parsed: ParsedSegment, head: Word) -> Word | None:
    """The form of "olla" that makes `head` a predicate: `head` itself or its copula."""
    if head.lemma == "olla":
        return head
    return next((c for c in parsed.children(head) if c.relation == "cop" and c.lemma == "olla"), None)


class Subject(SyntaxChecker):
    """Nouns the parser takes for a subject where the clause already has one, or cannot have this one.

    - Under negation an existential or possessive clause takes a partitive subject: "eikä hänellä
      ole auto" for "autoa", "ei ole mahdollisuus" for "mahdollisuutta".
    - A second nominative "subject" of one verb, or a singular noun as the subject of a verb in the
      first or second person or in the plural, is an adverbial or an object left in the nominative:
      "vastuu siirtyy valtioilta yhteisö" for "yhteisölle".
    """

    name = "syntax-subject"

    def findings(self, parsed: ParsedSegment) -> Iterator[Finding]:
        """Negated existential subjects and nouns that cannot be the subject of their verb."""
        for w in parsed.words:
            if w.relation != "nsubj" or w.upos not in NOUNS or _is_name(w) or not _nominative(w):
                continue
            if _fixed_form(parsed, w):
                continue
            head = parsed.head(w)
            if head is None:
                continue
            olla = _olla_predicate(parsed, head)
            if olla is not None and (_negated(parsed, head) or _negated(parsed, olla)):
                # "auto ei ole punainen" is a negated predication, not an existential clause: the
                # existential subject follows the verb, or the clause has a place or a possessor.
                placed = any(
                    c.case in ("Ade", "Ine") and c.relation in ("obl", "nsubj", "nmod")
                    for c in parsed.children(head)
                )
                if (w.i > olla.i or placed) and head.upos in ("VERB", "AUX", "NOUN", "PRON", "ADV"):
                    yield Finding(
                        _phrase(parsed, w),
                        "Par",
                        "Sing",
                        rule="negation-partitive",
                        category="case",
                        message="Kieltolauseen olla-verbin subjekti on partitiivissa: “{text}” → {case}.",
                        confident=True,
                    )
                continue
            if head.upos not in ("VERB", "AUX") or head.feats.get("VerbForm") != "Fin":
                continue
            subjects = [c for c in parsed.children(head) if c.relation == "nsubj" and c.i != w.i]
            person = head.feats.get("Person")
            mismatch = person in ("1", "2") or (
                head.feats.get("Number") == "Plur"
                and not any(c.relation == "conj" for c in parsed.children(w))
            )
            if not (mismatch or (subjects and self._less_likely_subject(w, subjects))):
                continue
            case = Government._oblique_case(w, head)
            yield Finding(
                _phrase(parsed, w),
                case[0] if case else "Par",
                "Sing",
                rule="extra-subject",
                category="case",
                message="“{text}” ei voi olla verbin subjekti: sijamuoto puuttuu (ehkä {case}).",
                confident=False,
            )

    @staticmethod
    def _less_likely_subject(w: Word, others: list[Word]) -> bool:
        """Of two nominative "subjects", the pronoun wins, else the one before the verb."""
        for o in others:
            if o.upos == "PRON" and o.case == "Nom" and o.lemma in ("minä", "sinä", "hän", "me", "te", "he"):
                return True
            if o.upos in NOUNS and o.case == "Nom" and o.i < w.i:
                return True
        return False


# A genitive pronoun before a nominative noun is mostly its possessor: "sen hinta", "tämän tulos".
POSSESSOR_CASES = frozenset({"Gen"})


class Agreement(SyntaxChecker):
    """A noun and its modifiers in different cases, by the tree: "kaikille käyttäjät", "uusia tuotteet".

    The head's position decides which word is wrong: a nominative subject keeps its case and the
    modifier follows it; otherwise the noun left in the nominative takes its modifiers' case (the
    modifiers carry the case the translation meant).
    """

    name = "syntax-agreement"

    def findings(self, parsed: ParsedSegment) -> Iterator[Finding]:
        """Nominative nouns whose modifiers are in another case."""
        for w in parsed.words:
            if w.upos not in NOUNS or _is_name(w) or w.case != "Nom" or _fixed_form(parsed, w):
                continue
            number = w.number or "Sing"
            if ("Nom", number) not in _voikko_cases(w.text):
                continue
            for m in parsed.children(w):
                if m.deprel not in AGREEING or m.i > w.i or not m.case or m.case == "Nom":
                    continue
                if m.upos == "NUM" and m.case == "Par":
                    continue
                if m.upos in ("PRON", "DET") and m.case in POSSESSOR_CASES:
                    continue
                readings = _voikko_cases(m.text)
                if (
                    not readings
                    or any(c in ("Nom", "?") for c, _ in readings)
                    or m.case not in {c for c, _ in readings}
                ):
                    continue
                if w.relation == "nsubj" and m.case in ("Gen", "Par"):
                    continue  # "uusia tuotteet ovat": the subject's nominative is right, the modifier wrong
                m_number = m.number or number
                yield Finding(
                    [w],
                    m.case,
                    m_number,
                    rule="modifier-agreement",
                    category="agreement",
                    message=f"“{{text}}” ei taivu määritteensä “{m.text}” kanssa: tarvitaan {{case}}.",
                    confident=True,
                )
                break
