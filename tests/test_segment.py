"""Segmentation: the seed's structure, Finnish boundary cases, offsets and stable ids."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline import io
from pipeline.records import Segment
from pipeline.segment import find_blocks, segment_file, segment_text, split_sentences


def sentences(text: str) -> list[str]:
    return [text[s:e] for s, e in split_sentences(text)]


def check_offsets(text: str, segments: list[Segment]) -> None:
    previous_end = 0
    for seg in segments:
        assert seg.text == text[seg.start : seg.end]
        assert seg.text and seg.text == seg.text.strip()
        assert seg.start >= previous_end
        previous_end = seg.end


# --- the seed -------------------------------------------------------------------------------------


def test_seed_structure(seed_path: Path) -> None:
    text = io.read_text(seed_path)
    blocks = find_blocks(text)
    segments = segment_file(seed_path)
    kinds = [b.kind for b in blocks]
    assert len(blocks) == 16
    assert kinds.count("title") == 1 and kinds[0] == "title"
    assert [text[b.start : b.end] for b in blocks if b.kind == "heading"] == [
        "Henkilökohtaiset avustajat",
        "Virtual Avustajat",
    ]
    assert kinds.count("paragraph") == 13
    assert len(segments) == 31
    assert sum(s.kind == "paragraph-sentence" for s in segments) == 28
    # Sentences per paragraph, read off the article.
    per_block = [sum(s.block == b.index for s in segments) for b in blocks if b.kind == "paragraph"]
    assert per_block == [4, 1, 2, 4, 2, 2, 3, 2, 2, 2, 1, 1, 2]
    check_offsets(text, segments)


def test_seed_headings_recorded(seed_path: Path) -> None:
    segments = segment_file(seed_path)

    def starting(prefix: str) -> Segment:
        return next(s for s in segments if s.text.startswith(prefix))

    assert starting("heilahduksen virtuaalitoimistot").heading is None
    ensinnakin = starting("Ensinnäkin, henkilökohtaiset")
    assert ensinnakin.heading == "Henkilökohtaiset avustajat"
    assert ensinnakin.heading_block == 3
    last = segments[-1]
    assert last.heading == "Virtual Avustajat" and last.heading_block == 8
    # A lowercase sentence start, as in bad MT, still starts a sentence.
    assert starting("virtuaalinen avustajien pidetään").sentence == 0
    assert "Tyypillisesti, virtuaalinen avustajien hoitaa tehtäviään" in [s.text[:56] for s in segments]


def test_ids_are_stable_and_unique(seed_path: Path) -> None:
    first = segment_file(seed_path)
    second = segment_file(seed_path)
    assert [s.to_dict() for s in first] == [s.to_dict() for s in second]
    ids = [s.id for s in first]
    assert len(set(ids)) == len(ids)
    assert ids[0] == "personal-vs-virtual-assistants:b000:s00"
    assert ids[2] == "personal-vs-virtual-assistants:b001:s01"


def test_segment_round_trips_through_dict(seed_path: Path) -> None:
    for seg in segment_file(seed_path):
        assert Segment.from_dict(seg.to_dict()) == seg


# --- sentence boundaries ------------------------------------------------------------------------------

CASES = [
    # abbreviations
    ("Hän toi esim. omenoita. Se oli hyvä.", ["Hän toi esim. omenoita.", "Se oli hyvä."]),
    ("Tulen esim. huomenna.", ["Tulen esim. huomenna."]),
    ("Mukana oli mm. Virtanen. Hän puhui.", ["Mukana oli mm. Virtanen.", "Hän puhui."]),
    ("Tämä ns. ongelma on vanha.", ["Tämä ns. ongelma on vanha."]),
    ("Ostin omenoita, päärynöitä jne. Sitten lähdin.", ["Ostin omenoita, päärynöitä jne.", "Sitten lähdin."]),
    ("Ks. kuva 3. Se näyttää tuloksen.", ["Ks. kuva 3.", "Se näyttää tuloksen."]),
    ("Tapaaminen on klo 14.30 Helsingissä.", ["Tapaaminen on klo 14.30 Helsingissä."]),
    ("Paikalla oli n. 50 ihmistä.", ["Paikalla oli n. 50 ihmistä."]),
    ("Katso s. 12. Siellä on taulukko.", ["Katso s. 12.", "Siellä on taulukko."]),
    ("Talo rakennettiin v. 1920 Turkuun.", ["Talo rakennettiin v. 1920 Turkuun."]),
    ("Vrt. edellinen luku.", ["Vrt. edellinen luku."]),
    (
        "Kokeile omenaa yms. hedelmiä. Ne ovat terveellisiä.",
        ["Kokeile omenaa yms. hedelmiä.", "Ne ovat terveellisiä."],
    ),
    ("Ota kynä tms. Sitten kirjoita.", ["Ota kynä tms.", "Sitten kirjoita."]),
    ("Luennoi prof. Virtanen ja tri Laine.", ["Luennoi prof. Virtanen ja tri Laine."]),
    (
        "Kaupunki perustettiin 500-luvulla eKr. Se kasvoi nopeasti.",
        ["Kaupunki perustettiin 500-luvulla eKr.", "Se kasvoi nopeasti."],
    ),
    ("Suomen ev.-lut. kirkko on suuri.", ["Suomen ev.-lut. kirkko on suuri."]),
    ("Hän (o.s. Saadlo) syntyi Tallinnassa.", ["Hän (o.s. Saadlo) syntyi Tallinnassa."]),
    (
        "Nimi tulee latinasta (lat. Iohannes Damascenus).",
        ["Nimi tulee latinasta (lat. Iohannes Damascenus)."],
    ),
    (
        "Lue lisää osoitteesta www.yle.fi. Sivu päivittyy.",
        ["Lue lisää osoitteesta www.yle.fi.", "Sivu päivittyy."],
    ),
    ("Katso hs.fi. Siellä on uutinen.", ["Katso hs.fi.", "Siellä on uutinen."]),
    # ordinals and dates
    ("Kokous on 26. marraskuuta 2026 Helsingissä.", ["Kokous on 26. marraskuuta 2026 Helsingissä."]),
    ("Lue 1. luku huolella.", ["Lue 1. luku huolella."]),
    ("Hän syntyi 1990. Hän muutti Ouluun.", ["Hän syntyi 1990.", "Hän muutti Ouluun."]),
    ("Tänään 4.5. on juhla.", ["Tänään 4.5. on juhla."]),
    ("Päivä oli 26.11.2026. Satoi lunta.", ["Päivä oli 26.11.2026.", "Satoi lunta."]),
    ("Kaarle XII. kuoli sodassa.", ["Kaarle XII. kuoli sodassa."]),
    # decimals, initials
    ("Hinta nousi 3.5 prosenttia. Korko on 1,25.", ["Hinta nousi 3.5 prosenttia.", "Korko on 1,25."]),
    (
        "Puhujana oli Maija S. Peltola. Hän on dosentti.",
        ["Puhujana oli Maija S. Peltola.", "Hän on dosentti."],
    ),
    ("J. R. R. Tolkien kirjoitti kirjan.", ["J. R. R. Tolkien kirjoitti kirjan."]),
    # ellipses
    ("Odotin... Mitään ei tapahtunut.", ["Odotin...", "Mitään ei tapahtunut."]),
    ("Odotin… ja odotin.", ["Odotin… ja odotin."]),
    ("Hmm… Ehkä huomenna.", ["Hmm…", "Ehkä huomenna."]),
    # quotes and parentheses
    ("Hän sanoi: ”Tule tänne.” Minä menin.", ["Hän sanoi: ”Tule tänne.”", "Minä menin."]),
    ("”Tule tänne!” hän huusi.", ["”Tule tänne!” hän huusi."]),
    ('"Mitä nyt?" kysyin. Hän ei vastannut.', ['"Mitä nyt?" kysyin.', "Hän ei vastannut."]),
    ("»Lähdetään.» Niin me lähdimme.", ["»Lähdetään.»", "Niin me lähdimme."]),
    ("Tulos oli hyvä (ks. taulukko 2). Jatketaan.", ["Tulos oli hyvä (ks. taulukko 2).", "Jatketaan."]),
    (
        "Se oli hauskaa. (Ainakin minusta.) Sitten lähdimme.",
        ["Se oli hauskaa.", "(Ainakin minusta.)", "Sitten lähdimme."],
    ),
    ("Puolue (vihr.) ilmoitti asiasta.", ["Puolue (vihr.) ilmoitti asiasta."]),
    # new sentences starting with a digit or, as in bad MT, a lowercase letter
    ("Vuosi oli hyvä. 2020 oli vielä parempi.", ["Vuosi oli hyvä.", "2020 oli vielä parempi."]),
    (
        "Se on helppoa. virtuaalinen avustajien hoitaa työt.",
        ["Se on helppoa.", "virtuaalinen avustajien hoitaa työt."],
    ),
    ("Menimme kotiin. sitten söimme.", ["Menimme kotiin.", "sitten söimme."]),
    # question and exclamation marks, emoticons, enumerations
    ("Tuletko? Tulen! Hyvä.", ["Tuletko?", "Tulen!", "Hyvä."]),
    ("Mitä?! Ei voi olla.", ["Mitä?!", "Ei voi olla."]),
    ("Se oli kivaa.:) Huomenna lisää.", ["Se oli kivaa.:)", "Huomenna lisää."]),
    ("Se oli kivaa :) Huomenna lisää.", ["Se oli kivaa :)", "Huomenna lisää."]),
    ("Toimi näin: 1. Avaa sivu. 2. Kirjoita nimi.", ["Toimi näin:", "1. Avaa sivu.", "2. Kirjoita nimi."]),
    ("Yksi lause ilman pistettä", ["Yksi lause ilman pistettä"]),
    # spacing slips of MT: a space before the full stop
    ("Ne ovat suosituksia . Toisinaan he neuvovat.", ["Ne ovat suosituksia .", "Toisinaan he neuvovat."]),
    # empty and Unicode
    ("", []),
    ("   \n  ", []),
    ("Ääkköset ovat ÅÄÖ. Öljy on kallista.", ["Ääkköset ovat ÅÄÖ.", "Öljy on kallista."]),
    ("Emoji 🙂 toimii. Seuraava lause.", ["Emoji 🙂 toimii.", "Seuraava lause."]),
]


@pytest.mark.parametrize(("text", "expected"), CASES, ids=[c[0][:40] or "empty" for c in CASES])
def test_sentence_boundaries(text: str, expected: list[str]) -> None:
    assert sentences(text) == expected


def test_very_long_paragraph() -> None:
    text = " ".join(f"Tämä on lause numero {i}, esim. näin." for i in range(5000))
    spans = split_sentences(text)
    assert len(spans) == 5000
    assert text[spans[-1][0] : spans[-1][1]] == "Tämä on lause numero 4999, esim. näin."


# --- blocks -------------------------------------------------------------------------------------------

BLOCK_CASES = [
    (
        "Otsikko\n\nEnsimmäinen kappale. Toinen lause.\n\nVäliotsikko\n\nToinen kappale.",
        ["title", "paragraph", "heading", "paragraph"],
    ),
    ("Otsikko\nKappale alkaa heti. Ja jatkuu.", ["title", "paragraph"]),
    (
        "Ostoslista:\n\n- maitoa\n- leipää\n- juustoa\n\nLoppu.",
        ["paragraph", "list-item", "list-item", "list-item", "paragraph"],
    ),
    ("Ohje:\n1. Avaa sivu.\n2. Kirjoita nimi.", ["paragraph", "list-item", "list-item"]),
    ("1. luku alkaa tästä. Se on lyhyt.", ["paragraph"]),
    ("Pelkkä kappale ilman otsikkoa, joka päättyy pisteeseen.", ["paragraph"]),
    ("Loppuun jäävä lyhyt rivi\n\nSteve Jen", ["title", "paragraph"]),
    ("Miksi avustaja?\n\nKoska se auttaa.", ["title", "paragraph"]),
]


@pytest.mark.parametrize(("text", "kinds"), BLOCK_CASES, ids=[c[0][:30] for c in BLOCK_CASES])
def test_block_kinds(text: str, kinds: list[str]) -> None:
    assert [b.kind for b in find_blocks(text)] == kinds


def test_hard_wrapped_paragraph_is_one_block() -> None:
    para = (
        "Tämä kappale on rivitetty kiinteään leveyteen, kuten vanhoissa\n"
        "sähköposteissa ja tekstitiedostoissa on tapana, joten rivinvaihto\n"
        "kappaleen sisällä on vain välilyönti eikä lauseen loppu. Toinen\n"
        "lause alkaa rivin lopussa ja jatkuu seuraavalle riville asti.\n"
    )
    text = "Otsikko\n\n" + para + "\n" + para
    blocks = find_blocks(text)
    assert [b.kind for b in blocks] == ["title", "paragraph", "paragraph"]
    segs = segment_text("d", text)
    assert [s.text.replace("\n", " ")[:20] for s in segs if s.block == 1] == [
        "Tämä kappale on rivi",
        "Toinen lause alkaa r",
    ]


def test_short_lines_are_not_taken_for_wrapping() -> None:
    # Short one-line sentences, some starting in lowercase, as in bad MT: every line is a block.
    lines = ["Lyhyt otsikko", "toinen rivi ilman pistettä", "kolmas rivi", "neljäs rivi alkaa pienellä"]
    text = "\n".join(lines)
    assert [s.text for s in segment_text("d", text)] == lines


def test_lines_are_blocks_when_not_wrapped() -> None:
    text = "Ensimmäinen rivi ilman pistettä\nToinen rivi, joka jatkuu pilkun jälkeen,\nja kolmas rivi."
    segs = segment_text("d", text)
    assert [s.text for s in segs] == text.split("\n")


# --- offsets property -------------------------------------------------------------------------------

FINNISH_ALPHABET = "abcdefghijklmnoprstuvyäöåABCDEÄÖ0123456789 .,!?:;…\"”»«()-\n\t\u00a0'"


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_offsets_exact_on_any_unicode(text: str) -> None:
    check_offsets(text, segment_text("p", text))


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=FINNISH_ALPHABET, max_size=400))
def test_offsets_exact_on_finnish_like_text(text: str) -> None:
    segs = segment_text("p", text)
    check_offsets(text, segs)
    # Every non-space character belongs to exactly one segment.
    covered = sum(len(s.text.replace(" ", "")) for s in segs)
    assert covered <= len(text)
    assert all(not ch.strip() for ch in _uncovered(text, segs))


def _uncovered(text: str, segs: list[Segment]) -> str:
    mask = [True] * len(text)
    for s in segs:
        for i in range(s.start, s.end):
            mask[i] = False
    return "".join(ch for ch, m in zip(text, mask, strict=True) if m)
