"""The Flask app: factory, extensions, blueprints. Routes translate HTTP into service calls."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask

from processes.runtime import Runtime, build_runtime
from processes.settings import Settings, SettingsError, load_settings


def create_app(settings: Settings | None = None, runtime: Runtime | None = None, **overrides: Any) -> Flask:
    if settings is None:
        try:
            settings = load_settings(**overrides)
        except SettingsError as exc:  # say what is wrong, not a traceback
            raise SystemExit(f"configuration error: {exc}") from None
    app = Flask(__name__, instance_path=settings.instance_path, instance_relative_config=True)
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
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    rt = runtime or build_runtime(settings)
    app.extensions["runtime"] = rt
    app.extensions["settings"] = settings

    from app import extensions

    extensions.init_app(app)

    from app.api import bp as api_bp
    from app.api.documents import bp as documents_api_bp
    from app.errors import register_error_handlers
    from app.web import bp as web_bp
    from app.web.documents import bp as documents_bp

    app.register_blueprint(api_bp)
    app.register_blueprint(web_bp)
    app.register_blueprint(documents_bp)
    app.register_blueprint(documents_api_bp)
    register_error_handlers(app)
    from app.i18n import init_i18n

    init_i18n(app)

    from app.cli import register_cli

    register_cli(app)
    logging.getLogger("SpiffWorkflow").setLevel(logging.WARNING)
    return app
