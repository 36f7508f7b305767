"""Several web hosts (docs/deployment.md): two app processes on two ports, each with its own
instance folder, sharing one database (PostgreSQL when the suite runs on it) and one S3-compatible
store: a material uploaded through one is served by the other."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import datetime
from pathlib import Path

from sqlalchemy.engine import make_url

from tests.bench.common import Client, app_env, prepare, server
from tests.recognition.conftest import PDF  # uploads are parsed: a real one-page PDF
from tests.support.s3 import CREDENTIALS, bucket, s3_server


@contextmanager
def _database(tmp_path: Path) -> Iterator[str]:
    """PostgreSQL (a database of this test's own) when the suite runs on it, else one SQLite file."""
    url = os.environ.get("TEST_DATABASE_URL", "")
    if not url.startswith("postgresql"):
        yield f"sqlite:///{tmp_path / 'shared.db'}"
        return
    import psycopg

    base = make_url(url)
    admin = base.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS perf_two_hosts WITH (FORCE)")
        conn.execute("CREATE DATABASE perf_two_hosts")
    try:
        yield base.set(database="perf_two_hosts").render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute("DROP DATABASE IF EXISTS perf_two_hosts WITH (FORCE)")


def test_an_upload_through_one_host_is_served_by_the_other(tmp_path):
    with ExitStack() as stack:
        endpoint = stack.enter_context(s3_server())
        store = {"APP_STORAGE_BACKEND": "s3", "APP_S3_BUCKET": bucket(endpoint, "uploads"),
                 "APP_S3_ENDPOINT_URL": endpoint, **CREDENTIALS}
        db = stack.enter_context(_database(tmp_path))
        hosts = [str(tmp_path / "host-a"), str(tmp_path / "host-b")]
        prepare(app_env(hosts[0], db, **store))  # migrate, deploy, demo users: once, for both
        a = Client(stack.enter_context(server(db, instance=hosts[0], prepared=True, **store)))
        b = Client(stack.enter_context(server(db, instance=hosts[1], prepared=True, **store)))

        year = datetime.now().year
        a.login("admin")
        try:
            a.call("POST", "/api/v1/rounds", {"year": year, "submission_deadline": f"{year}-12-31"})
        except RuntimeError as exc:  # the demo data may have opened this year's round already
            assert "409" in str(exc), exc
        a.login("applicant1")
        bk = a.call("POST", "/api/v1/process-instances", {"process_key": "recognition"})["business_key"]
        a.call("POST", f"/api/v1/applications/{bk}/materials/m03", files=("营业执照.pdf", PDF))

        b.login("applicant1")
        listing = b.call("GET", f"/api/v1/applications/{bk}/materials")
        assert [m["mkey"] for m in listing["materials"]] == ["m03"]
        b.conn.request("GET", f"/api/v1/applications/{bk}/materials/m03",
                       headers={"Authorization": f"Bearer {b.token}"})
        resp = b.conn.getresponse()
        assert resp.status == 200 and resp.read() == PDF
        assert resp.getheader("Content-Type") == "application/pdf"
        # nothing went to either host's disk: the store holds it
        assert not (Path(hosts[0]) / "uploads").exists() and not (Path(hosts[1]) / "uploads").exists()
