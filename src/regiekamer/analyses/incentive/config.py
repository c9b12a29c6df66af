"""``incentive.yaml``: arrangements (regelingen) per contract or chain (docs/verevening.md)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictStr

from regiekamer.analyses import configfile
from regiekamer.analyses.kpi.definitions import BY_ID
from regiekamer.ingest.findings import Finding

Pct = Annotated[Decimal, Field(ge=0, le=100)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ShareIn(_In):
    aandeel_pct: Pct
    plafond_pct: Annotated[Decimal, Field(ge=0)] | None = None  # % of the target budget
    plafond_euro: Annotated[Decimal, Field(ge=0)] | None = None


class BandIn(_In):
    vanaf: Decimal | None = None  # KPI value >= vanaf
    onder: Decimal | None = None  # KPI value < onder
    procent: Annotated[Decimal, Field(ge=-100, le=100)]


class AgreementIn(_In):
    kpi: StrictStr
    minimum_n: Annotated[int, Field(ge=0)] = 0
    grondslag: Literal["realisatie", "doelbudget"] = "realisatie"
    banden: Annotated[list[BandIn], Field(min_length=1)]


class ArrangementIn(_In):
    id: StrictStr
    naam: StrictStr | None = None
    wet: Literal["jeugd", "wmo"]
    productcategorieen: list[StrictStr] = []
    aanbieders: list[StrictStr] | None = None
    doelbudget: dict[str, Annotated[Decimal, Field(ge=0)]] | None = None  # euro per AGB
    doelbudget_uit: Literal["vorig_jaar"] | None = None
    indexatie_pct: Annotated[Decimal, Field(ge=-50, le=50)] = Decimal(0)
    winst: ShareIn | None = None
    verlies: ShareIn | None = None
    kpi_afspraken: list[AgreementIn] = []


class ConfigIn(_In):
    regelingen: Annotated[list[ArrangementIn], Field(min_length=1)]


@dataclass(frozen=True)
class Share:
    aandeel: Decimal  # fraction, e.g. 0.5
    plafond_pct: Decimal | None
    plafond_cent: int | None


@dataclass(frozen=True)
class Band:
    vanaf: Decimal | None
    onder: Decimal | None
    procent: Decimal

    def holds(self, value: float) -> bool:
        v = Decimal(repr(value))
        return (self.vanaf is None or v >= self.vanaf) and (self.onder is None or v < self.onder)

    def label(self) -> str:
        parts = []
        if self.vanaf is not None:
            parts.append(f"≥ {_num(self.vanaf)}")
        if self.onder is not None:
            parts.append(f"< {_num(self.onder)}")
        return " en ".join(parts)


@dataclass(frozen=True)
class Agreement:
    kpi: str
    minimum_n: int
    grondslag: str
    banden: tuple[Band, ...]


@dataclass(frozen=True)
class Arrangement:
    id: str
    naam: str
    wet: str
    productcategorieen: tuple[str, ...]
    aanbieders: tuple[str, ...] | None
    doelbudget_cent: dict[str, int] | None
    vorig_jaar: bool
    indexatie: Decimal  # fraction
    winst: Share | None
    verlies: Share | None
    afspraken: tuple[Agreement, ...]


@dataclass(frozen=True)
class Config:
    bestand: str
    regelingen: tuple[Arrangement, ...]
    waarschuwingen: tuple[Finding, ...] = ()


def load(path: Path) -> Config:
    """Read and check ``path``; raises ``ConfigInvalid`` with every finding when it has errors."""
    cfg, findings = configfile.load(path, ConfigIn, _semantics)
    return Config(path.name, tuple(_build(a) for a in cfg.regelingen), tuple(findings))


def _semantics(cfg: ConfigIn, lines: configfile.Lines) -> list[Finding]:
    out: list[Finding] = []
    counts = Counter(a.id for a in cfg.regelingen)
    for i, a in enumerate(cfg.regelingen):
        loc = ("regelingen", i)
        if counts[a.id] > 1:
            out.append(lines.finding("RK-CONF-05", (*loc, "id"), waarde=a.id))
        if a.doelbudget is None and a.doelbudget_uit is None:
            out.append(lines.finding("RK-INC-03", loc, regeling=a.id))
        for j, k in enumerate(a.kpi_afspraken):
            if k.kpi not in BY_ID:
                out.append(
                    lines.finding("RK-INC-01", (*loc, "kpi_afspraken", j, "kpi"), waarde=k.kpi)
                )
            for b, band in enumerate(k.banden):
                if band.vanaf is None and band.onder is None:
                    out.append(lines.finding("RK-INC-02", (*loc, "kpi_afspraken", j, "banden", b)))
    return out


def _share(s: ShareIn | None) -> Share | None:
    if s is None:
        return None
    cap = int(s.plafond_euro * 100) if s.plafond_euro is not None else None
    return Share(s.aandeel_pct / 100, s.plafond_pct, cap)


def _build(a: ArrangementIn) -> Arrangement:
    return Arrangement(
        id=a.id,
        naam=a.naam or a.id,
        wet=a.wet,
        productcategorieen=tuple(a.productcategorieen),
        aanbieders=tuple(a.aanbieders) if a.aanbieders is not None else None,
        doelbudget_cent={k: int(v * 100) for k, v in a.doelbudget.items()}
        if a.doelbudget
        else None,
        vorig_jaar=a.doelbudget_uit == "vorig_jaar",
        indexatie=a.indexatie_pct / 100,
        winst=_share(a.winst),
        verlies=_share(a.verlies),
        afspraken=tuple(
            Agreement(
                k.kpi,
                k.minimum_n,
                k.grondslag,
                tuple(Band(b.vanaf, b.onder, b.procent) for b in k.banden),
            )
            for k in a.kpi_afspraken
        ),
    )


def _num(x: Decimal) -> str:
    return f"{x:f}".replace(".", ",")
