"""Role attributes: the seed's comparison, a second article with its own schema, schema errors, outputs."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

from pipeline import attributes
from pipeline.attributes import RoleAttribute
from pipeline.errors import InputError
from pipeline.segment import segment_text

from .conftest import ROOT
from .test_cli import run_cli

DATA = ROOT / "tests" / "data"
SCHEMA = ROOT / "corpus" / "personal-vs-virtual-assistants.schema.yaml"


def run_doc(tmp_path: Path, text: Path, schema: Path) -> Path:
    """Run every stage on a copy of a document and its schema; the output directory."""
    shutil.copyfile(text, tmp_path / text.name)
    shutil.copyfile(schema, tmp_path / schema.name)
    out = tmp_path / "out"
    proc = run_cli("-q", "run", str(tmp_path / text.name), "--out-dir", str(out))
    assert proc.returncode == 0, proc.stderr
    return out


@pytest.fixture(scope="module")
def seed_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return run_doc(
        tmp_path_factory.mktemp("seed"), ROOT / "corpus" / "personal-vs-virtual-assistants.fi.txt", SCHEMA
    )


@pytest.fixture(scope="module")
def seed_rows(seed_out: Path) -> pd.DataFrame:
    return pd.read_csv(seed_out / "role_attributes.csv", keep_default_na=False)


EXPECTED = {
    # attribute: roles the article gives it
    "workplace": {"personal_assistant", "virtual_assistant"},
    "reporting": {"personal_assistant", "virtual_assistant"},
    "engagement": {"personal_assistant", "virtual_assistant"},
    "schedule": {"virtual_assistant"},
    "pay": {"virtual_assistant"},
    "job_security": {"personal_assistant", "virtual_assistant"},
    "career": {"personal_assistant", "virtual_assistant"},
    "communication": {"virtual_assistant"},
    "duties": {"personal_assistant", "virtual_assistant"},
    "standing": {"personal_assistant"},
}


def test_seed_covers_every_dimension(seed_rows: pd.DataFrame) -> None:
    found = seed_rows.groupby("attribute")["role"].apply(set).to_dict()
    assert found == EXPECTED


def test_seed_polarity_negation_and_contrast(seed_rows: pd.DataFrame) -> None:
    def polarity(role: str, attribute: str, segment_suffix: str) -> str:
        row = seed_rows[
            (seed_rows.role == role)
            & (seed_rows.attribute == attribute)
            & seed_rows.segment.str.endswith(segment_suffix)
        ]
        assert len(row) == 1
        return str(row.polarity.iloc[0])

    assert polarity("virtual_assistant", "schedule", "b012:s00") == "negative"  # "ei tarvitse … kiinteä"
    assert polarity("virtual_assistant", "pay", "b012:s01") == "negative"  # "ei ole kiinteä"
    assert polarity("virtual_assistant", "workplace", "b009:s01") == "negative"
    assert polarity("personal_assistant", "workplace", "b009:s01") == "positive"  # "toisin kuin"
    assert polarity("personal_assistant", "job_security", "b013:s00") == "more"  # "suurempi … kuin"
    assert polarity("virtual_assistant", "job_security", "b013:s00") == "less"
    assert polarity("personal_assistant", "career", "b014:s00") == "negative"


@pytest.fixture(scope="module")
def seed_comparison(seed_out: Path) -> pd.DataFrame:
    return pd.read_csv(seed_out / "comparison.csv", keep_default_na=False)


# (attribute, role, direction, the short value or its start); the value is a clause, not the sentence.
SEED_CELLS = [
    ("job security", "personal assistant", "more", "Menettämisen pelko työpaikan on suurempi"),
    ("job security", "virtual assistant", "less", "Menettämisen pelko työpaikan on suurempi"),
    (
        "schedule",
        "virtual assistant",
        "not",
        "virtuaalisten avustajien ei tarvitse työskennellä kiinteää ajoitusta",
    ),
    (
        "where they work",
        "virtual assistant",
        "not",
        "fyysisesti läsnä virtuaalinen avustaja ei ole pakollista",
    ),
    (
        "where they work",
        "personal assistant",
        "yes",
        "fyysisesti läsnä virtuaalinen avustaja ei ole pakollista",
    ),
    (
        "career growth",
        "virtual assistant",
        "yes",
        "virtuaaliset avustajat riippuvat itse uran ja ammatillisen kasvun",
    ),
    (
        "career growth",
        "personal assistant",
        "not",
        "virtuaaliset avustajat riippuvat itse uran ja ammatillisen kasvun",
    ),
]


@pytest.mark.parametrize(("attribute", "role", "direction", "value"), SEED_CELLS)
def test_seed_comparison_short_values_with_direction(
    seed_comparison: pd.DataFrame, attribute: str, role: str, direction: str, value: str
) -> None:
    cell = seed_comparison[(seed_comparison.attribute_en == attribute) & (seed_comparison.role_en == role)]
    found = {(r.direction, r.value_fi) for r in cell.itertuples()}
    assert any(d == direction and v.startswith(value) for d, v in found), found


def test_seed_comparison_values_are_parts_of_their_segments(
    seed_out: Path, seed_rows: pd.DataFrame, seed_comparison: pd.DataFrame
) -> None:
    rows = seed_comparison[seed_comparison.value_fi != ""]
    cleaned = (seed_out / "cleaned.fi.txt").read_text(encoding="utf-8")
    sentences = dict(zip(seed_rows.segment, seed_rows.fi_source, strict=True))
    assert all(v in cleaned for v in rows.value_fi)
    # Shorter than the sentence for most cells: the sentence's other clauses are left out.
    shorter = sum(len(r.value_fi) < len(sentences[r.segment]) - 2 for r in rows.itertuples())
    assert shorter >= len(rows) * 0.6, rows.value_fi.tolist()
    assert set(rows.direction) == {"yes", "not", "more", "less"}
    for segment, anchor in zip(rows.segment, rows.anchor, strict=True):
        block, sentence = (int(part[1:]) for part in segment.split(":")[1:])
        assert anchor == f"s-{block}-{sentence}"
    md = (seed_out / "comparison.md").read_text(encoding="utf-8")
    assert "| ominaisuus (attribute) | henkilökohtainen avustaja (personal assistant) |" in md
    assert "](report.html#s-13-0) (less, by contrast)" in md


def test_seed_no_rows_from_introduction_or_advertisement(seed_rows: pd.DataFrame) -> None:
    blocks = {s.split(":")[1] for s in seed_rows.segment}
    assert not blocks & {"b000", "b001", "b002", "b015"}
    assert not seed_rows.fi_source.str.contains("Hoxton").any()


def test_seed_values_are_cleaned_and_sources_verbatim(seed_rows: pd.DataFrame) -> None:
    row = seed_rows[seed_rows.segment.str.endswith("b012:s00")].iloc[0]
    assert "virtuaalisten avustajien" in row.value_fi
    assert "virtuaalinen avustajien" in row.fi_source
    assert (seed_rows.value_en == "").all()
    assert (seed_rows.value_en_status == "skipped: no fi→en model (run make models)").all()
    assert set(seed_rows.method) <= {"mention", "section", "contrast"}


def test_second_article_with_its_own_schema(tmp_path: Path) -> None:
    out = run_doc(tmp_path, DATA / "cats-and-dogs.fi.txt", DATA / "cats-and-dogs.schema.yaml")
    rows = pd.read_parquet(out / "role_attributes.parquet")
    got = {(r.role, r.attribute, r.polarity) for r in rows.itertuples()}
    assert got == {
        ("cat", "housing", "positive"),
        ("cat", "exercise", "negative"),
        ("cat", "costs", "less"),  # "Kissan ruokakulut ovat pienemmät kuin koiran kulut"
        ("dog", "costs", "more"),
        ("dog", "exercise", "positive"),
        ("dog", "alone", "negative"),
        ("cat", "alone", "positive"),
        ("dog", "loyalty", "positive"),
    }
    assert "soita" not in " ".join(rows.fi_source)  # the advertisement gives nothing
    comparison = pd.read_csv(out / "comparison.csv", keep_default_na=False)
    assert list(comparison.columns) == attributes.COMPARISON_COLUMNS
    cells = {(r.attribute_en, r.role_en): (r.direction, r.value_fi) for r in comparison.itertuples()}
    assert cells[("loyalty", "cat")] == ("", "")  # the article says nothing: one empty row
    assert cells[("costs", "cat")] == ("less", "Kissan ruokakulut ovat pienemmät kuin koiran kulut")
    assert cells[("costs", "dog")] == ("more", "Kissan ruokakulut ovat pienemmät kuin koiran kulut")
    assert cells[("housing", "cat")] == ("yes", "Kissa viihtyy hyvin pienessä asunnossa")
    assert cells[("exercise", "cat")] == ("not", "Se ei tarvitse päivittäisiä ulkoilulenkkejä")
    md = (out / "comparison.md").read_text(encoding="utf-8")
    assert "| ominaisuus (attribute) | kissa (cat) | koira (dog) |" in md
    assert (
        "| kulut (costs) | [Kissan ruokakulut ovat pienemmät kuin koiran kulut](report.html#s-3-2) (less) | "
        "[Kissan ruokakulut ovat pienemmät kuin koiran kulut](report.html#s-3-2) (more, by contrast) |"
    ) in md


def test_parquet_round_trips(tmp_path: Path) -> None:
    out = run_doc(tmp_path, DATA / "cats-and-dogs.fi.txt", DATA / "cats-and-dogs.schema.yaml")
    csv = pd.read_csv(out / "role_attributes.csv", keep_default_na=False)
    parquet = pd.read_parquet(out / "role_attributes.parquet")
    assert list(parquet.columns) == attributes.COLUMNS
    pd.testing.assert_frame_equal(csv, parquet, check_dtype=False)


def test_no_schema_no_tables(tmp_path: Path) -> None:
    src = tmp_path / "plain.fi.txt"
    src.write_text("Otsikko\n\nKissa nukkuu.\n", encoding="utf-8")
    assert run_cli("-q", "run", str(src), "--out-dir", str(tmp_path / "out")).returncode == 0
    assert not (tmp_path / "out" / "role_attributes.csv").exists()


BAD_SCHEMAS = [
    ("roles: [", "not valid YAML"),
    ("- just a list\n", "expected a mapping with 'roles' and 'attributes'"),
    ("roles: []\nattributes: []\n", "'roles' must list at least two roles"),
    (
        "roles:\n  - {id: a, fi: a, en: a, cues_fi: [a]}\n  - {id: b, fi: b, en: b, cues_fi: [b]}\n",
        "'attributes' must list at least one attribute",
    ),
    (
        "roles:\n  - {id: a, fi: a, en: a, cues_fi: [a]}\n  - {id: b, fi: b, en: b}\n"
        "attributes:\n  - {id: c, fi: c, en: c, cues_fi: [c]}\n",
        "roles[1].cues_fi: expected a non-empty list of cue strings",
    ),
    (
        "roles:\n  - {id: a, fi: a, en: a, cues_fi: [a]}\n  - {id: b, en: b, cues_fi: [b]}\n"
        "attributes:\n  - {id: c, fi: c, en: c, cues_fi: [c]}\n",
        "roles[1]: missing or empty 'fi'",
    ),
    (
        "roles:\n  - {id: a, fi: a, en: a, cues_fi: [a]}\n  - {id: A b, fi: b, en: b, cues_fi: [b]}\n"
        "attributes:\n  - {id: c, fi: c, en: c, cues_fi: [c]}\n",
        "must be lowercase letters",
    ),
    (
        "roles:\n  - {id: a, fi: a, en: a, cues_fi: [a]}\n  - {id: a, fi: b, en: b, cues_fi: [b]}\n"
        "attributes:\n  - {id: c, fi: c, en: c, cues_fi: [c]}\n",
        "duplicate ids: a",
    ),
    (
        "roles:\n  - {id: a, fi: a, en: a, cues_fi: [a]}\n  - {id: b, fi: b, en: b, cues_fi: [b]}\n"
        "attributes:\n  - {id: c, fi: c, en: c, cues_fi: [c], cue_en: [c]}\n",
        "attributes[0]: unknown key 'cue_en' (valid: id, fi, en, cues_fi, cues_en)",
    ),
    (
        "roles:\n  - {id: a, fi: a, en: a, cues_fi: [a], cues_en: a}\n"
        "  - {id: b, fi: b, en: b, cues_fi: [b]}\n"
        "attributes:\n  - {id: c, fi: c, en: c, cues_fi: [c]}\n",
        "roles[0].cues_en: expected a non-empty list of cue strings",
    ),
]


@pytest.mark.parametrize(("content", "message"), BAD_SCHEMAS, ids=[m for _, m in BAD_SCHEMAS])
def test_bad_schema(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "doc.schema.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError, match=re.escape(message)):
        attributes.load_schema(path)


def test_bad_schema_fails_the_run_with_one_line(tmp_path: Path) -> None:
    src = tmp_path / "doc.fi.txt"
    src.write_text("Otsikko\n\nKissa nukkuu.\n", encoding="utf-8")
    (tmp_path / "doc.schema.yaml").write_text("roles: []\nattributes: []\n", encoding="utf-8")
    proc = run_cli("-q", "run", str(src), "--out-dir", str(tmp_path / "out"))
    assert proc.returncode == 1
    assert (
        proc.stderr
        == f"pipeline: error: {tmp_path / 'doc.schema.yaml'}: 'roles' must list at least two roles\n"
    )
    assert not (tmp_path / "out" / "role_attributes.csv").exists()


# --- direction, short values and schema diagnostics, in process ----------------------------------------

PETS = """\
roles:
  - {id: cat, fi: kissa, en: cat, cues_fi: [kissa]}
  - {id: dog, fi: koira, en: dog, cues_fi: [koira]}
attributes:
  - {id: risk, fi: riski, en: risk, cues_fi: [riski], cues_en: [risk]}
  - {id: costs, fi: kulut, en: costs, cues_fi: [kulu], cues_en: [cost]}
"""


def schema_of(tmp_path: Path, text: str) -> attributes.Schema:
    path = tmp_path / "doc.schema.yaml"
    path.write_text(text, encoding="utf-8")
    return attributes.load_schema(path)


def rows_of(
    schema: attributes.Schema, text: str, english: dict[str, str] | None = None
) -> list[RoleAttribute]:
    """The rows of an article (its title, then `text` as one paragraph), with the parse."""
    segments = segment_text("doc", f"Otsikko\n\n{text}\n")
    return attributes.extract(schema, segments, (), english, "", attributes.parse_cleaned(segments, []))


# (sentence, {(role, attribute): direction}): who has more or less is who the article says has it.
COMPARATIVES = [
    ("Kissan riski on pienempi kuin koiran.", {("cat", "risk"): "less", ("dog", "risk"): "more"}),
    ("Kissan riski on suurempi kuin koiran.", {("cat", "risk"): "more", ("dog", "risk"): "less"}),
    ("Koiran riski on pienempi kuin kissan.", {("dog", "risk"): "less", ("cat", "risk"): "more"}),
    ("Kissalla on vähemmän kuluja kuin koiralla.", {("cat", "costs"): "less", ("dog", "costs"): "more"}),
    ("Koiralla on enemmän kuluja kuin kissalla.", {("dog", "costs"): "more", ("cat", "costs"): "less"}),
    ("Kissan kulut ovat halvemmat kuin koiran kulut.", {("cat", "costs"): "less", ("dog", "costs"): "more"}),
    ("Toisin kuin kissa, koira ei ole riski.", {("dog", "risk"): "not", ("cat", "risk"): "yes"}),
    ("Kissan riski on pieni.", {("cat", "risk"): "yes"}),
    ("Kissan riski ei ole pienempi kuin koiran.", {("cat", "risk"): "not"}),  # of the dog: nothing sure
    ("", {}),
]


@pytest.mark.parametrize(("text", "expected"), COMPARATIVES, ids=[t or "empty" for t, _ in COMPARATIVES])
def test_direction_as_the_article_states_it(
    tmp_path: Path, text: str, expected: dict[tuple[str, str], str]
) -> None:
    rows = rows_of(schema_of(tmp_path, PETS), text)
    assert {(r.role, r.attribute): attributes.DIRECTION[r.polarity] for r in rows} == expected


# (sentence, the value of its attribute): the cue's clause or phrase, not the whole sentence.
VALUES = [
    (
        "Kissan riski on pienempi kuin koiran, koska kissa pysyy sisällä.",
        "Kissan riski on pienempi kuin koiran",
    ),
    ("Lisäksi kissan riski on pieni, mutta koira juoksee karkuun.", "kissan riski on pieni"),
    ("Koira juoksee usein karkuun, joten sen riski on suuri.", "sen riski on suuri"),
    (
        "Kissa " + "hyvin " * 300 + "pienellä riskillä nukkuu.",
        "Kissa " + "hyvin " * 300 + "pienellä riskillä nukkuu",
    ),
]


@pytest.mark.parametrize(
    ("text", "value"), VALUES, ids=["comparative-and-because", "adverb-and-but", "so", "long"]
)
def test_short_value_from_the_parse(tmp_path: Path, text: str, value: str) -> None:
    rows = rows_of(schema_of(tmp_path, PETS), text)
    assert {r.value_fi for r in rows if r.attribute == "risk"} == {value}


def test_value_without_a_parse_is_the_clause(tmp_path: Path) -> None:
    schema = schema_of(tmp_path, PETS)
    segments = segment_text("doc", "Otsikko\n\nLisäksi kissan riski on pieni, mutta koira juoksee karkuun.\n")
    rows = attributes.extract(schema, segments)  # no parses
    assert {r.value_fi for r in rows} == {"Lisäksi kissan riski on pieni"}


ENGLISH = [
    ("The cat's risk is smaller, and the dog costs more.", "The cat's risk is smaller"),
    ("Cats are calm.", "Cats are calm."),  # no English cue: the whole English
]


@pytest.mark.parametrize(("english", "value"), ENGLISH, ids=["cue", "no-cue"])
def test_english_value_is_the_clause_with_an_english_cue(tmp_path: Path, english: str, value: str) -> None:
    schema = schema_of(tmp_path, PETS)
    rows = rows_of(schema, "Kissan riski on pieni.", {"doc:b001:s00": english})
    assert [(r.value_en, r.value_en_status) for r in rows] == [(value, "")]


# (cue as the schema writes it, a sentence it must find)
INFLECTED_CUES = [
    ("riskien", "Kissan riski on pieni."),  # a plural genitive matches the nominative
    ("riskiä", "Kissalla ei ole riskejä."),
    ("kulujen", "Kissan ruokakulut ovat pienet."),  # and the last part of a compound
    ("Riski", "Kissan riskit ovat pienet."),  # capitalised
    ("riski", "Kissan riskeistä puhutaan."),  # a base form stays one
]


@pytest.mark.parametrize(("cue", "text"), INFLECTED_CUES, ids=[c for c, _ in INFLECTED_CUES])
def test_inflected_cue_is_lemmatised(tmp_path: Path, cue: str, text: str) -> None:
    schema = schema_of(
        tmp_path, PETS.replace("cues_fi: [riski]", f"cues_fi: [{cue}]").replace("[kulu]", f"[{cue}]")
    )
    assert rows_of(schema, text), cue


def test_a_base_form_cue_does_not_match_other_words_of_its_forms(tmp_path: Path) -> None:
    # "tehtävä" is also a participle of "tehdä": the cue must not make every "tehdä" a row.
    schema = schema_of(tmp_path, PETS.replace("cues_fi: [riski]", "cues_fi: [tehtävä]"))
    assert not [r for r in rows_of(schema, "Kissa tekee mitä haluaa.") if r.attribute == "risk"]


def test_dead_cues_and_unused_entries_are_warnings(tmp_path: Path) -> None:
    schema = schema_of(tmp_path, PETS.replace("cues_fi: [riski]", "cues_fi: [riski, vaara]"))
    text = "Kissan riski on pieni."
    rows = rows_of(schema, text)
    warnings = attributes.schema_warnings(schema, [text], rows, ["The cat's risk is small."])
    assert warnings == [
        "cues_fi that match nothing in the article: role dog: 'koira'; attribute risk: 'vaara'; "
        "attribute costs: 'kulu'",
        "cues_en that match nothing in the English: attribute costs: 'cost'",
        "no row for: role dog, attribute costs",
    ]
    # Without any English, English cues are not judged; a schema the article uses fully gives nothing.
    assert attributes.schema_warnings(schema, [text], rows)[1] == "no row for: role dog, attribute costs"
    full = "Kissan riski on pienempi kuin koiran. Kissan vaara on pieni. Koiran kulut ovat suuret."
    assert attributes.schema_warnings(schema, [full], rows_of(schema, full)) == []


def test_dead_cue_warning_through_the_cli(tmp_path: Path) -> None:
    shutil.copyfile(DATA / "cats-and-dogs.fi.txt", tmp_path / "cats-and-dogs.fi.txt")
    schema = (DATA / "cats-and-dogs.schema.yaml").read_text(encoding="utf-8")
    (tmp_path / "cats-and-dogs.schema.yaml").write_text(
        schema.replace("[uskollinen]", "[uskollinen, papukaija]"), encoding="utf-8"
    )
    stages = [arg for name in ("segment", "check", "clean", "attributes") for arg in ("--stage", name)]
    proc = run_cli("run", str(tmp_path / "cats-and-dogs.fi.txt"), "--out-dir", str(tmp_path / "out"), *stages)
    assert proc.returncode == 0, proc.stderr
    warnings = [line for line in proc.stderr.splitlines() if line.startswith("pipeline: warning:")]
    assert warnings == [
        f"pipeline: warning: {tmp_path / 'cats-and-dogs.schema.yaml'}: "
        "cues_fi that match nothing in the article: attribute loyalty: 'papukaija'"
    ]


CATS_EN = """\
Cat or dog as a pet

Many wonder which one suits a family better. Here we compare two popular pets.

Cats

A cat thrives well in a small flat. It does not need daily walks. \
A cat's food costs are smaller than a dog's costs.

Dogs

A dog needs exercise many times a day. Unlike a cat, a dog does not thrive alone at home for long. \
It is also very loyal to its owner.

If you want more information, call us today!
"""


def test_english_values_from_the_reference(tmp_path: Path) -> None:
    """With a reference and no model, value_en is the clause of the aligned reference with an English cue."""
    schema = tmp_path / "schema" / "cats-and-dogs.schema.yaml"
    schema.parent.mkdir()
    text = (DATA / "cats-and-dogs.schema.yaml").read_text(encoding="utf-8")
    schema.write_text(
        text.replace("cues_fi: [ruokakulu, kulu]", "cues_fi: [ruokakulu, kulu]\n    cues_en: [cost]")
    )
    (tmp_path / "cats-and-dogs.en.txt").write_text(CATS_EN, encoding="utf-8")
    rows = pd.read_csv(
        run_doc(tmp_path, DATA / "cats-and-dogs.fi.txt", schema) / "comparison.csv", keep_default_na=False
    )
    values = {(r.attribute_en, r.role_en): (r.value_en) for r in rows.itertuples()}
    assert values[("costs", "cat")] == "A cat's food costs are smaller than a dog's costs"
    assert values[("loyalty", "dog")] == "It is also very loyal to its owner."  # no English cue: the sentence
