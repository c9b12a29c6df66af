"""`regiekamer contract`: agreed against delivered for one provider, and its scorecard."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import typer
from rich.table import Table

from regiekamer.faces.cli_rechtmatigheid import euro
from regiekamer.faces.common import StoreOpt, console, err, kamer, steps_bar
from regiekamer.faces.export import to_json

LIGHT = {
    "groen": "[green]● groen[/green]",
    "oranje": "[yellow]● oranje[/yellow]",
    "rood": "[red]● rood[/red]",
    "onbekend": "[dim]○ geen gegevens[/dim]",
}
ARROW = {
    "verbetert": "↗ verbetert",
    "verslechtert": "↘ verslechtert",
    "stabiel": "→ stabiel",
    "onbekend": "—",
}


class ContractFormat(StrEnum):
    table = "table"
    json = "json"


def number(value: float | None, unit: str = "") -> str:
    if value is None:
        return "—"
    text = f"{value:,.1f}".replace(",", "_").replace(".", ",").replace("_", ".")
    return f"{text}{unit}"


def count(value: float | None) -> str:
    return "—" if value is None else f"{value:,.0f}".replace(",", ".")


def contract(
    store: Path | None = StoreOpt,
    aanbieder: str = typer.Option(..., "--aanbieder", help="AGB-code van de aanbieder."),
    year: int = typer.Option(..., "--year", help="Kalenderjaar, bv. 2025."),
    fmt: ContractFormat = typer.Option(ContractFormat.table, "--format"),
    out: Path | None = typer.Option(
        None, "--out", help="Scorecard als .pdf of .xlsx (voor het contractgesprek)."
    ),
) -> None:
    """Afgesproken tegenover geleverd per contract van één aanbieder (met --out: scorecard)."""
    rk = kamer(store)
    with steps_bar() as bar:
        task = bar.add_task("Contracten en KPI's", total=2 if out else 1)
        items = rk.contract(aanbieder, year)
        bar.update(task, advance=1, description="Scorecard")
        if out is not None:
            from regiekamer.faces.scorecard import write_scorecard

            write_scorecard(items, year, out)
            bar.update(task, advance=1)
    if out is not None:
        err.print(f"Scorecard geschreven naar {out}.")
    if fmt == ContractFormat.json:
        print(to_json(items))
        return
    for c in items:
        _print(c)


def _print(c: dict) -> None:
    gem = ", ".join(c["gemeenten"])
    console.rule(
        f"[bold]{c['contract_id']}[/bold] · {c['aanbieder_naam']} · {c['wet']} · "
        f"{c['inkoopmodel']} · {c['uitvoeringsvariant']} · gemeenten {gem}"
    )
    t = Table(
        "KPI",
        "afspraak",
        "realisatie",
        "n",
        "stoplicht",
        "trend",
        "per kwartaal",
        title="Afgesproken tegenover geleverd",
    )
    for d in c["doelen"]:
        t.add_row(
            d["titel"],
            f"{'≥' if d['richting'] == '>=' else '≤'} {number(d['doel'])}",
            number(d["waarde"]),
            "" if d["n"] is None else str(d["n"]),
            LIGHT[d["licht"]],
            ARROW[d["trend"]],
            " · ".join(f"{p['periode'][-2:]} {number(p['waarde'])}" for p in d["perioden"]),
        )
    if not c["doelen"]:
        t.add_row("[dim]geen doelen afgesproken[/dim]", "", "", "", "", "", "")
    console.print(t)
    if c["taakgericht"]:
        tg = c["taakgericht"]
        console.print(
            f"Taakgericht: lumpsum {euro(round(tg['lumpsum'] * 100))}; cliënten "
            f"{count(tg['clienten'])}, gestart {count(tg['gestarte_trajecten'])}, beëindigd "
            f"{count(tg['beeindigde_trajecten'])} (uit start- en stopberichten)."
        )
    b = c["besteding"]
    if b and b.get("plafond"):
        when = b["datum_plafond"]
        moment = (
            f"plafond bereikt op {when:%d-%m-%Y}"
            if b["bereikt"] and when
            else f"plafond bereikt rond {when:%d-%m-%Y} bij dit tempo"
            if when
            else "plafond wordt dit jaar niet bereikt bij dit tempo"
        )
        console.print(
            f"Besteed t/m {b['tot_en_met']:%d-%m-%Y}: {euro(round(b['besteed'] * 100))} van "
            f"{euro(round(b['plafond'] * 100))} ({number(b['besteed_pct'], ' %')}); prognose "
            f"jaar {euro(round(b['prognose_jaar'] * 100))}; {moment}."
        )
    elif b:
        console.print(f"Besteed: {euro(round(b['besteed'] * 100))} (geen plafond).")
    p = c["prijs"]
    if p["per_client"] is not None:
        diff = "" if p["verschil_pct"] is None else f" ({number(p['verschil_pct'], ' %')})"
        regio = "—" if p["regio"] is None else euro(round(p["regio"] * 100))
        console.print(
            f"Gemiddelde prijs per cliënt {euro(round(p['per_client'] * 100))} tegen regio "
            f"{regio}{diff}."
        )
