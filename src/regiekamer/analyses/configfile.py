"""YAML configuration files (verevening.yaml, incentive.yaml) read and validated with coded
findings that point to the line, like the ingest findings point to a record.

The file is parsed twice over the same text: ``yaml.compose`` for the line of every key and
value, ``yaml.safe_load`` for the data. The data is then checked by a pydantic model (shape and
types), whose errors become findings RK-CONF-02..04 with a Dutch message; the caller adds its
own checks (unknown model, key, KPI, ...) with its own codes through :func:`Lines.finding`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from regiekamer.errors import ConfigError
from regiekamer.ingest.findings import FOUT, Finding, finding
from regiekamer.ingest.yaml_aliases import ALIAS_REASON, first_alias_line

Loc = tuple[str | int, ...]
M = TypeVar("M", bound=BaseModel)


class ConfigInvalid(ConfigError):
    """A configuration file has findings of severity ``fout``; it is not used."""

    def __init__(self, path: Path, findings: list[Finding]) -> None:
        self.findings = findings
        n = sum(f.ernst == FOUT for f in findings)
        super().__init__(f"{path.name} is niet bruikbaar: {n} fout(en); zie de bevindingen.")


class Lines:
    """Where each key and value of a YAML file is (1-based line numbers)."""

    def __init__(self, bestand: str, root: yaml.Node | None) -> None:
        self.bestand = bestand
        self.lines: dict[Loc, int] = {}
        if root is not None:
            self._walk(root, ())

    def _walk(self, node: yaml.Node, loc: Loc) -> None:
        self.lines.setdefault(loc, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                sub = (*loc, str(k.value))
                self.lines[sub] = k.start_mark.line + 1
                self._walk(v, sub)
        elif isinstance(node, yaml.SequenceNode):
            for i, v in enumerate(node.value):
                self._walk(v, (*loc, i))

    def line(self, loc: Iterable[str | int]) -> int:
        """The line of ``loc``, or of the nearest enclosing part that is in the file."""
        loc = tuple(loc)
        while loc and loc not in self.lines:
            loc = loc[:-1]
        return self.lines.get(loc, 1)

    def finding(self, code: str, loc: Iterable[str | int], **params: object) -> Finding:
        loc = tuple(loc)
        return finding(
            code,
            bestand=self.bestand,
            locatie=f"regel {self.line(loc)}",
            veld=dotted(loc),
            **params,
        )


def dotted(loc: Loc) -> str:
    """('varianten', 2, 'regel', 'alpha') -> 'varianten[2].regel.alpha'."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text or "(bestand)"


def read(path: Path) -> tuple[Any, Lines, list[Finding]]:
    """The data and line index of a YAML file; a file that cannot be read is one finding."""
    name = path.name
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return None, Lines(name, None), [_unreadable(name, 1, str(exc))]
    try:
        alias = first_alias_line(text)
        if alias is not None:
            return None, Lines(name, None), [_unreadable(name, alias, ALIAS_REASON)]
        root = yaml.compose(text)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        line = (exc.problem_mark.line + 1) if exc.problem_mark else 1
        return None, Lines(name, None), [_unreadable(name, line, exc.problem or str(exc))]
    except yaml.YAMLError as exc:
        return None, Lines(name, None), [_unreadable(name, 1, str(exc))]
    return data, Lines(name, root), []


def _unreadable(bestand: str, line: int, reden: str) -> Finding:
    return finding("RK-CONF-01", bestand=bestand, locatie=f"regel {line}", reden=reden)


def check(model: type[M], data: Any, lines: Lines) -> tuple[M | None, list[Finding]]:
    """``data`` as ``model``, or the findings that say why not."""
    try:
        return model.model_validate(data if data is not None else {}), []
    except ValidationError as exc:
        return None, [_from_pydantic(e, lines) for e in exc.errors()]


_EXPLAIN = {
    "int_parsing": "verwacht een geheel getal",
    "int_type": "verwacht een geheel getal",
    "int_from_float": "verwacht een geheel getal",
    "float_parsing": "verwacht een getal",
    "float_type": "verwacht een getal",
    "decimal_parsing": "verwacht een getal",
    "decimal_type": "verwacht een getal",
    "bool_parsing": "verwacht true of false",
    "bool_type": "verwacht true of false",
    "string_type": "verwacht tekst; zet codes tussen aanhalingstekens ('0375', '43'): "
    "zonder leest YAML ze als getal",
    "list_type": "verwacht een lijst",
    "dict_type": "verwacht een mapping (velden met een waarde)",
    "model_type": "verwacht een mapping (velden met een waarde)",
    "model_attributes_type": "verwacht een mapping (velden met een waarde)",
    "too_short": "mag niet leeg zijn",
}


def _from_pydantic(e: dict, lines: Lines) -> Finding:
    loc = tuple(e["loc"])
    kind, ctx = e["type"], e.get("ctx") or {}
    if kind == "missing":
        return lines.finding("RK-CONF-03", loc)
    if kind == "extra_forbidden":
        return lines.finding("RK-CONF-02", loc)
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        word = {
            "greater_than_equal": "moet ten minste {} zijn",
            "greater_than": "moet groter zijn dan {}",
            "less_than_equal": "mag ten hoogste {} zijn",
            "less_than": "moet kleiner zijn dan {}",
        }[kind]
        uitleg = word.format(next(iter(ctx.values()), ""))
    elif kind == "literal_error":
        uitleg = f"kies uit {ctx.get('expected', '')}"
    else:
        uitleg = _EXPLAIN.get(kind, "ongeldige waarde")
    waarde = e.get("input")
    shown = waarde if isinstance(waarde, str | int | float | bool) or waarde is None else "…"
    return lines.finding("RK-CONF-04", loc, waarde=shown, uitleg=uitleg)


def load(
    path: Path, model: type[M], semantics: Callable[[M, Lines], list[Finding]]
) -> tuple[M, list[Finding]]:
    """Read ``path``, check its shape with ``model`` and its meaning with ``semantics``; raises
    ``ConfigInvalid`` with every finding when any is an error, else returns the checked model
    and the warnings."""
    data, lines, findings = read(path)
    cfg = None
    if not findings:
        cfg, findings = check(model, data, lines)
    if cfg is not None:
        findings += semantics(cfg, lines)
    if cfg is None or any(f.ernst == FOUT for f in findings):
        raise ConfigInvalid(path, findings)
    return cfg, findings
