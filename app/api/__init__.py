"""JSON API under /api/v1. Bearer tokens; errors as {"error", "errors"}."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

# each area module registers its routes on `bp`
from app.api import (  # noqa: E402,F401
    admin,
    calendar,
    collab,
    recognition,
    routes,  # noqa: E402,F401
    supervision,
)
