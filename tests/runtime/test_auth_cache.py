"""One authentication lookup at most per ``auth_cache_seconds``: the user behind a token is reused
by the process, a deactivation made by this process applies at once, one made elsewhere (another
web process: here, straight in the database) applies when the cached copy expires."""

from __future__ import annotations

import time

from sqlalchemy import event, update

from processes.admin.services import set_active
from processes.models import User
from processes.services.users import cached_user
from tests.support.flows import actor, user


def _user_reads(runtime):
    count = [0]

    def before(conn, cursor, statement, *args):  # noqa: ANN001
        if "FROM app_user" in statement:
            count[0] += 1

    event.listen(runtime.db, "before_cursor_execute", before)
    return count, lambda: event.remove(runtime.db, "before_cursor_execute", before)


def test_a_token_is_authenticated_without_a_query_while_cached(runtime, api):
    api.as_user("reviewer")
    assert api.get("/api/v1/tasks").status_code == 200  # the first request reads the user
    count, stop = _user_reads(runtime)
    try:
        for _ in range(5):
            assert api.get("/api/v1/tasks").status_code == 200
    finally:
        stop()
    assert count[0] == 0


def test_deactivation_in_this_process_applies_at_once(runtime, api):
    api.as_user("reviewer")
    assert api.get("/api/v1/tasks").status_code == 200
    set_active(runtime.uow(), actor(runtime, "admin"), user(runtime, "reviewer").id, False, "left")
    assert api.get("/api/v1/tasks").status_code == 401


def test_deactivation_elsewhere_applies_within_the_cache_time(runtime, api, monkeypatch):
    monkeypatch.setattr(runtime, "settings", runtime.settings.__class__(
        **{**runtime.settings.__dict__, "auth_cache_seconds": 0.5}))
    api.as_user("reviewer")
    assert api.get("/api/v1/tasks").status_code == 200
    with runtime.uow() as uow:  # another process: this one is not told
        uow.s.execute(update(User).where(User.username == "reviewer").values(active=False))
        uow.commit()
    assert api.get("/api/v1/tasks").status_code == 200  # still the cached copy
    time.sleep(0.6)
    assert api.get("/api/v1/tasks").status_code == 401


def test_cached_copies_are_not_shared_objects(runtime):
    uid = user(runtime, "reviewer").id
    a = cached_user(runtime, uid, lambda: runtime.uow(readonly=True))
    b = cached_user(runtime, uid, lambda: runtime.uow(readonly=True))
    assert a is not b and a is not None and b is not None and a.username == b.username == "reviewer"
