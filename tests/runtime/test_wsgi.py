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
    assert {t.name for t in threading.enumerate()} - threads_before == set()


def test_production_without_a_secret_key_exits_with_a_message(tmp_path, monkeypatch):
    import pytest

    from app import create_app

    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setenv("APP_INSTANCE_PATH", str(tmp_path))
    monkeypatch.delenv("APP_SECRET_KEY", raising=False)
    with pytest.raises(SystemExit, match="configuration error: production refuses to start with the default secret"):
        create_app()
