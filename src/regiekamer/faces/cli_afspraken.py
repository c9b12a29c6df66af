"""`regiekamer afspraken import|export|list`, `regiekamer signalen` and `regiekamer evaluation`:
the register of performance agreements, the signals and the evaluation report."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from regiekamer.analyses.configfile import ConfigInvalid
from regiekamer.faces.cli_verevening import _show_findings, _warn
from regiekamer.faces.common import StoreOpt, console, err, kamer, steps_bar
from regiekamer.faces.export import to_json

afspraken_app = typer.Typer(help="Het register van prestatieafspraken (afspraken.yaml).")


@afspraken_app.command("import")
def import_(
    path: Path = typer.Argument(..., help="afspraken.yaml (zie docs/afspraken.md)."),
    store: Path | None = StoreOpt,
) -> None:
    """Lees afspraken in: nieuw, gewijzigd (een nieuwe versie) of ongewijzigd. Bij een fout
    wordt niets opgeslagen."""
    rk = kamer(store)
    try:
        done = rk.import_afspraken(path)
    except ConfigInvalid as exc:
        _show_findings(exc)
        raise
    _warn(tuple(done["waarschuwingen"]))
    err.print(
        f"{done['nieuw']} nieuw, {done['gewijzigd']} gewijzigd, {done['ongewijzigd']} ongewijzigd."
    )
    with steps_bar() as bar:
        bar.add_task("Signalen berekenen", total=None)
        fired = rk.compute_signals()
    err.print(f"{len(fired)} signalen.")


@afspraken_app.command("export")
def export(
    store: Path | None = StoreOpt,
    out: Path | None = typer.Option(None, "--out", help="Schrijf naar dit bestand."),
) -> None:
    """Schrijf de huidige versie van elke afspraak als afspraken.yaml."""
    text = kamer(store).export_afspraken()
    if out is None:
        print(text, end="")
    else:
        out.write_text(text, encoding="utf-8")
        err.print(f"Afspraken geschreven naar {out}.")


@afspraken_app.command("list")
def listing(
    store: Path | None = StoreOpt,
    fmt: str = typer.Option("table", "--format", help="table of json."),
) -> None:
    """Elke afspraak naast haar realisatie: doel, waarde, stoplicht en trend."""
    rk = kamer(store)
    with steps_bar() as bar:
        bar.add_task("Realisaties berekenen", total=None)
        items = rk.realisaties(None, rk.afspraken())
    if fmt == "json":
        print(
            to_json(
                [
                    {
                        **i["afspraak"].export(),
                        "versie": i["afspraak"].versie,
                        "na_aanvang": i["afspraak"].na_aanvang,
                        **{k: v for k, v in i.items() if k != "afspraak"},
                    }
                    for i in items
                ]
            )
        )
        return
    t = Table(
        "id",
        "versie",
        "KPI",
        "periode",
        "doel",
        "realisatie",
        "stoplicht",
        "trend",
        title="Prestatieafspraken",
    )
    for i in items:
        a = i["afspraak"]
        late = " [yellow](na aanvang)[/yellow]" if a.na_aanvang else ""
        t.add_row(
            a.afspraak_id + late,
            str(a.versie),
            a.kpi,
            a.periode,
            f"{a.richting} {a.doel:g}",
            "—" if i["waarde"] is None else f"{i['waarde']:.1f}",
            i["licht"],
            i["trend"],
        )
    console.print(t)


def signalen(
    store: Path | None = StoreOpt,
    fmt: str = typer.Option("table", "--format", help="table of json."),
) -> None:
    """Bereken de signalen opnieuw en toon de actieve."""
    rk = kamer(store)
    with steps_bar() as bar:
        bar.add_task("Signalen berekenen", total=None)
        rk.compute_signals()
    rows = rk.signals_for(None)
    if fmt == "json":
        print(to_json(rows))
        return
    t = Table("code", "periode", "signaal", title=f"Signalen ({len(rows)})")
    for s in rows:
        t.add_row(s["code"], s["periode"], s["zin"])
    console.print(t)


def evaluation(
    store: Path | None = StoreOpt,
    period: str = typer.Option(..., "--period", help="Kwartaal (2025-Q3), maand of jaar."),
    out: Path = typer.Option(..., "--out", help="evaluatie.pdf (A4) of .html."),
    aanbieder: str | None = typer.Option(
        None, "--aanbieder", help="Alleen wat deze aanbieder (AGB) betreft: het contractgesprek."
    ),
) -> None:
    """Het evaluatierapport: afspraken tegenover realisatie, signalen en verbeteracties."""
    from regiekamer.faces import evaluatie

    rk = kamer(store)
    with steps_bar() as bar:
        task = bar.add_task("Afspraken en realisaties", total=2)
        ctx = evaluatie.context(rk.evaluation(None, period, aanbieder))
        bar.update(task, advance=1, description="Rapport opmaken")
        pages = evaluatie.write(ctx, out)
        bar.update(task, advance=1)
    more = f", {pages} pagina's" if pages else ""
    err.print(f"Evaluatie {ctx['periode']} geschreven naar {out}{more}.")


def register(app: typer.Typer) -> None:
    """The commands of this module on the main app (one line in cli.py)."""
    app.add_typer(afspraken_app, name="afspraken")
    app.command("signalen")(signalen)
    app.command("evaluation")(evaluation)
