"""Argos Translate packages: discovery, the package index, and validated, atomic installation.

We use `argostranslate.package` for the index and for discovery, and never import
`argostranslate.translate` (it imports stanza and torch). Argos's own `install_from_path` imports
it and extracts any zip as it is, so installing is ours: the archive is checked (no absolute
paths, no `..`, no links, the required files, the expected languages, its sizes against the limits
below, every CRC), extracted into a staging directory beside the package directory (counting the
bytes written, since a zip's declared sizes can lie) and renamed into place, so a failed install
leaves the package directory as it was. The package's digest (the translation cache's model key) is
computed there once and stored in the package, so a run does not read a 100 MB model to name it.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import hashlib
import json
import logging
import os
import shutil
import socket
import stat
import tempfile
import zipfile
import zlib
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from types import ModuleType
from typing import Any

from packaging.version import InvalidVersion, Version

from . import io
from .errors import ModelError
from .settings import env_float, env_size

log = logging.getLogger(__name__)
# Argos logs through its own logger; without a handler Python would print its errors raw.
logging.getLogger("argostranslate").addHandler(logging.NullHandler())

FI_EN = ("fi", "en")
EN_FI = ("en", "fi")
PAIRS = (FI_EN, EN_FI)  # the packages the pipeline uses
REQUIRED_FILES = ("metadata.json", "sentencepiece.model", "model/model.bin")
INDEX_TIMEOUT = 60.0  # seconds per network request to the package index
DIGEST_FILE = ".pipeline-digest.json"  # in the package directory: its digest and the files it covers
# Archive limits. Real fi<->en packages are about 100 MB zipped and a few hundred MB unpacked; their
# weights (int8) and SentencePiece models hardly compress (under 2:1 as a whole, at most about 11:1
# for a member, the tiny test model's mostly-zero weights). 2 GiB and 20:1 leave room for bigger
# models while a zip bomb (zeros compress about 1000:1) is refused before anything is unpacked.
ENV_MAX_SIZE = "PIPELINE_MODEL_MAX_SIZE"
ENV_MAX_RATIO = "PIPELINE_MODEL_MAX_RATIO"
DEFAULT_MAX_SIZE = 2 << 30
DEFAULT_MAX_RATIO = 20.0
RATIO_FLOOR = 1 << 20  # the ratio applies from 1 MiB unpacked: smaller files cannot make a bomb


def arrow(pair: tuple[str, str]) -> str:
    """`fi→en`."""
    return f"{pair[0]}→{pair[1]}"


def _argos(module: str) -> ModuleType:
    """Import `argostranslate.<module>` (settings or package only), or fail with one clear line."""
    try:
        return __import__(f"argostranslate.{module}", fromlist=[module])
    except ImportError as exc:
        raise ModelError(
            f"argostranslate is not installed ({exc}): run 'make setup', which installs it "
            "without stanza and torch"
        ) from None


def packages_dir() -> Path:
    """Argos's package directory: $ARGOS_PACKAGES_DIR, else Argos's setting (read at every call)."""
    env = os.environ.get("ARGOS_PACKAGES_DIR")
    return Path(env) if env else Path(_argos("settings").package_data_dir)


@dataclass(frozen=True)
class InstalledPackage:
    """An installed Argos translation package: its name, version, languages and directory."""

    name: str
    version: str
    from_code: str
    to_code: str
    path: Path
    target_prefix: str = ""

    @property
    def label(self) -> str:
        """`translate-fi_en 1.9`: what outputs record as the model."""
        return f"{self.name} {self.version}"

    @property
    def pair(self) -> tuple[str, str]:
        """(from_code, to_code)."""
        return (self.from_code, self.to_code)

    def fingerprint(self) -> str:
        """A digest of the package's files: a changed model gets a new fingerprint (and cache key).

        Read from the package's DIGEST_FILE when it still matches the files (names, sizes, times);
        otherwise (a package installed before it was stored, or changed since) computed once and
        stored there, or only computed when the directory is read-only."""
        return _fingerprint(self.path, _files_signature(self.path))


Signature = tuple[tuple[str, int, int], ...]


def _files_signature(path: Path) -> Signature:
    files = sorted(p for p in path.rglob("*") if p.is_file() and p.name != DIGEST_FILE)
    return tuple((str(p.relative_to(path)), p.stat().st_size, p.stat().st_mtime_ns) for p in files)


def _compute_digest(path: Path, signature: Signature) -> str:
    digest = hashlib.sha256()
    for rel, _size, _mtime in signature:
        digest.update(rel.encode() + b"\0")
        with (path / rel).open("rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
    return digest.hexdigest()[:16]


def _stored_digest(path: Path, signature: Signature) -> str | None:
    """The digest in the package's DIGEST_FILE if it was computed over exactly these files."""
    try:
        stored = json.loads((path / DIGEST_FILE).read_text(encoding="utf-8"))
        files = tuple((str(rel), int(size), int(mtime)) for rel, size, mtime in stored["files"])
        digest = stored["digest"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return digest if files == signature and isinstance(digest, str) else None


def _store_digest(path: Path) -> str:
    """Compute the package's digest and store it in its DIGEST_FILE (best effort); the digest."""
    signature = _files_signature(path)
    digest = _compute_digest(path, signature)
    try:
        io.write_text(path / DIGEST_FILE, json.dumps({"digest": digest, "files": signature}) + "\n")
    except OSError as exc:  # a read-only package directory: computed again by each process
        log.debug("%s: cannot store the package digest: %s", path, exc)
    return digest


@functools.lru_cache(maxsize=16)
def _fingerprint(path: Path, signature: Signature) -> str:
    return _stored_digest(path, signature) or _store_digest(path)


def _version_key(version: str) -> tuple[int, Version | str]:
    try:
        return (1, Version(version))
    except InvalidVersion:
        return (0, version)


def _from_argos(pkg: Any) -> InstalledPackage | None:
    if getattr(pkg, "type", "translate") != "translate" or not pkg.from_code or not pkg.to_code:
        return None
    name = _argos("package").argospm_package_name(pkg)
    return InstalledPackage(
        name,
        str(pkg.package_version),
        pkg.from_code,
        pkg.to_code,
        Path(pkg.package_path),
        getattr(pkg, "target_prefix", "") or "",
    )


def installed_packages(directory: Path | None = None) -> list[InstalledPackage]:
    """The translation packages installed in `directory` (default: Argos's package directory)."""
    package = _argos("package")
    root = directory or packages_dir()
    if not root.is_dir():
        return []
    try:
        found = package.get_installed_packages(path=[root])
    except (OSError, ValueError):
        # A broken package directory (no or bad metadata.json) stops Argos's scan: skip it instead.
        found = []
        for sub in sorted(p for p in root.iterdir() if p.is_dir()):
            try:
                found.append(package.Package(sub))
            except (OSError, ValueError) as exc:
                log.warning("%s: not an Argos package, skipped (%s)", sub, exc)
    return sorted(
        (p for p in map(_from_argos, found) if p is not None),
        key=lambda p: (p.pair, _version_key(p.version), p.path.name),
    )


def find_package(pair: tuple[str, str], directory: Path | None = None) -> InstalledPackage | None:
    """The installed package for `pair`, the newest version if several are installed, or None."""
    matches = [p for p in installed_packages(directory) if p.pair == pair]
    return matches[-1] if matches else None


# --- installing ---------------------------------------------------------------------------------


def _bad(path: str | Path, problem: str) -> ModelError:
    return ModelError(f"{path}: {problem}")


def _check_member(path: Path, info: zipfile.ZipInfo) -> PurePosixPath:
    name = info.filename
    member = PurePosixPath(name)
    if name.startswith(("/", "\\")) or member.is_absolute() or (len(name) > 1 and name[1] == ":"):
        raise _bad(path, f"unsafe archive: absolute path {name!r}")
    if "\\" in name or ".." in member.parts:
        raise _bad(path, f"unsafe archive: path {name!r} leaves the package directory")
    if stat.S_ISLNK(info.external_attr >> 16):
        raise _bad(path, f"unsafe archive: {name!r} is a symbolic link")
    return member


def _package_root(path: Path, members: list[PurePosixPath]) -> str:
    """The archive's single top-level directory (`""` for a flat archive)."""
    tops = {m.parts[0] for m in members if m.parts}
    if "metadata.json" in tops:
        return ""
    if len(tops) != 1:
        raise _bad(path, f"not an Argos package: expected one top-level directory, found {len(tops)}")
    return tops.pop()


def _size(n: float) -> str:
    """`4.0 GiB`."""
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024
    raise AssertionError  # pragma: no cover


@dataclass(frozen=True)
class ArchiveLimits:
    """How much an archive may unpack to, in all, and how much a member (or the whole) may compress."""

    max_size: int = DEFAULT_MAX_SIZE
    max_ratio: float = DEFAULT_MAX_RATIO

    @classmethod
    def from_env(cls) -> ArchiveLimits:
        """The limits, from PIPELINE_MODEL_MAX_SIZE and PIPELINE_MODEL_MAX_RATIO where set."""
        return cls(env_size(ENV_MAX_SIZE, DEFAULT_MAX_SIZE), env_float(ENV_MAX_RATIO, DEFAULT_MAX_RATIO))

    def too_big(self, path: Path, size: int | None = None) -> ModelError:
        """The error for an archive that unpacks to `size` bytes (None: found while unpacking)."""
        amount = _size(size) if size is not None else "more than it declares"
        return _bad(
            path,
            f"refused: the archive unpacks to {amount}, over the limit of "
            f"{_size(self.max_size)} (set {ENV_MAX_SIZE} to allow more)",
        )

    def check(self, path: Path, infos: Sequence[zipfile.ZipInfo]) -> None:
        """Refuse an archive whose declared sizes pass the limits (checked before anything is read)."""
        total = sum(i.file_size for i in infos)
        if total > self.max_size:
            raise self.too_big(path, total)
        parts = [(repr(i.filename), i.file_size, i.compress_size) for i in infos]
        for what, unpacked, packed in [*parts, ("the archive", total, path.stat().st_size)]:
            if unpacked > RATIO_FLOOR and unpacked > self.max_ratio * max(packed, 1):
                raise _bad(
                    path,
                    f"refused: {what} unpacks to {_size(unpacked)} from {_size(packed)}, a compression "
                    f"ratio over {self.max_ratio:g}:1 (a zip bomb?; set {ENV_MAX_RATIO} to allow more)",
                )


def read_archive(
    path: str | Path, expected: Collection[tuple[str, str]] = PAIRS, limits: ArchiveLimits | None = None
) -> dict[str, Any]:
    """Check an `.argosmodel` without extracting it; its metadata, or a ModelError naming the problem."""
    src = Path(path)
    if not src.is_file():
        raise _bad(src, "no such file")
    try:
        with zipfile.ZipFile(src) as zf:
            infos = zf.infolist()
            members = [_check_member(src, info) for info in infos]
            root = _package_root(src, members)
            prefix = f"{root}/" if root else ""
            names = {i.filename for i in infos}
            missing = [f for f in REQUIRED_FILES if prefix + f not in names]
            if missing:
                raise _bad(src, f"not an Argos package: missing {', '.join(missing)}")
            (limits or ArchiveLimits.from_env()).check(src, infos)  # before testzip() unpacks it all
            bad_member = zf.testzip()
            if bad_member is not None:
                raise _bad(src, f"corrupt archive: bad CRC in {bad_member}")
            try:
                meta = json.loads(zf.read(prefix + "metadata.json").decode("utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError) as exc:
                raise _bad(src, f"bad metadata.json: {exc}") from None
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise _bad(src, f"not a valid .argosmodel (zip) archive: {exc}") from None
    except OSError as exc:
        raise _bad(src, f"cannot read: {exc.strerror or exc}") from None
    if not isinstance(meta, dict):
        raise _bad(src, "bad metadata.json: not a JSON object")
    pair = (meta.get("from_code"), meta.get("to_code"))
    if pair not in expected:
        wanted = " or ".join(arrow(p) for p in expected)
        raise _bad(src, f"wrong languages: the package translates {pair[0]}→{pair[1]}, expected {wanted}")
    meta["_root"] = root
    return meta


def _extract(
    zf: zipfile.ZipFile, info: zipfile.ZipInfo, out: Path, src: Path, limits: ArchiveLimits, *, budget: int
) -> int:
    """Unpack one member into `out`, counting bytes: more than it declared, or than `budget`, is refused."""
    written = 0
    with zf.open(info) as fin, out.open("wb") as fout:
        while chunk := fin.read(1 << 20):
            written += len(chunk)
            if written > info.file_size:
                raise _bad(
                    src,
                    f"refused: {info.filename!r} unpacks to more than the {info.file_size} bytes it declares",
                )
            if written > budget:
                raise limits.too_big(src)
            fout.write(chunk)
    return written


@contextlib.contextmanager
def _install_lock(root: Path) -> Iterator[None]:
    """Serialise installs into one package directory (e.g. `make -j` or two shells)."""
    with (root.parent / f".{root.name}.pipeline-install.lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def install_archive(
    path: str | Path, directory: Path | None = None, expected: Collection[tuple[str, str]] = PAIRS
) -> InstalledPackage:
    """Install an `.argosmodel` into the package directory, atomically; the installed package.

    A package already installed under the same directory name is replaced in one rename.
    """
    src = Path(path)
    limits = ArchiveLimits.from_env()
    meta = read_archive(src, expected, limits)
    root = directory or packages_dir()
    root.mkdir(parents=True, exist_ok=True)
    name = meta["_root"] or f"translate-{meta['from_code']}_{meta['to_code']}"
    prefix = f"{meta['_root']}/" if meta["_root"] else ""
    # Staging beside (not inside) the package directory: Argos must never see a half-built package.
    staging = Path(tempfile.mkdtemp(prefix=f".{root.name}.staging-", dir=root.parent))
    try:
        target_new = staging / name
        target_new.mkdir()
        try:
            with zipfile.ZipFile(src) as zf:
                written = 0
                for info in zf.infolist():
                    rel = info.filename[len(prefix) :]
                    if not rel:
                        continue
                    out = target_new / rel
                    if info.is_dir():
                        out.mkdir(parents=True, exist_ok=True)
                        continue
                    out.parent.mkdir(parents=True, exist_ok=True)
                    written += _extract(zf, info, out, src, limits, budget=limits.max_size - written)
        except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
            raise _bad(src, f"corrupt archive: {exc}") from None
        except OSError as exc:
            raise _bad(src, f"cannot extract into {staging}: {exc.strerror or exc}") from None
        try:
            _argos("package").Package(target_new)  # Argos can read what we extracted
        except (OSError, ValueError) as exc:
            raise _bad(src, f"Argos cannot read the package: {exc}") from None
        _store_digest(target_new)  # mtimes survive the rename below, so the stored digest stays valid
        with _install_lock(root):
            final = root / name
            old = staging / f"{name}.old"
            if final.exists():
                os.replace(final, old)
            try:
                os.replace(target_new, final)
            except OSError:
                if old.exists():
                    os.replace(old, final)
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    installed = next((p for p in installed_packages(root) if p.path == final), None)
    if installed is None:  # pragma: no cover - Package() above already read it
        raise _bad(src, "installed, but Argos does not list it")
    log.info("installed %s (%s) into %s", installed.label, arrow(installed.pair), final)
    return installed


# --- the package index --------------------------------------------------------------------------


def available_packages() -> list[Any]:
    """The translation packages of the Argos package index (fetched now), as Argos objects."""
    settings, package = _argos("settings"), _argos("package")
    local = Path(settings.local_package_index)
    before = local.stat().st_mtime_ns if local.exists() else None
    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(INDEX_TIMEOUT)
    try:
        package.update_package_index()  # logs (to Argos's silenced logger) and returns on failure
    finally:
        socket.setdefaulttimeout(previous)
    after = local.stat().st_mtime_ns if local.exists() else None
    if after is None:
        raise ModelError(
            f"cannot fetch the Argos package index {settings.remote_package_index} (no internet?); "
            "install from local files instead: make models ARGOS_MODELS='fi_en.argosmodel en_fi.argosmodel'"
        )
    if after == before:
        log.warning("could not refresh the Argos package index; using the copy at %s", local)
    try:
        return [p for p in package.get_available_packages() if getattr(p, "type", "") == "translate"]
    except (OSError, ValueError) as exc:
        raise ModelError(f"{local}: bad Argos package index: {exc}") from None


def install_from_index(pair: tuple[str, str], directory: Path | None = None) -> InstalledPackage:
    """Download the newest package for `pair` from the Argos package index and install it."""
    candidates = [p for p in available_packages() if (p.from_code, p.to_code) == pair]
    if not candidates:
        raise ModelError(f"the Argos package index has no {arrow(pair)} package")
    best = max(candidates, key=lambda p: _version_key(str(p.package_version)))
    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(INDEX_TIMEOUT)
    try:
        downloaded = Path(best.download())
    except Exception as exc:  # Argos raises a bare Exception when every link fails
        raise ModelError(f"cannot download the {arrow(pair)} package ({best.links}): {exc}") from None
    finally:
        socket.setdefaulttimeout(previous)
    try:
        return install_archive(downloaded, directory, expected=[pair])
    finally:
        downloaded.unlink(missing_ok=True)


def install_models(
    files: Sequence[str | Path] = (), directory: Path | None = None, *, upgrade: bool = False
) -> list[InstalledPackage]:
    """`models install`: the given `.argosmodel` files, or else every missing pair from the index."""
    if files:
        return [install_archive(f, directory) for f in files]
    done: list[InstalledPackage] = []
    for pair in PAIRS:
        present = find_package(pair, directory)
        if present is not None and not upgrade:
            log.info("%s: %s already installed", arrow(pair), present.label)
            continue
        done.append(install_from_index(pair, directory))
    return done
