"""The fields each entity's rows can fill, with the header words (English and Chinese)
that suggest them and, for the record entities, how a cell is read and checked."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _

from kehu.crm.billing.models import MAX_PAYMENT_TERMS_DAYS, Invoice, Payment
from kehu.crm.customers.models import Customer
from kehu.crm.engagement.models import Interaction, InteractionChannel
from kehu.crm.sales.models import Opportunity
from kehu.crm.service.models import Ticket


@dataclass(frozen=True)
class Field:
    """``kind`` and what follows it say how the record entities (contacts, products,
    interactions, tickets, opportunities) read the cell; orders and customers have
    their own rules."""

    name: str
    label: str
    required: bool
    synonyms: tuple[str, ...]
    kind: str = "text"  # text, email, choice, bool, number, integer, timestamp, date,
    # customer / order / user (a reference that must exist), category (created if new)
    max_length: int | None = None
    choices: type[models.TextChoices] | None = None
    aliases: tuple[tuple[str, str], ...] = ()  # more words for choices: (word, value)
    low: float | None = None
    high: float | None = None


def words(text: str) -> tuple[str, ...]:
    """Header words written as one string, ``"qty units 数量"``; a word with a space in it
    is an alias's, not a header's (headers are compared without spaces)."""
    return tuple(text.split())


def text(
    name: str, label: str, synonyms: str, *, max_length: int | None = None, required: bool = False
) -> Field:
    """A text cell, of at most ``max_length`` characters."""
    return Field(name, label, required, words(synonyms), max_length=max_length)


def choice(
    name: str,
    label: str,
    synonyms: str,
    choices: type[models.TextChoices],
    aliases: dict[str, str] | None = None,
    *,
    required: bool = False,
) -> Field:
    """One of ``choices``, by its value or label, or a word of ``aliases`` (word: value)."""
    pairs = tuple((aliases or {}).items())
    return Field(name, label, required, words(synonyms), "choice", choices=choices, aliases=pairs)


def number(
    name: str,
    label: str,
    synonyms: str,
    *,
    low: float | None = None,
    high: float | None = None,
    kind: str = "number",
    required: bool = False,
) -> Field:
    """A number (``kind="integer"``: a whole one) from ``low`` to ``high``."""
    return Field(name, label, required, words(synonyms), kind, low=low, high=high)


def of_kind(kind: str, name: str, label: str, synonyms: str, *, required: bool = False) -> Field:
    """A cell read as ``kind`` (timestamp, date, customer, order, user) and nothing more."""
    return Field(name, label, required, words(synonyms), kind)


def yes_no(name: str, label: str, synonyms: str) -> Field:
    """Yes or no, in the words of :data:`YES_NO`."""
    return Field(name, label, False, words(synonyms), "bool", aliases=YES_NO)


EMAIL_WORDS = "email emailaddress mail 邮箱 电子邮件"
PHONE_WORDS = "phone telephone tel mobile phonenumber 电话 手机 联系电话"
COUNTRY_WORDS = "country 国家 国家地区"
YES_NO = tuple((word, "1") for word in words("yes y true 1 x 是")) + tuple(
    (word, "0") for word in words("no n false 0 否")
)

# orders and customers have rules of their own: every cell is read as text here
ORDER_FIELDS = (
    text(
        "order_number",
        _("Order number"),
        "invoiceno invoice invoicenumber orderno ordernumber orderid order "
        "订单号 订单编号 发票号 单号",
        required=True,
    ),
    text(
        "ordered_at",
        _("Order date"),
        "invoicedate orderdate date orderedat datetime time 下单时间 订单日期 日期 时间 交易时间",
        required=True,
    ),
    text(
        "customer_id",
        _("Customer id"),
        "customerid customer customerno customercode clientid memberid "
        "客户编号 客户id 客户号 会员编号 客户",
        required=True,
    ),
    text(
        "sku",
        _("Product code"),
        "stockcode sku productcode itemcode productid itemid article "
        "商品编码 产品编码 商品编号 货号 产品代码",
        required=True,
    ),
    text(
        "description",
        _("Description"),
        "description productname itemname name 商品名称 产品名称 描述 品名",
    ),
    text("quantity", _("Quantity"), "quantity qty units 数量 件数", required=True),
    text("unit_price", _("Unit price"), "unitprice price 单价 价格 售价", required=True),
    text("country", _("Country"), COUNTRY_WORDS),
)

CUSTOMER_FIELDS = (
    text(
        "external_id",
        _("Customer id"),
        "customerid customer customerno customercode id clientid memberid "
        "客户编号 客户id 客户号 会员编号",
    ),
    text(
        "name",
        _("Name"),
        "name customername company companyname fullname 客户名称 名称 公司名称 姓名 客户姓名",
        required=True,
    ),
    text("kind", _("Kind (company or person)"), "kind type customertype 类型"),
    text("email", _("Email"), EMAIL_WORDS),
    text("phone", _("Phone"), PHONE_WORDS),
    text("country", _("Country"), COUNTRY_WORDS),
    text("region", _("Region"), "region state province 省份 地区 省"),
    text("city", _("City"), "city town 城市 市"),
    text("address", _("Address"), "address street 地址 详细地址"),
    text("postal_code", _("Postal code"), "postalcode postcode zip zipcode 邮编 邮政编码"),
    text("industry", _("Industry"), "industry sector 行业"),
)


CUSTOMER_REFERENCE = (
    "customerid customer customerno customercode clientid account accountid company "
    "客户编号 客户id 客户号 客户代码 客户 公司"
)
EXTERNAL_ID = "id externalid sourceid 原系统编号 外部编号 编号"


def _external_id(label: str, synonyms: str) -> Field:
    return text("external_id", label, f"{synonyms} {EXTERNAL_ID}", max_length=90)


def _customer() -> Field:
    return of_kind("customer", "customer", _("Customer"), CUSTOMER_REFERENCE, required=True)


CONTACT_FIELDS = (
    _external_id(_("Contact id"), "contactid 联系人编号"),
    _customer(),
    text(
        "name",
        _("Name"),
        "name contactname fullname contact 联系人 姓名 联系人姓名",
        max_length=200,
        required=True,
    ),
    text("title", _("Job title"), "title jobtitle position 职位 职务", max_length=100),
    text("department", _("Department"), "department dept 部门", max_length=100),
    Field("email", _("Email"), False, words(EMAIL_WORDS), "email", max_length=254),
    text("phone", _("Phone"), PHONE_WORDS, max_length=40),
    yes_no("is_primary", _("Primary contact"), "primary isprimary 主要联系人"),
)

PRODUCT_FIELDS = (
    text(
        "sku",
        _("Product code"),
        "sku stockcode productcode itemcode productid itemid "
        "商品编码 产品编码 商品编号 货号 产品代码",
        max_length=50,
        required=True,
    ),
    text(
        "name",
        _("Name"),
        "name productname itemname description 商品名称 产品名称 品名 名称",
        max_length=200,
        required=True,
    ),
    Field(
        "category",
        _("Category"),
        False,
        words("category productcategory group 类别 分类 品类 商品类别"),
        "category",
        max_length=100,
    ),
    number(
        "unit_price",
        _("Unit price"),
        "unitprice price listprice 单价 价格 售价",
        low=0,
        required=True,
    ),
    number("unit_cost", _("Unit cost"), "unitcost cost 成本 进价 成本价", low=0),
    yes_no("is_active", _("Active"), "active isactive 在售 有效"),
    text("description", _("Description"), "details longdescription 描述 说明"),
)

INTERACTION_FIELDS = (
    _external_id(_("Interaction id"), "interactionid activityid 记录编号"),
    _customer(),
    choice(
        "channel",
        _("Channel"),
        "channel type medium 渠道 方式 类型",
        InteractionChannel,
        {
            "call": "phone",
            "telephone": "phone",
            "mail": "email",
            "meeting": "visit",
            "trade show": "exhibition",
            "展会": "exhibition",
            "网站": "web",
            "在线": "chat",
        },
        required=True,
    ),
    choice(
        "direction",
        _("Direction"),
        "direction 方向",
        Interaction.Direction,
        {
            "in": "inbound",
            "out": "outbound",
            "呼入": "inbound",
            "来电": "inbound",
            "呼出": "outbound",
            "去电": "outbound",
        },
    ),
    text(
        "subject", _("Subject"), "subject title topic 主题 标题 事由", max_length=200, required=True
    ),
    text("body", _("Notes"), "notes body content details 内容 备注 记录"),
    of_kind(
        "timestamp",
        "occurred_at",
        _("When"),
        "date occurredat datetime time when 日期 时间 发生时间",
        required=True,
    ),
    number(
        "duration_minutes",
        _("Duration (minutes)"),
        "duration minutes durationminutes 时长 时长分钟",
        low=0,
        high=100_000,
        kind="integer",
    ),
    of_kind("user", "user", _("By (user)"), "user by agent owner username 员工 负责人 坐席"),
)

TICKET_FIELDS = (
    _external_id(_("Ticket id"), "ticketid ticketno ticketnumber caseid 工单号 工单编号"),
    _customer(),
    text(
        "subject",
        _("Subject"),
        "subject title summary 主题 标题 问题",
        max_length=200,
        required=True,
    ),
    text("description", _("Description"), "description details body 描述 详情 内容"),
    choice(
        "type",
        _("Type"),
        "type tickettype category 类型 工单类型",
        Ticket.Type,
        {
            "投诉": "complaint",
            "纠纷": "dispute",
            "故障": "defect",
            "bug": "defect",
            "咨询": "inquiry",
            "question": "inquiry",
        },
    ),
    choice(
        "priority",
        _("Priority"),
        "priority 优先级 紧急程度",
        Ticket.Priority,
        {
            "medium": "normal",
            "critical": "urgent",
            "低": "low",
            "中": "normal",
            "高": "high",
            "紧急": "urgent",
        },
    ),
    choice(
        "status",
        _("Status"),
        "status state 状态",
        Ticket.Status,
        {
            "solved": "resolved",
            "in progress": "open",
            "waiting": "pending",
            "新建": "new",
            "处理中": "open",
            "已解决": "resolved",
            "已关闭": "closed",
        },
    ),
    choice(
        "channel",
        _("Channel"),
        "channel source 渠道 来源",
        InteractionChannel,
        {"call": "phone", "mail": "email"},
    ),
    of_kind(
        "order",
        "order",
        _("Order number"),
        "order orderno ordernumber invoice invoiceno 订单号 订单编号",
    ),
    of_kind(
        "user", "assignee", _("Assignee (user)"), "assignee assignedto agent owner 处理人 负责人"
    ),
    of_kind(
        "timestamp",
        "opened_at",
        _("Opened"),
        "opened openedat created createdat date 创建时间 开单时间 日期",
        required=True,
    ),
    of_kind("timestamp", "resolved_at", _("Resolved"), "resolved resolvedat solvedat 解决时间"),
    of_kind("timestamp", "closed_at", _("Closed"), "closed closedat 关闭时间"),
    number(
        "satisfaction_score",
        _("Satisfaction (1-5)"),
        "satisfaction satisfactionscore csat rating 满意度 评分",
        low=1,
        high=5,
        kind="integer",
    ),
)

OPPORTUNITY_FIELDS = (
    _external_id(_("Opportunity id"), "opportunityid dealid 商机编号"),
    _customer(),
    text(
        "name",
        _("Name"),
        "name opportunity opportunityname deal dealname 商机 商机名称 项目名称",
        max_length=200,
        required=True,
    ),
    choice(
        "stage",
        _("Stage"),
        "stage dealstage 阶段 销售阶段",
        Opportunity.Stage,
        {
            "closed won": "won",
            "closed lost": "lost",
            "prospecting": "qualification",
            "赢单": "won",
            "成交": "won",
            "输单": "lost",
            "丢单": "lost",
            "初步接洽": "qualification",
            "方案": "proposal",
            "谈判": "negotiation",
        },
    ),
    number("amount", _("Amount"), "amount value dealvalue 金额 预计金额", low=0),
    number(
        "probability",
        _("Probability %"),
        "probability winprobability 赢率 成功率 概率",
        low=0,
        high=100,
        kind="integer",
    ),
    of_kind(
        "date",
        "expected_close_date",
        _("Expected close date"),
        "closedate expectedclose expectedclosedate 预计成交日期 预计结束日期",
    ),
    of_kind("timestamp", "closed_at", _("Closed"), "closed closedat 成交时间"),
    text("competitor", _("Competitor"), "competitor 竞争对手", max_length=200),
    text(
        "lost_reason", _("Lost reason"), "lostreason reasonlost 丢单原因 输单原因", max_length=200
    ),
    choice(
        "source_channel",
        _("Source channel"),
        "source leadsource channel 来源 渠道",
        Customer.Channel,
    ),
    of_kind("user", "owner", _("Owner (user)"), "owner salesrep salesperson 负责人 销售 业务员"),
)

INVOICE_NUMBER_WORDS = "invoice invoiceno invoicenumber invoiceid billno 发票号 发票编号 发票"
INVOICE_FIELDS = (
    text("number", _("Invoice number"), INVOICE_NUMBER_WORDS, max_length=30, required=True),
    _customer(),
    of_kind("order", "order", _("Order number"), "order orderno ordernumber 订单号 订单编号"),
    of_kind(
        "date",
        "issued_on",
        _("Issued on"),
        "issued issuedon issuedate invoicedate date 开票日期 发票日期 日期",
        required=True,
    ),
    of_kind("date", "due_on", _("Due on"), "due dueon duedate 到期日 到期日期 应付日期"),
    number(
        "payment_terms_days",
        _("Payment terms (days)"),
        "terms paymentterms termsdays netdays 付款期限 账期",
        low=0,
        high=MAX_PAYMENT_TERMS_DAYS,
        kind="integer",
    ),
    number(
        "amount",
        _("Amount"),
        "amount total invoiceamount 金额 发票金额 总额",
        low=0.01,
        required=True,
    ),
    choice(
        "status",
        _("Status"),
        "status state 状态",
        Invoice.Status,
        {"unpaid": "open", "issued": "open", "cancelled": "void", "未付": "open", "作废": "void"},
    ),
    text("notes", _("Notes"), "notes note memo 备注"),
)
PAYMENT_FIELDS = (
    _external_id(_("Payment id"), "paymentid 付款编号"),
    of_kind("invoice", "invoice", _("Invoice number"), INVOICE_NUMBER_WORDS, required=True),
    of_kind(
        "date",
        "paid_on",
        _("Paid on"),
        "paid paidon paymentdate date 付款日期 收款日期 日期",
        required=True,
    ),
    number(
        "amount",
        _("Amount"),
        "amount paid paidamount 金额 付款金额 收款金额",
        low=0.01,
        required=True,
    ),
    choice(
        "method",
        _("Method"),
        "method paymentmethod 付款方式 支付方式",
        Payment.Method,
        {"transfer": "bank_transfer", "bank": "bank_transfer", "转账": "bank_transfer"},
    ),
    text("reference", _("Reference"), "reference ref 参考号 流水号", max_length=100),
)

FIELDS = {
    "orders": ORDER_FIELDS,
    "customers": CUSTOMER_FIELDS,
    "contacts": CONTACT_FIELDS,
    "products": PRODUCT_FIELDS,
    "interactions": INTERACTION_FIELDS,
    "tickets": TICKET_FIELDS,
    "opportunities": OPPORTUNITY_FIELDS,
    "invoices": INVOICE_FIELDS,
    "payments": PAYMENT_FIELDS,
}
