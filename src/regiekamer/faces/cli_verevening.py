"""`regiekamer verevening` and `regiekamer incentive`: the settlements on the command line."""

from __future__ import annotations

import json
from enum import StrEnum
from fractions import Fraction
from pathlib import Path

import typer
from rich.table import Table

from regiekamer.analyses.configfile import ConfigInvalid
from regiekamer.analyses.incentive import run as incentive_run
from regiekamer.analyses.verevening import run as verevening_run
from regiekamer.faces.common import StoreOpt, console, err, kamer, steps_bar
from regiekamer.faces.dutch import number


class OutFormat(StrEnum):
    table = "table"
    json = "json"
    xlsx = "xlsx"
    pdf = "pdf"


ConfigOpt = typer.Option(..., "--config", help="Het YAML-bestand met de regeling.")
YearOpt = typer.Option(..., "--year", help="Kalenderjaar, bv. 2025.")
FormatOpt = typer.Option(OutFormat.table, "--format")
OutOpt = typer.Option(None, "--out", help="Doelbestand (xlsx/pdf; json: anders stdout).")


def _eur(cents: int | None, sign: bool = False) -> str:
    if cents is None:
        return "—"
    prefix = "−" if cents < 0 else ("+" if sign and cents > 0 else "")
    return f"{prefix}€ {number(abs(cents) / 100)}"


def _show_findings(exc: ConfigInvalid) -> None:
    table = Table("code", "ernst", "locatie", "veld", "melding", title="Bevindingen")
    for f in exc.findings:
        table.add_row(f.code, f.ernst, f"{f.bestand}, {f.locatie}", f.veld or "", f.melding)
    err.print(table)


def _warn(findings: tuple) -> None:
    for f in findings:
        err.print(f"[yellow]{f.code}[/yellow] {f.bestand}, {f.locatie} ({f.veld}): {f.melding}")


def verevening(
    store: Path | None = StoreOpt,
    config: Path = ConfigOpt,
    year: int = YearOpt,
    fmt: OutFormat = FormatOpt,
    out: Path | None = OutOpt,
    sim_years: int | None = typer.Option(
        None, "--simulations", help="Gesimuleerde jaren (standaard uit het YAML-bestand)."
    ),
    seed: int | None = typer.Option(None, "--seed", help="Seed (standaard uit het bestand)."),
) -> None:
    """Vergelijk vereveningsmodellen per gemeente: bijdrage, verschil met profijt en risico."""
    rk = kamer(store)
    try:
        with steps_bar() as bar:
            task = bar.add_task("Verevening", total=4)
            result = rk.verevening(
                config,
                year,
                years=sim_years,
                seed=seed,
                on_step=lambda label: bar.update(task, advance=1, description=label),
            )
    except ConfigInvalid as exc:
        _show_findings(exc)
        raise
    _warn(result.config.waarschuwingen)
    if fmt == OutFormat.table:
        _print_verevening(result)
    elif fmt == OutFormat.json:
        _emit(json.dumps(verevening_json(result), ensure_ascii=False, indent=2) + "\n", out)
    else:
        _statement(result, fmt, out or Path(f"verevening-{year}.{fmt.value}"), "verevening")


def _statement(result: object, fmt: OutFormat, target: Path, kind: str) -> None:
    """Write the settlement statement (``kind``: verevening or incentive) as XLSX or PDF."""
    # Imported here: WeasyPrint and Altair are heavy and the table output needs neither.
    from regiekamer.faces import verevening_report as R

    if fmt == OutFormat.xlsx:
        getattr(R, f"write_{kind}_xlsx")(result, target)
        err.print(f"Afrekening (XLSX) geschreven naar {target}")
    else:
        pages = getattr(R, f"write_{kind}_pdf")(result, target)
        err.print(f"Afrekening (PDF, {pages} pagina's) geschreven naar {target}")


def _emit(text: str, out: Path | None) -> None:
    if out is None:
        print(text, end="")
    else:
        out.write_text(text, encoding="utf-8")
        err.print(f"Geschreven naar {out}")


def _jsonable(value: object) -> object:
    if isinstance(value, Fraction):
        return {"breuk": f"{value.numerator}/{value.denominator}", "waarde": float(value)}
    return value


def verevening_json(result: verevening_run.Result) -> dict:
    """Everything of a run as plain JSON data (cents; exact fractions as 'p/q' and a float)."""
    cfg = result.config
    return {
        "regio": cfg.regio,
        "jaar": result.jaar,
        "bestand": cfg.bestand,
        "simulatie": {"jaren": result.simulatie_jaren, "seed": result.seed},
        "gemeenten": {g: result.region.namen.get(g, g) for g in result.region.gemeenten},
        "vergelijking": verevening_run.rows(result),
        "meerjarig": result.historie,
        "notities": result.notities,
        "berekening": [
            {
                "variant": v.variant.id,
                "segment": seg,
                "model": s.rule.model,
                "kosten_cent": s.kosten,
                "toelichting": s.toelichting,
                "stappen": [{k: _jsonable(x) for k, x in row.items()} for row in s.stappen],
            }
            for v in result.varianten
            for seg, s in v.settlements.items()
        ],
    }


def _print_verevening(result: verevening_run.Result) -> None:
    cfg = result.config
    rows = verevening_run.rows(result)
    title = f"Verevening {cfg.regio or ''} {result.jaar}: bijdrage per gemeente en variant"
    pivot = Table("gemeente", *[v.naam for v in cfg.varianten], title=title.replace("  ", " "))
    for i, g in enumerate(result.region.gemeenten):
        pivot.add_row(
            result.region.namen.get(g, g),
            *[
                f"{_eur(v.bijdrage[i])}\n[dim]{_eur(v.verschil[i], sign=True)}[/dim]"
                for v in result.varianten
            ],
        )
    console.print(pivot)
    console.print("[dim]Tweede regel: verschil met het profijtbeginsel.[/dim]")
    risk = Table(
        "gemeente",
        "variant",
        "P5 (€)",
        "mediaan (€)",
        "P95 (€)",
        "CV",
        "minder\nschommeling",
        title=f"Risico over {number(result.simulatie_jaren)} gesimuleerde jaren "
        f"(seed {result.seed})",
    )
    for r in sorted(rows, key=lambda r: r["gemeente"]):
        if "p5_cent" not in r:
            continue
        risk.add_row(
            r["gemeentenaam"],
            r["variant"],
            number(r["p5_cent"] / 100),
            number(r["mediaan_cent"] / 100),
            number(r["p95_cent"] / 100),
            "—" if r["cv"] is None else number(r["cv"] * 100, 1) + " %",
            "—"
            if r["volatiliteit_weg_pct"] is None
            else number(r["volatiliteit_weg_pct"], 1) + " %",
        )
    if risk.row_count:
        console.print(risk)
        console.print(
            "[dim]CV: variatiecoëfficiënt (standaardafwijking / gemiddelde); minder schommeling: "
            "hoeveel van de standaardafwijking onder het profijtbeginsel de variant wegneemt."
            "[/dim]"
        )
    years = sorted({r["jaar"] for r in result.historie})
    if len(years) > 0:
        hist = Table("jaar", "gemeente", *[v.naam for v in cfg.varianten], title="Meerjarenbeeld")
        by = {(r["jaar"], r["gemeente"], r["variant"]): r for r in result.historie}
        for y in years:
            for g in result.region.gemeenten:
                hist.add_row(
                    str(y),
                    result.region.namen.get(g, g),
                    *[_eur(by.get((y, g, v.id), {}).get("bijdrage_cent")) for v in cfg.varianten],
                )
        console.print(hist)
    for n in result.notities:
        err.print(f"[yellow]{n}[/yellow]")


def incentive(
    store: Path | None = StoreOpt,
    config: Path = ConfigOpt,
    year: int = YearOpt,
    fmt: OutFormat = FormatOpt,
    out: Path | None = OutOpt,
) -> None:
    """Afrekening per aanbieder: winst/verlies-deling en bonus/malus op KPI-afspraken."""
    rk = kamer(store)
    try:
        with steps_bar() as bar:
            task = bar.add_task("Incentives", total=2)
            result = rk.incentive(
                config, year, on_step=lambda label: bar.update(task, advance=1, description=label)
            )
    except ConfigInvalid as exc:
        _show_findings(exc)
        raise
    if fmt == OutFormat.table:
        _print_incentive(result)
    elif fmt == OutFormat.json:
        data = {
            "jaar": result.jaar,
            "bestand": result.bestand,
            "afrekening": incentive_run.rows(result),
            "stappen": {f"{s.regeling}/{s.aanbieder}": s.stappen for s in result.afrekeningen},
        }
        _emit(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n", out)
    else:
        _statement(result, fmt, out or Path(f"incentive-{year}.{fmt.value}"), "incentive")


def _print_incentive(result: incentive_run.Result) -> None:
    table = Table(title=f"Afrekening incentives {result.jaar} (bedragen in €)")
    table.add_column("regeling", no_wrap=True)
    table.add_column("aanbieder", no_wrap=True)
    for head in ("doel", "realisatie", "verschil", "winst/\nverlies", "bonus/\nmalus", "totaal"):
        table.add_column(head, justify="right", no_wrap=True)
    for s in result.afrekeningen:
        table.add_row(
            s.regeling,
            s.aanbieder,
            *(
                _amount(c)
                for c in (
                    s.doelbudget_cent,
                    s.realisatie_cent,
                    s.verschil_cent,
                    s.verrekening_cent,
                    s.bonus_malus_cent,
                    s.totaal_cent,
                )
            ),
        )
    console.print(table)
    for s in result.afrekeningen:
        console.print(f"\n[bold]{s.naam} ({s.aanbieder}), regeling {s.regeling}[/bold]")
        for line in s.stappen:
            console.print(f"  {line}")


def _amount(cents: int) -> str:
    """Whole euros for a narrow table; the steps below it show the cents."""
    return ("−" if cents < 0 else "") + number(abs(cents) / 100)
