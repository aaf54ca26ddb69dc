"""Detectors of what machine translation breaks in Finnish, beyond Voikko's own checks.

Each detector is a named rule with its own tests (tests/test_check.py).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator

from ..english import ENGLISH_FUNCTION_WORDS, is_common_word, is_name
from ..finnish import CASE_NAMES, NAME_CLASSES, Token, analyses, cased_like, spell, tokenize
from ..records import Issue, Segment
from . import Checker

# A space before a comma, full stop, colon, semicolon, question or exclamation mark
# ("suosituksia ."), but not before an ellipsis or an emoticon (" :)").
_SPACE_BEFORE = re.compile(r"(\S+)([ \t\u00a0]+)([,.;:!?])(?![.)(DP])(?=\s|$|[\"”»])")
# A slash spaced on one side only: "tilauksesta /hankekohtaisesti", "ja/ tai".
_LOPSIDED_SLASH = re.compile(r"(\w+)(?: /|/ )(\w+)")


class Spacing(Checker):
    """Spacing and punctuation slips: a space before punctuation, a slash spaced on one side."""

    name = "mt-spacing"
    source = "pipeline"

    def check(self, seg: Segment) -> Iterator[Issue]:
        """Spacing issues in the segment."""
        for m in _SPACE_BEFORE.finditer(seg.text):
            yield self.issue(
                seg,
                m.start(),
                m.end(),
                category="spacing",
                rule="space-before-punctuation",
                severity="error",
                message=f"Ylimääräinen välilyönti ennen merkkiä “{m.group(3)}”.",
                suggestions=[m.group(1) + m.group(3)],
            )
        for m in _LOPSIDED_SLASH.finditer(seg.text):
            yield self.issue(
                seg,
                m.start(),
                m.end(),
                category="spacing",
                rule="lopsided-slash",
                severity="warning",
                message="Vinoviivan välilyönnit ovat epäsymmetriset.",
                suggestions=[f"{m.group(1)}/{m.group(2)}", f"{m.group(1)} / {m.group(2)}"],
            )


# --- untranslated English ------------------------------------------------------------------------------

_ASCII_WORD = re.compile(r"^[A-Za-z]{2,}$|^[AI]$")
_NP_CLASSES = {"nimisana", "laatusana", "nimisana_laatusana"}
_QUOTES_BEFORE = "”“\"'«»‘’("


def _finnish_common_word(word: str) -> bool:
    """Voikko knows `word` as a Finnish word other than a proper name."""
    return spell(word) and any(a.get("CLASS") not in NAME_CLASSES for a in analyses(word))


def _english_mark(tok: Token, first: bool) -> str | None:
    """How `tok` looks English.

    "word": a lowercase English word Voikko does not know; "capitalised": a capitalised English
    word Voikko does not know as a Finnish common word; "loan": a capitalised English word that
    Voikko knows only as an uninflected loan ("Design", "Business"), mid-sentence; else None.
    """
    word = tok.text
    if not _ASCII_WORD.match(word) or not is_common_word(word):
        return None
    if word.islower():
        return None if _finnish_common_word(word) else "word"
    if not (word[1:].islower() or (word.isupper() and len(word) > 3)):
        return None
    if not _finnish_common_word(word):
        return "capitalised"
    return "loan" if not first and _finnish_common_word(word.lower()) else None


def _name_like(word: str) -> bool:
    """A capitalised word that Voikko does not know at all, or an English given name: part of a name."""
    return word[:1].isupper() and (not spell(word) or (word.isascii() and is_name(word)))


class Untranslated(Checker):
    """English words and phrases left untranslated, told apart from proper names and titles.

    A word is English when the English lexicon lists it as a common word and Voikko does not know
    it as a Finnish common word. Adjacent English words make one phrase ("Virtual Assistant").
    A capitalised phrase is taken as a name or a title, and not reported, when it has an English
    function word, stands in quotes, is followed by a hyphenated Finnish classifier
    ("Golden Gate Park -puisto"), or sits beside a foreign name ("Hoxton Mix", "Mountain View Summitin").
    """

    name = "mt-untranslated"
    source = "pipeline"

    def check(self, seg: Segment) -> Iterator[Issue]:
        """Untranslated English words and phrases in the segment."""
        words = [t for t in tokenize(seg.text) if t.is_word]
        marks = [_english_mark(w, i == 0) for i, w in enumerate(words)]
        for i, j in _runs(seg.text, words, marks):
            run = marks[i : j + 1]
            if run == ["loan"] or (words[i].text[0].isupper() and self._name_or_title(seg.text, words, i, j)):
                continue
            phrase = seg.text[words[i].start : words[j].end]
            nxt = words[j + 1] if j + 1 < len(words) and _adjacent(seg.text, words[j], words[j + 1]) else None
            yield self.issue(
                seg,
                words[i].start,
                words[j].end,
                category="untranslated",
                rule="untranslated-english",
                severity=self._severity(seg, words, run, i, j),
                message=f"Kääntämätöntä englantia: “{phrase}”.",
                suggestions=_translations(words[i].text, nxt.text if nxt else None) if i == j else [],
            )

    @staticmethod
    def _severity(seg: Segment, words: list[Token], run: list[str | None], i: int, j: int) -> str:
        """An English word or phrase is an error, one capitalised English word a warning; but English
        that Finnish writing uses on purpose is info: a gloss in parentheses ("(caustics, global
        illumination)", "(lat. …)"), a foreign term before a hyphenated Finnish word ("post doc
        -tutkimusta", the spelling Finnish gives such compounds), a capitalised phrase of two words or
        more (outside a heading) that modifies no Finnish noun phrase (a name or a title: "hitissä nimeltä
        Monster Mash"; "Design Business aikatauluista" stays an error; one capitalised word is as
        often an untranslated noun as a name), and a capitalised word that reads as part of a name:
        an English given name ("Martin"), after a capitalised word ("Turku Science Park")
        or before a foreign one ("Flash Gordon", "Southern Cameroons")."""
        text = seg.text
        if _gloss(text, words, i, j) or re.match(r" ?-\w", text[words[j].end :]):
            return "info"
        heading = seg.kind in ("title", "heading")
        capitalised = all(w.text[:1].isupper() for w in words[i : j + 1])
        after = words[j + 1] if j + 1 < len(words) and _adjacent(text, words[j], words[j + 1]) else None
        if capitalised and i < j and not heading and not (after and _finnish_np_word(after.text)):
            return "info"
        if "word" in run or j > i:
            return "error"
        if i == 0 or heading:
            return "warning"
        word = words[i].text
        prev, nxt = words[i - 1].text, words[j + 1].text if j + 1 < len(words) else ""
        foreign_next = nxt[:1].isupper() and (not spell(nxt) or (nxt.isascii() and is_name(nxt)))
        if is_name(word) or prev[:1].isupper() or foreign_next:
            return "info"
        return "warning"

    @staticmethod
    def _name_or_title(text: str, words: list[Token], i: int, j: int) -> bool:
        """Whether the capitalised run words[i..j] reads as a name or a title rather than a term."""
        if any(w.text.lower() in ENGLISH_FUNCTION_WORDS for w in words[i : j + 1]):
            return True
        before = text[: words[i].start].rstrip(" ")
        after = text[words[j].end :]
        if (before and before[-1] in _QUOTES_BEFORE) or after.lstrip(" ").startswith("-"):
            return True
        prev = words[i - 1] if i > 0 and _adjacent(text, words[i - 1], words[i]) else None
        nxt = words[j + 1] if j + 1 < len(words) and _adjacent(text, words[j], words[j + 1]) else None
        # A name goes on after a given name ("Louis Post Dispatch", "Hoxton Mix"), or ends in a
        # foreign word with a Finnish ending ("Mountain View Summitin"); a byline after a term
        # ("Virtual Assistant Steve Jen") does not make the term a name.
        if prev and _name_like(prev.text):
            return True
        if nxt and nxt.text[0].isupper() and not spell(nxt.text) and not is_name(nxt.text):
            return True
        if i == 0 and i == j:
            # A single capitalised word opening a sentence is English only as a modifier of a
            # Finnish noun phrase ("Virtual Avustajat"); otherwise it is likely a name ("Cotton syntyi").
            return not (nxt and any(a.get("CLASS") in _NP_CLASSES for a in analyses(nxt.text)))
        return False


def _finnish_np_word(word: str) -> bool:
    """A lowercase Finnish noun or adjective: what an English modifier left before it belongs to."""
    return word.islower() and any(a.get("CLASS") in _NP_CLASSES for a in analyses(word))


def _gloss(text: str, words: list[Token], i: int, j: int) -> bool:
    """Words i..j stand in parentheses that hold only them and other English words ("(caustics,
    global illumination)"), or are an abbreviation opening a parenthesis ("(lat. Iohannes …)")."""
    before, after = text[: words[i].start], text[words[j].end :]
    opening, closing = before.rfind("("), after.find(")")
    if opening < 0 or ")" in before[opening:]:
        return False
    if i == j and not before[opening + 1 :].strip() and after.startswith("."):
        return True
    if closing < 0 or "(" in after[:closing]:
        return False
    inside = [w for w in words if opening < w.start and w.end <= words[j].end + closing]
    return all(_english_mark(w, False) for w in inside)


def _translations(word: str, following: str | None) -> list[str]:
    """Finnish for an English word left untranslated, from the English–Finnish dictionary: an
    adjective before a Finnish noun inflected to agree with it ("Virtual Avustajat" → "Virtuaaliset"),
    cognates first ("virtual" → "virtuaalinen" before "näennäinen"); only forms Voikko knows."""
    from ..dictionary import finnish_for  # noqa: PLC0415  (the dictionary loads only when needed)

    candidates = [t for t in finnish_for(word) if _finnish_common_word(t)]
    candidates.sort(key=lambda t: not t.lower().startswith(word.lower()[:4]))
    noun = [a for a in analyses(following) if a.get("CLASS") == "nimisana"] if following else []
    forms = {cn for a in noun if (cn := _case_number(a))}
    out: list[str] = []
    for t in candidates:
        adjective = next((a for a in analyses(t) if a.get("CLASS") in _MODIFIER_CLASSES), None)
        if adjective is not None and len(forms) == 1:
            out.extend(cased_like(f, word) for f in inflect(adjective, forms))
        elif adjective is None and not noun:
            out.append(cased_like(t, word))
    return list(dict.fromkeys(out))[:3]


def _runs(text: str, words: list[Token], marks: list[str | None]) -> Iterator[tuple[int, int]]:
    """(first, last) indices of runs of marked words separated only by spaces."""
    i = 0
    while i < len(words):
        if marks[i] is None:
            i += 1
            continue
        j = i
        while j + 1 < len(words) and marks[j + 1] and _adjacent(text, words[j], words[j + 1]):
            j += 1
        yield i, j
        i = j + 1


def _adjacent(text: str, a: Token, b: Token) -> bool:
    """Two words separated only by spaces."""
    first, second = (a, b) if a.start < b.start else (b, a)
    return not text[first.end : second.start].strip()


# --- agreement ----------------------------------------------------------------------------------------

_MODIFIER_CLASSES = {"laatusana", "nimisana_laatusana"}
# Heads: nouns, noun-adjectives ("vihollistensa"), and -minen nouns (Voikko's MINEN-infinitive).
HEAD_CLASSES = {"nimisana", "nimisana_laatusana"}
# Indeclinable adjectives: "eri maissa", "viime vuonna", "koko maan".
# Degree words Voikko reads as adjectives ("melko paljon") and predicative interrogatives
# ("Millainen ihmisestä tulee?") do not agree either.
INDECLINABLE = frozenset(
    "eri viime ensi koko pikku tosi kelpo aika ylen joka melko varsin kovin liian".split()
)
_COPULAS = {"olla", "oltu", "ollut", "tulla", "pysyä", "jäädä", "näyttää", "tuntua", "vaikuttaa", "muuttua"}
# A head with one of these readings may be a function word: "kuin" (also "kuu", instructive plural).
_FUNCTION_CLASSES = {"sidesana", "seikkasana", "suhdesana", "kieltosana", "huudahdussana"}
# Heads in these cases are often complements, not modified nouns, after participles and a few
# adjectives: "valittu puheenjohtajaksi", "valmis teuraaksi".
_COMPLEMENT_CASES = {"olento", "tulento"}
_DIRECTIONAL_CASES = {"sisaeronto", "ulkoeronto", "sisatulento", "ulkotulento"}
_RARE_HEAD_CASES = {"seuranto"}
# How far back the auxiliary of a perfect tense may stand: "on ennen muuta liittynyt".
PERFECT_LOOKBACK = 3
_GENITIVES = {("omanto", "singular"), ("omanto", "plural")}
# Participles that make compound verb forms after an auxiliary: "on tehty", "on tehnyt", "on tehtävä".
_VERBAL_PARTICIPLES = {"past_passive", "past_active", "present_passive"}
# Present participles before a noun are attributes ("taitava kitaristiksi", "ympäröivä ilmasta");
# past participles often take complements ("valittu puheenjohtajaksi").
_PAST_PARTICIPLES = {"past_passive", "past_active"}
GOVERNING_ADJECTIVES = frozenset("valmis kykenevä halukas altis omiaan sopiva kelvollinen".split())
NOM_SG = ("nimento", "singular")


def _case_number(a: dict[str, str]) -> tuple[str, str] | None:
    case, number = a.get("SIJAMUOTO"), a.get("NUMBER")
    return (case, number) if case and number else None


def _is_ordinal(a: dict[str, str]) -> bool:
    """An ordinal numeral ("toinen", "kuudes", "kolmas"); cardinals take a partitive, ordinals agree."""
    lemma = a.get("BASEFORM", "")
    return a.get("CLASS") == "lukusana" and lemma.endswith(("nen", "s")) and lemma != "yksi"


def _modifier(word: str) -> dict[str, str] | None:
    """The analysis of an adjective, participle or ordinal that can only be nominative singular.

    Verb readings ("uusi" of "uusia") are ignored; participles with a possessive suffix
    ("tuntemani"), agent participles and indeclinable adjectives never count.
    """
    found = [a for a in analyses(word) if _case_number(a)]
    if not found or any(_case_number(a) != NOM_SG or a.get("POSSESSIVE") for a in found):
        return None
    for a in found:
        if a.get("BASEFORM") in INDECLINABLE or a.get("PARTICIPLE") == "agent":
            return None
        if a.get("CLASS") in _MODIFIER_CLASSES or a.get("PARTICIPLE") or _is_ordinal(a):
            return a
    return None


# Plural local-case endings that no nominative singular has: an unknown lowercase word with one of
# them is read as a noun in that case ("uusi tweeteillä").
_GUESSED_ENDINGS = {
    ("sisaolento", "plural"): ("issa", "issä"),
    ("sisaeronto", "plural"): ("ista", "istä"),
    ("sisatulento", "plural"): ("ihin",),
    ("ulkoolento", "plural"): ("illa", "illä"),
    ("ulkoeronto", "plural"): ("ilta", "iltä"),
    ("ulkotulento", "plural"): ("ille",),
}


def _guessed_forms(word: str) -> set[tuple[str, str]]:
    """Case readings of an unknown lowercase word from an unambiguous plural ending."""
    if not word.islower() or len(word) < 6 or analyses(word):
        return set()
    return {form for form, endings in _GUESSED_ENDINGS.items() if word.endswith(endings)}


def _forms(word: str, classes: set[str]) -> set[tuple[str, str]]:
    """(case, number) readings of a word of the given classes that is never nominative singular."""
    if "nimisana" in classes and (guessed := _guessed_forms(word)):
        return guessed
    found = _head_analyses(word)
    if any(a.get("CLASS") in _FUNCTION_CLASSES for a in found):
        return set()  # a function word: "kuin"
    if any(a.get("MOOD") == "MA-infinitive" for a in found) and not any(
        a.get("CLASS") == "nimisana" and not a.get("PARTICIPLE") for a in found
    ):
        return set()  # a verb construction: "valmis tekemään" (but "tapahtumaan" is also a noun)
    if word[:1].islower():  # a lowercase word is no name, whatever homonymous names Voikko knows ("Kukka")
        found = tuple(a for a in found if a.get("CLASS") not in NAME_CLASSES)
    if not found or any(a.get("CLASS") in NAME_CLASSES or a.get("CLASS") == "asemosana" for a in found):
        return set()
    forms = {
        cn
        for a in found
        if (a.get("CLASS") in classes or (a.get("MOOD") == "MINEN-infinitive" and "nimisana" in classes))
        and (cn := _case_number(a))
        # a singular noun-adjective in a local case is mostly a frozen adverb: "myöhään", "paljon"
        and not (
            a.get("CLASS") == "nimisana_laatusana"
            and "nimisana" in classes
            and cn[1] == "singular"
            and not a.get("POSSESSIVE")
        )
    }
    if not forms or any(_case_number(a) == NOM_SG for a in found):
        return set()
    return forms


def _head_analyses(word: str) -> tuple[dict[str, str], ...]:
    """Voikko's analyses of a head noun."""
    found = analyses(word)
    if word[:1].islower():
        found = tuple(a for a in found if a.get("CLASS") not in NAME_CLASSES)
    return found


def _ambiguous_possessive(word: str) -> bool:
    """A noun with a possessive suffix that Voikko reads as nominative singular ("tyttärensä", "voimansa"):
    the same form is also the genitive singular and the nominative plural."""
    found = _head_analyses(word)
    return bool(found) and all(
        a.get("CLASS") == "nimisana" and a.get("POSSESSIVE") and _case_number(a) == NOM_SG for a in found
    )


# Postpositions that take the genitive ("oman mietintöni avulla", "oman perheensä kanssa").
GENITIVE_POSTPOSITIONS = frozenset(
    "avulla kanssa takia vuoksi jälkeen aikana ansiosta perusteella puolesta sijaan johdosta "
    "välityksellä myötä ohella luona luokse luota kautta".split()
)
_PERSONAL_PLURALS = {"me", "te", "he"}
_NECESSIVES = {"täytyä", "pitää", "tarvita", "pakko"}


def _possessive_forms(words: list[Token], text: str, i: int) -> set[tuple[str, str]]:
    """What an ambiguous possessive head at i + 1 must be, from the words around it; empty if unknown.

    The genitive before a genitive postposition or before the noun it modifies ("kaksivuotiaan
    tyttärensä tapon"), the nominative plural before a plural verb ("suorat määräyksensä olivat") or
    after a plural determiner ("nuo hupsut haaveesi", "omat poliittiset järjestelmänsä"), the
    accusative (genitive or plural) as the object of a MA-infinitive ("hyväksymään oman kauneusnorminsa").
    """
    j = i + 1
    if j + 1 < len(words) and _adjacent(text, words[j], words[j + 1]):
        nxt = words[j + 1].text
        following = analyses(nxt)
        if nxt in GENITIVE_POSTPOSITIONS:
            return {("omanto", "singular")}
        # (not after a conjunction: "hänen isänsä ja nuori veljensä tulivat" is a coordinated subject)
        if (
            following
            and all(
                a.get("CLASS") == "teonsana" and a.get("PERSON") == "3" and a.get("NUMBER") == "plural"
                for a in following
            )
            and not any(
                a.get("CLASS") == "sidesana" for w in words[max(0, i - 3) : i] for a in analyses(w.text)
            )
        ):
            return {("nimento", "plural")}
        if (
            nxt[:1].islower()
            and following
            and all(
                a.get("CLASS") == "nimisana" and _case_number(a) in {NOM_SG, *_GENITIVES} for a in following
            )
        ):
            return {("omanto", "singular")}
    if i >= 1 and _adjacent(text, words[i - 1], words[i]):
        prev = words[i - 1].text.lower()
        before = analyses(prev)
        if (
            before
            and prev not in _PERSONAL_PLURALS
            and all(
                _case_number(a) == ("nimento", "plural")
                and (a.get("CLASS") in _MODIFIER_CLASSES | {"asemosana"} or a.get("PARTICIPLE"))
                for a in before
            )
        ):
            return {("nimento", "plural")}
        # The object of an infinitive is nominative when the clause has no subject in the nominative:
        # after an imperative, a passive or a necessive ("menkää hakemaan oma kirjanne").
        if any(a.get("MOOD") == "MA-infinitive" for a in before) and not any(
            a.get("MOOD") == "imperative" or a.get("PERSON") == "4" or a.get("BASEFORM") in _NECESSIVES
            for w in words[:i]
            for a in analyses(w.text.lower())
        ):
            return {("omanto", "singular"), ("nimento", "plural")}
    return set()


def _lowercased_genitive_name(word: str) -> bool:
    """A lowercase word Voikko knows only capitalised, as a name in the genitive ("euroopan")."""
    if not word[:1].islower() or spell(word):
        return False
    found = analyses(word)
    return bool(found) and all(
        a.get("CLASS") in NAME_CLASSES and a.get("SIJAMUOTO") == "omanto" for a in found
    )


def _head(words: list[Token], text: str, i: int) -> tuple[int, set[tuple[str, str]]] | None:
    """The noun the modifier at i goes with, directly or across one adjective, and its readings."""
    if i + 1 >= len(words) or not _adjacent(text, words[i], words[i + 1]):
        return None
    nxt = words[i + 1].text
    if _ambiguous_possessive(nxt):
        return (i + 1, possessive) if (possessive := _possessive_forms(words, text, i)) else None
    if _lowercased_genitive_name(nxt) and i + 2 < len(words) and _adjacent(text, words[i + 1], words[i + 2]):
        # "usea euroopan maissa": a proper name in the genitive, lowercased by MT, before the noun.
        after = _forms(words[i + 2].text, HEAD_CLASSES)
        return (i + 2, after) if after and not after <= _GENITIVES else None
    if forms := _forms(nxt, HEAD_CLASSES):
        # "vastaava käytännön esteitä": a genitive attribute between the modifier and its noun.
        if forms <= _GENITIVES and i + 2 < len(words) and _adjacent(text, words[i + 1], words[i + 2]):
            after = _forms(words[i + 2].text, HEAD_CLASSES)
            if after and not after <= _GENITIVES:
                return i + 2, after
        return i + 1, forms
    # "mahdollinen yksityiskohtaiset säännöt": the next adjective agrees with the noun after it.
    adjective = _forms(nxt, _MODIFIER_CLASSES)
    if adjective and i + 2 < len(words) and _adjacent(text, words[i + 1], words[i + 2]):
        shared = adjective & _forms(words[i + 2].text, HEAD_CLASSES)
        if shared:
            return i + 2, shared
    return None


class Agreement(Checker):
    """An adjective, participle or ordinal left in the nominative singular before a noun in another form.

    Machine translation often inflects only the head noun: "virtuaalinen avustajien" for
    "virtuaalisten avustajien". The suggestion is the modifier inflected like the noun, generated
    by `inflect` and confirmed by Voikko's analysis.
    """

    name = "mt-agreement"
    source = "pipeline"

    def check(self, seg: Segment) -> Iterator[Issue]:
        """Agreement errors in the segment."""
        words = [t for t in tokenize(seg.text) if t.is_word]
        for i, word in enumerate(words[:-1]):
            modifier = _modifier(word.text)
            found = _head(words, seg.text, i) if modifier else None
            if not modifier or not found:
                continue
            j, forms = found
            # A capitalised modifier mid-sentence belongs to a name; inside a name of common words
            # the parts still agree ("Lahden Teknillinen Opistossa" for "Teknillisessä Opistossa").
            if i > 0 and word.text[0].isupper() and not words[j].text[0].isupper():
                continue
            if self._not_attributive(words, i, j, forms, modifier):
                continue
            case, number = sorted(forms)[0]
            suggestions = inflect(modifier, forms)
            head = words[j]
            yield self.issue(
                seg,
                word.start,
                head.end,
                category="agreement",
                rule="adjective-noun-agreement",
                severity="error" if suggestions else "warning",
                message=(
                    f"“{word.text}” ei taivu pääsanansa “{head.text}” kanssa "
                    f"({CASE_NAMES.get(case, case)}, {'monikko' if number == 'plural' else 'yksikkö'})."
                ),
                suggestions=[cased_like(s, word.text) + seg.text[word.end : head.end] for s in suggestions],
            )

    @staticmethod
    def _not_attributive(
        words: list[Token], i: int, j: int, forms: set[tuple[str, str]], modifier: dict[str, str]
    ) -> bool:
        """Readings where the nominative modifier is right: predicative, a complement, a verb form."""
        after_copula = _after_auxiliary(words, i) or (
            i >= 3 and _is_auxiliary(words[i - 3]) and all(_adverbial(w.text) for w in words[i - 2 : i])
        )
        # "on erittäin uskollinen omistajalleen", "on vaarallinen ihmisille": a predicative adjective
        # with its complement in a directional case.
        cases = {case for case, _ in forms}
        if after_copula and cases <= _DIRECTIONAL_CASES:
            return True
        participle = modifier.get("PARTICIPLE")
        if cases <= _RARE_HEAD_CASES:
            return True
        # "valittu puheenjohtajaksi", "tunnettu laulajana", "valmis lähtöön", "ensimmäinen vuonna":
        # a complement, not a modified noun.
        if cases <= _COMPLEMENT_CASES and (
            participle in _PAST_PARTICIPLES
            or _is_ordinal(modifier)
            or modifier.get("BASEFORM") in GOVERNING_ADJECTIVES
        ):
            return True
        if participle in _VERBAL_PARTICIPLES and _after_auxiliary(words, i):
            return True  # "on osoitettu kaikille", "on otettava käyttöön": a verb form
        # "ei todellakaan kuulu romantiikkaan": a connegative verb that looks like an adjective.
        if any(a.get("CLASS") == "teonsana" for a in analyses(words[i].text.lower())) and any(
            a.get("BASEFORM") == "ei" for w in words[max(0, i - 2) : i] for a in analyses(w.text.lower())
        ):
            return True
        # "on past_active with an object": "sekä saanut yhtiön varautumaan" is a verb form.
        if participle == "past_active" and ("nimento", "plural") not in forms:
            return True
        # "(on) toteutettava tarkoituksenmukaiset toimenpiteet": a necessive with its object, unless
        # a determiner or an adjective makes the participle an attribute ("kaikki tarvittava toimenpiteet").
        if participle == "present_passive" and cases <= {"nimento"}:
            previous = analyses(words[i - 1].text.lower()) if i > 0 else ()
            attributive = ("asemosana", "laatusana", "lukusana")
            if not any(a.get("CLASS") in attributive or a.get("BASEFORM") == "kaikki" for a in previous):
                return True
        if participle in _VERBAL_PARTICIPLES and cases <= _DIRECTIONAL_CASES:
            return True  # a verbal participle governs directional complements: "johdettu vanhemmasta"
        # "on ennen muuta liittynyt porojen": a past active participle is mostly a verb in a perfect
        # tense, its auxiliary a few words back.
        if participle == "past_active" and any(
            _is_auxiliary(w) for w in words[max(0, i - PERFECT_LOOKBACK) : i]
        ):
            return True
        if j + 1 < len(words):
            following = analyses(words[j + 1].text.lower()) + analyses(words[j + 1].text)
            # "seitsemäs maailmanmestaruuden voittanut maa": after an ordinal, the noun is a complement
            # in a participle phrase whose participle agrees with the ordinal.
            if (
                _is_ordinal(modifier)
                and "nimento" not in cases
                and any(a.get("PARTICIPLE") and _case_number(a) == NOM_SG for a in following)
            ):
                return True
            # "on hyvä ihmisten kanssa": a predicative adjective, the noun a postposition's complement.
            if after_copula and any(a.get("CLASS") == "suhdesana" for a in following):
                return True
            # A genitive attribute of a following noun: "arvoisa komission jäsen", "pitkä junan varjo"
            # (but not "merkittävä osan koko Siperiasta", where "koko" is no noun here).
            nouns = {"nimisana"} | NAME_CLASSES
            if (
                forms & _GENITIVES
                and any(_case_number(a) == NOM_SG for a in following)
                and all(a.get("CLASS") in nouns for a in following)
            ):
                return True
        return False


def _is_auxiliary(word: Token) -> bool:
    """A form of "olla", "ei" or another copula."""
    return any(a.get("BASEFORM") in _COPULAS | {"ei"} for a in analyses(word.text.lower()))


def _adverbial(word: str) -> bool:
    """An adverb ("erittäin", "myös", "enää") or an instructive used as one ("usein"); no verb."""
    found = analyses(word.lower())
    return any(
        a.get("CLASS") in ("seikkasana", "kieltosana") or a.get("SIJAMUOTO") == "keinonto" for a in found
    ) and not any(a.get("CLASS") == "teonsana" for a in found)


def _after_auxiliary(words: list[Token], i: int) -> bool:
    """An auxiliary ("on", "ei", "tulee") right before word i, or before one adverb in between."""
    return (i >= 1 and _is_auxiliary(words[i - 1])) or (
        i >= 2 and _adverbial(words[i - 1].text) and _is_auxiliary(words[i - 2])
    )


# Case endings by (case, number); "V" doubles the stem's last vowel (illative "taloon").
_ENDINGS: dict[tuple[str, str], tuple[str, ...]] = {
    ("omanto", "singular"): ("n",),
    ("osanto", "singular"): ("a", "ä", "ta", "tä", "tta", "ttä"),
    ("sisaolento", "singular"): ("ssa", "ssä"),
    ("sisaeronto", "singular"): ("sta", "stä"),
    ("sisatulento", "singular"): ("Vn", "seen", "hVn"),
    ("ulkoolento", "singular"): ("lla", "llä"),
    ("ulkoeronto", "singular"): ("lta", "ltä"),
    ("ulkotulento", "singular"): ("lle",),
    ("olento", "singular"): ("na", "nä"),
    ("tulento", "singular"): ("ksi",),
    ("vajanto", "singular"): ("tta", "ttä"),
    ("nimento", "plural"): ("t",),
    ("omanto", "plural"): ("ten", "ien", "iden", "itten", "jen", "en", "in"),
    ("osanto", "plural"): ("ia", "iä", "ja", "jä", "ita", "itä"),
    ("sisaolento", "plural"): ("issa", "issä"),
    ("sisaeronto", "plural"): ("ista", "istä"),
    ("sisatulento", "plural"): ("iin", "ihin", "isiin"),
    ("ulkoolento", "plural"): ("illa", "illä"),
    ("ulkoeronto", "plural"): ("ilta", "iltä"),
    ("ulkotulento", "plural"): ("ille",),
    ("olento", "plural"): ("ina", "inä"),
    ("tulento", "plural"): ("iksi",),
    ("vajanto", "plural"): ("itta", "ittä"),
    ("seuranto", "plural"): ("ine",),
    ("keinonto", "plural"): ("in",),
}


def _stems(lemma: str) -> set[str]:
    """Candidate inflection stems of an adjective or participle (Voikko decides which are real)."""
    stems = {lemma, lemma[:-1], lemma + "e"}
    if lemma.endswith("nen"):
        stems |= {lemma[:-3] + "se", lemma[:-3] + "s"}
    if lemma.endswith(("i", "e")):
        stems |= {lemma[:-1] + "e", lemma[:-1] + "ee", lemma[:-1] + "i"}
    if lemma.endswith(("ut", "yt")):  # participles: "tehnyt" -> "tehneen", "tehneit"
        stems |= {lemma[:-2] + "ee", lemma[:-2] + "e"}
    if lemma.endswith(("tu", "ty", "ttu", "tty")):  # "tehty" -> "tehdyn", "tehtyä"
        stems |= {lemma[:-2] + "d" + lemma[-1], lemma}
    if lemma.endswith("si"):  # "uusi" -> "uude", "uut"
        stems |= {lemma[:-2] + "de", lemma[:-2] + "t"}
    if lemma.endswith(("ton", "tön")):  # "välitön" -> "välittömä"
        stems |= {lemma[:-3] + "ttoma", lemma[:-3] + "ttömä"}
    if lemma.endswith("s") and not lemma.endswith(("as", "äs", "is")):  # ordinals: "kuudes"
        stems |= {lemma[:-1] + "nne", lemma[:-1] + "t"}
    if lemma.endswith(("mas", "mäs")):  # "kolmas" -> "kolmanne", "kolmat"
        stems |= {lemma[:-1] + "nne", lemma[:-1] + "t"}
    if lemma.endswith(("as", "äs")):
        stems |= {lemma[:-1] + lemma[-2], lemma[:-1] + lemma[-2] + "h"}
    if lemma.endswith("in"):  # superlatives: "paras" aside, "suurin" -> "suurimma", "suurimpa"
        stems |= {lemma[:-1] + "mma", lemma[:-1] + "mpa", lemma[:-1] + "mmä", lemma[:-1] + "mpä"}
    if lemma.endswith(("mpi",)):  # comparatives: "suurempi" -> "suuremma", "suurempa"
        stems |= {lemma[:-3] + "mma", lemma[:-3] + "mpa", lemma[:-3] + "mmä", lemma[:-3] + "mpä"}
    return {s for s in stems if s}


@functools.lru_cache(maxsize=20_000)
def _inflect(lemma: str, case: str, number: str, cls: str) -> tuple[str, ...]:
    found: list[str] = []
    stems = sorted(_stems(lemma))
    # Endings in order of preference ("virtuaalisten" before "virtuaalisien"), stems within each.
    for ending in _ENDINGS.get((case, number), ()):
        for stem in stems:
            form = stem + ending.replace("V", stem[-1]) if "V" in ending else stem + ending
            if form in found:
                continue
            for a in analyses(form):
                if (
                    a.get("BASEFORM") == lemma
                    and _case_number(a) == (case, number)
                    and (a.get("CLASS") == cls or bool(a.get("PARTICIPLE")))
                    and a.get("COMPARISON", "positive") == a.get("COMPARISON", "positive")
                ):
                    found.append(form)
                    break
    return tuple(found)


def inflect(analysis: dict[str, str], forms: set[tuple[str, str]]) -> list[str]:
    """Forms of the analysed adjective in the given (case, number)s that Voikko confirms."""
    lemma, cls = analysis.get("BASEFORM", ""), analysis.get("CLASS", "")
    out: list[str] = []
    for case, number in sorted(forms):
        out.extend(f for f in _inflect(lemma, case, number, cls) if f not in out)
    return out[:5]


def clear_caches() -> None:
    """Forget cached inflections (for benchmarks that time a cold start)."""
    _inflect.cache_clear()


# --- casing and verb forms --------------------------------------------------------------------------


class TitleCase(Checker):
    """English-style Title Case in a Finnish title or heading: "Virtual Avustajat" for "Virtuaaliavustajat".

    Finnish titles and headings capitalise only the first word and names. In body text a
    capitalised common word is usually part of a name, which Voikko's own casing check reports as info.
    """

    name = "mt-title-case"
    source = "pipeline"

    def check(self, seg: Segment) -> Iterator[Issue]:
        """Capitalised common words after the first word of a title or heading."""
        if seg.kind not in ("title", "heading"):
            return
        words = [t for t in tokenize(seg.text) if t.is_word]
        for word in words[1:]:
            text = word.text
            if not (text[0].isupper() and text[1:].islower()) or (text.isascii() and is_common_word(text)):
                continue
            if any(a.get("CLASS") in NAME_CLASSES for a in analyses(text)):
                continue
            if _finnish_common_word(text.lower()):
                yield self.issue(
                    seg,
                    word.start,
                    word.end,
                    category="casing",
                    rule="title-case",
                    severity="warning",
                    message=f"Suomessa otsikon sanat kirjoitetaan pienellä: “{text.lower()}”.",
                    suggestions=[text.lower()],
                )


def _finite(word: str, olla: bool) -> bool:
    """Every reading is an affirmative finite indicative verb (of "olla", when `olla`)."""
    found = analyses(word.lower())
    return bool(found) and all(
        a.get("CLASS") == "teonsana"
        and a.get("MOOD") == "indicative"
        and a.get("NEGATIVE") == "false"
        and a.get("PERSON")
        and (a.get("BASEFORM") == "olla") == olla
        for a in found
    )


class DoubleFinite(Checker):
    """A finite verb right after a finite "olla": "ovat usein pidetään" for "pidetään usein" or
    "ovat usein pidettyjä". Adverbs may stand between the two."""

    name = "mt-double-finite"
    source = "pipeline"

    def check(self, seg: Segment) -> Iterator[Issue]:
        """Finite verbs following a finite "olla"."""
        words = [t for t in tokenize(seg.text) if t.is_word]
        for i, word in enumerate(words):
            # Every finite form of "olla" starts with "o" (on, ovat, oli, olisi …): a cheap first test.
            if word.text[:1] not in "oO" or not _finite(word.text, olla=True):
                continue
            j = i + 1
            while (
                j < len(words) and _adverbial(words[j].text) and _adjacent(seg.text, words[j - 1], words[j])
            ):
                j += 1
            if (
                j < len(words)
                and _adjacent(seg.text, words[j - 1], words[j])
                and _finite(words[j].text, olla=False)
            ):
                yield self.issue(
                    seg,
                    word.start,
                    words[j].end,
                    category="grammar",
                    rule="finite-after-olla",
                    severity="warning",
                    message=(
                        f"Kaksi finiittiverbiä peräkkäin: “{word.text}” ja “{words[j].text}”; "
                        "jälkimmäisen pitäisi olla partisiippi tai infinitiivi, tai “olla” on liikaa."
                    ),
                    # Without the extra "olla", its adverbs after the verb: "pidetään usein".
                    suggestions=[" ".join([words[j].text, *(w.text for w in words[i + 1 : j])])],
                )
