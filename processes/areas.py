"""The areas plugged into the generic workflow runtime, in one place.

``install()`` (called by ``processes.runtime.build_runtime``) registers each area's save hooks (read
tables kept in step), start rules and completion rules with ``processes.services.core``; importing
the area modules also registers their lookups for the handlers (``processes.lookups``).
"""

from __future__ import annotations

from processes.recognition import hooks as recognition_hooks
from processes.recognition import services as recognition
from processes.recognition import views as recognition_views
from processes.services.core import COMPLETION_RULES, MATERIALS_OF, SAVE_HOOKS, START_RULES, register
from processes.supervision import hooks as supervision_hooks
from processes.supervision import revocation
from processes.supervision.models import Inspection, QuarterlyReport
from processes.tasks.lists import SUBJECTS, ModelSubjects


def install() -> None:
    register(SAVE_HOOKS, "recognition", recognition_hooks.sync_application)
    MATERIALS_OF["recognition"] = recognition.materials_of_instance
    register(SAVE_HOOKS, "quarterly_report", supervision_hooks.sync_report)
    register(SAVE_HOOKS, "county_aggregate", supervision_hooks.sync_aggregate)
    register(SAVE_HOOKS, "inspection", supervision_hooks.sync_inspection)
    START_RULES["quarterly_report"] = revocation.check_report_start
    START_RULES["county_aggregate"] = revocation.check_aggregate_start
    START_RULES["inspection"] = revocation.check_inspection_start
    register(COMPLETION_RULES, ("inspection", "insp_verify"), revocation.decide_revocation)
    register(COMPLETION_RULES, ("recognition", "investigate_objection"), recognition_hooks.record_objection_decision)
    # the units behind the business keys of the task and instance lists (单位名称, search)
    SUBJECTS["recognition"] = recognition_views.SUBJECTS
    SUBJECTS["quarterly_report"] = ModelSubjects(QuarterlyReport)
    SUBJECTS["inspection"] = ModelSubjects(Inspection)
