"""A tiny but valid Argos Translate package, built in a fraction of a second with numpy only.

The package is a real `.argosmodel` zip: `metadata.json`, a SentencePiece model trained on a few
hundred lines, and a one-layer CTranslate2 Transformer saved through a `Converter`. Its weights
make it copy its input exactly, so end-to-end results are checkable:

- the hidden vector is `[u, -u]` (so its mean is 0 and layer norms only rescale it), and
  `u = [token slot (E dims) | position slot (2K dims)]`;
- a token is a fixed +-1 code in the token slot, a position is K (cos, sin) pairs in the position slot;
- self-attention and feed-forward weights are zero; the decoder's token embeddings are zero;
- cross-attention queries and keys read only positions (decoder step t attends to source position
  t, sharply), values read only the source token, written into the decoder's empty token slot;
- the output projection matches token codes, so step t emits source token t, and the source's
  end token (`add_source_eos`) ends the output.
"""

from __future__ import annotations

import io
import json
import tempfile
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import sentencepiece as spm
from ctranslate2.converters import Converter
from ctranslate2.specs import TransformerSpec

TOKEN_DIMS = 64  # E: width of a token code
POSITION_PAIRS = 16  # K: (cos, sin) pairs of a position code
MAX_POSITIONS = 1280  # rows of the position table: covers max_input_length (1024) and decoding
_LOGIT_GAP = 40.0  # nats between the copied token and any other (attention and output alike)
_FFN_DIMS = 4
_SEED = 20240531

_FI = (
    "tämä on lause suomeksi ja se kertoo avustajista jotka tekevät työtä kotona tai "
    "toimistossa henkilökohtainen virtuaalinen avustaja hoitaa sähköpostit kalenterin "
    "matkat laskut ja asiakkaat yritys palkkaa hyvä nopea luotettava päivä viikko vuosi "
    "ihminen kone käännös teksti kieli tärkeä ongelma ratkaisu hinta aika paljon vähän "
    "koska mutta myös kuitenkin vaikka sekä että ei ole oli olisi voi voidaan täytyy"
).split()
_EN = (
    "this is a sentence in english and it tells about assistants who do work at home or "
    "in the office personal virtual assistant handles email calendar travel invoices and "
    "clients company hires good fast reliable day week year human machine translation text "
    "language important problem solution price time much little because but also however "
    "although both that not is was would can could must"
).split()
# Every letter, digit and common punctuation mark, so that no ordinary character is unknown.
_ALPHABET = (
    "abcdefghijklmnopqrstuvwxyzåäöšžé ABCDEFGHIJKLMNOPQRSTUVWXYZÅÄÖŠŽÉ 0123456789 "
    ".,;:!?-–—'\"()[]{}/\\&%€$@#*+=<>…“”‘’«»_|~^` "
)


def training_lines(count: int = 400) -> list[str]:
    """A few hundred deterministic Finnish and English lines to train the SentencePiece model on."""
    rng = np.random.default_rng(_SEED)
    lines = [_ALPHABET, _ALPHABET.upper()]
    for i in range(count):
        words = _FI if i % 2 == 0 else _EN
        picked = [words[int(j)] for j in rng.integers(0, len(words), size=int(rng.integers(4, 14)))]
        line = " ".join(picked)
        lines.append(line[0].upper() + line[1:] + (". " if i % 3 else "? ") + str(i))
    return lines


def train_sentencepiece(lines: Iterable[str], vocab_size: int = 512) -> bytes:
    """A SentencePiece unigram model (bytes) with byte fallback, so that any text can be encoded."""
    model = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(list(lines)),
        model_writer=model,
        vocab_size=vocab_size,
        model_type="unigram",
        character_coverage=1.0,
        byte_fallback=True,
        hard_vocab_limit=False,
        num_threads=1,
        minloglevel=2,
    )
    return model.getvalue()


def _token_codes(vocab_size: int) -> tuple[np.ndarray, float]:
    """+-1 codes of TOKEN_DIMS dims, one per token, and their margin (self minus best other product)."""
    rng = np.random.default_rng(_SEED)
    for _ in range(100):
        codes = rng.choice(np.array([-1.0, 1.0], dtype=np.float32), size=(vocab_size, TOKEN_DIMS))
        gram = codes @ codes.T
        np.fill_diagonal(gram, -np.inf)
        margin = TOKEN_DIMS - float(gram.max())
        if margin >= 8:
            return codes, margin
    raise ValueError(f"no token code with a margin for {vocab_size} tokens in {TOKEN_DIMS} dims")


def _position_codes() -> tuple[np.ndarray, float]:
    """(MAX_POSITIONS, 2K) cos/sin codes, and their margin: K minus the best product of two positions."""
    freqs = 3.0 * np.geomspace(1.0, 2.0 / MAX_POSITIONS, POSITION_PAIRS)
    angles = np.outer(np.arange(MAX_POSITIONS), freqs)
    codes = np.concatenate([np.cos(angles), np.sin(angles)], axis=1).astype(np.float32)
    dist = np.cos(np.outer(np.arange(1, MAX_POSITIONS), freqs)).sum(axis=1)
    return codes, POSITION_PAIRS - float(dist.max())


def copy_model_spec(vocabulary: Sequence[str]) -> TransformerSpec:
    """A one-layer Transformer spec whose weights copy the source tokens (see the module docstring)."""
    vocab = len(vocabulary)
    tok_codes, tok_margin = _token_codes(vocab)
    pos_codes, pos_margin = _position_codes()
    e, p = TOKEN_DIMS, 2 * POSITION_PAIRS
    h = e + p
    d = 2 * h
    tok, pos = slice(0, e), slice(e, h)
    f32 = np.float32

    def mirrored(u: np.ndarray) -> np.ndarray:
        return np.concatenate([u, -u], axis=-1).astype(f32)

    def zeros(*shape: int) -> np.ndarray:
        return np.zeros(shape, dtype=f32)

    spec = TransformerSpec.from_config(num_layers=1, num_heads=1)
    enc, dec = spec.encoder, spec.decoder
    token_rows = zeros(vocab, h)
    token_rows[:, tok] = tok_codes
    position_rows = zeros(MAX_POSITIONS, h)
    position_rows[:, pos] = pos_codes

    # The hidden vectors' root mean squares, which the (gamma=1, beta=0) layer norms divide by.
    rms_enc = np.sqrt(2 * (e + POSITION_PAIRS) / d)  # encoder input and memory: a token and a position
    rms_dec_in = np.sqrt(2 * POSITION_PAIRS / d)  # decoder input: a position only
    rms_dec_out = np.sqrt(2 * (e + POSITION_PAIRS) / d)  # after cross-attention: copied token + position

    enc.scale_embeddings = False
    enc.embeddings[0].weight = mirrored(token_rows)
    enc.position_encodings.encodings = mirrored(position_rows)
    dec.scale_embeddings = False
    dec.embeddings.weight = zeros(vocab, d)
    dec.position_encodings.encodings = mirrored(position_rows)

    for norm in (
        enc.layer[0].self_attention.layer_norm,
        enc.layer[0].ffn.layer_norm,
        enc.layer_norm,
        dec.layer[0].self_attention.layer_norm,
        dec.layer[0].attention.layer_norm,
        dec.layer[0].ffn.layer_norm,
        dec.layer_norm,
    ):
        norm.gamma = np.ones(d, dtype=f32)
        norm.beta = zeros(d)
    for layer in (enc.layer[0], dec.layer[0]):
        layer.self_attention.linear[0].weight = zeros(3 * d, d)
        layer.self_attention.linear[1].weight = zeros(d, d)
        layer.ffn.linear_0.weight = zeros(_FFN_DIMS, d)
        layer.ffn.linear_1.weight = zeros(d, _FFN_DIMS)

    # Cross-attention. CTranslate2 divides queries by sqrt(head depth); the query scale makes the
    # product of matching positions exceed any other by _LOGIT_GAP.
    query_scale = _LOGIT_GAP * np.sqrt(d) * rms_dec_in * rms_enc / pos_margin
    attention = dec.layer[0].attention
    query = zeros(d, d)
    query[pos, pos] = np.eye(p) * query_scale
    keys_values = zeros(2 * d, d)
    keys_values[pos, pos] = np.eye(p)  # keys: the source position
    keys_values[d + tok.start : d + tok.stop, tok] = np.eye(e) * rms_enc  # values: the source token
    output = zeros(d, d)
    output[tok, tok] = np.eye(e)
    output[h + tok.start : h + tok.stop, tok] = -np.eye(e)
    attention.linear[0].weight = query
    attention.linear[1].weight = keys_values
    attention.linear[2].weight = output

    projection = zeros(vocab, d)
    projection[:, tok] = tok_codes * (_LOGIT_GAP * rms_dec_out / tok_margin)
    dec.projection.weight = projection
    dec.projection.bias = zeros(vocab)

    spec.register_source_vocabulary(list(vocabulary))
    spec.register_target_vocabulary(list(vocabulary))
    spec.config.add_source_eos = True
    return spec


class _SpecConverter(Converter):  # type: ignore[misc]
    """Saves a ready-made spec through CTranslate2's converter (validation, optimisation, files)."""

    def __init__(self, spec: TransformerSpec) -> None:
        self._spec = spec

    def _load(self) -> TransformerSpec:
        return self._spec


def sentencepiece_vocabulary(model: bytes) -> list[str]:
    """The pieces of a SentencePiece model in id order (`<unk>`, `<s>`, `</s>` first)."""
    sp = spm.SentencePieceProcessor(model_proto=model)
    pieces = [sp.id_to_piece(i) for i in range(sp.get_piece_size())]
    if pieces[:3] != ["<unk>", "<s>", "</s>"]:
        raise ValueError(f"vocabulary must start with <unk>, <s>, </s>; got {pieces[:3]}")
    return pieces


def metadata(from_code: str, to_code: str, version: str) -> dict[str, Any]:
    """The package's metadata.json, as Argos packages have it."""
    names = {"fi": "Finnish", "en": "English"}
    return {
        "package_version": version,
        "argos_version": "1.9",
        "from_code": from_code,
        "from_name": names.get(from_code, from_code),
        "to_code": to_code,
        "to_name": names.get(to_code, to_code),
        "links": [],
    }


def zip_package(package_dir: str | Path, out_file: str | Path) -> Path:
    """Zip a package directory as Argos does: one top-level directory named after the package."""
    src, out = Path(package_dir), Path(out_file)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        for path in sorted(src.rglob("*")):
            if path.is_file():
                zf.write(path, f"{src.name}/{path.relative_to(src).as_posix()}")
    return out


@dataclass(frozen=True)
class TinyPackage:
    """A tiny copying package to build: its languages, version and SentencePiece training text.

    `lines` are added to the SentencePiece training text: with them and a larger `vocab_size`
    the model cuts that text into realistic word pieces, not characters (the benchmark does this).
    """

    from_code: str = "fi"
    to_code: str = "en"
    version: str = "0.0.1"
    lines: tuple[str, ...] = ()
    vocab_size: int = 512

    @property
    def name(self) -> str:
        """The directory name Argos packages use, e.g. `translate-fi_en-1_9`."""
        return f"translate-{self.from_code}_{self.to_code}-{self.version.replace('.', '_')}"

    def write_dir(self, out_dir: str | Path) -> Path:
        """Write the package's directory (metadata.json, sentencepiece.model, model/) at `out_dir`."""
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        sp_model = train_sentencepiece([*training_lines(), *self.lines], self.vocab_size)
        (out / "sentencepiece.model").write_bytes(sp_model)
        meta = metadata(self.from_code, self.to_code, self.version)
        (out / "metadata.json").write_text(json.dumps(meta), encoding="utf-8")
        spec = copy_model_spec(sentencepiece_vocabulary(sp_model))
        _SpecConverter(spec).convert(str(out / "model"), force=True)
        return out

    def write(self, out_file: str | Path) -> Path:
        """Build the `.argosmodel` at `out_file`."""
        with tempfile.TemporaryDirectory() as tmp:
            return zip_package(self.write_dir(Path(tmp) / self.name), out_file)
