"""Golden cases: small hand-made stores and the KPI rows DOMAIN.md §4 says they give.

Every ``tests/golden/*.yaml`` file describes one store: ``tabellen`` (rows per store table, only
the columns that matter; the defaults below fill the rest) and/or ``berichten`` (XML messages
ingested through the real pipeline, e.g. for StatusAanlevering 3). Each entry of ``vragen`` is a
``Regiekamer.kpi`` call and the exact set of rows it must return for the KPIs asked. The
expected numbers were worked out by hand from the definitions, not from the engine.

Row comparison: rows are keyed on (kpi, periode, dims); no row may be missing or extra; ``waarde``
must match within 1e-9 (relative); ``n``, ``voorlopig`` and ``eenheid`` are compared when the
expected row gives them (``n: null`` expects None; leaving ``n`` out does not check it).
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from regiekamer.facade import Regiekamer
from regiekamer.settings import Settings
from regiekamer.store.connection import connect

GOLDEN = Path(__file__).parent / "golden"
BERICHTEN = GOLDEN / "berichten"
TABLES = (
    "client",
    "populatie",
    "budget",
    "verzoek",
    "toewijzing",
    "levering",
    "prestatie",
    "declaratie_antwoord",
    "uitkering",
    "huishouden",
)
FACT = {"verzoek", "toewijzing", "levering", "prestatie", "declaratie_antwoord"}
META = {"kpi", "periode", "waarde", "eenheid", "n", "onderdrukt", "voorlopig"}
DEFAULT_GEMEENTE = "0363"
DEFAULT_AANBIEDER = "12345678"


def _month_end(d: dt.date) -> dt.date:
    return d.replace(day=calendar.monthrange(d.year, d.month)[1])


def _defaults(table: str, row: dict[str, Any], regel: int) -> dict[str, Any]:
    """Fill the NOT NULL and usual columns a case leaves out."""
    out = dict(row)
    if table in FACT:
        out.setdefault("wet", "jeugd")
        out.setdefault("gemeente", DEFAULT_GEMEENTE)
        out.setdefault("aanbieder", DEFAULT_AANBIEDER)
        out.setdefault("bestand_id", 1)
        out.setdefault("regel", regel)
    if table in ("uitkering", "huishouden"):  # Participatiewet: no wet, no provider
        out.setdefault("bestand_id", 1)
        out.setdefault("regel", regel)
    if table == "uitkering":
        out.setdefault("gemeente", DEFAULT_GEMEENTE)
        out.setdefault("huishouden_id", f"H-{out.get('client_id')}")
    if table == "levering":
        out.setdefault("status_aanlevering", "1")
        # A start/stop sent on the day of the event, unless the case says otherwise.
        event = out.get("einddatum") if out.get("soort") == "stop" else out.get("begindatum")
        out.setdefault("dagtekening", event)
    elif table == "toewijzing":
        out.setdefault("ingangsdatum", out.get("toewijzingsdatum"))
        out.setdefault("dagtekening", out.get("toewijzingsdatum"))
    elif table == "prestatie":
        begin = out.get("begindatum")
        if isinstance(begin, dt.date):
            out.setdefault("einddatum", _month_end(begin))
        out.setdefault("dagtekening", out.get("einddatum"))
        out.setdefault("referentie_nummer", f"P{regel}")
        out.setdefault("productcategorie", "45")
        out.setdefault("geleverd_volume", 1)
        out.setdefault("eenheid", "14")
        out.setdefault("debet_credit", "D")
    elif table == "declaratie_antwoord":
        out.setdefault("dagtekening", out.get("einddatum") or out.get("begindatum"))
        out.setdefault("debet_credit", "D")
    return out


def _check_type(table: str, regel: int, col: str, value: Any, sql_type: str) -> None:
    """Refuse values YAML may have mangled (a code 01 read as the number 1, a date as text)."""
    if value is None:
        return
    where = f"{table} rij {regel} kolom {col}"
    if sql_type == "VARCHAR":
        assert isinstance(value, str), f"{where}: verwacht tekst (zet codes tussen quotes)"
    elif sql_type == "DATE":
        assert isinstance(value, dt.date) and not isinstance(value, dt.datetime), (
            f"{where}: verwacht een datum JJJJ-MM-DD"
        )
    elif sql_type in ("BIGINT", "INTEGER"):
        assert isinstance(value, int) and not isinstance(value, bool), f"{where}: geheel getal"
    elif sql_type == "VARCHAR[]":
        assert isinstance(value, list) and all(isinstance(v, str) for v in value), (
            f"{where}: verwacht een lijst codes (tekst)"
        )


def insert_tables(store: Path, naam: str, tabellen: dict[str, list[dict]]) -> None:
    """Insert the case's rows into the store (bestand 1 holds their provenance)."""
    unknown = set(tabellen) - set(TABLES)
    assert not unknown, f"onbekende tabellen: {sorted(unknown)}"
    con = connect(store)
    try:
        con.execute(
            "INSERT INTO bestand VALUES (1, ?, ?, 'golden', current_timestamp, 0, 0, 0)",
            [f"golden:{naam}", naam],
        )
        for table in TABLES:
            rows = tabellen.get(table) or []
            if not rows:
                continue
            types = dict(
                con.execute(
                    "SELECT column_name, data_type FROM information_schema.columns "
                    "WHERE table_name = ?",
                    [table],
                ).fetchall()
            )
            filled = [_defaults(table, r, i) for i, r in enumerate(rows, start=1)]
            for i, r in enumerate(filled, start=1):
                extra = set(r) - set(types)
                assert not extra, f"{table} rij {i}: onbekende kolommen {sorted(extra)}"
                for col, value in r.items():
                    _check_type(table, i, col, value, types[col])
            cols = sorted({c for r in filled for c in r})
            marks = ", ".join("?" for _ in cols)
            con.executemany(
                f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({marks})",
                [[r.get(c) for c in cols] for r in filled],
            )
    finally:
        con.close()


@pytest.fixture(scope="session")
def blank_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One freshly initialised store, copied per case (init takes seconds, a copy does not)."""
    path = tmp_path_factory.mktemp("blank") / "s.duckdb"
    Regiekamer(Settings(store=path, key="test-key", workers=1)).init()
    return path


def build_store(tmp_path: Path, naam: str, case: dict, blank: Path | None = None) -> Regiekamer:
    store = tmp_path / "s.duckdb"
    if blank is not None:
        shutil.copyfile(blank, store)
    rk = Regiekamer(Settings(store=store, key="test-key", workers=1))
    rk.init()
    insert_tables(rk.store, naam, case.get("tabellen") or {})
    berichten = case.get("berichten") or []
    if berichten:
        paths = []
        for i, b in enumerate(berichten, start=1):
            if isinstance(b, str):
                paths.append(BERICHTEN / b)
            else:
                p = tmp_path / "berichten" / (b.get("naam") or f"bericht_{i}.xml")
                p.parent.mkdir(exist_ok=True)
                p.write_text(b["xml"], encoding="utf-8")
                paths.append(p)
        report = rk.ingest(paths)
        totals = report.totals
        assert totals["nieuw"] == len(paths), totals
        assert totals["afgewezen"] == 0, f"golden berichten moeten geldig zijn: {totals}"
    con = connect(rk.store, read_only=True)
    try:
        for c in case.get("controles") or []:
            got = con.execute(c["sql"]).fetchone()[0]
            assert got == c["verwacht"], f"controle {c['sql']!r}: {got!r} != {c['verwacht']!r}"
    finally:
        con.close()
    return rk


def _cases() -> list:
    params = []
    for path in sorted(GOLDEN.glob("*.yaml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        for i, vraag in enumerate(doc["vragen"]):
            naam = vraag.get("naam") or str(i + 1)
            params.append(pytest.param(path, i, id=f"{path.stem}:{naam}"))
    return params


def _dims(row: dict, by: list[str]) -> tuple:
    """The row's dimensions; a null dimension the call did not ask for is not a dimension."""
    return tuple(
        sorted((k, v) for k, v in row.items() if k not in META and (v is not None or k in by))
    )


def _key(row: dict, by: list[str]) -> tuple:
    return (row["kpi"], row["periode"], _dims(row, by))


def _fmt_key(key: tuple) -> str:
    kpi, periode, dims = key
    d = ", ".join(f"{k}={v!r}" for k, v in dims)
    return f"{kpi} {periode} [{d}]"


def _fmt_row(row: dict | None) -> str:
    if row is None:
        return "-"
    parts = [f"waarde={row.get('waarde')!r}"]
    for k in ("n", "voorlopig", "eenheid", "onderdrukt"):
        if k in row:
            parts.append(f"{k}={row[k]!r}")
    return " ".join(parts)


def _same(expected: dict, got: dict) -> list[str]:
    """What differs between an expected and a returned row (empty when they agree)."""
    problems = []
    want, have = expected.get("waarde"), got.get("waarde")
    if want is None or have is None:
        if want is not have:
            problems.append("waarde")
    elif not math.isclose(float(want), float(have), rel_tol=1e-9, abs_tol=1e-12):
        problems.append("waarde")
    for k in ("n", "voorlopig", "eenheid"):
        if k in expected and expected[k] != got.get(k):
            problems.append(k)
    if got.get("onderdrukt"):
        problems.append("onderdrukt (public=False onderdrukt niets)")
    return problems


@pytest.mark.parametrize(("path", "index"), _cases())
def test_golden(tmp_path: Path, blank_store: Path, path: Path, index: int) -> None:
    case = yaml.safe_load(path.read_text(encoding="utf-8"))
    vraag = case["vragen"][index]
    rk = build_store(tmp_path, path.name, case, blank_store)

    by = list(vraag.get("by") or [])
    kpis = list(vraag["kpis"])
    args: dict[str, Any] = {
        "per": vraag.get("per", "year"),
        "by": by,
        "kpis": kpis,
        "engine": vraag.get("engine", "duckdb"),
        "public": False,
    }
    if "year" in vraag:
        args["year"] = vraag["year"]
    else:
        args["start"], args["end"] = vraag["start"], vraag["end"]
    result = rk.kpi(**args)
    # The contract says a list of dicts; the engine may wrap it (rows + skipped KPIs).
    rows = list(getattr(result, "rows", result))
    skipped = dict(getattr(result, "skipped", None) or {})

    expected: dict[tuple, dict] = {}
    for e in vraag["verwacht"] or []:
        dims = e.get("dims") or {}
        for k, v in dims.items():
            assert v is None or isinstance(v, str), f"dim {k}={v!r}: zet codes tussen quotes"
        row = {"kpi": e["kpi"], "periode": str(e["periode"]), **dims}
        key = _key(row, by)
        assert key not in expected, f"dubbele verwachte rij {_fmt_key(key)}"
        expected[key] = e
    got: dict[tuple, dict] = {}
    ignored = []
    for r in rows:
        if r["kpi"] not in kpis:
            ignored.append(r)
            continue
        key = _key(r, by)
        assert key not in got, f"engine gaf rij {_fmt_key(key)} twee keer"
        got[key] = r

    lines = []
    for key in sorted(set(expected) | set(got), key=repr):
        e, g = expected.get(key), got.get(key)
        if e is None:
            lines.append(f"  EXTRA     {_fmt_key(key)}: kreeg {_fmt_row(g)}")
        elif g is None:
            lines.append(f"  ONTBREEKT {_fmt_key(key)}: verwacht {_fmt_row(e)}")
        else:
            diff = _same(e, g)
            if diff:
                lines.append(
                    f"  ANDERS    {_fmt_key(key)} ({', '.join(diff)}):\n"
                    f"              verwacht {_fmt_row(e)}\n"
                    f"              kreeg    {_fmt_row(g)}"
                )
    if lines:
        header = f"{path.name} / {vraag.get('naam', index + 1)}: kpi({args})"
        if ignored:
            lines.append(f"  (genegeerd: {len(ignored)} rijen voor andere kpi's)")
        for kpi, why in skipped.items():
            lines.append(f"  (overgeslagen door de engine: {kpi}: {why})")
        pytest.fail(header + "\n" + "\n".join(lines), pytrace=False)
