"""`regiekamer backup | restore | check | selftest`: operations (docs/beheer.md).

While `regiekamer serve` holds the store, backup, check and selftest ask the server to do the
work (beheer/channel.py); the output is the same.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import typer

from regiekamer.beheer import backup as backup_files
from regiekamer.beheer.rules import FAILED, OK, Rule, failed
from regiekamer.faces.common import StoreOpt, console, kamer, steps_bar

_COLOURS = {OK: "green", FAILED: "red"}


def _elapsed(started: float) -> str:
    return f"{time.perf_counter() - started:.1f}".replace(".", ",") + " s"


def _print_rules(rules: list[Rule], fmt: str) -> None:
    if fmt == "json":
        print(json.dumps([r.as_dict() for r in rules], ensure_ascii=False, indent=1))
    else:
        for r in rules:
            colour = _COLOURS.get(r.status, "yellow")
            console.print(
                f"[{colour}]{r.status:<15}[/{colour}] {r.regel}: {r.toelichting}", soft_wrap=True
            )
    if failed(rules):
        raise typer.Exit(1)


def backup(
    out: Path = typer.Option(..., "--out", help="Nieuwe (of lege) map voor de backup."),
    store: Path | None = StoreOpt,
) -> None:
    """Maak een consistente backup van de store (ook terwijl de server draait), met manifest.

    De sleutel gaat er niet in mee: bewaar die apart (zie docs/beheer.md)."""
    started = time.perf_counter()
    with steps_bar("[bold]Backup maken") as progress:
        progress.add_task("backup", total=None)
        manifest = kamer(store).backup(out)
    tables = manifest["tabellen"]
    rows = sum(t["rijen"] for t in tables.values())
    console.print(
        f"Backup in {out}: {len(tables)} tabellen, {rows} rijen, schemaversie "
        f"{manifest['schemaversie']}, klaar in {_elapsed(started)}."
    )
    console.print("De pseudonimiseringssleutel zit er niet in: bewaar hem apart van deze backup.")


def restore(
    source: Path = typer.Argument(..., help="De map van een backup (met manifest.json)."),
    store: Path | None = StoreOpt,
    force: bool = typer.Option(False, "--force", help="Overschrijf een bestaande store."),
) -> None:
    """Zet een backup terug in een (nieuwe) store, na controle tegen het manifest."""
    started = time.perf_counter()
    rk = kamer(store)
    with steps_bar("[bold]Herstellen") as progress:
        progress.add_task("herstel", total=None)
        manifest = rk.restore(source, replace=force)
    console.print(
        f"Hersteld naar {rk.store}: {len(manifest['tabellen'])} tabellen uit de backup van "
        f"{manifest['gemaakt_op']}, klaar in {_elapsed(started)}."
    )
    console.print(
        f"Zet de sleutel van deze store terug ({rk.settings.resolved_key_file()}, mode 0600, of "
        f"REGIEKAMER_KEY) en controleer: regiekamer check --store {rk.store} --manifest {source}"
    )


def check(
    store: Path | None = StoreOpt,
    manifest: Path | None = typer.Option(
        None,
        "--manifest",
        help="Backupmap (of manifest.json) om rijen en controlegetallen mee te vergelijken.",
    ),
    fmt: str = typer.Option("table", "--format", help="table of json"),
) -> None:
    """Controleer een store: schemaversie, manifest, toegangslog, geen BSN. Exitcode 1 bij een
    fout."""
    started = time.perf_counter()
    expected = backup_files.read_manifest(manifest) if manifest else None
    with steps_bar("[bold]Controleren") as progress:
        progress.add_task("controle", total=None)
        rules = kamer(store).check(expected)
    if fmt != "json":
        console.print(f"[dim]Gecontroleerd in {_elapsed(started)}.[/dim]")
    _print_rules(rules, fmt)


def selftest(
    store: Path | None = StoreOpt,
    fmt: str = typer.Option("table", "--format", help="table of json"),
) -> None:
    """Zelftest van de installatie: beheerders, wachtwoorden, sleutel, TLS, bewaartermijn,
    kwetsbaarheden. Exitcode 1 als een regel faalt ('niet uitgevoerd' telt niet als fout)."""
    with steps_bar("[bold]Zelftest") as progress:
        progress.add_task("zelftest", total=None)
        rules = kamer(store).selftest()
    _print_rules(rules, fmt)


def register(app: typer.Typer) -> None:
    """Add the operations commands to the main app (one line in faces/cli.py)."""
    for command in (backup, restore, check, selftest):
        app.command(command.__name__)(command)
