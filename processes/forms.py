"""Form definitions from the diagram (camunda:formData) → field descriptions and validation.

Types: string, long, double, boolean, date (ISO YYYY-MM-DD), enum, and ``json`` (lists and objects,
for repeating tables). Constraints (camunda:validation): required, minlength, maxlength, min, max,
readonly. Messages are Chinese, each with its field id.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from typing import Any


@dataclass
class FieldDef:
    id: str
    label: str
    type: str
    required: bool = False
    readonly: bool = False
    default: Any = None
    constraints: dict[str, Any] = field(default_factory=dict)
    options: list[dict[str, str]] = field(default_factory=list)
    properties: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "label": self.label, "type": self.type, "required": self.required,
                "readonly": self.readonly, "default": self.default, "constraints": self.constraints,
                "options": self.options, "properties": self.properties}


def fields_of(form: Any) -> list[FieldDef]:
    out: list[FieldDef] = []
    if form is None:
        return out
    for f in getattr(form, "fields", []) or []:
        validation = {v.name: v.config for v in (f.validation or [])}
        constraints: dict[str, Any] = {}
        for k in ("minlength", "maxlength", "min", "max"):
            if k in validation and validation[k] not in (None, ""):
                constraints[k] = validation[k]
        options = [{"id": o.id, "name": o.name} for o in getattr(f, "options", []) or []]
        out.append(FieldDef(
            id=f.id, label=f.label or f.id, type=(f.type or "string"),
            required="required" in validation and str(validation["required"]).lower() != "false",
            readonly="readonly" in validation and str(validation["readonly"]).lower() != "false",
            default=f.default_value, constraints=constraints, options=options,
            properties={p.id: p.value for p in (f.properties or [])}))
    return out


def _num(raw: Any, integer: bool) -> float | int:
    if isinstance(raw, bool):
        raise ValueError
    if isinstance(raw, (int, float)):
        value: float | int = raw
    else:
        s = str(raw).strip().replace(",", "")
        value = int(s) if integer else float(s)
    if integer and (isinstance(value, float)):
        if not value.is_integer():
            raise ValueError
        value = int(value)
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError
    return value


def _empty(v: Any) -> bool:
    return v is None or (isinstance(v, str) and v.strip() == "") or (isinstance(v, (list, dict)) and not v)


def validate_form(defs: list[FieldDef], data: dict[str, Any], partial: bool = False
                  ) -> tuple[dict[str, Any], list[dict[str, str]]]:
    """Return (clean values, errors). ``partial`` (drafts) skips the required check."""
    values: dict[str, Any] = {}
    errors: list[dict[str, str]] = []

    def err(fid: str, msg: str) -> None:
        errors.append({"field": fid, "message": msg})

    known = {d.id for d in defs}
    for name in data:
        if name not in known:
            err(name, f"表单中没有字段 {name}")
    for d in defs:
        raw = data.get(d.id)
        if d.readonly:
            continue
        if _empty(raw):
            if d.required and not partial:
                err(d.id, f"{d.label}：必填")
            elif d.id in data:
                values[d.id] = None
            continue
        try:
            value: Any
            if d.type == "long":
                value = _num(raw, True)
            elif d.type in ("double", "number"):
                value = _num(raw, False)
            elif d.type == "boolean":
                if isinstance(raw, bool):
                    value = raw
                elif str(raw).lower() in ("true", "1", "on", "yes", "是"):
                    value = True
                elif str(raw).lower() in ("false", "0", "off", "no", "否"):
                    value = False
                else:
                    raise ValueError
            elif d.type == "date":
                value = date.fromisoformat(str(raw).strip()).isoformat()
            elif d.type == "enum":
                value = str(raw)
                ids = [o["id"] for o in d.options]
                if value not in ids:
                    err(d.id, f"{d.label}：只能选择 {'、'.join(o['name'] or o['id'] for o in d.options)}")
                    continue
            elif d.type == "json":
                if not isinstance(raw, (list, dict)):
                    raise ValueError
                value = raw
            else:
                value = str(raw)
        except (ValueError, TypeError):
            kinds = {"long": "整数", "double": "数字", "number": "数字", "boolean": "是/否",
                     "date": "日期（YYYY-MM-DD）", "json": "列表"}
            err(d.id, f"{d.label}：应为{kinds.get(d.type, d.type)}，收到 “{str(raw)[:40]}”")
            continue
        c = d.constraints
        if isinstance(value, str) and d.type in ("string", "enum"):
            if "minlength" in c and len(value) < int(c["minlength"]):
                err(d.id, f"{d.label}：至少 {c['minlength']} 个字符")
                continue
            if "maxlength" in c and len(value) > int(c["maxlength"]):
                err(d.id, f"{d.label}：最多 {c['maxlength']} 个字符")
                continue
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            if "min" in c and value < float(c["min"]):
                err(d.id, f"{d.label}：不能小于 {c['min']}")
                continue
            if "max" in c and value > float(c["max"]):
                err(d.id, f"{d.label}：不能大于 {c['max']}")
                continue
        if d.type == "date" and isinstance(value, str):
            if "min" in c and value < str(c["min"]):
                err(d.id, f"{d.label}：不能早于 {c['min']}")
                continue
            if "max" in c and value > str(c["max"]):
                err(d.id, f"{d.label}：不能晚于 {c['max']}")
                continue
        values[d.id] = value
    return values, errors
