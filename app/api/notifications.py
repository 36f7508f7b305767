"""The user's notifications (the bell)."""

from __future__ import annotations

from flask import jsonify, request

from app.api.common import api_blueprint, auth_required, int_arg
from app.extensions import current_actor_user, ro_uow, uow
from processes.errors import Invalid
from processes.notifications import services as notifications

bp = api_blueprint("notifications")


@bp.get("/notifications")
@auth_required
def notifications_list():
    user = current_actor_user()
    unread_only = request.args.get("unread") in ("1", "true", "yes")
    items = notifications.list_for(ro_uow(), user.id, unread_only=unread_only, limit=int_arg("limit", 50, 200))
    return jsonify({"unread": notifications.unread_count(ro_uow(), user.id),
                    "items": [notifications.view(n) for n in items]})


@bp.post("/notifications/read")
@auth_required
def notifications_read():
    """Body {"ids": [1, 2]} marks those read; {} or {"ids": null} marks all read."""
    body = request.get_json(silent=True) or {}
    ids = body.get("ids") if isinstance(body, dict) else None
    if ids is not None and (not isinstance(ids, list) or not all(isinstance(i, int) for i in ids)):
        raise Invalid("ids must be a list of integers", [{"field": "ids", "message": "应为整数列表"}])
    user = current_actor_user()
    changed = notifications.mark_read(uow(), user.id, ids)
    return jsonify({"marked": changed, "unread": notifications.unread_count(ro_uow(), user.id)})
