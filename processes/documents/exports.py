"""Exports of the lists as Excel (openpyxl) or CSV: the register (Art. 14), a round's applications with
their stage and outcome (Art. 10–15), quarterly-report compliance per county and quarter (Art. 19) and
the task lists. Names, not codes, in every cell; times in Beijing time.

One function per export; each reads in one unit of work and returns the bytes to send.
"""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from sqlalchemy import select

from handlers.certificates import validity_expired
from processes.db import UnitOfWork
from processes.documents import labels
from processes.documents.services import BUREAU, county_names, today
from processes.errors import Forbidden, Invalid
from processes.messages import field_error, t
from processes.models import User
from processes.recognition.models import Application, PlatformRegister, RecognitionRound
from processes.services.core import Actor
from processes.supervision.models import CountyAggregate, QuarterlyReport
from processes.tasks import lists

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv; charset=utf-8"
TASK_LIST_NAMES = {"mine": "我的待办", "claimable": "待认领", "done": "已办", "copied": "抄送我的"}
MAX_TASK_ROWS = 5000


@dataclass(frozen=True)
class Table:
    title: str
    header: Sequence[str]
    rows: list[list[Any]]


@dataclass(frozen=True)
class Download:
    data: bytes
    mime: str
    download_name: str


_SHEET_TITLE_BAD = re.compile(r"[\\/*?:\[\]]")  # Excel refuses these in a sheet name


def _xlsx_text(text: str) -> str:
    """A text as a worksheet cell can hold it: control characters (which XML 1.0 cannot carry, and
    which a user may have pasted into a name) are dropped rather than failing the whole export."""
    return ILLEGAL_CHARACTERS_RE.sub("", text)


def _csv_text(text: str) -> str:
    """A text that a spreadsheet would run as a formula (=, +, -, @ first) is kept as text with a
    leading apostrophe (CSV injection)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def to_file(table: Table, fmt: str) -> Download:
    """The table as .xlsx (bold, frozen header, widths to fit) or as UTF-8 CSV with a BOM (Excel)."""
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf)
        writer.writerow(table.header)
        writer.writerows(["" if v is None else _csv_text(v) if isinstance(v, str) else v for v in row]
                         for row in table.rows)
        return Download(("\ufeff" + buf.getvalue()).encode("utf-8"), CSV, f"{table.title}.csv")
    if fmt != "xlsx":
        raise Invalid(t("导出格式应为 xlsx 或 csv"), [field_error("format", "format_invalid", "应为 xlsx 或 csv")],
                      code="format_invalid")

    wb = Workbook()
    ws = wb.active
    ws.title = _SHEET_TITLE_BAD.sub("_", _xlsx_text(table.title))[:31] or "Sheet1"
    ws.append([_xlsx_text(h) for h in table.header])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in table.rows:
        ws.append(["" if v is None else _xlsx_text(v) if isinstance(v, str) else v for v in row])
        for cell in ws[ws.max_row]:
            if cell.data_type == "f":  # a text such as "=HYPERLINK(…)" typed as a unit name stays text
                cell.data_type = "s"
    ws.freeze_panes = "A2"
    for i, head in enumerate(table.header, start=1):
        longest = max([len(str(head))] + [len(str(r[i - 1])) for r in table.rows[:500] if r[i - 1] is not None])
        ws.column_dimensions[get_column_letter(i)].width = min(60, 4 + longest * 1.8)
    out = io.BytesIO()
    wb.save(out)
    return Download(out.getvalue(), XLSX, f"{table.title}.xlsx")


def register_table(uow: UnitOfWork) -> Table:
    """Art. 14, 22: the public register (no personal data)."""
    with uow:
        names, day = county_names(uow), today(uow)
        rows = []
        for i, e in enumerate(uow.s.scalars(select(PlatformRegister).order_by(PlatformRegister.id)), start=1):
            status = "expired" if e.status == "recognised" and e.valid_to and validity_expired(e.valid_to, day) \
                else e.status
            rows.append([i, e.unit_name, e.credit_code, labels.county_name(e.county, names),
                         labels.REGISTER_STATUS_NAMES.get(status, status), e.certificate_no or "",
                         labels.cn_date(e.valid_from), labels.cn_date(e.valid_to), labels.cn_date(e.ban_until)])
    return Table("聊城市中小企业公共服务示范平台名录",
                 ["序号", "单位名称", "统一社会信用代码", "所在县（市、区）", "状态", "证书编号", "有效期起",
                  "有效期止", "不得申报至（第二十一条）"], rows)


def _scope(actor: Actor | User) -> str | None:
    """The bureau sees every county, a county officer their own; nobody else exports these lists."""
    if actor.role in BUREAU or actor.role == "process_owner":
        return None
    if actor.role == "county_officer" and actor.county:
        return actor.county
    raise Forbidden(t("只有市工业和信息化局和县级主管部门可以导出该名单"))


def round_applications_table(uow: UnitOfWork, actor: Actor | User, year: int) -> Table:
    """Art. 10–15: the round's applications, each with its stage (while open) and its outcome."""
    county = _scope(actor)
    with uow:
        names = county_names(uow)
        r = uow.s.scalars(select(RecognitionRound).where(RecognitionRound.year == year)).first()
        stmt = select(Application).order_by(Application.id)
        stmt = stmt.where(Application.round_id == (r.id if r else -1))
        if county:
            stmt = stmt.where(Application.county == county)
        rows = []
        for i, a in enumerate(uow.s.scalars(stmt), start=1):
            final = a.status in labels.FINAL_OUTCOMES
            status = labels.APPLICATION_STATUS_NAMES.get(a.status, a.status)
            reasons = "；".join(f"{x.get('article') or ''}{x.get('message') or ''}".strip()
                               for x in a.outcome_reasons or [] if isinstance(x, dict))
            period = ""
            if a.publicity_start:
                period = labels.cn_period(a.publicity_start + timedelta(days=1), a.publicity_end)
            rows.append([i, a.business_key, a.unit_name or "", a.credit_code or "", labels.county_name(a.county, names),
                         "已办结" if final else status, status if final else "办理中",
                         labels.cn_datetime(a.submitted_at), period, a.certificate_no or "", reasons])
    return Table(f"{year}年度示范平台申报情况",
                 ["序号", "申报编号", "单位名称", "统一社会信用代码", "所在县（市、区）", "当前阶段", "结果",
                  "提交时间", "公示期", "证书编号", "结果说明"], rows)


def compliance_table(uow: UnitOfWork, actor: Actor | User, year: int | None = None) -> Table:
    """Art. 19: per county and quarter, the platforms' reports filed on time, late or not at all, and
    the county's aggregate to the bureau (due the 25th of the month after the quarter)."""

    county = _scope(actor)
    with uow:
        names, day = county_names(uow), today(uow)
        stmt = select(QuarterlyReport).where(QuarterlyReport.status != "cancelled")
        agg = select(CountyAggregate)
        if year:
            stmt, agg = stmt.where(QuarterlyReport.year == year), agg.where(CountyAggregate.year == year)
        if county:
            stmt, agg = stmt.where(QuarterlyReport.county == county), agg.where(CountyAggregate.county == county)
        per: dict[tuple[int, int, str], dict[str, int]] = defaultdict(lambda: {"due": 0, "on_time": 0, "late": 0,
                                                                               "missing": 0, "open": 0})
        for r in uow.s.scalars(stmt):
            c = per[(r.year, r.quarter, r.county or "")]
            c["due"] += 1
            if r.submitted_at is not None:
                c["late" if r.late else "on_time"] += 1
            elif r.due_date < day:
                c["missing"] += 1
            else:
                c["open"] += 1
        aggregates = {(a.year, a.quarter, a.county): a for a in uow.s.scalars(agg)}
        keys = sorted(set(per) | set(aggregates))
        rows = []
        for y, q, code in keys:
            c = per[(y, q, code)]
            a = aggregates.get((y, q, code))
            if a is None:
                agg_state, agg_due = "", ""
            else:
                agg_due = labels.cn_date(a.due_date)
                agg_state = ("逾期报送" if a.late else "按时报送") if a.submitted_at else (
                    "逾期未报" if a.due_date < day else "未到期")
            pct = labels.number(100 * c["on_time"] / c["due"], 1) if c["due"] else ""
            rows.append([y, f"第{q}季度", labels.county_name(code, names) or "（未指定）", c["due"], c["on_time"],
                         c["late"], c["missing"], c["open"], pct, agg_due, agg_state])
    title = f"{year}年度季度报告报送情况" if year else "季度报告报送情况"
    return Table(title, ["年度", "季度", "县（市、区）", "应报平台数", "按时报送", "逾期报送", "逾期未报", "未到期",
                         "按时报送率（%）", "县级汇总截止日", "县级汇总报送"], rows)


def task_list_table(uow: UnitOfWork, user: User, which: str, filters: Mapping[str, str] | None = None) -> Table:
    """The user's task list (我的待办, 待认领, 已办, 抄送我的), all pages, with the list page's filters
    (``process``, ``round``, ``county``, ``overdue``, ``sort``, ``q``: unit name, credit code or key)."""
    if which not in TASK_LIST_NAMES:
        raise Invalid(t("没有这个待办列表"),
                      [field_error("list", "list_invalid", "应为 mine、claimable、done、copied")], code="list_invalid")
    items = lists.every_item(lambda q: lists.list_tasks(uow, user, which, q), filters or {}, MAX_TASK_ROWS)
    with uow:
        names = county_names(uow)
    rows = []
    for i, item in enumerate(items, start=1):
        when = item.get("completed_at") if which == "done" else item.get("created_at")
        state = ""
        if which in ("mine", "claimable"):
            state = "已超期" if item.get("overdue") else ""
        elif which == "done":
            state = item.get("decision_text") or ""
        rows.append([i, item.get("name") or "", item.get("unit_name") or "", item.get("business_key") or "",
                     item.get("process_name") or "", labels.county_name(item.get("county"), names),
                     item.get("assignee") or item.get("by") or "", labels.cn_datetime(when),
                     labels.cn_datetime(item.get("due_at")), state])
    when_label = "办理时间" if which == "done" else "创建时间"
    state_label = "办理结论" if which == "done" else "状态"
    return Table(TASK_LIST_NAMES[which], ["序号", "事项", "单位名称", "申报编号", "流程", "县（市、区）",
                                          "办理人/抄送人", when_label, "办理期限", state_label], rows)
