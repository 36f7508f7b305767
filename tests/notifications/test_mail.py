"""E-mail beside the in-app notifications, against a local SMTP server (aiosmtpd) the test starts:
a new task and a return for supplement reach the inbox in Chinese, sent after the action commits;
a failed send never fails the action and is recorded and retried."""

from __future__ import annotations

import email
import socket
import threading
from collections.abc import Iterator
from datetime import timedelta
from email.header import decode_header, make_header
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from processes.models import User
from processes.notifications import mail
from processes.notifications.models import MailOutbox
from processes.settings import Settings, load_settings
from tests.recognition.conftest import Recognition, credit_code
from tests.support.flows import wait_until


class Inbox:
    def __init__(self) -> None:
        self.messages: list[email.message.Message] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's name
        with self.lock:
            msg = email.message_from_bytes(envelope.original_content or envelope.content)
            msg["X-Envelope-To"] = ",".join(envelope.rcpt_tos)
            self.messages.append(msg)
        return "250 OK"

    def to(self, address: str) -> list[dict[str, str]]:
        with self.lock:
            found = [m for m in self.messages if address in m["X-Envelope-To"]]
        return [{"subject": str(make_header(decode_header(m["Subject"]))),
                 "body": m.get_payload(decode=True).decode(m.get_content_charset() or "utf-8")
                 if not m.is_multipart() else
                 next(p for p in m.walk() if p.get_content_type() == "text/plain")
                 .get_payload(decode=True).decode("utf-8"),
                 "from": m["From"]} for m in found]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def inbox() -> Iterator[Inbox]:
    from aiosmtpd.controller import Controller

    box = Inbox()
    controller = Controller(box, hostname="127.0.0.1", port=_free_port())
    controller.start()
    box.port = controller.port  # type: ignore[attr-defined]
    yield box
    controller.stop()


@pytest.fixture
def settings(tmp_path: Path, db_url: str, inbox: Inbox) -> Settings:
    """The test settings with SMTP pointing at the local server (no TLS, no login)."""
    return load_settings("test", instance_path=str(tmp_path / "instance"), database_url=db_url,
                         smtp_host="127.0.0.1", smtp_port=inbox.port, smtp_tls=False,  # type: ignore[attr-defined]
                         smtp_from="聊城市工业和信息化局 <noreply@lc.example.cn>")


def _give_emails(runtime: Any, **addresses: str) -> None:
    with runtime.uow() as u:
        for username, address in addresses.items():
            u.s.execute(update(User).where(User.username == username).values(email=address))
        u.commit()


def _outbox(runtime: Any) -> list[MailOutbox]:
    with runtime.uow() as u:
        return list(u.s.scalars(select(MailOutbox).order_by(MailOutbox.id)))


def test_new_task_and_return_for_supplement_reach_the_inbox_in_chinese(api, runtime, inbox):
    _give_emails(runtime, applicant1="applicant1@example.cn", expert1="expert1@example.cn")
    rec = Recognition(api)
    rec.deploy()
    rec.open_round()
    # applicant1's application is returned for supplement by the bureau
    rec.apply()
    rec.recommend()
    rec.review(action="supplement", reasons="请补充近三年财务审计报告")
    # the county's recommendation is told as progress; the return comes with the reviewer's reasons
    def returned_mails() -> list[dict[str, str]]:
        return [m for m in inbox.to("applicant1@example.cn") if "退回补正" in m["subject"]]

    assert wait_until(returned_mails, timeout=20)
    assert wait_until(lambda: any("进入市工业和信息化局审核" in m["body"] for m in inbox.to("applicant1@example.cn")))
    returned = returned_mails()[0]
    assert returned["subject"].startswith("【中小企业公共服务示范平台】退回补正：")
    assert "请补充近三年财务审计报告" in returned["body"] and "市局审核员退回补正" in returned["body"]
    assert "http://127.0.0.1:5000/tasks/" in returned["body"] and "请勿直接回复" in returned["body"]
    assert "noreply@lc.example.cn" in returned["from"]
    # applicant2's application reaches the experts: expert1 is told of the new task
    rec.apply("applicant2", credit_code=credit_code(2), unit_name="临清市中小企业服务中心有限公司")
    rec.recommend("county-linqing")
    rec.review()
    assert wait_until(lambda: inbox.to("expert1@example.cn"), timeout=20)
    new_task = inbox.to("expert1@example.cn")[0]
    assert new_task["subject"] == "【中小企业公共服务示范平台】新待办：专家评审（附件1 专家组评审意见）"
    assert "RECOGNITION-" in new_task["body"]
    # each mail is recorded as sent; users without an address get none
    assert wait_until(lambda: all(r.status == "sent" for r in _outbox(runtime)))
    assert {r.to_addr for r in _outbox(runtime)} == {"applicant1@example.cn", "expert1@example.cn"}
    assert not inbox.to("expert2")


def test_a_failed_send_never_fails_the_action_and_is_retried(api, runtime, inbox):
    _give_emails(runtime, applicant1="applicant1@example.cn")
    rec = Recognition(api)
    rec.deploy()
    rec.open_round()
    inst = rec.apply()
    real_port = runtime.settings.smtp_port
    object.__setattr__(runtime.settings, "smtp_port", _free_port())  # nobody listens there
    rec.recommend()  # the applicant is told of the recommendation (progress) …
    rec.review(action="supplement", reasons="请补充材料")  # … and of the return; the actions succeed regardless
    assert wait_until(lambda: len([r for r in _outbox(runtime) if r.attempts == 1]) == 2)
    for row in _outbox(runtime):
        assert row.status == "pending" and row.last_error and row.next_attempt_at > row.created_at
    assert rec.application(inst["business_key"])["status"] == "supplement"
    # the scheduler's retry sends it once the server is back and the retry time has come
    object.__setattr__(runtime.settings, "smtp_port", real_port)
    assert mail.retry_due(runtime) == {"sent": 0, "failed": 0}  # not yet due
    runtime.clock.set_state(runtime.now() + timedelta(minutes=2), timedelta(0))
    assert mail.retry_due(runtime) == {"sent": 2, "failed": 0}
    assert len(inbox.to("applicant1@example.cn")) == 2 and all(r.status == "sent" for r in _outbox(runtime))
    assert mail.retry_due(runtime) == {"sent": 0, "failed": 0}  # sent once


def test_nothing_is_queued_without_smtp(api, runtime, tmp_path, db_url):
    plain = load_settings("test", instance_path=str(tmp_path / "plain"), database_url=db_url)
    assert not mail.configured(plain)
    with pytest.raises(Exception, match="smtp_from"):
        load_settings("test", instance_path=str(tmp_path / "x"), database_url=db_url, smtp_host="mail.example.cn")
