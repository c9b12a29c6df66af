"""Documentation generated from code stays current."""

from pathlib import Path

from regiekamer.faces.kpi_docs import describe as describe_kpis
from regiekamer.ingest.layouts import describe

ROOT = Path(__file__).resolve().parents[1]


def test_table_layout_docs_are_current() -> None:
    assert (ROOT / "docs" / "tabellen.md").read_text(encoding="utf-8") == describe(), (
        "docs/tabellen.md is verouderd: regiekamer layouts --markdown > docs/tabellen.md"
    )


def test_kpi_docs_are_current() -> None:
    assert (ROOT / "docs" / "kpi.md").read_text(encoding="utf-8") == describe_kpis(), (
        "docs/kpi.md is verouderd: regiekamer kpi --list --markdown > docs/kpi.md"
    )
