"""Server-rendered pages (Chinese by default)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("web", __name__)

from app.web import routes  # noqa: E402,F401
