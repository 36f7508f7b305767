"""Who may see and do what: the one place where roles, counties and assignments decide.

Two kinds of rules live here:

- **Permissions** (:class:`Permission`): what a role may do at all (deploy a diagram, load a
  calendar, start a spot check …). Use cases call :func:`require`; pages ask :func:`allowed` to
  decide what to show.
- **Scope**: which rows a user may see or act on — a county officer sees only their county, an
  applicant only what they started or work on, the bureau everything (docs/DOMAIN.md §1). These are
  pure functions over plain attributes, and SQL filters with the same meaning for lists.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Protocol

from sqlalchemy import and_, false, or_, true
from sqlalchemy.sql import ColumnElement

from processes.errors import Forbidden
from processes.messages import N_, t
from processes.models import ProcessInstance, TaskIndex, User
from processes.vocabulary import COUNTY_SCOPED, ROLE_NAMES, STAFF_ROLES, Role


class HasRole(Protocol):
    @property
    def role(self) -> str: ...


class Permission(StrEnum):
    ADMINISTER_INSTANCES = "administer_instances"  # suspend, resume, terminate, retry, skip, edit variables, migrate
    MONITOR_INSTANCES = "monitor_instances"  # the instance monitor, the dashboard, every instance's data
    EDIT_DIAGRAMS = "edit_diagrams"  # modeler, drafts, scenarios, deploy
    MANAGE_USERS = "manage_users"
    LOAD_CALENDAR = "load_calendar"  # a year's official holiday schedule (docs/DOMAIN.md §6)
    MOVE_CLOCK = "move_clock"  # the demo clock (never in production)
    OPEN_ROUND = "open_round"  # Art. 15: the annual round
    MANAGE_REGISTER = "manage_register"  # register entries added by hand, platform accounts
    START_SPOT_CHECK = "start_spot_check"  # Art. 21: the bureau's unannounced checks
    START_INSPECTION = "start_inspection"  # Art. 20: a county inspects its platforms
    REVOKE = "revoke"  # Art. 20/21: revocation decided by the bureau
    SEE_SUPERVISION = "see_supervision"  # quarterly reports, aggregates, inspections of a scope
    READ_OBJECTION_FILES = "read_objection_files"  # files the public attached to an objection
    READ_ALL_APPLICATIONS = "read_all_applications"  # every application's materials and record (the bureau)
    COPY_TASKS = "copy_tasks"  # 抄送; the people copied must hold it too
    HAND_OVER_TASKS = "hand_over_tasks"  # 转办 / 委派 to a colleague of the same role (and county)
    URGE = "urge"  # 催办 the holder of a task one can see
    SEE_ALL_INSTANCES = "see_all_instances"  # the bureau's overview, whatever the county
    START_PROCESSES = "start_processes"  # the "发起申请" page (what each diagram allows is checked on start)
    CHASE_REPORTS = "chase_reports"  # Art. 19: 催报 a platform's quarterly report
    RUN_JOBS = "run_jobs"  # the scheduler's daily jobs, by hand (demos)
    FILE_REPORTS = "file_reports"  # Art. 19: a platform files (and reads) its own quarterly reports


_BUREAU = frozenset({Role.ADMIN, Role.PROCESS_OWNER, Role.MUNICIPAL_REVIEWER})
_OPERATORS = frozenset({Role.ADMIN, Role.SYSTEM})

GRANTS: dict[Permission, frozenset[Role]] = {
    Permission.ADMINISTER_INSTANCES: frozenset({Role.ADMIN}),
    Permission.MONITOR_INSTANCES: _BUREAU,
    Permission.EDIT_DIAGRAMS: frozenset({Role.ADMIN, Role.PROCESS_OWNER}),
    Permission.MANAGE_USERS: _OPERATORS,
    Permission.LOAD_CALENDAR: _OPERATORS,
    Permission.MOVE_CLOCK: _OPERATORS,
    Permission.OPEN_ROUND: _OPERATORS,
    Permission.MANAGE_REGISTER: _OPERATORS,
    Permission.START_SPOT_CHECK: frozenset({Role.MUNICIPAL_REVIEWER, Role.ADMIN, Role.SYSTEM}),
    Permission.START_INSPECTION: frozenset({Role.COUNTY_OFFICER, Role.MUNICIPAL_REVIEWER, Role.ADMIN,
                                            Role.SYSTEM}),
    Permission.REVOKE: frozenset({Role.MUNICIPAL_REVIEWER, Role.ADMIN}),
    Permission.SEE_SUPERVISION: frozenset({*_BUREAU, Role.COUNTY_OFFICER}),
    Permission.READ_OBJECTION_FILES: frozenset({Role.MUNICIPAL_REVIEWER, Role.ADMIN}),
    Permission.READ_ALL_APPLICATIONS: frozenset({Role.MUNICIPAL_REVIEWER, Role.ADMIN}),
    Permission.COPY_TASKS: frozenset({Role.COUNTY_OFFICER, Role.MUNICIPAL_REVIEWER, Role.ADMIN}),
    Permission.HAND_OVER_TASKS: frozenset(STAFF_ROLES),
    Permission.URGE: frozenset({Role.APPLICANT, Role.COUNTY_OFFICER, *_BUREAU}),
    Permission.SEE_ALL_INSTANCES: _BUREAU,
    Permission.START_PROCESSES: frozenset({Role.APPLICANT, Role.ADMIN}),
    Permission.CHASE_REPORTS: frozenset({Role.COUNTY_OFFICER, Role.MUNICIPAL_REVIEWER, Role.ADMIN}),
    Permission.RUN_JOBS: _OPERATORS,
    Permission.FILE_REPORTS: frozenset({Role.APPLICANT}),
}

# what the permission is about, for the refusal message (Chinese, shown to the user)
_WHAT: dict[Permission, str] = {
    Permission.ADMINISTER_INSTANCES: N_("干预流程实例（挂起、恢复、终止、重试、跳过、修改变量、迁移）"),
    Permission.MONITOR_INSTANCES: N_("流程监控"),
    Permission.EDIT_DIAGRAMS: N_("编辑和发布流程图"),
    Permission.MANAGE_USERS: N_("用户管理"),
    Permission.LOAD_CALENDAR: N_("载入工作日历"),
    Permission.MOVE_CLOCK: N_("调整演示时钟"),
    Permission.OPEN_ROUND: N_("开启年度认定批次"),
    Permission.MANAGE_REGISTER: N_("维护示范平台名录"),
    Permission.START_SPOT_CHECK: N_("发起市级抽查（第二十一条）"),
    Permission.START_INSPECTION: N_("发起检查（第二十条）"),
    Permission.REVOKE: N_("撤销示范平台称号（第二十条、第二十一条）"),
    Permission.SEE_SUPERVISION: N_("查看监督管理信息"),
    Permission.READ_OBJECTION_FILES: N_("查看异议附件"),
    Permission.READ_ALL_APPLICATIONS: N_("查看各县区的申报材料"),
    Permission.COPY_TASKS: N_("抄送"),
    Permission.HAND_OVER_TASKS: N_("转办或委派"),
    Permission.URGE: N_("催办"),
    Permission.SEE_ALL_INSTANCES: N_("查看全部业务"),
    Permission.START_PROCESSES: N_("发起申请"),
    Permission.CHASE_REPORTS: N_("催报季度报告（第十九条）"),
    Permission.RUN_JOBS: N_("手动运行定时任务"),
    Permission.FILE_REPORTS: N_("填报季度报告（第十九条）"),
}

USER_ROLE_ORDER: tuple[Role, ...] = (Role.ADMIN, Role.PROCESS_OWNER, Role.MUNICIPAL_REVIEWER, Role.COUNTY_OFFICER,
                                     Role.EXPERT, Role.APPLICANT)


def allowed(who: HasRole, permission: Permission) -> bool:
    return who.role in GRANTS[permission]


def require(who: HasRole, permission: Permission) -> None:
    """Raise :class:`Forbidden` naming what was refused and who may do it."""
    if not allowed(who, permission) or not getattr(who, "active", True):
        roles = "、".join(t(ROLE_NAMES[r]) for r in USER_ROLE_ORDER if r in GRANTS[permission])
        raise Forbidden(t("无权{what}（仅限：{roles}）", what=t(_WHAT[permission]), roles=roles))


def require_any(who: HasRole, *permissions: Permission) -> None:
    """Raise :class:`Forbidden` unless ``who`` holds one of ``permissions``."""
    if any(allowed(who, p) for p in permissions) and getattr(who, "active", True):
        return
    roles = "、".join(t(ROLE_NAMES[r]) for r in USER_ROLE_ORDER if any(r in GRANTS[p] for p in permissions))
    raise Forbidden(t("无权{what}（仅限：{roles}）", what=t("或").join(t(_WHAT[p]) for p in permissions), roles=roles))


def may_start(who: HasRole, starter_roles: list[str] | None, default_roles: tuple[str, ...]) -> bool:
    """``camunda:candidateStarterGroups`` of a process decides; a diagram without it starts only for
    the staff roles named in the settings (``default_starter_roles``). The scheduler starts anything."""
    if who.role == Role.SYSTEM:
        return True
    return who.role in (starter_roles if starter_roles is not None else default_roles)


# -- scope: tasks ----------------------------------------------------------------------------------

def may_act_on_task(user: User, task: TaskIndex) -> bool:
    """Assigned to the user, or unassigned and the user holds the task's role (and county)."""
    if not user.active:
        return False
    if task.assignee_id is not None:
        return task.assignee_id == user.id
    if task.candidates and user.username in task.candidates:
        return True
    if task.role is None or task.role != user.role:
        return False
    if task.county and user.role in COUNTY_SCOPED:
        return user.county == task.county
    return True


def may_read_task(user: User, task: TaskIndex, instance: ProcessInstance) -> bool:
    """An open task with its data and form: who may act on it, and the staff who may see the case (the
    bureau, the county's officers). Not the applicant while the task is someone else's: a county's or
    the bureau's working data (the drawn survey sample, draft opinions) is not the applicant's to read."""
    if may_act_on_task(user, task):
        return True
    return user.role != Role.APPLICANT and may_view_instance(user, instance)


def task_visibility(user: User) -> ColumnElement[bool]:
    """SQL filter of the open tasks a user may act on (same rule as may_act_on_task)."""
    if not user.active:
        return false()
    own = TaskIndex.assignee_id == user.id
    county_ok: ColumnElement[bool] = true()
    if user.role in COUNTY_SCOPED:
        county_ok = or_(TaskIndex.county.is_(None), TaskIndex.county == user.county)
    pool = and_(TaskIndex.assignee_id.is_(None), TaskIndex.role == user.role, county_ok)
    return or_(own, pool)


def task_arms(user: User) -> list[ColumnElement[bool]]:
    """``task_visibility`` as disjoint arms, each served in due order by one index (models.TaskIndex):
    the user's own tasks, and the unassigned tasks of the role (of the user's county, and of no county,
    for county-scoped roles). A list reads each arm from its index and merges the pages."""
    if not user.active:
        return []
    arms: list[ColumnElement[bool]] = [TaskIndex.assignee_id == user.id]
    pool = and_(TaskIndex.assignee_id.is_(None), TaskIndex.role == user.role)
    if user.role in COUNTY_SCOPED:
        if user.county is not None:
            arms.append(and_(pool, TaskIndex.county == user.county))
        arms.append(and_(pool, TaskIndex.county.is_(None)))
    else:
        arms.append(pool)
    return arms


def may_hand_over(user: HasRole, holder_id: int | None, user_id: int | None, task_role: str | None) -> bool:
    """转办/委派: staff tasks only, by their holder (an admin may transfer any staff task)."""
    if task_role not in STAFF_ROLES:
        return False
    return holder_id == user_id or user.role == Role.ADMIN


def is_colleague(other: User, task_role: str | None, task_county: str | None) -> bool:
    """Someone who may take over a task: same role, and same county for county tasks."""
    if other.role != task_role:
        return False
    return not (task_county and other.role == Role.COUNTY_OFFICER and other.county != task_county)


def may_be_copied(other: User, county: str | None) -> bool:
    """A copy must not open another county's data (or an applicant's) to someone."""
    if not other.active or other.role not in GRANTS[Permission.COPY_TASKS]:
        return False
    return not (other.role == Role.COUNTY_OFFICER and other.county != county)


# -- scope: instances and county data ----------------------------------------------------------------

def may_view_instance(user: User, instance: ProcessInstance, involved: bool = False) -> bool:
    """The bureau sees all; county officers their county; others what they started or work on."""
    if not user.active:
        return False
    if allowed(user, Permission.SEE_ALL_INSTANCES):
        return True
    if user.role == Role.COUNTY_OFFICER:
        return instance.county is not None and instance.county == user.county
    return instance.started_by == user.id or involved


def instance_visibility(user: User, involved_ids: Any = None) -> ColumnElement[bool]:
    if allowed(user, Permission.SEE_ALL_INSTANCES):
        return true()
    if user.role == Role.COUNTY_OFFICER:
        return ProcessInstance.county == user.county
    cond = ProcessInstance.started_by == user.id
    if involved_ids is not None:
        cond = or_(cond, ProcessInstance.id.in_(involved_ids))
    return cond


class Scoped(Protocol):
    @property
    def role(self) -> str: ...

    @property
    def county(self) -> str | None: ...

    @property
    def id(self) -> int | None: ...


def may_see_county_row(who: Scoped, county: str | None, owner_id: int | None = None) -> bool:
    """A row of a county's data (application, report, inspection): the bureau, the county's
    officers, and the unit it belongs to (``owner_id``)."""
    if allowed(who, Permission.SEE_ALL_INSTANCES):
        return True
    if who.role == Role.COUNTY_OFFICER:
        return county is not None and county == who.county
    return owner_id is not None and owner_id == who.id


def county_row_filter(stmt: Any, model: Any, who: Scoped, owner_col: Any = None) -> Any:
    """``stmt`` restricted to the rows of ``model`` that :func:`may_see_county_row` allows."""
    if allowed(who, Permission.SEE_ALL_INSTANCES):
        return stmt
    if who.role == Role.COUNTY_OFFICER:
        return stmt.where(model.county == who.county)
    if owner_col is not None:
        return stmt.where(owner_col == who.id)
    return stmt.where(false())


def is_applicant_of(who: Scoped, applicant_id: int | None) -> bool:
    """The applying unit itself (its account), nobody on its behalf."""
    return who.role == Role.APPLICANT and who.id is not None and who.id == applicant_id


def may_act_in_county(who: Scoped, county: str | None) -> bool:
    """County officers act only in their own county; the bureau anywhere."""
    return who.role != Role.COUNTY_OFFICER or (county is not None and who.county == county)


# -- an application's evidence and record (Art. 11–13) ------------------------------------------------

def may_see_application(who: Scoped, county: str | None, applicant_id: int | None,
                        panel: list[str] | tuple[str, ...] = ()) -> bool:
    """An application's materials and its whole record: the applicant, the officers of its county,
    the bureau (reviewers, admins) and the experts on its panel (``panel``: their user names)."""
    if allowed(who, Permission.READ_ALL_APPLICATIONS):
        return True
    if who.role == Role.COUNTY_OFFICER:
        return county is not None and county == who.county
    if who.role == Role.APPLICANT:
        return who.id is not None and who.id == applicant_id
    if who.role == Role.EXPERT:
        return getattr(who, "username", None) in panel
    return False


# the parts of an application's record, and who reads which (docs/DOMAIN.md §2: the county's survey
# and the experts' independent opinions are the bureau's evidence, not the applicant's)
RECORD_SECTIONS = ("application", "checks", "county", "supplements", "review", "onsite", "experts", "objections",
                   "outcome")
_SECTIONS: dict[str, frozenset[str]] = {
    Role.APPLICANT: frozenset({"application", "checks", "supplements", "outcome"}),
    Role.COUNTY_OFFICER: frozenset({"application", "checks", "county", "supplements", "review", "onsite", "outcome"}),
    Role.EXPERT: frozenset({"application", "checks", "county", "supplements", "onsite"}),
}


def record_sections(who: HasRole) -> frozenset[str]:
    """Which parts of an application's record ``who`` reads (the bureau: all of them)."""
    if allowed(who, Permission.SEE_ALL_INSTANCES):
        return frozenset(RECORD_SECTIONS)
    return _SECTIONS.get(who.role, frozenset())


def sees_opinion(who: Scoped, author_role: str | None, author_id: int | None) -> bool:
    """An expert's opinion and score (Art. 13, 独立评审): the bureau and the expert who wrote it.
    Everyone else who may read the record sees the decisions and opinions of the other steps."""
    if author_role != Role.EXPERT:
        return True
    return allowed(who, Permission.SEE_ALL_INSTANCES) or (who.id is not None and who.id == author_id)
