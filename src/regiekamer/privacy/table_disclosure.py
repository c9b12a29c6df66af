"""Disclosure control for count tables that are not KPI rows (stapeling: households per
municipality, wijk and combination of provisions).

The rule is the one in privacy/disclosure.py, applied through it: each row becomes a cell
resting on its ``count_field`` units (households), small cells and their complements are
hidden, and a hidden cell has every field in ``hidden_fields`` blanked. A zero cell shows
nothing about anyone and stays visible.
"""

from __future__ import annotations

from collections.abc import Sequence

from regiekamer.privacy.disclosure import suppress


def suppress_table(
    rows: list[dict],
    dims: Sequence[str],
    count_field: str,
    hidden_fields: Sequence[str],
    min_cell: int = 10,
) -> list[dict]:
    """Copies of ``rows`` with ``onderdrukt`` set and the hidden cells' fields blanked."""
    cells = [
        {
            "kpi": "tabel",
            "periode": r.get("periode"),
            **{d: r.get(d) for d in dims},
            "waarde": r[count_field] if r[count_field] else None,
            "n": r[count_field],
        }
        for r in rows
    ]
    masked = suppress(cells, list(dims), min_cell)
    out = []
    for row, cell in zip(rows, masked, strict=True):
        copy = dict(row)
        copy["onderdrukt"] = cell["onderdrukt"]
        if cell["onderdrukt"]:
            for f in hidden_fields:
                copy[f] = None
        out.append(copy)
    return out
