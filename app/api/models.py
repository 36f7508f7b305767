"""Models shared by several areas of the API (tasks, instances, admin). Each area declares its other
request models and its own responses beside its routes. The document names a schema after its class,
so a class name is used once across app/api (tests/api/test_openapi.py)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from app.api.common import MAX_ID, OptionalBody


class InstancePath(BaseModel):
    instance_id: int = Field(ge=1, le=MAX_ID)


class ReasonIn(OptionalBody):
    reason: str = Field("", max_length=2000)


class TaskOut(BaseModel):
    """An open user task (task index row)."""

    id: str
    instance_id: int
    element_id: str
    name: str
    lane: str | None = None
    role: str | None = None
    county: str | None = None
    assignee_id: int | None = None
    candidates: list[str] = []
    due_at: str | None = Field(None, description="ISO 8601, UTC")
    process_key: str
    business_key: str | None = None
    created_at: str
    claimable: bool


class InstanceOut(BaseModel):
    id: int
    process_key: str
    version: int | None = None
    business_key: str | None = None
    state: str = Field(description="running | waiting | incident | suspended | completed | terminated")
    county: str | None = None
    started_by: int | None = None
    started_at: str
    updated_at: str
    ended_at: str | None = None
    active_elements: list[str] = []
    incident: dict[str, Any] | None = None
    lock_version: int


class InstanceSummaryOut(InstanceOut):
    tasks: list[TaskOut] = Field([], description="the open tasks the caller may act on")


class TimerOut(BaseModel):
    element_id: str
    due_at: str


class HistoryOut(BaseModel):
    id: int
    at: str
    actor: str
    action: str
    task_id: str | None = None
    element_id: str | None = None
    data: dict[str, Any] | None = None


class InstanceDetailOut(InstanceOut):
    variables: dict[str, Any] = {}
    tasks: list[TaskOut] = []
    timers: list[TimerOut] = []
    history: list[HistoryOut] = []


class InstancePageOut(BaseModel):
    total: int
    items: list[InstanceOut]
