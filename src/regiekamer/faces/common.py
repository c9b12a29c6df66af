"""What every command-line module shares: the consoles, the --store option, the facade."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from regiekamer.facade import Regiekamer
from regiekamer.settings import Settings

console = Console()
err = Console(stderr=True)

StoreOpt = typer.Option(
    None, "--store", help="DuckDB-store (standaard: regiekamer.duckdb of REGIEKAMER_STORE)."
)


def kamer(store: Path | None) -> Regiekamer:
    """The facade over the given store (or the configured one)."""
    return Regiekamer(Settings(store=store) if store else Settings())
