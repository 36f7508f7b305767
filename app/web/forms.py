"""Reading a task form as the browser posts it, for the pages of every area.

A repeating table travels as one field: ``<field>`` holds the rows as JSON, written by ``app.js`` from
the table editor, so a form posts a few dozen fields whatever the size of its tables (300 served
enterprises are one field, not 2,400). Forms posted without the script (and older clients) may still
send one field per cell, ``<field>.<row>.<column>``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from flask import request
from werkzeug.datastructures import MultiDict

from processes.forms.model import FieldDef


def wants_json() -> bool:
    """The page's script asked for JSON (fetch with ``Accept: application/json``)."""
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def _table(fid: str, form: MultiDict[str, str]) -> list[Any] | str | None:
    if fid in form:
        raw = form.get(fid, "").strip()
        if not raw:
            return []
        try:
            rows = json.loads(raw)
        except ValueError:
            return raw  # the form's check names the field
        return rows if isinstance(rows, list) else raw
    cells: dict[int, dict[str, Any]] = {}
    prefix = f"{fid}."
    for key in form:
        if key.startswith(prefix):
            parts = key[len(prefix):].split(".", 1)
            if len(parts) == 2 and parts[0].isdigit():
                cells.setdefault(int(parts[0]), {})[parts[1]] = form.get(key, "")
    if cells or f"{fid}.__table" in form:
        return [cells[i] for i in sorted(cells)]
    return None


def form_values(fields: list[FieldDef], form: MultiDict[str, str] | None = None) -> dict[str, Any]:
    """The submitted form as field values, the shape the API takes: tables as lists of row objects,
    pick-lists as lists of user names, other JSON fields parsed (a string that is not JSON stays a
    string, and the form's check names the field)."""
    f = form if form is not None else request.form
    values: dict[str, Any] = {}
    for fd in fields:
        fid = fd.id
        if fd.readonly:
            continue
        if fd.picker_role:
            if f"{fid}.__picker" in f:  # a checklist: unticked boxes send nothing
                values[fid] = [v for v in f.getlist(fid) if v]
        elif fd.columns:
            rows = _table(fid, f)
            if rows is not None:
                values[fid] = rows
        elif fd.type == "json":
            if fid in f:
                raw = f.get(fid, "").strip()
                try:
                    values[fid] = json.loads(raw) if raw else []
                except ValueError:
                    values[fid] = raw
        elif fid in f:
            values[fid] = f.get(fid, "")
    return values


def errors_by_field(errors: list[dict[str, Any]]) -> dict[str, list[str]]:
    """Messages by the form field they belong to: a cell's (``served_list[3].phone``) and a
    material's (``materials.m05``) under their table or the materials list."""
    out: dict[str, list[str]] = {}
    for e in errors:
        out.setdefault(field_of(e), []).append(str(e.get("message", "")))
    return out


def field_of(error: Mapping[str, Any]) -> str:
    return str(error.get("field") or "_form").split("[")[0].split(".")[0]


def cell_errors(errors: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Errors of table cells by table: ``{row (1-based), column, message}`` for the table editor."""
    out: dict[str, list[dict[str, Any]]] = {}
    for e in errors:
        if e.get("row") and e.get("column"):
            out.setdefault(field_of(e), []).append({"row": e["row"], "column": e["column"],
                                                     "message": str(e.get("message", ""))})
    return out


def json_errors(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Errors as the page's script places them: field, code, message, and the cell for table cells."""
    return [{"field": field_of(e), "path": str(e.get("field") or ""), "code": e.get("code"),
             "message": str(e.get("message", "")), "row": e.get("row"), "column": e.get("column")}
            for e in errors]
