"""The fields each entity's rows can fill, with the header words (English and Chinese)
that suggest them and, for the record entities, how a cell is read and checked."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _

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


EMAIL_WORDS = ("email", "emailaddress", "mail", "邮箱", "电子邮件")
PHONE_WORDS = ("phone", "telephone", "tel", "mobile", "phonenumber", "电话", "手机", "联系电话")

ORDER_FIELDS = (
    Field(
        "order_number",
        _("Order number"),
        True,
        (
            "invoiceno",
            "invoice",
            "invoicenumber",
            "orderno",
            "ordernumber",
            "orderid",
            "order",
            "订单号",
            "订单编号",
            "发票号",
            "单号",
        ),
    ),
    Field(
        "ordered_at",
        _("Order date"),
        True,
        (
            "invoicedate",
            "orderdate",
            "date",
            "orderedat",
            "datetime",
            "time",
            "下单时间",
            "订单日期",
            "日期",
            "时间",
            "交易时间",
        ),
    ),
    Field(
        "customer_id",
        _("Customer id"),
        True,
        (
            "customerid",
            "customer",
            "customerno",
            "customercode",
            "clientid",
            "memberid",
            "客户编号",
            "客户id",
            "客户号",
            "会员编号",
            "客户",
        ),
    ),
    Field(
        "sku",
        _("Product code"),
        True,
        (
            "stockcode",
            "sku",
            "productcode",
            "itemcode",
            "productid",
            "itemid",
            "article",
            "商品编码",
            "产品编码",
            "商品编号",
            "货号",
            "产品代码",
        ),
    ),
    Field(
        "description",
        _("Description"),
        False,
        ("description", "productname", "itemname", "name", "商品名称", "产品名称", "描述", "品名"),
    ),
    Field("quantity", _("Quantity"), True, ("quantity", "qty", "units", "数量", "件数")),
    Field("unit_price", _("Unit price"), True, ("unitprice", "price", "单价", "价格", "售价")),
    Field("country", _("Country"), False, ("country", "国家", "国家地区")),
)

CUSTOMER_FIELDS = (
    Field(
        "external_id",
        _("Customer id"),
        False,
        (
            "customerid",
            "customer",
            "customerno",
            "customercode",
            "id",
            "clientid",
            "memberid",
            "客户编号",
            "客户id",
            "客户号",
            "会员编号",
        ),
    ),
    Field(
        "name",
        _("Name"),
        True,
        (
            "name",
            "customername",
            "company",
            "companyname",
            "fullname",
            "客户名称",
            "名称",
            "公司名称",
            "姓名",
            "客户姓名",
        ),
    ),
    Field("kind", _("Kind (company or person)"), False, ("kind", "type", "customertype", "类型")),
    Field("email", _("Email"), False, EMAIL_WORDS),
    Field(
        "phone",
        _("Phone"),
        False,
        PHONE_WORDS,
    ),
    Field("country", _("Country"), False, ("country", "国家", "国家地区")),
    Field("region", _("Region"), False, ("region", "state", "province", "省份", "地区", "省")),
    Field("city", _("City"), False, ("city", "town", "城市", "市")),
    Field("address", _("Address"), False, ("address", "street", "地址", "详细地址")),
    Field(
        "postal_code",
        _("Postal code"),
        False,
        ("postalcode", "postcode", "zip", "zipcode", "邮编", "邮政编码"),
    ),
    Field("industry", _("Industry"), False, ("industry", "sector", "行业")),
)


CUSTOMER_REFERENCE = (
    "customerid",
    "customer",
    "customerno",
    "customercode",
    "clientid",
    "account",
    "accountid",
    "company",
    "客户编号",
    "客户id",
    "客户号",
    "客户代码",
    "客户",
    "公司",
)
EXTERNAL_ID = ("id", "externalid", "sourceid", "原系统编号", "外部编号", "编号")


def _external_id(label: str, *synonyms: str) -> Field:
    return Field("external_id", label, False, (*synonyms, *EXTERNAL_ID), max_length=90)


def _customer() -> Field:
    return Field("customer", _("Customer"), True, CUSTOMER_REFERENCE, kind="customer")


YES_NO = (
    ("yes", "1"),
    ("y", "1"),
    ("true", "1"),
    ("1", "1"),
    ("x", "1"),
    ("是", "1"),
    ("no", "0"),
    ("n", "0"),
    ("false", "0"),
    ("0", "0"),
    ("否", "0"),
)

CONTACT_FIELDS = (
    _external_id(_("Contact id"), "contactid", "联系人编号"),
    _customer(),
    Field(
        "name",
        _("Name"),
        True,
        ("name", "contactname", "fullname", "contact", "联系人", "姓名", "联系人姓名"),
        max_length=200,
    ),
    Field(
        "title",
        _("Job title"),
        False,
        ("title", "jobtitle", "position", "职位", "职务"),
        max_length=100,
    ),
    Field("department", _("Department"), False, ("department", "dept", "部门"), max_length=100),
    Field(
        "email",
        _("Email"),
        False,
        EMAIL_WORDS,
        kind="email",
        max_length=254,
    ),
    Field(
        "phone",
        _("Phone"),
        False,
        PHONE_WORDS,
        max_length=40,
    ),
    Field(
        "is_primary",
        _("Primary contact"),
        False,
        ("primary", "isprimary", "主要联系人"),
        kind="bool",
        aliases=YES_NO,
    ),
)

PRODUCT_FIELDS = (
    Field(
        "sku",
        _("Product code"),
        True,
        (
            "sku",
            "stockcode",
            "productcode",
            "itemcode",
            "productid",
            "itemid",
            "商品编码",
            "产品编码",
            "商品编号",
            "货号",
            "产品代码",
        ),
        max_length=50,
    ),
    Field(
        "name",
        _("Name"),
        True,
        ("name", "productname", "itemname", "description", "商品名称", "产品名称", "品名", "名称"),
        max_length=200,
    ),
    Field(
        "category",
        _("Category"),
        False,
        ("category", "productcategory", "group", "类别", "分类", "品类", "商品类别"),
        kind="category",
        max_length=100,
    ),
    Field(
        "unit_price",
        _("Unit price"),
        True,
        ("unitprice", "price", "listprice", "单价", "价格", "售价"),
        kind="number",
        low=0,
    ),
    Field(
        "unit_cost",
        _("Unit cost"),
        False,
        ("unitcost", "cost", "成本", "进价", "成本价"),
        kind="number",
        low=0,
    ),
    Field(
        "is_active",
        _("Active"),
        False,
        ("active", "isactive", "在售", "有效"),
        kind="bool",
        aliases=YES_NO,
    ),
    Field(
        "description",
        _("Description"),
        False,
        ("details", "longdescription", "描述", "说明"),
        max_length=None,
    ),
)

INTERACTION_FIELDS = (
    _external_id(_("Interaction id"), "interactionid", "activityid", "记录编号"),
    _customer(),
    Field(
        "channel",
        _("Channel"),
        True,
        ("channel", "type", "medium", "渠道", "方式", "类型"),
        kind="choice",
        choices=InteractionChannel,
        aliases=(
            ("call", "phone"),
            ("telephone", "phone"),
            ("mail", "email"),
            ("meeting", "visit"),
            ("trade show", "exhibition"),
            ("展会", "exhibition"),
            ("网站", "web"),
            ("在线", "chat"),
        ),
    ),
    Field(
        "direction",
        _("Direction"),
        False,
        ("direction", "方向"),
        kind="choice",
        choices=Interaction.Direction,
        aliases=(
            ("in", "inbound"),
            ("out", "outbound"),
            ("呼入", "inbound"),
            ("来电", "inbound"),
            ("呼出", "outbound"),
            ("去电", "outbound"),
        ),
    ),
    Field(
        "subject",
        _("Subject"),
        True,
        ("subject", "title", "topic", "主题", "标题", "事由"),
        max_length=200,
    ),
    Field(
        "body",
        _("Notes"),
        False,
        ("notes", "body", "content", "details", "内容", "备注", "记录"),
        max_length=None,
    ),
    Field(
        "occurred_at",
        _("When"),
        True,
        ("date", "occurredat", "datetime", "time", "when", "日期", "时间", "发生时间"),
        kind="timestamp",
    ),
    Field(
        "duration_minutes",
        _("Duration (minutes)"),
        False,
        ("duration", "minutes", "durationminutes", "时长", "时长分钟"),
        kind="integer",
        low=0,
        high=100_000,
    ),
    Field(
        "user",
        _("By (user)"),
        False,
        ("user", "by", "agent", "owner", "username", "员工", "负责人", "坐席"),
        kind="user",
    ),
)

TICKET_FIELDS = (
    _external_id(
        _("Ticket id"), "ticketid", "ticketno", "ticketnumber", "caseid", "工单号", "工单编号"
    ),
    _customer(),
    Field(
        "subject",
        _("Subject"),
        True,
        ("subject", "title", "summary", "主题", "标题", "问题"),
        max_length=200,
    ),
    Field(
        "description",
        _("Description"),
        False,
        ("description", "details", "body", "描述", "详情", "内容"),
        max_length=None,
    ),
    Field(
        "type",
        _("Type"),
        False,
        ("type", "tickettype", "category", "类型", "工单类型"),
        kind="choice",
        choices=Ticket.Type,
        aliases=(
            ("投诉", "complaint"),
            ("纠纷", "dispute"),
            ("故障", "defect"),
            ("bug", "defect"),
            ("咨询", "inquiry"),
            ("question", "inquiry"),
        ),
    ),
    Field(
        "priority",
        _("Priority"),
        False,
        ("priority", "优先级", "紧急程度"),
        kind="choice",
        choices=Ticket.Priority,
        aliases=(
            ("medium", "normal"),
            ("critical", "urgent"),
            ("低", "low"),
            ("中", "normal"),
            ("高", "high"),
            ("紧急", "urgent"),
        ),
    ),
    Field(
        "status",
        _("Status"),
        False,
        ("status", "state", "状态"),
        kind="choice",
        choices=Ticket.Status,
        aliases=(
            ("solved", "resolved"),
            ("in progress", "open"),
            ("waiting", "pending"),
            ("新建", "new"),
            ("处理中", "open"),
            ("已解决", "resolved"),
            ("已关闭", "closed"),
        ),
    ),
    Field(
        "channel",
        _("Channel"),
        False,
        ("channel", "source", "渠道", "来源"),
        kind="choice",
        choices=InteractionChannel,
        aliases=(("call", "phone"), ("mail", "email")),
    ),
    Field(
        "order",
        _("Order number"),
        False,
        ("order", "orderno", "ordernumber", "invoice", "invoiceno", "订单号", "订单编号"),
        kind="order",
    ),
    Field(
        "assignee",
        _("Assignee (user)"),
        False,
        ("assignee", "assignedto", "agent", "owner", "处理人", "负责人"),
        kind="user",
    ),
    Field(
        "opened_at",
        _("Opened"),
        True,
        ("opened", "openedat", "created", "createdat", "date", "创建时间", "开单时间", "日期"),
        kind="timestamp",
    ),
    Field(
        "resolved_at",
        _("Resolved"),
        False,
        ("resolved", "resolvedat", "solvedat", "解决时间"),
        kind="timestamp",
    ),
    Field("closed_at", _("Closed"), False, ("closed", "closedat", "关闭时间"), kind="timestamp"),
    Field(
        "satisfaction_score",
        _("Satisfaction (1-5)"),
        False,
        ("satisfaction", "satisfactionscore", "csat", "rating", "满意度", "评分"),
        kind="integer",
        low=1,
        high=5,
    ),
)

OPPORTUNITY_FIELDS = (
    _external_id(_("Opportunity id"), "opportunityid", "dealid", "商机编号"),
    _customer(),
    Field(
        "name",
        _("Name"),
        True,
        (
            "name",
            "opportunity",
            "opportunityname",
            "deal",
            "dealname",
            "商机",
            "商机名称",
            "项目名称",
        ),
        max_length=200,
    ),
    Field(
        "stage",
        _("Stage"),
        False,
        ("stage", "dealstage", "阶段", "销售阶段"),
        kind="choice",
        choices=Opportunity.Stage,
        aliases=(
            ("closed won", "won"),
            ("closed lost", "lost"),
            ("prospecting", "qualification"),
            ("赢单", "won"),
            ("成交", "won"),
            ("输单", "lost"),
            ("丢单", "lost"),
            ("初步接洽", "qualification"),
            ("方案", "proposal"),
            ("谈判", "negotiation"),
        ),
    ),
    Field(
        "amount",
        _("Amount"),
        False,
        ("amount", "value", "dealvalue", "金额", "预计金额"),
        kind="number",
        low=0,
    ),
    Field(
        "probability",
        _("Probability %"),
        False,
        ("probability", "winprobability", "赢率", "成功率", "概率"),
        kind="integer",
        low=0,
        high=100,
    ),
    Field(
        "expected_close_date",
        _("Expected close date"),
        False,
        ("closedate", "expectedclose", "expectedclosedate", "预计成交日期", "预计结束日期"),
        kind="date",
    ),
    Field("closed_at", _("Closed"), False, ("closed", "closedat", "成交时间"), kind="timestamp"),
    Field("competitor", _("Competitor"), False, ("competitor", "竞争对手"), max_length=200),
    Field(
        "lost_reason",
        _("Lost reason"),
        False,
        ("lostreason", "reasonlost", "丢单原因", "输单原因"),
        max_length=200,
    ),
    Field(
        "source_channel",
        _("Source channel"),
        False,
        ("source", "leadsource", "channel", "来源", "渠道"),
        kind="choice",
        choices=Customer.Channel,
    ),
    Field(
        "owner",
        _("Owner (user)"),
        False,
        ("owner", "salesrep", "salesperson", "负责人", "销售", "业务员"),
        kind="user",
    ),
)

FIELDS = {
    "orders": ORDER_FIELDS,
    "customers": CUSTOMER_FIELDS,
    "contacts": CONTACT_FIELDS,
    "products": PRODUCT_FIELDS,
    "interactions": INTERACTION_FIELDS,
    "tickets": TICKET_FIELDS,
    "opportunities": OPPORTUNITY_FIELDS,
}
