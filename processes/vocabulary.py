"""The one vocabulary of the system: roles, instance states and task lists.

Every module compares against these names instead of string literals. They are ``StrEnum``s, so
a value equals its string (``Role.ADMIN == "admin"``) and the database keeps plain strings.
Which role may do what is decided in :mod:`processes.access`, nowhere else.
"""

from __future__ import annotations

from enum import StrEnum

from processes.messages import N_


class Role(StrEnum):
    """Who acts. The first six are the roles a user account holds (docs/DOMAIN.md §1); ``SYSTEM``
    is the scheduler and the command line, ``PUBLIC`` an anonymous visitor (objection form)."""

    APPLICANT = "applicant"  # 申报单位 / 示范平台承担单位
    COUNTY_OFFICER = "county_officer"  # 县级主管部门, scoped to one county
    MUNICIPAL_REVIEWER = "municipal_reviewer"  # 市工业和信息化局
    EXPERT = "expert"  # 专家组成员
    PROCESS_OWNER = "process_owner"  # edits and deploys diagrams
    ADMIN = "admin"  # users, calendar, rounds, monitoring
    SYSTEM = "system"
    PUBLIC = "public"


USER_ROLES: tuple[Role, ...] = (Role.APPLICANT, Role.COUNTY_OFFICER, Role.MUNICIPAL_REVIEWER, Role.EXPERT,
                                Role.PROCESS_OWNER, Role.ADMIN)
# roles bound to one county: they see and act on that county's cases only
COUNTY_SCOPED: tuple[Role, ...] = (Role.COUNTY_OFFICER, Role.APPLICANT)
# staff whose open tasks may be handed to a colleague of the same role (and county)
STAFF_ROLES: tuple[Role, ...] = (Role.COUNTY_OFFICER, Role.MUNICIPAL_REVIEWER)


ROLE_NAMES: dict[str, str] = {Role.APPLICANT: N_("申报单位"), Role.COUNTY_OFFICER: N_("县级主管部门"),
                              Role.MUNICIPAL_REVIEWER: N_("市局审核员"), Role.EXPERT: N_("评审专家"),
                              Role.PROCESS_OWNER: N_("流程管理员"), Role.ADMIN: N_("系统管理员"),
                              Role.SYSTEM: N_("系统"), Role.PUBLIC: N_("社会公众")}


class InstanceState(StrEnum):
    """State of a process instance (column ``process_instance.state``)."""

    RUNNING = "running"  # a user task is open
    WAITING = "waiting"  # waits for a timer or a message
    INCIDENT = "incident"  # a handler or script failed; an admin retries or skips
    SUSPENDED = "suspended"
    COMPLETED = "completed"
    TERMINATED = "terminated"


# the engine may move these on (a task, timer or message)
ACTIVE_STATES: tuple[InstanceState, ...] = (InstanceState.RUNNING, InstanceState.WAITING, InstanceState.INCIDENT)
# not ended yet: active or suspended
OPEN_STATES: tuple[InstanceState, ...] = (*ACTIVE_STATES, InstanceState.SUSPENDED)
ENDED_STATES: tuple[InstanceState, ...] = (InstanceState.COMPLETED, InstanceState.TERMINATED)
STATE_NAMES: dict[str, str] = {InstanceState.RUNNING: N_("办理中"), InstanceState.WAITING: N_("等待中"),
                               InstanceState.COMPLETED: N_("已完成"), InstanceState.SUSPENDED: N_("已挂起"),
                               InstanceState.INCIDENT: N_("故障"), InstanceState.TERMINATED: N_("已终止")}


class TaskList(StrEnum):
    """The four task lists of the staff UI."""

    MINE = "mine"  # 我的待办: assigned to me
    CLAIMABLE = "claimable"  # 待认领: in my role's (and county's) pool
    DONE = "done"  # 已办: completed by me (from the audit trail)
    COPIED = "copied"  # 抄送我的
