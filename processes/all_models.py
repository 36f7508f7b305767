"""Every model module, imported so that Base.metadata knows all tables (migrations, tests)."""

from __future__ import annotations

import processes.admin.models  # noqa: F401  issue 7: drafts, scenarios
import processes.calendar_models  # noqa: F401  issue 4: holiday years, deadlines, notifications
import processes.collab.models  # noqa: F401  issue 6: copies, urges, delegations
import processes.recognition.models  # noqa: F401  issue 3: rounds, applications, materials, register
import processes.supervision.models  # noqa: F401  issue 5: reports, aggregates, spot checks, revocations
from processes.models import Base

__all__ = ["Base"]
