"""Realistic figures for the synthetic region, as approximations of published figures.

Every number here is an order-of-magnitude approximation, rounded, meant to make dashboards look
plausible; none is an official statistic. Sources are named per constant (CBS StatLine tables,
the Treeknorm, iStandaarden code lists, typical 2024 regional tariffs). docs/synthetisch.md shows
the same figures as tables; keep both in step.
"""

from __future__ import annotations

# Share of the generated clients that are youth clients (the rest are adult Wmo clients).
# The product is youth-care first; Wmo is the second law in the same region.
JEUGD_SHARE = 0.6

# Population (CBS StatLine 03759ned / 37230ned): 0-17 year olds are about 19-21 % of the
# population; municipalities here are 10k-150k inhabitants; growth about 0.5 %/yr.
POP_TOTAL_MIN, POP_TOTAL_MAX = 10_000, 150_000
YOUTH_SHARE_RANGE = (0.19, 0.21)
POP_GROWTH_PER_YEAR = 0.005
# CBS 84134NED/85094NED: about 1 in 10 young people (0-17) receives jeugdhulp in a year.
JEUGD_CLIENTS_PER_1000_YOUTH = 95

# Tariff indexation (OVA, "overheidsbijdrage in de arbeidskostenontwikkeling"): ~3 %/yr.
TARIFF_INDEX_PER_YEAR = 0.03
TARIFF_BASE_YEAR = 2024

# Products. Per productcategorie (JZ020 / WMO020): eenheid (WJ756), frequentie (WMO757),
# typical volume per frequentie, tariff in cents per eenheid (2024 price level, typical of
# regional contracts), median planned duration in days, relative frequency in allocations.
# (categorie, omschrijving, eenheid, frequentie, volume range, tarief_cent, duur_dagen, gewicht)
JEUGD_PRODUCTS = (
    ("43", "Verblijf incl. behandeling", "14", "1", (1, 1), 29_500, 240, 0.05),
    (
        "44",
        "Verblijf excl. behandeling (gezinshuis/pleegzorg)",
        "14",
        "1",
        (1, 1),
        11_500,
        330,
        0.06,
    ),
    ("45", "Jeugdhulp ambulant", "04", "2", (1, 4), 10_200, 180, 0.45),
    ("46", "Jeugdhulp crisis", "14", "1", (1, 1), 47_000, 28, 0.03),
    ("51", "Generalistische basis-ggz", "82", "6", (1, 1), 95_000, 120, 0.08),
    ("54", "Jeugd-ggz", "01", "4", (180, 600), 205, 210, 0.28),
    ("55", "Landelijk ingekochte zorg", "14", "1", (1, 1), 52_000, 150, 0.05),
)
WMO_PRODUCTS = (
    ("01", "Hulp bij het huishouden", "04", "2", (2, 4), 3_450, 540, 0.42),
    ("02", "Begeleiding individueel", "04", "2", (1, 4), 6_600, 300, 0.25),
    ("03", "Persoonlijke verzorging", "04", "2", (1, 3), 6_200, 240, 0.04),
    ("04", "Kortdurend verblijf", "14", "4", (2, 8), 14_000, 120, 0.04),
    ("07", "Dagbesteding", "16", "2", (1, 4), 5_600, 420, 0.20),
    ("15", "Beschermd wonen", "14", "1", (1, 1), 16_500, 480, 0.05),
)
PRODUCT_CODES_PER_CATEGORY = 3  # e.g. 45A01 (basis), 45A02 (specialistisch), 45A03 (intensief)
PRODUCT_VARIANT_TARIFF = (1.0, 1.18, 1.35)

# Referrers (COD327). CBS 84136NED (jeugdhulptrajecten naar verwijzer, 2023), rounded:
# gemeente ~35 %, huisarts ~33 %, medisch specialist ~10 %, GI ~9 %, jeugdarts ~5 %,
# geen verwijzer ~5 %, rechter ~3 %. Gemeente (01) allocations come from the access team:
# they have no JW315 request.
VERWIJZER_JEUGD = {
    "01": 0.35,
    "02": 0.33,
    "03": 0.05,
    "04": 0.09,
    "05": 0.10,
    "06": 0.05,
    "08": 0.03,
}
# Wmo access is mostly the municipality's own "keukentafelgesprek"; providers request rarely.
VERWIJZER_WMO = {"01": 0.82, "02": 0.10, "05": 0.05, "06": 0.03}

# Reasons for ending (JZ588 / WMO588). CBS 85099NED (beëindigde jeugdhulptrajecten naar
# reden): ~70 % volgens plan, the rest early. Wmo has many deaths (elderly clients).
REDEN_JEUGD = {"31": 0.70, "32": 0.08, "33": 0.03, "34": 0.10, "35": 0.04, "20": 0.03, "39": 0.02}
REDEN_WMO = {
    "19": 0.55,
    "21": 0.06,
    "22": 0.03,
    "23": 0.07,
    "02": 0.14,
    "31": 0.04,
    "20": 0.03,
    "39": 0.08,
}
MOVE_REASON = {"jeugd": "35", "wmo": "31"}  # external cause / verhuizing: client moves
PLAN_REASON = {"jeugd": "31", "wmo": "19"}
TEMP_REASON = "20"

# Waiting time request (or toewijzing) -> start of care. Treeknorm (Zorgverzekeraars/GGZ
# "Treeknormen"): 4 weeks to intake + 10 weeks to treatment = 14 weeks (98 days). Reported
# regional medians are 5-7 weeks with a long tail: lognormal, median 45 days, sigma 0.65
# (p90 ~ 100 days), plus 8 % from a slow tail (x2.5) so that ~10-15 % exceed 98 days.
WACHTTIJD_MEDIAAN_DAGEN = 45
WACHTTIJD_SIGMA = 0.65
WACHTTIJD_STAART_KANS = 0.08
WACHTTIJD_STAART_FACTOR = 2.5
# Wmo support usually starts faster (hulp bij het huishouden within weeks).
WACHTTIJD_WMO_FACTOR = 0.6

# Request -> toewijzing: OP274 demands 5 working days; most municipalities make it.
VERZOEK_BINNEN_5_KANS = 0.82
# Start/stop messages within 5 working days of the event (OP271/OP272); ~85 % on time.
BERICHT_TIJDIG_KANS = 0.85

# Flow details.
HERHAALD_BEROEP_KANS = 0.12  # new zorgperiode within 12 months after ending volgens plan
VERHUIS_KANS_BINNEN_REGIO = 0.7  # a mover moves within the region (else out of the data)
TOEWIJZING_BUDGET_KANS = 0.15  # allocations that also carry a Budget
JW325_KANS = 0.92  # invoices answered with a JW325
CREDIT_KANS = 0.006  # debit lines reversed later by a credit line (same ReferentieNummer)
STATUS3_KANS = 0.01  # starts deleted (StatusAanlevering 3) and re-sent with another date
STATUS2_KANS = 0.01  # stops corrected with StatusAanlevering 2
# Planted invoice faults (share of debit lines).
FOUT_9338_KANS = 0.004  # no allocation
FOUT_9321_KANS = 0.008  # volume above allocated volume
FOUT_0611_KANS = 0.008  # tariff differs from the product/contract tariff

# Providers and contracts.
AANBIEDERS_MIN, AANBIEDERS_MAX = 20, 60
INKOOPMODEL = {"open_house": 0.45, "concurrentie": 0.35, "partner": 0.20}
UITVOERINGSVARIANT = {"inspanningsgericht": 0.60, "outputgericht": 0.32, "taakgericht": 0.08}
# Budgets: a municipality budgets its invoiced spend within about +-12 %; some overspend.
BUDGET_FACTOR_RANGE = (0.86, 1.12)

# Age mix. CBS 84134NED: jeugdhulp peaks at 12-17; ~6 % is verlengde jeugdhulp (18-22).
LEEFTIJD_JEUGD = {(0, 3): 0.08, (4, 11): 0.38, (12, 17): 0.48, (18, 22): 0.06}
# CBS 83262NED (Wmo-cliënten naar leeftijd): about two thirds are 65+.
LEEFTIJD_WMO = {(18, 64): 0.34, (65, 74): 0.20, (75, 95): 0.46}

# National benchmark scale (CBS: ~0.5 M jeugd + ~1.3 M Wmo clients a year; ~40 M invoice
# lines a year across both laws).
NATIONAL_LINES_PER_CLIENT = 20
