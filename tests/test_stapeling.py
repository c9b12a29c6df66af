"""Stapeling: households with several provisions at once, against hand-worked golden cases.

Every ``tests/golden/stapeling/*.yaml`` holds a store (``tabellen``, filled in as in
test_golden.py) and questions; each expected row names a place (gemeente, wijk), a combination
and the figures it must have. Every row of the answer that the case does not list must have
0 households: nothing may appear that the case does not explain.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import yaml

from regiekamer.facade import Regiekamer
from regiekamer.settings import Settings
from test_golden import blank_store, build_store  # noqa: F401 - blank_store is a fixture

CASES = Path(__file__).parent / "golden" / "stapeling"
FIGURES = ("huishoudens", "aandeel_pct", "clienten", "uitgaven")


def _cases() -> list:
    out = []
    for path in sorted(CASES.glob("*.yaml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        for i, vraag in enumerate(doc["vragen"]):
            out.append(pytest.param(path, i, id=f"{path.stem}:{vraag.get('naam', i + 1)}"))
    return out


def _place(row: dict) -> tuple:
    return (row.get("gemeente"), row.get("wijk"), row["combinatie"])


@pytest.mark.parametrize(("path", "index"), _cases())
def test_stapeling_golden(tmp_path: Path, blank_store: Path, path: Path, index: int) -> None:  # noqa: F811
    case = yaml.safe_load(path.read_text(encoding="utf-8"))
    vraag = case["vragen"][index]
    rk = build_store(tmp_path, path.name, case, blank_store)
    rows = rk.stapeling(year=vraag["year"], wijk=bool(vraag.get("wijk")))
    got = {_place(r): r for r in rows}
    assert len(got) == len(rows), "een plaats en combinatie komt twee keer voor"
    problems = []
    expected = {_place(e): e for e in vraag["verwacht"]}
    for key, e in expected.items():
        g = got.get(key)
        if g is None:
            problems.append(f"ONTBREEKT {key}")
            continue
        for f in FIGURES:
            if f in e and not math.isclose(float(e[f]), float(g[f] or 0), abs_tol=1e-9):
                problems.append(f"ANDERS {key} {f}: verwacht {e[f]}, kreeg {g[f]}")
    for key, g in got.items():
        if key not in expected and g["huishoudens"] != 0:
            problems.append(f"EXTRA {key}: {g['huishoudens']} huishoudens")
    assert not problems, "\n".join(problems)


def test_a_store_without_households_or_benefits_gives_no_rows(tmp_path: Path) -> None:
    rk = Regiekamer(Settings(store=tmp_path / "s.duckdb", key="k", workers=1))
    rk.init()
    assert rk.stapeling(year=2025) == []
