from django.utils.translation import gettext_lazy as _

from kehu.crm.appconfig import ALL, VIEW, KehuAppConfig, NavEntry
from kehu.crm.choices import Role


class CatalogConfig(KehuAppConfig):
    name = "kehu.crm.catalog"
    label = "catalog"
    verbose_name = _("Catalog")

    url_prefix = "catalog/"
    api_router = "kehu.crm.catalog.api.router"
    nav = (NavEntry(_("Products"), "catalog:product_list", 50, permission="catalog.view_product"),)
    role_permissions = {
        Role.ADMIN: ALL,
        **{
            role: {"product": VIEW, "productcategory": VIEW}
            for role in (Role.SALES, Role.SERVICE, Role.MARKETING, Role.ANALYST)
        },
    }
