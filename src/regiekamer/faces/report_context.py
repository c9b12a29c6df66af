"""What the council report shows: figures from the facade, turned into tiles, sentences and
charts (see report.py for the whole story and the rendering).

The figures are always fetched with disclosure control on: a council report leaves the analyst's
own scope. The report shows the municipality beside "the region": all municipalities in the
store together. Every figure carries one sentence, generated from the numbers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from regiekamer.errors import RegiekamerError
from regiekamer.facade import Regiekamer, StoreFacts
from regiekamer.faces import charts, report_cbs
from regiekamer.faces.dutch import MONTHS, days, euro, long_date, number, percent, rounded

KPIS = (
    "clienten",
    "clienten_per_1000",
    "uitgaven",
    "budgetuitputting_pct",
    "prognose_jaar",
    "wachttijd_dagen_mediaan",
    "wachttijd_binnen_norm_pct",
    "wachtenden",
    "beeindigd_volgens_plan_pct",
    "uitval_pct",
    "herhaald_beroep_pct",
    "verblijf_aandeel_pct",
    "declaraties_afgewezen_pct",
)
TILE_KPIS = KPIS[:8]

# How each KPI is shown: a count, euros, a rate per 1,000, a percentage, or days.
KIND = {
    "clienten": "aantal",
    "wachtenden": "aantal",
    "uitgaven": "euro",
    "prognose_jaar": "euro",
    "clienten_per_1000": "per1000",
    "wachttijd_dagen_mediaan": "dagen",
}


def formatted(kpi: str, x: float) -> str:
    kind = KIND.get(kpi, "pct")
    if kind == "aantal":
        return number(x)
    if kind == "euro":
        return euro(x)
    if kind == "per1000":
        return number(x, 1)
    if kind == "dagen":
        return days(x)
    return percent(x)


WETTEN = (("jeugd", "Jeugd"), ("wmo", "Wmo"))
IN_ZIN = {"jeugd": "de jeugdhulp", "wmo": "de Wmo"}  # how a sentence names each wet
STEPS = 9  # progress steps of build_context (a PDF adds one), for a progress bar

Step = Callable[[str], None]


# -- cells ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Shown:
    """One figure as the reader sees it. ``staat``: waarde, onderdrukt or leeg (no data)."""

    tekst: str
    staat: str = "waarde"
    voorlopig: bool = False
    waarde: float | None = None  # the unrounded value, for sentences; None unless shown

    @property
    def zichtbaar(self) -> bool:
        return self.staat == "waarde"


LEEG = Shown("—", "leeg")
ONDERDRUKT = Shown("onderdrukt", "onderdrukt")


class Cells:
    """KPI rows of one facade call, looked up by KPI, period, municipality and wet."""

    def __init__(self, rows: Iterable[dict]) -> None:
        self.rows = list(rows)
        self._by = {(r["kpi"], r["periode"], r.get("gemeente"), r.get("wet")): r for r in self.rows}

    def row(
        self, kpi: str, periode: str, gemeente: str | None = None, wet: str | None = None
    ) -> dict | None:
        return self._by.get((kpi, periode, gemeente, wet))

    def shown(
        self, kpi: str, periode: str, gemeente: str | None = None, wet: str | None = None
    ) -> Shown:
        r = self.row(kpi, periode, gemeente, wet)
        if r is None:
            return LEEG
        if r["onderdrukt"]:
            return ONDERDRUKT
        if r["waarde"] is None:
            return LEEG
        return Shown(formatted(kpi, r["waarde"]), "waarde", bool(r.get("voorlopig")), r["waarde"])

    def gemeenten(self) -> set[str]:
        return {r["gemeente"] for r in self.rows if r.get("gemeente")}


def change(kpi: str, now: Shown, before: Shown, year: int) -> tuple[str | None, str | None]:
    """The change against the year before: a short label and a phrase for a sentence.

    Counts, euros and rates change in percent; percentages in percentage points; waiting times
    in days. Nothing when either year is hidden or missing (a difference would reveal it).
    """
    if not (now.zichtbaar and before.zichtbaar):
        return None, None
    a, b = now.waarde, before.waarde
    kind = KIND.get(kpi, "pct")
    if kind in ("aantal", "euro", "per1000"):
        if b == 0:
            return None, None
        r = rounded((a - b) / b * 100)
        more, less = ("hoger", "lager") if kind == "per1000" else ("meer", "minder")
        unit, same = "%", ("even hoog als" if kind == "per1000" else "evenveel als")
    elif kind == "dagen":
        r = rounded(a - b)
        more, less, same = "langer", "korter", "even lang als"
        unit = " dag" if abs(r) == 1 else " dagen"
    else:
        r = rounded(a - b)
        more, less, same, unit = "hoger", "lager", "even hoog als", " procentpunt"
    if r == 0:
        return f"gelijk aan {year}", f"{same} in {year}"
    sign = "+" if r > 0 else "\u2212"
    size = f"{number(abs(r))}{unit}"
    return f"{sign}{size} t.o.v. {year}", f"{size} {more if r > 0 else less} dan in {year}"


# -- the context --------------------------------------------------------------------------------
@dataclass
class Figures:
    """All facade results one report needs."""

    jaar: Cells
    jaar_wet: Cells
    vorig: Cells
    regio: Cells
    regio_wet: Cells
    trend: Cells
    trend_regio: Cells


def _fetch(rk: Regiekamer, gemeente: str, year: int, namen: dict[str, str], step: Step) -> Figures:
    def call(label: str, **kw: object) -> Cells:
        step(label)
        result = rk.kpi(public=True, **kw)
        return Cells(result.rows)

    naam = namen[gemeente]
    regio = call(f"Regio {year}", year=year, per="year", by=[], kpis=KPIS)
    if not any(r["onderdrukt"] or r["waarde"] for r in regio.rows):
        raise RegiekamerError(
            f"De store heeft geen gegevens over {year}: er is geen zorg, declaratie of "
            "wachttijd voor dat jaar. Kies een ander jaar."
        )
    jaar = call(f"{naam} {year}", year=year, per="year", by=["gemeente"], kpis=KPIS)
    if gemeente not in jaar.gemeenten():
        present = ", ".join(f"{namen.get(c, c)} ({c})" for c in sorted(jaar.gemeenten()))
        raise RegiekamerError(
            f"De store heeft geen gegevens over gemeente {naam} ({gemeente}) in {year}. "
            f"Gemeenten met gegevens: {present or 'geen'}."
        )
    start = dt.date(year - 1, 1, 1)
    end = dt.date(year, 12, 31)
    month = ["clienten_per_1000"]
    return Figures(
        jaar=jaar,
        regio=regio,
        jaar_wet=call(
            f"{naam} {year} per wet", year=year, per="year", by=["gemeente", "wet"], kpis=KPIS
        ),
        regio_wet=call(f"Regio {year} per wet", year=year, per="year", by=["wet"], kpis=KPIS),
        vorig=call(
            f"{naam} {year - 1}", year=year - 1, per="year", by=["gemeente"], kpis=TILE_KPIS
        ),
        trend=call(
            "Trend per maand", start=start, end=end, per="month", by=["gemeente"], kpis=month
        ),
        trend_regio=call(
            "Trend regio per maand", start=start, end=end, per="month", by=[], kpis=month
        ),
    )


def _wet_label(wet: str) -> str:
    return dict(WETTEN).get(wet, wet)


def _clause(parts: list[str]) -> str:
    """'a', 'a en b', 'a, b en c'."""
    parts = [p for p in parts if p]
    return ", ".join(parts[:-1]) + " en " + parts[-1] if len(parts) > 1 else "".join(parts)


class _Builder:
    """Turns the figures into what the template shows (tiles, tables, charts, sentences)."""

    def __init__(
        self, rk: Regiekamer, code: str, naam: str, year: int, f: Figures, facts: StoreFacts
    ) -> None:
        self.rk, self.code, self.naam, self.year, self.f = rk, code, naam, year, f
        self.y, self.p = str(year), str(year - 1)
        self.facts = facts
        self.min_cell = number(rk.settings.min_cell)
        self.norm = rk.settings.wachttijd_norm_dagen
        self.hidden = (
            f"Dit cijfer staat er niet: het rust op minder dan {self.min_cell} cliënten, of zou "
            "zo'n kleine groep terug te rekenen maken."
        )

    # figures for the municipality (g) and the region (r), optionally per wet
    def g(self, kpi: str, wet: str | None = None) -> Shown:
        # clienten_per_1000 always comes per wet (the population differs), even by gemeente.
        src = self.f.jaar_wet if wet and kpi != "clienten_per_1000" else self.f.jaar
        return src.shown(kpi, self.y, self.code, wet)

    def r(self, kpi: str, wet: str | None = None) -> Shown:
        if kpi == "clienten_per_1000" or wet is None:
            return self.f.regio.shown(kpi, self.y, None, wet)
        return self.f.regio_wet.shown(kpi, self.y, None, wet)

    def before(self, kpi: str, wet: str | None = None) -> Shown:
        return self.f.vorig.shown(kpi, self.p, self.code, wet)

    # -- tiles ---------------------------------------------------------------------------------
    def tile(
        self,
        kpi: str,
        titel: str,
        sentence: Callable[[Shown, str | None], str],
        wet: str | None = None,
    ) -> dict:
        """A tile: the value, the change against last year, the split per wet, a sentence."""
        now = self.g(kpi, wet)
        short, phrase = change(kpi, now, self.before(kpi, wet), self.year - 1)
        parts = []
        if KIND.get(kpi) in ("aantal", "euro"):
            parts = [(label, self.g(kpi, w)) for w, label in WETTEN]
            parts = [(label, s) for label, s in parts if s.staat != "leeg"]
            if not any(s.zichtbaar for _, s in parts):
                parts = []  # "onderdrukt" twice more under an "onderdrukt" says nothing
        return {
            "kpi": kpi,
            "titel": titel,
            "waarde": now,
            "verschil": short,
            "zin": sentence(now, phrase) if now.zichtbaar else self.hidden,
            "delen": parts,
        }

    def tiles(self) -> list[dict]:
        n, y = self.naam, self.year

        def tail(phrase: str | None) -> str:
            return f", {phrase}" if phrase else ""

        def clienten(v: Shown, ph: str | None) -> str:
            who = "inwoner" if v.waarde == 1 else "inwoners"
            return (
                f"In {y} kregen {v.tekst} {who} van {n} jeugdhulp of Wmo-ondersteuning{tail(ph)}."
            )

        def per_1000(v: Shown, ph: str | None) -> str:
            r = self.r("clienten_per_1000", "jeugd")
            regio = f"; in de regio {r.tekst}" if r.zichtbaar else ""
            return f"In {y} kreeg {v.tekst} van elke 1.000 jongeren in {n} jeugdhulp{regio}."

        def uitgaven(v: Shown, ph: str | None) -> str:
            return f"Aanbieders declareerden {v.tekst} voor zorg in {y}{tail(ph)}."

        def uitputting(v: Shown, ph: str | None) -> str:
            budget = self.budget_of(None)
            if budget is None:
                return f"{v.tekst} van het budget voor {y} is uitgegeven."
            spent = self.g("uitgaven").waarde
            diff = spent - budget
            rest = (
                f"{euro(diff)} meer dan begroot"
                if rounded(diff) > 0
                else f"er resteert {euro(-diff)}"
                if rounded(diff) < 0
                else "precies het budget"
            )
            return f"Van het budget van {euro(budget)} is {v.tekst} uitgegeven: {rest}."

        def prognose(v: Shown, ph: str | None) -> str:
            budget = self.budget_of(None)
            versus = ""
            if budget is not None:
                diff = v.waarde - budget
                side = "boven" if diff > 0 else "onder"
                versus = (
                    f", {euro(abs(diff))} {side} het budget" if rounded(diff) else ", het budget"
                )
            return f"Naar verwachting kost heel {y} {v.tekst}{versus}."

        def mediaan(v: Shown, ph: str | None) -> str:
            r = self.r("wachttijd_dagen_mediaan")
            regio = f"; in de regio {r.tekst}" if r.zichtbaar else ""
            return (
                f"De helft van wie in {y} met zorg begon, wachtte daar hooguit {v.tekst} op{regio}."
            )

        def norm(v: Shown, ph: str | None) -> str:
            r = self.r("wachttijd_binnen_norm_pct")
            regio = f"; in de regio {r.tekst}" if r.zichtbaar else ""
            return (
                f"{v.tekst} van wie in {y} met zorg begon, begon binnen {self.norm_text()}{regio}."
            )

        def wachtenden(v: Shown, ph: str | None) -> str:
            who = "inwoner" if v.waarde == 1 else "inwoners"
            verb = "wachtte" if v.waarde == 1 else "wachtten"
            return f"Op 31 december {y} {verb} {v.tekst} {who} van {n} op de start van zorg."

        tiles = [
            self.tile("clienten", "Cliënten in zorg", clienten),
            self.tile(
                "clienten_per_1000", "Jeugdigen in zorg per 1.000 jongeren", per_1000, wet="jeugd"
            ),
            self.tile("uitgaven", "Uitgaven (gedeclareerd)", uitgaven),
            self.tile("budgetuitputting_pct", "Budgetuitputting", uitputting),
            self.tile("prognose_jaar", "Prognose jaaruitgaven", prognose),
            self.tile("wachttijd_dagen_mediaan", "Wachttijd (mediaan)", mediaan),
            self.tile("wachttijd_binnen_norm_pct", "Binnen de wachttijdnorm", norm),
            self.tile("wachtenden", "Wachtenden op 31 december", wachtenden),
        ]
        wmo = self.g("clienten_per_1000", "wmo")
        if wmo.zichtbaar or (wmo.staat != "leeg" and tiles[1]["waarde"].zichtbaar):
            tiles[1]["delen"] = [("Wmo, per 1.000 inwoners", wmo)]
        return tiles

    def norm_text(self) -> str:
        weeks = f"{self.norm // 7} weken, " if self.norm % 7 == 0 else ""
        return f"de norm van {weeks}{self.norm} dagen"

    def budget_of(self, wet: str | None) -> float | None:
        """The budget in euros, from the spend and the share of the budget it used."""
        spent, used = self.g("uitgaven", wet), self.g("budgetuitputting_pct", wet)
        if spent.zichtbaar and used.zichtbaar and used.waarde:
            return spent.waarde * 100 / used.waarde
        return None

    # -- trend ---------------------------------------------------------------------------------
    def trend(self) -> dict:
        kpi = "clienten_per_1000"
        rows, hidden = [], 0
        for reeks, cells, code in (
            (self.naam, self.f.trend, self.code),
            (charts.REGIO, self.f.trend_regio, None),
        ):
            for r in cells.rows:
                if r["kpi"] != kpi or r.get("gemeente") != code or r.get("wet") is None:
                    continue
                hidden += bool(r["onderdrukt"]) and reeks == self.naam
                rows.append(
                    {
                        "maand": f"{r['periode']}-01",
                        "reeks": reeks,
                        "wet": _wet_label(r["wet"]),
                        "waarde": None if r["onderdrukt"] else r["waarde"],
                    }
                )
        rows.sort(key=lambda r: (r["wet"], r["reeks"], r["maand"]))
        shown = [r for r in rows if r["waarde"] is not None]
        svg = None
        if shown:
            chart = charts.trend(rows, gemeente=self.naam, y_title="Cliënten per 1.000 inwoners")
            svg = charts.to_svg(chart)
        mine = [r for r in shown if r["reeks"] == self.naam]
        if mine:
            last = max(r["maand"] for r in mine)
            d = dt.date.fromisoformat(last)

            def at(reeks: str, wet: str) -> str | None:
                hit = [r for r in shown if (r["reeks"], r["wet"], r["maand"]) == (reeks, wet, last)]
                return number(hit[0]["waarde"], 1) if hit else None

            parts = []
            for wet, label in WETTEN:
                mine_v, regio_v = at(self.naam, label), at(charts.REGIO, label)
                if mine_v:
                    regio = f" (regio {regio_v})" if regio_v else ""
                    parts.append(f"{mine_v} bij {IN_ZIN[wet]}{regio}")
            finding = f"; in {MONTHS[d.month - 1]} {d.year} was dat {_clause(parts)}"
        elif shown:
            finding = f"; de maandcijfers van {self.naam} zijn onderdrukt, de lijn toont de regio"
        else:
            finding = "; alle maandcijfers zijn onderdrukt"
        zin = (
            f"Hoeveel van elke 1.000 inwoners per maand zorg kregen (jeugd: per 1.000 jongeren), "
            f"in {self.naam} (blauw) en in de regio (oranje, gestreept){finding}."
        )
        note = (
            f"{hidden} maandcijfers van {self.naam} zijn onderdrukt (minder dan {self.min_cell} "
            "cliënten) en ontbreken in de lijn."
            if hidden
            else None
        )
        return {"svg": svg, "zin": zin, "noot": note}

    # -- money ---------------------------------------------------------------------------------
    def money(self) -> dict:
        chart_rows, table, parts, total = [], [], [], None
        for wet, label in (*WETTEN, (None, "Totaal")):
            spent = self.g("uitgaven", wet)
            if spent.staat == "leeg" and wet is not None:
                continue
            used, forecast = self.g("budgetuitputting_pct", wet), self.g("prognose_jaar", wet)
            budget = self.budget_of(wet)
            budget_shown = Shown(euro(budget), waarde=budget) if budget is not None else LEEG
            if used.staat == "onderdrukt" or spent.staat == "onderdrukt":
                budget_shown = LEEG
            vs = LEEG
            if forecast.zichtbaar and budget:
                vs = Shown(percent(forecast.waarde * 100 / budget), waarde=None)
            table.append(
                {
                    "label": label,
                    "cellen": [spent, budget_shown, used, forecast, vs],
                    "totaal": wet is None,
                }
            )
            bar = {
                "wet": label,
                "gedeclareerd": spent.waarde,
                "prognose": forecast.waarde,
                "budget": budget,
            }
            if wet is not None:
                chart_rows.append(bar)
                if used.zichtbaar:
                    parts.append(f"bij {IN_ZIN[wet]} {used.tekst}")
            elif not parts and spent.zichtbaar:
                # Every wet hidden but the total shown: show the total instead.
                chart_rows = [bar]
                total = used.tekst if used.zichtbaar else None
        svg = None
        if any(r["gedeclareerd"] is not None for r in chart_rows):
            svg = charts.to_svg(charts.budget(chart_rows))
        if parts:
            finding = f"; gedeclareerd is {_clause(parts)} van het budget"
        elif total:
            finding = (
                f"; in totaal is {total} van het budget gedeclareerd, de bedragen per wet zijn "
                "onderdrukt"
            )
        else:
            finding = "; de bedragen zijn onderdrukt"
        zin = (
            "Donkerblauw is wat aanbieders declareerden, lichtblauw wat het hele jaar naar "
            f"verwachting kost en het zwarte streepje het budget{finding}."
        )
        kop = ["Gedeclareerd", "Budget", "Uitgeput", "Prognose jaareinde", "Prognose t.o.v. budget"]
        return {"svg": svg, "zin": zin, "noot": None, "kop": kop, "rijen": table}

    # -- waiting -------------------------------------------------------------------------------
    def waiting(self) -> dict:
        rows, parts, hidden = [], [], []
        for wet, label in WETTEN:
            g, r = self.g("wachttijd_dagen_mediaan", wet), self.r("wachttijd_dagen_mediaan", wet)
            if g.staat == "leeg" and r.staat == "leeg":
                continue
            rows.append({"wet": label, "reeks": self.naam, "dagen": g.waarde})
            rows.append({"wet": label, "reeks": charts.REGIO, "dagen": r.waarde})
            if g.zichtbaar:
                parts.append(f"{g.tekst} bij {IN_ZIN[wet]}")
            elif g.staat == "onderdrukt":
                hidden.append(IN_ZIN[wet])
        svg = None
        if any(r["dagen"] is not None for r in rows):
            chart = charts.waiting(rows, gemeente=self.naam, norm_days=self.norm)
            svg = charts.to_svg(chart)
        found = f"; in {self.naam} was dat {_clause(parts)}" if parts else ""
        rest = f"; bij {_clause(hidden)} is het cijfer van {self.naam} onderdrukt" if hidden else ""
        zin = (
            "De balken tonen hoeveel dagen de helft van de inwoners hooguit wachtte tot de zorg "
            f"begon, tegen {self.norm_text()} (stippellijn){found}{rest}."
        )
        return {
            "svg": svg,
            "zin": zin,
            "noot": None,
            "tabel": self.table(
                [
                    ("wachttijd_dagen_mediaan", "Wachttijd (mediaan)"),
                    ("wachttijd_binnen_norm_pct", "Binnen de wachttijdnorm"),
                    ("wachtenden", "Wachtenden op 31 december"),
                ]
            ),
        }

    # -- outcomes ------------------------------------------------------------------------------
    def outcomes(self) -> dict:
        measures = [
            ("beeindigd_volgens_plan_pct", "Beëindigd volgens plan"),
            ("uitval_pct", "Uitval"),
            ("herhaald_beroep_pct", "Herhaald beroep"),
        ]
        provisional = any(
            r["kpi"] == "herhaald_beroep_pct" and r.get("voorlopig")
            for cells in (self.f.jaar_wet, self.f.regio_wet)
            for r in cells.rows
        )
        rows = []
        for kpi, maat in measures:
            if kpi == "herhaald_beroep_pct" and provisional:
                maat += " (voorlopig)"
            for wet, label in WETTEN:
                g, r = self.g(kpi, wet), self.r(kpi, wet)
                if g.staat == "leeg" and r.staat == "leeg":
                    continue
                for reeks, v in ((self.naam, g), (charts.REGIO, r)):
                    rows.append(
                        {
                            "maat": maat,
                            "wet": label,
                            "reeks": reeks,
                            "waarde": v.waarde,
                            "label": v.tekst.removesuffix("%") if v.zichtbaar else None,
                        }
                    )
        svg = None
        if any(r["waarde"] is not None for r in rows):
            svg = charts.to_svg(charts.comparison(rows, gemeente=self.naam))
        parts = []
        for wet, _ in WETTEN:
            plan = self.g("beeindigd_volgens_plan_pct", wet)
            if plan.zichtbaar:
                r = self.r("beeindigd_volgens_plan_pct", wet)
                regio = f" (regio {r.tekst})" if r.zichtbaar else ""
                parts.append(f"bij {IN_ZIN[wet]} {plan.tekst}{regio}")
        finding = (
            f"; in {self.naam} eindigde {_clause(parts)} volgens plan"
            if parts
            else f"; de cijfers van {self.naam} zijn onderdrukt"
        )
        zin = (
            f"Hoe de trajecten afliepen die in {self.year} definitief stopten: met de doelen "
            f"bereikt (volgens plan), voortijdig gestopt (uitval), of binnen 12 maanden opnieuw "
            f"in zorg (herhaald beroep){finding}."
        )
        note = (
            "Herhaald beroep is voorlopig: voor trajecten die minder dan 12 maanden geleden "
            "stopten kan iemand nog terugkomen."
            if provisional
            else None
        )
        return {"svg": svg, "zin": zin, "noot": note}

    # -- the municipality beside the region ----------------------------------------------------
    def table(self, items: list[tuple[str, str]]) -> dict:
        rows = []
        for kpi, label in items:
            cells = []
            for wet, _ in WETTEN:
                cells += [self.g(kpi, wet), self.r(kpi, wet)]
            if all(c.staat == "leeg" for c in cells):
                continue
            provisional = any(c.voorlopig for c in cells)
            totaal = KIND.get(kpi) in ("aantal", "euro")
            rows.append(
                {
                    "label": label + (" (voorlopig)" if provisional else ""),
                    "cellen": cells,
                    "regio_totaal": totaal,
                }
            )
        return {"groepen": [label for _, label in WETTEN], "rijen": rows}

    def overview(self) -> dict:
        titles = {k["id"]: k["titel"] for k in self.rk.kpi_catalogue()}
        titles["clienten_per_1000"] = "Cliënten per 1.000 (jeugd: jongeren)"
        titles["wachtenden"] = "Wachtenden op 31 december"
        t = self.table([(k, titles[k]) for k in KPIS])
        n = len(self.f.jaar.gemeenten())
        namen = sorted(self.facts.namen.get(c, c) for c in self.f.jaar.gemeenten())
        t["zin"] = (
            f"Elk cijfer van {self.naam} naast dat van de regio: alle {n} gemeenten in de "
            f"regiekamer samen ({_clause(namen)}); bij aantallen en bedragen (*) staat voor de "
            "regio het totaal, bij percentages, cijfers per 1.000 en wachttijden het cijfer over "
            "alle cliënten van de regio samen."
        )
        return t


def build_context(
    rk: Regiekamer,
    gemeente: str,
    year: int,
    *,
    on_step: Step | None = None,
    today: dt.date | None = None,
) -> dict:
    """Everything the template needs, from the facade (disclosure control on)."""
    step = on_step or (lambda _label: None)
    code = gemeente.strip()
    if code.isdigit() and len(code) < 4:
        code = code.zfill(4)
    step("Gemeente opzoeken")
    facts = rk.store_facts()
    naam = facts.namen.get(code)
    if naam is None:
        raise RegiekamerError(
            f"Onbekende gemeentecode '{gemeente}': geef de viercijferige CBS-code, bv. 0375."
        )
    f = _fetch(rk, code, year, facts.namen, step)
    step("Grafieken maken")
    b = _Builder(rk, code, naam, year, f, facts)
    incompleet = facts.laatste_declaratie is not None and facts.laatste_declaratie < dt.date(
        year, 12, 31
    )
    return {
        "gemeente": {"code": code, "naam": naam},
        "jaar": year,
        "vorig_jaar": year - 1,
        "gemaakt": long_date(today or dt.date.today()),
        "laatste_bericht": long_date(facts.laatste_bericht) if facts.laatste_bericht else None,
        "laatste_declaratie": (
            long_date(facts.laatste_declaratie) if facts.laatste_declaratie else None
        ),
        "incompleet": incompleet,
        "min_cell": b.min_cell,
        "norm": b.norm_text(),
        "tegels": b.tiles(),
        "trend": b.trend(),
        "geld": b.money(),
        "wachten": b.waiting(),
        "uitkomsten": b.outcomes(),
        "overzicht": b.overview(),
        "landelijk": report_cbs.section(rk, code, year),
    }
