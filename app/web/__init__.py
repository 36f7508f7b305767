"""Server-rendered pages (Chinese by default)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("web", __name__)

# each area module registers its routes on `bp`
from app.web import (  # noqa: E402,F401
    admin,
    calendar,
    collab,
    public,
    routes,  # noqa: E402,F401
    supervision,
)
