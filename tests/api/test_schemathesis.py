"""The API against its own OpenAPI document (schemathesis): no request, valid or not, gets a 500, and
every response has a declared status, content type and schema.

The app is served on a free port against the test database, seeded like ``make run`` (demo users,
the deployed diagrams, the open round, three platforms under supervision) plus two applications of
``applicant1``: one through the county, the expert panel and the decision into its publicity, one
still a draft. The document is fetched and each path parameter gets the id of a real row as its
example, so the examples phase reaches the use cases behind the routes while the coverage and
fuzzing phases try the bounds and random values. Two runs: as ``applicant1``, then as ``admin``.

The budget (``ST_MAX_EXAMPLES`` examples per operation and ``ST_MAX_TIME`` seconds per run, 25 and
70 by default) keeps both runs together under three minutes on a loaded two-core machine.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from processes.models import ProcessDefinition, User
from processes.recognition.models import Application, PlatformRegister
from processes.seed import seed_all
from processes.supervision.models import QuarterlyReport
from tests.recognition.conftest import Recognition

pytestmark = pytest.mark.schemathesis

MAX_EXAMPLES = int(os.environ.get("ST_MAX_EXAMPLES", "25"))
MAX_TIME = int(os.environ.get("ST_MAX_TIME", "70"))
CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"
SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")

# Operations left out of the admin's run only: each may end the session of the token's own user
# (a new password, deactivation, or a changed role or county all end its tokens) and so turn every
# later request into a 401. The applicant's run calls them (and is refused).
ADMIN_EXCLUDED = ("/api/v1/admin/users/{user_id}", "/api/v1/admin/users/{user_id}/password",
                  "/api/v1/admin/users/{user_id}/{action}")




def _seed(runtime: Any, api: Any) -> dict[str, Any]:
    for _ in seed_all(runtime):
        pass
    rec = Recognition(api)
    published = rec.to_publicity("applicant1")
    draft = rec.start("applicant1")
    app_rows = {}
    uow = runtime.uow()
    with uow:
        for bk in (published["business_key"], draft["business_key"]):
            app_rows[bk] = uow.s.scalars(select(Application).where(Application.business_key == bk)).one()
        users = {u.username: u.id for u in uow.s.scalars(select(User))}
        entry = uow.s.scalars(select(PlatformRegister).order_by(PlatformRegister.id)).first()
        report = uow.s.scalars(select(QuarterlyReport).order_by(QuarterlyReport.id)).first()
        definition = uow.s.scalars(select(ProcessDefinition).where(ProcessDefinition.key == "recognition")).first()
        publicity = app_rows[published["business_key"]].publicity_start
    assert entry is not None and report is not None and definition is not None and publicity is not None
    task = api.as_user("applicant1").only_task("fill_application")
    return {"published": published, "draft": draft, "task_id": task["id"], "users": users,
            "entry_id": entry.id, "report_id": report.id, "definition_id": definition.id,
            "publicity": publicity.isoformat()}


def _examples(seed: dict[str, Any], user: str) -> dict[str, Any]:
    draft, published = seed["draft"], seed["published"]
    mine = user == "applicant1"
    return {"instance_id": (draft if mine else published)["id"], "task_id": seed["task_id"],
            "business_key": (draft if mine else published)["business_key"], "mkey": "m03",
            "field_id": "yearly", "report_id": seed["report_id"], "entry_id": seed["entry_id"],
            "register_id": seed["entry_id"], "definition_id": seed["definition_id"], "key": "recognition",
            "user_id": seed["users"]["expert3"], "start": seed["publicity"], "year": 2026, "revocation_id": 1,
            "sha256": "0" * 64}


def _document(base: str, examples: dict[str, Any], path: Path) -> Path:
    """The app's document, each path parameter with a real id as its example."""
    import urllib.request

    with urllib.request.urlopen(f"{base}/api/v1/openapi.json") as r:
        spec = json.load(r)
    for ops in spec["paths"].values():
        for op in ops.values():
            for p in op.get("parameters", []):
                if p.get("in") == "path" and p["name"] in examples:
                    p["example"] = examples[p["name"]]
    path.write_text(json.dumps(spec, ensure_ascii=False), encoding="utf-8")
    return path


def _run(base: str, document: Path, token: str, exclude: tuple[str, ...], report: Path) -> tuple[int, str]:
    cmd = [str(SCHEMATHESIS), "run", str(document), "--url", base, "--checks", CHECKS,
           "--max-examples", str(MAX_EXAMPLES), "--max-time", str(MAX_TIME), "--workers", "1",
           "--seed", os.environ.get("ST_SEED", "20261128"), "--no-color", "--request-timeout", "30",
           "-H", f"Authorization: Bearer {token}", "--suppress-health-check", "all",
           "--report", "junit", "--report-junit-path", str(report)]
    for path in exclude:
        cmd += ["--exclude-path", path]
    # run in the test's folder: schemathesis keeps a cache (.schemathesis/) in its working directory
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=MAX_TIME + 240, cwd=report.parent)
    return done.returncode, done.stdout + done.stderr


def _summary(output: str) -> str:
    """The closing lines: operations, test cases, failures."""
    lines = output.splitlines()
    start = next((i for i, line in enumerate(lines) if re.search(r"SUMMARY|Summary", line)), max(0, len(lines) - 25))
    return "\n".join(lines[start:])


def test_the_api_keeps_its_document(live_server: str, api: Any, runtime: Any, tmp_path: Path) -> None:
    served = live_server
    seed = _seed(runtime, api)
    results = {}
    for user, exclude in (("applicant1", ()), ("admin", ADMIN_EXCLUDED)):
        token = api.as_user(user).tokens[user]
        document = _document(served, _examples(seed, user), tmp_path / f"openapi-{user}.json")
        code, output = _run(served, document, token, exclude, tmp_path / f"junit-{user}.xml")
        results[user] = (code, output)
        print(f"\n===== schemathesis as {user} (exit {code}) =====\n{_summary(output)}")
    failed = {user: output for user, (code, output) in results.items() if code != 0}
    # a generated body may be megabytes long: each line is cut so that the failures stay readable
    assert not failed, "\n\n".join(f"--- as {u} ---\n" + "\n".join(line[:400] for line in o.splitlines())[-20000:]
                                     for u, o in failed.items())
