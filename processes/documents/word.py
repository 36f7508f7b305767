"""附件1 and 附件2 as Word (.docx), so a county can edit, print and stamp them (Art. 11, 12).

Built with python-docx from the same contexts as the PDFs (``processes.documents.forms``): the same
sections, tables and wording. Data in, bytes out.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from docx import Document
from docx.enum.section import WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

BODY_FONT = "宋体"
TITLE_FONT = "黑体"
CHECKED, UNCHECKED = "☑", "☐"


def _set_font(run: Any, name: str = BODY_FONT, size: float | None = None, bold: bool = False) -> None:
    run.font.name = name
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), name)
    if size:
        run.font.size = Pt(size)
    run.font.bold = bold


def _spacing(twips: int) -> Any:
    """Character spacing (w:spacing) for the cover's spaced-out subtitle (推 荐 表)."""
    el = OxmlElement("w:spacing")
    el.set(qn("w:val"), str(twips))
    return el


def _document() -> Any:
    doc = Document()
    normal = doc.styles["Normal"]
    normal.font.name = BODY_FONT
    normal.font.size = Pt(10.5)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), BODY_FONT)
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.top_margin, section.bottom_margin = Cm(2.3), Cm(2.5)
    section.left_margin = section.right_margin = Cm(2.1)
    return doc


def _page_number_footer(section: Any) -> None:
    """"— n —" centred in the footer (a PAGE field, so Word numbers the pages)."""
    section.footer.is_linked_to_previous = False
    p = section.footer.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _set_font(p.add_run("— "), size=9)
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    p._p.append(field)
    _set_font(p.add_run(" —"), size=9)


def _para(doc_or_cell: Any, text: str = "", size: float | None = None, bold: bool = False,
          align: Any = None, font: str = BODY_FONT, indent: bool = False, space_after: float = 2) -> Any:
    p = doc_or_cell.add_paragraph()
    if text:
        _set_font(p.add_run(text), font, size, bold)
    if align is not None:
        p.alignment = align
    if indent:
        p.paragraph_format.first_line_indent = Pt(21)
    p.paragraph_format.space_after = Pt(space_after)
    return p


def _cell(cell: Any, text: Any = "", bold: bool = False, center: bool = True, size: float = 10) -> Any:
    cell.text = ""
    lines = text if isinstance(text, list) else [str(text or "")]
    for i, line in enumerate(lines or [""]):
        p = cell.paragraphs[0] if i == 0 else cell.add_paragraph()
        if line:
            _set_font(p.add_run(line), size=size, bold=bold)
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER if center else WD_ALIGN_PARAGRAPH.LEFT
    return cell


def _table(doc: Any, rows: int, cols: int, widths: Sequence[float] | None = None) -> Any:
    t = doc.add_table(rows=rows, cols=cols)
    t.style = "Table Grid"
    t.alignment = WD_TABLE_ALIGNMENT.CENTER
    if widths:
        for row in t.rows:
            for cell, w in zip(row.cells, widths, strict=False):
                cell.width = Cm(w)
    return t


def _row(t: Any, values: Sequence[Any], bold: bool = False, center: bool = True) -> Any:
    cells = t.add_row().cells
    for cell, value in zip(cells, values, strict=False):
        _cell(cell, value, bold=bold, center=center)
    return cells


def _merged(t: Any, row: Any, start: int, end: int, text: Any, bold: bool = False, center: bool = True) -> Any:
    cell = row.cells[start].merge(row.cells[end]) if end > start else row.cells[start]
    return _cell(cell, text, bold=bold, center=center)


def _cover(doc: Any, title: str, subtitle: str, fields: Sequence[tuple[str, str]], issuer: str) -> None:
    for _ in range(6):
        _para(doc)
    _para(doc, title, size=22, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, font=TITLE_FONT)
    p = _para(doc, subtitle, size=26, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, font=TITLE_FONT)
    p.runs[0]._element.get_or_add_rPr().append(_spacing(200))
    for _ in range(6):
        _para(doc)
    for label, value in fields:
        p = _para(doc, align=WD_ALIGN_PARAGRAPH.LEFT, space_after=12)
        p.paragraph_format.left_indent = Cm(2.5)
        _set_font(p.add_run(label), size=14)
        run = p.add_run(value or "　" * 12)
        _set_font(run, size=14)
        run.font.underline = True
    for _ in range(8):
        _para(doc)
    _para(doc, issuer, size=16, align=WD_ALIGN_PARAGRAPH.CENTER)
    doc.add_section(WD_SECTION.NEW_PAGE)
    _page_number_footer(doc.sections[-1])


def _date_line(d: dict[str, str]) -> str:
    return f"{d.get('year') or '　　　'} 年 {d.get('month') or '　　'} 月 {d.get('day') or '　　'} 日"


def _save(doc: Any) -> bytes:
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def annex1_docx(ctx: dict[str, Any]) -> bytes:
    """附件1 推荐表 (Art. 11) as .docx."""
    doc = _document()
    _cover(doc, ctx["title"], ctx["subtitle"], [("示范平台承担单位名称：", ctx["unit_name"]),
                                                 ("推荐县（市、区）：", ctx["county"]),
                                                 ("填报日期：", _date_line(ctx["fill_date"]))], ctx["issuer"])
    t = _table(doc, 0, 4, (3.6, 3.6, 6, 3.6))
    _merged(t, t.add_row(), 0, 3, "专家组评审意见", bold=True, center=False)
    lines = [f"{e['name']}（{e['verdict']}{'，评分 ' + e['score'] if e['score'] else ''}）：{e['opinion']}"
             for e in ctx["experts"] if e["opinion"]]
    if ctx["panel_summary"]:
        lines.append(ctx["panel_summary"])
    _merged(t, t.add_row(), 0, 3, lines + [""] * max(0, 6 - len(lines)), center=False)
    _row(t, ["专家姓名", "职务/职称", "工作单位", "签字"], bold=True)
    for e in ctx["experts"]:
        _row(t, [e["name"], e["title"], e["employer"], ""])
    for _ in range(max(0, 3 - len(ctx["experts"]))):
        _row(t, ["", "", "", ""])
    _para(doc)
    t = _table(doc, 0, 8, (3.8, 1.8, 1.5, 2.6, 2.8, 1.3, 1.3, 1.3))
    _merged(t, t.add_row(), 0, 7, "推荐单位组织测评情况（随机抽取，不少于 10 家）", bold=True, center=False)
    row = t.add_row()
    _cell(row.cells[0], "测评方法")
    methods = "  ".join(f"{CHECKED if m['checked'] else UNCHECKED}{m['name']}" for m in ctx["methods"])
    if ctx["method_other"]:
        methods += f"（{ctx['method_other']}）"
    _merged(t, row, 1, 7, methods, center=False)
    head1, head2 = t.add_row(), t.add_row()
    for i, label in enumerate(("抽样企业名称", "被访人员姓名", "职务", "联系电话", "接受服务内容")):
        _cell(head1.cells[i].merge(head2.cells[i]), label, bold=True)
    _merged(t, head1, 5, 7, "对所受服务的总体评价", bold=True)
    for i, (_, name) in enumerate(ctx["rating_columns"]):
        _cell(head2.cells[5 + i], name, bold=True)
    for s in ctx["samples"]:
        _row(t, [s["enterprise"], s["person"], s["post"], s["phone"], s["service"],
                 *("√" if s["rating"] == code else "" for code, _ in ctx["rating_columns"])])
    for _ in range(max(0, 10 - len(ctx["samples"]))):
        _row(t, [""] * 8)
    if ctx["survey_satisfaction"]:
        _merged(t, t.add_row(), 0, 7, f"测评满意度（很满意与基本满意占抽样企业的比例）：{ctx['survey_satisfaction']}%",
                center=False)
    _para(doc)
    t = _table(doc, 1, 1, (16.8,))
    cell = t.rows[0].cells[0]
    _cell(cell, "县（市、区）级中小企业主管部门推荐意见：" + ctx["decision"], bold=True, center=False)
    for p in ctx["opinion"] or [""] * 4:
        _para(cell, p, indent=True)
    _para(cell)
    _para(cell, "（ 盖章 ）", align=WD_ALIGN_PARAGRAPH.RIGHT)
    _para(cell, _date_line(ctx["opinion_date"]), align=WD_ALIGN_PARAGRAPH.RIGHT)
    return _save(doc)


def annex2_docx(ctx: dict[str, Any]) -> bytes:
    """附件2 申请报告 (Art. 12) as .docx: cover, contents, 申请表, the three lists, 情况说明."""
    doc = _document()
    _cover(doc, ctx["title"], ctx["subtitle"], [("申请单位名称：", f"{ctx['unit_name']}（盖章）"),
                                                 ("填报日期：", _date_line(ctx["fill_date"]))], ctx["issuer"])
    _para(doc, "申请报告的主要内容", size=16, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, font=TITLE_FONT)
    for line in ctx["contents"]:
        _para(doc, line, size=12)
    for line in ctx["narrative_titles"]:
        p = _para(doc, line + "；", size=11)
        p.paragraph_format.left_indent = Cm(0.8)
    doc.add_page_break()
    _para(doc, f"{ctx['title']}申请表", size=16, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, font=TITLE_FONT)
    t = _table(doc, 0, 6, (2.7, 3.0, 2.7, 2.9, 2.5, 3.0))
    _merged(t, t.add_row(), 0, 5, "一、申请单位基本情况", bold=True, center=False)
    _row(t, ["注册日期：", ctx["registration_date"], "单位性质：", ctx["nature"], "法人代表：",
             ctx["legal_representative"]])
    row = t.add_row()
    _cell(row.cells[0], "注册地址：")
    _merged(t, row, 1, 3, ctx["address"], center=False)
    _cell(row.cells[4], "邮政编码：")
    _cell(row.cells[5], ctx["postcode"])
    _row(t, ["联系人：", ctx["contact_name"], "联系电话：", ctx["contact_phone"], "手机：", ctx["mobile"]])
    row = t.add_row()
    _merged(t, row, 0, 1, "网址及备案号（已建网站的填写）：")
    _merged(t, row, 2, 3, ctx["website"], center=False)
    _cell(row.cells[4], "电子邮件：")
    _cell(row.cells[5], ctx["email"])
    first = t.add_row()
    _merged(t, first, 1, 3, "其中：主要投资方名称")
    _cell(first.cells[4], "性质")
    _cell(first.cells[5], "投资比例 %")
    last = first
    for inv in ctx["investors"] or [{"name": "", "nature": "", "share": ""}]:
        last = t.add_row()
        _merged(t, last, 1, 3, inv["name"], center=False)
        _cell(last.cells[4], inv["nature"])
        _cell(last.cells[5], inv["share"])
    _cell(first.cells[0].merge(last.cells[0]), ["注册资本", f"{ctx['registered_capital'] or '　　'} 万元"])
    a, b = t.add_row(), t.add_row()
    blank = "　　"
    _merged(t, a, 1, 5, f"仪器、设备数量 {ctx['equipment_sets'] or blank} 台（套），"
                        f"购买价格 {ctx['equipment_value'] or blank} 万元，"
                        f"占总资产 {ctx['equipment_share'] or blank} %", center=False)
    _merged(t, b, 1, 5, f"服务场地面积：{ctx['area_total'] or blank} 平方米，"
                        f"其中：自有 {ctx['area_owned'] or blank} 平方米，"
                        f"租用 {ctx['area_rented'] or '　　'} 平方米", center=False)
    _cell(a.cells[0].merge(b.cells[0]), ["上年末总资产", f"{ctx['total_assets'] or '　　'} 万元"])
    row = t.add_row()
    _cell(row.cells[0], ["从业人数", f"{ctx['staff_total'] or '　　'} 人"])
    _merged(t, row, 1, 5, f"其中：大专及以上学历和中级及以上技术职称的专业人员 {ctx['staff_qualified'] or '　　'} 人，"
                          f"占总人数 {ctx['staff_share'] or '　　'} %", center=False)
    t = _table(doc, 0, 7)
    _merged(t, t.add_row(), 0, 6, "二、近年来运营管理情况（单位：万元）", bold=True, center=False)
    _row(t, ["年度", "营业收入", "其中：服务收入", "资产总额", "利润总额", "上缴税金", "服务中小企业户数"], bold=True)
    for y in ctx["yearly"]:
        _row(t, [y["year"], y["revenue_wan"], y["service_revenue_wan"], y["assets_wan"], y["profit_wan"],
                 y["taxes_wan"], y["smes_served"]])
    t = _table(doc, 0, 4, (3.0, 6.0, 4.0, 3.8))
    _merged(t, t.add_row(), 0, 3, "三、平台服务能力及业绩", bold=True, center=False)
    row = t.add_row()
    _cell(row.cells[0], "获得专业服务资质情况")
    _merged(t, row, 1, 3, ctx["qualifications"], center=False)
    row = t.add_row()
    _merged(t, row, 0, 1, "上年度主要服务内容（服务规模或服务收入占30%以上）")
    _cell(row.cells[2], "服务规模（家、人/次）")
    _cell(row.cells[3], "服务收入占年营业收入%")
    for s in ctx["services"] or [{"content": "", "scale": "", "share": ""}]:
        row = t.add_row()
        _merged(t, row, 0, 1, s["content"], center=False)
        _cell(row.cells[2], s["scale"])
        _cell(row.cells[3], s["share"])
    row = t.add_row()
    _cell(row.cells[0], "其中：")
    _cell(row.cells[1], f"公益性服务规模（家、人/次）：{ctx['public_interest_scale']}", center=False)
    _merged(t, row, 2, 3, f"低收费服务规模（家、人/次）：{ctx['low_fee_scale']}", center=False)
    a, b = t.add_row(), t.add_row()
    _cell(a.cells[1], "签订合作协议单位")
    _merged(t, a, 2, 3, "其他合作单位")
    _cell(b.cells[1], ctx["partners_agreement"], center=False)
    _merged(t, b, 2, 3, ctx["partners_other"], center=False)
    _cell(a.cells[0].merge(b.cells[0]), "合作资源")
    _merged(t, t.add_row(), 0, 3, "四、政府支持情况", bold=True, center=False)
    row = t.add_row()
    _cell(row.cells[0], "得到政府扶持的情况")
    _merged(t, row, 1, 3, ctx["government_support"], center=False)

    doc.add_page_break()
    _para(doc, "主要服务设备、仪器及软件清单", size=16, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, font=TITLE_FONT)
    t = _table(doc, 0, 6)
    _row(t, ["序号", "名称", "数量", "购买时间", "购买价格", "是否处于行业领先水平"], bold=True)
    for e in ctx["equipment_list"]:
        _row(t, [e["no"], e["name"], e["sets"], e["purchase_date"], e["value_wan"], e["leading"]])

    doc.add_page_break()
    _para(doc, "管理人员和服务人员名单及职称情况一览表", size=16, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER,
          font=TITLE_FONT)
    t = _table(doc, 0, 6)
    _row(t, ["姓名", "年龄", "学历", "毕业学校", "职称", "主管工作"], bold=True)
    for s in ctx["staff_list"]:
        _row(t, [s["name"], s["age"], s["degree"], s["school"], s["title"], s["duty"]])
    _para(doc, "备注：不少于 20 人", size=9.5)

    doc.add_page_break()
    _para(doc, "服务的中小企业名单及服务评价表", size=16, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, font=TITLE_FONT)
    t = _table(doc, 0, 7, (1.2, 4.6, 1.8, 2.6, 4.2, 1.2, 1.2))
    head1, head2 = t.add_row(), t.add_row()
    for i, label in enumerate(("序号", "服务企业名称", "联系人", "联系电话", "服务内容简述")):
        _cell(head1.cells[i].merge(head2.cells[i]), label, bold=True)
    _merged(t, head1, 5, 6, "企业满意度", bold=True)
    _cell(head2.cells[5], "满意", bold=True)
    _cell(head2.cells[6], "不满意", bold=True)
    for s in ctx["served_list"]:
        _row(t, [s["no"], s["enterprise"], s["contact"], s["phone"], s["service"], "√" if s["satisfied"] else "",
                 "√" if s["unsatisfied"] else ""])
    _merged(t, t.add_row(), 0, 6, f"上一年度共服务企业 {ctx['served_total']} 家", center=False)

    doc.add_page_break()
    _para(doc, "示范平台申请相关情况说明", size=16, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, font=TITLE_FONT)
    for n in ctx["narratives"]:
        _para(doc, n["title"], size=11, bold=True)
        for p in n["paragraphs"] or ["（未填写）"]:
            _para(doc, p, indent=True)
    return _save(doc)
