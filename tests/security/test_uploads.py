"""Uploads are judged by their content and really opened: a PDF parses and has a page, an image
decodes and is no decompression bomb; file names lose path parts and control characters."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from processes.errors import Invalid
from processes.recognition.services import _sniff, clean_file_name
from tests.recognition.conftest import PDF, PNG


def _jpeg(size: tuple[int, int] = (16, 16)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, "red").save(buf, "JPEG")
    return buf.getvalue()


def _png_bomb() -> bytes:
    """A tiny PNG file that claims 20000×20000 pixels (400 MP): decompresses to far more than it weighs."""
    buf = io.BytesIO()
    Image.new("1", (20000, 20000), 0).save(buf, "PNG", optimize=True)
    return buf.getvalue()


def test_real_files_are_accepted():
    assert _sniff(PDF) == ("application/pdf", ".pdf")
    assert _sniff(PNG) == ("image/png", ".png")
    assert _sniff(_jpeg()) == ("image/jpeg", ".jpg")


@pytest.mark.parametrize("content", [
    b"MZ\x90\x00not a pdf", b"GIF89a" + b"\0" * 20, b"<html><script>alert(1)</script></html>", b"PK\x03\x04zip",
])
def test_other_types_are_refused(content):
    assert _sniff(content) is None


@pytest.mark.parametrize("content, words", [
    (b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n", "PDF"),  # the first bytes only, no page
    (b"%PDF-1.7\n<script>alert(1)</script>", "PDF"),
    (b"\x89PNG\r\n\x1a\n" + b"\0" * 32, "图片"),  # a PNG signature followed by nothing
    (b"\xff\xd8\xff\xe0" + b"<?php system($_GET['c']); ?>", "图片"),
])
def test_files_that_only_start_right_are_refused(content, words):
    with pytest.raises(Invalid) as exc:
        _sniff(content, "attachment")
    assert exc.value.errors[0]["field"] == "attachment" and words in exc.value.errors[0]["message"]


def test_a_truncated_image_is_refused():
    with pytest.raises(Invalid, match="图片"):
        _sniff(PNG[: len(PNG) // 2])


def test_a_decompression_bomb_is_refused():
    bomb = _png_bomb()
    assert len(bomb) < 200_000
    with pytest.raises(Invalid, match="像素过多"):
        _sniff(bomb)


def test_an_encrypted_pdf_is_refused():
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(PDF)))
    writer.encrypt("secret")
    buf = io.BytesIO()
    writer.write(buf)
    with pytest.raises(Invalid, match="加密"):
        _sniff(buf.getvalue())


@pytest.mark.parametrize("name, expected", [
    ("../../etc/passwd", "passwd"), ("C:\\Users\\x\\报告.pdf", "报告.pdf"), ("a\x00b.pdf", "ab.pdf"),
    ("evil\u202egpj.pdf", "evilgpj.pdf"), ("line\nbreak\r.pdf", "linebreak.pdf"), ("..", "m03.pdf"),
    ("", "m03.pdf"), (None, "m03.pdf"), ("/", "m03.pdf"), ("x" * 300 + ".pdf", "x" * 255),
])
def test_file_names_lose_paths_and_control_characters(name, expected):
    assert clean_file_name(name, "m03.pdf") == expected


def test_the_api_refuses_a_fake_pdf_and_cleans_the_name(rec):
    bk = rec.start()["business_key"]
    r = rec.upload(bk, "m03", b"%PDF-1.4\n%%EOF\n")
    assert r.status_code == 422 and r.get_json()["errors"][0]["field"] == "file"
    r = rec.upload(bk, "m03", PDF, name="../../evil\u202efdp.exe")
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["file_name"] == "evilfdp.exe"
