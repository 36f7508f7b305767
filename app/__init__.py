"""The Flask app: factory, extensions, blueprints. Routes translate HTTP into service calls."""

from __future__ import annotations

import logging
from typing import Any

import click
from flask import Flask
from flask.json.provider import DefaultJSONProvider
from flask_openapi3 import Info, OpenAPI

from app import extensions, security
from app.api import admin as api_admin
from app.api import apidocs
from app.api import auth as api_auth
from app.api import calendar as api_calendar
from app.api import documents as api_documents
from app.api import instances as api_instances
from app.api import notifications as api_notifications
from app.api import recognition as api_recognition
from app.api import supervision as api_supervision
from app.api import tasks as api_tasks
from app.api.common import ErrorOut, validation_error_response
from app.cli import register_cli
from app.errors import register_error_handlers
from app.i18n import init_i18n
from app.security import production_checks
from app.templating import init_templating
from app.web import admin, calendar, documents, home, notifications, public, recognition, supervision, tasks
from processes.runtime import Runtime, build_runtime
from processes.settings import Settings, SettingsError, load_settings


class ReadableJSONProvider(DefaultJSONProvider):
    ensure_ascii = False  # Chinese stays readable in API responses


PAGES = (home.bp, tasks.bp, notifications.bp, recognition.bp, public.bp, supervision.bp, calendar.bp, admin.bp,
         documents.bp)
API = (api_auth.bp, api_instances.bp, api_tasks.bp, api_notifications.bp, api_recognition.bp, api_supervision.bp,
       api_calendar.bp, api_admin.bp, api_documents.bp)


def create_app(settings: Settings | None = None, runtime: Runtime | None = None, **overrides: Any) -> Flask:
    if settings is None:
        try:
            settings = load_settings(**overrides)
        except SettingsError as exc:  # say what is wrong, not a traceback
            raise SystemExit(f"configuration error: {exc}") from None
    app = OpenAPI(__name__, instance_path=settings.instance_path, instance_relative_config=True, doc_ui=False,
                  info=Info(title="聊城市中小企业公共服务示范平台认定管理系统 API", version="1"),
                  security_schemes={"bearer": {"type": "http", "scheme": "bearer",
                                               "description": "POST /api/v1/auth/token 获取的令牌"}},
                  validation_error_status=422, validation_error_model=ErrorOut,
                  validation_error_callback=validation_error_response)
    app.config.update(
        SECRET_KEY=settings.secret_key,
        MAX_CONTENT_LENGTH=settings.upload_max_mb * 1024 * 1024,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.env == "production",
        WTF_CSRF_TIME_LIMIT=None,
        JSON_AS_ASCII=False,
        TESTING=settings.env == "test",
        DEMO_CLOCK=settings.demo_clock,
    )
    app.json = ReadableJSONProvider(app)
    rt = runtime or build_runtime(settings)
    if settings.env == "production" and click.get_current_context(silent=True) is None:
        # the web app (gunicorn, app.serve) refuses demo accounts; the CLI loads the app too, and must
        # work to remove them (the scheduler command checks for itself)
        production_checks(rt)
    app.extensions["runtime"] = rt
    app.extensions["settings"] = settings

    extensions.init_app(app)
    security.init_app(app)
    for bp in PAGES:
        app.register_blueprint(bp)
    for api in API:
        extensions.csrf.exempt(api)  # API clients authenticate with bearer tokens, not cookies
        app.register_api(api)
    app.register_blueprint(apidocs.bp)
    register_error_handlers(app)
    security.init_after_routes(app, settings.ratelimit_storage_uri, settings.trusted_proxies)
    init_i18n(app)
    init_templating(app)
    register_cli(app)
    logging.getLogger("SpiffWorkflow").setLevel(logging.WARNING)
    return app

