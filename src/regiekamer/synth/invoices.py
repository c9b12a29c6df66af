"""Monthly invoices (JW323/WMO323) and invoice answers (JW325) of a synthetic region.

One declaration per provider x municipality x month holds all that provider's clients for
that municipality; lines follow the zorgperiode within the month and the allocation. A few
percent of the lines carry a planted fault (9338, 9321, 0611) that the JW325 rejects; a few
are reversed later by a credit line with the same ReferentieNummer in a correction
declaration for the same month.
"""

from __future__ import annotations

import random
from calendar import monthrange
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from math import ceil

from regiekamer.synth import constants as K
from regiekamer.synth.common import add_working_days
from regiekamer.synth.flow import Episode, Msg


@dataclass
class Invoices:
    msgs: list[Msg] = field(default_factory=list)
    faults: list[dict] = field(default_factory=list)  # with "msg": the JW323 that holds it
    spend: dict[tuple[str, str, int], int] = field(default_factory=lambda: defaultdict(int))
    lump: dict[tuple[str, str, str], int] = field(default_factory=lambda: defaultdict(int))
    lines: int = 0


def _months(begin: date, end: date):
    """(month start, month end, piece begin, piece end) for every month in [begin, end]."""
    y, m = begin.year, begin.month
    while date(y, m, 1) <= end:
        ms = date(y, m, 1)
        me = date(y, m, monthrange(y, m)[1])
        yield ms, me, max(begin, ms), min(end, me)
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)


def _volume(r: random.Random, ep: Episode, days: int, mdays: int) -> tuple[int, int]:
    """(delivered, allocated) volume for a piece of ``days`` days of a month of ``mdays``."""
    v, freq = ep.volume, ep.product.frequentie
    if freq == "1":  # per day (etmaal)
        return v * days, v * days
    if freq == "2":  # per week
        x = v * days / 7
        return max(1, round(x * r.uniform(0.7, 1.0))), ceil(x)
    if freq == "4":  # per month
        x = v * days / mdays
        return max(1, round(x * r.uniform(0.6, 1.0))), ceil(x)
    return 1, 1  # totaal binnen geldigheidsduur: one output, billed once


def build(r: random.Random, episodes: list[Episode], w0: date, w1: date, n_years: int) -> Invoices:
    inv = Invoices()
    buckets: dict[tuple, dict[str, list[dict]]] = {}
    seq = 0
    for ep in episodes:
        wet, agb = ep.client.wet, ep.provider.agb
        taak = ep.provider.variant[wet] == "taakgericht"
        output = ep.product.frequentie == "6"
        for i, seg in enumerate(ep.segments):
            if output:  # billed once, in the month the zorgperiode ends definitively
                if seg.end is None or i < len(ep.segments) - 1 or seg.end < w0:
                    continue
                b, e = max(seg.begin, date(seg.end.year, seg.end.month, 1)), seg.end
            else:
                b, e = max(seg.begin, w0), min(seg.end or w1, w1, ep.einde)
            for ms, me, pb, pe in _months(b, e) if b <= e else ():
                vol, allowed = _volume(r, ep, (pe - pb).days + 1, me.day)
                tarief = ep.product.tarief(pb.year)
                if taak:  # lump-sum contract: no invoices, the cost goes into the lump sum
                    inv.lump[(agb, ep.gemeente, wet)] += vol * tarief // n_years
                    continue
                seq += 1
                line = {
                    "ref": f"{agb}{seq:08d}",
                    "nummer": ep.nummer,
                    "cat": ep.product.cat,
                    "code": ep.product.code,
                    "begin": pb,
                    "eind": pe,
                    "volume": vol,
                    "eenheid": ep.product.eenheid,
                    "tarief": tarief,
                    "bedrag": vol * tarief,
                    "dc": "D",
                    "allowed": allowed,
                }
                key = (agb, ep.gemeente, wet, ms)
                buckets.setdefault(key, {}).setdefault(ep.client.bsn, []).append(line)
                inv.spend[(ep.gemeente, wet, pb.year)] += line["bedrag"]
    ncorr = 0
    fake = 900_000_000
    for nummer, ((agb, gem, wet, ms), clients) in enumerate(buckets.items(), start=1):
        me = date(ms.year, ms.month, monthrange(ms.year, ms.month)[1])
        dagt = add_working_days(me, r.randint(3, 15))
        soort = "JW323" if wet == "jeugd" else "WMO323"
        data = {"nummer": f"D{nummer:08d}", "begin": ms, "eind": me, "clients": clients}
        msg = Msg(dagt, soort, agb, gem, "declaratie", data)
        inv.msgs.append(msg)
        codes: dict[str, str] = {}
        credits: dict[str, list[dict]] = {}
        for bsn, lines in clients.items():
            for line in lines:
                inv.lines += 1
                x = r.random()
                if x < K.FOUT_9338_KANS:
                    fake += 1
                    line["nummer"] = fake
                    codes[line["ref"]] = "9338"
                    inv.faults.append(_fault("geen_toewijzing", msg, line, "9338"))
                elif (x := x - K.FOUT_9338_KANS) < K.FOUT_9321_KANS and line["eenheid"] != "14":
                    line["volume"] = ceil(line["allowed"] * 1.5) + 2
                    line["bedrag"] = line["volume"] * line["tarief"]
                    codes[line["ref"]] = "9321"
                    inv.faults.append(_fault("volume_boven_toewijzing", msg, line, "9321"))
                elif (x := x - K.FOUT_9321_KANS) < K.FOUT_0611_KANS:
                    line["tarief"] = round(line["tarief"] * r.uniform(1.05, 1.15))
                    line["bedrag"] = line["volume"] * line["tarief"]
                    codes[line["ref"]] = "0611"
                    inv.faults.append(_fault("tarief_afwijkend", msg, line, "0611"))
                elif x - K.FOUT_0611_KANS < K.CREDIT_KANS:
                    credits.setdefault(bsn, []).append(line)
        if r.random() < K.JW325_KANS and wet == "jeugd":  # there is no WMO325 XSD
            adagt = add_working_days(dagt, r.randint(2, 10))
            inv.msgs.append(
                Msg(adagt, "JW325", gem, agb, "antwoord", {"decl": msg, "codes": codes})
            )
        if credits:
            ncorr += 1
            extra = _correction(r, msg, credits, f"C{ncorr:08d}")
            inv.lines += sum(len(ps) for ps in extra[0].data["clients"].values())
            inv.msgs.extend(extra)
    return inv


def _correction(r: random.Random, orig: Msg, credits: dict[str, list[dict]], nummer: str):
    """A later declaration for the same month: credit lines (same ReferentieNummer) and,
    for half of them, a corrected debit line pointing back with VorigReferentieNummer."""
    clients: dict[str, list[dict]] = {}
    for bsn, lines in credits.items():
        for line in lines:
            out = clients.setdefault(bsn, [])
            out.append(dict(line, dc="C"))
            if r.random() < 0.5:
                vol = max(1, line["volume"] - r.randint(1, 3))
                out.append(
                    dict(
                        line,
                        ref=line["ref"] + "K",
                        vorig=line["ref"],
                        volume=vol,
                        bedrag=vol * line["tarief"],
                    )
                )
    dagt = add_working_days(orig.dagt + timedelta(days=r.randint(20, 60)), 0)
    data = dict(orig.data, nummer=nummer, clients=clients, correctie=True)
    msg = Msg(dagt, orig.soort, orig.afzender, orig.ontvanger, "declaratie", data)
    out = [msg]
    if orig.soort == "JW323":
        adagt = add_working_days(dagt, r.randint(2, 10))
        out.append(
            Msg(
                adagt,
                "JW325",
                orig.ontvanger,
                orig.afzender,
                "antwoord",
                {"decl": msg, "codes": {}},
            )
        )
    return out


def _fault(soort: str, msg: Msg, line: dict, code: str) -> dict:
    return {
        "soort": soort,
        "msg": msg,
        "referentie_nummer": line["ref"],
        "verwacht_code": code,
        "toewijzing_nummer": str(line["nummer"]),
    }
