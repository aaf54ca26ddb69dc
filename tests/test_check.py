"""Finnish checks: each MT-artifact rule on its own cases, the seed pinned, crash isolation, the CLI."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline import check
from pipeline.check import CHECKERS, Checker, check_segments, get_checker
from pipeline.check.mt_artifacts import inflect
from pipeline.errors import ConfigError
from pipeline.finnish import analyses
from pipeline.records import Issue, Segment
from pipeline.segment import segment_text

from .test_cli import run_cli


def issues(text: str, checker: str, kind: str | None = None) -> list[Issue]:
    """Issues one checker finds in `text` (segmented as a document)."""
    segments = segment_text("t", text)
    if kind is not None:
        segments = [Segment.from_dict({**s.to_dict(), "kind": kind}) for s in segments]
    return check_segments(segments, [get_checker(checker)])


def flagged(text: str, checker: str, kind: str | None = None) -> list[tuple[str, str]]:
    """(flagged text, severity) of every issue that is not info."""
    return [(i.text, i.severity) for i in issues(text, checker, kind) if i.severity != "info"]


# --- agreement ------------------------------------------------------------------------------------------

AGREEMENT = [
    ("Kysyntä kasvaa virtuaalinen avustajien keskuudessa.", [("virtuaalinen avustajien", "error")]),
    ("He ovat rehellisiä ja luotettava ihmisiä.", [("luotettava ihmisiä", "error")]),
    ("Heitä on luotettava ihmisinä.", []),  # a necessive: "on luotettava"
    ("Hän asui pieni kaupungissa.", [("pieni kaupungissa", "error")]),
    ("Tämä osasto kohtaa nyt uusi haasteita.", [("uusi haasteita", "error")]),
    ("Hän teki turnauksen kuudes maalin.", [("kuudes maalin", "error")]),
    ("Raskas mielin hän lähti.", [("Raskas mielin", "error")]),
    ("Säännöt voidaan antaa mahdollinen yksityiskohtaiset säännöt -muodossa.", []),
    ("Markkinoitiin jo usea euroopan maissa.", [("usea euroopan maissa", "error")]),
    ("Ei löytynyt vastaava käytännön esteitä.", [("vastaava käytännön esteitä", "error")]),
    # a head with a possessive suffix is also genitive or plural ("tyttärensä"), told by what surrounds it
    ("Häntä syytetään kaksivuotias tyttärensä tapon yrityksestä.", [("kaksivuotias tyttärensä", "error")]),
    ("Halusin oma mietintöni avulla löytää vastauksia.", [("oma mietintöni", "error")]),
    ("Hänen suora määräyksensä olivat epämääräisiä.", [("suora määräyksensä", "error")]),
    ("Jätä nuo hupsu haaveesi.", [("hupsu haaveesi", "error")]),
    ("Heillä oli omat poliittinen järjestelmänsä.", [("poliittinen järjestelmänsä", "error")]),
    ("Hän joutui pinnistämään viimeinen voimansa.", [("viimeinen voimansa", "error")]),
    # correct Finnish: no issue
    ("Hänellä on oma huoneensa yläkerrassa.", []),  # a possessive head in the nominative
    ("Hänen uusi kirjansa ilmestyi viime vuonna.", []),
    ("Hänen isänsä ja nuori veljensä tulivat kotiin.", []),  # a coordinated subject
    ("Menkää tekemään oma osuutenne.", []),  # an imperative: the object is nominative
    ("Meidän täytyy mennä hakemaan oma kirjamme.", []),  # a necessive: the object is nominative
    ("Virtuaalisten avustajien määrä kasvaa.", []),
    ("Kolme avustajaa tuli töihin.", []),  # a cardinal takes the partitive
    ("Hän on hyvä ihmisten kanssa.", []),  # predicative, postposition complement
    ("Arvoisa komission jäsen, kiitos.", []),  # genitive attribute of the next noun
    ("Asia on käsitelty viime vuonna eri maissa.", []),  # indeclinable adjectives
    ("Hän on puolustanut tiedon merkitystä.", []),  # a past participle in a perfect tense
    ("Jäsenvaltioiden on otettava käyttöön säännöt.", []),  # a necessive
    ("Hänet on valittu puheenjohtajaksi.", []),  # a participle with a complement
    ("Se on valmis teuraaksi.", []),
    ("Tämä on erilainen kuin muut.", []),  # "kuin" is no noun here
    ("Hän tuli melko myöhään kotiin.", []),
    ("Ranskasta tuli seitsemäs maailmanmestaruuden voittanut maa.", []),
    ("", []),
]


@pytest.mark.parametrize(("text", "expected"), AGREEMENT, ids=[t[:40] or "empty" for t, _ in AGREEMENT])
def test_agreement(text: str, expected: list[tuple[str, str]]) -> None:
    found = flagged(text, "mt-agreement")
    if text.startswith("Säännöt voidaan"):
        assert ("mahdollinen yksityiskohtaiset säännöt", "error") in found
    else:
        assert found == expected


@pytest.mark.parametrize(
    ("lemma", "form", "expected"),
    [
        ("virtuaalinen", ("omanto", "plural"), "virtuaalisten"),
        ("luotettava", ("osanto", "plural"), "luotettavia"),
        ("uusi", ("osanto", "plural"), "uusia"),
        ("pieni", ("sisaolento", "singular"), "pienessä"),
        ("kuudes", ("omanto", "singular"), "kuudennen"),
        ("välitön", ("omanto", "singular"), "välittömän"),
        ("henkilökohtainen", ("sisatulento", "plural"), "henkilökohtaisiin"),
    ],
)
def test_inflect_confirmed_by_voikko(lemma: str, form: tuple[str, str], expected: str) -> None:
    modifier = next(a for a in analyses(lemma) if a.get("SIJAMUOTO"))
    assert inflect(modifier, {form})[0] == expected


# --- untranslated English --------------------------------------------------------------------------------

UNTRANSLATED = [
    ("Ne ovat ensisijaisesti Design Business aikatauluista.", [("Design Business", "error")]),
    ("Virtual Avustajat ovat erikoistuneita.", [("Virtual", "warning")]),
    ("Hän osti uuden phone eilen.", [("phone", "error")]),
    ("Tilaa Hoxton Mix palvelut nyt.", []),  # a name
    ("Kirjoittanut Steve Jen.", []),
    ("Puisto Golden Gate Park -puisto on suuri.", []),  # a name before a Finnish classifier
    ("Hän lauloi kappaleen ”Walking in the Air” konsertissa.", []),  # a title in quotes
    ("Data ja idea ovat suomen sanoja.", []),  # Finnish words that are also English
    ("Cotton syntyi Lontoossa.", []),  # a name opening a sentence
    ("Tämä on täysin suomenkielinen lause.", []),
    # English that Finnish writing keeps on purpose is info: a gloss, a term before a hyphenated
    # Finnish word, a title or name of several capitalised words mid-sentence.
    ("Se simuloi epäsuoraa valoa (caustics, global illumination) nopeasti.", []),
    ("Hän tekee post doc -tutkimusta Turussa.", []),
    ("Se oli 60-luvun hitti nimeltä Monster Mash.", []),
    ("Dragon Ball Z:ssa hän taistelee.", []),  # a name opening a sentence
    ("Se kuvaa (katso virtual assistant) palvelua.", [("virtual assistant", "error")]),  # not a gloss
    ("Hän osti uuden smart phone eilen.", [("smart phone", "error")]),
    ("Ne ovat Design Business aikatauluista.", [("Design Business", "error")]),  # before a Finnish noun
]


@pytest.mark.parametrize(("text", "expected"), UNTRANSLATED, ids=[t[:40] for t, _ in UNTRANSLATED])
def test_untranslated(text: str, expected: list[tuple[str, str]]) -> None:
    assert flagged(text, "mt-untranslated") == expected


# --- spacing, casing, verbs, Voikko ------------------------------------------------------------------------

OTHER = [
    ("mt-spacing", "Ne ovat suosituksia . Toisinaan ei.", [("suosituksia .", "error")]),
    ("mt-spacing", "Hinta on 5 % , ei enempää.", [("% ,", "error")]),
    (
        "mt-spacing",
        "Ne toimivat tilauksesta /hankekohtaisesti.",
        [("tilauksesta /hankekohtaisesti", "warning")],
    ),
    ("mt-spacing", "Valitse ja/tai muu. Odotin ... ja odotin.", []),
    ("mt-double-finite", "Avustajat ovat usein pidetään luotettavina.", [("ovat usein pidetään", "warning")]),
    ("mt-double-finite", "Avustajat ovat usein luotettavia.", []),
    ("voikko-grammar", "heilahduksen virtuaalitoimistot kasvavat.", [("heilahduksen", "error")]),
    ("voikko-grammar", "Hän meni meni kotiin.", [("meni meni", "error")]),
]


@pytest.mark.parametrize(("checker", "text", "expected"), OTHER, ids=[f"{c}:{t[:30]}" for c, t, _ in OTHER])
def test_other_rules(checker: str, text: str, expected: list[tuple[str, str]]) -> None:
    assert flagged(text, checker) == expected


def test_title_case_only_in_headings() -> None:
    assert flagged("Virtual Avustajat", "mt-title-case", kind="heading") == [("Avustajat", "warning")]
    assert flagged("Henkilökohtaiset avustajat", "mt-title-case", kind="heading") == []
    assert flagged("Hän muutti Uuteen Kaupunkiin.", "mt-title-case") == []


def test_speller_reports_unknown_words_as_info_with_suggestions() -> None:
    found = issues("Tämä on kirjotettu väärin ja Hoxtonissa.", "voikko-spell")
    by_text = {i.text: i for i in found}
    assert by_text["kirjotettu"].severity == "info"
    assert "kirjoitettu" in by_text["kirjotettu"].suggestions
    assert by_text["Hoxtonissa"].category == "unknown-name"
    assert all(i.severity == "info" for i in found)


# --- the seed ----------------------------------------


def test_seed_findings(seed_path: Path) -> None:
    found = [i for i in check.check_file(seed_path) if i.severity in ("error", "warning")]

    def texts(rule: str) -> list[str]:
        return [i.text for i in found if i.rule == rule]

    text = seed_path.read_text(encoding="utf-8")
    assert texts("adjective-noun-agreement").count("virtuaalinen avustajien") == text.count(
        "virtuaalinen avustajien"
    )
    assert "luotettava ihmisiä" in texts("adjective-noun-agreement")
    assert sorted(texts("untranslated-english")) == [
        "Design Business",
        "Virtual",
        "Virtual",
        "Virtual Assistant",
    ]
    lowercase_starts = [i.text for i in found if i.category == "casing" and i.text[0].islower()]
    assert lowercase_starts == ["heilahduksen", "virtuaalinen", "menettämisen"]
    assert texts("space-before-punctuation") == ["suosituksia ."]
    assert texts("lopsided-slash") == ["tilauksesta /hankekohtaisesti"]
    assert texts("finite-after-olla") == ["ovat usein pidetään"]
    for name in ("Hoxton", "Mix", "Steve", "Jen"):
        assert not [i for i in found if name in i.text.split()], name
    assert all(i.start < i.end and text[i.start : i.end] == i.text for i in found)


def test_every_issue_has_the_contract_fields(seed_path: Path) -> None:
    for issue in check.check_file(seed_path):
        row = issue.to_dict()
        for key in (
            "doc",
            "segment",
            "start",
            "end",
            "category",
            "rule",
            "severity",
            "message",
            "suggestions",
            "source",
        ):
            assert key in row
        assert row["severity"] in ("error", "warning", "info")


# --- registry, crash isolation, CLI ------------------------------


class Exploding(Checker):
    """A checker that fails on segments mentioning a bomb."""

    name = "exploding"

    def check(self, seg: Segment) -> Iterator[Issue]:
        if "pommi" in seg.text:
            raise ValueError("boom")
        yield from ()


def test_a_crashing_checker_yields_an_internal_error_and_the_run_goes_on() -> None:
    segments = segment_text("t", "Tässä on pommi. Hän meni meni kotiin.")
    found = check_segments(segments, [Exploding(), get_checker("voikko-grammar")])
    internal = [i for i in found if i.category == "internal-error"]
    assert len(internal) == 1
    assert internal[0].segment == segments[0].id and "ValueError: boom" in internal[0].message
    assert any(i.text == "meni meni" for i in found)


def test_unknown_checker_lists_the_valid_ones() -> None:
    valid = ", ".join(CHECKERS)
    with pytest.raises(ConfigError, match=f"valid checkers: {valid}"):
        get_checker("nope")


def test_check_cli_on_text_and_on_segments(seed_path: Path, tmp_path: Path) -> None:
    segments = tmp_path / "segments.jsonl"
    assert run_cli("segment", str(seed_path), "-o", str(segments)).returncode == 0
    from_text = run_cli("check", str(seed_path))
    from_segments = run_cli("check", str(segments))
    assert from_text.returncode == 0 and from_segments.returncode == 0
    assert from_text.stdout == from_segments.stdout
    rows = [json.loads(line) for line in from_text.stdout.splitlines()]
    assert any(r["rule"] == "adjective-noun-agreement" for r in rows)


def test_check_cli_bad_segments_file(tmp_path: Path) -> None:
    bad = tmp_path / "segments.jsonl"
    bad.write_text('{"id": "x"\n', encoding="utf-8")
    proc = run_cli("check", str(bad), "-o", str(tmp_path / "issues.jsonl"))
    assert proc.returncode == 1
    assert proc.stderr == f"pipeline: error: {bad}: line 1: not valid JSON (Expecting ',' delimiter)\n"
    assert not (tmp_path / "issues.jsonl").exists()
