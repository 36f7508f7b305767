"""Protections of the HTTP surface that are no use case's business: what production refuses at
startup, security headers, rate limits, which proxy to believe, NUL bytes in form input.

Security headers come from a small ``after_request`` (``security_headers``) rather than Flask-Talisman:
the headers are five fixed values; Talisman would add a dependency whose defaults (forcing HTTPS,
rewriting session cookie flags) overlap what ``create_app`` and the reverse proxy already decide, and
the one thing that varies — a full policy for pages, only ``frame-ancestors`` for files such as PDFs,
which Chromium's viewer will not show under ``object-src 'none'`` — is two lines here."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Flask, Response, current_app, render_template, request
from flask.typing import ResponseReturnValue
from flask_limiter import Limiter
from flask_limiter.errors import RateLimitExceeded
from flask_limiter.util import get_remote_address
from werkzeug.middleware.proxy_fix import ProxyFix

from app.errors import json_error
from processes.messages import field_error, t
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


# -- security headers ---------------------------------------------------------------------------------------
# No inline script anywhere (templates load app/static files; data goes in <script type="application/json">),
# so script-src is 'self' without a nonce. Styles keep 'unsafe-inline': bpmn-js, dmn-js and Swagger UI set
# style attributes from their code. Images and fonts may be data: URIs (Swagger UI's icons, the diagram fonts).
CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "worker-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
))
FILE_POLICY = "frame-ancestors 'none'"  # PDFs, spreadsheets, images: not framed, viewer unaffected


def security_headers(response: Response) -> Response:
    headers = response.headers
    html = response.mimetype in ("text/html", "image/svg+xml", "application/xhtml+xml")
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY if html else FILE_POLICY)
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if request.is_secure:  # behind TLS (directly, or a trusted proxy's X-Forwarded-Proto)
        headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    return response


# -- NUL bytes ----------------------------------------------------------------------------------------------

def _nul_fields() -> list[str]:
    """Where the request holds a NUL character (U+0000): path parameters, query parameters, form
    fields, upload file names, strings anywhere in a JSON body (``data.rows[0].name``). No text of this
    system may contain one: PostgreSQL refuses it in text columns, file systems in names, and it hides
    what follows in many viewers. One guard for the pages and the API alike."""
    found = [str(name) for name, value in (request.view_args or {}).items() if "\x00" in str(value)]
    found += [str(name) for name, value in request.args.items(multi=True) if _has_nul(name, value)]
    if request.method in ("POST", "PUT", "PATCH", "DELETE"):
        if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
            found += [str(name) for name, value in request.form.items(multi=True) if _has_nul(name, value)]
            found += [str(name) for name, f in request.files.items(multi=True) if _has_nul(name, f.filename)]
        elif request.is_json:
            found += _nul_paths(request.get_json(silent=True))
    return found


def _has_nul(*texts: str | None) -> bool:
    return any("\x00" in (text or "") for text in texts)  # a multipart part may come without a name


def _nul_paths(value: Any, path: str = "", depth: int = 0) -> list[str]:
    if depth > 50:
        return []
    if isinstance(value, str):
        return [path or "body"] if "\x00" in value else []
    if isinstance(value, dict):
        return [p for k, v in value.items()
                for p in ([f"{path}.{k}" if path else str(k)] if "\x00" in str(k) else [])
                + _nul_paths(v, f"{path}.{k}" if path else str(k), depth + 1)]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _nul_paths(v, f"{path}[{i}]", depth + 1)]
    return []


def refuse_nul_bytes() -> ResponseReturnValue | None:
    fields = _nul_fields()
    if not fields:
        return None
    errors = [field_error(f.replace("\x00", "\\0"), "nul_character", "不能包含空字符（U+0000）") for f in fields[:20]]
    if request.path.startswith("/api/"):
        return json_error(422, t("请求中有不允许的空字符（U+0000）"), errors, "nul_character")
    return render_template("error.html", status=422, errors=errors,
                           message=t("提交的内容含有不允许的空字符（NUL），请删除后重试")), 422


# -- rate limits ------------------------------------------------------------------------------------------
# Flask-Limiter; storage from the setting ``ratelimit_storage_uri`` ("memory://" counts per process; several
# workers share "redis://…"). Addresses are ``request.remote_addr``: the peer, or with ``trusted_proxies``
# = n the address the n-th proxy from the app saw (ProxyFix); a client's own X-Forwarded-For is never believed.


def _account() -> str:
    """The account a login attempt names (form field or JSON), for the per-account limit."""
    name = request.form.get("username") if request.mimetype != "application/json" else None
    if name is None:
        body = request.get_json(silent=True)
        name = body.get("username") if isinstance(body, dict) and isinstance(body.get("username"), str) else ""
    return "account:" + (name or "").strip().lower()[:64]


def _failed(response: Response) -> bool:
    return response.status_code == 401


def _accepted(response: Response) -> bool:
    return response.status_code < 400


@dataclass(frozen=True)
class Rule:
    limit: str
    key: Callable[[], str] = get_remote_address
    counts: Callable[[Response], bool] | None = None  # None: every request counts
    scope: str | None = None  # limits shared by several routes (the objection form and the API)


LOGIN_PER_ACCOUNT = "5 per 15 minutes"  # wrong passwords for one account, from anywhere
LOGIN_PER_ADDRESS = "20 per 15 minutes"  # wrong passwords from one address, whatever account
TOKENS_PER_ADDRESS = "60 per hour"  # tokens issued to one address (each a 200 with a new token)
OBJECTIONS_PER_ADDRESS = "3 per hour;10 per day"  # objections accepted from one address (Art. 13)
OBJECTION_ATTEMPTS_PER_ADDRESS = "30 per hour"  # any submission of the form or the endpoint

# the web form and the token endpoint share their counts: one attacker, two doors
_LOGIN = (Rule(LOGIN_PER_ACCOUNT, _account, _failed, "login-account"),
          Rule(LOGIN_PER_ADDRESS, get_remote_address, _failed, "login-address"))
_OBJECTION = (Rule(OBJECTIONS_PER_ADDRESS, counts=_accepted, scope="objection"),
              Rule(OBJECTION_ATTEMPTS_PER_ADDRESS, scope="objection-attempts"))
RATE_LIMITS: dict[str, tuple[Rule, ...]] = {
    "home.login_post": _LOGIN,
    "api_auth.token": (*_LOGIN, Rule(TOKENS_PER_ADDRESS, counts=_accepted)),
    "public.public_objection_post": _OBJECTION,
    "api_recognition.file_objection": _OBJECTION,
}


def _limit_routes(app: Flask, limiter: Limiter) -> None:
    """Wrap the view functions named in RATE_LIMITS (after every blueprint is registered; the API
    modules stay free of rate-limit code). A renamed endpoint fails here, at startup."""
    for endpoint, rules in RATE_LIMITS.items():
        view: Any = app.view_functions[endpoint]
        for rule in rules:
            if rule.scope:
                view = limiter.shared_limit(rule.limit, scope=rule.scope, key_func=rule.key,
                                            deduct_when=rule.counts)(view)
            else:
                view = limiter.limit(rule.limit, key_func=rule.key, deduct_when=rule.counts)(view)
        app.view_functions[endpoint] = view


def retry_after_seconds() -> int:
    limiter: Limiter | None = current_app.extensions.get("app_limiter")
    current = limiter.current_limit if limiter is not None else None
    if current is None:
        return 60
    return max(1, math.ceil(current.reset_at - time.time()))


def too_many_requests(exc: RateLimitExceeded) -> ResponseReturnValue:
    """429 with Retry-After: JSON under /api, a Chinese page elsewhere."""
    seconds = retry_after_seconds()
    message = t("操作过于频繁，请 {n} 秒后再试", n=seconds) if seconds < 120 else \
        t("操作过于频繁，请 {n} 分钟后再试", n=math.ceil(seconds / 60))
    if request.path.startswith("/api/"):
        response, _ = json_error(429, message, code="too_many_requests")
    else:
        response = current_app.make_response(
            (render_template("error.html", status=429, message=message, errors=[]), 429))
    response.status_code = 429
    response.headers["Retry-After"] = str(seconds)
    return response


def init_rate_limits(app: Flask, storage_uri: str) -> Limiter:
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    # a shared store that fails (Redis restarting) degrades to per-process counting, never a 500
    limiter = Limiter(get_remote_address, app=app, storage_uri=storage_uri, strategy="moving-window",
                      key_prefix="lc-sme", in_memory_fallback_enabled=True, swallow_errors=True)
    app.extensions["app_limiter"] = limiter
    _limit_routes(app, limiter)
    app.register_error_handler(RateLimitExceeded, too_many_requests)
    return limiter


def trust_proxies(app: Flask, count: int) -> None:
    """Believe X-Forwarded-For/-Proto/-Host from exactly ``count`` proxies in front of the app."""
    if count > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)  # type: ignore[method-assign]


def init_app(app: Flask) -> None:
    """Before the blueprints are registered."""
    app.before_request(refuse_nul_bytes)
    app.after_request(security_headers)


def init_after_routes(app: Flask, storage_uri: str, trusted_proxies: int) -> None:
    """After every blueprint is registered."""
    trust_proxies(app, trusted_proxies)
    init_rate_limits(app, storage_uri)
