"""Where LanguageTool's jars are: language-tool-python's download, or the set `make languagetool` assembled.

`make languagetool` (tools/languagetool/provision.py) puts the jars here and writes MANIFEST last;
`find_classpath` gives the server its Java class path, or an error that says how to install one.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..errors import LanguageToolError

LT_VERSION = "6.8"  # the newest LanguageTool that runs on Java 17; tools/languagetool/pom.xml pins the same
ENV_DIR = "PIPELINE_LT_DIR"  # where `make languagetool` puts (and we look for) the Maven-assembled jars
MANIFEST = "jars.txt"  # written last by the provisioning: the jar set is complete when it is there
# Jars the server cannot start without. The es/ca/pt modules are there because LanguageTool 6.x's
# language identifier looks those three languages up by code at start-up (CommonWordsDetector).
REQUIRED_JARS = (
    "languagetool-server",
    "languagetool-core",
    "language-en",
    "language-es",
    "language-ca",
    "language-pt",
)


def cache_dir() -> Path:
    """Where the Maven-assembled jars live: $PIPELINE_LT_DIR, or ~/.cache/pipeline/languagetool-<version>."""
    env = os.environ.get(ENV_DIR)
    if env:
        return Path(env)
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "pipeline" / f"languagetool-{LT_VERSION}"


def download_dir() -> Path:
    """Where language-tool-python's own download puts LanguageTool ($LTP_PATH or its cache)."""
    base = os.environ.get("LTP_PATH") or str(Path.home() / ".cache" / "language_tool_python")
    return Path(base) / f"LanguageTool-{LT_VERSION}"


def jar_set_complete(directory: Path) -> bool:
    """True when `directory` holds every jar its manifest lists, at the listed sizes."""
    manifest = directory / MANIFEST
    if not manifest.is_file():
        return False
    for line in manifest.read_text(encoding="utf-8").splitlines():
        name, _, size = line.partition("\t")
        jar = directory / name
        if not jar.is_file() or (size and jar.stat().st_size != int(size)):
            return False
    return True


def find_classpath() -> str:
    """The Java class path of an installed LanguageTool server; an error says how to install one.

    language-tool-python's download (the default where it works) wins; otherwise the jar set that
    `make languagetool` assembled from the Maven repository.
    """
    downloaded = download_dir() / "languagetool-server.jar"
    if downloaded.is_file() and not os.environ.get(ENV_DIR):
        return str(downloaded)  # its manifest's Class-Path names the rest of the distribution
    assembled = cache_dir()
    if jar_set_complete(assembled):
        return str(assembled / "*")
    raise LanguageToolError(
        f"LanguageTool {LT_VERSION} is not installed (looked in {download_dir()} and {assembled}): "
        "run 'make languagetool'"
    )
