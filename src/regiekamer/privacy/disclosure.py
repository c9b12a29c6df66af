"""Disclosure control: hide KPI cells resting on too few clients, and the cells that give them away.

Every outward face (benchmarks, provider views, council reports, exports) passes its KPI cells
through `suppress` before showing them, so the rule lives in one place (DOMAIN.md §8).

The rule in plain words:

1. Primary suppression. A cell that rests on fewer than `min_cell` clients (10 by default) is
   hidden: its value and its client count are blanked and it is marked `onderdrukt`. A cell with
   zero clients but still a value is hidden too; a cell with no value and no clients has nothing
   to hide and stays as it is.
2. Secondary (complementary) suppression. Hiding one cell is not enough when a total is published
   elsewhere: total minus the visible cells gives the hidden one back. So, per KPI, look at every
   "line" of the table: the cells that agree on everything except one dimension (a row or a
   column; with several periods, also the months of one breakdown). If a line of two or more cells
   has exactly one hidden cell, also hide the visible cell of that line with the fewest clients
   (on a tie: the first by dimension value). Hiding that cell may leave another line with exactly
   one hidden cell, so repeat until every line has no hidden cell or at least two.

A line of one cell is left alone: its total equals the cell and rests on the same clients, so the
total is hidden by the same rule wherever it is shown. This is the classic hypercube heuristic; it
stops recomputation from a single row or column total, which is what the norm asks.

Dimensions are the names given in `dims` plus any known dimension key found in the rows (some
KPIs add one, e.g. verwijzer), and `periode` when a KPI has more than one period, since a year
total could reveal a month.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable

# Dimension keys the KPI engine may add to a row even when the caller did not ask for them.
KNOWN_DIMS: tuple[str, ...] = (
    "wet",
    "gemeente",
    "aanbieder",
    "productcategorie",
    "verwijzer",
    "leeftijdsgroep",
)


def _is_primary(row: dict, min_cell: int) -> bool:
    """True when the cell itself must be hidden (few clients, or marked hidden already)."""
    if row.get("onderdrukt"):
        # Already hidden upstream (or by an earlier pass): keep it hidden, so the function is
        # idempotent and never reveals a cell it cannot judge any more.
        return True
    n = row.get("n")
    if n is None or n >= min_cell:
        return False
    # n == 0 without a value: an empty cell, nothing to hide.
    return n > 0 or row.get("waarde") is not None


def _carries_information(row: dict) -> bool:
    """True when the cell shows something: a value or a positive client count.

    Cells without either cannot be used to recompute anything and hiding them hides nothing, so
    they take no part in the lines.
    """
    n = row.get("n")
    return row.get("waarde") is not None or (n is not None and n > 0)


def _order_key(value: object) -> tuple[bool, str]:
    """Sort key for a dimension value that may be None or of mixed type (None last)."""
    return (value is None, "" if value is None else str(value))


def _dimensions(rows: list[dict], indices: list[int], dims: list[str]) -> list[str]:
    """The dimensions of one KPI: periode (when it varies), `dims` and known keys in the rows."""
    names: list[str] = []
    if len({rows[i].get("periode") for i in indices}) > 1:
        names.append("periode")
    for name in dims:
        if name not in names:
            names.append(name)
    present: set[str] = set()
    for i in indices:
        present.update(k for k in KNOWN_DIMS if k in rows[i])
    names.extend(k for k in KNOWN_DIMS if k in present and k not in names)
    return names


def _secondary(
    rows: list[dict],
    indices: list[int],
    dims: list[str],
    hidden: list[bool],
) -> None:
    """Complementary suppression within one KPI; updates `hidden` in place.

    Lines are fixed by the data, only their hidden count grows, so each line is built once and a
    line is revisited only when one of its cells becomes hidden (a worklist). A line can reach
    exactly one hidden cell at most once, so the scan for its smallest visible cell runs at most
    once per line: linear in the number of cells apart from sorting.
    """
    names = _dimensions(rows, indices, dims)
    cells = [i for i in indices if hidden[i] or _carries_information(rows[i])]
    if not names or len(cells) < 2:
        return
    values = {i: tuple(rows[i].get(name) for name in names) for i in cells}

    lines: list[list[int]] = []
    lines_of: dict[int, list[int]] = defaultdict(list)
    for d in range(len(names)):
        grouped: dict[tuple[Hashable, ...], list[int]] = defaultdict(list)
        for i in cells:
            v = values[i]
            grouped[v[:d] + v[d + 1 :]].append(i)
        for members in grouped.values():
            if len(members) < 2:
                continue
            line_id = len(lines)
            lines.append(members)
            for i in members:
                lines_of[i].append(line_id)

    hidden_count = [sum(hidden[i] for i in members) for members in lines]

    def candidate_key(i: int) -> tuple[bool, int, tuple[tuple[bool, str], ...]]:
        n = rows[i].get("n")
        # A visible cell without a client count is the last choice: it is not a small cell.
        return (n is None, 0 if n is None else n, tuple(_order_key(v) for v in values[i]))

    work = [line_id for line_id, count in enumerate(hidden_count) if count == 1]
    while work:
        line_id = work.pop()
        if hidden_count[line_id] != 1:
            continue
        visible = [i for i in lines[line_id] if not hidden[i]]
        choice = min(visible, key=candidate_key)
        hidden[choice] = True
        for other in lines_of[choice]:
            hidden_count[other] += 1
            if hidden_count[other] == 1:
                work.append(other)


def suppress(rows: list[dict], dims: list[str], min_cell: int = 10) -> list[dict]:
    """Return copies of the KPI cells with small cells and their complements hidden.

    `rows` are KPI result cells (kpi, periode, dimension keys, waarde, n, ...); `dims` names the
    breakdown dimensions (may be empty). The result has the same length and order; every cell gets
    `onderdrukt`, and a hidden cell has `waarde` and `n` set to None. Other keys pass through. The
    input is not changed. See the module docstring for the rule.
    """
    hidden = [_is_primary(row, min_cell) for row in rows]

    per_kpi: dict[Hashable, list[int]] = defaultdict(list)
    for i, row in enumerate(rows):
        per_kpi[row.get("kpi")].append(i)
    for indices in per_kpi.values():
        _secondary(rows, indices, dims, hidden)

    result: list[dict] = []
    for row, is_hidden in zip(rows, hidden, strict=True):
        out = dict(row)
        out["onderdrukt"] = is_hidden
        if is_hidden:
            out["waarde"] = None
            out["n"] = None
        result.append(out)
    return result
