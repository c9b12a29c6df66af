"""``verevening.yaml``: the region's segments and the variants to compare (docs/verevening.md).

A variant says per segment how it is shared (``regel`` for all segments, ``regels`` per
segment). A prestatie belongs to the first segment it matches, in the order of the file, so a
last segment with only a ``wet`` takes the rest of that wet.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictStr

from regiekamer.analyses import configfile
from regiekamer.analyses.verevening.models import KEYS, MODELS, Rule
from regiekamer.ingest.findings import Finding


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RuleIn(_In):
    model: StrictStr
    sleutel: StrictStr | None = None
    alpha: Annotated[Decimal, Field(ge=0, le=1)] | None = None
    drempel: Annotated[Decimal, Field(ge=0)] | None = None  # euro per client
    plafond_pct: Annotated[Decimal, Field(ge=0)] | None = None  # % of the budget
    gladstrijken: bool = False


class SegmentIn(_In):
    id: StrictStr
    naam: StrictStr | None = None
    wet: Literal["jeugd", "wmo"] | None = None
    productcategorieen: list[StrictStr] = []
    productcodes: list[StrictStr] = []


class VariantIn(_In):
    id: StrictStr
    naam: StrictStr | None = None
    regel: RuleIn | None = None
    regels: dict[str, RuleIn] = {}


class SimulatieIn(_In):
    jaren: Annotated[int, Field(ge=20, le=100_000)] = 2000
    seed: int = 1


class ConfigIn(_In):
    regio: StrictStr | None = None
    gemeenten: list[StrictStr] | None = None
    simulatie: SimulatieIn = SimulatieIn()
    segmenten: Annotated[list[SegmentIn], Field(min_length=1)]
    varianten: Annotated[list[VariantIn], Field(min_length=1)]


@dataclass(frozen=True)
class Segment:
    id: str
    naam: str
    wet: str | None
    productcategorieen: tuple[str, ...]
    productcodes: tuple[str, ...]


@dataclass(frozen=True)
class Variant:
    id: str
    naam: str
    regels: dict[str, Rule]  # segment id -> rule


@dataclass(frozen=True)
class Config:
    bestand: str
    regio: str | None
    gemeenten: tuple[str, ...] | None
    jaren: int
    seed: int
    segmenten: tuple[Segment, ...]
    varianten: tuple[Variant, ...]
    waarschuwingen: tuple[Finding, ...] = ()


# Which optional fields each model needs (n) and uses at all (u).
_NEEDS = {
    "profijt": ((), ("gladstrijken",)),
    "solidariteit": (("sleutel",), ("sleutel",)),
    "tussenvorm": (("sleutel", "alpha"), ("sleutel", "alpha", "gladstrijken")),
    "drempel": (("sleutel", "drempel"), ("sleutel", "drempel")),
    "plafond": (("sleutel", "plafond_pct"), ("sleutel", "alpha", "plafond_pct", "gladstrijken")),
}


def load(path: Path) -> Config:
    """Read and check ``path``; raises ``ConfigInvalid`` with every finding when it has errors."""
    cfg, findings = configfile.load(path, ConfigIn, _semantics)
    return _build(path.name, cfg, findings)


def _semantics(cfg: ConfigIn, lines: configfile.Lines) -> list[Finding]:
    out: list[Finding] = []
    for what, items in (("segmenten", cfg.segmenten), ("varianten", cfg.varianten)):
        counts = Counter(i.id for i in items)
        for i, item in enumerate(items):
            if counts[item.id] > 1:
                out.append(lines.finding("RK-CONF-05", (what, i, "id"), waarde=item.id))
    segment_ids = [s.id for s in cfg.segmenten]
    for v, var in enumerate(cfg.varianten):
        for seg in var.regels:
            if seg not in segment_ids:
                out.append(lines.finding("RK-VV-03", ("varianten", v, "regels", seg), waarde=seg))
        if var.regel is None:
            for seg in segment_ids:
                if seg not in var.regels:
                    out.append(
                        lines.finding("RK-VV-04", ("varianten", v), variant=var.id, segment=seg)
                    )
        rules = [(("varianten", v, "regel"), var.regel)] if var.regel else []
        rules += [(("varianten", v, "regels", s), r) for s, r in var.regels.items()]
        for loc, rule in rules:
            out += _rule_findings(rule, loc, lines)
    return out


def _rule_findings(rule: RuleIn, loc: tuple, lines: configfile.Lines) -> list[Finding]:
    if rule.model not in MODELS:
        keuze = ", ".join(MODELS)
        return [lines.finding("RK-VV-01", (*loc, "model"), waarde=rule.model, keuze=keuze)]
    out = []
    if rule.sleutel is not None and rule.sleutel not in KEYS:
        out.append(
            lines.finding("RK-VV-02", (*loc, "sleutel"), waarde=rule.sleutel, keuze=", ".join(KEYS))
        )
    needs, uses = _NEEDS[rule.model]
    for name in needs:
        if getattr(rule, name) is None:
            out.append(lines.finding("RK-VV-05", (*loc, name), model=rule.model))
    for name in ("sleutel", "alpha", "drempel", "plafond_pct", "gladstrijken"):
        value = getattr(rule, name)
        if name not in uses and value not in (None, False):
            out.append(lines.finding("RK-VV-06", (*loc, name), model=rule.model))
    if rule.model == "drempel" and rule.gladstrijken:
        out.append(lines.finding("RK-VV-07", (*loc, "gladstrijken")))
    return out


def _rule(r: RuleIn) -> Rule:
    _, uses = _NEEDS[r.model]
    return Rule(
        model=r.model,
        sleutel=r.sleutel if "sleutel" in uses else None,
        alpha=Fraction(r.alpha) if r.alpha is not None and "alpha" in uses else None,
        drempel_cent=int(r.drempel * 100) if r.drempel is not None else None,
        plafond=Fraction(r.plafond_pct) / 100 if r.plafond_pct is not None else None,
        gladstrijken=r.gladstrijken and "gladstrijken" in uses,
    )


def _build(bestand: str, cfg: ConfigIn, findings: list[Finding]) -> Config:
    segments = tuple(
        Segment(
            s.id,
            s.naam or s.id,
            s.wet,
            tuple(s.productcategorieen),
            tuple(s.productcodes),
        )
        for s in cfg.segmenten
    )
    variants = tuple(
        Variant(
            v.id,
            v.naam or v.id,
            {s.id: _rule(v.regels.get(s.id) or v.regel) for s in segments},  # type: ignore[arg-type]
        )
        for v in cfg.varianten
    )
    return Config(
        bestand,
        cfg.regio,
        tuple(sorted(cfg.gemeenten)) if cfg.gemeenten else None,
        cfg.simulatie.jaren,
        cfg.simulatie.seed,
        segments,
        variants,
        tuple(findings),
    )
