"""docs/kpi.md, generated from the KPI catalogue itself (a test keeps it current)."""

from __future__ import annotations

from regiekamer.analyses.kpi.context import DIMS
from regiekamer.analyses.kpi.definitions import CATALOGUE
from regiekamer.analyses.periods import PER_NL

_CONVENTIONS = """\
## Rekenregels

- Een periode is een gesloten datuminterval (jaar, kwartaal `2025-K1` of maand `2025-01`);
  `--from`/`--to` knippen de eerste en laatste periode af.
- Een zorgperiode is een startbericht (JW305/WMO305) met het bijbehorende stopbericht
  (JW307/WMO307, zelfde toewijzing en begindatum). Na een stop met reden 20 (tijdelijk beëindigd)
  loopt een nieuwe start op dezelfde toewijzing door in dezelfde zorgperiode, met de eerste
  begindatum. Een zorgperiode is definitief beëindigd als de laatste stop geen reden 20 heeft.
  StatusAanlevering 3 verwijdert een eerder bericht al bij het inlezen.
- Een toewijzing zonder verzoek (JW315) komt van het eigen toegangsteam: verwijzer `01`, en de
  wachttijd begint op de toewijzingsdatum. Bij meer verzoeken met dezelfde referentie telt het
  vroegste.
- Een meting hoort bij de periode van haar datum: een wachttijd bij de start van de zorg, een
  doorlooptijd en de 5-werkdagentoets bij de toewijzingsdatum, een trajectduur en de reden van
  beëindiging bij het definitieve einde, een prestatie bij de begindatum van de productperiode.
- Dagen zijn kalenderdagen: latere datum − eerdere datum. Werkdagen tellen de werkdagen na de
  eerste datum tot en met de tweede (geen weekend, geen feestdag volgens het pakket `holidays`, NL).
- Een declaratieregel is afgewezen als haar antwoordregel (JW325/WMO325) een retourcode anders
  dan 0200 of 8001 draagt. Het afgewezen bedrag komt uit die antwoordregel (die herhaalt de
  declaratieregel); een regel die twee keer is beantwoord telt één keer.
- Mediaan en p90: continue kwantielen met lineaire interpolatie (de mediaan van 10 en 20 is 15).
- Percentages 0–100 met volle precisie; afronden gebeurt alleen op het scherm en in rapporten.
- Geld staat in centen in de store en komt in euro's naar buiten.
- Een cliënt hoort bij de gemeente die toewees, niet bij de aanbieder.
- `n` is het aantal verschillende cliënten waarop een cel rust. Met `--public` (en in elk rapport
  buiten de eigen scope) wordt een cel met minder dan `REGIEKAMER_MIN_CELL` (standaard 10)
  cliënten onderdrukt, plus zoveel andere cellen dat hij niet uit een totaal terug te rekenen is.
"""


def describe() -> str:
    """The catalogue as Markdown: one section per KPI, then the computing conventions."""
    lines = [
        "# KPI-catalogus",
        "",
        "Gegenereerd uit `src/regiekamer/analyses/kpi/definitions.py` met "
        "`regiekamer kpi --list --markdown > docs/kpi.md`. Definities: DOMAIN.md §4.",
        "",
        f"Dimensies: {', '.join(f'`{d}`' for d in DIMS)}. Perioden: {', '.join(PER_NL.values())}.",
        "",
        "| id | titel | eenheid | voor |",
        "|---|---|---|---|",
    ]
    lines += [f"| `{k.id}` | {k.titel} | {k.eenheid} | {', '.join(k.voor)} |" for k in CATALOGUE]
    lines.append("")
    for k in CATALOGUE:
        lines += [f"## `{k.id}` — {k.titel}", "", f"*{k.title}* ({k.eenheid})", "", k.uitleg, ""]
        lines.append(f"- Voor: {', '.join(k.voor)}")
        lines.append(f"- Uit te splitsen naar: {', '.join(k.dims)}")
        if k.adds:
            lines.append(f"- Altijd uitgesplitst naar: {', '.join(k.adds)}")
        lines.append(f"- Perioden: {', '.join(PER_NL[p] for p in k.per)}")
        lines.append(f"- Leest: {', '.join(k.bronnen)}")
        lines.append("")
    return "\n".join(lines) + "\n" + _CONVENTIONS
