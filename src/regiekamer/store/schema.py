"""The store's tables (DOMAIN.md §3 vocabulary) and their migrations.

Every fact row carries its provenance: ``bestand_id`` (-> bestand: sha256, file name,
received-at), ``bericht_id`` (the message's Identificatie, or null for a table row) and
``regel`` (the record's position: its number in the message, or its row in the table).
Money is integer eurocents (BIGINT), codes are text (leading zeros matter), dates are DATE.
A client is only its pseudonym (``client_id``), birth year-month and sex code.
"""

from __future__ import annotations

import duckdb

PROVENANCE = "bestand_id BIGINT NOT NULL, bericht_id VARCHAR, regel INTEGER NOT NULL"

_V1 = [
    """CREATE TABLE bestand (
        bestand_id BIGINT PRIMARY KEY, sha256 VARCHAR NOT NULL UNIQUE, naam VARCHAR NOT NULL,
        soort VARCHAR NOT NULL, ontvangen_op TIMESTAMP NOT NULL,
        gelezen BIGINT NOT NULL, geaccepteerd BIGINT NOT NULL, afgewezen BIGINT NOT NULL)""",
    """CREATE TABLE bericht (
        bestand_id BIGINT NOT NULL, berichtsoort VARCHAR NOT NULL, wet VARCHAR NOT NULL,
        afzender VARCHAR NOT NULL, ontvanger VARCHAR NOT NULL, identificatie VARCHAR NOT NULL,
        dagtekening DATE NOT NULL, PRIMARY KEY (berichtsoort, afzender, identificatie))""",
    """CREATE TABLE bevinding (
        bestand_id BIGINT NOT NULL, volgnummer INTEGER NOT NULL, code VARCHAR NOT NULL,
        ernst VARCHAR NOT NULL, melding VARCHAR NOT NULL, bestand VARCHAR NOT NULL,
        bericht_id VARCHAR, locatie VARCHAR NOT NULL, veld VARCHAR)""",
    """CREATE TABLE client (
        client_id VARCHAR PRIMARY KEY, geboortemaand DATE, geslacht VARCHAR)""",
    f"""CREATE TABLE verzoek (
        wet VARCHAR NOT NULL, gemeente VARCHAR NOT NULL, aanbieder VARCHAR NOT NULL,
        client_id VARCHAR NOT NULL, dagtekening DATE NOT NULL, referentie_aanbieder VARCHAR,
        beschikking_nummer VARCHAR, productcategorie VARCHAR, productcode VARCHAR,
        beschikking_ingangsdatum DATE, toewijzing_ingangsdatum DATE, toewijzing_einddatum DATE,
        volume BIGINT, eenheid VARCHAR, frequentie VARCHAR, budget_cent BIGINT,
        verwijzer_type VARCHAR, verwijzer_zorgverlenercode VARCHAR, {PROVENANCE})""",
    f"""CREATE TABLE wijzigingsverzoek (
        wet VARCHAR NOT NULL, gemeente VARCHAR NOT NULL, aanbieder VARCHAR NOT NULL,
        client_id VARCHAR NOT NULL, dagtekening DATE NOT NULL, referentie_aanbieder VARCHAR,
        reden_verzoek VARCHAR, soort VARCHAR NOT NULL, toewijzing_nummer VARCHAR,
        productcategorie VARCHAR, productcode VARCHAR, gewenste_ingangsdatum DATE,
        einddatum DATE, volume BIGINT, eenheid VARCHAR, frequentie VARCHAR, budget_cent BIGINT,
        {PROVENANCE})""",
    f"""CREATE TABLE verzoek_antwoord (
        wet VARCHAR NOT NULL, gemeente VARCHAR NOT NULL, aanbieder VARCHAR NOT NULL,
        dagtekening DATE NOT NULL, referentie_aanbieder VARCHAR, verzoek_antwoord VARCHAR,
        reden_afwijzing VARCHAR, woonplaats_gemeente VARCHAR, {PROVENANCE})""",
    f"""CREATE TABLE toewijzing (
        wet VARCHAR NOT NULL, gemeente VARCHAR NOT NULL, aanbieder VARCHAR NOT NULL,
        client_id VARCHAR NOT NULL, dagtekening DATE NOT NULL, toewijzing_nummer VARCHAR NOT NULL,
        referentie_aanbieder VARCHAR, productcategorie VARCHAR, productcode VARCHAR,
        toewijzingsdatum DATE NOT NULL, ingangsdatum DATE NOT NULL, einddatum DATE,
        reden_wijziging VARCHAR, volume BIGINT, eenheid VARCHAR, frequentie VARCHAR,
        budget_cent BIGINT, {PROVENANCE}, PRIMARY KEY (wet, gemeente, toewijzing_nummer))""",
    f"""CREATE TABLE levering (
        wet VARCHAR NOT NULL, gemeente VARCHAR NOT NULL, aanbieder VARCHAR NOT NULL,
        client_id VARCHAR NOT NULL, dagtekening DATE NOT NULL, soort VARCHAR NOT NULL,
        toewijzing_nummer VARCHAR, productcategorie VARCHAR, productcode VARCHAR,
        toewijzing_ingangsdatum DATE, begindatum DATE NOT NULL, einddatum DATE,
        reden_beeindiging VARCHAR, status_aanlevering VARCHAR NOT NULL, {PROVENANCE})""",
    f"""CREATE TABLE declaratie (
        wet VARCHAR NOT NULL, gemeente VARCHAR NOT NULL, aanbieder VARCHAR NOT NULL,
        dagtekening DATE NOT NULL, declaratie_nummer VARCHAR NOT NULL, periode_begin DATE,
        periode_eind DATE, totaal_bedrag_cent BIGINT, debet_credit VARCHAR, {PROVENANCE})""",
    f"""CREATE TABLE prestatie (
        wet VARCHAR NOT NULL, gemeente VARCHAR NOT NULL, aanbieder VARCHAR NOT NULL,
        client_id VARCHAR NOT NULL, dagtekening DATE NOT NULL, declaratie_nummer VARCHAR,
        referentie_nummer VARCHAR NOT NULL, vorig_referentie_nummer VARCHAR,
        toewijzing_nummer VARCHAR, productcategorie VARCHAR NOT NULL, productcode VARCHAR,
        begindatum DATE NOT NULL, einddatum DATE NOT NULL, geleverd_volume BIGINT NOT NULL,
        eenheid VARCHAR NOT NULL, product_tarief_cent BIGINT, bedrag_cent BIGINT NOT NULL,
        debet_credit VARCHAR NOT NULL, {PROVENANCE})""",
    f"""CREATE TABLE declaratie_antwoord (
        wet VARCHAR NOT NULL, gemeente VARCHAR NOT NULL, aanbieder VARCHAR NOT NULL,
        client_id VARCHAR NOT NULL, dagtekening DATE NOT NULL,
        declaratie_identificatie VARCHAR, declaratie_nummer VARCHAR,
        referentie_nummer VARCHAR NOT NULL, vorig_referentie_nummer VARCHAR,
        toewijzing_nummer VARCHAR, productcategorie VARCHAR, productcode VARCHAR,
        begindatum DATE, einddatum DATE, geleverd_volume BIGINT, eenheid VARCHAR,
        product_tarief_cent BIGINT, bedrag_cent BIGINT NOT NULL, debet_credit VARCHAR NOT NULL,
        retourcodes VARCHAR[] NOT NULL, {PROVENANCE})""",
    f"""CREATE TABLE retourbericht (
        wet VARCHAR NOT NULL, berichtsoort VARCHAR NOT NULL, afzender VARCHAR NOT NULL,
        ontvanger VARCHAR NOT NULL, dagtekening DATE NOT NULL, identificatie_retour VARCHAR,
        dagtekening_retour DATE, retourcodes VARCHAR[] NOT NULL, {PROVENANCE})""",
    """CREATE TABLE gemeente (
        gemeentecode VARCHAR PRIMARY KEY, gemeentenaam VARCHAR NOT NULL, provincie VARCHAR,
        jeugdregio VARCHAR, bestand_id BIGINT)""",
    """CREATE TABLE populatie (
        gemeentecode VARCHAR NOT NULL, jaar INTEGER NOT NULL, inwoners_0_17 BIGINT NOT NULL,
        inwoners_totaal BIGINT NOT NULL, bestand_id BIGINT, PRIMARY KEY (gemeentecode, jaar))""",
    """CREATE TABLE aanbieder (
        agb_code VARCHAR PRIMARY KEY, naam VARCHAR NOT NULL, bestand_id BIGINT)""",
    """CREATE TABLE product (
        wet VARCHAR NOT NULL, productcode VARCHAR NOT NULL, jaar INTEGER NOT NULL,
        productcategorie VARCHAR NOT NULL, omschrijving VARCHAR, eenheid VARCHAR,
        tarief_cent BIGINT, bestand_id BIGINT, PRIMARY KEY (wet, productcode, jaar))""",
    """CREATE TABLE budget (
        gemeentecode VARCHAR NOT NULL, wet VARCHAR NOT NULL, jaar INTEGER NOT NULL,
        budget_cent BIGINT NOT NULL, bestand_id BIGINT, PRIMARY KEY (gemeentecode, wet, jaar))""",
    """CREATE TABLE contract (
        contract_id VARCHAR NOT NULL, agb_code VARCHAR NOT NULL, gemeentecode VARCHAR NOT NULL,
        wet VARCHAR NOT NULL, inkoopmodel VARCHAR, uitvoeringsvariant VARCHAR,
        begindatum DATE NOT NULL, einddatum DATE, plafond_cent BIGINT, bestand_id BIGINT,
        PRIMARY KEY (contract_id, gemeentecode))""",
]

# Materialised KPI results. Each ingest bumps the version of the tables it changed; a cached
# result remembers the versions of the tables it read, so only what an ingest touched is redone.
_V2 = [
    "CREATE TABLE tabel_versie (tabel VARCHAR PRIMARY KEY, versie BIGINT NOT NULL)",
    """CREATE TABLE kpi_berekening (
        sleutel VARCHAR NOT NULL, kpi VARCHAR NOT NULL, bronversie VARCHAR NOT NULL,
        berekend_op TIMESTAMP NOT NULL, PRIMARY KEY (sleutel, kpi))""",
    """CREATE TABLE kpi_resultaat (
        sleutel VARCHAR NOT NULL, kpi VARCHAR NOT NULL, periode VARCHAR NOT NULL,
        wet VARCHAR, gemeente VARCHAR, aanbieder VARCHAR, productcategorie VARCHAR,
        verwijzer VARCHAR, leeftijdsgroep VARCHAR, waarde DOUBLE, n BIGINT,
        voorlopig BOOLEAN NOT NULL)""",
]

# Users, sessions, API tokens and the access log (DOMAIN.md §8; privacy/accounts.py and
# privacy/access_log.py). Only hashes of passwords, session tokens and API tokens are stored.
# The access log is append-only by convention and tamper-evident by its hash chain: each row's
# ``hash`` is sha256 over the previous row's hash and the canonical JSON of its own fields.
_V3 = [
    """CREATE TABLE gebruiker (
        naam VARCHAR PRIMARY KEY, rol VARCHAR NOT NULL, tenant VARCHAR,
        wachtwoord_hash VARCHAR NOT NULL, mislukt INTEGER NOT NULL DEFAULT 0,
        geblokkeerd_tot TIMESTAMP, aangemaakt TIMESTAMP NOT NULL,
        CHECK (rol IN ('beheerder', 'regio', 'gemeente', 'aanbieder', 'accountant')),
        CHECK ((rol IN ('gemeente', 'aanbieder')) = (tenant IS NOT NULL)))""",
    """CREATE TABLE sessie (
        token_hash VARCHAR PRIMARY KEY, naam VARCHAR NOT NULL, csrf VARCHAR NOT NULL,
        verloopt TIMESTAMP NOT NULL)""",
    """CREATE TABLE api_token (
        token_hash VARCHAR PRIMARY KEY, naam VARCHAR NOT NULL, omschrijving VARCHAR,
        aangemaakt TIMESTAMP NOT NULL)""",
    """CREATE TABLE toegangslog (
        volgnummer BIGINT PRIMARY KEY, tijd TIMESTAMP NOT NULL, wie VARCHAR NOT NULL,
        namens VARCHAR, wat VARCHAR NOT NULL, resultaat VARCHAR NOT NULL,
        vorige_hash VARCHAR NOT NULL, hash VARCHAR NOT NULL)""",
]

# Contracts as data (DOMAIN.md §6; analyses/contracten.py): the lump sum of a taakgericht
# contract, its tariffs per productcode and year, and the KPI targets agreed beforehand with
# their direction (">=": at least, "<=": at most).
_V4 = [
    "ALTER TABLE contract ADD COLUMN lumpsum_cent BIGINT",
    """CREATE TABLE contract_tarief (
        contract_id VARCHAR NOT NULL, productcode VARCHAR NOT NULL, jaar INTEGER NOT NULL,
        tarief_cent BIGINT NOT NULL, bestand_id BIGINT,
        PRIMARY KEY (contract_id, productcode, jaar))""",
    """CREATE TABLE contract_doel (
        contract_id VARCHAR NOT NULL, kpi VARCHAR NOT NULL, richting VARCHAR NOT NULL,
        waarde DOUBLE NOT NULL, bestand_id BIGINT, PRIMARY KEY (contract_id, kpi))""",
]

# Saved forecast scenarios (analyses/prognose/scenario.py): the YAML text as the user wrote it.
_V5 = [
    """CREATE TABLE prognose_scenario (
        naam VARCHAR PRIMARY KEY, yaml VARCHAR NOT NULL, opgeslagen_op TIMESTAMP NOT NULL)""",
]

# Participatiewet, households and CBS benchmarks (DOMAIN.md §10; analyses/integraal/).
# ``uitkering``: one bijstand benefit per client, municipality and start date (a later file with
# the same key replaces it: an export with end dates added does not count the benefit twice).
# ``huishouden``: which household a client belongs to (from the municipality's BRP-based case
# system), because iJw/iWmo messages carry no household. Both keys are pseudonyms.
# ``cbs_cijfer``: figures imported from CBS StatLine downloads, one row per cell.
_V6 = [
    f"""CREATE TABLE uitkering (
        gemeente VARCHAR NOT NULL, client_id VARCHAR NOT NULL, huishouden_id VARCHAR NOT NULL,
        begindatum DATE NOT NULL, einddatum DATE, reden_beeindiging VARCHAR, wijk VARCHAR,
        maandbedrag_cent BIGINT, reintegratie VARCHAR, {PROVENANCE},
        PRIMARY KEY (gemeente, client_id, begindatum))""",
    f"""CREATE TABLE huishouden (
        client_id VARCHAR NOT NULL, huishouden_id VARCHAR NOT NULL, gemeente VARCHAR,
        wijk VARCHAR, ingangsdatum DATE, einddatum DATE, {PROVENANCE})""",
    f"""CREATE TABLE cbs_cijfer (
        tabel VARCHAR NOT NULL, regiocode VARCHAR NOT NULL, regiosoort VARCHAR NOT NULL,
        gemeente VARCHAR, periode VARCHAR NOT NULL, jaar INTEGER NOT NULL,
        maatstaf VARCHAR NOT NULL, categorie VARCHAR NOT NULL, waarde DOUBLE, {PROVENANCE})""",
]

# Performance agreements, signals and improvement actions (docs/afspraken.md; store/afspraken.py).
# ``afspraak``: one row per version; a change is a new version, the earlier ones stay (history).
# The scope columns say whose agreement it is: regio (none), gemeente, aanbieder (optionally for
# one gemeente) or contract (its aanbieder is copied in, so scoping needs no join).
# ``signaal``: one row per rule, KPI cell and period, keyed by a stable id so that an action stays
# attached when the signals are computed again; ``actief`` is false once the rule no longer fires.
# ``actie`` holds an action's current state, ``actie_wijziging`` every change (append-only).
# ``signaal_stand``: one row, the sources the stored signals were computed from.
# No client data in any of them: only codes of organisations and KPI values.
_V7 = [
    """CREATE TABLE afspraak (
        afspraak_id VARCHAR NOT NULL, versie INTEGER NOT NULL, jaar INTEGER NOT NULL,
        periode VARCHAR NOT NULL, per VARCHAR NOT NULL, niveau VARCHAR NOT NULL,
        wet VARCHAR, gemeente VARCHAR, aanbieder VARCHAR, contract_id VARCHAR,
        kpi VARCHAR NOT NULL, richting VARCHAR NOT NULL, doel DOUBLE NOT NULL,
        afgesproken_door VARCHAR[] NOT NULL, afgesproken_op DATE NOT NULL,
        toelichting VARCHAR, vervallen BOOLEAN NOT NULL DEFAULT false,
        auteur VARCHAR NOT NULL, vastgelegd_op TIMESTAMP NOT NULL,
        PRIMARY KEY (afspraak_id, versie),
        CHECK (niveau IN ('regio', 'gemeente', 'aanbieder', 'contract')),
        CHECK (richting IN ('>=', '<=')), CHECK (per IN ('year', 'quarter', 'month')))""",
    """CREATE TABLE signaal (
        signaal_id VARCHAR PRIMARY KEY, code VARCHAR NOT NULL, kpi VARCHAR NOT NULL,
        periode VARCHAR NOT NULL, jaar INTEGER NOT NULL, wet VARCHAR, gemeente VARCHAR,
        aanbieder VARCHAR, afspraak_id VARCHAR, waarden VARCHAR NOT NULL, zin VARCHAR NOT NULL,
        eerst_berekend_op TIMESTAMP NOT NULL, berekend_op TIMESTAMP NOT NULL,
        actief BOOLEAN NOT NULL)""",
    """CREATE TABLE actie (
        actie_id BIGINT PRIMARY KEY, onderwerp_soort VARCHAR NOT NULL,
        onderwerp VARCHAR NOT NULL, gemeente VARCHAR, aanbieder VARCHAR,
        titel VARCHAR NOT NULL, eigenaar VARCHAR NOT NULL, deadline DATE,
        status VARCHAR NOT NULL, notities VARCHAR, aangemaakt_door VARCHAR NOT NULL,
        aangemaakt_op TIMESTAMP NOT NULL, gewijzigd_op TIMESTAMP NOT NULL,
        CHECK (onderwerp_soort IN ('signaal', 'afspraak', 'kpi')),
        CHECK (status IN ('open', 'in_behandeling', 'afgerond', 'vervallen')))""",
    """CREATE TABLE actie_wijziging (
        actie_id BIGINT NOT NULL, volgnummer INTEGER NOT NULL, tijd TIMESTAMP NOT NULL,
        door VARCHAR NOT NULL, rol VARCHAR NOT NULL, status VARCHAR NOT NULL,
        eigenaar VARCHAR NOT NULL, deadline DATE, notitie VARCHAR,
        PRIMARY KEY (actie_id, volgnummer))""",
    # What the stored signals were computed from (table versions, agreements, norm).
    """CREATE TABLE signaal_stand (
        bronversie VARCHAR NOT NULL, berekend_op TIMESTAMP NOT NULL)""",
]

# Version -> statements. A migration runs once, in one transaction, in order.
MIGRATIONS: dict[int, list[str]] = {1: _V1, 2: _V2, 3: _V3, 4: _V4, 5: _V5, 6: _V6, 7: _V7}
CURRENT_VERSION = max(MIGRATIONS)

FACT_TABLES = (
    "verzoek",
    "wijzigingsverzoek",
    "verzoek_antwoord",
    "toewijzing",
    "levering",
    "declaratie",
    "prestatie",
    "declaratie_antwoord",
    "retourbericht",
    "uitkering",
    "huishouden",
)
REFERENCE_TABLES = (
    "gemeente", "populatie", "aanbieder", "product", "budget", "contract", "cbs_cijfer",
)  # fmt: skip


def version(con: duckdb.DuckDBPyConnection) -> int:
    """The store's schema version; 0 for an empty database."""
    exists = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_versie'"
    ).fetchone()[0]
    if not exists:
        return 0
    return con.execute("SELECT coalesce(max(versie), 0) FROM schema_versie").fetchone()[0]


def migrate(con: duckdb.DuckDBPyConnection) -> int:
    """Bring the store to CURRENT_VERSION; returns the number of migrations applied."""
    applied = 0
    start = version(con)
    for v in sorted(MIGRATIONS):
        if v <= start:
            continue
        con.execute("BEGIN TRANSACTION")
        try:
            if v == 1:
                con.execute(
                    "CREATE TABLE schema_versie (versie INTEGER PRIMARY KEY, "
                    "toegepast_op TIMESTAMP)"
                )
            for stmt in MIGRATIONS[v]:
                con.execute(stmt)
            con.execute("INSERT INTO schema_versie VALUES (?, current_timestamp)", [v])
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
        applied += 1
    return applied
