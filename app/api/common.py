"""What every JSON route shares: bearer-token authentication, the JSON body, integer query
parameters. Errors are always JSON {"error", "errors"} (app/errors.py)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, ParamSpec, TypeVar

from flask import Blueprint, g, request

from app.extensions import user_from_token
from processes.errors import DomainError, Invalid, Unauthorized

API_PREFIX = "/api/v1"
P = ParamSpec("P")
R = TypeVar("R")


def api_blueprint(name: str) -> Blueprint:
    """One blueprint per area under /api/v1 (CSRF-exempt: API clients send bearer tokens)."""
    return Blueprint(f"api_{name}", f"app.api.{name}", url_prefix=API_PREFIX)


def json_body() -> dict[str, Any]:
    data = request.get_json(silent=True)
    if data is None:
        raise DomainError("the request body must be a JSON object (Content-Type: application/json)")
    if not isinstance(data, dict):
        raise DomainError("the request body must be a JSON object")
    return data


def auth_required(fn: Callable[P, R]) -> Callable[P, R]:
    @wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        header = request.headers.get("Authorization", "")
        if not header.startswith("Bearer "):
            raise Unauthorized("log in first: send 'Authorization: Bearer <token>' (POST /api/v1/auth/token)")
        g.api_user = user_from_token(header[7:].strip())
        return fn(*args, **kwargs)

    return wrapper


def int_arg(name: str, default: int, maximum: int = 500, minimum: int = 0) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise Invalid(f"query parameter '{name}' must be an integer",
                      [{"field": name, "message": "应为整数"}]) from None
    return max(minimum, min(value, maximum))


def task_body() -> tuple[dict[str, Any], int | None]:
    """``{"data": {...}, "version": n?}`` of a task submission, checked."""
    body = json_body()
    data = body.get("data", {})
    if not isinstance(data, dict):
        raise Invalid("data must be an object", [{"field": "data", "message": "应为对象"}])
    version = body.get("version")
    if version is not None and (not isinstance(version, int) or isinstance(version, bool)):
        raise Invalid("version must be an integer", [{"field": "version", "message": "应为整数"}])
    return data, version
