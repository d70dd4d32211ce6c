"""`kehu import` of contacts, products, interactions, tickets and opportunities: each
row read by its field's kind, references resolved against the CRM, records matched by
their id or natural key, and every row accounted for."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from click.testing import CliRunner

from kehu.cli import main
from kehu.crm.catalog.actions import create_product
from kehu.crm.catalog.models import Product, ProductCategory
from kehu.crm.customers.models import Contact
from kehu.crm.engagement.models import Interaction
from kehu.crm.integration.mapping import suggest_mapping
from kehu.crm.integration.merge import merge_customers
from kehu.crm.sales.actions import create_order
from kehu.crm.sales.models import Opportunity
from kehu.crm.service.models import Ticket

pytestmark = pytest.mark.django_db


def _import(tmp_path, entity, text, *args):
    path = tmp_path / f"{entity}.csv"
    path.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(
        main, ["import", str(path), "--entity", entity, *args], catch_exceptions=False
    )
    return result, result.output.splitlines()[-1]


@pytest.fixture
def huadong(make_customer):
    return make_customer("上海华东贸易有限公司", external_id="K001", email="sales@huadong.cn")


@pytest.fixture
def northwind(make_customer):
    return make_customer("Northwind Traders", email="orders@northwind.example")


CONTACTS = """客户编号,联系人,职位,邮箱,电话,主要联系人
K001,张伟,采购经理,zhang.wei@huadong.cn,138 0000 0001,是
K001,李娜,财务,,021-5555-0102,否
{code},Anne Dodsworth,Buyer,anne@northwind.example,,yes
orders@northwind.example,Anne Dodsworth,Head buyer,,,
K404,Nobody,,nobody@example.com,,
K001,,CEO,x@example.com,,
K001,Bad Mail,,not-mail,,
K001,Odd,,,,maybe
"""


def test_contacts_by_customer_id_code_or_email(tmp_path, huadong, northwind):
    text = CONTACTS.format(code=northwind.code)
    result, last = _import(tmp_path, "contacts", text)
    assert result.exit_code == 0, result.output
    # Anne twice (by code, then by the customer's email): one contact, merged
    assert last == "rows=8 imported=3 merged=1 quarantined=4"
    assert 'Customer: no customer "K404" in the CRM' in result.output
    assert "Name: missing" in result.output
    assert 'Email: "not-mail" is not an email address' in result.output
    assert 'Primary contact: "maybe" is not one of: yes or no' in result.output

    zhang = Contact.objects.get(name="张伟")
    assert zhang.customer == huadong and zhang.is_primary and zhang.title == "采购经理"
    anne = Contact.objects.get(name="Anne Dodsworth")
    assert anne.customer == northwind and anne.title == "Head buyer"
    assert anne.email == "anne@northwind.example"  # the later row's empty cell kept it

    _, again = _import(tmp_path, "contacts", text)
    assert again == "rows=8 imported=0 merged=4 quarantined=4"
    assert Contact.objects.count() == 3


def test_a_reference_to_a_merged_customer_lands_on_the_survivor(
    tmp_path, huadong, make_customer, admin_user
):
    copy = make_customer("华东贸易", external_id="HD-1")
    merge_customers(huadong, copy, by=admin_user)
    _result, last = _import(tmp_path, "contacts", "customer,name\nHD-1,王芳\n")
    assert last == "rows=1 imported=1 merged=0 quarantined=0"
    assert Contact.objects.get(name="王芳").customer == huadong


PRODUCTS = """商品编码,商品名称,类别,单价,成本价,在售
A-100,Tea cup,Kitchen,"12,50","5,10",是
A-101,Teapot,Kitchen,39.9,,
B-200,Lamp,Lighting,-3,,
B-201,Shade,Lighting,abc,,
,Nameless,Lighting,1,,
A-100,Tea cup (blue),,13,,
"""


def test_product_codes_are_one_product_whatever_their_case(tmp_path):
    create_product(sku="TEA-1", name="Oolong", unit_price=Decimal("12.00"))
    text = "sku,name,unit_price\ntea-1,Oolong tea,12.50\nNew-1,New,1.00\nNEW-1,New (again),1.00\n"
    result, last = _import(tmp_path, "products", text)
    assert last == "rows=3 imported=1 merged=2 quarantined=0", result.output
    assert sorted(Product.objects.values_list("sku", "name")) == [
        ("NEW-1", "New (again)"),  # one product, with the file's last values
        ("TEA-1", "Oolong tea"),  # the stored spelling stays, the values change
    ]
    again, last = _import(tmp_path, "products", text)
    assert last == "rows=3 imported=0 merged=3 quarantined=0"


def test_products_with_categories_and_decimal_commas(tmp_path):
    result, last = _import(tmp_path, "products", PRODUCTS, "--decimal-comma")
    assert result.exit_code == 0, result.output
    assert last == "rows=6 imported=2 merged=1 quarantined=3"
    assert "Unit price: -3 is below 0" in result.output
    assert 'Unit price: "abc" is not a number' in result.output
    assert "Product code: missing" in result.output
    assert "categories_created=1" in result.output  # Lighting's rows were all set aside

    cup = Product.objects.get(sku="A-100")
    assert cup.name == "Tea cup (blue)" and cup.unit_price == Decimal("13.00")
    assert cup.unit_cost == Decimal("5.10") and cup.category.name == "Kitchen"
    assert Product.objects.get(sku="A-101").unit_cost is None
    assert list(ProductCategory.objects.values_list("name", flat=True)) == ["Kitchen"]
    _, again = _import(tmp_path, "products", PRODUCTS, "--decimal-comma")
    assert again == "rows=6 imported=0 merged=3 quarantined=3"


INTERACTIONS = """customer_id,date,channel,direction,subject,notes,duration,agent
K001,03/02/2024 09:30,电话,来电,询价,"asked for prices, 200 units",12,sally
K001,04/02/2024 14:00,Email,out,Quote sent,,,sally@example.com
K001,05/02/2024 10:00,Exhibition,,Met at Canton Fair,,45,
K001,06/02/2024 10:00,pigeon,,Odd channel,,,
K001,07/02/2024 10:00,phone,,Half a minute,,0.5,
K001,31/02/2024 10:00,phone,,No such day,,,
K001,08/02/2024 10:00,phone,,Stranger,,,mallory
"""


def test_an_interaction_far_in_the_future_waits_for_a_confirmation(tmp_path, huadong):
    text = "customer_id,date,channel,subject\nK001,2099-02-03 09:30,phone,Typo year\n"
    result, last = _import(tmp_path, "interactions", text)
    assert last == "rows=1 imported=0 merged=0 quarantined=1"
    assert 'When: "2099-02-03 09:30" is more than 31 days in the future' in result.output
    result, last = _import(tmp_path, "interactions", text, "--allow-future-dates")
    assert last == "rows=1 imported=1 merged=0 quarantined=0"


def test_interactions_channels_in_two_languages_and_users(tmp_path, huadong, make_user):
    sally = make_user("sales", username="sally")
    sally.email = "sally@example.com"
    sally.save()
    result, last = _import(tmp_path, "interactions", INTERACTIONS)
    assert result.exit_code == 0, result.output
    assert "dates=%d/%m/%Y %H:%M" in result.output
    assert last == "rows=7 imported=3 merged=0 quarantined=4"
    assert 'Channel: "pigeon" is not one of: phone, email, sms' in result.output
    assert "Duration (minutes): 0.5 is not a whole number" in result.output
    assert 'When: "31/02/2024 10:00" is not a date' in result.output
    assert 'By (user): no user "mallory"' in result.output

    call = Interaction.objects.get(subject="询价")
    assert (call.channel, call.direction, call.user) == ("phone", "inbound", sally)
    assert call.occurred_at == datetime(2024, 2, 3, 9, 30, tzinfo=UTC)
    assert call.duration_minutes == 12 and call.body == "asked for prices, 200 units"
    assert Interaction.objects.get(subject="Quote sent").user == sally  # by email
    fair = Interaction.objects.get(subject="Met at Canton Fair")
    assert fair.channel == "exhibition" and fair.direction == "outbound"  # the default
    _, again = _import(tmp_path, "interactions", INTERACTIONS)
    assert again == "rows=7 imported=0 merged=3 quarantined=4"


TICKETS = """工单号,客户编号,主题,类型,优先级,状态,订单号,创建时间,满意度
OLD-1,K001,货物破损,投诉,高,处理中,SO-1,2024-03-01 09:00,
OLD-2,K001,Invoice question,inquiry,low,resolved,,2024-03-02 10:00,5
OLD-3,K001,Wrong order,order issue,,,SO-404,2024-03-03 10:00,
OLD-4,K001,Too happy,inquiry,,,,2024-03-04 10:00,6
"""


def test_tickets_get_numbers_order_links_and_history(tmp_path, huadong):
    tea = create_product(sku="TEA-1", name="Oolong", unit_price=Decimal("12.00"))
    order = create_order(
        huadong,
        [{"product": tea, "quantity": 1}],
        number="SO-1",
        ordered_at=datetime(2024, 2, 1, tzinfo=UTC),
    )
    result, last = _import(tmp_path, "tickets", TICKETS)
    assert result.exit_code == 0, result.output
    assert last == "rows=4 imported=2 merged=0 quarantined=2"
    assert 'Order number: no order "SO-404" in the CRM' in result.output
    assert "Satisfaction (1-5): 6 is above 5" in result.output

    broken = Ticket.objects.get(subject="货物破损")
    assert (broken.type, broken.priority, broken.status) == ("complaint", "high", "open")
    assert broken.order == order and broken.channel == "phone"
    numbers = sorted(Ticket.objects.values_list("number", flat=True))
    assert numbers == ["T00000001", "T00000002"]
    history = broken.history.get()
    assert history.history_type == "+" and history.history_change_reason.startswith("import #")

    # the old system's ticket OLD-1 was closed since: importing it again updates it
    closed = TICKETS.replace("处理中", "已关闭")
    _, again = _import(tmp_path, "tickets", closed)
    assert again == "rows=4 imported=0 merged=2 quarantined=2"
    broken.refresh_from_db()
    assert broken.status == "closed" and broken.number == "T00000001"
    assert broken.history.count() == 2  # created, then changed by the re-import
    _, third = _import(tmp_path, "tickets", closed)
    assert third == "rows=4 imported=0 merged=2 quarantined=2"
    assert broken.history.count() == 2  # a row that repeats its record writes nothing


OPPORTUNITIES = """customer,opportunity,stage,amount,probability,close date,owner
K001,2025 framework contract,proposal,"120,000.00",,15/06/2025,sally
K001,Pilot order,closed won,8000,,01/03/2025,
K001,Spare parts,谈判,5000,90,,
K001,Refund,lost,-5,,,
K001,Expansion,dreaming,1000,,,
"""


def test_opportunities_stage_words_and_defaults(tmp_path, huadong, make_user):
    sally = make_user("sales", username="sally")
    result, last = _import(tmp_path, "opportunities", OPPORTUNITIES)
    assert result.exit_code == 0, result.output
    assert last == "rows=5 imported=3 merged=0 quarantined=2"
    assert "Amount: -5 is below 0" in result.output
    assert 'Stage: "dreaming" is not one of: qualification' in result.output

    contract = Opportunity.objects.get(name="2025 framework contract")
    assert (contract.stage, contract.probability, contract.owner) == ("proposal", 50, sally)
    assert contract.amount == Decimal("120000.00")
    assert contract.expected_close_date == date(2025, 6, 15)
    won = Opportunity.objects.get(name="Pilot order")
    assert won.stage == "won" and won.probability == 100 and won.closed_at is not None
    parts = Opportunity.objects.get(name="Spare parts")
    assert (parts.stage, parts.probability) == ("negotiation", 90)
    assert contract.history.get().history_type == "+"


@pytest.mark.parametrize(
    ("entity", "headers", "expected"),
    [
        ("contacts", ["客户编号", "联系人", "邮箱"], {"customer", "name", "email"}),
        ("products", ["SKU", "Product Name", "Price"], {"sku", "name", "unit_price"}),
        ("interactions", ["Customer", "Date", "Channel", "Subject"], None),
        ("tickets", ["Ticket ID", "Customer", "Subject", "Created At"], None),
        ("opportunities", ["Account", "Deal Name", "Stage", "Amount", "Close Date"], None),
    ],
)
def test_mapping_is_suggested_for_every_record_entity(entity, headers, expected):
    mapping = suggest_mapping(entity, headers)
    assert set(mapping.values()) == set(headers)  # every column found its field
    if expected:
        assert set(mapping) == expected


def test_a_suggested_column_can_be_left_unmapped(tmp_path, huadong):
    text = "customer,subject,created,priority\nK001,Broken lid,2024-03-01,P1\n"
    _result, last = _import(tmp_path, "tickets", text)
    assert last == "rows=1 imported=0 merged=0 quarantined=1"  # "P1" is not a priority
    result, last = _import(tmp_path, "tickets", text, "--map", "priority=")
    assert last == "rows=1 imported=1 merged=0 quarantined=0", result.output
    assert Ticket.objects.get().priority == "normal"


def test_a_record_on_several_rows_is_written_once_as_the_whole_file_says(tmp_path, huadong):
    text = "customer,name,title,primary\nK001,Ann,Boss,yes\nK001,Ann,Clerk,\n"
    _result, last = _import(tmp_path, "contacts", text)
    assert last == "rows=2 imported=1 merged=1 quarantined=0"
    ann = Contact.objects.get()
    assert (ann.title, ann.is_primary) == ("Clerk", True)  # last non-empty value of each
    for _ in range(2):  # re-imports neither flip the values nor touch the record
        _result, last = _import(tmp_path, "contacts", text)
        assert last == "rows=2 imported=0 merged=2 quarantined=0"
        ann.refresh_from_db()
        assert ann.title == "Clerk"


def test_values_the_database_cannot_hold_are_quarantined(tmp_path):
    text = (
        "sku,name,price\nP1,Max,10000000000\nP2,Round up,9999999999.999\nP3,Inf,inf\n"
        "P4,NaN,nan\nP5,Fine,9999999999.99\n"
    )
    result, last = _import(tmp_path, "products", text)
    assert last == "rows=5 imported=1 merged=0 quarantined=4", result.output
    assert "Unit price: 10000000000 is too large (the most is 9,999,999,999.99)" in result.output
    assert 'Unit price: "inf" is not a number' in result.output
    assert Product.objects.get().unit_price == Decimal("9999999999.99")


def test_dates_out_of_range_are_quarantined_and_offsets_honoured(tmp_path, huadong):
    text = (
        "customer,subject,opened\nK001,Far future,10000-01-01\nK001,Forever,infinity\n"
        "K001,From Shanghai,2024-01-01T10:00:00+08:00\n"
    )
    result, last = _import(tmp_path, "tickets", text)
    assert last == "rows=3 imported=1 merged=0 quarantined=2", result.output
    assert 'Opened: "infinity" is not a date' in result.output
    assert Ticket.objects.get().opened_at == datetime(2024, 1, 1, 2, 0, tzinfo=UTC)


def test_a_deal_moved_to_won_by_a_later_file_closes(tmp_path, huadong):
    _import(tmp_path, "opportunities", "customer,name,stage,amount\nK001,Pilot,proposal,100\n")
    pilot = Opportunity.objects.get()
    assert (pilot.probability, pilot.closed_at) == (50, None)
    before = pilot.updated_at
    _result, last = _import(tmp_path, "opportunities", "customer,name,stage\nK001,Pilot,won\n")
    assert last == "rows=1 imported=0 merged=1 quarantined=0"
    pilot.refresh_from_db()
    assert (pilot.stage, pilot.probability, pilot.amount) == ("won", 100, Decimal("100.00"))
    assert pilot.closed_at is not None and pilot.updated_at > before


def test_a_batch_that_cannot_be_written_fails_its_job_with_the_reason(
    tmp_path, huadong, monkeypatch
):
    from kehu.crm.integration.models import ImportJob
    from kehu.crm.integration.records import RecordEntity

    def broken(self, rows, now=None, by=None):
        raise OSError("disk full")

    monkeypatch.setattr(RecordEntity, "apply_batch", broken)
    path = tmp_path / "contacts.csv"
    path.write_text("customer,name\nK001,Ann\n")
    result = CliRunner().invoke(main, ["import", str(path), "--entity", "contacts"])
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert "batch 1 of 1 could not be written (OSError: disk full)" in result.output
    job = ImportJob.objects.get()
    assert job.status == "failed" and job.batches_landed == 0
    assert Contact.objects.count() == 0


def test_every_text_limit_is_the_model_column_limit():
    from kehu.crm.integration.entities import ENTITIES
    from kehu.crm.integration.records import RecordEntity

    for entity in ENTITIES.values():
        if not isinstance(entity, RecordEntity):
            continue
        for field in entity.fields:
            if field.kind in ("text", "email", "category") and field.name != "external_id":
                column = entity.model._meta.get_field(field.name)
                target = getattr(column, "related_model", None)
                limit = (
                    target._meta.get_field("name").max_length
                    if field.kind == "category"
                    else column.max_length
                )
                assert field.max_length == limit, (entity.entity, field.name)
