"""Checks of a form submission, before anything is saved: everything decidable from the submitted
data — types and formats, required fields, enum values, table cells and row counts, pick-lists of
users, the materials a task requires, reasons for decisions.

Pure: the data in, ``(clean values, errors)`` out; what the checks need from the database (the
active users of a role, the uploaded materials) comes in a :class:`FormContext`. Every error is
``{"field", "code", "message"}`` (table cells also carry ``row`` and ``column``); the ``field`` of
a cell is its path, ``survey_samples[3].phone``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from handlers.credit_code import validate_credit_code
from processes.forms.model import Column, FieldDef
from processes.messages import field_error, t

MAX_SAFE_INTEGER = 2**53 - 1  # what every JSON client reads exactly
MAX_TEXT = 100_000  # characters of one text value when the diagram sets no maxlength
PHONE = re.compile(r"^(?:\+?86[- ]?)?(?:1[3-9]\d{9}|0\d{2,3}[- ]?\d{7,8}(?:[- ]\d{1,6})?|[48]00[- ]?\d{3}[- ]?\d{4})$")
POSTCODE = re.compile(r"^\d{6}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
TRUE = ("true", "1", "on", "yes", "是", "y")
FALSE = ("false", "0", "off", "no", "否", "n")


@dataclass
class Materials:
    """The uploads a task needs (Art. 12 materials): names, the keys required before completion,
    what is uploaded, and what an upload may be."""

    names: dict[str, str]
    required: list[str]
    uploaded: dict[str, dict[str, Any]] = field(default_factory=dict)
    accepted: list[str] = field(default_factory=list)
    max_bytes: int = 0


@dataclass
class FormContext:
    users: Callable[[str], dict[str, str]] = lambda role: {}  # active users of a role: username → name
    materials: Materials | None = None


class _Bad(ValueError):
    def __init__(self, code: str, template: str, **params: Any) -> None:
        super().__init__(code)
        self.code, self.template, self.params = code, template, params


def _blank(v: Any) -> bool:
    return v is None or (isinstance(v, str) and v.strip() == "") or (isinstance(v, (list, dict)) and not v)


def _text(raw: Any) -> str:
    if not isinstance(raw, str):
        raise _Bad("not_text", "应为文字")
    if "\x00" in raw:
        raise _Bad("nul_byte", "含有不允许的空字符（\\0）")
    return raw.strip()


def _number(raw: Any, integer: bool) -> int | float:
    if isinstance(raw, bool):
        raise _Bad("not_integer" if integer else "not_number", "应为整数" if integer else "应为数字")
    if isinstance(raw, (int, float)):
        value: int | float = raw
    elif isinstance(raw, str):
        s = raw.strip().replace(",", "").replace("，", "")
        try:
            value = int(s) if integer and re.fullmatch(r"[+-]?\d+", s) else float(s)
        except ValueError:
            raise _Bad("not_integer" if integer else "not_number", "应为整数" if integer else "应为数字") from None
    else:
        raise _Bad("not_integer" if integer else "not_number", "应为整数" if integer else "应为数字")
    if isinstance(value, float):
        if not math.isfinite(value):
            raise _Bad("not_finite", "应为有限的数字")
        if integer:
            if not value.is_integer():
                raise _Bad("not_integer", "应为整数")
            value = int(value)
    if abs(value) > MAX_SAFE_INTEGER:
        raise _Bad("out_of_range", "数值超出范围（绝对值不超过 {limit}）", limit=MAX_SAFE_INTEGER)
    return value


def _boolean(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, (str, int)) and str(raw).strip().lower() in TRUE:
        return True
    if isinstance(raw, (str, int)) and str(raw).strip().lower() in FALSE:
        return False
    raise _Bad("not_boolean", "应为 是/否")


def _date(raw: Any) -> str:
    if isinstance(raw, datetime):
        return raw.date().isoformat()
    if isinstance(raw, date):
        return raw.isoformat()
    if not isinstance(raw, str):
        raise _Bad("not_date", "应为日期（YYYY-MM-DD）")
    s = raw.strip()
    try:
        return date.fromisoformat(s[:10] if re.fullmatch(r"\d{4}-\d{2}-\d{2}([ T].*)?", s) else s).isoformat()
    except ValueError:
        raise _Bad("not_date", "应为日期（YYYY-MM-DD）") from None


def check_format(fmt: str | None, value: str) -> None:
    """docs/DOMAIN.md §8: the credit code with its GB 32100-2015 check digit, phone numbers,
    postcodes, e-mail addresses."""
    if fmt == "credit_code":
        problem = validate_credit_code(value.upper())
        if problem:
            raise _Bad("credit_code", "{problem}", problem=problem)
    elif fmt == "phone" and not PHONE.match(value):
        raise _Bad("phone", "应为电话号码，如 0635-8888888 或 13800000000")
    elif fmt == "postcode" and not POSTCODE.match(value):
        raise _Bad("postcode", "应为 6 位数字的邮政编码")
    elif fmt == "email" and not EMAIL.match(value):
        raise _Bad("email", "应为电子邮箱地址，如 name@example.cn")


def _scalar(fd: FieldDef, raw: Any) -> Any:
    kind = fd.type
    if kind == "long":
        return _number(raw, True)
    if kind in ("double", "number"):
        return _number(raw, False)
    if kind == "boolean":
        return _boolean(raw)
    if kind == "date":
        return _date(raw)
    if kind == "enum":
        value = _text(raw)
        if value not in [o["id"] for o in fd.options]:
            raise _Bad("enum", "只能选择 {choices}", choices="、".join(o["name"] or o["id"] for o in fd.options))
        return value
    value = _text(raw)
    check_format(fd.format, value)
    return value.upper() if fd.format == "credit_code" else value


def _constraints(fd: FieldDef, value: Any) -> None:
    c = fd.constraints
    if isinstance(value, str) and fd.type in ("string", "enum"):
        if "minlength" in c and len(value) < int(c["minlength"]):
            raise _Bad("min_length", "至少 {n} 个字符", n=c["minlength"])
        limit = int(c["maxlength"]) if "maxlength" in c else MAX_TEXT
        if len(value) > limit:
            raise _Bad("max_length", "最多 {n} 个字符", n=limit)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if "min" in c and value < float(c["min"]):
            raise _Bad("min", "不能小于 {n}", n=c["min"])
        if "max" in c and value > float(c["max"]):
            raise _Bad("max", "不能大于 {n}", n=c["max"])
    if fd.type == "date" and isinstance(value, str):
        if "min" in c and value < str(c["min"]):
            raise _Bad("date_min", "不能早于 {n}", n=c["min"])
        if "max" in c and value > str(c["max"]):
            raise _Bad("date_max", "不能晚于 {n}", n=c["max"])


# -- tables -----------------------------------------------------------------------------------------

def check_cell(col: Column, raw: Any) -> Any:
    """One cell of a table, converted; :class:`ValueError` (with ``code``) when it does not fit."""
    if isinstance(raw, str):
        raw = raw.strip()
    if col.type == "long":
        return _number(raw, True)
    if col.type == "double":
        return _number(raw.rstrip("%") if isinstance(raw, str) else raw, False)
    if col.type == "date":
        return _date(raw)
    if col.type == "boolean":
        return _boolean(raw)
    if col.type == "choice":
        # a choice may be "id=label": either is accepted, the id is stored
        for option in col.options():
            if str(raw) in (option["id"], option["label"]):
                return option["id"]
        raise _Bad("choice", "只能选择 {choices}", choices="、".join(o["label"] for o in col.options()))
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        raw = str(int(raw)) if isinstance(raw, float) and raw.is_integer() else str(raw)
    value = _text(raw)
    if len(value) > MAX_TEXT:
        raise _Bad("max_length", "最多 {n} 个字符", n=MAX_TEXT)
    check_format(col.format, value)
    return value.upper() if col.format == "credit_code" else value


def check_rows(fd: FieldDef, rows: Any, first_row: int = 1, counts: bool = True, first_index: int = 0
               ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Clean rows and errors of a table. Row numbers in messages start at ``first_row`` (the
    spreadsheet's own when imported); paths index the submitted list from 0. Entirely empty rows
    are dropped."""
    cols = fd.columns
    if not isinstance(rows, list):
        return [], [field_error(fd.id, "not_list", "{label}：应为表格（行的列表）", label=fd.label)]
    ids = {c.id for c in cols}
    clean: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    for i, row in enumerate(rows, start=first_index):
        n = i - first_index + first_row
        if not isinstance(row, dict):
            errors.append({**field_error(f"{fd.id}[{i}]", "row_not_object", "第 {n} 行：格式不正确", n=n),
                           "row": n, "column": None})
            continue
        if all(_blank(row.get(c.id)) for c in cols):
            continue
        # keys the table does not show (e.g. sent through the API) are kept as they are
        out: dict[str, Any] = {k: v for k, v in row.items() if k not in ids}
        for c in cols:
            raw = row.get(c.id)
            if _blank(raw):
                if c.required:
                    errors.append({**field_error(f"{fd.id}[{i}].{c.id}", "required", "第 {n} 行「{col}」：必填",
                                                 n=n, col=c.label), "row": n, "column": c.id})
                out[c.id] = None
                continue
            try:
                out[c.id] = check_cell(c, raw)
            except _Bad as bad:
                why = t(bad.template, **bad.params)
                path = f"{fd.id}[{i}].{c.id}"
                errors.append({**field_error(path, bad.code, "第 {n} 行「{col}」：{why}，收到 “{got}”",
                                             n=n, col=c.label, why=why, got=str(raw)[:30]),
                               "row": n, "column": c.id})
        clean.append(out)
    if counts:
        low, high = fd.bound("min_rows"), fd.bound("max_rows")
        if low is not None and len(clean) < low:
            errors.append(field_error(fd.id, "min_rows", "{label}：至少 {n} 行，现有 {have} 行",
                                      label=fd.label, n=low, have=len(clean)))
        if high is not None and len(clean) > high:
            errors.append(field_error(fd.id, "max_rows", "{label}：最多 {n} 行，现有 {have} 行",
                                      label=fd.label, n=high, have=len(clean)))
    return clean, errors


def _picks(fd: FieldDef, raw: Any, ctx: FormContext) -> tuple[list[str], list[dict[str, Any]]]:
    """A pick-list of users (``users_of_role``): user names of active users holding the role."""
    role = fd.picker_role or ""
    if not isinstance(raw, list) or not all(isinstance(x, str) for x in raw):
        return [], [field_error(fd.id, "not_list", "{label}：应为用户名列表", label=fd.label)]
    known = ctx.users(role)
    errors = []
    seen: set[str] = set()
    for i, name in enumerate(raw):
        if name not in known:
            errors.append(field_error(f"{fd.id}[{i}]", "user_unknown", "{label}：{name} 不是可选的用户",
                                      label=fd.label, name=name[:40]))
        elif name in seen:
            errors.append(field_error(f"{fd.id}[{i}]", "user_duplicate", "{label}：{name} 选了两次",
                                      label=fd.label, name=known[name]))
        seen.add(name)
    return list(dict.fromkeys(raw)), errors


# -- the whole form -----------------------------------------------------------------------------------

def check_form(fields: list[FieldDef], data: dict[str, Any], ctx: FormContext | None = None, *,
               partial: bool = False) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """``(clean values, errors)``. ``partial`` (drafts) checks what is filled in and nothing that
    is missing: no required fields, reasons, row counts or materials."""
    ctx = ctx or FormContext()
    values: dict[str, Any] = {}
    errors: list[dict[str, Any]] = []
    by_id = {fd.id: fd for fd in fields}
    for name in data:
        if name not in by_id:
            errors.append(field_error(str(name)[:64], "unknown_field", "表单中没有字段 {name}", name=str(name)[:64]))
    for fd in fields:
        if fd.readonly:
            continue
        raw = data.get(fd.id)
        if _blank(raw):
            if fd.id in data:
                values[fd.id] = [] if fd.type == "json" and isinstance(raw, list) else None
            continue
        if fd.type == "json":
            if fd.picker_role:
                values[fd.id], errs = _picks(fd, raw, ctx)
            elif fd.columns:
                values[fd.id], errs = check_rows(fd, raw, counts=not partial)
            elif isinstance(raw, (list, dict)):
                values[fd.id], errs = raw, []
            else:
                values[fd.id], errs = None, [field_error(fd.id, "not_list", "{label}：应为列表", label=fd.label)]
            errors.extend(errs)
            continue
        try:
            value = _scalar(fd, raw)
            _constraints(fd, value)
        except _Bad as bad:
            errors.append(field_error(fd.id, bad.code, "{label}：{why}", label=fd.label,
                                      why=t(bad.template, **bad.params)))
            continue
        values[fd.id] = value
    if not partial:
        wrong = {str(e["field"]).split("[")[0].split(".")[0] for e in errors}
        errors.extend(_missing([fd for fd in fields if fd.id not in wrong], values, ctx))
    return values, errors


def _missing(fields: list[FieldDef], values: dict[str, Any], ctx: FormContext) -> list[dict[str, Any]]:
    """What a completion needs and was not given."""
    errors: list[dict[str, Any]] = []
    for fd in fields:
        if fd.readonly or not _blank(values.get(fd.id)):
            continue
        when = fd.required_when
        if fd.is_decision:
            errors.append(field_error(fd.id, "decision_required", "请选择{label}", label=fd.label))
        elif fd.id == "opinion":
            errors.append(field_error(fd.id, "opinion_required", "{label}：必填，请写明理由", label=fd.label))
        elif fd.required:
            errors.append(field_error(fd.id, "required", "{label}：必填", label=fd.label))
        elif when is not None and values.get(when[0]) in when[1]:
            other = next((o for o in fields if o.id == when[0]), None)
            chosen = next((o["name"] for o in (other.options if other else []) if o["id"] == values[when[0]]),
                          values[when[0]])
            errors.append(field_error(fd.id, "required_when", "{label}：选择“{chosen}”时必须填写",
                                      label=fd.label, chosen=chosen))
    m = ctx.materials
    if m is not None:
        for key in m.required:
            if key not in m.uploaded:
                errors.append(field_error(f"materials.{key}", "material_missing", "材料{key}（{name}）尚未上传",
                                          key=key[1:].lstrip("0"), name=m.names.get(key, key)))
    return errors


def invalid_message(errors: list[dict[str, Any]]) -> str:
    return t("表单有 {n} 处需要修改", n=len(errors))
