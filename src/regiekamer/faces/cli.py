"""The command line: `regiekamer init | ingest | findings | kpi | generate | demo | status`,
`users` and `log`.

English verbs and options, Dutch domain nouns and Dutch output (the users' language).
Exit codes: 0 done, 1 done but --strict and records were rejected, 2 could not run.
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from enum import StrEnum
from pathlib import Path

import typer
from rich.progress import (
    BarColumn,
    DownloadColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from regiekamer import __version__
from regiekamer.errors import RegiekamerError
from regiekamer.facade import FINDING_KEYS
from regiekamer.faces import (
    cli_afspraken,
    cli_beheer,
    cli_contract,
    cli_integraal,
    cli_kpi,
    cli_prognose,
    cli_rechtmatigheid,
    cli_report,
    cli_serve,
    cli_users,
    cli_verevening,
)
from regiekamer.faces.common import StoreOpt, console, err, kamer, steps_bar
from regiekamer.faces.export import to_json, to_xlsx
from regiekamer.ingest.layouts import LAYOUTS
from regiekamer.ingest.load import Outcome

app = typer.Typer(
    help="regiekamer: de gezamenlijke regiekamer van het sociaal domein.",
    no_args_is_help=True,
    add_completion=False,
    # A traceback must never print local variables: they may hold a BSN being read.
    pretty_exceptions_show_locals=False,
)


class Format(StrEnum):
    table = "table"
    json = "json"
    xlsx = "xlsx"


def _version(value: bool) -> None:
    if value:
        console.print(f"regiekamer {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Toon de versie."
    ),
) -> None:
    """regiekamer: de gezamenlijke regiekamer van het sociaal domein."""


@app.command()
def init(store: Path | None = StoreOpt) -> None:
    """Maak de store aan (met sleutelbestand ernaast) of breng hem naar de nieuwste versie."""
    res = kamer(store).init()
    console.print(f"Store {'aangemaakt' if res.created_store else 'bijgewerkt'}: {res.store}")
    if res.key_file:
        state = "aangemaakt (mode 0600)" if res.created_key else "bestaat al"
        console.print(f"Sleutelbestand {state}: {res.key_file}")
    else:
        console.print("Sleutel uit REGIEKAMER_KEY.")


@app.command()
def ingest(
    paths: list[Path] = typer.Argument(..., help="Bestanden en mappen (recursief)."),
    store: Path | None = StoreOpt,
    strict: bool = typer.Option(False, help="Geef exitcode 1 als er records zijn afgewezen."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Toon elk bestand."),
    fmt: str = typer.Option("table", "--format", help="table of json (het verslag)."),
) -> None:
    """Lees iJw/iWmo-berichten en tabellen (CSV/XLSX/Parquet) in de store."""
    rk = kamer(store)
    shown = 0
    with Progress(
        TextColumn("[bold]Inlezen"),
        BarColumn(),
        DownloadColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=err,
        transient=True,
        disable=fmt == "json",
    ) as progress:
        task = progress.add_task("inlezen", total=None)

        def on_plan(n_files: int, n_bytes: int) -> None:
            progress.update(task, total=max(n_bytes, 1))

        def on_bytes(parsed: int) -> None:
            progress.update(task, completed=parsed)

        def on_file(o: Outcome) -> None:
            nonlocal shown
            notable = o.status == "ingelezen" and (o.afgewezen or o.bevindingen)
            if fmt != "json" and (verbose or notable or shown < 20):
                shown += 1
                progress.console.print(_file_line(o))

        report = rk.ingest(paths, on_file=on_file, on_plan=on_plan, on_bytes=on_bytes)
    totals = report.totals
    if fmt == "json":
        print(to_json({"bestanden": [vars(o) for o in report.files], "totaal": totals}))
    else:
        if len(report.files) > shown:
            console.print(
                f"[dim]… en {len(report.files) - shown} bestanden zonder bevindingen "
                "(--verbose toont ze allemaal)[/dim]"
            )
        _print_totals(totals)
    if strict and totals["afgewezen"]:
        raise typer.Exit(1)


def _file_line(o: Outcome) -> str:
    if o.status == "al ingelezen":
        return f"[dim]{o.naam}: al ingelezen (ongewijzigd)[/dim]"
    colour = "red" if o.afgewezen else "green"
    return (
        f"{o.naam} [dim]{o.soort}[/dim]: gelezen {o.gelezen}, "
        f"[{colour}]geaccepteerd {o.geaccepteerd}, afgewezen {o.afgewezen}[/{colour}]"
        + (f", bevindingen {o.bevindingen}" if o.bevindingen else "")
    )


def _print_totals(t: dict[str, int]) -> None:
    table = Table(title="Samenvatting inlezen", show_header=False)
    for label, k in (
        ("bestanden", "bestanden"),
        ("nieuw ingelezen", "nieuw"),
        ("al eerder ingelezen", "al_ingelezen"),
        ("records gelezen", "gelezen"),
        ("geaccepteerd", "geaccepteerd"),
        ("afgewezen", "afgewezen"),
        ("bevindingen", "bevindingen"),
    ):
        table.add_row(label, f"{t[k]:,}".replace(",", "."))
    console.print(table)
    if t["bevindingen"]:
        console.print("Bekijk de bevindingen met [bold]regiekamer findings[/bold].")


@app.command()
def findings(
    store: Path | None = StoreOpt,
    fmt: Format = typer.Option(Format.table, "--format"),
    out: Path | None = typer.Option(None, "--out", help="Bestand voor xlsx (of json)."),
    code: str | None = typer.Option(None, help="Alleen deze code."),
    ernst: str | None = typer.Option(None, help="fout of waarschuwing."),
    catalogue: bool = typer.Option(False, "--catalogue", help="Toon de regelcatalogus."),
) -> None:
    """Toon de bevindingen van het inlezen (of met --catalogue: alle regels)."""
    rk = kamer(store)
    rows = rk.catalogue() if catalogue else rk.findings(code=code, ernst=ernst)
    keys = tuple(rows[0]) if catalogue and rows else FINDING_KEYS
    if fmt == Format.json:
        text = to_json(rows)
        if out:
            out.write_text(text + "\n", encoding="utf-8")
        else:
            print(text)
    elif fmt == Format.xlsx:
        target = out or Path("bevindingen.xlsx")
        to_xlsx(rows, target, "regels" if catalogue else "bevindingen", keys)
        console.print(f"{len(rows)} rijen geschreven naar {target}")
    else:
        table = Table(*keys, title="Regelcatalogus" if catalogue else "Bevindingen")
        for r in rows[:1000]:
            table.add_row(*(str(r[k] or "") for k in keys))
        console.print(table)
        if len(rows) > 1000:
            console.print(f"[dim]eerste 1000 van {len(rows)}; gebruik --format json of xlsx[/dim]")


@app.command()
def status(
    store: Path | None = StoreOpt,
    fmt: str = typer.Option("table", "--format", help="table of json"),
) -> None:
    """Wat staat er in de store: rijen per tabel, bestanden, bevindingen, declaraties."""
    s = kamer(store).summary()
    if fmt == "json":
        print(to_json(s))
        return
    _print_summary(s)


def _print_summary(s: dict) -> None:
    t = Table("tabel", "rijen", title=f"Store (schemaversie {s['schemaversie']})")
    for name, n in s["tabellen"].items():
        t.add_row(name, f"{n:,}".replace(",", "."))
    console.print(t)
    b = s["bestanden"]
    console.print(
        f"Bestanden: {b['aantal']}, records gelezen {b['gelezen']}, geaccepteerd "
        f"{b['geaccepteerd']}, afgewezen {b['afgewezen']}."
    )
    if s["gedeclareerd"]:
        g = Table("wet", "jaar", "gedeclareerd (€)", title="Gedeclareerd per wet en jaar")
        for r in s["gedeclareerd"]:
            euros = f"{r['bedrag_cent'] / 100:,.2f}".replace(",", "_").replace(".", ",")
            g.add_row(r["wet"], str(r["jaar"]), euros.replace("_", "."))
        console.print(g)
    if s["bevindingen"]:
        f = Table("code", "ernst", "aantal", title="Bevindingen per code")
        for r in s["bevindingen"]:
            f.add_row(r["code"], r["ernst"], str(r["aantal"]))
        console.print(f)


@app.command()
def generate(
    out: Path = typer.Option(..., "--out", help="Map voor de synthetische regio."),
    gemeenten: int = typer.Option(3, "--gemeenten"),
    clients: int | None = typer.Option(
        None, "--clients", help="Cliënten (standaard 600; landelijk 2.000.000)."
    ),
    years: int = typer.Option(2, "--years"),
    seed: int = typer.Option(1, "--seed"),
    national: bool = typer.Option(
        False, "--national", help="Landelijke schaal, direct naar Parquet (benchmarks)."
    ),
) -> None:
    """Maak een synthetische regio (berichten + referentietabellen); geen echte gegevens."""
    from regiekamer.synth import generate_national, generate_region

    with steps_bar("[bold]Genereren") as progress:
        task = progress.add_task("gen", total=None)

        def tick(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        if national:
            summary = generate_national(out, clients=clients or 2_000_000, seed=seed, progress=tick)
        else:
            summary = generate_region(
                out,
                gemeenten=gemeenten,
                clients=clients or 600,
                years=years,
                seed=seed,
                progress=tick,
            )
    console.print(f"Synthetische gegevens geschreven naar {out}")
    console.print(to_json(summary))


@app.command()
def demo(
    workdir: Path = typer.Option(Path("demo"), "--dir", help="Werkmap voor regio en store."),
    clients: int = typer.Option(600, "--clients"),
    seed: int = typer.Option(1, "--seed"),
    serve: bool = typer.Option(
        not os.environ.get("CI"),
        "--serve/--no-serve",
        help="Start aan het eind het dashboard (standaard, behalve met CI=true).",
    ),
) -> None:
    """Genereer een kleine regio, maak een store, lees alles in, toon de KPI's en een
    raadsrapport, en start het dashboard met een demogebruiker per rol."""

    started = time.perf_counter()
    base = workdir
    base.mkdir(parents=True, exist_ok=True)
    data, store = base / "regio", base / "regiekamer.duckdb"
    if data.exists():
        shutil.rmtree(data)
    for stale in (
        store,
        store.with_name(store.name + ".wal"),
        store.with_name(store.name + ".key"),
    ):
        stale.unlink(missing_ok=True)
    console.rule("[bold]1. Synthetische regio genereren")
    generate(out=data, gemeenten=3, clients=clients, years=2, seed=seed, national=False)
    console.rule("[bold]2. Store aanmaken")
    init(store=store)
    console.rule("[bold]3. Inlezen")
    # The region folder also holds fouten.json (the planted faults), which is no input.
    ingest(
        paths=[data / "referentie", data / "berichten"],
        store=store,
        strict=False,
        verbose=False,
        fmt="table",
    )
    console.rule("[bold]4. Wat staat er in de store")
    status(store=store, fmt="table")
    console.rule("[bold]5. Prestatie-indicatoren 2025 per wet")
    demo_kpis = "clienten,uitgaven,wachttijd_dagen_mediaan,wachttijd_binnen_norm_pct"
    demo_kpis += ",beeindigd_volgens_plan_pct,herhaald_beroep_pct"
    cli_kpi.kpi(
        store=store, list_=False, markdown=False, year=2025, from_=None, to=None, per="year",
        by="wet", kpis=demo_kpis, fmt=cli_kpi.KpiFormat.table, out=None, engine="duckdb",
        public=False,
    )  # fmt: skip
    console.rule("[bold]6. Raadsrapport")
    first = min(r["gemeente"] for r in kamer(store).kpi(year=2025, by=["gemeente"],
                                                        kpis=["clienten"]).rows)  # fmt: skip
    cli_report.report(store=store, gemeente=first, year=2025, out=base / "rapport.pdf")
    console.print(
        f"Klaar in {time.perf_counter() - started:.1f} s. Verder kijken: "
        f"regiekamer kpi --store {store} --year 2025 --by gemeente  |  "
        f"regiekamer findings --store {store}  |  {base / 'rapport.pdf'}"
    )
    console.rule("[bold]7. Dashboard")
    cli_serve.demo_dashboard(store, first, serve_now=serve)


@app.command()
def layouts(
    markdown: bool = typer.Option(False, "--markdown", help="Als Markdown (docs/tabellen.md)."),
) -> None:
    """Toon de kolomindeling van elke tabel die ingest als CSV/XLSX/Parquet leest."""
    from regiekamer.ingest.layouts import describe

    if markdown:
        print(describe(), end="")
        return
    for lay in LAYOUTS.values():
        t = Table("kolom", "soort", "verplicht", "toelichting", title=f"{lay.name}: {lay.uitleg}")
        for c in lay.columns:
            soort = f"{c.kind} ({c.ldt or '/'.join(c.values)})" if c.kind == "code" else c.kind
            t.add_row(c.name, soort, "ja" if c.required else "", c.uitleg)
        console.print(t)


app.command("kpi")(cli_kpi.kpi)
app.command("report")(cli_report.report)
app.command("prognose")(cli_prognose.prognose)
app.add_typer(cli_users.users_app, name="users")
app.add_typer(cli_users.log_app, name="log")
app.command("serve")(cli_serve.serve)
app.command("openapi")(cli_serve.openapi)
app.command("verevening")(cli_verevening.verevening)
app.command("incentive")(cli_verevening.incentive)
app.command("stapeling")(cli_integraal.stapeling)
app.command("cbs")(cli_integraal.cbs)
app.command("rechtmatigheid")(cli_rechtmatigheid.rechtmatigheid)
app.command("contract")(cli_contract.contract)
cli_afspraken.register(app)
cli_beheer.register(app)


def main() -> None:
    """Entry point: turn our errors into one clear line and exit code 2."""
    try:
        app()
    except RegiekamerError as exc:
        err.print(f"[red]Fout:[/red] {exc}")
        sys.exit(2)
    except KeyboardInterrupt:
        err.print("[yellow]Afgebroken.[/yellow] Een onderbroken ingest laat de store ongewijzigd.")
        sys.exit(130)
