"""`regiekamer prognose`: forecasts, scenarios (save, list, compare) and the backtest."""

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


def _split(text: str | None) -> list[str]:
    return [p.strip() for p in (text or "").split(",") if p.strip()]


def _band(r: dict, key: str, show) -> tuple[str, str]:
    return show(r[key]), f"[dim]{show(r[key + '_p10'])} – {show(r[key + '_p90'])}[/dim]"


def prognose(
    store: Path | None = StoreOpt,
    year: int | None = typer.Option(None, "--year", help="Alleen dit jaar, bv. 2026."),
    months: int = typer.Option(36, "--months", help="Maanden vooruit (zonder --year)."),
    scenario: list[str] = typer.Option(
        [],
        "--scenario",
        help="Scenario: een YAML-bestand of de naam van een opgeslagen scenario "
        "(mag vaker; elk wordt naast de basis gezet).",
    ),
    save: bool = typer.Option(False, "--save", help="Sla de --scenario-bestanden op in de store."),
    list_: bool = typer.Option(False, "--list", help="Toon de opgeslagen scenario's."),
    delete: str | None = typer.Option(None, "--delete", help="Verwijder dit opgeslagen scenario."),
    backtest: bool = typer.Option(
        False, "--backtest", help="Hoe goed voorspelt het model de laatste 12 maanden?"
    ),
    origins: int = typer.Option(1, "--origins", help="Met --backtest: aantal jaren terug."),
    gemeente: str | None = typer.Option(None, "--gemeente", help="Komma-lijst van gemeentecodes."),
    sims: int = typer.Option(500, "--sims", help="Aantal simulaties voor de banden."),
    seed: int = typer.Option(1, "--seed"),
    chart: Path | None = typer.Option(None, "--chart", help="Grafiek met band (.svg of .png)."),
    fmt: Format = typer.Option(Format.table, "--format"),
    out: Path | None = typer.Option(None, "--out", help="Bestand voor json of xlsx."),
) -> None:
    """Prognose van cliënten en uitgaven per wet, 1-3 jaar vooruit, met 80%- en 95%-banden;
    scenario's (knoppen) naast de basis; --backtest toont hoe goed het model het verleden
    voorspelde."""
    rk = kamer(store)
    if list_:
        rows = rk.list_scenarios()
        _emit(rows, fmt, out, "scenarios", ("naam", "omschrijving", "opgeslagen_op"))
        return
    if delete:
        found = rk.delete_scenario(delete)
        err.print(f"Scenario {delete} {'verwijderd' if found else 'bestond niet'}.")
        return
    if backtest:
        _backtest(rk, origins, sims, seed, fmt, out)
        return
    chosen = []
    for s in scenario:
        path = Path(s)
        if path.suffix.lower() in (".yaml", ".yml"):
            if not path.exists():
                raise RegiekamerError(f"Scenariobestand {path} bestaat niet.")
            text = path.read_text(encoding="utf-8")
            if save:
                chosen.append(rk.save_scenario(text, path.stem))
                err.print(f"Scenario {chosen[-1].naam} opgeslagen in de store.")
            else:
                from regiekamer.analyses.prognose.scenario import parse

                chosen.append(parse(text, path.stem))
        else:
            chosen.append(s)
    with steps_bar() as bar:
        bar.add_task("Prognose rekenen", total=None)
        result = rk.prognose(
            year=year, months=months, scenarios=chosen, gemeenten=_split(gemeente), sims=sims,
            seed=seed,
        )  # fmt: skip
    if chart:
        _chart(result, chart)
    if fmt != Format.table:
        rows = result.jaren + result.verschillen
        _emit(rows, fmt, out, "prognose", tuple(dict.fromkeys(k for r in rows for k in r)))
        return
    console.print(
        f"Prognose vanaf {result.peilmaand} (laatste volledige declaratiemaand); "
        "de 80%-band: 8 op de 10 simulaties vallen erbinnen."
    )
    t = Table("jaar", "wet", "scenario", "cliënten in zorg", "80%-band", "uitgaven", "80%-band",
              title="Prognose")  # fmt: skip
    for r in result.jaren:
        t.add_row(
            r["jaar"], r["wet"], r["scenario"], *_band(r, "clienten", number),
            *_band(r, "uitgaven", euro),
        )  # fmt: skip
    console.print(t)
    known = [r for r in result.jaren if r["wet"] == "totaal" and "gerealiseerd" in r]
    if known:
        console.print(
            f"Jaareinde: inclusief {euro(known[0]['gerealiseerd'])} al gedeclareerd tot en met "
            f"{result.peilmaand}; de band gaat over de rest van het jaar."
        )
    if result.verschillen:
        d = Table(
            "jaar", "wet", "scenario", "cliënten", "uitgaven", "%", title="Verschil met basis"
        )
        for r in result.verschillen:
            pct = r["uitgaven_verschil_pct"]
            d.add_row(
                r["jaar"], r["wet"], r["scenario"], number(r["clienten_verschil"]),
                euro(r["uitgaven_verschil"]), "" if pct is None else percent(pct),
            )  # fmt: skip
        console.print(d)


def _backtest(rk, origins: int, sims: int, seed: int, fmt: Format, out: Path | None) -> None:
    with steps_bar() as bar:
        task = bar.add_task("Backtest", total=origins)
        result = rk.prognose_backtest(
            origins=origins, sims=sims, seed=seed,
            on_step=lambda label: bar.update(task, advance=1, description=label),
        )  # fmt: skip
    if fmt != Format.table:
        rows = result.rows + result.rows_wet
        _emit(rows, fmt, out, "backtest", tuple(dict.fromkeys(k for r in rows for k in r)))
        return
    t = Table("venster", "gemeente", "gedeclareerd", "prognose", "80%-band", "fout", "in band",
              title="Backtest: jaaruitgaven per gemeente")  # fmt: skip
    for r in result.rows:
        t.add_row(
            r["venster"], r["gemeente"], euro(r["gerealiseerd"]), euro(r["prognose"]),
            f"{euro(r['p10'])} – {euro(r['p90'])}", percent(r["fout_pct"]),
            "ja" if r["binnen_80"] else "[red]nee[/red]",
        )  # fmt: skip
    console.print(t)
    s, w = result.summary, result.summary_wet
    console.print(
        f"Gemiddelde fout (MAPE) per gemeente-jaar: {percent(s['mape_pct'])} over {s['n']}; "
        f"de 80%-band bevatte de uitkomst in {percent(s['dekking_80_pct'])}, de 95%-band in "
        f"{percent(s['dekking_95_pct'])}. Per gemeente en wet: MAPE {percent(w['mape_pct'])}, "
        f"80%-band {percent(w['dekking_80_pct'])}."
    )


def _chart(result, path: Path) -> None:
    from regiekamer.faces.charts import to_svg
    from regiekamer.faces.charts_prognose import band

    chart = band(result.maanden, result.historie)
    if path.suffix.lower() == ".png":
        import vl_convert as vlc

        path.write_bytes(vlc.vegalite_to_png(chart.to_dict(), scale=2, format_locale="nl-NL",
                                             time_format_locale="nl-NL"))  # fmt: skip
    else:
        path.write_text(to_svg(chart), encoding="utf-8")
    err.print(f"Grafiek geschreven naar {path}")


def _emit(rows: list[dict], fmt: Format, out: Path | None, sheet: str, cols: tuple) -> None:
    if fmt == Format.xlsx:
        target = out or Path(f"{sheet}.xlsx")
        to_xlsx(rows, target, sheet, cols)
        err.print(f"{len(rows)} rijen geschreven naar {target}")
    elif fmt == Format.json or out:
        text = to_json(rows)
        if out:
            out.write_text(text + "\n", encoding="utf-8")
        else:
            print(text)
    else:
        t = Table(*cols)
        for r in rows:
            t.add_row(*(str(r.get(c) or "") for c in cols))
        console.print(t)
