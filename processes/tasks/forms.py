"""The forms of a deployed diagram as people read them: a task's fields (including the fields it takes
over from another task, the ``form_from`` property), the decision a completion took in words, the
opinion that came with it, and any value as text (option labels, 是/否, tables cell by cell).

A user task may take over the form of another user task of the same diagram with the task property
``form_from`` = ``<element id>``: its own fields come after the other task's. The recognition
diagram's ``supplement`` takes over ``fill_application``: answering a return for supplement, the
applicant edits the application (its fields and tables) and writes the 补正说明. Taken-over fields
carry the property ``taken_from``; a completion that leaves one out keeps its current value.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import date, datetime
from typing import Any

from processes.clock import CST
from processes.forms.model import Column, FieldDef, fields_of

TAKEN_FROM = "taken_from"
# the words a person writes to say why (the opinion that travels with a decision)
REASON_FIELDS = ("opinion", "note", "supplement_response", "investigation_findings", "onsite_findings")
REASON_SUFFIXES = ("reasons", "opinion", "findings", "response")


def spec_of(parsed: Any, element_id: str) -> Any:
    """The task spec of ``element_id`` in a parsed diagram (top level or any subprocess)."""
    spec = parsed.spec.task_specs.get(element_id)
    if spec is None:
        for sub in parsed.subprocess_specs.values():
            spec = sub.task_specs.get(element_id)
            if spec is not None:
                break
    return spec


def form_fields(spec: Any, parsed: Any) -> list[FieldDef]:
    """The fields of a user task's form: those of the task named by its ``form_from`` property (marked
    ``taken_from``), then its own. ``parsed`` has ``spec`` and ``subprocess_specs`` (a parsed
    definition or a workflow)."""
    own = fields_of(getattr(spec, "form", None))
    source = str((getattr(spec, "extensions", None) or {}).get("form_from") or "").strip()
    if not source:
        return own
    other = spec_of(parsed, source)
    if other is None or other is spec:
        return own
    mine = {fd.id for fd in own}
    taken = [replace(fd, properties={**fd.properties, TAKEN_FROM: source})
             for fd in fields_of(getattr(other, "form", None)) if fd.id not in mine]
    return taken + own


def taken_over(fields: Iterable[FieldDef]) -> set[str]:
    return {fd.id for fd in fields if fd.properties.get(TAKEN_FROM)}


# -- a completion in words ---------------------------------------------------------------------------

DECISION_NAMES = ("verdict", "action", "result", "outcome")


def decision_field(fields: list[FieldDef]) -> FieldDef | None:
    """The field that carries a completion's decision: the form's decision (``decision``,
    ``*_decision``, property ``buttons``), else a choice named like one (``verdict``,
    ``review_action``, ``*_result``, ``*_outcome``)."""
    return next((fd for fd in fields if fd.is_decision), None) or \
        next((fd for fd in fields if fd.type == "enum" and not fd.readonly and not fd.properties.get(TAKEN_FROM)
              and (fd.id in DECISION_NAMES or fd.id.endswith(tuple(f"_{n}" for n in DECISION_NAMES)))), None)


def option_label(fd: FieldDef, value: Any) -> str:
    for o in fd.options:
        if o["id"] == value:
            return o["name"] or o["id"]
    return "" if value is None else str(value)


def decision_of(fields: list[FieldDef], values: Mapping[str, Any]) -> dict[str, str] | None:
    """``{"field", "label", "value", "text"}`` of the decision a completion took (its option's label),
    or, for a form without a choice, its first yes/no field (``现场核实通过：是``)."""
    fd = decision_field(fields)
    if fd is not None and values.get(fd.id) not in (None, ""):
        value = str(values[fd.id])
        return {"field": fd.id, "label": fd.label, "value": value, "text": option_label(fd, value)}
    for b in fields:
        if b.type == "boolean" and b.properties.get(TAKEN_FROM) is None and isinstance(values.get(b.id), bool) \
                and not b.id.startswith(("confirm_", "survey_method")):
            value = values[b.id]
            return {"field": b.id, "label": b.label, "value": "true" if value else "false",
                    "text": f"{b.label}：{'是' if value else '否'}"}
    return None


def reason_of(fields: list[FieldDef], values: Mapping[str, Any]) -> str:
    """The opinion or reasons a person gave with a completion (what the next person must read)."""
    for fd in fields:
        if fd.properties.get(TAKEN_FROM):
            continue
        v = values.get(fd.id)
        says_why = fd.id in REASON_FIELDS or fd.id.endswith(REASON_SUFFIXES)
        if says_why and fd.type == "string" and isinstance(v, str) and v.strip():
            return v.strip()
    return ""


# -- values as text ----------------------------------------------------------------------------------

def number_text(value: float | int) -> str:
    if isinstance(value, float):
        return f"{value:,.2f}".rstrip("0").rstrip(".").replace(",", "") if not value.is_integer() else str(int(value))
    return str(value)


def date_text(value: Any) -> str:
    """An ISO date or instant as the Beijing date ``YYYY-MM-DD``."""
    if isinstance(value, datetime):
        return (value.astimezone(CST) if value.tzinfo else value).date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    s = str(value or "")
    if len(s) > 10:
        try:
            dt = datetime.fromisoformat(s)
        except ValueError:
            return s[:10]
        return (dt.astimezone(CST) if dt.tzinfo else dt).date().isoformat()
    return s


def scalar_text(value: Any) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, (int, float)):
        return number_text(value)
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in ("true", "false"):
            return "是" if lowered == "true" else "否"
        return value
    if isinstance(value, (list, tuple)):
        return "、".join(scalar_text(v) for v in value if v not in (None, ""))
    if isinstance(value, Mapping):
        return "；".join(f"{k}：{scalar_text(v)}" for k, v in value.items() if v not in (None, ""))
    return str(value)


def cell_text(col: Column, value: Any) -> str:
    if value is None or value == "":
        return ""
    if col.type == "choice":
        for o in col.options():
            if str(value) in (o["id"], o["label"]):
                return o["label"]
    if col.type == "boolean":
        if value in (True, "true", "True", "1", "是", "on"):
            return "是"
        if value in (False, "false", "False", "0", "否"):
            return "否"
    if col.type == "date":
        return date_text(value)
    return scalar_text(value)


def value_text(fd: FieldDef, value: Any) -> str:
    """One field's value as a person reads it (tables: see :func:`table_rows`)."""
    if value is None or value == "":
        return ""
    if fd.type == "enum":
        return option_label(fd, value)
    if fd.type == "date":
        return date_text(value)
    return scalar_text(value)


def table_rows(fd: FieldDef, value: Any) -> list[list[str]]:
    """A table field's rows, each cell as text in the order of the columns."""
    cols = fd.columns
    rows = value if isinstance(value, list) else []
    return [[cell_text(c, r.get(c.id)) for c in cols] for r in rows if isinstance(r, Mapping)]
