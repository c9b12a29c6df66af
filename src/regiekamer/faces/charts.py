"""Chart specifications (Altair / Vega-Lite), in one place for the report and the dashboard.

Each function takes plain rows (already through disclosure control: a suppressed value is None
and is left out of the chart, never drawn as zero) and returns an ``altair.Chart``. ``to_svg``
renders a chart offline with vl-convert, with Dutch number and date formats. Colours come from
the Okabe-Ito palette, which stays distinguishable for colour-blind readers; the municipality and
the region also differ in line style or shape, so a grey print still reads.
"""

from __future__ import annotations

from collections.abc import Sequence

import altair as alt
import vl_convert as vlc

# Okabe-Ito: safe for the common forms of colour blindness.
BLUE, ORANGE, SKY, VERMILLION, GREEN, GREY, BLACK = (
    "#0072B2",
    "#E69F00",
    "#56B4E9",
    "#D55E00",
    "#009E73",
    "#999999",
    "#000000",
)
FONT = "DejaVu Sans"
REGIO = "Regio"
WIDTH = 660  # the text width of an A4 page with 17 mm margins (CSS px at 96 dpi)


def _config(chart: alt.TopLevelMixin) -> alt.TopLevelMixin:
    return (
        chart.configure(font=FONT)
        .configure_view(stroke=None)
        .configure_axis(labelFontSize=11, titleFontSize=11, titleFontWeight="normal", grid=True)
        .configure_legend(labelFontSize=11, titleFontSize=11, orient="top", title=None)
        .configure_header(labelFontSize=12, labelFontWeight="bold", title=None)
    )


def _series(gemeente: str) -> alt.Scale:
    return alt.Scale(domain=[gemeente, REGIO], range=[BLUE, ORANGE])


def trend(
    rows: Sequence[dict],
    *,
    gemeente: str,
    y_title: str,
    y_format: str = ",.1f",
    width: int = WIDTH,
) -> alt.Chart:
    """A line per month for the municipality and the region, one panel per wet.

    Rows: ``maand`` (ISO date of the first of the month), ``reeks`` (the municipality's name or
    ``Regio``), ``wet`` (Jeugd / Wmo), ``waarde`` (None when suppressed: the line breaks there).
    """
    panels = len({r["wet"] for r in rows}) or 1
    base = alt.Chart(alt.Data(values=list(rows))).encode(
        x=alt.X(
            "maand:T",
            title=None,
            scale=alt.Scale(type="utc"),
            axis=alt.Axis(format="%b %Y", formatType="utc", labelAngle=0, tickCount=6),
        ),
        y=alt.Y(
            "waarde:Q",
            title=y_title,
            scale=alt.Scale(zero=True),
            axis=alt.Axis(format=y_format),
        ),
        color=alt.Color("reeks:N", scale=_series(gemeente)),
        strokeDash=alt.StrokeDash(
            "reeks:N", scale=alt.Scale(domain=[gemeente, REGIO], range=[[1, 0], [5, 3]])
        ),
        shape=alt.Shape(
            "reeks:N", scale=alt.Scale(domain=[gemeente, REGIO], range=["circle", "square"])
        ),
        tooltip=[
            alt.Tooltip("reeks:N", title="Reeks"),
            alt.Tooltip("maand:T", title="Maand", format="%B %Y", formatType="utc"),
            alt.Tooltip("waarde:Q", title=y_title, format=y_format),
        ],
    )
    lines = base.mark_line(strokeWidth=2, invalid="break-paths-show-domains")
    points = base.mark_point(size=18, filled=True)
    layered = alt.layer(lines, points).properties(
        width=int((width - 80 * panels) / panels), height=190
    )
    return _config(
        layered.facet(column=alt.Column("wet:N", title=None, sort=["Jeugd", "Wmo"])).resolve_scale(
            y="independent"
        )
    )


def budget(rows: Sequence[dict], *, width: int = WIDTH) -> alt.Chart:
    """Spend against budget per wet: the declared amount, the year-end forecast behind it, and
    the budget as a black mark.

    Rows: ``wet``, ``gedeclareerd``, ``prognose``, ``budget`` (euros; None when unknown).
    """
    long = []
    for r in rows:
        for key, label in (
            ("prognose", "Prognose jaareinde"),
            ("gedeclareerd", "Gedeclareerd"),
            ("budget", "Budget"),
        ):
            if r.get(key) is not None:
                long.append({"wet": r["wet"], "soort": label, "bedrag": r[key]})
    domain = ["Gedeclareerd", "Prognose jaareinde", "Budget"]
    colour = alt.Color("soort:N", scale=alt.Scale(domain=domain, range=[BLUE, SKY, BLACK]))
    base = alt.Chart(alt.Data(values=long)).encode(
        y=alt.Y("wet:N", title=None, sort=["Jeugd", "Wmo"], axis=alt.Axis(labelFontSize=11)),
        x=alt.X("bedrag:Q", title="Euro", axis=alt.Axis(format="$,.0f", tickCount=4)),
        color=colour,
        tooltip=[
            alt.Tooltip("soort:N", title="Soort"),
            alt.Tooltip("bedrag:Q", title="Bedrag", format="$,.0f"),
        ],
    )
    forecast = base.mark_bar(size=26).transform_filter(alt.datum.soort == "Prognose jaareinde")
    spent = base.mark_bar(size=16).transform_filter(alt.datum.soort == "Gedeclareerd")
    target = base.mark_tick(thickness=3, size=36, opacity=1).transform_filter(
        alt.datum.soort == "Budget"
    )
    n = len({r["wet"] for r in rows}) or 1
    return _config(alt.layer(forecast, spent, target).properties(width=width - 70, height=52 * n))


def waiting(
    rows: Sequence[dict], *, gemeente: str, norm_days: int, width: int = WIDTH
) -> alt.Chart:
    """Median waiting time per wet for the municipality and the region, against the norm.

    Rows: ``wet``, ``reeks`` (the municipality's name or ``Regio``), ``dagen`` (None when
    suppressed: no bar, the word "onderdrukt" instead).
    """
    shown = [r for r in rows if r.get("dagen") is not None]
    hidden = [r for r in rows if r.get("dagen") is None]
    wetten = list(dict.fromkeys(r["wet"] for r in rows))
    top = max([norm_days, *(r["dagen"] for r in shown)]) * 1.1
    y = alt.Y("wet:N", title=None, scale=alt.Scale(domain=wetten), axis=alt.Axis(labelFontSize=11))
    offset = alt.YOffset("reeks:N", scale=alt.Scale(domain=[gemeente, REGIO]))
    base = alt.Chart(alt.Data(values=shown)).encode(
        y=y,
        yOffset=offset,
        x=alt.X(
            "dagen:Q",
            title="Wachttijd in dagen (mediaan)",
            scale=alt.Scale(domain=[0, top]),
            axis=alt.Axis(format=",.0f"),
        ),
        color=alt.Color("reeks:N", scale=_series(gemeente)),
        tooltip=[
            alt.Tooltip("reeks:N", title="Reeks"),
            alt.Tooltip("dagen:Q", title="Dagen", format=",.0f"),
        ],
    )
    layers = [
        base.mark_bar(size=14),
        base.mark_text(align="left", dx=4, fontSize=11).encode(
            text=alt.Text("dagen:Q", format=",.0f"), color=alt.value(BLACK)
        ),
    ]
    if hidden:
        layers.append(_suppressed(hidden, y, offset))
    norm = alt.Chart(alt.Data(values=[{"norm": norm_days}]))
    layers.append(
        norm.mark_rule(color=VERMILLION, strokeDash=[6, 3], strokeWidth=2).encode(x="norm:Q")
    )
    layers.append(
        norm.mark_text(
            color=VERMILLION, align="right", baseline="top", dx=-4, y=2, fontSize=11
        ).encode(x="norm:Q", text=alt.value(f"norm: {norm_days} dagen"))
    )
    return _config(alt.layer(*layers).properties(width=width - 70, height=60 * len(wetten)))


def _suppressed(rows: Sequence[dict], y: alt.Y, offset: alt.YOffset) -> alt.Chart:
    """The word "onderdrukt" where a bar would be, in the series' colour's place."""
    return (
        alt.Chart(alt.Data(values=list(rows)))
        .mark_text(align="left", dx=4, fontSize=10, color="#666666")
        .encode(y=y, yOffset=offset, x=alt.value(0), text=alt.value("onderdrukt"))
    )


def comparison(
    rows: Sequence[dict], *, gemeente: str, x_title: str = "Procent", width: int = WIDTH
) -> alt.Chart:
    """Percentages of the municipality beside the region: grouped bars per measure, one panel
    per wet.

    Rows: ``maat`` (the measure's Dutch name), ``wet``, ``reeks``, ``waarde`` (0–100; None when
    suppressed: no bar, the word "onderdrukt" instead) and optionally ``label``, the value as the
    caller writes it elsewhere (so the bar and the table round alike).
    """
    shown = [r for r in rows if r.get("waarde") is not None]
    hidden = [r for r in rows if r.get("waarde") is None]
    order = list(dict.fromkeys(r["maat"] for r in rows))
    wetten = sorted({r["wet"] for r in rows}, key=lambda w: (w != "Jeugd", w))
    y = alt.Y("maat:N", title=None, scale=alt.Scale(domain=order), axis=alt.Axis(labelLimit=200))
    offset = alt.YOffset("reeks:N", scale=alt.Scale(domain=[gemeente, REGIO]))
    base = alt.Chart().encode(
        y=y,
        yOffset=offset,
        x=alt.X(
            "waarde:Q",
            title=x_title,
            scale=alt.Scale(domain=[0, 100]),
            axis=alt.Axis(format=",.0f", tickCount=5),
        ),
        color=alt.Color("reeks:N", scale=_series(gemeente)),
        tooltip=[
            alt.Tooltip("reeks:N", title="Reeks"),
            alt.Tooltip("maat:N", title="Maat"),
            alt.Tooltip("waarde:Q", title="Procent", format=",.1f"),
        ],
    )
    valid, invalid = "isValid(datum.waarde)", "!isValid(datum.waarde)"
    layers = [
        base.mark_bar(size=10).transform_filter(valid),
        base.mark_text(align="left", dx=3, fontSize=10)
        .encode(text=alt.Text("tekst:N"), color=alt.value(BLACK))
        .transform_filter(valid),
    ]
    if hidden:
        layers.append(
            alt.Chart()
            .mark_text(align="left", dx=4, fontSize=10, color="#666666")
            .encode(y=y, yOffset=offset, x=alt.value(0), text=alt.value("onderdrukt"))
            .transform_filter(invalid)
        )
    panel_width = int((width - 170 - 30 * len(wetten)) / max(len(wetten), 1))
    values = [{**r, "tekst": r.get("label") or f"{r['waarde']:.0f}"} for r in shown]
    layered = alt.layer(*layers, data=alt.Data(values=[*values, *hidden])).properties(
        width=panel_width, height=28 * len(order)
    )
    return _config(
        layered.facet(column=alt.Column("wet:N", title=None, sort=wetten)).resolve_scale(x="shared")
    )


def to_svg(chart: alt.TopLevelMixin) -> str:
    """Render a chart to an SVG string, offline, with Dutch number and date formats."""
    svg = vlc.vegalite_to_svg(
        chart.to_dict(),
        format_locale="nl-NL",
        time_format_locale="nl-NL",
    )
    # Drop the XML prolog so the SVG can sit inline in HTML.
    return svg[svg.index("<svg") :]
