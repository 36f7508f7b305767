"""WSGI entry point for production: ``gunicorn -w 4 'app.wsgi:app'`` (web workers only).

The scheduler runs as its own single process beside them (``flask --app app scheduler``), never inside
a web worker (every worker would run every job).
"""

from __future__ import annotations

from app import create_app

app = create_app()
