"""Exported spreadsheets keep people's texts as texts: a name typed as a formula is not run, a pasted
control character does not fail the export."""

from __future__ import annotations

import csv
import io

from openpyxl import load_workbook

from processes.documents.exports import Table, to_file

NAMES = ['=HYPERLINK("http://example.com","点此")', "+86 635 1234567", "@SUM(A1:A2)", "聊城\x01服务中心",
         "正常名称"]


def _table() -> Table:
    return Table("导出/测试:表", ["序号", "单位名称"], [[i, n] for i, n in enumerate(NAMES, start=1)])


def test_xlsx_keeps_formula_like_names_as_text() -> None:
    sheet = load_workbook(io.BytesIO(to_file(_table(), "xlsx").data)).active
    cells = [row[1] for row in sheet.iter_rows(min_row=2)]
    assert [c.data_type for c in cells] == ["s"] * len(NAMES)
    assert [c.value for c in cells] == [NAMES[0], NAMES[1], NAMES[2], "聊城服务中心", "正常名称"]
    assert sheet.title == "导出_测试_表"


def test_csv_prefixes_formula_like_names() -> None:
    text = to_file(_table(), "csv").data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))[1:]
    assert [r[1] for r in rows] == ["'" + NAMES[0], "'" + NAMES[1], "'" + NAMES[2], NAMES[3], "正常名称"]
