from tests.crm.api.conftest import api_for  # noqa: F401 (fixture)
from tests.crm.sales.conftest import make_order, make_product  # noqa: F401 (fixtures)
