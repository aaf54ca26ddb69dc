"""The translate stage on tiny copying Argos packages: real install, load, batched inference, cache."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from pipeline import argos, segment, translate
from pipeline.cli import main
from pipeline.translation_cache import TranslationCache

SKIPPED = "skipped: no fi→en model (run make models)"


def rows(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def translators(
    cache: TranslationCache | None, config: translate.TranslateConfig | None = None
) -> tuple[translate.PackageTranslator, translate.PackageTranslator]:
    fi_en, en_fi = argos.find_package(argos.FI_EN), argos.find_package(argos.EN_FI)
    assert fi_en is not None and en_fi is not None
    return translate.PackageTranslator(fi_en, config, cache), translate.PackageTranslator(
        en_fi, config, cache
    )


def test_seed_end_to_end(installed: Path, seed_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "translations.jsonl"
    assert main(["-q", "translate", str(seed_path), "-o", str(out)]) == 0
    got = rows(out)
    segments = segment.segment_file(seed_path)
    assert [r["segment"] for r in got] == [s.id for s in segments]
    assert {r["kind"] for r in got} >= {"title", "heading", "paragraph-sentence"}
    for r, seg in zip(got, segments, strict=True):
        # The tiny model copies its input: every English "translation" and round trip is the source.
        assert (r["status"], r["roundtrip_status"]) == ("ok", "ok")
        assert r["text"] == r["roundtrip"] == seg.text == r["source"]
        assert (r["start"], r["end"]) == (seg.start, seg.end)
        assert r["chrf"] == 100.0
        assert -0.01 < r["score"] <= 0 and -0.01 < r["roundtrip_score"] <= 0
        assert (r["model"], r["roundtrip_model"]) == ("translate-fi_en 0.0.1", "translate-en_fi 0.0.1")


# The package's SentencePiece model normalises (NFKC, runs of spaces) as real Argos models do.
COPIES = [
    ("Hyvää päivää!", "Hyvää päivää!"),
    ("Ääkköset ÅÄÖ åäö ja € 12,50 – “lainaus” …", "Ääkköset ÅÄÖ åäö ja € 12,50 – “lainaus” ..."),
    ("pitkä " * 40, ("pitkä " * 40).strip()),  # long input: 240 tokens, within the decoding limit
    ("中文  and emoji 🙂 by byte fallback", "中文 and emoji 🙂 by byte fallback"),
    ("x", "x"),
]


@pytest.mark.parametrize(("text", "expected"), COPIES)
def test_copy_model_is_exact(installed: Path, text: str, expected: str) -> None:
    fi_en, _ = translators(None)
    [(out, score)] = fi_en.translate([text])
    assert out == expected
    assert score == pytest.approx(0, abs=0.01)


def test_batched_equals_one_by_one(installed: Path, seed_path: Path) -> None:
    texts = [s.text for s in segment.segment_file(seed_path)][:12]
    batched, _ = translators(None, translate.TranslateConfig(batch_size=64, threads=1))
    single, _ = translators(None, translate.TranslateConfig(batch_size=1, threads=1))
    assert batched.translate(texts) == single.translate(texts)


def test_warm_cache_does_no_inference(installed: Path, seed_path: Path, tmp_path: Path) -> None:
    segments = segment.segment_file(seed_path)
    cache = TranslationCache(tmp_path / "c")
    first = translate.translate_segments(segments, *translators(cache))
    fi_en, en_fi = translators(TranslationCache(tmp_path / "c"))
    second = translate.translate_segments(segments, fi_en, en_fi)
    assert second == first
    assert (fi_en.inferred, en_fi.inferred) == (0, 0)
    assert (fi_en.cached, en_fi.cached) == (31, 31)
    assert fi_en._model is None and en_fi._model is None  # not even loaded


def test_duplicates_and_blank_sources_are_not_inferred(installed: Path) -> None:
    fi_en, _ = translators(None)
    assert fi_en.translate(["Sama.", "Sama.", " "]) == [("Sama.", 0.0), ("Sama.", 0.0), ("", 0.0)]
    assert fi_en.inferred == 1


def test_changed_options_or_model_miss_the_cache(installed: Path, tmp_path: Path) -> None:
    cache = TranslationCache(tmp_path / "c")
    fi_en, _ = translators(cache)
    fi_en.translate(["Tämä on testi."])
    assert fi_en.inferred == 1
    beam2, _ = translators(cache, translate.TranslateConfig(decoding=translate.DecodingOptions(beam_size=2)))
    beam2.translate(["Tämä on testi."])
    assert beam2.inferred == 1
    # The same package name and version with different files: a new fingerprint, a cache miss.
    meta = installed / "translate-fi_en-0_0_1" / "metadata.json"
    meta.write_text(meta.read_text(encoding="utf-8").replace("}", ', "note": "retrained"}'), encoding="utf-8")
    changed, _ = translators(cache)
    changed.translate(["Tämä on testi."])
    assert changed.inferred == 1
    again, _ = translators(cache)
    again.translate(["Tämä on testi."])
    assert again.inferred == 0


def test_cli_rerun_reports_the_cache(installed: Path, seed_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "t.jsonl"
    proc = [
        subprocess.run(
            [sys.executable, "-m", "pipeline", "translate", str(seed_path), "-o", str(out)],
            capture_output=True,
            text=True,
            check=False,
        )
        for _ in range(2)
    ]
    assert [p.returncode for p in proc] == [0, 0]
    assert "fi→en translate-fi_en 0.0.1: 31 translated by the model, 0 from the cache" in proc[0].stderr
    assert "fi→en translate-fi_en 0.0.1: 0 translated by the model, 31 from the cache" in proc[1].stderr
    assert "en→fi translate-en_fi 0.0.1: 0 translated by the model, 31 from the cache" in proc[1].stderr
    # stderr is not a terminal here: no progress bar.
    assert "\r" not in proc[0].stderr and "seg/s" not in proc[0].stderr


def test_progress_bar_when_asked(installed: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fi_en, _ = translators(None)
    fi_en.translate(["Yksi.", "Kaksi."], progress=True)
    err = capsys.readouterr().err
    assert "\rtranslate fi→en:   0%|" in err and "0/2 [" in err


def test_segments_file_equals_text(installed: Path, seed_path: Path, tmp_path: Path) -> None:
    segments = tmp_path / "segments.jsonl"
    segment.run(seed_path, segments)
    assert translate.translate_file(segments) == translate.translate_file(seed_path)


def test_no_model_records_skipped(
    argos_home: Path, seed_path: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    out = tmp_path / "t.jsonl"
    with caplog.at_level(logging.WARNING):
        assert main(["translate", str(seed_path), "-o", str(out)]) == 0
    got = rows(out)
    assert len(got) == 31
    for r in got:
        assert r["status"] == SKIPPED
        assert r["text"] is r["score"] is r["roundtrip"] is r["chrf"] is None
    assert "no fi→en Argos model installed; translations skipped (run make models)" in caplog.text


def test_fi_en_only_skips_the_round_trip(
    argos_home: Path, tiny_packages: dict[str, Path], seed_path: Path
) -> None:
    argos.install_archive(tiny_packages["fi_en"])
    got = translate.translate_file(seed_path)
    assert all(r.status == "ok" and r.text == r.source for r in got)
    assert all(
        r.roundtrip_status == "skipped: no en→fi model (run make models)" and r.chrf is None for r in got
    )


@pytest.mark.parametrize(("flag", "env"), [(["--strict"], {}), ([], {"STRICT": "1"})])
def test_strict_without_model_is_an_error(
    argos_home: Path, seed_path: Path, tmp_path: Path, flag: list[str], env: dict[str, str]
) -> None:
    out = tmp_path / "t.jsonl"
    proc = subprocess.run(
        [sys.executable, "-m", "pipeline", "translate", str(seed_path), "-o", str(out), *flag],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, **env},
    )
    assert proc.returncode == 1
    assert proc.stderr == "pipeline: error: no fi→en Argos model installed (run make models)\n"
    assert not out.exists()


def test_unloadable_model_is_one_line(
    installed: Path, seed_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model = installed / "translate-fi_en-0_0_1" / "model" / "model.bin"
    model.write_bytes(model.read_bytes()[:1000])
    out = tmp_path / "t.jsonl"
    assert main(["-q", "translate", str(seed_path), "-o", str(out), "--no-cache"]) == 1
    err = capsys.readouterr().err
    assert err.startswith(
        f"pipeline: error: {model.parent.parent}: cannot load the translate-fi_en 0.0.1 model"
    )
    assert err.count("\n") == 1
    assert not out.exists()


def test_empty_input(installed: Path, tmp_path: Path) -> None:
    src = tmp_path / "empty.fi.txt"
    src.write_text("\n", encoding="utf-8")
    out = tmp_path / "t.jsonl"
    assert main(["-q", "translate", str(src), "-o", str(out)]) == 0
    assert out.read_text(encoding="utf-8") == ""


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--beam-size", "0"], "beam size, batch size and maximum decoding length must be at least 1"),
        (["--threads", "-1"], "threads at least 0"),
    ],
)
def test_bad_options(
    argos_home: Path, seed_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    assert main(["translate", str(seed_path), *args]) == 1
    assert message in capsys.readouterr().err


def test_unusable_cache_is_a_warning(
    installed: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    bad = tmp_path / "c"
    bad.mkdir()
    (bad / "translations.sqlite3").write_bytes(b"this is not a database" * 100)
    with caplog.at_level(logging.WARNING):
        fi_en, _ = translators(TranslationCache(bad))
        assert fi_en.translate(["Toimii silti."]) == [("Toimii silti.", 0.0)]
    assert "translation cache unavailable" in caplog.text
