"""The production entry point builds the app from the environment and starts no scheduler."""

from __future__ import annotations

import importlib
import sys
import threading


def test_wsgi_module_builds_the_app_without_a_scheduler(tmp_path, monkeypatch):
    monkeypatch.setenv("APP_ENV", "test")
    monkeypatch.setenv("APP_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("APP_DATABASE_URL", f"sqlite:///{tmp_path / 'wsgi.db'}")
    sys.modules.pop("app.wsgi", None)
    threads_before = {t.name for t in threading.enumerate()}
    module = importlib.import_module("app.wsgi")
    assert module.app.name == "app" and "api_tasks" in module.app.blueprints
    # the rate limiter's in-memory store expires its counters on a timer: not a scheduler
    limiter_timers = {t.name for t in threading.enumerate()
                      if type(getattr(t, "function", None)).__name__ == "method"
                      and t.function.__module__.startswith("limits.")}
    assert {t.name for t in threading.enumerate()} - threads_before - limiter_timers == set()


def test_production_without_a_secret_key_exits_with_a_message(tmp_path, monkeypatch):
    import pytest

    from app import create_app

    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setenv("APP_INSTANCE_PATH", str(tmp_path))
    monkeypatch.delenv("APP_SECRET_KEY", raising=False)
    with pytest.raises(SystemExit, match="configuration error: production refuses to start with the default secret"):
        create_app()
