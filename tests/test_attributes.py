"""Role attributes: the seed's comparison, a second article with its own schema, schema errors, outputs."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from pipeline import attributes
from pipeline.errors import InputError

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
def seed_rows(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    out = run_doc(
        tmp_path_factory.mktemp("seed"), ROOT / "corpus" / "personal-vs-virtual-assistants.fi.txt", SCHEMA
    )
    return pd.read_csv(out / "role_attributes.csv", keep_default_na=False)


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
        ("cat", "costs", "more"),
        ("dog", "costs", "less"),
        ("dog", "exercise", "positive"),
        ("dog", "alone", "negative"),
        ("cat", "alone", "positive"),
        ("dog", "loyalty", "positive"),
    }
    assert "soita" not in " ".join(rows.fi_source)  # the advertisement gives nothing
    comparison = pd.read_csv(out / "comparison.csv", index_col=0, keep_default_na=False)
    assert list(comparison.columns) == ["kissa", "koira"]
    assert comparison.loc["uskollisuus", "kissa"] == ""
    assert "| ominaisuus | kissa | koira |" in (out / "comparison.md").read_text(encoding="utf-8")


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
]


@pytest.mark.parametrize(("content", "message"), BAD_SCHEMAS, ids=[m for _, m in BAD_SCHEMAS])
def test_bad_schema(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "doc.schema.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError, match=message.replace("[", r"\[").replace("]", r"\]")):
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
