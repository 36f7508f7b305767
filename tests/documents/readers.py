"""Reading generated files the way a person's software would: pypdf, python-docx, openpyxl."""

from __future__ import annotations

import io
import re
from typing import Any

from pypdf import PdfReader


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)


def squash(text: str) -> str:
    """Text without white space (table cells wrap names over lines)."""
    return re.sub(r"\s+", "", text)


def in_order(text: str, needles: Any) -> list[str]:
    """The needles not found in ``text`` one after the other (empty: all in order)."""
    missing, pos = [], 0
    for needle in needles:
        i = text.find(squash(needle), pos)
        if i < 0:
            missing.append(needle)
        else:
            pos = i + 1
    return missing


def embedded_fonts(data: bytes) -> list[tuple[str, bool]]:
    """(font name, embedded?) of every font in the pages' resources (descendant fonts included)."""
    out = []
    for page in PdfReader(io.BytesIO(data)).pages:
        resources = page.get("/Resources")
        fonts = resources.get_object().get("/Font") if resources is not None else None
        for ref in (fonts.get_object().values() if fonts is not None else []):
            font = ref.get_object()
            for f in [font] + [d.get_object() for d in font.get("/DescendantFonts", [])]:
                desc = f.get("/FontDescriptor")
                if desc is not None:
                    d = desc.get_object()
                    files = ("/FontFile", "/FontFile2", "/FontFile3")
                    out.append((str(f.get("/BaseFont")), any(k in d for k in files)))
    return out


def docx_text(data: bytes) -> str:
    from docx import Document

    doc = Document(io.BytesIO(data))
    parts: list[str] = []
    body = doc.element.body
    for child in body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            parts.append("".join(t.text or "" for t in child.iter() if t.tag.endswith("}t")))
        elif tag == "tbl":
            for t in child.iter():
                if t.tag.endswith("}t") and t.text:
                    parts.append(t.text)
    return "\n".join(parts)


def outline_titles(data: bytes) -> list[tuple[str, int]]:
    reader = PdfReader(io.BytesIO(data))
    return [(item.title, reader.get_destination_page_number(item)) for item in reader.outline
            if not isinstance(item, list)]


def page_count(data: bytes) -> int:
    return len(PdfReader(io.BytesIO(data)).pages)
