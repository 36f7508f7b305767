"""The authorisation matrix: every route of ``app.url_map`` × every kind of person, each answer
compared with the rule written for that route below.

People (``authz_world.SUBJECTS``): admin, process owner, municipal reviewer, the case county's officer
and another county's, an expert on the case's panel and one not on it, the applicant who owns the
case and another applicant, and an anonymous visitor. The case lives in county dongchangfu.

An answer is **allowed** when the request got past the permission checks: 2xx, a redirect other than
to the login page, or 400/409/422 (the request itself was refused, after the checks). It is **denied**
on 401, 403, 404 (not visible) or a redirect to the login page. A route missing from ``RULES`` fails
``test_every_route_has_a_rule``. Requests that change something run on a fresh copy of the world for
every allowed person (``World.restore``); the denied people go first.

The figures (pairs tried, wrongly allowed, wrongly denied, answers 500) are printed at the end of the
run (``tests/security/conftest.py``).
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from typing import Any

import pytest

from tests.recognition.conftest import CHECKLIST, PDF, valid_application
from tests.security import authz_world
from tests.security.authz_world import SUBJECTS, World, sample_bpmn

ALL = frozenset(SUBJECTS)
USERS = ALL - {"anon"}
ADMIN = frozenset({"admin"})
EDITORS = frozenset({"admin", "owner"})
BUREAU = frozenset({"admin", "owner", "reviewer"})
REVIEWERS = frozenset({"admin", "reviewer"})  # the bureau's officers and the administrator
OPERATORS = ADMIN  # the administrator (and the scheduler, which is no subject here)
STAFF_LISTS = BUREAU | {"county", "county_other"}  # lists scoped to a county
CASE = BUREAU | {"county", "applicant"}  # who sees the dongchangfu case of applicant1
CASE_AND_PANEL = CASE | {"expert"}
# the application's documents: the applicant, the county's officers, the bureau's reviewers and the
# panel's experts (docs/DEVELOPING.md §8; the process owner edits diagrams, not cases)
DOCS = frozenset({"admin", "reviewer", "county", "applicant", "expert"})
# an open task's data and form: who may act on it, and the staff who see the case (not the applicant
# while it is the county's or the bureau's work: access.may_read_task)
COUNTY_TASK_READERS = BUREAU | {"county"}
DRAFT_TASK_READERS = BUREAU | {"county", "applicant"}
APPLICANTS = frozenset({"applicant", "applicant_other"})  # recognition: camunda:candidateStarterGroups
APPLICANT = frozenset({"applicant"})
NOBODY: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Rule:
    allow: frozenset[str]
    url: str  # with {names} from World.ids
    json: Any = None
    form: dict[str, Any] | None = None
    files: Any = None  # a function returning the multipart data (fresh file objects per request)
    to_login: bool = False  # a redirect to the login page is the success (logging out)


def _upload(name: str, content: bytes) -> Any:
    return lambda: {"file": (io.BytesIO(content), name)}


BPMN = sample_bpmn()
RECOMMEND = {"county_decision": "recommend", "county_opinion": "经核查，符合条件，同意推荐。", **CHECKLIST}
VOTE = {"verdict": "approve", "opinion": "同意", "score": 90, "expert_title": "高级工程师",
        "expert_employer": "聊城大学"}

# (endpoint, method) → rule. Every route of the app has one.
RULES: dict[tuple[str, str], Rule] = {
    # -- home, login, language, notifications
    ("home.home", "GET"): Rule(USERS, "/"),
    ("favicon", "GET"): Rule(ALL, "/favicon.ico"),
    ("home.login", "GET"): Rule(ALL, "/login"),
    ("home.login_post", "POST"): Rule(ALL, "/login", form={"username": "applicant3", "password": "demo"}),
    ("home.logout", "POST"): Rule(USERS, "/logout", to_login=True),  # logs the person in again afterwards
    ("home.set_language", "GET"): Rule(ALL, "/lang/en"),
    ("notifications.notifications_page", "GET"): Rule(USERS, "/notifications"),
    ("notifications.notifications_read", "POST"): Rule(USERS, "/notifications/read"),
    ("static", "GET"): Rule(ALL, "/static/app.css"),
    ("apidocs.browse", "GET"): Rule(ALL, "/api/docs"),
    ("apidocs.openapi_json", "GET"): Rule(ALL, "/api/v1/openapi.json"),
    # -- administration pages
    ("admin.admin_home", "GET"): Rule(BUREAU, "/admin/"),
    ("admin.admin_instances", "GET"): Rule(BUREAU, "/admin/instances"),
    ("admin.admin_instance", "GET"): Rule(BUREAU, "/admin/instances/{iid}"),
    ("admin.admin_instance_diagram_json", "GET"): Rule(BUREAU, "/admin/instances/{iid}/diagram.json"),
    ("admin.admin_instance_action", "POST"): Rule(ADMIN, "/admin/instances/{iid}/action",
                                                  form={"action": "suspend", "reason": "核查"}),
    ("admin.admin_instance_variables", "POST"): Rule(ADMIN, "/admin/instances/{iid}/variables",
                                                     form={"name": "note", "value": "1", "reason": "核查"}),
    ("admin.admin_dashboard", "GET"): Rule(BUREAU, "/admin/dashboard"),
    ("admin.admin_users", "GET"): Rule(OPERATORS, "/admin/users"),
    ("admin.admin_users_post", "POST"): Rule(OPERATORS, "/admin/users", form={
        "op": "create", "username": "newuser", "password": "a-long-password", "role": "expert"}),
    ("admin.admin_definitions", "GET"): Rule(EDITORS, "/admin/definitions"),
    ("admin.admin_definition", "GET"): Rule(BUREAU, "/admin/definitions/{definition}"),  # the monitor shows it
    ("admin.admin_definitions_upload", "POST"): Rule(EDITORS, "/admin/definitions/upload",
                                                     files=_upload("sample.bpmn", BPMN.encode())),
    ("admin.admin_migrate", "GET"): Rule(EDITORS, "/admin/definitions/{definition}/migrate"),
    ("admin.admin_migrate", "POST"): Rule(EDITORS, "/admin/definitions/{definition}/migrate",
                                          form={"op": "preview", "to": "{definition}"}),
    ("admin.admin_modeler", "GET"): Rule(EDITORS, "/admin/modeler?key=recognition"),
    ("admin.admin_modeler_validate", "POST"): Rule(EDITORS, "/admin/modeler/validate",
                                                   json={"xml": BPMN, "file_name": "sample.bpmn"}),
    ("admin.admin_modeler_save", "POST"): Rule(EDITORS, "/admin/modeler/save",
                                               json={"xml": BPMN, "file_name": "sample.bpmn", "key": "sample"}),
    ("admin.admin_modeler_deploy", "POST"): Rule(EDITORS, "/admin/modeler/deploy",
                                                 json={"xml": BPMN, "file_name": "sample.bpmn", "key": "sample"}),
    ("admin.admin_dmn", "GET"): Rule(EDITORS, "/admin/dmn"),
    ("admin.admin_dmn_deploy", "POST"): Rule(EDITORS, "/admin/dmn/deploy", json={"xml": "<x/>",
                                                                                "file_name": "x.dmn"}),
    ("admin.admin_dmn_validate", "POST"): Rule(EDITORS, "/admin/dmn/validate", json={"xml": "<x/>",
                                                                                    "file_name": "x.dmn"}),
    ("admin.admin_dmn_save", "POST"): Rule(EDITORS, "/admin/dmn/save", json={"xml": "<x/>", "file_name": "x.dmn"}),
    ("admin.admin_dmn_diff", "POST"): Rule(EDITORS, "/admin/dmn/diff", json={"xml": "<x/>", "file_name": "x.dmn"}),
    ("admin.admin_modeler_diff", "POST"): Rule(EDITORS, "/admin/modeler/diff",
                                               json={"xml": BPMN, "file_name": "sample.bpmn"}),
    ("admin.admin_scenarios", "GET"): Rule(EDITORS, "/admin/scenarios/recognition"),
    ("admin.admin_scenarios", "POST"): Rule(EDITORS, "/admin/scenarios/recognition", form={"op": "run"}),
    ("calendar.calendar_years_page", "GET"): Rule(OPERATORS, "/admin/calendar"),
    ("calendar.calendar_load_page", "POST"): Rule(OPERATORS, "/admin/calendar",
                                                  files=_upload("2027.toml", b"year = 2027\n")),
    ("calendar.calendar_year_download", "GET"): Rule(OPERATORS, "/admin/calendar/2026.toml"),
    ("calendar.clock_page", "GET"): Rule(OPERATORS, "/admin/clock"),
    ("calendar.clock_move_page", "POST"): Rule(OPERATORS, "/admin/clock", form={"action": "advance",
                                                                                 "duration": "PT1H"}),
    # -- staff pages
    ("tasks.task_list", "GET"): Rule(USERS, "/tasks/mine"),
    ("tasks.task_page", "GET"): Rule(COUNTY_TASK_READERS, "/tasks/{task_county}"),
    ("tasks.task_submit", "POST"): Rule(frozenset({"county"}), "/tasks/{task_county}", form=RECOMMEND),
    ("tasks.task_claim", "POST"): Rule(frozenset({"county"}), "/tasks/{task_county}/claim"),
    # the county task is unclaimed: nobody holds it, so only the administrator may release or hand it over
    ("tasks.task_release", "POST"): Rule(ADMIN, "/tasks/{task_county}/release"),
    ("tasks.task_transfer", "POST"): Rule(ADMIN, "/tasks/{task_county}/transfer", form={"to": "county-dongchangfu"}),
    # 委派 is the holder's: nobody holds the unclaimed task
    ("tasks.task_delegate", "POST"): Rule(NOBODY, "/tasks/{task_county}/delegate", form={"to": "county-dongchangfu"}),
    ("tasks.task_take_back", "POST"): Rule(frozenset({"county"}), "/tasks/{task_county}/take-back"),
    ("tasks.task_copy", "POST"): Rule(frozenset({"county"}) | REVIEWERS, "/tasks/{task_county}/copy",
                                      form={"to": "reviewer"}),
    ("tasks.task_urge", "POST"): Rule(CASE, "/tasks/{task_county}/urge"),
    ("tasks.table_import", "POST"): Rule(DRAFT_TASK_READERS, "/tasks/{task_draft}/tables/yearly/import",
                                         files=_upload("y.csv", "年度,营业收入\n2025,1\n".encode())),
    ("tasks.table_template", "GET"): Rule(DRAFT_TASK_READERS, "/tasks/{task_draft}/tables/yearly/template.csv"),
    ("tasks.instance_list", "GET"): Rule(USERS, "/instances"),
    ("tasks.instance_export", "GET"): Rule(USERS, "/instances.xlsx"),
    ("tasks.instance_page", "GET"): Rule(CASE_AND_PANEL, "/instances/{iid}"),
    ("tasks.instance_withdraw", "POST"): Rule(APPLICANT, "/instances/{iid_draft}/withdraw"),
    # the page lists what each person may start (access.may_start per diagram), possibly nothing
    ("tasks.start_page", "GET"): Rule(USERS, "/start"),
    ("tasks.start_post", "POST"): Rule(APPLICANTS, "/start", form={"process_key": "recognition"}),
    # -- recognition pages
    # the rounds are public; the page shows objections to the bureau only
    ("recognition.rounds_page", "GET"): Rule(USERS, "/rounds"),
    ("recognition.rounds_open", "POST"): Rule(OPERATORS, "/rounds", form={"year": "2027",
                                                                          "submission_deadline": "2027-12-31"}),
    ("recognition.material_file", "GET"): Rule(DOCS, "/applications/{bk}/materials/m03"),
    ("recognition.application_precheck", "POST"): Rule(APPLICANT, "/applications/{bk_draft}/precheck",
                                                       form={"task_id": "{task_draft}"}),
    ("recognition.material_upload", "POST"): Rule(APPLICANT, "/applications/{bk_draft}/materials/m03",
                                                  files=_upload("m03.pdf", PDF)),
    ("public.objection_attachment_download", "GET"): Rule(
        REVIEWERS, "/applications/{bk_public}/objection-attachments/{sha256}"),
    # -- public pages
    ("public.public_publicity", "GET"): Rule(ALL, "/public/"),
    ("public.public_register", "GET"): Rule(ALL, "/public/register"),
    ("public.objection_lookup", "GET"): Rule(ALL, "/public/objections?receipt={receipt}"),
    ("public.objection_receipt", "GET"): Rule(ALL, "/public/objections/{receipt}"),
    ("public.public_objection", "GET"): Rule(ALL, "/public/objection/{bk_public}"),
    ("public.public_objection_post", "POST"): Rule(ALL, "/public/objection/{bk_public}", form={
        "name": "赵六", "contact": "13700000000", "reasons": "该平台的服务数据与实际情况不符，请核查。"}),
    ("documents.notices", "GET"): Rule(ALL, "/public/notices"),
    ("documents.publicity_notice", "GET"): Rule(ALL, "/public/notices/publicity/{publicity_start}"),
    ("documents.publicity_notice_pdf", "GET"): Rule(ALL, "/public/notices/publicity/{publicity_start}.pdf"),
    ("documents.revocation_notice", "GET"): Rule(ALL, "/public/notices/revocations/{revocation}"),
    ("documents.revocation_notice_pdf", "GET"): Rule(ALL, "/public/notices/revocations/{revocation}.pdf"),
    ("documents.round_list", "GET"): Rule(ALL, "/public/notices/rounds/2026"),
    ("documents.round_list_pdf", "GET"): Rule(ALL, "/public/notices/rounds/2026.pdf"),
    ("documents.register_export", "GET"): Rule(ALL, "/public/register.csv"),
    ("documents.register_entry", "GET"): Rule(ALL, "/public/register/{entry}"),
    ("supervision.supervision_public_revocations", "GET"): Rule(ALL, "/supervision/revocations"),
    # -- documents pages
    ("documents.application_document", "GET"): Rule(DOCS, "/applications/{bk}/documents/m01.pdf"),
    ("documents.dossier", "GET"): Rule(DOCS, "/applications/{bk}/dossier.pdf"),
    # the bureau, and the applicant of the granted application (the demo platform was granted before the system)
    ("documents.certificate", "GET"): Rule(REVIEWERS, "/register/{entry}/certificate.pdf"),
    ("documents.compliance_export", "GET"): Rule(STAFF_LISTS, "/exports/quarterly-compliance.csv"),
    ("documents.round_export", "GET"): Rule(STAFF_LISTS, "/exports/rounds/2026/applications.csv"),
    ("documents.task_export", "GET"): Rule(USERS, "/exports/tasks/mine.csv"),
    # -- supervision pages
    ("supervision.supervision_overdue", "GET"): Rule(STAFF_LISTS | APPLICANTS, "/supervision/overdue"),
    ("supervision.supervision_chase", "POST"): Rule(REVIEWERS | {"county"}, "/supervision/reports/{report}/chase",
                                                    form={"message": "请尽快填报"}),
    ("supervision.supervision_reports", "GET"): Rule(STAFF_LISTS | {"applicant", "applicant_other"},
                                                     "/supervision/reports"),
    ("supervision.supervision_platforms", "GET"): Rule(STAFF_LISTS, "/supervision/platforms"),
    ("supervision.supervision_revoke", "POST"): Rule(REVIEWERS, "/supervision/revocations", form={
        "register_id": "{entry}", "article": "第二十条", "reason": "连续两个季度未报送", "source": "other"}),
    ("supervision.supervision_start_inspection", "POST"): Rule(REVIEWERS | {"county"}, "/supervision/inspections",
                                                               form={"register_id": "{entry}"}),
    ("supervision.supervision_spot_checks", "GET"): Rule(BUREAU, "/supervision/spot-checks"),
    ("supervision.supervision_start_spot_check", "POST"): Rule(REVIEWERS, "/supervision/spot-checks",
                                                               form={"n": "1"}),
    # -- API: authentication
    ("api_auth.token", "POST"): Rule(ALL, "/api/v1/auth/token", json={"username": "applicant3", "password": "demo"}),
    ("api_auth.me", "GET"): Rule(USERS, "/api/v1/me"),
    # -- API: definitions and instances
    ("api_instances.list_definitions", "GET"): Rule(USERS, "/api/v1/process-definitions"),
    ("api_instances.deploy_definition", "POST"): Rule(EDITORS, "/api/v1/process-definitions",
                                                      files=_upload("sample.bpmn", BPMN.encode())),
    ("api_instances.start_instance", "POST"): Rule(APPLICANTS,
                                                   "/api/v1/process-instances", json={"process_key": "recognition"}),
    ("api_instances.list_instances", "GET"): Rule(USERS, "/api/v1/process-instances"),
    ("api_instances.get_instance", "GET"): Rule(CASE_AND_PANEL, "/api/v1/process-instances/{iid}"),
    ("api_instances.instance_action", "POST"): Rule(ADMIN, "/api/v1/process-instances/{iid}/suspend",
                                                    json={"reason": "核查"}),
    ("api_instances.message", "POST"): Rule(CASE, "/api/v1/messages", json={
        "name": "withdraw", "business_key": "{bk_draft}", "payload": {"reason": "x"}}),
    ("api_tasks.timeline", "GET"): Rule(CASE_AND_PANEL, "/api/v1/process-instances/{iid}/timeline"),
    # -- API: tasks
    ("api_tasks.task_counts", "GET"): Rule(USERS, "/api/v1/task-counts"),
    ("api_tasks.task_list", "GET"): Rule(USERS, "/api/v1/task-lists/mine"),
    ("api_tasks.list_tasks", "GET"): Rule(USERS, "/api/v1/tasks"),
    ("api_tasks.get_task", "GET"): Rule(COUNTY_TASK_READERS, "/api/v1/tasks/{task_county}"),
    ("api_tasks.hand_over", "POST"): Rule(ADMIN, "/api/v1/tasks/{task_county}/transfer",
                                          json={"to": "county-dongchangfu"}),
    ("api_tasks.claim", "POST"): Rule(frozenset({"county"}), "/api/v1/tasks/{task_county}/claim"),
    ("api_tasks.complete", "POST"): Rule(frozenset({"expert"}), "/api/v1/tasks/{task_expert}/complete",
                                         json={"data": VOTE}),
    ("api_tasks.submit", "POST"): Rule(frozenset({"expert"}), "/api/v1/tasks/{task_expert}/submit",
                                       json={"data": VOTE}),
    ("api_tasks.copy", "POST"): Rule(frozenset({"county"}) | REVIEWERS, "/api/v1/tasks/{task_county}/copy",
                                     json={"to": ["reviewer"]}),
    ("api_tasks.save_draft", "POST"): Rule(frozenset({"expert"}), "/api/v1/tasks/{task_expert}/draft",
                                           json={"data": {"opinion": "草稿"}}),
    ("api_tasks.release", "POST"): Rule(ADMIN, "/api/v1/tasks/{task_county}/release"),
    ("api_tasks.unclaim", "POST"): Rule(ADMIN, "/api/v1/tasks/{task_county}/unclaim"),
    ("api_tasks.table_import", "POST"): Rule(DRAFT_TASK_READERS, "/api/v1/tasks/{task_draft}/tables/yearly/import",
                                             files=_upload("y.csv", "年度,营业收入\n2025,1\n".encode())),
    ("api_tasks.take_back", "POST"): Rule(frozenset({"county"}), "/api/v1/tasks/{task_county}/take-back"),
    ("api_tasks.urge", "POST"): Rule(CASE, "/api/v1/tasks/{task_county}/urge", json={}),
    # -- API: notifications
    ("api_notifications.notifications_list", "GET"): Rule(USERS, "/api/v1/notifications"),
    ("api_notifications.notifications_read", "POST"): Rule(USERS, "/api/v1/notifications/read", json={}),
    # -- API: administration
    ("api_admin.admin_dashboard", "GET"): Rule(BUREAU, "/api/v1/admin/dashboard"),
    ("api_admin.admin_definitions", "GET"): Rule(EDITORS, "/api/v1/admin/definitions"),
    ("api_admin.admin_definition", "GET"): Rule(BUREAU, "/api/v1/admin/definitions/{definition}"),
    ("api_admin.admin_drafts", "GET"): Rule(EDITORS, "/api/v1/admin/drafts"),
    ("api_admin.admin_save_draft", "POST"): Rule(EDITORS, "/api/v1/admin/drafts", json={"xml": BPMN,
                                                                                      "key": "sample"}),
    ("api_admin.admin_deploy_draft", "POST"): Rule(EDITORS, "/api/v1/admin/drafts/sample/deploy", json={}),
    ("api_admin.admin_instances", "GET"): Rule(BUREAU, "/api/v1/admin/instances"),
    ("api_admin.admin_instance", "GET"): Rule(BUREAU, "/api/v1/admin/instances/{iid}"),
    ("api_admin.admin_instance_diagram", "GET"): Rule(BUREAU, "/api/v1/admin/instances/{iid}/diagram"),
    ("api_admin.admin_skip", "POST"): Rule(ADMIN, "/api/v1/admin/instances/{iid}/skip", json={"reason": "核查"}),
    ("api_admin.admin_edit_variables", "POST"): Rule(ADMIN, "/api/v1/admin/instances/{iid}/variables",
                                                     json={"set": {"note": 1}, "reason": "核查"}),
    # the process owner migrates (tests/admin); access.py's comment files it under ADMINISTER_INSTANCES
    ("api_admin.admin_migrate", "POST"): Rule(EDITORS, "/api/v1/admin/migrations", json={
        "instances": ["{iid}"], "to": "{definition}", "reason": "核查"}),
    ("api_admin.admin_migration_preview", "POST"): Rule(EDITORS, "/api/v1/admin/migrations/preview", json={
        "instances": ["{iid}"], "to": "{definition}"}),
    ("api_admin.admin_scenarios", "GET"): Rule(EDITORS, "/api/v1/admin/scenarios/recognition"),
    ("api_admin.admin_save_scenario", "POST"): Rule(EDITORS, "/api/v1/admin/scenarios/recognition", json={
        "name": "s", "steps": {"start": {}, "tasks": []}, "expected": {}}),
    ("api_admin.admin_run_scenarios", "POST"): Rule(EDITORS, "/api/v1/admin/scenarios/recognition/run", json={}),
    ("api_admin.admin_users", "GET"): Rule(OPERATORS, "/api/v1/admin/users"),
    ("api_admin.admin_create_user", "POST"): Rule(OPERATORS, "/api/v1/admin/users", json={
        "username": "newuser", "password": "a-long-password", "role": "expert"}),
    ("api_admin.admin_update_user", "POST"): Rule(OPERATORS, "/api/v1/admin/users/{users_reviewer}",
                                                  json={"display_name": "审核员"}),
    ("api_admin.admin_user_active", "POST"): Rule(OPERATORS, "/api/v1/admin/users/{users_reviewer}/deactivate",
                                                  json={"reason": "调岗"}),
    ("api_admin.admin_reset_password", "POST"): Rule(OPERATORS, "/api/v1/admin/users/{users_reviewer}/password",
                                                     json={"password": "a-long-password"}),
    ("api_admin.admin_validate", "POST"): Rule(EDITORS, "/api/v1/admin/validate", json={"xml": BPMN,
                                                                                      "file": "s.bpmn"}),
    # -- API: recognition
    ("api_recognition.list_rounds", "GET"): Rule(USERS, "/api/v1/rounds"),
    ("api_recognition.open_round", "POST"): Rule(OPERATORS, "/api/v1/rounds", json={
        "year": 2027, "submission_deadline": "2027-12-31"}),
    ("api_recognition.measures", "GET"): Rule(USERS, "/api/v1/measures"),
    ("api_recognition.list_applications", "GET"): Rule(USERS, "/api/v1/applications"),
    ("api_recognition.get_application", "GET"): Rule(CASE_AND_PANEL, "/api/v1/applications/{bk}"),
    ("api_recognition.list_materials", "GET"): Rule(DOCS, "/api/v1/applications/{bk}/materials"),
    ("api_recognition.material_file", "GET"): Rule(DOCS, "/api/v1/applications/{bk}/materials/m03"),
    ("api_recognition.upload_material", "POST"): Rule(APPLICANT, "/api/v1/applications/{bk_draft}/materials/m03",
                                                      files=_upload("m03.pdf", PDF)),
    ("api_recognition.save_draft", "POST"): Rule(APPLICANT, "/api/v1/applications/{bk_draft}/draft",
                                                 json={"data": {"unit_name": "聊城丁平台有限公司"}}),
    ("api_recognition.precheck", "POST"): Rule(CASE, "/api/v1/applications/{bk_draft}/precheck",
                                               json={"data": valid_application()}),
    ("api_recognition.withdraw", "POST"): Rule(APPLICANT, "/api/v1/applications/{bk_draft}/withdraw",
                                               json={"reason": "不再申报"}),
    ("api_recognition.file_objection", "POST"): Rule(ALL, "/api/v1/applications/{bk_public}/objections", json={
        "name": "赵六", "contact": "13700000000", "reasons": "该平台的服务数据与实际情况不符，请核查。"}),
    ("api_recognition.objections", "GET"): Rule(REVIEWERS, "/api/v1/applications/{bk_public}/objections"),
    ("api_recognition.objection_attachment", "GET"): Rule(
        REVIEWERS, "/api/v1/applications/{bk_public}/objection-attachments/{sha256}"),
    ("api_recognition.register", "GET"): Rule(ALL, "/api/v1/register"),
    ("api_recognition.add_register_entry", "POST"): Rule(OPERATORS, "/api/v1/register", json={
        "unit_name": "聊城戊平台有限公司", "credit_code": "91371500MA3C0009XX", "county": "dongchangfu",
        "status": "recognised"}),
    # -- API: documents
    ("api_documents.application_document", "GET"): Rule(DOCS, "/api/v1/applications/{bk}/documents/m01.pdf"),
    ("api_documents.dossier", "GET"): Rule(DOCS, "/api/v1/applications/{bk}/dossier.pdf"),
    ("api_documents.certificate", "GET"): Rule(REVIEWERS, "/api/v1/register/{entry}/certificate.pdf"),
    ("api_documents.compliance_export", "GET"): Rule(STAFF_LISTS, "/api/v1/exports/quarterly-compliance.csv"),
    ("api_documents.register_export", "GET"): Rule(ALL, "/api/v1/exports/register.csv"),
    ("api_documents.round_export", "GET"): Rule(STAFF_LISTS, "/api/v1/exports/rounds/2026/applications.csv"),
    ("api_documents.task_export", "GET"): Rule(USERS, "/api/v1/exports/tasks/mine.csv"),
    ("api_documents.publicity_notice", "GET"): Rule(ALL, "/api/v1/notices/publicity/{publicity_start}.pdf"),
    ("api_documents.revocation_notice", "GET"): Rule(ALL, "/api/v1/notices/revocations/{revocation}.pdf"),
    ("api_documents.round_list", "GET"): Rule(ALL, "/api/v1/notices/rounds/2026.pdf"),
    # -- API: calendar and clock
    ("api_calendar.calendar_years", "GET"): Rule(USERS, "/api/v1/calendar/years"),
    ("api_calendar.calendar_load", "POST"): Rule(OPERATORS, "/api/v1/calendar/years", json={"toml": "year = 2027\n"}),
    ("api_calendar.calendar_year_toml", "GET"): Rule(USERS, "/api/v1/calendar/years/2026.toml"),
    ("api_calendar.calendar_add_working_days", "GET"): Rule(USERS,
                                                            "/api/v1/calendar/add-working-days?start=2026-10-09&n=3"),
    ("api_calendar.calendar_provisional", "GET"): Rule(OPERATORS, "/api/v1/calendar/provisional"),
    ("api_calendar.get_clock", "GET"): Rule(USERS, "/api/v1/clock"),
    ("api_calendar.clock_move", "GET"): Rule(USERS, "/api/v1/clock/move"),
    ("api_calendar.set_clock", "POST"): Rule(OPERATORS, "/api/v1/clock", json={"advance": "PT1H"}),
    # -- API: supervision
    ("api_supervision.supervision_reports", "GET"): Rule(STAFF_LISTS | {"applicant", "applicant_other"},
                                                         "/api/v1/supervision/reports"),
    ("api_supervision.supervision_chase", "POST"): Rule(REVIEWERS | {"county"},
                                                        "/api/v1/supervision/reports/{report}/chase",
                                                        json={"message": "请尽快填报"}),
    ("api_supervision.supervision_aggregates", "GET"): Rule(STAFF_LISTS, "/api/v1/supervision/aggregates"),
    ("api_supervision.supervision_overdue", "GET"): Rule(STAFF_LISTS | APPLICANTS, "/api/v1/supervision/overdue"),
    ("api_supervision.supervision_platforms", "GET"): Rule(STAFF_LISTS, "/api/v1/supervision/platforms"),
    ("api_supervision.supervision_inspections", "GET"): Rule(STAFF_LISTS, "/api/v1/supervision/inspections"),
    ("api_supervision.supervision_start_inspection", "POST"): Rule(
        REVIEWERS | {"county"}, "/api/v1/supervision/inspections", json={"register_id": "{entry}"}),
    ("api_supervision.supervision_spot_checks", "GET"): Rule(BUREAU, "/api/v1/supervision/spot-checks"),
    ("api_supervision.supervision_start_spot_check", "POST"): Rule(REVIEWERS, "/api/v1/supervision/spot-checks",
                                                                   json={"n": 1}),
    ("api_supervision.supervision_revocations", "GET"): Rule(ALL, "/api/v1/supervision/revocations"),
    ("api_supervision.supervision_revocation_requests", "GET"): Rule(STAFF_LISTS,
                                                                     "/api/v1/supervision/revocation-requests"),
    ("api_supervision.supervision_revoke", "POST"): Rule(REVIEWERS, "/api/v1/supervision/revocations", json={
        "register_id": "{entry}", "article": "第二十条", "reason": "连续两个季度未报送", "source": "other"}),
    ("api_supervision.supervision_run_jobs", "POST"): Rule(OPERATORS, "/api/v1/supervision/jobs/run", json={}),
}

# the figures of this run, printed by tests/security/conftest.py
FIGURES: dict[str, Any] = {"routes": 0, "pairs": 0, "wrongly_allowed": [], "wrongly_denied": [], "errors": []}


def route_keys(app: Any) -> set[tuple[str, str]]:
    return {(r.endpoint, m) for r in app.url_map.iter_rules() for m in r.methods - {"HEAD", "OPTIONS"}}


def _fill(value: Any, ids: dict[str, Any]) -> Any:
    if isinstance(value, str):
        if value.startswith("{") and value.endswith("}") and value[1:-1] in ids:
            return ids[value[1:-1]]  # a whole placeholder keeps the type (an id stays an int)
        return value.format(**ids) if "{" in value else value
    if isinstance(value, dict):
        return {k: _fill(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, ids) for v in value]
    return value


def request(world: World, subject: str, method: str, rule: Rule) -> Any:
    url = rule.url.format(**world.ids)
    client = world.clients[subject]
    headers = {}
    if url.startswith("/api/") and subject in world.tokens:
        headers["Authorization"] = f"Bearer {world.tokens[subject]}"
    kw: dict[str, Any] = {"headers": headers}
    if rule.json is not None:
        kw["json"] = _fill(rule.json, world.ids)
    elif rule.files is not None:
        kw["data"] = rule.files()
        kw["content_type"] = "multipart/form-data"
    elif rule.form is not None:
        kw["data"] = {k: str(_fill(v, world.ids)) for k, v in rule.form.items()}
    elif method == "POST":
        kw["json"] = {} if url.startswith("/api/") else None
    if url.startswith("/api/") and subject not in world.tokens:
        # an API client without a token; the page session must not stand in for one
        client = world.app.test_client()
    SEEN["flashes"].clear()
    SEEN["refusals"].clear()
    return getattr(client, method.lower())(url, **kw)


# what happened inside a request besides its status: pages that refuse with a flash and a redirect
SEEN: dict[str, list[Any]] = {"flashes": [], "refusals": []}


def outcome(response: Any, to_login: bool = False) -> str:
    status = response.status_code
    if status in (401, 403, 404):
        return "denied"
    if 300 <= status < 400 and "/login" in response.headers.get("Location", "") and not to_login:
        return "denied"
    if status >= 500:
        return "error"
    if 300 <= status < 400 and any(cat == "error" for _, cat in SEEN["flashes"]) and SEEN["refusals"]:
        return "denied"  # a page that caught Forbidden/NotFound, flashed it and redirected
    return "allowed"


@pytest.fixture(scope="module", autouse=True)
def _watch_refusals() -> Any:
    """Record flashes and every Forbidden/NotFound/Unauthorized raised during a request."""
    from flask import message_flashed

    from processes import errors

    def flashed(sender: Any, message: str, category: str, **_: Any) -> None:
        SEEN["flashes"].append((message, category))

    originals = {}
    for cls in (errors.Forbidden, errors.NotFound, errors.Unauthorized):
        original = cls.__init__
        originals[cls] = original

        def init(self: Any, *a: Any, _original: Any = original, **k: Any) -> None:
            SEEN["refusals"].append(type(self).__name__)
            _original(self, *a, **k)

        cls.__init__ = init  # type: ignore[method-assign]
    message_flashed.connect(flashed)
    yield
    message_flashed.disconnect(flashed)
    for cls, original in originals.items():
        cls.__init__ = original  # type: ignore[method-assign]


@pytest.fixture(scope="module")
def world(db: Any, db_url: str, tmp_path_factory: pytest.TempPathFactory) -> World:
    from datetime import timedelta

    from app import create_app
    from processes.runtime import build_runtime
    from processes.services.users import ensure_demo_users
    from processes.settings import load_settings
    from tests.conftest import START, _clean

    settings = load_settings("test", instance_path=str(tmp_path_factory.mktemp("matrix") / "instance"),
                             database_url=db_url)
    _clean(db)
    rt = build_runtime(settings, db)
    rt.clock.set_state(START, timedelta(0))  # type: ignore[attr-defined]
    ensure_demo_users(rt.uow(), settings.config_dir)
    app = create_app(settings, rt)
    app.config["WTF_CSRF_ENABLED"] = False  # CSRF is its own check; here a refusal must mean "not allowed"
    w = authz_world.build(rt, app)
    w.login_everyone()
    return w


def test_every_route_has_a_rule(world: World) -> None:
    keys = route_keys(world.app)
    missing = sorted(keys - set(RULES))
    stale = sorted(set(RULES) - keys)
    assert not missing, f"routes without a rule in RULES (add one: who may call them?): {missing}"
    assert not stale, f"rules of routes that no longer exist: {stale}"


@pytest.mark.parametrize("key", sorted(RULES), ids=[f"{m} {e}" for e, m in sorted(RULES)])
def test_route(world: World, key: tuple[str, str]) -> None:
    endpoint, method = key
    rule = RULES[key]
    changes = method != "GET"
    order = sorted(SUBJECTS, key=lambda s: s in rule.allow)  # the denied first: nothing changed yet
    if changes:
        world.restore()
    wrong: list[str] = []
    FIGURES["routes"] += 1
    for subject in order:
        expected = "allowed" if subject in rule.allow else "denied"
        if changes and expected == "allowed":
            world.restore()  # each allowed person acts on the world as it was
        response = request(world, subject, method, rule)
        got = outcome(response, rule.to_login and subject != "anon")
        if endpoint == "home.logout" and SUBJECTS[subject]:
            world.login(subject)
        FIGURES["pairs"] += 1
        pair = f"{method} {rule.url} as {subject}: {response.status_code}"
        if os.environ.get("MATRIX_DUMP"):
            print(f"MATRIX {endpoint} {method} {subject} {response.status_code} {got} expected {expected}")
        if got == "error":
            FIGURES["errors"].append(pair)
            wrong.append(pair + " (server error)")
        elif got != expected:
            FIGURES["wrongly_allowed" if got == "allowed" else "wrongly_denied"].append(pair)
            wrong.append(f"{pair} ({got}, expected {expected})")
    if changes:
        world.restore()
    assert not wrong, "\n".join(wrong)
