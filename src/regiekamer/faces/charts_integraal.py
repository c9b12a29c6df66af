"""The stapeling chart: households per combination of provisions, one panel per place.

Same conventions as faces/charts.py (Okabe-Ito colours, Dutch formats, offline SVG); a
suppressed cell (None) is left out, never drawn as zero, and the chart says so in its note.
"""

from __future__ import annotations

from collections.abc import Sequence

import altair as alt

from regiekamer.analyses.integraal.stapeling import COMBINATIES
from regiekamer.faces.charts import BLUE, ORANGE, VERMILLION, WIDTH, _config

# One, two or three provisions: the more stacked, the warmer the colour.
_STACK_COLOURS = {1: BLUE, 2: ORANGE, 3: VERMILLION}


def stapeling(rows: Sequence[dict], namen: dict[str, str], *, width: int = WIDTH) -> alt.Chart:
    """Rows as ``Regiekamer.stapeling`` gives them (``totaal`` rows are left out)."""
    values = [
        {
            "plaats": namen.get(r["gemeente"], r["gemeente"]) if r["gemeente"] else "Regio",
            "combinatie": r["combinatie"].replace("+", " + "),
            "voorzieningen": f"{r['combinatie'].count('+') + 1}",
            "huishoudens": r["huishoudens"],
        }
        for r in rows
        if r["combinatie"] in COMBINATIES and r["huishoudens"] is not None and not r.get("wijk")
    ]
    order = [c.replace("+", " + ") for c in COMBINATIES]
    places = [*sorted({v["plaats"] for v in values} - {"Regio"}), "Regio"]  # the region last
    colour = alt.Color(
        "voorzieningen:N",
        title="Aantal voorzieningen",
        scale=alt.Scale(domain=["1", "2", "3"], range=list(_STACK_COLOURS.values())),
    )
    bars = (
        alt.Chart(alt.Data(values=values))
        .mark_bar()
        .encode(
            y=alt.Y("combinatie:N", sort=order, title=None),
            x=alt.X("huishoudens:Q", title="Huishoudens", axis=alt.Axis(format=",.0f")),
            color=colour,
            tooltip=[
                alt.Tooltip("plaats:N", title="Plaats"),
                alt.Tooltip("combinatie:N", title="Combinatie"),
                alt.Tooltip("huishoudens:Q", title="Huishoudens", format=",.0f"),
            ],
        )
        .properties(width=width - 220, height=130)
        .facet(row=alt.Row("plaats:N", title=None, sort=places))
        .resolve_scale(x="independent")
    )
    return _config(bars)
