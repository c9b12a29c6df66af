"""The outcome of one rule of `regiekamer check` or `regiekamer selftest`: one line of output."""

from __future__ import annotations

from dataclasses import asdict, dataclass

OK = "in orde"
FAILED = "fout"
NOT_RUN = "niet uitgevoerd"  # the rule could not be checked here; that is no failure


@dataclass(frozen=True)
class Rule:
    regel: str
    status: str
    toelichting: str

    @classmethod
    def of(cls, regel: str, ok: bool, toelichting: str) -> Rule:
        return cls(regel, OK if ok else FAILED, toelichting)

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


def failed(rules: list[Rule]) -> bool:
    """True when any rule failed (a rule that could not run does not count)."""
    return any(r.status == FAILED for r in rules)
