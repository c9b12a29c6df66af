"""Client trajectories of a synthetic region: who gets which allocation, when care starts and
stops, and the start/stop/request/allocation messages that follow from it.

One Python loop per client is fine here (tens of thousands of clients); the national
benchmark generator (national.py) is vectorised instead. Scalar draws use ``random.Random``
(fast, seeded); nothing depends on wall-clock time, so one seed gives one output.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from math import ceil, log

from regiekamer.synth import constants as K
from regiekamer.synth.common import add_working_days
from regiekamer.synth.reference import Product, Provider, Reference


@dataclass
class Client:
    bsn: str
    geboortedatum: date
    geslacht: str
    wet: str


@dataclass
class Segment:
    """One zorgperiode part: started by a JW305, ended by a JW307 (or still running)."""

    begin: date
    end: date | None  # None: still running at the end of the window
    reden: str | None


@dataclass
class Episode:
    client: Client
    gemeente: str
    provider: Provider
    product: Product
    verwijzer: str
    request: date | None  # JW315 date (None: allocated by the access team, verwijzer 01)
    toew: date | None  # toewijzingsdatum (None: request still unanswered)
    einde: date  # allocation Einddatum
    nummer: int
    volume: int
    budget: int | None
    referentie: str
    segments: list[Segment] = field(default_factory=list)


@dataclass
class Msg:
    """One message to write; ``ident`` and ``path`` are assigned once all are known."""

    dagt: date
    soort: str
    afzender: str
    ontvanger: str
    kind: str  # verzoek | toewijzing | start | stop | declaratie | antwoord
    data: dict
    ident: str = ""
    path: str = ""
    client: Client | None = None


def _weighted(r: random.Random, weights: dict) -> str:
    keys = list(weights)
    return r.choices(keys, weights=[weights[k] for k in keys])[0]


def wachttijd(r: random.Random, wet: str) -> int:
    """Days from request (or toewijzing) to start of care: lognormal with a slow tail."""
    days = r.lognormvariate(log(K.WACHTTIJD_MEDIAAN_DAGEN), K.WACHTTIJD_SIGMA)
    if r.random() < K.WACHTTIJD_STAART_KANS:
        days *= K.WACHTTIJD_STAART_FACTOR
    if wet == "wmo":
        days *= K.WACHTTIJD_WMO_FACTOR
    return max(1, round(days))


def send_delay(r: random.Random, event: date) -> date:
    """Send date of a start/stop message: mostly within 5 working days (OP271/OP272)."""
    n = r.randint(0, 5) if r.random() < K.BERICHT_TIJDIG_KANS else r.randint(6, 40)
    return add_working_days(event, n)


class Simulator:
    """Builds episodes and their non-invoice messages for all clients of a region."""

    def __init__(self, r: random.Random, ref: Reference, w0: date, w1: date) -> None:
        self.r, self.ref, self.w0, self.w1 = r, ref, w0, w1
        self.codes = [g["gemeentecode"] for g in ref.gemeenten]
        self.pop = {
            (g, wet): (a if wet == "jeugd" else t - a)
            for (g, y), (a, t) in ref.populatie.items()
            if y == w0.year
            for wet in ("jeugd", "wmo")
        }
        self.products = {w: [p for p in ref.products if p.wet == w] for w in ("jeugd", "wmo")}
        self.nummer = 100_000
        self.ref_seq = 0
        self.huisartsen = [f"01{r.randrange(10**6):06d}" for _ in range(40)]
        self.specialisten = [f"03{r.randrange(10**6):06d}" for _ in range(15)]
        self.episodes: list[Episode] = []
        self.msgs: list[Msg] = []

    def gemeente(self, wet: str, exclude: str | None = None) -> str:
        cands = [g for g in self.codes if g != exclude]
        return self.r.choices(cands, weights=[self.pop[(g, wet)] for g in cands])[0]

    def client(self, bsn: str) -> tuple[Client, date]:
        """A new client and the date of their first arrival."""
        r = self.r
        wet = "jeugd" if r.random() < K.JEUGD_SHARE else "wmo"
        arrival = self.w0 + timedelta(days=r.randint(-180, (self.w1 - self.w0).days - 20))
        lo, hi = _weighted(r, K.LEEFTIJD_JEUGD if wet == "jeugd" else K.LEEFTIJD_WMO)
        age_days = r.randint(lo * 365, hi * 365 + 364)
        geboorte = arrival - timedelta(days=age_days)
        man = 0.55 if wet == "jeugd" else 0.38
        return Client(bsn, geboorte, "1" if r.random() < man else "2", wet), arrival

    def run(self, c: Client, arrival: date) -> None:
        """All episodes of one client: first arrival, then moves and re-entries."""
        gem = self.gemeente(c.wet)
        verwijzer = None
        while arrival <= self.w1 - timedelta(days=20):
            ep = self.episode(c, gem, arrival, verwijzer)
            last = ep.segments[-1] if ep.segments else None
            if last is None or last.end is None:
                break
            if last.reden == K.MOVE_REASON[c.wet]:
                if len(self.codes) < 2 or self.r.random() > K.VERHUIS_KANS_BINNEN_REGIO:
                    break
                gem = self.gemeente(c.wet, exclude=gem)
                arrival, verwijzer = last.end + timedelta(days=self.r.randint(7, 40)), "01"
            elif last.reden == K.PLAN_REASON[c.wet] and self.r.random() < K.HERHAALD_BEROEP_KANS:
                arrival, verwijzer = last.end + timedelta(days=self.r.randint(30, 360)), None
            else:
                break

    def episode(self, c: Client, gem: str, arrival: date, verwijzer: str | None) -> Episode:
        r, wet = self.r, c.wet
        prods = self.products[wet]
        if wet == "jeugd" and (arrival - c.geboortedatum).days < 4 * 365:
            # Toddlers get ambulant help, crisis care or a foster/residential place, no ggz.
            prods = [p for p in prods if p.cat in ("43", "44", "45", "46")]
        prod = r.choices(prods, weights=[p.gewicht for p in prods])[0]
        provs = [p for p in self.ref.providers if prod.cat in p.cats.get(wet, ())]
        prov = r.choices(provs, weights=[p.weight for p in provs])[0]
        if verwijzer is None:
            verwijzer = _weighted(r, K.VERWIJZER_JEUGD if wet == "jeugd" else K.VERWIJZER_WMO)
        base = add_working_days(arrival, 0)
        request = None if verwijzer == "01" else base
        if request is None:
            toew = base
        elif r.random() < K.VERZOEK_BINNEN_5_KANS:
            toew = add_working_days(request, r.randint(1, 5))
        else:
            toew = add_working_days(request, r.randint(6, 20))
        planned = max(14, round(r.lognormvariate(log(prod.duur), 0.5)))
        einde = toew + timedelta(days=planned + 60)
        lo, hi = prod.volume
        volume = r.randint(lo, hi)
        self.nummer += 1
        self.ref_seq += 1
        budget = None
        if r.random() < K.TOEWIJZING_BUDGET_KANS:
            budget = min(99_999_999, _expected_cost(prod, volume, planned, toew.year))
        ep = Episode(
            c,
            gem,
            prov,
            prod,
            verwijzer,
            request,
            toew if toew <= self.w1 else None,
            einde,
            self.nummer,
            volume,
            budget,
            f"R{prov.agb}{self.ref_seq:07d}",
        )
        self.episodes.append(ep)
        if request is not None:
            self.emit(request, "315", ep, "verzoek", {})
        if ep.toew is None:
            return ep
        self.emit(toew, "301", ep, "toewijzing", {})
        start = max(toew, (request or toew) + timedelta(days=wachttijd(r, wet)))
        self.segments(ep, start, planned)
        return ep

    def segments(self, ep: Episode, start: date, planned: int) -> None:
        """Start, optional temporary stop (20) and resume, and the final stop."""
        r, wet = self.r, ep.client.wet
        reden = _weighted(r, K.REDEN_JEUGD if wet == "jeugd" else K.REDEN_WMO)
        pieces: list[tuple[date, date, str]] = []
        if reden == K.TEMP_REASON:
            pause = start + timedelta(days=max(7, round(planned * r.uniform(0.2, 0.5))))
            resume = pause + timedelta(days=r.randint(14, 60))
            pieces.append((start, pause, K.TEMP_REASON))
            start = resume
            while reden == K.TEMP_REASON:
                reden = _weighted(r, K.REDEN_JEUGD if wet == "jeugd" else K.REDEN_WMO)
        if reden == K.PLAN_REASON[wet]:
            end = start + timedelta(days=round(planned * r.uniform(0.85, 1.1)))
        else:
            end = start + timedelta(days=max(7, round(planned * r.uniform(0.1, 0.7))))
        pieces.append((start, min(end, ep.einde), reden))
        for begin, stop, why in pieces:
            if begin > self.w1 or begin > ep.einde:
                return
            running = stop > self.w1
            seg = Segment(begin, None if running else stop, None if running else why)
            ep.segments.append(seg)
            self.start_msgs(ep, seg)
            if running:
                return
            self.stop_msgs(ep, seg)

    def start_msgs(self, ep: Episode, seg: Segment) -> None:
        sent = send_delay(self.r, seg.begin)
        if self.r.random() < K.STATUS3_KANS:
            # The provider first reports a wrong start date, deletes it (status 3), re-sends.
            wrong = seg.begin + timedelta(days=self.r.randint(1, 5))
            self.emit(sent, "305", ep, "start", {"begindatum": wrong, "status": "1"})
            sent = add_working_days(sent, self.r.randint(3, 10))
            self.emit(sent, "305", ep, "start", {"begindatum": wrong, "status": "3"})
            sent = add_working_days(sent, 1)
        self.emit(sent, "305", ep, "start", {"begindatum": seg.begin, "status": "1"})

    def stop_msgs(self, ep: Episode, seg: Segment) -> None:
        sent = send_delay(self.r, seg.end)
        d = {"begindatum": seg.begin, "einddatum": seg.end, "reden": seg.reden, "status": "1"}
        if self.r.random() < K.STATUS2_KANS:
            # A wrong end date first, corrected later with StatusAanlevering 2.
            wrong = dict(d, einddatum=seg.end + timedelta(days=self.r.randint(3, 10)))
            self.emit(sent, "307", ep, "stop", wrong)
            sent = add_working_days(sent, self.r.randint(3, 15))
            d["status"] = "2"
        self.emit(sent, "307", ep, "stop", d)

    def emit(self, dagt: date, code: str, ep: Episode, kind: str, data: dict) -> None:
        soort = ("JW" if ep.client.wet == "jeugd" else "WMO") + code
        gem_afzender = code == "301"
        afz, ont = (
            (ep.gemeente, ep.provider.agb) if gem_afzender else (ep.provider.agb, ep.gemeente)
        )
        self.msgs.append(Msg(dagt, soort, afz, ont, kind, dict(data, ep=ep), client=ep.client))


def _expected_cost(p: Product, volume: int, days: int, year: int) -> int:
    """Rough allocation budget in cents: volume x frequency over the planned duration."""
    per_day = {"1": volume, "2": volume / 7, "4": volume / 30.4, "6": volume / max(days, 1)}
    return ceil(per_day[p.frequentie] * days * p.tarief(year))
