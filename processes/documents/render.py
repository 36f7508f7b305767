"""Jinja2 templates → HTML → PDF (WeasyPrint). Data in, bytes out; no Flask, no database.

Templates live in ``processes/documents/templates/``; every page uses ``_base.html`` (A4, the embedded
CJK font, page numbers). ``TEMPLATE_VERSION`` hashes the templates so a cached PDF is rebuilt when
a template changes.
"""

from __future__ import annotations

import hashlib
import logging
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from processes.documents import labels
from processes.documents.fonts import FAMILY, font_face_css, font_path

TEMPLATES = Path(__file__).resolve().parent / "templates"
RENDERER_VERSION = "1"  # bump when the code (not the templates) changes what a document looks like


@cache
def environment() -> Environment:
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html"]),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["cn_date"] = labels.cn_date
    env.filters["number"] = labels.number
    return env


@cache
def template_version() -> str:
    """A hash of the templates and this module's version: part of every cache key."""
    h = hashlib.sha256(RENDERER_VERSION.encode())
    for path in sorted(TEMPLATES.rglob("*")):
        if path.is_file():
            h.update(path.name.encode())
            h.update(path.read_bytes())
    return h.hexdigest()[:16]


def render_html(template: str, context: dict[str, Any], font: str = "") -> str:
    """The template filled in; ``font_css`` declares the embedded CJK font by file path."""
    return environment().get_template(template).render(
        **context, font_css=font_face_css(font_path(font)), font_family=FAMILY)


def render_pdf(template: str, context: dict[str, Any], font: str = "", title: str = "") -> bytes:
    """The template as a PDF with the CJK font embedded (subset)."""
    from weasyprint import HTML  # imported here: loading Pango takes a moment

    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    html = render_html(template, context, font)
    document = HTML(string=html, base_url=str(TEMPLATES)).render()
    if title:
        document.metadata.title = title
    document.metadata.authors = [labels.ISSUER]
    return bytes(document.write_pdf())
