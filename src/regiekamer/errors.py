"""One root error and a few subclasses; every face turns these into one error shape.

Messages are Dutch because users read them; they never contain a BSN.
"""


class RegiekamerError(Exception):
    """Root of every error regiekamer raises on purpose."""


class ConfigError(RegiekamerError):
    """Settings or key material are missing or wrong."""


class StoreError(RegiekamerError):
    """The store cannot be opened, is of an unknown version, or refused a write."""


class IngestError(RegiekamerError):
    """An ingest could not run at all (as opposed to records it rejected)."""


class AccountError(RegiekamerError):
    """A user, role, password, session or token is refused (DOMAIN.md §8)."""


class LoginError(AccountError):
    """A login is refused: unknown name, wrong password, or the account is locked for now."""


class AccessLogError(RegiekamerError):
    """The access log cannot be written; the access it should record must fail with it."""


class ScopeError(RegiekamerError):
    """A table cannot be restricted to the user's scope, so it is not shown at all."""


class QueryLimitError(RegiekamerError):
    """A query of the server ran longer, or returned more rows, than the configured limit
    (store/query_limits.py). ``code`` names which limit, ``status`` is the HTTP status."""

    def __init__(self, code: str, status: int, melding: str) -> None:
        super().__init__(melding)
        self.code = code
        self.status = status
