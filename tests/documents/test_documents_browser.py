"""In the browser: the staff open 附件1, 附件2 and the dossier from the task page, the applicant the
certificate from the register, anyone the notices. One page of each PDF is rendered to PNG
(pdftoppm) under test-artifacts/documents/ for a person to look at."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from processes.services.core import Actor
from tests.documents.conftest import Docs
from tests.documents.data import UNIT
from tests.documents.readers import pdf_text, squash

pytestmark = pytest.mark.browser
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "documents"


class Browser:
    def __init__(self, browser: Any, base: str) -> None:
        self.base = base
        self.context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
        self.context.set_default_timeout(15_000)
        self.page = self.context.new_page()

    def login(self, username: str) -> Browser:
        self.page.goto(self.base + "/login")
        self.page.fill("input[name=username]", username)
        self.page.fill("input[name=password]", "demo")
        self.page.click("button[type=submit]")
        self.page.wait_for_url(self.base + "/")
        return self

    def open_link(self, selector: str) -> bytes:
        """The file behind a link on the current page, fetched with the page's session."""
        link = self.page.locator(selector).first
        link.wait_for(state="visible")
        href = link.get_attribute("href")
        assert href
        response = self.context.request.get(self.base + href)
        assert response.ok, (href, response.status)
        assert response.headers["content-type"].startswith("application/pdf"), href
        return response.body()


@pytest.fixture
def browsers(playwright_browser: Any, live_server: str) -> Iterator[Any]:
    opened: list[Browser] = []

    def make(username: str | None = None) -> Browser:
        b = Browser(playwright_browser, live_server)
        opened.append(b)
        return b.login(username) if username else b

    yield make
    for b in opened:
        b.context.close()


def snapshot(pdf: bytes, name: str, page: int = 1) -> Path:
    """Page ``page`` of the PDF as test-artifacts/documents/<name>.png."""
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (poppler-utils) is not installed")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    source = ARTIFACTS / f"{name}.pdf"
    source.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "80", "-png", "-f", str(page), "-l", str(page), "-singlefile", str(source),
                    str(ARTIFACTS / name)], check=True)
    source.unlink()
    png = ARTIFACTS / f"{name}.png"
    assert png.stat().st_size > 10_000
    return png


def test_documents_open_from_the_pages(docs: Docs, browsers: Any, runtime: Any):
    bk = docs.apply_full()["business_key"]
    docs.recommend_full()
    task = docs.task("reviewer", "municipal_review")

    reviewer = browsers("reviewer")
    reviewer.page.goto(reviewer.base + f"/tasks/{task['id']}")
    reviewer.page.locator('[data-testid="dossier-link"]').wait_for(state="visible")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    reviewer.page.screenshot(path=str(ARTIFACTS / "task-page-materials.png"), full_page=True)
    annex1 = reviewer.open_link('[data-testid="doc-m01-pdf"]')
    assert UNIT in squash(pdf_text(annex1))
    snapshot(annex1, "annex1-cover", 1)
    snapshot(annex1, "annex1-survey", 2)
    annex2 = reviewer.open_link('[data-testid="doc-m02-pdf"]')
    snapshot(annex2, "annex2-form", 3)
    snapshot(annex2, "annex2-served", 7)
    dossier = reviewer.open_link('[data-testid="dossier-link"]')
    assert "目录" in squash(pdf_text(dossier))
    snapshot(dossier, "dossier-contents", 1)
    snapshot(dossier, "dossier-scan", 25)

    docs.review()
    docs.expert_votes({"expert1": "approve", "expert2": "approve", "expert3": "approve"})
    docs.decide()
    docs.set_clock("2026-10-12T09:00:00+08:00")
    applicant = browsers("applicant1")
    applicant.page.goto(applicant.base + "/public/register")
    certificate = applicant.open_link('[data-testid^="certificate-"]')
    assert "LCSME-2026-001" in pdf_text(certificate)
    snapshot(certificate, "certificate")

    visitor = browsers()
    visitor.page.goto(visitor.base + "/public/")
    visitor.page.click('[data-testid="publicity-notices"]')
    visitor.page.click("text=年度拟认定名单公示")
    snapshot(visitor.open_link('[data-testid="notice-pdf"]'), "notice-publicity")
    visitor.page.goto(visitor.base + "/public/notices")
    visitor.page.click("text=年度聊城市中小企业公共服务示范平台名单")
    snapshot(visitor.open_link('[data-testid="notice-pdf"]'), "notice-round")

    from processes.supervision import services as sup

    rid = docs.api.as_user("admin").get("/api/v1/register").get_json()[0]["id"]
    rev = sup.revoke(runtime.uow(), Actor(None, "admin", "admin"), rid, "第二十条",
                     "季度检查服务质量不合格，整改后仍未达到要求。")
    visitor.page.goto(visitor.base + f"/public/notices/revocations/{rev['id']}")
    snapshot(visitor.open_link('[data-testid="notice-pdf"]'), "notice-revocation")
    assert docs.application(bk)["status"] == "granted"
