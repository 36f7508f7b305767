"""`make bench`: how long pages take to render, through Flask's test client with a logged-in session.

Prints one line per measurement, ``<name>: <median>``:

    page task 300 rows ms: <n>     the applicant's application task page, 300 served enterprises, 60 staff
    upload 5MB ms: <n>             one 5 MB material uploaded from that page (fetch, JSON answer)
    request 300 rows bytes: <n>    the size of the form the page posts for that application (and its fields)

Each measurement is a function registered with ``@measure("<name>")`` that gets the :class:`Bench`
(an app on a fresh SQLite database with the demo users, the diagrams and an open round) and returns
the samples; the median is printed. Add a page by adding a function:

    @measure("page admin instance ms")
    def admin_instance(b: Bench) -> list[float]:
        client = b.client("admin")
        return b.time(lambda: client.get(f"/admin/instances/{b.application_300['instance_id']}"))

    python -m tests.bench.page_bench            # all
    python -m tests.bench.page_bench upload     # the measurements whose name contains "upload"
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import cached_property
from pathlib import Path
from typing import Any

from tests.support.files import scan_pdf
from tests.support.pages import PageClient

ROOT = Path(__file__).resolve().parents[2]
RUNS = int(os.environ.get("BENCH_RUNS", "9"))
MEASUREMENTS: list[tuple[str, Callable[[Bench], list[float]]]] = []


def measure(name: str) -> Callable[[Callable[[Bench], list[float]]], Callable[[Bench], list[float]]]:
    def register(fn: Callable[[Bench], list[float]]) -> Callable[[Bench], list[float]]:
        MEASUREMENTS.append((name, fn))
        return fn
    return register


class Bench:
    """An app on a fresh SQLite database: demo users, the diagrams deployed, the round open, the clock
    at 2026-09-28 09:00 Beijing time (as in the tests)."""

    def __init__(self) -> None:
        from app import create_app
        from processes.clock import CST
        from processes.db import make_engine
        from processes.migrate import upgrade
        from processes.recognition.services import open_round
        from processes.runtime import build_runtime
        from processes.services.core import SYSTEM
        from processes.services.deploy import deploy_directory
        from processes.services.users import ensure_demo_users
        from processes.settings import load_settings

        self.tmp = Path(tempfile.mkdtemp(prefix="page-bench-"))
        settings = load_settings("test", instance_path=str(self.tmp / "instance"),
                                 database_url=f"sqlite:///{self.tmp / 'bench.db'}", upload_max_mb=20)
        db = make_engine(settings.sqlalchemy_url)
        upgrade(db)
        self.rt = build_runtime(settings, db)
        self.rt.clock.set_state(datetime(2026, 9, 28, 9, 0, tzinfo=CST), timedelta(0))  # type: ignore[attr-defined]
        ensure_demo_users(self.rt.uow(), settings.config_dir)
        list(deploy_directory(self.rt.uow(), SYSTEM, settings.diagrams_dir))
        open_round(self.rt.uow(), SYSTEM, 2026, "2026-12-31")
        self.app = create_app(settings, self.rt)

    def client(self, username: str) -> PageClient:
        return PageClient(self.app, username)  # the tests' client: logged in, sending the CSRF token

    @staticmethod
    def time(fn: Callable[[], Any], runs: int = RUNS, warmup: int = 2) -> list[float]:
        for _ in range(warmup):
            fn()
        out = []
        for _ in range(runs):
            t0 = time.perf_counter()
            fn()
            out.append((time.perf_counter() - t0) * 1000)
        return out

    @cached_property
    def application_300(self) -> dict[str, Any]:
        """An applicant's application being filled: 附件2 with 300 served enterprises and 60 staff,
        saved as the draft of the task (instance id, business key, task id)."""
        from sqlalchemy import select

        from processes.models import TaskIndex, User
        from processes.services import instances
        from processes.services.core import Actor
        from processes.tasks import verbs

        with self.rt.uow() as u:
            applicant = u.s.scalars(select(User).where(User.username == "applicant1")).one()
            u.s.expunge(applicant)
        who = Actor.of(applicant)
        inst = instances.start_instance(self.rt.uow(), who, "recognition")
        with self.rt.uow() as u:
            task_id = u.s.scalars(select(TaskIndex.task_id).where(TaskIndex.instance_id == inst.id)).one()
        data = application_data(300, 60)
        verbs.save_draft(self.rt.uow(), who, task_id, data)
        return {"instance_id": inst.id, "business_key": inst.business_key, "task_id": task_id, "data": data}


def application_data(served: int, staff: int) -> dict[str, Any]:
    from tests.recognition.conftest import served_list, valid_application

    return valid_application(
        served_list=[{**r, "credit_code": ""} for r in served_list(served, titled=12)],
        staff_list=[{"name": f"员工{i:03d}", "age": 25 + i % 30, "degree": "本科", "school": "聊城大学",
                     "title": "中级", "duty": "服务专员"} for i in range(staff)],
        smes_served_last_year=served)


@measure("page task 300 rows ms")
def page_task_300(b: Bench) -> list[float]:
    a = b.application_300
    client = b.client("applicant1")

    def get() -> None:
        r = client.get(f"/tasks/{a['task_id']}")
        assert r.status_code == 200 and "聊城市服务企业299有限公司" in r.get_data(as_text=True), r.status_code

    return b.time(get)


FIVE_MB = 5 * 1024 * 1024


@measure("upload 5MB ms")
def upload_5mb(b: Bench) -> list[float]:
    import io

    a = b.application_300
    client = b.client("applicant1")
    client.get(f"/tasks/{a['task_id']}")
    content = scan_pdf(FIVE_MB)  # a real PDF: uploads are parsed, filler behind a magic number is refused

    def upload() -> None:
        r = client.post(f"/applications/{a['business_key']}/materials/m04",
                        {"file": (io.BytesIO(content), "审计报告.pdf"), "next": f"/tasks/{a['task_id']}"},
                        headers={"Accept": "application/json"}, content_type="multipart/form-data",
                        follow_redirects=True)
        assert r.status_code in (200, 201), (r.status_code, r.get_data(as_text=True)[:400])

    return b.time(upload, runs=5, warmup=1)


def multipart_size(fields: list[tuple[str, str]], boundary: str = "----WebKitFormBoundary7MA4YWxkTrZu0gW") -> int:
    """Bytes of ``fields`` sent as multipart/form-data (the task form's encoding), as Chromium does."""
    size = 0
    for name, value in fields:
        size += len(f"--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n".encode())
        size += len(value.encode()) + 2
    return size + len(f"--{boundary}--\r\n")


@measure("request 300 rows bytes")
def request_size(b: Bench) -> list[float]:
    """The form the task page posts when the applicant saves the 300-row application: every field
    the page sends, multipart-encoded as the browser does (werkzeug refuses more than 1,000 parts).
    Also prints how many fields that is."""
    a = b.application_300
    html = b.client("applicant1").get(f"/tasks/{a['task_id']}").get_data(as_text=True)
    fields = posted_fields(html)
    print(f"request 300 rows fields: {len(fields)}")
    return [float(multipart_size(fields))]


def posted_fields(html: str, form_id: str = "taskform") -> list[tuple[str, str]]:
    """The (name, value) pairs a browser posts for the form ``form_id`` of ``html`` as rendered
    (inputs, selected options, textareas; file inputs and buttons left out)."""
    from html.parser import HTMLParser

    class Form(HTMLParser):
        def __init__(self) -> None:
            super().__init__(convert_charrefs=True)
            self.inside = False
            self.fields: list[tuple[str, str]] = []
            self.select: str | None = None
            self.options: list[tuple[str, bool]] = []
            self.textarea: str | None = None
            self.text = ""

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            a = {k: v or "" for k, v in attrs}
            if tag == "form":
                self.inside = a.get("id") == form_id
            if not self.inside:
                return
            if tag == "input" and a.get("name") and a.get("type") not in ("file", "submit", "button") \
                    and "disabled" not in a:
                if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                    return
                self.fields.append((a["name"], a.get("value", "on" if a.get("type") == "checkbox" else "")))
            elif tag == "select" and a.get("name") and "disabled" not in a:
                self.select, self.options = a["name"], []
            elif tag == "option" and self.select is not None:
                self.options.append((a.get("value", ""), "selected" in a))
            elif tag == "textarea" and a.get("name") and "disabled" not in a:
                self.textarea, self.text = a["name"], ""

        def handle_endtag(self, tag: str) -> None:
            if tag == "form":
                self.inside = False
            elif tag == "select" and self.select is not None:
                chosen = next((v for v, sel in self.options if sel), self.options[0][0] if self.options else "")
                self.fields.append((self.select, chosen))
                self.select = None
            elif tag == "textarea" and self.textarea is not None:
                self.fields.append((self.textarea, self.text))
                self.textarea = None

        def handle_data(self, data: str) -> None:
            if self.textarea is not None:
                self.text += data

    parser = Form()
    parser.feed(html)
    return parser.fields


def main(argv: list[str]) -> None:
    wanted = [a for a in argv if not a.startswith("-")]
    b = Bench()
    for name, fn in MEASUREMENTS:
        if wanted and not any(w in name for w in wanted):
            continue
        samples = fn(b)
        value = statistics.median(samples)
        print(f"{name}: {value:.0f}" if value >= 100 else f"{name}: {value:.1f}", flush=True)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main(sys.argv[1:])
