"""The admin pages: calendar years + load form (errors beside the file), demo clock."""

from __future__ import annotations

import io
import re
from datetime import datetime

from processes.clock import CST
from tests.support.diagrams import CALENDAR_2027 as CAL_2027


def _login(client, username: str) -> None:  # type: ignore[no-untyped-def]
    r = client.get("/login")
    token = re.search(rb'name="csrf_token" value="([^"]+)"', r.data)
    data = {"username": username, "password": "demo"}
    if token:
        data["csrf_token"] = token.group(1).decode()
    r = client.post("/login", data=data)
    assert r.status_code in (302, 303), r.data[:300]


def _csrf(client, url: str) -> str:  # type: ignore[no-untyped-def]
    r = client.get(url)
    assert r.status_code == 200, r.data[:500]
    m = re.search(rb'name="csrf_token" value="([^"]+)"', r.data)
    assert m
    return m.group(1).decode()


def test_calendar_page_lists_years_warns_and_loads(app, runtime):
    client = app.test_client()
    _login(client, "admin")
    token = _csrf(client, "/admin/calendar")
    page = client.get("/admin/calendar").data.decode()
    assert "2026" in page and "calendar-warning" in page and "2027" in page
    bad = b'year = 2027\n[[holidays]]\nname = "x"\ndates = ["2027-02-30"]\n'
    r = client.post("/admin/calendar", data={"csrf_token": token, "file": (io.BytesIO(bad), "2027.toml")},
                    content_type="multipart/form-data")
    assert r.status_code == 422
    html = r.data.decode()
    assert 'data-testid="calendar-error"' in html and "第 4 行" in html and "2027-02-30" in html
    r = client.post("/admin/calendar", data={"csrf_token": token,
                                             "file": (io.BytesIO(CAL_2027.read_bytes()), "2027.toml")},
                    content_type="multipart/form-data", follow_redirects=True)
    assert r.status_code == 200
    assert "已载入 2027 年" in r.data.decode()
    r = client.get("/admin/calendar/2027.toml")
    assert r.status_code == 200 and b"year = 2027" in r.data


def test_calendar_and_clock_pages_are_for_admins(app, runtime):
    client = app.test_client()
    _login(client, "reviewer")
    assert client.get("/admin/calendar").status_code == 403
    assert client.get("/admin/clock").status_code == 403


def test_clock_page_sets_and_advances(app, runtime, clock):
    client = app.test_client()
    _login(client, "admin")
    token = _csrf(client, "/admin/clock")
    r = client.post("/admin/clock", data={"csrf_token": token, "action": "set", "target": "2026-12-28T09:00"})
    assert r.status_code in (302, 303)
    assert clock.now() == datetime(2026, 12, 28, 9, 0, tzinfo=CST)
    r = client.post("/admin/clock", data={"csrf_token": token, "action": "advance", "duration": "P1M"})
    assert r.status_code in (302, 303)
    assert clock.now() == datetime(2027, 1, 28, 9, 0, tzinfo=CST)
    shown = client.get("/admin/clock").data.decode()  # the result is said once, not twice
    assert shown.count("时钟已调整为 2027-01-28 09:00:00") == 1, shown
    r = client.post("/admin/clock", data={"csrf_token": token, "action": "advance", "duration": "soon"})
    assert r.status_code == 422 and "clock-error" in r.data.decode()
    page = client.get("/admin/clock").data.decode()
    assert "2027-01-28 09:00:00" in page
