"""The modeler's endpoints decide permission before they read the diagram: someone who may not edit
diagrams gets 403, never a validation result or the normalised XML."""

from __future__ import annotations

import pytest

from tests.support.pages import PageClient

BROKEN = '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"><bpmn:process id="p"/>'


@pytest.mark.parametrize("url", ["/admin/modeler/validate", "/admin/modeler/save", "/admin/modeler/deploy",
                                 "/admin/dmn/deploy"])
@pytest.mark.parametrize("who", ["reviewer", "county-dongchangfu", "expert1", "applicant1"])
def test_only_diagram_editors_reach_the_modeler(app, url, who):
    b = PageClient(app, who)
    b.get("/")
    for xml in (BROKEN, "<bpmn:definitions"):
        r = b.post_json(url, {"xml": xml, "file_name": "x.bpmn"})
        assert r.status_code == 403, (url, who, r.status_code)
        assert "bpmn:definitions" not in r.get_data(as_text=True)


def test_the_owner_still_validates(app):
    b = PageClient(app, "owner")
    b.get("/admin/modeler")
    r = b.post_json("/admin/modeler/validate", {"xml": BROKEN, "file_name": "x.bpmn"})
    assert r.status_code == 200 and r.get_json()["ok"] is False
