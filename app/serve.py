"""`make run`: the web app and, beside it, the scheduler as its own process (never in web workers)."""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys

from app import create_app


def main() -> None:
    parser = argparse.ArgumentParser(description="run the web app and the scheduler")
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "5000")))
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--no-scheduler", action="store_true")
    args = parser.parse_args()
    app = create_app()
    scheduler = None
    if not args.no_scheduler:
        scheduler = subprocess.Popen([sys.executable, "-m", "flask", "--app", "app", "scheduler"])

    def stop(*_: object) -> None:
        if scheduler and scheduler.poll() is None:
            scheduler.terminate()
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    try:
        print(f" * 打开 http://{args.host}:{args.port}/ （演示用户密码 demo）", flush=True)
        app.run(host=args.host, port=args.port, threaded=True, use_reloader=False, debug=False)
    finally:
        stop()


if __name__ == "__main__":
    main()
