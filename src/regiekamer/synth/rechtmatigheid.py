"""Planted invoice faults for the lawfulness checks (analyses/rechtmatigheid.py).

``invoices.build`` plants lines without allocation (9338), above the allocated volume (9321) and
at a deviating tariff (0611). This module plants one line (or one allocation) for every other
check, each on an allocation with no other fault or credit so that exactly that check fires,
and records in every fault the line's declaration number and its expected amount at risk.
It also makes every allocation budget cover what is invoiced on it, so that 9369 fires only
where it is planted (the generator draws budgets before the invoices exist).
"""

from __future__ import annotations

import random
import re
from collections import defaultdict
from datetime import date, timedelta

from regiekamer.synth.common import add_working_days
from regiekamer.synth.flow import Episode, Msg
from regiekamer.synth.invoices import Invoices

MAX_BUDGET = 99_999_999  # LDT_Budget


def _line_fault(soort: str, msg: Msg, line: dict, code: str, risico: int) -> dict:
    return {
        "soort": soort,
        "msg": msg,
        "referentie_nummer": line["ref"],
        "declaratie_nummer": msg.data["nummer"],
        "verwacht_code": code,
        "toewijzing_nummer": str(line["nummer"]),
        "risico_cent": risico,
    }


class _Planter:
    def __init__(self, r: random.Random, inv: Invoices, episodes: list[Episode], w0: date) -> None:
        self.r, self.inv, self.w0 = r, inv, w0
        self.by_nummer = {ep.nummer: ep for ep in episodes}
        self.new: list[Msg] = []
        self.seq = 0
        decls = [m for m in inv.msgs if m.kind == "declaratie"]
        self.answers = {
            id(m.data["decl"]): m.data["codes"] for m in inv.msgs if m.kind == "antwoord"
        }
        faulted = {f["referentie_nummer"] for f in inv.faults}
        credited = {
            p["ref"]
            for m in decls
            for ps in m.data["clients"].values()
            for p in ps
            if p["dc"] == "C"
        }
        # Allocations with a fault or a credit already are left alone.
        self.used: set[int] = set()
        self.lines: dict[int, list[tuple[Msg, str, dict]]] = defaultdict(list)
        for m in decls:
            for bsn, ps in m.data["clients"].items():
                for p in ps:
                    self.lines[p["nummer"]].append((m, bsn, p))
                    if p["ref"] in faulted or p["ref"] in credited:
                        self.used.add(p["nummer"])
        self.clean = sorted(n for n in self.lines if n not in self.used and n in self.by_nummer)

    def pick(self, ok=lambda ep, lines: True) -> tuple[Episode, list] | None:
        cands = [
            n for n in self.clean if n not in self.used and ok(self.by_nummer[n], self.lines[n])
        ]
        if not cands:
            return None
        n = cands[self.r.randrange(len(cands))]
        self.used.add(n)
        return self.by_nummer[n], self.lines[n]

    def record(self, soort: str, msg: Msg, line: dict, code: str, risico: int) -> None:
        self.inv.faults.append(_line_fault(soort, msg, line, code, risico))
        codes = self.answers.get(id(msg))
        if codes is not None and not code.startswith("RK"):
            codes[line["ref"]] = code

    def declaration(self, like: Msg, bsn: str, lines: list[dict], days: int) -> Msg:
        """A new declaration of the same provider and municipality, ``days`` after ``like``."""
        self.seq += 1
        dagt = add_working_days(like.dagt + timedelta(days=days), 0)
        data = dict(like.data, nummer=f"X{self.seq:07d}", clients={bsn: lines})
        data.pop("correctie", None)
        msg = Msg(dagt, like.soort, like.afzender, like.ontvanger, "declaratie", data)
        self.new.append(msg)
        self.inv.lines += len(lines)
        return msg


def plant(r: random.Random, inv: Invoices, episodes: list[Episode], w0: date) -> list[Msg]:
    """Plant one fault for every check not planted by ``invoices.build``; returns the new
    messages (declarations and one deleting allocation) and extends ``inv.faults``."""
    pl = _Planter(r, inv, episodes, w0)
    for f in inv.faults:  # the faults build() planted: their declaration and amount at risk
        _complete(f, pl.by_nummer)

    if got := pl.pick():  # 8021: the same line again in a later declaration
        _ep, lines = got
        m, bsn, p = lines[0]
        copy = dict(p)
        pl.record(
            "referentie_dubbel", pl.declaration(m, bsn, [copy], 25), copy, "8021", p["bedrag"]
        )
    if got := pl.pick(lambda ep, ls: ep.client.wet == "jeugd"):  # 9339
        ep, lines = got
        m, _, p = lines[0]
        p["cat"] = "45" if p["cat"] != "45" else "54"
        pl.record("productcategorie_afwijkend", m, p, "9339", p["bedrag"])
    if got := pl.pick():  # 9340: a sibling product of the same category
        _ep, lines = got
        m, _, p = lines[0]
        p["code"] = p["code"][:-2] + ("02" if p["code"][-2:] != "02" else "01")
        pl.record("productcode_afwijkend", m, p, "9340", p["bedrag"])
    if got := pl.pick():  # 9341
        _ep, lines = got
        m, _, p = lines[0]
        p["eenheid"] = "01" if p["eenheid"] != "01" else "04"
        pl.record("eenheid_afwijkend", m, p, "9341", p["bedrag"])
    if got := pl.pick(lambda ep, ls: ep.toew is not None):  # 9307
        ep, lines = got
        m, _, p = lines[0]
        p["begin"] = ep.toew - timedelta(days=3)
        pl.record("begindatum_buiten_toewijzing", m, p, "9307", p["bedrag"])
    if got := pl.pick():  # 9308
        ep, lines = got
        m, _, p = lines[-1]
        p["eind"] = ep.einde + timedelta(days=3)
        pl.record("einddatum_buiten_toewijzing", m, p, "9308", p["bedrag"])
    if got := pl.pick(_waits_in_window(w0)):  # RK-RECHT-01: invoiced while still waiting
        ep, lines = got
        m, bsn, p = lines[0]
        first = ep.segments[0].begin
        eind = min(first - timedelta(days=1), _month_end(ep.toew))
        tarief = ep.product.tarief(ep.toew.year)
        line = dict(
            p,
            ref=f"{ep.provider.agb}9{pl.seq:07d}",
            begin=ep.toew,
            eind=eind,
            volume=1,
            tarief=tarief,
            bedrag=tarief,
            allowed=1,
        )
        msg = pl.declaration(m, bsn, [line], 10)
        pl.record("geen_zorgperiode", msg, line, "RK-RECHT-01", line["bedrag"])
    if got := pl.pick():  # 9346
        _ep, lines = got
        m, _, p = lines[0]
        p["bedrag"] += 1_000
        pl.record("bedrag_niet_volume_maal_tarief", m, p, "9346", 1_000)
    if got := pl.pick(lambda ep, ls: ep.product.frequentie == "6" and ep.budget is None):  # 9322
        ep, lines = got
        m, bsn, p = lines[0]
        line = dict(p, ref=f"{ep.provider.agb}8{pl.seq:07d}")
        msg = pl.declaration(m, bsn, [line], 20)
        pl.record("som_volume_boven_toewijzing", msg, line, "9322", line["bedrag"])
    if got := pl.pick(
        lambda ep, ls: (
            ep.budget is not None
            and len(ls) >= 2
            and ep.product.frequentie != "6"
            and sum(p["bedrag"] for _, _, p in ls) < MAX_BUDGET
        )
    ):  # 9369: the budget runs out halfway through the last line
        ep, lines = got
        ordered = sorted(lines, key=lambda x: (x[2]["begin"], x[0].dagt))
        m, _, last = ordered[-1]
        ep.budget = sum(p["bedrag"] for _, _, p in ordered[:-1]) + last["bedrag"] // 2
        pl.record("budget_overschreden", m, last, "9369", last["bedrag"] - last["bedrag"] // 2)
    if got := pl.pick(lambda ep, ls: ep.toew is not None):  # 9384: the allocation is deleted
        ep, lines = got
        latest = max(m.dagt for m, _, _ in lines)
        soort = ("JW" if ep.client.wet == "jeugd" else "WMO") + "301"
        pl.new.append(
            Msg(
                add_working_days(latest, 5),
                soort,
                ep.gemeente,
                ep.provider.agb,
                "toewijzing",
                {"ep": ep, "mutate": _deleted},
                client=ep.client,
            )
        )
        for m, _, p in lines:
            pl.record("toewijzing_verwijderd", m, p, "9384", p["bedrag"])
    _cover_budgets(pl)
    return pl.new


def _complete(f: dict, by_nummer: dict[int, Episode]) -> None:
    """Declaration number and amount at risk of a fault that invoices.build planted."""
    line = next(
        p
        for ps in f["msg"].data["clients"].values()
        for p in ps
        if p["ref"] == f["referentie_nummer"] and p["dc"] == "D"
    )
    f["declaratie_nummer"] = f["msg"].data["nummer"]
    code = f["verwacht_code"]
    if code == "9338":
        f["risico_cent"] = line["bedrag"]
    elif code == "9321":
        f["risico_cent"] = (line["volume"] - line["allowed"]) * line["tarief"]
    elif code == "0611":
        ep = by_nummer[int(line["nummer"])]
        f["risico_cent"] = (line["tarief"] - ep.product.tarief(line["begin"].year)) * line["volume"]


def _waits_in_window(w0: date):
    """Allocations whose care starts more than a day after the toewijzing, inside the window."""

    def ok(ep: Episode, lines: list) -> bool:
        return (
            ep.toew is not None
            and ep.toew >= w0
            and bool(ep.segments)
            and ep.segments[0].begin > ep.toew + timedelta(days=1)
            and ep.product.frequentie in ("2", "4")
        )

    return ok


def _month_end(d: date) -> date:
    nxt = date(d.year + (d.month == 12), d.month % 12 + 1, 1)
    return nxt - timedelta(days=1)


def _deleted(xml: str) -> str:
    """A JW301/WMO301 that deletes its allocation: RedenWijziging 13, before Omvang."""
    return re.sub(r"(<Omvang>)", r"<RedenWijziging>13</RedenWijziging>\1", xml, count=1)


def _cover_budgets(pl: _Planter) -> None:
    """Every budget at least the sum of what is invoiced on its allocation (or none where that
    would not fit the message), except the one planted to run out."""
    planted = {int(f["toewijzing_nummer"]) for f in pl.inv.faults if f["verwacht_code"] == "9369"}
    invoiced: dict[int, int] = defaultdict(int)
    for m in [*(x for x in pl.inv.msgs if x.kind == "declaratie"), *pl.new]:
        if m.kind != "declaratie":
            continue
        for ps in m.data["clients"].values():
            for p in ps:
                if p["dc"] == "D":
                    invoiced[p["nummer"]] += p["bedrag"]
    for n, ep in pl.by_nummer.items():
        if ep.budget is None or n in planted:
            continue
        need = invoiced.get(n, 0)
        if need > ep.budget:
            ep.budget = need if need <= MAX_BUDGET else None
