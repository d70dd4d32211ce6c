from django.utils.translation import gettext_lazy as _

from kehu.crm.appconfig import KehuAppConfig, NavEntry


class ReportsConfig(KehuAppConfig):
    """The sales warehouse's pivot explorer and the ready-made reports
    (:mod:`kehu.crm.reports.views`). No models: it reads the warehouse that
    :mod:`kehu.crm.intelligence.warehouse` builds."""

    name = "kehu.crm.reports"
    label = "reports"
    verbose_name = _("Reports")
    url_prefix = "reports/"
    # the warehouse holds every customer: only those who see every customer open it
    # (managers, service, marketing, analysts, administrators; not a sales user alone)
    nav = (
        NavEntry(
            _("Reports"),
            "reports:index",
            62,
            permission="customers.access_all_customers",
        ),
    )
