"""What a form field is: the diagram's ``camunda:formField`` (id, label, type, constraints, enum
values, properties) read into :class:`FieldDef`, with the columns of repeating tables.

Types: ``string``, ``long``, ``double``, ``boolean``, ``date`` (ISO ``YYYY-MM-DD``), ``enum`` and
``json`` (lists and objects). Field properties the system understands:

- ``columns`` (a ``json`` field is a repeating table): comma-separated items ``id[:type[:label]]``;
  a trailing ``*`` on the id marks a required column; types ``string`` (default), ``long``,
  ``double``, ``date``, ``boolean`` or a choice ``a|b|c`` whose items may be ``id=label``. Labels
  default to the canonical names of docs/DOMAIN.md §8; canonical tables have default columns.
  ``min_rows`` / ``max_rows`` bound the rows.
- ``users_of_role`` (a ``json`` field is a pick-list of the active users holding that role).
- ``required_when`` = ``other_field=value1|value2``: required when the other field has one of the
  values (a decision's reasons).
- ``format`` = ``credit_code`` | ``phone`` | ``postcode`` | ``email``; fields and columns with a
  canonical name (``credit_code``, ``phone``, ``contact_phone``, ``mobile``, ``postcode``, ``email``)
  have it without saying.
- ``buttons`` = ``true``: an ``enum`` shown as a row of decision buttons (also any enum named
  ``decision`` or ``*_decision``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

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

# formats that canonical names have without saying (docs/DOMAIN.md §8)
CANONICAL_FORMATS = {"credit_code": "credit_code", "phone": "phone", "contact_phone": "phone", "mobile": "phone",
                     "postcode": "postcode", "email": "email"}
FORMATS = ("credit_code", "phone", "postcode", "email")


@dataclass
class Column:
    id: str
    type: str = "string"
    label: str = ""
    required: bool = False
    choices: list[str] = field(default_factory=list)  # "id=label" or "id"

    @property
    def format(self) -> str | None:
        return CANONICAL_FORMATS.get(self.id) if self.type == "string" else None

    def options(self) -> list[dict[str, str]]:
        out = []
        for choice in self.choices:
            cid, _, label = choice.partition("=")
            out.append({"id": cid.strip(), "label": (label or cid).strip()})
        return out

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "type": self.type, "label": self.label, "required": self.required,
                "choices": self.choices}


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

    @property
    def columns(self) -> list[Column]:
        return columns_of(self) if self.type == "json" and not self.picker_role else []

    @property
    def picker_role(self) -> str | None:
        return self.properties.get("users_of_role") or None

    @property
    def format(self) -> str | None:
        fmt = self.properties.get("format") or CANONICAL_FORMATS.get(self.id)
        return fmt if fmt in FORMATS and self.type == "string" else None

    @property
    def required_when(self) -> tuple[str, list[str]] | None:
        spec = self.properties.get("required_when", "")
        other, _, values = spec.partition("=")
        return (other.strip(), [v.strip() for v in values.split("|") if v.strip()]) if other.strip() else None

    @property
    def is_decision(self) -> bool:
        wants = self.id == "decision" or self.id.endswith("_decision") or \
            str(self.properties.get("buttons", "")).lower() == "true"
        return self.type == "enum" and wants and not self.readonly

    def bound(self, key: str) -> int | None:
        raw = str(self.properties.get(key, "")).strip()
        return int(raw) if raw.isdigit() else None

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "label": self.label, "type": self.type, "required": self.required,
                "readonly": self.readonly, "default": self.default, "constraints": self.constraints,
                "options": self.options, "properties": self.properties}


def fields_of(form: Any) -> list[FieldDef]:
    """The fields of a SpiffWorkflow Camunda form (``task_spec.form``)."""
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


def columns_of(fd: FieldDef) -> list[Column]:
    spec = str(fd.properties.get("columns") or DEFAULT_COLUMNS.get(fd.id, "")).strip()
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


def column_spec(cols: list[Column]) -> str:
    """The ``columns`` property that describes ``cols`` (the inverse of :func:`columns_of`)."""
    out = []
    for c in cols:
        kind = "|".join(c.choices) if c.type == "choice" else c.type
        out.append(f"{c.id}{'*' if c.required else ''}:{kind}:{c.label}")
    return ",".join(out)
