"""The translate stage: every segment fi→en with an installed Argos package, scored, and round-tripped.

Inference is ours, not Argos's: all segments of a document go to CTranslate2's `translate_batch`
sorted by length in batches (Argos translates paragraph by paragraph and re-splits sentences with
stanza), with the package's SentencePiece model. Each segment gets the English text, the model's
length-normalised log-probability, the en→fi round trip and its chrF against the Finnish.
Translations are cached (see translation_cache.py), so a rerun translates nothing twice.
Without a fi→en model the stage writes explicit `skipped` records (or fails with --strict).
"""

from __future__ import annotations

import dataclasses
import functools
import json
import logging
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import argos, io, segment
from .errors import ConfigError, ModelError
from .records import (
    SKIPPED_DISABLED,
    SKIPPED_NO_EN_FI,
    SKIPPED_NO_FI_EN,
    SKIPPED_NO_TRANSLATION,
    SKIPPED_NOT_RUN,
    TRANSLATION_OK,
    Segment,
    Translation,
)
from .translation_cache import TranslationCache
from .workspace import Workspace

log = logging.getLogger(__name__)

COMPUTE_TYPES = ("int8", "int8_float32", "int16", "float32", "default", "auto")
TRUE_VALUES = ("1", "true", "yes", "on")


@dataclass(frozen=True)
class DecodingOptions:
    """Settings that change what the model outputs; they are part of the cache key."""

    beam_size: int = 4  # Argos's default
    length_penalty: float = 0.2  # Argos's value
    max_decoding_length: int = 256
    compute_type: str = "int8"

    def key(self) -> str:
        """The options as canonical JSON."""
        return json.dumps(dataclasses.asdict(self), sort_keys=True)


@dataclass(frozen=True)
class TranslateConfig:
    """Decoding options plus how to run them (batch size, threads) and the cache."""

    decoding: DecodingOptions = field(default_factory=DecodingOptions)
    batch_size: int = 32  # segments per translate_batch call
    threads: int = 0  # CTranslate2 intra_threads; 0 lets it choose
    use_cache: bool = True
    cache_dir: Path | None = None
    roundtrip: bool = True

    def __post_init__(self) -> None:
        d = self.decoding
        if d.beam_size < 1 or self.batch_size < 1 or self.threads < 0 or d.max_decoding_length < 1:
            raise ConfigError(
                "beam size, batch size and maximum decoding length must be at least 1, threads at least 0"
            )
        if d.compute_type not in COMPUTE_TYPES:
            raise ConfigError(
                f"unknown compute type {d.compute_type!r}; valid compute types: {', '.join(COMPUTE_TYPES)}"
            )


def strict_from_env() -> bool:
    """True when the environment sets STRICT=1 (or true/yes/on)."""
    return os.environ.get("STRICT", "").strip().lower() in TRUE_VALUES


def stderr_is_terminal() -> bool:
    """Progress bars are drawn only on a terminal."""
    return sys.stderr.isatty()


class PackageTranslator:
    """One Argos package run by CTranslate2 in length-sorted batches, with a cache in front.

    The model is loaded only when something is not in the cache. `inferred` and `cached` count
    the sources sent to the model and those served from the cache.
    """

    def __init__(
        self,
        package: argos.InstalledPackage,
        config: TranslateConfig | None = None,
        cache: TranslationCache | None = None,
    ) -> None:
        self.package = package
        self.config = config or TranslateConfig()
        self.cache = cache
        self.direction = f"{package.from_code}-{package.to_code}"
        self.inferred = 0
        self.cached = 0
        self._model: Any = None
        self._sp: Any = None

    def load(self) -> None:
        """Load the CTranslate2 model and the SentencePiece model (once per process: see `_models`)."""
        if self._model is None:
            self._sp, self._model = _models(
                self.package,
                self.package.fingerprint(),
                self.config.decoding.compute_type,
                self.config.threads,
            )

    def encode(self, text: str) -> list[str]:
        """SentencePiece pieces of `text`."""
        self.load()
        pieces: list[str] = self._sp.encode(text, out_type=str)
        return pieces

    def translate_tokens(self, batch: list[list[str]], **overrides: Any) -> list[tuple[str, float]]:
        """One `translate_batch` call: (text, length-normalised log-probability) per source."""
        self.load()
        d = self.config.decoding
        prefix = self.package.target_prefix
        options: dict[str, Any] = {
            "beam_size": d.beam_size,
            "length_penalty": d.length_penalty,
            "max_decoding_length": d.max_decoding_length,
            "return_scores": True,
            "replace_unknowns": True,
            "target_prefix": [[prefix]] * len(batch) if prefix else None,
        }
        options.update(overrides)
        try:
            results = self._model.translate_batch(batch, **options)
        except (RuntimeError, ValueError) as exc:
            raise ModelError(
                f"{self.package.path}: {self.package.label} failed to translate: {exc}"
            ) from None
        out: list[tuple[str, float]] = []
        for result in results:
            tokens = list(result.hypotheses[0])
            if prefix and tokens[:1] == [prefix]:
                tokens = tokens[1:]
            # CTranslate2 reports sum(log p) / n**length_penalty, n counting the end token
            # (none when decoding hit the length limit); we report sum(log p) / n.
            truncated = len(result.hypotheses[0]) >= d.max_decoding_length
            if truncated:
                log.warning(
                    "%s: a translation stopped at the decoding limit (%d tokens)",
                    self.package.label,
                    len(tokens),
                )
            n = len(result.hypotheses[0]) + (0 if truncated else 1)
            score = result.scores[0] * n**d.length_penalty / n
            out.append((self._sp.decode(tokens), round(score, 4)))
        return out

    def translate(self, sources: Sequence[str], progress: bool = False) -> list[tuple[str, float]]:
        """(text, score) for each source: cached ones from the cache, the rest in length-sorted batches."""
        unique = [s for s in dict.fromkeys(sources) if s.strip()]
        model_key = f"{self.package.label} {self.package.fingerprint()}"
        options = self.config.decoding.key()
        done: dict[str, tuple[str, float]] = {}
        if self.cache is not None:
            done = self.cache.get_many(model_key, self.direction, options, unique)
        todo = [s for s in unique if s not in done]
        self.cached += len(unique) - len(todo)
        if todo:
            from tqdm import tqdm  # noqa: PLC0415

            tokens = {s: self.encode(s) for s in todo}
            ordered = sorted(todo, key=lambda s: len(tokens[s]))
            size = self.config.batch_size
            with tqdm(
                total=len(ordered),
                desc=f"translate {self.package.from_code}→{self.package.to_code}",
                unit="seg",
                file=sys.stderr,
                disable=not progress,
                leave=False,
            ) as bar:
                for start in range(0, len(ordered), size):
                    chunk = ordered[start : start + size]
                    results = self.translate_tokens([tokens[s] for s in chunk])
                    fresh = dict(zip(chunk, results, strict=True))
                    done.update(fresh)
                    if self.cache is not None:
                        self.cache.put_many(
                            model_key, self.direction, options, ((s, t, sc) for s, (t, sc) in fresh.items())
                        )
                    self.inferred += len(chunk)
                    bar.update(len(chunk))
        return [done.get(s, ("", 0.0)) for s in sources]


@functools.lru_cache(maxsize=8)
def _models(
    package: argos.InstalledPackage, fingerprint: str, compute_type: str, threads: int
) -> tuple[Any, Any]:
    """The SentencePiece and CTranslate2 models of a package, loaded once per process and shared by
    every document it translates (a changed package has another fingerprint, and is loaded again)."""
    # Imported when first needed: loading CTranslate2 takes a moment every command would pay.
    import ctranslate2  # noqa: PLC0415
    import sentencepiece  # noqa: PLC0415

    path = package.path
    try:
        sp = sentencepiece.SentencePieceProcessor(model_file=str(path / "sentencepiece.model"))
        model = ctranslate2.Translator(
            str(path / "model"),
            device="cpu",
            compute_type=compute_type,
            inter_threads=1,
            intra_threads=threads,
        )
    except (RuntimeError, OSError, ValueError) as exc:
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ModelError(f"{path}: cannot load the {package.label} model: {message}") from None
    return sp, model


def chrf(hypothesis: str, reference: str) -> float:
    """sacrebleu's sentence chrF (0-100) of `hypothesis` against `reference`."""
    from sacrebleu.metrics.chrf import CHRF  # noqa: PLC0415 (sacrebleu imports slowly)

    return round(float(CHRF().sentence_score(hypothesis, [reference]).score), 2)


def translate_segments(
    segments: Sequence[Segment],
    fi_en: PackageTranslator | None,
    en_fi: PackageTranslator | None = None,
    *,
    progress: bool = False,
) -> list[Translation]:
    """Translation records for `segments`: fi→en, then the round trip when `en_fi` is given."""
    english = fi_en.translate([s.text for s in segments], progress) if fi_en else None
    back = en_fi.translate([t for t, _ in english], progress) if en_fi and english else None
    rows: list[Translation] = []
    for i, seg in enumerate(segments):
        base: dict[str, Any] = {
            "doc": seg.doc,
            "segment": seg.id,
            "kind": seg.kind,
            "start": seg.start,
            "end": seg.end,
            "source": seg.text,
        }
        if english is None or fi_en is None:
            rows.append(
                Translation(
                    **base,
                    status=SKIPPED_NO_FI_EN,
                    text=None,
                    score=None,
                    model=None,
                    roundtrip_status=SKIPPED_NO_TRANSLATION,
                    roundtrip=None,
                    roundtrip_score=None,
                    roundtrip_model=None,
                    chrf=None,
                )
            )
            continue
        text, score = english[i]
        if back is not None and en_fi is not None:
            rt_text, rt_score = back[i]
            rt: dict[str, Any] = {
                "roundtrip_status": TRANSLATION_OK,
                "roundtrip": rt_text,
                "roundtrip_score": rt_score,
                "roundtrip_model": en_fi.package.label,
                "chrf": chrf(rt_text, seg.text),
            }
        else:
            status = SKIPPED_NO_EN_FI if en_fi is None else SKIPPED_DISABLED
            rt = {
                "roundtrip_status": status,
                "roundtrip": None,
                "roundtrip_score": None,
                "roundtrip_model": None,
                "chrf": None,
            }
        rows.append(
            Translation(
                **base, status=TRANSLATION_OK, text=text, score=score, model=fi_en.package.label, **rt
            )
        )
    return rows


def open_translators(
    config: TranslateConfig, strict: bool, cache: TranslationCache | None
) -> tuple[PackageTranslator | None, PackageTranslator | None]:
    """Translators for the installed fi→en and en→fi packages; a missing one is None (an error if strict)."""
    found: list[PackageTranslator | None] = []
    for pair in (argos.FI_EN, argos.EN_FI) if config.roundtrip else (argos.FI_EN,):
        package = argos.find_package(pair)
        if package is None:
            if strict:
                raise ModelError(f"no {argos.arrow(pair)} Argos model installed (run make models)")
            found.append(None)
        else:
            found.append(PackageTranslator(package, config, cache))
    fi_en = found[0]
    en_fi = found[1] if len(found) > 1 else None
    return fi_en, en_fi


def translate_file(
    in_path: str | Path,
    config: TranslateConfig | None = None,
    *,
    strict: bool | None = None,
    progress: bool | None = None,
) -> list[Translation]:
    """Translate a text (segmented on the fly) or a segments file; records for every segment."""
    config = config or TranslateConfig()
    strict = strict_from_env() if strict is None else strict
    progress = stderr_is_terminal() if progress is None else progress
    segments = segment.load_segments(in_path)
    cache = TranslationCache(config.cache_dir) if config.use_cache else None
    try:
        fi_en, en_fi = open_translators(config, strict, cache)
        if fi_en is None:
            log.warning("%s: no fi→en Argos model installed; translations skipped (run make models)", in_path)
        elif en_fi is None and config.roundtrip:
            log.warning("%s: no en→fi Argos model installed; round trip skipped (run make models)", in_path)
        rows = translate_segments(segments, fi_en, en_fi, progress=progress)
        for t in (fi_en, en_fi):
            if t is not None:
                log.info(
                    "%s: %s %s: %d translated by the model, %d from the cache",
                    in_path,
                    argos.arrow(t.package.pair),
                    t.package.label,
                    t.inferred,
                    t.cached,
                )
        return rows
    finally:
        if cache is not None:
            cache.close()


def run(
    in_path: str | Path,
    out_path: str | Path,
    config: TranslateConfig | None = None,
    *,
    strict: bool | None = None,
    progress: bool | None = None,
) -> list[Translation]:
    """The translate stage: segments (or a text) in, `translations.jsonl` out (written atomically)."""
    rows = translate_file(in_path, config, strict=strict, progress=progress)
    io.write_jsonl(out_path, (r.to_dict() for r in rows))
    return rows


INPUTS = ("segments",)
OUTPUTS = ("translations",)


def run_stage(ws: Workspace) -> list[Translation]:
    """The translate stage: segments.jsonl in, `translations.jsonl` out (the default settings; a
    terminal shows a progress bar)."""
    return run(ws.path("segments"), ws.path("translations"))


def read_translations(path: str | Path) -> tuple[dict[str, str], str | None]:
    """A translations.jsonl as {segment id: English text} for its `ok` rows, and the status of its
    first row that is not `ok` (why a segment has no translation), or None.

    A missing file reads as no translations, with the status that the translate stage has not run.
    """
    if not Path(path).exists():
        return {}, SKIPPED_NOT_RUN
    texts: dict[str, str] = {}
    skipped: str | None = None
    for record in io.read_records(path, Translation):
        if record.status == TRANSLATION_OK and record.text is not None:
            texts[record.segment] = record.text
        elif skipped is None:
            skipped = record.status
    return texts, skipped
