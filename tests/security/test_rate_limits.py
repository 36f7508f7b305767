"""Rate limits (Flask-Limiter): wrong passwords per account and per address on the web form and the
token endpoint, tokens per address, objections per address (form and JSON endpoint share the count),
429 with Retry-After as JSON under /api and a Chinese page elsewhere; only trusted proxies are
believed; several workers share the count through Redis."""

from __future__ import annotations

import random
import uuid

import pytest

from app import create_app
from app.security import LOGIN_PER_ACCOUNT, LOGIN_PER_ADDRESS
from tests.support.pages import PageClient

PER_ACCOUNT = int(LOGIN_PER_ACCOUNT.split()[0])
PER_ADDRESS = int(LOGIN_PER_ADDRESS.split()[0])


def _addr() -> dict[str, str]:
    return {"REMOTE_ADDR": f"10.{random.randint(0, 255)}.{random.randint(0, 255)}.{random.randint(1, 254)}"}


def _token(client, username: str, password: str, env: dict[str, str] | None = None):
    return client.post("/api/v1/auth/token", json={"username": username, "password": password},
                       environ_base=env or {"REMOTE_ADDR": "127.0.0.1"})


def wrong_passwords_until_throttled(post, limit: int = 200) -> int:
    """How many wrong passwords are answered 401 before the first 429."""
    for n in range(limit):
        r = post()
        if r.status_code == 429:
            return n
        assert r.status_code == 401, r.status_code
    return limit


def test_api_login_is_throttled_per_account(app):
    client = app.test_client()
    allowed = wrong_passwords_until_throttled(lambda: _token(client, "admin", "wrong", _addr()))
    assert allowed == PER_ACCOUNT  # from changing addresses: the account's own limit
    r = _token(client, "admin", "demo", _addr())  # even the right password waits now
    assert r.status_code == 429
    assert r.get_json()["code"] == "too_many_requests" and "后再试" in r.get_json()["error"]
    assert 0 < int(r.headers["Retry-After"]) <= 15 * 60
    # another account is not affected
    assert _token(client, "reviewer", "demo", _addr()).status_code == 200


def test_api_login_is_throttled_per_address(app):
    client = app.test_client()
    env = _addr()
    names = iter(f"nobody{i}" for i in range(1000))
    allowed = wrong_passwords_until_throttled(lambda: _token(client, next(names), "wrong", env))
    assert allowed == PER_ADDRESS
    assert _token(client, "reviewer", "demo", env).status_code == 429
    assert _token(client, "reviewer", "demo", _addr()).status_code == 200  # another address


def test_successful_logins_do_not_count_against_the_account(app):
    client = app.test_client()
    for _ in range(PER_ACCOUNT * 3):
        assert _token(client, "admin", "demo").status_code == 200


def test_the_web_form_is_throttled_with_a_chinese_page(app):
    app.config["WTF_CSRF_ENABLED"] = False
    client = app.test_client()
    allowed = wrong_passwords_until_throttled(lambda: client.post(
        "/login", data={"username": "admin", "password": "wrong"}, environ_base=_addr()))
    assert allowed == PER_ACCOUNT
    r = client.post("/login", data={"username": "admin", "password": "demo"}, environ_base=_addr())
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0
    assert "操作过于频繁" in r.get_data(as_text=True)
    # the form and the API share the account's count (one attacker, two doors)
    assert _token(app.test_client(), "admin", "demo", _addr()).status_code == 429


def test_forwarded_for_is_ignored_without_a_trusted_proxy(app):
    client = app.test_client()
    for i in range(PER_ADDRESS):
        _token(client, f"ghost{i}", "wrong", None)  # all from 127.0.0.1
    r = client.post("/api/v1/auth/token", json={"username": "reviewer", "password": "demo"},
                    headers={"X-Forwarded-For": "198.51.100.7"})
    assert r.status_code == 429


def test_a_trusted_proxy_is_believed_for_the_address_it_saw(settings, runtime):
    app = create_app(settings.__class__(**{**settings.__dict__, "trusted_proxies": 1}), runtime)
    client = app.test_client()
    # behind one proxy: the client's address is the last X-Forwarded-For entry (what the proxy saw)
    for i in range(PER_ADDRESS):
        r = client.post("/api/v1/auth/token", json={"username": f"ghost{i}", "password": "wrong"},
                        headers={"X-Forwarded-For": "203.0.113.9"})
        assert r.status_code == 401
    blocked = client.post("/api/v1/auth/token", json={"username": "reviewer", "password": "demo"},
                          headers={"X-Forwarded-For": "203.0.113.9"})
    assert blocked.status_code == 429
    # a forged first entry does not help: the proxy appended the real one
    forged = client.post("/api/v1/auth/token", json={"username": "reviewer", "password": "demo"},
                         headers={"X-Forwarded-For": "1.2.3.4, 203.0.113.9"})
    assert forged.status_code == 429
    other = client.post("/api/v1/auth/token", json={"username": "reviewer", "password": "demo"},
                        headers={"X-Forwarded-For": "203.0.113.10"})
    assert other.status_code == 200


# -- objections ---------------------------------------------------------------------------------------------

REASONS = "该平台申报的服务企业数量与实际情况明显不符，请核查。"


def _objection(client, bk: str, env: dict[str, str]):
    return client.post(f"/api/v1/applications/{bk}/objections",
                       json={"name": "王五", "contact": "13900000000", "reasons": REASONS}, environ_base=env)


def test_objections_per_address_across_form_and_api_and_the_case_stays_public(app, api, rec):
    inst = rec.to_publicity()
    bk = inst["business_key"]
    client = app.test_client()
    env = _addr()
    public_before = client.get("/public/").get_data(as_text=True)
    assert bk in public_before
    # the reasons must say something
    r = client.post(f"/api/v1/applications/{bk}/objections",
                    json={"name": "王五", "contact": "139", "reasons": "不实"}, environ_base=env)
    assert r.status_code == 422 and r.get_json()["errors"][0]["field"] == "reasons"
    assert _objection(client, bk, env).status_code == 201
    assert _objection(client, bk, env).status_code == 201
    # the public form from the same address shares the count
    page = PageClient(app, "admin")
    page.c = app.test_client()
    page.get(f"/public/objection/{bk}")
    r = page.post(f"/public/objection/{bk}", {"name": "赵六", "contact": "13700000000", "reasons": REASONS},
                  environ_base=env)
    assert r.status_code == 302, r.get_data(as_text=True)[:300]
    r = _objection(client, bk, env)
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0
    r = page.post(f"/public/objection/{bk}", {"name": "赵六", "contact": "13700000000", "reasons": REASONS},
                  environ_base=env)
    assert r.status_code == 429 and "操作过于频繁" in r.get_data(as_text=True)
    assert _objection(client, bk, _addr()).status_code == 201  # someone else may still object
    # filing objections never takes the platform off the publicity list, nor decides anything
    assert bk in client.get("/public/").get_data(as_text=True)
    assert rec.application(bk)["status"] in ("publicity", "objection")
    assert rec.application(bk)["certificate_no"] is None


# -- several workers ----------------------------------------------------------------------------------------

REDIS = "redis://127.0.0.1:6379/15"


def _redis_up() -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(REDIS, socket_connect_timeout=1).ping())
    except Exception:  # noqa: BLE001
        return False


@pytest.mark.skipif(not _redis_up(), reason="Redis is not running on 127.0.0.1:6379")
def test_workers_share_the_count_through_redis(settings, runtime):
    shared = settings.__class__(**{**settings.__dict__, "ratelimit_storage_uri": REDIS})
    workers = [create_app(shared, runtime).test_client() for _ in range(2)]
    account = f"nobody-{uuid.uuid4().hex[:12]}"
    codes = [_token(workers[i % 2], account, "wrong", _addr()).status_code for i in range(PER_ACCOUNT + 1)]
    assert codes == [401] * PER_ACCOUNT + [429]


def test_a_shared_store_that_is_down_degrades_to_counting_per_process(settings, runtime):
    """Redis unreachable: logins still work and are still limited (in memory), never a 500."""
    down = settings.__class__(**{**settings.__dict__, "ratelimit_storage_uri": "redis://127.0.0.1:1/0"})
    client = create_app(down, runtime).test_client()
    codes = [_token(client, "admin", "wrong", _addr()).status_code for _ in range(PER_ACCOUNT + 1)]
    assert 500 not in codes and codes[:PER_ACCOUNT] == [401] * PER_ACCOUNT
    assert _token(client, "reviewer", "demo", _addr()).status_code == 200
