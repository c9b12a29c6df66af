"""Improvement actions (verbeteracties): the checks on their fields and who may see or change
them.

An action hangs on a signal, an agreement or a KPI and is shared between the municipality and
the provider it concerns: both see it and both may change its status, owner, due date and notes
(the history keeps who did what). The region's roles see every action; the region changes them,
the accountant and the administrator only read.
"""

from __future__ import annotations

import datetime as dt

from regiekamer.analyses.afspraken import NotOwner
from regiekamer.errors import RegiekamerError
from regiekamer.privacy.accounts import Role
from regiekamer.privacy.scope import Scope

STATUSES = ("open", "in_behandeling", "afgerond", "vervallen")
STATUS_NL = {
    "open": "open",
    "in_behandeling": "in behandeling",
    "afgerond": "afgerond",
    "vervallen": "vervallen",
}
SUBJECTS = ("signaal", "afspraak", "kpi")
WRITERS = frozenset({"regio", "gemeente", "aanbieder"})


def visible(role: Role, action: dict) -> bool:
    """The region's roles see every action, a tenant those shared with it (the central scope
    rule: the action's gemeente or aanbieder is the tenant's own)."""
    return Scope(role).sees_unsuppressed(action)


def require_writer(role: Role) -> None:
    if role.rol not in WRITERS:
        raise NotOwner(f"De rol {role} leest verbeteracties, maar wijzigt ze niet.")


def require_visible(role: Role, action: dict) -> None:
    """A tenant never records an action it could not see afterwards."""
    if not visible(role, action):
        raise NotOwner(f"Deze actie valt buiten de scope van {role}.")


def _text(values: dict, key: str, *, required: bool, limit: int) -> str | None:
    value = str(values.get(key) or "").strip()
    if required and not value:
        raise RegiekamerError(f"Vul het veld '{key}' in.")
    if len(value) > limit:
        raise RegiekamerError(f"Het veld '{key}' is langer dan {limit} tekens.")
    return value or None


def _date(values: dict, key: str) -> dt.date | None:
    value = values.get(key)
    if value in (None, ""):
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as exc:
        raise RegiekamerError(f"'{value}' is geen datum (jjjj-mm-dd) in '{key}'.") from exc


def _status(values: dict, default: str) -> str:
    status = str(values.get("status") or default)
    if status not in STATUSES:
        raise RegiekamerError(f"Status '{status}' bestaat niet; kies uit {', '.join(STATUSES)}.")
    return status


def _code(values: dict, key: str, digits: int) -> str | None:
    value = str(values.get(key) or "").strip()
    if value and not (value.isdigit() and len(value) == digits):
        raise RegiekamerError(f"'{value}' is geen {key}code van {digits} cijfers.")
    return value or None


def check_new(values: dict) -> dict:
    """The fields of a new action, checked."""
    soort = str(values.get("onderwerp_soort") or "")
    if soort not in SUBJECTS:
        raise RegiekamerError(f"Een actie hoort bij een {', een '.join(SUBJECTS)}.")
    return {
        "onderwerp_soort": soort,
        "onderwerp": _text(values, "onderwerp", required=True, limit=80),
        "titel": _text(values, "titel", required=True, limit=200),
        "eigenaar": _text(values, "eigenaar", required=True, limit=120),
        "deadline": _date(values, "deadline"),
        "status": _status(values, "open"),
        "notities": _text(values, "notities", required=False, limit=2000),
        "gemeente": _code(values, "gemeente", 4),
        "aanbieder": _code(values, "aanbieder", 8),
    }


def check_update(current: dict, values: dict) -> tuple[dict, str | None]:
    """The changed fields (status, eigenaar, deadline) and the note of an update; refuses an
    update that changes nothing."""
    changes = {"status": _status(values, current["status"])}
    if values.get("eigenaar"):
        changes["eigenaar"] = _text(values, "eigenaar", required=True, limit=120)
    if "deadline" in values:
        changes["deadline"] = _date(values, "deadline") or current["deadline"]
    changes = {k: v for k, v in changes.items() if v != current[k]}
    notitie = _text(values, "notitie", required=False, limit=2000)
    if not changes and not notitie:
        raise RegiekamerError(
            "Er is niets gewijzigd: kies een andere status of schrijf een notitie."
        )
    return changes, notitie
