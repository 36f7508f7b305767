"""Repeating tables (form fields of type ``json``): column definitions, row validation, the Excel
template and the import of an Excel (.xlsx) or CSV file with row-level errors.

Convention (docs/DEVELOPING.md, "Forms"): a ``json`` field lists its columns in the field property
``columns`` — comma-separated items ``id[:type[:label]]``, a trailing ``*`` on the id marks a
required column, e.g. ``year*:long:年度, revenue_wan:double:营业收入（万元）, name*``. Types:
``string`` (default), ``long``, ``double``, ``date``, ``boolean``, or ``a|b|c`` for a choice (each
choice may be ``id=label``: the label or the id is accepted, the id is stored).
Labels default to the canonical names of docs/DOMAIN.md §8. Optional properties ``min_rows`` and
``max_rows`` bound the number of rows.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill

from processes.forms import FieldDef

# Chinese labels of the canonical column names (docs/DOMAIN.md §7–8)
LABELS = {
    "year": "年度", "revenue_wan": "营业收入（万元）", "service_revenue_wan": "服务收入（万元）",
    "assets_wan": "资产总额（万元）", "profit_wan": "利润（万元）", "taxes_wan": "税金（万元）",
    "smes_served": "服务中小企业数（家）", "name": "名称", "model": "型号", "sets": "数量（台/套）",
    "value_wan": "购置价值（万元）", "age": "年龄", "degree": "学历", "school": "毕业院校", "title": "职称",
    "duties": "工作职责", "enterprise": "企业名称", "credit_code": "统一社会信用代码", "service": "服务内容",
    "titled": "专精特新/瞪羚", "satisfaction": "满意度", "rating": "满意度评价", "person": "受访人",
    "post": "职务", "phone": "电话", "contact": "联系人", "share_pct": "出资比例（%）", "nature": "性质",
    "function": "服务功能", "activities": "活动次数", "trainees": "培训人次", "financing_yi": "融资额（亿元）",
}
MAX_IMPORT_ROWS = 5000

# Columns of the canonical tables (docs/DOMAIN.md §7–8), used when a json field has no ``columns``.
DEFAULT_COLUMNS = {
    "yearly": "year*:long, revenue_wan:double, service_revenue_wan:double, assets_wan:double, profit_wan:double, "
              "taxes_wan:double, smes_served*:long",
    "functions": "function*:information=信息服务|technology=技术服务|startup=创业服务|training=培训服务|"
                 "financing=融资服务|consulting=咨询服务|legal=法律服务:服务功能, activities:long, "
                 "offline_smes_served:long:线下服务企业数（家）, trainees:long, financing_yi:double, "
                 "is_guarantee_institution:boolean:是否担保机构, new_guarantee_yi:double:新增担保额（亿元）",
    "investors": "name*:string:出资人, nature, share:double:出资比例（%）",
    "equipment_list": "name*:string:仪器设备/软件名称, model, sets:long, value_wan:double",
    "staff_list": "name*:string:姓名, age:long, degree, school, title, duty:string:职务",
    "served_list": "enterprise*, person, post, phone, service, titled:boolean, "
                   "satisfaction:very_satisfied=很满意|satisfied=基本满意|unsatisfied=不满意:满意度",
    "services": "content*:string:服务内容, scale:string:服务规模, share:double:占服务收入比例（%）",
}


@dataclass
class Column:
    id: str
    type: str = "string"
    label: str = ""
    required: bool = False
    choices: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "type": self.type, "label": self.label, "required": self.required,
                "choices": self.choices}


def columns_of(fd: FieldDef | dict[str, Any]) -> list[Column]:
    props = fd.properties if isinstance(fd, FieldDef) else (fd.get("properties") or {})
    fid = fd.id if isinstance(fd, FieldDef) else str(fd.get("id", ""))
    spec = str(props.get("columns") or DEFAULT_COLUMNS.get(fid, "")).strip()
    cols: list[Column] = []
    for item in spec.split(","):
        item = item.strip()
        if not item:
            continue
        parts = [p.strip() for p in item.split(":", 2)]
        cid = parts[0]
        required = cid.endswith("*")
        cid = cid.rstrip("*")
        ctype = parts[1] if len(parts) > 1 and parts[1] else "string"
        choices: list[str] = []
        if "|" in ctype:
            choices, ctype = [c.strip() for c in ctype.split("|") if c.strip()], "choice"
        label = parts[2] if len(parts) > 2 and parts[2] else LABELS.get(cid, cid)
        cols.append(Column(cid, ctype, label, required, choices))
    return cols


def _cell(col: Column, raw: Any) -> Any:
    """Convert one cell; ValueError with a Chinese reason when it does not fit."""
    if isinstance(raw, str):
        raw = raw.strip()
    if col.type == "long":
        if isinstance(raw, float) and raw.is_integer():
            return int(raw)
        if isinstance(raw, bool):
            raise ValueError("应为整数")
        try:
            return int(str(raw).replace(",", ""))
        except ValueError:
            raise ValueError("应为整数") from None
    if col.type == "double":
        if isinstance(raw, bool):
            raise ValueError("应为数字")
        try:
            return float(str(raw).replace(",", "").rstrip("%"))
        except ValueError:
            raise ValueError("应为数字") from None
    if col.type == "date":
        if isinstance(raw, datetime):
            return raw.date().isoformat()
        if isinstance(raw, date):
            return raw.isoformat()
        try:
            return date.fromisoformat(str(raw)[:10]).isoformat()
        except ValueError:
            raise ValueError("应为日期 YYYY-MM-DD") from None
    if col.type == "boolean":
        s = str(raw).lower()
        if s in ("true", "1", "yes", "是", "y"):
            return True
        if s in ("false", "0", "no", "否", "n"):
            return False
        raise ValueError("应为 是/否")
    if col.type == "choice":
        # a choice may be "id=label": either is accepted, the id is stored
        for choice in col.choices:
            cid, _, label = choice.partition("=")
            if str(raw) in (cid, label):
                return cid
        raise ValueError("只能填写 " + "、".join(c.partition("=")[2] or c for c in col.choices))
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    return str(raw)


def _blank(v: Any) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


def validate_rows(fd: FieldDef | dict[str, Any], rows: Any, first_row: int = 1
                  ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Clean rows and errors ``{field, row, column, message}`` (row numbers start at ``first_row``).
    Entirely empty rows are dropped."""
    fid = fd.id if isinstance(fd, FieldDef) else fd["id"]
    label = fd.label if isinstance(fd, FieldDef) else fd.get("label", fid)
    props = fd.properties if isinstance(fd, FieldDef) else (fd.get("properties") or {})
    cols = columns_of(fd)
    if not isinstance(rows, list):
        return [], [{"field": fid, "row": None, "column": None, "message": f"{label}：应为表格（行的列表）"}]
    clean: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    for i, row in enumerate(rows):
        n = i + first_row
        if not isinstance(row, dict):
            errors.append({"field": fid, "row": n, "column": None, "message": f"第 {n} 行：格式不正确"})
            continue
        if all(_blank(row.get(c.id)) for c in cols) if cols else not row:
            continue
        # keys the table does not show (e.g. sent through the API) are kept as they are
        out: dict[str, Any] = {k: v for k, v in row.items() if k not in {c.id for c in cols}}
        for c in cols:
            raw = row.get(c.id)
            if _blank(raw):
                if c.required:
                    errors.append({"field": fid, "row": n, "column": c.id, "message": f"第 {n} 行「{c.label}」：必填"})
                out[c.id] = None
                continue
            try:
                out[c.id] = _cell(c, raw)
            except ValueError as exc:
                errors.append({"field": fid, "row": n, "column": c.id,
                               "message": f"第 {n} 行「{c.label}」：{exc}，收到 “{str(raw)[:30]}”"})
        if not cols:
            out = dict(row)
        clean.append(out)
    for key, cmp, word in (("min_rows", lambda a, b: a < b, "至少"), ("max_rows", lambda a, b: a > b, "最多")):
        if props.get(key) and str(props[key]).isdigit() and cmp(len(clean), int(props[key])):
            errors.append({"field": fid, "row": None, "column": None,
                           "message": f"{label}：{word} {props[key]} 行，现有 {len(clean)} 行"})
    return clean, errors


def template_xlsx(fd: FieldDef | dict[str, Any]) -> bytes:
    """An Excel file with one header row (labels) and a hidden row of column ids."""

    cols = columns_of(fd)
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    label = fd.label if isinstance(fd, FieldDef) else fd.get("label", "")
    ws.title = (str(label) or "data")[:30]
    ws.append([c.label + ("*" if c.required else "") for c in cols])
    ws.append([c.id for c in cols])
    ws.row_dimensions[2].hidden = True
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="FDE2E2")
    for i, c in enumerate(cols, start=1):
        ws.column_dimensions[ws.cell(1, i).column_letter].width = max(12, len(c.label) * 2 + 2)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def template_csv(fd: FieldDef | dict[str, Any]) -> bytes:
    buf = io.StringIO()
    csv.writer(buf).writerow([c.label for c in columns_of(fd)])
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
            raise ValueError("CSV 文件编码无法识别（请使用 UTF-8 或 GBK）")
        return [list(r) for r in csv.reader(io.StringIO(text))]
    if name.endswith(".xlsx"):

        try:
            wb = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except Exception:  # noqa: BLE001 - any unreadable file is the user's to fix
            raise ValueError("无法读取该 Excel 文件（请使用下载的 .xlsx 模板）") from None
        ws = wb.worksheets[0]
        return [list(r) for r in ws.iter_rows(values_only=True)]
    raise ValueError("只支持 .xlsx 或 .csv 文件")


def import_rows(fd: FieldDef | dict[str, Any], filename: str, content: bytes
                ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Parse an uploaded table. Columns are matched by header label or column id; row numbers in
    errors are the spreadsheet's own (the header is row 1)."""
    fid = fd.id if isinstance(fd, FieldDef) else fd["id"]
    cols = columns_of(fd)
    try:
        matrix = _read_matrix(filename, content)
    except ValueError as exc:
        return [], [{"field": fid, "row": None, "column": None, "message": str(exc)}]
    if not matrix:
        return [], [{"field": fid, "row": None, "column": None, "message": "文件是空的"}]
    by_name: dict[str, str] = {}
    for c in cols:
        by_name[c.id] = c.id
        by_name[c.label] = c.id
        by_name[c.label + "*"] = c.id
    header = [str(h).strip() if h is not None else "" for h in matrix[0]]
    mapping = {i: by_name[h] for i, h in enumerate(header) if h in by_name}
    missing = [c.label for c in cols if c.id not in mapping.values()]
    if missing:
        return [], [{"field": fid, "row": 1, "column": None,
                     "message": "第 1 行（表头）缺少列：" + "、".join(missing) + "。请使用下载的模板"}]
    body = matrix[1:]
    first = 2
    # the template's hidden second row repeats the column ids: skip it
    if body and all(str(body[0][i] or "").strip() == cid for i, cid in mapping.items()):
        body, first = body[1:], 3
    if len(body) > MAX_IMPORT_ROWS:
        return [], [{"field": fid, "row": None, "column": None, "message": f"最多导入 {MAX_IMPORT_ROWS} 行"}]
    rows = [{cid: (r[i] if i < len(r) else None) for i, cid in mapping.items()} for r in body]
    # keep spreadsheet row numbers in messages even when blank rows are dropped
    clean: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    for offset, row in enumerate(rows):
        ok, bad = validate_rows({"id": fid, "label": "", "properties": {"columns": _spec(cols)}}, [row],
                                first + offset)
        clean.extend(ok)
        errors.extend(bad)
    _, count_errors = validate_rows(fd, clean) if not errors else ([], [])
    return clean, errors + [e for e in count_errors if e["row"] is None]


def _spec(cols: list[Column]) -> str:
    out = []
    for c in cols:
        t = "|".join(c.choices) if c.type == "choice" else c.type
        out.append(f"{c.id}{'*' if c.required else ''}:{t}:{c.label}")
    return ",".join(out)
