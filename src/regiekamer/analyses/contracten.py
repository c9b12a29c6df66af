"""Agreed against delivered (DOMAIN.md §6): per contract of a provider, each agreed target
beside its realisation with a traffic light and its trend, spend against the ceiling with the
date the ceiling is reached at the current run rate, the average price per client against the
region, and for taakgericht contracts the lump sum and the volumes from start/stop messages.

Pure functions over plain rows: the realisations are KPI rows from the KPI engine (through the
facade); nothing is recomputed here but the comparisons.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from dataclasses import dataclass, field

AT_LEAST, AT_MOST = ">=", "<="
# Within this share of the target (relative) a miss is orange, beyond it red.
ORANGE_MARGIN = 0.10
# A change over the periods smaller than this share of the target is "stabiel".
STABLE_MARGIN = 0.02
VOLUME_KPIS = ("clienten", "gestarte_trajecten", "beeindigde_trajecten")
SPEND_KPI, PRICE_KPI = "uitgaven", "uitgaven_per_client"
LIGHTS = ("groen", "oranje", "rood", "onbekend")


@dataclass
class Contract:
    contract_id: str
    wet: str
    inkoopmodel: str | None
    uitvoeringsvariant: str | None
    begindatum: dt.date
    einddatum: dt.date | None
    gemeenten: list[str]
    plafond_cent: int | None
    lumpsum_cent: int | None
    doelen: list[dict] = field(default_factory=list)  # kpi, richting, waarde

    @property
    def taakgericht(self) -> bool:
        return self.uitvoeringsvariant == "taakgericht"


def traffic_light(richting: str, doel: float, waarde: float | None) -> str:
    """groen: target met; oranje: missed by at most 10 % of the target; rood: missed by more;
    onbekend: no realisation (no data in the period)."""
    if waarde is None:
        return "onbekend"
    gap = (doel - waarde) if richting == AT_LEAST else (waarde - doel)
    if gap <= 0:
        return "groen"
    return "oranje" if gap <= abs(doel) * ORANGE_MARGIN else "rood"


def trend(richting: str, doel: float, values: list[float | None]) -> str:
    """verbetert / verslechtert / stabiel, from the first to the last period with a value."""
    known = [v for v in values if v is not None]
    if len(known) < 2:
        return "onbekend"
    change = known[-1] - known[0]
    if abs(change) <= max(abs(doel), 1.0) * STABLE_MARGIN:
        return "stabiel"
    better = change > 0 if richting == AT_LEAST else change < 0
    return "verbetert" if better else "verslechtert"


def ceiling(
    year: int, monthly: dict[int, float], plafond_euro: float, through: dt.date
) -> dict[str, object]:
    """Spend against the ceiling: spent so far (euros per month 1-12 until ``through``), the
    run rate per day, the year-end projection at that rate, and the date the ceiling is (or
    was) reached. None as the date: not within the year at this rate."""
    start = dt.date(year, 1, 1)
    end = dt.date(year, 12, 31)
    through = min(max(through, start), end)
    spent = sum(v for m, v in monthly.items() if m <= through.month)
    days = (through - start).days + 1
    rate = spent / days
    out: dict[str, object] = {
        "plafond": plafond_euro,
        "besteed": spent,
        "besteed_pct": 100 * spent / plafond_euro if plafond_euro else None,
        "tot_en_met": through,
        "per_dag": rate,
        "prognose_jaar": rate * ((end - start).days + 1),
        "datum_plafond": None,
        "bereikt": False,
    }
    if spent >= plafond_euro:
        # Already reached: the day within the month where the running total crossed it.
        running = 0.0
        for m in range(1, through.month + 1):
            v = monthly.get(m, 0.0)
            if running + v >= plafond_euro and v > 0:
                first = dt.date(year, m, 1)
                last = min(_month_end(first), through)
                days_in = (last - first).days + 1
                day = math.ceil((plafond_euro - running) / v * days_in - 1e-9)
                out["datum_plafond"] = first + dt.timedelta(days=max(day, 1) - 1)
                break
            running += v
        out["bereikt"] = True
    elif rate > 0:
        days = math.ceil(plafond_euro / rate - 1e-9)
        within = days <= (end - start).days + 1
        out["datum_plafond"] = start + dt.timedelta(days=days - 1) if within else None
    return out


def _month_end(d: dt.date) -> dt.date:
    nxt = dt.date(d.year + (d.month == 12), d.month % 12 + 1, 1)
    return nxt - dt.timedelta(days=1)


def _index(rows: list[dict], *dims: str) -> dict[tuple, dict]:
    return {tuple(r.get(d) for d in ("kpi", "periode", *dims)): r for r in rows}


def view(
    aanbieder: str,
    year: int,
    contracts: list[Contract],
    *,
    titles: dict[str, str],
    yearly: list[dict],
    quarterly: list[dict],
    monthly_spend: list[dict],
    prices: list[dict],
    regional_prices: list[dict],
    through: dt.date,
) -> list[dict]:
    """The contract view of one provider and year.

    ``yearly``/``quarterly``: KPI rows by wet and aanbieder (targets and volumes);
    ``monthly_spend``: ``uitgaven`` by wet, gemeente and aanbieder per month; ``prices`` and
    ``regional_prices``: ``uitgaven_per_client`` by wet (and productcategorie) with and without
    the aanbieder.
    """
    y = _index(yearly, "wet", "aanbieder")
    q: dict[tuple, list[tuple[str, float | None]]] = defaultdict(list)
    for r in quarterly:
        if r.get("aanbieder") == aanbieder:
            q[(r["kpi"], r["wet"])].append((r["periode"], r["waarde"]))
    out = []
    for c in contracts:
        doelen = []
        for d in c.doelen:
            row = y.get((d["kpi"], str(year), c.wet, aanbieder))
            waarde = row["waarde"] if row else None
            series = sorted(q.get((d["kpi"], c.wet), []))
            doelen.append(
                {
                    "kpi": d["kpi"],
                    "titel": titles.get(d["kpi"], d["kpi"]),
                    "richting": d["richting"],
                    "doel": d["waarde"],
                    "waarde": waarde,
                    "n": row["n"] if row else None,
                    "licht": traffic_light(d["richting"], d["waarde"], waarde),
                    "trend": trend(d["richting"], d["waarde"], [v for _, v in series]),
                    "perioden": [{"periode": p, "waarde": v} for p, v in series],
                }
            )
        volumes = {
            k: (y.get((k, str(year), c.wet, aanbieder)) or {}).get("waarde") for k in VOLUME_KPIS
        }
        item: dict[str, object] = {
            "contract_id": c.contract_id,
            "wet": c.wet,
            "inkoopmodel": c.inkoopmodel,
            "uitvoeringsvariant": c.uitvoeringsvariant,
            "begindatum": c.begindatum,
            "einddatum": c.einddatum,
            "gemeenten": c.gemeenten,
            "doelen": doelen,
            "volumes": volumes,
            "besteding": None,
            "taakgericht": None,
            "prijs": _price(c, aanbieder, year, prices, regional_prices, volumes),
        }
        if c.taakgericht:
            lump = (c.lumpsum_cent or 0) / 100
            clients = volumes.get("clienten")
            item["taakgericht"] = {
                "lumpsum": lump,
                "per_client": lump / clients if clients else None,
                **volumes,
            }
        else:
            months: dict[int, float] = defaultdict(float)
            for r in monthly_spend:
                if (
                    r.get("aanbieder") == aanbieder
                    and r["wet"] == c.wet
                    and r["gemeente"] in c.gemeenten
                    and r["waarde"] is not None
                ):
                    months[int(r["periode"][5:7])] += r["waarde"]
            if c.plafond_cent:
                item["besteding"] = ceiling(year, months, c.plafond_cent / 100, through)
            else:
                item["besteding"] = {"plafond": None, "besteed": sum(months.values())}
        if c.taakgericht:  # no invoices: the price per client is the lump sum's
            prijs, mine = item["prijs"], item["taakgericht"]["per_client"]
            region = prijs["regio"]
            prijs["per_client"] = mine
            prijs["verschil_pct"] = 100 * (mine - region) / region if mine and region else None
        out.append(item)
    return out


def _price(
    c: Contract,
    aanbieder: str,
    year: int,
    prices: list[dict],
    regional: list[dict],
    volumes: dict,
) -> dict[str, object]:
    """Average price per client against the regional average, in total and per category."""
    own = {
        r.get("productcategorie"): r["waarde"]
        for r in prices
        if r.get("aanbieder") == aanbieder and r["wet"] == c.wet
    }
    reg = {r.get("productcategorie"): r["waarde"] for r in regional if r["wet"] == c.wet}

    def compare(mine: float | None, region: float | None) -> dict[str, object]:
        pct = 100 * (mine - region) / region if mine is not None and region else None
        return {"per_client": mine, "regio": region, "verschil_pct": pct}

    return {
        **compare(own.get(None), reg.get(None)),
        "per_categorie": [
            {"productcategorie": k, **compare(v, reg.get(k))}
            for k, v in sorted((k, v) for k, v in own.items() if k is not None)
        ],
    }
