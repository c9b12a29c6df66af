"""YAML anchors and aliases are refused in the files we read, and never in those we write.

An alias repeats a node without copying it, so a few lines of nested aliases stand for millions
of values ("billion laughs"); walking or validating them took minutes (found by the fuzzer).
Configuration and contract files never need them. PyYAML's own dump writes an alias for an
object it meets twice (two agreements sharing one list), so what regiekamer writes goes
through `dump`, which writes every value out.
"""

from __future__ import annotations

import yaml

# libyaml's parser when it is there: this is one more pass over the text, it should be cheap.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
ALIAS_REASON = "ankers en aliassen (&naam, *naam) worden niet ondersteund; schrijf de waarden uit"


def first_alias_line(text: str) -> int | None:
    """The 1-based line of the first alias (``*naam``) in ``text``, or None when there is none.

    Raises ``yaml.YAMLError`` for text that is no YAML, like ``yaml.safe_load`` would.
    """
    for event in yaml.parse(text, Loader=_LOADER):
        if isinstance(event, yaml.AliasEvent):
            return event.start_mark.line + 1
    return None


class _WithoutAliases(yaml.SafeDumper):
    def ignore_aliases(self, data: object) -> bool:
        return True


def dump(data: object) -> str:
    """``data`` as YAML without anchors or aliases (readable by our own loaders)."""
    return yaml.dump(data, Dumper=_WithoutAliases, allow_unicode=True, sort_keys=False)
