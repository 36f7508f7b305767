"""Excel/CSV of the instance list (办件查询 / 我的申请) with the page's filters, in the shape of the
other list exports (``processes.documents.exports``: names, not codes; Beijing time)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from processes.db import UnitOfWork
from processes.documents import labels
from processes.documents.exports import Table
from processes.documents.services import county_names
from processes.models import User
from processes.tasks import lists
from processes.vocabulary import STATE_NAMES, Role

MAX_ROWS = 5000


def instance_list_table(uow: UnitOfWork, user: User, filters: Mapping[str, Any] | None = None) -> Table:
    """Every case the user may see that the list page's filters select (all pages)."""
    items = lists.every_item(lambda q: lists.list_instances(uow, user, q), filters or {}, MAX_ROWS)
    with uow:
        names = county_names(uow)
    rows = [[i, item["unit_name"], item["credit_code"], item["business_key"], item["process_name"],
             labels.county_name(item.get("county"), names),
             item.get("subject_status") or STATE_NAMES.get(item["state"], item["state"]),
             labels.cn_datetime(item["started_at"]), labels.cn_datetime(item.get("ended_at"))]
            for i, item in enumerate(items, start=1)]
    title = "我的申请" if user.role == Role.APPLICANT else "办件查询"
    return Table(title, ["序号", "单位名称", "统一社会信用代码", "业务编号", "流程", "县（市、区）", "状态", "发起时间",
                         "办结时间"], rows)
