"""Syntax checks on the real Finnish parser (issue 11): government, object, negation, agreement and
subject cases with clean controls, the parse's offsets, the safe-correction rule of the clean stage."""

from __future__ import annotations

from unittest import mock

import numpy as np
import pytest

from pipeline import casemodel, parse, valency
from pipeline.check import CHECKERS, check_segments, get_checker
from pipeline.clean import plan_changes
from pipeline.errors import InputError
from pipeline.records import Issue
from pipeline.segment import segment_text

SYNTAX = [name for name in CHECKERS if name.startswith("syntax-")]
ANY = mock.ANY


def syntax_issues(text: str) -> list[Issue]:
    """Error and warning issues of every syntax checker in `text` (segmented as a document)."""
    found = check_segments(segment_text("t", text), [get_checker(n) for n in SYNTAX])
    return [i for i in found if i.severity != "info"]


def flagged(text: str) -> list[tuple[str, str, object]]:
    """(rule, flagged text, first suggestion) of every error or warning."""
    return [(i.rule, i.text, i.suggestions[0] if i.suggestions else None) for i in syntax_issues(text)]


# (text, expected (rule, span, first suggestion)); the machine-translation errors the issue names first.
CASES = [
    # government: an adverbial or an adposition's complement left in the nominative (the parser
    # calls "kokous" an object; a verb the lexicon has seen with adverbials and never with an object
    # takes the model's best adverbial case instead of its object case: "kokoukseen" here, but
    # "kokoukselle" with "eilen" before it, so ANY leaves the suggestion unpinned)
    ("Hän osallistui kokous eilen.", [("case-government", "kokous", ANY)]),
    ("Hän osallistui eilen kokous.", [("case-government", "kokous", ANY)]),
    # verbs that govern the illative or the elative (hand-written valency rows: the text the lexicon
    # is built from is thin on them)
    ("Hän tutustui uusi järjestelmä.", [("case-government", "uusi järjestelmä", "uuteen järjestelmään")]),
    ("Me keskustelimme projekti pitkään.", [("case-government", "projekti", "projektista")]),
    ("Hän tutustui uuteen järjestelmään.", []),
    ("Asia selvisi kone avulla.", [("adposition-case", "kone", "koneen")]),
    # a preposition the lexicon has seen with the partitive takes it (the model alone said "autosta")
    ("Hän lähti kotiin ilman auto.", [("adposition-case", "auto", "autoa")]),
    ("Kävelimme kohti kaupunki.", [("adposition-case", "kaupunki", "kaupunkia")]),
    ("Hän lähti kotiin ilman autoa.", []),
    ("Ennen kaupunki oli pieni.", []),  # "ennen" as an adverb
    # "päästä" after a quantity is a postposition (genitive), after a bare noun the verb
    ("Ehkä kymmenen vuosi päästä juhlimme.", [("adposition-case", "kymmenen vuosi", "kymmenen vuoden")]),
    ("Ehkä kymmenen vuoden päästä juhlimme.", []),
    ("Hänen tavoite päästä finaaliin oli selvä.", []),
    # an interrogative or relative pronoun inflects with its noun
    (
        "Hän levitti sen kaikkialle, mikä tekniikka ei oltu aiemmin käytetty.",
        [("object-case", "mikä tekniikka", "mitä tekniikkaa")],
    ),
    ("Hän ei kertonut, mikä tekniikka oli käytössä.", []),
    # object case: a nominative object in an active clause with a subject; partitive under negation
    ("Hän ei ostanut auto.", [("object-case", "auto", "autoa")]),
    (
        "Virtuaalinen avustajien pidetään usein yrittäjinä.",
        [("object-case", "Virtuaalinen avustajien", "Virtuaalisia avustajia")],
    ),
    # negation: a negated existential or possessive clause takes a partitive subject
    ("Eikä hänellä ole auto.", [("negation-partitive", "auto", "autoa")]),
    ("Meillä ei ole rahat.", [("negation-partitive", "rahat", "rahoja")]),
    # agreement by the tree: the noun takes its modifiers' case
    ("Tiedote lähetettiin kaikille käyttäjät.", [("modifier-agreement", "käyttäjät", "käyttäjille")]),
    ("Hän asuu pienessä kaupunki.", [("modifier-agreement", "kaupunki", "kaupungissa")]),
    # subject: a finite verb in the third person takes a nominative subject
    (
        "Tyypillisesti virtuaalinen avustajien hoitaa tehtäviään verkossa.",
        [("genitive-subject", "virtuaalinen avustajien hoitaa", "virtuaaliset avustajat hoitavat")],
    ),
    (
        "Näin virtuaalinen avustajien saavat mahdollisuuden.",
        [("genitive-subject", "virtuaalinen avustajien", "virtuaaliset avustajat")],
    ),
    # verbs: agreement with a plural subject, a bare infinitive for the finite verb
    ("Henkilökohtaiset avustajat hoitaa asiat.", [("subject-verb-agreement", "hoitaa", "hoitavat")]),
    (
        "Henkilökohtaiset avustajat valvoa jos säännöt toteutuvat.",
        [("missing-finite-verb", "valvoa", "valvovat")],
    ),
    # numerals: a cardinal in the nominative takes the partitive
    ("Hän julkaisi kaksi albumi.", [("numeral-partitive", "albumi", "albumia")]),
    # time adverbials: a year before its number in the essive, a weekday in the essive, a month in
    # the inessive; "asti" after the year wants the illative
    ("Hän palasi vuosi 1984 kotiin.", [("case-government", "vuosi", "vuonna")]),
    ("Hän asui siellä vuosi 2002 asti.", [("case-government", "vuosi", "vuoteen")]),
    ("Yhtiö tiedotti asiasta keskiviikko.", [("case-government", "keskiviikko", "keskiviikkona")]),
    ("Hänet erotettiin heinäkuu.", [("case-government", "heinäkuu", "heinäkuussa")]),
    # a modifier that carries an oblique case decides, whatever the model says
    ("Tieto löytyy kiinalaisesta teksti.", [("modifier-agreement", "teksti", "tekstistä")]),
    ("Hän teki sen eräässä tilanne.", [("modifier-agreement", "tilanne", "tilanteessa")]),
    # ... also when the parser leaves it unattached: "eräs" never stands alone, and a participle in a
    # place case agrees with the noun after it (an essive one is an adverbial of its own)
    ("Eräässä tilanne vihjataan, että hän on agentti.", [("case-government", "tilanne", "tilanteessa")]),
    (
        "Aiemmin pidetyssä kokous nostettiin esille kysymys rahoituksesta.",
        [("case-government", "kokous", "kokouksessa")],
    ),
    (
        "Kesällä järjestetyssä tapahtuma esiintyi monta bändiä.",
        [("case-government", "tapahtuma", "tapahtumassa")],
    ),
    ("Aiemmin pidetyssä kokouksessa nostettiin esille kysymys rahoituksesta.", []),
    ("Oluen valmistamiseen verrattuna makkara on helppo.", []),
    # ... also under negation, where an object would be partitive
    ("Hän ei halunnut hakea kolmannelle kausi.", [(ANY, "kausi", "kaudelle")]),
    # ... also before a name, where a bare nominative noun would be a title
    ("Tuohon aika Marcelle jätettiin usein yksin.", [("modifier-agreement", "aika", "aikaan")]),
    # a transitive verb's nominative noun is a misplaced object before it is a place
    ("Me käsittelemme tämä asia tänään.", [("object-case", "tämä asia", "tätä asiaa")]),
    # a nominative before a name that the parser does not attach to it is no title (found; the
    # case is the model's guess)
    ("Ranska kukisti loppuottelu Brasilian.", [(ANY, "loppuottelu", ANY)]),
    # an irresultative verb (the hand-written valency rows) takes a partitive object
    (
        "Oppisimme arvostamaan se arkiromantiikka.",
        [("object-case", "se arkiromantiikka", "sitä arkiromantiikkaa")],
    ),
    ("Hän ilahduttaa kumppani erityisesti.", [("object-case", "kumppani", "kumppania")]),
    ("Oppisimme arvostamaan sitä arkiromantiikkaa.", []),
    # ... in every clause, the passive too
    ("Työ arvostetaan kaikkialla.", [("object-case", "Työ", "Työtä")]),
    ("Työtä arvostetaan kaikkialla.", []),
    # a nominative the parser misreads as a partitive is judged too; a predicate's is right
    ("Pallo lensi aita yli.", [(ANY, "aita", "aidan")]),
    ("Ajattelin hänen olevan huonojen uutisten tuoja.", []),
    # a second nominative "subject" after a verb that has its subject: the object left nominative
    ("Komitea kannatti komission ehdotus.", [("object-case", "ehdotus", "ehdotusta")]),
    # ... unless the verb is one the lexicon has not seen with objects: then the model's place case
    # (the place case is the model's: "suuressa" or "suurella yrityksellä", as it was trained)
    ("Hän työskentelee suuri yritys.", [("case-government", "suuri yritys", ANY)]),
    ("Hän asuu pieni kaupunki Suomessa.", [("case-government", "pieni kaupunki", "pienessä kaupungissa")]),
    ("Hän työskentelee suuressa yrityksessä.", []),
    # an active finite verb with a personal ending never takes a nominative noun as its object,
    # whatever the case model says (its training text has few first persons)
    ("Ensinnäkin ehdotamme mekanismi, jolla asia ratkaistaan.", [("object-case", "mekanismi", "mekanismia")]),
    ("Ostin auto eilen.", [("object-case", "auto", ANY)]),
    ("Ostakaa auto heti.", []),  # an imperative: the total object is nominative
    # ... nor does an infinitive such a verb governs, nor the perfect of such a clause
    ("Haluan ostaa auto.", [("object-case", "auto", ANY)]),
    ("Liitot ovat vaatineet lainsäädännön kumoaminen.", [(ANY, "kumoaminen", ANY)]),
    ("Hän haluaa ostaa auton.", []),
    # ... and the progressive, whose object is partitive
    ("Olemme rakentamassa uusi talo.", [("object-case", "uusi talo", "uutta taloa")]),
    ("Olemme rakentamassa uutta taloa.", []),
    ("On helppo ostaa auto.", []),
    # coordinated nouns share their case; a numeral's partitive is its own
    ("Hän osti maitoa ja leipä.", [(ANY, "leipä", "leipää")]),
    ("Pihalla on neljä kämppää ja talli.", []),
    ("Kissa ja koira leikkivät.", []),
    # only a pronoun can be the subject of a verb in the first or second person
    ("Komensin kaikki pois, ja into ryhdyimme työhön.", [("case-government", "into", ANY)]),
    ("Vaimo ja minä menimme kotiin.", []),
    ("Sinä idiootti et ymmärrä mitään.", []),
    # clean controls: correct Finnish gives nothing
    ("Komitea kannatti komission ehdotusta.", []),
    ("Eilen tuli kesä.", []),
    ("Hän palasi vuonna 1984 kotiin.", []),
    ("Vuosi 1984 oli hyvä.", []),  # a subject keeps its nominative
    # a unit of time with a determiner is an essive adverbial unless it is the subject
    ("Tämä vuosi yritys kasvoi nopeasti.", [("case-government", "Tämä vuosi", "Tänä vuonna")]),
    ("Seuraava päivä hän lähti kotiin.", [("case-government", "Seuraava päivä", "Seuraavana päivänä")]),
    ("Tämä vuosi oli hyvä.", []),
    ("Seuraava päivä alkoi hyvin.", []),
    ("Keskiviikko on viikon paras päivä.", []),
    ("Tieto löytyy kiinalaisesta tekstistä.", []),
    ("Me käsittelemme tätä asiaa tänään.", []),
    ("Tuohon aikaan Marcelle jätettiin usein yksin.", []),
    ("Hän osallistui eilen kokoukseen.", []),
    ("Asia selvisi koneen avulla.", []),
    ("Hän ei ostanut autoa.", []),
    ("Auto ostettiin eilen.", []),  # a passive: the object is nominative
    ("Osta auto huomenna.", []),  # an imperative
    ("Minun täytyy ostaa auto.", []),  # a necessive
    ("Hänellä ei ole autoa.", []),
    ("Auto ei ole punainen.", []),  # a negated predication, not an existential clause
    ("Tiedote lähetettiin kaikille käyttäjille.", []),
    ("Virtuaalisten avustajien ei tarvitse työskennellä toimistossa.", []),  # a necessive's genitive
    ("Kuvanveistäjä Pygmalion rakastui patsaaseen.", []),  # a title before a name
    ("Tarina kertoo kuvanveistäjä Pygmalionista.", []),  # an agent noun before a name, parsed apart
    ("Ranska kukisti loppuottelussa Brasilian.", []),
    ("Kysyntä- ja tarjontasuhteet muuttuivat.", []),  # a hyphenated first part
    ("Hoxton Mix tarjoaa virtuaalitoimistoja Lontoossa.", []),  # a name
    ("Henkilökohtaiset avustajat hoitavat asiat.", []),
    ("Talossa on ikkunat.", []),  # an existential "olla" keeps the singular
    ("Hän julkaisi kaksi albumia.", []),
    ("Versio 6 julkaistiin vuonna 2007.", []),  # digits are left alone
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_syntax_cases(text: str, expected: list[tuple[str, str, object]]) -> None:
    assert flagged(text) == expected


@pytest.mark.parametrize("text", ["", "   ", "Hei!", "Ja.", "😀 " * 50])
def test_empty_and_odd_input(text: str) -> None:
    assert flagged(text) == []


def test_very_long_sentence_keeps_offsets() -> None:
    text = "Hän osallistui eilen kokous ja " * 200 + "lähti kotiin."
    found = syntax_issues(text)
    assert found and all(text[i.start : i.end] == i.text for i in found)


def test_parse_maps_words_to_document_offsets() -> None:
    text = "Otsikko\n\nEnsimmäinen  lause tässä. Toinen lause on   tässä."
    segments = segment_text("t", text)
    parses = parse.parse_segments(segments)
    for seg in segments:
        words = parses[seg.id].words
        assert [w.i for w in words] == list(range(len(words)))
        assert all(text[w.start : w.end] == w.text for w in words)
        assert all(seg.start <= w.start < w.end <= seg.end for w in words)
        assert all(0 <= w.head < len(words) for w in words)


def test_one_parse_per_document(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    real = parse.parse_segments

    def counting(segments: object) -> object:
        calls.append(1)
        return real(segments)  # type: ignore[arg-type]

    monkeypatch.setattr(parse, "parse_segments", counting)
    check_segments(
        segment_text("t", "Hän osallistui kokous. Toinen lause."), [get_checker(n) for n in SYNTAX]
    )
    assert calls == [1]


def test_missing_parser_model_is_one_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    parse.nlp.cache_clear()
    monkeypatch.setattr(parse, "MODEL", "no_such_spacy_model")
    try:
        with pytest.raises(parse.ParserUnavailable, match="spacy-fi-experimental-web-md is not installed"):
            parse.nlp()
    finally:
        parse.nlp.cache_clear()


@pytest.mark.parametrize(
    ("content", "problem"),
    [("gov\tx\n", "line 1: expected kind, lemma, pos, relation, case, count"), (None, "cannot read")],
)
def test_bad_lexicon_is_an_input_error(
    tmp_path: pytest.TempPathFactory, content: str | None, problem: str
) -> None:
    path = tmp_path / "valency.tsv"  # type: ignore[operator]
    if content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError, match=problem):
        valency.lexicon(path)


def test_hand_written_valency_rows_are_added() -> None:
    assert valency.governed("arvostaa", "VERB", ("obj",))["Par"] >= 3
    assert valency.lexicon(valency.LEXICON, None).get(("gov", "arvostaa", "VERB", "obj")) is None


def test_bad_case_model_is_an_input_error(tmp_path: pytest.TempPathFactory) -> None:
    path = tmp_path / "casemodel.tsv"  # type: ignore[operator]
    path.write_text("bias\tNom\tnot-a-number\n", encoding="utf-8")
    with pytest.raises(InputError, match="line 1: expected feature, case, weight"):
        casemodel.model(path)


def test_case_model_gives_probabilities() -> None:
    segments = segment_text("t", "Hän osallistui eilen kokous.")
    parsed = parse.parse_segments(segments)[segments[0].id]
    word = next(w for w in parsed.words if w.text == "kokous")
    vector = casemodel.vector(parsed, word)
    probs = casemodel.model().probabilities(casemodel.features(parsed, word), vector)
    assert set(probs) == set(casemodel.CASES)
    assert abs(sum(probs.values()) - 1) < 1e-9
    assert probs["Nom"] < 0.5
    # the dense input: the parser's context vectors of the noun and its head, never written out
    assert parsed.vectors.shape[0] == len(parsed.words)
    assert vector.shape == (2 * parsed.vectors.shape[1],)
    assert "vectors" not in parsed.to_dict()
    assert casemodel.vector(parsed.from_dict(parsed.to_dict()), word) is None


def test_case_model_dense_rows(tmp_path: pytest.TempPathFactory) -> None:
    path = tmp_path / "casemodel.tsv"  # type: ignore[operator]
    path.write_text(
        "bias\tNom\t1.0\nctx0\tmean\t0.25\nctx0\tIll\t2.0\nctx1\tmean\t0\nctx1\tNom\t-1\n",
        encoding="utf-8",
    )
    model = casemodel.model(path)
    assert model.dense is not None and model.dense.shape == (2, len(casemodel.CASES))
    # a vector adds its product with the dense weights; a missing one stands at the training mean
    ill = model.probabilities(["bias"], np.array([3.0, 0.0], dtype=np.float32))
    mean = model.probabilities(["bias"])
    assert ill["Ill"] > mean["Ill"] and mean["Nom"] > mean["Ill"]
    gap = tmp_path / "gap.tsv"  # type: ignore[operator]
    gap.write_text("ctx0\tNom\t1.0\nctx2\tNom\t1.0\n", encoding="utf-8")
    with pytest.raises(InputError, match="skip a component"):
        casemodel.model(gap)


# --- the safe-correction rule ---------------------------------------------------------------------------


def _issue(rule: str, severity: str, suggestions: list[str], start: int = 15, end: int = 21) -> Issue:
    text = "Hän osallistui kokous eilen."
    return Issue(
        "t", "t:b000:s00", start, end, "case", rule, severity, "m", suggestions, "pipeline", text[start:end]
    )


@pytest.mark.parametrize(
    ("issue", "applied"),
    [
        (_issue("case-government", "error", ["kokoukseen"]), True),
        (_issue("case-government", "warning", ["kokoukseen"]), False),  # not sure: a suggestion only
        (_issue("case-government", "warning", []), False),
        (_issue("object-case", "error", ["kokousta"]), True),
    ],
)
def test_clean_applies_only_sure_syntax_fixes(issue: Issue, applied: bool) -> None:
    text = "Hän osallistui kokous eilen."
    segments = segment_text("t", text)
    changes = plan_changes(text, segments, [issue])
    assert [c.applied for c in changes] == ([True] if applied else [])


def test_syntax_fix_wins_over_adjacent_agreement_on_the_same_span() -> None:
    text = "Tyypillisesti virtuaalinen avustajien hoitaa tehtäviään."
    segments = segment_text("t", text)
    span = (14, 37)
    adjacent = Issue(
        "t",
        segments[0].id,
        *span,
        "agreement",
        "adjective-noun-agreement",
        "error",
        "m",
        ["virtuaalisten avustajien"],
        "pipeline",
        text[span[0] : span[1]],
    )
    syntax = Issue(
        "t",
        segments[0].id,
        *span,
        "case",
        "genitive-subject",
        "error",
        "m",
        ["virtuaaliset avustajat"],
        "pipeline",
        text[span[0] : span[1]],
    )
    changes = plan_changes(text, segments, [adjacent, syntax])
    assert [(c.rule, c.applied) for c in changes] == [
        ("genitive-subject", True),
        ("adjective-noun-agreement", False),
    ]


def test_lemmatiser_shares_the_voikko_cache() -> None:
    """The model's lemmatiser reads Voikko through the process-wide cache, with the lemmas of a fresh
    Voikko, and may edit the analyses it gets without spoiling the cache."""
    from pipeline.finnish import voikko  # noqa: PLC0415

    lemmatizer = parse.nlp().get_pipe("lemmatizer")
    text = "Kivelä siirtyi akateemiseen maailmaan vuonna 1984 Kaakkois-Suomesta."
    cached = [t.lemma_ for t in parse.nlp()(text)]
    shared, lemmatizer.voikko = lemmatizer.voikko, voikko()
    try:
        fresh = [t.lemma_ for t in parse.nlp()(text)]
    finally:
        lemmatizer.voikko = shared
    assert cached == fresh
    assert [t.lemma_ for t in parse.nlp()(text)] == fresh


def test_place_sure_keeps_an_adverbial_from_the_second_subject_rule() -> None:
    from pipeline.check import syntax  # noqa: PLC0415

    def sure(text: str, form: str) -> bool:
        segments = segment_text("t", text)
        parsed = parse.parse_segments(segments)[segments[0].id]
        word = next(w for w in parsed.words if w.text == form)
        probs = casemodel.model().probabilities(
            casemodel.features(parsed, word), casemodel.vector(parsed, word)
        )
        return syntax._place_sure(probs, parsed, word)

    # the model is sure of the illative of "koti" after "palasi"; of no place for "ehdotus"
    assert sure("Hän palasi koti illalla.", "koti")
    assert not sure("Komitea kannatti komission ehdotus.", "ehdotus")
