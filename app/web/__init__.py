"""Server-rendered pages (Chinese by default)."""

from __future__ import annotations

import importlib

from flask import Blueprint

bp = Blueprint("web", __name__)

from app.web import routes  # noqa: E402,F401

# area modules register their pages on `bp` (each area owns its module)
for _area in ("recognition", "calendar", "collab", "admin", "supervision", "public"):
    try:
        importlib.import_module(f"app.web.{_area}")
    except ModuleNotFoundError as exc:
        if exc.name != f"app.web.{_area}":
            raise
