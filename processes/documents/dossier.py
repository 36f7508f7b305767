"""The bound dossier (Art. 12: "按照下列顺序装订成册"): one PDF of 附件1, 附件2 and materials 3–13.

A contents page with page numbers comes first, then each material in Art. 12 order; every material
has a bookmark; every page, uploaded PDF pages included, carries the footer "unit · 第 x / y 页".
Images (JPEG, PNG) are placed on A4 pages without re-encoding where possible (img2pdf).

Memory stays bounded: parts are read from files, page content streams are never decoded, and the
result is written to a temporary file that the caller renames into place.
"""

from __future__ import annotations

import io
import logging
import tempfile
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import img2pdf
from PIL import Image
from pypdf import PdfReader, PdfWriter

from processes.documents.stamp import FooterFont, Stamper, footer_text

log = logging.getLogger(__name__)
A4 = (595.276, 841.89)
IMAGE_BORDER = (56.7, 42.5)  # pt: 2 cm top/bottom (room for the footer), 1.5 cm left/right
CN_NUMERALS = ("一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二", "十三")


@dataclass
class Part:
    """One material of the dossier: its Art. 12 key and name, and its file (None: not submitted)."""

    mkey: str
    name: str
    path: Path | None
    mime: str = "application/pdf"
    file_name: str = ""
    pages: int = 0
    start: int = 0
    pdf_path: Path | None = field(default=None, repr=False)
    unreadable: bool = False  # the uploaded file is damaged: a blank page stands for it

    @property
    def heading(self) -> str:
        index = int(self.mkey[1:]) - 1
        numeral = CN_NUMERALS[index] if 0 <= index < len(CN_NUMERALS) else self.mkey
        return f"（{numeral}）{self.name}" + ("（文件已损坏，无法读取）" if self.unreadable else "")


def _blank_page() -> PdfReader:
    """One empty A4 page."""
    writer = PdfWriter()
    writer.add_blank_page(595.28, 841.89)
    buf = io.BytesIO()
    writer.write(buf)
    buf.seek(0)
    return PdfReader(buf)


def image_to_pdf(source: Path, target: Path) -> None:
    """A JPEG or PNG placed on an A4 page (fitted inside the margins, turned by its EXIF orientation).
    JPEGs are embedded as they are; an image img2pdf cannot take as is (alpha channel, …) is
    converted with Pillow first."""

    layout = img2pdf.get_layout_fun(A4, None, IMAGE_BORDER, img2pdf.FitMode.into, auto_orient=True)
    try:
        with target.open("wb") as out:
            img2pdf.convert(str(source), layout_fun=layout, rotation=img2pdf.Rotation.ifvalid, outputstream=out)
        return
    except Exception as exc:  # noqa: BLE001 — any image img2pdf refuses gets the Pillow route
        log.info("img2pdf could not take %s as is (%s); converting", source.name, exc)

    with Image.open(source) as im:
        rgb = im.convert("RGB")
        buf = io.BytesIO()
        rgb.save(buf, "JPEG", quality=90)
    with target.open("wb") as out:
        img2pdf.convert(buf.getvalue(), layout_fun=layout, outputstream=out)


def build_dossier(parts: Sequence[Part], unit_name: str, target: Path, font_path: Path,
                  render_contents: Callable[[list[Part], int], bytes], title: str = "") -> dict[str, Any]:
    """Assemble the dossier into ``target``: contents page(s), then each part in order.

    ``render_contents(parts, contents_pages)`` renders the contents page(s) with the parts' first
    page numbers counted after ``contents_pages`` pages of contents. Returns {pages, parts: [...]}.
    """
    with tempfile.TemporaryDirectory(prefix="dossier-", dir=target.parent) as tmp, ExitStack() as files:
        readers: list[tuple[Part, PdfReader]] = []
        for part in parts:
            if part.path is None:
                continue
            pdf_path = part.path
            try:
                if part.mime in ("image/jpeg", "image/png"):
                    pdf_path = Path(tmp) / f"{part.mkey}.pdf"
                    image_to_pdf(part.path, pdf_path)
                # an open file, not a path: pypdf reads a path whole into memory, a file it seeks in
                reader = PdfReader(files.enter_context(pdf_path.open("rb")))
                pages = len(reader.pages)
            except Exception as exc:  # noqa: BLE001 - one damaged upload must not stop the whole dossier
                log.warning("dossier: %s (%s) cannot be read, a blank page stands for it: %s", part.mkey,
                            part.file_name, exc)
                part.unreadable = True
                reader, pages = _blank_page(), 1
            part.pdf_path, part.pages = pdf_path, pages
            readers.append((part, reader))
        contents_pages, contents = 1, b""
        for _ in range(3):  # the contents page count decides every later page number
            start = contents_pages + 1
            for part, _reader in readers:
                part.start, start = start, start + part.pages
            contents = render_contents(list(parts), contents_pages)
            counted = len(PdfReader(io.BytesIO(contents)).pages)
            if counted == contents_pages:
                break
            contents_pages = counted
        total = contents_pages + sum(p.pages for p, _ in readers)

        writer = PdfWriter()
        contents_reader = PdfReader(io.BytesIO(contents))
        for page in contents_reader.pages:
            writer.add_page(page)
        writer.add_outline_item(title="目录", page_number=0)
        for part, reader in readers:
            first = len(writer.pages)
            for page in reader.pages:
                writer.add_page(page)
            writer.add_outline_item(title=part.heading, page_number=first)
        stamper = Stamper(writer, FooterFont(font_path, unit_name))
        for index, page in enumerate(writer.pages, start=1):
            stamper.stamp(page, footer_text(unit_name, index, total))
        writer.add_metadata({"/Title": title or f"{unit_name} 申报材料", "/Producer": "lc-sme-platforms"})
        writer.page_mode = "/UseOutlines"
        with target.open("wb") as out:
            writer.write(out)
        writer.close()
    return {"pages": total, "contents_pages": contents_pages,
            "parts": [{"mkey": p.mkey, "name": p.name, "start": p.start, "pages": p.pages} for p in parts]}
