"""Repeating tables (form fields of type ``json`` with ``columns``, processes/forms/model.py): the
Excel/CSV template and the import of an Excel (.xlsx) or CSV file with row-level errors; the rows
are checked by the same rules as a form submission (processes/forms/checks.py)."""

from __future__ import annotations

import csv
import io
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill

from processes.forms.checks import check_rows
from processes.forms.model import FieldDef, column_spec
from processes.messages import field_error, t

MAX_IMPORT_ROWS = 5000


def template_xlsx(fd: FieldDef) -> bytes:
    """An Excel file whose header row holds the column labels (a ``*`` marks a required column)."""
    cols = fd.columns
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = (fd.label or "表格")[:30]
    ws.append([c.label + ("*" if c.required else "") for c in cols])
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="FDE2E2")
    for i, c in enumerate(cols, start=1):
        ws.column_dimensions[ws.cell(1, i).column_letter].width = max(12, len(c.label) * 2 + 2)
    notes = wb.create_sheet("填写说明")
    notes.append(["列", "必填", "类型或可选值"])
    for c in cols:
        kind = {"long": "整数", "double": "数字", "date": "日期（YYYY-MM-DD）", "boolean": "是/否"}.get(c.type, "文字")
        if c.type == "choice":
            kind = "、".join(o["label"] for o in c.options())
        notes.append([c.label, "是" if c.required else "", kind])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def template_csv(fd: FieldDef) -> bytes:
    buf = io.StringIO()
    csv.writer(buf).writerow([c.label for c in fd.columns])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")  # BOM: Excel opens it as UTF-8


def _read_matrix(filename: str, content: bytes) -> list[list[Any]]:
    name = filename.lower()
    if name.endswith(".csv"):
        for enc in ("utf-8-sig", "gb18030"):
            try:
                text = content.decode(enc)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise ValueError(t("CSV 文件编码无法识别（请使用 UTF-8 或 GBK）"))
        return [list(r) for r in csv.reader(io.StringIO(text))]
    if name.endswith(".xlsx"):
        try:
            wb = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except Exception:  # noqa: BLE001 - any unreadable file is the user's to fix
            raise ValueError(t("无法读取该 Excel 文件（请使用下载的 .xlsx 模板）")) from None
        ws = wb.worksheets[0]
        return [list(r) for r in ws.iter_rows(values_only=True)]
    raise ValueError(t("只支持 .xlsx 或 .csv 文件"))


def import_rows(fd: FieldDef, filename: str, content: bytes) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Parse an uploaded table. Columns are matched by header label or column id; row numbers in
    errors are the spreadsheet's own (the header is row 1)."""
    cols = fd.columns
    try:
        matrix = _read_matrix(filename, content)
    except ValueError as exc:
        return [], [field_error(fd.id, "file_unreadable", "{why}", why=str(exc))]
    if not matrix:
        return [], [field_error(fd.id, "file_empty", "文件是空的")]
    by_name: dict[str, str] = {}
    for c in cols:
        by_name[c.id] = c.id
        by_name[c.label] = c.id
        by_name[c.label + "*"] = c.id
    header = [str(h).strip() if h is not None else "" for h in matrix[0]]
    mapping = {i: by_name[h] for i, h in enumerate(header) if h in by_name}
    missing = [c.label for c in cols if c.id not in mapping.values()]
    if missing:
        return [], [{**field_error(fd.id, "header_missing", "第 1 行（表头）缺少列：{cols}。请使用下载的模板",
                                   cols="、".join(missing)), "row": 1, "column": None}]
    body = matrix[1:]
    first = 2
    # templates of earlier versions repeated the column ids in a hidden second row: skip it
    if body and all(str(body[0][i] or "").strip() == cid for i, cid in mapping.items()):
        body, first = body[1:], 3
    if len(body) > MAX_IMPORT_ROWS:
        return [], [field_error(fd.id, "too_many_rows", "最多导入 {n} 行", n=MAX_IMPORT_ROWS)]
    rows = [{cid: (r[i] if i < len(r) else None) for i, cid in mapping.items()} for r in body]
    # spreadsheet row numbers in messages, even when blank rows are dropped
    single = FieldDef(id=fd.id, label=fd.label, type="json", properties={"columns": column_spec(cols)})
    clean: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    for offset, row in enumerate(rows):
        ok, bad = check_rows(single, [row], first + offset, counts=False, first_index=offset)
        clean.extend(ok)
        errors.extend(bad)
    if not errors:
        _, count_errors = check_rows(fd, clean)
        errors = [e for e in count_errors if e.get("row") is None]
    return clean, errors
