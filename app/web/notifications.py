"""The notifications page (the bell)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app.extensions import ro_uow, uow
from processes.notifications import services as notifications

bp = Blueprint("notifications", __name__)


def _user() -> Any:
    return current_user.user


@bp.get("/notifications")
@login_required
def notifications_page():
    items = [notifications.view(n) for n in notifications.list_for(ro_uow(), _user().id, unread_only=False, limit=50)]
    return render_template("notifications/list.html", items=items)


@bp.post("/notifications/read")
@login_required
def notifications_read():
    ids = [int(i) for i in request.form.getlist("id") if i.isdigit()] or None
    notifications.mark_read(uow(), _user().id, ids)
    return redirect(url_for("notifications.notifications_page"))
