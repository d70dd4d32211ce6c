"""Quarantine reasons are stored in English and shown in the user's language: each
reason's pattern reads its stored text back, field labels and choices are translated,
text no reason fits is shown as stored; the job page and the mapping preview show every
reason an import can give in Chinese to a Chinese user and unchanged in English."""

from __future__ import annotations

import html
import re

import pytest
from click.testing import CliRunner
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from kehu.cli import main
from kehu.crm.integration import reasons
from kehu.crm.integration.models import ImportJob, QuarantinedRow
from kehu.insight.engine import DuckDBEngine

FUTURE = "如果日期无误，请确认未来日期（--allow-future-dates，或勾选向导中的“导入远在未来的日期”）"

#: (reason, as stored, as shown in Chinese): one per reason
CASES = [
    (reasons.MISSING, "Name: missing", "名称：缺失"),
    (
        reasons.NOT_AN_EMAIL,
        'Email: "not-mail" is not an email address',
        "电子邮件：“not-mail”不是有效的电子邮件地址",
    ),
    (reasons.TOO_LONG, "Name: longer than 200 characters", "名称：超过 200 个字符"),
    (
        reasons.NO_CUSTOMER,
        'Customer: no customer "K404" in the CRM (by id, code or email): import the '
        "customers first, or fix the reference",
        "客户：CRM 中没有客户“K404”（按编号、代码或电子邮件查找）：请先导入客户，或更正引用",
    ),
    (
        reasons.NO_ORDER,
        'Order number: no order "SO-404" in the CRM: import the orders first, or fix the number',
        "订单号：CRM 中没有订单“SO-404”：请先导入订单，或更正订单号",
    ),
    (
        reasons.NO_USER,
        'By (user): no user "mallory" (by user name or email): add the user, or leave the '
        "column unmapped",
        "记录人（用户）：没有用户“mallory”（按用户名或电子邮件查找）：请添加该用户，或不映射此列",
    ),
    (
        reasons.NOT_ONE_OF,
        'Channel: "pigeon" is not one of: phone, email, sms, fax, web, chat, visit, exhibition',
        "渠道：“pigeon”不是以下之一：电话、电子邮件、短信、传真、网站、在线聊天、拜访、展会",
    ),
    (reasons.NOT_A_NUMBER, 'Unit price: "abc" is not a number', "单价：“abc”不是数字"),
    (
        reasons.TOO_LARGE,
        "Unit price: 10000000000 is too large (the most is 9,999,999,999.99)",
        "单价：10000000000 太大（最大为 9,999,999,999.99）",
    ),
    (
        reasons.NOT_WHOLE,
        "Duration (minutes): 0.5 is not a whole number",
        "时长（分钟）：0.5 不是整数",
    ),
    (reasons.BELOW, "Unit price: -3 is below 0", "单价：-3 小于 0"),
    (reasons.ABOVE, "Satisfaction (1-5): 6 is above 5", "满意度（1-5）：6 大于 5"),
    (reasons.NOT_A_DATE, 'When: "someday" is not a date', "时间：“someday”不是日期"),
    (
        reasons.IN_THE_FUTURE,
        'When: "2199-01-01 10:00" is more than 31 days in the future: if it is right, '
        "confirm future dates (--allow-future-dates, or the box in the wizard)",
        "时间：“2199-01-01 10:00”比今天晚 31 天以上：" + FUTURE,
    ),
    (reasons.NO_ORDER_NUMBER, "missing order number", "缺少订单号"),
    (reasons.NO_ORDER_DATE, "missing order date", "缺少订单日期"),
    (
        reasons.ORDER_DATE_NOT_A_DATE,
        'order date "someday" is not a date',
        "订单日期“someday”不是日期",
    ),
    (
        reasons.ORDER_DATE_IN_THE_FUTURE,
        'order date "2199-01-01" is more than 31 days in the future: if it is right, '
        "confirm future dates (--allow-future-dates, or the box in the wizard)",
        "订单日期“2199-01-01”比今天晚 31 天以上：" + FUTURE,
    ),
    (reasons.NO_CUSTOMER_ID, "missing customer id", "缺少客户编号"),
    (reasons.NO_PRODUCT_CODE, "missing product code", "缺少商品编码"),
    (reasons.NO_QUANTITY, "missing quantity", "缺少数量"),
    (reasons.QUANTITY_NOT_A_NUMBER, 'quantity "six" is not a number', "数量“six”不是数字"),
    (reasons.QUANTITY_ZERO, "quantity is 0", "数量为 0"),
    (reasons.QUANTITY_TOO_LARGE, "quantity 1000000000 is too large", "数量 1000000000 太大"),
    (reasons.NO_UNIT_PRICE, "missing unit price", "缺少单价"),
    (reasons.PRICE_NOT_A_NUMBER, 'unit price "cheap" is not a number', "单价“cheap”不是数字"),
    (reasons.NEGATIVE_PRICE, "negative unit price -1", "单价 -1 为负数"),
    (reasons.PRICE_TOO_LARGE, "unit price 2000000000 is too large", "单价 2000000000 太大"),
    (
        reasons.OTHER_CUSTOMER,
        "order 536365 belongs to customer 17850 (row 1)",
        "订单 536365 属于客户 17850（第 1 行）",
    ),
    (
        reasons.OTHER_SIGN,
        "quantity sign differs from the first line of order 536365 (row 1)",
        "数量的正负号与订单 536365 的第一行（第 1 行）不同",
    ),
    (
        reasons.NO_INVOICE,
        'Invoice number: no invoice "INV-404" in the CRM: import the invoices first, or fix '
        "the number",
        "发票号：CRM 中没有发票“INV-404”：请先导入发票，或更正编号",
    ),
    (
        reasons.DUE_BEFORE_ISSUE,
        'due date "2026-03-01" is before the issue date "2026-03-10"',
        "到期日“2026-03-01”早于开票日期“2026-03-10”",
    ),
    (
        reasons.TERMS_MISMATCH,
        'due date "2026-03-10" is not the issue date plus the payment terms (30 days): '
        "give one of the two",
        "到期日“2026-03-10”不等于开票日期加付款期限（30 天）：请只填写其中一项",
    ),
    (
        reasons.ORDER_INVOICED,
        'order "536365" is invoiced already, by invoice INV-1',
        "订单“536365”已由发票 INV-1 开票",
    ),
    (
        reasons.ORDER_OF_ANOTHER_CUSTOMER,
        'order "536365" is an order of another customer',
        "订单“536365”属于另一个客户",
    ),
    (
        reasons.INVOICE_NOT_PAYABLE,
        'invoice "INV-V" is a draft or void: payments go on open invoices',
        "发票“INV-V”是草稿或已作废：付款只能记在待付款的发票上",
    ),
    (
        reasons.PAID_IN_THE_FUTURE,
        'payment date "2199-01-01" is in the future',
        "付款日期“2199-01-01”在将来",
    ),
    (reasons.NO_NAME, "missing name", "缺少名称"),
    (
        reasons.NOTHING_TO_MATCH,
        "no customer id and no email to match the row on",
        "没有客户编号，也没有可用来匹配此行的电子邮件",
    ),
    (
        reasons.EMAIL_NOT_AN_EMAIL,
        'email "bad-mail" is not an email address',
        "电子邮件“bad-mail”不是有效的电子邮件地址",
    ),
    (
        reasons.NOT_A_KIND,
        'kind "robot" is neither company nor person',
        "类型“robot”既不是公司（company）也不是个人（person）",
    ),
    (
        reasons.TOO_WIDE,
        "the row has 10 cells but the header has 8 columns (2 non-empty cells past the last "
        "column): an unquoted delimiter in a value? quote the value",
        "该行有 10 个单元格，但表头只有 8 列（最后一列之后有 2 个非空单元格）："
        "某个值里有未加引号的分隔符？请给该值加上引号",
    ),
    (
        reasons.TOO_WIDE_BY_ONE,
        "the row has 9 cells but the header has 8 columns (1 non-empty cell past the last "
        "column): an unquoted delimiter in a value? quote the value",
        "该行有 9 个单元格，但表头只有 8 列（最后一列之后有 1 个非空单元格）："
        "某个值里有未加引号的分隔符？请给该值加上引号",
    ),
]


def _id(case: tuple[reasons.Reason, str, str]) -> str:
    return case[1][:40]


@pytest.mark.parametrize(("reason", "stored", "chinese"), CASES, ids=map(_id, CASES))
def test_a_stored_reason_reads_in_chinese_and_unchanged_in_english(reason, stored, chinese):
    assert reason.pattern.fullmatch(stored), "the case is not this reason's text"
    with translation.override("zh-hans"):
        assert reasons.shown(stored) == chinese
    with translation.override("en"):
        assert reasons.shown(stored) == stored


def test_every_reason_has_a_case():
    assert {id(r) for r, _s, _c in CASES} == {id(r) for r in reasons.REASONS}


def test_the_sql_of_a_reason_builds_its_text():
    """What DuckDB stores is what :meth:`Reason.text` says, so the pattern reads it."""
    with DuckDBEngine() as db:
        for reason in reasons.REASONS:
            parts = {name: f"<{name}'s value>" for name in reason.names}
            sql = reason.sql(**{k: reasons.literal(v) for k, v in parts.items()})
            ((stored,),) = db.execute(f"SELECT {sql}", "reason").fetchall()
            assert stored == reason.text(**parts)
            assert reason.pattern.fullmatch(stored).groupdict() == parts


def test_a_bool_field_takes_yes_or_no_in_chinese():
    with translation.override("zh-hans"):
        shown = reasons.shown('Primary contact: "maybe" is not one of: yes or no')
    assert shown == "主要联系人：“maybe”不是以下之一：是或否"


def test_a_value_with_a_colon_or_quotes_stays_whole():
    stored = 'Email: "a: "b"@x" is not an email address'
    with translation.override("zh-hans"):
        assert reasons.shown(stored) == '电子邮件：“a: "b"@x”不是有效的电子邮件地址'


def test_an_unknown_label_stays_and_the_rest_is_translated():
    with translation.override("zh-hans"):
        assert reasons.shown("Old field: missing") == "Old field：缺失"
        assert reasons.shown('Channel: "x" is not one of: a, b') == "渠道：“x”不是以下之一：a, b"


def test_text_no_reason_fits_is_shown_as_stored():
    cut = ('Customer: no customer "' + "K" * 300)[:300]  # a long reason is cut when stored
    with translation.override("zh-hans"):
        assert reasons.shown("something new went wrong") == "something new went wrong"
        assert reasons.shown(cut) == cut
        assert reasons.shown("") == "" and reasons.shown(None) is None


# -- on the pages ------------------------------------------------------------------------

ORDERS = """InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country
536365,85123A,WHITE HEART,6,2010-12-01 08:26:00,2.55,17850,United Kingdom
,85123A,WHITE HEART,6,2010-12-01 08:26:00,2.55,17850,United Kingdom
536366,85123A,WHITE HEART,6,,2.55,17850,United Kingdom
536367,85123A,WHITE HEART,6,someday,2.55,17850,United Kingdom
536368,85123A,WHITE HEART,6,2199-01-01 08:26:00,2.55,17850,United Kingdom
536369,85123A,WHITE HEART,6,2010-12-01 08:26:00,2.55,,United Kingdom
536370,,WHITE HEART,6,2010-12-01 08:26:00,2.55,17850,United Kingdom
536371,85123A,WHITE HEART,,2010-12-01 08:26:00,2.55,17850,United Kingdom
536372,85123A,WHITE HEART,six,2010-12-01 08:26:00,2.55,17850,United Kingdom
536373,85123A,WHITE HEART,0,2010-12-01 08:26:00,2.55,17850,United Kingdom
536374,85123A,WHITE HEART,1000000000,2010-12-01 08:26:00,2.55,17850,United Kingdom
536375,85123A,WHITE HEART,6,2010-12-01 08:26:00,,17850,United Kingdom
536376,85123A,WHITE HEART,6,2010-12-01 08:26:00,cheap,17850,United Kingdom
536377,85123A,WHITE HEART,6,2010-12-01 08:26:00,-1,17850,United Kingdom
536378,85123A,WHITE HEART,6,2010-12-01 08:26:00,2000000000,17850,United Kingdom
536365,22633,HAND WARMER,6,2010-12-01 08:26:00,1.85,99999,United Kingdom
536365,22634,HAND WARMER,-2,2010-12-01 08:26:00,1.85,17850,United Kingdom
536379,85123A,WHITE HEART,6,2010-12-01 08:26:00,2.55,17850,United Kingdom,extra
536380,85123A,WHITE HEART,6,2010-12-01 08:26:00,2.55,17850,United Kingdom,extra,more
"""
CUSTOMERS = """CustomerID,Name,Email,Kind
C1,Good Co,good@example.com,company
C2,,two@example.com,
,Nobody Ltd,,
C3,Bad Mail,bad-mail,
C4,Robot Inc,,robot
"""
CONTACTS = f"""customer,name,email,primary
K001,Ann,ann@huadong.cn,yes
K001,,bob@huadong.cn,
K001,Cat,not-mail,
K001,{"x" * 201},,
K404,Dan,,
K001,Eve,,maybe
"""
PRODUCTS = """sku,name,price
P1,Cup,10
P2,Pot,abc
P3,Urn,10000000000
P4,Jar,-3
"""
INTERACTIONS = """customer_id,date,channel,subject,duration,agent
K001,2024-02-03 09:30,phone,Call,12,
K001,2024-02-03 09:30,pigeon,Odd,,
K001,someday,phone,Nodate,,
K001,2199-01-01 10:00,phone,Later,,
K001,2024-02-04 10:00,phone,Half,0.5,
K001,2024-02-05 10:00,phone,Long,100001,
K001,2024-02-06 10:00,phone,Stranger,,mallory
"""
TICKETS = """customer,subject,opened,order,satisfaction
K001,Fine,2024-03-01 09:00,,5
K001,Broken,2024-03-01 09:00,SO-404,
"""
INVOICES = """invoice,customer,order,date,due,terms,amount,status
INV-1,17850,536365,2026-03-01,,,10,open
INV-2,17850,536365,2026-03-01,,,10,open
INV-3,K001,536365,2026-03-01,,,10,open
INV-4,17850,,2026-03-10,2026-03-01,,10,open
INV-5,17850,,2026-03-01,2026-03-10,30,10,open
INV-V,17850,,2026-03-01,,,10,void
"""
PAYMENTS = """invoice,date,amount
INV-1,2026-03-05,4
INV-404,2026-03-05,4
INV-V,2026-03-05,4
INV-1,2199-01-01,4
"""
FILES = {
    "orders": ORDERS,
    "customers": CUSTOMERS,
    "contacts": CONTACTS,
    "products": PRODUCTS,
    "interactions": INTERACTIONS,
    "tickets": TICKETS,
    "invoices": INVOICES,
    "payments": PAYMENTS,
}
#: English a Chinese reason keeps: a command-line option, the words a kind is written in
KEPT = {"CRM", "allow", "future", "dates", "company", "person"}


@pytest.fixture
def jobs(db, tmp_path, make_customer):
    make_customer("上海华东贸易有限公司", external_id="K001", email="sales@huadong.cn")
    for entity, text in FILES.items():
        path = tmp_path / f"{entity}.csv"
        path.write_text(text, encoding="utf-8")
        result = CliRunner().invoke(main, ["import", str(path), "--entity", entity])
        assert result.exit_code == 0, result.output
    return list(ImportJob.objects.order_by("pk"))


def _reason_cells(page: str) -> list[str]:
    """The reasons of the job page's summary and of its first quarantined rows."""
    quarantine = page[page.index('id="quarantine"') :]
    summary = re.findall(r"<tr><td>([^<]*)</td><td>[\d,]+</td></tr>", quarantine)
    rows = re.findall(r'<tr><td>\d+</td><td>([^<]*)</td><td class="muted">', quarantine)
    return [html.unescape(c) for c in summary + rows]


def test_the_imports_give_every_reason(jobs):
    stored = QuarantinedRow.objects.values_list("reason", flat=True)
    given = {next(r for r in reasons.REASONS if r.pattern.fullmatch(s)) for s in stored}
    assert given == set(reasons.REASONS)


def test_the_job_page_shows_every_reason_in_chinese(jobs, make_user, client_for):
    client = client_for(make_user("analyst", language="zh-hans"))
    data_words = set(re.findall(r"[A-Za-z]+", "".join(FILES.values())))
    for job in jobs:
        stored = set(job.quarantine.values_list("reason", flat=True))
        page = client.get(reverse("integration:job", args=[job.pk])).content.decode()
        cells = _reason_cells(page)
        with translation.override("zh-hans"):
            chinese = {reasons.shown(s) for s in stored}
        assert set(cells) == chinese, job.entity
        assert not stored & set(cells)
        for cell in cells:
            english = set(re.findall(r"[A-Za-z]+", cell)) - data_words - KEPT
            assert not english, (job.entity, cell)


def test_the_job_page_shows_every_reason_as_stored_in_english(jobs, analyst_user, client_for):
    client = client_for(analyst_user)
    for job in jobs:
        stored = set(job.quarantine.values_list("reason", flat=True))
        page = client.get(reverse("integration:job", args=[job.pk])).content.decode()
        assert set(_reason_cells(page)) == stored, job.entity


def test_the_mapping_preview_shows_the_reasons_in_chinese(
    db, tmp_path, settings, make_user, client_for
):
    settings.VAR_DIR = tmp_path / "var"
    client = client_for(make_user("analyst", language="zh-hans"))
    file = SimpleUploadedFile("orders.csv", ORDERS.encode(), content_type="text/csv")
    upload = client.post(reverse("integration:upload"), {"file": file, "entity": "orders"})
    page = html.unescape(client.get(upload["Location"]).content.decode())
    assert "缺少客户编号" in page and "单价“cheap”不是数字" in page
    assert "数量 1000000000 太大" in page and "订单 536365 属于客户 17850（第 1 行）" in page
    assert "missing customer id" not in page and "is not a number" not in page
    assert "non-empty cell past the last column" not in page
