"""Shared fixtures: a fresh store per test and the official sample messages."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
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


@pytest.fixture(scope="session")
def region_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A synthetic region (3 municipalities, 2 years) generated and ingested once per session.
    Tests copy it before writing to it (the KPI cache lives in the store)."""
    from regiekamer.synth import generate_region

    base = tmp_path_factory.mktemp("regio")
    generate_region(base / "regio", clients=400, seed=5)
    rk = Regiekamer(Settings(store=base / "regio.duckdb", key="test-key", workers=1))
    rk.init()
    rk.ingest([base / "regio" / "referentie", base / "regio" / "berichten"])
    return base / "regio.duckdb"


@pytest.fixture
def region_kamer(region_store: Path, tmp_path: Path) -> Regiekamer:
    """A private copy of the region store."""
    import shutil

    store = tmp_path / "regio.duckdb"
    shutil.copy(region_store, store)
    return Regiekamer(Settings(store=store, key="test-key", workers=1))


@pytest.fixture
def con(kamer: Regiekamer) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-write connection to the new store of ``kamer``."""
    from regiekamer.store.connection import connect

    c = connect(kamer.store)
    yield c
    c.close()


# --- proof figures (issue 9): counts the fuzz, crash and isolation tests report -------------

FIGURES: list[str] = []


@pytest.fixture(scope="session")
def figures(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[str]]:
    """A list a test appends its figures to; written to <basetemp>/bewijs.txt at the end and
    printed in the terminal summary (pytest -q shows no prints of passing tests)."""
    yield FIGURES
    (tmp_path_factory.getbasetemp() / "bewijs.txt").write_text("\n".join(FIGURES) + "\n")


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if FIGURES:
        terminalreporter.section("bewijs (issue 9)")
        for line in FIGURES:
            terminalreporter.write_line(line)
