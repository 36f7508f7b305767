"""Protections of the HTTP surface that are no use case's business: what production refuses at
startup, security headers, rate limits, which proxy to believe, NUL bytes in form input."""

from __future__ import annotations

from typing import Any

from flask import Flask, render_template, request
from flask.typing import ResponseReturnValue

from app.errors import json_error
from processes.runtime import Runtime
from processes.services.users import refuse_demo_accounts
from processes.settings import SettingsError


def production_checks(rt: Runtime) -> None:
    """What production refuses at startup besides unsafe settings (``Settings.check``): demo users that
    still have the demo password. Called by the production web app and by the scheduler."""
    try:
        refuse_demo_accounts(rt.uow(), rt.settings.config_dir)
    except SettingsError as exc:
        raise SystemExit(f"configuration error: {exc}") from None


# -- NUL bytes ----------------------------------------------------------------------------------------------

def _nul_fields() -> list[str]:
    """Names of the submitted texts holding a NUL byte: form fields, query parameters, upload file
    names, strings anywhere in a JSON body (no text of this system may contain one: PostgreSQL refuses
    it in text columns, file systems in names, and it hides what follows in many viewers)."""
    found = [f"{name}" for name, value in request.args.items(multi=True) if "\x00" in name or "\x00" in value]
    if request.method in ("POST", "PUT", "PATCH", "DELETE"):
        if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
            found += [name for name, value in request.form.items(multi=True) if "\x00" in name or "\x00" in value]
            found += [name for name, f in request.files.items(multi=True) if "\x00" in (f.filename or "")]
        elif request.is_json:
            found += _nul_paths(request.get_json(silent=True))
    return found


def _nul_paths(value: Any, path: str = "") -> list[str]:
    if isinstance(value, str):
        return [path or "body"] if "\x00" in value else []
    if isinstance(value, dict):
        return [p for k, v in value.items()
                for p in ([f"{path}.{k}" if path else str(k)] if "\x00" in str(k) else [])
                + _nul_paths(v, f"{path}.{k}" if path else str(k))]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _nul_paths(v, f"{path}[{i}]")]
    return []


def refuse_nul_bytes() -> ResponseReturnValue | None:
    fields = _nul_fields()
    if not fields:
        return None
    errors = [{"field": f.replace("\x00", "\\0"), "code": "nul_byte", "message": "含有不允许的空字符（NUL）"}
              for f in fields[:20]]
    if request.path.startswith("/api/"):
        return json_error(422, "请求中有文字含有不允许的空字符（NUL）", errors, "invalid")
    return render_template("error.html", status=422, message="提交的内容含有不允许的空字符（NUL），请删除后重试",
                           errors=errors), 422


def init_app(app: Flask) -> None:
    app.before_request(refuse_nul_bytes)
