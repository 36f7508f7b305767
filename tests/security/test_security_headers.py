"""Security headers on every response: a CSP without inline scripts, no framing (frame-ancestors
'none' and X-Frame-Options DENY), nosniff, Referrer-Policy same-origin."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from app.security import CONTENT_SECURITY_POLICY

TEMPLATES = Path(__file__).resolve().parents[2] / "app" / "templates"


def _check(r, html: bool) -> None:
    h = r.headers
    assert h["X-Frame-Options"] == "DENY"
    assert h["X-Content-Type-Options"] == "nosniff"
    assert h["Referrer-Policy"] == "same-origin"
    csp = h["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp
    if html:
        assert csp == CONTENT_SECURITY_POLICY
        script_src = re.search(r"script-src ([^;]*)", csp).group(1)
        assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src


@pytest.mark.parametrize("url, html", [
    ("/login", True), ("/public/", True), ("/public/register", True), ("/api/docs", True), ("/no-such-page", True),
    ("/api/v1/openapi.json", False), ("/api/v1/register", False), ("/static/app.css", False),
    ("/api/v1/no-such-route", False),
])
def test_every_response_carries_the_headers(app, url, html):
    r = app.test_client().get(url)
    _check(r, html)


def test_logged_in_pages_files_and_errors_carry_them(app, api):
    from tests.support.pages import PageClient

    b = PageClient(app, "admin")
    _check(b.get("/"), True)
    _check(b.get("/admin/users"), True)
    _check(b.get("/public/register.csv"), False)
    r = b.post("/login", {"username": "admin", "password": "wrong"})
    _check(r, True)
    _check(api.as_user("applicant1").get("/api/v1/admin/users"), False)  # a 403


def test_no_template_has_inline_script_or_event_handlers():
    offenders = []
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        for m in re.finditer(r"<script\b([^>]*)>", text):
            attrs = m.group(1)
            if "src=" not in attrs and 'type="application/json"' not in attrs:
                offenders.append(f"{path.relative_to(TEMPLATES)}: inline <script{attrs}>")
        for m in re.finditer(r"\son[a-z]+\s*=", text):
            offenders.append(f"{path.relative_to(TEMPLATES)}: event handler attribute {m.group(0).strip()}")
        if "javascript:" in text:
            offenders.append(f"{path.relative_to(TEMPLATES)}: javascript: URL")
    assert not offenders, offenders
