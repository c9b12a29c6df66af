"""`regiekamer kpi`: the KPI catalogue on the command line (list it, compute it, export it)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from enum import StrEnum
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import typer
from rich.table import Table

from regiekamer.errors import RegiekamerError
from regiekamer.faces.common import StoreOpt, console, err, kamer, steps_bar
from regiekamer.faces.export import to_json, to_xlsx
from regiekamer.faces.kpi_docs import describe


class KpiFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"
    xlsx = "xlsx"
    parquet = "parquet"


def _split(text: str | None) -> list[str]:
    return [p.strip() for p in (text or "").split(",") if p.strip()]


def _date(text: str | None, option: str) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise RegiekamerError(
            f"{option} verwacht een datum als 2025-01-31, niet '{text}'."
        ) from exc


def kpi(
    store: Path | None = StoreOpt,
    list_: bool = typer.Option(False, "--list", help="Toon de KPI-catalogus."),
    markdown: bool = typer.Option(False, "--markdown", help="Met --list: als Markdown."),
    year: int | None = typer.Option(None, "--year", help="Kalenderjaar, bv. 2025."),
    from_: str | None = typer.Option(None, "--from", help="Begindatum (JJJJ-MM-DD)."),
    to: str | None = typer.Option(None, "--to", help="Einddatum (JJJJ-MM-DD), inclusief."),
    per: str = typer.Option("year", "--per", help="year, quarter of month."),
    by: str | None = typer.Option(
        None,
        "--by",
        help="Komma-lijst uit wet,gemeente,aanbieder,productcategorie,verwijzer,leeftijdsgroep.",
    ),
    kpis: str | None = typer.Option(
        None, "--kpi", help="Komma-lijst van KPI-ids (standaard alle)."
    ),
    fmt: KpiFormat = typer.Option(KpiFormat.table, "--format"),
    out: Path | None = typer.Option(None, "--out", help="Schrijf naar dit bestand."),
    engine: str = typer.Option("duckdb", "--engine", help="duckdb of spark."),
    public: bool = typer.Option(
        False, "--public", help="Pas onthullingscontrole toe (kleine cellen onderdrukt)."
    ),
) -> None:
    """Bereken de KPI's per periode en dimensie (of toon met --list de catalogus)."""
    if list_ and markdown:
        print(describe(), end="")
        return
    rk = kamer(store)
    if list_:
        _print_catalogue(rk.kpi_catalogue(), fmt, out)
        return
    if year is None and (from_ is None or to is None):
        raise RegiekamerError("Geef --year, of --from en --to.")
    chosen = _split(kpis)
    with steps_bar() as bar:
        task = bar.add_task("KPI's berekenen", total=len(chosen) or len(rk.kpi_catalogue()))
        result = rk.kpi(
            year=year,
            start=_date(from_, "--from"),
            end=_date(to, "--to"),
            per=per,
            by=_split(by),
            kpis=chosen,
            engine=engine,
            public=public,
            on_kpi=lambda k: bar.update(task, advance=1, description=k),
        )
    for k, why in result.skipped.items():
        err.print(f"[yellow]{k}[/yellow]: {why}; overgeslagen.")
    _write(result.rows, fmt, out)


def _columns(rows: list[dict]) -> list[str]:
    """The union of the row keys in first-seen order (some KPIs add a dimension)."""
    cols: dict[str, None] = {}
    for r in rows:
        cols.update(dict.fromkeys(r))
    return list(cols)


def _write(rows: list[dict], fmt: KpiFormat, out: Path | None) -> None:
    cols = _columns(rows) or ["kpi", "periode", "waarde", "eenheid", "n", "onderdrukt"]
    if fmt == KpiFormat.table:
        _print_rows(rows, cols)
        return
    if fmt in (KpiFormat.xlsx, KpiFormat.parquet) and out is None:
        out = Path(f"kpi.{fmt.value}")
    if fmt == KpiFormat.xlsx:
        to_xlsx(rows, out, "kpi", tuple(cols))
    elif fmt == KpiFormat.parquet:
        pq.write_table(pa.Table.from_pylist([{c: r.get(c) for c in cols} for r in rows]), out)
    else:
        text = to_json(rows) + "\n" if fmt == KpiFormat.json else _csv(rows, cols)
        if out is None:
            print(text, end="")
            return
        out.write_text(text, encoding="utf-8")
    err.print(f"{len(rows)} rijen geschreven naar {out}")


def _csv(rows: list[dict], cols: list[str]) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=cols, lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    return buf.getvalue()


def _shown(value: float | None, unit: str) -> str:
    """Rounded for the screen only (data outputs keep full precision)."""
    if value is None:
        return "—"
    if unit.startswith("euro"):
        return f"€ {value:,.0f}".replace(",", ".")
    if unit == "aantal":
        return f"{value:,.0f}".replace(",", ".")
    return f"{value:,.1f}".replace(",", "_").replace(".", ",").replace("_", ".")


def _print_rows(rows: list[dict], cols: list[str]) -> None:
    shown = [c for c in cols if c not in ("waarde", "eenheid", "n", "onderdrukt", "voorlopig")]
    table = Table(*shown, "waarde", "eenheid", "n", title="KPI's")
    table.columns[0].no_wrap = True
    for r in rows[:2000]:
        value = "onderdrukt" if r["onderdrukt"] else _shown(r["waarde"], r["eenheid"])
        if r.get("voorlopig"):
            value += " (voorlopig)"
        n = "" if r["n"] is None else str(r["n"])
        table.add_row(*(str(r.get(c) or "") for c in shown), value, r["eenheid"], n)
    console.print(table)
    if len(rows) > 2000:
        console.print(f"[dim]eerste 2000 van {len(rows)}; gebruik --format csv of xlsx[/dim]")


def _print_catalogue(items: list[dict], fmt: KpiFormat, out: Path | None) -> None:
    if fmt == KpiFormat.json:
        print(to_json(items))
        return
    if fmt != KpiFormat.table:
        rows = [
            {k: ", ".join(v) if isinstance(v, list) else v for k, v in i.items()} for i in items
        ]
        _write(rows, fmt, out)
        return
    table = Table("id", "titel", "eenheid", "voor", "uitleg", title="KPI-catalogus")
    for i in items:
        table.add_row(i["id"], i["titel"], i["eenheid"], ", ".join(i["voor"]), i["uitleg"])
    console.print(table)
