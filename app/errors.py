"""Errors: JSON under /api (never an HTML page), a page in the reader's language elsewhere, saying what
happened and what to do (``app/templates/error.html``); never a traceback, never werkzeug's English."""

from __future__ import annotations

import logging
import re
from datetime import datetime
from typing import Any

from flask import Flask, Response, current_app, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_wtf.csrf import CSRFError
from markupsafe import escape
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException

from app.i18n import select_locale
from processes.clock import CST, ClockError
from processes.errors import DomainError

log = logging.getLogger(__name__)


def _is_api() -> bool:
    return request.path.startswith("/api/")


def json_error(status: int, message: str, errors: list[Any] | None = None, code: str | None = None
               ) -> tuple[Response, int]:
    """The one error shape of the API: ``{"error", "code", "errors": [{"field", "code", "message"}]}``."""
    return jsonify({"error": message, "code": code or HTTP_CODES.get(status, "error"), "errors": errors or []}), status


HTTP_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
              405: "method_not_allowed", 409: "conflict", 413: "too_large", 415: "unsupported_media_type",
              422: "invalid", 429: "too_many_requests", 500: "internal_error", 503: "unavailable"}


_CJK = re.compile(r"[\u3400-\u9fff]")


def readable(message: str | None) -> str | None:
    """A detail worth showing a person: in English mode anything, in Chinese mode only a Chinese text
    (a use case's developer text in English is logged, not shown)."""
    if not message:
        return None
    if select_locale() == "en" or _CJK.search(message):
        return message
    log.info("error detail not shown to the reader: %s", message)
    return None


def error_page(status: int, message: str | None = None, errors: list[Any] | None = None) -> ResponseReturnValue:
    """The error page: what happened and what to do for ``status``, the use case's reason when readable,
    and the time in Beijing time for the administrator to find it in the log."""
    at = datetime.now(CST).strftime("%Y-%m-%d %H:%M:%S")
    known = status if status in ERROR_PAGES else (500 if status >= 500 else 400)
    return render_template("error.html", status=status, kind=known, message=readable(message),
                           errors=[e for e in errors or [] if isinstance(e, dict)], at=at,
                           upload_max_mb=(current_app.config.get("MAX_CONTENT_LENGTH") or 0) // (1024 * 1024)), status


# the statuses error.html explains (what happened, what to do); others read as 400 or 500
ERROR_PAGES = (400, 401, 403, 404, 405, 409, 413, 415, 422, 429, 500, 503)


RETRY_AFTER_SECONDS = 30  # what a client is told to wait when the database cannot be reached

UNAVAILABLE_PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>系统暂时无法访问</title><link rel="stylesheet" href="/static/app.css"></head>
<body><main><section class="card narrow"><h1>系统暂时无法访问（503）</h1>
<p>数据库暂时无法连接，请在 {seconds} 秒后刷新页面重试。您刚才提交的内容未被保存，如有需要请重新提交。</p>
<p class="muted">{path}</p></section></main></body></html>
"""


def is_outage(exc: BaseException) -> bool:
    """The database cannot be reached (down, restarting, connections cut): try again later, not a bug.
    Integrity, data and programming errors are not outages. Follows the chain of causes (an outage may
    surface wrapped in another error)."""
    seen: BaseException | None = exc
    for _ in range(10):
        if seen is None:
            return False
        if isinstance(seen, OperationalError | InterfaceError):
            return True
        if isinstance(seen, DBAPIError) and seen.connection_invalidated:
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def unavailable() -> tuple[Response, int]:
    """503 with Retry-After: JSON under /api, a page that needs no database elsewhere (the usual error
    page shows the user menu and the bell, which read the database)."""
    if _is_api():
        response, status = json_error(503, gettext("数据库暂时无法连接，请稍后重试"), code="unavailable")
    else:
        response = Response(UNAVAILABLE_PAGE.format(seconds=RETRY_AFTER_SECONDS, path=escape(request.path)),
                            mimetype="text/html")
        status = 503
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response, status


def _http_message(status: int) -> str:
    """What an HTTP error of the framework (no route, wrong method, too large …) means, in the reader's
    language (werkzeug's descriptions are English)."""
    if status == 404:
        return gettext("没有这个地址")
    if status == 405:
        return gettext("这个地址不支持该请求方法")
    if status == 413:
        return gettext("请求过大：不得超过 %(mb)s MB", mb=(current_app.config.get("MAX_CONTENT_LENGTH") or 0)
                       // (1024 * 1024))
    if status == 415:
        return gettext("不支持这种内容类型")
    if status >= 500:
        return gettext("系统内部错误，请联系管理员")
    return gettext("请求有误")


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def _domain(exc: DomainError) -> ResponseReturnValue:
        if _is_api():
            return json_error(exc.status, exc.message, exc.errors, exc.code)
        return error_page(exc.status, exc.message, exc.errors)

    @app.errorhandler(ClockError)
    def _clock(exc: ClockError) -> ResponseReturnValue:
        if _is_api():
            return json_error(403, str(exc))
        return error_page(403, str(exc))

    @app.errorhandler(CSRFError)
    def _csrf(exc: CSRFError) -> ResponseReturnValue:
        if _is_api():  # the API authenticates by bearer token; a CSRF refusal reaches it only by mistake
            return json_error(400, gettext("表单已过期或缺少安全令牌（CSRF），请刷新页面后重新提交。"),
                              code="csrf_failed")
        return error_page(400, gettext("表单已过期或缺少安全令牌（CSRF），请刷新页面后重新提交。"))

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> ResponseReturnValue:
        if _is_api():
            return json_error(exc.code or 500, _http_message(exc.code or 500))
        return error_page(exc.code or 500)  # werkzeug's description is English: the page says it itself

    @app.errorhandler(DBAPIError)
    def _database(exc: DBAPIError) -> ResponseReturnValue:
        if is_outage(exc):
            log.warning("database unavailable on %s %s: %s", request.method, request.path, exc.orig or exc)
            return unavailable()
        return _unexpected(exc)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> ResponseReturnValue:
        if is_outage(exc):  # raised as the cause of another error
            return unavailable()
        log.exception("unexpected error on %s %s", request.method, request.path)
        if _is_api():
            return json_error(500, gettext("系统内部错误，已记入日志（%(at)s），请联系管理员",
                                           at=datetime.now(CST).strftime("%Y-%m-%d %H:%M:%S")))
        return error_page(500)
