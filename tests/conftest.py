"""Shared fixtures: a fresh store per test and the official sample messages."""

from __future__ import annotations

from pathlib import Path

import pytest

from regiekamer.facade import Regiekamer
from regiekamer.settings import Settings

SAMPLES = Path(__file__).parent / "data" / "berichten"


@pytest.fixture
def kamer(tmp_path: Path) -> Regiekamer:
    """A new, initialised store in tmp_path with a fixed test key, parsing in-process."""
    k = Regiekamer(Settings(store=tmp_path / "s.duckdb", key="test-key", workers=1))
    k.init()
    return k


@pytest.fixture
def samples() -> Path:
    """The 21 sample messages (ijw/ and iwmo/), two of them invalid."""
    return SAMPLES
