"""Every model module, imported so that Base.metadata knows all tables (migrations, tests)."""

from __future__ import annotations

import processes.admin.models  # noqa: F401  diagram drafts, scenarios
import processes.calendar.models  # noqa: F401  holiday years, deadlines
import processes.notifications.models  # noqa: F401  notifications
import processes.recognition.models  # noqa: F401  rounds, applications, materials, register
import processes.supervision.models  # noqa: F401  reports, aggregates, inspections, revocations
import processes.tasks.models  # noqa: F401  copies, urges, delegations
from processes.models import Base

__all__ = ["Base"]
