"""The council report: a few pages in Dutch that a council member reads in ten minutes.

``write_report`` gathers the figures through the facade (always with disclosure control on: a
council report leaves the analyst's own scope), turns them into tiles, sentences and charts, fills
``templates/rapport.html.j2`` and writes one self-contained HTML file (inline CSS, inline SVG
charts, nothing loaded from the web) or an A4 PDF made from that HTML by WeasyPrint.

The report shows the municipality beside "the region": all municipalities in the store together.
Every figure carries one sentence, generated from the numbers, that says what it shows. A
suppressed cell is shown as "onderdrukt" and never as a number; a sentence about it says so
without giving the value. Percentages are rounded only here (whole, or one decimal below 10).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import jinja2

from regiekamer.errors import RegiekamerError
from regiekamer.facade import Regiekamer
from regiekamer.faces.report_context import STEPS, TILE_KPIS, Step, build_context

__all__ = ["STEPS", "TILE_KPIS", "report_format", "write_report"]

FORMATS = {".pdf": "pdf", ".html": "html", ".htm": "html"}


_ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("regiekamer.faces", "templates"),
    autoescape=True,
    trim_blocks=True,
    lstrip_blocks=True,
    undefined=jinja2.StrictUndefined,
)


def render_html(context: dict) -> str:
    """The report as one self-contained HTML page (inline CSS and SVG, no scripts)."""
    return _ENV.get_template("rapport.html.j2").render(**context)


def html_to_pdf(html: str) -> tuple[bytes, int]:
    """An A4 PDF of the report HTML, offline; returns the bytes and the number of pages."""
    import weasyprint  # heavy: only when a PDF is asked for

    doc = weasyprint.HTML(string=html, base_url=None).render()
    return doc.write_pdf(), len(doc.pages)


@dataclass(frozen=True)
class Written:
    path: Path
    formaat: str
    paginas: int | None
    seconden: float


def report_format(out: Path) -> str:
    """'pdf' or 'html', from the file name's suffix."""
    fmt = FORMATS.get(out.suffix.lower())
    if fmt is None:
        raise RegiekamerError(
            f"Onbekend rapportformaat '{out.suffix or out.name}': gebruik een bestandsnaam die "
            "eindigt op .pdf of .html."
        )
    return fmt


def write_report(
    rk: Regiekamer,
    gemeente: str,
    year: int,
    out: Path,
    *,
    on_step: Step | None = None,
) -> Written:
    """Make the council report for one municipality and year and write it to ``out``."""
    started = time.perf_counter()
    fmt = report_format(out)
    step = on_step or (lambda _label: None)
    html = render_html(build_context(rk, gemeente, year, on_step=step))
    pages = None
    if fmt == "pdf":
        step("PDF opmaken")
        data, pages = html_to_pdf(html)
    else:
        data = html.encode("utf-8")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(data)
    return Written(out, fmt, pages, time.perf_counter() - started)
