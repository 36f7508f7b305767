"""What every JSON route shares: one blueprint per area (flask-openapi3, so every route, its request
models and its responses are in the OpenAPI document), bearer-token authentication before anything
else, the one error shape, and the translation of a model's validation errors into it.

Errors are always JSON ``{"error", "code", "errors": [{"field", "code", "message"}]}`` (app/errors.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import current_app, g, request
from flask_babel import gettext as _
from flask_openapi3 import APIBlueprint, Tag
from flask_openapi3.utils import parse_rule
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from app.errors import json_error
from app.extensions import user_from_token
from processes.errors import DomainError, Unauthorized

API_PREFIX = "/api/v1"
MAX_ID = 2**31 - 1  # ids are 32-bit integer columns: a larger one is refused (422), never looked up
F = TypeVar("F", bound=Callable[..., Any])


# -- the error shape ------------------------------------------------------------------------------------

class FieldErrorOut(BaseModel):
    """One thing wrong with a request, naming the field (``survey_samples[3].phone`` for a cell)."""

    model_config = ConfigDict(extra="allow")
    field: str | None = None
    code: str | None = None
    message: str = ""
    row: int | None = None
    column: str | None = None


class ErrorOut(BaseModel):
    error: str
    code: str
    errors: list[FieldErrorOut] = []


# every error response has the one shape (400 bad request, 401 not logged in, 403 not allowed, 404 not
# found or not visible, 409 conflicts with the current state, 422 invalid data, each field named)
ERRORS: dict[str | int, Any] = {status: ErrorOut for status in (400, 401, 403, 404, 409, 413, 422, 429)}


def errors(*statuses: int) -> dict[str | int, Any]:
    """The error responses a route declares besides the common 400/401/422."""
    return {s: ERRORS[s] for s in statuses}


def binary(description: str, *content_types: str) -> dict[str, Any]:
    """A file response (PDF, Word, Excel, CSV …) declared with its content types."""
    return {"description": description,
            "content": {ct: {"schema": {"type": "string", "format": "binary"}} for ct in content_types}}


# -- blueprints and authentication -------------------------------------------------------------------

class _AreaBlueprint(APIBlueprint):
    """An APIBlueprint whose routes declared with ``security=[]`` need no token in the document too
    (flask-openapi3 would add the blueprint's bearer requirement to them)."""

    def _collect_openapi_info(self, rule: str, func: Callable[..., Any], **kwargs: Any) -> Any:
        info = super()._collect_openapi_info(rule, func, **kwargs)
        if kwargs.get("security") == [] and self.doc_ui:
            item = self.paths.get(parse_rule(rule, url_prefix=self.url_prefix))
            operation = getattr(item, str(kwargs.get("method", "get")).lower(), None)
            if operation is not None:
                operation.security = []
        return info


def api_blueprint(name: str, tag: str = "") -> APIBlueprint:
    """One blueprint per area under /api/v1: bearer authentication runs before the request models are
    checked (so an unauthenticated client gets 401, not a validation error)."""
    bp = _AreaBlueprint(f"api_{name}", f"app.api.{name}", url_prefix=API_PREFIX, abp_tags=[Tag(name=tag or name)],
                      abp_security=[{"bearer": []}],
                      abp_responses={400: ERRORS[400], 401: ERRORS[401], 413: ERRORS[413], 422: ERRORS[422]})
    bp.before_request(_authenticate)
    bp.before_request(_readable_json)
    return bp


def public(fn: F) -> F:
    """A route anyone may call (no bearer token): the token itself, the public objection form."""
    fn.__dict__["api_public"] = True
    return fn


def _authenticate() -> None:
    view = current_app.view_functions.get(request.endpoint or "")
    if view is None or getattr(view, "api_public", False) or request.method == "OPTIONS":
        return
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        raise Unauthorized(_("请先登录：发送请求头 Authorization: Bearer <令牌>（POST /api/v1/auth/token 获取）"),
                           code="login_required")
    g.api_user = user_from_token(header[7:].strip())


def _readable_json() -> None:
    """A body sent as JSON that is not JSON at all is a 400 (a body of the wrong shape is a 422)."""
    if request.is_json and request.get_data(cache=True) and request.get_json(silent=True) is None:
        raise DomainError(_("请求体不是合法的 JSON"), code="json_invalid")


# -- request models ------------------------------------------------------------------------------------

class Strict(BaseModel):
    """Request bodies: unknown keys refused, no coercion of types (``"1"`` is not an integer)."""

    model_config = ConfigDict(extra="forbid", strict=True)


class OptionalBody(Strict):
    """A body that may be left out altogether (``null`` or nothing reads as ``{}``)."""

    @model_validator(mode="before")
    @classmethod
    def _nothing_is_empty(cls, value: Any) -> Any:
        return {} if value is None else value


class Paged(BaseModel):
    limit: int = Field(100, ge=1, le=500)
    offset: int = Field(0, ge=0, le=10**9)


# pydantic's error types in words people read (the rest: 格式不正确)
_MESSAGES = {
    "missing": "必填", "extra_forbidden": "不接受此字段", "string_type": "应为文字", "int_type": "应为整数",
    "int_parsing": "应为整数", "int_from_float": "应为整数", "float_type": "应为数字", "float_parsing": "应为数字",
    "bool_type": "应为 true/false", "bool_parsing": "应为 true/false", "dict_type": "应为对象",
    "list_type": "应为列表", "model_type": "应为 JSON 对象", "model_attributes_type": "应为 JSON 对象",
    "json_invalid": "不是合法的 JSON", "greater_than_equal": "数值过小", "less_than_equal": "数值过大",
    "string_too_long": "过长", "string_too_short": "过短", "string_pattern_mismatch": "格式不正确",
    "literal_error": "取值不在允许的范围内", "enum": "取值不在允许的范围内", "date_from_datetime_parsing": "应为日期",
    "date_parsing": "应为日期", "datetime_parsing": "应为日期时间", "finite_number": "应为有限的数字",
    "too_long": "项目过多", "too_short": "项目过少",
}


def _path(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "body"


def validation_error_response(e: ValidationError) -> Any:
    """A request model refused the request: 422 naming each field, in the error shape of the API."""
    errs = [{"field": _path(tuple(x["loc"])), "code": x["type"],
             "message": _(_MESSAGES.get(x["type"], "格式不正确"))} for x in e.errors(include_url=False)]
    response, status = json_error(422, _("请求数据有误，共 {n} 处").format(n=len(errs)), errs, "invalid")
    response.status_code = status
    return response
