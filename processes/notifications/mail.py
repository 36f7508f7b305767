"""E-mail beside the in-app notifications, when SMTP is configured (``smtp_*`` settings).

The library is ``emails`` (pinned in pyproject.toml): a maintained, framework-free SMTP client that
builds correct MIME for Chinese subjects and bodies (RFC 2047 headers, UTF-8 parts), speaks STARTTLS
and implicit TLS, has socket timeouts and answers each send with a response instead of raising —
usable from ``processes``, which may not import Flask (Flask-Mail is Flask-bound; yagmail is built
around Gmail and keyrings; redmail has not been released since 2023).

How a mail travels (an outbox, ARCHITECTURE §3's "one transaction per action" kept):

1. ``notify()`` writes the notification and, in the **same transaction**, a ``mail_outbox`` row for a
   user with an e-mail address. Nothing is sent inside the transaction.
2. When that transaction **commits**, a session hook hands the new rows to a background thread that
   sends them (``send_pending``). A rolled-back action leaves no row and sends nothing.
3. A send never fails the action: an SMTP error is logged, recorded on the row (``last_error``,
   ``attempts``) and the row waits for ``next_attempt_at`` (1, 5, 30, 120 minutes). The scheduler's
   reminders job calls ``retry_due`` each minute; after ``MAX_ATTEMPTS`` the row is ``failed`` and
   stays as the record. Rows are claimed (``pending`` → ``sending``) with a conditional UPDATE, so a
   mail is sent once even when the scheduler and a web worker look at the same time; a ``sending``
   row left behind by a crash is taken again after ``STALE``.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import event, or_, select, update
from sqlalchemy.orm import Session

from processes.db import UnitOfWork
from processes.notifications.models import MailOutbox, Notification
from processes.settings import Settings

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 5
BACKOFF = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2))
STALE = timedelta(minutes=10)
FOOTER = "此邮件由聊城市中小企业公共服务示范平台认定管理系统自动发送，请勿直接回复。"
_PENDING_KEY = "mail_outbox_ids"


def configured(settings: Settings) -> bool:
    return bool(settings.smtp_host)


def compose(settings: Settings, n: Notification) -> tuple[str, str]:
    """Subject and plain-text body of a notification's e-mail (Chinese, as the notification)."""
    link = ""
    if n.link:
        link = n.link if n.link.startswith(("http://", "https://")) else settings.public_base_url.rstrip("/") + n.link
    parts = [n.body.strip() or n.title, f"办理地址：{link}" if link else "", "—", FOOTER]
    return f"【中小企业公共服务示范平台】{n.title}"[:255], "\n\n".join(p for p in parts if p)


def queue(uow: UnitOfWork, n: Notification, email: str | None) -> MailOutbox | None:
    """Inside the notification's transaction: the row to send once it commits."""
    settings = uow.runtime.settings
    if not configured(settings) or not email or "@" not in email:
        return None
    subject, body = compose(settings, n)
    now = uow.runtime.now().astimezone(UTC)
    row = MailOutbox(notification_id=n.id, user_id=n.user_id, to_addr=email.strip(), subject=subject, body=body,
                     status="pending", attempts=0, created_at=now, next_attempt_at=now)
    uow.s.add(row)
    uow.s.flush()
    _send_after_commit(uow, row.id)
    return row


def _send_after_commit(uow: UnitOfWork, row_id: int) -> None:
    session = uow.s
    ids: list[int] | None = session.info.get(_PENDING_KEY)
    if ids is None:
        ids = session.info[_PENDING_KEY] = []
        rt = uow.runtime

        def committed(s: Session) -> None:
            batch = list(s.info.pop(_PENDING_KEY, []))
            if batch:
                threading.Thread(target=send_pending, args=(rt, batch), name="mail", daemon=True).start()

        def rolled_back(s: Session) -> None:
            s.info.pop(_PENDING_KEY, None)

        event.listen(session, "after_commit", committed, once=True)
        event.listen(session, "after_rollback", rolled_back, once=True)
    ids.append(row_id)


def _claim(uow: UnitOfWork, ids: Iterable[int] | None, now: datetime) -> list[MailOutbox]:
    """Take the due rows (``ids`` or all) for sending: one conditional UPDATE per row decides who sends."""
    with uow:
        due = or_(MailOutbox.status == "pending", (MailOutbox.status == "sending")
                  & (MailOutbox.next_attempt_at <= now - STALE))
        stmt = select(MailOutbox.id).where(due, MailOutbox.next_attempt_at <= now)
        if ids is not None:
            stmt = stmt.where(MailOutbox.id.in_(list(ids)))
        claimed = []
        for row_id in uow.s.scalars(stmt.order_by(MailOutbox.id).limit(200)).all():
            took = uow.s.execute(update(MailOutbox).where(MailOutbox.id == row_id, due)
                                 .values(status="sending", next_attempt_at=now)
                                 .execution_options(synchronize_session=False))
            if took.rowcount:  # type: ignore[attr-defined]
                claimed.append(row_id)
        uow.commit()
        return list(uow.s.scalars(select(MailOutbox).where(MailOutbox.id.in_(claimed)))) if claimed else []


def _smtp(settings: Settings) -> dict[str, Any]:
    opts: dict[str, Any] = {"host": settings.smtp_host, "port": settings.smtp_port, "timeout": 15,
                            "fail_silently": True}
    if settings.smtp_port == 465:
        opts["ssl"] = True
    elif settings.smtp_tls:
        opts["tls"] = True
    if settings.smtp_user:
        opts["user"], opts["password"] = settings.smtp_user, settings.smtp_password
    return opts


def deliver(settings: Settings, to_addr: str, subject: str, body: str) -> str | None:
    """Send one e-mail; None when the server accepted it, else what went wrong (never raises)."""
    import emails  # the library; imported here so the app starts without SMTP in use

    try:
        message = emails.Message(subject=subject, text=body, mail_from=settings.smtp_from, charset="utf-8")
        response = message.send(to=to_addr, smtp=_smtp(settings))
    except Exception as exc:  # noqa: BLE001 - a bad address or header: recorded, never raised
        return f"{type(exc).__name__}: {exc}"
    if getattr(response, "success", False):
        return None
    error = getattr(response, "error", None)
    return f"SMTP {getattr(response, 'status_code', None)} {getattr(response, 'status_text', b'')!r}" + \
        (f" {type(error).__name__}: {error}" if error else "")


def send_pending(rt: Any, ids: Iterable[int] | None = None) -> dict[str, int]:
    """Send the due rows (``ids`` or every due one); record each outcome. Never raises."""
    sent = failed = 0
    try:
        settings = rt.settings
        if not configured(settings):
            return {"sent": 0, "failed": 0}
        rows = _claim(rt.uow(), ids, rt.now().astimezone(UTC))
        for row in rows:
            error = deliver(settings, row.to_addr, row.subject, row.body)
            _record(rt, row.id, row.attempts + 1, error)
            if error is None:
                sent += 1
            else:
                failed += 1
                log.warning("mail %s to %s not sent (attempt %s): %s", row.id, row.to_addr, row.attempts + 1, error)
    except Exception:  # noqa: BLE001 - mail never breaks the caller (a thread, the scheduler)
        log.exception("sending mail failed")
    return {"sent": sent, "failed": failed}


def _record(rt: Any, row_id: int, attempts: int, error: str | None) -> None:
    uow = rt.uow()
    now = rt.now().astimezone(UTC)
    with uow:
        if error is None:
            values: dict[str, Any] = {"status": "sent", "attempts": attempts, "sent_at": now, "last_error": None}
        elif attempts >= MAX_ATTEMPTS:
            values = {"status": "failed", "attempts": attempts, "last_error": error[:2000]}
        else:
            values = {"status": "pending", "attempts": attempts, "last_error": error[:2000],
                      "next_attempt_at": now + BACKOFF[min(attempts - 1, len(BACKOFF) - 1)]}
        uow.s.execute(update(MailOutbox).where(MailOutbox.id == row_id).values(**values)
                      .execution_options(synchronize_session=False))
        uow.commit()


def retry_due(rt: Any) -> dict[str, int]:
    """The scheduler's part: send every row whose time has come (first tries left behind, retries)."""
    return send_pending(rt, None)
