"""What the benchmarks share: a fresh database (SQLite file, or a PostgreSQL database of its own),
the app started as its own process (werkzeug as `make run`, or gunicorn with workers), a keep-alive
JSON client, percentiles and the result line ``name: value (goal <= x)``."""

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
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
# PostgreSQL for the benchmarks that use it: a server URL without the database name; each benchmark
# makes (and drops) its own database perf_bench_<name>. BENCH_PG_URL='' skips them (said so).
PG_SERVER = os.environ.get("BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432")


def line(name: str, value: float, goal: str, fmt: str = ".1f", note: str = "") -> str:
    """One result line, printed and returned: ``name: value (goal <= x)``; a benchmark that could not
    measure prints FAILED instead of a value (never a silent skip)."""
    text = f"{name}: {value:{fmt}} (goal {goal})" + (f"  [{note}]" if note else "")
    print(text, flush=True)
    return text


def failed(name: str, goal: str, why: str) -> None:
    print(f"{name}: FAILED (goal {goal}) — {why}", flush=True)


def percentile(values: Sequence[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * p / 100
    lo = int(k)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def pg_available() -> bool:
    if not PG_SERVER:
        return False
    try:
        import psycopg

        with psycopg.connect(_plain(PG_SERVER) + "/postgres", connect_timeout=3):
            return True
    except Exception:  # noqa: BLE001 - no server: the caller says so
        return False


def _plain(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


@contextmanager
def pg_database(name: str) -> Iterator[str]:
    """A fresh PostgreSQL database ``perf_bench_<name>`` for one benchmark, dropped afterwards."""
    import psycopg

    db = f"perf_bench_{name}"
    with psycopg.connect(_plain(PG_SERVER) + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{db}"')
    try:
        yield f"{PG_SERVER}/{db}"
    finally:
        with psycopg.connect(_plain(PG_SERVER) + "/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')


def app_env(instance: str, database_url: str = "", **extra: str) -> dict[str, str]:
    env = dict(os.environ, APP_ENV="development", APP_INSTANCE_PATH=instance, APP_DATABASE_URL=database_url,
               PYTHONPATH=str(ROOT))
    env.update(extra)
    return env


def prepare(env: dict[str, str]) -> None:
    flask = [sys.executable, "-m", "flask", "--app", "app"]
    subprocess.run([*flask, "init-db"], env=env, check=True, cwd=ROOT, capture_output=True)
    subprocess.run([*flask, "seed"], env=env, check=True, cwd=ROOT, capture_output=True)


def wait_port(port: int, proc: subprocess.Popen[bytes] | None = None, timeout: float = 30) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"the server exited ({proc.returncode})")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listens on port {port}")


@contextmanager
def server(database_url: str = "", workers: int = 0, instance: str | None = None,
           prepared: bool = False, **extra_env: str) -> Iterator[int]:
    """The app on a free port: werkzeug threaded (``workers=0``, as `make run` without the scheduler)
    or gunicorn with ``workers`` sync workers (production); its output in ``<instance>/server.log``.
    Yields the port."""
    instance = instance or tempfile.mkdtemp(prefix="bench-")
    env = app_env(instance, database_url, **extra_env)
    if not prepared:
        prepare(env)
    port = free_port()
    if workers:
        cmd = [sys.executable, "-m", "gunicorn", "-w", str(workers), "-b", f"127.0.0.1:{port}", "--log-level",
               "warning", "app.wsgi:app"]
    else:
        cmd = [sys.executable, "-m", "app.serve", "--port", str(port), "--no-scheduler"]
    Path(instance).mkdir(parents=True, exist_ok=True)
    log = open(Path(instance) / "server.log", "ab")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=log, stderr=log)
    try:
        wait_port(port, proc)
        yield port
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


class Client:
    """Keep-alive JSON client with a bearer token."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.token = ""

    def call(self, method: str, path: str, body: object = None, files: tuple[str, bytes] | None = None) -> Any:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        data: bytes | None = None
        if files:
            boundary = "benchboundary"
            name, content = files
            data = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n"
                    "Content-Type: application/octet-stream\r\n\r\n").encode() + content + \
                f"\r\n--{boundary}--\r\n".encode()
            headers["Content-Type"] = f"multipart/form-data; boundary={boundary}"
        elif body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        try:
            self.conn.request(method, path, body=data, headers=headers)
            resp = self.conn.getresponse()
        except (http.client.HTTPException, OSError):  # the server closed a kept-alive connection
            self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            self.conn.request(method, path, body=data, headers=headers)
            resp = self.conn.getresponse()
        payload = resp.read()
        if resp.status >= 400:
            raise RuntimeError(f"{method} {path} → {resp.status}: {payload[:300]!r}")
        return json.loads(payload) if payload else None

    def login(self, username: str, password: str = "demo") -> Client:
        self.token = self.call("POST", "/api/v1/auth/token", {"username": username, "password": password})["token"]
        return self

    def deploy(self, path: Path) -> None:
        self.call("POST", "/api/v1/process-definitions", files=(path.name, path.read_bytes()))
