"""A form as structured data, for the task page and for API clients (``GET /api/v1/tasks/{id}``):
each field with its type, constraints, options with labels, table columns, the users a pick-list
offers, the condition that makes it required, and its current value; the materials a task needs."""

from __future__ import annotations

from typing import Any

from processes.forms.checks import MAX_TEXT, FormContext
from processes.forms.model import Column, FieldDef


def describe_column(c: Column) -> dict[str, Any]:
    return {"id": c.id, "label": c.label, "type": c.type, "required": c.required, "format": c.format,
            "options": c.options()}


def describe_field(fd: FieldDef, value: Any, ctx: FormContext) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": fd.id, "label": fd.label, "type": fd.type, "required": fd.required, "readonly": fd.readonly,
        "default": fd.default, "constraints": dict(fd.constraints), "format": fd.format,
        "options": [{"id": o["id"], "label": o["name"] or o["id"]} for o in fd.options],
        "decision": fd.is_decision, "value": value, "columns": None, "picker": None, "required_when": None,
        "properties": dict(fd.properties),
    }
    if fd.type in ("string", "enum") and "maxlength" not in fd.constraints:
        out["constraints"]["maxlength"] = MAX_TEXT
    if fd.id == "opinion":
        out["required"] = True
    if fd.picker_role:
        users = ctx.users(fd.picker_role)
        out["picker"] = {"role": fd.picker_role,
                         "options": [{"id": name, "label": label} for name, label in users.items()]}
    elif fd.columns:
        out["columns"] = [describe_column(c) for c in fd.columns]
        out["min_rows"], out["max_rows"] = fd.bound("min_rows"), fd.bound("max_rows")
    when = fd.required_when
    if when is not None:
        out["required_when"] = {"field": when[0], "values": when[1]}
    return out


def describe_materials(ctx: FormContext) -> list[dict[str, Any]] | None:
    m = ctx.materials
    if m is None:
        return None
    keys = list(dict.fromkeys([*m.names]))
    return [{"key": k, "name": m.names[k], "required": k in m.required, "uploaded": m.uploaded.get(k),
             "accepted_types": m.accepted, "max_bytes": m.max_bytes} for k in keys]


def describe_form(fields: list[FieldDef], values: dict[str, Any], ctx: FormContext) -> dict[str, Any]:
    return {"fields": [describe_field(fd, values.get(fd.id), ctx) for fd in fields],
            "materials": describe_materials(ctx)}
