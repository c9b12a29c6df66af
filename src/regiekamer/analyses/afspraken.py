"""Performance agreements (prestatieafspraken): what was agreed, by whom, when, and who owns it.

An agreement names a KPI from the catalogue, a target and its direction, the period it covers
(a year, a quarter or a month) and the grain it is measured at (``per``: every part of the
period must meet the target), and whose it is: the region, one municipality, one provider
(optionally for one municipality) or one contract. It is changed only by a new version; the
store keeps every version (store/afspraken.py).

The target against its realisation reuses the contract logic (analyses/contracten.py): the same
traffic light and the same trend, so an agreement and a contract target read alike.

Ownership (who may change an agreement) follows whose agreement it is: a municipality owns its
own agreements and those it made with a provider for itself; the region (its contract managers)
owns the region's, the providers' and the contracts' agreements. A provider sees its own and may
co-sign them; the accountant and the administrator read. Whoever cannot see an agreement gets
"not found", as everywhere in the app.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictStr

from regiekamer.analyses import configfile, contracten
from regiekamer.analyses.kpi.definitions import BY_ID
from regiekamer.errors import RegiekamerError
from regiekamer.ingest.findings import Finding
from regiekamer.privacy.accounts import Role
from regiekamer.privacy.scope import REGION_WIDE

NIVEAUS = ("regio", "gemeente", "aanbieder", "contract")
PARTIJEN = ("regio", "gemeente", "aanbieder", "accountant")
# How fine each grain is: ``per`` may be the period's own grain or a finer one.
_FINENESS = {"year": 0, "quarter": 1, "month": 2}
_PERIOD = re.compile(r"^(\d{4})(?:-(?:[QK]([1-4])|(0[1-9]|1[0-2])))?$")


class NotFound(RegiekamerError):
    """The object does not exist, or lies outside the user's scope (the same answer)."""


class NotOwner(RegiekamerError):
    """The user may see the object but not change it."""


class Invalid(RegiekamerError):
    """An agreement from a form does not pass the checks; ``findings`` say why."""

    def __init__(self, findings: list[Finding]) -> None:
        self.findings = findings
        super().__init__(" ".join(f"{f.veld}: {f.melding}" for f in findings))


@dataclass(frozen=True)
class Span:
    """A period as the KPI engine labels it: ``2025``, ``2025-K3`` or ``2025-07``."""

    label: str
    per: str
    begin: dt.date
    end: dt.date

    @property
    def jaar(self) -> int:
        return self.begin.year

    def holds(self, label: str) -> bool:
        """Whether the KPI period ``label`` (any grain) lies inside this span (a year holds its
        quarters and months; a quarter its months)."""
        other = parse_period(label)
        return self.begin <= other.begin and other.end <= self.end


def _month_end(y: int, m: int) -> dt.date:
    return dt.date(y + m // 12, m % 12 + 1, 1) - dt.timedelta(days=1)


def parse_period(text: object) -> Span:
    """``2025``, ``2025-Q3`` (or ``2025-K3``) or ``2025-07`` as a Span; ValueError otherwise."""
    m = _PERIOD.match(str(text).strip().upper())
    if not m:
        raise ValueError(f"'{text}' is geen jaar (2025), kwartaal (2025-Q3) of maand (2025-07)")
    y = int(m.group(1))
    if m.group(2):
        q = int(m.group(2))
        return Span(f"{y}-K{q}", "quarter", dt.date(y, q * 3 - 2, 1), _month_end(y, q * 3))
    if m.group(3):
        mo = int(m.group(3))
        return Span(f"{y}-{mo:02d}", "month", dt.date(y, mo, 1), _month_end(y, mo))
    return Span(str(y), "year", dt.date(y, 1, 1), dt.date(y, 12, 31))


def following(label: str) -> str:
    """The period after ``label`` at the same grain (2025-K4 -> 2026-K1, 2025-12 -> 2026-01)."""
    span = parse_period(label)
    d = span.end + dt.timedelta(days=1)
    if span.per == "year":
        return str(d.year)
    return f"{d.year}-K{(d.month - 1) // 3 + 1}" if span.per == "quarter" else f"{d:%Y-%m}"


@dataclass(frozen=True)
class Afspraak:
    """One version of an agreement. ``gemeenten``: for a contract, its municipalities (who may
    see it); not stored with the agreement but read from the contract."""

    afspraak_id: str
    periode: str
    per: str
    niveau: str
    kpi: str
    richting: str
    doel: float
    afgesproken_door: tuple[str, ...]
    afgesproken_op: dt.date
    wet: str | None = None
    gemeente: str | None = None
    aanbieder: str | None = None
    contract_id: str | None = None
    toelichting: str | None = None
    vervallen: bool = False
    versie: int = 0
    auteur: str = ""
    vastgelegd_op: dt.datetime | None = None
    gemeenten: tuple[str, ...] = field(default=(), compare=False)

    @property
    def span(self) -> Span:
        return parse_period(self.periode)

    @property
    def jaar(self) -> int:
        return self.span.jaar

    @property
    def na_aanvang(self) -> bool:
        """Agreed after the period began: the seeds ask for agreements made beforehand."""
        return self.afgesproken_op > self.span.begin

    @property
    def by(self) -> list[str]:
        """The KPI split that gives this agreement's cell."""
        dims = ["wet"] if self.wet else []
        if self.gemeente:
            dims.append("gemeente")
        if self.aanbieder:
            dims.append("aanbieder")
        return dims

    def matches(self, row: dict) -> bool:
        """Whether a KPI row (split by ``by``) is this agreement's cell."""
        return all(row.get(d) == getattr(self, d) for d in self.by)

    def content(self) -> tuple:
        """What a version says (not who wrote it when): equal content is no new version."""
        skip = {"versie", "auteur", "vastgelegd_op", "gemeenten"}
        return tuple(getattr(self, f.name) for f in fields(self) if f.name not in skip)

    def export(self) -> dict:
        """The agreement as it is written in afspraken.yaml (reads back to the same content)."""
        out: dict[str, object] = {"id": self.afspraak_id, "periode": self.periode}
        if self.per != self.span.per:
            out["per"] = self.per
        out["niveau"] = self.niveau
        # A contract's agreement names only the contract: its aanbieder and wet come from it.
        scope = ("contract_id",) if self.contract_id else ("wet", "gemeente", "aanbieder")
        for k in scope:
            if getattr(self, k):
                out["contract" if k == "contract_id" else k] = getattr(self, k)
        out |= {
            "kpi": self.kpi,
            "richting": self.richting,
            "doel": self.doel,
            "afgesproken_door": list(self.afgesproken_door),
            "afgesproken_op": self.afgesproken_op,
        }
        if self.toelichting:
            out["toelichting"] = self.toelichting
        if self.vervallen:
            out["vervallen"] = True
        return out


# --- ownership --------------------------------------------------------------------------------
def can_see(role: Role, a: Afspraak) -> bool:
    if role.rol in REGION_WIDE or a.niveau == "regio":
        return True
    if role.rol == "gemeente":
        return a.gemeente == role.tenant or role.tenant in a.gemeenten
    return role.rol == "aanbieder" and a.aanbieder == role.tenant


def owns(role: Role, a: Afspraak) -> bool:
    """Whether ``role`` may change (or create) ``a``."""
    if role.rol == "regio":
        return a.niveau != "gemeente"
    if role.rol == "gemeente":
        return a.niveau in ("gemeente", "aanbieder") and a.gemeente == role.tenant
    return False


def may_sign(role: Role, a: Afspraak) -> bool:
    """A provider co-signs its own agreements (a new version with ``aanbieder`` among the
    parties that agreed)."""
    return (
        role.rol == "aanbieder"
        and a.aanbieder == role.tenant
        and "aanbieder" not in a.afgesproken_door
    )


def creatable_levels(role: Role) -> tuple[str, ...]:
    if role.rol == "regio":
        return ("regio", "aanbieder", "contract")
    if role.rol == "gemeente":
        return ("gemeente", "aanbieder")
    return ()


# --- target against realisation ---------------------------------------------------------------
def assess(a: Afspraak, rows: list[dict]) -> dict:
    """The agreement beside its realisation. ``rows``: KPI rows of ``a.kpi`` split by ``a.by``
    per ``a.per`` (the periods of its span) and per quarter over its year (the trend).

    The value is that of the span itself when ``per`` is the span's grain; with a finer ``per``
    every part counts and the worst part is the value (each part must meet the target)."""
    span = a.span
    own = [r for r in rows if a.matches(r) and not r.get("onderdrukt")]
    parts = sorted(
        (r["periode"], r["waarde"])
        for r in own
        if _grain(r["periode"]) == a.per and span.holds(r["periode"])
    )
    values = [v for _, v in parts if v is not None]
    worst = (min if a.richting == contracten.AT_LEAST else max)(values) if values else None
    trend_rows = sorted(
        (r["periode"], r["waarde"])
        for r in own
        if _grain(r["periode"]) == "quarter" and r["periode"].startswith(str(span.jaar))
    )
    return {
        "waarde": worst,
        "delen": [{"periode": p, "waarde": v} for p, v in parts],
        "licht": contracten.traffic_light(a.richting, a.doel, worst),
        "trend": contracten.trend(a.richting, a.doel, [v for _, v in trend_rows]),
        "perioden": [{"periode": p, "waarde": v} for p, v in trend_rows],
        "onderdrukt": any(r.get("onderdrukt") for r in rows if a.matches(r)),
    }


def _grain(label: str) -> str:
    return parse_period(label).per


# --- afspraken.yaml ---------------------------------------------------------------------------
class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AfspraakIn(_In):
    id: Annotated[StrictStr, Field(min_length=1, max_length=80, pattern=r"^[\w.\-]+$")]
    periode: StrictStr | int
    per: Literal["year", "quarter", "month"] | None = None
    niveau: Literal["regio", "gemeente", "aanbieder", "contract"]
    wet: Literal["jeugd", "wmo"] | None = None
    gemeente: StrictStr | None = None
    aanbieder: StrictStr | None = None
    contract: StrictStr | None = None
    kpi: StrictStr
    richting: Literal[">=", "<="]
    doel: float
    afgesproken_door: Annotated[
        list[Literal["regio", "gemeente", "aanbieder", "accountant"]], Field(min_length=1)
    ]
    afgesproken_op: dt.date
    toelichting: StrictStr | None = None
    vervallen: bool = False


class FileIn(_In):
    afspraken: list[AfspraakIn]


@dataclass(frozen=True)
class Known:
    """What the store knows, to check the codes an agreement names. ``contracten``: contract
    id -> (aanbieder, wet, its municipalities)."""

    gemeenten: frozenset[str]
    aanbieders: frozenset[str]
    contracten: dict[str, tuple[str, str, tuple[str, ...]]]


def check(items: list[AfspraakIn], known: Known, lines: configfile.Lines) -> tuple[list, list]:
    """The agreements as ``Afspraak`` and every finding (errors and warnings) with its place."""
    out: list[Afspraak] = []
    found: list[Finding] = []
    seen: set[str] = set()
    for i, it in enumerate(items):
        loc = ("afspraken", i)
        before = len(found)

        def fail(code: str, veld: str, **p: object) -> None:
            found.append(lines.finding(code, (*loc, veld), **p))  # noqa: B023 (used at once)

        if it.id in seen:
            fail("RK-AFSPR-06", "id", waarde=it.id)
        seen.add(it.id)
        try:
            span = parse_period(it.periode)
        except ValueError as exc:
            fail("RK-AFSPR-05", "periode", reden=str(exc))
            continue
        per = it.per or span.per
        if _FINENESS[per] < _FINENESS[span.per]:
            fail("RK-AFSPR-05", "per", reden=f"per {per} is grover dan de periode {span.label}")
        scope = _scope(it, known, fail)
        a = _build(it, span, per, scope) if scope is not None else None
        if it.kpi not in BY_ID:
            fail("RK-AFSPR-01", "kpi", waarde=it.kpi)
        elif a is not None and (why := BY_ID[it.kpi].unsupported(a.by, per)):
            fail("RK-AFSPR-04", "kpi", kpi=it.kpi, reden=why)
        if len(found) > before or a is None:
            continue
        if a.na_aanvang:
            found.append(
                lines.finding(
                    "RK-AFSPR-07",
                    (*loc, "afgesproken_op"),
                    afspraak=a.afspraak_id,
                    op=a.afgesproken_op.isoformat(),
                    begin=span.begin.isoformat(),
                )
            )
        out.append(a)
    return out, found


def _scope(it: AfspraakIn, known: Known, fail) -> dict | None:
    """The scope columns of an agreement, checked against its level and the store."""
    need = {
        "regio": (),
        "gemeente": ("gemeente",),
        "aanbieder": ("aanbieder",),
        "contract": ("contract",),
    }[it.niveau]
    allowed = set(need) | ({"gemeente"} if it.niveau == "aanbieder" else set())
    ok = True
    for veld in ("gemeente", "aanbieder", "contract"):
        given = getattr(it, veld) is not None
        if veld in need and not given:
            fail("RK-AFSPR-02", veld, niveau=it.niveau, uitleg="vraagt dit veld")
            ok = False
        elif given and veld not in allowed:
            fail("RK-AFSPR-02", veld, niveau=it.niveau, uitleg="kent dit veld niet")
            ok = False
    gemeente = it.gemeente.zfill(4) if it.gemeente else None
    if gemeente and gemeente not in known.gemeenten:
        fail("RK-AFSPR-03", "gemeente", soort="gemeente", waarde=it.gemeente)
        ok = False
    if it.aanbieder and it.aanbieder not in known.aanbieders:
        fail("RK-AFSPR-03", "aanbieder", soort="aanbieder", waarde=it.aanbieder)
        ok = False
    if not ok:
        return None
    scope = {
        "wet": it.wet,
        "gemeente": gemeente,
        "aanbieder": it.aanbieder,
        "contract_id": None,
        "gemeenten": (),
    }
    if it.contract is not None:
        found = known.contracten.get(it.contract)
        if found is None:
            fail("RK-AFSPR-03", "contract", soort="contract", waarde=it.contract)
            return None
        agb, wet, gemeenten = found
        if it.wet and it.wet != wet:
            fail("RK-AFSPR-02", "wet", niveau=it.niveau, uitleg=f"het contract is voor {wet}")
            return None
        scope |= {"wet": wet, "aanbieder": agb, "contract_id": it.contract, "gemeenten": gemeenten}
    return scope


def _build(it: AfspraakIn, span: Span, per: str, scope: dict) -> Afspraak:
    return Afspraak(
        afspraak_id=it.id,
        periode=span.label,
        per=per,
        niveau=it.niveau,
        kpi=it.kpi,
        richting=it.richting,
        doel=float(it.doel),
        afgesproken_door=tuple(sorted(set(it.afgesproken_door), key=PARTIJEN.index)),
        afgesproken_op=it.afgesproken_op,
        toelichting=it.toelichting or None,
        vervallen=it.vervallen,
        **scope,
    )


def load(path: Path, known: Known) -> tuple[list[Afspraak], list[Finding]]:
    """Read afspraken.yaml; raises ``configfile.ConfigInvalid`` (nothing is used) when any
    agreement has an error, else the agreements and the warnings."""
    box: dict[str, list[Afspraak]] = {}

    def semantics(cfg: FileIn, lines: configfile.Lines) -> list[Finding]:
        box["afspraken"], found = check(cfg.afspraken, known, lines)
        return found

    _, warnings = configfile.load(path, FileIn, semantics)
    return box["afspraken"], warnings


def from_form(values: dict[str, object], known: Known) -> tuple[Afspraak, list[Finding]]:
    """One agreement from a dashboard form, checked exactly as a line of afspraken.yaml;
    raises ``Invalid`` with the findings when it has an error."""
    data = {k: v for k, v in values.items() if v not in (None, "", [])}
    lines = configfile.Lines("formulier", None)
    cfg, found = configfile.check(FileIn, {"afspraken": [data]}, lines)
    if cfg is not None:
        agreements, found = check(cfg.afspraken, known, lines)
        if agreements and not any(f.ernst == "fout" for f in found):
            return agreements[0], found
    raise Invalid([f for f in found if f.ernst == "fout"] or found)


def with_parties(a: Afspraak, parties: Iterable[str]) -> tuple[str, ...]:
    """The parties of ``a`` and ``parties``, in the usual order."""
    return tuple(sorted(set(a.afgesproken_door) | set(parties), key=PARTIJEN.index))
