"""Requests the models refuse (422 naming the field, never a 500), ids out of range, and the codes
and translated messages of the use cases' errors."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.conftest import ROOT

BIG = 2**31  # one past the largest id a 32-bit column holds


def _raw(api: Any, url: str, body: str, user: str = "admin") -> Any:
    api.as_user(user)
    return api.client.post(url, data=body, headers={**api._h(), "Content-Type": "application/json"})


@pytest.mark.parametrize("url", ["/api/v1/admin/instances/1/skip", "/api/v1/admin/scenarios/recognition/run",
                                 "/api/v1/supervision/reports/1/chase", "/api/v1/applications/X-1/withdraw"])
def test_a_json_string_body_is_a_422_naming_the_body(api: Any, url: str) -> None:
    r = _raw(api, url, json.dumps("not an object"))
    assert r.status_code == 422, r.get_json()
    body = r.get_json()
    assert body["code"] == "invalid" and [e["field"] for e in body["errors"]] == ["body"]


def test_a_body_field_of_the_wrong_type_is_named(api: Any) -> None:
    r = api.as_user("admin").post("/api/v1/admin/scenarios/recognition/run", json={"names": "同意"})
    assert r.status_code == 422
    assert [(e["field"], e["code"]) for e in r.get_json()["errors"]] == [("names", "list_type")]
    r = api.post("/api/v1/admin/instances/1/skip", json={"reason": 5})
    assert r.status_code == 422 and r.get_json()["errors"][0]["field"] == "reason"
    r = api.post("/api/v1/admin/users", json={"username": "u1", "password": "12345678", "role": "expert",
                                              "extra": 1})
    assert r.status_code == 422 and r.get_json()["errors"][0] == {
        "field": "extra", "code": "extra_forbidden", "message": "不接受此字段"}
    r = api.post("/api/v1/supervision/spot-checks", json={"n": "3"})
    assert r.status_code == 422 and r.get_json()["errors"][0]["field"] == "n"


@pytest.mark.parametrize("url", ["/api/v1/admin/instances/{id}", "/api/v1/admin/instances/{id}/diagram",
                                 "/api/v1/admin/definitions/{id}", "/api/v1/process-instances/{id}",
                                 "/api/v1/process-instances/{id}/timeline",
                                 "/api/v1/register/{id}/certificate.pdf",
                                 "/api/v1/notices/revocations/{id}.pdf"])
def test_ids_out_of_range_are_refused_and_missing_ones_not_found(api: Any, url: str) -> None:
    api.as_user("admin")
    r = api.get(url.format(id=BIG))
    assert r.status_code == 422 and r.get_json()["errors"][0]["code"] == "less_than_equal"
    assert api.get(url.format(id=BIG - 1)).status_code == 404
    assert api.get(url.format(id=-1)).status_code == 404  # not an id at all: no route


@pytest.mark.parametrize("url", ["/api/v1/admin/users/{id}", "/api/v1/admin/users/{id}/password",
                                 "/api/v1/admin/users/{id}/deactivate", "/api/v1/supervision/reports/{id}/chase",
                                 "/api/v1/admin/instances/{id}/skip"])
def test_posts_to_ids_out_of_range_are_refused(api: Any, url: str) -> None:
    body: dict[str, Any] = {"password": "long-enough-1"} if url.endswith("password") else {"reason": "x"}
    if "/chase" in url or url.endswith("{id}"):
        body = {}
    r = api.as_user("admin").post(url.format(id=BIG), json=body)
    assert r.status_code == 422, r.get_json()
    assert api.post(url.format(id=BIG - 1), json=body).status_code == 404


def test_ids_in_bodies_are_bounded(api: Any) -> None:
    api.as_user("admin")
    r = api.post("/api/v1/admin/migrations/preview", json={"instances": [BIG]})
    assert r.status_code == 422 and r.get_json()["errors"][0]["field"] == "instances[0]"
    r = api.post("/api/v1/supervision/inspections", json={"register_id": BIG})
    assert r.status_code == 422 and r.get_json()["errors"][0]["field"] == "register_id"
    r = api.post("/api/v1/process-instances", json={"process_key": "none", "variables": {"register_id": BIG}})
    assert r.status_code == 404 and r.get_json()["code"] == "process_not_found"


def test_errors_carry_codes_and_read_in_english(api: Any) -> None:
    r = api.as_user("admin").post("/api/v1/admin/users/1/password", json={"password": "short"})
    assert r.status_code == 422
    body = r.get_json()
    assert body["code"] == "password_too_short" and body["error"] == "密码太短"
    assert body["errors"] == [{"field": "password", "code": "password_too_short",
                              "message": "密码至少 10 个字符"}]  # settings.password_min_length = 10
    api.client.set_cookie("lang", "en")
    body = api.post("/api/v1/admin/users/1/password", json={"password": "short"}).get_json()
    assert body["error"] == "The password is too short"
    assert body["errors"][0]["message"] == "at least 10 characters"
    body = api.as_user("applicant1").get("/api/v1/admin/users").get_json()
    assert body["code"] == "forbidden" and body["error"] == "You may not manage users (only: Administrator)"


def test_the_demo_clock_stays_within_the_calendar(api: Any) -> None:
    api.as_user("admin")
    for body, field in (({"now": "9999-12-31T23:59:59+08:00"}, "now"), ({"now": "1999-12-31T00:00:00"}, "now"),
                        ({"advance": "P9999Y"}, "advance"), ({"advance": "-P99999999999999999999D"}, "advance")):
        r = api.post("/api/v1/clock", json=body)
        assert r.status_code == 422, (body, r.get_json())
        assert r.get_json()["code"] == "clock_out_of_range" and r.get_json()["errors"][0]["field"] == field
    r = api.post("/api/v1/clock", json={"advance": "soon"})
    assert r.status_code == 422 and r.get_json()["code"] == "duration_invalid"


def test_a_business_key_in_use_is_a_conflict(api: Any) -> None:
    assert api.as_user("owner").deploy(ROOT / "tests/support/diagrams/sample.bpmn").status_code in (200, 201)
    api.as_user("applicant1")
    first = api.post("/api/v1/process-instances", json={"process_key": "sample", "business_key": "BK-1"})
    assert first.status_code == 201, first.get_json()
    again = api.post("/api/v1/process-instances", json={"process_key": "sample", "business_key": "BK-1"})
    assert again.status_code == 409 and again.get_json()["code"] == "business_key_taken"


def test_the_calendar_computes_within_its_bounds(api: Any) -> None:
    api.as_user("reviewer")
    r = api.get("/api/v1/calendar/add-working-days", query_string={"start": "9999-12-31", "n": 10})
    assert r.status_code == 422 and r.get_json()["errors"][0]["field"] == "start"
    r = api.get("/api/v1/calendar/add-working-days", query_string={"start": "2026-10-01", "n": 0,
                                                                    "rule": "end_of_working_day"})
    assert r.status_code == 422 and r.get_json()["errors"][0]["field"] == "n"
    r = api.get("/api/v1/calendar/add-working-days", query_string={"start": "2026-09-30", "n": 1})
    assert r.status_code == 200 and r.get_json()["date"] > "2026-10-07"  # after National Day


def test_nul_characters_are_refused_wherever_they_are(api: Any) -> None:
    """PostgreSQL stores no U+0000: a request carrying one is a 422 naming where, on every database."""
    api.as_user("reviewer")
    r = api.get("/api/v1/task-lists/copied", query_string={"round": "20\x0026"})
    assert r.status_code == 422 and r.get_json()["errors"][0] == {
        "field": "round", "code": "nul_character", "message": "不能包含空字符（U+0000）"}
    r = api.get("/api/v1/applications/RECOGNITION-2026-\x00001")
    assert r.status_code == 422 and r.get_json()["errors"][0]["field"] == "business_key"
    r = api.post("/api/v1/tasks/x/draft", json={"data": {"rows": [{"name": "a\x00b"}]}})
    assert r.status_code == 422 and r.get_json()["errors"][0]["field"] == "data.rows[0].name"


def test_notification_ids_are_bounded(api: Any) -> None:
    r = api.as_user("reviewer").post("/api/v1/notifications/read", json={"ids": [-(2**60), 5]})
    assert r.status_code == 422 and r.get_json()["errors"][0]["field"] == "ids[0]"
    assert api.post("/api/v1/notifications/read", json={"ids": [5]}).status_code == 200


def test_token_refusals_carry_codes_and_read_in_the_readers_language(api: Any) -> None:
    r = api.client.get("/api/v1/task-lists/mine", headers={"Authorization": "Bearer not-a-token"})
    assert r.status_code == 401 and r.get_json()["code"] == "token_invalid" and r.get_json()["error"] == "令牌无效"
    token = api.as_user("expert1").tokens["expert1"]
    assert api.as_user("admin").post("/api/v1/admin/users/" + str(_user_id(api, "expert1")) + "/deactivate",
                                     json={"reason": "离职"}).status_code == 200
    r = api.client.get("/api/v1/task-lists/mine", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 401 and r.get_json()["code"] == "token_revoked"
    api.client.set_cookie("lang", "en")
    r = api.client.get("/api/v1/task-lists/mine", headers={"Authorization": "Bearer not-a-token"})
    assert r.get_json()["error"] == "The token is not valid"


def _user_id(api: Any, username: str) -> int:
    users = api.as_user("admin").get("/api/v1/admin/users").get_json()
    rows = users["items"] if isinstance(users, dict) else users
    return next(u["id"] for u in rows if u["username"] == username)
