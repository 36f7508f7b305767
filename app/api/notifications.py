"""The user's notifications (the bell)."""

from __future__ import annotations

from typing import Annotated, Any

from flask import jsonify
from pydantic import BaseModel, Field

from app.api.common import MAX_ID, OptionalBody, api_blueprint
from app.extensions import current_actor_user, ro_uow, uow
from processes.notifications import services as notifications

bp = api_blueprint("notifications", "通知")


class NotificationQuery(BaseModel):
    unread: bool = False
    limit: int = Field(50, ge=1, le=200)


class NotificationOut(BaseModel):
    id: int
    kind: str
    title: str
    body: str
    link: str | None = None
    instance_id: int | None = None
    task_id: str | None = None
    created_at: str
    read: bool
    read_at: str | None = None


class NotificationsOut(BaseModel):
    unread: int
    items: list[NotificationOut]


class ReadIn(OptionalBody):
    ids: list[Annotated[int, Field(ge=1, le=MAX_ID)]] | None = Field(None, max_length=1000,
                                                                      description="null or left out: all")


class ReadOut(BaseModel):
    marked: int
    unread: int


@bp.get("/notifications", summary="我的通知（最新在前）", responses={200: NotificationsOut})
def notifications_list(query: NotificationQuery) -> Any:
    user = current_actor_user()
    items = notifications.list_for(ro_uow(), user.id, unread_only=query.unread, limit=query.limit)
    return jsonify({"unread": notifications.unread_count(ro_uow(), user.id),
                    "items": [notifications.view(n) for n in items]})


@bp.post("/notifications/read", summary="标为已读", responses={200: ReadOut})
def notifications_read(body: ReadIn) -> Any:
    user = current_actor_user()
    changed = notifications.mark_read(uow(), user.id, body.ids)
    return jsonify({"marked": changed, "unread": notifications.unread_count(ro_uow(), user.id)})
