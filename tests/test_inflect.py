"""The Finnish inflector: paradigm rules confirmed by Voikko, the preferred form first, compounds, names."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline import conllu
from pipeline.errors import ConfigError
from pipeline.inflect import UD_CASES, clear_caches, inflect, inflect_like

FIRST = [
    # consonant gradation, strong to weak
    ("kauppa", "Ine", "Sing", "NOUN", "kaupassa"),
    ("katu", "Gen", "Sing", "NOUN", "kadun"),
    ("lupa", "Ade", "Sing", "NOUN", "luvalla"),
    ("aika", "Gen", "Sing", "NOUN", "ajan"),
    ("kenkä", "Ine", "Plur", "NOUN", "kengissä"),
    ("ranta", "Ela", "Sing", "NOUN", "rannasta"),
    ("kulta", "All", "Sing", "NOUN", "kullalle"),
    ("parta", "Abe", "Sing", "NOUN", "parratta"),
    ("lehti", "Ine", "Sing", "NOUN", "lehdessä"),
    # and weak to strong
    ("rakenne", "Gen", "Sing", "NOUN", "rakenteen"),
    ("hammas", "Gen", "Sing", "NOUN", "hampaan"),
    ("kuningas", "Par", "Plur", "NOUN", "kuninkaita"),
    ("tytär", "Gen", "Sing", "NOUN", "tyttären"),
    ("hanke", "Ess", "Sing", "NOUN", "hankkeena"),
    ("kirkas", "All", "Sing", "ADJ", "kirkkaalle"),
    # e-stems, s-stems and other consonant stems
    ("nainen", "Par", "Sing", "NOUN", "naista"),
    ("vesi", "Par", "Sing", "NOUN", "vettä"),
    ("vesi", "Ess", "Sing", "NOUN", "vetenä"),
    ("kivi", "Ela", "Sing", "NOUN", "kivestä"),
    ("veri", "Par", "Sing", "NOUN", "verta"),
    ("lapsi", "Par", "Sing", "NOUN", "lasta"),
    ("vastaus", "Gen", "Sing", "NOUN", "vastauksen"),
    ("rakkaus", "Gen", "Sing", "NOUN", "rakkauden"),
    ("mahdollisuus", "Par", "Sing", "NOUN", "mahdollisuutta"),
    ("kaunis", "Gen", "Sing", "ADJ", "kauniin"),
    ("puhelin", "Gen", "Sing", "NOUN", "puhelimen"),
    ("työtön", "Par", "Plur", "ADJ", "työttömiä"),
    ("kuningatar", "Gen", "Sing", "NOUN", "kuningattaren"),
    ("mies", "Gen", "Sing", "NOUN", "miehen"),
    ("koe", "Gen", "Sing", "NOUN", "kokeen"),
    ("kevät", "Ine", "Sing", "NOUN", "keväässä"),
    ("vanhempi", "Gen", "Plur", "NOUN", "vanhempien"),
    ("vuosi", "Ess", "Sing", "NOUN", "vuonna"),
    # numerals
    ("kaksi", "Ine", "Sing", "NUM", "kahdessa"),
    ("kaksi", "Par", "Sing", "NUM", "kahta"),
    ("kymmenen", "Gen", "Sing", "NUM", "kymmenen"),
    ("tuhat", "Par", "Plur", "NUM", "tuhansia"),
    ("kolmas", "Gen", "Sing", "ADJ", "kolmannen"),
    # illative variants
    ("talo", "Ill", "Sing", "NOUN", "taloon"),
    ("maa", "Ill", "Sing", "NOUN", "maahan"),
    ("rakenne", "Ill", "Sing", "NOUN", "rakenteeseen"),
    ("tie", "Ill", "Plur", "NOUN", "teihin"),
    ("kauppa", "Ill", "Plur", "NOUN", "kauppoihin"),
    ("kivi", "Ill", "Plur", "NOUN", "kiviin"),
    ("rakenne", "Ill", "Plur", "NOUN", "rakenteisiin"),
    # plural genitive and partitive preferences
    ("kauppa", "Gen", "Plur", "NOUN", "kauppojen"),
    ("nainen", "Gen", "Plur", "NOUN", "naisten"),
    ("lapsi", "Gen", "Plur", "NOUN", "lasten"),
    ("päätös", "Gen", "Plur", "NOUN", "päätösten"),
    ("hammas", "Gen", "Plur", "NOUN", "hampaiden"),
    ("kuukausi", "Gen", "Plur", "NOUN", "kuukausien"),
    ("omena", "Par", "Plur", "NOUN", "omenoita"),
    ("edustaja", "Par", "Plur", "NOUN", "edustajia"),
    ("talo", "Par", "Plur", "NOUN", "taloja"),
    ("palvelu", "Gen", "Plur", "NOUN", "palvelujen"),
    ("markkinat", "Ade", "Plur", "NOUN", "markkinoilla"),  # a plural-only lemma
    # adjectives and participles
    ("virtuaalinen", "Gen", "Plur", "ADJ", "virtuaalisten"),
    ("virtuaalinen", "Par", "Plur", "ADJ", "virtuaalisia"),
    ("uusi", "Par", "Plur", "ADJ", "uusia"),
    ("pieni", "Ine", "Sing", "ADJ", "pienessä"),
    ("tehty", "Gen", "Sing", "VERB", "tehdyn"),
    ("tehnyt", "Par", "Plur", "VERB", "tehneitä"),
    ("tekeminen", "Gen", "Sing", "NOUN", "tekemisen"),
    # compounds, with and without the treebank's "#"
    ("organisaatio#rakenne", "Ill", "Sing", "NOUN", "organisaatiorakenteeseen"),
    ("organisaatiorakenne", "Gen", "Plur", "NOUN", "organisaatiorakenteiden"),
    ("kanta#asiakas", "Gen", "Sing", "NOUN", "kanta-asiakkaan"),
    ("EU#direktiivi", "Gen", "Plur", "NOUN", "EU-direktiivien"),
    ("Kivi#juhla", "Nom", "Plur", "NOUN", "Kivi-juhlat"),
    # pronouns from the table: interrogative and relative ones too
    ("mikä", "Par", "Sing", "PRON", "mitä"),
    ("joka", "Ine", "Plur", "PRON", "joissa"),
    ("kuka", "All", "Sing", "PRON", "kenelle"),
    # proper nouns keep their capitals
    ("Suomi", "Ine", "Sing", "PROPN", "Suomessa"),
    ("Helsinki", "Ine", "Sing", "PROPN", "Helsingissä"),
    ("Yhdysvallat", "Ine", "Plur", "PROPN", "Yhdysvalloissa"),
    ("Iso-Britannia", "Gen", "Sing", "PROPN", "Iso-Britannian"),
]


@pytest.mark.parametrize(
    ("lemma", "case", "number", "pos", "expected"), FIRST, ids=[f"{r[0]}-{r[1]}-{r[2]}" for r in FIRST]
)
def test_first_form(lemma: str, case: str, number: str, pos: str, expected: str) -> None:
    assert inflect(lemma, case, number, pos)[:1] == (expected,)


@pytest.mark.parametrize(
    ("lemma", "case", "number", "forms"),
    [
        ("kauppa", "Gen", "Plur", ("kauppojen", "kauppain")),  # the standard form first, the old one kept
        ("virtuaalinen", "Gen", "Plur", ("virtuaalisten", "virtuaalisien")),
    ],
)
def test_variants_in_order(lemma: str, case: str, number: str, forms: tuple[str, ...]) -> None:
    found = inflect(lemma, case, number, "ADJ" if lemma.endswith("nen") else "NOUN")
    assert [f for f in found if f in forms] == list(forms)


@pytest.mark.parametrize(
    "lemma",
    ["", "   ", "qwzrtxvb", "computer", "3D", "kauppa1"],
    ids=["empty", "blank", "unknown", "english", "digits", "mixed"],
)
def test_no_forms(lemma: str) -> None:
    assert inflect(lemma, "Gen", "Sing") == ()


def test_very_long_compound() -> None:
    lemma = "lento#kone#suihku#turbiini#moottori#apu#mekaanikko#ali#upseeri#koulu"
    forms = inflect(lemma, "Ine", "Sing")
    assert forms[:1] == ("lentokonesuihkuturbiinimoottoriapumekaanikkoaliupseerikoulussa",)


def test_every_form_is_confirmed_by_voikko() -> None:
    from pipeline.finnish import analyses  # noqa: PLC0415

    for form in inflect("kauppa", "Gen", "Plur"):
        assert any(a.get("BASEFORM") == "kauppa" and a.get("SIJAMUOTO") == "omanto" for a in analyses(form))


@pytest.mark.parametrize(
    ("word", "lemma", "features", "expected"),
    [
        ("Suomi", "Suomi", ("Ine", "Sing", "PROPN"), "Suomessa"),
        ("HELSINKI", "Helsinki", ("Ine", "Sing", "PROPN"), "HELSINGISSÄ"),
        ("Kauppa", "kauppa", ("Ine", "Sing", "NOUN"), "Kaupassa"),  # sentence-initial
        (
            "Organisaatiorakenteessa",
            "organisaatio#rakenne",
            ("Ill", "Sing", "NOUN"),
            "Organisaatiorakenteeseen",
        ),
        ("Helsinki-päivä", "Helsinki-päivä", ("Ill", "Sing", "NOUN"), "Helsinki-päivään"),
        # the word's own first part, where the lemma normalises it
        ("ruudinkatkusta", "ruuti#katku", ("Ill", "Sing", "NOUN"), "ruudinkatkuun"),
        # only the last part inflected, whatever the first is
        ("Xyzzy-päivänä", "xyzzy-päivä", ("All", "Sing", "NOUN"), "Xyzzy-päivälle"),
    ],
)
def test_inflect_like(word: str, lemma: str, features: tuple[str, str, str], expected: str) -> None:
    assert inflect_like(word, lemma, *features)[:1] == (expected,)


def test_unknown_case_lists_the_valid_ones() -> None:
    with pytest.raises(ConfigError, match=", ".join(UD_CASES)):
        inflect("kauppa", "Loc", "Sing")


@pytest.mark.parametrize(("number", "pos"), [("Dual", "NOUN"), ("Sing", "INTJ")])
def test_unknown_number_or_pos(number: str, pos: str) -> None:
    with pytest.raises(ConfigError, match="expected one of"):
        inflect("kauppa", "Gen", number, pos)


def test_ud_cases_map_to_voikko() -> None:
    assert len(UD_CASES) == 14
    assert UD_CASES["Ine"] == "sisaolento" and UD_CASES["Com"] == "seuranto"


def test_repeated_calls_are_cached() -> None:
    clear_caches()
    inflect("kauppa", "Ine", "Sing")
    inflect("kauppa", "Ine", "Sing")
    info = inflect.cache_info()
    assert info.hits >= 1


TREEBANK_SAMPLE = Path(__file__).parent / "data" / "fi_ftb_sample.conllu"


def test_treebank_forms() -> None:
    """Singular nouns of a treebank sample (UD Finnish-FTB, CC BY 4.0) regenerated from lemma and case."""
    tokens = [
        t
        for sent in conllu.read(TREEBANK_SAMPLE)
        for t in sent.tokens
        if t.upos == "NOUN"
        and t.feats.get("Number") == "Sing"
        and t.feats.get("Case") not in (None, "Nom")
        and "Person[psor]" not in t.feats
        and "Clitic" not in t.feats
        and "Style" not in t.feats
        and t.form.isalpha()
    ]
    assert len(tokens) >= 50
    right = sum(1 for t in tokens if inflect(t.lemma, t.feats["Case"], "Sing")[:1] == (t.form.lower(),))
    assert right / len(tokens) >= 0.9
