"""make test installs what the browser tests need, or stops saying what is missing (never a silent skip)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "ensure-browser-deps.sh"


def test_missing_chromium_as_non_root_fails_naming_the_packages(tmp_path):
    fake_id = tmp_path / "id"
    fake_id.write_text("#!/bin/sh\necho 1000\n")
    fake_id.chmod(0o755)
    env = dict(os.environ, PATH=f"{tmp_path}:{os.environ['PATH']}", CHROMIUM_PATH=str(tmp_path / "no-chromium"))
    out = subprocess.run(["bash", str(SCRIPT)], env=env, capture_output=True, text=True, timeout=30)
    assert out.returncode == 1
    assert "chromium" in out.stderr and "apt-get install" in out.stderr and "no-chromium" in out.stderr


def test_make_test_runs_the_install_step_and_ci_does_not_skip():
    makefile = (ROOT / "Makefile").read_text()
    assert "test: $(STAMP) $(NPM_STAMP) docdeps browserdeps" in makefile
    assert "scripts/ensure-browser-deps.sh" in makefile
    ci = (ROOT / ".ci" / "run").read_text()
    assert "scripts/ensure-browser-deps.sh" in ci and "will be skipped" not in ci
