"""`make bench`: how long the admin instance page takes to render (`python -m tests.bench.admin_page_bench`).

On a fresh SQLite database the recognition procedure is walked through the JSON API as the demo users
(application with 150 served enterprises, county recommendation with the drawn survey, review, three
experts, decision, publicity, grant), so the instance is a finished recognition application with
every variable a real one carries. Then the admin's instance page ``/admin/instances/<id>`` is
rendered in process (Flask test client: routing, the read-only unit of work, loading the workflow,
the template) ``BENCH_PAGE_RUNS`` times after one warm-up; the median is printed as
``page admin instance ms: <n>``, with the size of the HTML.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
RUNS = int(os.environ.get("BENCH_PAGE_RUNS", "15"))


def finished_recognition(tmp: Path) -> tuple[Any, int]:
    """The app and the id of a granted recognition application (150 served enterprises)."""
    from app import create_app
    from processes.migrate import upgrade
    from processes.runtime import build_runtime
    from processes.services.users import ensure_demo_users
    from processes.settings import load_settings
    from tests.conftest import START, Api
    from tests.recognition.conftest import Recognition

    settings = load_settings("test", instance_path=str(tmp / "instance"),
                             database_url=f"sqlite:///{tmp / 'bench.db'}")
    rt = build_runtime(settings)
    upgrade(rt.db)
    rt.clock.set_state(START, timedelta(0))  # type: ignore[attr-defined]
    ensure_demo_users(rt.uow(), settings.config_dir)
    app = create_app(settings, rt)
    app.config["WTF_CSRF_ENABLED"] = False
    rec = Recognition(Api(app.test_client()))
    rec.deploy()
    rec.open_round()
    inst = rec.to_publicity()
    rec.set_clock("2026-10-12T09:00:00+08:00")
    state = rec.api.as_user("admin").instance(inst["id"])["state"]
    assert state == "completed", state
    return app, inst["id"]


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-admin-") as tmp:
        app, iid = finished_recognition(Path(tmp))
        client = app.test_client()
        r = client.post("/login", data={"username": "admin", "password": "demo"})
        assert r.status_code == 302, r.status_code
        url = f"/admin/instances/{iid}"
        first = client.get(url)  # warm-up: caches, template compilation
        assert first.status_code == 200, first.status_code
        times = []
        for _ in range(RUNS):
            t0 = time.perf_counter()
            resp = client.get(url)
            times.append((time.perf_counter() - t0) * 1000)
            assert resp.status_code == 200
        size = len(resp.get_data())
        print(f"runs: {RUNS} (+1 warm-up), SQLite, in-process test client, finished recognition, "
              f"150 served enterprises; html {size // 1024} KB", file=sys.stderr)
        print(f"page admin instance ms: {statistics.median(times):.1f}")


if __name__ == "__main__":
    main()
