"""The sales, service and engagement flows as a user clicks them, in a real browser, on
records whose ids are above 10,000 (so an id rendered as ``10,001`` would break them):
new order / opportunity / ticket from the 360 page, the type-ahead pickers, recording a
return, adding an activity to an opportunity and ticking activities done."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from kehu.crm.accounts.actions import create_user
from kehu.crm.catalog.actions import create_product
from kehu.crm.customers.actions import create_customer
from kehu.crm.sales import actions as sales
from kehu.crm.sales.models import Activity, Opportunity, Order
from kehu.crm.service.models import Ticket
from tests.ids import start_ids_at

pytestmark = pytest.mark.django_db(transaction=True)

FIRST_ID = 10_001
PASSWORD = "a-long-enough-secret"


@pytest.fixture
def high_ids() -> int:
    """Every table's next automatic id is FIRST_ID (tests.ids.start_ids_at)."""
    start_ids_at(FIRST_ID)
    return FIRST_ID


@pytest.fixture
def world(high_ids: int) -> dict:
    boss, _pw = create_user("boss", role="admin", password=PASSWORD)
    customer = create_customer(name="Lantern Trading Co", email="buy@lantern.example", owner=boss)
    tea = create_product(sku="TEA-500", name="Green tea 500 g", unit_price=Decimal("12.50"))
    cup = create_product(sku="CUP-01", name="Porcelain cup", unit_price=Decimal("4.00"))
    assert customer.pk >= FIRST_ID and tea.pk >= FIRST_ID
    return {"user": boss, "customer": customer, "tea": tea, "cup": cup}


@pytest.fixture(autouse=True)
def no_console_errors(page):
    """Any console error (a script the Content-Security-Policy blocks, a failed htmx
    request) fails the test."""
    errors: list[str] = []
    page.on(
        "console",
        lambda m: errors.append(f"{m.text} {m.location.get('url')}") if m.type == "error" else None,
    )
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on(
        "response",
        lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None,
    )
    yield
    # a form sent back with its errors answers 422, as it should; the browser's own
    # favicon request is not a page's doing
    unexpected = [e for e in errors if "422" not in e and "/favicon.ico" not in e]
    assert unexpected == []


def log_in(page, username: str = "boss") -> None:
    page.goto("/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/")


def pick(page, field_id: str, text: str, label: str) -> None:
    """Type into a picker, wait for the match and click it."""
    page.wait_for_load_state()  # htmx is loaded (deferred) before anything is typed
    page.fill(f"#{field_id}", text)
    option = page.locator(f"#{field_id}-options label.picker-option", has_text=label)
    option.first.click()
    assert page.input_value(f"#{field_id}").startswith(label)


def test_new_order_opportunity_and_ticket_from_the_360_page_preselect_the_customer(page, world):
    customer = world["customer"]
    log_in(page)
    label = f"Lantern Trading Co ({customer.code})"

    page.goto(customer.get_absolute_url())
    page.click("a.button:has-text('New order')")
    page.wait_for_url("**/sales/orders/new/**")
    assert page.input_value("#id_customer") == label
    pick(page, "id_lines-0-product", "green", "Green tea 500 g")
    assert page.get_attribute("#id_lines-0-unit_price", "placeholder") == "12.50"
    page.fill("#id_lines-0-quantity", "2")
    page.click("button[type=submit]:has-text('Create order')")
    page.wait_for_selector("h1:has-text('Order')")
    order = Order.objects.get()
    assert order.customer == customer and order.total_amount == Decimal("25.00")

    page.goto(customer.get_absolute_url())
    page.click("a.button:has-text('New opportunity')")
    page.wait_for_url("**/sales/opportunities/new/**")
    assert page.input_value("#id_customer") == label
    page.fill("#id_name", "Canteen tea for 2027")
    page.fill("#id_amount", "5000")
    page.click("button[type=submit]:has-text('Save')")
    page.wait_for_selector("h1:has-text('Canteen tea for 2027')")
    assert Opportunity.objects.get().customer == customer

    page.goto(customer.get_absolute_url())
    page.click("a.button:has-text('New ticket')")
    page.wait_for_url("**/new/**")
    assert page.input_value("#id_customer") == label
    page.fill("#id_subject", "Tea arrived broken")
    page.click("button[type=submit]:has-text('Open ticket')")
    page.wait_for_selector("h1:has-text('Tea arrived broken'), h1:has-text('TK')")
    assert Ticket.objects.get().customer == customer


def test_type_ahead_picker_reaches_only_the_users_customers(page, world):
    sally, _pw = create_user("sally", role="sales", password=PASSWORD)
    mine = create_customer(name="Lantern East Ltd", owner=sally)
    create_customer(name="Lantern West Ltd", owner=world["user"])
    log_in(page, "sally")

    page.goto("/sales/orders/new/")
    page.wait_for_load_state()
    page.fill("#id_customer", "lantern")
    page.wait_for_selector("#id_customer-options label.picker-option")
    offered = page.locator("#id_customer-options label.picker-option").all_inner_texts()
    assert [text.split(" (")[0] for text in offered] == ["Lantern East Ltd"]
    # Enter takes the first match rather than submitting a half-typed form
    page.press("#id_customer", "Enter")
    assert page.input_value("#id_customer") == f"Lantern East Ltd ({mine.code})"
    assert page.is_checked(f"#id_customer-options input[value='{mine.pk}']")
    assert Order.objects.count() == 0


def test_record_a_return_from_a_shipped_orders_page(page, world):
    order = sales.create_order(
        world["customer"],
        [
            {"product": world["tea"], "quantity": Decimal("3")},
            {"product": world["cup"], "quantity": Decimal("2")},
        ],
        by=world["user"],
    )
    sales.set_order_status(order, "shipped")
    assert order.pk >= FIRST_ID
    log_in(page)

    page.goto(order.get_absolute_url())
    page.click("#record-return")
    page.wait_for_selector("h1:has-text('Return of order')")
    assert page.input_value("#id_lines-0-quantity") == "3"
    assert page.input_value("#id_lines-1-quantity") == "2"
    page.fill("#id_lines-0-quantity", "5")  # more than was bought
    page.fill("#id_lines-1-quantity", "0")
    page.click("button[type=submit]:has-text('Record return')")
    page.wait_for_selector("text=At most 3 of Green tea 500 g can be returned")
    assert not Order.objects.filter(kind="return").exists()

    page.fill("#id_lines-0-quantity", "1")
    page.click("button[type=submit]:has-text('Record return')")
    page.wait_for_selector("h1:has-text('Return')")
    returned = Order.objects.get(kind="return")
    assert returned.original_order == order and returned.total_amount == Decimal("-12.50")
    assert "shipped" not in page.locator("#order-status select").inner_text().lower()
    page.goto(order.get_absolute_url())
    assert page.locator(f"a:has-text('{returned.number}')").count() == 1


def test_add_activity_on_an_opportunity_and_tick_activities_done(page, world):
    customer = world["customer"]
    opportunity = sales.create_opportunity(customer, name="Hotel chain deal", by=world["user"])
    other = sales.create_activity(
        owner=world["user"],
        customer=customer,
        subject="Send samples",
        due_at=timezone.now() + timedelta(days=2),
    )
    assert opportunity.pk >= FIRST_ID and other.pk >= FIRST_ID
    log_in(page)

    page.goto(opportunity.get_absolute_url())
    page.click("a:has-text('Add activity')")
    page.fill("#id_subject", "Call the purchasing manager")
    page.click("button[type=submit]:has-text('Save')")
    page.wait_for_url(f"**{opportunity.get_absolute_url()}")
    activity = Activity.objects.get(subject="Call the purchasing manager")
    assert activity.opportunity == opportunity and activity.customer == customer
    row = page.locator(f"#activity-{activity.pk}")
    row.locator("button:has-text('Done')").click()
    row.locator("button:has-text('Reopen')").wait_for()
    activity.refresh_from_db()
    assert activity.completed_at is not None

    page.goto(customer.get_absolute_url())
    card = page.locator("#customer-activities")
    assert card.locator("tr").first.inner_text().find("Send samples") >= 0  # open ones first
    card.locator(f"#activity-{other.pk} button:has-text('Done')").click()
    card.locator(f"#activity-{other.pk} button:has-text('Reopen')").wait_for()
    other.refresh_from_db()
    assert other.completed_at is not None


def test_the_contact_choices_follow_the_picked_customer(page, world):
    from kehu.crm.customers.actions import add_contact

    add_contact(world["customer"], name="Li Na")
    log_in(page)
    page.goto("/sales/opportunities/new/")
    page.wait_for_load_state()
    assert page.locator("#id_contact option").all_inner_texts() == ["---------"]
    pick(page, "id_customer", "lantern", "Lantern Trading Co")
    page.locator("#id_contact option", has_text="Li Na").wait_for(state="attached")
    assert page.locator("#id_contact option").all_inner_texts() == ["---------", "Li Na"]
