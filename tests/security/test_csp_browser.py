"""Under the Content Security Policy the diagram modeler (bpmn-js), the DMN editor (dmn-js), the
instance page's coloured diagram and Swagger UI still work in Chromium: no CSP violation, no console
error about the policy. Waits for conditions (the diagram rendered, the operations listed), never time."""

from __future__ import annotations

from typing import Any

from tests.support.diagrams import SAMPLE

WATCH = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', function (e) {
  window.__csp.push(e.violatedDirective + ' ' + (e.blockedURI || '') + ' ' + (e.sourceFile || '') + ':' + e.lineNumber);
});
"""


def _watched(session: Any) -> list[str]:
    """Console errors of the page (collected from now on) and CSP violations (read with _violations)."""
    errors: list[str] = []
    session.page.add_init_script(WATCH)
    session.page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    session.page.on("pageerror", lambda exc: errors.append(f"page error: {exc}"))
    return errors


def _violations(session: Any, errors: list[str]) -> list[str]:
    found = list(session.page.evaluate("window.__csp || []"))
    found += [e for e in errors if "Content Security Policy" in e or "Refused to" in e or "page error" in e]
    return found


def test_modeler_dmn_instance_page_and_api_docs_work_under_the_csp(rec, open_session, live_server):
    iid = rec.start()["id"]  # the recognition diagram, its decision tables deployed

    owner = open_session("owner")
    errors = _watched(owner)
    owner.goto("/admin/modeler?key=recognition")
    owner.page.wait_for_selector("#canvas[data-ready='1']")
    owner.page.wait_for_selector("#canvas .djs-element")
    assert _violations(owner, errors) == []
    owner.goto("/admin/dmn")
    owner.page.wait_for_selector("#dmn .tjs-container, #dmn .dmn-decision-table-container, #dmn-status:not(:empty)")
    assert _violations(owner, errors) == []

    admin = open_session("admin")
    errors = _watched(admin)
    admin.goto(f"/admin/instances/{iid}")
    admin.page.wait_for_selector("#diagram[data-rendered='1']")
    assert _violations(admin, errors) == []

    anyone = open_session()
    errors = _watched(anyone)
    response = anyone.goto("/api/docs")
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    anyone.page.wait_for_selector(".swagger-ui .opblock")
    assert anyone.page.locator(".swagger-ui .opblock").count() > 10
    assert _violations(anyone, errors) == []


def test_inline_handlers_moved_to_files_still_work(api, open_session, live_server):
    """The withdraw form asks before submitting (data-confirm, formerly onsubmit="return confirm(…)")."""
    api.as_user("owner").deploy(SAMPLE)
    r = api.as_user("applicant1").post("/api/v1/process-instances", json={"process_key": "sample"})
    iid = r.get_json()["id"]
    s = open_session("applicant1")
    errors = _watched(s)
    s.goto(f"/instances/{iid}")
    form = s.page.locator("form.withdraw")
    if form.count() == 0:  # the page offers withdrawal on the task page instead
        s.goto(f"/tasks/{api.as_user('applicant1').only_task('fill')['id']}")
    asked: list[str] = []

    def dismiss(dialog: Any) -> None:
        asked.append(dialog.message)
        dialog.dismiss()

    s.page.on("dialog", dismiss)
    s.page.locator("form.withdraw button").first.click()
    s.page.wait_for_function("true")  # the dialog handler ran synchronously with the click
    assert asked and "撤回" in asked[0]
    assert api.as_user("applicant1").instance(iid)["state"] != "terminated"  # dismissed: nothing happened
    assert _violations(s, errors) == []
