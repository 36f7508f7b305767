"""Every model module, imported so that Base.metadata knows all tables (migrations, tests)."""

from __future__ import annotations

import importlib

from processes.models import Base

# Area model modules. Each area owns its module and its own Alembic migration (a branch off 0001;
# `upgrade heads` applies them all).
AREA_MODEL_MODULES = (
    "processes.recognition.models",  # issue 3: rounds, applications, register
    "processes.calendar_models",  # issue 4: loaded holiday years, deadlines, notifications
    "processes.collab.models",  # issue 6: task history, copies, urges, notifications, uploads
    "processes.admin.models",  # issue 7: drafts, scenarios
    "processes.supervision.models",  # issue 5
)

for _name in AREA_MODEL_MODULES:
    try:
        importlib.import_module(_name)
    except ModuleNotFoundError as exc:
        if exc.name is None or not _name.startswith(exc.name):
            raise

__all__ = ["Base"]
