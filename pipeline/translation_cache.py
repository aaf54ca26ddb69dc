"""A persistent cache of translations in SQLite, keyed by model, direction, decoding options and source.

The model part of the key is the package's name, version and a fingerprint of its files, so a
changed model misses the cache instead of returning stale translations. A cache that cannot be
opened (read-only, corrupt) is a warning, never a failure: the pipeline then translates everything.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from collections.abc import Iterable, Sequence
from pathlib import Path

log = logging.getLogger(__name__)

CACHE_FILE = "translations.sqlite3"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS translations (
    model TEXT NOT NULL,
    direction TEXT NOT NULL,
    options TEXT NOT NULL,
    source TEXT NOT NULL,
    text TEXT NOT NULL,
    score REAL NOT NULL,
    PRIMARY KEY (model, direction, options, source)
)
"""
# SQLite limits the number of host parameters in one statement; look sources up in chunks.
_CHUNK = 500


def default_cache_dir() -> Path:
    """$PIPELINE_CACHE_DIR, else $XDG_CACHE_HOME/pipeline, else ~/.cache/pipeline."""
    env = os.environ.get("PIPELINE_CACHE_DIR")
    if env:
        return Path(env)
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "pipeline"


class TranslationCache:
    """Cached (text, score) pairs for sources already translated with the same model and options."""

    def __init__(self, directory: str | Path | None = None) -> None:
        self.path = Path(directory or default_cache_dir()) / CACHE_FILE
        self._db: sqlite3.Connection | None = None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(self.path, timeout=60)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")  # a cache: losing the last writes to a crash is fine
            db.execute(_SCHEMA)
            db.commit()
            self._db = db
        except (OSError, sqlite3.Error) as exc:
            log.warning("%s: translation cache unavailable, translating without it (%s)", self.path, exc)

    def get_many(
        self, model: str, direction: str, options: str, sources: Sequence[str]
    ) -> dict[str, tuple[str, float]]:
        """The cached (text, score) of each source that has one."""
        found: dict[str, tuple[str, float]] = {}
        if self._db is None:
            return found
        unique = list(dict.fromkeys(sources))
        try:
            for i in range(0, len(unique), _CHUNK):
                chunk = unique[i : i + _CHUNK]
                marks = ",".join("?" * len(chunk))
                rows = self._db.execute(
                    "SELECT source, text, score FROM translations WHERE model = ? AND direction = ? "
                    f"AND options = ? AND source IN ({marks})",
                    (model, direction, options, *chunk),
                )
                found.update((src, (text, score)) for src, text, score in rows)
        except sqlite3.Error as exc:
            log.warning("%s: cannot read the translation cache (%s)", self.path, exc)
        return found

    def put_many(
        self, model: str, direction: str, options: str, items: Iterable[tuple[str, str, float]]
    ) -> None:
        """Store (source, text, score) triples."""
        if self._db is None:
            return
        try:
            with self._db:
                self._db.executemany(
                    "INSERT OR REPLACE INTO translations VALUES (?, ?, ?, ?, ?, ?)",
                    [(model, direction, options, s, t, sc) for s, t, sc in items],
                )
        except sqlite3.Error as exc:
            log.warning("%s: cannot write the translation cache (%s)", self.path, exc)

    def close(self) -> None:
        """Close the database."""
        if self._db is not None:
            self._db.close()
            self._db = None
