"""Parse contracten.yaml: contracts with their municipalities (or region), tariffs and targets.

One contract is one record: it is accepted whole (rows for ``contract`` per municipality,
``contract_tarief`` and ``contract_doel``) or rejected whole, with a finding per wrong field at
its place in the file (``contracten[2].tarieven[0]``). Fields are checked exactly as the CSV
layouts of the same tables check them (ingest/layouts.py); docs/contracten.md shows the format.
"""

from __future__ import annotations

import datetime as dt

import yaml

from regiekamer.ingest import findings as F
from regiekamer.ingest import layouts as L
from regiekamer.ingest.staging import Parsed, Stage
from regiekamer.ingest.table_source import _check
from regiekamer.ingest.yaml_aliases import ALIAS_REASON, first_alias_line
from regiekamer.standards.messages import gemeenten

YAML_SUFFIXES = {".yaml", ".yml"}
_CONTRACT_FIELDS = {
    "contract_id",
    "agb_code",
    "wet",
    "inkoopmodel",
    "uitvoeringsvariant",
    "begindatum",
    "einddatum",
    "plafond_cent",
    "lumpsum_cent",
}
_KNOWN = _CONTRACT_FIELDS | {"gemeenten", "regio", "tarieven", "doelen"}


def _text(value: object) -> str:
    """A YAML scalar as the text a CSV cell would hold (YAML reads dates and numbers itself)."""
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


class _Record:
    """Checks the fields of one contract, collecting findings at their place."""

    def __init__(self, naam: str, where: str) -> None:
        self.naam, self.where = naam, where
        self.errors: list[F.Finding] = []

    def fail(self, code: str, where: str | None = None, veld: str | None = None, **p) -> None:
        self.errors.append(
            F.finding(code, bestand=self.naam, locatie=where or self.where, veld=veld, **p)
        )

    def fields(self, layout: str, item: dict, where: str, skip: set[str] = frozenset()) -> dict:
        """The layout's fields of ``item``, checked and canonical (None when empty)."""
        out: dict[str, str | None] = {}
        wet = _text(item.get("wet")).lower() or None
        for col in L.LAYOUTS[layout].columns:
            if col.name in skip:
                continue
            raw = _text(item.get(col.name)).strip()
            if raw == "":
                if col.required:
                    self.fail("RK-TABEL-02", where, col.name)
                out[col.name] = None
                continue
            value, error = _check(col, raw, wet, None)
            if error:
                code, params = error
                self.fail(code, where, col.name, **params)
            out[col.name] = value
        return out


def parse_contracts(path: str, naam: str, sha256: str, stage: Stage) -> Parsed:
    """Read a contracten.yaml; every contract ends staged or rejected with findings."""
    result = Parsed(path=path, naam=naam, sha256=sha256, soort="tabel:contracten", reference=True)
    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
        alias = first_alias_line(text)
        if alias is not None:
            return _unreadable(result, f"{ALIAS_REASON} (regel {alias})")
        doc = yaml.safe_load(text)
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        return _unreadable(result, f"geen geldige YAML ({str(exc).splitlines()[0][:160]})")
    items = doc.get("contracten") if isinstance(doc, dict) else None
    if not isinstance(items, list):
        return _unreadable(result, "het bestand heeft geen lijst 'contracten'")
    for i, item in enumerate(items):
        result.gelezen += 1
        rows, errors = _contract(item, naam, f"contracten[{i}]", i + 1)
        if errors:
            result.findings.extend(errors)
            result.afgewezen += 1
            continue
        for table, table_rows in rows.items():
            for row in table_rows:
                stage.add(table, row)
    result.staged = stage.close()
    return result


def _unreadable(result: Parsed, reden: str) -> Parsed:
    result.gelezen = result.afgewezen = 1
    result.findings.append(
        F.finding("RK-CONTRACT-01", bestand=result.naam, locatie="bestand", reden=reden)
    )
    return result


def _contract(item: object, naam: str, where: str, regel: int):
    rec = _Record(naam, where)
    if not isinstance(item, dict):
        rec.fail("RK-CONTRACT-01", reden=f"{where} is geen contract met velden")
        return {}, rec.errors
    for key in sorted(set(item) - _KNOWN, key=str):
        rec.fail("RK-CONTRACT-03", veld=str(key))
    base = rec.fields(
        "contract", item, where, skip={"gemeentecode", "plafond_cent", "lumpsum_cent"}
    )
    codes = _gemeenten(rec, item, base.get("contract_id"))
    per_gem = {
        name: _per_gemeente(rec, item.get(name), codes, where, name)
        for name in ("plafond_cent", "lumpsum_cent")
    }
    tarieven = _children(rec, item, "tarieven", "contract_tarief", base.get("contract_id"))
    doelen = _children(rec, item, "doelen", "contract_doel", base.get("contract_id"))
    if rec.errors:
        return {}, rec.errors
    meta = {"bericht_id": None, "regel": regel}
    contract = [
        base | {"gemeentecode": g, **{k: v.get(g) for k, v in per_gem.items()}} | meta
        for g in codes
    ]
    return {
        "contract": contract,
        "contract_tarief": [t | meta for t in tarieven],
        "contract_doel": [d | meta for d in doelen],
    }, []


def _gemeenten(rec: _Record, item: dict, contract_id: str | None) -> list[str]:
    """The municipalities: listed, or all of a jeugdregio."""
    listed, regio = item.get("gemeenten"), item.get("regio")
    codes: list[str] = []
    if listed is not None:
        if not isinstance(listed, list):
            listed = [listed]
        col = L.Column("gemeentecode", L.GEMEENTE, True)
        for j, g in enumerate(listed):
            value, error = _check(col, _text(g).strip(), None, None)
            if error:
                code, params = error
                rec.fail(code, f"{rec.where}.gemeenten[{j}]", "gemeenten", **params)
            else:
                codes.append(value)
    if regio is not None:
        members = sorted(c for c, r in gemeenten().items() if r["jeugdregio"] == str(regio))
        if not members:
            rec.fail("RK-CONTRACT-02", veld="regio", contract=contract_id, regio=regio)
        codes.extend(members)
    if listed is None and regio is None:
        rec.fail("RK-CONTRACT-02", veld="gemeenten", contract=contract_id, regio="")
    return sorted(set(codes))


def _per_gemeente(rec: _Record, value: object, codes: list[str], where: str, veld: str):
    """A ceiling or lump sum: one amount for every municipality, or a mapping per municipality."""
    col = L.Column(veld, L.CENT)
    if value is None:
        return {}
    pairs = value.items() if isinstance(value, dict) else ((g, value) for g in codes)
    out = {}
    for g, cents in pairs:
        checked, error = _check(col, _text(cents).strip(), None, None)
        g = _text(g).zfill(4)
        if error:
            code, params = error
            rec.fail(code, f"{where}.{veld}", veld, **params)
        elif g not in codes:
            rec.fail("S300", f"{where}.{veld}", veld, waarde=g, aantal=1)
        else:
            out[g] = checked
    return out


def _children(rec: _Record, item: dict, key: str, layout: str, contract_id: str | None):
    rows = item.get(key) or []
    if not isinstance(rows, list):
        rec.fail("RK-CONTRACT-01", veld=key, reden=f"{key} is geen lijst")
        return []
    out = []
    for j, child in enumerate(rows):
        where = f"{rec.where}.{key}[{j}]"
        if not isinstance(child, dict):
            rec.fail("RK-CONTRACT-01", where, key, reden=f"{where} heeft geen velden")
            continue
        row = rec.fields(layout, {"contract_id": contract_id, **child}, where)
        out.append(row)
    return out
