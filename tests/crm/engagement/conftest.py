from tests.crm.sales.conftest import make_order, make_product  # noqa: F401 (fixtures)
