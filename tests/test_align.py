"""Reference alignment: beads of every kind, document boundaries, the dictionary, bad input, the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline import align, dictionary
from pipeline.errors import InputError

from .test_cli import run_cli

FI = """Hallitus ilmoitti maanantaina uusista veroista.
Verot koskevat erityisesti suuria yrityksiä. Pienet yritykset vapautetaan.
Ministeri sanoi, että päätös tehtiin yksimielisesti.
Tämä lause on vain suomeksi eikä sitä käännetty.
Kokous jatkuu huomenna kello kymmenen.

Toinen dokumentti alkaa tästä.
Koira juoksi puistossa koko päivän.
"""

EN = """The government announced new taxes on Monday.
The taxes apply in particular to large companies.
Small companies will be exempted.
The minister said that the decision was unanimous.
The meeting continues tomorrow at ten o'clock.

The second document starts here.
Something was added in the English only, about the weather.
The dog ran in the park all day.
"""


def test_beads_of_every_kind() -> None:
    beads = [(b.fi, b.en) for b in align.align_presegmented(FI, EN)]
    assert beads == [
        ([0], [0]),
        ([1], [1, 2]),  # 1:2, the Finnish line holds two sentences
        ([2], [3]),
        ([3], []),  # 1:0
        ([4], [4]),
        ([5], [5]),  # the next document: numbering goes on
        ([], [6]),  # 0:1
        ([6], [7]),
    ]


def test_two_to_one() -> None:
    fi = "Hän osti talon. Talo oli punainen.\nHe muuttivat sinne keväällä.\n"
    en = "He bought a house, which was red.\nThey moved there in the spring.\n"
    fi_lines = "Hän osti talon.\nTalo oli punainen.\nHe muuttivat sinne keväällä.\n"
    assert [(b.fi, b.en) for b in align.align_presegmented(fi_lines, en)] == [([0, 1], [0]), ([2], [1])]
    assert [(b.fi, b.en) for b in align.align_presegmented(fi, en)] == [([0], [0]), ([1], [1])]


def test_empty_document_on_one_side() -> None:
    # The middle document has only an English sentence: two blank lines in a row on the Finnish side.
    fi = "Yksi.\n\n\nKolme lausetta.\n"
    en = "One.\n\nOnly English here.\n\nThree sentences.\n"
    assert [(b.fi, b.en) for b in align.align_presegmented(fi, en)] == [([0], [0]), ([], [1]), ([1], [2])]


def test_document_count_mismatch_is_an_input_error() -> None:
    with pytest.raises(InputError, match=r"EN: 1 documents .* but FI has 2"):
        align.align_presegmented("Yksi.\n\nKaksi.\n", "One. Two.\n")


def test_empty_input() -> None:
    assert align.align_presegmented("", "") == []


def test_dictionary_and_keys() -> None:
    assert "assistant" in dictionary.dictionary()["avustaja"]
    keys = align.fi_keys("Virtuaaliavustajat maksavat 5 000 euroa.")
    flat = set().union(*keys.words)
    assert "assistant" in flat  # a compound split into its parts
    assert "#5000" in flat  # numbers match across "5 000" and "5,000"
    assert align.similarity([keys], [align.en_keys("Virtual assistants cost 5,000 euros.")]) > 0.5


def test_missing_dictionary_is_one_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    src_fi, src_en = tmp_path / "fi.txt", tmp_path / "en.txt"
    src_fi.write_text("Yksi.\n", encoding="utf-8")
    src_en.write_text("One.\n", encoding="utf-8")
    monkeypatch.setenv(dictionary.FREEDICT_ENV, str(tmp_path))
    proc = run_cli("align-ref", str(src_fi), str(src_en), "--presegmented", "-o", str(tmp_path / "out.jsonl"))
    assert proc.returncode == 1
    assert proc.stderr.startswith(f"pipeline: error: no FreeDict Finnish–English dictionary in {tmp_path}")
    assert proc.stderr.count("\n") == 1
    assert not (tmp_path / "out.jsonl").exists()


def test_cli_presegmented_and_running_text(tmp_path: Path) -> None:
    fi, en = tmp_path / "a.fi.txt", tmp_path / "a.en.txt"
    fi.write_text(FI, encoding="utf-8")
    en.write_text(EN, encoding="utf-8")
    out = tmp_path / "beads.jsonl"
    assert run_cli("-q", "align-ref", str(fi), str(en), "--presegmented", "-o", str(out)).returncode == 0
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert rows[1] == {"fi": [1], "en": [1, 2], "score": rows[1]["score"]}
    running = run_cli("align-ref", str(fi), str(en))
    assert running.returncode == 0
    beads = [json.loads(line) for line in running.stdout.splitlines()]
    assert {"fi": [1], "en": [1]} in [{"fi": b["fi"], "en": b["en"]} for b in beads]  # segmented: 1:1 now


def test_cli_bad_input(tmp_path: Path) -> None:
    fi, en = tmp_path / "a.fi.txt", tmp_path / "a.en.txt"
    fi.write_bytes(b"caf\xe9\n")
    en.write_text("Cafe.\n", encoding="utf-8")
    proc = run_cli("align-ref", str(fi), str(en), "--presegmented")
    assert proc.returncode == 1
    assert proc.stderr == f"pipeline: error: {fi}: not valid UTF-8: undecodable byte 0xe9 at byte offset 3\n"
