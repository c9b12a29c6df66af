"""Typed settings: from the environment (REGIEKAMER_...) or explicit arguments."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Where the store lives and where its pseudonymisation key comes from."""

    model_config = SettingsConfigDict(env_prefix="REGIEKAMER_", extra="ignore")

    store: Path = Field(
        default=Path("regiekamer.duckdb"), description="Pad naar het DuckDB-bestand (de store)."
    )
    key: str | None = Field(
        default=None,
        description="Geheime sleutel voor de BSN-pseudonimisering (hex of tekst). "
        "Heeft voorrang op het sleutelbestand.",
    )
    key_file: Path | None = Field(
        default=None,
        description="Sleutelbestand; standaard naast de store: <store>.key (mode 0600).",
    )
    workers: int = Field(default=2, ge=1, description="Processen die bestanden parallel lezen.")
    ingest_memory_limit: str = Field(
        default="384MB",
        description="Geheugengrens van DuckDB tijdens inlezen; daarboven schrijft DuckDB naar "
        "schijf. Houdt een ingest van een bestand van 1 GB onder 1 GiB.",
    )

    kpi_memory_limit: str = Field(
        default="3GB",
        description="Geheugengrens van DuckDB bij het berekenen van KPI's; daarboven schrijft "
        "DuckDB tussenresultaten naar schijf. Houdt de landelijke catalogus onder 4 GiB.",
    )
    rechtmatigheid_memory_limit: str = Field(
        default="6GB",
        description="Geheugengrens van DuckDB bij de rechtmatigheidstoetsen; daarboven schrijft "
        "DuckDB naar schijf. Landelijk (40 M regels) schreef DuckDB met 3 GB 1,8 GB naar "
        "schijf; met 6 GB is de piek van het hele proces 5,5 GiB.",
    )
    min_cell: int = Field(
        default=10,
        ge=1,
        description="Onthullingsdrempel: een cel die op minder cliënten rust wordt onderdrukt "
        "in elke uitvoer buiten de eigen scope (--public, rapporten, benchmarks).",
    )
    wachttijd_norm_dagen: int = Field(
        default=98, ge=0, description="Wachttijdnorm in dagen (Treeknorm: 14 weken = 98 dagen)."
    )
    wachttijd_norm_per_categorie: dict[str, int] = Field(
        default_factory=dict,
        description='Afwijkende wachttijdnorm per productcategorie, bv. {"43": 70} (JSON).',
    )
    spark_master: str = Field(
        default="local[2]", description="Spark-master voor --engine spark (bv. spark://host:7077)."
    )
    spark_remote: str | None = Field(
        default=None, description="Spark Connect-URL (sc://host:15002); gaat voor spark_master."
    )
    # The regulations the dashboard's Verevening and Incentives pages settle (paginas).
    verevening_config: Path | None = Field(
        default=None,
        description="Vereveningsregeling (YAML, zie examples/verevening.yaml) voor de pagina "
        "Verevening; leeg: de pagina zegt dat er geen regeling is ingesteld.",
    )
    incentive_config: Path | None = Field(
        default=None,
        description="Incentiveregeling (YAML, zie examples/incentive.yaml) voor de pagina "
        "Incentives; leeg: de pagina zegt dat er geen regeling is ingesteld.",
    )

    # Operations (docs/beheer.md): the server's query limits, its address and TLS, retention.
    query_seconds: float = Field(
        default=60.0,
        gt=0,
        description="Een vraag van het dashboard of de API die langer loopt wordt afgebroken "
        "(RK-LIMIET-TIJD).",
    )
    query_max_rows: int = Field(
        default=250_000,
        ge=1,
        description="Een antwoord van het dashboard of de API met meer rijen wordt geweigerd "
        "(RK-LIMIET-RIJEN).",
    )
    host: str = Field(default="127.0.0.1", description="Adres waarop 'regiekamer serve' luistert.")
    tls_cert: Path | None = Field(
        default=None, description="TLS-certificaat (PEM) van de server; nodig buiten loopback."
    )
    tls_key: Path | None = Field(default=None, description="Privésleutel (PEM) bij tls_cert.")
    access_log_retention_years: int = Field(
        default=5,
        ge=0,
        description="Bewaartermijn van het toegangslog in jaren (NEN 7513: minstens 5).",
    )

    def resolved_key_file(self) -> Path:
        """The key file beside the store unless configured otherwise (never inside the store)."""
        return self.key_file or self.store.with_name(self.store.name + ".key")
