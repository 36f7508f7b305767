"""Files as people upload them: scanned documents of real size that the upload checks can parse."""

from __future__ import annotations

import io
import os


def scan_pdf(target: int, pages: int = 3) -> bytes:
    """A scan-like PDF of ``pages`` A4 pages (JPEG images of noise), about ``target`` bytes."""
    import img2pdf
    from PIL import Image

    side = int((target / pages / 0.9) ** 0.5)
    images = []
    for _ in range(pages):
        im = Image.frombytes("RGB", (side, side), os.urandom(side * side * 3))
        buf = io.BytesIO()
        im.save(buf, "JPEG", quality=90)
        images.append(buf.getvalue())
    layout = img2pdf.get_layout_fun((595.276, 841.89), None, None, img2pdf.FitMode.into)
    return img2pdf.convert(images, layout_fun=layout)
