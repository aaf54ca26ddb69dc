"""The align stage: the bilingual dataset with scores and triage, reference alignment, TMX and XLIFF."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from translate.storage import tmx, xliff

from pipeline import io, triage
from pipeline.errors import InputError
from pipeline.records import SKIPPED_NO_FI_EN

from .conftest import ROOT
from .test_cli import run_cli

SEED = ROOT / "corpus" / "personal-vs-virtual-assistants.fi.txt"


def read_tmx(path: Path) -> Any:
    """A TMX file read back by translate-toolkit."""
    return tmx.tmxfile.parsestring(path.read_bytes())  # type: ignore[no-untyped-call]


def run_seed(tmp_path: Path, reference: str | None = None) -> Path:
    shutil.copyfile(SEED, tmp_path / "seed.fi.txt")
    if reference is not None:
        (tmp_path / "seed.en.txt").write_text(reference, encoding="utf-8")
    out = tmp_path / "out"
    proc = run_cli("-q", "run", str(tmp_path / "seed.fi.txt"), "--out-dir", str(out))
    assert proc.returncode == 0, proc.stderr
    return out


def test_without_a_model_every_segment_is_reviewed(argos_home: Path, tmp_path: Path) -> None:
    out = run_seed(tmp_path)
    rows = io.read_jsonl(out / "aligned.jsonl")
    assert len(rows) == 31
    assert {r["decision"] for r in rows} == {"review"}
    assert all("no translation scores" in r["reasons"] for r in rows)
    assert all(r["en"] is None and r["translation_status"] == SKIPPED_NO_FI_EN for r in rows)
    agreement = next(r for r in rows if r["segment"].endswith("b001:s01"))
    assert agreement["errors"] == 1 and agreement["fixed"] == 1
    assert "virtuaalisten avustajien" in agreement["fi_clean"]
    assert len(read_tmx(out / "aligned.tmx").units) == 0


def test_with_a_model_scores_triage_and_exports(installed: Path, tmp_path: Path) -> None:
    out = run_seed(tmp_path)
    frame = pd.read_parquet(out / "aligned.parquet")
    assert len(frame) == 31
    assert frame.en.notna().all() and frame.chrf.notna().all() and frame.logprob.notna().all()
    # The tiny test model copies its input: the round trip equals the source, chrF 100.
    assert (frame.chrf == 100.0).all()
    assert set(frame.decision) <= set(triage.DECISIONS)
    title = frame[frame.segment.str.endswith("b000:s00")].iloc[0]
    assert title.decision == "review" and "1 open errors > 0" in title.reasons
    csv = pd.read_csv(out / "aligned.csv", keep_default_na=False)
    assert list(csv.segment) == list(frame.segment)
    # TMX read back by translate-toolkit: one unit per translated segment, Finnish to English.
    store = read_tmx(out / "aligned.tmx")
    assert len(store.units) == 31
    assert store.units[1].source == frame.fi_clean.iloc[1]
    assert store.units[1].target == frame.en.iloc[1]
    xlf: Any = xliff.xlifffile.parsestring((out / "aligned.xlf").read_bytes())  # type: ignore[no-untyped-call]
    assert [u.getid().split("\x04")[-1] for u in xlf.units] == list(frame.segment)


REFERENCE = """Distinguishing Personal Assistant and Virtual Assistant

The swing of virtual offices has easily made it one of the fastest growing businesses today.
"""


def test_reference_alignment_from_an_english_original(argos_home: Path, tmp_path: Path) -> None:
    out = run_seed(tmp_path, reference=REFERENCE)
    rows = {r["segment"].split(":", 1)[1]: r for r in io.read_jsonl(out / "aligned.jsonl")}
    assert rows["b000:s00"]["en_reference"] == "Distinguishing Personal Assistant and Virtual Assistant"
    assert rows["b000:s00"]["reference_bead"] == "1:1"
    assert rows["b001:s00"]["en_reference"].startswith("The swing of virtual offices")
    assert rows["b004:s00"]["en_reference"] is None  # no English for most of the article: 1:0
    store = read_tmx(out / "aligned.tmx")
    assert len(store.units) == 2  # the reference pairs


def test_triage_thresholds_from_the_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    scores = triage.Scores(open_errors=0, warnings=0, logprob=-0.2, chrf=80.0)
    assert triage.decide(scores) == ("publish", [])
    assert triage.decide(triage.Scores(3, 0, -0.2, 80.0))[0] == "reject"
    assert triage.decide(triage.Scores(0, 0, -0.2, 10.0)) == ("reject", ["round-trip chrF 10.0 < 20.0"])
    assert triage.decide(triage.Scores(0, 2, -2.0, 80.0)) == (
        "review",
        ["2 warnings > 1", "model log-probability -2.00 < -1.5"],
    )
    config = tmp_path / "strict.toml"
    config.write_text("[review]\nmax_warnings = 0\n", encoding="utf-8")
    assert triage.decide(triage.Scores(0, 1, -0.2, 80.0), config) == ("review", ["1 warnings > 0"])


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("[review\n", "not valid TOML"),
        ("[review]\nmax_warning = 1\n", "unknown setting 'max_warning'"),
        ("[reject]\nmin_chrf = 'low'\n", "min_chrf: expected a number"),
        ("review = 3\n", r"\[review\]: expected a table"),
    ],
)
def test_bad_triage_config(tmp_path: Path, content: str, message: str) -> None:
    config = tmp_path / "triage.toml"
    config.write_text(content, encoding="utf-8")
    with pytest.raises(InputError, match=message):
        triage.load(config)
