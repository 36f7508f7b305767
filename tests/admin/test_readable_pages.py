"""What people read on the frame and the administrators' pages: English mode translates navigation,
roles and statuses; error pages say in Chinese what happened and what to do; /favicon.ico is served;
the admin instance page shows variables readably and names instead of ids, fast enough."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time

from tests.admin.helpers import start
from tests.conftest import ROOT
from tests.recognition.conftest import Recognition
from tests.support.diagrams import ADMIN_V1 as V1
from tests.support.pages import PageClient

CJK = re.compile(r"[\u3400-\u9fff]")


def _english(app, username: str) -> PageClient:  # type: ignore[no-untyped-def]
    b = PageClient(app, username)
    b.c.set_cookie("lang", "en")
    return b


def _parts(html: str) -> dict[str, list[str]]:
    """The navigation, the person's role tag and every status pill of a page, as text."""
    def text(fragment: str) -> str:
        return re.sub(r"<[^>]+>", " ", fragment)
    nav = re.findall(r'<nav class="(?:sidenav|admin-subnav)".*?</nav>', html, re.S)
    pills = re.findall(r'<(?:span|a) class="pill[^"]*"[^>]*>(.*?)</(?:span|a)>', html, re.S)
    role = re.findall(r'<span class="role-tag">(.*?)</span>', html, re.S)
    return {"nav": [text(n) for n in nav], "pills": [text(p) for p in pills], "role": [text(r) for r in role]}


def test_english_mode_translates_navigation_roles_and_statuses(api, app):
    assert api.as_user("owner").deploy(V1).status_code == 201
    inst = start(api, county="linqing")
    pages = {"admin": ["/", "/tasks/mine", "/admin/instances", f"/admin/instances/{inst['id']}", "/admin/dashboard",
                       "/admin/definitions", "/admin/users", "/admin/calendar", "/supervision/overdue",
                       "/supervision/reports", "/supervision/platforms"],
             "county-linqing": ["/", "/tasks/claimable", "/supervision/reports"],
             "owner": ["/admin/modeler", "/admin/dmn"]}
    seen_pills = 0
    for user, urls in pages.items():
        b = _english(app, user)
        for url in urls:
            r = b.get(url)
            assert r.status_code == 200, (user, url, r.status_code)
            html = r.get_data(as_text=True)
            assert '<html lang="en">' in html
            parts = _parts(html)
            assert parts["nav"], (user, url)
            for where, texts in parts.items():
                for t in texts:
                    assert not CJK.search(t), (user, url, where, t.strip())
            seen_pills += len(parts["pills"])
    assert seen_pills >= 6  # instance states were on the pages and read in English
    html = _english(app, "county-linqing").get("/").get_data(as_text=True)
    assert "County officer · Linqing City" in re.sub(r"\s+", " ", html), re.findall(r"role-tag.{0,80}", html)
    # and the Chinese default is untouched
    html = PageClient(app, "admin").get("/admin/instances").get_data(as_text=True)
    assert "流程实例监控" in html and "办理中" in html


def test_error_pages_say_in_chinese_what_happened_and_what_to_do(app):
    b = PageClient(app, "applicant1")
    cases = {"/no/such/page": (404, "找不到该页面或内容", "从首页重新进入"),
             "/admin/instances": (403, "没有权限", "联系系统管理员"),
             "/logout": (405, "不能这样打开此地址", "用页面上的按钮操作")}
    for url, (status, title, advice) in cases.items():
        r = b.get(url)
        html = r.get_data(as_text=True)
        assert r.status_code == status, (url, r.status_code)
        assert title in html and advice in html, url
        assert "The requested URL" not in html and "not allowed for the requested URL" not in html
        assert "发生时间（北京时间）" in html
    # a use case's reason is shown when it is written for people
    assert "无权流程监控" in b.get("/admin/instances").get_data(as_text=True)
    big = app.test_client().post("/login", data={"f": "x" * (app.config["MAX_CONTENT_LENGTH"] + 10)})
    html = big.get_data(as_text=True)
    assert big.status_code == 413 and "上传的文件太大" in html and "MB" in html and "Request Entity" not in html


def test_every_status_has_its_chinese_page(app):
    from werkzeug.exceptions import ServiceUnavailable, TooManyRequests

    @app.get("/__busy")
    def busy():  # type: ignore[no-untyped-def]
        raise TooManyRequests()

    @app.get("/__down")
    def down():  # type: ignore[no-untyped-def]
        raise ServiceUnavailable()
    b = PageClient(app, "admin")
    for url, status, title in (("/__busy", 429, "操作太频繁"), ("/__down", 503, "系统暂时不可用")):
        r = b.get(url)
        html = r.get_data(as_text=True)
        assert r.status_code == status and title in html and "请稍" in html
        assert "Too Many Requests" not in html and "Service Unavailable" not in html


def test_internal_errors_render_the_chinese_page(app):
    @app.get("/__boom")
    def boom():  # type: ignore[no-untyped-def]
        raise RuntimeError("database on fire")
    r = PageClient(app, "admin").get("/__boom")
    html = r.get_data(as_text=True)
    assert r.status_code == 500 and "系统出现内部错误" in html and "database on fire" not in html


def test_favicon_is_served(app):
    r = app.test_client().get("/favicon.ico")
    assert r.status_code == 200 and r.mimetype == "image/vnd.microsoft.icon" and r.data[:4] == b"\x00\x00\x01\x00"
    html = PageClient(app, "admin").get("/").get_data(as_text=True)
    assert 'rel="icon" href="/favicon.ico"' in html


def test_admin_instance_page_is_readable_and_fast(api, app):
    rec = Recognition(api)
    rec.deploy()
    rec.open_round()
    inst = rec.to_publicity()
    rec.set_clock("2026-10-12T09:00:00+08:00")
    b = PageClient(app, "admin")
    url = f"/admin/instances/{inst['id']}"
    b.get(url)
    times = []
    for _ in range(5):
        t0 = time.perf_counter()
        r = b.get(url)
        times.append(time.perf_counter() - t0)
    assert sorted(times)[2] < 0.3, times  # the median under 300 ms
    html = r.get_data(as_text=True)
    # names, not ids
    assert "示范平台认定" in html and "东昌府区" in html and "东昌府申报单位（applicant1）" in html
    assert "「填写申报书（附件2）并上传材料」" in html or "「" in html.split('data-testid="timeline"')[1]
    timeline = html.split('data-testid="timeline"')[1].split("</ol>")[0]
    assert "fill_application" not in re.sub(r'title="[^"]*"', "", timeline)
    # variables: labelled values, booleans in words, tables as tables, folded; never a JSON dump
    grid = html.split('data-testid="variables"')[1].split("</dl>")[0]
    assert "单位名称" in grid and "聊城市中小企业综合服务中心有限公司" in grid
    assert re.search(r"单位性质</dt><dd>企业</dd>", grid)  # the enum's label, not "enterprise"
    assert "<dd>是</dd>" in grid and "true" not in grid
    served = html.split('data-var="served_list"')[1].split("</details>")[0]
    assert "表格，150 行" in served and "<th>服务企业名称</th>" in served and "<td>满意</td>" in served
    assert served.count("<tr>") >= 150 and 'class="more" hidden' in served  # 140 rows folded behind a button
    variables = html.split('id="variables"')[1]
    assert "&#34;" not in variables and '{"' not in variables  # nested values in words too, never JSON


def test_bench_prints_the_admin_instance_page_time():
    env = dict(os.environ, BENCH_PAGE_RUNS="3")
    out = subprocess.run([sys.executable, "-m", "tests.bench.admin_page_bench"], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    m = re.search(r"^page admin instance ms: (\d+(?:\.\d+)?)$", out.stdout, re.M)
    assert m and 0 < float(m.group(1)) < 300, out.stdout
