"""`make bench`: drive a 5-user-task process over real HTTP against the app on SQLite.

Starts the app in its own process (as `make run` does, without the scheduler) on a fresh SQLite
database, then: 1 warm-up run and 30 measured runs of start + 5 submits, each request
authenticated, validated against the form, indexed and audited. Prints the medians.
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RUNS = int(os.environ.get("BENCH_RUNS", "30"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Client:
    def __init__(self, port: int) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.token = ""

    def call(self, method: str, path: str, body: object = None, files: tuple[str, bytes] | None = None):  # type: ignore[no-untyped-def]
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        data: bytes | None = None
        if files:
            boundary = "benchboundary"
            name, content = files
            data = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n"
                    "Content-Type: application/xml\r\n\r\n").encode() + content + f"\r\n--{boundary}--\r\n".encode()
            headers["Content-Type"] = f"multipart/form-data; boundary={boundary}"
        elif body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        self.conn.request(method, path, body=data, headers=headers)
        resp = self.conn.getresponse()
        payload = resp.read()
        if resp.status >= 400:
            raise RuntimeError(f"{method} {path} → {resp.status}: {payload[:300]!r}")
        return json.loads(payload)


def one_run(c: Client) -> tuple[float, list[float]]:
    t0 = time.perf_counter()
    inst = c.call("POST", "/api/v1/process-instances", {"process_key": "five_tasks"})
    task_id = inst["tasks"][0]["id"]
    submits = []
    for i in range(1, 6):
        s0 = time.perf_counter()
        res = c.call("POST", f"/api/v1/tasks/{task_id}/complete", {"data": {f"note{i}": "同意", f"amount{i}": i}})
        submits.append((time.perf_counter() - s0) * 1000)
        tasks = res["instance"]["tasks"]
        task_id = tasks[0]["id"] if tasks else ""
    assert res["instance"]["state"] == "completed", res
    return (time.perf_counter() - t0) * 1000, submits


def main() -> None:
    port = free_port()
    tmp = tempfile.mkdtemp(prefix="bench-")
    env = dict(os.environ, APP_ENV="development", APP_INSTANCE_PATH=tmp, APP_DATABASE_URL="")
    flask = [sys.executable, "-m", "flask", "--app", "app"]
    subprocess.run([*flask, "init-db"], env=env, check=True, cwd=ROOT, capture_output=True)
    subprocess.run([*flask, "seed"], env=env, check=True, cwd=ROOT, capture_output=True)
    server = subprocess.Popen([sys.executable, "-m", "app.serve", "--port", str(port), "--no-scheduler"], env=env,
                              cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        c = Client(port)
        c.token = c.call("POST", "/api/v1/auth/token", {"username": "owner", "password": "demo"})["token"]
        c.call("POST", "/api/v1/process-definitions",
               files=("five_tasks.bpmn", (ROOT / "tests/support/diagrams/five_tasks.bpmn").read_bytes()))
        c.token = c.call("POST", "/api/v1/auth/token", {"username": "applicant1", "password": "demo"})["token"]
        one_run(c)  # warm-up
        totals, submits = [], []
        for _ in range(RUNS):
            total, subs = one_run(c)
            totals.append(total)
            submits.extend(subs)
        print(f"runs: {RUNS} (+1 warm-up), SQLite, werkzeug threaded server, keep-alive client")
        print(f"http start+5 p90 ms: {sorted(totals)[int(len(totals) * 0.9) - 1]:.1f}")
        print(f"http submit p90 ms: {sorted(submits)[int(len(submits) * 0.9) - 1]:.2f}")
        print(f"http start+5 median ms: {statistics.median(totals):.1f}")
        print(f"http submit median ms: {statistics.median(submits):.2f}")
    finally:
        server.terminate()
        server.wait(10)


if __name__ == "__main__":
    main()
