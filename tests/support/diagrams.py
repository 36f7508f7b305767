"""The test diagrams, in one folder (``tests/support/diagrams/``); the product's own are in
``bpmn-diagrams/``."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRODUCT = ROOT / "bpmn-diagrams"
HERE = Path(__file__).resolve().parent / "diagrams"

SAMPLE = HERE / "sample.bpmn"  # applicant fills, county reviews (forms, a table, decisions)
FIVE_TASKS = HERE / "five_tasks.bpmn"  # five user tasks in a row (benchmarks)
FLAKY = HERE / "flaky.bpmn"  # a service task whose handler fails on demand (incidents)
COLLAB = HERE / "collab.bpmn"  # staff tasks that can be transferred, delegated, copied
ADMIN_V1 = HERE / "admin_demo_v1.bpmn"  # two versions of one process (migration)
ADMIN_V2 = HERE / "admin_demo_v2.bpmn"
TIMER = HERE / "timer.bpmn"  # one timer (scheduler)
EVENT_GATEWAY = HERE / "event_gateway.bpmn"  # a timer behind an event-based gateway
PUBLICITY = HERE / "publicity.bpmn"  # a working-day timer (calendar)
PUBLICITY_VAR = HERE / "publicity_var.bpmn"  # the same, the deadline kept in a variable
CALENDAR_2027 = HERE / "2027.test.toml"  # an official schedule for 2027 (calendar loading)
