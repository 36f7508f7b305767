"""What the schemathesis run found, kept as plain regression tests (each was a 500)."""

from __future__ import annotations

from typing import Any

from tests.recognition.conftest import Recognition


def test_precheck_of_an_empty_draft_answers(rec: Recognition, api: Any) -> None:
    """A decision table whose input is not filled in yet is skipped (the fallback thresholds apply)."""
    bk = rec.start("applicant1")["business_key"]
    r = api.as_user("applicant1").post(f"/api/v1/applications/{bk}/precheck", json={"data": {}})
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["passed"] is False and r.get_json()["results"]


def test_a_damaged_upload_gets_a_blank_page_in_the_dossier(rec: Recognition, api: Any) -> None:
    """The uploads of the recognition helper are PDFs by their first bytes only: pypdf cannot read them."""
    bk = rec.apply("applicant1")["business_key"]
    r = api.as_user("applicant1").get(f"/api/v1/applications/{bk}/dossier.pdf")
    assert r.status_code == 200, r.get_data(as_text=True)[:300]
    assert r.mimetype == "application/pdf" and r.data.startswith(b"%PDF")


def test_a_multipart_part_without_a_name_is_a_422_naming_the_file(rec: Recognition, api: Any) -> None:
    """A part whose name is not UTF-8 reaches Flask without a name: the NUL guard read it as text (500)."""
    bk = rec.start("applicant1")["business_key"]
    body = b'--XX\r\nContent-Disposition: form-data; name="\xf3\xb7\xa8\x86(:\\"\r\n\r\n{"a": 1}\r\n--XX--\r\n'
    r = api.as_user("applicant1").post(f"/api/v1/applications/{bk}/materials/m03", data=body,
                                       content_type="multipart/form-data; boundary=XX")
    assert r.status_code == 422, r.get_data(as_text=True)[:300]
    assert r.get_json()["errors"][0]["field"] == "file"


def test_an_export_keeps_names_with_control_characters(rec: Recognition, api: Any) -> None:
    """A unit name with a pasted control character exported as .xlsx: openpyxl refused the cell and
    failed the whole export (500); the character is dropped, the rest of the name kept."""
    from io import BytesIO

    from openpyxl import load_workbook

    r = api.as_user("applicant1").post("/api/v1/process-instances", json={
        "process_key": "recognition", "variables": {"unit_name": "聊城\x01测试服务中心"}})
    assert r.status_code == 201, r.get_json()
    r = api.as_user("admin").get("/api/v1/exports/rounds/2026/applications.xlsx")
    assert r.status_code == 200, r.get_data(as_text=True)[:300]
    names = [row[2] for row in load_workbook(BytesIO(r.data)).active.iter_rows(min_row=2, values_only=True)]
    assert "聊城测试服务中心" in names
    r = api.get("/api/v1/exports/rounds/2026/applications.csv")
    assert r.status_code == 200 and "聊城\x01测试服务中心" in r.data.decode("utf-8-sig")


def test_a_body_over_the_limit_is_a_413_in_the_readers_language(api: Any) -> None:
    """A 2.4 MB calendar body answered werkzeug's English sentence under an undocumented 413."""
    r = api.as_user("admin").post("/api/v1/calendar/years", json={"toml": "#" * 2_400_000})
    assert r.status_code == 413
    assert r.get_json()["code"] == "too_large" and r.get_json()["error"] == "请求过大：不得超过 2 MB"
    document = api.client.get("/api/v1/openapi.json").get_json()
    assert "413" in document["paths"]["/api/v1/calendar/years"]["post"]["responses"]
