"""The database cannot be reached: 503 with Retry-After (JSON under /api, a page elsewhere), never
a 500. The app is pointed at a database URL nothing answers on; no real outage is needed."""

from __future__ import annotations

import pytest

from app import create_app
from processes.settings import load_settings

UNREACHABLE = {
    "sqlite": "sqlite:////nonexistent-directory/for/sure/app.db",  # cannot be opened
    "postgresql": "postgresql+psycopg://postgres@127.0.0.1:1/none?connect_timeout=2",  # nothing listens
}


@pytest.fixture(params=sorted(UNREACHABLE))
def down_app(request, tmp_path):
    settings = load_settings("test", instance_path=str(tmp_path), database_url=UNREACHABLE[request.param])
    app = create_app(settings)
    app.config["WTF_CSRF_ENABLED"] = False
    return app


@pytest.mark.parametrize("method, url, body", [
    ("post", "/api/v1/auth/token", {"username": "admin", "password": "demo"}),
    ("get", "/api/v1/register", None),
])
def test_the_api_answers_503_with_retry_after(down_app, method, url, body):
    r = getattr(down_app.test_client(), method)(url, json=body)
    assert r.status_code == 503, r.get_data(as_text=True)
    assert int(r.headers["Retry-After"]) > 0
    assert r.get_json()["code"] == "unavailable" and r.get_json()["error"]


@pytest.mark.parametrize("method, url, data", [
    ("get", "/public/", None),
    ("get", "/public/register", None),
    ("post", "/login", {"username": "admin", "password": "demo"}),
    ("post", "/public/objection/RECOGNITION-2026-00001", {"name": "张三", "contact": "13800000000",
                                                          "reasons": "该平台的服务人数与实际情况不符，请核查。" * 2}),
])
def test_pages_answer_503_with_a_chinese_page(down_app, method, url, data):
    r = getattr(down_app.test_client(), method)(url, data=data)
    assert r.status_code == 503, r.get_data(as_text=True)[:500]
    assert int(r.headers["Retry-After"]) > 0
    assert "暂时无法" in r.get_data(as_text=True)


def test_a_logged_in_page_answers_503_too(down_app):
    client = down_app.test_client()
    with client.session_transaction() as s:  # a session of a user who logged in before the outage
        s["_user_id"] = "1:1"
        s["_fresh"] = True
    r = client.get("/")
    assert r.status_code == 503 and "Retry-After" in r.headers


def test_other_database_errors_stay_500(app):
    from sqlalchemy.exc import IntegrityError

    @app.get("/boom")
    def boom():  # noqa: ANN202
        raise IntegrityError("INSERT", {}, Exception("duplicate"))

    r = app.test_client().get("/boom")
    assert r.status_code == 500 and "Retry-After" not in r.headers
