"""Agreements, signals and improvement actions in the store (migration 7).

Agreements are versioned: a change inserts the next version, nothing is updated or deleted.
Signals are upserted by their stable id; a rule that no longer fires leaves its signal inactive
(an action may point to it). An action's every change is appended to ``actie_wijziging``.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable

import duckdb

from regiekamer.analyses.afspraken import Afspraak
from regiekamer.analyses.signalen import Signaal
from regiekamer.store import kpi_cache

_COLS = (
    "afspraak_id",
    "versie",
    "periode",
    "per",
    "niveau",
    "wet",
    "gemeente",
    "aanbieder",
    "contract_id",
    "kpi",
    "richting",
    "doel",
    "afgesproken_door",
    "afgesproken_op",
    "toelichting",
    "vervallen",
    "auteur",
    "vastgelegd_op",
)
ACTIE_COLS = (
    "actie_id",
    "onderwerp_soort",
    "onderwerp",
    "gemeente",
    "aanbieder",
    "titel",
    "eigenaar",
    "deadline",
    "status",
    "notities",
    "aangemaakt_door",
    "aangemaakt_op",
    "gewijzigd_op",
)
WIJZIGING_COLS = (
    "actie_id",
    "volgnummer",
    "tijd",
    "door",
    "rol",
    "status",
    "eigenaar",
    "deadline",
    "notitie",
)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def contract_scopes(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[str, str, tuple]]:
    """Contract id -> (aanbieder, wet, its municipalities)."""
    rows = con.execute(
        "SELECT contract_id, any_value(agb_code), any_value(wet), "
        "list(DISTINCT gemeentecode ORDER BY gemeentecode) FROM contract GROUP BY 1"
    ).fetchall()
    return {c: (a, w, tuple(g)) for c, a, w, g in rows}


def _agreement(row: tuple, scopes: dict) -> Afspraak:
    d = dict(zip(_COLS, row, strict=True))
    d["afgesproken_door"] = tuple(d["afgesproken_door"])
    gemeenten = scopes.get(d["contract_id"], ("", "", ()))[2] if d["contract_id"] else ()
    return Afspraak(**d, gemeenten=gemeenten)


def agreements(con: duckdb.DuckDBPyConnection, afspraak_id: str | None = None) -> list[Afspraak]:
    """The latest version of every agreement (or of one), by id."""
    rows = con.execute(
        f"SELECT {', '.join(_COLS)} FROM afspraak WHERE (? IS NULL OR afspraak_id = ?) "
        "QUALIFY versie = max(versie) OVER (PARTITION BY afspraak_id) ORDER BY afspraak_id",
        [afspraak_id, afspraak_id],
    ).fetchall()
    scopes = contract_scopes(con)
    return [_agreement(r, scopes) for r in rows]


def history(con: duckdb.DuckDBPyConnection, afspraak_id: str) -> list[Afspraak]:
    """Every version of one agreement, newest first."""
    rows = con.execute(
        f"SELECT {', '.join(_COLS)} FROM afspraak WHERE afspraak_id = ? ORDER BY versie DESC",
        [afspraak_id],
    ).fetchall()
    scopes = contract_scopes(con)
    return [_agreement(r, scopes) for r in rows]


def save_agreement(con: duckdb.DuckDBPyConnection, a: Afspraak, auteur: str) -> str:
    """Store ``a`` as the next version of its id: 'nieuw', 'gewijzigd' or 'ongewijzigd' (the same
    content as the latest version writes nothing, so importing twice changes nothing)."""
    current = agreements(con, a.afspraak_id)
    if current and current[0].content() == a.content():
        return "ongewijzigd"
    versie = current[0].versie + 1 if current else 1
    values = [
        a.afspraak_id,
        versie,
        a.jaar,
        a.periode,
        a.per,
        a.niveau,
        a.wet,
        a.gemeente,
        a.aanbieder,
        a.contract_id,
        a.kpi,
        a.richting,
        a.doel,
        list(a.afgesproken_door),
        a.afgesproken_op,
        a.toelichting,
        a.vervallen,
        auteur,
        _now(),
    ]
    con.execute(
        "INSERT INTO afspraak (afspraak_id, versie, jaar, periode, per, niveau, wet, gemeente, "
        "aanbieder, contract_id, kpi, richting, doel, afgesproken_door, afgesproken_op, "
        "toelichting, vervallen, auteur, vastgelegd_op) VALUES "
        "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        values,
    )
    return "gewijzigd" if current else "nieuw"


# --- signals ----------------------------------------------------------------------------------
def signal_stamp(con: duckdb.DuckDBPyConnection) -> str | None:
    """The sources the stored signals were computed from (None: never computed)."""
    row = con.execute("SELECT bronversie FROM signaal_stand").fetchone()
    return row[0] if row else None


def sources(con: duckdb.DuckDBPyConnection, tables: Iterable[str], norm: int) -> str:
    """The current sources of the signals: table versions, the agreements (every change is a
    new row) and the waiting-time norm."""
    n = con.execute("SELECT count(*) FROM afspraak").fetchone()[0]
    return f"{kpi_cache.source_version(con, tables)}|afspraak:{n}|norm:{norm}"


def save_signals(
    con: duckdb.DuckDBPyConnection, years: list[int], fired: list[Signaal], stamp: str
) -> None:
    """The signals of ``years`` as computed now: fired ones active (their first time kept),
    every other signal of those years inactive; ``stamp`` what they were computed from."""
    now = _now()
    con.execute("DELETE FROM signaal_stand")
    con.execute("INSERT INTO signaal_stand VALUES (?, ?)", [stamp, now])
    con.execute(
        f"UPDATE signaal SET actief = false WHERE jaar IN ({', '.join('?' * len(years))})", years
    )
    for s in fired:
        con.execute(
            "INSERT INTO signaal VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, true) "
            "ON CONFLICT (signaal_id) DO UPDATE SET waarden = excluded.waarden, "
            "zin = excluded.zin, berekend_op = excluded.berekend_op, actief = true",
            [
                s.signaal_id,
                s.code,
                s.kpi,
                s.periode,
                s.jaar,
                s.wet,
                s.gemeente,
                s.aanbieder,
                s.afspraak_id,
                s.waarden_json(),
                s.zin,
                now,
                now,
            ],
        )


SIGNAAL_COLS = (
    "signaal_id",
    "code",
    "kpi",
    "periode",
    "jaar",
    "wet",
    "gemeente",
    "aanbieder",
    "afspraak_id",
    "waarden",
    "zin",
    "eerst_berekend_op",
    "berekend_op",
    "actief",
)


def signals(con: duckdb.DuckDBPyConnection, signaal_id: str | None = None) -> list[dict]:
    """Every signal (or one), newest period first."""
    rows = con.execute(
        f"SELECT {', '.join(SIGNAAL_COLS)} FROM signaal WHERE (? IS NULL OR signaal_id = ?) "
        "ORDER BY periode DESC, code, gemeente NULLS FIRST, aanbieder NULLS FIRST",
        [signaal_id, signaal_id],
    ).fetchall()
    out = []
    for r in rows:
        d = dict(zip(SIGNAAL_COLS, r, strict=True))
        d["waarden"] = json.loads(d["waarden"])
        out.append(d)
    return out


# --- actions ----------------------------------------------------------------------------------
def add_action(con: duckdb.DuckDBPyConnection, values: dict, door: str, rol: str) -> int:
    """A new action (status open unless given) and its first history row; returns its id."""
    now = _now()
    actie_id = con.execute("SELECT coalesce(max(actie_id), 0) + 1 FROM actie").fetchone()[0]
    row = {
        "actie_id": actie_id,
        "status": "open",
        "notities": None,
        **values,
        "aangemaakt_door": door,
        "aangemaakt_op": now,
        "gewijzigd_op": now,
    }
    con.execute(
        f"INSERT INTO actie ({', '.join(ACTIE_COLS)}) VALUES ({', '.join('?' * len(ACTIE_COLS))})",
        [row[c] for c in ACTIE_COLS],
    )
    _change(con, row, door, rol, row["notities"], now)
    return actie_id


def update_action(
    con: duckdb.DuckDBPyConnection,
    actie_id: int,
    changes: dict,
    notitie: str | None,
    door: str,
    rol: str,
) -> dict:
    """Apply ``changes`` (status, eigenaar, deadline) and append the change with its note;
    the note is added to the action's notes."""
    now = _now()
    row = actions(con, actie_id)[0]
    row |= changes
    if notitie:
        row["notities"] = f"{row['notities']}\n{notitie}" if row["notities"] else notitie
    con.execute(
        "UPDATE actie SET status = ?, eigenaar = ?, deadline = ?, notities = ?, "
        "gewijzigd_op = ? WHERE actie_id = ?",
        [row["status"], row["eigenaar"], row["deadline"], row["notities"], now, actie_id],
    )
    _change(con, row, door, rol, notitie, now)
    return row


def _change(con, row: dict, door: str, rol: str, notitie: str | None, now: dt.datetime) -> None:
    n = con.execute(
        "SELECT coalesce(max(volgnummer), 0) + 1 FROM actie_wijziging WHERE actie_id = ?",
        [row["actie_id"]],
    ).fetchone()[0]
    con.execute(
        "INSERT INTO actie_wijziging VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            row["actie_id"],
            n,
            now,
            door,
            rol,
            row["status"],
            row["eigenaar"],
            row["deadline"],
            notitie,
        ],
    )


def actions(con: duckdb.DuckDBPyConnection, actie_id: int | None = None) -> list[dict]:
    rows = con.execute(
        f"SELECT {', '.join(ACTIE_COLS)} FROM actie WHERE (? IS NULL OR actie_id = ?) "
        "ORDER BY actie_id",
        [actie_id, actie_id],
    ).fetchall()
    return [dict(zip(ACTIE_COLS, r, strict=True)) for r in rows]


def action_history(con: duckdb.DuckDBPyConnection, actie_id: int | None = None) -> list[dict]:
    """The changes of one action (or of all), oldest first."""
    rows = con.execute(
        f"SELECT {', '.join(WIJZIGING_COLS)} FROM actie_wijziging "
        "WHERE (? IS NULL OR actie_id = ?) ORDER BY actie_id, volgnummer",
        [actie_id, actie_id],
    ).fetchall()
    return [dict(zip(WIJZIGING_COLS, r, strict=True)) for r in rows]
