"""Golden cases kept in the documentation: a YAML block between ``<!-- golden:NAME -->`` and
``<!-- /golden -->`` in docs/verevening.md, so that the worked example a reader checks by hand and
the test are one and the same text."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

DOC = Path(__file__).resolve().parents[1] / "docs" / "verevening.md"


def golden(name: str) -> dict:
    text = DOC.read_text(encoding="utf-8")
    block = re.search(rf"<!-- golden:{name} -->\n```yaml\n(.*?)```\n<!-- /golden -->", text, re.S)
    assert block, f"no golden block {name} in {DOC}"
    return yaml.safe_load(block.group(1))
