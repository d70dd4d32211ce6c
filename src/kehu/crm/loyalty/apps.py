from django.utils.translation import gettext_lazy as _

from kehu.crm.appconfig import KehuAppConfig


class LoyaltyConfig(KehuAppConfig):
    """Membership by mobile number, levels tied to the value tiers, and the points ledger."""

    name = "kehu.crm.loyalty"
    label = "loyalty"
    verbose_name = _("Loyalty")
