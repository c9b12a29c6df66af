"""`regiekamer stapeling` and `regiekamer cbs`: the integral view on the command line."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import typer
from rich.table import Table

from regiekamer.errors import RegiekamerError
from regiekamer.faces.common import StoreOpt, console, err, kamer, steps_bar
from regiekamer.faces.dutch import euro, number, percent
from regiekamer.faces.export import to_json, to_xlsx


class Format(StrEnum):
    table = "table"
    json = "json"
    xlsx = "xlsx"


def stapeling(
    store: Path | None = StoreOpt,
    year: int = typer.Option(..., "--year", help="Kalenderjaar, bv. 2025."),
    wijk: bool = typer.Option(False, "--wijk", help="Ook per wijk (waar de gegevens die hebben)."),
    openbaar: bool = typer.Option(
        False,
        "--openbaar",
        help="Met onthullingsbeheer (kleine cellen onderdrukt), voor wie buiten de eigen "
        "gemeente kijkt: benchmark, raad, aanbieder.",
    ),
    fmt: Format = typer.Option(Format.table, "--format", help="table, json of xlsx."),
    out: Path | None = typer.Option(None, "--out", help="Doelbestand (verplicht bij xlsx)."),
    chart: Path | None = typer.Option(
        None, "--chart", help="Schrijf ook een grafiek (SVG) van de huishoudens per combinatie."
    ),
) -> None:
    """Huishoudens met meer voorzieningen tegelijk (jeugd, Wmo, bijstand) per gemeente."""
    from regiekamer.analyses.integraal.stapeling import FIELDS

    if fmt == Format.xlsx and out is None:
        raise RegiekamerError("Geef met --out een .xlsx-bestand op.")
    rk = kamer(store)
    with steps_bar() as bar:
        bar.add_task("Stapeling berekenen", total=None)
        rows = rk.stapeling(year=year, wijk=wijk, public=openbaar)
    if chart is not None:
        from regiekamer.faces.charts import to_svg
        from regiekamer.faces.charts_integraal import stapeling as stapeling_chart

        chart.write_text(to_svg(stapeling_chart(rows, rk.store_facts().namen)), encoding="utf-8")
        err.print(f"Grafiek geschreven naar {chart}")
    if fmt == Format.json:
        text = to_json(rows)
        if out:
            out.write_text(text, encoding="utf-8")
        else:
            print(text)
        return
    if fmt == Format.xlsx:
        assert out is not None
        to_xlsx(rows, out, "stapeling", FIELDS)
        err.print(f"{len(rows)} rijen geschreven naar {out}")
        return
    namen = rk.store_facts().namen
    cols = ["gemeente", *(["wijk"] if wijk else []), "combinatie"]
    table = Table(*cols, "huishoudens", "aandeel", "cliënten", "uitgaven", title="Stapeling")
    for r in rows:
        place = namen.get(r["gemeente"], r["gemeente"]) if r["gemeente"] else "regio (totaal)"
        where = [place, *([r["wijk"] or "onbekend"] if wijk else []), r["combinatie"]]
        if r["onderdrukt"]:
            table.add_row(*where, "onderdrukt", "", "", "")
            continue
        share = "" if r["aandeel_pct"] is None else percent(r["aandeel_pct"])
        table.add_row(
            *where, number(r["huishoudens"]), share, number(r["clienten"]), euro(r["uitgaven"])
        )
    console.print(table)
    if not rows:
        err.print("Geen huishoudens met voorzieningen in deze periode.")


def cbs(
    store: Path | None = StoreOpt,
    gemeente: str = typer.Option(..., "--gemeente", help="CBS-gemeentecode, bv. 0363."),
    year: int = typer.Option(
        ..., "--year", help="Jaar (of het laatste eerdere jaar met CBS-cijfers)."
    ),
    fmt: Format = typer.Option(Format.table, "--format", help="table of json."),
) -> None:
    """De CBS-cijfers (StatLine) van een gemeente naast haar jeugdregio en Nederland."""
    rows = kamer(store).benchmarks(gemeente.zfill(4), year)
    if fmt == Format.json:
        print(to_json(rows))
        return
    table = Table(
        "tabel", "periode", "maatstaf", "categorie", "gemeente", "jeugdregio", "Nederland"
    )
    for r in rows:
        table.add_row(
            r["tabel"],
            r["periode"],
            r["maatstaf"],
            r["categorie"],
            *(
                "—" if v is None else number(v, 1)
                for v in (r["gemeente_waarde"], r["regio_waarde"], r["land_waarde"])
            ),
        )
    console.print(table)
    if not rows:
        err.print(
            "Geen CBS-cijfers voor deze gemeente: lees een StatLine-download (CSV) in met "
            "regiekamer ingest."
        )
