"""Scope: the one place where a user's view of the data is restricted (DOMAIN.md §8).

Every query a face runs for a user passes its Ibis tables through `Scope.rows` first:

| role | rows it sees |
|---|---|
| ``gemeente:<code>`` | only rows of its own gemeente |
| ``aanbieder:<AGB>`` | only rows of its own aanbieder |
| ``regio``, ``accountant``, ``beheerder`` | all rows (the store is the region's) |

A table that lacks the column a tenant is restricted on is refused (`ScopeError`), never shown
unrestricted: the rule fails closed.

Aggregates shown outside a user's own scope (a benchmark, the region beside the gemeente) must
go through `regiekamer.privacy.disclosure.suppress`; `Scope.sees_unsuppressed` tells, per KPI
row, whether it lies inside the user's own scope and may be shown without that.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import ibis.expr.types as ir

from regiekamer.errors import ScopeError
from regiekamer.privacy.accounts import Role, User

# Roles that see every row of the region's store.
REGION_WIDE = frozenset({"regio", "accountant", "beheerder"})


@dataclass(frozen=True)
class Scope:
    """What one role may see. Build it from a user with `Scope.of`."""

    role: Role

    @classmethod
    def of(cls, user: User) -> Scope:
        return cls(user.role)

    @property
    def column(self) -> str | None:
        """The dimension a tenant is restricted on (``gemeente`` or ``aanbieder``), or None."""
        return None if self.role.rol in REGION_WIDE else self.role.rol

    def rows(
        self, table: ir.Table, *, gemeente: str = "gemeente", aanbieder: str = "aanbieder"
    ) -> ir.Table:
        """``table`` restricted to this scope. The column names can be given for tables that
        name them otherwise (e.g. ``gemeente="gemeentecode"`` for the reference tables)."""
        if self.column is None:
            return table
        if self.role.tenant is None:  # parse_role never makes one; refuse rather than show all
            raise ScopeError(f"Rol '{self.role.rol}' zonder code heeft geen scope.")
        name = gemeente if self.column == "gemeente" else aanbieder
        if name not in table.columns:
            raise ScopeError(
                f"Deze gegevens hebben geen kolom '{name}' en kunnen dus niet worden beperkt tot "
                f"{self.role}; ze worden niet getoond."
            )
        return table.filter(table[name] == self.role.tenant)

    def sees_unsuppressed(self, dims_row: Mapping[str, object]) -> bool:
        """True when a KPI row lies inside the own scope (shown as is); False when it rests on
        others' clients too, and must pass disclosure control first.

        A row without the tenant's dimension (a region total) is outside a tenant's scope.
        """
        if self.column is None:
            return True
        return dims_row.get(self.column) == self.role.tenant
