"""Fixtures of the documents tests: an application at real size with several-MB uploads, walked
through the recognition procedure as the demo users (tests/recognition/conftest.py)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest

from processes.settings import Settings, load_settings
from tests.bench.dossier_bench import multipage_pdf, noise_jpeg, noise_png, sized
from tests.documents.data import big_application
from tests.recognition.conftest import UPLOADS, Recognition

MB = 1024 * 1024


@pytest.fixture
def settings(tmp_path: Path, db_url: str) -> Settings:
    """The test settings, with uploads of several MB allowed (the test config caps them at 2 MB)."""
    return load_settings("test", instance_path=str(tmp_path / "instance"), database_url=db_url, upload_max_mb=20)


@pytest.fixture(scope="session")
def material_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[bytes, str, int]]:
    """m03–m13: multi-page scanned PDFs, large JPEGs and PNGs of 1.5–3 MB: (content, name, pages)."""
    out: dict[str, tuple[bytes, str, int]] = {}
    for i, mkey in enumerate(UPLOADS):
        kind = ("pdf", "jpeg", "pdf", "png")[i % 4]
        if kind == "pdf":
            pages = 3 + i % 4
            out[mkey] = (multipage_pdf(pages, int(2.5 * MB)), f"{mkey}.pdf", pages)
        elif kind == "jpeg":
            out[mkey] = (sized(noise_jpeg, 3 * MB), f"{mkey}.jpg", 1)
        else:
            out[mkey] = (sized(noise_png, int(1.5 * MB)), f"{mkey}.png", 1)
    return out


class Docs(Recognition):
    """The recognition walk with a full-size application, real uploads and a complete 附件1."""

    def __init__(self, api: Any, files: dict[str, tuple[bytes, str, int]]) -> None:
        super().__init__(api)
        self.files = files

    def apply_full(self, user: str = "applicant1", unit: str | None = None) -> dict[str, Any]:
        inst = self.start(user)
        for mkey, (content, name, _pages) in self.files.items():
            r = self.upload(inst["business_key"], mkey, content, user=user, name=name)
            assert r.status_code == 201, r.get_json()
        form = big_application()
        if unit:
            form["unit_name"] = unit
        if user != "applicant1":
            from tests.recognition.conftest import credit_code

            form["credit_code"] = credit_code(int(user[-1]) + 40)
        self.complete(user, "fill_application", **form)
        return inst

    def recommend_full(self, user: str = "county-dongchangfu") -> Any:
        return self.complete(user, "county_review", county_decision="recommend",
                             county_opinion="经核查，该平台符合认定条件。\n同意推荐。", survey_method_phone=True,
                             survey_method_visit=True, county_fill_date="2026-09-28",
                             survey_samples=self.survey(user), confirm_7_1a=True, confirm_7_1d=True,
                             confirm_7_3a=True, confirm_7_4a=True, confirm_7_4b=True)

    def get(self, user: str | None, url: str) -> Any:
        if user is None:
            return self.api.client.get(url)
        return self.api.as_user(user).get(url)


@pytest.fixture
def docs(api: Any, material_files: dict[str, tuple[bytes, str, int]]) -> Docs:
    helper = Docs(api, material_files)
    helper.deploy()
    helper.open_round()
    return helper


def pdf_bytes(response: Any) -> bytes:
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.mimetype == "application/pdf"
    return response.get_data()


def xlsx_rows(response: Any) -> list[list[Any]]:
    from openpyxl import load_workbook

    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    wb = load_workbook(io.BytesIO(response.get_data()))
    return [list(r) for r in wb.active.iter_rows(values_only=True)]
