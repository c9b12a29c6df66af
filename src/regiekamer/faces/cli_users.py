"""`regiekamer users add|list|token` and `regiekamer log verify`: accounts and the access log."""

from __future__ import annotations

import sys
from pathlib import Path

import typer
from rich.table import Table

from regiekamer.faces.common import StoreOpt, console, err, kamer

users_app = typer.Typer(help="Gebruikers en hun API-tokens beheren.", no_args_is_help=True)
log_app = typer.Typer(help="Het toegangslog (hashketen).", no_args_is_help=True)


@users_app.command("add")
def add(
    name: str = typer.Option(..., "--name", help="Gebruikersnaam, bv. j.jansen."),
    role: str = typer.Option(
        ...,
        "--role",
        help="beheerder, regio, accountant, gemeente:<gemeentecode> of aanbieder:<AGB-code>.",
    ),
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="Lees het wachtwoord van de standaardinvoer (één regel)."
    ),
    store: Path | None = StoreOpt,
) -> None:
    """Voeg een gebruiker toe (wachtwoord van minstens 12 tekens; alleen de hash wordt bewaard)."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("Wachtwoord", hide_input=True, confirmation_prompt=True)
    user = kamer(store).add_user(name, role, password)
    console.print(f"Gebruiker {user.naam} toegevoegd met rol {user.role}.")


@users_app.command("list")
def list_(store: Path | None = StoreOpt) -> None:
    """Toon alle gebruikers met hun rol (nooit een wachtwoord of hash)."""
    users = kamer(store).list_users()
    if not users:
        console.print("Nog geen gebruikers; voeg er een toe met 'regiekamer users add'.")
        return
    table = Table("naam", "rol", "aangemaakt (UTC)", "geblokkeerd tot (UTC)", title="Gebruikers")
    for u in users:
        blocked = u["geblokkeerd_tot"]
        table.add_row(
            str(u["naam"]),
            str(u["rol"]),
            f"{u['aangemaakt']:%Y-%m-%d %H:%M}",
            f"{blocked:%Y-%m-%d %H:%M}" if blocked else "",
        )
    console.print(table)


@users_app.command("token")
def token(
    name: str = typer.Option(..., "--name", help="De gebruiker voor wie het token is."),
    omschrijving: str | None = typer.Option(
        None, "--omschrijving", help="Waarvoor het token dient, bv. 'koppeling BI'."
    ),
    store: Path | None = StoreOpt,
) -> None:
    """Maak een API-token en toon het één keer (bewaard wordt alleen de hash)."""
    new = kamer(store).new_token(name, omschrijving)
    print(new)
    err.print("Bewaar dit token nu: het wordt niet nog eens getoond.")


@log_app.command("verify")
def verify(store: Path | None = StoreOpt) -> None:
    """Controleer de hashketen van het toegangslog; exitcode 1 als hij gebroken is."""
    check = kamer(store).verify_log()
    if check.gebroken is None:
        console.print(f"Keten in orde: {check.regels} regels")
        return
    console.print(
        f"[red]Keten gebroken bij regel {check.gebroken}[/red] (van {check.regels}): deze regel "
        "of een eerdere is gewijzigd, verwijderd of verplaatst."
    )
    raise typer.Exit(1)
