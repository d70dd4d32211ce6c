from django.utils.translation import pgettext_lazy

from kehu.crm.appconfig import ALL, EDIT, VIEW, KehuAppConfig, NavEntry
from kehu.crm.choices import Role

# the counter staff: see members, enrol one, redeem a reward, correct a balance
_COUNTER = {
    "membership": EDIT,
    "pointsentry": ("view", "add"),
    "reward": VIEW,
    "earningrule": VIEW,
    "membershiplevel": VIEW,
}


class LoyaltyConfig(KehuAppConfig):
    """Membership by mobile number, levels tied to the value tiers, and the points ledger."""

    name = "kehu.crm.loyalty"
    label = "loyalty"
    verbose_name = pgettext_lazy("loyalty programme", "Loyalty")

    url_prefix = "loyalty/"
    api_router = "kehu.crm.loyalty.api.router"
    nav = (
        NavEntry(
            pgettext_lazy("loyalty programme", "Loyalty"),
            "loyalty:member_list",
            57,
            permission="loyalty.view_membership",
        ),
    )
    role_permissions = {
        Role.ADMIN: ALL,
        Role.SALES: _COUNTER,
        Role.SERVICE: _COUNTER,
        # marketing runs the programme: its levels, rules and rewards
        Role.MARKETING: {
            **_COUNTER,
            "reward": EDIT,
            "earningrule": EDIT,
            "membershiplevel": EDIT,
            "inboundsms": VIEW,
        },
        Role.ANALYST: {
            "membership": VIEW,
            "pointsentry": VIEW,
            "reward": VIEW,
            "earningrule": VIEW,
            "membershiplevel": VIEW,
            "inboundsms": VIEW,
        },
    }

    def ready(self) -> None:
        from kehu.crm.loyalty.receivers import connect

        connect()
