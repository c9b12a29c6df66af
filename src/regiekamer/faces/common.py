"""What every command-line module shares: the consoles, the --store option, the facade."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

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


def steps_bar(label: str = "{task.description}") -> Progress:
    """The progress bar of a command that takes steps (KPIs, report parts, generated parts):
    on stderr, so that data on stdout stays clean, and gone when done."""
    return Progress(
        TextColumn(label),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    )
