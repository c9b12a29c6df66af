"""Write lists of records as JSON or XLSX (used by several commands)."""

from __future__ import annotations

import json
from pathlib import Path

import xlsxwriter


def to_json(rows: list[dict]) -> str:
    return json.dumps(rows, ensure_ascii=False, indent=2, default=str)


def to_xlsx(rows: list[dict], path: Path, sheet: str, columns: tuple[str, ...]) -> None:
    """One sheet with a bold header row, frozen, auto-filtered, with readable widths."""
    wb = xlsxwriter.Workbook(str(path))
    try:
        ws = wb.add_worksheet(sheet)
        bold = wb.add_format({"bold": True})
        for j, name in enumerate(columns):
            ws.write(0, j, name, bold)
            width = max([len(name)] + [len(str(r.get(name) or "")) for r in rows[:500]])
            ws.set_column(j, j, min(80, width + 2))
        for i, row in enumerate(rows, start=1):
            for j, name in enumerate(columns):
                ws.write(i, j, row.get(name))
        ws.freeze_panes(1, 0)
        ws.autofilter(0, 0, max(1, len(rows)), len(columns) - 1)
    finally:
        wb.close()
