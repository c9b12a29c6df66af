"""``regiekamer serve``: the dashboard and the REST API on one address."""

from __future__ import annotations

from pathlib import Path

import typer

from regiekamer.faces.common import StoreOpt, console, kamer


def serve(
    store: Path | None = StoreOpt,
    host: str | None = typer.Option(
        None, help="Adres om op te luisteren (standaard REGIEKAMER_HOST of 127.0.0.1)."
    ),
    port: int = typer.Option(8000, help="Poort."),
) -> None:
    """Start het dashboard en de REST-API (/api/v1, OpenAPI in docs/openapi.json).

    De server houdt de store open: een ingest wacht tot de server stopt; backup, check en
    selftest vraagt u aan de draaiende server (docs/beheer.md). Met REGIEKAMER_TLS_CERT en
    REGIEKAMER_TLS_KEY spreekt de server HTTPS; buiten loopback hoort dat (regiekamer selftest).
    """
    import uvicorn

    from regiekamer.faces.web.app import create_app

    settings = kamer(store).settings
    if host is not None:
        settings = settings.model_copy(update={"host": host})
    app = create_app(settings)
    tls = settings.tls_cert is not None and settings.tls_key is not None
    scheme = "https" if tls else "http"
    console.print(f"Regiekamer op {scheme}://{settings.host}:{port}/  (stoppen: Ctrl+C)")
    uvicorn.run(
        app,
        host=settings.host,
        port=port,
        log_level="warning",
        ssl_certfile=str(settings.tls_cert) if tls else None,
        ssl_keyfile=str(settings.tls_key) if tls else None,
    )


def openapi() -> None:
    """Print het OpenAPI-document van de REST-API (zoals docs/openapi.json)."""
    import json

    from regiekamer.faces.web.app import create_app

    print(json.dumps(create_app(openapi_only=True).openapi(), indent=1, ensure_ascii=False))


def demo_dashboard(store: Path, gemeente: str, *, serve_now: bool) -> None:
    """The demo's last step: a demo user per role (password shown once), then the server."""
    import secrets

    from rich.table import Table

    rk = kamer(store)
    biggest = max(rk.kpi(year=2025, by=["aanbieder"], kpis=["clienten"]).rows, key=lambda r: r["n"])
    roles = ("regio", f"gemeente:{gemeente}", f"aanbieder:{biggest['aanbieder']}", "accountant",
             "beheerder")  # fmt: skip
    table = Table("gebruiker", "rol", "wachtwoord", title="Demogebruikers (alleen voor de demo)")
    for role in roles:
        naam = "demo-" + role.split(":")[0]
        password = secrets.token_urlsafe(12)
        rk.add_user(naam, role, password, door="demo")
        table.add_row(naam, role, password)
    console.print(table)
    if serve_now:
        serve(store=store, host="127.0.0.1", port=8000)
    else:
        console.print(
            f"Dashboard starten: regiekamer serve --store {store}  (http://127.0.0.1:8000/)"
        )
