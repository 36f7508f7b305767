"""Art. 15: one application per unit per round, also when two submissions arrive at the same moment."""

from __future__ import annotations

import threading

from tests.conftest import Api
from tests.recognition.conftest import valid_application


def test_two_simultaneous_submissions_of_one_unit_one_is_refused(app, rec):
    code = valid_application()["credit_code"]
    insts = {}
    for user in ("applicant1", "applicant2"):
        inst = rec.start(user)
        rec.upload_all(inst["business_key"], user)
        insts[user] = inst
    tasks = {u: rec.task(u, "fill_application")["id"] for u in insts}
    results: dict[str, int] = {}
    barrier = threading.Barrier(2)

    def submit(user: str) -> None:
        client = Api(app.test_client()).as_user(user)
        barrier.wait()
        r = client.complete(tasks[user], **valid_application(credit_code=code))
        results[user] = r.status_code

    threads = [threading.Thread(target=submit, args=(u,)) for u in insts]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert results == {"applicant1": 200, "applicant2": 200}, results
    statuses = sorted(rec.application(i["business_key"])["status"] for i in insts.values())
    assert statuses == ["at_county", "ineligible"], statuses
