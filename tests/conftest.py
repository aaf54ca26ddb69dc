"""Shared fixtures: the repository root, the seed article, and tiny Argos packages built at test time.

Before anything imports argostranslate, its data, config, cache and package directories (and the
pipeline's translation cache) are pointed at a temporary directory, so no test touches the user's
models or cache, and nothing is downloaded.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

import pytest

from pipeline import argos
from pipeline.languagetool import install as languagetool
from pipeline.testing.tiny_argos import TinyPackage

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "corpus" / "personal-vs-virtual-assistants.fi.txt"

# LanguageTool is provisioned by `make setup` into the real cache: pin it before the sandbox moves
# XDG_CACHE_HOME (the tests use the real server; nothing of it is written by the tests).
os.environ.setdefault(languagetool.ENV_DIR, str(languagetool.cache_dir()))
_SANDBOX = Path(tempfile.mkdtemp(prefix="pipeline-tests-"))
atexit.register(shutil.rmtree, _SANDBOX, ignore_errors=True)
for _var, _sub in {
    "XDG_DATA_HOME": "data",
    "XDG_CONFIG_HOME": "config",
    "XDG_CACHE_HOME": "cache",
    "ARGOS_PACKAGES_DIR": "argos-packages",
    "PIPELINE_CACHE_DIR": "pipeline-cache",
}.items():
    os.environ[_var] = str(_SANDBOX / _sub)
os.environ.pop("STRICT", None)
# The tiny test model is too small to gain from threads; on two busy cores they only slow it down.
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.pop("ARGOS_PACKAGE_INDEX", None)


@pytest.fixture
def seed_path() -> Path:
    """The seed article in corpus/."""
    return SEED


@pytest.fixture(scope="session")
def tiny_packages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Tiny copying `.argosmodel` files: `fi_en`, `en_fi` and `de_en` (the wrong languages)."""
    out = tmp_path_factory.mktemp("argosmodels")
    pairs = {"fi_en": ("fi", "en"), "en_fi": ("en", "fi"), "de_en": ("de", "en")}
    return {
        name: TinyPackage(src, dst).write(out / f"{name}.argosmodel") for name, (src, dst) in pairs.items()
    }


@pytest.fixture
def argos_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty Argos package directory and translation cache for this test (by environment)."""
    packages = tmp_path / "argos" / "packages"
    monkeypatch.setenv("ARGOS_PACKAGES_DIR", str(packages))
    monkeypatch.setenv("PIPELINE_CACHE_DIR", str(tmp_path / "cache"))
    return packages


@pytest.fixture
def installed(argos_home: Path, tiny_packages: dict[str, Path]) -> Path:
    """The tiny fi→en and en→fi packages installed into this test's package directory."""
    for name in ("fi_en", "en_fi"):
        argos.install_archive(tiny_packages[name])
    return argos_home
