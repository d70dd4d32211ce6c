"""Who may open the reports (those who see every customer: the warehouse holds them
all) and build the warehouse (those who run the analysis); what a page says when the
warehouse was never built."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db
PAGES = (
    "/reports/",
    "/reports/explore/",
    "/reports/explore/export.csv",
    "/reports/explore/export.xlsx",
    "/reports/customers-per-month/",
    "/reports/products-without-sales/",
    "/reports/new-products/",
    "/reports/customers-per-month/export.csv",
    "/reports/products-without-sales/export.csv",
    "/reports/new-products/export.csv",
)


@pytest.mark.parametrize("path", PAGES)
def test_a_sales_user_without_manager_rights_gets_the_403_page(make_user, client_for, built, path):
    response = client_for(make_user("sales")).get(path)
    assert response.status_code == 403
    assert "Not allowed" in response.content.decode()


@pytest.mark.parametrize(
    ("role", "manager"),
    [
        ("sales", True),
        ("service", False),
        ("marketing", False),
        ("analyst", False),
        ("admin", False),
    ],
)
def test_those_who_see_every_customer_open_the_reports(make_user, client_for, built, role, manager):
    client = client_for(make_user(role, manager=manager))
    for path in PAGES:
        assert client.get(path).status_code == 200, path


def test_the_menu_has_reports_only_for_those_who_may_open_them(make_user, client_for, db):
    link = '<a href="/reports/">Reports</a>'
    assert link in client_for(make_user("analyst")).get("/").content.decode()
    assert link in client_for(make_user("sales", manager=True)).get("/").content.decode()
    assert link not in client_for(make_user("sales")).get("/").content.decode()


def test_signing_in_comes_first(client, db):
    response = client.get("/reports/explore/")
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_never_built_the_page_says_so_and_an_analyst_builds_it(viewer, sales_world, warehouse_home):
    page = viewer.get("/reports/explore/?measures=net_sales&rows=region").content.decode()
    assert "The sales warehouse has not been built yet." in page
    assert 'id="build-warehouse"' in page and 'id="pivot-table"' not in page

    next_url = "/reports/explore/?measures=net_sales&rows=region"
    response = viewer.post("/reports/warehouse/build/", {"next": next_url})
    assert response.status_code == 302 and response["Location"] == next_url
    page = viewer.get(next_url).content.decode()
    assert 'id="pivot-table"' in page and "The sales warehouse was last built on" in page
    assert "North" in page


def test_the_build_message_counts_the_sales_lines(viewer, sales_world, warehouse_home):
    response = viewer.post("/reports/warehouse/build/", follow=True)
    assert "The sales warehouse was built: 5 sales lines." in response.content.decode()


def test_only_those_who_run_the_analysis_build_it(
    make_user, client_for, sales_world, warehouse_home
):
    marketer = client_for(make_user("marketing"))
    page = marketer.get("/reports/explore/").content.decode()
    assert "The sales warehouse has not been built yet." in page
    assert 'id="build-warehouse"' not in page
    assert "Ask an analyst or an administrator to build it." in page
    assert marketer.post("/reports/warehouse/build/").status_code == 403
    assert not (warehouse_home / "warehouse" / "CURRENT").exists()


def test_building_goes_back_only_to_this_site(viewer, sales_world, warehouse_home):
    response = viewer.post("/reports/warehouse/build/", {"next": "https://evil.example/"})
    assert response["Location"] == "/reports/"


def test_building_takes_a_post(viewer, sales_world, warehouse_home):
    assert viewer.get("/reports/warehouse/build/").status_code == 405


def test_a_build_that_fails_says_so_and_keeps_the_page(viewer, sales_world, warehouse_home):
    (warehouse_home / "warehouse").mkdir()
    (warehouse_home / "warehouse" / "builds").write_text("a file where the builds should go")
    response = viewer.post("/reports/warehouse/build/", follow=True)
    assert response.status_code == 200
    assert "The sales warehouse could not be built:" in response.content.decode()


def test_a_large_store_is_built_in_the_background(viewer, sales_world, warehouse_home, monkeypatch):
    from kehu.crm.intelligence import warehouse
    from kehu.crm.reports import views

    launched = []
    monkeypatch.setattr(views, "BUILD_WHILE_WAITING_LINES", 4)  # the world has 5 lines
    monkeypatch.setattr(warehouse, "launch_build", lambda: launched.append(True))
    response = viewer.post("/reports/warehouse/build/", follow=True)
    assert launched == [True]
    assert "is being built in the background" in response.content.decode()
    assert not (warehouse_home / "warehouse" / "CURRENT").exists()


def test_a_build_already_running_is_not_started_twice(viewer, sales_world, warehouse_home):
    import fcntl

    folder = warehouse_home / "warehouse"
    folder.mkdir()
    with open(folder / ".build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # as a build in another process holds it
        page = viewer.get("/reports/explore/").content.decode()
        assert 'id="warehouse-building"' in page
        response = viewer.post("/reports/warehouse/build/", follow=True)
        assert "The sales warehouse is being built; reload in a while." in response.content.decode()
    assert not (folder / "CURRENT").exists()
    assert 'id="warehouse-building"' not in viewer.get("/reports/explore/").content.decode()
