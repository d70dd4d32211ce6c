from django.utils.translation import gettext_lazy as _

from kehu.crm.appconfig import KehuAppConfig, NavEntry
from kehu.crm.choices import Role

_IMPORTERS = (Role.ADMIN, Role.ANALYST)


class IntegrationConfig(KehuAppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "kehu.crm.integration"
    verbose_name = _("Data integration")
    url_prefix = "imports/"
    nav = (
        NavEntry(_("Imports"), "integration:list", 70, roles=_IMPORTERS),
        # sales managers decide cross-owner duplicates but have no Imports menu
        NavEntry(
            _("Possible duplicates"),
            "integration:duplicates",
            71,
            permission="customers.access_all_customers",
            roles=(Role.SALES,),
            not_roles=_IMPORTERS,
        ),
    )
