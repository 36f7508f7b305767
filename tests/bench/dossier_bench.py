"""Benchmark: the bound dossier of 13 materials of ~5 MB each (multi-page PDFs and large images).

Prints ``dossier 13x5MB s: <n>`` and ``dossier 13x5MB peak MB: <n>``. The build runs in a child
process; its peak memory is the child's peak resident set size (``resource.getrusage`` of the
finished child, ``ru_maxrss``), so it includes the interpreter and the imported libraries.
A second pair of lines times the full use case input: 附件1 and 附件2 rendered from a real-size
application plus 11 uploads of ~5 MB.

    python -m tests.bench.dossier_bench
"""

from __future__ import annotations

import io
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_BYTES = 5 * 1024 * 1024


def noise_jpeg(width: int, height: int, quality: int = 92) -> bytes:
    from PIL import Image

    im = Image.frombytes("RGB", (width, height), os.urandom(width * height * 3))
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=quality)
    return buf.getvalue()


def noise_png(width: int, height: int) -> bytes:
    from PIL import Image

    im = Image.frombytes("RGB", (width, height), os.urandom(width * height * 3))
    buf = io.BytesIO()
    im.save(buf, "PNG", compress_level=1)
    return buf.getvalue()


def multipage_pdf(pages: int = 10, target: int = TARGET_BYTES) -> bytes:
    """A scan-like PDF: ``pages`` A4 pages, each an image, about ``target`` bytes in all."""
    import img2pdf

    first = sized(noise_jpeg, target // pages)
    from PIL import Image

    with Image.open(io.BytesIO(first)) as im:
        width, height = im.size
    layout = img2pdf.get_layout_fun((595.276, 841.89), None, None, img2pdf.FitMode.into)
    images = [first] + [noise_jpeg(width, height) for _ in range(pages - 1)]
    return img2pdf.convert(images, layout_fun=layout)


def sized(make, target: int = TARGET_BYTES) -> bytes:  # type: ignore[no-untyped-def]
    """An image of about ``target`` bytes (within 5 %)."""
    side = 800
    data = make(side, side)
    for _ in range(8):
        if abs(len(data) - target) <= target * 0.05:
            break
        side = int(side * (target / len(data)) ** 0.5)
        data = make(side, side)
    return data


def make_materials(folder: Path, count: int = 13) -> list[tuple[str, Path, str]]:
    """``count`` files of ~5 MB: multi-page PDFs, JPEGs and PNGs in turn."""
    out = []
    for i in range(1, count + 1):
        kind = ("pdf", "jpeg", "pdf", "png")[i % 4]
        if kind == "pdf":
            data, mime, ext = multipage_pdf(8 + i % 5), "application/pdf", ".pdf"
        elif kind == "jpeg":
            data, mime, ext = sized(noise_jpeg), "image/jpeg", ".jpg"
        else:
            data, mime, ext = sized(noise_png), "image/png", ".png"
        path = folder / f"m{i:02d}{ext}"
        path.write_bytes(data)
        out.append((f"m{i:02d}", path, mime))
    return out


def build(folder: Path, full: bool) -> int:
    """In the child: build the dossier from the materials in ``folder``; prints the page count."""
    from handlers.recognition_steps import MATERIALS
    from processes.documents import forms
    from processes.documents.dossier import Part, build_dossier
    from processes.documents.fonts import font_path
    from processes.documents.render import render_pdf
    from processes.documents.services import contents_renderer

    files = sorted(p for p in folder.iterdir() if p.name[:1] == "m")
    mimes = {".pdf": "application/pdf", ".jpg": "image/jpeg", ".png": "image/png"}
    parts = [Part(p.name[:3], MATERIALS[p.name[:3]], p, mimes[p.suffix], p.name) for p in files]
    unit = "聊城市中小企业综合服务中心有限公司"
    if full:
        from tests.documents.data import COUNTIES, PROFILES, big_application, county_part

        data = big_application() | county_part()
        m01, m02 = folder / "g01.pdf", folder / "g02.pdf"
        m01.write_bytes(render_pdf("annex1.html", forms.recommendation_context(data, COUNTIES, PROFILES)))
        m02.write_bytes(render_pdf("annex2.html", forms.application_context(data, COUNTIES)))
        parts[0] = Part("m01", MATERIALS["m01"], m01)
        parts[1] = Part("m02", MATERIALS["m02"], m02)
    target = folder / "dossier.pdf"
    result = build_dossier(parts, unit, target, font_path(),
                           contents_renderer(unit, "东昌府区", "recognition-2026-000001", "2026年9月28日"))
    print(result["pages"], target.stat().st_size)
    return 0


def measure(folder: Path, full: bool) -> tuple[float, float, str]:
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "tests.bench.dossier_bench", "--child", str(folder)]
                          + (["--full"] if full else []), capture_output=True, text=True, check=True)
    seconds = time.perf_counter() - start
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return seconds, peak_kb / 1024, proc.stdout.strip()


def main() -> None:
    if "--child" in sys.argv:
        raise SystemExit(build(Path(sys.argv[sys.argv.index("--child") + 1]), "--full" in sys.argv))
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        materials = make_materials(folder)
        sizes = [p.stat().st_size for _, p, _ in materials]
        print(f"materials: {len(sizes)} files, {sum(sizes) / 2**20:.1f} MB "
              f"({min(sizes) / 2**20:.1f}–{max(sizes) / 2**20:.1f} MB each)")
        seconds, peak, out = measure(folder, full=False)
        pages, size = out.split()
        print(f"dossier 13x5MB s: {seconds:.2f}")
        print(f"dossier 13x5MB peak MB: {peak:.0f}")
        print(f"dossier 13x5MB pages: {pages}, file MB: {int(size) / 2**20:.1f}")
        seconds, peak2, out = measure(folder, full=True)
        pages, size = out.split()
        print(f"dossier with 附件1+附件2 rendered + 11x5MB s: {seconds:.2f} (pages {pages}, "
              f"peak MB so far {peak2:.0f})")


if __name__ == "__main__":
    main()
