"""Public pages (no login): publicity list, register, objection form with CSRF and a rate limit."""

from __future__ import annotations

import re

from processes.services.core import SYSTEM


def _token(client, url):  # type: ignore[no-untyped-def]
    html = client.get(url).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def test_public_pages_need_no_login_and_show_the_register(app, runtime):
    from processes.recognition import services as rec

    rec.add_register_entry(runtime.uow(), SYSTEM, "聊城某公共服务平台有限公司", "91350100M000100Y43", "dongchangfu",
                           "recognised", "2026-01-10", "2029-01-09", "LCSME-2026-001")
    c = app.test_client()
    r = c.get("/public/")
    assert r.status_code == 200 and "目前没有正在公示的平台" in r.get_data(as_text=True)
    html = c.get("/public/register").get_data(as_text=True)
    assert "聊城某公共服务平台有限公司" in html and "LCSME-2026-001" in html and "东昌府区" in html


def test_objection_outside_publicity_says_so(app, runtime):
    c = app.test_client()
    html = c.get("/public/objection/RECOGNITION-2026-00099").get_data(as_text=True)
    assert "不在公示期内" in html and "<textarea" not in html
    token = _token(c, "/login")
    r = c.post("/public/objection/RECOGNITION-2026-00099",
               data={"csrf_token": token, "name": "张三", "contact": "13800000000",
                     "reasons": "服务数据与实际情况不符"})
    assert r.status_code in (404, 409) and "Traceback" not in r.get_data(as_text=True)
    # without the token: refused
    r = c.post("/public/objection/RECOGNITION-2026-00099", data={"name": "张三"})
    assert r.status_code == 400


def test_objections_rate_limited_per_address(app, runtime):
    c = app.test_client()
    token = _token(c, "/login")
    # every submission counts towards app/security.py OBJECTION_ATTEMPTS_PER_ADDRESS (30 per hour); a
    # forged X-Forwarded-For does not make another address (no proxy is trusted by default)
    codes = [c.post("/public/objection/X", data={"csrf_token": token, "name": "a", "contact": "b", "reasons": "c"},
                    environ_base={"REMOTE_ADDR": "10.0.0.7"}, headers={"X-Forwarded-For": f"192.0.2.{i}"}
                    ).status_code for i in range(31)]
    assert codes[-1] == 429 and 429 not in codes[:30]

