"""The dossier assembler on its own: odd inputs (rotated pages, other page sizes, an image with an
alpha channel, a missing material) still give one PDF whose pages are the sum of its parts, with a
footer on the visual bottom of every page and one bookmark per material."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image
from pypdf import PdfReader, PdfWriter

from processes.documents.dossier import Part, build_dossier
from processes.documents.fonts import font_path
from processes.documents.render import render_pdf
from processes.documents.services import contents_renderer
from tests.documents.readers import squash

UNIT = "茌平区某服务平台有限公司"


def _rotated_pdf(path: Path) -> None:
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    page = writer.add_blank_page(842, 595)  # landscape A4
    page.rotate(90)
    writer.add_blank_page(612, 792).rotate(180)  # US letter, upside down
    with path.open("wb") as fh:
        writer.write(fh)


def test_rotated_pages_alpha_images_and_a_missing_material(tmp_path: Path):
    pdf = tmp_path / "scan.pdf"
    _rotated_pdf(pdf)
    png = tmp_path / "photo.png"
    Image.new("RGBA", (1600, 1000), (30, 120, 200, 128)).save(png)  # img2pdf refuses alpha: converted
    jpg = tmp_path / "photo.jpg"
    Image.new("RGB", (800, 2400), (200, 40, 40)).save(jpg, quality=90)
    generated = tmp_path / "annex.pdf"
    generated.write_bytes(render_pdf("contents.html", {"title": "t", "unit_name": UNIT, "county": "茌平区",
                                                       "business_key": "k", "bound_on": "", "parts": [],
                                                       "measure": ""}))
    parts = [Part("m01", "推荐表（附件1）", generated), Part("m02", "申请报告（附件2）", generated),
             Part("m03", "法人证书", pdf), Part("m04", "审计报告", png, "image/png"),
             Part("m05", "场所证明", None), Part("m06", "服务证明", jpg, "image/jpeg")]
    target = tmp_path / "dossier.pdf"
    result = build_dossier(parts, UNIT, target, font_path(),
                           contents_renderer(UNIT, "茌平区", "RECOGNITION-2026-00009", "2026年9月28日"))
    reader = PdfReader(str(target))
    assert len(reader.pages) == result["pages"] == 1 + 1 + 1 + 3 + 1 + 1
    titles = [(o.title, reader.get_destination_page_number(o)) for o in reader.outline]
    assert titles == [("目录", 0), ("（一）推荐表（附件1）", 1), ("（二）申请报告（附件2）", 2), ("（三）法人证书", 3),
                      ("（四）审计报告", 6), ("（六）服务证明", 7)]
    assert "（五）场所证明（未提交）" in squash(reader.pages[0].extract_text())
    total = len(reader.pages)
    for i, page in enumerate(reader.pages):
        assert f"第{i + 1}/{total}页" in squash(page.extract_text()), i
    # images are placed on A4 pages, landscape for a landscape image
    assert [round(float(v)) for v in reader.pages[6].mediabox[2:]] == [842, 595]
    assert [round(float(v)) for v in reader.pages[7].mediabox[2:]] == [595, 842]
    assert io.BytesIO(target.read_bytes()).getbuffer().nbytes < 2_000_000


def test_footer_sits_on_the_visual_bottom_of_rotated_pages(tmp_path: Path):
    from processes.documents.stamp import _matrix

    writer = PdfWriter()
    portrait = writer.add_blank_page(595, 842)
    landscape = writer.add_blank_page(842, 595)
    landscape.rotate(90)
    upside = writer.add_blank_page(595, 842)
    upside.rotate(180)
    assert _matrix(portrait, 100) == [1, 0, 0, 1, 247.5, 16.0]
    # /Rotate 90: the visual bottom is the user space's right edge, text running upwards
    assert _matrix(landscape, 100) == [0, 1, -1, 0, 842 - 16.0, (595 - 100) / 2]
    assert _matrix(upside, 100) == [-1, 0, 0, -1, 595 - 247.5, 842 - 16.0]
