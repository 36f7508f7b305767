"""JSON API under /api/v1. Bearer tokens; errors as {"error", "errors"}."""

from __future__ import annotations

import importlib

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from app.api import routes  # noqa: E402,F401

# area modules register their routes on `bp` (each area owns its module)
for _area in ("recognition", "calendar", "collab", "admin", "supervision"):
    try:
        importlib.import_module(f"app.api.{_area}")
    except ModuleNotFoundError as exc:
        if exc.name != f"app.api.{_area}":
            raise
