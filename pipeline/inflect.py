"""A Finnish nominal inflector: lemma + case + number -> word forms, each confirmed by Voikko.

No Finnish generator is installable here, so candidates come from paradigm rules (stems with consonant
gradation both ways, e-, s- and consonant stems, vowel harmony, the variants of the illative, the
genitive and the partitive) and only the forms Voikko analyses as the requested lemma, case and number
are kept. Rules may over-generate freely: Voikko decides, the rule order only ranks what survives.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable

from .errors import ConfigError
from .finnish import NAME_CLASSES, analyses, cased_like, compound_parts

# UD Case -> Voikko SIJAMUOTO.
UD_CASES: dict[str, str] = {
    "Nom": "nimento",
    "Gen": "omanto",
    "Par": "osanto",
    "Ine": "sisaolento",
    "Ela": "sisaeronto",
    "Ill": "sisatulento",
    "Ade": "ulkoolento",
    "Abl": "ulkoeronto",
    "All": "ulkotulento",
    "Ess": "olento",
    "Tra": "tulento",
    "Abe": "vajanto",
    "Ins": "keinonto",
    "Com": "seuranto",
}
UD_NUMBERS: dict[str, str] = {"Sing": "singular", "Plur": "plural"}
# Voikko's SIJAMUOTO and NUMBER → the UD values.
UD_CASE_OF: dict[str, str] = {v: k for k, v in UD_CASES.items()}
UD_NUMBER_OF: dict[str, str] = {v: k for k, v in UD_NUMBERS.items()}
_NOMINAL = frozenset({"nimisana", "laatusana", "nimisana_laatusana", "lukusana", "asemosana", *NAME_CLASSES})
# Voikko classes that fit each UD UPOS best; a form of another nominal class is kept only when no
# form of these exists (the treebanks and Voikko disagree on many noun/adjective words).
_POS_CLASSES: dict[str, frozenset[str]] = {
    "NOUN": frozenset({"nimisana", "nimisana_laatusana"}),
    "PROPN": NAME_CLASSES | {"nimisana", "nimisana_laatusana"},
    "ADJ": frozenset({"laatusana", "nimisana_laatusana", "lukusana"}),
    "NUM": frozenset({"lukusana"}),
    "PRON": frozenset({"asemosana"}),
    "DET": frozenset({"asemosana"}),
    "VERB": frozenset(),  # a participle: told by PARTICIPLE, whatever its class
}
_ANY = "X"  # internal: any nominal class (a compound's last part)

_VOWELS = frozenset("aeiouyäö")
_BACK = frozenset("aou")

# Singular endings attached to a vowel stem, most standard first. A/O/U follow vowel harmony,
# V repeats the stem's last vowel (illative "taloon", "maahan").
_SINGULAR: dict[str, tuple[str, ...]] = {
    "nimento": ("",),
    "omanto": ("n",),
    "osanto": ("A", "tA"),
    "sisaolento": ("ssA",),
    "sisaeronto": ("stA",),
    "sisatulento": ("Vn", "hVn", "seen", "siin"),
    "ulkoolento": ("llA",),
    "ulkoeronto": ("ltA",),
    "ulkotulento": ("lle",),
    "olento": ("nA",),
    "tulento": ("ksi",),
    "vajanto": ("ttA",),
    "keinonto": ("n",),
    "seuranto": ("ine",),
}
# Plural endings attached to a plural stem (the vowel stem with its last vowel dropped or changed),
# most standard first; "j" forms only after a vowel ("kauppojen", "taloja").
_PLURAL: dict[str, tuple[str, ...]] = {
    "omanto": ("jen", "ien", "iden", "itten"),
    "osanto": ("jA", "iA", "itA"),
    "sisaolento": ("issA",),
    "sisaeronto": ("istA",),
    "sisatulento": ("ihin", "iin", "isiin"),
    "ulkoolento": ("illA",),
    "ulkoeronto": ("iltA",),
    "ulkotulento": ("ille",),
    "olento": ("inA",),
    "tulento": ("iksi",),
    "vajanto": ("ittA",),
    "keinonto": ("in",),
    "seuranto": ("ine",),
}

# Consonant gradation as (strong, weak) pairs; applied both ways to the consonants before a stem's
# last vowel. Longer pairs match the end of the cluster, one-letter pairs the whole cluster.
_GRADATION: tuple[tuple[str, str], ...] = (
    ("rkk", "rk"),
    ("lkk", "lk"),
    ("nkk", "nk"),
    ("mpp", "mp"),
    ("rpp", "rp"),
    ("lpp", "lp"),
    ("rtt", "rt"),
    ("ltt", "lt"),
    ("ntt", "nt"),
    ("htt", "ht"),
    ("kk", "k"),
    ("pp", "p"),
    ("tt", "t"),
    ("nk", "ng"),
    ("mp", "mm"),
    ("lt", "ll"),
    ("nt", "nn"),
    ("rt", "rr"),
    ("ht", "hd"),
    ("lk", "lj"),
    ("rk", "rj"),
    ("lk", "l"),
    ("rk", "r"),
    ("hk", "h"),
    ("lp", "lv"),
    ("rp", "rv"),
    ("p", "v"),
    ("t", "d"),
    ("k", "j"),
    ("k", "v"),
)


def _harmony(text: str, back: bool) -> str:
    """An ending template with A, O, U in the given harmony."""
    return text.translate(_TO_BACK if back else _TO_FRONT)


_TO_BACK = str.maketrans("AOU", "aou")
_TO_FRONT = str.maketrans("AOU", "äöy")


def _harmonies(word: str) -> tuple[bool, ...]:
    """The vowel harmonies (back = True) to try: the last of a/o/u or ä/ö/y decides ("olympialainen",
    "Jyväskylä"), front with only e and i ("kivessä")."""
    for ch in reversed(word):
        if ch in _BACK:
            return (True,)
        if ch in "äöy":
            return (False,)
    return (False, True)  # only e and i: mostly front ("kiveä"), a few back ("verta", "meriä")


def _grades(stem: str) -> list[str]:
    """`stem` and its other consonant grades (weak to strong and strong to weak)."""
    out = [stem]
    i = len(stem)
    while i and stem[i - 1] not in _VOWELS:  # a consonant-final lemma: "tytär" -> "tyttär"
        i -= 1
    while i and stem[i - 1] in _VOWELS:
        i -= 1
    j = i
    while j and stem[j - 1] not in _VOWELS:
        j -= 1
    if j in {i, 0}:
        return out
    head, cluster, tail = stem[:j], stem[j:i], stem[i:]
    for strong, weak in _GRADATION:
        for a, b in ((strong, weak), (weak, strong)):
            if (len(a) >= 2 and cluster.endswith(a)) or (len(a) == 1 and cluster == a):
                variant = head + cluster[: len(cluster) - len(a)] + b + tail
                if variant not in out:
                    out.append(variant)
    if cluster == "k" and head[-1:] in _VOWELS:  # "ruoka" -> "ruoa", "aika" -> "aja"
        out.append(head + tail)
        if head[-1] == "i" and head[-2:-1] in _VOWELS:
            out.append(head[:-1] + "j" + tail)
    return out


def _stems(base: str, back: bool) -> tuple[list[str], list[str], list[str]]:
    """(vowel stems, consonant stems, extra plural stems) of a lowercase lemma, most likely first:
    the stems of the lemma and of its other grade ("tytär" -> "tyttäre-"), each graded again
    ("vesi" -> "vede-" -> "vete-")."""
    vowel: list[str] = []
    consonant: list[str] = []
    plural: list[str] = []
    for variant in _grades(base):
        v, c, p = _lemma_stems(variant, back)
        for stem in v:
            vowel += [g for g in _grades(stem) if g not in vowel]
        consonant += [x for x in c if x not in consonant]
        plural += [x for x in p if x not in plural]
    return vowel, consonant, plural


def _lemma_stems(base: str, back: bool) -> tuple[list[str], list[str], list[str]]:
    """(vowel stems, consonant stems, extra plural stems) of one grade of a lemma."""
    a = "a" if back else "ä"
    vowel: list[str] = []
    consonant: list[str] = []
    plural: list[str] = []
    last = base[-1:]
    if base.endswith("nen") and len(base) > 3:  # "nainen" -> "naise-", "nais-"; "kymmenen" -> "kymmene-"
        vowel += [base[:-3] + "se", base[:-1]]
        consonant += [base[:-3] + "s", base[:-2]]
    elif last in _VOWELS:
        vowel.append(base)
        if last == "i":
            vowel.append(base[:-1] + "e")  # "kivi" -> "kive-"
            consonant.append(base[:-1])  # "suuri" -> "suurta", "suurten"
            if base.endswith("ksi"):  # "kaksi" -> "kahde-", "kah-"
                vowel.append(base[:-3] + "hde")
                consonant.append(base[:-3] + "h")
            elif base.endswith(("nsi", "rsi", "lsi")):  # "kansi" -> "kanne-", "kant-"
                vowel.append(base[:-2] + base[-3] + "e")
                consonant.append(base[:-2] + "t")
            elif base.endswith(("psi", "tsi")):  # "lapsi" -> "las-", "veitsi" -> "veis-"
                consonant.append(base[:-3] + "s")
            elif base.endswith("si"):  # "vesi" -> "vede-", "vet-"; "kuusi" -> "kuude-"
                vowel.append(base[:-2] + "de")
                consonant.append(base[:-2] + "t")
            if base.endswith("mpi"):  # "parempi" -> "paremma-", "parempa-"
                vowel += [base[:-3] + "mp" + a, base[:-3] + "mm" + a]
        elif last == "e" and base[-2:-1] not in ("e",):
            if base[-2:-1] in _VOWELS:  # "koe" -> "kokee-"
                vowel.append(base[:-1] + "kee")
            vowel.insert(0, base + "e")  # "rakenne" -> "rakentee-" (graded below)
    else:
        if last == "s":
            if base.endswith(("us", "ys")):  # "vastaus" -> "vastaukse-", "rakkaus" -> "rakkaude-", "rakkaut-"
                vowel += [base[:-1] + "kse", base[:-1] + "de", base[:-1] + base[-2]]
                consonant.append(base[:-1] + "t")
            elif base.endswith(("mas", "mäs", "des", "tes", "nes", "les", "res", "jes", "ves")):
                # ordinals: "kolmas" -> "kolmanne-", "kolmat-", plural "kolmans-"
                vowel += [base[:-1] + base[-2], base[:-1] + "nne", base[:-1] + "kse"]
                consonant.append(base[:-1] + "t")
                plural.append(base[:-1] + "ns")
            else:  # "hammas" -> "hampaa-", "kaunis" -> "kaunii-", "ananas" -> "ananakse-", "mies" -> "miehe-"
                vowel += [base[:-1] + base[-2], base[:-1] + "kse"]
                if base.endswith("es"):
                    vowel.append(base[:-1] + "he")
                vowel.append(base[:-1] + "nne")  # ordinals: "neljäs" -> "neljänne-", "neljät-"
                consonant.append(base[:-1] + "t")
            consonant.insert(0, base)
        elif base.endswith(("ton", "tön")):  # "työtön" -> "työttömä-"
            vowel.append(base[:-3] + "ttom" + a if back else base[:-3] + "ttömä")
            vowel.append(base[:-2] + "om" + a if back else base[:-2] + "ömä")  # "alaston" -> "alastoma-"
            consonant.append(base)
        elif base.endswith(("ut", "yt")):  # "tehnyt" -> "tehnee-", "olut" -> "olue-"
            vowel += [base[:-2] + "ee", base[:-1] + "e"]
            consonant.append(base)
        elif last == "t":  # "tuhat" -> "tuhanne-", plural "tuhans-"; "kevät" -> "kevää-"
            vowel += [base[:-1] + "nne", base[:-1] + base[-2]]
            consonant.append(base)
            plural.append(base[:-1] + "ns")
        elif base.endswith("in"):  # "puhelin" -> "puhelime-", "suurin" -> "suurimma-", "lämmin" -> "lämpimä-"
            vowel += [base[:-1] + "me", base[:-1] + "mm" + a, base[:-1] + "mp" + a, base[:-1] + "m" + a]
            consonant.append(base)
        elif last == "n":  # "kymmenen" -> "kymmene-", "sydän" -> "sydäme-", "jäsen" -> "jäsene-"
            vowel += [base + "e", base[:-1], base[:-1] + "me"]
            consonant += [base, base[:-2]]
        else:  # "askel" -> "askele-", "tytär" -> "tyttäre-"
            vowel.append(base + "e")
            consonant.append(base)
        vowel.append(base + "i")  # loans and foreign names: "internetin", "Trumpin"
    return vowel, consonant, plural


def _plural_stems(stem: str, back: bool) -> list[str]:
    """Plural stems before the plural "i": "kauppa" -> "kauppo", "kaupp"; "hampaa" -> "hampa"."""
    last = stem[-1:]
    if len(stem) >= 2 and stem[-1] == stem[-2]:  # long vowel: "maa" -> "ma", "rakentee" -> "rakente"
        return [stem[:-1]]
    if stem.endswith(("ie", "uo", "yö")):  # "tie" -> "te", "suo" -> "so"
        return [stem[:-2] + stem[-1]]
    if last == "a":  # "omenoita", but the agent nouns "johtajia", "edustajista"
        if not back:
            return [stem[:-1]]
        return [stem[:-1], stem[:-1] + "o"] if stem.endswith("aja") else [stem[:-1] + "o", stem[:-1]]
    if last == "ä":  # "ystäviä", "tekijöitä", "myymälöissä"
        return [stem[:-1] + "ö", stem[:-1]] if stem.endswith("ijä") else [stem[:-1], stem[:-1] + "ö"]
    if last == "e":
        return [stem[:-1]]
    if last == "i":
        return [stem[:-1] + "e", stem[:-1]]
    return [stem]


def _syllables(word: str) -> int:
    """Roughly the syllables of a word: vowel runs, a run with a hiatus ("korkea") counting two."""
    count, run = 0, ""
    for ch in word + " ":
        if ch in _VOWELS:
            run += ch
            continue
        if run:
            count += 1 + sum(run[k : k + 2] in _HIATUS for k in range(len(run) - 1))
        run = ""
    return count


_HIATUS = frozenset({"ea", "eä", "oa", "ua", "yä", "ia", "iä", "io", "eo", "iu"})
# Irregular forms that the rules do not make, or make only as the rarer variant.
_IRREGULAR: dict[tuple[str, str, str], tuple[str, ...]] = {
    ("vuosi", "olento", "singular"): ("vuonna",),
}


def _ten_first(base: str, genitive: str) -> bool:
    """Whether the consonant-stem genitive plural is the standard one: "naisten", "päätösten",
    "eläinten", "jäsenten", "lasten", "pienten" (but "hampaiden", "kauniiden", "vuosien")."""
    if base.endswith(("nen", "psi", "mies")) or base.endswith(("in", "en", "el", "ar", "är", "er")):
        return not base.endswith(("ton", "tön"))
    if base.endswith(("us", "ys", "os", "ös")):
        return not base.endswith(("uus", "yys"))
    if base.endswith("is"):  # "kasvis" -> "kasviksen", "kasvisten"; "kaunis" -> "kauniin", "kauniiden"
        return genitive.endswith("ksen")
    return _syllables(base) == 2 and base.endswith(("li", "ri", "ni"))


def _j_first(base: str, stem: str) -> bool:
    """Whether the "j" plural is the standard one after this plural stem: two-syllable words
    ("kauppojen", "taloja"), words in -o/-ö/-u/-y ("palvelujen", "yhteisöjen", "kokeiluja") and
    a-words with a consonant cluster before the -a ("valintoja"); not "omenoita", "papereiden"."""
    if stem[-1:] not in "oöuy":
        return False
    if _syllables(base) == 2 or base[-1:] in "oöuy":
        return True
    return len(base) > 3 and base[-1] in "aä" and base[-2] not in _VOWELS and base[-3] not in _VOWELS


def _plural_order(case: str, base: str, stem: str) -> tuple[str, ...]:
    """The plural endings after one plural stem, most standard first."""
    endings = _PLURAL[case]
    if case == "omanto" and not _j_first(base, stem):  # "omenoiden", "papereiden", "maiden"
        endings = ("iden", "ien", "jen", "itten")
    elif case == "osanto" and not _j_first(base, stem):  # "omenoita", "henkilöitä", "maita"
        endings = ("itA", "iA", "jA")
    elif case == "sisatulento" and stem[-1:] not in _VOWELS:  # "kiviin", "edustajiin"
        endings = ("iin", "ihin", "isiin")
    elif case == "sisatulento" and stem.endswith(("e", "a", "ä")):  # "rakenteisiin", "hampaisiin"
        endings = ("isiin", "ihin", "iin")
    return endings


def _candidates(
    base: str, case: str, number: str, ten_first: bool = False
) -> list[tuple[str, tuple[int, int]]]:
    """(candidate form, rank) of a lowercase lemma, lower rank preferred."""
    out: dict[str, tuple[int, int]] = {}

    def add(forms: Iterable[tuple[str, tuple[int, int]]]) -> None:
        for form, rank in forms:
            if form and (form not in out or rank < out[form]):
                out[form] = rank

    add((form, (-1, 0)) for form in _IRREGULAR.get((base, case, number), ()))
    for h_rank, back in enumerate(_harmonies(base)):
        vowel, consonant, extra_plural = _stems(base, back)
        if number == "singular":
            if case == "nimento":
                add([(base, (0, 0))])
                continue
            for e_rank, template in enumerate(_SINGULAR[case]):
                ending = _harmony(template, back)
                for s_rank, stem in enumerate(vowel):
                    suffix = ending.replace("V", stem[-1]) if "V" in ending else ending
                    add([(stem + suffix, (e_rank + 10 * h_rank, s_rank))])
            if case == "osanto":
                t = _harmony("tA", back)
                add((c + t, (10 * h_rank, 50 + r)) for r, c in enumerate(consonant))
                add([(base + _harmony("ttA", back), (1 + 10 * h_rank, 60))])  # "rakennetta", "perhettä"
            continue
        if case == "nimento":
            add((s + "t", (10 * h_rank, r)) for r, s in enumerate(vowel))
            continue
        plurals: list[str] = []
        for stem in vowel:
            for p in _plural_stems(stem, back):
                if p not in plurals:
                    plurals.append(p)
        plurals += [p for p in extra_plural if p not in plurals]
        for p_rank, p in enumerate(plurals):
            for e_rank, ending in enumerate(_plural_order(case, base, p)):
                if ending.startswith("j") and p[-1:] not in _VOWELS:
                    continue
                # the plural stem first: "edustajia" (the stem "edustaj-") before "edustajoita"
                add([(p + _harmony(ending, back), (p_rank + 10 * h_rank, e_rank))])
        if case == "omanto":  # "naisten", "lasten"; the old "kauppain"
            ten = -1 if ten_first else 3 + 10 * h_rank
            add((c + "ten", (ten, r)) for r, c in enumerate(consonant))
            add((s + "in", (9 + 10 * h_rank, r)) for r, s in enumerate(vowel))
    return sorted(out.items(), key=lambda item: item[1])


def _matches(a: dict[str, str], lemma: str, case: str, number: str) -> bool:
    """An analysis of `lemma` in the case and number, without possessive suffix or comparison."""
    if a.get("SIJAMUOTO") != case or a.get("NUMBER") != number or a.get("POSSESSIVE"):
        return False
    if a.get("COMPARISON", "positive") != "positive" and not lemma.endswith(("mpi", "in")):
        return False  # "suuremman" is "suuri" in Voikko, but not the positive asked for
    baseform = a.get("BASEFORM", "").lower()
    if baseform == lemma:
        return True
    # Voikko gives a MINEN noun the verb as its base form: "tekemisen" -> "tehdä"
    return lemma.endswith("minen") and a.get("MOOD") == "MINEN-infinitive"


def _class_level(a: dict[str, str], pos: str) -> int:
    """How well the analysis's class fits `pos`: 3 a name for PROPN ("Lahden" rather than the noun's
    "lahdin"), 2 a fitting class, 1 another nominal class."""
    if pos == _ANY:
        return 2
    if pos == "VERB":
        return 2 if a.get("PARTICIPLE") else 1
    cls = a.get("CLASS", "")
    if pos == "PROPN" and cls in NAME_CLASSES:
        return 3
    return 2 if cls in _POS_CLASSES[pos] or (pos == "ADJ" and a.get("PARTICIPLE")) else 1


def _nominal(a: dict[str, str]) -> bool:
    return a.get("CLASS", "") in _NOMINAL or bool(a.get("PARTICIPLE")) or a.get("MOOD") == "MINEN-infinitive"


def _confirm(form: str, lemma: str, case: str, number: str, pos: str) -> tuple[int, str]:
    """(level, base form): the best _class_level of Voikko's readings of `form` as the lemma in that
    case and number, 0 when there is none."""
    level, baseform = 0, ""
    for a in analyses(form):
        if _matches(a, lemma, case, number) and _nominal(a):
            this = _class_level(a, pos)
            if this > level:
                level, baseform = this, a.get("BASEFORM", "")
    return level, baseform


def _cased_as(form: str, baseform: str) -> str:
    """`form` with the capitals of the base form Voikko gave it ("pohjois-karjalalla" with
    "Pohjois-Karjala" -> "Pohjois-Karjalalla")."""
    if baseform == baseform.lower():
        return form
    chars = list(form)
    for k, ch in enumerate(baseform[: len(form)]):
        if ch.lower() != chars[k].lower():
            break
        chars[k] = ch
    return "".join(chars)


def _split(lemma: str) -> tuple[str, str]:
    """(prefix, last part) of a compound lemma: at the last `#` or hyphen, else where Voikko's
    STRUCTURE of the lemma starts its last part; ("", lemma) for a simple word."""
    for mark in ("#", "-"):
        if mark in lemma.strip(mark):
            head, _, tail = lemma.rpartition(mark)
            return _joined(head.split("#")) + ("-" if mark == "-" else ""), tail
    whole = lemma.lower()
    for a in analyses(lemma) or analyses(whole):
        if a.get("BASEFORM", "").lower() == whole:
            parts = compound_parts(lemma, a.get("STRUCTURE", ""))
            if len(parts) > 1 and lemma.endswith(parts[-1]):
                return lemma[: len(lemma) - len(parts[-1])], parts[-1]
    return "", lemma


def _joined(parts: list[str]) -> str:
    """Compound parts written as one word, with a hyphen where the same vowel meets itself
    ("lento#onnettomuus" -> "lento-onnettomuus")."""
    out = parts[0]
    for part in parts[1:]:
        same_vowel = out[-1:].lower() == part[:1].lower() and part[:1].lower() in _VOWELS
        out += ("-" if same_vowel else "") + part
    return out


@functools.lru_cache(maxsize=50_000)
def _generate(prefix: str, base: str, case: str, number: str, pos: str) -> tuple[str, ...]:
    """Confirmed forms of prefix + base (the lemma, `#` removed), best first."""
    whole = prefix + base
    lemma = whole.lower()
    ten_first = False
    if case == "omanto" and number == "plural":
        genitive = _generate(prefix, base, case, "singular", pos) if base.endswith("is") else ()
        ten_first = _ten_first(base.lower(), genitive[0] if genitive else "")
    kept: list[tuple[int, int, int, str]] = []
    for candidate, (e_rank, s_rank) in _candidates(base.lower(), case, number, ten_first):
        form = cased_like(prefix + candidate, whole) if prefix else cased_like(candidate, base)
        level, baseform = _confirm(form, lemma, case, number, pos)
        if not level and form[:1].isupper():  # a proper-noun lemma written in lower case in the form
            form = form.lower()
            level, baseform = _confirm(form, lemma, case, number, pos)
        if level:
            form = _cased_as(form, baseform) if pos == "PROPN" else form
            kept.append((-level, e_rank, s_rank, form))
    if kept:
        top = min(k[0] for k in kept)
        kept = [k for k in kept if k[0] == top]
    elif number == "plural" and base.endswith("t") and len(base) > 2:
        # a plural-only lemma ("markkinat", "häät", "Yhdysvallat"): Voikko's base form is singular,
        # in either grade ("Yhdysvalta")
        for singular in _grades(base[:-1]):
            if forms := _generate(prefix, singular, case, number, pos):
                return forms
    return tuple(dict.fromkeys(k[-1] for k in sorted(kept)))


@functools.lru_cache(maxsize=50_000)
def _part_forms(part: str, case: str, number: str) -> tuple[str, ...]:
    """Forms of a compound's last part, confirmed as that part (any nominal class), best first."""
    return _generate("", part, case, number, _ANY)


def _check_args(case: str, number: str, pos: str) -> tuple[str, str]:
    if case not in UD_CASES:
        raise ConfigError(f"unknown case {case!r}: expected one of {', '.join(UD_CASES)}")
    if number not in UD_NUMBERS:
        raise ConfigError(f"unknown number {number!r}: expected one of {', '.join(UD_NUMBERS)}")
    if pos not in _POS_CLASSES:
        raise ConfigError(f"unknown part of speech {pos!r}: expected one of {', '.join(_POS_CLASSES)}")
    return UD_CASES[case], UD_NUMBERS[number]


# Pronouns inflect irregularly; their forms in the cases order of PRONOUN_CASES (singular, then plural
# where the plural has a lemma of its own: "tämä" / "nämä"). Voikko still confirms every form.
PRONOUN_CASES = ("Gen", "Par", "Ine", "Ela", "Ill", "Ade", "Abl", "All", "Ess", "Tra")
_PRONOUN_FORMS: dict[str, tuple[str, ...]] = {
    "tämä": ("tämän", "tätä", "tässä", "tästä", "tähän", "tällä", "tältä", "tälle", "tänä", "täksi"),
    "nämä": (
        "näiden",
        "näitä",
        "näissä",
        "näistä",
        "näihin",
        "näillä",
        "näiltä",
        "näille",
        "näinä",
        "näiksi",
    ),
    "tuo": ("tuon", "tuota", "tuossa", "tuosta", "tuohon", "tuolla", "tuolta", "tuolle", "tuona", "tuoksi"),
    "nuo": ("noiden", "noita", "noissa", "noista", "noihin", "noilla", "noilta", "noille", "noina", "noiksi"),
    "se": ("sen", "sitä", "siinä", "siitä", "siihen", "sillä", "siltä", "sille", "sinä", "siksi"),
    "ne": ("niiden", "niitä", "niissä", "niistä", "niihin", "niillä", "niiltä", "niille", "niinä", "niiksi"),
    "mikään": (
        "minkään",
        "mitään",
        "missään",
        "mistään",
        "mihinkään",
        "millään",
        "miltään",
        "millekään",
        "minään",
        "miksikään",
    ),
    "mikä": ("minkä", "mitä", "missä", "mistä", "mihin", "millä", "miltä", "mille", "minä", "miksi"),
    "joka": ("jonka", "jota", "jossa", "josta", "johon", "jolla", "jolta", "jolle", "jona", "joksi"),
    "jotka": tuple("joiden joita joissa joista joihin joilla joilta joille joina joiksi".split()),
    "kuka": tuple("kenen ketä kenessä kenestä keneen kenellä keneltä kenelle kenenä keneksi".split()),
    "jokin": (
        "jonkin",
        "jotakin",
        "jossakin",
        "jostakin",
        "johonkin",
        "jollakin",
        "joltakin",
        "jollekin",
        "jonakin",
        "joksikin",
    ),
    "kaikki": (
        "kaiken",
        "kaikkea",
        "kaikessa",
        "kaikesta",
        "kaikkeen",
        "kaikella",
        "kaikelta",
        "kaikelle",
        "kaikkena",
        "kaikeksi",
    ),
    "kaikki/Plur": (
        "kaikkien",
        "kaikkia",
        "kaikissa",
        "kaikista",
        "kaikkiin",
        "kaikilla",
        "kaikilta",
        "kaikille",
        "kaikkina",
        "kaikiksi",
    ),
}
_PLURAL_PRONOUNS = {"tämä": "nämä", "tuo": "nuo", "se": "ne", "kaikki": "kaikki/Plur", "joka": "jotka"}


def _pronoun(lemma: str, case: str, number: str) -> tuple[str, ...] | None:
    """A pronoun's form from the table, when Voikko confirms it (None: not a pronoun of the table)."""
    key = lemma.lower()
    if number == "Plur":
        key = _PLURAL_PRONOUNS.get(key, key)
    forms = _PRONOUN_FORMS.get(key)
    if forms is None or case not in PRONOUN_CASES:
        return None
    form = forms[PRONOUN_CASES.index(case)]
    wanted = (UD_CASES[case], UD_NUMBERS[number])
    ok = any((a.get("SIJAMUOTO"), a.get("NUMBER")) == wanted for a in analyses(form))
    return (form,) if ok else ()


@functools.lru_cache(maxsize=100_000)
def inflect(lemma: str, case: str, number: str, pos: str = "NOUN") -> tuple[str, ...]:
    """Forms of `lemma` in the UD case ("Ine") and number ("Sing"/"Plur") that Voikko analyses as that
    lemma, case and number (no possessive suffix, no clitic), best first (the standard form first:
    "virtuaalisten" before "virtuaalisien", "kauppojen" before "kauppain")."""
    sijamuoto, numero = _check_args(case, number, pos)
    lemma = lemma.strip()
    if pos in ("PRON", "DET") and (table := _pronoun(lemma, case, number)) is not None:
        return table
    if not lemma or not lemma.replace("#", "").replace("-", "").isalpha():
        return ()
    prefix, part = _split(lemma)
    if not prefix or "#" not in lemma or prefix.endswith("-"):
        return _compound(prefix, part, sijamuoto, numero, pos)
    # UD writes "Kivi#juhla" for "Kivi-juhlat", "EU#direktiivi" for "EU-direktiivien": a name or an
    # abbreviation before a common word, and the same vowel on both sides ("kanta-asiakas"), take
    # a hyphen (or none, when Voikko knows only the joined form); other compounds none.
    hyphen = (prefix[:1].isupper() and part[:1].islower()) or (
        prefix[-1:].lower() == part[:1].lower() and part[:1].lower() in _VOWELS
    )
    # (Voikko accepts almost any hyphenated pair: "täysi-kuun" is no answer for "täysi#kuu".)
    if hyphen:
        return _compound(prefix + "-", part, sijamuoto, numero, pos) or _compound(
            prefix, part, sijamuoto, numero, pos
        )
    return _compound(prefix, part, sijamuoto, numero, pos)


def _compound(prefix: str, part: str, sijamuoto: str, numero: str, pos: str) -> tuple[str, ...]:
    """The forms of prefix + part, the part inflected."""
    whole = prefix + part
    if prefix:
        # The last part alone is shorter to analyse and shared by many compounds; each of its forms
        # is then confirmed as the whole compound.
        kept = []
        for form in _part_forms(part.lower(), sijamuoto, numero):
            candidate = cased_like(prefix + cased_like(form, part), whole)
            level, baseform = _confirm(candidate, whole.lower(), sijamuoto, numero, pos)
            if level:
                kept.append((-level, _cased_as(candidate, baseform) if pos == "PROPN" else candidate))
        if kept:
            top = min(level for level, _ in kept)
            return tuple(dict.fromkeys(form for level, form in kept if level == top))
        if prefix.endswith("-"):  # Voikko reads a hyphenated word by its parts: keep the last part's forms
            forms = _generate("", part, sijamuoto, numero, pos)
            if forms:
                return tuple(prefix + cased_like(f, part) for f in forms)
    return _generate(prefix, part, sijamuoto, numero, pos)


def inflect_like(word: str, lemma: str, case: str, number: str, pos: str = "NOUN") -> tuple[str, ...]:
    """inflect(), with the capitalisation of `word` ("Suomi" -> "Suomessa") and for a hyphenated or
    compound word only the last part inflected as needed."""
    forms = inflect(lemma, case, number, pos)
    if not forms and "-" in word:
        head, _, tail_lemma = lemma.replace("#", "").rpartition("-")
        tail = inflect(tail_lemma or lemma, case, number, pos)
        forms = tuple(head + "-" + f for f in tail) if head else tail
    prefix, part = _split(lemma.strip())
    own = _own_first_parts(word, part, case, number) if word and lemma.strip() else ()
    return tuple(dict.fromkeys([*own, *(_like(word, prefix, form) for form in forms)]))


def _own_first_parts(word: str, part: str, case: str, number: str) -> tuple[str, ...]:
    """Forms that keep the word's own first parts where they differ from the lemma's ("ruudinkatkusta"
    with the lemma "ruuti#katku" -> "ruudinkatkuun"), confirmed by Voikko."""
    sijamuoto, numero = UD_CASES[case], UD_NUMBERS[number]
    for a in analyses(word) or analyses(word.lower()):
        parts = compound_parts(word, a.get("STRUCTURE", ""))
        if len(parts) < 2 or not word.endswith(parts[-1]):
            continue
        head = word[: len(word) - len(parts[-1])]
        out = [
            _like(word, head, head + form)
            for form in _part_forms(part.lower(), sijamuoto, numero)
            if any(
                b.get("SIJAMUOTO") == sijamuoto
                and b.get("NUMBER") == numero
                and not b.get("POSSESSIVE")
                and b.get("BASEFORM", "").lower().endswith(part.lower())
                for b in analyses((head + form).lower())
            )
        ]
        return tuple(out)
    return ()


def _like(word: str, prefix: str, form: str) -> str:
    """`form` with the word's own spelling of the unchanged first parts ("Helsinki-" as the text has
    it) and the word's capitals."""
    if prefix and word[: len(prefix)].lower() == prefix.lower():
        form = word[: len(prefix)] + form[len(prefix) :]
    elif "-" in word and "-" in form:
        form = word.rpartition("-")[0] + "-" + form.rpartition("-")[2]
    if word.isupper() and len(word) > 1:
        return form.upper()
    if word[:1].isupper():
        return form[:1].upper() + form[1:]
    if word[:1].islower() and form[1:2].islower():
        return form[:1].lower() + form[1:]
    return form


def clear_caches() -> None:
    """Forget cached inflections (for benchmarks that time a cold start)."""
    for cached in (inflect, _generate, _part_forms):
        cached.cache_clear()


# Consonant gradation from the weak grade of an infinitive to the strong grade of its present
# stem ("ajatella" → "ajattele-", "tavata" → "tapaa-", "pudota" → "putoa-").
_VERB_STRONG = (
    ("tt", "tt"),
    ("t", "tt"),
    ("d", "t"),
    ("v", "p"),
    ("p", "pp"),
    ("k", "kk"),
    ("ng", "nk"),
    ("ll", "lt"),
    ("nn", "nt"),
    ("rr", "rt"),
    ("mm", "mp"),
)


def _verb_stems(infinitive: str) -> list[str]:
    """Candidate present stems of an infinitive (Voikko decides which are real)."""
    inf = infinitive.lower()
    stems: list[str] = []
    if inf == "olla":
        return ["o"]  # "on" / "ovat": irregular, see finite_forms
    if inf.endswith(("hda", "hdä")):  # tehdä, nähdä → teke-, näke-
        stems.append(inf[:-3] + "ke")
    if inf.endswith(("da", "dä")):  # saada, syödä
        stems.append(inf[:-2])
    if inf.endswith(("lla", "llä", "nna", "nnä", "rra", "rrä", "sta", "stä")):  # tulla, mennä, nousta
        stems.append(inf[:-2] + "e")
    if inf.endswith(("ta", "tä")):
        stems += [inf[:-2] + inf[-1], inf[:-2] + "tse", inf[:-2] + "ne"]  # haluta, tarvita, vanheta
    if inf[-2:-1] in _VOWELS and inf[-1:] in "aä":  # valvoa, puhua, hoitaa
        stems.append(inf[:-1])
    out: list[str] = []
    for stem in stems:
        out.append(stem)
        for weak, strong in _VERB_STRONG:
            k = stem.rfind(weak, 0, len(stem) - 1)
            if k > 0 and k >= len(stem) - 5:
                out.append(stem[:k] + strong + stem[k + len(weak) :])
    return list(dict.fromkeys(out))


@functools.lru_cache(maxsize=20_000)
def finite_forms(infinitive: str, number: str) -> tuple[str, ...]:
    """The present indicative third-person forms of a verb in the given UD number ("Sing": "hoitaa",
    "Plur": "hoitavat"), every form confirmed by Voikko's analysis."""
    _check_args("Nom", number, "VERB")
    if infinitive.lower() == "olla":
        return ("ovat",) if number == "Plur" else ("on",)
    wanted = UD_NUMBERS[number]
    found: list[str] = []
    back = _harmonies(infinitive)[0]
    # The third person singular lengthens the stem's last vowel ("hoitaa", "valvoo") unless it is
    # long or a diphthong already ("saa", "syö", "haluaa"): both are tried, Voikko tells.
    endings = ("vat" if back else "vät",) if number == "Plur" else ("", "V")
    candidates = [stem + (stem[-1] if e == "V" else e) for stem in _verb_stems(infinitive) for e in endings]
    for form in candidates:
        if form in found:
            continue
        if any(
            a.get("BASEFORM") == infinitive.lower()
            and a.get("MOOD") == "indicative"
            and a.get("TENSE") == "present_simple"
            and a.get("PERSON") == "3"
            and a.get("NUMBER") == wanted
            and a.get("NEGATIVE") in ("false", "both")  # "saa" is also the connegative
            for a in analyses(form)
        ):
            found.append(form)
    return tuple(found)
