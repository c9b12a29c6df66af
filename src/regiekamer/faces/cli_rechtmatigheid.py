"""`regiekamer rechtmatigheid`: every invoiced euro of a year tested, for the accountant."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import typer
from rich.table import Table

from regiekamer.analyses.verantwoording import JSON_KEYS, Verantwoording
from regiekamer.errors import RegiekamerError
from regiekamer.faces.common import StoreOpt, console, err, kamer, steps_bar
from regiekamer.faces.export import to_json


class RechtFormat(StrEnum):
    table = "table"
    json = "json"
    xlsx = "xlsx"


def euro(cents: int) -> str:
    """€ 1.234,56: Dutch notation, for the screen only."""
    text = f"{cents / 100:,.2f}".replace(",", "_").replace(".", ",").replace("_", ".")
    return f"€ {text}"


def rechtmatigheid(
    store: Path | None = StoreOpt,
    year: int = typer.Option(..., "--year", help="Kalenderjaar, bv. 2025."),
    out: Path | None = typer.Option(
        None, "--out", help="Schrijf naar dit bestand (.xlsx: werkmap; .json: bevindingen)."
    ),
    fmt: RechtFormat | None = typer.Option(
        None, "--format", help="table, json of xlsx (standaard: naar de extensie van --out)."
    ),
) -> None:
    """Toets elke declaratieregel aan toewijzing, zorgperiode en contract (rechtmatigheid)."""
    if fmt is None:
        fmt = RechtFormat.xlsx if out and out.suffix.lower() == ".xlsx" else RechtFormat.table
        if out and out.suffix.lower() == ".json":
            fmt = RechtFormat.json
    if fmt == RechtFormat.xlsx and out is None:
        raise RegiekamerError("Geef met --out een .xlsx-bestand op.")
    rk = kamer(store)
    with steps_bar() as bar:
        task = bar.add_task("Declaratieregels toetsen", total=2)
        v = rk.rechtmatigheid(year, door="cli")
        bar.update(task, advance=1, description="Schrijven")
        if fmt == RechtFormat.xlsx:
            from regiekamer.faces.rechtmatigheid_xlsx import write_workbook

            write_workbook(v, out)
        bar.update(task, advance=1)
    if fmt == RechtFormat.json:
        text = to_json([{k: b[k] for k in JSON_KEYS} for b in v.bevindingen]) + "\n"
        if out is None:
            print(text, end="")
            return
        out.write_text(text, encoding="utf-8")
        err.print(f"{len(v.bevindingen)} bevindingen geschreven naar {out}")
        return
    _print(v)
    if fmt == RechtFormat.xlsx:
        err.print(f"Werkmap geschreven naar {out} ({len(v.bevindingen)} afgekeurde regels).")


def _print(v: Verantwoording) -> None:
    t = v.totaal
    head = Table("", "bedrag", title=f"Rechtmatigheid {v.jaar}", show_header=False)
    head.add_row("Gedeclareerd (netto)", euro(t["gedeclareerd_cent"]))
    head.add_row("  saldo gecrediteerde regels", euro(t["saldo_gecrediteerd_cent"]))
    head.add_row("Getoetst", euro(t["getoetst_cent"]))
    head.add_row("Geaccepteerd", euro(t["geaccepteerd_cent"]))
    head.add_row("[bold]Financiële onzekerheid[/bold]", f"[bold]{euro(t['onzeker_cent'])}[/bold]")
    console.print(head)
    per = Table("#", "code", "toets", "regels", "op het spel", title="Per toets")
    for p in v.per_toets:
        per.add_row(
            str(p["volgorde"]), p["code"], p["toets"], str(p["regels"]), euro(p["bedrag_cent"])
        )
    console.print(per)
    worst = sorted(v.per_aanbieder, key=lambda p: -p["onzeker_cent"])[:10]
    prov = Table("aanbieder", "naam", "getoetst", "onzeker", title="Aanbieders (hoogste eerst)")
    for p in worst:
        if p["onzeker_cent"]:
            prov.add_row(
                p["aanbieder"],
                v.namen.get(p["aanbieder"], ""),
                euro(p["getoetst_cent"]),
                euro(p["onzeker_cent"]),
            )
    console.print(prov)
