"""Flask extensions and per-request access to the runtime and the current user."""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, g, has_app_context, request
from flask_login import LoginManager, UserMixin
from flask_wtf import CSRFProtect
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from processes.db import UnitOfWork
from processes.errors import Unauthorized
from processes.messages import t
from processes.models import User
from processes.runtime import Runtime
from processes.services.clock import clock_sync_due, sync_clock
from processes.services.core import Actor
from processes.services.users import cached_user

login_manager = LoginManager()
csrf = CSRFProtect()


class SessionUser(UserMixin):
    """The logged-in user as Flask-Login sees it (a detached copy of the row)."""

    def __init__(self, user: User) -> None:
        self.user = user
        self.id = user.id

    def get_id(self) -> str:
        return f"{self.user.id}:{self.user.auth_version}"


def runtime() -> Runtime:
    return current_app.extensions["runtime"]


def uow() -> UnitOfWork:
    """A unit of work for one use case that writes (its own transaction). After it commits, the
    request's reads start again from a fresh snapshot."""
    return runtime().uow(on_commit=_end_reads)


def ro_uow() -> UnitOfWork:
    """The request's one read-only unit of work (authentication, lists, views): opened at the first
    read, shared by every read of the request, closed when the request ends. No write lock."""
    reads: UnitOfWork | None = g.get("read_uow")
    if reads is None:
        reads = runtime().uow(readonly=True)
        reads.__enter__()
        g.read_uow = reads
    return reads


def _end_reads(exc: BaseException | None = None) -> None:
    if not has_app_context():
        return
    reads: UnitOfWork | None = g.pop("read_uow", None)
    if reads is not None:
        reads.__exit__(None, None, None)


def _token_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="api-token")


def issue_token(user: User) -> str:
    return _token_serializer().dumps({"uid": user.id, "v": user.auth_version})


def user_from_token(token: str) -> User:
    max_age = runtime().settings.token_max_age_hours * 3600
    try:
        payload: Any = _token_serializer().loads(token, max_age=max_age)
    except SignatureExpired:
        raise Unauthorized(t("令牌已过期，请重新获取（POST /api/v1/auth/token）"), code="token_expired") from None
    except BadSignature:
        raise Unauthorized(t("令牌无效"), code="token_invalid") from None
    user = cached_user(runtime(), int(payload["uid"]), ro_uow)
    if user is None or not user.active or user.auth_version != payload.get("v"):
        raise Unauthorized(t("令牌已失效（用户已停用或密码已更改），请重新获取"), code="token_revoked")
    return user


def current_actor_user() -> User:
    user = g.get("api_user")
    if user is None:
        raise Unauthorized(t("请先登录：发送请求头 Authorization: Bearer <令牌>（POST /api/v1/auth/token 获取）"),
                           code="login_required")
    return user


def actor_of(user: User) -> Actor:
    return Actor.of(user)


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "home.login"
    login_manager.login_message = None
    csrf.init_app(app)

    @login_manager.user_loader
    def _load(ident: str) -> SessionUser | None:
        try:
            uid, version = (int(x) for x in ident.split(":"))
        except ValueError:
            return None
        user = cached_user(runtime(), uid, ro_uow)
        if user is None or not user.active or user.auth_version != version:
            return None
        return SessionUser(user)

    app.teardown_request(_end_reads)

    @app.before_request
    def _sync_clock() -> None:
        if runtime().clock.movable and not request.path.startswith("/static") and clock_sync_due():
            sync_clock(ro_uow())
