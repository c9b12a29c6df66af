"""Disclosure control: small cells are hidden, and so are the cells that would give them away.

Tables are built as plain KPI cells with `waarde = n` (additive), so a margin (row or column total)
is simply the sum of its cells. The "attack" used below solves every line that has exactly one
unknown cell against its true total, repeatedly, as someone holding the published totals could.
"""

from __future__ import annotations

import copy
from collections import defaultdict

from hypothesis import given, settings
from hypothesis import strategies as st

from regiekamer.privacy.disclosure import suppress


def cell(n: int | None, waarde: float | None = None, **dims: str) -> dict:
    """One KPI cell of kpi 'clienten' in 2025 with the given dims; waarde defaults to n."""
    row = {"kpi": "clienten", "periode": "2025", **dims}
    row["waarde"] = float(n) if waarde is None and n is not None else waarde
    row["n"] = n
    row["eenheid"] = "clienten"
    row["voorlopig"] = False
    return row


def lines_of(rows: list[dict], dims: list[str]) -> list[list[int]]:
    """All lines (indices of cells agreeing on every dim but one), per dim, any length."""
    out: list[list[int]] = []
    for d in dims:
        grouped: dict[tuple, list[int]] = defaultdict(list)
        for i, row in enumerate(rows):
            grouped[(row["kpi"], *(row[o] for o in dims if o != d))].append(i)
        out.extend(grouped.values())
    return out


def recompute_attack(original: list[dict], published: list[dict], dims: list[str]) -> set[int]:
    """Indices of hidden cells an attacker recovers from the true line totals and the shown cells.

    Repeatedly: a line of two or more cells with exactly one unknown cell gives it as total minus
    the known cells; the recovered cell then counts as known for the other lines. A one-cell line
    is skipped: its total rests on the same clients as the cell and is hidden wherever shown.
    """
    known = {i for i, row in enumerate(published) if not row["onderdrukt"]}
    hidden = set(range(len(published))) - known
    lines = [line for line in lines_of(original, dims) if len(line) >= 2]
    changed = True
    while changed:
        changed = False
        for line in lines:
            unknown = [i for i in line if i not in known]
            if len(unknown) == 1:
                total = sum(original[i]["waarde"] for i in line)
                value = total - sum(original[i]["waarde"] for i in line if i in known)
                assert value == original[unknown[0]]["waarde"]
                known.add(unknown[0])
                changed = True
    return hidden & known


def suppressed(rows: list[dict]) -> list[bool]:
    return [row["onderdrukt"] for row in rows]


# --- primary suppression ---------------------------------------------------------------------


def test_primary_threshold_edges_default() -> None:
    rows = [cell(9), cell(10), cell(1), cell(11)]
    for row in rows:
        out = suppress([row], dims=[])[0]
        small = row["n"] < 10
        assert out["onderdrukt"] is small
        if small:
            assert out["waarde"] is None and out["n"] is None
        else:
            assert out["waarde"] == row["waarde"] and out["n"] == row["n"]


def test_primary_threshold_custom_min_cell() -> None:
    assert suppress([cell(4)], dims=[], min_cell=5)[0]["onderdrukt"] is True
    assert suppress([cell(5)], dims=[], min_cell=5)[0]["onderdrukt"] is False
    assert suppress([cell(9)], dims=[], min_cell=5)[0]["onderdrukt"] is False
    assert suppress([cell(14)], dims=[], min_cell=15)[0]["onderdrukt"] is True


def test_primary_empty_and_zero_cells() -> None:
    # No value and no clients: nothing to hide.
    assert suppress([cell(None, None)], dims=[])[0]["onderdrukt"] is False
    empty = {**cell(0), "waarde": None}
    assert suppress([empty], dims=[])[0] == {**empty, "onderdrukt": False}
    # A value resting on zero clients is hidden.
    out = suppress([cell(0, 3.5)], dims=[])[0]
    assert out["onderdrukt"] is True and out["waarde"] is None and out["n"] is None
    # A value without a client count is not judged small.
    assert suppress([cell(None, 42.0)], dims=[])[0]["onderdrukt"] is False


def test_passes_other_keys_and_keeps_order() -> None:
    rows = [cell(3, gemeente="0363"), cell(50, gemeente="0344")]
    rows[0]["voorlopig"] = True
    out = suppress(rows, dims=["gemeente"])
    assert [r["gemeente"] for r in out] == ["0363", "0344"]
    assert out[0]["voorlopig"] is True and out[0]["eenheid"] == "clienten"
    assert set(out[0]) == set(rows[0]) | {"onderdrukt"}


def test_already_suppressed_stays_suppressed_and_is_idempotent() -> None:
    rows = [
        cell(3, gemeente=g, productcategorie=p)
        if (g, p) == ("A", "X")
        else cell(20 + len(g + p), gemeente=g, productcategorie=p)
        for g in "AB"
        for p in "XYZ"
    ]
    once = suppress(rows, dims=["gemeente", "productcategorie"])
    assert suppress(once, dims=["gemeente", "productcategorie"]) == once


# --- secondary suppression -------------------------------------------------------------------


def test_two_by_two_one_small_cell_hides_the_whole_table() -> None:
    dims = ["gemeente", "productcategorie"]
    n = {("A", "X"): 3, ("A", "Y"): 20, ("B", "X"): 15, ("B", "Y"): 30}
    rows = [cell(v, gemeente=g, productcategorie=p) for (g, p), v in n.items()]
    out = suppress(rows, dims=dims)
    # A-X is small; its row needs A-Y, its column B-X, and then B-Y completes row B and column Y.
    assert suppressed(out) == [True, True, True, True]
    assert recompute_attack(rows, out, dims) == set()
    # With every cell hidden, the margins fit more than one table: shifting by t along the
    # "checkerboard" keeps every row and column total, so A-X cannot be pinned down.
    a, b, c, d = (n[k] for k in [("A", "X"), ("A", "Y"), ("B", "X"), ("B", "Y")])
    for t in (1, 2):
        a2, b2, c2, d2 = a + t, b - t, c - t, d + t
        assert (a2 + b2, c2 + d2, a2 + c2, b2 + d2) == (a + b, c + d, a + c, b + d)
        assert a2 != a


def test_two_by_three_picks_smallest_complement_and_resists_margins() -> None:
    dims = ["gemeente", "productcategorie"]
    n = {
        ("A", "X"): 3,
        ("A", "Y"): 20,
        ("A", "Z"): 12,
        ("B", "X"): 15,
        ("B", "Y"): 30,
        ("B", "Z"): 40,
    }
    rows = [cell(v, gemeente=g, productcategorie=p) for (g, p), v in n.items()]
    out = suppress(rows, dims=dims)
    hidden = {(r["gemeente"], r["productcategorie"]) for r in out if r["onderdrukt"]}
    # Row A: A-Z (12) is smaller than A-Y (20); columns X and Z then need B-X and B-Z.
    assert hidden == {("A", "X"), ("A", "Z"), ("B", "X"), ("B", "Z")}
    assert recompute_attack(rows, out, dims) == set()
    # Without the complements, the row total would give A-X straight back.
    only_primary = [{**r, "onderdrukt": r["n"] < 10} for r in rows]
    assert recompute_attack(rows, only_primary, dims) == {0}


def test_tie_breaks_on_dimension_value() -> None:
    rows = [
        cell(20, gemeente="C"),
        cell(20, gemeente="B"),
        cell(4, gemeente="A"),
        cell(20, gemeente="D"),
    ]
    out = suppress(rows, dims=["gemeente"])
    assert suppressed(out) == [False, True, True, False]


def test_single_cell_line_left_alone() -> None:
    # Different gemeente and productcategorie: every line has one cell.
    rows = [
        cell(3, gemeente="A", productcategorie="X"),
        cell(50, gemeente="B", productcategorie="Y"),
    ]
    out = suppress(rows, dims=["gemeente", "productcategorie"])
    assert suppressed(out) == [True, False]


def test_kpis_are_separate() -> None:
    rows = [cell(3, gemeente="A"), cell(50, gemeente="B")]
    other = [
        {**cell(50, gemeente="A"), "kpi": "uitgaven"},
        {**cell(60, gemeente="B"), "kpi": "uitgaven"},
    ]
    out = suppress(rows + other, dims=["gemeente"])
    assert suppressed(out) == [True, True, False, False]


def test_periode_is_a_dimension_when_it_varies() -> None:
    n = {f"2025-{m:02d}": 50 + m for m in range(1, 13)}
    n["2025-03"] = 4
    n["2025-07"] = 11
    rows = [{**cell(v), "periode": p} for p, v in n.items()]
    out = suppress(rows, dims=[])
    hidden = [r["periode"] for r in rows if out[rows.index(r)]["onderdrukt"]]
    assert hidden == ["2025-03", "2025-07"]
    # The year total minus the eleven visible months no longer gives March.
    assert recompute_attack(rows, out, ["periode"]) == set()


def test_periode_with_gemeente_is_a_cube() -> None:
    dims = ["gemeente"]
    rows = [
        {**cell(3 if (p, g) == ("2025-01", "A") else 30, gemeente=g), "periode": p}
        for p in ("2025-01", "2025-02", "2025-03")
        for g in ("A", "B")
    ]
    out = suppress(rows, dims=dims)
    assert sum(suppressed(out)) == 4
    assert recompute_attack(rows, out, ["periode", "gemeente"]) == set()


def test_known_dimension_not_in_dims_is_used() -> None:
    # verwijzer_aandeel_pct adds verwijzer although the caller asked only for gemeente.
    rows = [
        {**cell(v, gemeente="A"), "kpi": "verwijzer_aandeel_pct", "verwijzer": vw}
        for vw, v in (("01", 40), ("02", 5), ("03", 25))
    ]
    out = suppress(rows, dims=["gemeente"])
    assert suppressed(out) == [False, True, True]


def test_empty_cell_takes_no_part_in_a_line() -> None:
    # The empty cell hides nothing, so the line is effectively one cell and is left alone.
    rows = [cell(3, gemeente="A"), cell(None, None, gemeente="B")]
    out = suppress(rows, dims=["gemeente"])
    assert suppressed(out) == [True, False]


# --- properties ------------------------------------------------------------------------------


@st.composite
def tables(draw: st.DrawFn) -> tuple[list[dict], int]:
    """A sparse table over two dims with small grids and client counts, some of them small."""
    n_rows = draw(st.integers(1, 5))
    n_cols = draw(st.integers(1, 5))
    rows = []
    for g in range(n_rows):
        for p in range(n_cols):
            if draw(st.booleans()) or (g, p) == (0, 0):
                n = draw(st.one_of(st.integers(0, 12), st.integers(0, 200)))
                rows.append(cell(n, gemeente=f"g{g}", productcategorie=f"p{p}"))
    min_cell = draw(st.sampled_from([1, 5, 10, 15]))
    return rows, min_cell


@settings(max_examples=300, deadline=None)
@given(tables())
def test_property_no_line_with_a_single_hidden_cell(table: tuple[list[dict], int]) -> None:
    rows, min_cell = table
    dims = ["gemeente", "productcategorie"]
    before = copy.deepcopy(rows)
    out = suppress(rows, dims=dims, min_cell=min_cell)

    assert rows == before
    assert len(out) == len(rows)
    for line in lines_of(rows, dims):
        if len(line) >= 2:
            assert sum(out[i]["onderdrukt"] for i in line) != 1
    for row, res in zip(rows, out, strict=True):
        assert {k: res[k] for k in dims} == {k: row[k] for k in dims}
        if res["onderdrukt"]:
            assert res["waarde"] is None and res["n"] is None
        else:
            assert res["n"] == row["n"] and res["waarde"] == row["waarde"]
            assert res["n"] >= min_cell
    assert recompute_attack(rows, out, dims) == set()


# --- scale -----------------------------------------------------------------------------------


def test_hundred_thousand_cells_in_four_dimensions() -> None:
    # Scale without a timing assertion (timings live in benchmarks/): the rule still holds.
    rows = []
    for m in range(1, 13):
        for g in range(40):
            for a in range(25):
                for p in range(9):
                    n = (m * 7 + g * 13 + a * 17 + p * 31) % 60
                    rows.append(
                        {
                            **cell(n, gemeente=f"g{g}", aanbieder=f"a{a}", productcategorie=f"{p}"),
                            "periode": f"2025-{m:02d}",
                        }
                    )
    assert len(rows) == 108_000
    dims = ["gemeente", "aanbieder", "productcategorie"]
    out = suppress(rows, dims=dims)
    assert len(out) == len(rows)
    assert not any(r["onderdrukt"] is False and r["n"] < 10 for r in out)
