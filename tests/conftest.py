"""Shared fixtures: the repository root and the seed article."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "corpus" / "personal-vs-virtual-assistants.fi.txt"


@pytest.fixture
def seed_path() -> Path:
    """The seed article in corpus/."""
    return SEED
