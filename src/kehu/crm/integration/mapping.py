"""Which input column feeds which field: suggested from the headers (English and
Chinese), editable, and saved as a named profile for the next file."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    required: bool
    synonyms: tuple[str, ...]


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
    Field("email", _("Email"), False, ("email", "emailaddress", "mail", "邮箱", "电子邮件")),
    Field(
        "phone",
        _("Phone"),
        False,
        ("phone", "telephone", "tel", "mobile", "phonenumber", "电话", "手机", "联系电话"),
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

FIELDS = {"orders": ORDER_FIELDS, "customers": CUSTOMER_FIELDS}


def _key(header: str) -> str:
    return re.sub(r"[\s_\-./()（）#:：]+", "", header).lower()


def suggest_mapping(entity: str, headers: list[str]) -> dict[str, str]:
    """``{field: header}`` for the fields whose name or a synonym matches a header
    (spaces, case and punctuation ignored); each header is used once, best match first."""
    by_key = {_key(h): h for h in headers}
    used: set[str] = set()
    mapping: dict[str, str] = {}
    for field in FIELDS[entity]:
        for synonym in (field.name.replace("_", ""), *field.synonyms):
            header = by_key.get(_key(synonym))
            if header is not None and header not in used:
                mapping[field.name] = header
                used.add(header)
                break
    return mapping


def check_mapping(entity: str, mapping: dict[str, str], headers: list[str]) -> list[str]:
    """Plain-language problems with ``mapping``: unknown fields, columns not in the
    file, required fields without a column. Empty when it can be used."""
    known = {f.name for f in FIELDS[entity]}
    problems = [f"unknown field {name!r}" for name in mapping if name not in known]
    problems += [
        f"column {column!r} (for {name}) is not in the file; its columns are {headers}"
        for name, column in mapping.items()
        if name in known and column not in headers
    ]
    problems += [
        f"no column for the required field {f.name!r} ({f.label}); name it with --map "
        f"{f.name}=COLUMN"
        for f in FIELDS[entity]
        if f.required and f.name not in mapping
    ]
    return problems
