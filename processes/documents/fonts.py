"""The CJK font every generated PDF embeds (so a page looks the same in any viewer).

The file is named by the setting ``document_font``; when empty, the first of the Debian fonts below
that is installed. ``make setup``/``make test`` and ``.ci/run`` install ``fonts-wqy-microhei``
(scripts/ensure-document-deps.sh).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",  # fonts-wqy-microhei
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",  # fonts-wqy-zenhei
    "/usr/share/fonts/truetype/arphic/uming.ttc",  # fonts-arphic-uming
)
FAMILY = "DocCJK"


class FontMissing(RuntimeError):
    """No CJK font to embed; the message names the Debian package to install."""


@cache
def font_path(configured: str = "") -> Path:
    """The TrueType (glyf) font file to embed: ``configured`` when given, else the first installed
    candidate. Raises FontMissing naming the package when there is none."""
    if configured:
        path = Path(configured)
        if not path.is_file():
            raise FontMissing(f"document_font {configured!r} does not exist")
        return path
    for candidate in CANDIDATES:
        if Path(candidate).is_file():
            return Path(candidate)
    raise FontMissing("no CJK font for the generated PDFs: install the Debian package fonts-wqy-microhei "
                      "(apt-get install fonts-wqy-microhei) or set document_font to a TrueType font file")


def font_face_css(path: Path) -> str:
    """@font-face rules naming the file by path, so WeasyPrint embeds exactly this font."""
    url = path.resolve().as_uri()
    # one face: headings in bold are emboldened from it (the font has no bold of its own)
    return f"@font-face {{ font-family: {FAMILY}; src: url('{url}'); }}\n"
