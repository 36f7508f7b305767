"""The dossier's footer (unit name · 第 x / y 页), stamped onto every page, uploaded PDFs included.

The text is drawn with a subset of the CJK font embedded as a Type0/CIDFontType2 font (Identity-H,
with a ToUnicode map so the footer can be searched and extracted). The page's own content streams
are not decoded or rewritten: the stamp adds a ``q`` stream before and a ``Q`` + footer stream after
them, which keeps stamping cheap and memory flat for scans of several MB.
"""

from __future__ import annotations

import io
import logging
from pathlib import Path
from typing import Any

from fontTools import subset
from fontTools.ttLib import TTFont
from pypdf import PdfWriter
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    NameObject,
    NumberObject,
    StreamObject,
    TextStringObject,
)

FONT_RESOURCE = "/FDossierFooter"
FOOTER_SIZE = 8.0
FOOTER_BASELINE = 16.0  # pt above the page's visual bottom edge
FIXED_CHARS = "第页/ ·0123456789"


class FooterFont:
    """A subset of the TrueType font at ``path`` covering ``text`` (plus digits and 第页/·)."""

    def __init__(self, path: Path, text: str) -> None:
        chars = sorted(set(text + FIXED_CHARS) - {"\n", "\r", "\t"})
        font = TTFont(str(path), fontNumber=0, lazy=True, recalcBBoxes=False)
        if "glyf" not in font:
            raise ValueError(f"{path}: the footer needs a TrueType (glyf) font")
        logging.getLogger("fontTools.subset").setLevel(logging.ERROR)
        options = subset.Options()
        options.layout_features = []
        options.hinting = False
        options.name_IDs = [1, 2]
        options.notdef_outline = True
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=[ord(c) for c in chars])
        subsetter.subset(font)
        buf = io.BytesIO()
        font.save(buf)
        self.data = buf.getvalue()
        self.scale = 1000.0 / font["head"].unitsPerEm
        cmap = font.getBestCmap()
        self.gid = {c: font.getGlyphID(cmap[ord(c)]) for c in chars if ord(c) in cmap}
        hmtx = font["hmtx"]
        self.widths = {g: round(hmtx[font.getGlyphName(g)][0] * self.scale) for g in self.gid.values()}
        head, hhea = font["head"], font["hhea"]
        self.bbox = [round(v * self.scale) for v in (head.xMin, head.yMin, head.xMax, head.yMax)]
        self.ascent, self.descent = round(hhea.ascent * self.scale), round(hhea.descent * self.scale)
        os2 = font["OS/2"] if "OS/2" in font else None
        self.cap_height = round(getattr(os2, "sCapHeight", 0) * self.scale) or self.ascent
        self.name = "DOSSFT+" + "".join(ch for ch in str(font["name"].getDebugName(1) or "CJK") if ch.isalnum())[:40]

    def encode(self, text: str) -> bytes:
        """The text as a hex string of glyph ids (characters the font lacks become .notdef)."""
        return b"<" + "".join(f"{self.gid.get(c, 0):04X}" for c in text).encode() + b">"

    def width(self, text: str, size: float) -> float:
        return sum(self.widths.get(self.gid.get(c, 0), 1000) for c in text) * size / 1000.0

    def add_to(self, writer: PdfWriter) -> Any:
        """The font objects added to ``writer``; returns the Type0 font's reference."""
        file_stream = StreamObject()
        file_stream.set_data(self.data)
        file_stream[NameObject("/Length1")] = NumberObject(len(self.data))
        file_stream = file_stream.flate_encode()
        descriptor = DictionaryObject({
            NameObject("/Type"): NameObject("/FontDescriptor"), NameObject("/FontName"): NameObject("/" + self.name),
            NameObject("/Flags"): NumberObject(4),
            NameObject("/FontBBox"): ArrayObject([NumberObject(v) for v in self.bbox]),
            NameObject("/ItalicAngle"): NumberObject(0), NameObject("/Ascent"): NumberObject(self.ascent),
            NameObject("/Descent"): NumberObject(self.descent), NameObject("/CapHeight"): NumberObject(self.cap_height),
            NameObject("/StemV"): NumberObject(80), NameObject("/FontFile2"): writer._add_object(file_stream),
        })
        widths = ArrayObject()
        for gid in sorted(self.widths):
            widths.extend([NumberObject(gid), ArrayObject([NumberObject(self.widths[gid])])])
        cid_font = DictionaryObject({
            NameObject("/Type"): NameObject("/Font"), NameObject("/Subtype"): NameObject("/CIDFontType2"),
            NameObject("/BaseFont"): NameObject("/" + self.name),
            NameObject("/CIDSystemInfo"): DictionaryObject({
                NameObject("/Registry"): TextStringObject("Adobe"),
                NameObject("/Ordering"): TextStringObject("Identity"),
                NameObject("/Supplement"): NumberObject(0)}),
            NameObject("/FontDescriptor"): writer._add_object(descriptor),
            NameObject("/DW"): NumberObject(1000), NameObject("/W"): widths,
            NameObject("/CIDToGIDMap"): NameObject("/Identity"),
        })
        to_unicode = DecodedStreamObject()
        to_unicode.set_data(self._to_unicode())
        font = DictionaryObject({
            NameObject("/Type"): NameObject("/Font"), NameObject("/Subtype"): NameObject("/Type0"),
            NameObject("/BaseFont"): NameObject("/" + self.name), NameObject("/Encoding"): NameObject("/Identity-H"),
            NameObject("/DescendantFonts"): ArrayObject([writer._add_object(cid_font)]),
            NameObject("/ToUnicode"): writer._add_object(to_unicode),
        })
        return writer._add_object(font)

    def _to_unicode(self) -> bytes:
        pairs = [f"<{gid:04X}> <{ord(c):04X}>" for c, gid in sorted(self.gid.items(), key=lambda kv: kv[1])]
        chunks = [pairs[i:i + 100] for i in range(0, len(pairs), 100)]
        body = "".join(f"{len(chunk)} beginbfchar\n" + "\n".join(chunk) + "\nendbfchar\n" for chunk in chunks)
        return ("/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
                "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
                "/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
                "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n" + body +
                "endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n").encode("ascii")


def _matrix(page: Any, text_width: float) -> list[float]:
    """Text matrix placing the footer centred at the page's visual bottom, whatever its /Rotate."""
    box = page.cropbox
    x0, y0, x1, y1 = float(box.left), float(box.bottom), float(box.right), float(box.top)
    rotate = int(page.get("/Rotate", 0) or 0) % 360
    w, h = x1 - x0, y1 - y0
    visual_w = h if rotate in (90, 270) else w
    vx, vy = (visual_w - text_width) / 2, FOOTER_BASELINE
    if rotate == 90:
        return [0, 1, -1, 0, x1 - vy, y0 + vx]
    if rotate == 180:
        return [-1, 0, 0, -1, x1 - vx, y1 - vy]
    if rotate == 270:
        return [0, -1, 1, 0, x0 + vy, y1 - vx]
    return [1, 0, 0, 1, x0 + vx, y0 + vy]


class Stamper:
    """Stamps footers onto the pages of one writer (the font and the opening ``q`` added once)."""

    def __init__(self, writer: PdfWriter, font: FooterFont) -> None:
        self.writer = writer
        self.font = font
        self.font_ref = font.add_to(writer)
        opening = DecodedStreamObject()
        opening.set_data(b"q\n")
        self.opening = writer._add_object(opening)

    def stamp(self, page: Any, text: str) -> None:
        width = self.font.width(text, FOOTER_SIZE)
        m = " ".join(f"{v:.3f}" for v in _matrix(page, width))
        footer = DecodedStreamObject()
        footer.set_data(b"\nQ\nq " + m.encode() + b" cm BT " + FONT_RESOURCE.encode() + b" " +
                        f"{FOOTER_SIZE:g}".encode() + b" Tf 0.2 g 0 0 Td " + self.font.encode(text) + b" Tj ET Q\n")
        contents = page.get("/Contents")
        parts = ArrayObject([self.opening])
        if contents is not None:
            if isinstance(contents.get_object(), ArrayObject):
                parts.extend(contents.get_object())
            else:
                parts.append(contents if hasattr(contents, "idnum") else self.writer._add_object(contents))
        parts.append(self.writer._add_object(footer))
        page[NameObject("/Contents")] = parts
        resources = page.get("/Resources")
        resources = resources.get_object() if resources is not None else None
        if resources is None:
            resources = DictionaryObject()
            page[NameObject("/Resources")] = resources
        fonts = resources.get("/Font")
        fonts = fonts.get_object() if fonts is not None else None
        if fonts is None:
            fonts = DictionaryObject()
            resources[NameObject("/Font")] = fonts
        fonts[NameObject(FONT_RESOURCE)] = self.font_ref


def footer_text(unit_name: str, page: int, pages: int) -> str:
    return f"{unit_name} · 第 {page} / {pages} 页"

