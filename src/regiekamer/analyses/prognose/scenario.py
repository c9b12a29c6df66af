"""Scenarios: the knobs a municipality can turn (DOMAIN.md §9), as data and as YAML.

Every knob at zero is the baseline, exactly: the simulation draws the same random numbers
whatever the knobs are, and a knob at zero changes nothing it touches.

```yaml
naam: preventie
omschrijving: POH-jeugd bij de huisarts, kortere trajecten
vanaf: 2026-01            # eerste maand waarin de knoppen werken (standaard: eerste prognosemaand)
wet: [jeugd]              # alleen voor deze wet(ten) (standaard: beide)
instroom_pct: {huisarts: -20}   # per verwijzer (naam of COD327-code), of 'alle'
duur_pct: -10             # trajecten 10 % korter
duur_max_maanden: 24      # geen traject langer dan 24 maanden
verblijf_naar_ambulant_pct: 15  # 15 % van de instroom in verblijf (43, 44) gaat naar ambulant (45)
tarief_pct_per_jaar: 2    # tarieven 2 % per jaar boven de trend (op 'vanaf', dan per 1 januari)
bevolking_pct_per_jaar: 0.5     # bevolking 0,5 % per jaar sneller dan de projectie
```
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

import yaml

from regiekamer.errors import RegiekamerError
from regiekamer.ingest import yaml_aliases
from regiekamer.ingest.yaml_aliases import ALIAS_REASON, first_alias_line

# COD327 referrer types by the names people use.
VERWIJZERS = {
    "gemeente": "01",
    "huisarts": "02",
    "jeugdarts": "03",
    "gecertificeerde_instelling": "04",
    "gi": "04",
    "medisch_specialist": "05",
    "geen": "06",
    "rechter": "08",
}
ALL = "alle"
RESIDENTIAL = {"jeugd": ("43", "44")}
AMBULANT = {"jeugd": "45"}
KNOBS = (
    "instroom_pct",
    "duur_pct",
    "duur_max_maanden",
    "verblijf_naar_ambulant_pct",
    "tarief_pct_per_jaar",
    "bevolking_pct_per_jaar",
)


class ScenarioError(RegiekamerError):
    """A scenario file or knob that cannot be used; ``code`` is its catalogue code."""

    def __init__(self, message: str, code: str = "RK-SCEN-02") -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Scenario:
    naam: str = "basis"
    omschrijving: str = ""
    vanaf: str | None = None  # YYYY-MM
    wet: tuple[str, ...] = ()
    instroom_pct: dict[str, float] = field(default_factory=dict)  # verwijzer code or 'alle'
    duur_pct: float = 0.0
    duur_max_maanden: int | None = None
    verblijf_naar_ambulant_pct: float = 0.0
    tarief_pct_per_jaar: float = 0.0
    bevolking_pct_per_jaar: float = 0.0

    @property
    def is_baseline(self) -> bool:
        return not any(
            (
                any(self.instroom_pct.values()),
                self.duur_pct,
                self.duur_max_maanden,
                self.verblijf_naar_ambulant_pct,
                self.tarief_pct_per_jaar,
                self.bevolking_pct_per_jaar,
            )
        )

    def applies(self, wet: str) -> bool:
        return not self.wet or wet in self.wet

    def vanaf_key(self, origin: int) -> int:
        """The month key from which the knobs act (default: the first forecast month)."""
        if not self.vanaf:
            return origin + 1
        y, m = (int(x) for x in self.vanaf.split("-")[:2])
        return y * 12 + m - 1

    def to_yaml(self) -> str:
        data = {k: v for k, v in asdict(self).items() if v not in (None, "", (), {}, 0, 0.0)}
        data["naam"] = self.naam
        if "wet" in data:
            data["wet"] = list(data["wet"])
        return yaml_aliases.dump(data)


def _number(data: dict, key: str, lo: float, hi: float) -> float:
    v = data.get(key, 0) or 0
    if isinstance(v, bool) or not isinstance(v, int | float):
        raise ScenarioError(f"Knop {key}: verwacht een getal, niet {v!r}.")
    if not lo <= v <= hi:
        raise ScenarioError(f"Knop {key}: {v} ligt buiten {lo:g} tot {hi:g}.")
    return float(v)


def parse(text: str, default_name: str = "scenario") -> Scenario:
    """A scenario from its YAML text; every mistake is refused with a Dutch message."""
    try:
        alias = first_alias_line(text)
        data = yaml.safe_load(text) or {} if alias is None else None
    except yaml.YAMLError as exc:
        raise ScenarioError(f"Het scenario is geen geldige YAML: {exc}", "RK-SCEN-01") from exc
    if alias is not None:
        raise ScenarioError(f"Regel {alias}: {ALIAS_REASON}.", "RK-SCEN-01")
    if not isinstance(data, dict):
        raise ScenarioError(
            "Een scenario is een lijst van knoppen (sleutel: waarde).", "RK-SCEN-01"
        )
    known = {"naam", "omschrijving", "vanaf", "wet", *KNOBS}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ScenarioError(
            f"Onbekende knop(pen): {', '.join(unknown)}. Bekend: {', '.join(sorted(known))}."
        )
    naam = str(data.get("naam") or default_name)
    if not re.fullmatch(r"[\w.-]{1,60}", naam):
        raise ScenarioError(f"Scenarionaam {naam!r}: gebruik letters, cijfers, - _ of . (max 60).")
    vanaf = data.get("vanaf")
    if vanaf is not None:
        vanaf = str(vanaf)
        if not re.fullmatch(r"\d{4}-\d{2}(-\d{2})?", vanaf) or not 1 <= int(vanaf[5:7]) <= 12:
            raise ScenarioError(f"vanaf: verwacht een maand als 2026-01, niet {vanaf!r}.")
        vanaf = vanaf[:7]
    wet = data.get("wet") or ()
    # Not a list: one value (a number or true was not iterable; found by the fuzzer).
    wet = tuple(wet) if isinstance(wet, list | tuple) else (wet,)
    if any(w not in ("jeugd", "wmo") for w in wet):
        raise ScenarioError(f"wet: kies jeugd en/of wmo, niet {list(wet)}.")
    raw = data.get("instroom_pct") or {}
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        raw = {ALL: raw}
    if not isinstance(raw, dict):
        raise ScenarioError("instroom_pct: geef per verwijzer een procent, bv. {huisarts: -20}.")
    instroom: dict[str, float] = {}
    for k, v in raw.items():
        key = str(k).lower()
        code = key if key == ALL or re.fullmatch(r"\d{2}", key) else VERWIJZERS.get(key)
        if code is None:
            raise ScenarioError(
                f"instroom_pct: onbekende verwijzer {k!r}; kies uit {', '.join(VERWIJZERS)}, "
                "een COD327-code of 'alle'."
            )
        instroom[code] = _number({"instroom_pct": v}, "instroom_pct", -100, 200)
    cap = data.get("duur_max_maanden")
    if cap is not None and (isinstance(cap, bool) or not isinstance(cap, int) or cap < 1):
        raise ScenarioError(
            f"duur_max_maanden: verwacht een heel aantal maanden ≥ 1, niet {cap!r}."
        )
    return Scenario(
        naam=naam,
        omschrijving=str(data.get("omschrijving") or ""),
        vanaf=vanaf,
        wet=wet,
        instroom_pct=instroom,
        duur_pct=_number(data, "duur_pct", -90, 200),
        duur_max_maanden=cap,
        verblijf_naar_ambulant_pct=_number(data, "verblijf_naar_ambulant_pct", 0, 100),
        tarief_pct_per_jaar=_number(data, "tarief_pct_per_jaar", -50, 50),
        bevolking_pct_per_jaar=_number(data, "bevolking_pct_per_jaar", -20, 20),
    )
