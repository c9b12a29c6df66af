"""`regiekamer report`: the council report for one municipality and year, as PDF or HTML."""

from __future__ import annotations

from pathlib import Path

import typer

from regiekamer.faces.common import StoreOpt, err, kamer, steps_bar


def report(
    store: Path | None = StoreOpt,
    gemeente: str = typer.Option(..., "--gemeente", help="CBS-gemeentecode, bv. 0375."),
    year: int = typer.Option(..., "--year", help="Kalenderjaar, bv. 2025."),
    out: Path = typer.Option(
        ..., "--out", help="Doelbestand; .pdf (A4) of .html (één zelfstandig bestand)."
    ),
) -> None:
    """Maak het raadsrapport voor één gemeente en jaar (PDF of HTML, naar de extensie)."""
    # Imported here: Altair and WeasyPrint are heavy and no other command needs them.
    from regiekamer.faces.report import STEPS, report_format, write_report

    fmt = report_format(out)
    rk = kamer(store)
    with steps_bar() as bar:
        task = bar.add_task("Rapport maken", total=STEPS + (fmt == "pdf"))

        def on_step(label: str) -> None:
            bar.update(task, advance=1, description=label)

        written = write_report(rk, gemeente, year, out, on_step=on_step)
    pages = f", {written.paginas} pagina's" if written.paginas else ""
    err.print(
        f"Rapport ({written.formaat.upper()}{pages}) geschreven naar {written.path} "
        f"in {written.seconden:.1f} s."
    )
